//go:build windows

package inbox

import (
	"errors"
	"syscall"
)

// Windows error codes a rename gets while another process holds the file.
const (
	errorAccessDenied     syscall.Errno = 5
	errorSharingViolation syscall.Errno = 32
	errorLockViolation    syscall.Errno = 33
)

// osBusy reports whether a failed rename means another program still holds
// the file open: Windows refuses to move a file opened without
// FILE_SHARE_DELETE (an upload or a copy in progress, Excel, a virus
// scanner). Access denied is included because Windows also reports it for
// files in the middle of being deleted or replaced.
func osBusy(err error) bool {
	return errors.Is(err, errorAccessDenied) || errors.Is(err, errorSharingViolation) || errors.Is(err, errorLockViolation)
}
