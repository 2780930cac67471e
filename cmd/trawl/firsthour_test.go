package main

// The way in, as a newcomer meets it: every mistake names its cause in one line, the build says
// what it is, and a clean stop is quiet.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
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

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/testkit"
)

// testCommit is linked into the test binaries (stageBinaries), so --version and /healthz can
// be checked for the commit rather than for "unknown".
const testCommit = "0123456789abcdef0123456789abcdef01234567"

// watched is a process whose output lines are kept and can be waited for.
type watched struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	added chan struct{}
	done  chan error
}

func watch(t *testing.T, env []string, argv ...string) *watched {
	t.Helper()
	w := &watched{cmd: exec.Command(argv[0], argv[1:]...), added: make(chan struct{}, 1), done: make(chan error, 1)}
	w.cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	w.cmd.Stdout, w.cmd.Stderr = pw, pw
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
			select {
			case w.added <- struct{}{}:
			default:
			}
		}
	}()
	go func() { err := w.cmd.Wait(); pw.Close(); w.done <- err }()
	t.Cleanup(func() { w.cmd.Process.Kill() })
	return w
}

func (w *watched) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// waitLine waits for a line containing every part, failing the test after timeout.
func (w *watched) waitLine(t *testing.T, timeout time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		for _, l := range w.lines {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(l, p)
			}
			if ok {
				w.mu.Unlock()
				return l
			}
		}
		w.mu.Unlock()
		select {
		case <-w.added:
		case <-deadline.C:
			t.Fatalf("no line with %q within %v; output:\n%s", parts, timeout, w.output())
		}
	}
}

// exit waits for the process to end and returns its status.
func (w *watched) exit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-w.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatalf("still running after %v; output:\n%s", timeout, w.output())
		return -1
	}
}

func TestVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	for name, argv := range binaries(t) {
		args := []string{"--version"}
		if name == "trawl serve" {
			args = []string{"version"}
		}
		out, err := exec.Command(argv[0], args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s --version: %v\n%s", name, err, out)
		}
		if !strings.Contains(string(out), testCommit[:12]) || !strings.Contains(string(out), "v0.0.0-test") || strings.Count(string(out), "\n") != 1 {
			t.Errorf("%s --version: %q, want one line with the version and commit", name, out)
		}
	}
}

// A port another process holds stops trawl serve at once with one line naming the flag and the
// address, and leaves nothing behind in the temporary directory.
func TestPortInUseNamesTheFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	bin := stageBinaries(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().String()
	free := func() string { return "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t)) }
	for _, flag := range []string{"http-addr", "nats-listen", "ops-addr"} {
		t.Run(flag, func(t *testing.T) {
			args := map[string]string{"http-addr": free(), "nats-listen": free(), "ops-addr": free()}
			args[flag] = busy
			tmp := t.TempDir()
			w := watch(t, []string{"TMPDIR=" + tmp}, filepath.Join(bin, "trawl"), "serve",
				"--http-addr", args["http-addr"], "--nats-listen", args["nats-listen"], "--ops-addr", args["ops-addr"])
			if code := w.exit(t, 30*time.Second); code != app.ExitFailed {
				t.Fatalf("status %d, want %d; output:\n%s", code, app.ExitFailed, w.output())
			}
			w.waitLine(t, time.Second, "trawl:", "--"+flag+" "+busy, "address already in use")
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("a failed start left %d entries in TMPDIR, the first %s", len(left), left[0].Name())
			}
		})
	}
}

// An unreachable --nats-url is named in the log within 2 s, the stage keeps retrying rather
// than giving up, and connects once the server comes.
func TestUnreachableNATSIsNamedAndRetried(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	bin := stageBinaries(t)
	port := testkit.FreePort(t)
	url := "nats://127.0.0.1:" + strconv.Itoa(port)
	w := watch(t, nil, filepath.Join(bin, "trawl-cache"), "--nats-url", url)
	start := time.Now()
	line := w.waitLine(t, 2*time.Second, "nats unreachable", url)
	if !strings.Contains(line, "connection refused") {
		t.Errorf("the warning does not say why: %s", line)
	}
	t.Logf("named after %v", time.Since(start).Round(time.Millisecond))
	testkit.StartNATSWith(t, &server.Options{Port: port})
	w.waitLine(t, 30*time.Second, "cache stage started")
	w.cmd.Process.Signal(syscall.SIGTERM)
	if code := w.exit(t, 20*time.Second); code != 0 {
		t.Fatalf("status %d after SIGTERM; output:\n%s", code, w.output())
	}
}

// A clean start and stop of trawl serve: no warning or error once it stops, one msg per line,
// durations as strings, and /healthz reports the build.
func TestCleanStopIsQuiet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	bin := stageBinaries(t)
	httpAddr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	natsAddr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	w := watch(t, nil, filepath.Join(bin, "trawl"), "serve", "--http-addr", httpAddr, "--nats-listen", natsAddr)
	w.waitLine(t, 30*time.Second, "trawl ready")
	resp, err := http.Get("http://" + httpAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health map[string]any
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if health["status"] != "ok" || health["commit"] != testCommit || health["version"] != "v0.0.0-test" {
		t.Errorf("/healthz %v, want status, version and commit", health)
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	if code := w.exit(t, 30*time.Second); code != 0 {
		t.Fatalf("status %d; output:\n%s", code, w.output())
	}
	stopping := false
	for _, l := range strings.Split(w.output(), "\n") {
		if l == "" {
			continue
		}
		if err := oneMsg(l); err != nil {
			t.Errorf("%v: %s", err, l)
		}
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		if m["msg"] == "stopping" {
			stopping = true
		}
		if stopping && (m["level"] == "WARN" || m["level"] == "ERROR") {
			t.Errorf("a clean stop logged: %s", l)
		}
		if m["msg"] == "cache stage started" && m["ttl"] != "1h0m0s" {
			t.Errorf("durations are not strings: %s", l)
		}
	}
	if !stopping {
		t.Errorf("no stopping line:\n%s", w.output())
	}
}

// oneMsg fails a JSON log line that is not an object or repeats a key.
func oneMsg(line string) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(line)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		k := tok.(string)
		if seen[k] {
			return errors.New("key " + k + " twice")
		}
		seen[k] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
	}
	return nil
}

// A mistyped command or top-level flag is one line naming it and the nearest command, not the
// usage text with the error at its end; exit status 2 as for any configuration error.
func TestUnknownCommandIsOneLine(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"serv", `unknown command "serv": did you mean 'trawl serve'?`},
		{"--verison", `unknown flag "--verison": did you mean --version?`},
		{"--demo", `unknown flag "--demo": did you mean 'trawl demo'?`},
		{"xyzzy", `unknown command "xyzzy" (run 'trawl help'`},
	} {
		var stdout, stderr strings.Builder
		err := run([]string{tc.arg}, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("trawl %s: %v, want one line with %q", tc.arg, err, tc.want)
		}
		if stdout.Len()+stderr.Len() != 0 {
			t.Errorf("trawl %s printed %q %q besides the error", tc.arg, stdout.String(), stderr.String())
		}
		if !app.IsConfigError(err) {
			t.Errorf("trawl %s: %v is not a configuration error (exit 2)", tc.arg, err)
		}
	}
}
