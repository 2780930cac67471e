package schemas

import "time"

// SERP is what an engine's parser extracts from one result page. Organic results are the
// ranked web results only: ads, answer boxes and other modules are kept apart so they never
// shift organic positions.
type SERP struct {
	OrganicResults  []OrganicResult `json:"organic_results"`
	Ads             []Ad            `json:"ads,omitempty"`
	RelatedSearches []RelatedSearch `json:"related_searches,omitempty"`
	AnswerBox       *AnswerBox      `json:"answer_box,omitempty"`
	// KnowledgeGraph, RelatedQuestions and TopStories are the page's modules, read apart
	// from the organic results (SerpApi's knowledge_graph, related_questions, top_stories).
	KnowledgeGraph   *KnowledgeGraph   `json:"knowledge_graph,omitempty"`
	RelatedQuestions []RelatedQuestion `json:"related_questions,omitempty"`
	TopStories       []TopStory        `json:"top_stories,omitempty"`
	// NewsResults and ImagesResults are the results of a news or images search (type=news,
	// type=images), in the engine's order, numbered like organic results; such a page has no
	// organic results.
	NewsResults   []NewsResult  `json:"news_results,omitempty"`
	ImagesResults []ImageResult `json:"images_results,omitempty"`
	// TotalResults is the engine's own estimate, where the page states it.
	TotalResults int64 `json:"total_results,omitempty"`
	// HasNext reports whether the page links to a next page.
	HasNext bool `json:"has_next,omitempty"`
	// NoResults is set on a page without organic results that carries the engine's own
	// no-results notice (from an API: that states no hits). Only such a zero is genuine for
	// the silent-empty alarm; a zero without it (an empty results column) is suspect.
	NoResults bool `json:"-"`
}

// OrganicResult is one ranked web result. Position is 1-based and counts organic results only.
type OrganicResult struct {
	Position     int        `json:"position"`
	Title        string     `json:"title"`
	URL          string     `json:"url"`
	DisplayedURL string     `json:"displayed_url,omitempty"`
	Snippet      string     `json:"snippet,omitempty"`
	Date         string     `json:"date,omitempty"`
	Sitelinks    []Sitelink `json:"sitelinks,omitempty"`
	// Engines lists, in a metasearch answer, the engines that returned this result.
	Engines []string `json:"engines,omitempty"`
}

// Sitelink is a sub-link shown under an organic result.
type Sitelink struct {
	Title   string `json:"title"`
	URL     string `json:"url"`
	Snippet string `json:"snippet,omitempty"`
}

// Ad is a paid result. Its Position counts ads only, in page order.
type Ad struct {
	Position     int    `json:"position"`
	Block        string `json:"block,omitempty"` // top or bottom
	Title        string `json:"title"`
	URL          string `json:"url"`
	DisplayedURL string `json:"displayed_url,omitempty"`
	Snippet      string `json:"snippet,omitempty"`
}

// RelatedSearch is a suggested query shown by the engine.
type RelatedSearch struct {
	Query string `json:"query"`
	URL   string `json:"url,omitempty"`
}

// AnswerBox is a featured snippet or instant answer, never counted as organic. Type names
// its kind: featured_snippet, ai_overview, calculator, definition, weather, unit_converter,
// currency_converter, answer (a direct answer of another kind), instant_answer,
// knowledge_panel.
type AnswerBox struct {
	Type    string `json:"type,omitempty"`
	Title   string `json:"title,omitempty"`
	Answer  string `json:"answer,omitempty"`
	Snippet string `json:"snippet,omitempty"`
	URL     string `json:"url,omitempty"`
}

// KnowledgeGraph is the entity panel an engine shows beside its results.
type KnowledgeGraph struct {
	Title       string `json:"title"`
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
	// Source is where the description comes from (often Wikipedia).
	Source *Source `json:"source,omitempty"`
}

// Source names a page quoted by a module.
type Source struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

// RelatedQuestion is one "People also ask" question, with its answer where the page holds it.
type RelatedQuestion struct {
	Question string `json:"question"`
	Snippet  string `json:"snippet,omitempty"`
	Title    string `json:"title,omitempty"`
	URL      string `json:"url,omitempty"`
}

// TopStory is one news story of a "Top stories" module.
type TopStory struct {
	Title  string `json:"title"`
	URL    string `json:"url"`
	Source string `json:"source,omitempty"`
	Date   string `json:"date,omitempty"`
}

// NewsResult is one article of a news search. Position is 1-based and continues across pages.
type NewsResult struct {
	Position int    `json:"position"`
	Title    string `json:"title"`
	URL      string `json:"url"`
	// Source is the publisher as the engine names it.
	Source string `json:"source,omitempty"`
	// Date is as the engine prints it ("3 hours ago", "Jan 5, 2025").
	Date      string `json:"date,omitempty"`
	Snippet   string `json:"snippet,omitempty"`
	Thumbnail string `json:"thumbnail,omitempty"`
}

// ImageResult is one image of an images search. URL is the page the image is on, Original the
// image itself (empty where the page does not name it, as Google's no-JavaScript grid does
// not: its Thumbnail is then the only picture); Width and Height are the original's, where
// the engine states them.
type ImageResult struct {
	Position  int    `json:"position"`
	Title     string `json:"title"`
	URL       string `json:"url"`
	Original  string `json:"original"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Thumbnail string `json:"thumbnail,omitempty"`
	// Source is the site the image is on, as the engine names it.
	Source string `json:"source,omitempty"`
}

// SearchMetadata describes how one answer was produced. The cache writes it fresh for every
// reply, in front of the stored body, so a hit never re-encodes the results.
type SearchMetadata struct {
	// ID is this answer's own id (every answer has one, a hit too): GET /v1/searches/{id}.
	ID string `json:"id"`
	// PageID is the id of the fetched page the answer came from (GET
	// /v1/searches/{id}?output=html); a metasearch names each engine's in Engines instead.
	PageID    string `json:"page_id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	Status    string `json:"status"`
	Engine    string `json:"engine"`
	// Cache is hit, miss, stale or coalesced.
	Cache     string    `json:"cache"`
	CreatedAt time.Time `json:"created_at"`
	// AgeSeconds is how old the cached answer is (0 on a miss).
	AgeSeconds int64   `json:"age_seconds"`
	TimingsMS  Timings `json:"timings_ms"`
	// Engines reports each engine's outcome in a metasearch answer.
	Engines map[string]EngineOutcome `json:"engines,omitempty"`
}

// Timings are per-stage durations in milliseconds, as measured when the answer was produced.
type Timings struct {
	Fetch float64 `json:"fetch,omitempty"`
	Parse float64 `json:"parse,omitempty"`
	Cache float64 `json:"cache"`
}

// EngineOutcome is one engine's part in a metasearch answer.
type EngineOutcome struct {
	Status  string `json:"status"` // answered, blocked, failed, timed_out
	Results int    `json:"results"`
	Cache   string `json:"cache,omitempty"`
	Error   string `json:"error,omitempty"`
	// PageID is the fetched page this engine's part came from.
	PageID string `json:"page_id,omitempty"`
}

// SearchInformation holds page-level facts.
type SearchInformation struct {
	TotalResults int64 `json:"total_results,omitempty"`
}

// Pagination tells the client where it is and how to get the next page.
type Pagination struct {
	Current int `json:"current"`
	// Next is the next page number, 0 when the engine shows no next page.
	Next int `json:"next,omitempty"`
	// NextURL is the trawl request for the next page, relative to the API root.
	NextURL string `json:"next_url,omitempty"`
}

// SearchBody is the stored part of a search response: everything but search_metadata. The
// cache stores its encoding once and prefixes a fresh metadata object on every reply.
type SearchBody struct {
	SearchParameters  SearchRequest      `json:"search_parameters"`
	SearchInformation *SearchInformation `json:"search_information,omitempty"`
	AnswerBox         *AnswerBox         `json:"answer_box,omitempty"`
	KnowledgeGraph    *KnowledgeGraph    `json:"knowledge_graph,omitempty"`
	Ads               []Ad               `json:"ads,omitempty"`
	TopStories        []TopStory         `json:"top_stories,omitempty"`
	OrganicResults    []OrganicResult    `json:"organic_results"`
	NewsResults       []NewsResult       `json:"news_results,omitempty"`
	ImagesResults     []ImageResult      `json:"images_results,omitempty"`
	RelatedQuestions  []RelatedQuestion  `json:"related_questions,omitempty"`
	RelatedSearches   []RelatedSearch    `json:"related_searches,omitempty"`
	Pagination        Pagination         `json:"pagination"`
	// Warnings are caveats on the answer: a suspect page, its engine degraded (see Warning).
	Warnings []Warning `json:"warnings,omitempty"`
}

// SearchResponse is the whole answer as a client decodes it.
type SearchResponse struct {
	SearchMetadata SearchMetadata `json:"search_metadata"`
	SearchBody
}
