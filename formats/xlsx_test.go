package formats

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/xuri/excelize/v2"
)

// ------------------------------------------------------------ fixtures

// xlsxPart is one file inside a hand-made workbook.
type xlsxPart struct{ name, body string }

// handmadeXLSX zips sheets (name → worksheet XML) together with the given
// shared strings and styles into a workbook laid out the way Excel writes
// one: shared strings, cell styles pointing at number formats, raw <v>
// values with Excel's 17 digits. It gives the tests exact control over
// what is in the file.
func handmadeXLSX(t testing.TB, sheets []xlsxPart, sst, styles string) []byte {
	t.Helper()
	var ct, wb, rels strings.Builder
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`)
	parts := []xlsxPart{}
	for i, s := range sheets {
		n := strconv.Itoa(i + 1)
		ct.WriteString(`<Override PartName="/xl/worksheets/sheet` + n + `.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
		wb.WriteString(`<sheet name="` + s.name + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
		rels.WriteString(`<Relationship Id="rId` + n + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
		parts = append(parts, xlsxPart{"xl/worksheets/sheet" + n + ".xml", s.body})
	}
	ct.WriteString(`</Types>`)
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(`</Relationships>`)
	parts = append([]xlsxPart{
		{"[Content_Types].xml", ct.String()},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{"xl/workbook.xml", wb.String()},
		{"xl/_rels/workbook.xml.rels", rels.String()},
		{"xl/styles.xml", styles},
		{"xl/sharedStrings.xml", sst},
	}, parts...)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xlsxSheetXML wraps rows into a worksheet.
func xlsxSheetXML(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		rows + `</sheetData></worksheet>`
}

func xlsxSST(items ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="` +
		strconv.Itoa(len(items)) + `" uniqueCount="` + strconv.Itoa(len(items)) + `">`)
	for _, it := range items {
		if strings.HasPrefix(it, "<") {
			b.WriteString(`<si>` + it + `</si>`) // rich text runs, given as XML
			continue
		}
		var esc bytes.Buffer
		_ = xlsxEscape(&esc, it)
		b.WriteString(`<si><t xml:space="preserve">` + esc.String() + `</t></si>`)
	}
	b.WriteString(`</sst>`)
	return b.String()
}

func xlsxEscape(w *bytes.Buffer, s string) error {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", "&#10;")
	_, err := w.WriteString(r.Replace(s))
	return err
}

// xlsxTestStyles: cellXfs 0 General, 1 date (14), 2 date-time (22), 3 0.00%
// (10), 4 #,##0.00 (custom 164), 5 text @ (49), 6 0.00E+00 (11), 7 0.00
// (2), 8 d-mmm-yy (15), 9 hh:mm (20).
const xlsxTestStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
	`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts>` +
	`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
	`<fills count="1"><fill><patternFill patternType="none"/></fill></fills>` +
	`<borders count="1"><border/></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="10">` +
	`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="11" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="15" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="20" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`</cellXfs></styleSheet>`

// artikelXLSX is a small workbook laid out as Excel saves it: an article
// list on "Tabelle1" and prices on "Preise". It is committed as
// testdata/xlsx/artikel.xlsx (rewritten with -update).
func artikelXLSX(t testing.TB) []byte {
	sst := xlsxSST(
		"Artikelnummer", "Bezeichnung", "EAN", "VK1", "Menge", "Summe", // 0-5
		"Aktiv", "Angelegt", "Geändert", "Rabatt", "Umsatz", "Notiz", // 6-11
		"000815", "Kaffeebecher „Heimathafen“ Steingut 0,3 l", "00042", // 12-14
		`<r><t xml:space="preserve">Teekanne </t></r><r><rPr><b/></rPr><t>Glas</t></r><r><t xml:space="preserve"> 1,2 l – spülmaschinenfest</t></r>`, // 15
		"004711", "Teesieb Edelstahl Ø 10 cm", "Zeile 1\nZeile 2", "  mit Leerzeichen  ", // 16-19
		"1.5E+20", "Ärger & Öl <Test>", "Preis", "Gültig ab", // 20-23
	)
	tab := xlsxSheetXML(`` +
		`<row r="1">` + xlsxSRow("A", 0, 11) + `</row>` +
		`<row r="2"><c r="A2" s="5" t="s"><v>12</v></c><c r="B2" t="s"><v>13</v></c>` +
		`<c r="C2"><v>4006381333931</v></c><c r="D2"><v>8.3193</v></c><c r="E2"><v>2</v></c>` +
		`<c r="F2"><f>D2*E2</f><v>16.6386</v></c><c r="G2" t="b"><v>1</v></c>` +
		`<c r="H2" s="1"><v>46099</v></c><c r="I2" s="2"><v>46099.604166666664</v></c>` +
		`<c r="J2" s="3"><v>0.1234</v></c><c r="K2" s="4"><v>1234567.891</v></c></row>` +
		`<row r="3"><c r="A3" s="5" t="s"><v>14</v></c><c r="B3" t="s"><v>15</v></c>` +
		`<c r="C3" s="6"><v>4006381333948</v></c><c r="D3"><f>0.1+0.2</f><v>0.30000000000000004</v></c>` +
		`<c r="F3"><f>D3*E3</f><v>0</v></c><c r="G3" t="b"><v>0</v></c><c r="H3" s="8"><v>45292</v></c>` +
		`<c r="J3" s="3"><v>-0.05</v></c><c r="K3" s="4"><v>-12.5</v></c><c r="L3" t="s"><v>18</v></c></row>` +
		`<row r="5"><c r="A5" s="5" t="s"><v>16</v></c><c r="B5" t="s"><v>17</v></c>` +
		`<c r="C5"><v>1.2345678901234567E+19</v></c><c r="D5"><v>1.1102230246251565E-16</v></c>` +
		`<c r="E5" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F5" t="str"><f>A5&amp;"-X"</f><v>004711-X</v></c>` +
		`<c r="G5" t="s"><v>20</v></c><c r="H5" s="7"><v>1234.5</v></c><c r="I5" s="9"><v>0.5625</v></c>` +
		`<c r="L5" t="s"><v>19</v></c></row>` +
		`<row r="6"><c r="A6" s="5"/><c r="B6" s="5"/></row>` +
		`<row r="7"><c r="A7" t="inlineStr"><is><t>000999</t></is></c><c r="B7" t="s"><v>21</v></c></row>`)
	preise := xlsxSheetXML(`` +
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>22</v></c><c r="D1" t="s"><v>23</v></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>12</v></c><c r="B2"><v>9.9</v></c><c r="D2" s="1"><v>46099</v></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>14</v></c><c r="B3"><v>24.95</v></c></row>`)
	return handmadeXLSX(t, []xlsxPart{{"Tabelle1", tab}, {"Preise", preise}}, sst, xlsxTestStyles)
}

// xlsxSRow is cells col0.. of shared strings from..to in row 1.
func xlsxSRow(col0 string, from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		c := string(rune(col0[0]) + rune(i-from))
		b.WriteString(`<c r="` + c + `1" t="s"><v>` + strconv.Itoa(i) + `</v></c>`)
	}
	return b.String()
}

// xlsxFixture returns testdata/xlsx/NAME, writing it from build (if any)
// under -update.
func xlsxFixture(t *testing.T, name string, build func(testing.TB) []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", "xlsx", name)
	if *update && build != nil {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, build(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	return data
}

// excelizeXLSX is a workbook written by excelize's normal API (inline
// strings, its own styles), with an empty column between data columns.
func excelizeXLSX(t testing.TB) []byte {
	f := excelize.NewFile()
	defer f.Close()
	s := "Sheet1"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName(s, "Kunden Liste"))
	s = "Kunden Liste"
	must(f.SetSheetRow(s, "A1", &[]any{"Kundennummer", "Name", "PLZ", "", "Umsatz", "Seit"}))
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetSheetRow(s, "A2", &[]any{"10000", "Müller & Söhne GmbH", "01099", nil, 1234.5}))
	must(f.SetCellFloat(s, "F2", 45000, -1, 64))
	must(f.SetCellStyle(s, "F2", "F2", date))
	must(f.SetSheetRow(s, "A3", &[]any{10001, "Ölmühle Groß", "80331", nil, 0.1 + 0.2, "seit 2020"}))
	must(f.SetCellBool(s, "B4", false))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// ------------------------------------------------------------ conformance

func TestXLSXConformance(t *testing.T) {
	artikel := xlsxFixture(t, "artikel.xlsx", artikelXLSX)
	wopt := Options{XLSX: XLSXOptions{Sheet: "Preise", SheetName: "Preise"}}
	runConformanceCases(t, XLSXFormat(), []conformanceCase{
		{Name: "xlsx-artikel", Input: artikel, RoundTrip: true},
		{Name: "xlsx-preise", Input: artikel, Opt: Options{XLSX: XLSXOptions{Sheet: "Preise"}}, RoundTrip: true, WriteOpt: &wopt},
		{Name: "xlsx-excelize", Input: excelizeXLSX(t), RoundTrip: true},
		// Written by openpyxl: another producer's styles, dates and a
		// formula it never calculated.
		{Name: "xlsx-openpyxl", Input: xlsxFixture(t, "openpyxl-bestellungen.xlsx", nil), RoundTrip: true},
		{Name: "xlsx-header-row-2", Input: excelizeXLSX(t), Opt: Options{XLSX: XLSXOptions{HeaderRow: 2, DateFormat: "2006-01-02"}}},
	})
}

// TestXLSXCellText pins what each kind of cell reads as.
func TestXLSXCellText(t *testing.T) {
	recs, err := readBytes(XLSXFormat(), Options{}, bytes.NewReader(artikelXLSX(t)), "artikel.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rec   int
		field string
		want  string
		what  string
	}{
		{0, "Artikelnummer", "000815", "text cell with leading zeros"},
		{0, "EAN", "4006381333931", "EAN stored as a number, General format"},
		{0, "VK1", "8.3193", "decimal"},
		{0, "Summe", "16.6386", "formula: cached value"},
		{0, "Aktiv", "TRUE", "boolean"},
		{0, "Angelegt", "18.03.2026", "built-in date format 14"},
		{0, "Geändert", "18.03.2026 14:30", "built-in date-time format 22"},
		{0, "Rabatt", "12.34%", "0.00% as excelize renders it"},
		{0, "Umsatz", "1,234,567.89", "#,##0.00 as excelize renders it (en-US separators)"},
		{0, "Notiz", "", "missing trailing cell"},
		{1, "Bezeichnung", "Teekanne Glas 1,2 l – spülmaschinenfest", "rich text"},
		{1, "EAN", "4006381333948", "EAN in scientific format 0.00E+00"},
		{1, "VK1", "0.3", "=0.1+0.2 rounded to 15 digits like Excel"},
		{1, "Menge", "", "missing cell in the middle"},
		{1, "Aktiv", "FALSE", "boolean false"},
		{1, "Angelegt", "01.01.2024", "built-in date format 15 follows DateFormat too"},
		{1, "Rabatt", "-5.00%", "negative percent"},
		{1, "Umsatz", "-12.50", "negative #,##0.00"},
		{1, "Notiz", "Zeile 1\nZeile 2", "line break kept"},
		{2, "EAN", "12345678901234600000", "20 digits: 15 significant, no E notation"},
		{2, "VK1", "0.000000000000000111022302462516", "tiny number, no E notation"},
		{2, "Menge", "#DIV/0!", "error value as text"},
		{2, "Summe", "004711-X", "string formula"},
		{2, "Aktiv", "1.5E+20", "text that looks like E notation stays text"},
		{2, "Angelegt", "1234.50", "0.00 format"},
		{2, "Geändert", "13:30", "built-in time format as excelize renders it"},
		{2, "Notiz", "  mit Leerzeichen  ", "spaces kept"},
		{3, "Artikelnummer", "000999", "inline string"},
		{3, "Bezeichnung", "Ärger & Öl <Test>", "XML escapes"},
	} {
		if c.rec >= len(recs) {
			t.Fatalf("only %d records", len(recs))
		}
		if got := recs[c.rec].Text(c.field); got != c.want {
			t.Errorf("%s (record %d %s): got %q, want %q", c.what, c.rec+1, c.field, got, c.want)
		}
	}
	if len(recs) != 4 {
		t.Errorf("%d records, want 4 (rows 4 and 6 are empty)", len(recs))
	}
	// Positions: record at row 5, field VK1 in column D.
	r := recs[2]
	if r.Pos != (Pos{Line: 5, Ref: "Tabelle1!A5", Index: 3}) {
		t.Errorf("record pos %+v", r.Pos)
	}
	if p := r.Field("VK1").Pos; p != (Pos{Line: 5, Col: 4, Ref: "Tabelle1!D5"}) {
		t.Errorf("field pos %+v", p)
	}
}

func TestXLSXOptions(t *testing.T) {
	data := artikelXLSX(t)
	read := func(o XLSXOptions) []*Record {
		t.Helper()
		recs, err := readBytes(XLSXFormat(), Options{XLSX: o}, bytes.NewReader(data), "artikel.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	recs := read(XLSXOptions{DateFormat: "2006-01-02"})
	if got := recs[0].Text("Angelegt") + "|" + recs[0].Text("Geändert"); got != "2026-03-18|2026-03-18 14:30" {
		t.Errorf("DateFormat: %s", got)
	}
	recs = read(XLSXOptions{DateFormat: "2.1.2006", DateTimeFormat: "2006-01-02T15:04:05"})
	if got := recs[0].Text("Angelegt") + "|" + recs[0].Text("Geändert"); got != "18.3.2026|2026-03-18T14:30:00" {
		t.Errorf("DateTimeFormat: %s", got)
	}
	// Custom date-time formats (openpyxl writes yyyy-mm-dd h:mm:ss) keep
	// their seconds for a layout that shows them.
	recs2, err := readBytes(XLSXFormat(), Options{XLSX: XLSXOptions{DateTimeFormat: "02.01.2006 15:04:05"}},
		bytes.NewReader(xlsxFixture(t, "openpyxl-bestellungen.xlsx", nil)), "b.xlsx")
	if err != nil || recs2[1].Text("Zeitpunkt") != "18.03.2026 16:45:30" || recs2[1].Text("Datum") != "18.03.2026" {
		t.Errorf("custom date-time: %v %s", err, dumpString(recs2))
	}
	for _, sheet := range []string{"Preise", "preise", "#2"} {
		recs = read(XLSXOptions{Sheet: sheet})
		if len(recs) != 2 || recs[0].Text("Preis") != "9.9" || recs[0].Fields[2].Pos.Ref != "Preise!D2" {
			t.Errorf("sheet %q: %s", sheet, dumpString(recs))
		}
	}
	for _, bad := range []XLSXOptions{{HeaderRow: -1}, {MaxRows: -2}, {MaxFileSize: -1}, {UnzipSizeLimit: 10, UnzipXMLSizeLimit: 20}} {
		if _, err := NewXLSXReader(bytes.NewReader(data), "x.xlsx", bad); err == nil {
			t.Errorf("options %+v accepted", bad)
		}
	}
	for _, bad := range []XLSXOptions{{SheetName: "a/b"}, {SheetName: strings.Repeat("x", 32)}, {MaxColumnWidth: 300}} {
		if _, err := NewXLSXWriter(io.Discard, bad); err == nil {
			t.Errorf("writer options %+v accepted", bad)
		}
	}
}

// ------------------------------------------------------------ bad input

func TestXLSXBadInput(t *testing.T) {
	notZip, err := os.ReadFile(filepath.Join("testdata", "xlsx", "not-a-zip.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	artikel := artikelXLSX(t)
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)
	encrypted := append(append([]byte(nil), ole...), xlsxUTF16LE("EncryptedPackage")...)
	one := func(rows string) []byte {
		return handmadeXLSX(t, []xlsxPart{{"Tabelle1", xlsxSheetXML(rows)}}, xlsxSST("a", "b"), xlsxTestStyles)
	}
	bomb := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("xl/worksheets/sheet1.xml")
		_, _ = w.Write(bytes.Repeat([]byte{' '}, 5<<20))
		_ = zw.Close()
		return buf.Bytes()
	}()
	const notWB = `not an Excel workbook (an .xlsx file is a ZIP archive starting with "PK")`
	for _, c := range []struct {
		name string
		in   []byte
		opt  XLSXOptions
		want string // the whole error text
	}{
		{"not-a-zip.xlsx", notZip, XLSXOptions{},
			`not-a-zip.xlsx: ` + notWB + `; the content looks like ';'-separated text – was a CSV file renamed to .xlsx?`},
		{"tabs.xlsx", []byte("a\tb\tc\r\n1\t2\t3\r\n"), XLSXOptions{},
			`tabs.xlsx: ` + notWB + `; the content looks like TAB-separated text – was a CSV or TXT file renamed to .xlsx?`},
		{"old.xls", ole, XLSXOptions{},
			`old.xls: ` + notWB + `: it is an Excel 97-2003 workbook (.xls) – or a password-protected workbook, which is stored the same way; save it as .xlsx (Excel Workbook) without a password`},
		{"secret.xlsx", encrypted, XLSXOptions{},
			`secret.xlsx: ` + notWB + `: it is a password-protected (encrypted) workbook; remove the password in Excel (File > Info > Protect Workbook > Encrypt with Password) and save it again`},
		{"binary.xlsx", []byte{0x89, 'P', 'N', 'G', 0, 0, 1}, XLSXOptions{}, `binary.xlsx: ` + notWB},
		{"empty.xlsx", nil, XLSXOptions{}, `empty.xlsx: the file is empty (0 bytes)`},
		{"half.xlsx", artikel[:len(artikel)/2], XLSXOptions{},
			`half.xlsx: the workbook is damaged or incomplete (its ZIP structure is broken) – was the file cut off while copying, or is it still being written?`},
		{"big.xlsx", artikel, XLSXOptions{MaxFileSize: 2048}, `big.xlsx: the workbook is larger than 2 KiB (max_file_size)`},
		{"big2.xlsx", artikel, XLSXOptions{MaxFileSize: 5 << 20}, ``}, // under the limit: fine
		{"bomb.xlsx", bomb, XLSXOptions{UnzipSizeLimit: 1 << 20},
			`bomb.xlsx: the workbook unpacks to more than 1 MiB (unzip_size_limit); it may be a "zip bomb" – raise the limit only for a file you trust`},
		{"sheet.xlsx", artikel, XLSXOptions{Sheet: "Preis"},
			`sheet.xlsx: there is no sheet "Preis" in the workbook; its sheets are "Tabelle1", "Preise"`},
		{"sheet3.xlsx", artikel, XLSXOptions{Sheet: "#3"},
			`sheet3.xlsx: there is no sheet #3: the workbook has 2 sheets ("Tabelle1", "Preise")`},
		{"blank.xlsx", one(``), XLSXOptions{},
			`blank.xlsx:Tabelle1!A1: the sheet "Tabelle1" is empty – expected the column names in row 1`},
		{"short.xlsx", one(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`), XLSXOptions{HeaderRow: 3},
			`short.xlsx:Tabelle1!A3: the sheet "Tabelle1" ends at row 1, before row 3 where the column names were expected (header_row)`},
		{"nohead.xlsx", one(`<row r="2"><c r="A2" t="s"><v>0</v></c></row>`), XLSXOptions{},
			`nohead.xlsx:Tabelle1!A1: row 1 of sheet "Tabelle1" is empty – expected the column names there (header_row)`},
		{"dup.xlsx", one(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t> a </t></is></c></row>`), XLSXOptions{},
			`dup.xlsx:Tabelle1!C1: the column name "a" appears twice, in A1 and C1 – every column needs its own name`},
		{"maxrows.xlsx", artikel, XLSXOptions{MaxRows: 2},
			`maxrows.xlsx:Tabelle1!A5: the sheet has more than 2 data rows (max_rows)`},
		{"badref.xlsx", one(`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="??" t="s"><v>0</v></c></row>`), XLSXOptions{},
			`badref.xlsx:Tabelle1!A2: row 2 of sheet "Tabelle1" cannot be read – the workbook is damaged (a cell has the invalid reference "??")`},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs, err := readBytes(XLSXFormat(), Options{XLSX: c.opt}, bytes.NewReader(c.in), c.name)
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			de := AsDataError(err)
			if de == nil {
				t.Fatalf("got %v (%T) after %d records, want a DataError", err, err, len(recs))
			}
			if err.Error() != c.want {
				t.Errorf("error\n got: %s\nwant: %s", err, c.want)
			}
			if de.File != c.name {
				t.Errorf("File = %q", de.File)
			}
		})
	}
}

// xlsxDropPart rebuilds a workbook without one of its parts.
func xlsxDropPart(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name == name {
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXDamaged(t *testing.T) {
	artikel := artikelXLSX(t)
	_, err := readBytes(XLSXFormat(), Options{XLSX: XLSXOptions{Sheet: "Preise"}},
		bytes.NewReader(xlsxDropPart(t, artikel, "xl/worksheets/sheet2.xml")), "a.xlsx")
	if want := `a.xlsx: the sheet "Preise" is listed in the workbook, but its data is missing – the workbook is damaged`; err == nil || err.Error() != want {
		t.Errorf("missing sheet part: %v", err)
	}
	_, err = readBytes(XLSXFormat(), Options{}, bytes.NewReader(xlsxDropPart(t, artikel, "xl/workbook.xml")), "b.xlsx")
	if want := `b.xlsx: the workbook is damaged and cannot be opened (a part it needs, such as xl/workbook.xml, is missing or empty)`; err == nil || err.Error() != want {
		t.Errorf("no workbook.xml: %v", err)
	}
	// A failing input is passed on as it is, not called a damaged workbook.
	big := append([]byte("PK\x03\x04"), make([]byte, 5000)...)
	for name, in := range map[string]io.Reader{
		"at once":     iotest.ErrReader(errDiskFull),
		"after 5000":  io.MultiReader(bytes.NewReader(big), iotest.ErrReader(errDiskFull)),
		"after 10 of": io.MultiReader(bytes.NewReader(big[:10]), iotest.ErrReader(errDiskFull)),
	} {
		if _, err := readBytes(XLSXFormat(), Options{}, in, "c.xlsx"); !errors.Is(err, errDiskFull) || AsDataError(err) != nil {
			t.Errorf("%s: %v (%T)", name, err, err)
		}
	}
}

// A value in a column without a header spoils only its record.
func TestXLSXStrayValue(t *testing.T) {
	in := handmadeXLSX(t, []xlsxPart{{"Meine Daten", xlsxSheetXML(`` +
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><t>oops</t></is></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3" t="s"><v>0</v></c><c r="E3"><v>7</v></c></row>` +
		`<row r="4"><c r="A4" t="s"><v>1</v></c></row>`)}}, xlsxSST("a", "b"), xlsxTestStyles)
	r, err := XLSXFormat().NewReader(bytes.NewReader(in), "daten.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`daten.xlsx:'Meine Daten'!B2: cell B2 has a value ("oops"), but column B has no header – name the column in row 1 or clear the cell`,
		`daten.xlsx:'Meine Daten'!E3: cell E3 has a value ("7"), but column E has no header – name the column in row 1 or clear the cell`,
		`record`,
		`EOF`,
	}
	for i, w := range want {
		rec, err := r.Read()
		switch w {
		case "record":
			if err != nil || rec.Text("a") != "b" || rec.Pos.Index != 3 || rec.Fields[1].Pos.Ref != "'Meine Daten'!C4" {
				t.Errorf("read %d: %v %s", i, err, dumpString([]*Record{rec}))
			}
		case "EOF":
			if err != io.EOF {
				t.Errorf("read %d: %v, want EOF", i, err)
			}
		default:
			de := AsDataError(err)
			if de == nil || !de.RecordOnly || err.Error() != w {
				t.Errorf("read %d:\n got: %v\nwant: %s (RecordOnly)", i, err, w)
			}
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Errorf("after EOF: %v", err)
	}
}

func TestXLSXReaderClose(t *testing.T) {
	r, err := NewXLSXReader(bytes.NewReader(artikelXLSX(t)), "a.xlsx", XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(); err == nil || err == io.EOF {
		t.Errorf("Read after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestXLSXFormatDateKind(t *testing.T) {
	for code, want := range map[string]int{
		"dd.mm.yyyy":                  xlsxDate,
		"DD.MM.YY;@":                  xlsxDate,
		"[$-407]mmmm yyyy;@":          xlsxDate,
		"[$-F800]dddd, mmmm dd, yyyy": xlsxDate,
		"yyyy-mm-dd h:mm:ss":          xlsxDateTime,
		"dd/mm/yyyy hh:mm AM/PM":      xlsxDateTime,
		"hh:mm":                       xlsxNotDate,
		"[h]:mm:ss":                   xlsxNotDate,
		"mm:ss.0":                     xlsxNotDate,
		"#,##0.00":                    xlsxNotDate,
		"0.00%":                       xlsxNotDate,
		"General":                     xlsxNotDate,
		`0.00 "Tage"`:                 xlsxNotDate,
		`#,##0.00 [$€-407];[Red]-#,##0.00 [$€-407]`: xlsxNotDate,
		`\d0`:                 xlsxNotDate,
		`0;"day"`:             xlsxNotDate,
		`@`:                   xlsxNotDate,
		`[Red][<=100]0;"yes"`: xlsxNotDate,
		"[Blue]d/m/y":         xlsxDate,
		`"unclosed`:           xlsxNotDate,
		"[unclosed d":         xlsxNotDate,
	} {
		if got := xlsxFormatDateKind(code); got != want {
			t.Errorf("xlsxFormatDateKind(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestXLSXPlainDecimal15(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"4.006381333931E+12", "4006381333931"},
		{"1.2345678901234567E+19", "12345678901234600000"},
		{"1.1102230246251565E-16", "0.000000000000000111022302462516"},
		{"-9.9999999999999999E+20", "-1000000000000000000000"},
		{"0.30000000000000004", "0.3"},
		{"1E+20", "100000000000000000000"},
		{"-0.0", "0"},
		{"+12.50", "12.5"},
		{"1e-7", "0.0000001"},
		{"123", "123"},
	} {
		if got, ok := xlsxPlainDecimal15(c.in); !ok || got != c.want {
			t.Errorf("xlsxPlainDecimal15(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	for _, bad := range []string{"", "-", "E5", "1E", "1E+99999", "1.2.3", "abc", "1x"} {
		if got, ok := xlsxPlainDecimal15(bad); ok {
			t.Errorf("xlsxPlainDecimal15(%q) = %q, accepted", bad, got)
		}
	}
}

// ------------------------------------------------------------ writer

func TestXLSXWriter(t *testing.T) {
	rec := func(kv ...string) *Record {
		r := NewRecord(len(kv) / 2)
		for i := 0; i < len(kv); i += 2 {
			r.Add(kv[i], String(kv[i+1]), Pos{})
		}
		return r
	}
	recs := []*Record{
		rec("Artikelnummer", "000815", "EAN", "4006381333931", "VK1", "8.3193", "Menge", "12", "Bezeichnung", "Kaffeebecher „Heimathafen“"),
		rec("Bezeichnung", "Teekanne", "Artikelnummer", "00042", "VK1", "-24.95"), // other order, Menge and EAN missing
		rec("Artikelnummer", "004711", "EAN", "", "VK1", "1.5e3", "Menge", " 7 ", "Bezeichnung", strings.Repeat("x", 200)),
	}
	out, err := writeBytes(XLSXFormat(), Options{XLSX: XLSXOptions{NumberColumns: []string{"VK1", "Menge"}, SheetName: "Artikel"}}, recs)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const s = "Artikel"
	if got := f.GetSheetList(); len(got) != 1 || got[0] != s {
		t.Fatalf("sheets %q", got)
	}
	// Header: bold.
	for _, cell := range []string{"A1", "E1"} {
		id, err := f.GetCellStyle(s, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s is not bold: %+v %v", cell, st, err)
		}
	}
	if id, _ := f.GetCellStyle(s, "A2"); id != 0 {
		if st, _ := f.GetStyle(id); st != nil && st.Font != nil && st.Font.Bold {
			t.Errorf("A2 is bold")
		}
	}
	// Frozen below the header.
	panes, err := f.GetPanes(s)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v %v", panes, err)
	}
	// Widths: from header and values, capped.
	for col, want := range map[string]float64{"A": 16, "B": 15, "C": 8, "D": 8, "E": 60} {
		if got, err := f.GetColWidth(s, col); err != nil || got != want {
			t.Errorf("width %s = %v, want %v (%v)", col, got, want, err)
		}
	}
	// Types: IDs are text, number_columns numeric with the exact literal.
	sheet := xlsxZipPart(t, out, "xl/worksheets/sheet1.xml")
	for _, want := range []string{
		`<c r="A2" t="inlineStr"><is><t>000815</t></is></c>`,
		`<c r="B2" t="inlineStr"><is><t>4006381333931</t></is></c>`,
		`<c r="C2"><v>8.3193</v></c><c r="D2"><v>12</v></c>`,
		`<row r="3"><c r="A3" t="inlineStr"><is><t>00042</t></is></c><c r="C3"><v>-24.95</v></c><c r="E3" t="inlineStr">`,
		`<c r="C4"><v>1500</v></c><c r="D4"><v>7</v></c>`,
		`<autoFilter ref="$A$1:$E$4">`,
	} {
		if !strings.Contains(sheet, want) {
			t.Errorf("sheet XML lacks %s", want)
		}
	}
	if strings.Contains(sheet, "<dimension") {
		t.Errorf("sheet XML has a <dimension> written before the rows were known")
	}
	// And it reads back.
	back, err := readBytes(XLSXFormat(), Options{}, bytes.NewReader(out), "back.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if got := back[1].Text("Artikelnummer") + "|" + back[1].Text("VK1") + "|" + back[1].Text("EAN"); got != "00042|-24.95|" {
		t.Errorf("read back: %s", got)
	}
}

func xlsxZipPart(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no %s in the workbook", name)
	return ""
}

func TestXLSXWriterErrors(t *testing.T) {
	at := Pos{Line: 7, Ref: "src.csv"}
	rec := func(kv ...string) *Record {
		r := &Record{Pos: at}
		for i := 0; i < len(kv); i += 2 {
			r.Add(kv[i], String(kv[i+1]), at)
		}
		return r
	}
	num := XLSXOptions{NumberColumns: []string{"VK1"}}
	for _, c := range []struct {
		name string
		opt  XLSXOptions
		recs []*Record
		want string
	}{
		{"unknown field", XLSXOptions{}, []*Record{rec("a", "1"), rec("a", "2", "b", "3")},
			`7 (src.csv): field "b": the sheet has no column of this name (its columns come from the first record: "a")`},
		{"bad number", num, []*Record{rec("VK1", "12,5x")},
			`7 (src.csv): field "VK1": "12,5x" is not a number for a numeric column (number_columns): use a decimal point and no thousands separator, e.g. 1234.56`},
		{"bad number 2", num, []*Record{rec("VK1", "1"), rec("VK1", "abc")},
			`7 (src.csv): field "VK1": "abc" is not a number for a numeric column (number_columns)`},
		{"too precise", num, []*Record{rec("VK1", "12345678901234567")},
			`7 (src.csv): field "VK1": "12345678901234567" has more than 15 significant digits, which Excel cannot store exactly as a number – leave it out of number_columns to write it as text`},
		{"huge", num, []*Record{rec("VK1", "1e999")}, `7 (src.csv): field "VK1": "1e999" is out of the range of Excel numbers`},
		{"long cell", XLSXOptions{}, []*Record{rec("a", strings.Repeat("ä", 32768))},
			`7 (src.csv): field "a": the text has 32768 characters; an Excel cell holds at most 32767`},
		{"control", XLSXOptions{}, []*Record{rec("a", "x\x01y")},
			`7 (src.csv): field "a": "x\x01y" contains the control character U+0001, which an .xlsx file cannot hold`},
		{"bad utf8", XLSXOptions{}, []*Record{rec("a", "x\xfcy")}, "7 (src.csv): field \"a\": byte 2 (0xFC) of \"x\uFFFDy\" is not valid UTF-8"},
		{"no name", XLSXOptions{}, []*Record{rec("", "x")}, `7 (src.csv): field 1 has no name, but every column of the sheet needs one`},
		{"dup name", XLSXOptions{}, []*Record{rec("a", "x", "a", "y")}, `7 (src.csv): field "a": the field name appears twice; a sheet needs unique column names`},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, err := NewXLSXWriter(io.Discard, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			var werr error
			for _, r := range c.recs {
				if werr = w.Write(r); werr != nil {
					break
				}
			}
			if werr == nil || AsDataError(werr) == nil || werr.Error() != c.want {
				t.Errorf("Write error\n got: %v\nwant: %s", werr, c.want)
			}
			if err := w.Write(rec("a", "1")); err != werr {
				t.Errorf("error does not stick: %v", err)
			}
			if err := w.Close(); err != werr {
				t.Errorf("Close: %v", err)
			}
		})
	}
	// The row limit, without writing a million rows.
	w, err := NewXLSXWriter(io.Discard, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec("a", "1")); err != nil {
		t.Fatal(err)
	}
	w.rows = xlsxMaxSheetRows
	err = w.Write(rec("a", "2"))
	if want := `7 (src.csv): more than 1048575 records do not fit on one Excel sheet (1048576 rows including the header)`; err == nil || err.Error() != want {
		t.Errorf("row limit: %v", err)
	}
	_ = w.Close()
}

func TestXLSXWriterEmptyAndNested(t *testing.T) {
	out, err := writeBytes(XLSXFormat(), Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Tabelle1")
	_ = f.Close()
	if err != nil || len(rows) != 0 {
		t.Errorf("empty workbook: %q %v", rows, err)
	}
	if _, err := readBytes(XLSXFormat(), Options{}, bytes.NewReader(out), "empty.xlsx"); err == nil ||
		err.Error() != `empty.xlsx:Tabelle1!A1: the sheet "Tabelle1" is empty – expected the column names in row 1` {
		t.Errorf("reading it: %v", err)
	}

	// Nested values are flattened; numbers and bools are written as text.
	inner := NewRecord(2)
	inner.Add("Email", String("a@b.de"), Pos{})
	inner.Add("Id", Number("0012"), Pos{})
	r := NewRecord(3)
	r.Add("Kunde", Nested(inner), Pos{})
	r.Add("Aktiv", Bool(true), Pos{})
	r.Add("Tags", List([]Value{String("x"), String("y")}), Pos{})
	out, err = writeBytes(XLSXFormat(), Options{}, []*Record{r})
	if err != nil {
		t.Fatal(err)
	}
	back, err := readBytes(XLSXFormat(), Options{}, bytes.NewReader(out), "n.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	want := "record 1 @2 (Tabelle1!A2)\n" +
		"  Kunde.Email = \"a@b.de\" @2:1 (Tabelle1!A2)\n" +
		"  Kunde.Id = \"0012\" @2:2 (Tabelle1!B2)\n" +
		"  Aktiv = \"true\" @2:3 (Tabelle1!C2)\n" +
		"  Tags[0] = \"x\" @2:4 (Tabelle1!D2)\n" +
		"  Tags[1] = \"y\" @2:5 (Tabelle1!E2)\n"
	if got := dumpString(back); got != want {
		t.Errorf("nested:\n%s", lineDiff(want, got))
	}
}

// More than 100 records: the first 100 are held back for the widths, the
// rest stream; all come back in order.
func TestXLSXWriterManyRows(t *testing.T) {
	var recs []*Record
	for i := range 250 {
		r := NewRecord(2)
		r.Add("Nr", String(fmt.Sprintf("%06d", i)), Pos{})
		v := "kurz"
		if i == 150 {
			v = strings.Repeat("lang ", 20) // after the sample: does not widen the column
		}
		r.Add("Text", String(v), Pos{})
		recs = append(recs, r)
	}
	out, err := writeBytes(XLSXFormat(), Options{}, recs)
	if err != nil {
		t.Fatal(err)
	}
	back, err := readBytes(XLSXFormat(), Options{}, bytes.NewReader(out), "many.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(recs) {
		t.Fatalf("%d records back, want %d", len(back), len(recs))
	}
	for i := range recs {
		if !recs[i].Equal(back[i]) || back[i].Pos.Line != i+2 {
			t.Fatalf("record %d: %s", i+1, dumpString(back[i:i+1]))
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if w, _ := f.GetColWidth("Tabelle1", "B"); w != 8 {
		t.Errorf("width B = %v, want 8", w)
	}
}

func TestXLSXWriterFailingOutput(t *testing.T) {
	w, err := NewXLSXWriter(failWriter{}, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecord(1)
	r.Add("a", String("1"), Pos{})
	if err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	err = w.Close()
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("Close: %v", err)
	}
	if err2 := w.Close(); err2 != err {
		t.Errorf("second Close: %v", err2)
	}
	if err2 := w.Write(r); err2 != err {
		t.Errorf("Write after failed Close: %v", err2)
	}
}

// ------------------------------------------------------------ fuzz

// smallXLSX is the fuzz seed: a tiny workbook with each kind of cell.
func smallXLSX(t testing.TB) []byte {
	return handmadeXLSX(t, []xlsxPart{{"T", xlsxSheetXML(xlsxSmallRows)}}, xlsxSST("Nr", "Text", "000815"), xlsxTestStyles)
}

const xlsxSmallRows = `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Wert</t></is></c></row>` +
	`<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="b"><v>1</v></c><c r="C2" s="1"><v>46099</v></c></row>` +
	`<row r="4"><c r="A4"><v>4.006381333931E+12</v></c><c r="B4" t="e"><v>#N/A</v></c><c r="C4" s="6"><v>1.5</v></c></row>`

func FuzzXLSXRead(f *testing.F) {
	f.Add(smallXLSX(f))
	dir := filepath.Join("testdata", "xlsx")
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if len(b) > 64 {
			f.Add(b[:len(b)/2])
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		opt := Options{XLSX: XLSXOptions{UnzipSizeLimit: 16 << 20}}
		if xlsxHeaderOnly(data, opt) {
			return
		}
		fuzzRead(t, XLSXFormat(), opt, data)
	})
}

// FuzzXLSXSheetXML puts arbitrary worksheet XML into an otherwise valid
// workbook, so the fuzzer reaches excelize's row iterator and the value
// fix-ups instead of stopping at the ZIP checksums.
func FuzzXLSXSheetXML(f *testing.F) {
	f.Add([]byte(xlsxSmallRows))
	f.Add([]byte(`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="3"><c r="B3"><v>1.2345678901234567E+19</v></c></row>`))
	f.Add([]byte(`<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><v>1E-7</v></c><c s="2"><v>0.5</v></c></row>`))
	f.Add([]byte(`<row r="1048576"><c r="A1048576" t="s"><v>0</v></c></row>`))
	f.Add([]byte(`<row><c><v>0</v>`)) // header only, cut off
	f.Add([]byte(`<row><c t="s"><v>3</v></c><c t="inlineStr"><is><t>_x005F_x0041_</t></is></c></row><row><c t="str"><v>_x0041_</v></c><c s="6"><v>x</v></c></row>`))
	f.Fuzz(func(t *testing.T, rows []byte) {
		if len(rows) > 16<<10 {
			return
		}
		data := handmadeXLSX(t, []xlsxPart{{"T", xlsxSheetXML(string(rows))}}, xlsxSST("Nr", "Text", "000815", "_x0001_"), xlsxTestStyles)
		if xlsxHeaderOnly(data, Options{}) {
			return
		}
		fuzzRead(t, XLSXFormat(), Options{}, data)
	})
}

// xlsxHeaderOnly reports a sheet read without error but without records.
// fuzzRead cannot round-trip it: zero records carry no column names, so
// the writer makes an empty sheet, which the reader rejects for its
// missing header row (TestXLSXWriterEmptyAndNested covers both halves).
func xlsxHeaderOnly(data []byte, opt Options) bool {
	recs, err := readBytes(XLSXFormat(), opt, bytes.NewReader(data), "fuzz")
	return err == nil && len(recs) == 0
}

// ------------------------------------------------------------ benchmarks

// xlsxBenchRecord builds record i of a benchmark table, fresh each time as a
// reader would deliver it: IDs with leading zeros, text with umlauts,
// prices, EAN-like numbers.
func xlsxBenchRecord(names []string, i int) *Record {
	r := NewRecord(len(names))
	id := strconv.Itoa(1000000 + i)[1:]
	for c, name := range names {
		var v string
		switch c % 4 {
		case 0:
			v = id
		case 1:
			v = "Kaffeebecher „Heimathafen“ Steingut 0,3 l"
		case 2:
			v = strconv.Itoa(i%5000) + ".95"
		default:
			v = "4006381" + id
		}
		r.Add(name, String(v), Pos{})
	}
	return r
}

func xlsxBenchNames(cols int) []string {
	names := make([]string, cols)
	for c := range names {
		names[c] = "Feld" + strconv.Itoa(c+1)
	}
	return names
}

// BenchmarkXLSXWrite writes 100,000 rows × 12 columns, the records made
// one at a time as a pipeline would stream them, so that the peak memory
// (/usr/bin/time -v) is the writer's.
func BenchmarkXLSXWrite(b *testing.B) {
	const rows = 100000
	names := xlsxBenchNames(12)
	opt := Options{XLSX: XLSXOptions{NumberColumns: []string{"Feld3", "Feld7"}}}
	var size int64
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		w, err := XLSXFormat().NewWriter(&buf, opt)
		if err != nil {
			b.Fatal(err)
		}
		for i := range rows {
			if err := w.Write(xlsxBenchRecord(names, i)); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		size = int64(buf.Len())
	}
	b.SetBytes(size)
}

func BenchmarkXLSXRead(b *testing.B) {
	names := xlsxBenchNames(12)
	recs := make([]*Record, 20000)
	for i := range recs {
		recs[i] = xlsxBenchRecord(names, i)
	}
	out, err := writeBytes(XLSXFormat(), Options{XLSX: XLSXOptions{NumberColumns: []string{"Feld3"}}}, recs)
	if err != nil {
		b.Fatal(err)
	}
	benchRead(b, XLSXFormat(), Options{}, out, len(recs))
}
