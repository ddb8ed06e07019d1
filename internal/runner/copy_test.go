package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/internal/inbox"
)

const belegePipeline = `name: belege
input: {inbox: inbox/belege, match: ["*.csv"], format: csv, options: {delimiter: ";"}}
outputs:
  - outbox: outbox/documents
    copy: Datei
    name: "${Kundennummer}/${Belegnummer}.pdf"
  - outbox: outbox/documents
    name: "index-${input.stem}.json"
    format: json
`

// copyEnv is the example project plus a pipeline with a copy output, its
// index and PDFs dropped in inbox/belege.
func copyEnv(t *testing.T, index string, pdfs map[string][]byte) *env {
	t.Helper()
	e := newEnv(t, nil)
	if err := os.WriteFile(e.path("pipelines/belege.yaml"), []byte(belegePipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(e.path(inboxRel + "/artikel.csv"))
	files := map[string][]byte{"belege_index.csv": []byte(index)}
	for k, v := range pdfs {
		files[k] = v
	}
	for name, b := range files {
		p := e.path("inbox/belege/" + name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.open()
	return e
}

func (e *env) claimIn(dir, name string) inbox.Claimed {
	e.t.Helper()
	st, err := os.Stat(filepath.Join(e.path(dir), name))
	if err != nil {
		e.t.Fatal(err)
	}
	cl, err := inbox.Claim(inbox.Candidate{Dir: e.path(dir), Name: name, Size: st.Size(), ModTime: st.ModTime()}, e.r.WorkDir("belege"))
	if err != nil {
		e.t.Fatal(err)
	}
	return cl
}

func binaryPDF(seed byte) []byte {
	b := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\r\n")
	for i := 0; i < 50000; i++ {
		b = append(b, byte(i*7)^seed)
	}
	return append(b, "\n%%EOF\n"...)
}

func TestProcessFileCopiesAndArchivesSources(t *testing.T) {
	pdfs := map[string][]byte{"R-1001.pdf": binaryPDF(1), "2026/R-1002.pdf": binaryPDF(2)}
	e := copyEnv(t, "Kundennummer;Belegnummer;Datei\n10001;R-1001;R-1001.pdf\n10002;R-1002;2026\\R-1002.pdf\n", pdfs)
	res, err := e.r.ProcessFile(context.Background(), "belege", e.claimIn("inbox/belege", "belege_index.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Done {
		t.Fatalf("outcome %s: %v", res.Outcome, res.Err)
	}
	arch := "archive/belege/2026-03-16/"
	same(t, e.files(), []string{
		arch + "2026/R-1002.pdf", arch + "R-1001.pdf", arch + "belege_index.csv",
		"outbox/documents/10001/R-1001.pdf", "outbox/documents/10002/R-1002.pdf", "outbox/documents/index-belege_index.json",
	})
	for out, src := range map[string]string{"outbox/documents/10001/R-1001.pdf": "R-1001.pdf", "outbox/documents/10002/R-1002.pdf": "2026/R-1002.pdf"} {
		if sha256.Sum256(read(t, e.path(out))) != sha256.Sum256(pdfs[src]) {
			t.Errorf("%s: sha256 differs from the source", out)
		}
		if !bytes.Equal(read(t, e.path(arch+src)), pdfs[src]) {
			t.Errorf("archived %s differs", src)
		}
	}
	if len(res.Archived) != 2 {
		t.Errorf("Archived = %v", res.Archived)
	}
	ent, _ := e.j.Get(context.Background(), res.EntryID)
	if len(ent.Outputs) != 3 {
		t.Errorf("journal outputs %+v", ent.Outputs)
	}
}

func TestProcessFileCopyFailsLeavesSources(t *testing.T) {
	pdfs := map[string][]byte{"R-1001.pdf": binaryPDF(1)}
	e := copyEnv(t, "Kundennummer;Belegnummer;Datei\n10001;R-1001;R-1001.pdf\n10002;R-1002;../R-1001.pdf\n10002;R-1003;R-1003.pdf\n", pdfs)
	res, err := e.r.ProcessFile(context.Background(), "belege", e.claimIn("inbox/belege", "belege_index.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Failed {
		t.Fatalf("outcome %s", res.Outcome)
	}
	same(t, e.files(), []string{"error/belege/belege_index.csv", "error/belege/belege_index.csv.error.txt", "inbox/belege/R-1001.pdf"})
	report := string(read(t, e.path("error/belege/belege_index.csv.error.txt")))
	for _, want := range []string{
		`belege_index.csv:3:14: field "Datei": "../R-1001.pdf": a path in the index is not allowed`,
		`belege_index.csv:4:14: field "Datei": "R-1003.pdf": there is no such file in the inbox folder`,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

// A crash at any stage neither loses nor doubles a copied source: after
// Recover and a new run every PDF is in the archive exactly once, and the
// outbox holds each copy once, unchanged. A crash before the commit gives
// the index back and the new run archives the PDFs; a crash once the
// outputs are staged is finished by Recover, which archives the index and
// the PDFs listed beside it.
func TestCopySourcesSurviveCrash(t *testing.T) {
	for _, tc := range []struct {
		stage string
	}{
		{stage: "claimed"},
		{stage: "staged"},
		{stage: "published"},
	} {
		t.Run(tc.stage, func(t *testing.T) {
			ctx := context.Background()
			pdfs := map[string][]byte{"R-1001.pdf": binaryPDF(1), "2026/R-1002.pdf": binaryPDF(2)}
			e := copyEnv(t, "Kundennummer;Belegnummer;Datei\n10001;R-1001;R-1001.pdf\n10002;R-1002;2026/R-1002.pdf\n", pdfs)
			e.r.crashAt = crashAfter(tc.stage)
			if _, err := e.r.ProcessFile(ctx, "belege", e.claimIn("inbox/belege", "belege_index.csv")); !errors.Is(err, errCrash) {
				t.Fatalf("ProcessFile: %v", err)
			}
			e.open() // restart
			if _, err := e.r.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := e.r.RunOnce(ctx, nil); err != nil {
				t.Fatal(err)
			}
			for src := range pdfs {
				var places []string
				for _, p := range e.files() {
					if strings.HasSuffix(p, "/"+src) && !strings.HasPrefix(p, "outbox/") {
						places = append(places, p)
					}
				}
				want := "archive/belege/2026-03-16/" + src
				if len(places) != 1 || places[0] != want {
					t.Errorf("%s is at %v, want only %s", src, places, want)
				}
			}
			for out, src := range map[string]string{"outbox/documents/10001/R-1001.pdf": "R-1001.pdf", "outbox/documents/10002/R-1002.pdf": "2026/R-1002.pdf"} {
				if !bytes.Equal(read(t, e.path(out)), pdfs[src]) {
					t.Errorf("%s differs from its source", out)
				}
			}
			if un, _ := e.j.Unfinished(ctx); len(un) != 0 {
				t.Errorf("unfinished entries left: %+v", un)
			}
			if left, _ := os.ReadDir(e.r.WorkDir("belege")); len(left) != 0 {
				t.Errorf("work folder not empty: %v", left)
			}
		})
	}
}

// A source that was replaced by a new version between the commit and the
// move (a crash, then a new drop) is a new file: Recover leaves it in the
// inbox and archives only the sources still as they were copied.
func TestCopySourceReplacedAfterCrash(t *testing.T) {
	ctx := context.Background()
	pdfs := map[string][]byte{"R-1001.pdf": binaryPDF(1), "2026/R-1002.pdf": binaryPDF(2)}
	e := copyEnv(t, "Kundennummer;Belegnummer;Datei\n10001;R-1001;R-1001.pdf\n10002;R-1002;2026/R-1002.pdf\n", pdfs)
	e.r.crashAt = crashAfter("published")
	if _, err := e.r.ProcessFile(ctx, "belege", e.claimIn("inbox/belege", "belege_index.csv")); !errors.Is(err, errCrash) {
		t.Fatalf("ProcessFile: %v", err)
	}
	newer := binaryPDF(9)
	if err := os.WriteFile(e.path("inbox/belege/R-1001.pdf"), newer, 0o644); err != nil {
		t.Fatal(err)
	}
	e.open()
	if _, err := e.r.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(t, e.path("inbox/belege/R-1001.pdf")), newer) {
		t.Error("the new R-1001.pdf was not left in the inbox")
	}
	if !bytes.Equal(read(t, e.path("archive/belege/2026-03-16/2026/R-1002.pdf")), pdfs["2026/R-1002.pdf"]) {
		t.Error("R-1002.pdf not archived")
	}
	if !bytes.Equal(read(t, e.path("outbox/documents/10001/R-1001.pdf")), pdfs["R-1001.pdf"]) {
		t.Error("the committed copy changed")
	}
	if left, _ := os.ReadDir(e.r.WorkDir("belege")); len(left) != 0 {
		t.Errorf("work folder not empty: %v", left)
	}
}
