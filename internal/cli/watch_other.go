//go:build !unix

package cli

// hangups: there is no SIGHUP here; the configuration is reloaded when its
// files change.
func hangups() (reload <-chan struct{}, stop func()) { return nil, func() {} }
