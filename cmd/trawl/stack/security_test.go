package stack_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// The attacks of the NATS side, each against a real trawl serve on loopback: none may do harm.

func TestNATSRefusesAnonymousAndWrongPasswords(t *testing.T) {
	e := start(t, nil, nil)
	for name, url := range map[string]string{
		"anonymous":      e.st.NATSURL(),
		"wrong password": strings.Replace(e.st.NATSURL(), "://", "://client:guess@", 1),
		"stage user":     strings.Replace(e.st.NATSURL(), "://", "://cache:guess@", 1),
	} {
		if nc, err := nats.Connect(url, nats.MaxReconnects(0)); err == nil {
			nc.Close()
			t.Errorf("%s: connected", name)
		} else if !strings.Contains(strings.ToLower(err.Error()), "authorization") {
			t.Errorf("%s: %v, want an authorization violation", name, err)
		}
	}
}

// permissionErrs collects the asynchronous permission errors of a connection.
func connectAs(t *testing.T, e *env, user string) (*nats.Conn, chan error) {
	t.Helper()
	errs := make(chan error, 64)
	nc, err := nats.Connect(e.st.UserURL(user), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case errs <- err:
		default:
		}
	}))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}

func wantViolation(t *testing.T, nc *nats.Conn, errs chan error, what string) {
	t.Helper()
	nc.Flush()
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Errorf("%s: %v, want a permissions violation", what, err)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("%s: allowed", what)
	}
}

// A client can neither forge results, nor hijack or eavesdrop on the pipeline, nor touch
// JetStream; it can only ask trawl.v1.search.
func TestClientUserIsConfinedToSearch(t *testing.T) {
	e := start(t, nil, nil)
	nc, errs := connectAs(t, e, natsauth.UserClient)

	nc.Publish(schemas.ResultSubject("forged"), []byte(`{"poison":true}`))
	wantViolation(t, nc, errs, "publish a result")
	nc.Subscribe("trawl.>", func(*nats.Msg) {})
	wantViolation(t, nc, errs, "subscribe to trawl.>")
	nc.QueueSubscribe(schemas.SubjectSearch, "q", func(*nats.Msg) {})
	wantViolation(t, nc, errs, "join the cache's queue group")
	nc.Publish(schemas.SubjectFetchPrefix+"duckduckgo", []byte(`{}`))
	wantViolation(t, nc, errs, "publish a fetch job")
	if _, err := nc.Request("$JS.API.STREAM.DELETE."+schemas.StreamFetch, nil, 2*time.Second); err == nil {
		t.Error("a client deleted the fetch stream")
	}

	// Listening on every inbox of its account, a client sees nothing of an HTTP search: the
	// pipeline's inboxes live in another account.
	spy := make(chan *nats.Msg, 64)
	if _, err := nc.ChanSubscribe("_INBOX.>", spy); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	if rp := e.get(t, "/v1/search?q=another+private+query"); rp.status != 200 {
		t.Fatalf("HTTP search: %d %s", rp.status, rp.body)
	}
	// A search of its own on the same connection proves the spy was listening.
	if m, err := nc.Request(schemas.SubjectSearch, []byte(`{"q":"own query"}`), 10*time.Second); err != nil || m.Header.Get(schemas.HeaderServiceErrorCode) != "" {
		t.Fatalf("client search: %v", err)
	}
	for len(spy) > 0 {
		if m := <-spy; strings.Contains(string(m.Data), "another private query") {
			t.Errorf("a client saw an HTTP search's answer on %s", m.Subject)
		}
	}
}

// Each stage's user is allowed what its stage does and nothing else.
func TestStageUsersAreLeastPrivilege(t *testing.T) {
	e := start(t, nil, nil)
	tests := []struct {
		user string
		do   func(nc *nats.Conn)
		what string
	}{
		{natsauth.UserIngress, func(nc *nats.Conn) { nc.Publish(schemas.ResultSubject("k"), []byte("{}")) }, "ingress publishes a result"},
		{natsauth.UserIngress, func(nc *nats.Conn) { nc.Publish(schemas.SubjectFetchPrefix+"bing", []byte("{}")) }, "ingress publishes a job"},
		{natsauth.UserCache, func(nc *nats.Conn) { nc.Publish(schemas.ResultSubject("k"), []byte("{}")) }, "cache publishes a result"},
		{natsauth.UserFetcher, func(nc *nats.Conn) { nc.Publish(schemas.ResultSubject("k"), []byte("{}")) }, "fetcher publishes a result"},
		{natsauth.UserCache, func(nc *nats.Conn) { nc.Publish(schemas.SubjectParsePrefix+"bing", []byte("{}")) }, "cache publishes a page"},
		{natsauth.UserFetcher, func(nc *nats.Conn) { nc.Publish("$JS.API.STREAM.MSG.DELETE."+schemas.StreamParse, nil) }, "fetcher deletes a page"},
		{natsauth.UserParser, func(nc *nats.Conn) { nc.Publish(schemas.SubjectFetchPrefix+"bing", []byte("{}")) }, "parser publishes a job"},
		{natsauth.UserFetcher, func(nc *nats.Conn) { nc.Publish(schemas.SubjectFetchPrefix+"bing", []byte("{}")) }, "fetcher publishes a job"},
		{natsauth.UserFetcher, func(nc *nats.Conn) { nc.Publish("$JS.API.STREAM.DELETE."+schemas.StreamFetch, nil) }, "fetcher deletes a stream"},
		{natsauth.UserParser, func(nc *nats.Conn) { nc.Subscribe(schemas.SubjectSearch, func(*nats.Msg) {}) }, "parser answers searches"},
		{natsauth.UserParser, func(nc *nats.Conn) { nc.Subscribe(natsauth.InboxPrefix(natsauth.UserIngress)+".>", func(*nats.Msg) {}) }, "parser reads the ingress's inbox"},
	}
	for _, tc := range tests {
		t.Run(tc.what, func(t *testing.T) {
			nc, err := e.st.Embedded().ConnectAs(tc.user, "attacker", slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			errs := make(chan error, 8)
			nc.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err })
			tc.do(nc)
			wantViolation(t, nc, errs, tc.what)
		})
	}
	// The operator may do what nobody else may.
	admin, _ := connectAs(t, e, natsauth.UserAdmin)
	js, _ := jetstream.New(admin)
	if _, err := js.Stream(t.Context(), schemas.StreamFetch); err != nil {
		t.Errorf("admin cannot read the fetch stream: %v", err)
	}
}

// A tenant limited to 5 requests a second over HTTP is held to it over NATS too.
func TestClientSearchIsLimitedLikeHTTP(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"tenants":[{"name":"small","keys":["small-key-0123456789"],"rate_per_sec":5,"burst":5}]}`), 0o600)
	e := start(t, func(c *stack.Config) { c.Ingress.KeysFile = keys }, nil)
	nc, _ := connectAs(t, e, natsauth.UserClient)
	ask := func(key string) string {
		m := nats.NewMsg(schemas.SubjectSearch)
		m.Data = []byte(`{"q":"limited"}`)
		if key != "" {
			m.Header.Set("Authorization", "Bearer "+key)
		}
		r, err := nc.RequestMsg(m, 10*time.Second)
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		if code := r.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
			var p schemas.Error
			json.Unmarshal(r.Data, &p)
			return p.Kind
		}
		return "ok"
	}
	if got := ask(""); got != schemas.TypeUnauthorized {
		t.Errorf("no key: %s, want %s", got, schemas.TypeUnauthorized)
	}
	if got := ask("wrong-key-0123456789"); got != schemas.TypeUnauthorized {
		t.Errorf("wrong key: %s, want %s", got, schemas.TypeUnauthorized)
	}
	limited := 0
	for range 30 {
		if ask("small-key-0123456789") == schemas.TypeRateLimited {
			limited++
		}
	}
	if limited < 20 {
		t.Errorf("%d of 30 back-to-back searches limited, want at least 20 (5/s, burst 5)", limited)
	}
}

// One deleted work stream used to make every miss a 503 for good: now the stages recreate it
// and searches succeed again.
func TestPipelineRecoversADeletedStream(t *testing.T) {
	e := start(t, nil, nil)
	admin, _ := connectAs(t, e, natsauth.UserAdmin)
	js, _ := jetstream.New(admin)
	for _, name := range []string{schemas.StreamFetch, schemas.StreamParse} {
		if err := js.DeleteStream(t.Context(), name); err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
	}
	i := 0
	testkit.Eventually(t, 30*time.Second, func() bool {
		i++
		return e.get(t, fmt.Sprintf("/v1/search?q=after+the+deletion+%d", i)).status == 200
	}, "a search to succeed after the streams were deleted")
	testkit.Eventually(t, 10*time.Second, func() bool { return e.get(t, "/readyz").status == 200 }, "ready again")
}

// A kept page is its tenant's: another tenant, even with the id in hand, gets 404.
func TestKeptPageIsTheTenantsOwn(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"tenants":[{"name":"acme","keys":["acme-key-0123456789"]},{"name":"globex","keys":["globex-key-0123456789"]}]}`), 0o600)
	e := start(t, func(c *stack.Config) { c.Ingress.KeysFile = keys }, nil)
	get := func(path, key string) (int, []byte) {
		req, _ := http.NewRequest("GET", e.base+path, nil)
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get("/v1/search?q=newlayout+acme+secret", "acme-key-0123456789")
	var p schemas.Error
	if err := json.Unmarshal(body, &p); status != 502 || err != nil || p.SearchID == "" {
		t.Fatalf("acme's unrecognised page: %d %s", status, body)
	}
	if len(p.SearchID) < 20 {
		t.Errorf("search id %q is too short to be unguessable", p.SearchID)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		s, _ := get("/v1/searches/"+p.SearchID+"?output=html", "acme-key-0123456789")
		return s == 200
	}, "acme reads its kept page")
	for _, path := range []string{"", "?output=html", "?reparse=true"} {
		if s, b := get("/v1/searches/"+p.SearchID+path, "globex-key-0123456789"); s != 404 {
			t.Errorf("globex read acme's %s: %d %s", path, s, b)
		}
	}
}
