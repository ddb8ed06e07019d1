package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/internal/outbox"
)

// maxReported is how many bad records a failing conversion lists before it
// stops reading: enough to see the pattern, not a flood.
const maxReported = 100

type convertFlags struct {
	from, to          string
	inEnc, outEnc     string
	delimiter, outDel string
	records           string
	recordElement     string
	sheet             string
	xmlRoot, xmlRec   string
	translit          string
	onError           string
	lineEnding        string
	excelSafe         bool
	noHeader          bool
	quiet             bool
	pipeline, config  string
	inEncChanged      bool
}

func (c *CLI) convertCmd() *cobra.Command {
	var fl convertFlags
	cmd := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert one file between CSV, JSON, JSON Lines, XML, TXT and XLSX",
		Long: `Convert one file into another format and/or character set.

Formats come from the file extensions (.csv .json .jsonl .xml .txt .xlsx) unless
--from/--to name them; "-" reads standard input or writes standard output (then
--from/--to are required). The output file appears only when the conversion has
succeeded completely: ferry writes a temp file next to it and renames it at the
end, so a failed conversion leaves no partial file behind.

Input text is decoded with --in-encoding (default auto: a byte order mark, else
UTF-8, else Windows-1252). Bytes that are not valid in the declared encoding
and characters that the output encoding cannot hold are errors with line and
field, never a silent "?".

By default a bad record fails the conversion: up to 100 bad records are listed
and nothing is written. With --on-error skip the bad records are listed and left
out, and the rest is written.`,
		Example: `  # Sage article export (Windows-1252, ";") to JSON
  ferry convert artikel.csv artikel.json

  # Smartstore orders (Web API answer) to a CSV for Excel, UTF-8 with BOM
  ferry convert --records value --out-encoding utf-8-bom orders.json orders.csv

  # openTRANS order positions to CSV
  ferry convert --record-element ORDER_ITEM order.xml positionen.csv

  # Second sheet of a workbook to CSV in Windows-1252, safe against formula injection
  ferry convert --sheet Preise --out-encoding windows-1252 --excel-safe preise.xlsx preise.csv

  # One file through a pipeline (formats, encodings and steps from the pipeline)
  ferry convert --pipeline artikel-to-products.yaml artikel.csv products.csv

  # From a pipe
  iconv -f cp1252 -t utf-8 artikel.csv | ferry convert --from csv --to jsonl - -`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fl.pipeline != "" {
				fl.inEncChanged = cmd.Flags().Changed("in-encoding")
				return c.convertPipeline(cmd.Context(), fl, args[0], args[1])
			}
			return c.convert(cmd.Context(), fl, args[0], args[1])
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.from, "from", "", "input format (csv, json, jsonl, xml, txt, xlsx); default: from IN's extension")
	f.StringVar(&fl.to, "to", "", "output format; default: from OUT's extension")
	f.StringVar(&fl.inEnc, "in-encoding", "auto", "input character set: auto, utf-8, utf-16, utf-16le, utf-16be, windows-1252, iso-8859-1, iso-8859-15, or auto:FALLBACK")
	f.StringVar(&fl.outEnc, "out-encoding", "utf-8", "output character set: utf-8, utf-8-bom (for Excel), utf-16, windows-1252, iso-8859-1, iso-8859-15")
	f.StringVar(&fl.delimiter, "delimiter", "", `CSV input delimiter (default: detected from the header line); "\t" for tab`)
	f.StringVar(&fl.outDel, "out-delimiter", "", `CSV output delimiter (default ";", as German Excel and both importers expect)`)
	f.StringVar(&fl.records, "records", "", `JSON: member path of the records array, e.g. "value" (default: a top-level array, or "value" of an OData answer)`)
	f.StringVar(&fl.recordElement, "record-element", "", "XML: element name or /absolute/path of the records (default: the children of the root element)")
	f.StringVar(&fl.sheet, "sheet", "", `XLSX: sheet name or "#N" for the N-th sheet (default: the first)`)
	f.StringVar(&fl.xmlRoot, "xml-root", "", `XML output: root element name (default "records")`)
	f.StringVar(&fl.xmlRec, "xml-record", "", `XML output: record element name (default "record")`)
	f.StringVar(&fl.translit, "transliterate", "", `output: replace characters the output encoding cannot hold by a table ("latin": Ł→L, č→c …)`)
	f.StringVar(&fl.onError, "on-error", "fail", "what a bad record does: fail (write nothing) or skip (leave it out)")
	f.StringVar(&fl.lineEnding, "line-ending", "", "CSV/TXT output line ends: crlf (default, as Windows importers expect) or lf")
	f.BoolVar(&fl.excelSafe, "excel-safe", false, "CSV output: neutralise cells that Excel would run as formulas (=, +, -, @), keeping real numbers")
	f.BoolVar(&fl.noHeader, "no-header", false, "CSV input has no header row (fields are named f1, f2, …)")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no summary line and no progress bar")
	f.StringVarP(&fl.pipeline, "pipeline", "p", "", "run IN through this pipeline (a name from --config, or a .yaml file); OUT is the file, or a folder when it writes several")
	f.StringVarP(&fl.config, "config", "c", "ferry.yaml", "the project file, for --pipeline NAME")
	return cmd
}

func (c *CLI) convert(ctx context.Context, fl convertFlags, in, out string) error {
	inF, err := c.pickFormat(fl.from, in, "--from")
	if err != nil {
		return err
	}
	outF, err := c.pickFormat(fl.to, out, "--to")
	if err != nil {
		return err
	}
	if strings.EqualFold(filepath.Ext(out), ".xlsm") {
		// An .xlsm must contain a macro-enabled workbook; Excel refuses the
		// plain workbook ferry writes under that name.
		return usageErr("ferry writes plain workbooks: name the output .xlsx, not %s", filepath.Base(out))
	}
	if fl.onError != "fail" && fl.onError != "skip" {
		return usageErr("--on-error must be fail or skip, not %q", fl.onError)
	}
	var translit map[rune]string
	if fl.translit != "" {
		if translit, err = formats.Transliteration(fl.translit); err != nil {
			return usageErr("--transliterate: %v", err)
		}
	}
	forFormat(inF)
	ropt, wopt, err := fl.options(inF, outF)
	if err != nil {
		return err
	}

	// Input.
	var src io.Reader = c.Stdin
	source := "<stdin>"
	var size int64 = -1
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return failed(err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		src, source = f, in
	}
	var bar *progressbar.ProgressBar
	if !fl.quiet && size > largeFile && c.IsTerminal(c.Stderr) {
		bar = c.byteBar(size, source)
		src = io.TeeReader(src, bar)
	}
	rd, err := formats.NewTextReader(inF, src, source, fl.inEnc, ropt)
	if err != nil {
		return c.dataErr(err)
	}

	// Output: a temp file committed at the end, or standard output.
	var dst io.Writer = c.Stdout
	var commit *outbox.File
	if out != "-" {
		if commit, err = outbox.Create(out); err != nil {
			return failed(err)
		}
		defer commit.Abort()
		dst = commit
	}
	buf := bufio.NewWriterSize(dst, 64<<10)
	wr, err := formats.NewTextWriter(outF, buf, fl.outEnc, translit, wopt)
	if err != nil {
		return usageErr("%v", err)
	}

	start := time.Now()
	var nIn, nOut int
	var bad []error
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return failed(fmt.Errorf("interrupted; %s was not written", out))
		}
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if formats.RecordOnly(err) {
				bad = append(bad, err)
				fmt.Fprintln(c.Stderr, "ferry:", err)
				if len(bad) == maxReported && fl.onError == "fail" {
					fmt.Fprintf(c.Stderr, "ferry: %s: stopped reading after %d bad records\n", source, maxReported)
					break
				}
				continue
			}
			return c.dataErr(err)
		}
		nIn++
		if len(bad) > 0 && fl.onError == "fail" {
			continue // keep reading only to report every bad record
		}
		if err := wr.Write(rec); err != nil {
			return c.dataErr(withFile(err, source))
		}
		nOut++
	}
	if len(bad) > 0 && fl.onError == "fail" {
		return failed(fmt.Errorf("%s: %d bad record(s); %s was not written", source, len(bad), out))
	}
	if err := wr.Close(); err != nil {
		return c.dataErr(withFile(err, source))
	}
	if err := buf.Flush(); err != nil {
		return failed(err)
	}
	if commit != nil {
		if err := commit.Commit(); err != nil {
			return failed(err)
		}
	}
	if bar != nil {
		_ = bar.Finish()
	}
	if !fl.quiet {
		skipped := ""
		if len(bad) > 0 {
			skipped = fmt.Sprintf(", %d bad record(s) skipped", len(bad))
		}
		took := time.Since(start)
		rate := ""
		if took > time.Second {
			rate = fmt.Sprintf(", %.0f records/s", float64(nIn)/took.Seconds())
		}
		fmt.Fprintf(c.Stderr, "ferry: %s → %s: %d records%s (%s%s)\n", source, displayName(out), nOut, skipped,
			took.Round(time.Millisecond), rate)
	}
	return nil
}

func displayName(p string) string {
	if p == "-" {
		return "<stdout>"
	}
	return p
}

// dataErr classifies an error from a reader or writer: bad data and I/O
// fail the file (exit 1).
func (c *CLI) dataErr(err error) error { return failed(err) }

// withFile fills in the source name of a DataError raised by a writer, whose
// positions refer to the input.
func withFile(err error, source string) error {
	if de := formats.AsDataError(err); de != nil && de.File == "" {
		de.File = source
	}
	return err
}

func (c *CLI) pickFormat(name, path, flag string) (*formats.Format, error) {
	if name != "" {
		f, err := c.Formats.Lookup(name)
		if err != nil {
			return nil, usageErr("%s: %v", flag, err)
		}
		return f, nil
	}
	if path == "-" {
		return nil, usageErr("%s is needed with \"-\" (there is no file name to tell the format from)", flag)
	}
	f, err := c.Formats.ForPath(path)
	if err != nil {
		return nil, usageErr("%v; name the format with %s", err, flag)
	}
	return f, nil
}

// options turns the flags into reader and writer options.
func (fl convertFlags) options(inF, outF *formats.Format) (ropt, wopt formats.Options, err error) {
	del, err := delimiterFlag("--delimiter", fl.delimiter)
	if err != nil {
		return ropt, wopt, err
	}
	outDel, err := delimiterFlag("--out-delimiter", fl.outDel)
	if err != nil {
		return ropt, wopt, err
	}
	ropt.CSV.Delimiter = del
	ropt.TXT.Delimiter = del
	if fl.noHeader {
		no := false
		ropt.CSV.Header = &no
	}
	ropt.JSON.Records = fl.records
	ropt.XML.RecordElement = fl.recordElement
	ropt.XLSX.Sheet = fl.sheet
	if inF.Name == "xml" && !strings.HasPrefix(strings.ToLower(fl.inEnc), "auto") {
		ropt.XML.Encoding = fl.inEnc
	}

	wopt.CSV.Delimiter = outDel
	wopt.TXT.Delimiter = outDel
	if wopt.TXT.Delimiter == "" {
		wopt.TXT.Delimiter = "\t"
	}
	if inF.Name == "txt" && ropt.TXT.Delimiter == "" {
		ropt.TXT.Delimiter = "\t"
	}
	wopt.CSV.ExcelSafe = fl.excelSafe
	switch fl.lineEnding {
	case "", "crlf", "lf":
		wopt.CSV.LineEnding = fl.lineEnding
		wopt.TXT.LineEnding = fl.lineEnding
	default:
		return ropt, wopt, usageErr("--line-ending must be crlf or lf, not %q", fl.lineEnding)
	}
	wopt.XML.Root = fl.xmlRoot
	wopt.XML.RecordElement = fl.xmlRec
	if outF.Name == "xml" {
		wopt.XML.Encoding = fl.outEnc
	}
	return ropt, wopt, nil
}

func delimiterFlag(flag, s string) (string, error) {
	switch s {
	case `\t`, "tab", "TAB":
		return "\t", nil
	}
	if len([]rune(s)) > 1 {
		return "", usageErr("%s must be one character, not %q", flag, s)
	}
	return s, nil
}
