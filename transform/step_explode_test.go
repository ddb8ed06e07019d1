package transform

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// TestExplodeSmartstoreOrders turns the five orders of the Smartstore
// sample into one record per order position.
func TestExplodeSmartstoreOrders(t *testing.T) {
	in := readTestdata(t, "orders.json")
	cases := []struct {
		name, steps string
		want        []string
	}{
		{"as", `  - explode: {field: OrderItems, as: item, index_as: Pos}
  - map: {Id: Id, Pos: Pos, Sku: item.Sku, Menge: item.Quantity, Kunde: Customer.CustomerNumber}
`, []string{
			"122:9: Id=5012 Pos=1 Sku=TS-100-BL-M Menge=2 Kunde=10000",
			"152:9: Id=5012 Pos=2 Sku=000815 Menge=1 Kunde=10000",
			"328:9: Id=5013 Pos=1 Sku=000815 Menge=50 Kunde=10002",
			"358:9: Id=5013 Pos=2 Sku=00042 Menge=12 Kunde=10002",
			"534:9: Id=5014 Pos=1 Sku=004711 Menge=1 Kunde=10004",
			"564:9: Id=5014 Pos=2 Sku=4711/D Menge=1 Kunde=10004",
			"594:9: Id=5014 Pos=3 Sku=SET-0001 Menge=1 Kunde=10004",
			"770:9: Id=5015 Pos=1 Sku=000815 Menge=12 Kunde=10003",
			"800:9: Id=5015 Pos=2 Sku=00042 Menge=6 Kunde=10003",
			"830:9: Id=5015 Pos=3 Sku=TS-100-BL-L Menge=2 Kunde=10003",
			"981:9: Id=5016 Pos=1 Sku=00042 Menge=2 Kunde=∅",
			"1011:9: Id=5016 Pos=2 Sku=000816 Menge=2 Kunde=∅",
		}},
		{"without as", `  - explode: {field: OrderItems}
  - filter: Sku in ["004711", "4711/D", "SET-0001"]
  - map: {Id: parent.Id, Sku: Sku, Produkt: Product.Name}
`, []string{
			"534:9: Id=5014 Sku=004711 Produkt=Edelstahl-Teekanne „Ostfriesentraum“ mit Siebeinsatz 1,2 l",
			"564:9: Id=5014 Sku=4711/D Produkt=Ersatzdeckel für Teekanne 004711",
			"594:9: Id=5014 Sku=SET-0001 Produkt=Frühstücks-Set „Gemütlich“",
		}},
		{"empty lists give nothing", `  - explode: {field: Shipments, as: s}
  - map: {Id: Id, Tracking: s.TrackingNumber}
`, []string{
			"184:9: Id=5012 Tracking=00340434161094042557",
			"390:9: Id=5013 Tracking=00340434161094042564",
			"626:9: Id=5014 Tracking=1Z999AA10123456784",
		}},
		{"keep_empty", `  - explode: {field: Shipments, as: s, keep_empty: true, index_as: N}
  - map: {Id: Id, N: N, Tracking: 's == nil ? "-" : s.TrackingNumber'}
`, []string{
			"184:9: Id=5012 N=1 Tracking=00340434161094042557",
			"390:9: Id=5013 N=1 Tracking=00340434161094042564",
			"626:9: Id=5014 N=1 Tracking=1Z999AA10123456784",
			"652:5: Id=5015 N=∅ Tracking=-",
			"863:5: Id=5016 N=∅ Tracking=-",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runShape(t, pipelineYAML("format: json", c.steps), "orders.json", in, RunOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			checkLines(t, res.lines, c.want)
			if res.stats.In != 5 {
				t.Errorf("stats %+v", res.stats)
			}
		})
	}
}

// explodeShapes has every kind of value in the list field.
const explodeShapes = `[
  {"Nr": "1", "Items": [
    {"Sku": "A"},
    {"Sku": "B"}]},
  {"Nr": "2", "Items": []},
  {"Nr": "3"},
  {"Nr": "4", "Items": null},
  {"Nr": "5", "Items": {"Sku": "C"}},
  {"Nr": "6", "Items": ["x", "y"]}
]
`

func TestExplodeShapes(t *testing.T) {
	cases := []struct {
		name, step string
		want       []string
		rejected   []string
	}{
		{"as", "{field: Items, as: item}", []string{
			"3:5: Nr=1 item={Sku=A}",
			"4:5: Nr=1 item={Sku=B}",
			"8:24: Nr=5 item={Sku=C}",
			"9:15: Nr=6 item=x",
			"9:15: Nr=6 item=y",
		}, nil},
		{"as with index and keep_empty", "{field: Items, as: item, index_as: Pos, keep_empty: true}", []string{
			"3:5: Nr=1 Pos=1 item={Sku=A}",
			"4:5: Nr=1 Pos=2 item={Sku=B}",
			"5:3: Nr=2 Pos=∅ item=∅",
			"6:3: Nr=3 Pos=∅ item=∅",
			"7:3: Nr=4 Pos=∅ item=∅",
			"8:24: Nr=5 Pos=1 item={Sku=C}",
			"9:15: Nr=6 Pos=1 item=x",
			"9:15: Nr=6 Pos=2 item=y",
		}, nil},
		{"as replaces the list field's name", "{field: Items, as: Items}", []string{
			"3:5: Nr=1 Items={Sku=A}",
			"4:5: Nr=1 Items={Sku=B}",
			"8:24: Nr=5 Items={Sku=C}",
			"9:15: Nr=6 Items=x",
			"9:15: Nr=6 Items=y",
		}, nil},
		{"without as", "{field: Items, index_as: Pos}", []string{
			"3:5: Sku=A Pos=1 parent={Nr=1}",
			"4:5: Sku=B Pos=2 parent={Nr=1}",
			"8:24: Sku=C Pos=1 parent={Nr=5}",
		}, []string{
			`a.json:9:15: field "Items": element 1 is the text "x", not a record with fields; add as: to keep each element as one field`,
			`a.json:9:15: field "Items": element 2 is the text "y", not a record with fields; add as: to keep each element as one field`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runShape(t, pipelineYAML("format: json", "  - explode: "+c.step+"\n"), "a.json", []byte(explodeShapes), RunOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			checkLines(t, res.lines, c.want)
			checkLines(t, res.rejected, c.rejected)
		})
	}
}

func TestExplodeNestedPath(t *testing.T) {
	in := `{"value": [{"Id": 1, "Order": {"Nr": "AU1", "Items": [{"Sku": "A"}, {"Sku": "B"}], "Total": 3}}]}`
	res := runShape(t, pipelineYAML("format: json", "  - explode: {field: Order.Items, as: item}\n"), "a.json", []byte(in), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{
		"1:55: Id=1 Order={Nr=AU1 Total=3} item={Sku=A}",
		"1:69: Id=1 Order={Nr=AU1 Total=3} item={Sku=B}",
	})
}

func TestExplodeErrors(t *testing.T) {
	cases := []struct {
		name, step, input string
		want, rejected    []string
		err               string
	}{
		{"field in no record", "{field: OrderItem, as: item}", "orders.json", nil, nil,
			`orders.json: explode: no record has a field "OrderItem" (the first has: Id, OrderNumber, OrderGuid, StoreId, CustomerId, BillingAddressId, ShippingAddressId, PaymentMethodSystemName, CustomerCurrencyCode, CurrencyRate, VatNumber, OrderSubtotalInclTax, …)`},
		{"as is taken", "{field: OrderItems, as: Customer}", "orders.json", nil, []string{
			`orders.json:64:7: field "Customer": the record already has a field "Customer"; give as another name`,
			`orders.json:270:7: field "Customer": the record already has a field "Customer"; give as another name`,
			`orders.json:476:7: field "Customer": the record already has a field "Customer"; give as another name`,
			`orders.json:712:7: field "Customer": the record already has a field "Customer"; give as another name`,
			`orders.json:923:7: field "Customer": the record already has a field "Customer"; give as another name`,
		}, ""},
		{"index_as is taken", "{field: OrderItems, as: item, index_as: Id}", "orders.json", nil, []string{
			`orders.json:5:7: field "Id": the record already has a field "Id"; give index_as another name`,
			`orders.json:211:7: field "Id": the record already has a field "Id"; give index_as another name`,
			`orders.json:417:7: field "Id": the record already has a field "Id"; give index_as another name`,
			`orders.json:653:7: field "Id": the record already has a field "Id"; give index_as another name`,
			`orders.json:864:7: field "Id": the record already has a field "Id"; give index_as another name`,
		}, ""},
		{"element has a field parent", "{field: Items}", "parent", []string{"1:39: Sku=B parent={Nr=1}"}, []string{
			`a.json:1:25: field "parent": the Items element already has a field "parent"; use as: to keep elements nested, or give index_as another name`,
		}, ""},
		{"list inside text", "{field: Nr.Items, as: item}", "parent", nil, []string{
			`a.json:1:3: field "Nr" holds text, not a nested record, so "Nr.Items" cannot be read`,
		}, ""},
	}
	orders := readTestdata(t, "orders.json")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, in := "orders.json", orders
			if c.input == "parent" {
				src, in = "a.json", []byte(`[{"Nr": "1", "Items": [{"parent": 1}, {"Sku": "B"}]}]`)
			}
			res := runShape(t, pipelineYAML("format: json", "  - explode: "+c.step+"\n"), src, in, RunOptions{})
			if c.err != "" {
				if res.err == nil || res.err.Error() != c.err {
					t.Fatalf("err = %v\nwant  %s", res.err, c.err)
				}
				return
			}
			if res.err != nil {
				t.Fatal(res.err)
			}
			checkLines(t, res.lines, c.want)
			checkLines(t, res.rejected, c.rejected)
		})
	}
}

// TestExplodeRejectsOneElement checks that an element refused by a later
// step is reported at its own position, and that the other elements of
// the order still go through.
func TestExplodeRejectsOneElement(t *testing.T) {
	in := `[{"Nr": "AU1", "Items": [
  {"Menge": "1"},
  {"Menge": "zwei"},
  {"Menge": "3"}
]}]`
	y := pipelineYAML("format: json", `  - explode: {field: Items, as: item}
  - map: {Nr: Nr, N: 'int(item.Menge) * 2'}
`)
	res := runShape(t, y, "a.json", []byte(in), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{"2:3: Nr=AU1 N=2", "4:3: Nr=AU1 N=6"})
	if len(res.rejected) != 1 || !strings.HasPrefix(res.rejected[0], `a.json:3:3: field "item": `) || res.stats.Rejected != 1 {
		t.Errorf("rejected %q, stats %+v", res.rejected, res.stats)
	}

	// Under on_error: fail, the run fails and lists the element.
	_, _, err := runPipeline(t, strings.Replace(y, "on_error: reject\n", "", 1), "a.json", []byte(in), RunOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), `a.json:3:3: field "item": `) {
		t.Errorf("err = %v", err)
	}
}

func BenchmarkExplode(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; i < 2000; i++ {
		if i > 0 {
			sb.WriteString(",\n")
		}
		sb.WriteString(`{"Id": 5012, "OrderNumber": "AU1", "Customer": {"Id": 2187}, "OrderItems": [{"Sku": "000815", "Quantity": 1}, {"Sku": "00042", "Quantity": 12}, {"Sku": "4711/D", "Quantity": 3}]}`)
	}
	sb.WriteString("]")
	benchPipeline(b, pipelineYAML("format: json", "  - explode: {field: OrderItems, as: item, index_as: Pos}\n"), []byte(sb.String()))
}

// FuzzShapeSteps runs JSON input through every shaping step: whatever the
// input, no panic and no hang, and every error says where.
func FuzzShapeSteps(f *testing.F) {
	f.Add([]byte(explodeShapes))
	f.Add([]byte(`{"value": [{"Nr": "AU1", "Items": [{"Sku": "A", "Menge": "1,5"}, {"Sku": "A", "Menge": 2e1}]}, {"Nr": {"x": 1}}]}`))
	f.Add([]byte(`[{"Nr": "1", "Items": {"Sku": null, "Menge": [1]}}, {"Nr": null, "Items": "x"}]`))
	dir := f.TempDir()
	y := pipelineYAML("format: json", `  - explode: {field: Items, as: item, keep_empty: true, index_as: I}
  - dedupe: {by: [item.Sku, Nr]}
  - sort: {by: [-Nr, item.Menge], numeric: [item.Menge]}
  - group: {by: [Nr], into: P, mode: keyed}
  - explode: {field: P}
  - group: {by: [parent.Nr, I], into: Q, allow_repeat: true}
`)
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(y), 0o644); err != nil {
		f.Fatal(err)
	}
	pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	p, err := Compile(pc, nil, testFunctions())
	if err != nil {
		f.Fatal(err)
	}
	jf, _ := formats.Builtin().Lookup("json")
	f.Fuzz(func(t *testing.T, in []byte) {
		rd, err := jf.NewReader(bytes.NewReader(in), "f.json", formats.Options{})
		if err != nil {
			return
		}
		check := func(err error) {
			if !formats.Positioned(err) {
				t.Errorf("error without a position: %v", err)
			}
		}
		opt := RunOptions{
			Output:   func(int, string, *formats.Record) error { return nil },
			Rejected: func(_ *formats.Record, err error) { check(err) },
		}
		_, err = p.Run(context.Background(), rd, Source{Path: "f.json"}, &memSink{}, opt)
		var fe *FileError
		if errors.As(err, &fe) {
			for _, e := range fe.Errors {
				check(e)
			}
		} else if err != nil {
			check(err)
		}
	})
}
