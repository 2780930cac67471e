// Package searxng is SearXNG's dialect: /searxng/search, /searxng/ (and the bare /search when
// a request carries format, which SearXNG's clients always send) and /searxng/config, read as
// SearXNG reads them and answered with its field names, so LangChain's SearxngSearch, Open
// WebUI, @agentic/searxng and SearXNG MCP servers work by changing their base URL. Where
// SearXNG answers 200 with nothing for an engine that was blocked, trawl names it in
// unresponsive_engines with the reason.
package searxng

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// Formats SearXNG clients ask for.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
	FormatRSS  = "rss"
)

// Request is a SearXNG search read into trawl's terms.
type Request struct {
	Native schemas.SearchRequest
	Format string
	// Unknown are engines named that trawl does not have; NoCategory explains a category
	// trawl cannot serve (the answer is then empty).
	Unknown    []string
	NoCategory string
}

// ParseRequest reads a SearXNG search from its parameters (query arguments and form fields
// merged). Parameters SearXNG clients send that change nothing here (image_proxy, theme,
// numResults, pageNumber) are ignored as SearXNG ignores what it does not know.
func ParseRequest(get func(string) (string, bool), o dialect.Options) (*Request, *schemas.Error) {
	var r Request
	bad := func(field, msg string) *schemas.Error {
		return schemas.ValidationError([]schemas.FieldError{{Field: field, Message: msg}})
	}
	r.Format, _ = get("format")
	switch r.Format {
	case "":
		r.Format = FormatJSON
	case FormatJSON, FormatCSV, FormatRSS:
	default:
		return nil, bad("format", "must be json, csv or rss")
	}
	q, _ := get("q")
	if strings.TrimSpace(q) == "" {
		return nil, bad("q", "is required")
	}
	r.Native.Q = q
	if v, ok := get("pageno"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > schemas.MaxPage {
			return nil, bad("pageno", "must be between 1 and "+strconv.Itoa(schemas.MaxPage))
		}
		if n > 1 {
			r.Native.Page = n
		}
	}
	if v, _ := get("language"); v != "" && v != "all" && v != "auto" {
		r.Native.HL = v
	}
	switch v, _ := get("safesearch"); v {
	case "":
	case "0":
		r.Native.Safe = schemas.SafeOff
	case "1":
		r.Native.Safe = schemas.SafeModerate
	case "2":
		r.Native.Safe = schemas.SafeStrict
	default:
		return nil, bad("safesearch", "must be 0, 1 or 2")
	}
	switch v, _ := get("time_range"); v {
	case "", "day", "week", "month", "year":
		// Accepted and not applied: trawl's engines are asked without a date filter.
	default:
		return nil, bad("time_range", "must be day, week, month or year")
	}
	if v, _ := get("categories"); v != "" {
		general := false
		for _, c := range strings.Split(v, ",") {
			general = general || strings.TrimSpace(c) == "general"
		}
		if !general {
			r.NoCategory = "category " + v + " is not served: trawl searches the general web only"
		}
	}
	var names []string
	if v, _ := get("engines"); v != "" {
		for _, n := range strings.Split(v, ",") {
			n = strings.ToLower(strings.TrimSpace(n))
			switch {
			case n == "":
			case o.Known(n):
				if len(names) < schemas.MaxEngines && !contains(names, n) {
					names = append(names, n)
				}
			default:
				r.Unknown = append(r.Unknown, n)
			}
		}
	} else {
		names = strings.Split(o.MetaEngines, ",")
	}
	r.Native.Engine = strings.Join(names, ",")
	return &r, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Response is SearXNG's JSON answer.
type Response struct {
	Query               string      `json:"query"`
	NumberOfResults     int64       `json:"number_of_results"`
	Results             []Result    `json:"results"`
	Answers             []string    `json:"answers"`
	Corrections         []string    `json:"corrections"`
	Infoboxes           []Infobox   `json:"infoboxes"`
	Suggestions         []string    `json:"suggestions"`
	UnresponsiveEngines [][2]string `json:"unresponsive_engines"`
}

// Result is one of SearXNG's results.
type Result struct {
	URL           string    `json:"url"`
	Title         string    `json:"title"`
	Content       string    `json:"content"`
	Engine        string    `json:"engine"`
	Engines       []string  `json:"engines"`
	Positions     []int     `json:"positions"`
	Score         float64   `json:"score"`
	Category      string    `json:"category"`
	ParsedURL     [6]string `json:"parsed_url"`
	Template      string    `json:"template"`
	PublishedDate *string   `json:"publishedDate"`
}

// Infobox is one of SearXNG's infoboxes.
type Infobox struct {
	Infobox string    `json:"infobox"`
	ID      string    `json:"id,omitempty"`
	Content string    `json:"content"`
	Engine  string    `json:"engine"`
	URLs    []InfoURL `json:"urls"`
}

// InfoURL is a link of an infobox.
type InfoURL struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Empty is the answer with nothing in it (every list present, as SearXNG's clients index them).
func Empty(q string) *Response {
	return &Response{Query: q, Results: []Result{}, Answers: []string{}, Corrections: []string{},
		Infoboxes: []Infobox{}, Suggestions: []string{}, UnresponsiveEngines: [][2]string{}}
}

// Convert rewrites a native search answer (schemas.SearchResponse JSON) as SearXNG's.
func Convert(native []byte, q string) (*Response, error) {
	var n schemas.SearchResponse
	if err := json.Unmarshal(native, &n); err != nil {
		return nil, err
	}
	r := Empty(q)
	if n.SearchInformation != nil {
		r.NumberOfResults = n.SearchInformation.TotalResults
	}
	engines := n.SearchParameters.Engines()
	for _, o := range n.OrganicResults {
		es := o.Engines
		if len(es) == 0 {
			es = engines[:1]
		}
		res := Result{URL: o.URL, Title: o.Title, Content: o.Snippet, Engine: es[0], Engines: es,
			Positions: []int{o.Position}, Score: float64(len(es)) / float64(max(o.Position, 1)),
			Category: "general", Template: "default.html"}
		if u, err := url.Parse(o.URL); err == nil {
			res.ParsedURL = [6]string{u.Scheme, u.Host, u.Path, "", u.RawQuery, u.Fragment}
		}
		if d := publishedDate(o.Date); d != "" {
			res.PublishedDate = &d
		}
		r.Results = append(r.Results, res)
	}
	if a := n.AnswerBox; a != nil {
		switch {
		case a.Answer != "":
			r.Answers = append(r.Answers, a.Answer)
		case a.Snippet != "":
			ib := Infobox{Infobox: a.Title, ID: a.URL, Content: a.Snippet, Engine: engines[0], URLs: []InfoURL{}}
			if a.URL != "" {
				ib.URLs = append(ib.URLs, InfoURL{Title: a.Title, URL: a.URL})
			}
			r.Infoboxes = append(r.Infoboxes, ib)
		}
	}
	for _, s := range n.RelatedSearches {
		r.Suggestions = append(r.Suggestions, s.Query)
	}
	for _, name := range engines {
		if o, ok := n.SearchMetadata.Engines[name]; ok && o.Status != "answered" {
			r.UnresponsiveEngines = append(r.UnresponsiveEngines, [2]string{name, reason(o.Status)})
		}
	}
	return r, nil
}

// publishedDate is an engine's date in SearXNG's form (ISO 8601), "" when it is not a date.
func publishedDate(s string) string {
	for _, f := range []string{time.RFC3339, "2006-01-02", "Jan 2, 2006", "2 Jan 2006"} {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05")
		}
	}
	return ""
}

// reason is SearXNG's wording for why an engine gave nothing, from trawl's engine outcome
// (schemas.EngineOutcome.Status) or error kind.
func reason(status string) string {
	switch status {
	case schemas.TypeBlocked: // the outcome "blocked" too
		return "CAPTCHA"
	case "timed_out", schemas.TypeTimeout:
		return "timeout"
	case schemas.TypeCircuitOpen:
		return "suspended: too many errors"
	case schemas.TypeRateLimited, schemas.TypeOverloaded:
		return "too many requests"
	case schemas.TypeUnrecognised:
		return "parsing error"
	}
	return "HTTP error"
}

// EngineFailure reports whether a native error is the engines' failing (the answer is then
// an empty one naming them, as SearXNG's clients expect a 200) rather than the request's.
func EngineFailure(e *schemas.Error) bool {
	switch e.Kind {
	case schemas.TypeBlocked, schemas.TypeUpstream, schemas.TypeUnrecognised, schemas.TypeCircuitOpen, schemas.TypeTimeout:
		return true
	}
	return false
}

// Failed is the answer for engines that all failed with e.
func Failed(r *Request, e *schemas.Error) *Response {
	out := Empty(r.Native.Q)
	names := r.Native.Engines()
	if e.Engine != "" {
		names = []string{e.Engine}
	}
	for _, n := range names {
		out.UnresponsiveEngines = append(out.UnresponsiveEngines, [2]string{n, reason(e.Kind)})
	}
	return out
}

// Encode writes r in format.
func Encode(r *Response, format string) []byte {
	switch format {
	case FormatCSV:
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write([]string{"title", "url", "content", "host", "engine", "score", "type"})
		for _, x := range r.Results {
			w.Write([]string{x.Title, x.URL, x.Content, x.ParsedURL[1], strings.Join(x.Engines, ","), strconv.FormatFloat(x.Score, 'f', -1, 64), "result"})
		}
		for _, a := range r.Answers {
			w.Write([]string{"", "", a, "", "", "", "answer"})
		}
		for _, s := range r.Suggestions {
			w.Write([]string{s, "", "", "", "", "", "suggestion"})
		}
		w.Flush()
		return b.Bytes()
	case FormatRSS:
		type item struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			Description string `xml:"description"`
			PubDate     string `xml:"pubDate,omitempty"`
		}
		var ch struct {
			XMLName     xml.Name `xml:"rss"`
			Version     string   `xml:"version,attr"`
			Title       string   `xml:"channel>title"`
			Description string   `xml:"channel>description"`
			Total       int64    `xml:"channel>totalResults"`
			Items       []item   `xml:"channel>item"`
		}
		ch.Version, ch.Title, ch.Description, ch.Total = "2.0", "SearXNG search: "+r.Query, "Search results for \""+r.Query+"\" - trawl", r.NumberOfResults
		for _, x := range r.Results {
			it := item{Title: x.Title, Link: x.URL, Description: x.Content}
			if x.PublishedDate != nil {
				if t, err := time.Parse("2006-01-02T15:04:05", *x.PublishedDate); err == nil {
					it.PubDate = t.Format(time.RFC1123Z)
				}
			}
			ch.Items = append(ch.Items, it)
		}
		b, _ := xml.MarshalIndent(ch, "", "  ")
		return append([]byte(xml.Header), b...)
	}
	b, _ := json.Marshal(r)
	return b
}

// ContentType is format's media type.
func ContentType(format string) string {
	switch format {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatRSS:
		return "application/rss+xml; charset=utf-8"
	}
	return "application/json"
}
