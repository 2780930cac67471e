package engines

import (
	"net/url"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// TestRequest checks each engine's mapping of page, safe search and locale onto its own
// parameters, and that its path survives a base-URL override.
func TestRequest(t *testing.T) {
	tests := []struct {
		name   string
		engine Engine
		req    schemas.SearchRequest
		path   string
		want   map[string]string // parameter → value; "" means must be absent
	}{
		{"duckduckgo/page1", DuckDuckGo{}, schemas.SearchRequest{Q: "go lang", Page: 1, Safe: schemas.SafeModerate},
			"/html/", map[string]string{"q": "go lang", "s": "", "dc": "", "kp": "-1", "kl": "wt-wt"}},
		{"duckduckgo/page3-strict-de", DuckDuckGo{}, schemas.SearchRequest{Q: "go", Page: 3, Safe: schemas.SafeStrict, HL: "de", GL: "de"},
			"/html/", map[string]string{"s": "25", "dc": "26", "kp": "1", "kl": "de-de"}},
		{"duckduckgo/off", DuckDuckGo{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeOff},
			"/html/", map[string]string{"kp": "-2"}},
		{"bing/page1", Bing{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeModerate},
			"/search", map[string]string{"q": "go", "first": "", "adlt": "moderate"}},
		{"bing/page2-off-en-gb", Bing{}, schemas.SearchRequest{Q: "go", Page: 2, Safe: schemas.SafeOff, HL: "en-gb", GL: "gb"},
			"/search", map[string]string{"first": "11", "adlt": "off", "setlang": "en", "mkt": "en-GB", "cc": "GB"}},
		{"bing/num20-page3-strict", Bing{}, schemas.SearchRequest{Q: "go", Page: 3, Num: 20, Safe: schemas.SafeStrict},
			"/search", map[string]string{"first": "41", "count": "20", "adlt": "strict"}},
		{"google/page1", Google{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeModerate},
			"/search", map[string]string{"q": "go", "start": "", "safe": "", "filter": "0"}},
		{"google/page4-strict-fr", Google{}, schemas.SearchRequest{Q: "go", Page: 4, Safe: schemas.SafeStrict, HL: "fr", GL: "fr"},
			"/search", map[string]string{"start": "30", "safe": "active", "hl": "fr", "gl": "FR", "lr": "lang_fr"}},
		{"google/num50-page2-off", Google{}, schemas.SearchRequest{Q: "go", Page: 2, Num: 50, Safe: schemas.SafeOff},
			"/search", map[string]string{"start": "50", "num": "50", "safe": "off"}},
		{"yandex/page1", Yandex{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeModerate},
			"/search/", map[string]string{"text": "go", "p": "", "family": "1"}},
		{"yandex/page2-off-ru", Yandex{}, schemas.SearchRequest{Q: "go", Page: 2, Safe: schemas.SafeOff, HL: "ru", GL: "ru"},
			"/search/", map[string]string{"p": "1", "family": "0", "lr": "225", "lang": "ru"}},
		{"yandex/strict", Yandex{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeStrict},
			"/search/", map[string]string{"family": "2"}},
		{"baidu/page1", Baidu{}, schemas.SearchRequest{Q: "go", Page: 1},
			"/s", map[string]string{"wd": "go", "pn": "", "ie": "utf-8"}},
		{"baidu/page3-num20", Baidu{}, schemas.SearchRequest{Q: "go", Page: 3, Num: 20},
			"/s", map[string]string{"pn": "40", "rn": "20"}},
		{"ecosia/page1", Ecosia{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeModerate},
			"/search", map[string]string{"q": "go", "p": "", "sf": "moderate"}},
		{"ecosia/page2-strict-de", Ecosia{}, schemas.SearchRequest{Q: "go", Page: 2, Safe: schemas.SafeStrict, HL: "de", GL: "de"},
			"/search", map[string]string{"p": "1", "sf": "strict", "c": "de-de"}},
		{"yahoo/page1", Yahoo{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeModerate},
			"/search", map[string]string{"p": "go", "b": "", "pz": "", "vm": "i", "ei": "UTF-8"}},
		{"yahoo/page3-num20-strict-de", Yahoo{}, schemas.SearchRequest{Q: "go", Page: 3, Num: 20, Safe: schemas.SafeStrict, HL: "de"},
			"/search", map[string]string{"b": "41", "pz": "20", "vm": "r", "vl": "lang_de"}},
		{"brave/page1", Brave{}, schemas.SearchRequest{Q: "go", Page: 1},
			"/search", map[string]string{"q": "go", "offset": "", "source": "web", "spellcheck": "0"}},
		{"brave/page3", Brave{}, schemas.SearchRequest{Q: "go", Page: 3, Num: 50},
			"/search", map[string]string{"offset": "2"}},
		{"wikipedia/page1", Wikipedia{}, schemas.SearchRequest{Q: "go", Page: 1},
			"/w/api.php", map[string]string{"action": "query", "generator": "search", "gsrsearch": "go", "gsrlimit": "10", "gsroffset": "", "format": "json", "formatversion": "2"}},
		{"wikipedia/page2-num50", Wikipedia{}, schemas.SearchRequest{Q: "go", Page: 2, Num: 50},
			"/w/api.php", map[string]string{"gsrlimit": "20", "gsroffset": "20"}},
		{"qwant/page1", Qwant{}, schemas.SearchRequest{Q: "go", Page: 1},
			"/v3/search/web", map[string]string{"q": "go", "count": "10", "offset": "0", "locale": "en_US", "safesearch": "1"}},
		{"qwant/page3-num50-strict-de", Qwant{}, schemas.SearchRequest{Q: "go", Page: 3, Num: 50, Safe: schemas.SafeStrict, HL: "de"},
			"/v3/search/web", map[string]string{"count": "10", "offset": "20", "locale": "de_DE", "safesearch": "2"}},
		{"qwant/fr-be", Qwant{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeOff, HL: "fr", GL: "be"},
			"/v3/search/web", map[string]string{"locale": "fr_BE", "safesearch": "0"}},
		{"mojeek/page1", Mojeek{}, schemas.SearchRequest{Q: "go", Page: 1},
			"/search", map[string]string{"q": "go", "s": "", "safe": "1"}},
		{"mojeek/page3-off-en-gb", Mojeek{}, schemas.SearchRequest{Q: "go", Page: 3, Num: 50, Safe: schemas.SafeOff, HL: "en-gb"},
			"/search", map[string]string{"s": "21", "safe": "0", "lb": "en", "arc": "gb"}},
		{"bing/news-page2", Bing{}, schemas.SearchRequest{Q: "go", Page: 2, Type: schemas.VerticalNews},
			"/news/infinitescrollajax", map[string]string{"q": "go", "first": "11", "InfiniteScroll": "1"}},
		{"bing/images-page2", Bing{}, schemas.SearchRequest{Q: "go", Page: 2, Num: 10, Type: schemas.VerticalImages},
			"/images/async", map[string]string{"q": "go", "first": "36", "count": "35", "async": "1"}},
		{"google/news-page2", Google{}, schemas.SearchRequest{Q: "go", Page: 2, Type: schemas.VerticalNews},
			"/search", map[string]string{"q": "go", "tbm": "nws", "start": "10"}},
		{"google/images-page2", Google{}, schemas.SearchRequest{Q: "go", Page: 2, Num: 10, Type: schemas.VerticalImages},
			"/search", map[string]string{"q": "go", "tbm": "isch", "asearch": "isch", "async": "_fmt:json,p:1,ijn:1", "start": "", "num": ""}},
		{"startpage/page1", Startpage{}, schemas.SearchRequest{Q: "go", Page: 1},
			"/sp/search", map[string]string{"query": "go", "cat": "web", "page": "", "qadf": "moderate", "language": ""}},
		{"startpage/page3-strict-de", Startpage{}, schemas.SearchRequest{Q: "go", Page: 3, Num: 50, Safe: schemas.SafeStrict, HL: "de", GL: "at"},
			"/sp/search", map[string]string{"page": "3", "qadf": "heavy", "language": "deutsch", "lui": "deutsch"}},
		{"startpage/off", Startpage{}, schemas.SearchRequest{Q: "go", Page: 1, Safe: schemas.SafeOff},
			"/sp/search", map[string]string{"qadf": "none"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, _ := url.Parse("http://127.0.0.1:9300")
			req, err := tc.engine.Request(base, &tc.req)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(req.URL)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme != "http" || u.Host != "127.0.0.1:9300" || u.Path != tc.path {
				t.Errorf("URL %s: want http://127.0.0.1:9300%s", req.URL, tc.path)
			}
			q := u.Query()
			for k, v := range tc.want {
				if v == "" {
					if q.Has(k) {
						t.Errorf("%s: parameter %s=%q should be absent", req.URL, k, q.Get(k))
					}
				} else if q.Get(k) != v {
					t.Errorf("%s: parameter %s=%q, want %q", req.URL, k, q.Get(k), v)
				}
			}
			if req.Method != "GET" || req.Header.Get("User-Agent") == "" || req.Header.Get("Accept-Language") == "" {
				t.Errorf("request lacks method or browser headers: %s %v", req.Method, req.Header)
			}
		})
	}
}

func TestAcceptLanguage(t *testing.T) {
	tests := []struct{ hl, gl, want string }{
		{"", "", ""},
		{"en", "", "en,en;q=0.9"},
		{"de", "at", "de-AT,de;q=0.9,en;q=0.8"},
		{"pt-br", "", "pt-BR,pt;q=0.9,en;q=0.8"},
	}
	for _, tc := range tests {
		if got := acceptLanguage(tc.hl, tc.gl); got != tc.want {
			t.Errorf("acceptLanguage(%q, %q) = %q, want %q", tc.hl, tc.gl, got, tc.want)
		}
	}
}

func TestUnwrap(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) (string, bool)
		in   string
		want string
	}{
		{"ddg uddg", ddgTarget, "//duckduckgo.com/l/?uddg=https%3A%2F%2Fgo.dev%2Fdoc%2F&rut=x", "https://go.dev/doc/"},
		{"ddg direct", ddgTarget, "https://go.dev/", "https://go.dev/"},
		{"ddg ad", ddgTarget, "https://duckduckgo.com/y.js?u3=https%3A%2F%2Fads.example.com%2F", "https://ads.example.com/"},
		{"google url?q", func(s string) (string, bool) { return googleTarget("https://www.google.com/", s) },
			"/url?q=https://en.wikipedia.org/wiki/Go&sa=U&ved=x", "https://en.wikipedia.org/wiki/Go"},
		{"google absolute url?url", func(s string) (string, bool) { return googleTarget("https://www.google.com/", s) },
			"https://www.google.com/url?sa=t&url=https%3A%2F%2Fgo.dev%2F", "https://go.dev/"},
		{"bing ck/a", func(s string) (string, bool) { return bingTarget("https://www.bing.com/", s) },
			"https://www.bing.com/ck/a?!&&p=abc&u=a1aHR0cHM6Ly9nby5kZXYvZG9jLw&ntb=1", "https://go.dev/doc/"},
		{"bing ck/a undecodable", func(s string) (string, bool) { return bingTarget("https://www.bing.com/", s) },
			"/ck/a?u=a1!!!", "https://www.bing.com/ck/a?u=a1!!!"},
	}
	for _, tc := range tests {
		got, ok := tc.fn(tc.in)
		if !ok || got != tc.want {
			t.Errorf("%s: %q → %q, %v; want %q", tc.name, tc.in, got, ok, tc.want)
		}
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"About 25,150,000,000 results (0.42 seconds)", 25150000000},
		{"Ungefähr 114.000.000 Ergebnisse(0,25 Sek.)", 114000000},
		{"16.900.000 results", 16900000},
		{"Page 2 of about 1,230 results", 1230},
	}
	for _, tc := range tests {
		if got, ok := parseCount(tc.in); !ok || got != tc.want {
			t.Errorf("parseCount(%q) = %d, %v; want %d", tc.in, got, ok, tc.want)
		}
	}
	if n, ok := yandexCount("golang — Яндекс: нашлось 148 тыс. результатов"); !ok || n != 148000 {
		t.Errorf("yandexCount = %d, %v", n, ok)
	}
}
