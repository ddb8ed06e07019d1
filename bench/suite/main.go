//go:build linux

// Command suite runs the whole-process part of `make bench`: every job of
// bench/REFERENCE.md and issue 7 as separate processes on the files of
// bench/data, a few times each, and writes the results table (wall time,
// CPU time, peak RSS, rows/s, MB/s, ratios against the hand-written
// baseline and Miller) into docs/performance.md between its markers.
//
// Outputs are compared: ferry's and Miller's reference outputs must be
// byte-identical to the baseline's, or the run fails.
//
// usage (from the repository root, after `make build bench-data`):
//
//	go run ./bench/suite [-n 3] [-doc docs/performance.md] [-miller=false]
//
// Linux only: peak RSS and CPU time come from wait4's rusage, which counts
// a process together with the children it waited for (the Miller job is a
// shell pipeline iconv | mlr | sed: its CPU is the sum, its peak RSS the
// largest of the three).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ferry-sync/ferry/bench"
)

// contender is one program doing one job.
type contender struct {
	name string
	argv []string // argv[0] is run; "sh" runs argv[1] as a shell command
	out  string   // the output file it writes
}

// job is one benchmark: the same input for every contender.
type job struct {
	id, title string
	input     string
	rows      int64 // input records
	runs      []contender
	// same: contenders whose output must equal the first contender's
	same   []string
	target string // what issue 7 asks, for the table
}

// result is the best of n runs of one contender.
type result struct {
	Job, Name      string
	Wall, CPU      time.Duration // of the fastest run
	PeakRSSMiB     float64       // largest of all runs
	Rows           int64
	InputBytes     int64
	OutputSHA256   string
	RowsPerSec     float64
	MBPerSec       float64
	RatioBaseline  float64 `json:",omitempty"` // wall / the baseline's wall
	MillerOverThis float64 `json:",omitempty"` // Miller's wall / this wall
}

func main() {
	n := flag.Int("n", 3, "runs per contender (the fastest counts)")
	doc := flag.String("doc", "docs/performance.md", "the page whose results section is rewritten")
	jsonOut := flag.String("json", "bench/out/suite.json", "results as JSON")
	miller := flag.Bool("miller", true, "compare with Miller 6 (mlr) where it can do the job")
	flag.Parse()
	if err := run(*n, *doc, *jsonOut, *miller); err != nil {
		fmt.Fprintln(os.Stderr, "suite:", err)
		os.Exit(1)
	}
}

func run(n int, doc, jsonOut string, miller bool) error {
	tmp, err := os.MkdirTemp("", "ferry-suite-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if miller {
		if _, err := exec.LookPath("mlr"); err != nil {
			fmt.Fprintln(os.Stderr, "suite: mlr not found (make bench installs it with apt-get): Miller is left out")
			miller = false
		}
	}
	// The Bestellimport job runs the shipped pipeline's Sage CSV output in a
	// copy of the project (its lookup tables stay untouched).
	if err := bench.BestellimportCSV("samples/smartstore-sage", filepath.Join(tmp, "project")); err != nil {
		return fmt.Errorf("bestellimport: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "bestellimport"), 0o755); err != nil {
		return err
	}
	load := loadAvg()
	js := jobs(tmp, miller)
	var all []result
	for _, j := range js {
		if _, err := os.Stat(j.input); err != nil {
			return fmt.Errorf("%s: %w (run `make bench-data`)", j.id, err)
		}
		rs, err := runJob(j, n)
		if err != nil {
			return fmt.Errorf("%s: %w", j.id, err)
		}
		all = append(all, rs...)
	}
	if err := os.MkdirAll(filepath.Dir(jsonOut), 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(all, "", "  ")
	if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
		return err
	}
	table := render(all, js, n, load)
	fmt.Print(table)
	return updateDoc(doc, table)
}

// jobs lists the benchmark jobs; paths are relative to the repository root.
func jobs(tmp string, miller bool) []job {
	ferry := "bin/ferry"
	ref := func(id, size string, rows int64, withMiller bool) job {
		in := "bench/data/artikel-" + size + ".csv"
		j := job{id: id, title: "reference job (artikel → products), " + size + " rows", input: in, rows: rows,
			target: "wall ≤ 1.25× baseline, ≥ 5× faster than Miller; peak ≤ 64 MiB",
			runs: []contender{
				{name: "baseline", argv: []string{"bin/baseline", in, filepath.Join(tmp, id+"-baseline.csv")}, out: filepath.Join(tmp, id+"-baseline.csv")},
				{name: "ferry", argv: []string{ferry, "convert", "-q", "--pipeline", "samples/bench/artikel-to-products.yaml", in, filepath.Join(tmp, id+"-ferry.csv")}, out: filepath.Join(tmp, id+"-ferry.csv")},
			},
			same: []string{"ferry"},
		}
		if withMiller {
			out := filepath.Join(tmp, id+"-miller.csv")
			j.runs = append(j.runs, contender{name: "miller", argv: []string{"sh", millerJob(in, out)}, out: out})
			j.same = append(j.same, "miller")
		}
		return j
	}
	return []job{
		ref("ref-1m", "1m", 1_000_000, miller),
		ref("ref-4m", "4m", 4_000_000, false),
		{id: "orders", title: "orders JSON (Web API, 100,000 orders) → Sage order CSV: Bestellimport (samples/smartstore-sage bestellungen, Sage CSV output)", input: "bench/data/orders-100k.json", rows: 100_000,
			target: "≥ 50 MB/s of input",
			runs: []contender{{name: "ferry", argv: []string{abs(ferry), "convert", "-q", "-c", filepath.Join(tmp, "project", "ferry.yaml"), "--pipeline", "bestellimport-csv",
				abs("bench/data/orders-100k.json"), filepath.Join(tmp, "bestellimport")}, out: filepath.Join(tmp, "bestellimport", "orders-100k-auftraege.csv")}}},
		{id: "orders-standin", title: "the same with the stand-in pipeline (bench/pipelines/orders-to-sage.yaml)", input: "bench/data/orders-100k.json", rows: 100_000,
			target: "(for comparison with earlier runs)",
			runs: []contender{{name: "ferry", argv: []string{ferry, "convert", "-q", "--pipeline", "bench/pipelines/orders-to-sage.yaml",
				"bench/data/orders-100k.json", filepath.Join(tmp, "orders.csv")}, out: filepath.Join(tmp, "orders.csv")}}},
		{id: "xml", title: "XML records (BMEcat, 180,000 products) → CSV", input: "bench/data/bmecat-180k.xml", rows: 180_000,
			target: "≥ 30 MB/s of input",
			runs: []contender{{name: "ferry", argv: []string{ferry, "convert", "-q", "--pipeline", "bench/pipelines/bmecat-to-csv.yaml",
				"bench/data/bmecat-180k.xml", filepath.Join(tmp, "bmecat.csv")}, out: filepath.Join(tmp, "bmecat.csv")}}},
		{id: "xlsx", title: "XLSX write, 100,000 rows × 12 columns (CSV → XLSX)", input: "bench/data/artikel-100k.csv", rows: 100_000,
			target: "≤ 3 s, ≤ 150 MiB",
			runs: []contender{{name: "ferry", argv: []string{ferry, "convert", "-q", "--in-encoding", "windows-1252",
				"bench/data/artikel-100k.csv", filepath.Join(tmp, "artikel.xlsx")}, out: filepath.Join(tmp, "artikel.xlsx")}}},
	}
}

// abs makes a repository path absolute (the project job runs with -c).
func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// millerJob is the reference job done with iconv and Miller 6. Miller's
// CSV writer ends lines with "\n" whatever --ors says, so sed adds the
// "\r" (the data holds no line breaks inside values); printf writes the
// byte order mark.
func millerJob(in, out string) string {
	return fmt.Sprintf(`{ printf '\357\273\277'; iconv -f WINDOWS-1252 -t UTF-8 %q | mlr --icsv --ocsv --ifs ';' --ofs ';' -S `+
		`cut -o -f Artikelnummer,Bezeichnung,Langtext,VK1,Bestand,Gewicht,EAN,Aktiv `+
		`then put '$VK1 = sub($VK1, ",", "."); $Gewicht = sub($Gewicht, ",", "."); $Aktiv = $Aktiv == "1" ? "true" : "false"' `+
		`then rename Artikelnummer,Sku,Bezeichnung,Name,Langtext,FullDescription,VK1,Price,Bestand,StockQuantity,Gewicht,Weight,EAN,Gtin,Aktiv,Published `+
		`| sed 's/$/\r/'; } > %q`, in, out)
}

func runJob(j job, n int) ([]result, error) {
	st, err := os.Stat(j.input)
	if err != nil {
		return nil, err
	}
	best := make([]result, len(j.runs))
	for i, c := range j.runs {
		best[i] = result{Job: j.id, Name: c.name, Rows: j.rows, InputBytes: st.Size()}
	}
	// Interleaved (baseline, ferry, miller, baseline, …) so that a slow
	// patch of a shared machine hits every contender alike.
	for range n {
		for i, c := range j.runs {
			wall, cpu, rss, err := measure(c.argv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
			r := &best[i]
			if r.Wall == 0 || wall < r.Wall {
				r.Wall, r.CPU = wall, cpu
			}
			r.PeakRSSMiB = max(r.PeakRSSMiB, rss)
		}
	}
	for i, c := range j.runs {
		h, err := hashFile(c.out)
		if err != nil {
			return nil, fmt.Errorf("%s: output: %w", c.name, err)
		}
		r := &best[i]
		r.OutputSHA256 = h
		r.RowsPerSec = float64(r.Rows) / r.Wall.Seconds()
		r.MBPerSec = float64(r.InputBytes) / 1e6 / r.Wall.Seconds()
	}
	for _, name := range j.same {
		for i := range best {
			if best[i].Name == name && best[i].OutputSHA256 != best[0].OutputSHA256 {
				return nil, fmt.Errorf("the output of %s differs from the %s's", name, best[0].Name)
			}
		}
	}
	if best[0].Name == "baseline" {
		var millerWall time.Duration
		for _, r := range best {
			if r.Name == "miller" {
				millerWall = r.Wall
			}
		}
		for i := range best {
			best[i].RatioBaseline = best[i].Wall.Seconds() / best[0].Wall.Seconds()
			if millerWall > 0 {
				best[i].MillerOverThis = millerWall.Seconds() / best[i].Wall.Seconds()
			}
		}
	}
	return best, nil
}

// measure runs argv once and returns its wall time, CPU time (user +
// system, children included) and peak RSS in MiB.
func measure(argv []string) (time.Duration, time.Duration, float64, error) {
	var cmd *exec.Cmd
	if argv[0] == "sh" {
		cmd = exec.Command("/bin/sh", "-c", argv[1])
	} else {
		cmd = exec.Command(argv[0], argv[1:]...)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, 0, errors.New("no rusage")
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return wall, cpu, float64(ru.Maxrss) / 1024, nil // Maxrss: KiB on Linux
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func render(rs []result, js []job, n int, load string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %d cores (%s), %s, %s; load average before the run %s. Fastest of %d interleaved runs per contender; peak RSS is the largest of them.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), cpuModel(), runtime.Version(), millerVersion(), load, n)
	b.WriteString("| job | program | wall | CPU | peak RSS | rows/s | MB/s | vs baseline | Miller ÷ this | target |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, j := range js {
		first := true
		for _, r := range rs {
			if r.Job != j.id {
				continue
			}
			title, target := "", ""
			if first {
				title, target = j.title, j.target
				first = false
			}
			ratio, mill := "", ""
			if r.RatioBaseline > 0 {
				ratio = fmt.Sprintf("%.2f×", r.RatioBaseline)
			}
			if r.MillerOverThis > 0 && r.Name != "miller" {
				mill = fmt.Sprintf("%.1f×", r.MillerOverThis)
			}
			fmt.Fprintf(&b, "| %s | %s | %.2f s | %.2f s | %.1f MiB | %s | %.1f | %s | %s | %s |\n",
				title, r.Name, r.Wall.Seconds(), r.CPU.Seconds(), r.PeakRSSMiB, thousands(int64(r.RowsPerSec)), r.MBPerSec, ratio, mill, target)
		}
	}
	return b.String()
}

func millerVersion() string {
	out, err := exec.Command("mlr", "--version").Output()
	if err != nil {
		return "Miller not installed"
	}
	return strings.TrimSpace(string(out))
}

func thousands(v int64) string {
	s := fmt.Sprint(v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

const (
	beginMark = "<!-- suite:begin (written by `make bench`; do not edit by hand) -->"
	endMark   = "<!-- suite:end -->"
)

// updateDoc replaces the part of doc between the markers with table.
func updateDoc(doc, table string) error {
	b, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	s := string(b)
	i, k := strings.Index(s, beginMark), strings.Index(s, endMark)
	if i < 0 || k < i {
		return fmt.Errorf("%s: the markers %q … %q are missing", doc, beginMark, endMark)
	}
	s = s[:i+len(beginMark)] + "\n" + table + s[k:]
	return os.WriteFile(doc, []byte(s), 0o644)
}
