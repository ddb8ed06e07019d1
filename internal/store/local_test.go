package store_test

import (
	"testing"

	"github.com/ferry-sync/ferry/internal/inbox/inboxtest"
	"github.com/ferry-sync/ferry/internal/store"
	"github.com/ferry-sync/ferry/internal/store/storetest"
)

// TestLocal runs the contract on real folders, with faults injected by
// inboxtest.Faulty over the OS.
func TestLocal(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		f := inboxtest.NewFaulty(store.OSFS{})
		return storetest.Harness{
			Store: store.NewLocal(f),
			Dir:   t.TempDir(),
			Fault: func(op, glob string, err error) {
				f.Inject(inboxtest.Fault{Op: op, Path: glob, Err: err})
			},
			ClearFaults: f.ClearFaults,
		}
	})
}

// TestLocalInMemory runs the contract on the in-memory inboxtest.FS.
func TestLocalInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		f := inboxtest.New(&inboxtest.Clock{})
		return storetest.Harness{
			Store: store.NewLocal(f),
			Dir:   t.TempDir(),
			Fault: func(op, glob string, err error) {
				f.Inject(inboxtest.Fault{Op: op, Path: glob, Err: err})
			},
			ClearFaults: f.ClearFaults,
		}
	})
}
