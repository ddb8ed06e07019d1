package transform

import (
	"strings"
	"testing"
)

const oncePipeline = `name: orders
input: {inbox: in, format: csv}
outputs:
  - outbox: out
    name: "zahlung-${Id}.txt"
    format: csv
    once: Id
    options: {line_ending: lf}
  - outbox: out
    name: all.csv
    format: csv
    options: {line_ending: lf}
`

// A key goes out through an output in one run only: after an earlier run
// sent it (Sent), its records are left out of that output only, counted
// and reported once. Within one run every record of a key goes (the
// positions of one order).
func TestOutputOnce(t *testing.T) {
	var warnings []string
	var asked []string
	sink, st, err := runPipeline(t, oncePipeline, "orders.csv", []byte("Id;Betrag\n5012;10,00\n5013;20,00\n5012;10,00\n5014;30,00\n"), RunOptions{
		Warn: func(m string) { warnings = append(warnings, m) },
		Sent: func(scope, key string) (string, bool, error) {
			asked = append(asked, scope+" "+key)
			return "with orders-alt.json, journal entry 7", key == "5014", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sink.names(), " "); got != "out/all.csv out/zahlung-5012.txt out/zahlung-5013.txt" {
		t.Errorf("files: %s", got)
	}
	if got := sink.files["out/zahlung-5012.txt"].String(); got != "Id;Betrag\n5012;10,00\n5012;10,00\n" {
		t.Errorf("zahlung-5012.txt: %q", got)
	}
	if got := sink.files["out/all.csv"].String(); strings.Count(got, "\n") != 5 {
		t.Errorf("the other output lost records: %q", got)
	}
	if st.Once != 1 || len(st.Keys) != 2 || st.Keys[0] != (OnceKey{Scope: "out/zahlung-${Id}.txt", Key: "5012"}) || st.Keys[1].Key != "5013" {
		t.Errorf("Once %d, Keys %v", st.Once, st.Keys)
	}
	if strings.Join(asked, ",") != "out/zahlung-${Id}.txt 5012,out/zahlung-${Id}.txt 5013,out/zahlung-${Id}.txt 5014" {
		t.Errorf("asked %v", asked)
	}
	want := []string{
		`orders.csv:5:1: field "Id": "5014" already went out to out/zahlung-${Id}.txt (with orders-alt.json, journal entry 7); not again`,
	}
	if strings.Join(warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
}

// An empty key cannot be told apart: the record fails with its position.
func TestOutputOnceEmptyKey(t *testing.T) {
	_, _, err := runPipeline(t, oncePipeline, "orders.csv", []byte("Id;Betrag\n;10,00\n"), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `orders.csv:2:1: field "Id": the once key of out/zahlung-${Id}.txt is empty`) {
		t.Fatalf("err = %v", err)
	}
}

func TestOutputOnceExclusive(t *testing.T) {
	p := mustCompile(t, map[string]string{"p.yaml": oncePipeline})
	if ex := p.Exclusive(); len(ex) != 1 || ex[0] != "once:orders" {
		t.Errorf("Exclusive() = %v", ex)
	}
	if got := compileErr(t, strings.Replace(oncePipeline, "once: Id", "once: Id +", 1)); !strings.Contains(got, "outputs[0].once") {
		t.Errorf("compile error %q", got)
	}
}
