package ingress

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// respondByQuery answers a search as a hit, or as a miss for a q starting "miss", or as a hit
// the near cache may keep for a q starting "near", or fails it with the kind after "err-".
func respondByQuery(req micro.Request) {
	var r schemas.SearchRequest
	json.Unmarshal(req.Data(), &r)
	if kind, ok := strings.CutPrefix(r.Q, "err-"); ok {
		e := schemas.NewError(kind, "made to fail")
		req.Error(e.Code(), e.Title, e.JSON())
		return
	}
	h := micro.Headers{schemas.HeaderCache: {"hit"}}
	switch {
	case strings.HasPrefix(r.Q, "miss"):
		h[schemas.HeaderCache] = []string{"miss"}
	case strings.HasPrefix(r.Q, "near"):
		h[schemas.HeaderFreshUntil] = []string{strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)}
	}
	req.Respond(searchBody, micro.WithHeaders(h))
}

// accountOf reads GET /v1/account with hdr, checking it against the account JSON Schema.
func accountOf(t *testing.T, base string, hdr map[string]string) schemas.Account {
	t.Helper()
	resp, b := send(t, "GET", base+"/v1/account", nil, hdr)
	if resp.StatusCode != 200 {
		t.Fatalf("account: status %d: %s", resp.StatusCode, b)
	}
	testkit.ValidateJSON(t, "account", b)
	var a schemas.Account
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// send makes one request and checks its status.
func getStatus(t *testing.T, base, path string, hdr map[string]string, want int) {
	t.Helper()
	resp, b := send(t, "GET", base+path, nil, hdr)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, want, b)
	}
}

// clientSearch asks the ingress's NATS client endpoint for a search with key.
func clientSearch(t *testing.T, ns *server.Server, key, q string) {
	t.Helper()
	nc := testkit.Connect(t, ns)
	m := nats.NewMsg(schemas.SubjectClientSearch)
	m.Header.Set("Authorization", "Bearer "+key)
	m.Data = []byte(`{"q":"` + q + `"}`)
	reply, err := nc.RequestMsg(m, 10*time.Second)
	if err != nil {
		t.Fatalf("client search: %v", err)
	}
	if code := reply.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		t.Fatalf("client search: %s %s", code, reply.Data)
	}
}

const (
	betaKey = "beta-key-0123456789"
	// usageTenants: acme with a quota and a rate, beta with neither.
	usageTenants = `{"tenants":[
		{"name":"acme","keys":["` + acmeKey + `"],"rate_per_sec":1000,"burst":1000,"daily_quota":100},
		{"name":"beta","keys":["` + betaKey + `"]}]}`
)

var betaHdr = map[string]string{"X-API-Key": betaKey}

// TestAccountAcrossReplicas: two ingress replicas on one Redis each answer some of a tenant's
// searches and scrapes, over HTTP and NATS; /v1/account on either counts every one exactly
// once, hits and errors apart, and the quota left agrees with the limiter. Replica a flushes
// often, b only when it stops: b sees a's counts after a flush and its own at once, and once b
// has stopped a sees them all, so a clean stop loses nothing.
func TestAccountAcrossReplicas(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondByQuery)
	rd := testkit.StartRedis(t)
	a := startIngress(t, ns, ingressOpts{keys: usageTenants, redisURL: rd.URL, cfg: func(c *Config) { c.UsageFlushInterval = 20 * time.Millisecond }})
	b := startIngress(t, ns, ingressOpts{keys: usageTenants, redisURL: rd.URL, cfg: func(c *Config) { c.UsageFlushInterval = time.Minute }})

	for range 3 {
		getStatus(t, a.url, "/v1/search?q=go", acmeHdr, 200) // hits
	}
	getStatus(t, a.url, "/v1/search?q=miss1", acmeHdr, 200)
	getStatus(t, a.url, "/v1/search?q=miss2", acmeHdr, 200)
	getStatus(t, a.url, "/v1/search?q=err-upstream_failed", acmeHdr, 502)
	getStatus(t, a.url, "/v1/search?q=", acmeHdr, 400) // admitted, then refused by validation
	getStatus(t, a.url, "/v1/scrape?url="+url.QueryEscape("https://example.com/a"), acmeHdr, 200)
	getStatus(t, b.url, "/v1/scrape?url="+url.QueryEscape("https://example.com/b"), acmeHdr, 200)
	getStatus(t, b.url, "/v1/scrape?url="+url.QueryEscape("https://example.com/err-blocked"), acmeHdr, 502)
	for range 4 {
		getStatus(t, b.url, "/v1/search?q=go", acmeHdr, 200)
	}
	getStatus(t, b.url, "/v1/engines", acmeHdr, 200) // quota, but not usage
	clientSearch(t, ns, acmeKey, "miss-over-nats")
	getStatus(t, b.url, "/v1/search?q=go", betaHdr, 200)
	getStatus(t, a.url, "/v1/search?q=go", betaHdr, 200)
	getStatus(t, b.url, "/v1/search?q=go", nil, 401) // no key: not usage

	want := schemas.Account{
		Tenant:    "acme",
		Searches:  schemas.UsagePeriods{ThisHour: 12, Today: 12, ThisMonth: 12},
		Scrapes:   schemas.UsagePeriods{ThisHour: 3, Today: 3, ThisMonth: 3},
		CacheHits: schemas.UsagePeriods{ThisHour: 9, Today: 9, ThisMonth: 9},
		Errors:    schemas.UsagePeriods{ThisHour: 3, Today: 3, ThisMonth: 3},
		Quota:     &schemas.AccountQuota{Daily: 100, UsedToday: 16, LeftToday: 84},
		RateLimit: &schemas.AccountRateLimit{PerSecond: 1000, Burst: 1000, PerHour: 3600000},
	}
	same := func(got schemas.Account) bool {
		if got.Quota == nil || got.Quota.RenewsAt.IsZero() || got.AsOf.IsZero() {
			return false
		}
		g := got
		g.AsOf, g.Quota = time.Time{}, &schemas.AccountQuota{Daily: got.Quota.Daily, UsedToday: got.Quota.UsedToday, LeftToday: got.Quota.LeftToday}
		// Around the top of an hour, the counts split between this hour and the last.
		g.Searches.ThisHour += g.Searches.LastHour
		g.Scrapes.ThisHour += g.Scrapes.LastHour
		g.CacheHits.ThisHour += g.CacheHits.LastHour
		g.Errors.ThisHour += g.Errors.LastHour
		g.Searches.LastHour, g.Scrapes.LastHour, g.CacheHits.LastHour, g.Errors.LastHour = 0, 0, 0, 0
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(want)
		return string(gj) == string(wj)
	}
	var got schemas.Account
	testkit.Eventually(t, 5*time.Second, func() bool {
		got = accountOf(t, b.url, acmeHdr)
		return same(got)
	}, "replica b: account %+v", got)
	// Reading the account used no quota, and the counts stay exact: nothing counted twice.
	b.Stop()
	if got := accountOf(t, a.url, acmeHdr); !same(got) {
		gj, _ := json.Marshal(got)
		t.Errorf("replica a, after b stopped: %s", gj)
	}

	beta := accountOf(t, a.url, betaHdr)
	if beta.Tenant != "beta" || beta.Searches.Today != 2 || beta.Scrapes.Today != 0 || beta.Quota != nil || beta.RateLimit != nil {
		t.Errorf("beta sees %+v, want only its own 2 searches and no quota or rate", beta)
	}
	if n := a.tenantRequests("acme", "search", "hit"); n != 3 {
		t.Errorf("replica a's metric: %v acme search hits, want 3", n)
	}

	rd.Stop()
	resp, body := send(t, "GET", a.url+"/v1/account", nil, acmeHdr)
	if resp.StatusCode != 503 || problemOf(t, resp, body).Kind != schemas.TypeUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("account without Redis: %d %s", resp.StatusCode, body)
	}
}

// TestAccountQuota: requests refused by the quota are not usage, and the quota left is the
// limiter's own.
func TestAccountQuota(t *testing.T) {
	limiterModes(t, func(t *testing.T, redisURL string) {
		ns := testkit.StartNATS(t)
		startFakeCache(t, ns, respondHit)
		in := startIngress(t, ns, ingressOpts{redisURL: redisURL,
			keys: `{"tenants":[{"name":"acme","keys":["` + acmeKey + `"],"daily_quota":3}]}`})
		getStatus(t, in.url, "/v1/search?q=go", acmeHdr, 200)
		a := accountOf(t, in.url, acmeHdr)
		if a.Quota == nil || a.Quota.UsedToday != 1 || a.Quota.LeftToday != 2 {
			t.Fatalf("after one search: quota %+v", a.Quota)
		}
		for range 2 {
			getStatus(t, in.url, "/v1/search?q=go", acmeHdr, 200)
		}
		for range 2 {
			getStatus(t, in.url, "/v1/search?q=go", acmeHdr, 429)
		}
		a = accountOf(t, in.url, acmeHdr)
		if a.Searches.Today != 3 || a.CacheHits.Today != 3 {
			t.Errorf("searches %+v, hits %+v: want the 3 admitted, all hits", a.Searches, a.CacheHits)
		}
		now := time.Now().UTC()
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
		if q := a.Quota; q.Daily != 3 || q.UsedToday != 3 || q.LeftToday != 0 || !q.RenewsAt.Equal(midnight) {
			t.Errorf("quota %+v, want 3 used, 0 left, renewing at %s", q, midnight)
		}
		// The account is readable with the quota spent, and reading it spends nothing.
		if n := in.counter(in.m.limited.WithLabelValues("acme", schemas.TypeQuotaExceeded)); n != 2 {
			t.Errorf("refused %v, want 2", n)
		}
	})
}

// TestAccountOpenAccess: without keys the account is the deployment's, under tenant "". A
// near-cache hit is a hit.
func TestAccountOpenAccess(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondByQuery)
	in := startIngress(t, ns, ingressOpts{cfg: func(c *Config) { c.IPRate, c.IPBurst, c.NearCacheTTL = 10, 20, time.Minute }})
	getStatus(t, in.url, "/v1/search?q=go", nil, 200)
	getStatus(t, in.url, "/v1/search?q=miss", nil, 200)
	getStatus(t, in.url, "/v1/search?q=near", nil, 200)
	getStatus(t, in.url, "/v1/search?q=near", nil, 200)
	if n := in.counter(in.m.near.WithLabelValues("hit")); n != 1 {
		t.Fatalf("near cache hits %v, want 1", n)
	}
	a := accountOf(t, in.url, nil)
	if a.Tenant != "" || a.Note == "" || a.Searches.Today != 4 || a.CacheHits.Today != 3 || a.Errors.Today != 0 || a.Quota != nil {
		t.Errorf("open access account %+v", a)
	}
	if r := a.RateLimit; r == nil || !r.PerClientAddress || r.PerSecond != 10 || r.Burst != 20 || r.PerHour != 36000 {
		t.Errorf("open access rate limit %+v", r)
	}
	if n := in.tenantRequests("open", "search", "miss"); n != 1 {
		t.Errorf("metric: %v open search misses, want 1", n)
	}
	resp, _ := send(t, "POST", in.url+"/v1/account", nil, nil)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET" {
		t.Errorf("POST /v1/account: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
