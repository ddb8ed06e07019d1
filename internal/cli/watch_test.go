package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf is a bytes.Buffer safe for the log's writers and the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool, log *syncBuf) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not in time; log:\n%s", what, log)
		}
		<-tick.C
	}
}

// copyTree copies the example project into a temp folder with a short
// settle time.
func copyTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("..", "..", "samples", "example"))); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dst, "ferry.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "timezone:", "settle: 20ms\ntimezone:", 1))
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// ferry watch processes the example's file, takes a configuration edit
// from the next file on, and exits 0 when its context ends.
func TestWatchCommand(t *testing.T) {
	dir := copyTree(t)
	var stdout, stderr syncBuf
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- New(nil, &stdout, &stderr).Run(ctx, []string{"watch", "--config", filepath.Join(dir, "ferry.yaml")})
	}()
	out := filepath.Join(dir, "outbox", "smartstore", "products")
	eventually(t, "artikel.csv processed", func() bool { return exists(filepath.Join(out, "artikel-products.csv")) }, &stderr)
	eventually(t, "its log line", func() bool {
		return strings.Contains(stderr.String(), "level=INFO msg=done pipeline=artikel-to-products file=artikel.csv records_in=14 records_out=6 rejected=0 duration=")
	}, &stderr)

	pf := filepath.Join(dir, "pipelines", "artikel-to-products.yaml")
	b, err := os.ReadFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pf, bytes.Replace(b, []byte("-products.csv"), []byte("-produkte.csv"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "reload", func() bool { return strings.Contains(stderr.String(), `msg="configuration reloaded"`) }, &stderr)
	input, err := os.ReadFile(filepath.Join("..", "..", "samples", "example", "inbox", "sage", "artikel", "artikel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	input = append(input, input[bytes.IndexByte(input, '\n')+1:]...) // new content: not a duplicate
	if err := os.WriteFile(filepath.Join(dir, "inbox", "sage", "artikel", "zwei.csv"), input, 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "zwei.csv processed with the new configuration", func() bool { return exists(filepath.Join(out, "zwei-produkte.csv")) }, &stderr)

	cancel()
	select {
	case c := <-code:
		if c != ExitOK {
			t.Errorf("exit code %d; stderr:\n%s", c, &stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ferry watch did not stop")
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("stderr:\n%s", &stderr)
	}
}
