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

// once_scope shares the memory of once between pipelines: the key is
// asked for and kept under the shared scope, and runs of every pipeline
// with that scope are serialised by the same lock.
func TestOutputOnceScope(t *testing.T) {
	yaml := strings.Replace(oncePipeline, "    once: Id\n", "    once: Id\n    once_scope: zahlungen\n", 1)
	var asked []string
	_, st, err := runPipeline(t, yaml, "orders.csv", []byte("Id;Betrag\n5012;10,00\n"), RunOptions{
		Sent: func(scope, key string) (string, bool, error) { asked = append(asked, scope); return "", false, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != "@zahlungen" || st.Keys[0].Scope != "@zahlungen" {
		t.Errorf("asked %v, keys %v", asked, st.Keys)
	}
	p := mustCompile(t, map[string]string{"p.yaml": yaml})
	if ex := p.Exclusive(); len(ex) != 1 || ex[0] != "once:@zahlungen" {
		t.Errorf("Exclusive() = %v", ex)
	}
	bad := strings.Replace(oncePipeline, "    once: Id\n", "    once_scope: zahlungen\n", 1)
	if got := compileErr(t, bad); !strings.Contains(got, "once_scope needs once") {
		t.Errorf("compile error %q", got)
	}
}

// The keys of several once outputs come back in the order they were
// first sent, interleaved as the records came, each with its scope.
func TestOutputOnceKeysInOrder(t *testing.T) {
	const two = `name: orders
input: {inbox: in, format: csv}
outputs:
  - {outbox: a, name: "a-${Id}.txt", format: csv, once: Id}
  - {outbox: b, name: "b.csv", format: csv, once: Kunde}
`
	_, st, err := runPipeline(t, two, "orders.csv", []byte("Id;Kunde\n1;K9\n2;K8\n1;K9\n3;K9\n4;K7\n"), RunOptions{
		Sent: func(scope, key string) (string, bool, error) { return "earlier", key == "2", nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range st.Keys {
		got = append(got, k.Scope+":"+k.Key)
	}
	want := "a/a-${Id}.txt:1 b/b.csv:K9 b/b.csv:K8 a/a-${Id}.txt:3 a/a-${Id}.txt:4 b/b.csv:K7"
	if strings.Join(got, " ") != want {
		t.Errorf("keys\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}
