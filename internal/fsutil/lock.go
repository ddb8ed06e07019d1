package fsutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrLocked is returned by TryLock when another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock is an exclusive lock on a file, held until Unlock or until the
// process ends: the operating system releases it when the process dies, so
// a crash (even SIGKILL) never leaves a stale lock behind.
type Lock struct {
	f *os.File
}

// TryLock takes the lock on path (created if needed) without waiting. If
// another process holds it, the error wraps ErrLocked and says who, from
// what the holder wrote into the file.
func TryLock(path string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			if who := Holder(path); who != "" {
				return nil, fmt.Errorf("%w (%s)", ErrLocked, who)
			}
			return nil, ErrLocked
		}
		return nil, err
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid %d on %s, since %s", os.Getpid(), host, time.Now().Format("02.01.2006 15:04:05"))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Holder returns what the lock's holder wrote into the file ("pid 1234 on
// host, since …"), or "".
func Holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
