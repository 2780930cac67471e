package target

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/trawl-dev/trawl/schemas"
)

// encode applies one coding; "deflate-raw" is deflate without the zlib wrapper, as some
// servers send it.
func encode(t testing.TB, coding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch coding {
	case "", "identity":
		return b
	case "gzip", "x-gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "deflate-raw":
		w, err = flate.NewWriter(&buf, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		w, err = zstd.NewWriter(&buf)
	default:
		t.Fatalf("no encoder for %q", coding)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func header(coding string) string {
	if coding == "deflate-raw" {
		return "deflate"
	}
	return coding
}

var codings = []string{"identity", "gzip", "x-gzip", "deflate", "deflate-raw", "br", "zstd"}

func page(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		b.WriteString("<p>paragraph " + strconv.Itoa(i) + " of a page worth scraping</p>\n")
	}
	return b.Bytes()[:n]
}

func noise(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestReadBodyOverHTTP serves each coding from a loopback server through Transport, which
// leaves decoding to ReadBody, and checks the page comes back whole.
func TestReadBodyOverHTTP(t *testing.T) {
	want := page(200 << 10)
	srv := startServer(t, "tcp4", "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept-Encoding"); got != AcceptEncoding {
			t.Errorf("Accept-Encoding %q, want %q", got, AcceptEncoding)
		}
		var layers []string
		body := want
		for c := range strings.SplitSeq(strings.TrimPrefix(r.URL.Path, "/"), "+") {
			body = encode(t, c, body)
			layers = append(layers, header(c))
		}
		w.Header().Set("Content-Encoding", strings.Join(layers, ", "))
		w.Write(body)
	}), false)
	p := mustPolicy(t, nil, "127.0.0.1/32")
	c := client(p, nil)
	for _, path := range append(codings, "gzip+br", "zstd+gzip") {
		t.Run(path, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/"+path, nil)
			req.Header.Set("Accept-Encoding", AcceptEncoding)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if path != "identity" && resp.Header.Get("Content-Encoding") == "" {
				t.Fatal("the transport decoded the body itself")
			}
			got, err := ReadBody(resp, int64(len(want)))
			if err != nil {
				t.Fatalf("ReadBody: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, want the %d sent", len(got), len(want))
			}
		})
	}
}

// response is a server's answer without the server, for the edge cases.
func response(coding string, body io.Reader, length int64) *http.Response {
	h := http.Header{}
	if coding != "" {
		h.Set("Content-Encoding", coding)
	}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(body), ContentLength: length}
}

func wantKind(t *testing.T, err error, kind, detail string) {
	t.Helper()
	var e *schemas.Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Fatalf("err = %v, want kind %s", err, kind)
	}
	if !strings.Contains(e.Detail, detail) {
		t.Errorf("detail %q, want it to contain %q", e.Detail, detail)
	}
}

// TestReadBodyCap: exactly max decoded bytes pass, one more is page_too_large in every
// coding, including incompressible pages whose encoded form is larger than max.
func TestReadBodyCap(t *testing.T) {
	t.Parallel()
	const max = 64 << 10
	for _, coding := range codings {
		for name, content := range map[string][]byte{"text": page(max + 1), "noise": noise(max + 1)} {
			t.Run(coding+"/"+name, func(t *testing.T) {
				at := encode(t, coding, content[:max])
				got, err := ReadBody(response(header(coding), bytes.NewReader(at), -1), max)
				if err != nil || !bytes.Equal(got, content[:max]) {
					t.Fatalf("exactly max: %d bytes, %v", len(got), err)
				}
				over := encode(t, coding, content)
				_, err = ReadBody(response(header(coding), bytes.NewReader(over), -1), max)
				wantKind(t, err, schemas.TypePageTooLarge, "larger than 64 KiB (--scrape-max-bytes)")
			})
		}
	}
}

// countReader counts what ReadBody took from the body.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestReadBodyBomb: a small body that decodes to far more than max is cut off one byte
// past max, long before the whole bomb has been read: its 16 MiB of zeros compress to
// almost nothing, and the noise after them (most of the body) is never reached.
func TestReadBodyBomb(t *testing.T) {
	t.Parallel()
	const max = 1 << 20
	content := append(make([]byte, 16<<20), noise(256<<10)...)
	for _, coding := range []string{"gzip", "deflate", "br", "zstd"} {
		t.Run(coding, func(t *testing.T) {
			bomb := encode(t, coding, content)
			if len(bomb) > 1<<20 {
				t.Fatalf("the %s bomb is %d bytes: not a bomb", coding, len(bomb))
			}
			cr := &countReader{r: bytes.NewReader(bomb)}
			got, err := ReadBody(response(coding, cr, int64(len(bomb))), max)
			if got != nil {
				t.Errorf("a truncated page came back: %d bytes", len(got))
			}
			wantKind(t, err, schemas.TypePageTooLarge, "page larger than 1 MiB (--scrape-max-bytes)")
			if cr.n >= int64(len(bomb))/2 {
				t.Errorf("read %d bytes of the %d-byte bomb; decoding should stop at the cap", cr.n, len(bomb))
			}
		})
	}
}

// TestReadBodyEncodedCap: a body that decodes to nothing but never ends (endless empty
// gzip members) is cut off by the encoded cap.
func TestReadBodyEncodedCap(t *testing.T) {
	t.Parallel()
	member := encode(t, "gzip", nil)
	endless := bytes.Repeat(member, 100000)
	cr := &countReader{r: bytes.NewReader(endless)}
	_, err := ReadBody(response("gzip", cr, -1), 1024)
	wantKind(t, err, schemas.TypePageTooLarge, "compressed page larger than 1 KiB")
	if cr.n > 1024+4096+4096 {
		t.Errorf("read %d encoded bytes for a 1 KiB cap", cr.n)
	}
}

// failReader fails the test if ReadBody reads a body whose stated length is over the cap.
type failReader struct{ t *testing.T }

func (f failReader) Read([]byte) (int, error) {
	f.t.Error("ReadBody read a body whose Content-Length was already over the cap")
	return 0, io.EOF
}

func TestReadBodyErrors(t *testing.T) {
	t.Parallel()
	t.Run("content-length over the cap", func(t *testing.T) {
		_, err := ReadBody(response("", failReader{t}, 10<<20+1), 10<<20)
		wantKind(t, err, schemas.TypePageTooLarge, "page larger than 10 MiB (--scrape-max-bytes)")
	})
	t.Run("unknown coding", func(t *testing.T) {
		_, err := ReadBody(response("compress", strings.NewReader("x"), 1), 100)
		wantKind(t, err, schemas.TypeUpstream, `unsupported content encoding "compress"`)
	})
	t.Run("three codings", func(t *testing.T) {
		_, err := ReadBody(response("gzip, gzip, gzip", strings.NewReader("x"), 1), 100)
		wantKind(t, err, schemas.TypeUpstream, "content encoded 3 times")
	})
	t.Run("corrupt gzip", func(t *testing.T) {
		_, err := ReadBody(response("gzip", strings.NewReader("this is not gzip"), -1), 100)
		wantKind(t, err, schemas.TypeUpstream, "decoding gzip body")
	})
	t.Run("truncated zstd", func(t *testing.T) {
		enc := encode(t, "zstd", page(10000))
		_, err := ReadBody(response("zstd", bytes.NewReader(enc[:len(enc)/2]), -1), 1<<20)
		wantKind(t, err, schemas.TypeUpstream, "decoding zstd body")
	})
	t.Run("zstd window over 8 MiB", func(t *testing.T) {
		// Built by hand: encoders shrink the window to fit a small input. Magic, a frame
		// header asking for a 64 MiB window (exponent 16), one empty last raw block.
		frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 16 << 3, 0x01, 0x00, 0x00}
		_, err := ReadBody(response("zstd", bytes.NewReader(frame), -1), 1<<20)
		wantKind(t, err, schemas.TypeUpstream, "window size exceeded")
	})
	t.Run("body read error is passed through", func(t *testing.T) {
		boom := errors.New("connection reset")
		enc := encode(t, "gzip", page(10000))
		body := io.MultiReader(bytes.NewReader(enc[:100]), iotest.ErrReader(boom))
		_, err := ReadBody(response("gzip", body, -1), 1<<20)
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the body's own error", err)
		}
	})
	t.Run("identity and empty codings", func(t *testing.T) {
		got, err := ReadBody(response("identity, ", strings.NewReader("plain"), -1), 5)
		if err != nil || string(got) != "plain" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
}

func TestSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{10 << 20: "10 MiB", 1536: "1536 bytes", 3 << 10: "3 KiB", 7: "7 bytes"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
