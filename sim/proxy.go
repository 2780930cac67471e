package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy qualities a simulated forward proxy can have.
const (
	// ProxyOK forwards every request to its target.
	ProxyOK = "ok"
	// ProxyDead accepts connections and resets them at once.
	ProxyDead = "dead"
	// ProxySlow forwards after ProxyOptions.SlowLatency.
	ProxySlow = "slow"
	// ProxyGarbage answers 200 with a page that is no engine's page.
	ProxyGarbage = "garbage"
	// ProxyBanned answers with the engine's CAPTCHA page, as an engine does to a banned address.
	ProxyBanned = "banned"
)

// ProxyKinds lists every quality, for validation and help texts.
var ProxyKinds = []string{ProxyOK, ProxyDead, ProxySlow, ProxyGarbage, ProxyBanned}

// ProxyOptions tune the simulated proxies.
type ProxyOptions struct {
	// SlowLatency is added by a slow proxy (default 1s).
	SlowLatency time.Duration
	Log         *slog.Logger
}

// Proxy is one running simulated HTTP forward proxy.
type Proxy struct {
	Kind string
	ln   net.Listener
	srv  *http.Server
	opts ProxyOptions
	fwd  *httputil.ReverseProxy
	tr   *http.Transport
	reqs atomic.Int64
	wg   sync.WaitGroup
}

// URL is the proxy's URL (for TRAWL_PROXIES).
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Requests is the number of requests (or, for a dead proxy, connections) it received.
func (p *Proxy) Requests() int64 { return p.reqs.Load() }

// Bad reports whether the proxy's quality makes it useless (dead, garbage or banned).
func (p *Proxy) Bad() bool {
	return p.Kind == ProxyDead || p.Kind == ProxyGarbage || p.Kind == ProxyBanned
}

// Close stops the proxy.
func (p *Proxy) Close() {
	if p.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		p.srv.Shutdown(ctx)
		cancel()
		p.srv.Close()
	} else {
		p.ln.Close()
	}
	p.wg.Wait()
	if p.tr != nil {
		p.tr.CloseIdleConnections()
	}
}

// Proxies is a set of simulated proxies.
type Proxies []*Proxy

// URLs lists the proxies' URLs in order.
func (ps Proxies) URLs() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.URL()
	}
	return out
}

// Close stops every proxy.
func (ps Proxies) Close() {
	for _, p := range ps {
		p.Close()
	}
}

// ParseProxyKinds reads "ok,ok,dead,banned".
func ParseProxyKinds(spec string) ([]string, error) {
	var out []string
	for k := range strings.SplitSeq(spec, ",") {
		k = strings.TrimSpace(strings.ToLower(k))
		if k == "" {
			continue
		}
		known := false
		for _, want := range ProxyKinds {
			known = known || k == want
		}
		if !known {
			return nil, fmt.Errorf("sim proxy kind %q: want one of %s", k, strings.Join(ProxyKinds, ", "))
		}
		out = append(out, k)
	}
	return out, nil
}

// StartProxies starts one forward proxy per kind on loopback ports. Proxies forward only to
// loopback targets: they are test tools, never open proxies.
func StartProxies(kinds []string, opts ProxyOptions) (Proxies, error) {
	if opts.SlowLatency <= 0 {
		opts.SlowLatency = time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	var out Proxies
	for _, k := range kinds {
		p, err := startProxy(k, opts)
		if err != nil {
			out.Close()
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func startProxy(kind string, opts ProxyOptions) (*Proxy, error) {
	if _, err := ParseProxyKinds(kind); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Kind: kind, ln: ln, opts: opts}
	if kind == ProxyDead {
		p.wg.Add(1)
		go p.resetAll()
		return p, nil
	}
	p.tr = &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
	p.fwd = &httputil.ReverseProxy{
		// The request line is already absolute (forward-proxy form): send it on as it is.
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.Out.URL = pr.In.URL; pr.Out.Host = pr.In.Host },
		Transport: p.tr,
		ErrorLog:  nil,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil {
				http.Error(w, "proxy: upstream failed: "+err.Error(), http.StatusBadGateway)
			}
		},
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 5 * time.Second}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			opts.Log.Error("sim proxy", "err", err)
		}
	}()
	return p, nil
}

// resetAll is the dead proxy: every connection is reset as soon as it is accepted.
func (p *Proxy) resetAll() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.reqs.Add(1)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.reqs.Add(1)
	host := r.URL.Hostname()
	if r.Method == http.MethodConnect {
		host, _, _ = strings.Cut(r.Host, ":")
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		http.Error(w, "sim proxy: only loopback targets", http.StatusForbidden)
		return
	}
	switch p.Kind {
	case ProxyGarbage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, garbagePage)
		return
	case ProxyBanned:
		if r.Method == http.MethodConnect {
			http.Error(w, "banned", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, captchaFor(r.URL.Path))
		return
	case ProxySlow:
		select {
		case <-time.After(p.opts.SlowLatency):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "sim proxy: want an absolute request URL", http.StatusBadRequest)
		return
	}
	p.fwd.ServeHTTP(w, r)
}

// tunnel serves CONNECT (the client's https requests) by splicing the two connections.
func (p *Proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	up, err := net.DialTimeout("tcp", r.Host, 5*time.Second)
	if err != nil {
		http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "proxy: no hijacking", http.StatusInternalServerError)
		return
	}
	down, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, buf); up.Close(); done <- struct{}{} }()
	go func() { io.Copy(down, up); down.Close(); done <- struct{}{} }()
	<-done
	<-done
}

// garbagePage is what a misconfigured or hijacked proxy answers: HTML, but no engine's page.
const garbagePage = `<!DOCTYPE html><html><head><title>Welcome!</title></head><body>
<h1>It works!</h1><p>This page is served by a transparent caching gateway. ` + "\x00\x17\xfe\xff" + `
<a href="http://portal.invalid/login">Log in to continue browsing</a></p></body></html>`
