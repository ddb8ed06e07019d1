//go:build !windows

package inbox

// osBusy reports whether a failed rename means another program still holds
// the file open. Outside Windows an open file can be renamed, so never.
func osBusy(error) bool { return false }
