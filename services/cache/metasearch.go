package cache

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
)

// rrfK is the constant of reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009):
// large enough that a single engine's top result does not drown agreement between engines.
const rrfK = 60

// metasearch answers engine=a,b,c: each engine is asked in parallel through the ordinary path
// (so each is cached and coalesced on its own), then the answers are merged. One engine failing
// does not fail the answer; it is reported in search_metadata.engines. An engine the
// silent-empty alarm has marked degraded is not asked (its outcome is "degraded", with the
// reason), unless every engine asked is degraded: then all are asked.
//
// Ranking: a result's score is the sum over the engines that returned it of 1/(60 + position),
// results are ordered by score (ties: best single position, then the engines' order in the
// request), and results are the same when their normalised URLs are (see normalizeURL).
func (s *Service) metasearch(ctx context.Context, r *schemas.SearchRequest, id, reqID string, start time.Time) ([]byte, string, *schemas.Error) {
	names := r.Engines()
	type answer struct {
		body   *schemas.SearchBody
		state  string
		pageID string
		err    *schemas.Error
	}
	answers := make([]answer, len(names))
	skip := s.degradedOf(names)
	var wg sync.WaitGroup
	for i, name := range names {
		if h, ok := skip[name]; ok {
			answers[i] = answer{state: "skipped", err: schemas.Errorf(schemas.TypeDegraded, "%s is degraded, not asked: %s", name, h.Reason)}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			one := *r
			one.Engine = name
			ent, state, err := s.get(ctx, &ask{search: one}, reqID)
			if err != nil {
				answers[i] = answer{state: state, err: err}
				return
			}
			var b schemas.SearchBody
			if jerr := json.Unmarshal(ent.Body, &b); jerr != nil {
				answers[i] = answer{err: schemas.Errorf(schemas.TypeInternal, "stored answer unreadable: %v", jerr)}
				return
			}
			answers[i] = answer{body: &b, state: state, pageID: ent.ID}
		}()
	}
	wg.Wait()

	outcomes := make(map[string]schemas.EngineOutcome, len(names))
	var bodies []*schemas.SearchBody
	var engineOf []string
	var firstErr *schemas.Error
	allHit := true
	for i, a := range answers {
		if a.err != nil {
			outcomes[names[i]] = schemas.EngineOutcome{Status: outcomeStatus(a.err), Error: a.err.Detail, Cache: a.state, PageID: a.err.PageID}
			if firstErr == nil {
				firstErr = a.err
			}
			continue
		}
		outcomes[names[i]] = schemas.EngineOutcome{Status: "answered", Results: len(a.body.OrganicResults), Cache: a.state, PageID: a.pageID}
		bodies = append(bodies, a.body)
		engineOf = append(engineOf, names[i])
		allHit = allHit && a.state == "hit"
	}
	if len(bodies) == 0 {
		e := *firstErr
		e.Detail = "every engine failed: " + e.Detail
		return nil, "miss", &e
	}
	merged := merge(r, bodies, engineOf)
	body, _ := json.Marshal(merged)
	state := "miss"
	if allHit {
		state = "hit"
	}
	meta := &schemas.SearchMetadata{
		ID: id, RequestID: reqID, Status: schemas.StatusSuccess, Engine: r.Engine, Cache: state,
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
		TimingsMS: schemas.Timings{Cache: msSince(start)},
		Engines:   outcomes,
	}
	return schemas.ComposeResponse(meta, body), state, nil
}

// degradedOf returns the engines of names that are degraded, none when all of them are.
func (s *Service) degradedOf(names []string) map[string]schemas.EngineHealth {
	if s.health == nil {
		return nil
	}
	out := map[string]schemas.EngineHealth{}
	for _, n := range names {
		if h := s.health.Get(n); h.Degraded() {
			out[n] = h
		}
	}
	if len(out) == len(names) {
		return nil
	}
	return out
}

func outcomeStatus(e *schemas.Error) string {
	switch e.Kind {
	case schemas.TypeDegraded:
		return schemas.EngineDegraded
	case schemas.TypeBlocked:
		return "blocked"
	case schemas.TypeTimeout:
		return "timed_out"
	}
	return "failed"
}

// merge fuses the engines' answers (see metasearch for the formula).
func merge(r *schemas.SearchRequest, bodies []*schemas.SearchBody, engineOf []string) *schemas.SearchBody {
	type acc struct {
		res   schemas.OrganicResult
		score float64
		best  int
		first int // index of the first engine that returned it
	}
	byURL := map[string]*acc{}
	var order []*acc
	out := &schemas.SearchBody{SearchParameters: *r, Pagination: schemas.Pagination{Current: r.Page}}
	out.SearchParameters.MaxAge, out.SearchParameters.NoCache, out.SearchParameters.TimeoutMS = nil, false, 0
	seenRelated := map[string]bool{}
	for i, b := range bodies {
		for j, o := range b.OrganicResults {
			// The rank on this page, not Position, which continues from earlier pages by each
			// engine's own page size.
			rank := j + 1
			k := normalizeURL(o.URL)
			a, ok := byURL[k]
			if !ok {
				a = &acc{res: o, best: rank, first: i}
				a.res.Engines = nil
				byURL[k] = a
				order = append(order, a)
			}
			a.score += 1 / float64(rrfK+rank)
			if rank < a.best {
				a.best = rank
			}
			if a.res.Snippet == "" {
				a.res.Snippet = o.Snippet
			}
			a.res.Engines = append(a.res.Engines, engineOf[i])
		}
		out.Warnings = append(out.Warnings, b.Warnings...)
		for _, ad := range b.Ads {
			ad.Position = len(out.Ads) + 1
			out.Ads = append(out.Ads, ad)
		}
		for _, rs := range b.RelatedSearches {
			if k := strings.ToLower(rs.Query); !seenRelated[k] {
				seenRelated[k] = true
				out.RelatedSearches = append(out.RelatedSearches, rs)
			}
		}
		if out.AnswerBox == nil {
			out.AnswerBox = b.AnswerBox
		}
		// Modules come whole from the first engine, in the order asked, that has them:
		// two engines' panels or question lists do not merge item by item.
		if out.KnowledgeGraph == nil {
			out.KnowledgeGraph = b.KnowledgeGraph
		}
		if len(out.RelatedQuestions) == 0 {
			out.RelatedQuestions = b.RelatedQuestions
		}
		if len(out.TopStories) == 0 {
			out.TopStories = b.TopStories
		}
		// A vertical's results follow one another, engine by engine in the order asked.
		for _, n := range b.NewsResults {
			n.Position = len(out.NewsResults) + 1
			out.NewsResults = append(out.NewsResults, n)
		}
		for _, im := range b.ImagesResults {
			im.Position = len(out.ImagesResults) + 1
			out.ImagesResults = append(out.ImagesResults, im)
		}
		if b.Pagination.Next > 0 {
			out.Pagination.Next = b.Pagination.Next
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.best != b.best {
			return a.best < b.best
		}
		return a.first < b.first
	})
	// Positions continue across pages and never repeat one an earlier page used: a merged page
	// holds up to num results from each engine asked (answering or not), so page 2 of a 3-engine search of 10 starts
	// at 31 (a single engine's page 2 starts at 11).
	off := 0
	if r.Page > 1 {
		off = (r.Page - 1) * engines.PageSize(r) * len(strings.Split(r.Engine, ","))
	}
	out.OrganicResults = make([]schemas.OrganicResult, len(order))
	for i, a := range order {
		a.res.Position = off + i + 1
		out.OrganicResults[i] = a.res
	}
	if out.Pagination.Next > 0 {
		q := url.Values{"q": {r.Q}, "engine": {r.Engine}}
		q.Set("page", strconv.Itoa(out.Pagination.Next))
		out.Pagination.NextURL = "/v1/search?" + q.Encode()
	}
	return out
}

// normalizeURL is the identity of a result across engines: scheme-less, lower-case host without
// "www.", no fragment, no trailing slash, tracking parameters (utm_*) dropped, the rest sorted.
func normalizeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	host := strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "utm_") {
			q.Del(k)
		}
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	s := host + path
	if enc := q.Encode(); enc != "" {
		s += "?" + enc
	}
	return s
}
