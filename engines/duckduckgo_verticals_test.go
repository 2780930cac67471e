package engines

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// TestDuckDuckGoVerticalSteps follows a news and an images search through the registry: the
// prelude goes to duckduckgo.com's search page (not the html endpoint), and the request it
// leads to carries the page's token to the vertical's JSON endpoint, paged by 100.
func TestDuckDuckGoVerticalSteps(t *testing.T) {
	reg := Default()
	tokenPage := []byte(`<html><head><script>DDG.deep.initialize('/d.js?q=go&l=us-en&s=0&vqd=4-99&p=1');</script>` +
		`<script>var vqd="4-211583127352853745929812434716521093716";</script></head><body></body></html>`)
	for _, tc := range []struct {
		vertical, path string
		page           int
		offset         string
	}{
		{schemas.VerticalNews, "/news.js", 1, ""},
		{schemas.VerticalImages, "/i.js", 3, "200"},
	} {
		t.Run(tc.vertical, func(t *testing.T) {
			r := &schemas.SearchRequest{Engine: "duckduckgo", Q: "go generics", Page: tc.page, Type: tc.vertical, Safe: schemas.SafeOff}
			pre, err := reg.Prelude(r)
			if err != nil || pre == nil {
				t.Fatalf("prelude: %v, %v", pre, err)
			}
			pu, _ := url.Parse(pre.URL)
			if pu.Host != "duckduckgo.com" || pu.Path != "/" || pu.Query().Get("q") != "go generics" {
				t.Errorf("prelude %s: want duckduckgo.com/?q=go+generics", pre.URL)
			}
			if _, err := reg.Request(r); err == nil {
				t.Error("Request answered a search that needs its prelude")
			}
			next, err := reg.Follow(r, tokenPage)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(next.URL)
			q := u.Query()
			if u.Host != "duckduckgo.com" || u.Path != tc.path || q.Get("vqd") != "4-211583127352853745929812434716521093716" ||
				q.Get("o") != "json" || q.Get("p") != "-2" || q.Get("s") != tc.offset {
				t.Errorf("follow %s", next.URL)
			}
			// The token is bound to the User-Agent it was handed to: both requests send one.
			if ua := next.Header.Get("User-Agent"); ua == "" || ua != pre.Header.Get("User-Agent") {
				t.Errorf("User-Agent %q after %q", ua, pre.Header.Get("User-Agent"))
			}
			if got := Offset(DuckDuckGo{}, r); got != (tc.page-1)*100 {
				t.Errorf("offset %d", got)
			}
		})
	}
	web := &schemas.SearchRequest{Engine: "duckduckgo", Q: "go", Page: 1}
	if pre, err := reg.Prelude(web); pre != nil || err != nil {
		t.Errorf("web search has a prelude: %v, %v", pre, err)
	}
	if _, err := reg.Prelude(&schemas.SearchRequest{Engine: "mojeek", Q: "go", Page: 1, Type: schemas.VerticalNews}); !isKindErr(err, schemas.TypeValidation) {
		t.Errorf("mojeek news prelude: %v", err)
	}
}

// TestDuckDuckGoFollowWithoutToken: a search page without a usable token is a typed failure
// the fetcher retries elsewhere, never a request sent without one.
func TestDuckDuckGoFollowWithoutToken(t *testing.T) {
	reg := Default()
	r := &schemas.SearchRequest{Engine: "duckduckgo", Q: "go", Page: 1, Type: schemas.VerticalNews}
	anomaly, err := readPage("testdata/duckduckgo/anomaly_modal.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, page, kind string
	}{
		{"anomaly", string(anomaly), schemas.TypeBlocked},
		{"none", `<html><body><div id="react-layout"></div></body></html>`, schemas.TypeUnrecognised},
		{"garbled", `<script>vqd="<>";vqd=""</script>`, schemas.TypeUnrecognised},
		{"empty", ``, schemas.TypeUnrecognised},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, err := reg.Follow(r, []byte(tc.page))
			var se *schemas.Error
			if next != nil || !errors.As(err, &se) || se.Kind != tc.kind || se.Engine != "duckduckgo" {
				t.Fatalf("got %v, %v; want a %s error from duckduckgo", next, err, tc.kind)
			}
		})
	}
}

func TestDuckDuckGoVQDForms(t *testing.T) {
	for page, want := range map[string]string{
		`vqd="4-1234"`:                      "4-1234",
		`vqd='4-5678'`:                      "4-5678",
		`/d.js?q=x&vqd=4-42&p=1`:            "4-42",
		`{"vqd":"4-abc_DEF"}`:               "4-abc_DEF",
		`vqd="4-1" onerror="x"`:             "4-1",
		`no token here`:                     "",
		`vqd=""`:                            "",
		`vqd="` + strings.Repeat("9", 300):  "",
		`var vqd = "4-77", other = "4-88";`: "4-77",
		`vqd="%3Cscript%3E"`:                "",
	} {
		if got := ddgVQD([]byte(page)); got != want {
			t.Errorf("%q: token %q, want %q", page, got, want)
		}
	}
}

// TestDuckDuckGoVerticalReplies: what is not the endpoints' JSON is never results.
func TestDuckDuckGoVerticalReplies(t *testing.T) {
	d := DuckDuckGo{}
	for _, tc := range []struct {
		name, page, kind string
	}{
		{"html", `<html><body>Something else</body></html>`, schemas.TypeUnrecognised},
		{"error json", `{"error":"invalid vqd"}`, schemas.TypeUnrecognised},
		{"challenge", `<form action="//duckduckgo.com/anomaly.js?sv=html">`, schemas.TypeBlocked},
		{"unreadable items", `{"results":[{"title":7},{"url":"javascript:alert(1)","title":"x"}]}`, schemas.TypeUnrecognised},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Parse([]byte(tc.page), &schemas.SearchRequest{Engine: "duckduckgo", Page: 1, Type: schemas.VerticalNews})
			if !isKindErr(err, tc.kind) {
				t.Fatalf("got %v, want %s", err, tc.kind)
			}
			if cerr := d.Classify([]byte(tc.page), &schemas.SearchRequest{Engine: "duckduckgo", Page: 1, Type: schemas.VerticalNews}); !isKindErr(cerr, tc.kind) {
				t.Fatalf("Classify %v, want %s", cerr, tc.kind)
			}
		})
	}
}

func isKindErr(err error, kind string) bool {
	var se *schemas.Error
	return errors.As(err, &se) && se.Kind == kind
}
