package transform

import (
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// TestValidateSharedEnv runs validate rules once on one shared
// environment (envSet) and once each on its own: the same records pass,
// the same errors come out, in the same order with the same words.
func TestValidateSharedEnv(t *testing.T) {
	cases := []struct{ name, yaml, input, wantOut string }{{"nested values", `name: p
input: {inbox: in, format: json}
on_error: reject
steps:
  - validate:
      rules:
        - {check: 'len(Items) > 0', field: Items, message: 'keine Positionen'}
        - {check: 'sum(Items, .P) == Total', field: Total, message: 'Summe ${fmtDE(sum(Items, .P), 2)} statt ${Total}'}
        - {check: 'Kunde.Name != ""', message: 'kein Name'}
        - {check: 'Kunde.Ort != "X"', message: 'Ort X'}
        - {check: 'Fehlt == 1', message: 'fehlt'}
        - {check: 'len(Kunde) == 3', message: 'Kunde hat ${len(Kunde)} Felder'}
        - {check: 'Kunde.Ort == "B" ? "ja" : true', message: 'kein bool'}
        - {check: 'Nr', message: 'kopiert'}
        - {check: 'all(Items, .Q > 0)', message: 'Menge 0 in ${Nr}'}
        - {check: 'Kunde.Plz != "2"', message: 'PLZ ${upper(Kunde.Plz)}'}
        - {check: 'Kunde.Name != "C"', message: 'Name C'}
        - {check: 'Kunde.Adr?.Ort != "Z" && Kunde.Name != "Q"', message: 'Z oder Q'}
outputs:
  - {outbox: out, name: x.csv, format: jsonl}
`, `[{"Nr": true, "Fehlt": 1, "Total": 3.5, "Kunde": {"Name": "A", "Ort": "B", "Plz": "1"}, "Items": [{"P": 1.5, "Q": 1}, {"P": 2, "Q": 2}]},
{"Nr": false, "Total": 1, "Kunde": {"Name": "", "Ort": "X"}, "Items": []},
{"Nr": true, "Fehlt": 2, "Total": 4, "Kunde": {"Name": "C", "Ort": "X", "Plz": "2"}, "Items": [{"P": 1, "Q": 0}]},
{"Nr": true, "Fehlt": 1, "Total": 3, "Kunde": {"Name": "D", "Ort": "E", "Plz": "3"}, "Items": [{"P": 3, "Q": 1}]},
{"Nr": true, "Fehlt": 1, "Total": 9, "Kunde": {"Name": "F", "Ort": "G", "Plz": "5"}, "Items": [{"P": 1, "Q": 1}]},
{"Nr": true, "Fehlt": 1, "Total": 1, "Kunde": null, "Items": [{"P": 1, "Q": 1}]},
{"Nr": true, "Fehlt": 1, "Total": 1, "Kunde": "text", "Items": [{"P": 1, "Q": 1}]},
{"Nr": true, "Fehlt": 1, "Total": 1, "Kunde": {"Name": "Q", "Ort": "E", "Plz": "3", "Adr": {"Ort": "Z"}}, "Items": [{"P": 1, "Q": 1}]},
{"Nr": true, "Fehlt": 1, "Total": 1, "Kunde": {"Name": "R", "Ort": "E", "Plz": "3", "Adr": null}, "Items": [{"P": 1, "Q": 1}]}]`, "D"},
		{"declared types", `name: p
input: {inbox: in, format: json}
on_error: reject
fields: {Total: decimal, Menge: int}
steps:
  - validate:
      rules:
        - {check: 'Total > 0', field: Total, message: 'kein Betrag'}
        - {check: 'Menge > 1', field: Menge, message: 'Menge ${Menge}'}
        - {check: 'Total * Menge < 100', message: 'zu viel'}
outputs:
  - {outbox: out, name: x.csv, format: csv}
`, `[{"Total": "3.5", "Menge": 2}, {"Total": "abc", "Menge": 2}, {"Total": "60", "Menge": "x"}, {"Total": "60", "Menge": 2}, {"Total": "9.5", "Menge": 3}]`, "9.5"}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := func(shared, fast bool) (string, string) {
				p := mustCompile(t, map[string]string{"p.yaml": c.yaml})
				v := p.steps[0].Step.(*validateStep)
				if !fast {
					// the ordinary forms only (chains.go), shared as before
					for _, r := range v.rules {
						r.check.fast = nil
					}
					v.env = newEnvSet(v.env.progs)
				}
				if v.env == nil {
					t.Fatal("the rules do not share an environment")
				}
				if !shared {
					v.env = nil
				}
				var rejected []string
				sink, _, err := runOn(t, p, "a.json", c.input, RunOptions{Rejected: func(r *formats.Record, err error) {
					rejected = append(rejected, err.Error())
				}})
				if err != nil {
					t.Fatal(err)
				}
				return strings.Join(rejected, "\n"), sink.files["out/x.csv"].String()
			}
			errsOwn, outOwn := run(false, true)
			errsShared, outShared := run(true, true)
			errsPlain, outPlain := run(true, false)
			if errsPlain != errsShared || outPlain != outShared {
				t.Errorf("without fast forms:\n%s\n%s\nwith them:\n%s\n%s", errsPlain, outPlain, errsShared, outShared)
			}
			if errsOwn != errsShared {
				t.Errorf("errors each on its own:\n%s\non one environment:\n%s", errsOwn, errsShared)
			}
			if outOwn != outShared {
				t.Errorf("output each on its own:\n%s\non one environment:\n%s", outOwn, outShared)
			}
			if strings.Count(errsOwn, "\n") < 2 || !strings.Contains(outOwn, c.wantOut) {
				t.Errorf("the test data no longer fails where it should:\n%s\n%s", errsOwn, outOwn)
			}
		})
	}
}

// TestMergeNeed: the merged need covers both.
func TestMergeNeed(t *testing.T) {
	keys := func(ks ...string) *need {
		n := &need{keys: map[string]*need{}}
		for _, k := range ks {
			n.keys[k] = &need{all: true}
		}
		return n
	}
	elem := func(n *need) *need { return &need{elem: n} }
	count := &need{count: true}
	show := func(n *need) string {
		var b strings.Builder
		var walk func(n *need)
		walk = func(n *need) {
			switch {
			case n == nil || n.all:
				b.WriteString("*")
			case n.count:
				b.WriteString("#")
			default:
				if len(n.keys) > 0 {
					b.WriteString("{")
					for _, k := range []string{"a", "b", "c"} {
						if kn, ok := n.keys[k]; ok {
							b.WriteString(k + ":")
							walk(kn)
						}
					}
					b.WriteString("}")
				}
				if n.elem != nil {
					b.WriteString("[")
					walk(n.elem)
					b.WriteString("]")
				}
			}
		}
		walk(n)
		return b.String()
	}
	for _, c := range []struct {
		a, b *need
		want string
	}{
		{keys("a"), keys("b"), "{a:*b:*}"},
		{keys("a"), nil, "*"},
		{&need{all: true}, keys("a"), "*"},
		{count, count, "#"},
		{count, elem(keys("a")), "[{a:*}]"},
		{elem(keys("b")), count, "[{b:*}]"},
		{count, keys("a"), "*"},
		{elem(keys("a")), elem(keys("b")), "[{a:*b:*}]"},
		{elem(keys("a")), elem(&need{all: true}), "[*]"},
		{keys("a"), elem(keys("b")), "{a:*}[{b:*}]"},
		{&need{keys: map[string]*need{"a": keys("b")}}, &need{keys: map[string]*need{"a": keys("c")}}, "{a:{b:*c:*}}"},
	} {
		if got := show(mergeNeed(c.a, c.b)); got != c.want {
			t.Errorf("merge(%s, %s) = %s, want %s", show(c.a), show(c.b), got, c.want)
		}
	}
}
