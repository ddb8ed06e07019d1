package transform

// The documentation of the function library: Docs lists every function
// with examples, Markdown renders them as docs/functions.md. The tests run
// every example, so the documentation cannot drift from the code.

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ferry-sync/ferry/formats"
)

// FuncDoc documents one function (or operator) of the library.
type FuncDoc struct {
	Group     string // section of the documentation, e.g. "Decimal numbers"
	Name      string
	Signature string
	Doc       string // what it does, in a few sentences
	Examples  []Example
}

// Example is one documented call. Env holds the record fields the
// expression uses. Want is the rendered result (texts in Go quotes,
// decimals in their plain form, times in RFC 3339, lists in brackets), or
// "error: " and a part of the error message. The examples run with
// now() = 2026-03-13T10:04:07+01:00 and the lookup tables "payment"
// (PayPal → PP, Rechnung → RE, Vorkasse → VK) and "country" (DE → DEU,
// AT → AUT).
type Example struct {
	Expr string
	Env  map[string]any
	Want string
}

func dd(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func exEnv(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// Docs lists every function with signature, description and examples, in
// the order of the documentation.
func Docs() []FuncDoc {
	const (
		gDec   = "Decimal numbers"
		gOps   = "Operators"
		gDate  = "Dates and times"
		gText  = "Text"
		gList  = "Empty values and lists"
		gLook  = "Lookup tables"
		gAddr  = "Addresses"
		gBuilt = "Builtins of expr"
	)
	order := exEnv(
		"Id", 5012,
		"OrderTotal", dd("44.7000"),
		"CreatedOnUtc", "2026-03-13T09:04:07.537Z",
		"OrderItems", []any{
			map[string]any{"Sku": "TS-100-BL-M", "Quantity": 2, "UnitPriceInclTax": dd("14.9500")},
			map[string]any{"Sku": "000815", "Quantity": 1, "UnitPriceInclTax": dd("9.9000")},
		},
	)
	return []FuncDoc{
		// Decimal numbers
		{gDec, "dec", "dec(x)",
			"Makes an exact decimal of a number, or of a text in invariant form (digits, an optional sign and a decimal point: 1234.56), as Smartstore and JSON write numbers. A number literal keeps its written value (0.19 stays 0.19). An empty text is an error; use coalesce first if empty is allowed.",
			[]Example{
				{`dec(Price)`, exEnv("Price", "9.9000"), "9.9"},
				{`dec("-3.5") * 2`, nil, "-7"},
				{`dec(0.19)`, nil, "0.19"},
				{`dec(VK1)`, exEnv("VK1", "8,3193"), `error: "8,3193" is not a decimal in the form 1234.56; for German numbers with a decimal comma use deDec`},
				{`dec(Price)`, exEnv("Price", ""), "error: empty value is not a decimal"},
			}},
		{gDec, "deDec", "deDec(s) · deDec(s, thousands)",
			"Reads a German number: digits with a decimal comma (12,50 · -3,5 · 1234,56), as Sage GS-Auftrag writes them. Thousands separators are refused unless the second argument is true, because a dot is ambiguous (1.234 may be 1234 or a mistyped 1,234); the error names the value. A decimal is passed through unchanged.",
			[]Example{
				{`deDec(VK1)`, exEnv("VK1", "8,3193"), "8.3193"},
				{`deDec("-3,5")`, nil, "-3.5"},
				{`deDec(VK1)`, exEnv("VK1", "1.234,56"), `error: "1.234,56" contains a thousands separator; expected a decimal comma without thousands separator, e.g. 1234,56`},
				{`deDec(VK1, true)`, exEnv("VK1", "1.234,56"), "1234.56"},
				{`deDec(VK1)`, exEnv("VK1", "12,5x"), `error: "12,5x" is not a decimal`},
				{`deDec(VK1)`, exEnv("VK1", ""), "error: empty value is not a decimal"},
			}},
		{gDec, "isDec", "isDec(s)",
			"Tells whether a text is a decimal in invariant form (what dec accepts); decimals and whole numbers are too.",
			[]Example{
				{`isDec("9.9000")`, nil, "true"},
				{`isDec("9,90")`, nil, "false"},
			}},
		{gDec, "isDeDec", "isDeDec(s) · isDeDec(s, thousands)",
			"Tells whether deDec would accept the value.",
			[]Example{
				{`isDeDec(Gewicht_kg)`, exEnv("Gewicht_kg", "0,350"), "true"},
				{`isDeDec("1.234,56")`, nil, "false"},
				{`isDeDec("1.234,56", true)`, nil, "true"},
			}},
		{gDec, "round", "round(d) · round(d, places)",
			"Rounds half away from zero (kaufmännisch), to places decimal places (default 0; negative places round to tens, hundreds, …). Replaces expr's float round.",
			[]Example{
				{`round(dec(UnitPriceExclTax) * 2, 2)`, exEnv("UnitPriceExclTax", "12.5630"), "25.13"},
				{`round(2.345, 2)`, nil, "2.35"},
				{`round(-2.345, 2)`, nil, "-2.35"},
				{`round(1234.5)`, nil, "1235"},
			}},
		{gDec, "roundBank", "roundBank(d) · roundBank(d, places)",
			"Rounds half to even (banker's rounding).",
			[]Example{
				{`roundBank(2.345, 2)`, nil, "2.34"},
				{`roundBank(2.355, 2)`, nil, "2.36"},
			}},
		{gDec, "trunc", "trunc(d) · trunc(d, places)",
			"Cuts the digits after places decimal places (toward zero).",
			[]Example{
				{`trunc(8.3193, 2)`, nil, "8.31"},
				{`trunc(-8.3193)`, nil, "-8"},
			}},
		{gDec, "floor", "floor(d) · floor(d, places)",
			"Rounds down (toward minus infinity). Replaces expr's float floor.",
			[]Example{
				{`floor(8.3193, 2)`, nil, "8.31"},
				{`floor(-8.3193, 2)`, nil, "-8.32"},
			}},
		{gDec, "ceil", "ceil(d) · ceil(d, places)",
			"Rounds up (toward plus infinity). Replaces expr's float ceil.",
			[]Example{
				{`ceil(8.3113, 2)`, nil, "8.32"},
				{`ceil(0.350)`, nil, "1"},
			}},
		{gDec, "abs", "abs(d)",
			"The value without its sign. Replaces expr's float abs.",
			[]Example{{`abs(deDec("-12,50"))`, nil, "12.5"}}},
		{gDec, "neg", "neg(d)",
			"The value with the opposite sign (a credit note's amounts).",
			[]Example{{`neg(OrderTotal)`, order, "-44.7"}}},
		{gDec, "min", "min(a, b, …) · min(list)",
			"The smallest of the numbers (decimals, whole numbers, or texts in invariant form). Replaces expr's float min.",
			[]Example{
				{`min(dec("9.90"), 4.95, 12)`, nil, "4.95"},
				{`min(map(OrderItems, .UnitPriceInclTax))`, order, "9.9"},
			}},
		{gDec, "max", "max(a, b, …) · max(list)",
			"The largest of the numbers. Replaces expr's float max.",
			[]Example{
				{`max(Bestand, 0)`, exEnv("Bestand", dd("-3")), "0"},
				{`max(map(OrderItems, .UnitPriceInclTax))`, order, "14.95"},
			}},
		{gDec, "sum", "sum(list) · sum(list, predicate)",
			"The exact sum of a list of numbers (decimals, whole numbers, texts in invariant form), or of predicate computed for each item; 0 for an empty list. Replaces expr's float sum.",
			[]Example{
				{`sum(OrderItems, .UnitPriceInclTax * .Quantity)`, order, "39.8"},
				{`sum(map(OrderItems, .Quantity))`, order, "3"},
				{`sum(["0.1", "0.2"])`, nil, "0.3"},
				{`sum([])`, nil, "0"},
			}},
		{gDec, "mean", "mean(list)",
			"The average of a list of numbers, to 16 decimal places (round it). Replaces expr's float mean.",
			[]Example{{`round(mean([9.90, 14.95, 4.95]), 2)`, nil, "9.93"}}},
		{gDec, "median", "median(list)",
			"The middle value of a list of numbers (the mean of the two middle ones for an even count). Replaces expr's float median.",
			[]Example{{`median([9.90, 14.95, 4.95, 7.00])`, nil, "8.45"}}},
		{gDec, "int", "int(x)",
			"A whole number from a decimal, a text or a number. Unlike expr's int, 3.5 is an error instead of a silent 3: use trunc or round first.",
			[]Example{
				{`int(Bestand)`, exEnv("Bestand", "240"), "240"},
				{`int(dec("2.0"))`, nil, "2"},
				{`int(3.5)`, nil, "error: 3.5 is not a whole number"},
			}},
		{gDec, "fmtDec", "fmtDec(d, places)",
			"Writes a number in invariant form with exactly places decimal places (rounded half away from zero), as Smartstore's import wants it.",
			[]Example{
				{`fmtDec(deDec(VK1), 2)`, exEnv("VK1", "8,3193"), `"8.32"`},
				{`fmtDec(OrderTotal, 4)`, order, `"44.7000"`},
				{`fmtDec(12, 2)`, nil, `"12.00"`},
			}},
		{gDec, "fmtDE", "fmtDE(d, places) · fmtDE(d, places, thousands)",
			"Writes a number the German way, with a decimal comma and exactly places decimal places; with thousands true also with thousands dots. For Sage GS-Auftrag and DHL files.",
			[]Example{
				{`fmtDE(OrderTotal, 2)`, order, `"44,70"`},
				{`fmtDE(dec("1234.5"), 2, true)`, nil, `"1.234,50"`},
				{`fmtDE(dec("25.66"), 4)`, nil, `"25,6600"`},
			}},
		{gDec, "fromJSON", "fromJSON(s)",
			"Reads a JSON text; numbers become decimals exactly as written (expr's fromJSON would make them float64).",
			[]Example{{`fromJSON(TaxJSON).rate * 2`, exEnv("TaxJSON", `{"rate": 19.0000}`), "38"}}},

		// Operators
		{gOps, "arithmetic", "a + b · a - b · a * b · a / b · a % b · a ** n · -a",
			"Compute exactly on decimals, whole numbers and number literals, in either order; the result is a decimal (two whole numbers keep + - * % as whole numbers). Division by zero is an error; / keeps 16 decimal places, so round the result. ** takes a whole exponent from 0 to 64. A text is not a number: convert it with dec or deDec first. + still joins texts.",
			[]Example{
				{`dec(Price) * Quantity`, exEnv("Price", "9.9000", "Quantity", 3), "29.7"},
				{`round(OrderTotal / 1.19, 2)`, order, "37.56"},
				{`0.1 + 0.2`, nil, "0.3"},
				{`7 / 2`, nil, "3.5"},
				{`OrderTotal / 0`, order, "error: division by zero"},
				{`-OrderTotal`, order, "-44.7"},
				{`1.19 ** 2`, nil, "1.4161"},
				{`OrderTotal + "1"`, order, `error: a text is not a number: convert it with dec() or deDec()`},
				{`FirstName + " " + LastName`, exEnv("FirstName", "Jürgen", "LastName", "Größler"), `"Jürgen Größler"`},
			}},
		{gOps, "comparison", "a == b · a != b · a < b · a <= b · a > b · a >= b · a in list",
			"Compare numbers by value, whatever their scale (1.5 == 1.50) or type (2 == 2.0). Comparing a number with a text is an error rather than a silent false.",
			[]Example{
				{`dec("1.50") == 1.5`, nil, "true"},
				{`OrderTotal > 40`, order, "true"},
				{`deDec(Steuersatz) in [7, 19]`, exEnv("Steuersatz", "19,00"), "true"},
				{`OrderTotal == "44.7"`, order, `error: a text is not a number: convert it with dec() or deDec()`},
				{`Zahlungsart == "Rechnung"`, exEnv("Zahlungsart", "Rechnung"), "true"},
			}},

		// Dates and times
		{gDate, "parseDate", "parseDate(s, layout) · parseDate(s, layout, zone)",
			"Reads a local date or date and time by a layout with German letters: TT day, MM month, JJJJ or JJ year, hh hour, mm minute, ss second; every other character stands for itself (a layout with 2006 is a Go layout). The time is in Europe/Berlin (or the configuration's time zone) unless a zone is given (\"UTC\", \"Europe/Vienna\"). A day that does not exist (31.02.) or a time the clocks skip is an error.",
			[]Example{
				{`parseDate(Aktion_von, "TT.MM.JJJJ")`, exEnv("Aktion_von", "01.03.2026"), "2026-03-01T00:00:00+01:00"},
				{`parseDate(Geaendert_am, "TT.MM.JJJJ hh:mm")`, exEnv("Geaendert_am", "14.02.2026 09:12"), "2026-02-14T09:12:00+01:00"},
				{`parseDate("13.03.2026", "TT.MM.JJJJ", "UTC")`, nil, "2026-03-13T00:00:00Z"},
				{`parseDate("31.02.2026", "TT.MM.JJJJ")`, nil, `error: "31.02.2026" is not a valid date: 02/2026 has 28 days`},
				{`parseDate("2026-03-13", "TT.MM.JJJJ")`, nil, `error: "2026-03-13" does not match the date layout TT.MM.JJJJ (e.g. 13.03.2026)`},
				{`parseDate("29.03.2026 02:30", "TT.MM.JJJJ hh:mm")`, nil, "error: does not exist in Europe/Berlin"},
			}},
		{gDate, "parseISO", "parseISO(s)",
			"Reads an ISO 8601 / RFC 3339 date-time as Smartstore writes it (2026-03-13T09:04:07.537Z: any number of fraction digits, Z or an offset). Without an offset the time is UTC.",
			[]Example{
				{`parseISO(CreatedOnUtc)`, order, "2026-03-13T09:04:07.537Z"},
				{`parseISO("2026-03-13T10:04:07+01:00")`, nil, "2026-03-13T10:04:07+01:00"},
				{`parseISO("13.03.2026")`, nil, `error: "13.03.2026" is not an ISO date-time`},
			}},
		{gDate, "formatDate", "formatDate(t, layout) · formatDate(t, layout, zone)",
			"Writes a time by a layout with German letters (see parseDate), in Europe/Berlin (or the configuration's time zone) unless a zone is given.",
			[]Example{
				{`formatDate(parseISO(CreatedOnUtc), "TT.MM.JJJJ")`, order, `"13.03.2026"`},
				{`formatDate(parseISO("2026-03-31T22:30:00Z"), "TT.MM.JJJJ hh:mm")`, nil, `"01.04.2026 00:30"`},
				{`formatDate(parseISO("2026-03-31T22:30:00Z"), "JJJJ-MM-TT", "UTC")`, nil, `"2026-03-31"`},
			}},
		{gDate, "toTZ", "toTZ(t, zone)",
			"The same instant in another time zone.",
			[]Example{{`toTZ(parseISO(CreatedOnUtc), "Europe/Berlin")`, order, "2026-03-13T10:04:07.537+01:00"}}},
		{gDate, "toUTC", "toUTC(t)",
			"The same instant in UTC.",
			[]Example{{`toUTC(parseDate("31.03.2026 12:00", "TT.MM.JJJJ hh:mm"))`, nil, "2026-03-31T10:00:00Z"}}},
		{gDate, "startOfDay", "startOfDay(t)",
			"Midnight at the start of t's day, in t's zone (convert with toTZ first if needed).",
			[]Example{{`isoUTC(startOfDay(parseDate("29.03.2026", "TT.MM.JJJJ")))`, nil, `"2026-03-28T23:00:00Z"`}}},
		{gDate, "endOfDay", "endOfDay(t)",
			"The last instant of t's day (23:59:59.999999999), in t's zone.",
			[]Example{{`isoUTC(endOfDay(parseDate("31.03.2026", "TT.MM.JJJJ")))`, nil, `"2026-03-31T21:59:59Z"`}}},
		{gDate, "addDays", "addDays(t, n)",
			"n calendar days later (earlier for negative n), at the same local time even across a change to or from summer time.",
			[]Example{
				{`addDays(parseDate("28.03.2026 12:00", "TT.MM.JJJJ hh:mm"), 1)`, nil, "2026-03-29T12:00:00+02:00"},
				{`formatDate(addDays(parseISO(CreatedOnUtc), ZahlungszielTage), "TT.MM.JJJJ")`, exEnv("CreatedOnUtc", "2026-03-13T09:04:07.537Z", "ZahlungszielTage", 30), `"12.04.2026"`},
			}},
		{gDate, "isoUTC", "isoUTC(t)",
			"Writes t as UTC in whole seconds with Z (2026-03-31T21:59:59Z), what Smartstore's importer wants for …Utc columns.",
			[]Example{{`isoUTC(parseDate(Aktion_bis, "TT.MM.JJJJ"))`, exEnv("Aktion_bis", "31.03.2026"), `"2026-03-30T22:00:00Z"`}}},
		{gDate, "now", "now()",
			"The current time, in Europe/Berlin (or the configuration's time zone). The examples run with a fixed clock.",
			[]Example{{`formatDate(now(), "TT.MM.JJJJ")`, nil, `"13.03.2026"`}}},

		// Text
		{gText, "reReplace", "reReplace(s, pattern, replacement)",
			"Replaces every match of a regular expression (Go RE2 syntax; $1 in the replacement is the first group). A constant pattern is checked when the pipeline is loaded.",
			[]Example{
				{`reReplace(Telefon, "[^0-9+]", "")`, exEnv("Telefon", "0421 555-0"), `"04215550"`},
				{`reReplace(Sku, "^(\\w+)-(\\w+)$", "$2-$1")`, exEnv("Sku", "TB-0300"), `"0300-TB"`},
			}},
		{gText, "reMatch", "reMatch(s, pattern)",
			"Tells whether the regular expression matches somewhere in s (anchor it with ^ and $ for the whole text).",
			[]Example{
				{`reMatch(PLZ, "^[0-9]{5}$")`, exEnv("PLZ", "01099"), "true"},
				{`reMatch(EAN, "^[0-9]{13}$")`, exEnv("EAN", "200000000815"), "false"},
			}},
		{gText, "reFind", "reFind(s, pattern)",
			"The first match, or the first group's text if the pattern has groups; \"\" if nothing matches.",
			[]Example{
				{`reFind(Langtext, "Grundpreis: ([0-9,]+ €)")`, exEnv("Langtext", "Deutscher Imkerhonig. Grundpreis: 1,82 € je 100 g."), `"1,82 €"`},
				{`reFind(Bezeichnung, "[0-9]+ g")`, exEnv("Bezeichnung", "Heidehonig aus der Lüneburger Heide 500 g"), `"500 g"`},
			}},
		{gText, "padLeft", "padLeft(s, n) · padLeft(s, n, ch)",
			"Fills s on the left with ch (default a space) to n characters; a longer s stays as it is.",
			[]Example{
				{`padLeft(Artikelnummer, 6, "0")`, exEnv("Artikelnummer", "815"), `"000815"`},
				{`padLeft(string(Id), 8, "0")`, order, `"00005012"`},
			}},
		{gText, "padRight", "padRight(s, n) · padRight(s, n, ch)",
			"Fills s on the right with ch (default a space) to n characters, for fixed-width files.",
			[]Example{{`padRight("Köln", 8) + "|"`, nil, `"Köln    |"`}}},
		{gText, "truncate", "truncate(s, n)",
			"The first n characters of s (characters, not bytes: ä counts once). Cutting loses data: check the length instead where the target must not lose any (isEmpty, len).",
			[]Example{{`truncate(Firma, 20)`, exEnv("Firma", "Bäckerei Schäfer GmbH & Co. KG"), `"Bäckerei Schäfer Gmb"`}}},
		{gText, "left", "left(s, n)",
			"The first n characters of s.",
			[]Example{{`left(PLZ, 2)`, exEnv("PLZ", "01099"), `"01"`}}},
		{gText, "right", "right(s, n)",
			"The last n characters of s.",
			[]Example{{`right(IBAN, 4)`, exEnv("IBAN", "DE02120300000000202051"), `"2051"`}}},
		{gText, "stripHTML", "stripHTML(s)",
			"Turns HTML (a shop's product description) into readable text: tags removed, paragraphs, <br> and list items on lines of their own (items with \"- \"), entities decoded (&amp; &nbsp; &uuml; &#8364;), white space collapsed within lines, script and style content dropped. Text without tags keeps its line breaks.",
			[]Example{
				{`stripHTML(FullDescription)`, exEnv("FullDescription", `<p>Handbemalter Steingutbecher; 300&nbsp;ml, "Made in Westerwald", mikrowellengeeignet.</p>`), `"Handbemalter Steingutbecher; 300 ml, \"Made in Westerwald\", mikrowellengeeignet."`},
				{`stripHTML("<h2>Pflege</h2><ul><li>sp&uuml;lmaschinenfest</li><li>Preis &lt; 10&#8364;</li></ul><script>track()</script>")`, nil, `"Pflege\n- spülmaschinenfest\n- Preis < 10€"`},
			}},
		{gText, "translit", "translit(s, charset)",
			"Replaces the characters that charset (windows-1252, iso-8859-1, iso-8859-15; utf-8 holds all) cannot hold, by the built-in table \"latin\" (Ł → L, ő → o, „ → \" in ISO-8859-1, € → EUR in ISO-8859-1). A character the table does not know is an error, never a silent ?.",
			[]Example{
				{`translit(Ort, "windows-1252")`, exEnv("Ort", "Łódź"), `"Lódz"`},
				{`translit("Kaffeebecher „Heimathafen“ 9,90 €", "iso-8859-1")`, nil, `"Kaffeebecher \"Heimathafen\" 9,90 EUR"`},
				{`translit("Kaffeebecher „Heimathafen“ 9,90 €", "windows-1252")`, nil, `"Kaffeebecher „Heimathafen“ 9,90 €"`},
				{`translit("Smile 😀", "windows-1252")`, nil, `error: contains '😀' (U+1F600 GRINNING FACE), which Windows-1252 cannot hold`},
			}},
		{gText, "digits", "digits(s)",
			"Only the digits 0–9 of s.",
			[]Example{{`digits(Telefon)`, exEnv("Telefon", "0421 555-0"), `"04215550"`}}},
		{gText, "uuidName", "uuidName(namespace, name)",
			"A name-based UUID (version 5, SHA-1, RFC 9562): the same namespace and name always give the same UUID, e.g. a stable Smartstore CustomerGuid from a Sage Kundennummer. namespace is dns, url, oid, x500 or a UUID text.",
			[]Example{
				{`uuidName("url", "urn:sage:kunde:" + Kundennummer)`, exEnv("Kundennummer", "10001"), `"9ceae824-021f-52ec-a20d-1fd0fd90829f"`},
				{`uuidName("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "example.de")`, nil, `"dfaaa080-96ef-551c-afd2-309f0fbcba9b"`},
				{`uuidName("kunden", "10001")`, nil, `error: namespace "kunden" is not a UUID`},
				{`uuidName("url", "")`, nil, `error: the name is empty`},
			}},

		// Empty values and lists
		{gList, "coalesce", "coalesce(a, b, …)",
			"The first value that is neither missing (nil) nor an empty text; nil if there is none.",
			[]Example{
				{`coalesce(Firma, Vorname + " " + Name)`, exEnv("Firma", "", "Vorname", "Jürgen", "Name", "Größler"), `"Jürgen Größler"`},
				{`deDec(coalesce(Rabatt_Prozent, "0"))`, exEnv("Rabatt_Prozent", ""), "0"},
			}},
		{gList, "record", "record(name, value, …)",
			"A nested record whose fields keep the order of the arguments (an XML element's children in the order its schema demands; a map literal {…} sorts its keys). A missing value (nil) leaves its field out, so an optional element is not written; \"\" writes an empty one. \"@type\" becomes an XML attribute and \"#text\" the element's text. Build a value for an output with it: its fields cannot be read back in the same expression.",
			[]Example{
				{`record("ORDER_ID", Id, "ORDER_DATE", formatDate(parseISO(CreatedOnUtc), "JJJJ-MM-TT"))`, order, `{ORDER_ID: 5012, ORDER_DATE: "2026-03-13"}`},
				{`record("bme:NAME", Firma, "bme:NAME2", Zusatz)`, exEnv("Firma", "Café Löwenzahn e.K.", "Zusatz", nil), `{bme:NAME: "Café Löwenzahn e.K."}`},
				{`record("@type", "supplier_specific", "#text", "10003")`, nil, `{@type: "supplier_specific", #text: "10003"}`},
				{`record("ORDER_ID")`, nil, "error: pairs of a field name and a value"},
			}},
		{gList, "isEmpty", "isEmpty(x)",
			"Tells whether x is missing (nil), an empty text, or an empty list or record. A text of spaces is not empty: isEmpty(trim(x)).",
			[]Example{
				{`isEmpty(Titel)`, exEnv("Titel", ""), "true"},
				{`isEmpty(trim(Zusatz))`, exEnv("Zusatz", "  "), "true"},
				{`isEmpty(OrderItems)`, order, "false"},
			}},

		// Lookup tables
		{gLook, "lookup", "lookup(table, key, …)",
			"The value stored under the keys in a lookup table of the configuration. A missing entry is an error naming the key and the table.",
			[]Example{
				{`lookup("payment", Zahlungsart)`, exEnv("Zahlungsart", "Rechnung"), `"RE"`},
				{`lookup("payment", "Bar")`, nil, `error: no entry for "Bar" in lookup table "payment"`},
			}},
		{gLook, "lookupOr", "lookupOr(table, default, key, …)",
			"Like lookup, with a default for a missing entry.",
			[]Example{{`lookupOr("country", "DEU", Land)`, exEnv("Land", "CH"), `"DEU"`}}},

		// Addresses
		{gAddr, "splitStreet", "splitStreet(address1)",
			"Splits a German address line (Smartstore's Address1) into [street, house number], as DHL's import wants them: the house number is the last group that starts with a digit and has no word after it; it may have a letter, a range or a fraction (5a, 12 b, 5-7a, 7 1/2). Numbers inside the street name stay there; Mannheim quadrates (C 4, 12) are known. A line that cannot be split gives [line, \"\"]: check houseNo to flag such rows.",
			[]Example{
				{`splitStreet(Address1)`, exEnv("Address1", "Marktstraße 5a"), `["Marktstraße", "5a"]`},
				{`splitStreet("Straße des 17. Juni 114")`, nil, `["Straße des 17. Juni", "114"]`},
				{`splitStreet("C 4, 12")`, nil, `["C 4", "12"]`},
				{`splitStreet("Am Hang 5-7a")`, nil, `["Am Hang", "5-7a"]`},
				{`splitStreet("In den 30 Morgen")`, nil, `["In den 30 Morgen", ""]`},
			}},
		{gAddr, "street", "street(address1)",
			"The street of an address line (see splitStreet).",
			[]Example{{`street(Address1)`, exEnv("Address1", "Königsbrücker Straße 40"), `"Königsbrücker Straße"`}}},
		{gAddr, "houseNo", "houseNo(address1)",
			"The house number of an address line (see splitStreet); \"\" if the line cannot be split.",
			[]Example{
				{`houseNo(Address1)`, exEnv("Address1", "Hauptstr. 12 b"), `"12 b"`},
				{`houseNo("Packstation")`, nil, `""`},
			}},
		{gAddr, "streetAddition", "streetAddition(address1)",
			"What follows the house number (a flat, a floor, c/o …); DHL puts it in Name 3.",
			[]Example{{`streetAddition("Apenrader Str. 16 / Whg. 3")`, nil, `"Whg. 3"`}}},

		// Builtins of expr
		{gList, "sort", "sort(list) · sort(list, order)",
			"The list sorted, \"asc\" (default) or \"desc\": numbers by value, texts alphabetically (by character code), dates by time. Replaces expr's sort, which cannot compare decimals.",
			[]Example{
				{`sort([dec("9.90"), 4.95, 12])`, nil, "[4.95, 9.9, 12]"},
				{`sort(split(CategoryIds, ","), "desc")`, exEnv("CategoryIds", "12,15,3"), `["3", "15", "12"]`},
			}},
		{gList, "sortBy", "sortBy(list, predicate) · sortBy(list, predicate, order)",
			"The list sorted by predicate computed for each item, \"asc\" (default) or \"desc\"; numbers compare by value.",
			[]Example{{`map(sortBy(OrderItems, .UnitPriceInclTax), .Sku)`, order, `["000815", "TS-100-BL-M"]`}}},

		{gBuilt, "trim", "trim(s) · trim(s, chars)",
			"expr builtin: removes white space (or the given characters) at both ends.",
			[]Example{{`trim("  Köln ")`, nil, `"Köln"`}}},
		{gBuilt, "upper", "upper(s)",
			"expr builtin: capital letters.",
			[]Example{{`upper(Land)`, exEnv("Land", "de"), `"DE"`}}},
		{gBuilt, "lower", "lower(s)",
			"expr builtin: small letters.",
			[]Example{{`lower(Email)`, exEnv("Email", "J.Groessler@Example.de"), `"j.groessler@example.de"`}}},
		{gBuilt, "replace", "replace(s, old, new)",
			"expr builtin: replaces every old by new.",
			[]Example{{`replace(Artikeltyp, "STANDARD", "simple")`, exEnv("Artikeltyp", "STANDARD"), `"simple"`}}},
		{gBuilt, "split", "split(s, sep)",
			"expr builtin: the parts of s between the separators.",
			[]Example{{`split(CategoryIds, ",")`, exEnv("CategoryIds", "12,15"), `["12", "15"]`}}},
		{gBuilt, "join", "join(list, sep)",
			"expr builtin: the texts of a list joined by sep.",
			[]Example{{`join(map(OrderItems, .Sku), ";")`, order, `"TS-100-BL-M;000815"`}}},
		{gBuilt, "len", "len(x)",
			"expr builtin: the number of characters of a text, of items of a list.",
			[]Example{{`len(OrderItems)`, order, "2"}}},
		{gBuilt, "string", "string(x)",
			"expr builtin: x as text; a decimal without trailing zeros.",
			[]Example{{`string(OrderTotal)`, order, `"44.7"`}}},
		{gBuilt, "float", "float(x)",
			"Not available: ferry never computes money in binary floating point. Use dec.",
			[]Example{{`float("1.5")`, nil, "error: float() is not available"}}},
	}
}

// render writes a result as the examples show it.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	case decimal.Decimal:
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case formats.Value: // record(…): fields in their order, at every level
		switch x.Kind() {
		case formats.KindRecord:
			var parts []string
			if r := x.Record(); r != nil {
				for _, f := range r.Fields {
					parts = append(parts, f.Name+": "+render(f.Value))
				}
			}
			return "{" + strings.Join(parts, ", ") + "}"
		case formats.KindList:
			parts := make([]string, len(x.List()))
			for i, e := range x.List() {
				parts[i] = render(e)
			}
			return "[" + strings.Join(parts, ", ") + "]"
		}
		return render(toExpr(x))
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + render(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if n, ok := intOf(v); ok {
		return strconv.FormatInt(n, 10)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = render(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// Markdown renders Docs as the page docs/functions.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString(`# Expression functions

<!-- Generated from transform/funcs_docs.go by
     go test ./transform -run TestFunctionDocs -update
     Do not edit by hand. -->

Pipeline steps compute fields with [expr](https://expr-lang.org) expressions.
A record's fields are variables: texts are strings, exact numbers are
decimals, yes/no fields are booleans, nested records and lists can be
walked with ` + "`.`" + ` and ` + "`[i]`" + ` and expr's list functions (map, filter, all, …).

Money never passes through binary floating point: number literals such as
` + "`1.19`" + ` are exact decimals, the operators compute on decimals, and the
builtins of expr that would use float64 (round, floor, ceil, abs, min, max,
sum, mean, median, int, float, fromJSON) are replaced. A wrong constant
argument (a regular expression, a date layout, a time zone, a charset) is
reported when the configuration is loaded.

Every example below is run by the tests. Results are shown as the tests
compare them: texts in quotes, decimals without trailing zeros, times in
RFC 3339, lists in brackets; "error:" shows a part of the error message.
The examples run with now() = 2026-03-13 10:04:07 Europe/Berlin and the
lookup tables payment (PayPal → PP, Rechnung → RE, Vorkasse → VK) and
country (DE → DEU, AT → AUT).
`)
	docs := Docs()
	var groups []string
	seen := map[string]bool{}
	for _, d := range docs {
		if !seen[d.Group] {
			seen[d.Group] = true
			groups = append(groups, d.Group)
		}
	}
	b.WriteString("\n## Contents\n\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "- %s:", g)
		for _, d := range docs {
			if d.Group == g {
				fmt.Fprintf(&b, " [%s](#%s)", d.Name, anchor(d.Name))
			}
		}
		b.WriteString("\n")
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n## %s\n", g)
		for _, d := range docs {
			if d.Group != g {
				continue
			}
			fmt.Fprintf(&b, "\n### %s\n\n`%s`\n\n%s\n", d.Name, d.Signature, d.Doc)
			if len(d.Examples) == 0 {
				continue
			}
			b.WriteString("\n| Expression | Record | Result |\n|---|---|---|\n")
			for _, e := range d.Examples {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(e.Expr), cell(renderEnv(e.Env, e.Expr)), cell(e.Want))
			}
		}
	}
	return b.String()
}

func anchor(name string) string { return strings.ToLower(name) }

// renderEnv lists the fields of env that the expression src uses.
func renderEnv(env map[string]any, src string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		if usesName(src, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " = " + render(env[k])
	}
	return strings.Join(parts, ", ")
}

// usesName reports whether name occurs in src as a whole word.
func usesName(src, name string) bool {
	ident := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for i := 0; i+len(name) <= len(src); {
		k := strings.Index(src[i:], name)
		if k < 0 {
			return false
		}
		start, end := i+k, i+k+len(name)
		if (start == 0 || !ident(src[start-1])) && (end == len(src) || !ident(src[end])) {
			return true
		}
		i = start + 1
	}
	return false
}

// cell makes a Markdown table cell: code, with | escaped.
func cell(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.Contains(s, "`") {
		return "``" + s + "``"
	}
	return "`" + s + "`"
}
