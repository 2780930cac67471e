package engines

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Google's verticals, asked on /search like its web results:
//
//   - news: tbm=nws, a results page whose #rso holds one card per article (div.SoaBEf since
//     about 2021): a link (a.WlydOe) to the article wrapping a div[role=heading] headline,
//     the publisher (div.MgUUmf or .NUnG9d), the summary (div.GI74Re), the age (div.OSrXXb
//     or .LfVVr, "3 hours ago") and a thumbnail img. Read by structure (a link that wraps an
//     aria heading), the class names only to tell the parts of a card apart;
//   - images: the grid's own JSON, tbm=isch&asearch=isch&async=_fmt:json,p:1,ijn:<page-1>
//     (what SearXNG's google_images reads): after a ")]}'" guard, {"ischj":{"metadata":[...]}}
//     with result.referrer_url the page, result.page_title its title, result.site_title the
//     site, original_image {url,width,height} and thumbnail.url. A page (ijn) holds 100.
const googleImagesPage = 100

// Verticals: Google answers news and images searches too.
func (Google) Verticals() []string { return []string{schemas.VerticalNews, schemas.VerticalImages} }

// Offset: an images page (ijn) holds 100 whatever num asks; web and news pages hold num (10).
func (Google) Offset(r *schemas.SearchRequest) int {
	if r.Type == schemas.VerticalImages {
		return (r.Page - 1) * googleImagesPage
	}
	return (r.Page - 1) * PageSize(r)
}

// googleNoNews is the notice of a news search without hits ("Your search - x - did not match
// any news results.").
var googleNoNews = []string{"did not match any news results", "did not match any documents"}

func (g Google) parseNews(doc *goquery.Document, page []byte) (*schemas.SERP, error) {
	const base = "https://www.google.com/"
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	root := doc.FindMatcher(googleSelRso).First()
	if root.Length() == 0 {
		root = doc.FindMatcher(googleSelSearch).First()
	}
	if root.Length() == 0 {
		root = doc.FindMatcher(googleSelBody).First()
	}
	seen := map[string]bool{}
	root.FindMatcher(googleSelNewsLink).Each(func(_ int, a *goquery.Selection) {
		if a.ParentsMatcher(googleSelNewsOut).Length() > 0 {
			return // ads, "People also search for", a "More news" pager
		}
		href, ok := googleTarget(base, a.AttrOr("href", ""))
		if !ok || seen[href] || isGoogleHost(href) {
			return
		}
		title := text(a.FindMatcher(googleSelNewsTitle).First())
		if title == "" {
			return
		}
		card := a.Closest(".SoaBEf")
		if card.Length() == 0 {
			card = a
		}
		seen[href] = true
		n := schemas.NewsResult{Title: title, URL: href,
			Source:  text(card.FindMatcher(googleSelNewsSource).First()),
			Snippet: snippetText(card.FindMatcher(googleSelNewsSnippet).First()),
			Date:    text(card.FindMatcher(googleSelNewsDate).Last())}
		// The thumbnail: the first image with a URL outside the publisher line (its favicon).
		card.FindMatcher(googleSelImg).EachWithBreak(func(_ int, img *goquery.Selection) bool {
			if img.ParentsMatcher(googleSelNewsSource).Length() > 0 {
				return true
			}
			th := img.AttrOr("src", "")
			if th == "" || strings.HasPrefix(th, "data:") {
				th = img.AttrOr("data-src", "")
			}
			u, ok := absURL(base, th)
			if ok {
				n.Thumbnail = u
			}
			return !ok
		})
		n.Position = len(serp.NewsResults) + 1
		serp.NewsResults = append(serp.NewsResults, n)
	})
	serp.HasNext = doc.FindMatcher(googleSelNewsNext).Length() > 0 || googleNextLink(doc)
	if len(serp.NewsResults) > 0 {
		return serp, nil
	}
	if containsAny(page, googleNoNews...) {
		serp.NoResults = true
		return serp, nil
	}
	return nil, Unrecognised(g.Name(), "no news cards and no no-results notice")
}

// googleImagesReply is the images grid's JSON.
type googleImagesReply struct {
	Ischj struct {
		Metadata []struct {
			Result struct {
				ReferrerURL string `json:"referrer_url"`
				PageTitle   string `json:"page_title"`
				SiteTitle   string `json:"site_title"`
			} `json:"result"`
			OriginalImage struct {
				URL    string `json:"url"`
				Width  int    `json:"width"`
				Height int    `json:"height"`
			} `json:"original_image"`
			Thumbnail struct {
				URL string `json:"url"`
			} `json:"thumbnail"`
		} `json:"metadata"`
	} `json:"ischj"`
}

func (g Google) parseImages(doc *goquery.Document, page []byte) (*schemas.SERP, error) {
	i := bytes.Index(page, []byte(`{"ischj":`))
	if i < 0 {
		if serp, ok := googleImagesHTML(doc); ok {
			return serp, nil
		}
		return nil, Unrecognised(g.Name(), "no images grid JSON (ischj) and no images grid")
	}
	var rep googleImagesReply
	if err := json.NewDecoder(bytes.NewReader(page[i:])).Decode(&rep); err != nil {
		return nil, Unrecognised(g.Name(), "unreadable images grid JSON: "+err.Error())
	}
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	for _, m := range rep.Ischj.Metadata {
		pageURL, ok1 := absURL("", m.Result.ReferrerURL)
		img, ok2 := absURL("", m.OriginalImage.URL)
		title := clean(m.Result.PageTitle)
		if !ok1 || !ok2 || title == "" {
			continue
		}
		ir := schemas.ImageResult{Title: title, URL: pageURL, Original: img, Source: clean(m.Result.SiteTitle)}
		if m.OriginalImage.Width > 0 && m.OriginalImage.Height > 0 {
			ir.Width, ir.Height = m.OriginalImage.Width, m.OriginalImage.Height
		}
		if th, ok := absURL("", m.Thumbnail.URL); ok {
			ir.Thumbnail = th
		}
		ir.Position = len(serp.ImagesResults) + 1
		serp.ImagesResults = append(serp.ImagesResults, ir)
	}
	// The grid answers a query without images, and a page past the last, with an empty list.
	serp.HasNext = len(serp.ImagesResults) >= googleImagesPage
	serp.NoResults = len(serp.ImagesResults) == 0
	return serp, nil
}

var (
	// Cards before about 2021 (div.dbsr in a g-card) had no role=heading: their title is the
	// nDgy9d line, the publisher pDavDe or XTjFC, the summary eYN3rb or Y3v8qd, the age eNg7of.
	googleSelNewsLink    = cascadia.MustCompile("a[href]:has([role=heading]), div.dbsr > a[href]")
	googleSelNewsTitle   = cascadia.MustCompile("[role=heading], div.nDgy9d")
	googleSelHeading     = cascadia.MustCompile("[role=heading]")
	googleSelNewsOut     = cascadia.MustCompile("#tads, #tadsb, #bottomads, #botstuff, [role=navigation], #foot")
	googleSelNewsSource  = cascadia.MustCompile(".MgUUmf, .NUnG9d, .CEMjEf, .pDavDe, .XTjFC")
	googleSelNewsSnippet = cascadia.MustCompile(".GI74Re, .Y3v8qd, .eYN3rb")
	googleSelNewsDate    = cascadia.MustCompile(".OSrXXb, .LfVVr, .ZE0LJd, .WG9SHc, .eNg7of")
	googleSelNewsNext    = cascadia.MustCompile("#pnnext, a[aria-label='Next page']")
	googleSelImg         = cascadia.MustCompile("img")
)
