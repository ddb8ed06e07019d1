package cli

// The Smartstore files of the Sage → shop pipelines, read back by the
// rules of Smartstore's importer (/work/shared/formats/smartstore.md
// §1.2–§1.5, §2–§3, checklist §8): UTF-8 with BOM, ';', CRLF, no line
// breaks inside fields, headers that are known properties, invariant
// decimals, ISO dates, true/false. A value the importer would silently
// turn into 0, null or 1970 fails here, before it reaches a shop.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// ssKind is what a Smartstore import file is, by its name (§2.4) and folder.
type ssKind int

const (
	ssProduct ssKind = iota
	ssTierPrice
	ssCombination
	ssCategory
	ssCustomer
)

// Column types of Smartstore's importer (§1.3).
const (
	tText    = "text"
	tDec     = "decimal"
	tInt     = "int"
	tBool    = "bool"
	tDate    = "datetime"
	tIntList = "intlist"
	tStrList = "stringlist"
	tGUID    = "guid"
)

// ssColumns are the properties each importer knows, with their types.
// Localizable properties may also appear as Name[xx].
var ssColumns = map[ssKind]map[string]string{
	ssProduct: {
		"Id": tInt, "Sku": tText, "Gtin": tText, "ManufacturerPartNumber": tText, "Name": tText,
		"ShortDescription": tText, "FullDescription": tText, "MetaKeywords": tText, "MetaDescription": tText, "MetaTitle": tText,
		"Price": tDec, "ComparePrice": tDec, "SpecialPrice": tDec, "SpecialPriceStartDateTimeUtc": tDate,
		"SpecialPriceEndDateTimeUtc": tDate, "ProductCost": tDec, "TaxCategoryId": tInt, "ManageInventoryMethodId": tInt,
		"StockQuantity": tInt, "BackorderModeId": tInt, "OrderMinimumQuantity": tInt, "OrderMaximumQuantity": tInt,
		"Weight": tDec, "Length": tDec, "Width": tDec, "Height": tDec, "Published": tBool, "CategoryIds": tIntList,
		"ManufacturerIds": tIntList, "RelatedProductIds": tIntList, "CrossSellProductIds": tIntList, "ProductTypeId": tInt,
		"IsShippingEnabled": tBool, "DisplayOrder": tInt, "SeName": tText,
	},
	ssTierPrice: {
		"Id": tInt, "ProductId": tInt, "ProductSku": tText, "StoreId": tInt, "CustomerRoleId": tInt,
		"Quantity": tInt, "Price": tDec, "CalculationMethod": tInt,
	},
	ssCombination: {
		"Id": tInt, "Sku": tText, "Gtin": tText, "ManufacturerPartNumber": tText, "StockQuantity": tInt, "Price": tDec,
		"ComparePrice": tDec, "Weight": tDec, "Length": tDec, "Width": tDec, "Height": tDec, "IsActive": tBool,
		"AllowOutOfStockOrders": tBool, "DeliveryTimeId": tInt, "QuantityUnitId": tInt,
	},
	ssCategory: {
		"Id": tInt, "Name": tText, "FullName": tText, "Description": tText, "BottomDescription": tText, "ParentId": tInt,
		"Published": tBool, "DisplayOrder": tInt, "Alias": tText, "SeName": tText, "MetaKeywords": tText,
		"MetaDescription": tText, "MetaTitle": tText, "ShowOnHomePage": tBool,
	},
	ssCustomer: {
		"Id": tInt, "CustomerGuid": tGUID, "Email": tText, "Username": tText, "Salutation": tText, "Title": tText,
		"FirstName": tText, "LastName": tText, "Company": tText, "CustomerNumber": tText, "Active": tBool,
		"IsTaxExempt": tBool, "CustomerRoleSystemNames": tStrList, "VatNumber": tText, "AdminComment": tText,
	},
}

// ssAddressFields are the properties of BillingAddress.* / ShippingAddress.* (§3.3).
var ssAddressFields = map[string]bool{
	"Salutation": true, "Title": true, "FirstName": true, "LastName": true, "Email": true, "Company": true,
	"City": true, "Address1": true, "Address2": true, "ZipPostalCode": true, "PhoneNumber": true, "FaxNumber": true,
	"CountryCode": true, "StateAbbreviation": true,
}

// ssLocalizable are the properties that take a [culture] suffix (§1.5, §3.1).
var ssLocalizable = map[string]bool{
	"Name": true, "ShortDescription": true, "FullDescription": true, "MetaKeywords": true, "MetaDescription": true,
	"MetaTitle": true, "FullName": true, "Description": true, "BottomDescription": true, "SeName": true,
}

var (
	reInvDec   = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	reInt      = regexp.MustCompile(`^-?[0-9]+$`)
	reISODate  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	reIntList  = regexp.MustCompile(`^[0-9]+(,[0-9]+)*$`)
	reGUID     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	reLocal    = regexp.MustCompile(`^([A-Za-z]+)\[([a-z]{2}(-[A-Z]{2})?)\]$`)
	reGermDec  = regexp.MustCompile(`^-?[0-9]{1,3}(\.[0-9]{3})*,[0-9]+$|^-?[0-9]+,[0-9]+$`)
	reGermDate = regexp.MustCompile(`^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$`)
)

// ssKindOf tells the importer a file goes to: related-data files by the end
// of their name (§2.4), the others by their outbox folder.
func ssKindOf(rel string) (ssKind, bool) {
	stem := strings.TrimSuffix(filepath.Base(rel), ".csv")
	switch {
	case strings.HasSuffix(stem, "TierPrice"):
		return ssTierPrice, true
	case strings.HasSuffix(stem, "ProductVariantAttributeCombination"):
		return ssCombination, true
	case strings.HasPrefix(rel, "products/"):
		return ssProduct, true
	case strings.HasPrefix(rel, "categories/"):
		return ssCategory, true
	case strings.HasPrefix(rel, "customers/"):
		return ssCustomer, true
	}
	return 0, false
}

// columnType returns the type of a header for an importer, or "" when the
// importer does not know it.
func columnType(k ssKind, h string) string {
	if t, ok := ssColumns[k][h]; ok {
		return t
	}
	if m := reLocal.FindStringSubmatch(h); m != nil && ssLocalizable[m[1]] {
		if _, ok := ssColumns[k][m[1]]; ok {
			return tText
		}
	}
	if k == ssCustomer {
		for _, p := range []string{"BillingAddress.", "ShippingAddress."} {
			if rest, ok := strings.CutPrefix(h, p); ok && ssAddressFields[rest] {
				return tText
			}
		}
	}
	return ""
}

// checkSmartstoreCSV reads one import file by the importer's rules and
// returns every problem, as "line N, column C: …".
func checkSmartstoreCSV(k ssKind, b []byte) []string {
	var probs []string
	bad := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		bad("no UTF-8 BOM (§8.1: the importer reads UTF-8, a BOM makes it sure)")
	}
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(b) {
		bad("not valid UTF-8 (the importer would mangle it, §1.2)")
		return probs
	}
	if bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		bad("line ends are not all CRLF")
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		bad("not a ';' CSV: %v", err)
		return probs
	}
	if len(rows) < 2 {
		bad("no data rows (the importer rejects the file, §1.2)")
		return probs
	}
	seen := map[string]bool{}
	types := make([]string, len(rows[0]))
	for i, h := range rows[0] {
		norm := strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(h))
		if seen[norm] {
			bad("header %q twice (an error for the importer, §1.2)", h)
		}
		seen[norm] = true
		if types[i] = columnType(k, h); types[i] == "" {
			bad("header %q is not a property the importer knows", h)
		}
	}
	if strings.Contains(string(b), "\r\n#") || strings.HasPrefix(string(b), "#") {
		bad("a line starts with # (read as a comment, §1.2)")
	}
	for n, row := range rows[1:] {
		for i, v := range row {
			at := fmt.Sprintf("line %d, column %s: %q", n+2, rows[0][i], v)
			if strings.ContainsAny(v, "\r\n") {
				bad("%s holds a line break (multiline is off, §1.2)", at)
			}
			if strings.HasPrefix(v, "'") {
				bad("%s starts with an apostrophe (an Excel guard would land in the shop)", at)
			}
			// "12,15" in an Id list is two Ids (the list separator), not a decimal
			if reGermDec.MatchString(v) && types[i] != tIntList && types[i] != tStrList {
				bad("%s is a German decimal: the importer reads 0 (§1.3)", at)
			}
			if reGermDate.MatchString(v) {
				bad("%s is a German date: the importer reads null or the wrong month (§1.3)", at)
			}
			if v == "" || strings.EqualFold(v, "[NULL]") || strings.EqualFold(v, "[IGNORE]") {
				continue
			}
			var ok bool
			switch types[i] {
			case tDec:
				ok = reInvDec.MatchString(v)
			case tInt:
				ok = reInt.MatchString(v)
			case tBool:
				ok = v == "true" || v == "false"
			case tDate:
				ok = reISODate.MatchString(v)
			case tIntList:
				ok = reIntList.MatchString(v)
			case tGUID:
				ok = reGUID.MatchString(v) && v != "00000000-0000-0000-0000-000000000000"
			case tStrList:
				ok = !strings.ContainsAny(v, ";|") && !strings.Contains(v, ",,")
			default:
				ok = true
			}
			if !ok {
				bad("%s is not a valid %s for the importer (§1.3)", at, types[i])
			}
		}
	}
	return probs
}

func TestSmartstoreCSVChecker(t *testing.T) {
	const bom = "\xEF\xBB\xBF"
	cases := []struct {
		name string
		kind ssKind
		in   string
		want string // part of a problem; "" = none
	}{
		{"good product", ssProduct, bom + "Sku;Name;Name[en];Price;SpecialPriceStartDateTimeUtc;Published;CategoryIds\r\n000815;Becher 0,3 l;Mug;9.90;2026-02-28T23:00:00;true;12,15\r\n", ""},
		{"German decimal", ssProduct, bom + "Sku;Price\r\n000815;19,99\r\n", "German decimal"},
		{"German decimal with thousands", ssProduct, bom + "Sku;Weight\r\n000815;1.234,50\r\n", "German decimal"},
		{"all-digit date", ssProduct, bom + "Sku;SpecialPriceEndDateTimeUtc\r\n000815;20251231\r\n", "not a valid datetime"},
		{"German date", ssProduct, bom + "Sku;SpecialPriceEndDateTimeUtc\r\n000815;31.12.2025\r\n", "German date"},
		{"ISO with Z", ssProduct, bom + "Sku;SpecialPriceEndDateTimeUtc\r\n000815;2025-12-31T22:59:59Z\r\n", "not a valid datetime"},
		{"ja is not a bool", ssProduct, bom + "Sku;Published\r\n000815;ja\r\n", "not a valid bool"},
		{"unknown column", ssProduct, bom + "Sku;OldPrice\r\n000815;9.90\r\n", `"OldPrice" is not a property`},
		{"no BOM", ssCategory, "Id;Name\r\n10;Haushalt\r\n", "no UTF-8 BOM"},
		{"LF only", ssCategory, bom + "Id;Name\n10;Haushalt\n", "CRLF"},
		{"zero Guid", ssCustomer, bom + "CustomerGuid;Email\r\n00000000-0000-0000-0000-000000000000;a@b.de\r\n", "not a valid guid"},
		{"address column", ssCustomer, bom + "Email;BillingAddress.CountryCode;BillingAddress.Street\r\na@b.de;DE;x\r\n", `"BillingAddress.Street" is not a property`},
		{"header only", ssTierPrice, bom + "ProductSku;Quantity;Price\r\n", "no data rows"},
		{"Excel guard", ssCustomer, bom + "Email;BillingAddress.PhoneNumber\r\na@b.de;'+43 5254 1234\r\n", "apostrophe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			probs := strings.Join(checkSmartstoreCSV(c.kind, []byte(c.in)), "\n")
			if c.want == "" && probs != "" {
				t.Errorf("unexpected problems:\n%s", probs)
			}
			if c.want != "" && !strings.Contains(probs, c.want) {
				t.Errorf("want a problem with %q, got:\n%s", c.want, probs)
			}
		})
	}
}

// TestSage2ShopReadBack runs the shipped configuration and reads every
// Smartstore CSV it wrote back by the importer's rules; the order history
// JSON is read with exact decimals and its sums are added up again.
func TestSage2ShopReadBack(t *testing.T) {
	dir, _ := runSamples(t)
	root := filepath.Join(dir, "outbox", "smartstore")
	var csvs, jsons []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch filepath.Ext(p) {
		case ".csv":
			csvs = append(csvs, rel)
		case ".json":
			if strings.HasPrefix(rel, "orderhistory/") {
				jsons = append(jsons, rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(csvs)
	// every file a Sage → shop pipeline of this module writes
	for _, want := range []string{
		"categories/warengruppen-categories.csv", "customers/kunden-customers.csv",
		"products/artikel-products.csv", "products/artikel-TierPrice.csv",
		"products/artikel-ProductVariantAttributeCombination.csv", "products/artikel_uebersetzungen-products.csv",
		"products/kundenpreise-TierPrice.csv", "products/zubehoer-products.csv",
	} {
		if !contains(csvs, want) {
			t.Errorf("outbox/smartstore/%s was not written (have %v)", want, csvs)
		}
	}
	for _, rel := range csvs {
		k, ok := ssKindOf(rel)
		if !ok {
			continue // not an import file of the shop (another module's)
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range checkSmartstoreCSV(k, b) {
			t.Errorf("outbox/smartstore/%s: %s", rel, p)
		}
	}
	if len(jsons) != 3 {
		t.Errorf("order history files: %v, want 3 (10002, 10003, 10004)", jsons)
	}
	for _, rel := range jsons {
		checkOrderHistory(t, filepath.Join(root, filepath.FromSlash(rel)), strings.TrimSuffix(filepath.Base(rel), ".json"))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkOrderHistory adds up an order history file again with decimals:
// line totals (half-up to cents), net sum, tax per rate, gross sum; and
// every order belongs to the customer the file is named after.
func checkOrderHistory(t *testing.T, path, kunde string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type pos struct {
		Menge                                                       int
		Einzelpreis_netto, Rabatt_Prozent, Steuersatz, Gesamt_netto decimal.Decimal
	}
	var doc struct {
		Auftraege []struct {
			Kundennummer, Belegnummer, Belegdatum string
			Positionen                            []pos
			Summe_netto, Summe_USt, Summe_brutto  decimal.Decimal
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(doc.Auftraege) == 0 {
		t.Errorf("%s: no orders", path)
	}
	hundred := decimal.NewFromInt(100)
	for _, a := range doc.Auftraege {
		if a.Kundennummer != kunde {
			t.Errorf("%s: order %s of customer %s in the file of %s", path, a.Belegnummer, a.Kundennummer, kunde)
		}
		if !reISODate.MatchString(a.Belegdatum + "T00:00:00") {
			t.Errorf("%s: order %s: Belegdatum %q is not ISO", path, a.Belegnummer, a.Belegdatum)
		}
		net := decimal.Zero
		perRate := map[string]decimal.Decimal{}
		for _, p := range a.Positionen {
			line := decimal.NewFromInt(int64(p.Menge)).Mul(p.Einzelpreis_netto).Mul(hundred.Sub(p.Rabatt_Prozent)).Div(hundred).Round(2)
			if !line.Equal(p.Gesamt_netto) {
				t.Errorf("%s: order %s: line total %s, recomputed %s", path, a.Belegnummer, p.Gesamt_netto, line)
			}
			net = net.Add(line)
			perRate[p.Steuersatz.String()] = perRate[p.Steuersatz.String()].Add(line)
		}
		tax := decimal.Zero
		for rate, sum := range perRate {
			r, _ := decimal.NewFromString(rate)
			tax = tax.Add(sum.Mul(r).Div(hundred).Round(2))
		}
		if !net.Equal(a.Summe_netto) || !tax.Equal(a.Summe_USt) || !net.Add(tax).Equal(a.Summe_brutto) {
			t.Errorf("%s: order %s: sums %s/%s/%s, recomputed %s/%s/%s", path, a.Belegnummer,
				a.Summe_netto, a.Summe_USt, a.Summe_brutto, net, tax, net.Add(tax))
		}
	}
}
