package transform

import (
	"strings"
	"testing"
)

// One order file gives three differently shaped files in one run: the
// order heads, one row per position (explode on the output), and one row
// per customer (group on the output, released at the end of the file).
const outputStepsPipeline = `name: orders
input: {inbox: in, format: json}
steps:
  - filter: OrderNumber != "0"
outputs:
  - outbox: out
    name: heads.csv
    format: csv
    steps:
      - map: {Auftrag: OrderNumber, Kunde: Customer}
  - outbox: out
    name: positions.csv
    format: csv
    when: len(Items) > 0
    steps:
      - explode: {field: Items, as: item, index_as: Pos}
      - map: {Auftrag: OrderNumber, Pos: Pos, Artikelnummer: item.Sku}
  - outbox: out
    name: customers.csv
    format: csv
    steps:
      - group: {by: [Customer], into: Orders, mode: keyed}
      - map: {Kunde: Customer, Auftraege: len(Orders)}
`

const outputStepsInput = `{"value": [
 {"OrderNumber": "5012", "Customer": "K1", "Items": [{"Sku": "000815"}, {"Sku": "00042"}]},
 {"OrderNumber": "5013", "Customer": "K2", "Items": []},
 {"OrderNumber": "5014", "Customer": "K1", "Items": [{"Sku": "000816"}]}
]}`

func TestOutputSteps(t *testing.T) {
	sink, st, err := runPipeline(t, outputStepsPipeline, "orders.json", []byte(outputStepsInput), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"out/heads.csv":     "Auftrag;Kunde\n5012;K1\n5013;K2\n5014;K1\n",
		"out/positions.csv": "Auftrag;Pos;Artikelnummer\n5012;1;000815\n5012;2;00042\n5014;1;000816\n",
		"out/customers.csv": "Kunde;Auftraege\nK1;2\nK2;1\n",
	}
	if got := strings.Join(sink.names(), " "); got != "out/customers.csv out/heads.csv out/positions.csv" {
		t.Fatalf("files: %s", got)
	}
	for name, w := range want {
		if got := strings.ReplaceAll(sink.files[name].String(), "\r\n", "\n"); got != w {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, w)
		}
	}
	if st.In != 3 || st.Out != 3+3+2 {
		t.Errorf("stats: in %d out %d", st.In, st.Out)
	}
}

// An output's steps work on their own copy: a step that changes a
// record in place for one output leaves the other outputs' record alone.
func TestOutputStepsOwnCopy(t *testing.T) {
	yaml := `name: p
input: {inbox: in, format: csv}
outputs:
  - outbox: out
    name: a.csv
    format: csv
    steps:
      - set: {Name: upper(Name)}
      - drop: [Nr]
  - outbox: out
    name: b.csv
    format: csv
`
	sink, _, err := runPipeline(t, yaml, "x.csv", []byte("Nr;Name\n1;anna\n2;bert\n"), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sink.files["out/a.csv"].String(); got != "Name\r\nANNA\r\nBERT\r\n" {
		t.Errorf("a.csv: %q", got)
	}
	if got := sink.files["out/b.csv"].String(); got != "Nr;Name\r\n1;anna\r\n2;bert\r\n" {
		t.Errorf("b.csv: %q", got)
	}
}

// A bad record inside an output's steps fails the file with the
// record's position, like one in the pipeline's steps; nothing counts
// as written.
func TestOutputStepsRecordError(t *testing.T) {
	yaml := `name: p
input: {inbox: in, format: csv}
outputs:
  - outbox: out
    name: a.csv
    format: csv
    steps:
      - map: {Preis: 'fmtDec(deDec(VK1), 2)'}
`
	_, _, err := runPipeline(t, yaml, "artikel.csv", []byte("Nr;VK1\n1;12,50\n2;12,5x\n"), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `artikel.csv:3:`) || !strings.Contains(err.Error(), `"12,5x" is not a decimal`) {
		t.Fatalf("err = %v", err)
	}
}

// A mistake in an output's steps is reported at its place in the file.
func TestOutputStepsConfigError(t *testing.T) {
	got := compileErr(t, `name: p
input: {inbox: in, format: csv}
outputs:
  - outbox: out
    name: a.csv
    format: csv
    steps:
      - map: {A: B}
      - explode: {fild: X}
`)
	if !strings.Contains(got, "p.yaml:9:") || !strings.Contains(got, "outputs[0].steps[1].explode") {
		t.Fatalf("got %q", got)
	}
}
