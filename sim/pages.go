package sim

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// The simulator also serves pages to scrape, under /pages/: an article and a documentation
// page with the chrome real sites wrap around their content, pages in legacy charsets (with the
// charset in the header, or only in a <meta>), pages built for typed extraction, JSON, plain
// text and XHTML, and the awkward cases a fetcher must survive: a Cloudflare challenge, a PDF,
// a page of many megabytes, a slow page and a redirect to anywhere. Every page is fixed text,
// the same on every request; faults drawn for search routes do not apply here.
//
// Every response is compressed when the request asks: ?enc=gzip|br|zstd, or an
// Accept-Encoding that lists one of them (zstd preferred, then br, then gzip).

// simPage is one fixed page.
type simPage struct {
	status      int
	contentType string
	header      map[string]string
	body        func() []byte
}

var pages = map[string]simPage{
	"/pages/article":      {contentType: "text/html; charset=utf-8", body: static(articlePage)},
	"/pages/docs":         {contentType: "text/html; charset=utf-8", body: static(docsPage)},
	"/pages/windows-1251": {contentType: "text/html; charset=windows-1251", body: encoded(cyrillicPage, charmap.Windows1251)},
	"/pages/shift_jis":    {contentType: "text/html", body: encoded(japanesePage, japanese.ShiftJIS)},
	"/pages/gbk":          {contentType: "text/html", body: encoded(chinesePage, simplifiedchinese.GBK)},
	"/pages/latin1":       {contentType: "text/html; charset=ISO-8859-1", body: encoded(latin1Page, charmap.ISO8859_1)},
	"/pages/weather":      {contentType: "text/html; charset=utf-8", body: static(weatherPage)},
	"/pages/product":      {contentType: "text/html; charset=utf-8", body: static(productPage)},
	"/pages/json":         {contentType: "application/json", body: static(jsonPage)},
	"/pages/text":         {contentType: "text/plain; charset=utf-8", body: static(textPage)},
	"/pages/xhtml":        {contentType: "application/xhtml+xml", body: static(xhtmlPage)},
	"/pages/challenge": {
		status:      http.StatusForbidden,
		contentType: "text/html; charset=UTF-8",
		header: map[string]string{
			"Server":          "cloudflare",
			"Cf-Mitigated":    "challenge",
			"Cf-Ray":          "8f3a1c2d4e5b6a79-FRA",
			"Cache-Control":   "private, max-age=0, no-store, no-cache, must-revalidate, post-check=0, pre-check=0",
			"Expires":         "Thu, 01 Jan 1970 00:00:01 GMT",
			"Referrer-Policy": "same-origin",
			"X-Frame-Options": "SAMEORIGIN",
			"Permissions-Policy": "accelerometer=(),autoplay=(),browsing-topics=(),camera=(),clipboard-read=(),clipboard-write=()," +
				"geolocation=(),gyroscope=(),hid=(),interest-cohort=(),magnetometer=(),microphone=(),payment=(),publickey-credentials-get=(),serial=(),sync-xhr=(),usb=()",
			"Critical-Ch": "Sec-CH-UA-Bitness, Sec-CH-UA-Arch, Sec-CH-UA-Full-Version, Sec-CH-UA-Mobile, Sec-CH-UA-Model, Sec-CH-UA-Platform-Version, Sec-CH-UA-Full-Version-List, Sec-CH-UA-Platform, Sec-CH-UA, UA-Bitness, UA-Arch, UA-Full-Version, UA-Mobile, UA-Model, UA-Platform-Version, UA-Platform, UA",
		},
		body: static(challengePage),
	},
	"/pages/pdf": {contentType: "application/pdf", body: sync.OnceValue(minimalPDF)},
}

// ScrapePages lists the content pages, the ones a scrape converts (and has golden files for);
// the challenge, PDF, huge, slow and redirect pages are there to be refused or survived.
func ScrapePages() []string {
	return []string{
		"/pages/article", "/pages/docs", "/pages/windows-1251", "/pages/shift_jis", "/pages/gbk",
		"/pages/latin1", "/pages/weather", "/pages/product", "/pages/json", "/pages/text", "/pages/xhtml",
	}
}

func static(s string) func() []byte { return func() []byte { return []byte(s) } }

// encoded serves s (written here in UTF-8) in a legacy charset, as such sites do.
func encoded(s string, enc encoding.Encoding) func() []byte {
	return sync.OnceValue(func() []byte {
		b, err := enc.NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(fmt.Sprintf("sim page not encodable: %v", err)) // a bug in this file's text
		}
		return b
	})
}

// servePage answers /pages/…; requests are counted per path (RequestsFor("/pages/article")).
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.count(&s.served, r.URL.Path)
	switch r.URL.Path {
	case "/pages/huge":
		s.serveHuge(w, r)
		return
	case "/pages/slow":
		s.serveSlow(w, r)
		return
	case "/pages/redirect":
		to := r.URL.Query().Get("to")
		if to == "" {
			http.Error(w, "missing to", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	p, ok := pages[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	for k, v := range p.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", p.contentType)
	status := p.status
	if status == 0 {
		status = http.StatusOK
	}
	out, finish := compressed(w, r)
	w.WriteHeader(status)
	out.Write(p.body())
	finish()
}

// compressed wraps w in the encoding the request asks for; finish flushes it.
func compressed(w http.ResponseWriter, r *http.Request) (io.Writer, func()) {
	w.Header().Add("Vary", "Accept-Encoding")
	enc := r.URL.Query().Get("enc")
	if enc == "" {
		accepted := map[string]bool{}
		for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0" {
				accepted[strings.ToLower(strings.TrimSpace(name))] = true
			}
		}
		for _, e := range []string{"zstd", "br", "gzip"} {
			if accepted[e] {
				enc = e
				break
			}
		}
	}
	var c io.WriteCloser
	switch enc {
	case "gzip":
		c = gzip.NewWriter(w)
	case "br":
		c = brotli.NewWriter(w)
	case "zstd":
		zw, err := zstd.NewWriter(w)
		if err != nil {
			return w, func() {}
		}
		c = zw
	default:
		return w, func() {}
	}
	w.Header().Set("Content-Encoding", enc)
	w.Header().Del("Content-Length")
	return c, func() { c.Close() }
}

// serveHuge streams ?mb=N MiB (default 20) of valid HTML: an article of numbered sections, so
// a fetcher's size limit and a converter's time on a big page can both be measured.
func (s *Server) serveHuge(w http.ResponseWriter, r *http.Request) {
	mb := 20
	if v, err := strconv.Atoi(r.URL.Query().Get("mb")); err == nil && v >= 0 {
		mb = min(v, 1024)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	out, finish := compressed(w, r)
	defer finish()
	bw := bufio.NewWriterSize(out, 64<<10)
	defer bw.Flush()
	limit := mb << 20
	n, _ := io.WriteString(bw, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>A very long page</title></head>\n<body><main><article><h1>A very long page</h1>\n")
	const tail = "</article></main></body></html>\n"
	for i := 1; n+len(tail) < limit; i++ {
		if r.Context().Err() != nil {
			return
		}
		section := fmt.Sprintf("<section id=\"s%d\"><h2>Section %d</h2>\n<p>Paragraph %d of the long page. %s</p>\n<p>It links to <a href=\"/pages/huge?part=%d\">part %d</a> and goes on: %s</p></section>\n",
			i, i, i, hugeFiller, i, i, hugeFiller)
		section = section[:min(len(section), limit-len(tail)-n)]
		if !strings.HasSuffix(section, "</section>\n") {
			section = strings.Repeat("x", len(section)) // fill exactly, still valid text
		}
		m, err := io.WriteString(bw, section)
		n += m
		if err != nil {
			return
		}
	}
	io.WriteString(bw, tail)
}

const hugeFiller = "Rivers carry meltwater north through the tundra, and every spring the channels shift; " +
	"the survey teams measure discharge, sediment and temperature at the same stations each year."

// serveSlow answers after ?ms=N milliseconds (default 2000), unless the client gives up first.
func (s *Server) serveSlow(w http.ResponseWriter, r *http.Request) {
	ms := 2000
	if v, err := strconv.Atoi(r.URL.Query().Get("ms")); err == nil && v >= 0 {
		ms = v
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	case <-s.hang:
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	out, finish := compressed(w, r)
	fmt.Fprintf(out, "<!DOCTYPE html><html><head><title>Slow page</title></head><body><p>This page took %d ms.</p></body></html>\n", ms)
	finish()
}

// minimalPDF is a one-page PDF 1.4 with a line of text, its cross-reference offsets computed
// so that readers accept it.
func minimalPDF() []byte {
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"", // the content stream, below
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	stream := "BT /F1 24 Tf 72 720 Td (Quarterly report) Tj ET"
	objects[3] = fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream)
	var b strings.Builder
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return []byte(b.String())
}
