package transform

// Lookup tables: CSV or XLSX files that map key columns to value columns.
//
// Tables are declared by name under `tables:` in ferry.yaml (shared by every
// pipeline) or in a pipeline file (its own; it wins over a project table of
// the same name), or named by file in a lookup step. They are read whole
// into memory when the configuration is loaded (so that `ferry lint` shows
// a missing file, a missing column or a duplicate key), capped at max_rows
// rows, and read again when their file changes: at the start of every run
// of a pipeline that uses them, the file's size and modification time are
// compared with the loaded version's. A run sees one version of a table
// from its first record to its last.
//
// Keys are compared as exact text after trimming spaces at both ends;
// with ignore_case also without regard to upper and lower case. An empty
// key never matches: rows with an empty key are not indexed. Two rows with
// the same key are an error (naming both rows), never a silent choice.
//
// Paths are relative to the configuration folder (the folder of ferry.yaml,
// or of a pipeline file used on its own) and must stay inside it: the check
// is filepath.IsLocal on the path as written (lexical: "..", absolute
// paths, drive letters and reserved Windows names are refused; symbolic
// links are not followed). A path written absolute is used as it is.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ferry-sync/ferry/formats"
)

// DefaultTableMaxRows is how many rows a lookup table may have unless its
// max_rows says otherwise: a table is held in memory whole.
const DefaultTableMaxRows = 1_000_000

// TableConfig declares one lookup table, as written under `tables:` in
// ferry.yaml or in a pipeline file:
//
//	tables:
//	  zahlungsarten:
//	    file: lookups/zahlungsarten.csv   # Zahlungsmethode;Zahlungsart;Zahlungsziel_Tage
//	    encoding: windows-1252
//	    key: [Zahlungsmethode]
//	  laender:
//	    file: lookups/laender.xlsx
//	    options: {sheet: ISO}
type TableConfig struct {
	// File is the table's CSV or XLSX file, relative to the configuration
	// folder and confined to it, unless written as an absolute path.
	File string `yaml:"file"`
	// Format is "csv" or "xlsx"; default: from the file's extension.
	Format string `yaml:"format"`
	// Encoding is the charset of a CSV file; default "auto" (a BOM, else
	// UTF-8, else Windows-1252).
	Encoding string `yaml:"encoding"`
	// Options are the format's reader options (delimiter, sheet, …).
	Options map[string]any `yaml:"options"`
	// Key are the key columns, in the order lookup() takes its keys;
	// default: the first column.
	Key []string `yaml:"key"`
	// IgnoreCase compares keys without regard to upper and lower case.
	IgnoreCase bool `yaml:"ignore_case"`
	// MaxRows caps the table's rows (default DefaultTableMaxRows).
	MaxRows int `yaml:"max_rows"`
}

// lookupTable is one table file and its loaded contents. It is shared by
// every run (and, for a project's table, every pipeline) and safe for
// concurrent use: the contents are an immutable *tableData swapped
// atomically; loads and new views are serialised by mu.
type lookupTable struct {
	name    string // declared name; "" for a table a lookup step names by file
	file    string // as written (slash-separated): messages and the reader's source name
	path    string // what to open
	format  *formats.Format
	charset string
	opts    formats.Options
	maxRows int
	fold    bool // the declared ignore_case: the default of steps

	mu      sync.Mutex
	views   []viewSpec // every view asked for, in order; each tableData has one view per spec
	cur     atomic.Pointer[tableData]
	failed  fileStamp // the version that could not be used, and why
	failErr error
}

// fileStamp tells versions of a file apart: its size and modification time.
type fileStamp struct {
	size  int64
	mtime int64 // UnixNano
}

func stampOf(fi fs.FileInfo) fileStamp {
	return fileStamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}

// viewSpec is what one user of a table needs: the key columns (nil = the
// first column), the case rule, and the columns it reads (nil = all).
type viewSpec struct {
	keys   []string
	fold   bool
	fields []string
}

func (s viewSpec) equal(o viewSpec) bool {
	return slices.Equal(s.keys, o.keys) && (s.keys == nil) == (o.keys == nil) && s.fold == o.fold &&
		slices.Equal(s.fields, o.fields) && (s.fields == nil) == (o.fields == nil)
}

// tableData is one loaded version of a table. It is never modified after
// it has been published.
type tableData struct {
	stamp fileStamp
	cols  []string
	cells []formats.Value // row-major: row i is cells[i*len(cols):(i+1)*len(cols)]
	pos   []formats.Pos   // where each row is in the file
	views []*tableView    // one per lookupTable.views entry
	// rowMaps keeps the maps lookup() gave out for recent rows, by row
	// number modulo its size: an order's positions ask for the same
	// articles again and again. Expressions never change a map they are
	// given, so one map serves every caller (runs in parallel included).
	// Shared by the versions that differ in views only (ensureView).
	rowMaps *rowCache
}

// rowCache is the row map cache of a table's rows.
type rowCache [rowMapSlots]atomic.Pointer[rowMap]

// rowMapSlots bounds lookup()'s cache of row maps per table version.
const rowMapSlots = 256

// rowMap is the map of one row for lookup(): column → text.
type rowMap struct {
	row int
	m   map[string]any
}

// rowMap returns the map of row, made once while it stays in the cache
// (a table not made by read has none: a new map each time).
func (d *tableData) rowMap(row int) map[string]any {
	if d.rowMaps == nil {
		return d.newRowMap(row)
	}
	slot := &d.rowMaps[row%rowMapSlots]
	if c := slot.Load(); c != nil && c.row == row {
		return c.m
	}
	m := d.newRowMap(row)
	slot.Store(&rowMap{row: row, m: m})
	return m
}

// newRowMap makes the map of row: column → text.
func (d *tableData) newRowMap(row int) map[string]any {
	n := len(d.cols)
	m := make(map[string]any, n)
	for i, c := range d.cols {
		m[c] = d.cells[row*n+i].Text()
	}
	return m
}

func (d *tableData) rows() int { return len(d.pos) }

// tableView is a key index over a tableData and the columns one user reads.
type tableView struct {
	keyNames []string
	keyCols  []int
	fold     bool
	rows     map[string]int32 // normalised key → row; shared by views with the same keys
	fields   []int            // column of each requested field
}

// tableProblem is one reason a table (or a view of it) cannot be used.
// column names the column it is about ("" = the file as a whole); field
// tells a column named in a view's fields from one named as a key.
type tableProblem struct {
	msg    string
	column string
	field  bool
}

func (p *tableProblem) Error() string { return p.msg }

// describe names the table in messages: `lookup table "artikel"
// (lookups/artikel.csv)`, or `lookup table lookups/artikel.csv`.
func (t *lookupTable) describe() string {
	if t.name == "" {
		return "lookup table " + t.file
	}
	return fmt.Sprintf("lookup table %q (%s)", t.name, t.file)
}

// tableDecl is a table's configuration with where to report problems in
// it: at(field, msg) positions a message at "file", "format", "encoding",
// "options", "key" or "max_rows" of the declaration.
type tableDecl struct {
	name, file, format, charset string
	options                     map[string]any
	maxRows                     int
	at                          func(field, msg string) *ConfigError
}

// newTable checks a declaration and resolves its path against dir; it
// does not read the file.
func newTable(d tableDecl, dir string, reg *formats.Registry) (*lookupTable, ConfigErrors) {
	var errs ConfigErrors
	t := &lookupTable{name: d.name, file: filepath.ToSlash(d.file), charset: d.charset, maxRows: d.maxRows}
	if t.maxRows <= 0 {
		t.maxRows = DefaultTableMaxRows
	}
	native := filepath.FromSlash(d.file)
	switch {
	case d.file == "":
		errs = append(errs, d.at("file", "the table's file is missing"))
	case filepath.IsAbs(native):
		t.path = filepath.Clean(native)
	case !filepath.IsLocal(native):
		errs = append(errs, d.at("file", fmt.Sprintf("%q is outside the configuration folder; a lookup table must be inside it, or be written as an absolute path", d.file)))
	default:
		t.path = filepath.Join(dir, native)
	}
	format := d.format
	if format == "" && d.file != "" {
		switch strings.ToLower(filepath.Ext(d.file)) {
		case ".csv":
			format = "csv"
		case ".xlsx", ".xlsm":
			format = "xlsx"
		default:
			errs = append(errs, d.at("file", fmt.Sprintf("cannot tell the format of %q from its extension; add format: csv or format: xlsx", d.file)))
		}
	}
	if format != "" {
		if format != "csv" && format != "xlsx" {
			errs = append(errs, d.at("format", fmt.Sprintf("a lookup table is a csv or xlsx file, not %s", format)))
		} else {
			t.format, _ = reg.Lookup(format)
			var err error
			if t.opts, err = formatOptions(format, d.options); err != nil {
				errs = append(errs, d.at("options", err.Error()))
			}
		}
	}
	if d.charset != "" {
		if _, err := formats.CanonicalCharset(d.charset); err != nil {
			errs = append(errs, d.at("encoding", err.Error()))
		}
	}
	return t, errs
}

// data returns the table's current version.
func (t *lookupTable) data() *tableData { return t.cur.Load() }

// read reads the table file: its columns and rows, no views yet.
func (t *lookupTable) read() (*tableData, error) {
	f, err := os.Open(t.path)
	if err != nil {
		return nil, t.openError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, t.openError(err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a table file", t.file)
	}
	d := &tableData{stamp: stampOf(fi), rowMaps: new(rowCache)}
	rd, err := formats.NewTextReader(t.format, f, t.file, t.charset, t.opts)
	if err != nil {
		return nil, err
	}
	if c, ok := rd.(io.Closer); ok {
		defer c.Close() // an XLSX reader may hold temporary files
	}
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if d.cols == nil {
			d.cols = rec.Names()
		}
		if d.rows() >= t.maxRows {
			return nil, fmt.Errorf("%s has more than %d rows; a lookup table is held in memory whole – if the file is right, raise the table's max_rows", t.file, t.maxRows)
		}
		for i, col := range d.cols {
			if i < len(rec.Fields) && rec.Fields[i].Name == col {
				d.cells = append(d.cells, rec.Fields[i].Value)
			} else {
				v, _ := rec.Get(col)
				d.cells = append(d.cells, v)
			}
		}
		d.pos = append(d.pos, rec.Pos)
	}
	if d.rows() == 0 {
		return nil, fmt.Errorf("%s has no data rows; a lookup table needs at least one", t.file)
	}
	return d, nil
}

// openError words a failure to open the table file.
func (t *lookupTable) openError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		abs, aerr := filepath.Abs(t.path)
		if aerr != nil {
			abs = t.path
		}
		return fmt.Errorf("%s: file not found (looked for %s)", t.file, abs)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: cannot open the file: %v", t.file, err)
}

// load reads the file and builds every view asked for so far. A non-nil
// error means the file could not be read; problems are reasons a view
// cannot be built (a missing column, duplicate keys).
func (t *lookupTable) load() (*tableData, []*tableProblem, error) {
	d, err := t.read()
	if err != nil {
		return nil, nil, err
	}
	var probs []*tableProblem
	seen := map[string]bool{} // views with the same key report the same duplicates
	for _, spec := range t.views {
		v, ps := d.buildView(t, spec, d.views)
		for _, p := range ps {
			if !seen[p.msg] {
				seen[p.msg] = true
				probs = append(probs, p)
			}
		}
		d.views = append(d.views, v)
	}
	return d, probs, nil
}

// buildView resolves spec against d and indexes its key; the rows map of
// a view in shared with the same key columns and case rule is reused.
func (d *tableData) buildView(t *lookupTable, spec viewSpec, shared []*tableView) (*tableView, []*tableProblem) {
	var probs []*tableProblem
	col := func(name string, field bool) int {
		if i := slices.Index(d.cols, name); i >= 0 {
			return i
		}
		probs = append(probs, &tableProblem{column: name, field: field,
			msg: fmt.Sprintf("%s has no column %q (it has: %s)", t.file, name, strings.Join(d.cols, ", "))})
		return -1
	}
	if len(d.cols) == 0 {
		return &tableView{}, []*tableProblem{{msg: t.file + " has no columns"}}
	}
	v := &tableView{keyNames: spec.keys, fold: spec.fold}
	if v.keyNames == nil {
		v.keyNames = d.cols[:1:1]
	}
	for _, k := range v.keyNames {
		v.keyCols = append(v.keyCols, col(k, false))
	}
	if spec.fields == nil {
		v.fields = make([]int, len(d.cols))
		for i := range v.fields {
			v.fields[i] = i
		}
	} else {
		for _, f := range spec.fields {
			v.fields = append(v.fields, col(f, true))
		}
	}
	if len(probs) > 0 {
		return v, probs
	}
	for _, o := range shared {
		if o != nil && o.rows != nil && o.fold == v.fold && slices.Equal(o.keyNames, v.keyNames) {
			v.rows = o.rows
			return v, nil
		}
	}
	v.rows = make(map[string]int32, d.rows())
	const maxReported = 10
	dups := 0
	n := len(d.cols)
	var buf []byte
	for row := 0; row < d.rows(); row++ {
		cells := d.cells[row*n : (row+1)*n]
		var key string
		if len(v.keyCols) == 1 {
			key = normKey(cells[v.keyCols[0]].Text(), v.fold)
		} else {
			buf = buf[:0]
			empty := true
			for _, c := range v.keyCols {
				k := normKey(cells[c].Text(), v.fold)
				empty = empty && k == ""
				buf = appendKeyPart(buf, k)
			}
			if !empty {
				key = string(buf)
			}
		}
		if key == "" {
			continue // an empty key never matches
		}
		if prev, dup := v.rows[key]; dup {
			dups++
			if dups <= maxReported {
				probs = append(probs, &tableProblem{msg: fmt.Sprintf("duplicate key %s: %s:%s and %s:%s",
					describeKey(v.keyNames, cells, v.keyCols), t.file, rowRef(d.pos[prev]), t.file, rowRef(d.pos[row]))})
			}
			continue
		}
		v.rows[key] = int32(row)
	}
	if dups > maxReported {
		probs = append(probs, &tableProblem{msg: fmt.Sprintf("%s: %d more duplicate keys", t.file, dups-maxReported)})
	}
	if len(probs) > 0 {
		v.rows = nil
	}
	return v, probs
}

// describeKey renders a row's key for a message: `"10000"`, or
// `Land "DE", PLZ "28199"` for several columns.
func describeKey(names []string, cells []formats.Value, cols []int) string {
	if len(cols) == 1 {
		return formats.Quote(cells[cols[0]].Text())
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = names[i] + " " + formats.Quote(cells[c].Text())
	}
	return strings.Join(parts, ", ")
}

// rowRef is where a row is: its line ("7"), or its cell ("Tabelle1!A7").
func rowRef(p formats.Pos) string {
	if strings.IndexByte(p.Ref, '!') >= 0 {
		return p.Ref
	}
	if p.Line > 0 {
		return strconv.Itoa(p.Line)
	}
	return p.String()
}

// normKey is the form keys are compared in: trimmed, and lower case under
// ignore_case.
func normKey(s string, fold bool) string {
	s = strings.TrimSpace(s)
	if fold {
		s = strings.ToLower(s)
	}
	return s
}

// appendKeyPart adds one part of a key of several columns: its length,
// then its bytes, so that no choice of values can make two keys equal.
func appendKeyPart(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// find returns the row of the given key texts (one per key column).
func (v *tableView) find(texts []string, buf []byte) (int, bool) {
	if len(texts) == 1 {
		k := normKey(texts[0], v.fold)
		if k == "" {
			return 0, false
		}
		row, ok := v.rows[k]
		return int(row), ok
	}
	b := buf[:0]
	empty := true
	for _, t := range texts {
		k := normKey(t, v.fold)
		empty = empty && k == ""
		b = appendKeyPart(b, k)
	}
	if empty {
		return 0, false
	}
	row, ok := v.rows[string(b)]
	return int(row), ok
}

// ensureView returns the index of the view matching spec, building it on
// the current version (and on every later one) if it is new.
func (t *lookupTable) ensureView(spec viewSpec) (int, []*tableProblem) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, s := range t.views {
		if s.equal(spec) {
			return i, nil
		}
	}
	d := t.cur.Load()
	v, probs := d.buildView(t, spec, d.views)
	if len(probs) > 0 {
		return -1, probs
	}
	nd := *d
	nd.views = append(slices.Clip(d.views), v)
	t.views = append(t.views, spec)
	t.cur.Store(&nd)
	return len(t.views) - 1, nil
}

// refresh returns the version a new run uses: the current one, or, when
// the file's size or modification time changed, the file read again. If
// the new version cannot be used, the current one stays loaded and the
// error says why (the same version is not read again until it changes).
func (t *lookupTable) refresh() (*tableData, error) {
	d := t.cur.Load()
	fi, err := os.Stat(t.path)
	if err == nil && stampOf(fi) == d.stamp {
		return d, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	d = t.cur.Load()
	fi, err = os.Stat(t.path)
	if err != nil {
		return d, t.reloadError(t.openError(err).Error())
	}
	stamp := stampOf(fi)
	switch {
	case stamp == d.stamp:
		return d, nil // another run read it meanwhile
	case t.failErr != nil && stamp == t.failed:
		return d, t.failErr
	}
	nd, probs, err := t.load()
	if err == nil && len(probs) > 0 {
		msgs := make([]string, 0, 3)
		for i, p := range probs {
			if i == 3 {
				msgs = append(msgs, fmt.Sprintf("… (%d problems)", len(probs)))
				break
			}
			msgs = append(msgs, p.msg)
		}
		err = errors.New(strings.Join(msgs, "; "))
	}
	if err != nil {
		t.failed, t.failErr = stamp, t.reloadError(err.Error())
		return d, t.failErr
	}
	t.failErr = nil
	t.cur.Store(nd)
	return nd, nil
}

func (t *lookupTable) reloadError(reason string) error {
	return fmt.Errorf("%s changed and the new version cannot be used: %s – fix the table; files that need it fail until then", t.describe(), reason)
}

// tableGroup is the tables declared in one configuration file.
type tableGroup struct {
	byName map[string]*lookupTable
	failed map[string]bool // declared, but could not be loaded (reported)
}

// loadTableGroup checks and loads the declared tables, in name order.
// errAt positions a message at a path of the declaring file.
func loadTableGroup(decls map[string]TableConfig, dir string, errAt func(path []string, msg string) *ConfigError) (*tableGroup, ConfigErrors) {
	g := &tableGroup{byName: map[string]*lookupTable{}, failed: map[string]bool{}}
	if len(decls) == 0 {
		return g, nil
	}
	reg := formats.Builtin()
	names := make([]string, 0, len(decls))
	for n := range decls {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs ConfigErrors
	for _, name := range names {
		cfg := decls[name]
		at := func(field, msg string) *ConfigError { return errAt([]string{"tables", name, field}, msg) }
		t, es := newTable(tableDecl{name: name, file: cfg.File, format: cfg.Format, charset: cfg.Encoding,
			options: cfg.Options, maxRows: cfg.MaxRows, at: at}, dir, reg)
		if len(es) > 0 {
			errs = append(errs, es...)
			g.failed[name] = true
			continue
		}
		spec := viewSpec{fold: cfg.IgnoreCase}
		if len(cfg.Key) > 0 {
			spec.keys = cfg.Key
		}
		t.views, t.fold = []viewSpec{spec}, cfg.IgnoreCase
		d, probs, err := t.load()
		if err != nil {
			errs = append(errs, at("file", err.Error()))
			g.failed[name] = true
			continue
		}
		if len(probs) > 0 {
			field := "key"
			if len(cfg.Key) == 0 {
				field = "file"
			}
			for _, p := range probs {
				errs = append(errs, at(field, p.msg))
			}
			g.failed[name] = true
			continue
		}
		t.cur.Store(d)
		g.byName[name] = t
	}
	return g, errs
}

// pipelineTables is what one compiled pipeline sees of lookup tables: its
// own and the project's by name, and the tables its steps name by file.
// Every table it may use has a slot; a run pins one version of each used
// table (RunState.tables, by slot).
type pipelineTables struct {
	byName   map[string]*tableSlot
	failed   map[string]string // name → where its problem was reported
	slots    []*tableSlot
	inline   map[string]*tableSlot // tables named by file, by their settings
	outer    func(table string, keys ...string) (any, bool, error)
	dir      string
	declared []string // visible names, sorted, for messages
}

// tableSlot is one table of a pipeline. used is set when a step names the
// table, the pipeline file mentions its name, or lookup() asked for it:
// only used tables are checked for changes (and can fail a run).
type tableSlot struct {
	t    *lookupTable
	i    int
	used atomic.Bool
}

// newPipelineTables loads the pipeline's own tables and adds the
// project's. outer is the Lookup the caller's Functions had: names that
// are no table of the pipeline go to it.
//
// A Project not made by LoadProject (its tables not loaded yet) has its
// tables loaded here, for this pipeline only, and their problems reported.
func newPipelineTables(pc *PipelineConfig, proj *Project, outer func(string, ...string) (any, bool, error)) (*pipelineTables, ConfigErrors) {
	ts := &pipelineTables{byName: map[string]*tableSlot{}, failed: map[string]string{}, inline: map[string]*tableSlot{}, outer: outer, dir: pc.Dir}
	own, errs := loadTableGroup(pc.Tables, pc.Dir, pc.errorAt)
	var text string
	if pc.doc != nil {
		text = pc.doc.String()
	}
	if proj != nil {
		pg := proj.tables
		if pg == nil && len(proj.Tables) > 0 {
			var perrs ConfigErrors
			pg, perrs = loadTableGroup(proj.Tables, proj.Dir, func(path []string, msg string) *ConfigError {
				return &ConfigError{File: filepath.Base(proj.File), Path: pathString(path), Msg: msg}
			})
			errs = append(errs, perrs...)
		}
		if pg != nil {
			for _, name := range sortedTableNames(pg.byName) {
				if _, shadowed := pc.Tables[name]; shadowed {
					continue
				}
				s := ts.add(pg.byName[name])
				ts.byName[name] = s
				if pc.doc == nil || strings.Contains(text, name) {
					s.used.Store(true)
				}
			}
			for name := range pg.failed {
				if _, shadowed := pc.Tables[name]; !shadowed {
					ts.failed[name] = filepath.Base(proj.File)
				}
			}
		}
	}
	for _, name := range sortedTableNames(own.byName) {
		s := ts.add(own.byName[name])
		s.used.Store(true)
		ts.byName[name] = s
	}
	for name := range own.failed {
		ts.failed[name] = ""
	}
	for name := range ts.byName {
		ts.declared = append(ts.declared, name)
	}
	sort.Strings(ts.declared)
	return ts, errs
}

func sortedTableNames(m map[string]*lookupTable) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (ts *pipelineTables) add(t *lookupTable) *tableSlot {
	s := &tableSlot{t: t, i: len(ts.slots)}
	ts.slots = append(ts.slots, s)
	return s
}

// any reports whether the pipeline can see any table (else lookup() is
// left to the caller's Functions).
func (ts *pipelineTables) any() bool { return len(ts.byName) > 0 || len(ts.failed) > 0 }

// inlineTable returns the table a lookup step names by file, loading it on
// first use; steps naming the same file with the same settings share it.
func (ts *pipelineTables) inlineTable(d tableDecl) (*tableSlot, ConfigErrors) {
	optKey := ""
	if len(d.options) > 0 {
		optKey = fmt.Sprint(sortedAny(d.options))
	}
	id := strings.Join([]string{d.file, d.format, d.charset, optKey, strconv.Itoa(d.maxRows)}, "\x00")
	if s, ok := ts.inline[id]; ok {
		return s, nil
	}
	t, errs := newTable(d, ts.dir, formats.Builtin())
	if len(errs) > 0 {
		return nil, errs
	}
	nd, _, err := t.load()
	if err != nil {
		return nil, ConfigErrors{d.at("file", err.Error())}
	}
	t.cur.Store(nd)
	s := ts.add(t)
	s.used.Store(true)
	ts.inline[id] = s
	return s, nil
}

// sortedAny renders an options mapping in key order, for comparing.
func sortedAny(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%v", k, v))
	}
	sort.Strings(out)
	return out
}

// begin pins the version of every used table for one run, reading again
// the files that changed. The errors are tables that changed and cannot
// be used: the run fails.
func (ts *pipelineTables) begin(st *RunState) []error {
	if ts == nil || len(ts.slots) == 0 {
		return nil
	}
	st.tables = make([]*tableData, len(ts.slots))
	var errs []error
	for _, s := range ts.slots {
		if !s.used.Load() {
			continue
		}
		d, err := s.t.refresh()
		if err != nil {
			errs = append(errs, err)
		}
		st.tables[s.i] = d
	}
	return errs
}

// tableFor returns the version of a slot's table this run uses.
func (st *RunState) tableFor(s *tableSlot) *tableData {
	if s.i < len(st.tables) {
		if d := st.tables[s.i]; d != nil {
			return d
		}
	}
	return s.t.data()
}

// lookup is the engine side of the lookup() and lookupOr() expression
// functions: the row of the table's key (the declared key columns, in
// order) as a map column → text, and whether there is one.
func (ts *pipelineTables) lookup(table string, keys ...string) (any, bool, error) {
	s := ts.byName[table]
	if s == nil {
		if where, failed := ts.failed[table]; failed {
			if where == "" {
				return nil, false, fmt.Errorf("lookup table %q could not be loaded (see the configuration error)", table)
			}
			return nil, false, fmt.Errorf("lookup table %q could not be loaded (see the error for %s)", table, where)
		}
		if ts.outer != nil {
			return ts.outer(table, keys...)
		}
		return nil, false, fmt.Errorf("there is no lookup table %q (tables: %s)", table, strings.Join(ts.declared, ", "))
	}
	if !s.used.Load() {
		s.used.Store(true)
	}
	d := s.t.data()
	v := d.views[0]
	if len(keys) != len(v.keyNames) {
		return nil, false, fmt.Errorf("%s has %d key column(s) (%s), but %d key(s) were given",
			s.t.describe(), len(v.keyNames), strings.Join(v.keyNames, ", "), len(keys))
	}
	row, ok := v.find(keys, nil)
	if !ok {
		return nil, false, nil
	}
	return d.rowMap(row), true, nil
}

// withLookup returns a copy of f's settings (its exported fields) with
// Lookup replaced: the library state behind f (caches, sync.Once) is not
// copied, so the copy installs its own.
func (f *Functions) withLookup(lookup func(table string, keys ...string) (any, bool, error)) *Functions {
	nf := &Functions{}
	src, dst := reflect.ValueOf(f).Elem(), reflect.ValueOf(nf).Elem()
	for i := 0; i < src.NumField(); i++ {
		if src.Type().Field(i).IsExported() {
			dst.Field(i).Set(src.Field(i))
		}
	}
	nf.Lookup = lookup
	return nf
}
