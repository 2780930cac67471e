package schemas

// Version is the contract version carried in every subject and in each micro service's Version.
const Version = "1.0.0"

// Subjects. Every message trawl sends lives under trawl.v1.
const (
	// SubjectSearch is the request/reply entry point: a SearchRequest in, a SearchResponse out
	// (or a micro error). The ingress uses it, and so can any internal service.
	SubjectSearch = "trawl.v1.search"

	// SubjectScrape is the request/reply entry point of a scrape: a ScrapeRequest in, a
	// ScrapeResponse out (or a problem, as for a search).
	SubjectScrape = "trawl.v1.scrape"
	// SubjectFetchPrefix + engine is where fetch jobs are published (stream StreamFetch).
	SubjectFetchPrefix = "trawl.v1.fetch."
	// SubjectParsePrefix + engine is where fetched pages wait for a parser (stream StreamParse).
	SubjectParsePrefix = "trawl.v1.parse."
	// SubjectResultPrefix + cache key is where a job's outcome is published (core NATS); every
	// cache replica listens on SubjectResultPrefix+">" and wakes the requests waiting on that key.
	SubjectResultPrefix = "trawl.v1.result."
	// SubjectResults is every outcome, whatever its key.
	SubjectResults = SubjectResultPrefix + ">"
	// SubjectPageReparse is a micro endpoint of the parse stage: a ReparseRequest in (an
	// archived page, parser.ReparseRequest), the answer today's parser makes of it out.
	SubjectPageReparse = "trawl.v1.pages.reparse"
	// SubjectDeadLetterPrefix + stage receives jobs that failed every delivery, with the reason.
	SubjectDeadLetterPrefix = "trawl.v1.dead."
	// SubjectEnginesStatus is a micro endpoint of the fetch stage: any payload in, an
	// EnginesStatus out (one fetcher's view of its engines' circuit breakers and proxies).
	SubjectEnginesStatus = "trawl.v1.engines.status"

	// SubjectFetchMaxDeliveries is where the server advises that a job of the fetch consumer
	// reached its MaxDeliver without an ack: every fetcher that held it died, hung or gave it
	// back. The fetchers listen in the queue group QueueFetchDeadLetters, so one of them
	// dead-letters it.
	SubjectFetchMaxDeliveries = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + StreamFetch + "." + ConsumerFetch
	QueueFetchDeadLetters     = "trawl-fetcher-dead"

	// SubjectPingCache is the micro PING of the cache service: it answers when any replica runs.
	SubjectPingCache = "$SRV.PING." + ServiceCache
)

// Stage names, as in SubjectDeadLetterPrefix+stage.
const (
	StageFetch = "fetch"
)

// FetchSubject is where a job for engine is published.
func FetchSubject(engine string) string { return SubjectFetchPrefix + engine }

// ParseSubject is where a fetched page of engine waits for a parser.
func ParseSubject(engine string) string { return SubjectParsePrefix + engine }

// JetStream streams and durable consumers.
const (
	StreamFetch   = "TRAWL_FETCH"
	StreamParse   = "TRAWL_PARSE"
	ConsumerFetch = "fetcher"
	ConsumerParse = "parser"
)

// Service names as registered with nats.go's micro package ($SRV.PING lists them).
const (
	ServiceIngress = "trawl-ingress"
	ServiceCache   = "trawl-cache"
	ServiceFetcher = "trawl-fetcher"
	ServiceParser  = "trawl-parser"
)

// Headers carried on NATS messages. Payloads stay JSON; what is not payload travels here.
const (
	HeaderRequestID = "Trawl-Request-Id"
	// HeaderDeadline is the absolute deadline of the original request, in Unix milliseconds.
	// Every stage drops work whose deadline has passed.
	HeaderDeadline = "Trawl-Deadline"
	// HeaderCache reports how the cache answered: hit, miss, stale or coalesced.
	HeaderCache = "Trawl-Cache"
	// HeaderFreshUntil rides on a successful single-engine answer that is fresh: until when (Unix
	// milliseconds) the cache service would answer the same request with it as a hit. The
	// ingress's near cache keeps an answer no longer than that.
	HeaderFreshUntil = "Trawl-Fresh-Until"
	// HeaderKey is the normalised cache key a job or result belongs to.
	HeaderKey = "Trawl-Key"
	// HeaderJob carries the FetchJob (JSON) alongside a fetched page on the parse stream.
	HeaderJob = "Trawl-Job"
	// HeaderEncoding names the compression of a page body on the parse stream (EncodingS2 or
	// empty).
	HeaderEncoding = "Trawl-Encoding"
	// HeaderFinalURL, HeaderHTTPStatus and HeaderPageType carry a scraped page's facts on
	// the parse stream: where redirects ended, its status and its Content-Type.
	HeaderFinalURL   = "Trawl-Final-Url"
	HeaderHTTPStatus = "Trawl-Http-Status"
	HeaderPageType   = "Trawl-Content-Type"
	// HeaderEngine names the engine (or route) of an archived page.
	HeaderEngine = "Trawl-Engine"
	// HeaderContentType is the media type of a reply that is not JSON (a kept page's HTML).
	HeaderContentType = "Content-Type"
	// HeaderTimings carries per-stage durations as "fetch=12.3,parse=1.1" (milliseconds).
	HeaderTimings = "Trawl-Timings"
	// HeaderErrorType carries an Error's Type on results and replies that are failures.
	HeaderErrorType = "Trawl-Error-Type"
	// HeaderAttempts reports how many upstream attempts a fetch took.
	HeaderAttempts = "Trawl-Attempts"
	// HeaderDeadReason and HeaderDeadSubject travel with a job on SubjectDeadLetterPrefix+stage:
	// why it was given up and the subject it was published on.
	HeaderDeadReason  = "Trawl-Dead-Reason"
	HeaderDeadSubject = "Trawl-Dead-Subject"

	// The micro package's error headers; a failed reply carries both.
	HeaderServiceErrorCode = "Nats-Service-Error-Code"
	HeaderServiceError     = "Nats-Service-Error"
)

// The client-facing search. Internal callers connect as the CLIENT account's user
// (kit/natsauth), which imports SubjectClientSearch from the pipeline's account under the name
// SubjectSearch: they request trawl.v1.search as before, and the ingress answers it with the
// key, tenant and limits of an HTTP request before asking the cache.
const SubjectClientSearch = "trawl.v1.client.search"

// SubjectClientScrape is SubjectClientSearch's twin for scrapes, imported as SubjectScrape.
const SubjectClientScrape = "trawl.v1.client.scrape"

// HeaderAuthorization carries a client's API key on a NATS request ("Bearer <key>"), as the
// HTTP Authorization header does.
const HeaderAuthorization = "Authorization"

// HeaderTenant carries, on a search from the ingress to the cache, the tenant that asked
// ("" under open access). Only the ingress sets it: it is derived from the API key.
const HeaderTenant = "Trawl-Tenant"

// HeaderJobID carries, on an outcome, the id of the job it answers (Outcome.JobID).
const HeaderJobID = "Trawl-Job-Id"
