package engines

import (
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// A vertical's zero is genuine only with Google's own notice (news) or the grid's empty list
// (images); a news page with neither cards nor notice is not a zero but a page we do not know.
func TestGoogleVerticalsNoResults(t *testing.T) {
	for _, tc := range []struct {
		page, vertical string
		want           bool
	}{
		{"testdata/google/news_no_results.html", schemas.VerticalNews, true},
		{"testdata/google/images_no_results.reply.json", schemas.VerticalImages, true},
		{"testdata/google/news_2024.html", schemas.VerticalNews, false},
		{"testdata/google/images_2024.reply.json", schemas.VerticalImages, false},
	} {
		b, err := readPage(tc.page)
		if err != nil {
			t.Fatal(err)
		}
		serp, err := Google{}.Parse(b, &schemas.SearchRequest{Engine: "google", Page: 1, Type: tc.vertical})
		if err != nil {
			t.Fatalf("%s: %v", tc.page, err)
		}
		if serp.NoResults != tc.want {
			t.Errorf("%s: NoResults = %v, want %v", tc.page, serp.NoResults, tc.want)
		}
	}
	_, err := Google{}.Parse([]byte(`<html><body><div id="rso"></div></body></html>`), &schemas.SearchRequest{Engine: "google", Page: 1, Type: schemas.VerticalNews})
	if err == nil {
		t.Error("an empty news column without the notice parsed as a page")
	}
}
