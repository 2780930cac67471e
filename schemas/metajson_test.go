package schemas

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"
)

// FuzzAppendMetadata holds appendMetadata to json.Marshal, byte for byte.
func FuzzAppendMetadata(f *testing.F) {
	f.Add("ID", "page", "req", "success", "google", "hit", int64(1764672000123456789), int64(3), 12.5, 0.25, 0.013)
	f.Add("", "", "", "", "", "", int64(0), int64(0), 0.0, 0.0, 0.0)
	f.Add("<a&b>", "é", "\x00\"\\", "\u2028", "\xff", "x", int64(-62135596800000000), int64(-1), 1e-7, 1e21, -0.0)
	f.Add("a", "b", "c", "d", "e", "f", int64(math.MaxInt64), int64(math.MinInt64), math.Inf(1), math.NaN(), 123456789.125)
	f.Fuzz(func(t *testing.T, id, page, req, status, engine, cache string, nanos, age int64, fetch, parse, cacheMS float64) {
		m := SearchMetadata{ID: id, PageID: page, RequestID: req, Status: status, Engine: engine, Cache: cache,
			CreatedAt: time.Unix(0, nanos).UTC(), AgeSeconds: age, TimingsMS: Timings{Fetch: fetch, Parse: parse, Cache: cacheMS}}
		for _, when := range []time.Time{m.CreatedAt, time.Unix(0, nanos), time.Unix(nanos, 0).In(time.FixedZone("", int(age%100000)))} {
			m.CreatedAt = when
			want, err := json.Marshal(&m)
			got := appendMetadata([]byte("x"), &m)
			if err != nil {
				continue
			}
			if string(got) != "x"+string(want) {
				t.Fatalf("appendMetadata\n got %s\nwant x%s", got, want)
			}
		}
	})
}

func TestAppendMetadataEngines(t *testing.T) {
	m := SearchMetadata{ID: "A", Engines: map[string]EngineOutcome{"bing": {Status: "answered", Results: 3}}}
	want, _ := json.Marshal(&m)
	if got := appendMetadata(nil, &m); string(got) != string(want) {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func BenchmarkAppendMetadata(b *testing.B) {
	m := SearchMetadata{ID: "AAAAAAAAAAAAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBBBBB", PageID: "PPPPPPPPPPPPPPPPPPPPPPPPPP", RequestID: "r-1",
		Status: "Success", Engine: "duckduckgo", Cache: "hit", CreatedAt: time.Now().UTC(), AgeSeconds: 12,
		TimingsMS: Timings{Fetch: 20.512, Parse: 0.301, Cache: 0.021}}
	buf := make([]byte, 0, 512)
	b.Run("append", func(b *testing.B) {
		for b.Loop() {
			buf = appendMetadata(buf[:0], &m)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			buf, _ = json.Marshal(&m)
		}
	})
}

// TestAppendMillis holds appendMillis to strconv's shortest form over every value it takes:
// every whole microsecond up to a second, a spread of larger ones up to its bound, and the
// values at either side of the bound and of whole milliseconds, which it must leave alone.
func TestAppendMillis(t *testing.T) {
	check := func(f float64) {
		t.Helper()
		want := strconv.AppendFloat(nil, f, 'f', -1, 64)
		got, done := appendMillis(nil, f)
		if done && string(got) != string(want) {
			t.Fatalf("%v: got %s, want %s", f, got, want)
		}
	}
	for us := int64(1); us <= 1_000_000; us++ {
		f := float64(us) / 1000
		check(f)
		if got, done := appendMillis(nil, f); !done {
			t.Fatalf("%v (%d µs) left to strconv (%s)", f, us, got)
		}
	}
	for us := int64(1_000_000); us < 1e12; us += us/1000 + 7 {
		check(float64(us) / 1000)
	}
	for _, f := range []float64{0, math.Copysign(0, -1), -1.5, 1e9, 1e9 - 0.001, 999999999.999, 0.0005, 1.0001, 1e-7, math.Nextafter(1.5, 2), math.Inf(1), math.NaN()} {
		check(f)
	}
	if _, done := appendMillis(nil, 1.0001); done {
		t.Fatal("1.0001 has four decimals: strconv's, not appendMillis's")
	}
}
