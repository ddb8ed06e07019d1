package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/schemas"
)

// Project is a loaded ferry.yaml with its pipelines. Relative paths are
// already resolved against Dir.
type Project struct {
	File      string // path of ferry.yaml
	Dir       string // its folder: the base of every relative path
	Journal   string
	Work      string
	Archive   string
	Error     string
	Workers   int
	Settle    time.Duration
	Timezone  string
	Vars      map[string]any
	Pipelines []*PipelineConfig
	// Tables are the lookup tables every pipeline can use (lookup.go);
	// LoadProject loads them.
	Tables map[string]TableConfig

	// ReportLanguage is the language of error reports and duplicate notes:
	// "de" (default) or "en".
	ReportLanguage string
	// ArchiveKeep is how long archived inputs are kept (archive_keep, in
	// whole days); 0 keeps them forever.
	ArchiveKeep time.Duration

	tables *tableGroup // loaded Tables
}

// projectFile is ferry.yaml as written.
type projectFile struct {
	Version   int                    `yaml:"version"`
	Pipelines string                 `yaml:"pipelines"`
	Journal   string                 `yaml:"journal"`
	Work      string                 `yaml:"work"`
	Workers   int                    `yaml:"workers"`
	Archive   string                 `yaml:"archive"`
	Error     string                 `yaml:"error"`
	Settle    string                 `yaml:"settle"`
	Timezone  string                 `yaml:"timezone"`
	Vars      map[string]any         `yaml:"vars"`
	Tables    map[string]TableConfig `yaml:"tables"`

	ReportLanguage string `yaml:"report_language"`
	ArchiveKeep    string `yaml:"archive_keep"`
}

// PipelineConfig is one pipeline file as written, with the positions of its
// parts for messages. Load checks it against schemas/pipeline.schema.json.
type PipelineConfig struct {
	File        string            `yaml:"-"` // path, relative to the project folder
	Dir         string            `yaml:"-"` // base folder of the file's relative paths (project folder, or the file's own folder when loaded alone)
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Input       InputConfig       `yaml:"input"`
	Steps       []StepConfig      `yaml:"steps"`
	Outputs     []OutputConfig    `yaml:"outputs"`
	OnError     string            `yaml:"on_error"`
	Fields      map[string]string `yaml:"fields"`
	// Tables are the pipeline's own lookup tables (lookup.go).
	Tables map[string]TableConfig `yaml:"tables"`

	doc *ast.File // the parsed file, for positions
}

// InputConfig says where a pipeline's files come from and how to read them.
type InputConfig struct {
	Inbox      string         `yaml:"inbox"`
	Match      []string       `yaml:"match"`
	Format     string         `yaml:"format"`
	Encoding   string         `yaml:"encoding"`
	Options    map[string]any `yaml:"options"`
	Settle     string         `yaml:"settle"`
	DoneMarker string         `yaml:"done_marker"`
	FIFO       bool           `yaml:"fifo"`

	// Resolved by Load.
	InboxPath  string          `yaml:"-"`
	FormatOpts formats.Options `yaml:"-"`
	SettleTime time.Duration   `yaml:"-"`
}

// OutputConfig is one file (or one file per split key) a pipeline writes.
type OutputConfig struct {
	Outbox        string         `yaml:"outbox"`
	Name          string         `yaml:"name"`
	Format        string         `yaml:"format"`
	Encoding      string         `yaml:"encoding"`
	Options       map[string]any `yaml:"options"`
	Transliterate string         `yaml:"transliterate"`
	When          string         `yaml:"when"`
	// Copy, instead of Format, makes this a copy output: an expression
	// giving, per record, a file relative to the folder the input was
	// dropped in (its inbox); that file is copied unchanged under Name.
	Copy string `yaml:"copy"`
	// Steps shape the records of this output only: they run after the
	// pipeline's steps, on the output's own copy of each record.
	Steps []StepConfig `yaml:"steps"`
	// Replace lets the output replace a file of the same name in the
	// outbox (a lookup table, a full order history per customer). Without
	// it a name that is taken (the importer has not taken the last file
	// yet) becomes "<stem> (2)<ext>": nothing is overwritten.
	Replace bool `yaml:"replace"`
	// Once is an expression giving each record's key: a record whose key
	// already went out through this output in an earlier committed run
	// (RunOptions.Sent) is left out, counted and reported; the records of
	// one key within one run all go.
	Once string `yaml:"once"`
	// OnceScope names the memory of once: outputs of any pipeline with the
	// same once_scope share it (one tracking e-mail per delivery, whether
	// the delivery note came as CSV or as XML). Default: this output of
	// this pipeline (its outbox and name).
	OnceScope string `yaml:"once_scope"`

	// Resolved by Load.
	OutboxPath string          `yaml:"-"`
	FormatOpts formats.Options `yaml:"-"`
}

// StepConfig is one entry of a pipeline's steps: exactly one step kind is
// set (the schema enforces it). Its raw YAML stays available to the step's
// own decoder.
type StepConfig struct {
	Name string
	Kind string   // "map", "filter", …
	Raw  ast.Node // the value under the kind key
	Pos  Position
}

// UnmarshalYAML keeps the step's kind and raw node.
func (s *StepConfig) UnmarshalYAML(node ast.Node) error {
	m, ok := node.(*ast.MappingNode)
	if !ok {
		return errors.New("a step is a mapping with one step kind, e.g. `- map: {...}`")
	}
	for _, kv := range m.Values {
		k := kv.Key.String()
		if k == "name" {
			s.Name = strings.Trim(kv.Value.String(), `"'`)
			continue
		}
		s.Kind, s.Raw = k, kv.Value
		s.Pos = posOf(kv.Key)
	}
	return nil
}

// Position is a line and column in a configuration file.
type Position struct{ Line, Col int }

func posOf(n ast.Node) Position {
	if n == nil || n.GetToken() == nil {
		return Position{}
	}
	p := n.GetToken().Position
	return Position{Line: p.Line, Col: p.Column}
}

// ConfigError is one problem in a configuration file, printed in the
// compiler format: `pipelines/orders.yaml:14:7: steps[2].lookup: unknown field "tabel"`.
type ConfigError struct {
	File string
	Pos  Position
	Path string // where in the document: "steps[2].lookup"
	Msg  string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Pos.Line, e.Pos.Col)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors is every problem Load found; it prints one per line.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Defaults of ferry.yaml.
const (
	DefaultPipelines = "pipelines"
	DefaultJournal   = "state/journal.db"
	DefaultWork      = ".ferry/work"
	DefaultArchive   = "archive"
	DefaultError     = "error"
	DefaultSettle    = 2 * time.Second
	DefaultTimezone  = "Europe/Berlin"
)

// LoadProject reads ferry.yaml and every pipeline file (*.yaml, *.yml) in
// its pipelines folder, checks them against the schemas and resolves
// paths. All problems come back together as ConfigErrors.
func LoadProject(path string) (*Project, error) {
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	var errs ConfigErrors
	// Absolute, so that the paths the runtime records in the journal mean
	// the same whatever folder a later command is started in.
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	var pf projectFile
	doc, es := v.decodeFile(path, filepath.Base(path), schemas.Project, &pf)
	if len(es) > 0 {
		return nil, es
	}
	p := &Project{File: path, Dir: dir, Workers: pf.Workers, Timezone: pf.Timezone, Vars: pf.Vars, Tables: pf.Tables}
	if p.Workers == 0 {
		p.Workers = 2
	}
	if p.Timezone == "" {
		p.Timezone = DefaultTimezone
	}
	if _, err := time.LoadLocation(p.Timezone); err != nil {
		errs = append(errs, &ConfigError{File: filepath.Base(path), Path: "timezone", Msg: fmt.Sprintf("unknown time zone %q", p.Timezone)})
	}
	p.ReportLanguage = pf.ReportLanguage
	if p.ReportLanguage == "" {
		p.ReportLanguage = "de"
	}
	if pf.ArchiveKeep != "" {
		days, _ := strconv.Atoi(strings.TrimSuffix(pf.ArchiveKeep, "d")) // the schema checked the form
		p.ArchiveKeep = time.Duration(days) * 24 * time.Hour
	}
	p.Settle = DefaultSettle
	if pf.Settle != "" {
		p.Settle, _ = time.ParseDuration(pf.Settle) // the schema checked the form
	}
	for _, f := range []struct {
		dst      *string
		val, def string
		name     string
	}{
		{&p.Journal, pf.Journal, DefaultJournal, "journal"},
		{&p.Work, pf.Work, DefaultWork, "work"},
		{&p.Archive, pf.Archive, DefaultArchive, "archive"},
		{&p.Error, pf.Error, DefaultError, "error"},
	} {
		if f.val == "" {
			f.val = f.def
		}
		if err := confined(f.val); err != nil {
			errs = append(errs, &ConfigError{File: filepath.Base(path), Path: f.name, Msg: err.Error()})
		}
		*f.dst = resolve(dir, f.val)
	}
	var tes ConfigErrors
	p.tables, tes = loadTableGroup(p.Tables, dir, func(at []string, msg string) *ConfigError {
		return &ConfigError{File: filepath.Base(path), Pos: nodePos(doc, at), Path: pathString(at), Msg: msg}
	})
	errs = append(errs, tes...)
	pdir := pf.Pipelines
	if pdir == "" {
		pdir = DefaultPipelines
	}
	files, err := pipelineFiles(resolve(dir, pdir))
	if err != nil {
		return nil, ConfigErrors{{File: filepath.Base(path), Path: "pipelines", Msg: err.Error()}}
	}
	names := map[string]string{}
	for _, f := range files {
		pc, es := v.loadPipeline(f, dir, p.Settle)
		if pc == nil {
			errs = append(errs, es...)
			continue
		}
		if other, dup := names[pc.Name]; dup {
			es = append(es, pc.errorAt([]string{"name"}, fmt.Sprintf("pipeline name %q is already used by %s", pc.Name, other)))
		}
		names[pc.Name] = pc.File
		errs = append(errs, es...)
		p.Pipelines = append(p.Pipelines, pc)
	}
	if len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

// LoadPipeline reads one pipeline file on its own (for `ferry convert
// --pipeline FILE`): relative paths in it are resolved against the file's
// folder.
func LoadPipeline(path string) (*PipelineConfig, error) {
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	pc, errs := v.loadPipeline(path, dir, DefaultSettle)
	if len(errs) > 0 {
		return nil, errs
	}
	return pc, nil
}

// loadPipeline reads, validates and resolves one pipeline file; dir is the
// base of its relative paths. A nil result means the file could not be
// read at all.
func (v *validator) loadPipeline(path, dir string, settle time.Duration) (*PipelineConfig, ConfigErrors) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = path
	}
	rel = filepath.ToSlash(rel)
	pc := &PipelineConfig{File: rel, Dir: dir}
	doc, es := v.decodeFile(path, rel, schemas.Pipeline, pc)
	if len(es) > 0 {
		return nil, es
	}
	pc.doc = doc
	return pc, pc.resolve(dir, settle)
}

// Pipeline returns the named pipeline of the project.
func (p *Project) Pipeline(name string) (*PipelineConfig, error) {
	names := make([]string, 0, len(p.Pipelines))
	for _, pc := range p.Pipelines {
		if pc.Name == name {
			return pc, nil
		}
		names = append(names, pc.Name)
	}
	return nil, fmt.Errorf("no pipeline %q in %s (there are: %s)", name, p.File, strings.Join(names, ", "))
}

// pipelineFiles lists the pipeline files of dir in name order.
func pipelineFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read the pipelines folder: %v", err)
	}
	var files []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if ext := strings.ToLower(filepath.Ext(n)); ext == ".yaml" || ext == ".yml" {
			files = append(files, filepath.Join(dir, n))
		}
	}
	sort.Strings(files)
	return files, nil
}

// confined checks a configured path: a relative path must stay inside the
// configuration's folder ("../x" is refused); an absolute path, written
// explicitly, is the user's choice.
func confined(p string) error {
	native := filepath.FromSlash(p)
	if filepath.IsAbs(native) || filepath.IsLocal(native) {
		return nil
	}
	return fmt.Errorf("%q leaves the configuration folder; write an absolute path if that is what you mean", p)
}

// resolve makes a configured path absolute against the configuration's
// folder; an absolute path written explicitly stays as it is.
func resolve(dir, p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// resolve checks what the schema cannot: paths, format options, encodings.
func (pc *PipelineConfig) resolve(dir string, settle time.Duration) ConfigErrors {
	var errs ConfigErrors
	reg := formats.Builtin()
	if err := confined(pc.Input.Inbox); err != nil {
		errs = append(errs, pc.errorAt([]string{"input", "inbox"}, err.Error()))
	}
	pc.Input.InboxPath = resolve(dir, pc.Input.Inbox)
	pc.Input.SettleTime = settle
	if pc.Input.Settle != "" {
		pc.Input.SettleTime, _ = time.ParseDuration(pc.Input.Settle)
	}
	if pc.OnError == "" {
		pc.OnError = "fail"
	}
	var err error
	if pc.Input.FormatOpts, err = formatOptions(pc.Input.Format, pc.Input.Options); err != nil {
		errs = append(errs, pc.errorAt([]string{"input", "options"}, err.Error()))
	}
	if pc.Input.Encoding != "" {
		if _, err := formats.CanonicalCharset(pc.Input.Encoding); err != nil {
			errs = append(errs, pc.errorAt([]string{"input", "encoding"}, err.Error()))
		}
	}
	for _, g := range pc.Input.Match {
		if _, err := filepath.Match(g, "x"); err != nil {
			errs = append(errs, pc.errorAt([]string{"input", "match"}, fmt.Sprintf("bad pattern %q: %v", g, err)))
		}
	}
	for i := range pc.Outputs {
		o := &pc.Outputs[i]
		at := []string{"outputs", strconv.Itoa(i)}
		if err := confined(o.Outbox); err != nil {
			errs = append(errs, pc.errorAt(append(at, "outbox"), err.Error()))
		}
		o.OutboxPath = resolve(dir, o.Outbox)
		if o.Copy != "" {
			// A copy output passes files through: no format, nothing to encode.
			for _, f := range []struct{ key, val string }{{"format", o.Format}, {"encoding", o.Encoding}, {"transliterate", o.Transliterate}} {
				if f.val != "" {
					errs = append(errs, pc.errorAt(append(at, f.key), "a copy output passes files through unchanged: leave out "+f.key))
				}
			}
			if len(o.Options) > 0 {
				errs = append(errs, pc.errorAt(append(at, "options"), "a copy output passes files through unchanged: leave out options"))
			}
			continue
		}
		if o.Format == "" {
			errs = append(errs, pc.errorAt(at, "an output needs format: (csv, json, xml …), or copy: to pass files through"))
			continue
		}
		if o.FormatOpts, err = formatOptions(o.Format, o.Options); err != nil {
			errs = append(errs, pc.errorAt(append(at, "options"), err.Error()))
		}
		if o.Format == "eml" && (o.Encoding != "" || o.Transliterate != "") {
			errs = append(errs, pc.errorAt(at, "an e-mail is written as 7-bit MIME (UTF-8, quoted-printable, RFC 2047 headers): leave out encoding and transliterate"))
		}
		if o.Encoding != "" {
			if _, err := formats.CanonicalCharset(o.Encoding); err != nil {
				errs = append(errs, pc.errorAt(append(at, "encoding"), err.Error()))
			} else if strings.HasPrefix(strings.ToLower(o.Encoding), "auto") {
				errs = append(errs, pc.errorAt(append(at, "encoding"), `"auto" is for reading; name the encoding to write`))
			}
		}
		if o.Transliterate != "" {
			if _, err := formats.Transliteration(o.Transliterate); err != nil {
				errs = append(errs, pc.errorAt(append(at, "transliterate"), err.Error()))
			}
		}
		if _, err := reg.Lookup(o.Format); err != nil {
			errs = append(errs, pc.errorAt(append(at, "format"), err.Error()))
		}
	}
	return errs
}

// formatOptions decodes a format's `options` mapping into its section of
// formats.Options; an unknown option or a wrong type is an error.
func formatOptions(format string, opts map[string]any) (formats.Options, error) {
	var o formats.Options
	if len(opts) == 0 {
		return o, nil
	}
	var target any
	switch format {
	case "csv":
		target = &o.CSV
	case "json", "jsonl":
		target = &o.JSON
	case "xml":
		target = &o.XML
	case "txt":
		target = &o.TXT
	case "xlsx":
		target = &o.XLSX
	default:
		return o, fmt.Errorf("format %q has no options", format)
	}
	b, err := json.Marshal(opts)
	if err != nil {
		return o, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "json: ")
		if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
			msg = fmt.Sprintf("%s has no option %s (known: %s)", format, f, strings.Join(jsonFieldNames(target), ", "))
		}
		return o, errors.New(msg)
	}
	if format == "jsonl" {
		o.JSON.Lines = true
	}
	return o, nil
}

// errorAt makes a ConfigError for the node at path in this pipeline file.
func (pc *PipelineConfig) errorAt(path []string, msg string) *ConfigError {
	return &ConfigError{File: pc.File, Pos: nodePos(pc.doc, path), Path: pathString(path), Msg: msg}
}

// validator checks YAML documents against the embedded schemas.
type validator struct {
	schemas map[string]*jsonschema.Schema
	printer *message.Printer
}

func newValidator() (*validator, error) {
	c := jsonschema.NewCompiler()
	v := &validator{schemas: map[string]*jsonschema.Schema{}, printer: message.NewPrinter(language.English)}
	for _, name := range []string{schemas.Pipeline, schemas.Project} {
		f, err := schemas.FS.Open(name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		if err := c.AddResource(name, doc); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{schemas.Pipeline, schemas.Project} {
		s, err := c.Compile(name)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		v.schemas[name] = s
	}
	return v, nil
}

// decodeFile parses path, validates it against schema and decodes it into
// dst. display is the name used in messages.
func (v *validator) decodeFile(path, display, schema string, dst any) (*ast.File, ConfigErrors) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ConfigErrors{{File: display, Msg: err.Error()}}
	}
	doc, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, ConfigErrors{yamlSyntaxError(display, err)}
	}
	var generic any
	if err := yaml.Unmarshal(data, &generic); err != nil {
		return nil, ConfigErrors{yamlSyntaxError(display, err)}
	}
	if generic == nil {
		return nil, ConfigErrors{{File: display, Msg: "the file is empty"}}
	}
	if err := v.schemas[schema].Validate(jsonValue(generic)); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, ConfigErrors{{File: display, Msg: err.Error()}}
		}
		var errs ConfigErrors
		for _, leaf := range leaves(ve) {
			at := leaf.InstanceLocation
			if ap, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok && len(ap.Properties) > 0 {
				// Point at the unknown key itself, not at its parent.
				at = append(append([]string(nil), at...), ap.Properties[0])
			}
			errs = append(errs, &ConfigError{
				File: display,
				Pos:  nodePos(doc, at),
				Path: pathString(leaf.InstanceLocation),
				Msg:  leaf.ErrorKind.LocalizedString(v.printer),
			})
		}
		sort.SliceStable(errs, func(i, j int) bool {
			a, b := errs[i].Pos, errs[j].Pos
			return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col)
		})
		return nil, errs
	}
	if err := yaml.Unmarshal(data, dst); err != nil {
		return nil, ConfigErrors{yamlSyntaxError(display, err)}
	}
	return doc, nil
}

// leaves returns the innermost validation errors: the ones that say what
// is wrong rather than "doesn't validate with …".
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// yamlSyntaxError turns a go-yaml error ("[3:5] mapping value is not allowed
// in this context" plus a source snippet) into a positioned ConfigError.
func yamlSyntaxError(file string, err error) *ConfigError {
	msg := err.Error()
	e := &ConfigError{File: file}
	if strings.HasPrefix(msg, "[") {
		if end := strings.IndexByte(msg, ']'); end > 0 {
			var l, c int
			if _, serr := fmt.Sscanf(msg[1:end], "%d:%d", &l, &c); serr == nil {
				e.Pos = Position{Line: l, Col: c}
				msg = strings.TrimSpace(msg[end+1:])
			}
		}
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		e.Msg = msg[:i] + "\n" + msg[i+1:]
	} else {
		e.Msg = msg
	}
	return e
}

// jsonValue converts what go-yaml decodes into the value kinds the JSON
// Schema validator understands (map[string]any, []any, json.Number …).
func jsonValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = jsonValue(x)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = jsonValue(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = jsonValue(x)
		}
		return l
	case int:
		return json.Number(strconv.Itoa(t))
	case int64:
		return json.Number(strconv.FormatInt(t, 10))
	case uint64:
		return json.Number(strconv.FormatUint(t, 10))
	case float64:
		return json.Number(strconv.FormatFloat(t, 'f', -1, 64))
	}
	return v
}

// nodePos finds the YAML node at a JSON-pointer-like path ("steps", "2",
// "lookup") and returns its position: a mapping entry is found at its key,
// which is where people look. A path that does not exist (a missing
// required field) gives the position of its closest existing parent.
func nodePos(doc *ast.File, path []string) Position {
	if doc == nil || len(doc.Docs) == 0 || doc.Docs[0].Body == nil {
		return Position{}
	}
	n := doc.Docs[0].Body
	pos := posOf(n)
	for _, seg := range path {
		entries := mappingEntries(n)
		switch t := n.(type) {
		case *ast.SequenceNode:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t.Values) {
				return pos
			}
			n = t.Values[i]
			pos = posOf(n)
			if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
				pos = posOf(m.Values[0].Key) // "- outbox: …" is found at "outbox"
			}
			continue
		}
		found := false
		for _, kv := range entries {
			if keyText(kv.Key) == seg {
				n, pos, found = kv.Value, posOf(kv.Key), true
				break
			}
		}
		if !found {
			return pos
		}
	}
	return pos
}

func keyText(k ast.MapKeyNode) string {
	s := k.String()
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		if u, err := strconv.Unquote(`"` + s[1:len(s)-1] + `"`); err == nil {
			return u
		}
		return s[1 : len(s)-1]
	}
	return s
}

// pathString renders ["steps","2","lookup"] as "steps[2].lookup".
func pathString(path []string) string {
	var b strings.Builder
	for _, seg := range path {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// jsonFieldNames lists the option names (json tags) of a struct pointer.
func jsonFieldNames(ptr any) []string {
	t := reflect.TypeOf(ptr).Elem()
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
		if tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	sort.Strings(names)
	return names
}
