package engines

import (
	"bytes"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// ddgHitSelectors is the selector each of ddgElement's hits stands for.
var ddgHitSelectors = []struct {
	name string
	hit  ddgHits
	sel  cascadia.Matcher
}{
	{"block", hitBlock, ddgBlocks},
	{"layout block", hitLayoutBlock, ddgLayoutBlocks},
	{"challenge", hitChallenge, ddgSelFormChallengeForm},
	{"lite link", hitLiteLink, ddgLiteSelAResultLink},
	{"related", hitRelated, ddgSelARelatedSearchesLink},
	{"nav submit", hitNavSubmit, ddgSelNavLinkFormInputTypeSubmit},
	{"more", hitMore, ddgSelMoreResults},
	{"link", hitLink, ddgSelAResultA},
	{"result url", hitResultURL, ddgSelResultUrl},
	{"div url", hitDivURL, ddgSelDivUrl},
	{"url link p", hitURLLinkP, ddgSelDataTestidResultExtrasUrlLinkPLastCh},
	{"url link", hitURLLink, ddgSelDataTestidResultExtrasUrlLink},
	{"snippet", hitSnippet, ddgSelResultSnippet},
	{"date", hitDate, ddgSelResultDate},
	{"span span", hitSpanSpan, ddgSelSpanSpan},
	{"badge", hitBadge, ddgSelBadgeAd},
	{"extras span", hitExtrasSpan, ddgSelResultExtrasUrlSpan},
	{"sitelink", hitSitelink, ddgSelUlLiA},
	{"zero-click", hitZci, ddgSelZciWrapperZci},
}

// ddgAnswerSelectors are ddgAnswer's top-level queries: hitAnswer must cover them.
var ddgAnswerSelectors = []cascadia.Matcher{ddgSelZciWrapperZci, ddgSelDataTestidDuckassistAnswerContent, ddgSelDataTestidAbout}

// ddgHitsPage is markup that reaches every selector's corners: descendant combinators whose
// ancestor sits above the block, class lists split by tabs and form feeds, :last-child
// among text and comments, a child combinator one level too deep.
const ddgHitsPage = `<!DOCTYPE html><html><body class="nav-link results--ads">
<h2><div class="x	result"><a href="/l/?uddg=https%3A%2F%2Fa.example">A</a><div class="links_main">
<div class="result__snippet"><span>May 1, 2024 <span>x</span></span> text <b class="result__date">1 day ago</b></div>
<div class="result__extras__url"><span>2024-05-01</span><b><span>no</span></b><span class="result__icon">i</span></div>
<ul><li><a href="https://b.example/">B</a></li></ul><div class="sitelinks"><a href="https://c.example/">C</a></div>
<div data-testid="result-extras-url-link"><p>a</p><p>b</p><!-- c -->text</div><div class="url">u</div>
<span class="badge--ad">Ad</span></div></div></h2>
<article data-testid="ad"><a class="large" href="https://d.example/">D</a><div data-result="snippet">s</div></article>
<div data-testid="result"><div class="web-result-sponsored"></div></div>
<li data-layout="organic"><li data-layout="ad"></li></li><li data-layout="other"></li>
<div class="related-searches"><a href="/?q=x">x</a></div><a class="related-searches__link" href="/?q=y">y</a>
<form action="/html/"><input type="submit" value="Next"><input class="navbutton" value="Prev"></form>
<form id="challenge-form"></form><form action="//duckduckgo.com/anomaly.js?sv=html"></form>
<input name="challenge"><div id="anomaly-modal" class="anomaly-modal__title anomaly-modal__mask"></div>
<div class="result--more__btn"></div><a rel="next">n</a><a id="more-results">m</a>
<a class="result-link RESULT" href="https://e.example/">E</a><div class="result-link"></div>
<div class="zci-wrapper"><div class="zci">z</div></div><div id="zero_click_abstract"></div>
<div data-testid="about"></div><div data-testid="duckassist-answer-content"></div>
<div class="result__url result__a snippet url">v</div><div class="webresult web-result"></div>
<svg><a class="result__a">svg</a><span><span>s</span></span></svg>
<div class="result web-result"><a class="result__a" href="https://f.example/">F</a></div>
<div class="zci">not in a wrapper</div><div class="x zci-wrapper"><section><div class="zci	big">in one</div></section></div>
<p id="zero_click_abstract">abstract</p><span class="zci__body">body</span>
</body></html>`

// TestDDGHitsMatchSelectors holds ddgElement to the cascadia selectors it replaces, element
// by element, on every DuckDuckGo page we have.
func TestDDGHitsMatchSelectors(t *testing.T) {
	paths := testdataPages(t, "duckduckgo")
	if dir := corpusDir(); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "duckduckgo", "*.html"))
		paths = append(paths, more...)
	}
	pages := map[string][]byte{"ddgHitsPage": []byte(ddgHitsPage)}
	for _, p := range paths {
		b, err := readPage(p)
		if err != nil {
			t.Fatal(err)
		}
		pages[p] = b
	}
	seen := map[ddgHits]bool{}
	for name, page := range pages {
		for _, bad := range checkDDGHits(page, seen) {
			t.Errorf("%s: %s", name, bad)
		}
	}
	for _, s := range ddgHitSelectors {
		if !seen[s.hit] {
			t.Errorf("no page has a %s element: the check proves nothing for it", s.name)
		}
	}
}

// checkDDGHits compares ddgElement with the selectors on every element of page and returns
// the disagreements; seen collects the hits found.
func checkDDGHits(page []byte, seen map[ddgHits]bool) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var bad []string
	var walk func(n *html.Node, ctx ddgCtx)
	walk = func(n *html.Node, ctx ddgCtx) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			h, child, _ := ddgElement(c, ctx)
			for _, s := range ddgHitSelectors {
				if got, want := h&s.hit != 0, s.sel.Match(c); got != want {
					bad = append(bad, s.name+": <"+c.Data+"> "+renderAttrs(c)+" hit "+yes(got)+", selector "+yes(want))
				}
				if seen != nil && h&s.hit != 0 {
					seen[s.hit] = true
				}
			}
			// The block's own tests: an ancestor in .results--ads, a link or image inside.
			if got, want := ctx&inResultsAds != 0, ddgAncestorMatches(c, ddgSelResultsAds); got != want {
				bad = append(bad, "results--ads ancestor: <"+c.Data+"> "+renderAttrs(c)+" ctx "+yes(got)+", selector "+yes(want))
			}
			if got, want := ddgHasLinkOrImage(c), len(cascadia.QueryAll(c, ddgSelA)) > 0; got != want {
				bad = append(bad, "link or image inside: <"+c.Data+"> "+renderAttrs(c)+" "+yes(got)+", selector "+yes(want))
			}
			for _, s := range ddgAnswerSelectors {
				if s.Match(c) && h&hitAnswer == 0 {
					bad = append(bad, "answer: <"+c.Data+"> "+renderAttrs(c)+" matches an answer selector without hitAnswer")
				}
			}
			walk(c, child)
		}
	}
	walk(doc, 0)
	return bad
}

func ddgAncestorMatches(n *html.Node, m cascadia.Matcher) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if m.Match(p) {
			return true
		}
	}
	return false
}

func renderAttrs(n *html.Node) string {
	var b bytes.Buffer
	for _, a := range n.Attr {
		b.WriteString(a.Key + "=" + a.Val + " ")
	}
	return b.String()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// FuzzDDGHits looks for markup on which ddgElement and the selectors disagree.
func FuzzDDGHits(f *testing.F) {
	addSeeds(f, "duckduckgo", "")
	f.Add([]byte(ddgHitsPage))
	f.Fuzz(func(t *testing.T, page []byte) {
		if bad := checkDDGHits(page, nil); len(bad) > 0 {
			t.Fatal(bad[0])
		}
	})
}

// FuzzClean holds clean to its definition: fields split on its spaces, joined by one space.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", " ", "a", " a b ", "a  b", "a\u00a0b", "\u2002a\u200b", "a\xe2\x80b", "\xc2", "a\tb\n", "é — ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Join(strings.FieldsFunc(s, cleanSpace), " ")
		if got := clean(s); got != want {
			t.Fatalf("clean(%q) = %q, want %q", s, got, want)
		}
	})
}

// FuzzDDGRedirectQuery holds the redirect's shortcut to url.Parse: whenever it answers, the
// parse succeeds with the same host, path and query.
func FuzzDDGRedirectQuery(f *testing.F) {
	for _, s := range []string{"uddg=https%3A%2F%2Fgo.dev%2F&rut=1", "uddg=%zz", "a#b", "uddg=x y", "uddg=%E2%82%AC", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, href := range []string{"//duckduckgo.com/l/?" + q, "https://duckduckgo.com/l/?" + q} {
			got, ok := ddgRedirectQuery(href)
			if !ok {
				continue
			}
			u, err := url.Parse(strings.Replace(href, "//", "https://", 1))
			if strings.HasPrefix(href, "https:") {
				u, err = url.Parse(href)
			}
			if err != nil || u.Host != "duckduckgo.com" || u.Path != "/l/" || u.RawQuery != got {
				t.Fatalf("%q: shortcut %q, url.Parse %+v, %v", href, got, u, err)
			}
		}
	})
}

// ddgClassMark answers as the map it is built from, for every name in it and for others.
func TestDDGClassMarkIsTheMap(t *testing.T) {
	names := []string{"", "resul", "results", "result_", "RESULT", "zci__bodyx", strings.Repeat("x", 40)}
	for name := range ddgClassMarks {
		names = append(names, name, name+"x", name[1:])
	}
	for _, n := range names {
		if got, want := ddgClassMark(n), ddgClassMarks[n]; got != want {
			t.Errorf("ddgClassMark(%q) = %b, want %b", n, got, want)
		}
	}
}

// FuzzPlainHTTPURL holds the quick check to url.Parse: every URL it passes is parsed without
// error as an absolute http(s) URL with a host, and written back unchanged.
func FuzzPlainHTTPURL(f *testing.F) {
	for _, s := range []string{"https://example.com/a/b?q=1&r=%2F", "http://a.b:8080", "http://a:", "http://:80/",
		"https://x.org/%zz", "https://x.org/a%2fb", "https://x.org/?q=a%20b+c", "https://EX.com/", "https://x.org/#f",
		"https://x.org/a/../b", "http://x..y/", "https://x.org/;a=b,c!*~", "http://1.2.3.4:0/", "https://x.org?", "https://x-.org/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !plainHTTPURL(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("%q passed, url.Parse: %v", s, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			t.Fatalf("%q passed: scheme %q, host %q", s, u.Scheme, u.Host)
		}
		if got := u.String(); got != s {
			t.Fatalf("%q passed, written back as %q", s, got)
		}
	})
}

// FuzzQueryGet holds queryGet to the url.Values it stands in for.
func FuzzQueryGet(f *testing.F) {
	for _, s := range []string{"uddg=https%3A%2F%2Fa.b%2F&rut=1", "u3=x&u3=y", "a;b=1&u=2", "u=%zz&u=ok", "=&u", "u", "u=a+b%20c"} {
		f.Add(s, "u")
	}
	f.Fuzz(func(t *testing.T, raw, key string) {
		u := &url.URL{RawQuery: raw}
		if got, want := queryGet(u, key), u.Query().Get(key); got != want {
			t.Fatalf("queryGet(%q, %q) = %q, want %q", raw, key, got, want)
		}
	})
}
