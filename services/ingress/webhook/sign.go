package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	HeaderSignature = "Trawl-Signature"
	HeaderTimestamp = "Trawl-Timestamp"
	HeaderDelivery  = "Trawl-Delivery"
	HeaderEvent     = "Trawl-Event"
	HeaderAttempt   = "Trawl-Attempt"
)

// ShellRecipe computes the hex of a signature from TS (Trawl-Timestamp), SECRET and the raw
// body in body.json: the README's verification recipe, kept here so a test holds it to Sign.
const ShellRecipe = `{ printf '%s.' "$TS"; cat body.json; } | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1`

// DefaultTolerance is how old a Trawl-Timestamp Verify accepts: wide enough for clock skew
// and a slow network, narrow enough that a captured request cannot be replayed for long.
const DefaultTolerance = 5 * time.Minute

// MinSecretBytes is the shortest secret a tenant may sign with: 128 bits.
const MinSecretBytes = 16

// Sign is the Trawl-Signature value for body sent at timestamp (Unix seconds):
// "sha256=" and the lower-case hex of HMAC-SHA256(secret, timestamp + "." + body).
// The timestamp is inside the MAC so a receiver that checks its age refuses replays.
func Sign(secret []byte, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(strconv.AppendInt(nil, timestamp, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery as a receiver would: signature and timestamp are the values of
// the Trawl-Signature and Trawl-Timestamp headers, body the raw request body (before any
// JSON decoding). It fails when the signature does not match or the timestamp is further
// than tolerance from now (DefaultTolerance when tolerance is 0).
func Verify(secret []byte, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("webhook: Trawl-Timestamp is not a Unix time")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook: Trawl-Timestamp outside the tolerance (a replay, or a skewed clock)")
	}
	got, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return errors.New("webhook: Trawl-Signature is not sha256=<hex>")
	}
	want := Sign(secret, ts, body)[len("sha256="):]
	if !hmac.Equal([]byte(strings.ToLower(got)), []byte(want)) {
		return errors.New("webhook: signature mismatch")
	}
	return nil
}
