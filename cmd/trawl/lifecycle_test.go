package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// binaries lists every product binary with the arguments that start it.
func binaries(t *testing.T) map[string][]string {
	bin := stageBinaries(t)
	m := map[string][]string{"trawl serve": {filepath.Join(bin, "trawl"), "serve"}}
	for _, st := range stageNames {
		m["trawl-"+st] = []string{filepath.Join(bin, "trawl-"+st)}
	}
	return m
}

// A setting that does not validate stops every binary with status 2 before it connects or
// listens: NATS points at a listener that records any connection, and none may arrive.
func TestBadConfigExitsTwoBeforeConnecting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted sync.WaitGroup
	conns := make(chan struct{}, 100)
	accepted.Add(1)
	go func() {
		defer accepted.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- struct{}{}
			c.Close()
		}
	}()
	natsURL := "nats://" + ln.Addr().String()
	cases := []struct {
		name string
		args []string
		flag string
	}{
		{"log level", []string{"--log-level", "bogus"}, "log-level"},
		{"unknown engine", []string{"--engine-urls", "altavista=http://127.0.0.1:1"}, "engine-urls"},
		{"negative size", []string{"--fetch-stream-max-bytes", "-5"}, "fetch-stream-max-bytes"},
		{"negative drain", []string{"--drain-timeout", "-1s"}, "drain-timeout"},
		{"unknown flag", []string{"--no-such-flag"}, "no-such-flag"},
		{"misspelt flag", []string{"--drain-timout", "1s"}, "unknown flag --drain-timout: did you mean --drain-timeout?"},
	}
	for name, argv := range binaries(t) {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				args := append(append([]string{}, argv[1:]...), "--nats-url", natsURL)
				args = append(args, tc.args...)
				cmd := exec.Command(argv[0], args...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				start := time.Now()
				err := cmd.Run()
				took := time.Since(start)
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != app.ExitConfig {
					t.Fatalf("exit: %v, want status %d; stderr:\n%s", err, app.ExitConfig, stderr.String())
				}
				if !strings.Contains(stderr.String(), tc.flag) {
					t.Errorf("stderr does not name %s:\n%s", tc.flag, stderr.String())
				}
				if lines := strings.Count(strings.TrimSpace(stderr.String()), "\n") + 1; strings.Contains(tc.name, "flag") && lines != 1 {
					t.Errorf("a flag mistake printed %d lines, want one:\n%s", lines, stderr.String())
				}
				if took > time.Second {
					t.Errorf("took %v to reject a bad setting, want under a second", took)
				}
			})
		}
	}
	ln.Close()
	accepted.Wait()
	if n := len(conns); n > 0 {
		t.Errorf("%d connections reached NATS from processes whose configuration was invalid", n)
	}
}

// The stage binaries connect to NATS by URL: only trawl serve links the embedded server. And
// no stage's code imports another stage: the engines are their own floor under the stages.
func TestStageDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	root, _ := filepath.Abs("../..")
	goList := func(args ...string) string {
		cmd := exec.Command("go", append([]string{"list"}, args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, st := range stageNames {
		deps := goList("-deps", "./services/"+st+"/cmd/trawl-"+st)
		if strings.Contains(deps, "nats-server") {
			t.Errorf("trawl-%s links nats-server", st)
		}
		if !strings.Contains(deps, "github.com/trawl-dev/trawl/engines\n") {
			t.Errorf("trawl-%s does not link the engines package: the check below would prove nothing", st)
		}
	}
	if !strings.Contains(goList("-deps", "./cmd/trawl"), "nats-server") {
		t.Errorf("trawl does not link nats-server: the check above would prove nothing")
	}
	for _, st := range stageNames {
		// Imports of non-test files only.
		out := goList("-f", `{{.ImportPath}}: {{join .Imports " "}}`, "./services/"+st+"/...")
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			pkg, imports, _ := strings.Cut(line, ": ")
			for _, imp := range strings.Fields(imports) {
				other, ok := strings.CutPrefix(imp, "github.com/trawl-dev/trawl/services/")
				if ok && !strings.HasPrefix(other, st+"/") && other != st {
					t.Errorf("%s imports another stage's package %s", pkg, imp)
				}
			}
		}
	}
}

// A stage binary whose listener cannot be had once it gets to it (the port taken while it
// waited for NATS) exits non-zero naming the cause, instead of running without it.
func TestStageExitsWhenItsListenerFails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	bin := stageBinaries(t)
	natsPort := testkit.FreePort(t)
	httpAddr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	cmd := exec.Command(filepath.Join(bin, "trawl-ingress"), "--nats-url", "nats://127.0.0.1:"+strconv.Itoa(natsPort),
		"--http-addr", httpAddr, "--log-level", "warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	// The ingress cannot listen before NATS is there: take its port, then start NATS.
	taken, err := net.Listen("tcp", httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	testkit.StartNATSWith(t, &server.Options{Port: natsPort})
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != app.ExitFailed {
			t.Fatalf("exit: %v, want status %d; stderr:\n%s", err, app.ExitFailed, stderr.String())
		}
		if !strings.Contains(stderr.String(), "address already in use") || !strings.Contains(stderr.String(), "ingress") {
			t.Errorf("stderr does not name the component and the cause:\n%s", stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("trawl-ingress kept running without its listener; stderr:\n%s", stderr.String())
	}
}

// trawl serve whose HTTP listener is closed under it stops the whole process and reports the
// ingress as the cause.
func TestServeStopsWhenListenerCloses(t *testing.T) {
	cfg := stack.DefaultConfig()
	cfg.NATSListen = "off"
	cfg.Ingress.HTTPAddr = "127.0.0.1:0"
	st, err := stack.Start(t.Context(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waited := make(chan error, 1)
	go func() { waited <- st.Wait(context.Background(), false) }()
	st.Ingress().Listener().Close()
	select {
	case err := <-waited:
		if err == nil || !strings.Contains(err.Error(), "ingress") {
			t.Fatalf("Wait returned %v, want the ingress's failure", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the process kept running after its HTTP listener closed")
	}
	if err := st.Stop(); err != nil {
		t.Errorf("stop after a failure: %v", err)
	}
}

// SIGTERM while distinct misses are in flight against a slow engine: every request that
// reached trawl before the signal is answered, and trawl exits 0 within the drain bound.
func TestSIGTERMAnswersInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	bin := stageBinaries(t)
	sc := sim.DefaultConfig()
	sc.Latency = 400 * time.Millisecond
	engine := testkit.StartSim(t, sc)
	httpAddr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	cmd := exec.Command(filepath.Join(bin, "trawl"), "serve", "--nats-listen", "off", "--http-addr", httpAddr,
		"--engine-urls", "duckduckgo="+engine.URL(), "--log-level", "warn", "--drain-timeout", "15s")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	base := "http://" + httpAddr
	testkit.Eventually(t, 30*time.Second, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, "trawl serve ready")

	const n = 40
	client := &http.Client{Timeout: 30 * time.Second}
	results := make(chan error, n)
	for i := range n {
		go func() {
			resp, err := client.Get(base + "/v1/search?q=" + url.QueryEscape(fmt.Sprintf("drain %d", i)))
			if err != nil {
				results <- fmt.Errorf("query %d: no answer: %v", i, err)
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode == 200 {
				var r schemas.SearchResponse
				if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.OrganicResults) == 0 {
					results <- fmt.Errorf("query %d: 200 without results (%v)", i, err)
					return
				}
				results <- nil
				return
			}
			var p schemas.Error
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.Kind == "" {
				results <- fmt.Errorf("query %d: status %d without a typed error", i, resp.StatusCode)
				return
			}
			results <- nil
		}()
	}
	// Beside them, clients that keep sending on keep-alive connections: each request they
	// start before the signal must be answered too; after it they may be refused.
	var signalledAt atomicTime
	var loops sync.WaitGroup
	loopErrs := make(chan error, 64)
	for w := range 4 {
		loops.Add(1)
		go func() {
			defer loops.Done()
			for i := 0; ; i++ {
				sent := time.Now()
				resp, err := client.Get(base + "/v1/search?q=" + url.QueryEscape(fmt.Sprintf("loop %d %d", w, i)))
				if err == nil {
					resp.Body.Close()
				}
				sig, ok := signalledAt.get()
				if err != nil || resp.StatusCode >= 500 && resp.StatusCode != 503 && resp.StatusCode != 504 {
					if !ok || sent.Before(sig) {
						loopErrs <- fmt.Errorf("worker %d request %d sent before the signal: %v", w, i, err)
					}
					return
				}
				if ok && sent.After(sig.Add(5*time.Second)) {
					return
				}
			}
		}()
	}
	// Every request is in flight once the engine has seen it (it holds each for 400 ms).
	testkit.Eventually(t, 20*time.Second, func() bool { return engine.Requests() >= n }, "%d requests at the engine", n)
	signalled := time.Now()
	signalledAt.set(signalled)
	cmd.Process.Signal(syscall.SIGTERM)
	for range n {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
	loops.Wait()
	close(loopErrs)
	for err := range loopErrs {
		t.Error(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("trawl serve exited with %v after SIGTERM; stderr:\n%s", err, stderr.String())
		}
		t.Logf("exited %v after SIGTERM", time.Since(signalled))
	case <-time.After(20 * time.Second):
		t.Fatalf("trawl serve did not exit within the drain bound; stderr:\n%s", stderr.String())
	}
}

type atomicTime struct {
	mu sync.Mutex
	t  time.Time
}

func (a *atomicTime) set(t time.Time) { a.mu.Lock(); a.t = t; a.mu.Unlock() }

func (a *atomicTime) get() (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.t, !a.t.IsZero()
}
