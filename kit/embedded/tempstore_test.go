//go:build unix

package embedded

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/kit/logging"
)

// TestTempStoreOfAKilledProcessIsReaped: a process killed with SIGKILL leaves its temporary
// store behind; the next one removes it, and never a store whose process is alive, nor a
// directory it cannot judge.
func TestTempStoreOfAKilledProcessIsReaped(t *testing.T) {
	root := t.TempDir()
	t.Setenv("TMPDIR", root)

	// A child process makes a store, says where, and is killed while it holds it.
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "TRAWL_TEST_TEMPSTORE_CHILD=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // held open: the child waits on it
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	dead := strings.TrimSpace(strings.TrimPrefix(line, "store "))
	if filepath.Dir(dead) != root {
		t.Fatalf("child's store %q is not under %s", dead, root)
	}
	// While the child lives its store is not touched.
	reapTempStores(root, logging.Discard())
	if _, err := os.Stat(dead); err != nil {
		t.Fatalf("a live process's store was removed: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()

	// A directory being made (no lock file yet) is left alone.
	making := filepath.Join(root, "trawl-js-making")
	if err := os.Mkdir(making, 0o700); err != nil {
		t.Fatal(err)
	}

	live, release, err := newTempStore(logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Fatalf("the killed process's store %s is still there (err %v)", dead, err)
	}
	if _, err := os.Stat(making); err != nil {
		t.Fatalf("a store without its lock file was removed: %v", err)
	}
	// A second process does not take the first one's store.
	reapTempStores(root, logging.Discard())
	if _, err := os.Stat(live); err != nil {
		t.Fatalf("a live store was removed: %v", err)
	}
	release()
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Fatalf("release left %s (err %v)", live, err)
	}
}

// TestMain runs the child of TestTempStoreOfAKilledProcessIsReaped when asked to: it makes a
// store, says where, and holds it until killed (it reads a stdin that never ends).
func TestMain(m *testing.M) {
	if os.Getenv("TRAWL_TEST_TEMPSTORE_CHILD") == "1" {
		dir, _, err := newTempStore(logging.Discard())
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("store " + dir + "\n")
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
