package natsauth_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
)

var update = flag.Bool("update", false, "rewrite deploy/nats/accounts.conf and the copies in deploy/k8s/nats-values.yaml")

const (
	natsDir    = "../../deploy/nats"
	accounts   = natsDir + "/accounts.conf"
	runScript  = natsDir + "/run.sh"
	compose    = "../../docker-compose.yml"
	natsValues = "../../deploy/k8s/nats-values.yaml"
	// valuesIndent is how deep the files sit in nats-values.yaml (configMap.merge.data).
	valuesIndent = "      "
)

// deployConf is what deploy/nats/accounts.conf must hold: the accounts with every password a
// variable nats-server resolves from its environment.
func deployConf() string {
	return "# Generated from kit/natsauth: `go test ./kit/natsauth -update` rewrites it; edit the roles\n" +
		"# there. Passwords are variables nats-server reads from its environment, one per user.\n" +
		natsauth.Conf(func(u string) string { return "$" + natsauth.EnvPasswordVar(u) })
}

// valuesBlock finds the YAML block scalar `key: |` at valuesIndent in values and returns the
// offsets of its content.
func valuesBlock(t *testing.T, values, key string) (start, end int) {
	t.Helper()
	head := "\n" + valuesIndent + key + ": |\n"
	i := strings.Index(values, head)
	if i < 0 {
		t.Fatalf("%s has no %q under configMap.merge.data", natsValues, key)
	}
	start = i + len(head)
	end = start
	for end < len(values) {
		line, _, _ := strings.Cut(values[end:], "\n")
		if line != "" && !strings.HasPrefix(line, valuesIndent+"  ") {
			break
		}
		end += len(line) + 1
	}
	return start, min(end, len(values))
}

func indentBlock(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if strings.TrimSpace(l) != "" {
			b.WriteString(valuesIndent + "  ")
		}
		b.WriteString(l)
	}
	return b.String()
}

// The accounts of compose and Kubernetes are natsauth's: accounts.conf is generated from the
// roles, and nats-values.yaml carries it (and the start script) verbatim in the chart's
// ConfigMap, since helm cannot read a file beside the values.
func TestDeployAccountsAreNatsauths(t *testing.T) {
	want := deployConf()
	if *update {
		if err := os.WriteFile(accounts, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(accounts)
	if err != nil {
		t.Fatalf("%v (go test ./kit/natsauth -update writes it)", err)
	}
	if string(got) != want {
		t.Errorf("%s differs from natsauth.Roles (go test ./kit/natsauth -update rewrites it)", accounts)
	}

	raw, err := os.ReadFile(natsValues)
	if err != nil {
		t.Fatal(err)
	}
	values := string(raw)
	for key, file := range map[string]string{"accounts.conf": accounts, "run.sh": runScript} {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		start, end := valuesBlock(t, values, key)
		if block := indentBlock(string(content)); values[start:end] != block {
			if *update {
				values = values[:start] + block + values[end:]
				continue
			}
			t.Errorf("%s's copy of %s differs (go test ./kit/natsauth -update rewrites it)", natsValues, file)
		}
	}
	if *update && values != string(raw) {
		if err := os.WriteFile(natsValues, []byte(values), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Every password the accounts name reaches the NATS servers of compose and the chart: a user
// added to the roles without it would stop the servers at start.
func TestDeployPassesEveryPassword(t *testing.T) {
	for _, f := range []string{compose, natsValues} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range natsauth.Users() {
			if v := natsauth.EnvPasswordVar(u); !bytes.Contains(data, []byte(v)) {
				t.Errorf("%s does not pass %s", f, v)
			}
		}
	}
}

// run.sh refuses to start nats-server while a password is missing or short: nats-server would
// take an empty variable as an empty password, which anyone could log in with.
func TestRunScriptRefusesMissingPasswords(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	full := setPasswords(t)
	for _, tc := range []struct{ name, value string }{{"empty", ""}, {"short", "changeme"}} {
		t.Run(tc.name, func(t *testing.T) {
			victim := natsauth.EnvPasswordVar(natsauth.UserAdmin)
			cmd := exec.Command("sh", runScript, "--version")
			cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
			for u, pw := range full {
				if v := natsauth.EnvPasswordVar(u); v != victim {
					cmd.Env = append(cmd.Env, v+"="+pw)
				}
			}
			cmd.Env = append(cmd.Env, victim+"="+tc.value)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || !strings.Contains(string(out), victim+" is unset or shorter") {
				t.Errorf("run.sh with %s %s: %v\n%s", victim, tc.name, err, out)
			}
		})
	}
}

// setPasswords puts a fresh password for every user in the environment, as compose and the
// chart do, and returns them.
func setPasswords(t *testing.T) map[string]string {
	t.Helper()
	pw := map[string]string{}
	for _, u := range natsauth.Users() {
		pw[u] = rand.Text()
		t.Setenv(natsauth.EnvPasswordVar(u), pw[u])
	}
	return pw
}

// startDeployServer runs a server from the compose nodes' nats.conf (which includes
// accounts.conf), passwords from the environment; only what ties it to a container (ports,
// store, the cluster) is replaced.
func startDeployServer(t *testing.T) *server.Server {
	t.Helper()
	opts, err := server.ProcessConfigFile(filepath.Join(natsDir, "nats.conf"))
	if err != nil {
		t.Fatalf("nats.conf: %v", err)
	}
	if !opts.JetStream || opts.MaxPayload != 8<<20 || opts.Cluster.Name != "trawl" || opts.HTTPPort != 8222 {
		t.Errorf("nats.conf: jetstream %v, max_payload %d, cluster %q, http_port %d",
			opts.JetStream, opts.MaxPayload, opts.Cluster.Name, opts.HTTPPort)
	}
	opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", server.RANDOM_PORT, 0
	opts.Cluster = server.ClusterOpts{}
	opts.StoreDir = t.TempDir()
	opts.NoLog, opts.NoSigs = true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}

// connect connects as user, with the inbox prefix a TRAWL user is confined to.
func connect(t *testing.T, ns *server.Server, user, password string) *nats.Conn {
	t.Helper()
	opts := []nats.Option{nats.UserInfo(user, password), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})}
	if r, _ := natsauth.RoleOf(user); r.Account == natsauth.AccountTrawl {
		opts = append(opts, nats.CustomInboxPrefix(natsauth.InboxPrefix(user)))
	}
	nc, err := nats.Connect(ns.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// The shipped configuration works as the roles say, its passwords read from the environment.
func TestDeployConfigAuthorizesAsTheRoles(t *testing.T) {
	pw := setPasswords(t)
	ns := startDeployServer(t)

	for name, o := range map[string]nats.Option{
		"anonymous":      func(*nats.Options) error { return nil },
		"wrong password": nats.UserInfo(natsauth.UserIngress, "guess"),
		"empty password": nats.UserInfo(natsauth.UserAdmin, ""),
	} {
		if nc, err := nats.Connect(ns.ClientURL(), o, nats.MaxReconnects(0)); err == nil {
			nc.Close()
			t.Errorf("%s: connected", name)
		} else if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("%s: %v, want an authorization violation", name, err)
		}
	}

	// The admin sees all of TRAWL: what it receives is what the ingress was allowed to publish.
	admin := connect(t, ns, natsauth.UserAdmin, pw[natsauth.UserAdmin])
	seen, err := admin.SubscribeSync("trawl.>")
	if err != nil {
		t.Fatal(err)
	}
	admin.Flush()
	ingress := connect(t, ns, natsauth.UserIngress, pw[natsauth.UserIngress])
	ingress.Publish(schemas.ResultSubject("x"), []byte("forged"))
	ingress.Flush()
	if err := ingress.LastError(); !errors.Is(err, nats.ErrPermissionViolation) {
		t.Errorf("ingress publishing a result: %v, want a permissions violation", err)
	}
	ingress.Publish(schemas.SubjectSearch, []byte("asked"))
	ingress.Flush()
	if m, err := seen.NextMsg(5 * time.Second); err != nil || m.Subject != schemas.SubjectSearch {
		t.Errorf("after a forged result and a search, the admin saw %v (%v), want the search only", m, err)
	}

	// The client account reaches the ingress through the import, and nothing else.
	if _, err := ingress.Subscribe(schemas.SubjectClientSearch, func(m *nats.Msg) { m.Respond([]byte("answer")) }); err != nil {
		t.Fatal(err)
	}
	ingress.Flush()
	client := connect(t, ns, natsauth.UserClient, pw[natsauth.UserClient])
	if m, err := client.Request(schemas.SubjectSearch, []byte(`{"q":"x"}`), 5*time.Second); err != nil || string(m.Data) != "answer" {
		t.Errorf("client search: %v, %v", m, err)
	}
	client.Publish(schemas.SubjectFetchPrefix+"bing", nil)
	client.Flush()
	if err := client.LastError(); !errors.Is(err, nats.ErrPermissionViolation) {
		t.Errorf("client publishing a job: %v, want a permissions violation", err)
	}

	// JetStream is on in TRAWL, and a stage may ask for it.
	if m, err := connect(t, ns, natsauth.UserCache, pw[natsauth.UserCache]).Request("$JS.API.INFO", nil, 5*time.Second); err != nil || !bytes.Contains(m.Data, []byte(`"memory"`)) {
		t.Errorf("cache asking JetStream's account info: %v, %v", m, err)
	}
}
