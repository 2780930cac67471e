package webhook

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestShellRecipe runs the documented shell recipe on bodies with and without a final
// newline and checks it agrees with Sign.
func TestShellRecipe(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	dir := t.TempDir()
	for i, body := range []string{`{"a":1}`, "{\"a\":1}\n", `{"q":"caf\u00e9 \"x\" $HOME"}`} {
		if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		ts := time.Now().Unix() + int64(i)
		cmd := exec.Command("bash", "-c", ShellRecipe)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TS="+strconv.FormatInt(ts, 10), "SECRET="+string(secret))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("recipe: %v", err)
		}
		if got, want := "sha256="+strings.TrimSpace(string(out)), Sign(secret, ts, []byte(body)); got != want {
			t.Errorf("body %q: the recipe gives %s, Sign %s", body, got, want)
		}
	}
}
