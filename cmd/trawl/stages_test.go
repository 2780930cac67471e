package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// stageNames are the stages that have a binary of their own (services/<name>/cmd/trawl-<name>).
var stageNames = []string{"ingress", "cache", "fetcher", "parser"}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// TestMain removes the binaries built for the run, so no run leaves them in the temporary
// directory.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// stageBinaries builds trawl and the four stage binaries once per test run, with -race: the
// suite runs under it, so every package is already built that way and the five binaries
// only link (without it, every dependency compiled a second time).
func stageBinaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "trawl-bin-")
		if buildErr != nil {
			return
		}
		root, _ := filepath.Abs("../..")
		// One go build for all five: the packages they share compile once.
		// The link stamps a known build (firsthour_test.go); it changes no compiled package.
		ldflags := "-X github.com/trawl-dev/trawl/kit/version.Version=v0.0.0-test -X github.com/trawl-dev/trawl/kit/version.Commit=" + testCommit
		args := []string{"build", "-race", "-ldflags", ldflags, "-o", binDir + "/", "./cmd/trawl"}
		for _, st := range stageNames {
			args = append(args, "./services/"+st+"/cmd/trawl-"+st)
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building the binaries: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// proc is a stage process; its log is kept for the failure report.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   *sync.Mutex
	done chan error
}

func startProc(t *testing.T, bin, name string, env ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin), log: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { p.done <- p.cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			p.mu.Lock()
			t.Logf("--- %s log:\n%s", name, p.log.String())
			p.mu.Unlock()
		}
	})
	return p
}

// stop sends SIGTERM and expects a clean exit within the drain time.
func (p *proc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM", p.name, err)
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("%s did not stop within 20s of SIGTERM", p.name)
	}
}

// startShippedNATS runs a JetStream server with the accounts shipped for compose and
// Kubernetes (deploy/nats/accounts.conf), each user's password from its variable as there.
func startShippedNATS(t *testing.T) (*server.Server, map[string]string) {
	t.Helper()
	passwords := map[string]string{}
	for _, u := range natsauth.Users() {
		passwords[u] = rand.Text()
		t.Setenv(natsauth.EnvPasswordVar(u), passwords[u])
	}
	opts, err := server.ProcessConfigFile("../../deploy/nats/accounts.conf")
	if err != nil {
		t.Fatalf("deploy/nats/accounts.conf: %v", err)
	}
	return testkit.StartNATSWith(t, opts), passwords
}

// metric sums the samples of a counter whose labels contain every given label pair.
func metric(t *testing.T, opsAddr, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + opsAddr + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", opsAddr, err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if !ok {
			continue
		}
		f := strings.Fields(line)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		sum += v
	}
	return sum
}

// TestStagesAsProcesses runs each stage as its own binary on one NATS server, with two
// fetchers, and checks a batch of distinct queries is answered and spread across both.
func TestStagesAsProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the stage binaries; skipped in -short")
	}
	bin := stageBinaries(t)
	ns, passwords := startShippedNATS(t)
	sc := sim.DefaultConfig()
	sc.Latency = 50 * time.Millisecond
	engine := testkit.StartSim(t, sc)
	common := []string{"TRAWL_NATS_URL=" + ns.ClientURL(), "TRAWL_LOG_LEVEL=warn"}
	// Each stage gets its own password only, as deploy/ gives them.
	as := func(user string) []string {
		return append(common, natsauth.EnvPasswordVar(user)+"="+passwords[user])
	}
	ops := func() string { return "TRAWL_OPS_ADDR=127.0.0.1:" + strconv.Itoa(testkit.FreePort(t)) }
	startProc(t, filepath.Join(bin, "trawl-parser"), "parser", append(as(natsauth.UserParser), ops())...)
	var fetcherOps []string
	for i := range 2 {
		o := ops()
		fetcherOps = append(fetcherOps, strings.TrimPrefix(o, "TRAWL_OPS_ADDR="))
		startProc(t, filepath.Join(bin, "trawl-fetcher"), fmt.Sprintf("fetcher-%d", i),
			append(as(natsauth.UserFetcher), o, "TRAWL_ENGINE_URLS=duckduckgo="+engine.URL(), "TRAWL_FETCH_CONCURRENCY=4")...)
	}
	startProc(t, filepath.Join(bin, "trawl-cache"), "cache", append(as(natsauth.UserCache), ops())...)
	httpAddr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	startProc(t, filepath.Join(bin, "trawl-ingress"), "ingress", append(as(natsauth.UserIngress), "TRAWL_HTTP_ADDR="+httpAddr)...)

	base := "http://" + httpAddr
	testkit.Eventually(t, 30*time.Second, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, "ingress /readyz")
	// Both fetchers must be attached before the batch, or one could take every job.
	testkit.Eventually(t, 30*time.Second, func() bool {
		for _, o := range fetcherOps {
			if resp, err := http.Get("http://" + o + "/readyz"); err != nil || resp.StatusCode != 200 {
				return false
			}
		}
		return true
	}, "fetchers ready")

	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(base + "/v1/search?q=" + url.QueryEscape(fmt.Sprintf("distinct query %d", i)))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var r schemas.SearchResponse
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 || len(r.OrganicResults) < 10 {
				errs <- fmt.Errorf("query %d: status %d, %d results, %v", i, resp.StatusCode, len(r.OrganicResults), err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var total float64
	for i, o := range fetcherOps {
		got := metric(t, o, "trawl_fetcher_jobs_total", `outcome="ok"`)
		if got == 0 {
			t.Errorf("fetcher %d did no job: the work queue did not spread", i)
		}
		total += got
	}
	if total != n {
		t.Errorf("fetchers did %v jobs in all, want %d (one per distinct query)", total, n)
	}
	if got := engine.Requests(); got != n {
		t.Errorf("engine saw %d requests, want %d", got, n)
	}
	// With the shipped accounts nobody gets in without a password, and a stage's password
	// does not open another stage's subjects.
	if nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Error("an anonymous connection was accepted")
	}
	violations := make(chan error, 4)
	nc, err := nats.Connect(ns.ClientURL(), nats.UserInfo(natsauth.UserIngress, passwords[natsauth.UserIngress]),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Publish(schemas.ResultSubject("forged"), []byte("{}"))
	nc.Flush()
	select {
	case err := <-violations:
		if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Errorf("ingress publishing a result: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the ingress's user published a result")
	}
}
