package transform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeProject lays out a configuration folder from name → content.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodPipeline = `name: artikel-to-products
description: Sage article export → Smartstore product import
input:
  inbox: inbox/sage/artikel
  match: ["*.csv"]
  format: csv
  encoding: windows-1252
  options:
    delimiter: ";"
steps:
  - map:
      Sku: Artikelnummer
      Name: Bezeichnung
      Price: fmtDec(deDec(VK1), 2)
  - filter: Shop_aktiv == "1"
outputs:
  - outbox: outbox/smartstore/products
    name: "${input.stem}.csv"
    format: csv
    encoding: utf-8-bom
    options:
      delimiter: ";"
      excel_safe: true
`

func TestLoadProject(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"ferry.yaml":             "version: 1\nworkers: 3\nsettle: 5s\nvars:\n  shop: https://shop.example.de\n",
		"pipelines/artikel.yaml": goodPipeline,
		"pipelines/README.md":    "not a pipeline",
		"pipelines/.hidden.yaml": "ignored: true",
	})
	p, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Workers != 3 || p.Settle != 5*time.Second || p.Timezone != "Europe/Berlin" {
		t.Errorf("project %+v", p)
	}
	if p.Journal != filepath.Join(dir, "state", "journal.db") || p.Archive != filepath.Join(dir, "archive") {
		t.Errorf("paths not resolved: %q %q", p.Journal, p.Archive)
	}
	if len(p.Pipelines) != 1 {
		t.Fatalf("%d pipelines", len(p.Pipelines))
	}
	pc := p.Pipelines[0]
	if pc.Input.InboxPath != filepath.Join(dir, "inbox", "sage", "artikel") || pc.Input.FormatOpts.CSV.Delimiter != ";" {
		t.Errorf("input %+v", pc.Input)
	}
	if pc.Input.SettleTime != 5*time.Second || pc.OnError != "fail" {
		t.Errorf("defaults: settle %v on_error %q", pc.Input.SettleTime, pc.OnError)
	}
	if len(pc.Steps) != 2 || pc.Steps[0].Kind != "map" || pc.Steps[1].Kind != "filter" || pc.Steps[0].Pos.Line != 11 {
		t.Errorf("steps %+v", pc.Steps)
	}
	if o := pc.Outputs[0]; !o.FormatOpts.CSV.ExcelSafe || o.OutboxPath != filepath.Join(dir, "outbox", "smartstore", "products") {
		t.Errorf("output %+v", o)
	}
}

// TestLoadProjectErrors checks that each mistake is reported with file,
// line, column and the path inside the document.
func TestLoadProjectErrors(t *testing.T) {
	cases := []struct {
		name, pipeline string
		want           []string
	}{
		{"unknown step kind", strings.Replace(goodPipeline, "  - filter:", "  - filtr:", 1),
			[]string{`pipelines/p.yaml:15:5: steps[1]: additional properties 'filtr' not allowed`}},
		{"unknown lookup field", strings.Replace(goodPipeline, "  - filter: Shop_aktiv == \"1\"\n",
			"  - lookup:\n      tabel: lookups/x.csv\n      table: lookups/x.csv\n      keys: {Code: Warengruppe}\n", 1),
			[]string{`pipelines/p.yaml:16:7: steps[1].lookup: additional properties 'tabel' not allowed`}},
		{"missing required", strings.Replace(goodPipeline, "    format: csv\n    encoding: utf-8-bom\n", "    encoding: utf-8-bom\n", 1),
			[]string{`pipelines/p.yaml:17:5: outputs[0]: an output needs format: (csv, json, xml …), or copy: to pass files through`}},
		{"wrong type", strings.Replace(goodPipeline, `  match: ["*.csv"]`, `  match: "*.csv"`, 1),
			[]string{`pipelines/p.yaml:5:3: input.match: got string, want array`}},
		{"bad enum", strings.Replace(goodPipeline, "  format: csv\n  encoding: windows", "  format: cvs\n  encoding: windows", 1),
			[]string{`pipelines/p.yaml:6:3: input.format: value must be one of`}},
		{"unknown format option", strings.Replace(goodPipeline, "      excel_safe: true", "      excel_save: true", 1),
			[]string{`pipelines/p.yaml:21:5: outputs[0].options: csv has no option "excel_save" (known: `}},
		{"bad encoding", strings.Replace(goodPipeline, "encoding: utf-8-bom", "encoding: latin2", 1),
			[]string{`pipelines/p.yaml:20:5: outputs[0].encoding: `, `latin2`}},
		{"yaml syntax", goodPipeline + "  - broken: [\n",
			[]string{`pipelines/p.yaml:24:13: sequence end token ']' not found`}},
		{"bad name", strings.Replace(goodPipeline, "name: artikel-to-products", "name: Artikel Import", 1),
			[]string{`pipelines/p.yaml:1:1: name: '`, `does not match pattern`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"ferry.yaml": "version: 1\n", "pipelines/p.yaml": c.pipeline})
			_, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

func TestLoadProjectDuplicateNames(t *testing.T) {
	dir := writeProject(t, map[string]string{"ferry.yaml": "version: 1\n", "pipelines/a.yaml": goodPipeline, "pipelines/b.yaml": goodPipeline})
	_, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err == nil || !strings.Contains(err.Error(), `pipelines/b.yaml:1:1: name: pipeline name "artikel-to-products" is already used by pipelines/a.yaml`) {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadProjectFileErrors(t *testing.T) {
	dir := writeProject(t, map[string]string{"ferry.yaml": "version: 1\nworkres: 2\n"})
	_, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err == nil || !strings.Contains(err.Error(), "ferry.yaml:2:1: additional properties 'workres' not allowed") {
		t.Fatalf("err = %v", err)
	}
	dir = writeProject(t, map[string]string{"ferry.yaml": "version: 1\n"})
	_, err = LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err == nil || !strings.Contains(err.Error(), "cannot read the pipelines folder") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfiguredPathsStayInside(t *testing.T) {
	p := strings.Replace(goodPipeline, "inbox: inbox/sage/artikel", "inbox: ../../etc", 1)
	p = strings.Replace(p, "outbox: outbox/smartstore/products", "outbox: /srv/shop/import", 1)
	dir := writeProject(t, map[string]string{"ferry.yaml": "version: 1\narchive: ../archiv\n", "pipelines/p.yaml": p})
	_, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`ferry.yaml: archive: "../archiv" leaves the configuration folder; write an absolute path if that is what you mean`,
		`pipelines/p.yaml:4:3: input.inbox: "../../etc" leaves the configuration folder`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n%v\nlacks\n%s", err, want)
		}
	}
	if strings.Contains(err.Error(), "/srv/shop/import") {
		t.Errorf("an explicit absolute outbox was refused: %v", err)
	}
}
