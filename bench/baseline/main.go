// Command baseline is the hand-written reference for the benchmark job of
// bench/REFERENCE.md: Sage articles (Windows-1252, ";") → Smartstore
// products (UTF-8 with BOM, ";", CRLF), with nothing but encoding/csv and
// golang.org/x/text. ferry's pipeline must produce the same bytes; its
// speed is measured against this program.
//
// usage: baseline IN OUT
package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: baseline IN OUT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(charmap.Windows1252.NewDecoder().Reader(f), 64<<10))
	r.Comma = ';'
	r.ReuseRecord = true
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(o, 64<<10)
	bw.WriteString("\ufeff")
	w := csv.NewWriter(bw)
	w.Comma = ';'
	w.UseCRLF = true
	head, err := r.Read()
	if err != nil {
		return err
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[h] = i
	}
	var missing []string
	col := func(name string) int {
		i, ok := idx[name]
		if !ok {
			missing = append(missing, name)
		}
		return i
	}
	nr, bez, lang, vk1, best, gew, ean, aktiv := col("Artikelnummer"), col("Bezeichnung"), col("Langtext"), col("VK1"), col("Bestand"), col("Gewicht"), col("EAN"), col("Aktiv")
	if len(missing) > 0 {
		return fmt.Errorf("%s: the header lacks the column(s) %s", in, strings.Join(missing, ", "))
	}
	if err := w.Write([]string{"Sku", "Name", "FullDescription", "Price", "StockQuantity", "Weight", "Gtin", "Published"}); err != nil {
		return err
	}
	row := make([]string, 8)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		pub := "false"
		if rec[aktiv] == "1" {
			pub = "true"
		}
		row[0], row[1], row[2] = rec[nr], rec[bez], rec[lang]
		row[3], row[4] = strings.Replace(rec[vk1], ",", ".", 1), rec[best]
		row[5], row[6], row[7] = strings.Replace(rec[gew], ",", ".", 1), rec[ean], pub
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return o.Close()
}
