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

// A clone's build is named as Go names an untagged commit; without a commit it is "devel".
func TestPseudoVersion(t *testing.T) {
	for _, tc := range []struct {
		i    Info
		want string
	}{
		{Info{Commit: "da0dc29f7aac266206265e60015ec2b3f6f24a13", Time: "2026-12-02T10:28:39Z"}, "v0.0.0-20261202102839-da0dc29f7aac"},
		{Info{Commit: "da0dc29f7aac266206265e60015ec2b3f6f24a13", Time: "2026-12-02T10:28:39Z", Modified: true}, "v0.0.0-20261202102839-da0dc29f7aac+dirty"},
		{Info{Commit: "da0dc29f7aac", Time: ""}, "devel"},
		{Info{}, "devel"},
	} {
		if got := pseudo(tc.i); got != tc.want {
			t.Errorf("pseudo(%+v) = %q, want %q", tc.i, got, tc.want)
		}
	}
}
