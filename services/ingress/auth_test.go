package ingress

import (
	"os"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

const (
	acmeKey   = "acme-key-0123456789"
	globexKey = "globex-key-9876543210"
)

// twoTenants has acme with a plaintext key and globex with a hashed one, both unlimited.
var twoTenants = `{"tenants":[
	{"name":"acme","keys":["` + acmeKey + `"]},
	{"name":"globex","keys":["` + HashKey(globexKey) + `"]}
]}`

func TestAuth(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{keys: twoTenants})
	search := in.url + "/v1/search?q=go"

	tests := []struct {
		name      string
		url       string
		hdr       map[string]string
		want      int
		challenge string // fragment of WWW-Authenticate on a 401
	}{
		{name: "no key", url: search, want: 401, challenge: `Bearer realm="trawl"`},
		{name: "wrong bearer key", url: search, hdr: map[string]string{"Authorization": "Bearer nope"}, want: 401, challenge: "invalid_token"},
		{name: "wrong X-API-Key", url: search, hdr: map[string]string{"X-API-Key": "nope"}, want: 401, challenge: "invalid_token"},
		{name: "basic scheme", url: search, hdr: map[string]string{"Authorization": "Basic YWNtZTprZXk="}, want: 401, challenge: "invalid_request"},
		{name: "empty bearer", url: search, hdr: map[string]string{"Authorization": "Bearer "}, want: 401},
		{name: "key with a prefix of a real key", url: search, hdr: map[string]string{"X-API-Key": acmeKey[:10]}, want: 401},
		{name: "the hash instead of the key", url: search, hdr: map[string]string{"X-API-Key": HashKey(globexKey)}, want: 401},
		{name: "engines need a key", url: in.url + "/v1/engines", want: 401},
		{name: "plaintext key as bearer", url: search, hdr: map[string]string{"Authorization": "Bearer " + acmeKey}, want: 200},
		{name: "bearer scheme in lower case", url: search, hdr: map[string]string{"Authorization": "bearer " + acmeKey}, want: 200},
		{name: "plaintext key as X-API-Key", url: search, hdr: map[string]string{"X-API-Key": acmeKey}, want: 200},
		{name: "hashed key", url: search, hdr: map[string]string{"Authorization": "Bearer " + globexKey}, want: 200},
		{name: "engines with a key", url: in.url + "/v1/engines", hdr: map[string]string{"X-API-Key": globexKey}, want: 200},
		{name: "healthz needs no key", url: in.url + "/healthz", want: 200},
		{name: "readyz needs no key", url: in.url + "/readyz", want: 200},
		{name: "metrics are not on the public port with keys", url: in.url + "/metrics", want: 404},
		{name: "not even with a key", url: in.url + "/metrics", hdr: map[string]string{"X-API-Key": acmeKey}, want: 404},
		{name: "openapi needs no key", url: in.url + "/openapi.json", want: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := send(t, "GET", tc.url, nil, tc.hdr)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, b)
			}
			if tc.want != 401 {
				return
			}
			if e := problemOf(t, resp, b); e.Kind != schemas.TypeUnauthorized {
				t.Errorf("kind %q", e.Kind)
			}
			if ch := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer") || !strings.Contains(ch, tc.challenge) {
				t.Errorf("WWW-Authenticate %q, want it to contain %q", ch, tc.challenge)
			}
		})
	}
	if n := in.counter(in.m.authFailures.WithLabelValues("unknown")); n < 4 {
		t.Errorf("unknown-key failures counted %v, want at least 4", n)
	}
}

func TestKeysFileRejected(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"unknown field", `{"tenants":[{"name":"a","keys":["k"],"rate_per_second":5}]}`, "unknown field"},
		{"unknown top-level field", `{"tenants":[{"name":"a","keys":["k"]}],"version":2}`, "unknown field"},
		{"not JSON", `tenants: []`, "invalid character"},
		{"trailing data", `{"tenants":[{"name":"a","keys":["k"]}]} {}`, "trailing"},
		{"no tenants", `{"tenants":[]}`, "no tenants"},
		{"bad name", `{"tenants":[{"name":"a b","keys":["k"]}]}`, "name"},
		{"tenant twice", `{"tenants":[{"name":"a","keys":["k1"]},{"name":"a","keys":["k2"]}]}`, "twice"},
		{"no keys", `{"tenants":[{"name":"a","keys":[]}]}`, "no keys"},
		{"empty key", `{"tenants":[{"name":"a","keys":[""]}]}`, "empty key"},
		{"short hash", `{"tenants":[{"name":"a","keys":["sha256:abcd"]}]}`, "64 hex"},
		{"non-hex hash", `{"tenants":[{"name":"a","keys":["sha256:` + strings.Repeat("zz", 32) + `"]}]}`, "64 hex"},
		{"key shared by two tenants", `{"tenants":[{"name":"a","keys":["k"]},{"name":"b","keys":["` + HashKey("k") + `"]}]}`, "also a key of a"},
		{"negative rate", `{"tenants":[{"name":"a","keys":["k"],"rate_per_sec":-1}]}`, "rate_per_sec"},
		{"burst without rate", `{"tenants":[{"name":"a","keys":["k"],"burst":5}]}`, "burst needs rate_per_sec"},
		{"negative quota", `{"tenants":[{"name":"a","keys":["k"],"daily_quota":-1}]}`, "daily_quota"},
		{"short webhook secret", `{"tenants":[{"name":"a","keys":["k"],"webhook_secret":"0123456789abcde"}]}`, "webhook_secret must be at least 16 bytes"},
		{"spaced webhook secret", `{"tenants":[{"name":"a","keys":["k"],"webhook_secret":" 0123456789abcdef"}]}`, "webhook_secret has leading"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseKeys([]byte(tc.file), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestReload swaps the keys on Reload (what SIGHUP calls), keeps them when the new file is
// broken, and keeps a tenant's spent burst across the reload.
func TestReload(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{keys: `{"tenants":[{"name":"acme","keys":["old-key"],"rate_per_sec":0.01,"burst":2}]}`})
	status := func(key string) int {
		resp, _ := send(t, "GET", in.url+"/v1/search?q=go", nil, map[string]string{"X-API-Key": key})
		return resp.StatusCode
	}
	if s := status("old-key"); s != 200 {
		t.Fatalf("old key before reload: %d", s)
	}
	write := func(s string) {
		if err := os.WriteFile(in.keysPath, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"tenants":[{"name":"acme","keys":["new-key"],"rate_per_sec":0.01,"burst":2}]}`)
	if err := in.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if s := status("old-key"); s != 401 {
		t.Errorf("old key after reload: %d, want 401", s)
	}
	if s := status("new-key"); s != 200 {
		t.Errorf("new key after reload: %d, want 200", s)
	}
	// The burst of 2 was spent before and after the reload: the limiter state carried over.
	if s := status("new-key"); s != 429 {
		t.Errorf("third request of a burst of 2: %d, want 429", s)
	}
	write(`{"tenants":[{"name":"acme","keys":["newer-key"],"rate_per_sec":"fast"}]}`)
	if err := in.Reload(); err == nil {
		t.Fatal("reload of a broken file succeeded")
	}
	if s := status("newer-key"); s != 401 {
		t.Errorf("key of a broken file: %d, want 401", s)
	}
	if s := status("new-key"); s != 429 {
		t.Errorf("key in force after a failed reload: %d, want 429 (known, still limited)", s)
	}
	if ok, bad := in.counter(in.m.keyReloads.WithLabelValues("ok")), in.counter(in.m.keyReloads.WithLabelValues("error")); ok != 2 || bad != 1 {
		t.Errorf("reloads counted ok=%v error=%v, want 2 and 1", ok, bad)
	}
}

func TestKeyLookupDoesNotAllocate(t *testing.T) {
	ring, err := parseKeys([]byte(twoTenants), nil)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte(globexKey)
	if n := testing.AllocsPerRun(100, func() {
		if ring.lookup(key) == nil {
			t.Fatal("key not found")
		}
	}); n != 0 {
		t.Errorf("lookup allocates %v times", n)
	}
}
