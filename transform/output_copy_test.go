package transform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

func TestInboxRelative(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"R-1001.pdf", "R-1001.pdf", true},
		{" belege/R-1001.pdf ", "belege/R-1001.pdf", true},
		{`belege\2026\R-1001.pdf`, "belege/2026/R-1001.pdf", true},
		{"./R-1001.pdf", "R-1001.pdf", true},
		{"", "", true},
		{"../R-1001.pdf", "", false},
		{"belege/../../x.pdf", "", false},
		{"belege/../x.pdf", "", false}, // ".." is refused even where it would stay inside
		{`..\x.pdf`, "", false},
		{"/etc/passwd", "", false},
		{`\x.pdf`, "", false},
		{`\\server\share\x.pdf`, "", false},
		{`C:\Belege\x.pdf`, "", false},
		{"C:x.pdf", "", false},
		{".", "", false},
	} {
		got, ok := inboxRelative(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("inboxRelative(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

const copyPipeline = `name: belege
input: {inbox: in, format: csv, options: {delimiter: ";"}}
on_error: ONERROR
outputs:
  - outbox: out/documents
    copy: Datei
    name: "${Kundennummer}/${Belegnummer}.pdf"
  - outbox: out/index
    name: index.csv
    format: csv
`

// copyRun runs the copy pipeline on index with the given files in the
// inbox folder; it returns the sink, stats and error.
func copyRun(t *testing.T, onError, index string, files map[string][]byte) (*memSink, Stats, error) {
	t.Helper()
	return copyRunOpt(t, onError, index, files, RunOptions{})
}

func copyRunOpt(t *testing.T, onError, index string, files map[string][]byte, opt RunOptions) (*memSink, Stats, error) {
	t.Helper()
	p := mustCompile(t, map[string]string{"p.yaml": strings.Replace(copyPipeline, "ONERROR", onError, 1)})
	inboxDir := t.TempDir()
	for name, b := range files {
		full := filepath.Join(inboxDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := formats.Builtin().Lookup("csv")
	rd, err := formats.NewTextReader(f, strings.NewReader(index), "belege_index.csv", "utf-8", p.Config.Input.FormatOpts)
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	st, err := p.Run(context.Background(), rd, Source{Path: "belege_index.csv", Dir: inboxDir}, sink, opt)
	for i, c := range st.Copied {
		if rel, rerr := filepath.Rel(inboxDir, c); rerr == nil {
			st.Copied[i] = filepath.ToSlash(rel)
		}
	}
	return sink, st, err
}

// pdf makes distinct binary content that a text conversion would change.
func pdf(n byte) []byte {
	b := []byte("%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n")
	for i := 0; i < 70000; i++ {
		b = append(b, byte(i)^n)
	}
	return append(b, "\r\n%%EOF\n"...)
}

func TestCopyOutput(t *testing.T) {
	files := map[string][]byte{"R-1001.pdf": pdf(1), "sub/R-1002.pdf": pdf(2), "R-1003.pdf": pdf(3)}
	// R-1001 comes twice (the same file under the same name: copied once).
	index := "Kundennummer;Belegnummer;Datei\n10001;R-1001;R-1001.pdf\n10002;R-1002;sub\\R-1002.pdf\n10001;R-1003;R-1003.pdf\n10001;R-1001;./R-1001.pdf\n"
	sink, st, err := copyRun(t, "fail", index, files)
	if err != nil {
		t.Fatal(err)
	}
	for target, src := range map[string]string{
		"documents/10001/R-1001.pdf": "R-1001.pdf",
		"documents/10002/R-1002.pdf": "sub/R-1002.pdf",
		"documents/10001/R-1003.pdf": "R-1003.pdf",
	} {
		got := sink.files[target]
		if got == nil {
			t.Errorf("%s not written; files: %v", target, sink.names())
			continue
		}
		if sha256.Sum256(got.Bytes()) != sha256.Sum256(files[src]) {
			t.Errorf("%s: sha256 differs from %s", target, src)
		}
	}
	if len(sink.files) != 4 || sink.files["index/index.csv"] == nil {
		t.Errorf("files %v", sink.names())
	}
	if strings.Join(st.Copied, ",") != "R-1001.pdf,sub/R-1002.pdf,R-1003.pdf" {
		t.Errorf("Copied = %v", st.Copied)
	}
	if st.Out != 7 {
		t.Errorf("Out = %d, want 7 (3 copies, 4 index rows)", st.Out)
	}
}

func TestCopyOutputRowErrors(t *testing.T) {
	files := map[string][]byte{"R-1001.pdf": pdf(1), "R-1002.pdf": pdf(2)}
	index := "Kundennummer;Belegnummer;Datei\n" +
		"10001;R-1001;R-1001.pdf\n" +
		"10002;R-9999;R-9999.pdf\n" +
		"10002;R-0001;../10001/R-1001.pdf\n" +
		"10002;R-0002;C:\\Belege\\R-1001.pdf\n" +
		"10002;R-0003;/etc/passwd\n" +
		"10002;R-0004;\n" +
		"10001;R-1001;R-1002.pdf\n"
	_, _, err := copyRun(t, "fail", index, files)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`belege_index.csv:3:14: field "Datei": "R-9999.pdf": there is no such file in the inbox folder beside the index file`,
		`belege_index.csv:4:14: field "Datei": "../10001/R-1001.pdf": a path in the index is not allowed`,
		`belege_index.csv:5:14: field "Datei": "C:\\Belege\\R-1001.pdf": a path in the index is not allowed`,
		`belege_index.csv:6:14: field "Datei": "/etc/passwd": a path in the index is not allowed`,
		`belege_index.csv:7:14: field "Datei": "": no file named`,
		`belege_index.csv:8:1: the file name "10001/R-1001.pdf" is already taken by another row`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("report lacks\n  %s\nin\n%s", want, err)
		}
	}
	if n := len(err.(*FileError).Errors); n != 6 {
		t.Errorf("%d errors, want 6", n)
	}

	// Under on_error reject the good row is copied, the bad ones are not.
	var rejected []string
	sink, st, err := copyRunOpt(t, "reject", index, files, RunOptions{Rejected: func(_ *formats.Record, err error) { rejected = append(rejected, err.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 6 || !strings.Contains(rejected[5], `belege_index.csv:8:1: the file name "10001/R-1001.pdf" is already taken by another row`) {
		t.Errorf("rejected:\n%s", strings.Join(rejected, "\n"))
	}
	if st.Rejected != 6 || strings.Join(st.Copied, ",") != "R-1001.pdf" {
		t.Errorf("rejected %d, copied %v", st.Rejected, st.Copied)
	}
	if got := sink.files["documents/10001/R-1001.pdf"]; got == nil || !bytes.Equal(got.Bytes(), files["R-1001.pdf"]) {
		t.Errorf("R-1001.pdf not copied unchanged; files %v", sink.names())
	}
	for _, n := range sink.names() {
		if strings.HasPrefix(n, "documents/") && n != "documents/10001/R-1001.pdf" {
			t.Errorf("a refused row was copied: %s", n)
		}
	}
}

// TestCopyOutputConfig checks the configuration errors of copy and eml outputs.
func TestCopyOutputConfig(t *testing.T) {
	for _, c := range []struct{ out, want string }{
		{"{outbox: o, copy: Datei, name: x.pdf, format: csv}", "a copy output passes files through unchanged: leave out format"},
		{"{outbox: o, copy: Datei, name: x.pdf, encoding: utf-8}", "leave out encoding"},
		{"{outbox: o, copy: 'Datei +', name: x.pdf}", "outputs[0].copy"},
		{"{outbox: o, name: x.pdf}", "outputs[0]: an output needs format: (csv, json, xml …), or copy: to pass files through"},
		{"{outbox: o, name: x.eml, format: eml, encoding: windows-1252}", "outputs[0]: an e-mail is written as 7-bit MIME"},
		{"{outbox: o, name: x.eml, format: eml, options: {x: 1}}", `format "eml" has no options`},
	} {
		dir := writeProject(t, map[string]string{"p.yaml": "name: p\ninput: {inbox: in, format: csv}\noutputs:\n  - " + c.out + "\n"})
		pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
		if err == nil {
			_, err = Compile(pc, nil, testFunctions())
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.out, err, c.want)
		}
	}
}
