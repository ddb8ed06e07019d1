package transform

import (
	"bufio"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/internal/outbox"
)

// template is an output file name with ${expression} parts:
//
//	${input.stem}.csv
//	auftrag-${OrderNumber}.xml
//	${Kundennummer}/index.json
//	products-${formatDate(now(), "JJJJMMTT")}.csv
//
// Every value put into a name is cleaned by outbox.SafeSegment (no path
// separators, no "..", no reserved Windows names …), and the whole name
// must stay inside the outbox (outbox.Confine). Literal "/" makes sub-folders.
type template struct {
	src string
	textTemplate
	static bool // no record fields: one name per file
}

func compileTemplate(src string, c *compiler) (*template, error) {
	tt, err := compileTextTemplate(src, c)
	if err != nil {
		return nil, err
	}
	t := &template{src: src, textTemplate: *tt, static: true}
	for _, p := range t.exprs {
		for _, f := range p.fields {
			if f != envInput && f != envVars {
				t.static = false
			}
		}
		if p.allEnv {
			t.static = false
		}
	}
	// The literal parts alone must already be a safe relative name.
	probe := strings.Join(t.lits, "x")
	if _, err := outbox.Confine("outbox", probe); err != nil {
		return nil, fmt.Errorf("file name %s", err)
	}
	return t, nil
}

// fileName builds the relative file name for rec (nil for static names).
func (t *template) fileName(rec *formats.Record, ev *evaluator) (string, error) {
	if rec == nil {
		rec = &formats.Record{}
	}
	var b strings.Builder
	for i, lit := range t.lits {
		b.WriteString(lit)
		if i == len(t.exprs) {
			break
		}
		x, err := t.exprs[i].eval(rec, ev)
		if err != nil {
			return "", err
		}
		v, err := fromExpr(x)
		if err != nil {
			return "", err
		}
		seg, err := outbox.SafeSegment(v.Text())
		if err != nil {
			return "", fmt.Errorf("file name %q, part ${%s}: %v", t.src, t.exprs[i].src, err)
		}
		b.WriteString(seg)
	}
	rel := b.String()
	if _, err := outbox.Confine("outbox", rel); err != nil {
		return "", fmt.Errorf("file name %q: %v", t.src, err)
	}
	return rel, nil
}

// SharedScope starts the once scope of an output with once_scope: such a
// scope is shared by every pipeline (RunOptions.Sent must look in all of
// them).
const SharedScope = "@"

// output is one compiled entry of a pipeline's outputs.
type output struct {
	cfg      *OutputConfig
	copy     *program // a copy output: the source file, relative to the inbox (output_copy.go)
	format   *formats.Format
	name     *template
	when     *program
	translit map[rune]string
	// steps are the output's own steps (outputs[].steps); room is the
	// number of fields they add in place to the record they receive.
	steps []compiledStep
	room  int
	// once gives the key of outputs[].once; scope names the output in the
	// journal: its outbox and file name as written.
	once  *program
	scope string
	index int // place in the pipeline's outputs
}

func compileOutput(pc *PipelineConfig, i int, c *compiler, reg *formats.Registry) (*output, error) {
	oc := &pc.Outputs[i]
	at := func(field string) []string { return []string{"outputs", fmt.Sprint(i), field} }
	o := &output{cfg: oc, index: i}
	var errs ConfigErrors
	var err error
	if oc.Copy != "" {
		if o.copy, err = c.compile(oc.Copy); err != nil {
			errs = append(errs, pc.errorAt(at("copy"), err.Error()))
		}
	} else if o.format, err = reg.Lookup(oc.Format); err != nil {
		errs = append(errs, pc.errorAt(at("format"), err.Error()))
	}
	if o.name, err = compileTemplate(oc.Name, c); err != nil {
		errs = append(errs, pc.errorAt(at("name"), err.Error()))
	}
	if oc.When != "" {
		if o.when, err = c.compile(oc.When); err != nil {
			errs = append(errs, pc.errorAt(at("when"), err.Error()))
		}
	}
	if oc.Once != "" {
		if o.once, err = c.compile(oc.Once); err != nil {
			errs = append(errs, pc.errorAt(at("once"), err.Error()))
		}
		o.scope = path.Join(filepath.ToSlash(oc.Outbox), oc.Name)
		if oc.OnceScope != "" {
			o.scope = SharedScope + oc.OnceScope
		}
	} else if oc.OnceScope != "" {
		errs = append(errs, pc.errorAt(at("once_scope"), "once_scope needs once: the key that must not go out twice"))
	}
	if oc.Transliterate != "" {
		if o.translit, err = formats.Transliteration(oc.Transliterate); err != nil {
			errs = append(errs, pc.errorAt(at("transliterate"), err.Error()))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return o, nil
}

// openFile is one output file being written during a run.
type openFile struct {
	rel string
	buf *bufio.Writer
	w   formats.Writer
	n   int
}

// maxOpenFiles caps how many files one output may hold open when its name
// depends on the record (one file per order …).
const maxOpenFiles = 1000

// writers holds a run's open output files.
type writers struct {
	sink   Sink
	files  []map[string]*openFile // per output
	order  []*openFile            // in creation order, for Close
	copied []string               // copy outputs' sources, each once
	seen   map[string]bool
}

func (ws *writers) write(o *output, oi int, rel string, rec *formats.Record, src string) error {
	m := ws.files[oi]
	if o.copy != nil {
		return ws.copyFile(o, m, rel, rec, src)
	}
	f := m[rel]
	if f == nil {
		if len(m) >= maxOpenFiles {
			return fmt.Errorf("output %q would open more than %d files in one run", o.cfg.Name, maxOpenFiles)
		}
		w, err := create(ws.sink, o, rel)
		if err != nil {
			return err
		}
		buf := bufio.NewWriterSize(w, 32<<10)
		fw, err := formats.NewTextWriter(o.format, buf, o.cfg.Encoding, o.translit, o.cfg.FormatOpts)
		if err != nil {
			return err
		}
		f = &openFile{rel: rel, buf: buf, w: fw}
		m[rel] = f
		ws.order = append(ws.order, f)
	}
	if err := f.w.Write(rec); err != nil {
		return err
	}
	f.n++
	return nil
}

// close finishes every file; the first error wins.
func (ws *writers) close() error {
	var first error
	for _, f := range ws.order {
		if f.w == nil {
			continue // a copied file: complete when copied
		}
		err := f.w.Close()
		if err == nil {
			err = f.buf.Flush()
		}
		if err != nil && first == nil {
			first = fmt.Errorf("%s: %w", f.rel, err)
		}
	}
	return first
}
