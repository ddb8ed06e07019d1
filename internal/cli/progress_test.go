package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ferry run shows how far a file larger than 8 MiB is: plain lines at every
// tenth when standard error is not a terminal, a progress bar (bytes and
// records) when it is. Small files get neither.
func TestRunProgress(t *testing.T) {
	data, rows := bigArtikel(t, 9<<20)
	for _, tc := range []struct {
		name     string
		terminal bool
		want     []string
	}{
		{"plain lines", false, []string{
			`(?m)^ferry: big\.csv \(artikel-to-products\): reading 9\.0 MiB$`,
			`(?m)^ferry: big\.csv: 10% \([0-9.]+ MiB of 9\.0 MiB, [0-9]+ records(, [0-9]+ records/s)?\)$`,
			`(?m)^ferry: big\.csv: 50% \(`,
			`(?m)^ferry: big\.csv: 100% \(9\.0 MiB of 9\.0 MiB, `,
		}},
		{"bar", true, []string{`big\.csv`, `[0-9.]+/9\.4 MB`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyTree(t)
			inbox := filepath.Join(dir, "inbox", "sage", "artikel")
			writeFile(t, filepath.Join(inbox, "big.csv"), data)
			var out, errb bytes.Buffer
			c := New(nil, &out, &errb)
			c.IsTerminal = func(io.Writer) bool { return tc.terminal }
			if code := c.Run(context.Background(), []string{"run", "--settle", "0", "--config", filepath.Join(dir, "ferry.yaml")}); code != ExitOK {
				t.Fatalf("exit %d\n%s%s", code, &out, &errb)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(w).MatchString(errb.String()) {
					t.Errorf("stderr lacks %s:\n%s", w, &errb)
				}
			}
			if strings.Contains(errb.String(), "artikel.csv") {
				t.Errorf("progress for the small artikel.csv:\n%s", &errb)
			}
			if !strings.Contains(out.String(), "done       artikel-to-products  big.csv: "+itoa(int64(rows))+" in, "+itoa(int64(rows))+" out") {
				t.Errorf("stdout:\n%s", &out)
			}
			if _, err := os.Stat(filepath.Join(dir, "outbox", "smartstore", "products", "big-products.csv")); err != nil {
				t.Error(err)
			}
		})
	}
}

// bigArtikel returns an artikel CSV (Windows-1252, the example's columns)
// of at least size bytes: the example's first article over and over with
// its own article number per row. The pipeline keeps every row.
func bigArtikel(t *testing.T, size int) (data []byte, rows int) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "samples", "example", "inbox", "sage", "artikel", "artikel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(src, []byte("\r\n"))
	if len(lines) < 2 || !bytes.HasPrefix(lines[1], []byte("000815;")) {
		t.Fatal("the example's artikel.csv does not start with article 000815")
	}
	var b bytes.Buffer
	b.Write(lines[0])
	rest := lines[1][len("000815"):]
	for b.Len() < size {
		rows++
		b.WriteString(padNumber(rows))
		b.Write(rest)
	}
	return b.Bytes(), rows
}

// padNumber writes n with 8 digits.
func padNumber(n int) string {
	s := []byte("00000000")
	for i := len(s) - 1; n > 0 && i >= 0; i-- {
		s[i] = byte('0' + n%10)
		n /= 10
	}
	return string(s)
}
