package transform

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// dumpRecord renders one record with its positions (formats.Dump).
func dumpRecord(t *testing.T, r *formats.Record) string {
	t.Helper()
	var b bytes.Buffer
	if err := formats.Dump(&b, []*formats.Record{r}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRejectedRecordIsInputAsRead: under on_error reject, a record that
// set, lookup and an output's own steps changed on the way
// and that a later step refuses goes to the rejects as it was read, and
// an exploded element refused after set and lookup changed it goes as
// explode made it. Steps that work on their record in place (see Step)
// must never change what RunOptions.Rejected receives.
func TestRejectedRecordIsInputAsRead(t *testing.T) {
	files := map[string]string{
		"lookups/land.csv": "ISO,Name\nDE,Deutschland\nAT,Österreich\n",
	}
	cases := []struct {
		name, yaml, input string
		want              int
	}{
		{"pipeline steps", `name: p
input: {inbox: in, format: csv, options: {delimiter: ";"}}
on_error: reject
steps:
  - validate: {rules: [{check: 'Nr != ""', field: Nr, message: leer}]}
  - set: {Nr: 'Nr + "!"', Neu: '"x"'}
  - lookup: {table: lookups/land.csv, keys: {ISO: Land}, fields: {Land: Name, Landname: Name}}
  - set: {Menge: '"99"'}
  - lookup: {table: lookups/land.csv, keys: {ISO: '"DE"'}, fields: {Noch: Name}}
  - validate: {rules: [{check: 'Nr != "2!"', field: Nr, message: zwei}]}
outputs:
  - {outbox: out, name: x.csv, format: csv}
`, "Nr;Land;Menge\n1;DE;5\n2;AT;6\n3;DE;7\n", 1},
		{"output steps", `name: p
input: {inbox: in, format: csv, options: {delimiter: ";"}}
on_error: reject
steps:
  - set: {Nr: 'Nr + "!"'}
  - lookup: {table: lookups/land.csv, keys: {ISO: Land}, fields: {Land: Name}}
outputs:
  - outbox: out
    name: x.csv
    format: csv
    steps:
      - set: {Menge: '"99"'}
      - lookup: {table: lookups/land.csv, keys: {ISO: '"AT"'}, fields: {Noch: Name}}
      - validate: {rules: [{check: 'Nr != "3!"', field: Nr, message: drei}]}
  - {outbox: out2, name: y.csv, format: csv}
`, "Nr;Land;Menge\n1;DE;5\n2;AT;6\n3;DE;7\n", 1},
		{"the steps of a single output", `name: p
input: {inbox: in, format: csv, options: {delimiter: ";"}}
on_error: reject
steps:
  - set: {Nr: 'Nr + "!"'}
  - lookup: {table: lookups/land.csv, keys: {ISO: Land}, fields: {Land: Name}}
outputs:
  - outbox: out
    name: x.csv
    format: csv
    steps:
      - set: {Menge: '"99"'}
      - lookup: {table: lookups/land.csv, keys: {ISO: '"AT"'}, fields: {Noch: Name}}
      - validate: {rules: [{check: 'Nr != "3!"', field: Nr, message: drei}]}
`, "Nr;Land;Menge\n1;DE;5\n2;AT;6\n3;DE;7\n", 1},
		// JSON records are read with room for the fields the pipeline's
		// steps add (formats.RoomReader): only ownership keeps set and
		// lookup from changing them in place, where CSV records are
		// copied for want of capacity anyway (the cases above pass with
		// RunState.mayChange always true; this one does not).
		{"pipeline steps, JSON input with room", `name: p
input: {inbox: in, format: json}
on_error: reject
steps:
  - validate: {rules: [{check: 'Nr != ""', field: Nr, message: leer}]}
  - set: {Nr: 'Nr + "!"', Neu: '"x"'}
  - lookup: {table: lookups/land.csv, keys: {ISO: Land}, fields: {Land: Name, Landname: Name}}
  - validate: {rules: [{check: 'Nr != "2!"', field: Nr, message: zwei}]}
outputs:
  - {outbox: out, name: x.csv, format: csv}
`, `[{"Nr": "1", "Land": "DE", "Menge": 5}, {"Nr": "2", "Land": "AT", "Menge": 6}, {"Nr": "3", "Land": "DE", "Menge": 7}]`, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			all := map[string]string{"p.yaml": c.yaml}
			for k, v := range files {
				all[k] = v
			}
			p := mustCompile(t, all)
			var got []string
			_, st, err := runOn(t, p, "in.csv", c.input, RunOptions{Rejected: func(r *formats.Record, _ error) {
				got = append(got, dumpRecord(t, r))
			}})
			if err != nil {
				t.Fatal(err)
			}
			if st.Rejected != c.want || len(got) != c.want {
				t.Fatalf("rejected %d (%q), want %d", st.Rejected, got, c.want)
			}
			// The same input read again: the rejected record is one of
			// its records, unchanged.
			ic := p.Config.Input
			f, _ := formats.Builtin().Lookup(ic.Format)
			rd, err := formats.NewTextReader(f, strings.NewReader(c.input), "in.csv", ic.Encoding, ic.FormatOpts)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for {
				r, err := rd.Read()
				if err != nil {
					break
				}
				if dumpRecord(t, r) == got[0] {
					found = true
				}
			}
			if !found {
				t.Errorf("rejected record is not the input as read:\n%s", got[0])
			}
		})
	}
}

// TestRejectedElementAsExploded: an order position refused after set and
// lookup worked on it goes to the rejects as explode made it (with its
// parent), not with the fields the later steps set.
func TestRejectedElementAsExploded(t *testing.T) {
	in := `[{"Id": 1, "Land": "DE", "OrderItems": [{"Sku": "A", "Quantity": 1}, {"Sku": "B", "Quantity": 2}]},
{"Id": 2, "Land": "AT", "OrderItems": [{"Sku": "C", "Quantity": 3}]}]`
	for _, where := range []string{"steps", "outputs"} {
		t.Run(where, func(t *testing.T) {
			steps := `  - explode: {field: OrderItems, index_as: Pos}
  - set: {Sku: 'Sku + "-x"', Zeile: 'string(Pos)'}
  - lookup: {table: lookups/land.csv, keys: {ISO: parent.Land}, fields: {Landname: Name}}
  - set: {Quantity: '0'}
  - validate: {rules: [{check: 'Sku != "B-x"', field: Sku, message: kein B}]}
`
			y := "name: p\ninput: {inbox: in, format: json}\non_error: reject\n"
			if where == "steps" {
				y += "steps:\n" + steps + "outputs:\n  - {outbox: out, name: x.csv, format: csv}\n"
			} else {
				y += "outputs:\n  - outbox: out\n    name: x.csv\n    format: csv\n    steps:\n" +
					strings.ReplaceAll(steps, "  - ", "      - ")
			}
			p := mustCompile(t, map[string]string{"p.yaml": y, "lookups/land.csv": "ISO,Name\nDE,Deutschland\nAT,Österreich\n"})
			var got []string
			sink, st, err := runOn(t, p, "a.json", in, RunOptions{Rejected: func(r *formats.Record, _ error) {
				got = append(got, dumpRecord(t, r))
			}})
			if err != nil {
				t.Fatal(err)
			}
			if st.Rejected != 1 || len(got) != 1 {
				t.Fatalf("rejected %d: %q", st.Rejected, got)
			}
			for _, unwanted := range []string{"Zeile", "Landname", "-x"} {
				if strings.Contains(got[0], unwanted) {
					t.Errorf("rejected element carries %q, set by a step after explode:\n%s", unwanted, got[0])
				}
			}
			if !strings.Contains(got[0], `"B"`) || !strings.Contains(got[0], "Quantity") {
				t.Errorf("rejected element is not position B as exploded:\n%s", got[0])
			}
			if out := sink.files["out/x.csv"].String(); !strings.Contains(out, "A-x") || !strings.Contains(out, "C-x") || strings.Contains(out, "B-x") {
				t.Errorf("output\n%s", out)
			}
		})
	}
}

// TestInPlaceSameOutput runs pipelines whose steps own their records once
// where they change them in place (no rejected records kept) and once
// where they must copy (RunOptions.Rejected under on_error reject): the
// records that reach the outputs are the same, nested parents included.
func TestInPlaceSameOutput(t *testing.T) {
	in := `[{"Id": 1, "Land": "DE", "OrderItems": [{"Sku": "A", "Quantity": 1}, {"Sku": "B", "Quantity": 2}], "Zeilen": [1, 2]},
{"Id": 2, "Land": "AT", "OrderItems": [{"Sku": "C", "Quantity": 3}], "Zeilen": [3]}]`
	cases := map[string]string{
		"explode without as after map": `  - map: {Id: Id, Land: Land, OrderItems: OrderItems, Zeilen: Zeilen}
  - explode: {field: OrderItems, index_as: Pos}
  - set: {Sku: 'Sku + "-x"', Neu: 'parent.Land'}
  - lookup: {table: lookups/land.csv, keys: {ISO: parent.Land}, fields: {Landname: Name}}
`,
		"explode with as twice": `  - set: {Nr: 'string(Id)'}
  - explode: {field: OrderItems, as: item, index_as: Pos}
  - set: {Sku: 'item.Sku'}
  - explode: {field: Zeilen, as: z}
  - lookup: {table: lookups/land.csv, keys: {ISO: Land}, fields: {Land: Name, Landname: Name}}
`,
		"explode then map": `  - explode: {field: OrderItems, as: item, index_as: Pos}
  - map: {Id: Id, Pos: Pos, Sku: item.Sku, Item: item, Zeilen: Zeilen}
  - explode: {field: Zeilen, as: z}
  - map: {Id: Id, Pos: Pos, Sku: Sku, Z: z, Item: Item}
`,
		"explode without as then map": `  - explode: {field: OrderItems, index_as: Pos}
  - map: {Id: parent.Id, Pos: Pos, Sku: Sku, Menge: Quantity, Parent: parent}
`,
		"nested list field": `  - set: {Order: '{Items: OrderItems, Id: Id}'}
  - explode: {field: Order.Items, as: item}
  - set: {Sku: 'item.Sku'}
`,
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			y := "name: p\ninput: {inbox: in, format: json}\nsteps:\n" + steps + "outputs:\n  - {outbox: out, name: x.jsonl, format: jsonl}\n"
			p := mustCompile(t, map[string]string{"p.yaml": y, "lookups/land.csv": "ISO,Name\nDE,Deutschland\nAT,Österreich\n"})
			run := func(opt RunOptions) string {
				var b strings.Builder
				opt.Output = func(_ int, _ string, r *formats.Record) error {
					b.WriteString(dumpRecord(t, r))
					return nil
				}
				if _, _, err := runOn(t, p, "a.json", in, opt); err != nil {
					t.Fatal(err)
				}
				return b.String()
			}
			inPlace := run(RunOptions{})
			copied := run(RunOptions{OnError: "reject", Rejected: func(*formats.Record, error) {}})
			if inPlace != copied {
				t.Errorf("in place:\n%s\ncopied:\n%s", inPlace, copied)
			}
			if strings.Count(inPlace, "\"A") == 0 || strings.Contains(inPlace, "OrderItems") && name == "explode without as after map" {
				t.Errorf("output:\n%s", inPlace)
			}
		})
	}
}
