package sim_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/sim"
)

func TestProxies(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Addr, cfg.Latency = "127.0.0.1:0", time.Millisecond
	eng := sim.New(cfg, nil)
	if err := eng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	ps, err := sim.StartProxies(sim.ProxyKinds, sim.ProxyOptions{SlowLatency: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ps.Close)
	target := eng.URL() + "/html/?q=proxied"
	tests := []struct {
		kind    string
		wantErr bool
		want    string
		bad     bool
	}{
		{kind: sim.ProxyOK, want: "proxied"},
		{kind: sim.ProxyDead, wantErr: true, bad: true},
		{kind: sim.ProxySlow, want: "proxied"},
		{kind: sim.ProxyGarbage, want: "It works!", bad: true},
		{kind: sim.ProxyBanned, want: "anomaly-modal", bad: true},
	}
	for i, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			p := ps[i]
			if p.Kind != tc.kind || p.Bad() != tc.bad {
				t.Fatalf("proxy %d is %s (bad %v)", i, p.Kind, p.Bad())
			}
			u, _ := url.Parse(p.URL())
			c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)}, Timeout: 5 * time.Second}
			start := time.Now()
			resp, err := c.Get(target)
			if tc.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("status %d through a dead proxy", resp.StatusCode)
				}
				if p.Requests() != 1 {
					t.Errorf("dead proxy counted %d connections", p.Requests())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), tc.want) {
				t.Errorf("status %d body %.120s, want %q", resp.StatusCode, body, tc.want)
			}
			if tc.kind == sim.ProxySlow && time.Since(start) < 200*time.Millisecond {
				t.Errorf("slow proxy answered in %s", time.Since(start))
			}
			if p.Requests() != 1 {
				t.Errorf("proxy counted %d requests", p.Requests())
			}
		})
	}
	// Only loopback targets: a sim proxy is never an open proxy.
	u, _ := url.Parse(ps[0].URL())
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)}, Timeout: 5 * time.Second}
	resp, err := c.Get("http://192.0.2.1/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("non-loopback target: status %d, want 403", resp.StatusCode)
	}
}

func TestParseProxyKinds(t *testing.T) {
	got, err := sim.ParseProxyKinds(" ok,OK, dead,,banned ")
	if err != nil || strings.Join(got, ",") != "ok,ok,dead,banned" {
		t.Errorf("got %v %v", got, err)
	}
	if _, err := sim.ParseProxyKinds("ok,flaky"); err == nil {
		t.Error("unknown kind accepted")
	}
}
