package cli

// Folder trees as maps (relative slash path → bytes) and their
// differences, for the crash test and the samples harness, which also
// runs on Windows: this file has no build constraint.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// writeFile writes a file or fails the test.
func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readTree reads every file below root (missing root: none).
func readTree(root string) (map[string][]byte, error) {
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == root {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		m[filepath.ToSlash(rel)] = b
		return nil
	})
	return m, err
}

// sortedKeys returns the map's keys in order.
func sortedKeys(m map[string][]byte) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// diffTrees lists the files missing, extra or different in got.
func diffTrees(want, got map[string][]byte) string {
	var b strings.Builder
	for _, k := range sortedKeys(want) {
		g, ok := got[k]
		switch {
		case !ok:
			fmt.Fprintf(&b, "  missing %s\n", k)
		case !bytes.Equal(g, want[k]):
			fmt.Fprintf(&b, "  %s differs:\n%s", k, lineDiffs(want[k], g))
		}
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "  extra %s\n", k)
		}
	}
	return b.String()
}

// lineDiffs shows the first differing line of two texts.
func lineDiffs(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("    line %d: want %q\n    line %d: got  %q\n", i+1, w, i+1, g)
		}
	}
	return "    (same lines)\n"
}
