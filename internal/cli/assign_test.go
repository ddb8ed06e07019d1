package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Several files whose new customers get numbers from one table, run by
// four workers: every customer gets one number, no number is given twice,
// and every output carries the number the table keeps.
func TestAssignWithParallelWorkers(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ferry.yaml": "version: 1\nworkers: 4\ntables:\n  kundennummern: {file: lookups/kundennummern.csv, key: [CustomerId]}\n",
		"pipelines/kunden.yaml": `name: kunden
input: {inbox: inbox, format: csv}
steps:
  - assign: {table: kundennummern, key: CustomerId, into: Kundennummer, range: {from: 10000, to: 19999}}
outputs:
  - {outbox: outbox, name: "${input.stem}.csv", format: csv, options: {line_ending: lf}}
`,
		"lookups/kundennummern.csv": "CustomerId;Kundennummer\n1;10000\n",
	}
	for i := 0; i < 8; i++ {
		var b strings.Builder
		b.WriteString("CustomerId;Name\n1;Stammkunde\n")
		for k := 0; k < 3; k++ {
			fmt.Fprintf(&b, "%d;Kunde %d-%d\n", 100+i*10+k, i, k)
		}
		files[fmt.Sprintf("inbox/k%d.csv", i)] = b.String()
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := run(t, "", "run", "--settle", "0", "--config", filepath.Join(dir, "ferry.yaml"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	table, err := os.ReadFile(filepath.Join(dir, "lookups", "kundennummern.csv"))
	if err != nil {
		t.Fatal(err)
	}
	byCustomer, byNumber := map[string]string{}, map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(table)), "\n")[1:] {
		c, n, _ := strings.Cut(line, ";")
		if other, ok := byNumber[n]; ok {
			t.Errorf("number %s given to customers %s and %s", n, other, c)
		}
		if _, ok := byCustomer[c]; ok {
			t.Errorf("customer %s has two rows", c)
		}
		byCustomer[c], byNumber[n] = n, c
	}
	if len(byCustomer) != 1+8*3 {
		t.Errorf("the table has %d customers, want %d:\n%s", len(byCustomer), 1+8*3, table)
	}
	for i := 0; i < 8; i++ {
		out, err := os.ReadFile(filepath.Join(dir, "outbox", fmt.Sprintf("k%d.csv", i)))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n")[1:] {
			f := strings.Split(line, ";")
			if byCustomer[f[0]] != f[2] {
				t.Errorf("k%d.csv: customer %s has %s, the table says %s", i, f[0], f[2], byCustomer[f[0]])
			}
		}
	}
}
