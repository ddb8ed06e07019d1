package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"os"
	"regexp"
	"strings"
	texttemplate "text/template"

	"github.com/ferry-sync/ferry/formats"
)

// renderStep renders a Go template file with the record into one field:
// the text and HTML bodies of e-mails, a note, a letter.
//
//   - render: {template: templates/zahlungsaufforderung.html, into: HTML, html: true}
//
// The template is read and parsed when the pipeline is loaded: a syntax
// error, or a function the template library does not have, is a
// configuration error naming the template file and line. The data is the
// record (nested fields and lists reachable: {{.Customer.Email}},
// {{range .Items}}), plus {{.vars}} (the project's vars) and {{.input}}
// (the input file: name, stem, ext, path). A field the template names but
// the record lacks is an error of the record, never an empty gap.
type renderStep struct {
	file string // as configured, for messages
	into string
	html *htmltemplate.Template
	text *texttemplate.Template
}

// renderFuncNames are the expression functions a template may call, with
// the same names, arguments and messages as in expressions.
var renderFuncNames = []string{
	"dec", "deDec", "round", "fmtDec", "fmtDE",
	"parseDate", "parseISO", "formatDate", "toTZ", "toUTC", "addDays", "isoUTC", "now",
	"truncate", "left", "right", "padLeft", "padRight", "stripHTML", "digits", "coalesce", "isEmpty",
}

// renderFuncs builds the template function map from the library.
func renderFuncs(fns *Functions) map[string]any {
	if fns == nil {
		fns = &Functions{}
	}
	want := map[string]bool{}
	for _, n := range renderFuncNames {
		want[n] = true
	}
	m := map[string]any{
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"trim":  strings.TrimSpace,
	}
	for _, s := range fns.state().specs() {
		if !want[s.name] {
			continue
		}
		m[s.name] = s.guarded()
	}
	return m
}

func newRenderStep(sc *stepContext) (Step, error) {
	var cfg struct {
		Template string `yaml:"template"`
		Into     string `yaml:"into"`
		HTML     bool   `yaml:"html"`
	}
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected {template: FILE, into: FIELD, html: true|false}: "+err.Error())
	}
	var errs ConfigErrors
	if cfg.Template == "" {
		errs = append(errs, sc.errAt(nil, "template: missing (the template file, relative to the configuration folder)"))
	}
	if cfg.Into == "" {
		errs = append(errs, sc.errAt(nil, "into: missing (the field the rendered text goes to)"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if err := confined(cfg.Template); err != nil {
		return nil, sc.errAt([]string{"template"}, err.Error())
	}
	src, err := os.ReadFile(resolve(sc.pc.Dir, cfg.Template))
	if err != nil {
		msg := "cannot read the template " + cfg.Template
		if errors.Is(err, os.ErrNotExist) {
			msg = "the template " + cfg.Template + " does not exist"
		}
		return nil, sc.errAt([]string{"template"}, msg)
	}
	r := &renderStep{file: cfg.Template, into: cfg.Into}
	funcs := renderFuncs(sc.c.fns)
	if cfg.HTML {
		r.html, err = htmltemplate.New(cfg.Template).Option("missingkey=error").Funcs(funcs).Parse(string(src))
		if err == nil {
			err = htmlEscapeCheck(r.html)
		}
	} else {
		r.text, err = texttemplate.New(cfg.Template).Option("missingkey=error").Funcs(funcs).Parse(string(src))
	}
	if err != nil {
		return nil, sc.errAt([]string{"template"}, templateMessage(cfg.Template, err))
	}
	return r, nil
}

// htmlEscapeCheck runs html/template's contextual escaping on a copy of t
// now, so that a template the escaper refuses (an action in an attribute
// name, a branch that ends inside a tag …) fails at load, not on the first
// record. Errors of the empty data are not its business.
func htmlEscapeCheck(t *htmltemplate.Template) error {
	c, err := t.Clone()
	if err != nil {
		return err
	}
	err = c.Option("missingkey=zero").Execute(io.Discard, map[string]any{})
	var he *htmltemplate.Error
	if errors.As(err, &he) && he.ErrorCode != htmltemplate.ErrNoSuchTemplate {
		return err
	}
	return nil
}

// templatePos matches the "template: NAME:LINE:COL: " (or "html/template:
// NAME:LINE:COL: ") prefix of template errors.
var templatePos = regexp.MustCompile(`^(?:html/)?template: (.*?):(\d+)(?::(\d+))?: `)

// templateMessage rewrites a template error as "FILE:LINE: what is wrong"
// (or "FILE:LINE:COL: …"), without Go's "executing …" noise.
func templateMessage(file string, err error) string {
	msg := err.Error()
	loc := file
	if m := templatePos.FindStringSubmatch(msg); m != nil {
		loc = file + ":" + m[2]
		if m[3] != "" {
			loc += ":" + m[3]
		}
		msg = msg[len(m[0]):]
	} else if rest, ok := strings.CutPrefix(msg, "html/template:"+file+": "); ok {
		msg = rest
	}
	if i := strings.Index(msg, ": {state"); i >= 0 {
		msg = msg[:i] // the escaper's internal state dump
	}
	// executing "x.html" at <fmtDE .Total 2>: error calling fmtDE: …
	if i := strings.Index(msg, ": error calling "); i >= 0 {
		rest := msg[i+len(": error calling "):]
		if j := strings.Index(rest, ": "); j >= 0 {
			name, why := rest[:j], rest[j+2:]
			msg = why
			if !strings.HasPrefix(why, name+":") {
				msg = name + ": " + why // the library's messages name their function
			}
		}
	} else if strings.HasPrefix(msg, "executing ") {
		if i := strings.Index(msg, " at <"); i >= 0 {
			msg = msg[i+1:]
		}
		if i := strings.Index(msg, ": map has no entry for key "); i >= 0 {
			key := strings.Trim(msg[i+len(": map has no entry for key "):], `"`)
			msg = msg[:i] + ": the record has no field " + formats.Quote(key)
		}
	}
	return loc + ": " + msg
}

func (r *renderStep) Apply(_ context.Context, st *RunState, rec *formats.Record, emit Emit) error {
	data := make(map[string]any, len(rec.Fields)+2)
	for _, f := range rec.Fields {
		data[f.Name] = toExpr(f.Value)
	}
	if st.ev != nil {
		for _, k := range []string{envVars, envInput} {
			if v, ok := st.ev.base[k]; ok {
				data[k] = v
			}
		}
	}
	var buf bytes.Buffer
	var err error
	if r.html != nil {
		err = r.html.Execute(&buf, data)
	} else {
		err = r.text.Execute(&buf, data)
	}
	if err != nil {
		return &formats.DataError{File: st.File, Pos: rec.Pos, Field: r.into, RecordOnly: true, Err: err,
			Msg: "template " + templateMessage(r.file, err)}
	}
	out := copyRecord(rec, 1)
	v := formats.String(buf.String())
	if i := out.Index(r.into); i >= 0 {
		out.Fields[i].Value = v
	} else {
		out.Add(r.into, v, rec.Pos)
	}
	return emit(out)
}

// String describes the step in messages.
func (r *renderStep) String() string { return fmt.Sprintf("render %s into %s", r.file, r.into) }
