package logging

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// Durations read as durations, in both formats.
func TestDurationsAreStrings(t *testing.T) {
	var b bytes.Buffer
	log, err := New(&b, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("drained", "took", 1500*time.Millisecond, "timeout", time.Hour)
	var line map[string]any
	if err := json.Unmarshal(b.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["took"] != "1.5s" || line["timeout"] != "1h0m0s" {
		t.Errorf("durations %v and %v, want \"1.5s\" and \"1h0m0s\"", line["took"], line["timeout"])
	}
	b.Reset()
	log, _ = New(&b, "info", "text")
	log.Info("drained", "took", 2*time.Second)
	if !bytes.Contains(b.Bytes(), []byte("took=2s")) {
		t.Errorf("text line %q", b.String())
	}
	if _, err := New(&b, "loud", "json"); err == nil {
		t.Error("a bad level validated")
	}
}
