package ingress

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/schemas"
)

// batchScript decides n requests of one policy in one round trip: the GCRA rate first, then
// the day's quota counter for the requests the rate admitted.
//
// The GCRA part is redis_rate's allowAtMost script with its key ("rate:" + the policy's rate
// key) and its state (the theoretical arrival time in seconds since 2017-01-01), so it shares
// a tenant's limit with any replica still calling redis_rate.Allow, as during a rolling
// deploy. It is our own copy rather than a call to redis_rate's AllowAtMost because:
//   - the quota's INCRBY needs the number the rate admitted, so both cannot go in one
//     pipeline: calling redis_rate costs a second round trip per batch with a quota;
//   - redis_rate's version charges the fractional remainder of the burst (cost = remaining,
//     a float) and compares without tolerance, so float rounding of TIME bites: measured with
//     v10.0.1, a fresh key at 3/s burst 7 admits 6, and a burst of 1 admits nothing, ever.
//     This one admits whole requests only, with 1 µs (TIME's resolution) of tolerance.
//
// ARGV: n, burst (0: no rate), rate, period in seconds, the quota key's TTL in ms.
// KEYS: the rate key when there is a rate, then the quota key when there is a quota.
// Returns {admitted, remaining, retry_after, reset_after, quota count}: remaining is what is
// left of the burst after the batch; retry_after (seconds) is when one more request fits,
// reset_after when the whole burst is back; the quota count is the day's, admitted included.
var batchScript = redis.NewScript(`
redis.replicate_commands()
local n = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local admitted, room, retry_after, reset_after = n, n, -1, 0
local quota_key = KEYS[1]
if burst > 0 then
  quota_key = KEYS[2]
  local emission_interval = tonumber(ARGV[4]) / tonumber(ARGV[3])
  local burst_offset = emission_interval * burst
  local now = redis.call("TIME")
  now = (now[1] - 1483228800) + (now[2] / 1000000)
  local tat = redis.call("GET", KEYS[1])
  if not tat then
    tat = now
  else
    tat = math.max(tonumber(tat), now)
  end
  local diff = now - (tat - burst_offset)
  room = math.max(0, math.floor((diff + 0.000001) / emission_interval))
  admitted = math.min(n, room)
  if admitted > 0 then
    tat = tat + emission_interval * admitted
    redis.call("SET", KEYS[1], tat, "EX", math.ceil(tat - now))
  end
  reset_after = tat - now
  retry_after = emission_interval * (1 + admitted) - diff
end
local count = 0
if quota_key and admitted > 0 then
  count = redis.call("INCRBY", quota_key, admitted)
  if count == admitted then redis.call("PEXPIRE", quota_key, ARGV[5]) end
end
return {admitted, room - admitted, tostring(retry_after), tostring(reset_after), count}`)

// rateKeyPrefix is redis_rate's prefix for its keys, kept so the state stays shared with it.
const rateKeyPrefix = "rate:"

// batchResult is Redis's answer for a batch of requests of one policy.
type batchResult struct {
	admitted   int // by the rate, in batch order; the rest are refused
	remaining  int // of the burst after the batch
	retryAfter time.Duration
	resetAfter time.Duration
	count      int64 // the day's quota count, the batch's admitted included
}

// exchange asks Redis to decide n requests of p at once.
func (r *redisLimiter) exchange(p *policy, n int, now time.Time) (batchResult, error) {
	ctx := context.Background() // the client's own timeouts bound the call
	keys := make([]string, 0, 2)
	var burst, rate int
	var period float64
	if p.rate != nil {
		keys = append(keys, rateKeyPrefix+p.rateKey)
		burst, rate, period = p.rate.rl.Burst, p.rate.rl.Rate, p.rate.rl.Period.Seconds()
	}
	var ttl int64
	if p.quota > 0 {
		keys = append(keys, p.quotaKey+strconv.FormatInt(now.Unix()/86400, 10))
		ttl = (untilMidnight(now) + time.Hour).Milliseconds() // a little past the day, for clock skew between replicas
	}
	v, err := batchScript.Run(ctx, r.rdb, keys, n, burst, rate, period, ttl).Slice()
	if err != nil {
		return batchResult{}, err
	}
	return parseBatchResult(v)
}

func parseBatchResult(v []any) (batchResult, error) {
	var res batchResult
	if len(v) != 5 {
		return res, errors.New("rate limiter script: unexpected reply")
	}
	admitted, ok1 := v[0].(int64)
	remaining, ok2 := v[1].(int64)
	retry, ok3 := v[2].(string)
	reset, ok4 := v[3].(string)
	count, ok5 := v[4].(int64)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return res, errors.New("rate limiter script: unexpected reply")
	}
	retryS, err1 := strconv.ParseFloat(retry, 64)
	resetS, err2 := strconv.ParseFloat(reset, 64)
	if err := errors.Join(err1, err2); err != nil {
		return res, err
	}
	res = batchResult{admitted: int(admitted), remaining: int(remaining), count: count,
		retryAfter: seconds(retryS), resetAfter: seconds(resetS)}
	return res, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// decide gives the i-th request of the batch its answer as if the batch's requests had come
// one after another: the first admitted sees the most of the burst left.
func (res *batchResult) decide(p *policy, i int, now time.Time) decision {
	var d decision
	if p.rate != nil {
		if i >= res.admitted {
			return decision{kind: schemas.TypeRateLimited, retryAfter: max(res.retryAfter, time.Microsecond), resetAfter: max(res.resetAfter, 0)}
		}
		later := res.admitted - 1 - i // admitted after this one
		interval := p.rate.rl.Period / time.Duration(p.rate.rl.Rate)
		d.remaining = res.remaining + later
		d.resetAfter = max(res.resetAfter-time.Duration(later)*interval, 0)
	}
	if p.quota > 0 {
		d.quotaUsed = res.count - int64(res.admitted-1-i)
		if d.quotaUsed > p.quota {
			d.kind, d.retryAfter = schemas.TypeQuotaExceeded, untilMidnight(now)
		}
	}
	return d
}
