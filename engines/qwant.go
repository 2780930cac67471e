package engines

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
)

// Qwant asks Qwant's own JSON API (api.qwant.com/v3/search/web), the one its web page
// calls. The v3 reply groups the page into typed blocks (data.result.items.mainline: web,
// ads, news, videos…); only "web" blocks are organic and "ads" blocks are ads. The v2 reply
// (a flat data.result.items list), still served to some clients, is read too. Titles and
// descriptions carry <b> highlights and entities, which are removed. A captcha or rate
// limit is status "error" with error_code 24.
type Qwant struct{}

var _ Engine = Qwant{}

func (Qwant) Name() string    { return "qwant" }
func (Qwant) BaseURL() string { return "https://api.qwant.com" }

// qwantMaxCount is the most results the API returns for one call.
const qwantMaxCount = 10

// Offset: positions continue by the count actually asked for.
func (Qwant) Offset(r *schemas.SearchRequest) int {
	return (r.Page - 1) * min(PageSize(r), qwantMaxCount)
}

// Request: count (at most 10), offset, locale (language_COUNTRY, en_US unless hl/gl say
// otherwise) and safesearch (0 off, 1 moderate, 2 strict).
func (Qwant) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	per := min(PageSize(r), qwantMaxCount)
	q := url.Values{}
	q.Set("q", r.Q)
	q.Set("count", strconv.Itoa(per))
	q.Set("offset", strconv.Itoa((max(r.Page, 1)-1)*per))
	q.Set("locale", qwantLocale(r.HL, r.GL))
	switch r.Safe {
	case schemas.SafeOff:
		q.Set("safesearch", "0")
	case schemas.SafeStrict:
		q.Set("safesearch", "2")
	default:
		q.Set("safesearch", "1")
	}
	q.Set("device", "desktop")
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	h.Set("Accept", "application/json")
	return &Request{Method: "GET", URL: joinURL(base, "/v3/search/web", q), Header: h}, nil
}

// qwantLocale is Qwant's locale, language_COUNTRY ("de_DE"); a language alone gets its
// usual country, and anything unreadable en_US.
func qwantLocale(hl, gl string) string {
	lang, region, _ := strings.Cut(strings.ToLower(hl), "-")
	if region == "" {
		region = strings.ToLower(gl)
	}
	if len(lang) != 2 {
		return "en_US"
	}
	if len(region) != 2 {
		region = map[string]string{"en": "us", "de": "de", "fr": "fr", "es": "es", "it": "it", "nl": "nl", "pt": "pt", "pl": "pl"}[lang]
		if region == "" {
			return "en_US"
		}
	}
	return lang + "_" + strings.ToUpper(region)
}

type qwantItem struct {
	Title string `json:"title"`
	URL   string `json:"url"`
	Desc  string `json:"desc"`
	// Source is the displayed host ("https://zmovies.me", "vexmovies.org").
	Source string `json:"source"`
}

type qwantReply struct {
	Status string `json:"status"`
	Data   struct {
		ErrorCode int `json:"error_code"`
		Query     struct {
			Offset int `json:"offset"`
		} `json:"query"`
		Result struct {
			Total int64           `json:"total"`
			Items json.RawMessage `json:"items"`
			Ads   []qwantItem     `json:"ads"`
		} `json:"result"`
	} `json:"data"`
}

type qwantBlock struct {
	Type  string      `json:"type"`
	Items []qwantItem `json:"items"`
}

func (qw Qwant) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	body := bytes.TrimSpace(page)
	if len(body) == 0 || body[0] != '{' {
		if containsAny(page, "captcha", "Captcha", "Too Many Requests") {
			return nil, Blocked(qw.Name(), "captcha page")
		}
		if containsAny(page, "not yet available in your country", "pas encore disponible dans votre pays") {
			// Qwant's region wall ("Service unavailable"), served for the API's URL too.
			return nil, Blocked(qw.Name(), "not available in this region")
		}
		return nil, Unrecognised(qw.Name(), "not an API reply")
	}
	var rep qwantReply
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, Unrecognised(qw.Name(), "unreadable API reply: "+err.Error())
	}
	if rep.Status != "success" {
		if rep.Data.ErrorCode == 24 || rep.Data.ErrorCode == 429 {
			return nil, Blocked(qw.Name(), "API error "+strconv.Itoa(rep.Data.ErrorCode)+" (captcha / rate limit)")
		}
		return nil, Unrecognised(qw.Name(), "API status "+strconv.Quote(rep.Status)+" error "+strconv.Itoa(rep.Data.ErrorCode))
	}
	b := newBuilder()
	items := bytes.TrimSpace(rep.Data.Result.Items)
	n := 0
	switch {
	case len(items) > 0 && items[0] == '[':
		// v2: one flat list of web results, ads beside it.
		var list []qwantItem
		if err := json.Unmarshal(items, &list); err != nil {
			return nil, Unrecognised(qw.Name(), "unreadable items: "+err.Error())
		}
		for _, it := range list {
			qwantOrganic(b, it)
		}
		n = len(list)
		for _, it := range rep.Data.Result.Ads {
			b.ad(schemas.Ad{Block: "top", Title: markupText(it.Title), URL: it.URL, DisplayedURL: qwantSource(it), Snippet: markupText(it.Desc)})
		}
	case len(items) > 0 && items[0] == '{':
		var groups struct {
			Mainline []qwantBlock `json:"mainline"`
		}
		if err := json.Unmarshal(items, &groups); err != nil {
			return nil, Unrecognised(qw.Name(), "unreadable items: "+err.Error())
		}
		for _, blk := range groups.Mainline {
			switch blk.Type {
			case "web":
				for _, it := range blk.Items {
					qwantOrganic(b, it)
				}
				n += len(blk.Items)
			case "ads":
				for _, it := range blk.Items {
					b.ad(schemas.Ad{Block: "top", Title: markupText(it.Title), URL: it.URL, DisplayedURL: qwantSource(it), Snippet: markupText(it.Desc)})
				}
			}
		}
	}
	if rep.Data.Result.Total > 0 {
		b.serp.TotalResults = rep.Data.Result.Total
		b.serp.HasNext = int64(rep.Data.Query.Offset+n) < rep.Data.Result.Total
	} else {
		b.serp.HasNext = n >= qwantMaxCount
	}
	// Zero from a reply whose result list is there (and empty) is Qwant's no hits; without
	// the list it is a reply in a shape unknown here.
	b.serp.NoResults = n == 0 && len(items) > 0 && rep.Data.Result.Total == 0
	return b.serp, nil
}

func qwantOrganic(b *builder, it qwantItem) {
	b.organic(schemas.OrganicResult{Title: markupText(it.Title), URL: it.URL, DisplayedURL: qwantSource(it), Snippet: markupText(it.Desc)})
}

// qwantSource is the item's displayed host, without a scheme.
func qwantSource(it qwantItem) string {
	s := strings.TrimPrefix(strings.TrimPrefix(it.Source, "https://"), "http://")
	return strings.TrimSuffix(s, "/")
}
