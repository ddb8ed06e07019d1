package transform

import (
	"strings"
	"testing"
)

// kundenpreiseAbgelaufen are customer prices at the fixture clock
// (16.03.2026): one open, one expired, one not yet valid.
const kundenpreiseAbgelaufen = "Kundennummer;Artikelnummer;Gueltig_bis\n" +
	"10002;000816;\n" +
	"10004;004711;31.12.2025\n" +
	"10004;SET-0001;30.06.2026\n"

func TestFilterWarn(t *testing.T) {
	cases := []struct {
		name, step string
		want       []string
		warnings   []string
		dropped    int
	}{
		{"short form drops silently", `'Gueltig_bis == "" || parseDate(Gueltig_bis, "TT.MM.JJJJ") >= parseDate("16.03.2026", "TT.MM.JJJJ")'`, []string{
			"2:1: Kundennummer=10002 Artikelnummer=000816 Gueltig_bis=",
			"4:1: Kundennummer=10004 Artikelnummer=SET-0001 Gueltig_bis=30.06.2026",
		}, nil, 0},
		{"long form counts and warns", `
      keep: 'Gueltig_bis == "" || parseDate(Gueltig_bis, "TT.MM.JJJJ") >= parseDate("16.03.2026", "TT.MM.JJJJ")'
      warn: 'price of ${Kundennummer} for ${Artikelnummer} expired on ${Gueltig_bis}'`, []string{
			"2:1: Kundennummer=10002 Artikelnummer=000816 Gueltig_bis=",
			"4:1: Kundennummer=10004 Artikelnummer=SET-0001 Gueltig_bis=30.06.2026",
		}, []string{`preise.csv:3:1: left out: price of 10004 for 004711 expired on 31.12.2025`}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var warnings []string
			res := runShape(t, pipelineYAML("format: csv", "  - filter: "+c.step+"\n"), "preise.csv", []byte(kundenpreiseAbgelaufen),
				RunOptions{Warn: func(m string) { warnings = append(warnings, m) }})
			if res.err != nil {
				t.Fatal(res.err)
			}
			checkLines(t, res.lines, c.want)
			if res.stats.Dropped != c.dropped || res.stats.Warnings != len(c.warnings) {
				t.Errorf("stats %+v, want %d dropped and %d warnings", res.stats, c.dropped, len(c.warnings))
			}
			if strings.Join(warnings, "\n") != strings.Join(c.warnings, "\n") {
				t.Errorf("warnings\n%s\nwant\n%s", strings.Join(warnings, "\n"), strings.Join(c.warnings, "\n"))
			}
		})
	}
}

func TestFilterLongFormNeedsBoth(t *testing.T) {
	msg := compileErr(t, pipelineYAML("format: csv", "  - filter: {keep: 'true'}\n"))
	if !strings.Contains(msg, "warn") {
		t.Fatalf("want an error naming warn, got %s", msg)
	}
}
