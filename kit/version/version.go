// Package version reports which build of trawl is running: the module version and the commit
// it was built from, for --version, /healthz and the trawl_build_info metric.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Version and Commit may be set at link time (make build does):
//
//	go build -ldflags "-X github.com/trawl-dev/trawl/kit/version.Version=v1.2.3 -X github.com/trawl-dev/trawl/kit/version.Commit=abc123"
//
// Without them the Go toolchain's build information fills them in: go install and go build in
// a git clone stamp the commit; go run does not, and reports "unknown".
var (
	Version string
	Commit  string
)

// Info is the running build.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	// Modified reports a build from a working tree with uncommitted changes.
	Modified bool   `json:"modified,omitempty"`
	Time     string `json:"commit_time,omitempty"`
	Go       string `json:"go"`
}

var get = sync.OnceValue(func() Info {
	i := Info{Version: Version, Commit: Commit, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if i.Commit == "" {
					i.Commit = s.Value
				}
			case "vcs.time":
				i.Time = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if i.Version == "" {
		i.Version = pseudo(i)
	}
	if i.Commit == "" {
		i.Commit = "unknown"
	}
	return i
})

// pseudo names a build from a clone as Go names an untagged commit (v0.0.0-20261202103000-
// 1a2b3c4d5e6f), since go install in a workspace stamps the commit but leaves the module's
// version "(devel)". Without a commit (go run, or GOFLAGS=-buildvcs=false) it is "devel".
func pseudo(i Info) string {
	t, err := time.Parse(time.RFC3339, i.Time)
	if i.Commit == "" || err != nil {
		return "devel"
	}
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	v := "v0.0.0-" + t.UTC().Format("20060102150405") + "-" + c
	if i.Modified {
		v += "+dirty"
	}
	return v
}

// Get is the running build's version information.
func Get() Info { return get() }

// String is the one line --version prints: "trawl devel (commit 1a2b3c4d5e6f, 2026-12-02T05:00:00Z, modified) go1.26.0".
func (i Info) String() string {
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if i.Time != "" {
		c += ", " + i.Time
	}
	if i.Modified {
		c += ", modified"
	}
	return fmt.Sprintf("%s (commit %s) %s", i.Version, c, i.Go)
}
