// Package dialecttest holds the dialects' test helpers: golden files and the native answers
// they are checked against (../testdata/native, captured from a trawl demo).
package dialecttest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// Update rewrites the golden files instead of comparing them (go test -update).
var Update = flag.Bool("update", false, "rewrite golden files")

// Golden compares got (JSON is indented first) with the file at path, or writes it under -update.
func Golden(t *testing.T, path string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if json.Valid(got) {
		if err := json.Indent(&buf, got, "", "  "); err == nil {
			got = append(buf.Bytes(), '\n')
		}
	}
	if *Update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (go test -update rewrites it; review the diff):\n%s", path, diff(string(want), string(got)))
	}
}

// diff names the first differing line.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + itoa(i+1) + ":\n  want " + a + "\n  got  " + b
		}
	}
	return ""
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// Native is the native answer testdata/native/<name>.json of the dialect package tree.
func Native(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "native", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Searches are the native search answers in testdata/native.
var Searches = []string{"google", "bing", "rich", "empty", "metasearch", "metasearch-blocked", "news", "images"}

// Args is a query string as a dialect's parameter reader (the first value of a name wins).
func Args(query string) func(string) (string, bool) {
	vals, _ := url.ParseQuery(query)
	return func(name string) (string, bool) {
		v, ok := vals[name]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
}

// Backend answers every search with Native and every scrape with Scraped (dialect.Backend).
type Backend struct {
	Native, Scraped []byte
}

func (b Backend) Search(context.Context, dialect.Auth, *schemas.SearchRequest) ([]byte, *schemas.Error) {
	return b.Native, nil
}

func (b Backend) Submit(context.Context, dialect.Auth, *schemas.SearchRequest) ([]byte, *schemas.Error) {
	return nil, dialect.NotImplemented("submit")
}

func (b Backend) Scrape(context.Context, dialect.Auth, *schemas.ScrapeRequest) ([]byte, *schemas.Error) {
	return b.Scraped, nil
}

func (b Backend) Get(context.Context, dialect.Auth, string, bool) ([]byte, *schemas.Error) {
	return b.Native, nil
}

func (b Backend) Account(context.Context, dialect.Auth) ([]byte, *schemas.Error) {
	return nil, dialect.NotImplemented("account")
}

// Serve drives h with one request and returns its status and body.
func Serve(h fasthttp.RequestHandler, method, uri, body string) (int, []byte) {
	var c fasthttp.RequestCtx
	c.Request.Header.SetMethod(method)
	c.Request.SetRequestURI(uri)
	c.Request.Header.SetHost("trawl.test")
	if body != "" {
		c.Request.Header.SetContentType("application/json")
		c.Request.SetBodyString(body)
	}
	h(&c)
	return c.Response.StatusCode(), append([]byte(nil), c.Response.Body()...)
}

// SameWithMemo checks that serve answers every native answer alike without a memo and with
// one, the second time from the memo.
func SameWithMemo(t *testing.T, serve func(b dialect.Backend, memo *dialect.Memo) (int, []byte)) {
	t.Helper()
	memo := dialect.NewMemo(1 << 20)
	for _, name := range Searches {
		b := Backend{Native: Native(t, name)}
		code, want := serve(b, nil)
		if code != 200 {
			t.Fatalf("%s: %d %s", name, code, want)
		}
		for i := range 2 {
			if _, got := serve(b, memo); !bytes.Equal(got, want) {
				t.Fatalf("%s, call %d with the memo:\n%s\nwithout:\n%s", name, i, got, want)
			}
		}
	}
}
