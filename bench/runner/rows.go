package main

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// row is one measured path: what it starts, how it is loaded, and the targets it is held to.
type row struct {
	id    string
	title string
	// setup starts the row's processes and returns the load target.
	setup func(e *env) (*rig, error)
	// load are the trawl load flags beyond target, concurrency and duration.
	load []string
	// warm asks the hot key once before the run, so every measured request is a hit.
	warm bool
	// wrk: also load the row with wrk (hot key, closed loop) when BENCH_WRK is set.
	wrk    bool
	checks []check
	// duration and warmup, when set, replace BENCH_DURATION and BENCH_WARMUP: the sustained
	// rows measure a minute once the caches are full (warmup is the first round's; later
	// rounds warm up for BENCH_WARMUP).
	duration, warmup time.Duration
	// group names the rows that run in turns (turns.go): a row and the rows its checks hold
	// it to share one. pivot marks the row a group's others are held to: it runs around each.
	group string
	pivot bool
	// at, in place of setup, serves the row by its group pivot's processes at this path (a
	// client dialect's route on the pivot's trawl serve): what differs between the two rows
	// is then the path alone, not the process.
	at string
}

// rig is a row's running processes.
type rig struct {
	target string
	procs  []*proc
	// ops is the ops listener (metrics, pprof) of an all-in-one, "" otherwise.
	ops string
}

const apiKey = "bench-key"

func rows(e *env) []row {
	hot := []string{"--query-set", "hot"}
	miss := []string{"--query-set", "distinct"}
	scrapeHot := []string{"--scrape-url", e.scrapePage(), "--query-set", "hot"}
	scrapeMiss := []string{"--scrape-url", e.scrapePage(), "--query-set", "distinct"}
	// The stage rows' fetchers take 4 jobs each: the in-flight limit binds, not the CPU.
	return append(floorRows(e, hot), []row{
		{id: "hit-aio-memory", group: "hit", title: "trawl serve, hit, in-process cache", load: hot, warm: true, wrk: true,
			setup: func(e *env) (*rig, error) { return e.serve() },
			// 2.5x the floor's NATS mode: issue 21's target for the hit path.
			checks: []check{rps("floor-nats", 2.5), rps("floor-direct", 0.8), p99("floor-nats", 1.0)}},
		// The client dialects (issue 18): a hit through each, held within 10% of the native hit,
		// which runs before and after each of them (the group's pivot).
		{id: "hit-native", group: "dialects", pivot: true, title: "trawl serve, hit, in-process cache: the native hit the dialect rows are held to (they load this same process)",
			load: hot, warm: true, setup: func(e *env) (*rig, error) { return e.serve() }},
		{id: "hit-serpapi", group: "dialects", title: "trawl serve, hit through the SerpApi dialect (GET /search.json)", load: hot, warm: true,
			at:     "/search.json",
			checks: []check{rps("hit-native", 0.9)}},
		{id: "hit-searxng", group: "dialects", title: "trawl serve, hit through the SearXNG dialect (GET /searxng/search?format=json)",
			load: append([]string{"--engine", ""}, hot...), warm: true,
			at:     "/searxng/search?format=json&engines=duckduckgo",
			checks: []check{rps("hit-native", 0.9)}},
		{id: "hit-firecrawl", group: "dialects", title: "trawl serve, hit through the Firecrawl dialect (POST /firecrawl/v2/search)",
			load: append([]string{"--body", `{"query":"{q}"}`}, hot...), warm: true,
			at:     "/firecrawl/v2/search",
			checks: []check{rps("hit-native", 0.9)}},
		{id: "hit-mcp", group: "dialects", title: "trawl serve, hit through MCP (POST /mcp, tools/call search)",
			load: append([]string{"--body", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"{q}"}}}`}, hot...), warm: true,
			at:     "/mcp",
			checks: []check{rps("hit-native", 0.9)}},
		{id: "hit-aio-redis", group: "hit", title: "trawl serve, hit, Redis cache", load: hot, warm: true, wrk: true,
			setup:  func(e *env) (*rig, error) { return e.serve("--redis-url", e.redisURL()) },
			checks: []check{rps("floor-nats", 1.0), rps("floor-direct", 0.8), p99("floor-nats", 1.0)}},
		{id: "hit-aio-auth", group: "hit", title: "trawl serve, hit, Redis cache, API key + Redis rate limit",
			load: append([]string{"--api-key", apiKey}, hot...), warm: true, wrk: true,
			setup:  func(e *env) (*rig, error) { return e.serveAuth() },
			checks: []check{rps("floor-direct", 0.6)}},
		{id: "hit-aio-nats", group: "hit", title: "trawl serve, hit, NATS request on trawl.v1.search (no HTTP)", load: hot, warm: true,
			setup:  func(e *env) (*rig, error) { return e.serveNATS() },
			checks: []check{rps("floor-nats-tcp", 1.0)}},
		{id: "hit-stages", group: "hit", title: "stage processes over loopback NATS, hit, in-process cache", load: hot, warm: true, wrk: true,
			setup:  func(e *env) (*rig, error) { return e.stages(1, 64) },
			checks: []check{rps("floor-nats-tcp", 1.0), p99("floor-nats-tcp", 1.0)}},

		{id: "plain-handler", group: "miss", title: "plain Go: fasthttp + goquery per request, no cache, sim", load: miss,
			setup: func(e *env) (*rig, error) { return e.plain() }},
		// The archive keeps every answer and page; the row without it shows what that costs.
		{id: "miss-aio-noarchive", group: "miss", pivot: true, title: "trawl serve, miss, archive off (--archive=false)", load: miss,
			setup:  func(e *env) (*rig, error) { return e.serve("--archive=false") },
			checks: []check{noErrors()}},
		{id: "miss-aio", group: "miss", title: "trawl serve, miss (distinct keys), sim", load: miss,
			setup:  func(e *env) (*rig, error) { return e.serve() },
			checks: []check{rps("plain-handler", 0.9), rps("miss-aio-noarchive", 0.95), noErrors()}},
		// Sustained (issue 21): a minute each, after 20 s that fill the caches, one after the other.
		{id: "plain-handler-60s", group: "sustained", pivot: true, title: "plain Go: fasthttp + goquery per request, no cache, sim; 60 s after a 20 s warm-up", load: miss,
			duration: time.Minute, warmup: 20 * time.Second,
			setup: func(e *env) (*rig, error) { return e.plain() }},
		{id: "miss-aio-60s", group: "sustained", title: "trawl serve, miss (distinct keys), sim; 60 s after a 20 s warm-up (caches full)", load: miss,
			duration: time.Minute, warmup: 20 * time.Second,
			setup:  func(e *env) (*rig, error) { return e.serve() },
			checks: []check{rps("plain-handler-60s", 0.9), noErrors()}},
		// The engine's own latency under the same open load: the sim's is its --sim-latency plus
		// what it takes to build and send a page (about 2 ms more at 20 ms), so the target, the
		// engine's latency + 3 ms, is taken against this row, not against the setting.
		{id: "engine-open200", group: "open", title: "the simulated engine itself (GET /html/), open loop 200 req/s",
			load:  append([]string{"--mode", "open", "--rate", "200", "--concurrency", "512"}, miss...),
			setup: func(e *env) (*rig, error) { return &rig{target: e.sim + "/html/"}, nil }},
		{id: "miss-aio-open200", group: "open", title: "trawl serve, miss, open loop 200 req/s",
			load:   append([]string{"--mode", "open", "--rate", "200", "--concurrency", "512"}, miss...),
			setup:  func(e *env) (*rig, error) { return e.serve() },
			checks: []check{p50Over("engine-open200", 3), p50AtMost(e.s.SimLatency + 5*time.Millisecond), noErrors()}},
		{id: "miss-stages-1f", group: "stages", title: "stage processes, miss, 1 fetcher (--fetch-concurrency 4)", load: miss,
			setup:  func(e *env) (*rig, error) { return e.stages(1, 4) },
			checks: []check{noErrors()}},
		{id: "miss-stages-2f", group: "stages", title: "stage processes, miss, 2 fetchers (--fetch-concurrency 4 each)", load: miss,
			setup:  func(e *env) (*rig, error) { return e.stages(2, 4) },
			checks: []check{rps("miss-stages-1f", 1.8), noErrors()}},

		// The scrape API on the simulator's article page: a new page URL per request (n=…) is a
		// miss through fetch, readability and markdown; one URL is a hit from the cache.
		{id: "scrape-floor-miss", group: "scrape", title: "plain Go: fasthttp + net/http fetch + readability + html-to-markdown per request, no cache, sim article page",
			load: scrapeMiss, setup: func(e *env) (*rig, error) { return e.scrapeFloor() }},
		{id: "scrape-miss-aio", group: "scrape", title: "trawl serve, scrape miss (a new page URL each request, formats=markdown), sim article page", load: scrapeMiss,
			setup:  func(e *env) (*rig, error) { return e.serveScrape() },
			checks: []check{rps("scrape-floor-miss", 0.8), noErrors()}},
		{id: "scrape-hit-aio", group: "hit", title: "trawl serve, scrape hit (one page URL, formats=markdown), in-process cache", load: scrapeHot, warm: true,
			setup:  func(e *env) (*rig, error) { return e.serveScrape() },
			checks: []check{rps("floor-nats", 1.0), p99("floor-nats", 1.0)}},
	}...)
}

// floorModes are the floor's rows: the id's suffix, the path, and the floor's flags.
var floorModes = []struct {
	id, path string
	args     []string
}{
	{"direct", "fasthttp → Redis GET", []string{"-mode", "direct"}},
	{"nats", "fasthttp → NATS (in-process) → Redis GET", []string{"-mode", "nats"}},
	{"nats-tcp", "fasthttp → NATS (loopback TCP) → Redis GET", []string{"-mode", "nats", "-nats-tcp"}},
}

// floorDrift is how far our floor's req/s may stray from the reference floor's in the same run
// before the row says so: wider than the run-to-run noise of a shared machine, narrower than a
// change that would move the table's conclusions.
const floorDrift = 0.15

// floorRows are bench/floor's rows; with a reference floor, each is followed by the reference in
// the same mode, run right after it so both see the same load on the machine, and checked against it.
func floorRows(e *env, load []string) []row {
	var out []row
	for _, m := range floorModes {
		our := row{id: "floor-" + m.id, group: "hit", title: "floor: " + m.path, load: load, wrk: true,
			setup: func(e *env) (*rig, error) { return e.floor(e.binPath("floor"), m.args) }}
		if e.s.FloorRef == "" {
			out = append(out, our)
			continue
		}
		ref := "floor-ref-" + m.id
		our.checks = []check{near(ref, floorDrift)}
		out = append(out, our, row{id: ref, group: "hit", title: "reference floor: " + m.path, load: load,
			setup: func(e *env) (*rig, error) { return e.floor(e.s.FloorRef, m.args) }})
	}
	return out
}

func (e *env) floor(bin string, args []string) (*rig, error) {
	addr := freeAddr()
	p, err := start(e.logDir, filepath.Base(bin), bin, nil, append([]string{"-addr", addr, "-redis", e.redis}, args...)...)
	if err != nil {
		return nil, err
	}
	r := &rig{target: "http://" + addr + "/", procs: []*proc{p}}
	return r, waitFor(p, "floor listening", 20*time.Second, func() bool { return httpStatus(r.target+"?q=golang") == 200 })
}

func (e *env) plain() (*rig, error) {
	addr := freeAddr()
	p, err := start(e.logDir, "plainhandler", e.binPath("plainhandler"), nil, "-addr", addr, "-upstream", e.sim)
	if err != nil {
		return nil, err
	}
	r := &rig{target: "http://" + addr + "/search", procs: []*proc{p}}
	return r, waitFor(p, "plain handler answering", 20*time.Second, func() bool { return httpStatus(r.target+"?q=warm") == 200 })
}

// scrapePage is the page the scrape rows scrape: the sim's article, uncompressed. The sim would
// otherwise compress each answer as the fetch asks (zstd for trawl's fetcher, gzip for
// net/http), on the cores the rows share, so each row would pay a different price for the
// sim's work; uncompressed, both fetch the same 10 kB.
func (e *env) scrapePage() string { return e.sim + "/pages/article?enc=identity" }

// scrapeFloor starts bench/scrapehandler, the scrape miss path's reference.
func (e *env) scrapeFloor() (*rig, error) {
	addr := freeAddr()
	p, err := start(e.logDir, "scrapehandler", e.binPath("scrapehandler"), nil, "-addr", addr)
	if err != nil {
		return nil, err
	}
	r := &rig{target: "http://" + addr + "/", procs: []*proc{p}}
	return r, waitFor(p, "scrape handler answering", 20*time.Second, func() bool {
		return httpStatus(r.target+"?url="+url.QueryEscape(e.scrapePage())) == 200
	})
}

// serveScrape starts `trawl serve` as serve does, allowed to scrape loopback (the sim), and
// loaded on /v1/scrape.
func (e *env) serveScrape() (*rig, error) {
	r, err := e.serveWith("serve-scrape", []string{"--nats-listen", "off", "--scrape-allow", "127.0.0.1/32"})
	if r != nil {
		r.target = strings.TrimSuffix(r.target, "/v1/search") + "/v1/scrape"
	}
	return r, err
}

// serve starts `trawl serve` against the sim, its NATS in-process only.
func (e *env) serve(extra ...string) (*rig, error) {
	return e.serveWith("serve", append([]string{"--nats-listen", "off"}, extra...))
}

func (e *env) serveWith(name string, extra []string) (*rig, error) {
	http, ops := freeAddr(), freeAddr()
	args := append([]string{"serve", "--http-addr", http, "--ops-addr", ops, "--pprof",
		"--engine-urls", "duckduckgo=" + e.sim, "--log-level", "warn"}, extra...)
	p, err := start(e.logDir, name, e.binPath("trawl"), nil, args...)
	if err != nil {
		return nil, err
	}
	r := &rig{target: "http://" + http + "/v1/search", procs: []*proc{p}, ops: ops}
	return r, waitFor(p, "trawl serve ready", 30*time.Second, func() bool { return httpStatus("http://"+http+"/readyz") == 200 })
}

// serveNATS runs trawl serve with its NATS listener, which takes the "client" user with the
// password of a file written for the run; the load tool connects as that user.
func (e *env) serveNATS() (*rig, error) {
	nats := freeAddr()
	password := rand.Text()
	file := filepath.Join(e.runDir, "client.password")
	if err := os.WriteFile(file, []byte(password), 0o600); err != nil {
		return nil, err
	}
	r, err := e.serveWith("serve-nats", []string{"--nats-listen", nats, "--nats-client-password-file", file})
	if err != nil {
		return r, err
	}
	r.target = "nats://client:" + password + "@" + nats
	return r, nil
}

// serveAuth runs trawl serve with a keys file whose one tenant's limit is far above the load,
// so every request pays for the key check and the Redis rate-limit call but none is refused.
func (e *env) serveAuth() (*rig, error) {
	keys := filepath.Join(e.runDir, "keys.json")
	doc := `{"tenants":[{"name":"bench","keys":["` + apiKey + `"],"rate_per_sec":1000000,"burst":1000000}]}`
	if err := os.WriteFile(keys, []byte(doc), 0o600); err != nil {
		return nil, err
	}
	return e.serveWith("serve-auth", []string{"--nats-listen", "off", "--redis-url", e.redisURL(), "--keys-file", keys})
}

// stages runs natsd and each stage as its own process, with fetchers fetcher processes that
// take fetchConc jobs each.
func (e *env) stages(fetchers, fetchConc int) (*rig, error) {
	natsAddr, http := freeAddr(), freeAddr()
	url := "nats://" + natsAddr
	r := &rig{target: "http://" + http + "/v1/search"}
	ns, err := start(e.logDir, "natsd", e.binPath("natsd"), nil, "-addr", natsAddr)
	if err != nil {
		return r, err
	}
	r.procs = append(r.procs, ns)
	if err := waitFor(ns, "natsd listening", 20*time.Second, func() bool { return tcpUp(natsAddr) }); err != nil {
		return r, err
	}
	common := []string{"--nats-url", url, "--ops-addr=", "--log-level", "warn"}
	type stage struct {
		name string
		args []string
	}
	sts := []stage{{"parser", nil}}
	for i := range fetchers {
		sts = append(sts, stage{fmt.Sprintf("fetcher%d", i+1), []string{"--engine-urls", "duckduckgo=" + e.sim, "--fetch-concurrency", fmt.Sprint(fetchConc)}})
	}
	sts = append(sts, stage{"cache", nil}, stage{"ingress", []string{"--http-addr", http}})
	for _, st := range sts {
		bin := st.name
		if len(bin) > 7 && bin[:7] == "fetcher" {
			bin = "fetcher"
		}
		p, err := start(e.logDir, "stage-"+st.name, e.binPath("trawl-"+bin), nil, append(common, st.args...)...)
		if err != nil {
			return r, err
		}
		r.procs = append(r.procs, p)
	}
	ing := r.procs[len(r.procs)-1]
	return r, waitFor(ing, "trawl-ingress ready", 30*time.Second, func() bool { return httpStatus("http://"+http+"/readyz") == 200 })
}
