//go:build unix

package embedded

import (
	"os"
	"path/filepath"
	"syscall"
)

// lockStore takes the store's lock for the life of the process. The lock file is locked under
// a name no reaper looks at, then renamed into place (the lock stays with the file): a reaper
// never finds the lock file unlocked while its owner is still on its way to lock it.
func lockStore(dir string) (unlock func(), err error) {
	tmp := filepath.Join(dir, storeLockName+".new")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, storeLockName)); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// abandoned reports whether dir is a store whose lock no process holds.
func abandoned(dir string) bool {
	f, err := os.Open(filepath.Join(dir, storeLockName))
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
