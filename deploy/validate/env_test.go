package validate

import (
	"flag"
	"os"
	"regexp"
	"testing"

	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/kit/natsauth"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/schemas"
)

var envName = regexp.MustCompile(`\bTRAWL_[A-Z0-9_]+\b`)

// Every TRAWL_* variable the deployment files set must be a flag some stage reads: a misspelt
// one would be ignored silently, and the setting left at its default.
func TestDeployEnvNamesAreFlags(t *testing.T) {
	known := map[string]bool{}
	fs := flag.NewFlagSet("all", flag.ContinueOnError)
	var cfg stack.Config
	cfg.RegisterFlags(fs)
	fs.VisitAll(func(f *flag.Flag) { known[config.EnvName(f.Name)] = true })
	// JetStream names share the prefix; they are not variables.
	for _, s := range []string{schemas.StreamFetch, schemas.StreamParse, schemas.StreamArchive} {
		known[s] = true
	}
	// NATS passwords are variables but never flags (kit/app.Password, kit/natsauth).
	known["TRAWL_NATS_PASSWORD"] = true
	for _, u := range natsauth.Users() {
		known[natsauth.EnvPasswordVar(u)] = true
	}

	files := []string{"../../docker-compose.yml", "../k8s/config.yaml", "../k8s/ingress.yaml",
		"../k8s/cache.yaml", "../k8s/fetcher.yaml", "../k8s/parser.yaml"}
	seen := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range envName.FindAllString(string(data), -1) {
			seen++
			if !known[name] {
				t.Errorf("%s sets %s, which no stage reads", f, name)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no TRAWL_* variable found in the deployment files")
	}
}
