//go:build !windows

package outbox

// retryable reports whether a failed rename is worth retrying. Outside
// Windows a rename is not refused because a file is open.
func retryable(error) bool { return false }
