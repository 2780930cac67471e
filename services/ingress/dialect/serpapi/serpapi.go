// Package serpapi is SerpApi's dialect: /search, /search.json, /searches/{id}.json|.html and
// /account.json (also under /serpapi/), read as SerpApi reads them and answered with SerpApi's
// field names, so SerpApi's SDKs and LangChain's SerpAPI tool work by changing their host.
package serpapi

import (
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// Request is a SerpApi search read into trawl's terms.
type Request struct {
	Native schemas.SearchRequest
	// Async asks for the search to be kept and answered later (/searches/{id}.json).
	Async bool
	// HTML is output=html: the engine's page rather than JSON.
	HTML bool
}

// supported maps SerpApi's engine names onto trawl's (SerpApi has no ecosia; trawl takes it).
var supported = map[string]string{"google": "google", "bing": "bing", "duckduckgo": "duckduckgo",
	"yandex": "yandex", "baidu": "baidu", "ecosia": "ecosia"}

// ParseRequest reads a SerpApi search from its parameters (get returns a parameter and whether
// it was given). api_key is not read here: it is a key, not a parameter of the search. Unknown
// parameters are ignored, as SerpApi ignores them (source, device, google_domain, location).
func ParseRequest(get func(string) (string, bool)) (*Request, *schemas.Error) {
	var r Request
	engine := "google" // SerpApi's default, which LangChain's tool relies on
	if v, ok := get("engine"); ok && v != "" {
		engine = v
	}
	name, ok := supported[engine]
	if !ok {
		return nil, fail(schemas.TypeValidation, "Unsupported `"+engine+"` search engine.")
	}
	r.Native.Engine = name
	qName := "q"
	if name == "yandex" {
		qName = "text"
	}
	q, _ := get(qName)
	if q == "" && name == "yandex" {
		q, _ = get("q")
	}
	if strings.TrimSpace(q) == "" {
		return nil, fail(schemas.TypeValidation, "Missing query `"+qName+"` parameter.")
	}
	r.Native.Q = q
	num := func(name string) (int, *schemas.Error) {
		v, ok := get(name)
		if !ok || v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1e6 {
			return 0, fail(schemas.TypeValidation, "Invalid `"+name+"` parameter: it must be a whole number.")
		}
		return n, nil
	}
	// Each engine pages in its own terms; trawl pages by number.
	var offset, per, page int
	var e *schemas.Error
	switch name {
	case "bing":
		if per, e = num("count"); e == nil {
			var first int
			if first, e = num("first"); first > 0 {
				offset = first - 1
			}
		}
	case "yandex":
		if page, e = num("p"); e == nil {
			page++
		}
	case "baidu":
		if per, e = num("rn"); e == nil {
			offset, e = num("pn")
		}
	default:
		if per, e = num("num"); e == nil {
			offset, e = num("start")
		}
	}
	if e != nil {
		return nil, e
	}
	if per > schemas.MaxNum {
		return nil, fail(schemas.TypeValidation, "Invalid `num` parameter: at most "+strconv.Itoa(schemas.MaxNum)+".")
	}
	r.Native.Num = per
	if page == 0 {
		if per == 0 {
			per = 10
		}
		page = offset/per + 1
	}
	if page > schemas.MaxPage {
		return nil, fail(schemas.TypeValidation, "Invalid pagination: trawl serves the first "+strconv.Itoa(schemas.MaxPage)+" pages.")
	}
	if page > 1 {
		r.Native.Page = page
	}
	hl, _ := get("hl")
	gl, _ := get("gl")
	switch name {
	case "bing":
		if m, ok := get("mkt"); ok && m != "" { // en-US
			l, c, _ := strings.Cut(m, "-")
			hl, gl = or(hl, l), or(gl, c)
		}
		if cc, ok := get("cc"); ok {
			gl = or(gl, cc)
		}
	case "duckduckgo":
		if kl, ok := get("kl"); ok && kl != "" && kl != "wt-wt" { // us-en
			c, l, _ := strings.Cut(kl, "-")
			hl, gl = or(hl, l), or(gl, c)
		}
	case "yandex":
		if l, ok := get("lang"); ok {
			hl = or(hl, l)
		}
	}
	r.Native.HL, r.Native.GL = hl, gl
	// Google's tbm picks the vertical: nws news (news_results), isch images (images_results).
	switch tbm, _ := get("tbm"); tbm {
	case "":
	case "nws":
		r.Native.Type = schemas.VerticalNews
	case "isch":
		r.Native.Type = schemas.VerticalImages
	default:
		return nil, fail(schemas.TypeValidation, "Unsupported `tbm` parameter: trawl answers nws and isch.")
	}
	if s, ok := get("safe"); ok {
		switch strings.ToLower(s) {
		case "active", "strict", "1", "on", "high":
			r.Native.Safe = schemas.SafeStrict
		case "off", "-2", "0":
			r.Native.Safe = schemas.SafeOff
		case "moderate", "medium", "-1", "":
			r.Native.Safe = schemas.SafeModerate
		default:
			return nil, fail(schemas.TypeValidation, "Invalid `safe` parameter: use active or off.")
		}
	}
	for _, p := range []struct {
		name string
		dst  *bool
	}{{"no_cache", &r.Native.NoCache}, {"async", &r.Async}} {
		if v, ok := get(p.name); ok && v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fail(schemas.TypeValidation, "Invalid `"+p.name+"` parameter: use true or false.")
			}
			*p.dst = b
		}
	}
	switch o, _ := get("output"); o {
	case "", "json":
	case "html":
		r.HTML = true
	default:
		return nil, fail(schemas.TypeValidation, "Invalid `output` parameter: use json or html.")
	}
	return &r, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func fail(kind, msg string) *schemas.Error { return schemas.NewError(kind, msg) }

// Render rewrites a native search answer (schemas.SearchResponse JSON) in SerpApi's field
// names. base is where the client reached this dialect ("http://host" or "http://host/serpapi"):
// SerpApi's links (json_endpoint, pagination) are absolute. now is when the answer is made.
func Render(native []byte, base string) ([]byte, error) {
	var n schemas.SearchResponse
	if err := json.Unmarshal(native, &n); err != nil {
		return nil, err
	}
	return json.Marshal(convert(&n, base))
}

// RenderMemo is Render with the rewriting of the answer's body kept in memo: only its
// search_metadata, which differs from answer to answer, is rewritten each time. The answer is
// appended to dst.
func RenderMemo(dst []byte, memo *Memo, ans *dialect.Answer, base string) ([]byte, error) {
	if memo == nil || ans.Rest == nil {
		out, err := Render(ans.Native(), base)
		return append(dst, out...), err
	}
	var kb [256]byte
	key := append(append(kb[:0], "serpapi\x00"...), base...)
	rest, ok := memo.Get(key, ans)
	if !ok {
		var n schemas.SearchResponse
		if err := json.Unmarshal(ans.Native(), &n); err != nil {
			return dst, err
		}
		b, err := json.Marshal(convert(&n, base).Body)
		if err != nil {
			return dst, err
		}
		rest = append([]byte{','}, b[1:]...)
		memo.Set(key, ans, rest)
	}
	dst = append(dst, `{"search_metadata":`...)
	dst = appendMetadata(dst, &ans.Meta, base)
	return append(dst, rest...), nil
}

// appendMetadata appends metadata(m, base) as its appendJSON writes it, without building its
// strings first (TestAppendMetadata holds the two equal): every dialect hit writes one, and the
// four strings were a quarter of what SerpApi's hit allocated beyond a native hit.
func appendMetadata(b []byte, m *schemas.SearchMetadata, base string) []byte {
	if !plainString(base) || !plainString(m.ID) {
		md := metadata(m, base)
		return md.appendJSON(b)
	}
	b = append(append(b, `{"id":"`...), m.ID...)
	b = append(append(b, `","status":"`...), status(m.Status)...)
	b = append(append(append(b, `","json_endpoint":"`...), base...), "/searches/"...)
	b = append(append(b, m.ID...), `.json","raw_html_file":"`...)
	b = append(append(append(b, base...), "/searches/"...), m.ID...)
	b = append(b, `.html","created_at":"`...)
	// The layout writes digits, '-', ':', ' ' and "UTC": nothing JSON escapes.
	b = m.CreatedAt.UTC().AppendFormat(b, timeFormat)
	b = append(b, `","processed_at":"`...)
	b = m.CreatedAt.Add(took(m)).UTC().AppendFormat(b, timeFormat)
	b = append(b, '"')
	return appendTimeTaken(b, m.TimingsMS.Cache/1000)
}

// plainString reports whether appendString writes s as it is, between quotes.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendJSON appends m as json.Marshal writes it (TestMetadataJSON holds the two equal): a
// hit's metadata is encoded on every answer, and reflection was a tenth of the dialect's cost.
func (m *Metadata) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, m.ID)
	b = append(b, `,"status":`...)
	b = appendString(b, m.Status)
	b = append(b, `,"json_endpoint":`...)
	b = appendString(b, m.JSONEndpoint)
	if m.RawHTMLFile != "" {
		b = append(b, `,"raw_html_file":`...)
		b = appendString(b, m.RawHTMLFile)
	}
	b = append(b, `,"created_at":`...)
	b = appendString(b, m.CreatedAt)
	b = append(b, `,"processed_at":`...)
	b = appendString(b, m.ProcessedAt)
	b = appendTimeTaken(b, m.TotalTimeTaken)
	if m.Error != "" {
		b = b[:len(b)-1] // the object reopened for the error
		b = append(b, `,"error":`...)
		b = appendString(b, m.Error)
		b = append(b, '}')
	}
	return b
}

// appendTimeTaken ends a metadata object with its total_time_taken, as json.Marshal writes t.
func appendTimeTaken(b []byte, t float64) []byte {
	b = append(b, `,"total_time_taken":`...)
	switch f := math.Abs(t); {
	case math.IsNaN(f) || math.IsInf(f, 0): // no JSON for them: a time not taken
		b = append(b, '0')
	case f == 0 || f >= 1e-6 && f < 1e21:
		b = strconv.AppendFloat(b, t, 'f', -1, 64)
	default:
		v, _ := json.Marshal(t) // the exponent forms
		b = append(b, v...)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string: plain printable ASCII as it is, anything else
// through encoding/json (its escapes of <, >, & and of invalid UTF-8 included).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			v, _ := json.Marshal(s)
			return append(b, v...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Memo is dialect.Memo.
type Memo = dialect.Memo

// Response is SerpApi's answer, as much of it as trawl fills.
type Response struct {
	SearchMetadata Metadata `json:"search_metadata"`
	Body
}

// Body is the answer after its search_metadata: what one native answer's body always
// rewrites to (Handler keeps it in a Memo).
type Body struct {
	SearchParameters  map[string]string `json:"search_parameters"`
	SearchInformation Information       `json:"search_information"`
	AnswerBox         *AnswerBox        `json:"answer_box,omitempty"`
	Ads               []Ad              `json:"ads,omitempty"`
	OrganicResults    []Organic         `json:"organic_results,omitempty"`
	RelatedSearches   []Related         `json:"related_searches,omitempty"`
	RelatedQuestions  []Question        `json:"related_questions,omitempty"`
	KnowledgeGraph    *KnowledgeGraph   `json:"knowledge_graph,omitempty"`
	TopStories        []Story           `json:"top_stories,omitempty"`
	NewsResults       []News            `json:"news_results,omitempty"`
	ImagesResults     []Image           `json:"images_results,omitempty"`
	Pagination        *Pagination       `json:"serpapi_pagination,omitempty"`
}

// KnowledgeGraph is SerpApi's knowledge_graph.
type KnowledgeGraph struct {
	Title       string  `json:"title"`
	Type        string  `json:"type,omitempty"`
	Description string  `json:"description,omitempty"`
	Source      *Source `json:"source,omitempty"`
}

// Source is a knowledge_graph's source.
type Source struct {
	Name string `json:"name,omitempty"`
	Link string `json:"link,omitempty"`
}

// Story is one of SerpApi's top_stories.
type Story struct {
	Title  string `json:"title"`
	Link   string `json:"link"`
	Source string `json:"source,omitempty"`
	Date   string `json:"date,omitempty"`
}

// News is one of SerpApi's news_results (tbm=nws).
type News struct {
	Position  int    `json:"position"`
	Link      string `json:"link"`
	Title     string `json:"title"`
	Source    string `json:"source,omitempty"`
	Date      string `json:"date,omitempty"`
	Snippet   string `json:"snippet,omitempty"`
	Thumbnail string `json:"thumbnail,omitempty"`
}

// Image is one of SerpApi's images_results (tbm=isch).
type Image struct {
	Position       int    `json:"position"`
	Thumbnail      string `json:"thumbnail,omitempty"`
	Source         string `json:"source,omitempty"`
	Title          string `json:"title"`
	Link           string `json:"link"`
	Original       string `json:"original"`
	OriginalWidth  int    `json:"original_width,omitempty"`
	OriginalHeight int    `json:"original_height,omitempty"`
}

// Metadata is SerpApi's search_metadata.
type Metadata struct {
	ID             string  `json:"id"`
	Status         string  `json:"status"`
	JSONEndpoint   string  `json:"json_endpoint"`
	RawHTMLFile    string  `json:"raw_html_file,omitempty"`
	CreatedAt      string  `json:"created_at"`
	ProcessedAt    string  `json:"processed_at"`
	TotalTimeTaken float64 `json:"total_time_taken"`
	Error          string  `json:"error,omitempty"`
}

// Information is SerpApi's search_information.
type Information struct {
	QueryDisplayed      string `json:"query_displayed"`
	TotalResults        int64  `json:"total_results,omitempty"`
	OrganicResultsState string `json:"organic_results_state"`
}

// AnswerBox is SerpApi's answer_box.
type AnswerBox struct {
	Type    string `json:"type,omitempty"`
	Title   string `json:"title,omitempty"`
	Answer  string `json:"answer,omitempty"`
	Snippet string `json:"snippet,omitempty"`
	Link    string `json:"link,omitempty"`
}

// Ad is one of SerpApi's ads.
type Ad struct {
	Position      int    `json:"position"`
	BlockPosition string `json:"block_position,omitempty"`
	Title         string `json:"title"`
	Link          string `json:"link"`
	DisplayedLink string `json:"displayed_link,omitempty"`
	Description   string `json:"description,omitempty"`
}

// Organic is one of SerpApi's organic_results.
type Organic struct {
	Position      int        `json:"position"`
	Title         string     `json:"title"`
	Link          string     `json:"link"`
	DisplayedLink string     `json:"displayed_link,omitempty"`
	Snippet       string     `json:"snippet,omitempty"`
	Date          string     `json:"date,omitempty"`
	Sitelinks     *Sitelinks `json:"sitelinks,omitempty"`
}

// Sitelinks are SerpApi's: inline (title and link) or expanded (with a snippet).
type Sitelinks struct {
	Inline   []Sitelink `json:"inline,omitempty"`
	Expanded []Sitelink `json:"expanded,omitempty"`
}

// Sitelink is one sitelink.
type Sitelink struct {
	Title   string `json:"title"`
	Link    string `json:"link"`
	Snippet string `json:"snippet,omitempty"`
}

// Related is one of SerpApi's related_searches.
type Related struct {
	Query       string `json:"query"`
	Link        string `json:"link,omitempty"`
	SerpAPILink string `json:"serpapi_link"`
}

// Question is one of SerpApi's related_questions.
type Question struct {
	Question string `json:"question"`
	Snippet  string `json:"snippet,omitempty"`
	Title    string `json:"title,omitempty"`
	Link     string `json:"link,omitempty"`
}

// Pagination is SerpApi's serpapi_pagination.
type Pagination struct {
	Current    int               `json:"current"`
	Next       string            `json:"next,omitempty"`
	NextLink   string            `json:"next_link,omitempty"`
	OtherPages map[string]string `json:"other_pages,omitempty"`
}

// SerpApi's time format: "2024-05-01 10:20:30 UTC".
const timeFormat = "2006-01-02 15:04:05 UTC"

// metadata is SerpApi's search_metadata of a native one.
func metadata(m *schemas.SearchMetadata, base string) Metadata {
	return Metadata{
		ID:             m.ID,
		Status:         status(m.Status),
		JSONEndpoint:   base + "/searches/" + m.ID + ".json",
		RawHTMLFile:    base + "/searches/" + m.ID + ".html",
		CreatedAt:      m.CreatedAt.UTC().Format(timeFormat),
		ProcessedAt:    m.CreatedAt.Add(took(m)).UTC().Format(timeFormat),
		TotalTimeTaken: m.TimingsMS.Cache / 1000,
	}
}

func convert(n *schemas.SearchResponse, base string) *Response {
	r := &Response{SearchMetadata: metadata(&n.SearchMetadata, base), Body: Body{
		SearchParameters: Parameters(&n.SearchParameters),
		SearchInformation: Information{QueryDisplayed: n.SearchParameters.Q,
			OrganicResultsState: "Results for exact spelling"},
	}}
	if n.SearchInformation != nil {
		r.SearchInformation.TotalResults = n.SearchInformation.TotalResults
	}
	if len(n.OrganicResults) == 0 && len(n.NewsResults) == 0 && len(n.ImagesResults) == 0 {
		r.SearchInformation.OrganicResultsState = "Fully empty"
	}
	for _, x := range n.NewsResults {
		r.NewsResults = append(r.NewsResults, News{Position: x.Position, Link: x.URL, Title: x.Title,
			Source: x.Source, Date: x.Date, Snippet: x.Snippet, Thumbnail: x.Thumbnail})
	}
	for _, x := range n.ImagesResults {
		r.ImagesResults = append(r.ImagesResults, Image{Position: x.Position, Thumbnail: x.Thumbnail, Source: x.Source,
			Title: x.Title, Link: x.URL, Original: x.Original, OriginalWidth: x.Width, OriginalHeight: x.Height})
	}
	if a := n.AnswerBox; a != nil {
		r.AnswerBox = &AnswerBox{Type: a.Type, Title: a.Title, Answer: a.Answer, Snippet: a.Snippet, Link: a.URL}
	}
	for _, q := range n.RelatedQuestions {
		r.RelatedQuestions = append(r.RelatedQuestions, Question{Question: q.Question, Snippet: q.Snippet, Title: q.Title, Link: q.URL})
	}
	if k := n.KnowledgeGraph; k != nil {
		r.KnowledgeGraph = &KnowledgeGraph{Title: k.Title, Type: k.Type, Description: k.Description}
		if k.Source != nil {
			r.KnowledgeGraph.Source = &Source{Name: k.Source.Name, Link: k.Source.URL}
		}
	}
	for _, t := range n.TopStories {
		r.TopStories = append(r.TopStories, Story{Title: t.Title, Link: t.URL, Source: t.Source, Date: t.Date})
	}
	for _, a := range n.Ads {
		r.Ads = append(r.Ads, Ad{Position: a.Position, BlockPosition: a.Block, Title: a.Title, Link: a.URL,
			DisplayedLink: a.DisplayedURL, Description: a.Snippet})
	}
	for _, o := range n.OrganicResults {
		out := Organic{Position: o.Position, Title: o.Title, Link: o.URL, DisplayedLink: o.DisplayedURL,
			Snippet: o.Snippet, Date: o.Date}
		if len(o.Sitelinks) > 0 {
			out.Sitelinks = &Sitelinks{}
			expanded := false
			for _, s := range o.Sitelinks {
				expanded = expanded || s.Snippet != ""
			}
			for _, s := range o.Sitelinks {
				l := Sitelink{Title: s.Title, Link: s.URL, Snippet: s.Snippet}
				if expanded {
					out.Sitelinks.Expanded = append(out.Sitelinks.Expanded, l)
				} else {
					out.Sitelinks.Inline = append(out.Sitelinks.Inline, l)
				}
			}
		}
		r.OrganicResults = append(r.OrganicResults, out)
	}
	for _, s := range n.RelatedSearches {
		q := n.SearchParameters
		q.Q, q.Page = s.Query, 0
		r.RelatedSearches = append(r.RelatedSearches, Related{Query: s.Query, Link: s.URL, SerpAPILink: link(base, &q)})
	}
	if cur := max(n.Pagination.Current, 1); n.Pagination.Next > 0 || cur > 1 {
		r.Pagination = &Pagination{Current: cur}
		if n.Pagination.Next > 0 {
			q := n.SearchParameters
			q.Page = n.Pagination.Next
			next := link(base, &q)
			r.Pagination.Next, r.Pagination.NextLink = next, next
			r.Pagination.OtherPages = map[string]string{strconv.Itoa(q.Page): next}
		}
	}
	return r
}

// status is SerpApi's spelling of a search's status.
// took is how long the answer took to make: its fetch and its parse.
func took(m *schemas.SearchMetadata) time.Duration {
	return time.Duration((m.TimingsMS.Fetch + m.TimingsMS.Parse) * float64(time.Millisecond))
}

func status(s string) string {
	switch {
	case strings.EqualFold(s, "processing"):
		return "Processing"
	case strings.EqualFold(s, "error"):
		return "Error"
	}
	return "Success"
}

// Parameters are SerpApi's search_parameters for a native request: the search in SerpApi's
// own terms for its engine. The API key is never among them.
func Parameters(r *schemas.SearchRequest) map[string]string {
	p := map[string]string{"engine": or(r.Engine, schemas.DefaultEngine)}
	q := "q"
	if r.Engine == "yandex" {
		q = "text"
	}
	p[q] = r.Q
	set := func(k, v string) {
		if v != "" {
			p[k] = v
		}
	}
	set("hl", r.HL)
	set("gl", r.GL)
	set("tbm", map[string]string{schemas.VerticalNews: "nws", schemas.VerticalImages: "isch"}[r.Type])
	if r.Safe != "" {
		set("safe", map[string]string{schemas.SafeStrict: "active", schemas.SafeOff: "off", schemas.SafeModerate: "moderate"}[r.Safe])
	}
	if r.NoCache {
		p["no_cache"] = "true"
	}
	per := r.Num
	if per == 0 {
		per = 10
	}
	page := max(r.Page, 1)
	switch r.Engine {
	case "bing":
		if r.Num > 0 {
			p["count"] = strconv.Itoa(r.Num)
		}
		if page > 1 {
			p["first"] = strconv.Itoa((page-1)*per + 1)
		}
	case "yandex":
		if page > 1 {
			p["p"] = strconv.Itoa(page - 1)
		}
	case "baidu":
		if r.Num > 0 {
			p["rn"] = strconv.Itoa(r.Num)
		}
		if page > 1 {
			p["pn"] = strconv.Itoa((page - 1) * per)
		}
	default:
		if r.Num > 0 {
			p["num"] = strconv.Itoa(r.Num)
		}
		if page > 1 {
			p["start"] = strconv.Itoa((page - 1) * per)
		}
	}
	return p
}

// link is this dialect's /search.json for r: without api_key, which the client adds, as
// SerpApi's own links leave it out.
func link(base string, r *schemas.SearchRequest) string {
	v := url.Values{}
	for k, s := range Parameters(r) {
		v.Set(k, s)
	}
	return base + "/search.json?" + v.Encode()
}

// ErrorJSON is SerpApi's error body.
func ErrorJSON(msg string) []byte {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	return b
}

// writeError answers e as SerpApi does: {"error": "…"} with the status.
func writeError(c *fasthttp.RequestCtx, e *schemas.Error) {
	dialect.SetRetryAfter(&c.Response.Header, e)
	msg := e.Detail
	switch e.Kind {
	case schemas.TypeUnauthorized:
		msg = "Invalid API key. " + e.Detail
	case schemas.TypeValidation:
		if len(e.Errors) > 0 {
			var parts []string
			for _, f := range e.Errors {
				parts = append(parts, "`"+f.Field+"` "+f.Message)
			}
			msg = "Invalid parameters: " + strings.Join(parts, "; ") + "."
		}
	}
	if msg == "" {
		msg = e.Title
	}
	c.SetStatusCode(e.Status)
	c.SetContentType("application/json; charset=utf-8")
	c.SetBody(ErrorJSON(msg))
}
