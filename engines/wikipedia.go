package engines

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
)

// Wikipedia asks the MediaWiki Action API (/w/api.php), not a result page: a structured
// answer source for metasearch, whose first article also fills knowledge_graph. One request
// searches and fetches each hit's lead (generator=search with the TextExtracts and short
// description props), so a page never needs a second round trip. The classic list=search
// reply (titles and highlighted snippets) is read too. The language of hl picks the wiki
// (de.wikipedia.org), unless the base URL has been pointed elsewhere.
type Wikipedia struct{}

var _ Engine = Wikipedia{}

func (Wikipedia) Name() string    { return "wikipedia" }
func (Wikipedia) BaseURL() string { return "https://en.wikipedia.org" }

// wikipediaMaxPage is the most articles one reply carries leads for (TextExtracts' limit for
// intro extracts).
const wikipediaMaxPage = 20

// Offset: positions continue by the page size actually asked for.
func (Wikipedia) Offset(r *schemas.SearchRequest) int {
	return (r.Page - 1) * min(PageSize(r), wikipediaMaxPage)
}

func (w Wikipedia) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	per := min(PageSize(r), wikipediaMaxPage)
	lang, _, _ := strings.Cut(strings.ToLower(r.HL), "-")
	if lang != "" && lang != "en" && base.Host == "en.wikipedia.org" && isWikiLang(lang) {
		b := *base
		b.Host = lang + ".wikipedia.org"
		base = &b
	}
	q := url.Values{}
	q.Set("action", "query")
	q.Set("format", "json")
	q.Set("formatversion", "2")
	q.Set("generator", "search")
	q.Set("gsrsearch", r.Q)
	q.Set("gsrlimit", strconv.Itoa(per))
	if r.Page > 1 {
		q.Set("gsroffset", strconv.Itoa((r.Page-1)*per))
	}
	q.Set("prop", "extracts|description|info")
	q.Set("exintro", "1")
	q.Set("explaintext", "1")
	q.Set("exsentences", "3")
	q.Set("exlimit", "max")
	q.Set("inprop", "url")
	q.Set("redirects", "1")
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	h.Set("Accept", "application/json")
	// Wikimedia's policy asks API clients to name themselves.
	h.Set("Api-User-Agent", "trawl (https://github.com/trawl-dev/trawl)")
	return &Request{Method: "GET", URL: joinURL(base, "/w/api.php", q), Header: h}, nil
}

// isWikiLang accepts what can be a Wikipedia subdomain: a short lower-case code.
func isWikiLang(s string) bool {
	if len(s) < 2 || len(s) > 12 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}

// wikipediaReply is the part of an Action API reply the parser reads: the generator's pages
// (formatversion 2: a list, each with its rank in index) or list=search's hits.
type wikipediaReply struct {
	Error *struct {
		Code string `json:"code"`
		Info string `json:"info"`
	} `json:"error"`
	Continue map[string]any `json:"continue"`
	Query    *struct {
		SearchInfo *struct {
			TotalHits  int64  `json:"totalhits"`
			Suggestion string `json:"suggestion"`
		} `json:"searchinfo"`
		Search []struct {
			Title   string `json:"title"`
			Snippet string `json:"snippet"`
		} `json:"search"`
		Pages json.RawMessage `json:"pages"`
	} `json:"query"`
}

type wikipediaPage struct {
	Title       string `json:"title"`
	Index       int    `json:"index"`
	Extract     string `json:"extract"`
	Description string `json:"description"`
	FullURL     string `json:"fullurl"`
	Missing     bool   `json:"missing"`
}

func (w Wikipedia) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	body := bytes.TrimSpace(page)
	if len(body) == 0 || body[0] != '{' {
		// Wikimedia's edge answers floods with an HTML error page, not JSON.
		if containsAny(page, "Too many requests", "Wikimedia Error", "rate limit") {
			return nil, Blocked(w.Name(), "Wikimedia rate-limit page")
		}
		return nil, Unrecognised(w.Name(), "not an API reply")
	}
	var rep wikipediaReply
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, Unrecognised(w.Name(), "unreadable API reply: "+err.Error())
	}
	if rep.Error != nil {
		switch rep.Error.Code {
		case "ratelimited", "maxlag", "readonly", "blocked", "autoblocked":
			return nil, Blocked(w.Name(), "API error "+rep.Error.Code)
		}
		return nil, Unrecognised(w.Name(), "API error "+rep.Error.Code)
	}
	b := newBuilder()
	if rep.Query == nil {
		// A search without hits answers with no query member at all.
		b.serp.NoResults = true
		return b.serp, nil
	}
	site := "https://en.wikipedia.org"
	if r != nil && r.HL != "" {
		if lang, _, _ := strings.Cut(strings.ToLower(r.HL), "-"); isWikiLang(lang) {
			site = "https://" + lang + ".wikipedia.org"
		}
	}
	if len(rep.Query.Pages) > 0 && string(rep.Query.Pages) != "null" {
		pages, err := wikipediaPages(rep.Query.Pages)
		if err != nil {
			return nil, Unrecognised(w.Name(), "unreadable pages: "+err.Error())
		}
		for _, p := range pages {
			if p.Missing {
				continue
			}
			u := p.FullURL
			if u == "" {
				u = wikiURL(site, p.Title)
			}
			b.organic(schemas.OrganicResult{Title: p.Title, URL: u, DisplayedURL: strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://"),
				Snippet: clean(p.Extract)})
			if b.serp.KnowledgeGraph == nil && p.Extract != "" && (r == nil || r.Page <= 1) {
				b.serp.KnowledgeGraph = &schemas.KnowledgeGraph{Title: p.Title, Type: p.Description, Description: clean(p.Extract),
					Source: &schemas.Source{Name: "Wikipedia", URL: u}}
			}
		}
	}
	for _, s := range rep.Query.Search {
		b.organic(schemas.OrganicResult{Title: s.Title, URL: wikiURL(site, s.Title), Snippet: wikiSnippetText(s.Snippet)})
	}
	if si := rep.Query.SearchInfo; si != nil {
		b.serp.TotalResults = si.TotalHits
		if si.Suggestion != "" {
			b.relatedSearch(si.Suggestion, "")
		}
	}
	_, b.serp.HasNext = rep.Continue["gsroffset"]
	if _, ok := rep.Continue["sroffset"]; ok {
		b.serp.HasNext = true
	}
	return b.serp, nil
}

// wikipediaPages reads query.pages, a list (formatversion 2) or an object keyed by page id
// (formatversion 1), in search rank order.
func wikipediaPages(raw json.RawMessage) ([]wikipediaPage, error) {
	var pages []wikipediaPage
	if err := json.Unmarshal(raw, &pages); err != nil {
		var byID map[string]wikipediaPage
		if err2 := json.Unmarshal(raw, &byID); err2 != nil {
			return nil, err
		}
		for _, p := range byID {
			pages = append(pages, p)
		}
	}
	sort.SliceStable(pages, func(i, j int) bool {
		if pages[i].Index != pages[j].Index {
			return pages[i].Index < pages[j].Index
		}
		return pages[i].Title < pages[j].Title
	})
	return pages, nil
}

// wikiURL is an article's address as Wikipedia writes it: spaces as underscores, and only
// what a path cannot hold escaped (parentheses stay, "Go_(programming_language)").
func wikiURL(site, title string) string {
	esc := url.PathEscape(strings.ReplaceAll(title, " ", "_"))
	return strings.TrimSuffix(site, "/") + "/wiki/" + wikiUnescape.Replace(esc)
}

// wikiUnescape undoes PathEscape for the characters a path may hold as they are.
var wikiUnescape = strings.NewReplacer("%28", "(", "%29", ")", "%2F", "/", "%3A", ":", "%2C", ",", "%27", "'", "%21", "!", "%2A", "*")

// wikiSnippetText drops list=search's highlight markup (<span class="searchmatch">) and decodes
// its entities.
func wikiSnippetText(s string) string {
	doc, release, err := parseDoc("wikipedia", []byte("<body>"+s+"</body>"))
	if err != nil {
		return clean(s)
	}
	defer release()
	return text(doc.Find("body"))
}
