package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// BestellimportCSV copies the project of src (ferry.yaml, lookups/,
// pipelines/) into dst and adds pipelines/bestellimport-csv.yaml: the
// bestellungen pipeline with its first output only (the Sage order CSV).
// The other outputs write one openTRANS file per order (more than the
// 1,000 files a run may open, for a benchmark file) and the DHL and
// customer files, which are not the job measured.
func BestellimportCSV(src, dst string) error {
	for _, d := range []string{"lookups", "pipelines"} {
		if err := os.CopyFS(filepath.Join(dst, d), os.DirFS(filepath.Join(src, d))); err != nil {
			return err
		}
	}
	cfg, err := os.ReadFile(filepath.Join(src, "ferry.yaml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "ferry.yaml"), cfg, 0o644); err != nil {
		return err
	}
	y, err := os.ReadFile(filepath.Join(src, "pipelines", "bestellungen.yaml"))
	if err != nil {
		return err
	}
	s := string(y)
	first := strings.Index(s, "\n  - outbox:")
	second := -1
	if first >= 0 {
		second = strings.Index(s[first+1:], "\n  - outbox:")
	}
	if second < 0 {
		return fmt.Errorf("bestellungen.yaml: no second output to cut at")
	}
	s = s[:first+1+second+1]
	s = strings.Replace(s, "\nname: bestellungen\n", "\nname: bestellimport-csv\n", 1)
	return os.WriteFile(filepath.Join(dst, "pipelines", "bestellimport-csv.yaml"), []byte(s), 0o644)
}
