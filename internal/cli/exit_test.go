package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := New(strings.NewReader(stdin), &out, &errb)
	code = c.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "a.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("x;y\r\n1;2\r\n"), 0o644)
	os.WriteFile(bad, []byte("x;y\r\n1;2;3\r\n"), 0o644)
	out := filepath.Join(dir, "out.json")
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"success", []string{"convert", "-q", good, out}, ExitOK},
		{"bad data", []string{"convert", "-q", bad, out}, ExitFailed},
		{"missing input", []string{"convert", "-q", filepath.Join(dir, "nope.csv"), out}, ExitFailed},
		{"unknown flag", []string{"convert", "--nope", good, out}, ExitUsage},
		{"unknown command", []string{"frobnicate"}, ExitUsage},
		{"unknown format", []string{"convert", "--to", "pdf", good, out}, ExitUsage},
		{"bad on-error", []string{"convert", "--on-error", "maybe", good, out}, ExitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, _, stderr := run(t, "", c.args...); code != c.want {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.want, stderr)
			}
		})
	}
}

func TestConvertStdinToStdout(t *testing.T) {
	code, stdout, stderr := run(t, "Sku;Preis\n000815;8,30\n", "convert", "--from", "csv", "--to", "jsonl", "-", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := `{"Sku":"000815","Preis":"8,30"}` + "\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
}

func TestConvertInterrupted(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "a.csv")
	os.WriteFile(in, []byte("x\n1\n"), 0o644)
	out := filepath.Join(dir, "out.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var o, e bytes.Buffer
	if code := New(strings.NewReader(""), &o, &e).Run(ctx, []string{"convert", in, out}); code != ExitFailed {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output exists after an interrupted conversion: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("folder holds %d entries, want only the input (no temp file)", len(ents))
	}
}
