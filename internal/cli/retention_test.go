package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ferry run deletes archive folders older than archive_keep and says so;
// the day's own archive folder and the error folder stay.
func TestRunArchiveRetention(t *testing.T) {
	dir := copyTree(t)
	cfg := filepath.Join(dir, "ferry.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfg, append(b, "archive_keep: 30d\n"...))
	old := filepath.Join(dir, "archive", "artikel-to-products", "2026-10-28")
	kept := filepath.Join(dir, "archive", "artikel-to-products", "2026-10-29")
	errOld := filepath.Join(dir, "error", "artikel-to-products", "2020-01-01")
	for _, d := range []string{old, kept, errOld} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(d, "artikel.csv"), []byte("x"))
	}
	var out, errb bytes.Buffer
	c := New(nil, &out, &errb)
	// A running clock: the inbox sees files settle by its time.
	t0 := time.Now()
	c.Now = func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).Add(time.Since(t0)) }
	if code := c.Run(context.Background(), []string{"run", "--settle", "0", "--config", cfg}); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, &out, &errb)
	}
	if want := "deleted    archive/artikel-to-products/2026-10-28 (archived more than 30 days ago; archive_keep)\n"; !strings.Contains(out.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, &out)
	}
	for _, d := range []struct {
		path string
		want bool
	}{{old, false}, {kept, true}, {errOld, true}, {filepath.Join(dir, "archive", "artikel-to-products", "2026-11-28", "artikel.csv"), true}} {
		if exists(d.path) != d.want {
			t.Errorf("%s: exists %v, want %v", d.path, !d.want, d.want)
		}
	}
}
