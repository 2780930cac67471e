package stack_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

func decodeScrape(t *testing.T, b []byte) schemas.ScrapeResponse {
	t.Helper()
	testkit.ValidateJSON(t, "scrape_response", b)
	var r schemas.ScrapeResponse
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("scrape response: %v\n%s", err, b)
	}
	return r
}

func (e *env) scrapeURL(path string, params ...string) string {
	q := url.Values{"url": {e.sim.URL() + path}}
	for i := 0; i+1 < len(params); i += 2 {
		q.Add(params[i], params[i+1])
	}
	return "/v1/scrape?" + q.Encode()
}

// TestScrapeEndToEnd: a simulated article through the whole pipeline over HTTP and over NATS:
// clean markdown without the page's chrome, metadata, text, links, typed fields; a repeat is
// a cache hit.
func TestScrapeEndToEnd(t *testing.T) {
	e := start(t, nil, nil)
	rp := e.get(t, e.scrapeURL("/pages/article"))
	if rp.status != 200 {
		t.Fatalf("status %d: %s", rp.status, rp.body)
	}
	r := decodeScrape(t, rp.body)
	m := r.ScrapeMetadata
	if m.HTTPStatus != 200 || !strings.HasPrefix(m.ContentType, "text/html") || m.FinalURL != e.sim.URL()+"/pages/article" || m.Cache != "miss" || m.ID == "" {
		t.Errorf("scrape_metadata %+v", m)
	}
	if r.Markdown == "" || r.Metadata == nil || r.Metadata.Title == "" {
		t.Fatalf("markdown %q, metadata %+v", r.Markdown, r.Metadata)
	}
	if r.Text != "" || r.RawHTML != "" || len(r.Links) > 0 {
		t.Errorf("formats not asked for came back")
	}
	for _, chrome := range []string{"cookie", "Cookie", "Subscribe to our newsletter"} {
		if strings.Contains(r.Markdown, chrome) {
			t.Errorf("the markdown keeps the page's chrome (%q):\n%s", chrome, r.Markdown)
		}
	}
	if again := e.get(t, e.scrapeURL("/pages/article")); again.status != 200 || again.header.Get("X-Cache") != "HIT" {
		t.Errorf("repeat: status %d, X-Cache %q", again.status, again.header.Get("X-Cache"))
	}
	// The cache service's hit is kept in the ingress for a moment: the next repeat is the
	// near cache's, with scrape_metadata of its own and the same page.
	before := nearHits(t, e)
	near := e.get(t, e.scrapeURL("/pages/article"))
	if near.status != 200 || near.header.Get("X-Cache") != "HIT" || nearHits(t, e) != before+1 {
		t.Fatalf("near repeat: status %d, X-Cache %q, near hits %v -> %v", near.status, near.header.Get("X-Cache"), before, nearHits(t, e))
	}
	nr := decodeScrape(t, near.body)
	if nm := nr.ScrapeMetadata; nm.ID == m.ID || nm.Cache != "hit" || nm.PageID != m.PageID || nm.FinalURL != m.FinalURL ||
		nm.HTTPStatus != 200 || nr.Markdown != r.Markdown {
		t.Errorf("near hit scrape_metadata %+v (markdown %d bytes), want its own id and the first answer's page", nm, len(nr.Markdown))
	}
	// Archived as a reference to the answer it repeats, it reads back as the answer given.
	if rp := e.get(t, "/v1/scrapes/"+nr.ScrapeMetadata.ID); rp.status != 200 {
		t.Errorf("the near hit's archived answer: status %d: %.200s", rp.status, rp.body)
	} else if ar := decodeScrape(t, rp.body); ar.ScrapeMetadata.ID != nr.ScrapeMetadata.ID || ar.ScrapeMetadata.Cache != "hit" || ar.Markdown != r.Markdown {
		t.Errorf("the near hit reads back as %+v (markdown %d bytes)", ar.ScrapeMetadata, len(ar.Markdown))
	}
	// no_cache never takes it.
	if nc := e.get(t, e.scrapeURL("/pages/article", "no_cache", "true")); nc.status != 200 || nc.header.Get("X-Cache") != "MISS" {
		t.Errorf("no_cache: status %d, X-Cache %q", nc.status, nc.header.Get("X-Cache"))
	}

	// Every format, and typed fields, by POST.
	body := fmt.Sprintf(`{"url": %q, "formats": ["text", "links", "metadata", "raw_html", "html"],
		"extract": {"temperature": {"selector": %q, "type": "number"}, "forecast": {"selector": %q, "type": "list"},
		            "missing": {"selector": ".no-such-thing", "required": true}}}`,
		e.sim.URL()+"/pages/weather", weatherTemperature, weatherForecast)
	rp = e.post(t, "/v1/scrape", body)
	if rp.status != 200 {
		t.Fatalf("POST: status %d: %s", rp.status, rp.body)
	}
	r = decodeScrape(t, rp.body)
	if r.Text == "" || len(r.Links) == 0 || r.RawHTML == "" || r.HTML == "" || r.Markdown != "" {
		t.Errorf("formats: text %d links %d raw %d html %d markdown %d bytes", len(r.Text), len(r.Links), len(r.RawHTML), len(r.HTML), len(r.Markdown))
	}
	if v, ok := r.Extract["temperature"].(float64); !ok || v != -3 {
		t.Errorf("temperature %#v, want the number -3", r.Extract["temperature"])
	}
	if l, ok := r.Extract["forecast"].([]any); !ok || len(l) < 2 {
		t.Errorf("forecast %#v, want a list", r.Extract["forecast"])
	}
	if _, ok := r.Extract["missing"]; ok || len(r.ExtractErrors) != 1 || r.ExtractErrors[0].Field != "extract.missing" {
		t.Errorf("a required field that matched nothing: extract %v, errors %+v", r.Extract, r.ExtractErrors)
	}

	// Over NATS, as the client user, the same document.
	nc, err := nats.Connect(e.st.UserURL(natsauth.UserClient))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	msg, err := nc.Request(schemas.SubjectScrape, []byte(fmt.Sprintf(`{"url": %q}`, e.sim.URL()+"/pages/article")), 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code := msg.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		t.Fatalf("NATS scrape failed: %s %s", code, msg.Data)
	}
	if nr := decodeScrape(t, msg.Data); nr.ScrapeMetadata.Cache != "hit" || nr.Markdown == "" {
		t.Errorf("NATS scrape: cache %q, %d bytes of markdown", nr.ScrapeMetadata.Cache, len(nr.Markdown))
	}
}

// nearHits is the ingress's count of near cache hits.
func nearHits(t *testing.T, e *env) float64 {
	t.Helper()
	rp := e.get(t, "/metrics")
	for _, line := range strings.Split(string(rp.body), "\n") {
		if v, ok := strings.CutPrefix(line, `trawl_ingress_near_cache_total{result="hit"} `); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric line %q", line)
			}
			return f
		}
	}
	return 0
}

// The CSS selectors the weather page is read with (sim/pages.go).
const (
	weatherTemperature = ".now .temp"
	weatherForecast    = ".forecast li.day"
)

// TestScrapeCoalesces: 50 identical scrapes at once fetch the page once.
func TestScrapeCoalesces(t *testing.T) {
	e := start(t, nil, nil)
	before := e.sim.Requests()
	const n = 50
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- e.get(t, e.scrapeURL("/pages/slow?ms=300", "formats", "text")).status
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Fatalf("status %d", c)
		}
	}
	if got := e.sim.Requests() - before; got != 1 {
		t.Errorf("%d fetches for %d identical scrapes, want 1", got, n)
	}
}

// TestScrapeFailures: each way a page can be refused is its own typed error.
func TestScrapeFailures(t *testing.T) {
	e := start(t, nil, nil)
	for _, c := range []struct {
		path   string
		status int
		kind   string
	}{
		{"/pages/challenge", 502, schemas.TypeBlocked},
		{"/pages/huge?mb=20", 413, schemas.TypePageTooLarge},
		{"/pages/pdf", 415, schemas.TypeUnsupportedContent},
	} {
		rp := e.get(t, "/v1/scrape?url="+url.QueryEscape(e.sim.URL()+c.path))
		if rp.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.path, rp.status, c.status, rp.body)
			continue
		}
		if p := decodeProblem(t, rp); p.Kind != c.kind {
			t.Errorf("%s: kind %q, want %q", c.path, p.Kind, c.kind)
		}
	}
	// A windows-1251 page comes back as correct UTF-8.
	rp := e.get(t, e.scrapeURL("/pages/windows-1251", "formats", "text,metadata"))
	if rp.status != 200 {
		t.Fatalf("windows-1251: status %d: %s", rp.status, rp.body)
	}
	if r := decodeScrape(t, rp.body); r.ScrapeMetadata.Charset != "windows-1251" || !strings.Contains(r.Text, "Москве") {
		t.Errorf("windows-1251: charset %q, text %q", r.ScrapeMetadata.Charset, r.Text)
	}
}

// listener records every connection made to it, by the client's address.
type listener struct {
	net.Listener
	from chan string
}

func listen(t *testing.T, addr string) *listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	l := &listener{Listener: ln, from: make(chan string, 1024)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.from <- c.RemoteAddr().String()
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return l
}

// connections is how many connections reached l before one of our own: accepts come in order,
// so once ours is seen every earlier one has been.
func (l *listener) connections(t *testing.T) int {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mine := c.LocalAddr().String()
	n := 0
	timeout := time.After(10 * time.Second)
	for {
		select {
		case from := <-l.from:
			if from == mine {
				return n
			}
			n++
		case <-timeout:
			t.Fatal("our own connection never arrived")
		}
	}
}

// TestScrapeRefusesInternalTargets: every class of address inside the network, a name that
// resolves to one, schemes other than http(s), ports off the list and a redirect from an
// allowed page to a private address: 400 forbidden_target, and no connection is made.
func TestScrapeRefusesInternalTargets(t *testing.T) {
	e := start(t, func(c *stack.Config) { c.Fetcher.ScrapeAllow = "" }, nil)
	lo := listen(t, "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(lo.Addr().String())
	lo2 := listen(t, "127.0.0.2:0") // all of 127/8 is loopback, not only .1
	_, port2, _ := net.SplitHostPort(lo2.Addr().String())
	targets := []string{
		"http://127.0.0.1:" + port + "/",
		"http://127.0.0.2:" + port2 + "/",
		"http://0x7f.0.0.1:" + port + "/",
		"http://0177.0.0.1:" + port + "/",
		"http://0x7f000001:" + port + "/",
		"http://127.0.0.1.:" + port + "/",
		"http://[::ffff:7f00:1]:" + port + "/",
		"http://[::ffff:127.0.0.2]:" + port2 + "/",
		"http://[::127.0.0.1]:" + port + "/",
		"http://[64:ff9b::7f00:1]:" + port + "/",
		"http://[2002:7f00:1::1]:" + port + "/",
		"http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", // Teredo
		"http://evil.example@127.0.0.1:" + port + "/",
		"http://127.0.0.1:" + port + "@evil.example/",
		"http://[::]:" + port + "/",
		"http://100.64.0.1/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
		"http://[ff02::1]/",
		"data:text/html,<h1>hi</h1>",
		"javascript:alert(1)",
		"http://localhost:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
		"http://0.0.0.0:" + port + "/",
		"http://127.1:" + port + "/",
		"http://2130706433:" + port + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/",
		"http://10.0.0.1/",
		"http://192.168.1.1/",
		"http://172.16.0.1/",
		"http://[::1]:" + port + "/",
		"http://[fc00::1]/",
		"http://[fe80::1]/",
		"http://example.com:25/",
		"file:///etc/passwd",
		"gopher://127.0.0.1:" + port + "/",
		"ftp://127.0.0.1:" + port + "/",
	}
	for _, target := range targets {
		rp := e.get(t, "/v1/scrape?url="+url.QueryEscape(target))
		if rp.status != 400 {
			t.Errorf("%s: status %d, want 400: %s", target, rp.status, rp.body)
			continue
		}
		if p := decodeProblem(t, rp); p.Kind != schemas.TypeForbiddenTarget {
			t.Errorf("%s: kind %q, want forbidden_target", target, p.Kind)
		}
	}
	// The same over POST: one decoder, one guard.
	for _, target := range []string{"http://127.0.0.1:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/", "http://2130706433:" + port + "/"} {
		rp := e.post(t, "/v1/scrape", `{"url": `+strconvQuote(target)+`}`)
		if p := decodeProblem(t, rp); rp.status != 400 || p.Kind != schemas.TypeForbiddenTarget {
			t.Errorf("POST %s: status %d kind %q", target, rp.status, p.Kind)
		}
	}
	if n := lo.connections(t) + lo2.connections(t); n != 0 {
		t.Errorf("%d connections reached a refused target", n)
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestScrapeRedirectLoop: a chain of more redirects than the policy follows is the page's
// fault, 502 upstream, and no 200 of whatever page the chain would have reached.
func TestScrapeRedirectLoop(t *testing.T) {
	e := start(t, nil, nil)
	chain := []string{e.sim.URL() + "/pages/article"} // chain[i] redirects i times
	for range 6 {
		chain = append(chain, e.sim.URL()+"/pages/redirect?to="+url.QueryEscape(chain[len(chain)-1]))
	}
	rp := e.get(t, "/v1/scrape?url="+url.QueryEscape(chain[6]))
	p := decodeProblem(t, rp)
	if rp.status != 502 || p.Kind != schemas.TypeUpstream || !strings.Contains(p.Detail, "more than 5 redirects") {
		t.Fatalf("status %d kind %q detail %q, want 502 upstream after 5 redirects", rp.status, p.Kind, p.Detail)
	}
	// Six redirects answered, the sixth not followed: the same on any route, so tried once
	// (it was tried on every route, twelve times, when it counted as a transport failure).
	if n := e.sim.RequestsFor("/pages/redirect"); n != 6 {
		t.Errorf("the simulator saw %d redirect requests, want 6 (one attempt)", n)
	}
	if rp = e.get(t, "/v1/scrape?url="+url.QueryEscape(chain[5])); rp.status != 200 {
		t.Errorf("a chain of 5 redirects: status %d: %s", rp.status, rp.body)
	}
}

// TestScrapeRedirectToPrivate: an allowed page that redirects inside the network is refused at
// the redirect, before any connection to the private address.
func TestScrapeRedirectToPrivate(t *testing.T) {
	e := start(t, nil, nil) // the simulator's address is allowed, nothing else on loopback
	private := listen(t, "127.0.0.2:0")
	sameHost := listen(t, "127.0.0.1:0") // the simulator's host, another port
	for _, to := range []string{"http://" + private.Addr().String() + "/", "http://" + sameHost.Addr().String() + "/",
		"http://169.254.169.254/", "file:///etc/passwd", "http://" + e.st.HTTPAddr() + "/healthz"} {
		rp := e.get(t, e.scrapeURL("/pages/redirect?to="+url.QueryEscape(to)))
		if rp.status != 400 {
			t.Errorf("redirect to %s: status %d, want 400: %s", to, rp.status, rp.body)
			continue
		}
		if p := decodeProblem(t, rp); p.Kind != schemas.TypeForbiddenTarget {
			t.Errorf("redirect to %s: kind %q", to, p.Kind)
		}
	}
	if n := private.connections(t) + sameHost.connections(t); n != 0 {
		t.Errorf("%d connections reached a private address", n)
	}
}
