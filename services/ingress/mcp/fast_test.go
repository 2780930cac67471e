package mcp

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
	"github.com/trawl-dev/trawl/services/ingress/dialect/dialecttest"
)

// failing answers every search with a typed error.
type failing struct{ dialecttest.Backend }

func (failing) Search(context.Context, dialect.Auth, *schemas.SearchRequest) ([]byte, *schemas.Error) {
	return nil, schemas.ValidationError([]schemas.FieldError{{Field: "q", Message: "is required"}})
}

// serveOn serves h on an in-memory listener (the SDK's handler needs a served request) and
// returns a function sending one POST to /mcp: status, content type, body.
func serveOn(t *testing.T, h fasthttp.RequestHandler) func(body string, hdr map[string]string) (int, string, []byte) {
	ln := fasthttputil.NewInmemoryListener()
	s := &fasthttp.Server{Handler: h}
	go s.Serve(ln)
	t.Cleanup(func() { s.Shutdown(); ln.Close() })
	client := &fasthttp.Client{Dial: func(string) (net.Conn, error) { return ln.Dial() }}
	return func(body string, hdr map[string]string) (int, string, []byte) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.Header.SetMethod("POST")
		req.SetRequestURI("http://127.0.0.1/mcp")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		req.SetBodyString(body)
		if err := client.Do(req, resp); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode(), string(resp.Header.ContentType()), append([]byte(nil), resp.Body()...)
	}
}

// TestFastSearchEqualsSDK: for every request, /mcp with the fast path answers what the SDK
// alone answers (status, type, JSON); the calls it is sure of take the fast path, the others
// go to the SDK.
func TestFastSearchEqualsSDK(t *testing.T) {
	std := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for a, b := range std {
			h[a] = b
		}
		h[k] = v
		return h
	}
	cases := []struct {
		name, body string
		hdr        map[string]string
		fast       bool
	}{
		{"int id", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"golang"}}}`, std, true},
		{"string id", `{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"search","arguments":{"q":"golang"}}}`, std, true},
		{"every argument", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"q":"golang","engine":"bing","page":2,"num":20,"hl":"en","gl":"us","safe":"off","max_age":60,"no_cache":true,"type":"news"}}}`, std, true},
		{"max_age null", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"q":"golang","max_age":null}}}`, std, false},
		{"q holding null", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"q":"null pointer"}}}`, std, false},
		{"arguments null", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":null}}`, std, false},
		{"empty q", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"q":""}}}`, std, true},
		{"protocol header", `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}`, with("Mcp-Protocol-Version", "2025-06-18"), true},
		{"accept */*", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}`, with("Accept", "*/*"), true},
		{"charset", `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}`, with("Content-Type", "application/json; charset=utf-8"), true},

		{"unknown argument", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"golang","x":1}}}`, std, false},
		{"q null", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":null}}}`, std, false},
		{"no q", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"engine":"bing"}}}`, std, false},
		{"page a string", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go","page":"2"}}}`, std, false},
		{"float id", `{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}`, std, false},
		{"escaped id", `{"jsonrpc":"2.0","id":"a\u0041<","method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}`, std, false},
		{"meta", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"},"_meta":{"progressToken":1}}}`, std, false},
		{"other tool", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_search","arguments":{"id":"ABCDEFGHIJKLMNOPQRSTUVWXYZ"}}}`, std, false},
		{"tools/list", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`, std, false},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}]`, std, false},
		{"trailing data", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}} {}`, std, false},
		{"new protocol", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}`, with("Mcp-Protocol-Version", "2026-07-28"), false},
		{"no event-stream", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}`, with("Accept", "application/json"), false},
		{"form type", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go"}}}`, with("Content-Type", "text/plain"), false},
	}
	backends := map[string]dialect.Backend{"failing": failing{}}
	for _, name := range dialecttest.Searches {
		b, err := os.ReadFile(filepath.Join("..", "dialect", "testdata", "native", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		backends[name] = dialecttest.Backend{Native: b}
	}
	o := dialect.Options{Engines: []string{"duckduckgo", "bing", "google"}}
	for bname, b := range backends {
		memo := dialect.NewMemo(1 << 20)
		fast := serveOn(t, FastHTTPHandler(NewServer(b, o), b, memo, func() bool { return false }))
		sdkOnly := serveOn(t, FastHTTPHandler(NewServer(b, o), nil, nil, func() bool { return false }))
		f := &fastSearch{b: b, memo: memo}
		for _, tc := range cases {
			for round := range 2 { // the second from the memo
				st, ct, got := fast(tc.body, tc.hdr)
				wst, wct, want := sdkOnly(tc.body, tc.hdr)
				if st != wst || ct != wct || !sameJSON(got, want) {
					t.Errorf("%s, %s, round %d:\nfast %d %s %s\nsdk  %d %s %s", bname, tc.name, round, st, ct, got, wst, wct, want)
				}
			}
			var c fasthttp.RequestCtx
			c.Request.Header.SetMethod("POST")
			c.Request.SetRequestURI("/mcp")
			for k, v := range tc.hdr {
				c.Request.Header.Set(k, v)
			}
			c.Request.SetBodyString(tc.body)
			if took := f.serve(&c); took != tc.fast {
				t.Errorf("%s, %s: fast path taken %v, want %v", bname, tc.name, took, tc.fast)
			}
		}
	}
}

// sameJSON: equal as JSON values, or byte for byte when either is not JSON.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}
