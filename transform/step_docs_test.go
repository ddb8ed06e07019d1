package transform

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// TestStepDocs runs the example of every step kind and keeps docs/steps.md
// in step with StepDocs.
func tablesYAML(s string) string {
	if s == "" {
		return ""
	}
	return "\ntables:" + indent(s)
}

func TestStepDocs(t *testing.T) {
	documented := map[string]bool{}
	for _, d := range StepDocs() {
		documented[d.Kind] = true
		t.Run(d.Kind, func(t *testing.T) {
			ex := d.Example
			format := ex.Format
			if format == "" {
				format = "csv"
			}
			files := map[string]string{"p.yaml": "name: example\ninput: {inbox: in, format: " + format + "}\nsteps:" + indent(ex.Steps) + tablesYAML(ex.Tables) +
				"\noutputs:\n  - {outbox: out, name: out.csv, format: csv, options: {line_ending: lf}}\n"}
			for k, v := range ex.Files {
				files[k] = v
			}
			dir := writeProject(t, files)
			pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(pc, nil, testFunctions())
			if err != nil {
				t.Fatal(err)
			}
			f, _ := formats.Builtin().Lookup(format)
			rd, err := formats.NewTextReader(f, strings.NewReader(ex.Input), "example."+format, "utf-8", pc.Input.FormatOpts)
			if err != nil {
				t.Fatal(err)
			}
			sink := &memSink{}
			_, err = p.Run(context.Background(), rd, Source{Path: "example." + format}, sink, RunOptions{})
			if ex.Error != "" {
				if err == nil || !strings.Contains(err.Error(), ex.Error) {
					t.Fatalf("error %v, want it to contain %q", err, ex.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := sink.files["out/out.csv"]
			if got == nil || !bytes.Equal(got.Bytes(), []byte(ex.Output)) {
				t.Errorf("output:\n%s\nwant:\n%s", got, ex.Output)
			}
			if len(sink.files) != 1+len(ex.After) {
				t.Errorf("the run wrote %v; want out/out.csv and %d more", sink.names(), len(ex.After))
			}
			for name, want := range ex.After {
				if got := sink.files[name]; got == nil || got.String() != want {
					t.Errorf("%s:\n%s\nwant:\n%s", name, got, want)
				}
			}
		})
	}
	for kind := range stepKinds {
		if !documented[kind] {
			t.Errorf("step %q has no entry in StepDocs", kind)
		}
	}
	generatedDoc(t, "steps.md", StepsMarkdown(), "TestStepDocs")
}
