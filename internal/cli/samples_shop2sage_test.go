package cli

// Read-back checks of the shop → Sage modules of samples/smartstore-sage:
// the files the sample run writes are read the way the target importer
// reads them (Windows-1252, ";", decimal comma; ISO-8859-1 for DHL; XML
// against the openTRANS schema) and their numbers are checked against the
// order file they came from, to the cent. The byte-for-byte comparison is
// TestSmartstoreSageSamples; these tests say what is wrong in words when
// an expectation is regenerated carelessly.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
)

// sageOrderColumns is the Sage order import layout (sage.md §4.3) plus
// Lief_Zusatz, which keeps the second line of a delivery address.
var sageOrderColumns = []string{"Shop_Bestellnummer", "Bestelldatum", "Kundennummer", "Anrede", "Firma", "Vorname",
	"Name", "Zusatz", "Strasse", "PLZ", "Ort", "Land", "E-Mail", "Telefon", "USt-IdNr", "Lief_Firma", "Lief_Name",
	"Lief_Zusatz", "Lief_Strasse", "Lief_PLZ", "Lief_Ort", "Lief_Land", "Zahlungsart", "Versandart",
	"Versandkosten_netto", "Preise_brutto", "Preisgruppe", "Gutscheincode", "Pos", "Artikelnummer", "Bezeichnung",
	"Menge", "Einzelpreis", "Rabatt_Prozent", "Steuersatz", "Bemerkung"}

// sageCustomerColumns is the kunden.csv layout (sage.md §4.2) plus Neukunde.
var sageCustomerColumns = []string{"Kundennummer", "Debitorennummer", "Anrede", "Titel", "Firma", "Firmenzusatz",
	"Vorname", "Name", "Zusatz", "Strasse", "PLZ", "Ort", "Land", "Telefon", "E-Mail", "USt-IdNr", "Steuerart",
	"Preisgruppe", "Rabatt_Prozent", "Zahlungsart", "Zahlungsziel_Tage", "Skonto_Prozent", "Skonto_Tage",
	"Versandart", "Kundengruppe", "Onlinekunde", "Erstkontakt", "Neukunde"}

// readLegacyCSV decodes a single-byte file (Windows-1252 or ISO-8859-1)
// and parses it as ";"-separated CSV with a header; it fails on bytes the
// charset does not define and on text that looks like UTF-8 read wrongly.
func readLegacyCSV(t *testing.T, path string, cm *charmap.Charmap) (header []string, rows []map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if utf8.Valid(raw) && bytes.ContainsFunc(raw, func(r rune) bool { return r > 0x7f }) {
		t.Errorf("%s: the file is UTF-8, not a single-byte charset", path)
	}
	// Rows end in CRLF (a line break inside a quoted Langtext may be LF).
	if !bytes.HasSuffix(raw, []byte("\r\n")) || !bytes.Contains(raw[:bytes.IndexByte(raw, '\n')+1], []byte("\r\n")) {
		t.Errorf("%s: rows must end in CRLF", path)
	}
	text, err := cm.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	if strings.ContainsRune(s, '\uFFFD') {
		t.Errorf("%s: a byte is not a character of the charset", path)
	}
	for _, moji := range []string{"Ã", "â€"} {
		if strings.Contains(s, moji) {
			t.Errorf("%s: %q looks like UTF-8 text written as single bytes", path, moji)
		}
	}
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = ';'
	all, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(all) < 2 {
		t.Fatalf("%s: no data rows", path)
	}
	header = all[0]
	for _, rec := range all[1:] {
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return header, rows
}

// deNum reads a German decimal (1234,56) exactly.
func deNum(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	if strings.Contains(s, ".") {
		t.Fatalf("%q: a thousands separator or a decimal point in a Sage number", s)
	}
	d, err := decimal.NewFromString(strings.Replace(s, ",", ".", 1))
	if err != nil {
		t.Fatalf("%q is not a German decimal: %v", s, err)
	}
	return d
}

// sampleOrder is what the read-back needs of an order of orders.json.
type sampleOrder struct {
	Id                       int
	OrderTotal               decimal.Decimal
	OrderShippingInclTax     decimal.Decimal
	OrderShippingExclTax     decimal.Decimal
	CustomerTaxDisplayTypeId int
	OrderItems               []struct{ Sku string }
}

func sampleOrders(t *testing.T) map[string]sampleOrder {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(samplesDir, "inbox", "smartstore", "orders", "orders.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Value []sampleOrder }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	m := map[string]sampleOrder{}
	for _, o := range doc.Value {
		m[decimal.NewFromInt(int64(o.Id)).String()] = o
	}
	return m
}

// TestShop2SageOrderCSV reads the Sage order import back with a
// Windows-1252 decoder: per order, the positions (quantity × unit price;
// for net orders plus the tax per rate, rounded as Sage rounds it) give
// the order total of orders.json to the cent, shipping is the last
// position with the service article, and the head is the same on every row.
func TestShop2SageOrderCSV(t *testing.T) {
	dir, _ := runSamples(t)
	orders := sampleOrders(t)
	header, rows := readLegacyCSV(t, filepath.Join(dir, "outbox", "sage", "auftraege", "orders-auftraege.csv"), charmap.Windows1252)
	if !slices.Equal(header, sageOrderColumns) {
		t.Fatalf("columns\n got %v\nwant %v", header, sageOrderColumns)
	}
	byOrder := map[string][]map[string]string{}
	var seq []string
	for _, r := range rows {
		n := r["Shop_Bestellnummer"]
		if _, ok := byOrder[n]; !ok {
			seq = append(seq, n)
		}
		byOrder[n] = append(byOrder[n], r)
	}
	if len(byOrder) != len(orders) {
		t.Fatalf("%d orders in the CSV, %d in orders.json", len(byOrder), len(orders))
	}
	hundred := decimal.NewFromInt(100)
	for _, n := range seq {
		o, ok := orders[n]
		if !ok {
			t.Errorf("order %s is not in orders.json", n)
			continue
		}
		rs := byOrder[n]
		gross := rs[0]["Preise_brutto"] == "1"
		if gross != (o.CustomerTaxDisplayTypeId != 10) {
			t.Errorf("order %s: Preise_brutto %s for CustomerTaxDisplayTypeId %d", n, rs[0]["Preise_brutto"], o.CustomerTaxDisplayTypeId)
		}
		total := decimal.Zero
		netByRate := map[string]decimal.Decimal{}
		for i, r := range rs {
			for _, h := range sageOrderColumns[:28] {
				if r[h] != rs[0][h] {
					t.Errorf("order %s row %d: head field %s %q differs from the first row's %q", n, i+1, h, r[h], rs[0][h])
				}
			}
			if r["Pos"] != decimal.NewFromInt(int64(i+1)).String() {
				t.Errorf("order %s row %d: Pos %s", n, i+1, r["Pos"])
			}
			for h, max := range map[string]int{"Artikelnummer": 30, "Bezeichnung": 60, "Firma": 60, "Name": 60, "Strasse": 60, "Lief_Name": 60} {
				if utf8.RuneCountInString(r[h]) > max {
					t.Errorf("order %s row %d: %s %q is longer than %d", n, i+1, h, r[h], max)
				}
			}
			line := deNum(t, r["Menge"]).Mul(deNum(t, r["Einzelpreis"]))
			if gross {
				if deNum(t, r["Einzelpreis"]).Exponent() < -2 {
					t.Errorf("order %s row %d: a gross price has cents only, got %s", n, i+1, r["Einzelpreis"])
				}
				total = total.Add(line)
			} else {
				netByRate[r["Steuersatz"]] = netByRate[r["Steuersatz"]].Add(line)
			}
		}
		if !gross {
			for rate, net := range netByRate {
				tax := net.Mul(deNum(t, rate)).Div(hundred).Round(2)
				total = total.Add(net).Add(tax)
			}
		}
		if want := o.OrderTotal.Round(2); !total.Round(2).Equal(want) {
			t.Errorf("order %s: the positions give %s, the order total is %s", n, total.Round(2).StringFixed(2), want.StringFixed(2))
		}
		// Shipping: one last position with the service article, or none.
		last := rs[len(rs)-1]
		if o.OrderShippingInclTax.IsZero() {
			if last["Artikelnummer"] == "VERSAND" {
				t.Errorf("order %s: free shipping but a VERSAND position", n)
			}
			if len(rs) != len(o.OrderItems) {
				t.Errorf("order %s: %d rows for %d items", n, len(rs), len(o.OrderItems))
			}
		} else {
			want := o.OrderShippingExclTax
			if gross {
				want = o.OrderShippingInclTax
			}
			if last["Artikelnummer"] != "VERSAND" || !deNum(t, last["Einzelpreis"]).Equal(want) {
				t.Errorf("order %s: last row %s %s, want VERSAND %s", n, last["Artikelnummer"], last["Einzelpreis"], want)
			}
			if len(rs) != len(o.OrderItems)+1 {
				t.Errorf("order %s: %d rows for %d items and shipping", n, len(rs), len(o.OrderItems))
			}
		}
		if got := deNum(t, rs[0]["Versandkosten_netto"]); !got.Equal(o.OrderShippingExclTax) {
			t.Errorf("order %s: Versandkosten_netto %s, want %s", n, got, o.OrderShippingExclTax)
		}
	}
}

// TestShop2SageCustomerAndArticleCSV reads the Sage customer and article
// imports back: layout, charset, one row per customer, Kundennummern from
// the mapping (the new shop customer 2203 gets the first number of the
// shop's range), net VK1 that gives the shop's gross price back.
func TestShop2SageCustomerAndArticleCSV(t *testing.T) {
	dir, _ := runSamples(t)
	for _, f := range []string{"orders-kunden.csv", "customers-kunden.csv"} {
		header, rows := readLegacyCSV(t, filepath.Join(dir, "outbox", "sage", "kunden", f), charmap.Windows1252)
		if !slices.Equal(header, sageCustomerColumns) {
			t.Errorf("%s: columns\n got %v\nwant %v", f, header, sageCustomerColumns)
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if seen[r["Kundennummer"]] {
				t.Errorf("%s: Kundennummer %s twice", f, r["Kundennummer"])
			}
			seen[r["Kundennummer"]] = true
			if r["Firma"] != "" && r["Anrede"] != "Firma" {
				t.Errorf("%s: %s is a company, Anrede %q", f, r["Kundennummer"], r["Anrede"])
			}
			if strings.HasPrefix(r["Telefon"], "'") {
				t.Errorf("%s: %s: Telefon %q carries a protective apostrophe Sage would import", f, r["Kundennummer"], r["Telefon"])
			}
		}
		for _, k := range []string{"10000", "10002", "10003", "10004", "20000"} {
			if !seen[k] {
				t.Errorf("%s: no row for Kundennummer %s", f, k)
			}
		}
	}
	table, err := os.ReadFile(filepath.Join(dir, "lookups", "kundennummern.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(table), "2203;20000\r\n") || strings.Count(string(table), "\n") != 6 {
		t.Errorf("lookups/kundennummern.csv after the run:\n%s", table)
	}

	header, rows := readLegacyCSV(t, filepath.Join(dir, "outbox", "sage", "artikel", "products-export-artikel.csv"), charmap.Windows1252)
	if header[0] != "Artikelnummer" || !slices.Contains(header, "Langtext") || !slices.Contains(header, "VK1") {
		t.Errorf("article columns %v", header)
	}
	var skus []string
	gross := map[string]string{"000819": "19.90", "KT-LEINEN-5070": "8.50", "00043": "6.90"}
	for _, r := range rows {
		skus = append(skus, r["Artikelnummer"])
		if strings.ContainsAny(r["Langtext"], "<>") || strings.Contains(r["Langtext"], "&nbsp;") {
			t.Errorf("%s: Langtext still holds HTML: %q", r["Artikelnummer"], r["Langtext"])
		}
		vk1, rate := deNum(t, r["VK1"]), deNum(t, r["Steuersatz"])
		back := vk1.Mul(decimal.NewFromInt(100).Add(rate)).Div(decimal.NewFromInt(100)).Round(2)
		if back.StringFixed(2) != gross[r["Artikelnummer"]] {
			t.Errorf("%s: VK1 %s × (1 + %s %%) = %s, the shop price is %s", r["Artikelnummer"], r["VK1"], r["Steuersatz"], back.StringFixed(2), gross[r["Artikelnummer"]])
		}
	}
	if want := []string{"000819", "KT-LEINEN-5070", "00043"}; !slices.Equal(skus, want) {
		t.Errorf("articles new to Sage: %v, want %v (leading zeros kept)", skus, want)
	}
	ids, err := os.ReadFile(filepath.Join(dir, "lookups", "shop-produkt-ids.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(ids), "Sku;ProductId\n000815;620\n") || !strings.Contains(string(ids), "\n00043;629\n") {
		t.Errorf("lookups/shop-produkt-ids.csv:\n%s", ids)
	}
}

// TestShop2SageDHL reads the DHL import back as ISO-8859-1: the 128
// columns of the sample template, one row per DHL order released for
// shipping, and the rows of the sample file.
func TestShop2SageDHL(t *testing.T) {
	dir, _ := runSamples(t)
	header, rows := readLegacyCSV(t, filepath.Join(dir, "outbox", "dhl", "orders-dhl.csv"), charmap.ISO8859_1)
	if len(header) != 128 || header[0] != "Sendungsreferenz" || header[40] != "Retourenrempfänger E-Mail-Adresse" {
		t.Fatalf("DHL header: %d columns, %q … %q", len(header), header[0], header[40])
	}
	var refs []string
	for _, r := range rows {
		refs = append(refs, r["Sendungsreferenz"])
		if r["Empfänger Hausnummer"] == "" || strings.ContainsAny(r["Empfänger Straße"], "0123456789") {
			t.Errorf("%s: street %q / number %q not split", r["Sendungsreferenz"], r["Empfänger Straße"], r["Empfänger Hausnummer"])
		}
	}
	// 5014 goes with UPS, 5016 waits for its prepayment.
	if want := []string{"SHOP-5012", "SHOP-5013", "SHOP-5015"}; !slices.Equal(refs, want) {
		t.Errorf("DHL rows %v, want %v", refs, want)
	}
}

// sharedConformance returns ../shared/conformance/SUB beside the checkout
// (FERRY_SHARED overrides ../shared), or skips.
func sharedConformance(t *testing.T, sub string) string {
	t.Helper()
	base := os.Getenv("FERRY_SHARED")
	if base == "" {
		base = filepath.Join("..", "..", "..", "shared")
	}
	d := filepath.Join(base, "conformance", sub)
	if _, err := os.Stat(d); err != nil {
		t.Skipf("%s not present: %v", d, err)
	}
	return d
}

// TestShop2SageOpenTransXSD validates every openTRANS ORDER of the sample
// run with xmllint against the official schema (skips without xmllint or
// without ../shared; CI installs xmllint).
func TestShop2SageOpenTransXSD(t *testing.T) {
	xsd := filepath.Join(sharedConformance(t, "opentrans"), "opentrans_2_1.xsd")
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed")
	}
	dir, _ := runSamples(t)
	files, err := filepath.Glob(filepath.Join(dir, "outbox", "opentrans", "orders", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("%d openTRANS files, want one per order (5)", len(files))
	}
	// and the reviewed expectations of the pipeline's fixtures
	fixtures, err := filepath.Glob(filepath.Join(samplesDir, "pipelines", "bestellungen.tests", "*", "expected", "outbox", "opentrans", "orders", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) == 0 {
		t.Fatal("no openTRANS files among the fixtures of pipelines/bestellungen.tests")
	}
	files = append(files, fixtures...)
	for _, f := range files {
		out, err := exec.Command(xmllint, "--noout", "--schema", xsd, f).CombinedOutput()
		if err != nil {
			t.Errorf("%s does not validate against opentrans_2_1.xsd: %v\n%s", f, err, out)
		}
	}
}
