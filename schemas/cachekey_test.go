package schemas

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// refNormalize and refCacheKey are Normalize and CacheKey as they were before their fast paths
// (2026-12-04): keys are shared with the cache service and kept in Redis across versions, so
// the fast paths must give every request the very same key.
func refNormalize(r *SearchRequest) {
	if r.Engine == "" {
		r.Engine = DefaultEngine
	} else {
		names := strings.Split(r.Engine, ",")
		for i := range names {
			names[i] = strings.ToLower(strings.TrimSpace(names[i]))
		}
		r.Engine = strings.Join(names, ",")
	}
	if r.Page == 0 {
		r.Page = 1
	}
	if r.Safe == "" {
		r.Safe = SafeModerate
	}
	if r.Type == VerticalWeb {
		r.Type = ""
	}
	r.HL = strings.ToLower(strings.ReplaceAll(r.HL, "_", "-"))
	r.GL = strings.ToLower(r.GL)
	r.Q = strings.Join(strings.Fields(r.Q), " ")
}

func refCacheKey(r *SearchRequest) string {
	var b strings.Builder
	b.WriteString("search/v1")
	if r.Type != "" && r.Type != VerticalWeb {
		b.WriteByte('/')
		b.WriteString(r.Type)
	}
	for _, f := range []string{r.Engine, strconv.Itoa(r.Page), strconv.Itoa(r.Num), r.HL, r.GL, r.Safe} {
		b.WriteByte(0)
		b.WriteString(f)
	}
	b.WriteByte(0)
	b.WriteString(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return unicode.ToLower(r)
	}, strings.Join(strings.Fields(r.Q), " ")))
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// sameAsReference checks Normalize, CacheKey and Validate against the reference on r.
func sameAsReference(t *testing.T, r SearchRequest) {
	t.Helper()
	ref, got := r, r
	refNormalize(&ref)
	got.Normalize()
	if got.Q != ref.Q || got.Engine != ref.Engine || got.HL != ref.HL || got.GL != ref.GL {
		t.Fatalf("Normalize(%+v) = %+v, the reference %+v", r, got, ref)
	}
	if len(got.Engines()) == 1 {
		if k, want := got.CacheKey(), refCacheKey(&ref); k != want {
			t.Fatalf("CacheKey(%+v) = %s, the reference %s", got, k, want)
		}
	}
	known := func(n string) bool { return n == "duckduckgo" || n == "bing" }
	if a, b := r.Validate(known, 0), refValidateEngine(r.Engine, known); len(engineErrors(a)) != len(b) {
		t.Fatalf("Validate(%q): %v, the reference %v", r.Engine, engineErrors(a), b)
	}
}

// refValidateEngine is Validate's engine check on the whole list, as before the one-engine path.
func refValidateEngine(engine string, known func(string) bool) []string {
	if engine == "" {
		return nil
	}
	var errs []string
	names := strings.Split(engine, ",")
	if len(names) > MaxEngines {
		return []string{"too many"}
	}
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
			errs = append(errs, "empty engine name")
		case !known(n):
			errs = append(errs, "unknown engine "+strconv.Quote(n))
		case seen[n]:
			errs = append(errs, "engine "+strconv.Quote(n)+" named twice")
		}
		seen[n] = true
	}
	return errs
}

func engineErrors(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		if e.Field == "engine" {
			out = append(out, e.Message)
		}
	}
	return out
}

func TestCacheKeyMatchesReference(t *testing.T) {
	for _, q := range []string{"golang", "Golang Tutorial", " golang", "golang ", "go  lang", "go\tlang",
		"go\nlang", "ÉCOLE", "école primaire", "a\u00a0b", "a\u0085b", "\u2003x\u2003", "x", "",
		`"quoted phrase" site:example.com`, "UPPER lower MiXeD", "tab\t", "\v", "日本語 の 検索"} {
		for _, engine := range []string{"", "duckduckgo", " Bing ", "DuckDuckGo", "bing,duckduckgo", " ", ","} {
			sameAsReference(t, SearchRequest{Q: q, Engine: engine, HL: "en_GB", GL: "US", Num: 20, Type: VerticalNews})
			sameAsReference(t, SearchRequest{Q: q, Engine: engine, Page: 3, Safe: SafeOff, Type: VerticalWeb})
		}
	}
	// A key kept in Redis before the fast paths is still the key.
	r := SearchRequest{Q: "golang", Engine: "duckduckgo"}
	r.Normalize()
	if k, want := r.CacheKey(), refCacheKey(&r); k != want || len(k) != 32 {
		t.Fatalf("golang on duckduckgo: %s, want %s", k, want)
	}
}

func FuzzCacheKey(f *testing.F) {
	f.Add("golang", "duckduckgo", "en", "us", 1, 0, "")
	f.Add(" Go\tLang ", " Bing ,duckduckgo", "en_GB", "GB", 0, 20, "news")
	f.Add("ÉCOLE\u00a0x", "DuckDuckGo", "", "", 2, 100, "web")
	f.Fuzz(func(t *testing.T, q, engine, hl, gl string, page, num int, typ string) {
		sameAsReference(t, SearchRequest{Q: q, Engine: engine, HL: hl, GL: gl, Page: page, Num: num, Type: typ})
	})
}

func BenchmarkCacheKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		r := SearchRequest{Q: "golang tutorial", Engine: "duckduckgo"}
		r.Normalize()
		_ = r.CacheKey()
	}
}
