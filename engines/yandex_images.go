package engines

import (
	"encoding/json"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Yandex's images vertical is its /images/search page: a grid of div.serp-item, each
// describing its image in the data-bem attribute's JSON (what SearXNG's yandex images engine
// reads too): "serp-item" holds img_href (the image), preview (the image's copies with their
// sizes, the first the one shown), thumb.url (Yandex's thumbnail, scheme-relative) and snippet
// (title, url of the page the image is on, domain).
func (Yandex) Verticals() []string { return []string{schemas.VerticalImages} }

// yandexImagesPage is what an images page holds (p=1 starts at the 31st).
const yandexImagesPage = 30

// Offset: an images page holds 30; a web page num (10).
func (Yandex) Offset(r *schemas.SearchRequest) int {
	if r.Type == schemas.VerticalImages {
		return (r.Page - 1) * yandexImagesPage
	}
	return (r.Page - 1) * PageSize(r)
}

var yandexSelImageItem = cascadia.MustCompile(`div.serp-item[data-bem]`)

type yandexImageBem struct {
	Item *struct {
		ImgHref string `json:"img_href"`
		Preview []struct {
			URL string `json:"url"`
			W   int    `json:"w"`
			H   int    `json:"h"`
		} `json:"preview"`
		Thumb struct {
			URL string `json:"url"`
		} `json:"thumb"`
		Snippet struct {
			Title  string `json:"title"`
			Text   string `json:"text"`
			URL    string `json:"url"`
			Domain string `json:"domain"`
		} `json:"snippet"`
	} `json:"serp-item"`
}

func (y Yandex) parseImages(doc *goquery.Document) (*schemas.SERP, error) {
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	items := 0
	doc.FindMatcher(yandexSelImageItem).Each(func(_ int, s *goquery.Selection) {
		var bem yandexImageBem
		if json.Unmarshal([]byte(s.AttrOr("data-bem", "")), &bem) != nil || bem.Item == nil {
			return
		}
		items++
		it := bem.Item
		img := schemas.ImageResult{Original: it.ImgHref, Title: clean(markupText(it.Snippet.Title)), Source: clean(it.Snippet.Domain)}
		if img.Original == "" && len(it.Preview) > 0 {
			img.Original = it.Preview[0].URL
		}
		for _, p := range it.Preview {
			if p.URL == img.Original {
				img.Width, img.Height = p.W, p.H
				break
			}
		}
		page, ok := absURL("https://yandex.com/", it.Snippet.URL)
		if !ok || !isHTTPURL(img.Original) {
			return
		}
		img.URL = page
		if th, ok := absURL("https://yandex.com/", it.Thumb.URL); ok {
			img.Thumbnail = th
		}
		if img.Title == "" {
			img.Title = clean(markupText(it.Snippet.Text))
		}
		img.Position = len(serp.ImagesResults) + 1
		serp.ImagesResults = append(serp.ImagesResults, img)
	})
	if len(serp.ImagesResults) > 0 {
		// The grid's own data says which page is the last ("pageNum", "lastPage").
		serp.HasNext = yandexImagesMore(doc)
		return serp, nil
	}
	if items == 0 && doc.FindMatcher(yandexSelImagesEmpty).Length() > 0 {
		serp.NoResults = true
		return serp, nil
	}
	return nil, Unrecognised(y.Name(), "an images page without a readable serp-item")
}

var (
	yandexSelImagesList  = cascadia.MustCompile(`.serp-list[data-bem], .serp-controller__content [data-bem]`)
	yandexSelImagesEmpty = cascadia.MustCompile(`.misspell__message, .serp-controller__empty, .no-results`)
)

// yandexImagesMore reads the grid's pager state: {"serp-list":{"pageNum":0,"lastPage":49}}.
func yandexImagesMore(doc *goquery.Document) bool {
	more := true
	doc.FindMatcher(yandexSelImagesList).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		var st map[string]json.RawMessage
		if json.Unmarshal([]byte(s.AttrOr("data-bem", "")), &st) != nil {
			return true
		}
		var pager struct {
			PageNum  *int `json:"pageNum"`
			LastPage *int `json:"lastPage"`
		}
		for _, v := range st {
			if json.Unmarshal(v, &pager) == nil && pager.PageNum != nil && pager.LastPage != nil {
				more = *pager.PageNum < *pager.LastPage
				return false
			}
		}
		return true
	})
	return more
}
