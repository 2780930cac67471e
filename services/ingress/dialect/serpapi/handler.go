package serpapi

import (
	"encoding/json"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// Handler serves SerpApi's routes.
type Handler struct {
	B dialect.Backend
	// Memo keeps the rewriting of answers seen (nil: none).
	Memo *dialect.Memo
}

// auth reads SerpApi's key: the api_key query parameter (this surface only: SerpApi's SDKs
// send nothing else), else the native headers. It is never echoed, logged or kept: the native
// request carries only the tenant it names.
func auth(c *fasthttp.RequestCtx) dialect.Auth {
	if k := c.QueryArgs().Peek("api_key"); len(k) > 0 {
		return dialect.Auth{Key: k, IP: c.RemoteIP()}
	}
	return dialect.HeaderAuth(c)
}

// Serve answers path (with the /serpapi prefix, if any, in prefix): /search, /search.json,
// /searches/{id}[.json|.html], /account[.json].
func (h *Handler) Serve(c *fasthttp.RequestCtx, prefix, path string) {
	if !c.IsGet() && !c.IsHead() && !c.IsPost() {
		c.Response.Header.Set("Allow", "GET")
		writeError(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed here", c.Method()))
		return
	}
	base := dialect.BaseURL(c, prefix)
	switch {
	case path == "/search" || path == "/search.json" || path == "/search.html":
		h.search(c, base, path == "/search.html")
	case path == "/account" || path == "/account.json":
		h.account(c)
	case strings.HasPrefix(path, "/searches/"):
		id := strings.TrimPrefix(path, "/searches/")
		html := string(c.QueryArgs().Peek("output")) == "html"
		if v, ok := strings.CutSuffix(id, ".json"); ok {
			id = v
		} else if v, ok := strings.CutSuffix(id, ".html"); ok {
			id, html = v, true
		}
		if id == "" || strings.Contains(id, "/") {
			writeError(c, schemas.NewError(schemas.TypeNotFound, "Invalid search id."))
			return
		}
		h.get(c, base, id, html)
	default:
		writeError(c, schemas.Errorf(schemas.TypeNotFound, "no route %s", path))
	}
}

func (h *Handler) search(c *fasthttp.RequestCtx, base string, html bool) {
	r, e := ParseRequest(dialect.Args(c))
	if e != nil {
		writeError(c, e)
		return
	}
	a := auth(c)
	if r.Async {
		body, e := h.B.Submit(c, a, &r.Native)
		h.answer(c, base, answerOf(body, e), e)
		return
	}
	ans, e := dialect.Search(c, h.B, a, &r.Native)
	if e != nil || !(html || r.HTML) {
		h.answer(c, base, ans, e)
		return
	}
	h.get(c, base, ans.Meta.ID, true)
}

func answerOf(body []byte, e *schemas.Error) *dialect.Answer {
	if e != nil {
		return nil
	}
	return dialect.NewAnswer(body)
}

func (h *Handler) get(c *fasthttp.RequestCtx, base, id string, html bool) {
	body, e := h.B.Get(c, auth(c), id, html)
	if e == nil && html {
		c.SetContentType("text/html; charset=utf-8")
		// The page is the engine's, not ours: never let a browser run it in trawl's origin.
		c.Response.Header.Set("Content-Security-Policy", "sandbox")
		c.SetBody(body)
		return
	}
	h.answer(c, base, answerOf(body, e), e)
}

// answer writes a native search answer (or its error) in SerpApi's terms.
func (h *Handler) answer(c *fasthttp.RequestCtx, base string, ans *dialect.Answer, e *schemas.Error) {
	if e != nil {
		writeError(c, e)
		return
	}
	// Written in the response's own buffer, which fasthttp keeps from request to request.
	buf := c.Response.SwapBody(nil)
	out, err := RenderMemo(buf[:0], h.Memo, ans, base)
	if err != nil {
		c.Response.SwapBody(buf)
		writeError(c, schemas.Errorf(schemas.TypeInternal, "answer not readable: %v", err))
		return
	}
	c.Response.SwapBody(out)
	c.SetStatusCode(fasthttp.StatusOK)
	c.SetContentType("application/json; charset=utf-8")
}

func (h *Handler) account(c *fasthttp.RequestCtx) {
	body, e := h.B.Account(c, auth(c))
	if e != nil {
		writeError(c, e)
		return
	}
	out, err := RenderAccount(body)
	if err != nil {
		writeError(c, schemas.Errorf(schemas.TypeInternal, "account not readable: %v", err))
		return
	}
	c.SetContentType("application/json; charset=utf-8")
	c.SetBody(out)
}

// AccountResponse is SerpApi's /account.json, from trawl's /v1/account.
type AccountResponse struct {
	AccountID               string  `json:"account_id"`
	AccountEmail            string  `json:"account_email"`
	PlanID                  string  `json:"plan_id"`
	PlanName                string  `json:"plan_name"`
	SearchesPerMonth        int64   `json:"searches_per_month"`
	PlanSearchesLeft        int64   `json:"plan_searches_left"`
	ExtraCredits            int64   `json:"extra_credits"`
	TotalSearchesLeft       int64   `json:"total_searches_left"`
	ThisMonthUsage          int64   `json:"this_month_usage"`
	ThisHourSearches        int64   `json:"this_hour_searches"`
	LastHourSearches        int64   `json:"last_hour_searches"`
	AccountRateLimitPerHour int64   `json:"account_rate_limit_per_hour"`
	RateLimitPerSecond      float64 `json:"trawl_rate_limit_per_second,omitempty"`
}

// RenderAccount maps /v1/account onto SerpApi's account fields. trawl's quota is daily where
// SerpApi's is monthly: searches_per_month is the daily quota times 30 and the searches left
// are today's; with no quota both are 0 and plan_name says so.
func RenderAccount(native []byte) ([]byte, error) {
	var a schemas.Account
	if err := json.Unmarshal(native, &a); err != nil {
		return nil, err
	}
	out := AccountResponse{
		AccountID: a.Tenant, AccountEmail: a.Tenant, PlanID: "trawl", PlanName: "trawl (no quota)",
		ThisMonthUsage: a.Searches.ThisMonth, ThisHourSearches: a.Searches.ThisHour, LastHourSearches: a.Searches.LastHour,
	}
	if q := a.Quota; q != nil && q.Daily > 0 {
		out.PlanName, out.SearchesPerMonth = "trawl (daily quota)", q.Daily*30
		out.PlanSearchesLeft, out.TotalSearchesLeft = q.LeftToday, q.LeftToday
	}
	if r := a.RateLimit; r != nil {
		out.AccountRateLimitPerHour, out.RateLimitPerSecond = r.PerHour, r.PerSecond
	}
	return json.Marshal(out)
}
