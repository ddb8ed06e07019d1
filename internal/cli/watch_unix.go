//go:build unix

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// hangups delivers a reload request on every SIGHUP (coalesced) until stop
// is called.
func hangups() (reload <-chan struct{}, stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP)
	out := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sig:
				select {
				case out <- struct{}{}:
				default:
				}
			case <-done:
				return
			}
		}
	}()
	return out, func() {
		signal.Stop(sig)
		close(done)
	}
}
