package engines

import (
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// No capture of the desktop /imgres grid was at hand: its tiles as public scrapers of
// 2015-2019 quote them (a.rg_l around the thumbnail, the target in imgurl= and imgrefurl=).
func TestGoogleImagesImgresGrid(t *testing.T) {
	page := []byte(`<html><body><form><input name="tbm" value="isch" type="hidden"></form><div id="rg_s">` +
		`<div class="rg_di"><a class="rg_l" href="/imgres?imgurl=https://example.org/a.jpg&amp;imgrefurl=https://example.org/page&amp;h=600&amp;w=800&amp;tbnid=x"><img alt="A cat" data-src="https://encrypted-tbn0.gstatic.com/images?q=tbn:1"></a></div>` +
		`<div class="rg_di"><a class="rg_l" href="/imgres?imgurl=http://www.example.com/b.png&amp;imgrefurl=http://www.example.com/b&amp;h=10&amp;w=20"><img src="https://encrypted-tbn0.gstatic.com/images?q=tbn:2"></a></div>` +
		`</div></body></html>`)
	serp, err := Google{}.Parse(page, &schemas.SearchRequest{Engine: "google", Page: 1, Type: schemas.VerticalImages})
	if err != nil {
		t.Fatal(err)
	}
	want := []schemas.ImageResult{
		{Position: 1, Title: "A cat", URL: "https://example.org/page", Original: "https://example.org/a.jpg", Width: 800, Height: 600, Thumbnail: "https://encrypted-tbn0.gstatic.com/images?q=tbn:1", Source: "example.org"},
		{Position: 2, Title: "example.com", URL: "http://www.example.com/b", Original: "http://www.example.com/b.png", Width: 20, Height: 10, Thumbnail: "https://encrypted-tbn0.gstatic.com/images?q=tbn:2", Source: "example.com"},
	}
	if len(serp.ImagesResults) != len(want) {
		t.Fatalf("got %d images, want %d: %+v", len(serp.ImagesResults), len(want), serp.ImagesResults)
	}
	for i, w := range want {
		if serp.ImagesResults[i] != w {
			t.Errorf("image %d:\n got %+v\nwant %+v", i+1, serp.ImagesResults[i], w)
		}
	}
	if _, err := (Google{}).Parse(page, &schemas.SearchRequest{Engine: "google", Page: 1}); err == nil {
		t.Error("an images page asked as web: want unrecognised_page, got an answer")
	}
}
