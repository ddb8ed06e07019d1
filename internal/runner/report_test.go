package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/transform"
)

// setProject appends lines to the copied ferry.yaml and reloads the
// project (as after a restart).
func (e *env) setProject(lines string) {
	e.t.Helper()
	p := e.path("ferry.yaml")
	b := read(e.t, p)
	if err := os.WriteFile(p, append(b, []byte(lines)...), 0o644); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func TestReportLanguages(t *testing.T) {
	bad := func(line int) error {
		return &formats.DataError{Pos: formats.Pos{Line: line, Col: 6}, Field: "VK1", Msg: `"12,5x" is not a decimal`}
	}
	one := &transform.FileError{File: "a.csv", Errors: []error{bad(3)}}
	two := &transform.FileError{File: "a.csv", Errors: []error{bad(3), bad(4)}, More: true}
	mixed := &transform.FileError{File: "a.csv", Errors: []error{bad(3), errors.New("the header lacks Artikelnummer")}}
	io := errors.New("disk full")
	for _, tc := range []struct {
		lang string
		err  error
		want string // the first line
	}{
		{"de", one, "Die Datei a.csv wurde nicht verarbeitet: 1 fehlerhafter Datensatz. Nichts wurde geschrieben."},
		{"de", two, "Die Datei a.csv wurde nicht verarbeitet: mehr als 2 fehlerhafte Datensätze. Nichts wurde geschrieben."},
		{"de", mixed, "Die Datei a.csv wurde nicht verarbeitet: 2 Fehler. Nichts wurde geschrieben."},
		{"de", io, "Die Datei a.csv wurde nicht verarbeitet: ein Fehler beim Lesen oder Schreiben. Nichts wurde geschrieben."},
		{"en", one, "The file a.csv was not processed: 1 bad record. Nothing was written."},
		{"en", two, "The file a.csv was not processed: more than 2 bad records. Nothing was written."},
		{"en", mixed, "The file a.csv was not processed: 2 error(s). Nothing was written."},
		{"en", io, "The file a.csv was not processed: an error while reading or writing. Nothing was written."},
		{"", one, "Die Datei a.csv wurde nicht verarbeitet: 1 fehlerhafter Datensatz. Nichts wurde geschrieben."},
	} {
		got := ReportIn(tc.lang, "a.csv", tc.err)
		first, rest, _ := strings.Cut(got, "\n")
		if first != tc.want {
			t.Errorf("%s %v: first line\n  %q\nwant\n  %q", tc.lang, tc.err, first, tc.want)
		}
		// The problem lines are the pipeline's, the same in every language.
		if !strings.HasSuffix(rest, "\n"+tc.err.Error()+"\n") {
			t.Errorf("%s %v: the problem lines are not the error's:\n%s", tc.lang, tc.err, got)
		}
	}
	if Report("a.csv", one) != ReportIn(German, "a.csv", one) {
		t.Error("Report is not the German report")
	}
}

func TestDuplicateNoteLanguages(t *testing.T) {
	ended := time.Date(2026, 3, 16, 8, 30, 5, 0, time.UTC)
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	outs := []string{"/p/outbox/a-products.csv"}
	for _, tc := range []struct {
		lang, want string
	}{
		{"de", "Die Datei b.csv wurde nicht noch einmal verarbeitet: derselbe Inhalt wurde schon am 16.03.2026 09:30:05 verarbeitet (Journal-Eintrag 7, Datei a.csv).\nDie Ausgabedateien von damals:\n  /p/outbox/a-products.csv\n"},
		{"en", "The file b.csv was not processed again: the same content was already processed on 2026-03-16 09:30:05 (journal entry 7, file a.csv).\nThe output files of that run:\n  /p/outbox/a-products.csv\n"},
	} {
		if got := DuplicateNote(tc.lang, "b.csv", 7, "a.csv", ended, loc, outs); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.lang, got, tc.want)
		}
	}
	if got := DuplicateNote("en", "b.csv", 7, "a.csv", ended, loc, nil); strings.Contains(got, "output files") {
		t.Errorf("a note without outputs lists them:\n%s", got)
	}
}

// With report_language: en the runner writes English reports and notes;
// the problem lines stay as the pipeline gives them.
func TestRunnerEnglishReports(t *testing.T) {
	e := newEnv(t, nil)
	e.setProject("report_language: en\n")
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	e.drop("copy.csv", input)
	e.drop("artikel-bad-decimal.csv", read(t, filepath.Join(badDir, "artikel-bad-decimal.csv")))
	e.r.Workers = 1
	sum, err := e.r.RunOnce(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 1 || sum.Duplicates != 1 || sum.Failed != 1 {
		t.Fatalf("summary %+v", sum)
	}
	for _, res := range sum.Results {
		var want []string
		switch res.Outcome {
		case Failed:
			want = []string{"The file artikel-bad-decimal.csv was not processed: 2 bad records. Nothing was written.\nPlease correct the file",
				`artikel-bad-decimal.csv:3:`, `field "VK1": "12,5x" is not a decimal`}
		case Duplicate:
			want = []string{"was not processed again: the same content was already processed on 2026-03-16 10:30:02 (journal entry"}
		default:
			continue
		}
		b := string(read(t, res.Report))
		for _, w := range want {
			if !strings.Contains(b, w) {
				t.Errorf("%s lacks %q:\n%s", filepath.Base(res.Report), w, b)
			}
		}
	}
}

// A language other than de and en is refused by the schema.
func TestReportLanguageChecked(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, sampleDir, dir)
	p := filepath.Join(dir, "ferry.yaml")
	if err := os.WriteFile(p, append(read(t, p), "report_language: fr\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := transform.LoadProject(p)
	if err == nil || !strings.Contains(err.Error(), "report_language") {
		t.Errorf("report_language fr: %v", err)
	}
}
