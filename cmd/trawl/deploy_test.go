package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestComposeFileValid checks docker-compose.yml with docker-compose's own validator; no
// Docker engine is needed for `config`.
func TestComposeFileValid(t *testing.T) {
	if _, err := exec.LookPath("docker-compose"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("docker-compose not on PATH (scripts/test installs it)")
		}
		t.Skip("docker-compose not on PATH; scripts/test installs it")
	}
	root, _ := filepath.Abs("../..")
	out, err := exec.Command("docker-compose", "-f", filepath.Join(root, "docker-compose.yml"), "config", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, out)
	}
}
