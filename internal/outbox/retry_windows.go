//go:build windows

package outbox

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

// retryable reports whether a failed rename is worth retrying: Windows
// refuses to replace or move a file that another process holds open.
func retryable(err error) bool {
	return errors.Is(err, errorAccessDenied) || errors.Is(err, errorSharingViolation) || errors.Is(err, errorLockViolation)
}
