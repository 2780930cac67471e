package engines

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/trawl-dev/trawl/schemas"
)

// Google's images results as HTML, for the pages that carry no grid JSON:
//   - the desktop grid of about 2013-2019, each tile a link to
//     /imgres?imgurl=<original>&imgrefurl=<page>&w=&h= around its thumbnail;
//   - the basic page (browsers without JavaScript, and the Internet Archive's captures) of
//     2017-2022: a table of tiles (table.images_table in 2017, td.e3goi since about 2020),
//     each the thumbnail and the page it is on, both linked through /url?q=<page>, with the
//     site's name, the page's title and, in 2017, "W × H - size - format". That page never
//     names the original image, so Original stays empty rather than guessed;
//   - the grid of 2023 on (udm=2 and tbm=isch as a browser gets them): tiles
//     div[data-attrid="images universal"] naming the page in data-lpage, the title in the
//     thumbnail's alt (and again in the source link under it), the site in that link. The
//     original image is only in the page's scripts, keyed by the tile's data-docid; Original
//     stays empty, as for the basic page.

// googleImagesHTML reads either grid; ok is false when the page is not an images page.
func googleImagesHTML(doc *goquery.Document) (serp *schemas.SERP, ok bool) {
	serp = &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	add := func(ir schemas.ImageResult) {
		if ir.Title == "" || !isHTTPURL(ir.URL) {
			return
		}
		ir.Position = len(serp.ImagesResults) + 1
		serp.ImagesResults = append(serp.ImagesResults, ir)
	}
	seen := map[string]bool{}
	doc.FindMatcher(googleSelImgres).Each(func(_ int, a *goquery.Selection) {
		href := a.AttrOr("href", "")
		orig, ok1 := absURL("", queryParam(href, "imgurl"))
		pageURL, ok2 := absURL("", queryParam(href, "imgrefurl"))
		if !ok1 || !ok2 || seen[href] {
			return
		}
		seen[href] = true
		ir := schemas.ImageResult{URL: pageURL, Original: orig, Source: hostOf(pageURL)}
		ir.Width, _ = strconv.Atoi(queryParam(href, "w"))
		ir.Height, _ = strconv.Atoi(queryParam(href, "h"))
		if img := a.FindMatcher(googleSelImg).First(); img.Length() > 0 {
			ir.Thumbnail = googleThumb(img)
			ir.Title = clean(img.AttrOr("alt", ""))
		}
		if ir.Title == "" {
			ir.Title = text(a)
		}
		if ir.Title == "" {
			ir.Title = ir.Source
		}
		add(ir)
	})
	if len(serp.ImagesResults) == 0 {
		doc.FindMatcher(googleSelImagesUniversal).Each(func(_ int, t *goquery.Selection) {
			// One page may show several images: a tile is one by its docid.
			pageURL, ok := absURL("", t.AttrOr("data-lpage", ""))
			id := t.AttrOr("data-docid", pageURL)
			if !ok || seen[id] {
				return
			}
			seen[id] = true
			ir := schemas.ImageResult{URL: pageURL, Source: hostOf(pageURL)}
			if img := t.FindMatcher(googleSelImg).First(); img.Length() > 0 {
				ir.Thumbnail = googleThumb(img)
				ir.Title = clean(img.AttrOr("alt", ""))
			}
			// The source link under the thumbnail: the site's name, then the title again.
			if a := t.FindMatcher(googleSelAHref).First(); a.Length() > 0 {
				if lines := leafTexts(a); len(lines) > 0 {
					ir.Source = lines[0]
					if ir.Title == "" {
						ir.Title = lines[len(lines)-1]
					}
				}
			}
			add(ir)
		})
	}
	if len(serp.ImagesResults) == 0 {
		doc.FindMatcher(googleSelImagesTile).Each(func(_ int, td *goquery.Selection) {
			a := td.FindMatcher(googleSelAHref).First()
			pageURL, ok := googleTarget("https://www.google.com/", a.AttrOr("href", ""))
			if !ok || isGoogleHost(pageURL) {
				return
			}
			ir := schemas.ImageResult{URL: pageURL}
			if img := td.FindMatcher(googleSelImg).First(); img.Length() > 0 {
				ir.Thumbnail = googleThumb(img)
			}
			if spans := td.FindMatcher(googleSelTileText); spans.Length() > 0 {
				// 2020-2022: the title line, then the site.
				ir.Title = text(spans.First())
				if spans.Length() > 1 {
					ir.Source = text(spans.Eq(1))
				}
			} else {
				// 2017: cite (the site), then text lines between breaks: the title, the size.
				ir.Source = text(td.FindMatcher(googleSelTileCite).First())
				lines := googleTileLines(td.Get(0))
				if len(lines) > 0 {
					ir.Title = lines[0]
				}
				for _, l := range lines[min(1, len(lines)):] {
					if m := googleTileSize.FindStringSubmatch(l); m != nil {
						ir.Width, _ = strconv.Atoi(m[1])
						ir.Height, _ = strconv.Atoi(m[2])
					}
				}
			}
			add(ir)
		})
	}
	if len(serp.ImagesResults) > 0 {
		serp.HasNext = doc.FindMatcher(googleSelPnnext).Length() > 0 || googleNextLink(doc)
		return serp, true
	}
	// The basic images page for a query without images is the page's frame alone: the
	// search form (tbm=isch) and the tabs, no tile and no notice.
	if doc.FindMatcher(googleSelImagesForm).Length() > 0 {
		serp.NoResults = true
		return serp, true
	}
	return nil, false
}

// googleImagesPageHTML reports a page of the images vertical, however it reached the parser.
func googleImagesPageHTML(doc *goquery.Document) bool {
	return doc.FindMatcher(googleSelImagesForm).Length() > 0 || doc.FindMatcher(googleSelImagesTile).Length() > 0 ||
		doc.FindMatcher(googleSelImagesUniversal).Length() > 3 ||
		doc.FindMatcher(googleSelImgres).Length() > 3
}

// googleTileLines is the text of a 2017 tile between its line breaks, the cite and links
// left out.
func googleTileLines(td *html.Node) []string {
	var lines []string
	var cur strings.Builder
	flush := func() {
		if t := clean(cur.String()); t != "" {
			lines = append(lines, t)
		}
		cur.Reset()
	}
	for c := td.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.ElementNode && c.Data == "br":
			flush()
		case c.Type == html.ElementNode && (c.Data == "a" || c.Data == "cite"):
		default:
			cur.WriteString(nodeText(c))
		}
	}
	flush()
	return lines
}

func googleThumb(img *goquery.Selection) string {
	for _, k := range []string{"data-src", "src"} {
		if u, ok := absURL("https://www.google.com/", img.AttrOr(k, "")); ok {
			return u
		}
	}
	return ""
}

func hostOf(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	h, _, _ := strings.Cut(rest, "/")
	return strings.TrimPrefix(h, "www.")
}

var (
	googleSelImgres     = cascadia.MustCompile("a[href*='/imgres?']")
	googleSelImagesTile = cascadia.MustCompile("table.images_table td, td.e3goi")
	// The grid of 2023 on; data-lpage is the page the image is on.
	googleSelImagesUniversal = cascadia.MustCompile("div[data-attrid='images universal'][data-lpage]")
	googleSelTileText        = cascadia.MustCompile("span.fYyStc")
	googleSelImagesForm      = cascadia.MustCompile("form input[name=tbm][value=isch]")
	googleSelTileCite        = cascadia.MustCompile("cite")
	googleTileSize           = regexp.MustCompile(`^(\d+)\s*[×x]\s*(\d+)`)
)
