package transform

import (
	"fmt"
	"sort"
	"strings"
)

// StepDoc documents one step kind with a runnable example: the steps run
// on Input (Format, default csv with ";") and must produce Output (a CSV
// with ";" and LF line ends). A test runs every example and regenerates
// docs/steps.md from this table, so the documentation cannot drift.
type StepDoc struct {
	Kind    string
	Summary string
	Options string // the step's options, one per line: "name: meaning"
	Example StepExample
}

// StepExample is a runnable step example.
type StepExample struct {
	Steps  string            // YAML of the steps list
	Format string            // input format, default csv
	Input  string            // the input file
	Files  map[string]string // extra files (lookup tables), relative to the configuration folder
	Tables string            // YAML of the pipeline's tables: section, if it needs one
	After  map[string]string // files the run writes besides the output (a table an assign step extends)
	Output string            // the expected CSV output
	Error  string            // or: a text the failure report must contain
}

// StepDocs lists every step kind, in the order the documentation shows them.
func StepDocs() []StepDoc {
	artikel := "Artikelnummer;Bezeichnung;VK1;Warengruppe;Shop_aktiv\n" +
		"000815;Kaffeebecher Steingut 0,3 l;8,3193;Küche;1\n" +
		"000816;Untersetzer Kork 4er-Set;4,1597;Küche;0\n" +
		"00042;Heidehonig 500 g;8,5000;Lebensmittel;1\n"
	return []StepDoc{
		{Kind: "map", Summary: "Builds each record anew: the listed fields in the listed order. A value that is just a field name is copied (no expression runs); anything else is an expression.",
			Options: "OUTPUT_FIELD: input field name or expression (a mapping; its order is the output column order)",
			Example: StepExample{Input: artikel, Steps: `
- map:
    Sku: Artikelnummer
    Name: upper(Bezeichnung)
    Price: fmtDec(deDec(VK1), 2)`,
				Output: "Sku;Name;Price\n000815;KAFFEEBECHER STEINGUT 0,3 L;8.32\n000816;UNTERSETZER KORK 4ER-SET;4.16\n00042;HEIDEHONIG 500 G;8.50\n"}},
		{Kind: "set", Summary: "Adds fields, or overwrites existing ones in place; every other field stays. All values are computed from the incoming record.",
			Options: "FIELD: field name or expression",
			Example: StepExample{Input: artikel, Steps: `
- set:
    VK1: fmtDec(deDec(VK1) * 1.19, 2)
    Published: 'Shop_aktiv == "1"'
- drop: [Warengruppe, Shop_aktiv]`,
				Output: "Artikelnummer;Bezeichnung;VK1;Published\n000815;Kaffeebecher Steingut 0,3 l;9.90;true\n000816;Untersetzer Kork 4er-Set;4.95;false\n00042;Heidehonig 500 g;10.12;true\n"}},
		{Kind: "drop", Summary: "Removes fields.",
			Options: "a list of field names",
			Example: StepExample{Input: artikel, Steps: `
- drop: [VK1, Warengruppe, Shop_aktiv]`,
				Output: "Artikelnummer;Bezeichnung\n000815;Kaffeebecher Steingut 0,3 l\n000816;Untersetzer Kork 4er-Set\n00042;Heidehonig 500 g\n"}},
		{Kind: "filter", Summary: "Keeps the records for which the expression is true.",
			Options: "an expression that gives true or false\nor {keep: expression, warn: message}: each record left out is counted and reported as a warning (file:line: left out: message)",
			Example: StepExample{Input: artikel, Steps: `
- filter: Shop_aktiv == "1" && deDec(VK1) > 5
- map: {Sku: Artikelnummer}`,
				Output: "Sku\n000815\n00042\n"}},
		{Kind: "explode", Summary: "Turns a list field into one record per element (order → order positions); the parent's fields stay reachable.",
			Options: "field: the list field (dotted path allowed)\nas: name of the element field (else the element's fields come first and the parent goes under \"parent\")\nindex_as: field for the element's 1-based number\nkeep_empty: emit the parent once when the list is empty",
			Example: StepExample{Format: "json", Input: `{"value": [{"OrderNumber": "5012", "OrderItems": [{"Sku": "000815", "Quantity": 2}, {"Sku": "00042", "Quantity": 1}]}]}`,
				Steps: `
- explode: {field: OrderItems, as: item, index_as: Pos}
- map: {Auftrag: OrderNumber, Pos: Pos, Artikelnummer: item.Sku, Menge: item.Quantity}`,
				Output: "Auftrag;Pos;Artikelnummer;Menge\n5012;1;000815;2\n5012;2;00042;1\n"}},
		{Kind: "group", Summary: "Collects records with equal key values into one record with a list (positions → one order document). consecutive (default) streams; keyed holds groups up to max_records.",
			Options: "by: key fields\ninto: name of the list field\nmode: consecutive | keyed\nallow_repeat: under consecutive, a key that comes back starts a new group instead of failing\nmax_records: cap of buffered records (keyed), default 100000\nmax_keys: cap of remembered keys, default 1000000",
			Example: StepExample{Input: "Beleg;Artikelnummer;Menge\nAU1;000815;2\nAU1;00042;1\nAU2;000816;5\n", Steps: `
- group: {by: [Beleg], into: Positionen}
- map:
    Beleg: Beleg
    Positionen: len(Positionen)
    Menge: sum(Positionen, int(.Menge))`,
				Output: "Beleg;Positionen;Menge\nAU1;2;3\nAU2;1;5\n"}},
		{Kind: "lookup", Summary: "Joins a CSV or XLSX table by one or more key columns and sets fields from the matching row; a missing key is an error, a default, or drops the record.",
			Options: "table: a declared table name, or a file (relative to the configuration folder)\nkeys: table column → field or expression\nfields: record field → table column (default: every non-key column)\nmissing: error | default | drop\ndefault: record field → value (with missing: default)\nignore_case: compare keys without case",
			Example: StepExample{Input: "Bestellung;Zahlungsmethode\n5012;Payments.PayPal\n5013;Payments.Prepayment\n",
				Files: map[string]string{"lookups/zahlungsarten.csv": "Zahlungsmethode;Zahlungsart;Ziel\nPayments.PayPal;PP;0\nPayments.Prepayment;VK;7\n"},
				Steps: `
- lookup:
    table: lookups/zahlungsarten.csv
    keys: {Zahlungsmethode: Zahlungsmethode}
    fields: {Zahlungsart: Zahlungsart, Zahlungsziel: Ziel}`,
				Output: "Bestellung;Zahlungsmethode;Zahlungsart;Zahlungsziel\n5012;Payments.PayPal;PP;0\n5013;Payments.Prepayment;VK;7\n"}},
		{Kind: "assign", Summary: "Gives each key a number from a range, the same number every time: a key in the table keeps its number, a new key gets the next free one. The new rows are appended to the table file, committed together with the run's outputs; runs that assign from one table never overlap.",
			Options: "table: a declared CSV table with two columns, the key and the number\nkey: field or expression whose value is the key\ninto: field that gets the number\ncolumn: the table's number column (default: into)\nrange: {from, to}: the numbers that may be given out\nnew_flag: field set to true for a number given out in this run",
			Example: StepExample{Input: "Bestellung;CustomerId;Name\n5012;871;Anna Müller\n5013;902;Bernd Schulz\n5014;871;Anna Müller\n",
				Files:  map[string]string{"lookups/kundennummern.csv": "CustomerId;Kundennummer\n871;10007\n12;90001\n"},
				Tables: "\nkundennummern: {file: lookups/kundennummern.csv, key: [CustomerId]}",
				Steps: `
- assign:
    table: kundennummern
    key: CustomerId
    into: Kundennummer
    range: {from: 10000, to: 19999}
    new_flag: Neu`,
				Output: "Bestellung;CustomerId;Name;Kundennummer;Neu\n5012;871;Anna Müller;10007;false\n5013;902;Bernd Schulz;10008;true\n5014;871;Anna Müller;10007;false\n",
				After:  map[string]string{"lookups/kundennummern.csv": "CustomerId;Kundennummer\n871;10007\n12;90001\n902;10008\n"}}},
		{Kind: "validate", Summary: "Checks every record against a JSON Schema (inline or a file) and/or rules; a violation names the field, its position and the rule in plain words.",
			Options: "schema: a JSON Schema, inline or a file (.json/.yaml)\nrules: list of {check: expression that must be true, message: text with ${…} parts, field: the field to name}\n  or {encodable: a charset such as windows-1252, fields: [Name, Adresse.Ort, …], when: expression (optional), message: text that may use ${value}, ${char} and ${field}}: each listed field whose text has a character the charset cannot hold is one problem, at that field",
			Example: StepExample{Input: artikel, Steps: `
- validate:
    schema:
      type: object
      required: [Artikelnummer]
      properties:
        Artikelnummer: {type: string, pattern: "^[0-9A-Z-]+$"}
    rules:
      - check: deDec(VK1) < 8.4
        message: "price ${VK1} is above the shop's limit"
        field: VK1`,
				Error: `field "VK1": price 8,5000 is above the shop's limit`}},
		{Kind: "lengths", Summary: "Enforces maximum (and minimum) lengths in characters: a longer value fails the record, or is cut with a warning for each cut.",
			Options: "max: field → characters\nmin: field → characters\ntruncate: cut instead of failing (each cut is reported)\ntarget: the importer's name, for messages",
			Example: StepExample{Input: artikel, Steps: `
- lengths: {max: {Bezeichnung: 16}, truncate: true}
- map: {Sku: Artikelnummer, Name: Bezeichnung}`,
				Output: "Sku;Name\n000815;Kaffeebecher Ste\n000816;Untersetzer Kork\n00042;Heidehonig 500 g\n"}},
		{Kind: "render", Summary: "Renders a Go template file with the record into a field: e-mail bodies, notes, letters. The template is read and checked when the pipeline loads (a syntax error names the template file and line). Data: the record's fields ({{.Customer.Email}}, {{range .Items}}…{{end}}), {{.vars}} and {{.input}}; a field the record lacks is an error of the record. Functions as in expressions: fmtDE, fmtDec, formatDate, parseDate, parseISO, dec, deDec, round, toTZ, addDays, now, truncate, left, right, padLeft, padRight, stripHTML, digits, coalesce, isEmpty, and upper, lower, trim.",
			Options: "template: the template file, relative to the configuration folder\ninto: the field the text goes to (set, or added at the end)\nhtml: true = html/template, every value escaped for its place in the HTML; false (default) = text/template, no escaping",
			Example: StepExample{Input: "Beleg;Name;Betrag;Datum\nAU1;Müller & Söhne;1234,5;27.11.2026\n",
				Files: map[string]string{"templates/betreff.txt": `Zahlung {{.Beleg}} vom {{formatDate (parseDate .Datum "TT.MM.JJJJ") "JJJJ-MM-TT"}}: {{fmtDE (deDec .Betrag) 2 true}} EUR für {{.Name}}`},
				Steps: `
- render: {template: templates/betreff.txt, into: Betreff}
- map: {Beleg: Beleg, Betreff: Betreff}`,
				Output: "Beleg;Betreff\nAU1;Zahlung AU1 vom 2026-11-27: 1.234,50 EUR für Müller & Söhne\n"}},
		{Kind: "dedupe", Summary: "Keeps one record per key (the first, or the last at the place of the first).",
			Options: "by: key fields\nkeep: first | last\nmax_keys: cap of remembered keys, default 1000000",
			Example: StepExample{Input: "Kundennummer;Name\n10001;Müller\n10002;Schmidt\n10001;Müller GmbH\n", Steps: `
- dedupe: {by: [Kundennummer], keep: last}`,
				Output: "Kundennummer;Name\n10001;Müller GmbH\n10002;Schmidt\n"}},
		{Kind: "sort", Summary: "Sorts the whole file (stable) up to max_records; \"-\" sorts descending, numeric fields compare as exact decimals.",
			Options: "by: fields, \"-Field\" for descending\nnumeric: fields compared as numbers (1234.56 or 1234,56)\nmax_records: cap, default 100000",
			Example: StepExample{Input: artikel, Steps: `
- sort: {by: [Warengruppe, -VK1], numeric: [VK1]}
- map: {Sku: Artikelnummer, Gruppe: Warengruppe, VK1: VK1}`,
				Output: "Sku;Gruppe;VK1\n000815;Küche;8,3193\n000816;Küche;4,1597\n00042;Lebensmittel;8,5000\n"}},
	}
}

// StepsMarkdown renders StepDocs as docs/steps.md.
func StepsMarkdown() string {
	var b strings.Builder
	b.WriteString("# Pipeline steps\n\n")
	b.WriteString("Generated from `transform/step_docs.go` by `go test ./transform -run TestStepDocs -update`; every example below is run by the tests.\n")
	b.WriteString("Expressions and their functions: [functions.md](functions.md).\n\n")
	for _, d := range StepDocs() {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", d.Kind, d.Summary)
		b.WriteString("Options:\n\n")
		for _, o := range strings.Split(d.Options, "\n") {
			fmt.Fprintf(&b, "- %s\n", o)
		}
		ex := d.Example
		format := ex.Format
		if format == "" {
			format = "csv"
		}
		fmt.Fprintf(&b, "\nExample — input (%s):\n\n```\n%s\n```\n\n", format, strings.TrimRight(ex.Input, "\n"))
		names := make([]string, 0, len(ex.Files))
		for name := range ex.Files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Fprintf(&b, "`%s`:\n\n```\n%s\n```\n\n", name, strings.TrimRight(ex.Files[name], "\n"))
		}
		if ex.Tables != "" {
			fmt.Fprintf(&b, "Pipeline tables:\n\n```yaml\ntables:%s\n```\n\n", indent(ex.Tables))
		}
		fmt.Fprintf(&b, "Steps:\n\n```yaml\nsteps:%s\n```\n\n", indent(ex.Steps))
		if ex.Error != "" {
			fmt.Fprintf(&b, "The file fails; the report says:\n\n```\n…%s\n```\n\n", ex.Error)
		} else {
			fmt.Fprintf(&b, "Output:\n\n```\n%s\n```\n\n", strings.TrimRight(ex.Output, "\n"))
		}
		for _, name := range sortedKeys(ex.After) {
			fmt.Fprintf(&b, "`%s` afterwards (committed with the output):\n\n```\n%s\n```\n\n", name, strings.TrimRight(ex.After[name], "\n"))
		}
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}
