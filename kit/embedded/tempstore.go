package embedded

import (
	"log/slog"
	"os"
	"path/filepath"
)

// A temporary store (no --nats-store-dir) is removed when the process stops, but a process
// that is killed (SIGKILL, the OOM killer, a lost machine) cannot, and its store (the archive
// on disk among it) would stay in the temporary directory for good, one more for every crash.
// So each temporary store holds a lock for as long as its process lives (lockStore: an flock,
// which the kernel drops with the process, so a reused pid cannot fool it), and every
// trawl serve that makes a new one first removes those whose lock nobody holds.
const (
	tempStorePattern = "trawl-js-*"
	storeLockName    = "trawl.lock"
)

// newTempStore makes a temporary store directory, locked for the life of this process, after
// removing the ones left by processes that died. release unlocks and removes it.
func newTempStore(log *slog.Logger) (dir string, release func(), err error) {
	reapTempStores(os.TempDir(), log)
	dir, err = os.MkdirTemp("", tempStorePattern)
	if err != nil {
		return "", nil, err
	}
	unlock, err := lockStore(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { unlock(); os.RemoveAll(dir) }, nil
}

// reapTempStores removes the temporary stores under root whose process is gone. A directory
// without a lock file is left alone: it is being made right now, or it is not ours to judge.
func reapTempStores(root string, log *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(root, tempStorePattern))
	for _, d := range dirs {
		if abandoned(d) {
			if err := os.RemoveAll(d); err != nil {
				log.Warn("left over temporary store not removed", "dir", d, "err", err)
				continue
			}
			log.Info("removed the temporary store of a process that did not stop cleanly", "dir", d)
		}
	}
}
