package target

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/trawl-dev/trawl/schemas"
)

// AcceptEncoding is the Accept-Encoding a scrape request sends: every coding ReadBody
// decodes. The caller sets it and turns off the transport's transparent gzip
// (Transport does), so that ReadBody sees, decodes and bounds all of them alike.
const AcceptEncoding = "gzip, deflate, br, zstd"

// maxCodings bounds how many codings a body may be wrapped in. Servers send one; each
// extra layer multiplies the work a small body can demand.
const maxCodings = 2

// zstdMaxWindow is the window RFC 9659 asks HTTP zstd decoders to support; a frame
// asking for more is refused instead of allocating up to the decoder's 512 MiB default.
const zstdMaxWindow = 8 << 20

// ReadBody reads resp's body, undoing its Content-Encoding (gzip, deflate, br, zstd), and
// returns at most maxBytes decoded bytes. A longer page is a TypePageTooLarge error, never a
// truncated success; the decoded cap is also what stops a decompression bomb, since
// decoding stops one byte past it. The encoded bytes are capped too (a little above maxBytes,
// for incompressible pages), so an endless stream that decodes to nothing ends as well.
// An unknown or corrupt encoding is a TypeUpstream error; a failure to read the body is
// returned as it came. The body is not closed.
func ReadBody(resp *http.Response, maxBytes int64) ([]byte, error) {
	limit := min(max(maxBytes, 0), math.MaxInt64-1)
	codings, err := contentCodings(resp.Header)
	if err != nil {
		return nil, err
	}
	// The slack covers the framing of stored (incompressible) blocks in every coding.
	encMax := limit
	if len(codings) > 0 {
		encMax = satAdd(limit, limit/256+4096)
	}
	if resp.ContentLength > encMax {
		return nil, tooLarge(limit, len(codings) > 0)
	}
	body := &countingReader{r: resp.Body, left: encMax + 1}
	var r io.Reader = body
	for i := len(codings) - 1; i >= 0; i-- {
		dec, err := decoder(codings[i], r)
		if err != nil {
			if body.err != nil {
				return nil, body.err
			}
			return nil, schemas.Errorf(schemas.TypeUpstream, "decoding %s body: %v", codings[i], err)
		}
		defer dec.Close()
		r = dec
	}
	var buf bytes.Buffer
	if n := resp.ContentLength; len(codings) == 0 && n > 0 {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(io.LimitReader(r, limit+1))
	switch {
	case body.read > encMax:
		return nil, tooLarge(limit, len(codings) > 0)
	case body.err != nil:
		return nil, body.err
	case err != nil:
		return nil, schemas.Errorf(schemas.TypeUpstream, "decoding %s body: %v", strings.Join(codings, ", "), err)
	case int64(buf.Len()) > limit:
		return nil, tooLarge(limit, false)
	}
	return buf.Bytes(), nil
}

// contentCodings lists the codings applied to a body, first applied first.
func contentCodings(h http.Header) ([]string, error) {
	var out []string
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			switch c {
			case "", "identity":
				continue
			case "x-gzip": // RFC 9110 8.4.1.3
				c = "gzip"
			case "gzip", "deflate", "br", "zstd":
			default:
				return nil, schemas.Errorf(schemas.TypeUpstream, "unsupported content encoding %q", c)
			}
			out = append(out, c)
		}
	}
	if len(out) > maxCodings {
		return nil, schemas.Errorf(schemas.TypeUpstream, "content encoded %d times (%s)", len(out), strings.Join(out, ", "))
	}
	return out, nil
}

func decoder(coding string, r io.Reader) (io.ReadCloser, error) {
	switch coding {
	case "gzip":
		return gzip.NewReader(r)
	case "deflate":
		// HTTP's deflate is zlib-wrapped (RFC 9110 8.4.1.2), but servers that send raw
		// deflate are common enough that browsers accept both.
		br := bufio.NewReader(r)
		if h, err := br.Peek(2); err == nil && isZlibHeader(h[0], h[1]) {
			return zlib.NewReader(br)
		}
		return flate.NewReader(br), nil
	case "br":
		return io.NopCloser(brotli.NewReader(r)), nil
	case "zstd":
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("unsupported content encoding %q", coding)
}

func isZlibHeader(cmf, flg byte) bool {
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint16(cmf)<<8|uint16(flg))%31 == 0
}

// countingReader stops after left bytes and tells the body's own read errors apart from
// a decoder's complaints about what it read.
type countingReader struct {
	r    io.Reader
	left int64
	read int64
	err  error
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	c.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}

func tooLarge(limit int64, encoded bool) *schemas.Error {
	what := "page"
	if encoded {
		what = "compressed page"
	}
	return schemas.Errorf(schemas.TypePageTooLarge, "%s larger than %s (--scrape-max-bytes)", what, size(limit))
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-1-b {
		return math.MaxInt64 - 1
	}
	return a + b
}
