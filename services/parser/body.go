package parser

import (
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/trawl-dev/trawl/schemas"
)

// Body turns a parsed page into the stored part of a search response, with the caveats the
// silent-empty alarm put on it.
func Body(r *schemas.SearchRequest, serp *schemas.SERP, warnings ...schemas.Warning) ([]byte, error) {
	b := schemas.SearchBody{
		SearchParameters: *r,
		AnswerBox:        serp.AnswerBox,
		KnowledgeGraph:   serp.KnowledgeGraph,
		TopStories:       serp.TopStories,
		RelatedQuestions: serp.RelatedQuestions,
		Ads:              serp.Ads,
		OrganicResults:   serp.OrganicResults,
		NewsResults:      serp.NewsResults,
		ImagesResults:    serp.ImagesResults,
		RelatedSearches:  serp.RelatedSearches,
		Pagination:       schemas.Pagination{Current: r.Page},
		Warnings:         warnings,
	}
	// Freshness controls describe one request, not the stored answer.
	b.SearchParameters.MaxAge, b.SearchParameters.NoCache, b.SearchParameters.TimeoutMS = nil, false, 0
	if b.OrganicResults == nil {
		b.OrganicResults = []schemas.OrganicResult{}
	}
	if serp.TotalResults > 0 {
		b.SearchInformation = &schemas.SearchInformation{TotalResults: serp.TotalResults}
	}
	if serp.HasNext && r.Page < schemas.MaxPage {
		b.Pagination.Next = r.Page + 1
		b.Pagination.NextURL = NextURL(r)
	}
	return json.Marshal(&b)
}

// NextURL is the trawl request for the page after r.
func NextURL(r *schemas.SearchRequest) string {
	q := url.Values{}
	q.Set("q", r.Q)
	q.Set("engine", r.Engine)
	q.Set("page", strconv.Itoa(r.Page+1))
	if r.Num != 0 {
		q.Set("num", strconv.Itoa(r.Num))
	}
	if r.HL != "" {
		q.Set("hl", r.HL)
	}
	if r.GL != "" {
		q.Set("gl", r.GL)
	}
	if r.Safe != "" && r.Safe != schemas.SafeModerate {
		q.Set("safe", r.Safe)
	}
	return "/v1/search?" + q.Encode()
}
