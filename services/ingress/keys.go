package ingress

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// KeysFile is the --keys-file document. Unknown fields are errors, so a misspelt
// "rate_per_sec" fails the load (and a SIGHUP reload keeps the previous file) instead of
// silently lifting a limit:
//
//	{"tenants": [
//	  {"name": "acme", "keys": ["sha256:<64 hex digits>", "a-plaintext-key"],
//	   "rate_per_sec": 5, "burst": 5, "daily_quota": 100000,
//	   "webhook_secret": "<at least 16 bytes>"}
//	]}
type KeysFile struct {
	Tenants []TenantSpec `json:"tenants"`
}

// TenantSpec is one tenant of the keys file.
type TenantSpec struct {
	// Name identifies the tenant in limits, metrics and logs: 1–64 of [A-Za-z0-9._-].
	Name string `json:"name"`
	// Keys are the tenant's API keys: "sha256:<hex of the key's SHA-256>" (preferred: the file
	// then holds no secret) or the key itself.
	Keys []string `json:"keys"`
	// RatePerSec is the sustained request rate; 0 is no rate limit.
	RatePerSec float64 `json:"rate_per_sec,omitempty"`
	// Burst is how many requests may come at once; 0 means max(1, ceil(rate_per_sec)).
	Burst int `json:"burst,omitempty"`
	// DailyQuota bounds requests per UTC day; 0 is no quota.
	DailyQuota int64 `json:"daily_quota,omitempty"`
	// WebhookSecret signs the tenant's webhooks (HMAC-SHA256, services/ingress/webhook): at
	// least 16 bytes, held as given since a MAC needs the secret itself. A tenant without one
	// cannot ask for a webhook (webhook_url is a 400).
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// HashKey is the form of an API key to put in a keys file: "sha256:" and the hex digest.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

var tenantNameRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// tenant is a loaded tenant: its limits, ready to apply.
type tenant struct {
	name string
	pol  *policy
	// names is []string{name}, built once: the value of HeaderTenant on every search.
	names []string
	// webhook is the webhook secret; nil when the tenant has none.
	webhook []byte
}

// nameOrEmpty is the tenant's name, "" under open access (no tenant).
func (t *tenant) nameOrEmpty() string {
	if t == nil {
		return ""
	}
	return t.name
}

// keyring finds the tenant of a key. Keys are held only as SHA-256 digests, bucketed by their
// first 8 bytes; the map finds the bucket and the full digest is compared in constant time,
// so response timing reveals nothing about a stored key.
type keyring struct {
	buckets map[uint64][]keyEntry
	tenants map[string]*tenant
}

type keyEntry struct {
	sum [sha256.Size]byte
	t   *tenant
}

// lookup returns the tenant whose key is key, or nil. It does not allocate.
func (k *keyring) lookup(key []byte) *tenant {
	sum := sha256.Sum256(key)
	var found *tenant
	bucket := k.buckets[binary.LittleEndian.Uint64(sum[:8])]
	for i := range bucket {
		if subtle.ConstantTimeCompare(bucket[i].sum[:], sum[:]) == 1 {
			found = bucket[i].t
		}
	}
	return found
}

// loadKeys reads and checks a keys file. Tenants already known to prev keep their in-process
// limiter state, so a reload does not hand every tenant a fresh burst.
func loadKeys(path string, prev *keyring) (*keyring, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := parseKeys(data, prev)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

func parseKeys(data []byte, prev *keyring) (*keyring, error) {
	var f KeysFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON object")
	}
	if len(f.Tenants) == 0 {
		return nil, errors.New("no tenants: every request would be refused (remove --keys-file for open access)")
	}
	k := &keyring{buckets: map[uint64][]keyEntry{}, tenants: map[string]*tenant{}}
	seen := map[[sha256.Size]byte]string{}
	for i, spec := range f.Tenants {
		where := "tenants[" + strconv.Itoa(i) + "]"
		if !tenantNameRe.MatchString(spec.Name) {
			return nil, fmt.Errorf("%s: name %q must be 1-64 of A-Z a-z 0-9 . _ -", where, spec.Name)
		}
		where += " (" + spec.Name + ")"
		if k.tenants[spec.Name] != nil {
			return nil, fmt.Errorf("%s: tenant named twice", where)
		}
		pol, err := tenantPolicy(spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if prev != nil {
			if old := prev.tenants[spec.Name]; old != nil {
				pol.local = old.pol.local
			}
		}
		if err := checkWebhookSecret(spec.WebhookSecret); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		t := &tenant{name: spec.Name, pol: pol, names: []string{spec.Name}}
		if spec.WebhookSecret != "" {
			t.webhook = []byte(spec.WebhookSecret)
		}
		k.tenants[spec.Name] = t
		if len(spec.Keys) == 0 {
			return nil, fmt.Errorf("%s: no keys", where)
		}
		for j, key := range spec.Keys {
			sum, err := keyDigest(key)
			if err != nil {
				return nil, fmt.Errorf("%s: keys[%d]: %w", where, j, err)
			}
			if other, dup := seen[sum]; dup {
				return nil, fmt.Errorf("%s: keys[%d] is also a key of %s", where, j, other)
			}
			seen[sum] = spec.Name
			b := binary.LittleEndian.Uint64(sum[:8])
			k.buckets[b] = append(k.buckets[b], keyEntry{sum: sum, t: t})
		}
	}
	return k, nil
}

func keyDigest(key string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	if h, ok := strings.CutPrefix(key, "sha256:"); ok {
		if len(h) != 2*sha256.Size {
			return sum, errors.New("sha256: needs 64 hex digits")
		}
		if _, err := hex.Decode(sum[:], []byte(h)); err != nil {
			return sum, errors.New("sha256: needs 64 hex digits")
		}
		return sum, nil
	}
	if key == "" {
		return sum, errors.New("empty key")
	}
	if strings.TrimSpace(key) != key {
		return sum, errors.New("key has leading or trailing spaces")
	}
	return sha256.Sum256([]byte(key)), nil
}

func tenantPolicy(spec TenantSpec) (*policy, error) {
	switch {
	case spec.RatePerSec < 0 || math.IsNaN(spec.RatePerSec) || spec.RatePerSec > 1e6:
		return nil, errors.New("rate_per_sec must be between 0 and 1e6")
	case spec.Burst < 0:
		return nil, errors.New("burst must be zero or more")
	case spec.Burst > 0 && spec.RatePerSec == 0:
		return nil, errors.New("burst needs rate_per_sec")
	case spec.DailyQuota < 0 || spec.DailyQuota >= 1<<40:
		return nil, errors.New("daily_quota must be between 0 and 2^40")
	}
	var lim *limit
	if spec.RatePerSec > 0 {
		lim = newLimit(spec.RatePerSec, spec.Burst)
	}
	return newPolicy("tenant:"+spec.Name, lim, spec.DailyQuota), nil
}

// limit is one GCRA rate: a request costs interval, and up to burst may come at once.
type limit struct {
	interval int64 // nanoseconds per request
	burst    int
	perSec   float64 // as configured, for GET /v1/account
	rl       redis_rate.Limit
}

func newLimit(perSec float64, burst int) *limit {
	if burst <= 0 {
		burst = max(1, int(math.Ceil(perSec)))
	}
	l := &limit{interval: int64(float64(time.Second) / perSec), burst: burst, perSec: perSec}
	// redis_rate only uses period/rate; a fractional rate is carried over a longer period.
	if perSec == math.Trunc(perSec) {
		l.rl = redis_rate.Limit{Rate: int(perSec), Burst: burst, Period: time.Second}
	} else {
		l.rl = redis_rate.Limit{Rate: int(math.Round(perSec * 1000)), Burst: burst, Period: 1000 * time.Second}
	}
	return l
}

// window is the seconds the whole burst takes to come back: the policy's "w".
func (l *limit) window() int64 {
	return max(1, int64(math.Ceil(float64(l.interval)*float64(l.burst)/float64(time.Second))))
}

// policy is what a request is limited by (a tenant, or a client address under open access),
// with its shared-limiter keys and its in-process state.
type policy struct {
	rate  *limit // nil: no rate limit
	quota int64  // requests per UTC day; 0: none
	// rateKey and quotaKey name the policy's state in Redis (redis_rate prefixes "rate:").
	rateKey, quotaKey string
	local             *localState
	// header is the RateLimit-Policy field value, built once.
	header []byte
}

// localState is a policy's in-process limiter state, updated lock-free.
type localState struct {
	tat atomic.Int64  // GCRA theoretical arrival time, Unix ns
	day atomic.Uint64 // UTC day << 40 | requests counted that day
}

func newPolicy(key string, rate *limit, quota int64) *policy {
	p := &policy{rate: rate, quota: quota, rateKey: "trawl:" + key, quotaKey: "trawl:quota:" + key + ":", local: &localState{}}
	var b []byte
	if rate != nil {
		b = append(b, `"rate";q=`...)
		b = strconv.AppendInt(b, int64(rate.burst), 10)
		b = append(b, ";w="...)
		b = strconv.AppendInt(b, rate.window(), 10)
	}
	if quota > 0 {
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		b = append(b, `"daily";q=`...)
		b = strconv.AppendInt(b, quota, 10)
		b = append(b, ";w=86400"...)
	}
	p.header = b
	return p
}

// limited reports whether the policy limits anything.
func (p *policy) limited() bool { return p != nil && (p.rate != nil || p.quota > 0) }
