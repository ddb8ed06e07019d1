package bench

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-sync/ferry/formats"
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
