package inbox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-sync/ferry/internal/inbox"
)

// BenchmarkScan measures one Scan of a real folder of 1,000 settled files
// that were already returned (the steady state of a busy inbox).
func BenchmarkScan(b *testing.B) {
	dir := b.TempDir()
	for i := range 1000 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d.csv", i)), []byte("x"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	s, err := inbox.New(inbox.Config{Dir: dir, Match: []string{"*.csv"}, Settle: 1}, inbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s.Scan(ctx)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Scan(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
