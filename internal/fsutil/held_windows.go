//go:build windows

package fsutil

import (
	"errors"
	"syscall"
)

// Windows error codes a rename or open gets while another process holds
// the file.
const (
	errorAccessDenied     syscall.Errno = 5
	errorSharingViolation syscall.Errno = 32
	errorLockViolation    syscall.Errno = 33
)

// HeldOpen reports whether err means another program holds the file open:
// Windows refuses to move or replace a file opened without
// FILE_SHARE_DELETE (an upload or copy in progress, Excel, a virus scanner,
// the importer). Access denied is included because Windows also reports it
// for a file in the middle of being deleted or replaced; the caller retries
// for a while, so a genuine permission problem still surfaces.
func HeldOpen(err error) bool {
	return errors.Is(err, errorAccessDenied) || errors.Is(err, errorSharingViolation) || errors.Is(err, errorLockViolation)
}
