package schemas

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a search request.
const (
	MaxQueryBytes = 2048
	MaxPage       = 50
	MaxNum        = 100
	DefaultEngine = "duckduckgo"
	// MaxEngines bounds a metasearch fan-out (engine=a,b,c).
	MaxEngines = 12
)

// Verticals: what kind of results a search asks for. Web is the default; a web request is
// written with Type empty (Normalize maps "web" to it), so web answers and cache keys are the
// ones they were before verticals existed.
const (
	VerticalWeb    = "web"
	VerticalNews   = "news"
	VerticalImages = "images"
)

// Safe-search levels.
const (
	SafeOff      = "off"
	SafeModerate = "moderate"
	SafeStrict   = "strict"
)

// SearchRequest is what a client asks for, over HTTP (query string or JSON body) or over NATS
// on SubjectSearch. Zero values mean "the default"; Normalize fills them in.
type SearchRequest struct {
	Q      string `json:"q"`
	Engine string `json:"engine,omitempty"`
	Page   int    `json:"page,omitempty"`
	// Num is the number of results asked of the engine; 0 leaves it to the engine.
	Num  int    `json:"num,omitempty"`
	HL   string `json:"hl,omitempty"`
	GL   string `json:"gl,omitempty"`
	Safe string `json:"safe,omitempty"`
	// Type is the vertical: web (the default, written empty once normalised), news or images.
	// News answers fill news_results, images answers images_results, and not every engine has
	// every vertical (ValidateVertical).
	Type string `json:"type,omitempty"`
	// MaxAge, when set, accepts only cached entries younger than this many seconds (0: never
	// from cache, but the fresh answer is stored).
	MaxAge *int `json:"max_age,omitempty"`
	// NoCache always fetches, then stores.
	NoCache bool `json:"no_cache,omitempty"`
	// TimeoutMS bounds the whole request; the server caps it.
	TimeoutMS int `json:"timeout_ms,omitempty"`
	// Async answers at once with the answer's id (202, status Processing); the answer is then
	// read from GET /v1/searches/{id}. WebhookURL, when set, is POSTed the answer once it is
	// ready. Neither is part of what is fetched (the cache never sees them).
	Async      bool   `json:"async,omitempty"`
	WebhookURL string `json:"webhook_url,omitempty"`
	// Tenant is who asked (HeaderTenant, set by the ingress from the API key; never from the
	// body): the fetch job keeps it, so what is kept of a search is readable by its tenant only.
	Tenant string `json:"-"`
}

var localeRe = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$`)

// Validate checks every field and returns all the problems at once (nil when valid).
// known reports whether an engine name exists; maxTimeoutMS caps timeout_ms (0: no cap).
func (r *SearchRequest) Validate(known func(string) bool, maxTimeoutMS int) []FieldError {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{Field: field, Message: msg}) }
	switch {
	case r.Q == "":
		add("q", "is required")
	case len(r.Q) > MaxQueryBytes:
		add("q", "must be at most "+strconv.Itoa(MaxQueryBytes)+" bytes")
	case !utf8.ValidString(r.Q):
		add("q", "must be valid UTF-8")
	case strings.TrimFunc(r.Q, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) == "":
		// NULs and other control characters alone are as blank as spaces.
		add("q", "must not be blank")
	}
	if r.Engine != "" && !strings.Contains(r.Engine, ",") {
		// One engine, the common case: nothing to split, count or see twice.
		switch n := strings.TrimSpace(r.Engine); {
		case n == "":
			add("engine", "empty engine name")
		case known != nil && !known(n):
			add("engine", "unknown engine "+strconv.Quote(n))
		}
	} else if r.Engine != "" {
		names := strings.Split(r.Engine, ",")
		if len(names) > MaxEngines {
			// Name none of them: a list of a thousand bad names would make a thousand errors.
			add("engine", "at most "+strconv.Itoa(MaxEngines)+" engines")
			names = nil
		}
		seen := map[string]bool{}
		for _, n := range names {
			n = strings.TrimSpace(n)
			switch {
			case n == "":
				add("engine", "empty engine name")
			case known != nil && !known(n):
				add("engine", "unknown engine "+strconv.Quote(n))
			case seen[n]:
				add("engine", "engine "+strconv.Quote(n)+" named twice")
			}
			seen[n] = true
		}
	}
	if r.Page != 0 && (r.Page < 1 || r.Page > MaxPage) {
		add("page", "must be between 1 and "+strconv.Itoa(MaxPage))
	}
	if r.Num != 0 && (r.Num < 1 || r.Num > MaxNum) {
		add("num", "must be between 1 and "+strconv.Itoa(MaxNum))
	}
	if r.HL != "" && !localeRe.MatchString(r.HL) {
		add("hl", "must be a language code such as en or en-GB")
	}
	if r.GL != "" && !localeRe.MatchString(r.GL) {
		add("gl", "must be a country code such as us")
	}
	switch r.Safe {
	case "", SafeOff, SafeModerate, SafeStrict:
	default:
		add("safe", "must be off, moderate or strict")
	}
	switch r.Type {
	case "", VerticalWeb, VerticalNews, VerticalImages:
	default:
		add("type", "must be web, news or images")
	}
	if r.MaxAge != nil && *r.MaxAge < 0 {
		add("max_age", "must be zero or more seconds")
	}
	if r.TimeoutMS < 0 || (maxTimeoutMS > 0 && r.TimeoutMS > maxTimeoutMS) {
		add("timeout_ms", "must be between 1 and "+strconv.Itoa(maxTimeoutMS))
	}
	return errs
}

// ValidateVertical reports each engine of r that has no r.Type vertical (nil when all do, or
// when r asks for web results, which every engine has). supports answers for one engine.
func (r *SearchRequest) ValidateVertical(supports func(engine, vertical string) bool) []FieldError {
	if supports == nil || r.Type == "" || r.Type == VerticalWeb {
		return nil
	}
	var errs []FieldError
	for _, n := range strings.Split(r.Engine, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			n = DefaultEngine
		}
		if !supports(n, r.Type) {
			errs = append(errs, FieldError{Field: "type", Message: "engine " + strconv.Quote(n) + " has no " + r.Type + " vertical"})
		}
	}
	return errs
}

// Normalize fills defaults and canonical forms so that equivalent requests compare equal.
func (r *SearchRequest) Normalize() {
	if r.Engine == "" {
		r.Engine = DefaultEngine
	} else if !strings.Contains(r.Engine, ",") {
		r.Engine = strings.ToLower(strings.TrimSpace(r.Engine))
	} else {
		names := strings.Split(r.Engine, ",")
		for i := range names {
			names[i] = strings.ToLower(strings.TrimSpace(names[i]))
		}
		r.Engine = strings.Join(names, ",")
	}
	if r.Page == 0 {
		r.Page = 1
	}
	if r.Safe == "" {
		r.Safe = SafeModerate
	}
	if r.Type == VerticalWeb {
		r.Type = ""
	}
	r.HL = strings.ToLower(strings.ReplaceAll(r.HL, "_", "-"))
	r.GL = strings.ToLower(r.GL)
	r.Q = joinFields(r.Q)
}

// joinFields is strings.Join(strings.Fields(q), " "), without the two copies when q is plain
// ASCII already in that form (most queries): every request is normalised.
func joinFields(q string) string {
	if !singleSpaced(q) {
		return strings.Join(strings.Fields(q), " ")
	}
	return q
}

// singleSpaced reports whether q is ASCII, words separated by single spaces, with no white
// space around them: what strings.Fields and a join with " " leave unchanged.
func singleSpaced(q string) bool {
	space := true // at the start, a space would be leading
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c >= utf8.RuneSelf:
			return false
		case c == ' ':
			if space {
				return false
			}
			space = true
		case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			return false
		default:
			space = false
		}
	}
	return !space || q == ""
}

// Engines lists the engines of a normalised request (more than one for metasearch).
func (r *SearchRequest) Engines() []string { return strings.Split(r.Engine, ",") }

// Metasearch reports whether a normalised request names more than one engine.
func (r *SearchRequest) Metasearch() bool { return strings.Contains(r.Engine, ",") }

// CacheKey is the key shared by every equivalent request for one engine. r must be normalised
// (Normalize) and name a single engine. The rules:
//
//   - Equivalent, so one entry: JSON member or query-parameter order; a default written out or
//     left out (engine=duckduckgo, page=1, safe=moderate, empty hl/gl); runs of Unicode white
//     space in q, and white space around it; letter case in q (every engine trawl ships ignores
//     it; lower-cased rune by rune, so "ÉCOLE" is "école"); case and "_" versus "-" in hl; case
//     in gl; the per-request controls max_age, no_cache and timeout_ms, which say how to use
//     the cache, not what to fetch.
//   - Different, so never one entry: engine, page, num (0, the engine's default, is its own
//     value), hl, gl (set or not), safe, type (web written out or left out is one value), and
//     any other difference in q (words, punctuation, quotes, operators).
//
// Fields are joined with NUL separators, which only q, the last field, can contain, so no two
// field values run into each other. The key is a 128-bit hex digest: safe as a NATS subject token and a Redis
// key of fixed length. The "search/v1" prefix changes if these rules ever change; a vertical
// other than web is part of the prefix ("search/v1/news"), so a web key is what it was before
// verticals and no q can make one vertical's key another's.
func (r *SearchRequest) CacheKey() string {
	// Built on the stack (every request works its key out): one allocation, the key.
	var kb [256]byte
	b := append(kb[:0], "search/v1"...)
	if r.Type != "" && r.Type != VerticalWeb {
		b = append(append(b, '/'), r.Type...)
	}
	b = append(append(b, 0), r.Engine...)
	b = strconv.AppendInt(append(b, 0), int64(r.Page), 10)
	b = strconv.AppendInt(append(b, 0), int64(r.Num), 10)
	b = append(append(b, 0), r.HL...)
	b = append(append(b, 0), r.GL...)
	b = append(append(b, 0), r.Safe...)
	b = append(append(b, 0), foldQuery(r.Q)...)
	sum := sha256.Sum256(b)
	var h [32]byte
	hex.Encode(h[:], sum[:16])
	return string(h[:])
}

func foldQuery(q string) string {
	if singleSpaced(q) {
		return strings.ToLower(q) // ASCII: unicode.ToLower's letters, and q itself if none is upper
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return unicode.ToLower(r)
	}, strings.Join(strings.Fields(q), " "))
}

// NewID is a fresh id for a search or a request: 130 random bits (crypto/rand), so no one can
// reach another tenant's search by guessing or stepping through ids.
func NewID() string { return rand.Text() }
