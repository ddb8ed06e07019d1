package bench

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/transform"
)

// dataFile returns bench/data/NAME or skips the benchmark.
func dataFile(b *testing.B, name string) (string, int64) {
	b.Helper()
	p := filepath.Join("data", name)
	st, err := os.Stat(p)
	if err != nil {
		b.Skipf("%s missing: run `make bench-data`", p)
	}
	return p, st.Size()
}

// BenchmarkCSVReadWrite reads the reference article file (Windows-1252,
// ";", CRLF, decimal comma) and writes it as UTF-8 CSV, in process: the
// reader, the charset layer and the writer, without any transformation.
func BenchmarkCSVReadWrite(b *testing.B) {
	csv, err := formats.Builtin().Lookup("csv")
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []string{"100k", "1m"} {
		b.Run(size, func(b *testing.B) {
			path, n := dataFile(b, "artikel-"+size+".csv")
			b.SetBytes(n)
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				rd, err := formats.NewTextReader(csv, bufio.NewReaderSize(f, 64<<10), path, "windows-1252", formats.Options{})
				if err != nil {
					b.Fatal(err)
				}
				w := bufio.NewWriterSize(io.Discard, 64<<10)
				wr, err := formats.NewTextWriter(csv, w, "utf-8-bom", nil, formats.Options{})
				if err != nil {
					b.Fatal(err)
				}
				rows = 0
				for {
					rec, err := rd.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := wr.Write(rec); err != nil {
						b.Fatal(err)
					}
					rows++
				}
				if err := wr.Close(); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkReferencePipeline runs the reference job as the shipped
// pipeline (samples/bench/artikel-to-products.yaml) in process.
func BenchmarkReferencePipeline(b *testing.B) {
	benchPipeline(b, filepath.Join("..", "samples", "bench", "artikel-to-products.yaml"), "artikel-100k.csv", "artikel-1m.csv")
}

// BenchmarkOrdersPipeline runs the orders job (bench/pipelines/
// orders-to-sage.yaml: Web API order JSON → Sage order CSV) in process.
func BenchmarkOrdersPipeline(b *testing.B) {
	benchPipeline(b, filepath.Join("pipelines", "orders-to-sage.yaml"), "orders-10k.json", "orders-100k.json")
}

// BenchmarkXMLPipeline runs the XML job (bench/pipelines/
// bmecat-to-csv.yaml: BMEcat products → article CSV) in process.
func BenchmarkXMLPipeline(b *testing.B) {
	benchPipeline(b, filepath.Join("pipelines", "bmecat-to-csv.yaml"), "bmecat-18k.xml", "bmecat-180k.xml")
}

// BenchmarkBestellimport runs the Sage order CSV part of the shipped
// Bestellimport pipeline (samples/smartstore-sage/pipelines/
// bestellungen.yaml without its other outputs, see BestellimportCSV) in
// process, with the project's tables and vars.
func BenchmarkBestellimport(b *testing.B) {
	dir := b.TempDir()
	if err := BestellimportCSV(filepath.Join("..", "samples", "smartstore-sage"), dir); err != nil {
		b.Fatal(err)
	}
	proj, err := transform.LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	pc, err := proj.Pipeline("bestellimport-csv")
	if err != nil {
		b.Fatal(err)
	}
	runCompiled(b, pc, proj, "orders-10k.json")
}

// benchPipeline runs the pipeline file on each of the data files.
func benchPipeline(b *testing.B, pipeline string, files ...string) {
	pc, err := transform.LoadPipeline(pipeline)
	if err != nil {
		b.Fatal(err)
	}
	runCompiled(b, pc, nil, files...)
}

// runCompiled compiles pc (with proj, if any) and runs it on each file.
func runCompiled(b *testing.B, pc *transform.PipelineConfig, proj *transform.Project, files ...string) {
	p, err := transform.Compile(pc, proj, &transform.Functions{})
	if err != nil {
		b.Fatal(err)
	}
	f, err := formats.Builtin().Lookup(pc.Input.Format)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range files {
		b.Run(name, func(b *testing.B) {
			path, n := dataFile(b, name)
			b.SetBytes(n)
			b.ReportAllocs()
			var st transform.Stats
			for b.Loop() {
				in, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				rd, err := formats.NewTextReader(f, bufio.NewReaderSize(in, 64<<10), path, pc.Input.Encoding, pc.Input.FormatOpts)
				if err != nil {
					b.Fatal(err)
				}
				if st, err = p.Run(context.Background(), rd, transform.Source{Path: path}, discardSink{}, transform.RunOptions{}); err != nil {
					b.Fatal(err)
				}
				in.Close()
			}
			b.ReportMetric(float64(st.In)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

type discardSink struct{}

func (discardSink) Create(string, string) (io.Writer, error) { return io.Discard, nil }
