package transform

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/formats"
)

const assignPipeline = `name: kunden
input: {inbox: in, format: csv}
tables:
  kundennummern: {file: lookups/kundennummern.csv, key: [CustomerId]}
steps:
  - assign:
      table: kundennummern
      key: CustomerId
      into: Kundennummer
      range: {from: 10000, to: 10002}
      new_flag: Neu
outputs:
  - {outbox: out, name: out.csv, format: csv, options: {line_ending: lf}}
`

// runAssign runs p on input and, like a commit would, writes the table
// file the run produced back to disk. It returns the output and the error.
func runAssign(t *testing.T, p *Pipeline, input string, opt RunOptions) (string, error) {
	t.Helper()
	f, _ := formats.Builtin().Lookup("csv")
	rd, err := formats.NewTextReader(f, strings.NewReader(input), "kunden.csv", "utf-8", p.Config.Input.FormatOpts)
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	_, err = p.Run(context.Background(), rd, Source{Path: "kunden.csv"}, sink, opt)
	if err != nil {
		return "", err
	}
	if b := sink.files["lookups/kundennummern.csv"]; b != nil {
		path := filepath.Join(p.Config.Dir, "lookups", "kundennummern.csv")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		// a new mtime, as a rename would give
		later := time.Now().Add(time.Duration(len(b.Bytes())) * time.Second)
		os.Chtimes(path, later, later)
	}
	if out := sink.files["out/out.csv"]; out != nil {
		return out.String(), nil
	}
	return "", nil
}

func tableText(t *testing.T, p *Pipeline) string {
	b, err := os.ReadFile(filepath.Join(p.Config.Dir, "lookups", "kundennummern.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The next run sees the numbers an earlier run gave out, and continues
// after them; a key keeps its number across runs.
func TestAssignAcrossRuns(t *testing.T) {
	p := mustCompile(t, map[string]string{"p.yaml": assignPipeline, "lookups/kundennummern.csv": "CustomerId;Kundennummer\r\n871;10000\r\n"})
	out, err := runAssign(t, p, "CustomerId;Name\n902;Bernd\n871;Anna\n902;Bernd\n", RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "CustomerId;Name;Kundennummer;Neu\n902;Bernd;10001;true\n871;Anna;10000;false\n902;Bernd;10001;true\n"; out != want {
		t.Errorf("first run:\n%s\nwant:\n%s", out, want)
	}
	// The table keeps its CRLF line ends.
	if got, want := tableText(t, p), "CustomerId;Kundennummer\r\n871;10000\r\n902;10001\r\n"; got != want {
		t.Errorf("table after the first run: %q, want %q", got, want)
	}
	out, err = runAssign(t, p, "CustomerId;Name\n902;Bernd\n77;Carla\n", RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "CustomerId;Name;Kundennummer;Neu\n902;Bernd;10001;false\n77;Carla;10002;true\n"; out != want {
		t.Errorf("second run:\n%s\nwant:\n%s", out, want)
	}
	// The range 10000–10002 is used up now.
	_, err = runAssign(t, p, "CustomerId;Name\n5;Dora\n", RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `kunden.csv:2:1: field "CustomerId": no number left for "5": the range 10000–10002 of lookup table "kundennummern" (lookups/kundennummern.csv) is used up`) {
		t.Errorf("err = %v", err)
	}
}

// A preview gives numbers but keeps nothing.
func TestAssignPreviewKeepsNothing(t *testing.T) {
	p := mustCompile(t, map[string]string{"p.yaml": assignPipeline, "lookups/kundennummern.csv": "CustomerId;Kundennummer\n871;10000\n"})
	var got []string
	_, err := runAssign(t, p, "CustomerId;Name\n902;Bernd\n", RunOptions{Output: func(_ int, _ string, r *formats.Record) error {
		got = append(got, r.Text("Kundennummer"))
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "10001" || tableText(t, p) != "CustomerId;Kundennummer\n871;10000\n" {
		t.Errorf("got %v, table %q", got, tableText(t, p))
	}
}

// A table in Windows-1252 gets its new rows in Windows-1252; an empty
// key is a record error.
func TestAssignCharsetAndEmptyKey(t *testing.T) {
	yaml := strings.Replace(assignPipeline, "key: CustomerId\n", "key: Email\n", 1)
	yaml = strings.Replace(yaml, "key: [CustomerId]", "key: [Email], encoding: windows-1252", 1)
	p := mustCompile(t, map[string]string{"p.yaml": yaml, "lookups/kundennummern.csv": "Email;Kundennummer\nj\xfcrgen@example.de;10000\n"})
	if _, err := runAssign(t, p, "Email;Name\nbörje@example.se;Börje\n", RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := tableText(t, p); got != "Email;Kundennummer\nj\xfcrgen@example.de;10000\nb\xf6rje@example.se;10001\n" {
		t.Errorf("table: %q", got)
	}
	_, err := runAssign(t, p, "Email;Name\n;Niemand\n", RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `kunden.csv:2:1: field "Email": the key for a number from lookup table "kundennummern" (lookups/kundennummern.csv) is empty`) {
		t.Errorf("err = %v", err)
	}
}

// A table that somebody edits while a run gives out numbers is not
// overwritten: the run fails and says why.
func TestAssignTableChangedDuringRun(t *testing.T) {
	p := mustCompile(t, map[string]string{"p.yaml": assignPipeline, "lookups/kundennummern.csv": "CustomerId;Kundennummer\n871;10000\n"})
	path := filepath.Join(p.Config.Dir, "lookups", "kundennummern.csv")
	f, _ := formats.Builtin().Lookup("csv")
	rd, _ := formats.NewTextReader(f, strings.NewReader("CustomerId;Name\n902;Bernd\n"), "kunden.csv", "utf-8", p.Config.Input.FormatOpts)
	edited := &editingReader{Reader: rd, edit: func() {
		os.WriteFile(path, []byte("CustomerId;Kundennummer\n871;10000\n5;10001\n"), 0o644)
	}}
	sink := &memSink{}
	_, err := p.Run(context.Background(), edited, Source{Path: "kunden.csv"}, sink, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "was changed while kunden.csv was being processed, so its new numbers were not saved") {
		t.Fatalf("err = %v", err)
	}
	if sink.files["lookups/kundennummern.csv"] != nil {
		t.Error("the table was written")
	}
}

// editingReader calls edit when the input is used up.
type editingReader struct {
	formats.Reader
	edit func()
}

func (e *editingReader) Read() (*formats.Record, error) {
	r, err := e.Reader.Read()
	if err != nil && e.edit != nil {
		e.edit()
		e.edit = nil
	}
	return r, err
}

func TestAssignConfigErrors(t *testing.T) {
	base := "CustomerId;Kundennummer\n871;10000\n"
	cases := []struct{ name, yaml, table, want string }{
		{"undeclared", strings.Replace(assignPipeline, "table: kundennummern\n", "table: nummern\n", 1), base, `there is no lookup table "nummern"`},
		{"three columns", assignPipeline, "CustomerId;Kundennummer;Name\n871;10000;Anna\n", "must have exactly two columns, the key and Kundennummer"},
		{"no number column", strings.Replace(assignPipeline, "into: Kundennummer", "into: Nr", 1), base, `has no column "Nr"`},
		{"empty range", strings.Replace(assignPipeline, "to: 10002", "to: 9000", 1), base, "the range 10000–9000 is empty"},
		{"bad key", strings.Replace(assignPipeline, "key: CustomerId\n", "key: CustomerId +\n", 1), base, "steps[0].assign.key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"p.yaml": c.yaml, "lookups/kundennummern.csv": c.table})
			pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
			if err == nil {
				_, err = Compile(pc, nil, testFunctions())
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// Exclusive names the table files of assign steps, also on outputs.
func TestAssignExclusive(t *testing.T) {
	p := mustCompile(t, map[string]string{"p.yaml": assignPipeline, "lookups/kundennummern.csv": "CustomerId;Kundennummer\n871;10000\n"})
	ex := p.Exclusive()
	if len(ex) != 1 || !strings.HasSuffix(filepath.ToSlash(ex[0]), "lookups/kundennummern.csv") {
		t.Errorf("Exclusive() = %v", ex)
	}
	plain := mustCompile(t, map[string]string{"p.yaml": "name: x\ninput: {inbox: in, format: csv}\noutputs:\n  - {outbox: out, name: o.csv, format: csv}\n"})
	if len(plain.Exclusive()) != 0 {
		t.Errorf("a pipeline without assign: %v", plain.Exclusive())
	}
}

// TestAssignRejectedAsRead: under on_error reject, a record a later step
// refuses goes to the rejects as it was read, without the number assign
// gave it (assign changes its input in place only when it owns it).
func TestAssignRejectedAsRead(t *testing.T) {
	y := strings.Replace(assignPipeline, "input: {inbox: in, format: csv}\n", "input: {inbox: in, format: csv}\non_error: reject\n", 1)
	y = strings.Replace(y, "      new_flag: Neu\n", "      new_flag: Neu\n  - validate: {rules: [{check: 'CustomerId != \"b\"', field: CustomerId, message: nein}]}\n", 1)
	p := mustCompile(t, map[string]string{"p.yaml": y, "lookups/kundennummern.csv": "CustomerId,Kundennummer\nz,10000\n"})
	var got []string
	out, err := runAssign(t, p, "CustomerId,Name\na,A\nb,B\n", RunOptions{Rejected: func(r *formats.Record, _ error) {
		got = append(got, dumpRecord(t, r))
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0], `"b"`) || strings.Contains(got[0], "Kundennummer") || strings.Contains(got[0], "Neu") {
		t.Errorf("rejected %q, want record b as read", got)
	}
	if !strings.Contains(out, "a;A;10001;true") {
		t.Errorf("output:\n%s", out)
	}
}
