package fetcher

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	page := strings.Repeat("<div>result</div>", 2000) // 34 KB
	tests := []struct {
		name    string
		length  int64 // Content-Length; -1: unknown (chunked)
		limit   int64
		wantLen int
		wantErr bool
	}{
		{"chunked", -1, 1 << 20, len(page), false},
		{"stated length", int64(len(page)), 1 << 20, len(page), false},
		{"chunked over the limit is cut at the limit", -1, 1000, 1000, false},
		{"stated length over the limit is read to the limit", int64(len(page)), 1000, 1000, false},
		{"shorter than stated", int64(len(page) + 10), 1 << 20, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 { // the second read reuses the pooled buffer
				resp := &http.Response{ContentLength: tc.length, Body: io.NopCloser(strings.NewReader(page))}
				b, err := readBody(resp, tc.limit)
				if (err != nil) != tc.wantErr {
					t.Fatalf("err %v, want error %v", err, tc.wantErr)
				}
				if !tc.wantErr && (len(b) != tc.wantLen || !bytes.Equal(b, []byte(page[:tc.wantLen]))) {
					t.Fatalf("read %d bytes, want the first %d of the page", len(b), tc.wantLen)
				}
			}
		})
	}
}

// BenchmarkReadBody compares reading a chunked 34 KB page with io.ReadAll and with readBody.
func BenchmarkReadBody(b *testing.B) {
	page := []byte(strings.Repeat("<div>result</div>", 2000))
	b.Run("io.ReadAll", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			io.ReadAll(io.LimitReader(bytes.NewReader(page), 8<<20))
		}
	})
	b.Run("readBody", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			readBody(&http.Response{ContentLength: -1, Body: io.NopCloser(bytes.NewReader(page))}, 8<<20)
		}
	})
}
