package store

import (
	"errors"
	"strconv"
	"testing"

	"github.com/ferry-sync/ferry/internal/inbox/inboxtest"
)

// TestFenceStaysBounded: a long-running watch stages many inputs; the fence
// forgets old closed ones but never an input with an open batch, nor the
// newest fenceKeep.
func TestFenceStaysBounded(t *testing.T) {
	s := NewLocal(inboxtest.New(nil))
	open, err := s.Stage(Attempt{Pipeline: "p", SHA256: "open", Number: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer open.Abort()
	n := 3 * fenceKeep
	for i := range n {
		b, err := s.Stage(Attempt{Pipeline: "p", SHA256: strconv.Itoa(i), Number: 5})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			b.Abort()
		} else if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.latest) > 2*fenceKeep {
		t.Errorf("the fence remembers %d inputs, want at most %d", len(s.latest), 2*fenceKeep)
	}
	if _, err := s.Stage(Attempt{Pipeline: "p", SHA256: "open", Number: 1}); !errors.Is(err, ErrStale) {
		t.Errorf("an input with an open batch was forgotten: %v", err)
	}
	if _, err := s.Stage(Attempt{Pipeline: "p", SHA256: strconv.Itoa(n - 1), Number: 4}); !errors.Is(err, ErrStale) {
		t.Errorf("the newest input was forgotten: %v", err)
	}
}
