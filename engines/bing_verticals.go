package engines

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Bing's verticals, as its own pages load them (and SearXNG's bing_news and bing_images read
// them):
//
//   - news: /news/infinitescrollajax, the page of cards the news page appends as it scrolls:
//     div.news-card.newsitem, whose attributes carry the article (url, data-title,
//     data-author the publisher), a.title the headline, div.snippet the summary, the
//     publisher and the age in div.source (the age as a span's aria-label), the thumbnail
//     in a.imagelink img;
//   - images: /images/async, the grid's rows (ul.dgControl_list > li), each a.iusc whose m
//     attribute is JSON: purl the page, murl the image, turl the thumbnail, t the title; the
//     size and format in div.img_info span.nowrap ("3442 x 2972 · png"), the site in
//     div.lnkw a. A page holds 35.
const bingImagesPage = 35

// Verticals: Bing answers news and images searches too.
func (Bing) Verticals() []string { return []string{schemas.VerticalNews, schemas.VerticalImages} }

// Offset: an images page holds 35 whatever num asks; web and news pages hold num (10).
func (Bing) Offset(r *schemas.SearchRequest) int {
	if r.Type == schemas.VerticalImages {
		return (r.Page - 1) * bingImagesPage
	}
	return (r.Page - 1) * PageSize(r)
}

func (g Bing) parseNews(doc *goquery.Document, page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	const base = "https://www.bing.com/"
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	doc.FindMatcher(bingSelNewsCard).Each(func(_ int, c *goquery.Selection) {
		if c.ParentsMatcher(bingSelNewsCard).Length() > 0 {
			return // a card's inner block of the same name: read with its card
		}
		a := c.FindMatcher(bingSelNewsTitle).First()
		href, ok := absURL(base, c.AttrOr("url", c.AttrOr("data-url", a.AttrOr("href", ""))))
		if !ok {
			return
		}
		title := clean(text(a))
		if title == "" {
			title = clean(c.AttrOr("data-title", ""))
		}
		if title == "" {
			return
		}
		n := schemas.NewsResult{Title: title, URL: href,
			Source:  clean(c.AttrOr("data-author", "")),
			Snippet: clean(snippetText(c.FindMatcher(bingSelNewsSnippet).First()))}
		src := c.FindMatcher(bingSelNewsSource).First()
		if n.Source == "" {
			n.Source = clean(text(src.FindMatcher(bingSelNewsSourceName).First()))
		}
		n.Date = clean(src.FindMatcher(bingSelNewsAge).First().AttrOr("aria-label", ""))
		if img := c.FindMatcher(bingSelNewsThumb).First(); img.Length() > 0 {
			th := img.AttrOr("src", "")
			if strings.HasPrefix(th, "data:") || th == "" {
				th = img.AttrOr("data-src", "")
			}
			if u, ok := absURL(base, th); ok {
				n.Thumbnail = u
			}
		}
		n.Position = len(serp.NewsResults) + 1
		serp.NewsResults = append(serp.NewsResults, n)
	})
	if len(serp.NewsResults) > 0 {
		// The scroll endpoint carries no pager: it answers past the end with an empty body,
		// and its last page with fewer cards than asked for. So only a full page (count, 10
		// unless num says otherwise) may have more.
		serp.HasNext = len(serp.NewsResults) >= PageSize(r)
		return serp, nil
	}
	if len(strings.TrimSpace(string(page))) == 0 || containsAny(page, "There are no results for", "No results found for", "no-results") {
		return serp, nil
	}
	return nil, Unrecognised(g.Name(), "no news cards and no no-results page")
}

// bingImageMeta is the m attribute of an images result.
type bingImageMeta struct {
	PageURL  string `json:"purl"`
	ImageURL string `json:"murl"`
	Thumb    string `json:"turl"`
	Title    string `json:"t"`
	Desc     string `json:"desc"`
}

func (g Bing) parseImages(doc *goquery.Document, page []byte) (*schemas.SERP, error) {
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	doc.FindMatcher(bingSelImageItem).Each(func(_ int, li *goquery.Selection) {
		a := li.FindMatcher(bingSelImageLink).First()
		var m bingImageMeta
		if json.Unmarshal([]byte(a.AttrOr("m", "")), &m) != nil {
			return
		}
		pageURL, ok1 := absURL("", m.PageURL)
		img, ok2 := absURL("", m.ImageURL)
		if !ok1 || !ok2 {
			return
		}
		title := clean(bingHighlight.Replace(m.Title))
		if title == "" {
			title = clean(text(li.FindMatcher(bingSelImageTitle).First()))
		}
		if title == "" {
			return
		}
		ir := schemas.ImageResult{Title: title, URL: pageURL, Original: img,
			Source: clean(text(li.FindMatcher(bingSelImageSite).First()))}
		if th, ok := absURL("", m.Thumb); ok {
			ir.Thumbnail = th
		}
		ir.Width, ir.Height = imageSize(text(li.FindMatcher(bingSelImageInfo).First()))
		ir.Position = len(serp.ImagesResults) + 1
		serp.ImagesResults = append(serp.ImagesResults, ir)
	})
	if len(serp.ImagesResults) == 0 {
		g.parseBasicImages(doc, serp)
	}
	if len(serp.ImagesResults) > 0 {
		serp.HasNext = doc.FindMatcher(bingSelImageNext).Length() > 0 || len(serp.ImagesResults) >= bingImagesPage
		return serp, nil
	}
	if len(strings.TrimSpace(string(page))) == 0 || containsAny(page, "There are no results for", "No results found for", "dg_nr") {
		return serp, nil
	}
	return nil, Unrecognised(g.Name(), "no image grid and no no-results page")
}

// parseBasicImages reads the grid Bing draws for browsers it serves without script (seen
// 2017 to 2020): no m JSON, so each div.item carries the original image as the thumbnail
// link, the page as the a.tit link (whose text is the site), the title in div.des and
// "480 x 360 jpeg 12kB" in div.fileInfo.
func (g Bing) parseBasicImages(doc *goquery.Document, serp *schemas.SERP) {
	doc.FindMatcher(bingSelBasicImageItem).Each(func(_ int, it *goquery.Selection) {
		thumb := it.FindMatcher(bingSelBasicImageThumb).First()
		tit := it.FindMatcher(bingSelBasicImagePage).First()
		img, ok1 := absURL("", thumb.AttrOr("href", ""))
		pageURL, ok2 := absURL("", tit.AttrOr("href", ""))
		title := clean(text(it.FindMatcher(bingSelBasicImageTitle).First()))
		if !ok1 || !ok2 || title == "" {
			return
		}
		ir := schemas.ImageResult{Title: title, URL: pageURL, Original: img, Source: clean(text(tit))}
		if th, ok := absURL("", thumb.Find("img").AttrOr("src", "")); ok {
			ir.Thumbnail = th
		}
		ir.Width, ir.Height = imageSize(text(it.FindMatcher(bingSelBasicImageInfo).First()))
		ir.Position = len(serp.ImagesResults) + 1
		serp.ImagesResults = append(serp.ImagesResults, ir)
	})
}

// bingHighlight drops the private-use marks (U+E000 opens, U+E001 closes) with which Bing
// highlights the query's words in the m JSON's title; the page draws them as bold, never as text.
var bingHighlight = strings.NewReplacer("\ue000", "", "\ue001", "")

// imageSize reads "3442 x 2972 · png" (× and × too).
func imageSize(s string) (int, int) {
	s = strings.NewReplacer("×", "x", "\u00a0", " ").Replace(s)
	w, rest, ok := strings.Cut(s, "x")
	if !ok {
		return 0, 0
	}
	rest = strings.TrimSpace(rest)
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		rest = rest[:end]
	}
	wi, err1 := strconv.Atoi(strings.TrimSpace(w))
	hi, err2 := strconv.Atoi(rest)
	if err1 != nil || err2 != nil || wi <= 0 || hi <= 0 {
		return 0, 0
	}
	return wi, hi
}

var (
	bingSelNewsCard       = cascadia.MustCompile("div.newsitem, div.news-card, div.newscard") // newscard: the phone page (ublacklist's bing-mobile handler)
	bingSelNewsTitle      = cascadia.MustCompile("a.title")
	bingSelNewsSnippet    = cascadia.MustCompile("div.snippet")
	bingSelNewsSource     = cascadia.MustCompile("div.source")
	bingSelNewsSourceName = cascadia.MustCompile("a, span.source_name")
	bingSelNewsAge        = cascadia.MustCompile("span[aria-label]")
	bingSelNewsThumb      = cascadia.MustCompile("a.imagelink img, div.image img")
	bingSelImageItem      = cascadia.MustCompile("ul.dgControl_list > li")
	bingSelImageLink      = cascadia.MustCompile("a.iusc[m]")
	bingSelImageTitle     = cascadia.MustCompile("div.infnmpt a, .inflnk")
	bingSelImageSite      = cascadia.MustCompile("div.lnkw a")
	bingSelImageInfo      = cascadia.MustCompile("div.img_info span.nowrap, div.imgpt > div > span")
	bingSelImageNext      = cascadia.MustCompile("[data-nextUrl], [data-nexturl], a.nav_page_next")

	bingSelBasicImageItem  = cascadia.MustCompile("div.item")
	bingSelBasicImageThumb = cascadia.MustCompile("a.thumb[href]")
	bingSelBasicImagePage  = cascadia.MustCompile("div.meta a.tit[href]")
	bingSelBasicImageTitle = cascadia.MustCompile("div.meta div.des")
	bingSelBasicImageInfo  = cascadia.MustCompile("div.meta div.fileInfo")
)
