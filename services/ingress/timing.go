package ingress

import (
	"strconv"
	"strings"
	"time"
)

// appendServerTiming renders the Server-Timing field: the ingress's total, the NATS round
// trip, and the per-stage durations the reply reports in Trawl-Timings ("fetch=12.3,parse=1.1").
func appendServerTiming(b []byte, total, round time.Duration, stages string) []byte {
	b = append(b, "total;dur="...)
	b = appendMS(b, total)
	b = append(b, ", nats;dur="...)
	b = appendMS(b, round)
	for stages != "" {
		var item string
		item, stages, _ = strings.Cut(stages, ",")
		name, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || !isToken(name) || !isNumber(val) {
			continue // never copy anything but a name and a number into a response header
		}
		b = append(b, ", "...)
		b = append(b, name...)
		b = append(b, ";dur="...)
		b = append(b, val...)
	}
	return b
}

// appendMS writes d in milliseconds with three decimals, as strconv.AppendFloat(…, 'f', 3, 64)
// would, from integers: it runs twice on every answer (TestAppendMS holds it to strconv).
func appendMS(b []byte, d time.Duration) []byte {
	us := d.Microseconds()
	if us < 0 {
		b, us = append(b, '-'), -us
	}
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

func isToken(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isNumber(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return true
}
