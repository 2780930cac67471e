package mcp

import (
	"encoding/json"
	"net"
	"net/netip"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// fastSearch answers the call agents make over and over, a tools/call of search in one
// JSON-RPC request answered with JSON, without the SDK's per-request session. Our own code,
// because it is measurably better here: the SDK's stateless handler builds a session for each
// request and decodes the message several times through a decoder that allocates about 100 kB
// each time, about 400 kB and half a millisecond a call, eight times a native hit
// (BenchmarkMCPHit). Everything else, and any request this path is not sure of, goes to the
// SDK, which stays the reference: TestFastSearchEqualsSDK holds the two answers equal.
type fastSearch struct {
	b dialect.Backend
	// memo keeps the text rendering of answers' bodies (the search id is added per answer).
	memo *dialect.Memo
	// localOnly is Handler's: under open access the SDK checks the Host of a loopback request.
	localOnly func() bool
}

// oldProtocols are the MCP-Protocol-Version values whose tools/call answer this path writes
// exactly as the SDK does; a request naming another (or a newer protocol) goes to the SDK.
var oldProtocols = []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

// serve answers c if it is a call this path serves, and reports whether it did.
func (f *fastSearch) serve(c *fasthttp.RequestCtx) bool {
	if !c.IsPost() || !jsonContentType(c.Request.Header.ContentType()) || !acceptsBoth(&c.Request.Header) {
		return false
	}
	if v := c.Request.Header.Peek("Mcp-Protocol-Version"); len(v) > 0 && !oneOf(string(v), oldProtocols) {
		return false
	}
	if f.localOnly != nil && f.localOnly() && !loopbackHost(string(c.Host())) {
		return false
	}
	id, in, ok := readCall(c.PostBody())
	if !ok {
		return false
	}
	r := searchRequest(in)
	ans, e := dialect.Search(c, f.b, dialect.HeaderAuth(c), &r)
	// The SDK's answer, member for member: {"jsonrpc","id","result":{content,structuredContent|isError}},
	// written in the response's own buffer.
	buf := c.Response.SwapBody(nil)[:0]
	buf = append(buf, `{"jsonrpc":"2.0","id":`...)
	buf = append(buf, id...)
	buf = append(buf, `,"result":{"content":[{"type":"text","text":`...)
	if e != nil {
		t, _ := json.Marshal(errorText(e))
		buf = append(buf, t...)
	} else {
		var err error
		if buf, err = f.appendText(buf, ans); err != nil {
			c.Response.SwapBody(buf)
			return false // the SDK answers what cannot be read, as it would have
		}
	}
	buf = append(buf, "}]"...)
	if e != nil {
		buf = append(buf, `,"structuredContent":{},"isError":true`...) // the SDK's empty Output
	} else {
		buf = append(buf, `,"structuredContent":`...)
		buf = ans.AppendNative(buf)
	}
	buf = append(buf, "}}"...)
	c.Response.SwapBody(buf)
	c.SetStatusCode(fasthttp.StatusOK)
	c.SetContentType("application/json")
	return true
}

// appendText appends the search tool's text for ans as a JSON string: its body's rendering,
// kept in the memo already escaped (encoding it was a fifth of the call), then its id.
func (f *fastSearch) appendText(buf []byte, ans *dialect.Answer) ([]byte, error) {
	if ans.Rest == nil {
		var o Output
		if err := json.Unmarshal(ans.Native(), &o); err != nil {
			return buf, err
		}
		t, err := json.Marshal(renderSearch(o))
		return append(buf, t...), err
	}
	var kb [32]byte // the memo's lookup key is built on the stack
	key := append(kb[:0], "mcp-search"...)
	body, ok := f.memo.Get(key, ans)
	if !ok {
		// Rest is the answer's members after search_metadata: "{" + Rest[1:] is them alone.
		var o Output
		if err := json.Unmarshal(append([]byte{'{'}, ans.Rest[1:]...), &o); err != nil {
			return buf, err
		}
		q, err := json.Marshal(renderResults(o))
		if err != nil {
			return buf, err
		}
		body = q[:len(q)-1] // without its closing quote: the id line follows
		f.memo.Set(key, ans, body)
	}
	// A JSON string's escaping is per character, so the two parts escape apart; the id line
	// is plain ASCII (ids are letters and digits).
	buf = append(buf, body...)
	if !schemas.ValidID(ans.Meta.ID) { // none, or not plain: escaped as any text
		idq, _ := json.Marshal(idLine(ans.Meta.ID))
		return append(buf, idq[1:]...), nil
	}
	buf = append(buf, `\n(search id `...)
	buf = append(buf, ans.Meta.ID...)
	return append(buf, `)\n"`...), nil
}

// plainID is a JSON-RPC id this path echoes byte for byte as the SDK would re-encode it: a
// canonical integer, or a string of plain printable ASCII.
func plainID(id json.RawMessage) bool {
	s := string(id)
	switch {
	case len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"':
		for i := 1; i < len(s)-1; i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
		}
		return true
	case s == "0":
		return true
	}
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || digits[0] == '0' || len(digits) > 18 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

func jsonContentType(v []byte) bool {
	if string(v) == "application/json" {
		return true // what every SDK sends: no copy, no parse
	}
	base, params, _ := strings.Cut(string(v), ";")
	params = strings.TrimSpace(params)
	return strings.EqualFold(strings.TrimSpace(base), "application/json") &&
		(params == "" || strings.EqualFold(params, "charset=utf-8"))
}

// acceptsBoth is the SDK's check that Accept names both JSON and event streams.
func acceptsBoth(h *fasthttp.RequestHeader) bool {
	switch string(h.Peek("Accept")) {
	case "application/json, text/event-stream", "text/event-stream, application/json":
		// The SDKs' own header names both (a further Accept header could only add); PeekAll and the
		// split below cost a copy per request.
		return true
	}
	var jsonOK, streamOK bool
	for _, v := range h.PeekAll("Accept") {
		for raw := range strings.SplitSeq(string(v), ",") {
			base, _, _ := strings.Cut(raw, ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				streamOK = true
			case "*/*":
				jsonOK, streamOK = true, true
			}
		}
	}
	return jsonOK && streamOK
}

// loopbackHost reports a Host the SDK's rebinding check passes whatever the local address.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = strings.Trim(hostport, "[]")
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

// searchRequest is the native request of a search call.
func searchRequest(in SearchInput) schemas.SearchRequest {
	return schemas.SearchRequest{Q: in.Q, Engine: in.Engine, Page: in.Page, Num: in.Num, HL: in.HL, GL: in.GL,
		Safe: in.Safe, MaxAge: in.MaxAge, NoCache: in.NoCache, Type: in.Type}
}
