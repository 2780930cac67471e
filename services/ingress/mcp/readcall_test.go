package mcp

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// readCallRef is the reference readCall is held to: encoding/json reading the message into
// rpcCall, unknown members refused, nothing after it.
func readCallRef(body []byte) (id json.RawMessage, in SearchInput, ok bool) {
	if bytes.Contains(body, []byte("null")) {
		return nil, in, false
	}
	var m rpcCall
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if d.Decode(&m) != nil {
		return nil, in, false
	}
	if _, err := d.Token(); err == nil { // something after the message
		return nil, in, false
	}
	a := m.Params.Arguments
	if m.JSONRPC != "2.0" || m.Method != "tools/call" || m.Params.Name != "search" || a == nil || a.Q == nil || !plainID(m.ID) {
		return nil, in, false
	}
	return m.ID, SearchInput{Q: *a.Q, Engine: a.Engine, Page: a.Page, Num: a.Num, HL: a.HL, GL: a.GL,
		Safe: a.Safe, MaxAge: a.MaxAge, NoCache: a.NoCache, Type: a.Type}, true
}

// rpcCall is the one request shape served here, read in one pass: an unknown member anywhere
// (params' _meta, an argument the schema lacks) sends the request to the SDK.
type rpcCall struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  struct {
		Name      string      `json:"name"`
		Arguments *searchArgs `json:"arguments"`
	} `json:"params"`
}

// searchArgs is SearchInput with q a pointer, to tell a missing q (which the schema refuses)
// from an empty one.
type searchArgs struct {
	Q       *string `json:"q"`
	Engine  string  `json:"engine"`
	Page    int     `json:"page"`
	Num     int     `json:"num"`
	HL      string  `json:"hl"`
	GL      string  `json:"gl"`
	Safe    string  `json:"safe"`
	MaxAge  *int    `json:"max_age"`
	NoCache bool    `json:"no_cache"`
	Type    string  `json:"type"`
}

// readCallCases are calls agents send, each of which the fast path must take.
var readCallCases = []string{
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"golang"}}}`,
	`{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"search","arguments":{"q":"golang"}}}`,
	`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"q":"golang","engine":"bing","page":2,"num":20,"hl":"en","gl":"us","safe":"off","max_age":60,"no_cache":true,"type":"news"}}}`,
	` { "method" : "tools/call" , "params" : { "arguments" : { "no_cache" : false , "q" : "café 東京" } , "name" : "search" } , "id" : -12 , "jsonrpc" : "2.0" }` + "\n",
	`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"q":"\"exact phrase\" \u00e9\ud83d\ude00 a\\b"}}}`,
	`{"jsonrpc":"2.0","id":0,"method":"tools/call","params":{"name":"search","arguments":{"q":"","max_age":0,"page":-1}}}`,
}

func TestReadCall(t *testing.T) {
	for _, c := range readCallCases {
		id, in, ok := readCall([]byte(c))
		wid, win, wok := readCallRef([]byte(c))
		if !ok || !wok || string(id) != string(wid) || !reflect.DeepEqual(in, win) {
			t.Errorf("%s:\n got %v %s %+v\nwant %v %s %+v", c, ok, id, in, wok, wid, win)
		}
	}
}

// FuzzReadCall: whatever readCall takes, encoding/json reads the same way.
func FuzzReadCall(f *testing.F) {
	for _, c := range readCallCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go","Q":"x"}}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"go","page":1e2}}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"\ud800"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		id, in, ok := readCall(body)
		if !ok {
			return // the SDK reads it
		}
		wid, win, wok := readCallRef(body)
		if !wok || string(id) != string(wid) || !reflect.DeepEqual(in, win) {
			t.Fatalf("%q:\n got %s %+v\nwant %v %s %+v", body, id, in, wok, wid, win)
		}
	})
}

func BenchmarkReadCall(b *testing.B) {
	body := []byte(readCallCases[2])
	b.ReportAllocs()
	for b.Loop() {
		readCall(body)
	}
}
