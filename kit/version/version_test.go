package version

import (
	"strings"
	"testing"
)

// The line --version prints names the version, the commit and how it was built.
func TestStringNamesVersionAndCommit(t *testing.T) {
	i := Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", Go: "go1.26.0", Modified: true}
	s := i.String()
	for _, w := range []string{"v1.2.3", "commit 0123456789ab,", "modified", "go1.26.0"} {
		if !strings.Contains(s, w) {
			t.Errorf("%q lacks %q", s, w)
		}
	}
	if g := Get(); g.Version == "" || g.Commit == "" || g.Go == "" {
		t.Errorf("Get left a field empty: %+v", g)
	}
}
