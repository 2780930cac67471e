package sim_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
)

// layout is what one simulated engine's first page carries beside its organic results, as
// the engine's own parser reads it.
type layout struct {
	ads     int    // ads on page 1
	related bool   // related searches on every page
	answer  string // AnswerBox.Type on page 1, "" for none
	total   bool   // the page states a result count
	sized   bool   // the engine asks for a page size (SearchRequest.Num)
}

// layouts holds every engine trawl registers: a registered engine missing here (or from the
// simulator) fails TestEnginesParseTheirSimulatedPages.
var layouts = map[string]layout{
	// The html endpoint shows Bing's ads and a zero-click answer, but no related searches.
	"duckduckgo": {ads: 1, answer: "instant_answer"},
	"google":     {ads: 1, related: true, answer: "ai_overview", total: true, sized: true},
	"bing":       {ads: 1, related: true, answer: "featured_snippet", sized: true},
	"yandex":     {ads: 1, related: true, answer: "ai_overview", total: true, sized: true},
	"baidu":      {ads: 1, related: true, answer: "ai_overview", sized: true},
	// Ecosia's Google ads are filled in by script: the served page holds only empty slots.
	"ecosia": {related: true, answer: "knowledge_panel"},
	"yahoo":  {ads: 1, related: true, total: true, sized: true},
	// Brave's page shows no ads, related searches or count; a news cluster is not organic.
	"brave": {},
	// Wikipedia's API answers with articles; its first fills knowledge_graph, not answer_box.
	"wikipedia": {sized: true},
	// Qwant's API takes count but never more than 10, so it is not sized here.
	"qwant": {ads: 1, total: true},
	// Mojeek shows no ads, answer or related searches; pages of 10, whatever num asks.
	"mojeek": {total: true},
	// Startpage's ads are script-filled slots and it shows no count or related searches here;
	// pages of 10, whatever num asks.
	"startpage": {},
}

// startSim runs the simulator on a free loopback port with no latency, and a registry of
// the real engines pointed at it.
func startSim(t *testing.T) (*sim.Server, *engines.Registry, sim.Config) {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Addr, cfg.Latency = "127.0.0.1:0", 0
	srv := sim.New(cfg, nil)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	reg := engines.Default()
	if err := reg.SetBaseURLs(srv.EngineURLs()); err != nil {
		t.Fatalf("EngineURLs %q: %v", srv.EngineURLs(), err)
	}
	return srv, reg, cfg
}

// search asks the simulator as the engine asks the real engine (its own Request, over HTTP)
// and parses the answer with the engine's own Parse; it also checks Classify agrees.
func search(t *testing.T, reg *engines.Registry, engine, q string, page int) (*schemas.SERP, error) {
	t.Helper()
	return searchReq(t, reg, &schemas.SearchRequest{Engine: engine, Q: q, Page: page}, http.DefaultTransport)
}

func searchReq(t *testing.T, reg *engines.Registry, req *schemas.SearchRequest, rt http.RoundTripper) (*schemas.SERP, error) {
	t.Helper()
	engine, q, page := req.Engine, req.Q, req.Page
	// An engine that needs a first page (DuckDuckGo's verticals) is asked as the fetcher asks
	// it: the prelude, then the request built from its answer.
	up, err := reg.Prelude(req)
	if err != nil {
		t.Fatal(err)
	}
	if up != nil {
		if up, err = reg.Follow(req, upstreamBody(t, up, rt)); err != nil {
			return nil, err
		}
	} else if up, err = reg.Request(req); err != nil {
		t.Fatal(err)
	}
	body := upstreamBody(t, up, rt)
	serp, perr := reg.Parse(engine, body, req)
	if cerr := reg.Classify(engine, body, req); !sameKind(cerr, perr) {
		t.Errorf("%s page %d of %q: Classify says %v, Parse %v", engine, page, q, cerr, perr)
	}
	return serp, perr
}

// upstreamBody sends an engine's request and returns the 200 answer's body.
func upstreamBody(t *testing.T, up *engines.Request, rt http.RoundTripper) []byte {
	t.Helper()
	hr, err := http.NewRequest(up.Method, up.URL, bytes.NewReader(up.Body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header = up.Header
	c := &http.Client{Transport: rt, Timeout: 10 * time.Second}
	resp, err := c.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", up.Method, up.URL, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d, %v", up.Method, up.URL, resp.StatusCode, err)
	}
	return body
}

func sameKind(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var ea, eb *schemas.Error
	return errors.As(a, &ea) && errors.As(b, &eb) && ea.Kind == eb.Kind
}

func isKind(err error, kind string) bool {
	return errors.Is(err, schemas.NewError(kind, ""))
}

func TestEnginesParseTheirSimulatedPages(t *testing.T) {
	srv, reg, cfg := startSim(t)
	simulated := map[string]bool{}
	for _, name := range sim.Engines() {
		simulated[name] = true
	}
	for _, name := range reg.Names() {
		if !simulated[name] {
			t.Errorf("engine %q is registered but the simulator does not serve it", name)
		}
	}
	if len(sim.Engines()) != len(reg.Names()) {
		t.Errorf("simulated %v, registered %v", sim.Engines(), reg.Names())
	}

	const q = "golang generics"
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) {
			want, ok := layouts[name]
			if !ok {
				t.Fatalf("no expected layout for %q: add the engine to layouts", name)
			}
			// Every page in turn: its results are the simulator's, in order, and only the
			// last has no next page.
			// A page holds the engine's own page size (Brave fixes 20), so the ranking's
			// cfg.PerPage*cfg.Pages results may take fewer pages, the last one short.
			seen := map[string]int{}
			total, per := cfg.PerPage*cfg.Pages, sim.PageSize(name, cfg.PerPage)
			pages := (total + per - 1) / per
			for page := 1; page <= pages; page++ {
				serp, err := search(t, reg, name, q, page)
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				wantOrganic := sim.Organic(name, q, page, cfg.PerPage, cfg.Pages)
				if want := min(per, total-(page-1)*per); len(wantOrganic) != want {
					t.Fatalf("page %d: the simulator lists %d results, want %d", page, len(wantOrganic), want)
				}
				checkOrganic(t, reg, schemas.SearchRequest{Engine: name, Q: q, Page: page}, serp.OrganicResults, wantOrganic)
				for _, r := range serp.OrganicResults {
					if prev, dup := seen[r.URL]; dup {
						t.Errorf("page %d repeats %s from page %d", page, r.URL, prev)
					}
					seen[r.URL] = page
				}
				if last := page == pages; serp.HasNext == last {
					t.Errorf("page %d of %d: HasNext %v", page, pages, serp.HasNext)
				}
				checkModules(t, page, q, serp, want)
			}
			// Past the last page, and for "noresults": the engine's own no-results page.
			for _, tc := range []struct {
				q    string
				page int
			}{{q, pages + 1}, {"golang noresults", 1}} {
				serp, err := search(t, reg, name, tc.q, tc.page)
				if err != nil || len(serp.OrganicResults) != 0 || serp.HasNext {
					t.Errorf("%q page %d: want an empty SERP, got %+v, %v", tc.q, tc.page, serp, err)
				}
			}
			if _, err := search(t, reg, name, "golang newlayout", 1); !isKind(err, schemas.TypeUnrecognised) {
				t.Errorf("newlayout: want %s, got %v", schemas.TypeUnrecognised, err)
			}
		})
	}
	var want int64
	for _, name := range reg.Names() {
		per := sim.PageSize(name, cfg.PerPage)
		want += int64((cfg.PerPage*cfg.Pages+per-1)/per + 1)
	}
	if got := srv.RequestsFor(q); got != want {
		t.Errorf("RequestsFor(%q) = %d, want %d: every route counts", q, got, want)
	}
}

// checkOrganic holds a page's organic results to the simulator's list: same titles, the
// targets' own URLs (never the engine's redirect) and positions 1..n.
// checkOrganic holds a page's results to the simulator's list. Positions continue across pages
// by the engine's own paging (engines.Offset): first is the position of the page's first result.
func checkOrganic(t *testing.T, reg *engines.Registry, req schemas.SearchRequest, got []schemas.OrganicResult, want []sim.Result) {
	t.Helper()
	page := req.Page
	e, _ := reg.Get(req.Engine)
	first := engines.Offset(e, &req) + 1
	if len(got) != len(want) {
		t.Fatalf("page %d: %d organic results, want %d", page, len(got), len(want))
	}
	for i, r := range got {
		w := want[i]
		if r.Position != first+i || r.Title != w.Title || r.URL != w.URL {
			t.Errorf("page %d result %d: got #%d %q %s, want #%d %q %s", page, i, r.Position, r.Title, r.URL, first+i, w.Title, w.URL)
		}
	}
}

// checkModules: ads and answers on the first page only and never among the organic results,
// related searches about the query.
func checkModules(t *testing.T, page int, q string, serp *schemas.SERP, want layout) {
	t.Helper()
	organic := map[string]bool{}
	for _, r := range serp.OrganicResults {
		organic[r.URL], organic[r.Title] = true, true
	}
	wantAds, wantAnswer := want.ads, want.answer
	if page > 1 {
		wantAds, wantAnswer = 0, ""
	}
	if len(serp.Ads) != wantAds {
		t.Errorf("page %d: %d ads, want %d", page, len(serp.Ads), wantAds)
	}
	for _, a := range serp.Ads {
		if organic[a.URL] || organic[a.Title] {
			t.Errorf("page %d: ad %q (%s) is also an organic result", page, a.Title, a.URL)
		}
		if !strings.Contains(a.Title, q) {
			t.Errorf("page %d: ad title %q is not about %q", page, a.Title, q)
		}
	}
	switch ab := serp.AnswerBox; {
	case wantAnswer == "" && ab != nil:
		t.Errorf("page %d: unexpected answer box %+v", page, ab)
	case wantAnswer != "" && ab == nil:
		t.Errorf("page %d: no answer box, want %s", page, wantAnswer)
	case ab != nil && (ab.Type != wantAnswer || !strings.Contains(ab.Snippet+ab.Title, q)):
		t.Errorf("page %d: answer box %+v, want a %s about %q", page, ab, wantAnswer, q)
	}
	if !want.related && len(serp.RelatedSearches) > 0 {
		t.Errorf("page %d: unexpected related searches %v", page, serp.RelatedSearches)
	}
	if want.related && len(serp.RelatedSearches) != 4 {
		t.Errorf("page %d: %d related searches, want 4", page, len(serp.RelatedSearches))
	}
	for _, rs := range serp.RelatedSearches {
		if !strings.HasPrefix(rs.Query, q+" ") || organic[rs.URL] {
			t.Errorf("page %d: related search %+v", page, rs)
		}
	}
	if want.total != (serp.TotalResults > 0) {
		t.Errorf("page %d: total results %d", page, serp.TotalResults)
	}
}

// TestEnginesCaptchaIsBlocked: the CAPTCHA fault answers each engine with its own block
// page, which its parser reports as a block, never as zero results.
func TestEnginesCaptchaIsBlocked(t *testing.T) {
	srv, reg, _ := startSim(t)
	srv.SetConfig(func(c *sim.Config) { c.CaptchaRate = 1 })
	const q = "blocked everywhere"
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) {
			serp, err := search(t, reg, name, q, 1)
			if !isKind(err, schemas.TypeBlocked) {
				t.Errorf("want %s, got %+v, %v", schemas.TypeBlocked, serp, err)
			}
		})
	}
	n := int64(len(reg.Names()))
	if srv.Requests() != n || srv.RequestsFor(q) != n || srv.Faults()["captcha"] != n {
		t.Errorf("requests %d, for %q %d, captchas %d: want %d each", srv.Requests(), q, srv.RequestsFor(q), srv.Faults()["captcha"], n)
	}
}

func TestEngineURLs(t *testing.T) {
	srv, _, _ := startSim(t)
	var want []string
	for _, name := range sim.Engines() {
		want = append(want, name+"="+srv.URL()+"/"+name)
	}
	if got := srv.EngineURLs(); got != strings.Join(want, ",") {
		t.Errorf("EngineURLs() = %q, want %q", got, strings.Join(want, ","))
	}
	if names := sim.Engines(); !sortedUnique(names) || len(names) == 0 {
		t.Errorf("Engines() = %v, want sorted distinct names", names)
	}
}

func sortedUnique(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

// TestEnginesPageSize: an engine that asks for a page size gets it, from the offset its
// Request computes with it; the others get the simulator's own page size.
func TestEnginesPageSize(t *testing.T) {
	_, reg, cfg := startSim(t)
	const q, num = "sized pages", 20
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) {
			per := sim.PageSize(name, cfg.PerPage)
			if layouts[name].sized {
				per = num
			}
			serp, err := searchReq(t, reg, &schemas.SearchRequest{Engine: name, Q: q, Page: 2, Num: num}, http.DefaultTransport)
			if err != nil {
				t.Fatal(err)
			}
			// Organic slices the same ranking for any page size; pages only bounds it.
			checkOrganic(t, reg, schemas.SearchRequest{Engine: name, Q: q, Page: 2, Num: num}, serp.OrganicResults, sim.Organic(name, q, 2, per, cfg.Pages))
			if wantNext := 2*per < cfg.PerPage*cfg.Pages; serp.HasNext != wantNext {
				t.Errorf("HasNext %v after results %d..%d of %d", serp.HasNext, per+1, 2*per, cfg.PerPage*cfg.Pages)
			}
		})
	}
}

// TestDuckDuckGoAtTheRoot: DuckDuckGo also answers at /html/, so a base URL without the
// /duckduckgo prefix (what "duckduckgo="+URL() gave before) keeps working.
func TestDuckDuckGoAtTheRoot(t *testing.T) {
	srv, reg, cfg := startSim(t)
	if err := reg.SetBaseURLs("duckduckgo=" + srv.URL()); err != nil {
		t.Fatal(err)
	}
	serp, err := search(t, reg, "duckduckgo", "root path", 2)
	if err != nil {
		t.Fatal(err)
	}
	checkOrganic(t, engines.Default(), schemas.SearchRequest{Engine: "duckduckgo", Q: "root path", Page: 2}, serp.OrganicResults, sim.Organic("duckduckgo", "root path", 2, cfg.PerPage, cfg.Pages))
	if srv.RequestsFor("root path") != 1 {
		t.Errorf("RequestsFor = %d, want 1", srv.RequestsFor("root path"))
	}
}

// TestBannedProxyAnswersWithTheEnginesCaptcha: a banned proxy answers each engine with that
// engine's block page, which its parser reports as a block.
func TestBannedProxyAnswersWithTheEnginesCaptcha(t *testing.T) {
	srv, reg, _ := startSim(t)
	ps, err := sim.StartProxies([]string{sim.ProxyBanned}, sim.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ps.Close)
	u, err := url.Parse(ps[0].URL())
	if err != nil {
		t.Fatal(err)
	}
	via := &http.Transport{Proxy: http.ProxyURL(u)}
	t.Cleanup(via.CloseIdleConnections)
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) {
			serp, err := searchReq(t, reg, &schemas.SearchRequest{Engine: name, Q: "banned", Page: 1}, via)
			if !isKind(err, schemas.TypeBlocked) {
				t.Errorf("want %s, got %+v, %v", schemas.TypeBlocked, serp, err)
			}
		})
	}
	if srv.Requests() != 0 || ps[0].Requests() != int64(len(reg.Names())) {
		t.Errorf("the engine saw %d requests and the proxy %d; want 0 and %d", srv.Requests(), ps[0].Requests(), len(reg.Names()))
	}
}
