package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/formats"
)

// Fixtures are a pipeline's own regression tests, kept beside it:
//
//	pipelines/artikel.yaml
//	pipelines/artikel.tests/
//	    basic/
//	        input/artikel.csv                        the input file (exactly one)
//	        expected/outbox/smartstore/products/artikel.csv
//	        now                                      optional: the clock, RFC 3339
//	        inbox/…                                  optional: the files copy outputs
//	                                                 read (else: those beside the input)
//	    bad-price/
//	        input/artikel.csv
//	        expected/error.txt                       the expected failure report
//
// Expected files sit under their outbox folder relative to the
// configuration folder. `ferry test` runs every case and compares; with
// --update it rewrites expected/ from what the pipeline produced.
const (
	FixturesSuffix = ".tests"
	fixtureInput   = "input"
	fixtureWant    = "expected"
	fixtureError   = "error.txt"
	fixtureNow     = "now"
	fixtureInbox   = "inbox"
)

// DefaultFixtureNow is the clock of a fixture without a `now` file, so that
// dates in outputs do not change from day to day.
var DefaultFixtureNow = time.Date(2026, 3, 16, 9, 30, 0, 0, time.UTC)

// FixtureResult is the outcome of one fixture case.
type FixtureResult struct {
	Case    string // "artikel.tests/basic"
	Passed  bool
	Updated bool
	Diff    string // what differs, readable
}

// FixtureDir returns the fixtures folder of a pipeline file.
func FixtureDir(pipelineFile string) string {
	return strings.TrimSuffix(pipelineFile, filepath.Ext(pipelineFile)) + FixturesSuffix
}

// RunFixtures runs every case of the pipeline's fixture folder (none: no
// results). fns makes the function library for a case's clock. base is the
// configuration folder the expected outbox paths are relative to.
func RunFixtures(ctx context.Context, pc *PipelineConfig, proj *Project, base string, fns func(now func() time.Time) *Functions, update bool) ([]FixtureResult, error) {
	dir := FixtureDir(filepath.Join(base, filepath.FromSlash(pc.File)))
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var results []FixtureResult
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		caseDir := filepath.Join(dir, e.Name())
		res, err := runFixture(ctx, pc, proj, base, caseDir, fns, update)
		if err != nil {
			return results, err
		}
		res.Case = filepath.Base(dir) + "/" + e.Name()
		results = append(results, res)
	}
	return results, nil
}

func runFixture(ctx context.Context, pc *PipelineConfig, proj *Project, base, caseDir string, fns func(now func() time.Time) *Functions, update bool) (FixtureResult, error) {
	var res FixtureResult
	inputs, err := os.ReadDir(filepath.Join(caseDir, fixtureInput))
	if err != nil || len(inputs) != 1 || inputs[0].IsDir() {
		return res, fmt.Errorf("%s: needs exactly one file in %s/", caseDir, fixtureInput)
	}
	inPath := filepath.Join(caseDir, fixtureInput, inputs[0].Name())
	now := DefaultFixtureNow
	if b, err := os.ReadFile(filepath.Join(caseDir, fixtureNow)); err == nil {
		if now, err = time.Parse(time.RFC3339, strings.TrimSpace(string(b))); err != nil {
			return res, fmt.Errorf("%s: %v", filepath.Join(caseDir, fixtureNow), err)
		}
	}
	p, err := Compile(pc, proj, fns(func() time.Time { return now }))
	if err != nil {
		return res, err
	}
	srcDir := filepath.Dir(inPath)
	if fi, err := os.Stat(filepath.Join(caseDir, fixtureInbox)); err == nil && fi.IsDir() {
		srcDir = filepath.Join(caseDir, fixtureInbox)
	}
	got, err := p.runToMemory(ctx, inPath, srcDir, base)
	if err != nil {
		got = map[string][]byte{fixtureError: []byte(err.Error() + "\n")}
	}
	wantDir := filepath.Join(caseDir, fixtureWant)
	if update {
		if err := os.RemoveAll(wantDir); err != nil {
			return res, err
		}
		for name, b := range got {
			p := filepath.Join(wantDir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return res, err
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return res, err
			}
		}
		res.Passed, res.Updated = true, true
		return res, nil
	}
	want, err := readTree(wantDir)
	if err != nil {
		return res, err
	}
	res.Diff = compareTrees(want, got)
	res.Passed = res.Diff == ""
	return res, nil
}

// runToMemory runs the pipeline on one file and returns its outputs by
// path relative to base (or the failure).
func (p *Pipeline) runToMemory(ctx context.Context, inPath, srcDir, base string) (map[string][]byte, error) {
	in := p.Config.Input
	f, err := p.reg.Lookup(in.Format)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(inPath)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	name := filepath.Base(inPath)
	rd, err := formats.NewTextReader(f, file, name, in.Encoding, in.FormatOpts)
	if err != nil {
		return nil, err
	}
	sink := &treeSink{base: base, files: map[string]*bytes.Buffer{}}
	if _, err := p.Run(ctx, rd, Source{Path: name, Dir: srcDir}, sink, RunOptions{}); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(sink.files))
	for k, b := range sink.files {
		out[k] = b.Bytes()
	}
	return out, nil
}

// treeSink keeps files in memory under their path relative to base.
type treeSink struct {
	base  string
	files map[string]*bytes.Buffer
}

func (s *treeSink) Create(outbox, rel string) (io.Writer, error) {
	dir, err := filepath.Rel(s.base, outbox)
	if err != nil || strings.HasPrefix(dir, "..") {
		dir = filepath.Base(outbox)
	}
	b := &bytes.Buffer{}
	s.files[path.Join(filepath.ToSlash(dir), rel)] = b
	return b, nil
}

// readTree reads every file below dir, keyed by slash path.
func readTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return files, nil
	}
	return files, err
}

// compareTrees describes how got differs from want; "" when equal.
func compareTrees(want, got map[string][]byte) string {
	names := map[string]bool{}
	for n := range want {
		names[n] = true
	}
	for n := range got {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var b strings.Builder
	for _, n := range sorted {
		w, inWant := want[n]
		g, inGot := got[n]
		switch {
		case !inGot:
			fmt.Fprintf(&b, "%s: expected, but not produced\n", n)
		case !inWant:
			fmt.Fprintf(&b, "%s: produced, but not expected (run with --update to accept)\n", n)
		case !bytes.Equal(w, g):
			fmt.Fprintf(&b, "%s differs:\n%s", n, textDiff(string(w), string(g)))
		}
	}
	return b.String()
}

// textDiff is a line diff (- expected, + produced) with two lines of
// context, for files of moderate size; larger ones show the first
// differing line.
func textDiff(want, got string) string {
	a, b := splitLines(want), splitLines(got)
	if len(a)*len(b) > 4_000_000 {
		for i := 0; i < len(a) && i < len(b); i++ {
			if a[i] != b[i] {
				return fmt.Sprintf("  first difference at line %d:\n  - %s\n  + %s\n", i+1, showLine(a[i]), showLine(b[i]))
			}
		}
		return fmt.Sprintf("  %d lines expected, %d produced\n", len(a), len(b))
	}
	// LCS table, then walk it.
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
		no   int
	}
	var ops []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, line{' ', a[i], i + 1})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, line{'+', b[j], j + 1})
			j++
		default:
			ops = append(ops, line{'-', a[i], i + 1})
			i++
		}
	}
	var out strings.Builder
	const ctx = 2
	last := -1
	for k, o := range ops {
		if o.op == ' ' {
			near := false
			for d := max(0, k-ctx); d <= min(len(ops)-1, k+ctx); d++ {
				if ops[d].op != ' ' {
					near = true
					break
				}
			}
			if !near {
				continue
			}
		}
		if last >= 0 && k > last+1 {
			out.WriteString("  …\n")
		}
		fmt.Fprintf(&out, "  %c %4d | %s\n", o.op, o.no, showLine(o.text))
		last = k
	}
	return out.String()
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// show makes a line's invisible parts visible: a CR at its end, a BOM.
func showLine(s string) string {
	s = strings.ReplaceAll(s, "\ufeff", "<BOM>")
	if strings.HasSuffix(s, "\r") {
		s = strings.TrimSuffix(s, "\r") + "<CR>"
	}
	return s
}
