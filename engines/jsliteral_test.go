package engines

import (
	"encoding/json"
	"testing"
)

// TestJSLiteralJSON: the SvelteKit data literal Brave hands its page becomes the JSON it
// stands for, and what is not data is refused, never guessed.
func TestJSLiteralJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[{title:"a \"b\"",url:"https:\u002F\u002Fx.example\u002Fp",n:-1.5e2,ok:true,none:null,u:void 0,w:undefined}]tail`,
			`[{"title":"a \"b\"","url":"https://x.example/p","n":-1.5e2,"ok":true,"none":null,"u":null,"w":null}]`},
		{`{a:[1,2,{b:'it\'s'}],"c d":"\x41\ud83d\ude00"}`, `{"a":[1,2,{"b":"it's"}],"c d":"A😀"}`},
		{`[ ]`, `[]`},
	} {
		got, n, err := jsLiteralJSON([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		var a, b any
		if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(tc.want), &b) != nil {
			t.Errorf("%s: not JSON: %s", tc.in, got)
			continue
		}
		if ja, _ := json.Marshal(a); string(ja) != mustMarshal(b) {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.want)
		}
		if tc.in[n-1] != ']' && tc.in[n-1] != '}' {
			t.Errorf("%s: spans %d bytes, not up to its closing bracket", tc.in, n)
		}
	}
	for _, bad := range []string{`[{a:new Date(1)}]`, `[{a:"x"}`, `[{a:function(){}}]`, `[}`, `{a:"unterminated}`, `[{a:` + "`t`" + `}]`, `x`, ``} {
		if _, _, err := jsLiteralJSON([]byte(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzJSLiteralJSON: on any input the rewrite either refuses or yields valid JSON, and never
// reads past its input.
func FuzzJSLiteralJSON(f *testing.F) {
	f.Add([]byte(`[{title:"a",url:"https://x.example",p:{url:"u",width:1}},{t:void 0}]`))
	f.Add([]byte(`{a:'b\x41',c:[1,-2.5,true,null,undefined]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, n, err := jsLiteralJSON(in)
		if err != nil {
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("span %d of %d", n, len(in))
		}
		if !json.Valid(out) {
			t.Fatalf("%q -> invalid JSON %q", in, out)
		}
	})
}
