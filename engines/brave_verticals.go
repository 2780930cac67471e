package engines

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Brave's verticals, as search.brave.com serves them (the Svelte pages of 2025-2026):
//
//   - news: /news?q=, the same page shell as web with its cards as data-type="news" blocks:
//     the card's link (a.l1) the article, .title the headline (whole in its title
//     attribute), the site line's first span the publisher and its age-header the age,
//     .description the summary, the card's .thumbnail img the picture;
//   - images: /images?q=, whose grid (button.image-result) shows only the thumbnail, title
//     and site: the page an image is on and the image itself are in the page's data, the
//     SvelteKit literal handed to kit.start ("results:[{title:…,url:…,source:…,
//     thumbnail:{src:…},properties:{url:…,width:…,height:…}},…]"), read with
//     jsLiteralJSON.
//
// Both take offset, the 0-based page, as web does.
func (Brave) Verticals() []string { return []string{schemas.VerticalNews, schemas.VerticalImages} }

func (br Brave) parseNews(doc *goquery.Document, page []byte) (*schemas.SERP, error) {
	const base = "https://search.brave.com/"
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	doc.FindMatcher(braveSelNews).Each(func(_ int, s *goquery.Selection) {
		if s.ParentsMatcher(braveSelNews).Length() > 0 {
			return
		}
		a, href := braveTitleLink(s)
		if a == nil {
			return
		}
		t := a.FindMatcher(braveSelTitle).First()
		title := clean(t.AttrOr("title", ""))
		if title == "" {
			title = text(t)
		}
		if title == "" {
			return
		}
		n := schemas.NewsResult{Title: title, URL: href,
			Source:  text(s.FindMatcher(braveSelNewsSource).First()),
			Date:    firstText(s, braveSelNewsAge, braveSelNewsAgeSnippet),
			Snippet: text(s.FindMatcher(braveSelNewsDescription).First())}
		if u, ok := absURL(base, s.FindMatcher(braveSelNewsThumb).First().AttrOr("src", "")); ok {
			n.Thumbnail = u
		}
		n.Position = len(serp.NewsResults) + 1
		serp.NewsResults = append(serp.NewsResults, n)
	})
	serp.HasNext = braveHasNext(doc)
	if len(serp.NewsResults) > 0 || braveNoResults(doc, page) {
		serp.NoResults = len(serp.NewsResults) == 0
		return serp, nil
	}
	return nil, Unrecognised(br.Name(), "no data-type=news results and no no-results marker")
}

// braveImage is one result of the images page's data.
type braveImage struct {
	Title     string `json:"title"`
	URL       string `json:"url"`
	Source    string `json:"source"`
	Thumbnail struct {
		Src      string `json:"src"`
		Original string `json:"original"`
	} `json:"thumbnail"`
	Properties struct {
		URL    string `json:"url"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	} `json:"properties"`
}

func (br Brave) parseImages(doc *goquery.Document, page []byte) (*schemas.SERP, error) {
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	grid := doc.FindMatcher(braveSelImageResult).Length()
	var items []braveImage
	if i := bytes.Index(page, []byte("results:[{")); i >= 0 {
		if js, _, err := jsLiteralJSON(page[i+len("results:"):]); err == nil {
			if err := json.Unmarshal(js, &items); err != nil {
				items = nil
			}
		}
	}
	for _, it := range items {
		pageURL, ok := absURL("", it.URL)
		if !ok {
			continue
		}
		orig := it.Properties.URL
		if orig == "" {
			orig = it.Thumbnail.Original
		}
		img, ok := absURL("", orig)
		title := clean(it.Title)
		if !ok || title == "" {
			continue
		}
		ir := schemas.ImageResult{Position: len(serp.ImagesResults) + 1, Title: title, URL: pageURL, Original: img,
			Width: it.Properties.Width, Height: it.Properties.Height, Source: clean(it.Source)}
		if th, ok := absURL("", it.Thumbnail.Src); ok {
			ir.Thumbnail = th
		}
		serp.ImagesResults = append(serp.ImagesResults, ir)
	}
	if len(serp.ImagesResults) > 0 {
		return serp, nil
	}
	if grid == 0 && braveNoResults(doc, page) {
		serp.NoResults = true
		return serp, nil
	}
	// A grid drawn without the data it comes from is a page we do not know: never zero.
	return nil, Unrecognised(br.Name(), "no images in the page's data and no no-results marker")
}

// braveHasNext reports the pager's next link (a link to offset=, named next).
func braveHasNext(doc *goquery.Document) bool {
	next := false
	doc.FindMatcher(braveSelNext).EachWithBreak(func(_ int, a *goquery.Selection) bool {
		next = strings.Contains(strings.ToLower(text(a)+" "+a.AttrOr("aria-label", "")), "next")
		return !next
	})
	return next
}

var (
	braveSelNews            = cascadia.MustCompile("[data-type=news]")
	braveSelNewsSource      = cascadia.MustCompile(".site-name-content > span:not(.age-header)")
	braveSelNewsAge         = cascadia.MustCompile(".age-header > span:last-child")
	braveSelNewsAgeSnippet  = cascadia.MustCompile(".age-snippet, .age")
	braveSelNewsDescription = cascadia.MustCompile(".description, .snippet-description")
	braveSelNewsThumb       = cascadia.MustCompile(".thumbnail img, img.thumb")
	braveSelImageResult     = cascadia.MustCompile("button.image-result, .image-result")
)
