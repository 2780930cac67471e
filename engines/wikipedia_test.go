package engines

import (
	"net/url"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// TestWikipediaLanguagePicksTheWiki: hl picks the language's wiki on the default host, and
// never rewrites a base URL pointed elsewhere (the simulator, a mirror).
func TestWikipediaLanguagePicksTheWiki(t *testing.T) {
	tests := []struct {
		name, base, hl, wantHost string
	}{
		{"default", "https://en.wikipedia.org", "", "en.wikipedia.org"},
		{"german", "https://en.wikipedia.org", "de-AT", "de.wikipedia.org"},
		{"english", "https://en.wikipedia.org", "en-GB", "en.wikipedia.org"},
		{"odd language", "https://en.wikipedia.org", "x1!", "en.wikipedia.org"},
		{"overridden base", "http://127.0.0.1:9300/wikipedia", "fr", "127.0.0.1:9300"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base, _ := url.Parse(tc.base)
			req, err := Wikipedia{}.Request(base, &schemas.SearchRequest{Q: "go", Page: 1, HL: tc.hl})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(req.URL)
			if u.Host != tc.wantHost || !strings.HasSuffix(u.Path, "/w/api.php") {
				t.Errorf("request URL %s, want host %s", req.URL, tc.wantHost)
			}
			if base.Host != mustHost(tc.base) {
				t.Errorf("Request changed its base to %s", base.Host)
			}
		})
	}
}

func mustHost(s string) string {
	u, _ := url.Parse(s)
	return u.Host
}
