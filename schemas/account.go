package schemas

import "time"

// Account is GET /v1/account: the caller's own usage by UTC period, its daily quota and rate
// limit. A request counts once, on every ingress replica's view, when it was admitted (key,
// rate and quota passed) and answered, successfully or with a typed failure; requests refused
// by a limit, and reading this account, are not usage. Counts are by the request's arrival.
type Account struct {
	// Tenant is the key's tenant; "" under open access (no keys file), where the counts are
	// every request the deployment admitted.
	Tenant string `json:"tenant"`
	// Note explains what the counts cover when that is not a tenant's own requests.
	Note string `json:"note,omitempty"`
	// AsOf is when the counts were read.
	AsOf time.Time `json:"as_of"`
	// Searches and Scrapes count admitted requests of each kind, answered or failed.
	Searches UsagePeriods `json:"searches"`
	Scrapes  UsagePeriods `json:"scrapes"`
	// CacheHits are the searches and scrapes answered from a cache (X-Cache: HIT).
	CacheHits UsagePeriods `json:"cache_hits"`
	// Errors are the searches and scrapes answered with a typed failure after admission.
	Errors UsagePeriods `json:"errors"`
	// Quota is the tenant's daily quota; absent when it has none.
	Quota *AccountQuota `json:"quota,omitempty"`
	// RateLimit is the tenant's rate limit (under open access, each client address's);
	// absent when there is none.
	RateLimit *AccountRateLimit `json:"rate_limit,omitempty"`
}

// UsagePeriods are counts by UTC period: the current hour, the one before, the day and the
// month.
type UsagePeriods struct {
	ThisHour  int64 `json:"this_hour"`
	LastHour  int64 `json:"last_hour"`
	Today     int64 `json:"today"`
	ThisMonth int64 `json:"this_month"`
}

// AccountQuota is a tenant's daily quota as the rate limiter keeps it. Every admitted request
// to /v1/* counts against it (searches, scrapes, /v1/engines, kept pages), so UsedToday may be
// more than today's searches and scrapes.
type AccountQuota struct {
	Daily     int64     `json:"daily"`
	UsedToday int64     `json:"used_today"`
	LeftToday int64     `json:"left_today"`
	RenewsAt  time.Time `json:"renews_at"`
}

// AccountRateLimit is a rate limit: PerSecond sustained, Burst at once.
type AccountRateLimit struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst"`
	// PerHour is PerSecond over an hour, rounded down.
	PerHour int64 `json:"per_hour"`
	// PerClientAddress is set under open access, where the limit applies to each client address.
	PerClientAddress bool `json:"per_client_address,omitempty"`
}
