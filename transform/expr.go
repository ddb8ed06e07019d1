package transform

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/ferry-sync/ferry/formats"
)

// reserved names in every expression environment besides the record's
// fields: the input file and the project's vars.
const (
	envInput = "input"
	envVars  = "vars"
)

// program is one compiled expression with what it reads: the record fields
// it names, so that the environment holds only those (no per-record
// conversion of fields nobody uses).
type program struct {
	src    string
	prog   *vm.Program
	fields []string // record fields referenced, in order of first use
	allEnv bool     // uses $env dynamically: needs every field
	// copyOf is set when the expression is just one field name: the value is
	// copied without running the VM.
	copyOf string
	// native evaluates common shapes in plain Go (native.go); nil = VM only.
	native native
	types  []string // declared type of each of fields, "" = untyped
	// needs says, for each of fields, which part of a nested value the
	// expression reads (needs.go); nil = all of it.
	needs []*need
	// fast is the program with its member chains flattened (chains.go);
	// nil when it has none.
	fast *fastForm
}

// compiler compiles expressions of one pipeline with the shared function
// library. Fields declared in the pipeline (`fields: {OrderTotal: decimal}`)
// have static types: expr checks operations on them at load time, and
// their values are converted to that type before an expression runs.
type compiler struct {
	fns        *Functions // the library, also for template functions (step_render.go)
	opts       []expr.Option
	types      map[string]string // declared field → type
	overridden map[string]bool   // builtins the function library replaces
	// envTypes is the environment of a pipeline that declares fields (nil:
	// none declared); fnOpts are the library's options (both part of opts).
	envTypes map[string]any
	fnOpts   []expr.Option
	// vars are the project's vars (native shortcuts read text vars);
	// set by Compile.
	vars map[string]any
}

// fieldTypes are the types a pipeline may declare, with the Go value expr
// sees for each.
var fieldTypes = map[string]any{
	"string":  "",
	"decimal": decimal.Decimal{},
	"int":     0,
	"bool":    false,
	"date":    time.Time{},
}

func newCompiler(fns *Functions, declared map[string]string) *compiler {
	c := &compiler{fns: fns, overridden: libraryNames(), types: map[string]string{}}
	opts := []expr.Option{expr.AllowUndefinedVariables()}
	if len(declared) > 0 {
		c.envTypes = map[string]any{envInput: map[string]any{}, envVars: map[string]any{}}
		for name, typ := range declared {
			if zero, ok := fieldTypes[typ]; ok {
				c.envTypes[name] = zero
				c.types[name] = typ
			}
		}
		opts = append(opts, expr.Env(c.envTypes))
	}
	c.fnOpts = fns.Options()
	c.opts = append(opts, c.fnOpts...)
	return c
}

// withNames is c with names of text added to a pipeline's declared fields,
// for expressions that see more than the record (an encodable rule's
// message). Without declared fields any name is allowed already: c.
func (c *compiler) withNames(names ...string) *compiler {
	if c.envTypes == nil {
		return c
	}
	env := make(map[string]any, len(c.envTypes)+len(names))
	for k, v := range c.envTypes {
		env[k] = v
	}
	for _, n := range names {
		if _, declared := env[n]; !declared {
			env[n] = ""
		}
	}
	nc := *c
	nc.envTypes = env
	nc.opts = append([]expr.Option{expr.AllowUndefinedVariables(), expr.Env(env)}, c.fnOpts...)
	return &nc
}

// compile compiles src. A plain field name (an identifier, or a name that
// is not a valid identifier such as "Name[en]" written as-is) becomes a copy.
func (c *compiler) compile(src string) (*program, error) {
	p := &program{src: src}
	s := strings.TrimSpace(src)
	if isIdent(s) && !isKeyword(s) {
		p.copyOf, p.fields = s, []string{s}
		return p, nil
	}
	prog, err := expr.Compile(src, c.opts...)
	if err != nil {
		return nil, fmt.Errorf("%s", strings.TrimSpace(err.Error()))
	}
	p.prog = prog
	root := prog.Node()
	v := readNames(root)
	needs := fieldNeeds(root)
	for _, name := range v.names {
		if !v.isField(name) {
			continue
		}
		p.fields = append(p.fields, name)
		p.types = append(p.types, c.types[name])
		p.needs = append(p.needs, needs[name])
	}
	p.allEnv = v.dynamic
	// a declared field reaches the VM as its type (a decimal is written
	// back as a number): the shortcuts, which pass values on as read, do
	// not apply
	if !slices.ContainsFunc(p.types, func(typ string) bool { return typ != "" }) {
		p.native = nativeFor(src, &nativeEnv{overridden: c.overridden, lookup: c.fns.Lookup, vars: c.vars})
	}
	if err := c.compileFast(p); err != nil {
		p.fast = nil // the ordinary form compiled: it serves alone
	}
	return p, nil
}

// libraryNames are the functions the library registers (some replace
// expr builtins of the same name); expr builtins it keeps are not in it.
func libraryNames() map[string]bool {
	m := map[string]bool{"sum": true, "sortBy": true, "float": true} // redirected by the library's patches
	for _, s := range (&Functions{}).state().specs() {
		m[s.name] = true
	}
	return m
}

// identVisitor collects the identifiers an expression reads; names used as
// functions (dec, round …) are not fields.
type identVisitor struct {
	names       []string
	seen        map[string]bool
	calleeNames map[string]bool
	// letNames are variables the expression declares itself
	// (let total = …; total * 2): not fields of the record.
	letNames map[string]bool
	dynamic  bool
	// $env as a whole (keys($env), "x" in $env) reads every name: envs
	// counts the $env identifiers, envConst those read as $env.<constant>
	envs, envConst int
}

// readNames visits the tree; an $env used other than as $env.<constant>
// makes the expression dynamic (it needs every field).
func readNames(root ast.Node) *identVisitor {
	v := &identVisitor{seen: map[string]bool{}, calleeNames: map[string]bool{}, letNames: map[string]bool{}}
	ast.Walk(&root, v)
	if v.envs > v.envConst {
		v.dynamic = true
	}
	return v
}

// isField reports whether name, one of v.names, is a record field: not a
// base name (input, vars), a function or a variable of the expression.
func (v *identVisitor) isField(name string) bool {
	return name != envInput && name != envVars && !v.calleeNames[name] && !v.letNames[name]
}

func (v *identVisitor) Visit(n *ast.Node) {
	switch t := (*n).(type) {
	case *ast.IdentifierNode:
		if t.Value == "$env" {
			v.envs++
			return
		}
		if !v.seen[t.Value] {
			v.seen[t.Value] = true
			v.names = append(v.names, t.Value)
		}
	case *ast.CallNode:
		if id, ok := t.Callee.(*ast.IdentifierNode); ok {
			v.calleeNames[id.Value] = true
		}
	case *ast.VariableDeclaratorNode:
		v.letNames[t.Name] = true
	case *ast.MemberNode:
		if id, ok := t.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
			if s, ok := t.Property.(*ast.StringNode); ok {
				v.envConst++
				if !v.seen[s.Value] {
					v.seen[s.Value] = true
					v.names = append(v.names, s.Value)
				}
			} else {
				v.dynamic = true
			}
		}
	}
}

// isIdent reports whether s is a field name that expr reads as one
// identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r > 0x7f && r != 0xa0 {
			continue
		}
		if i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

func isKeyword(s string) bool {
	switch s {
	case "true", "false", "nil", "not", "and", "or", "in", "matches", "contains", "startsWith", "endsWith", "let", "if", "else":
		return true
	}
	return false
}

// env is the expression environment of one record.
type env map[string]any

// fileEnv is what expressions see of the file being processed.
type fileEnv struct {
	Name string // "artikel.csv"
	Stem string // "artikel"
	Ext  string // ".csv"
	Path string // as given
}

func (f fileEnv) value() map[string]any {
	return map[string]any{"name": f.Name, "stem": f.Stem, "ext": f.Ext, "path": f.Path}
}

// evaluator runs programs for one file: it reuses one environment map and
// one VM for every record, so a record costs no map or stack allocation.
// The map keeps the base entries (input, vars) for good; each program sets
// the fields it reads before it runs, so a value left from another program
// or record is never seen (a program reads only names it sets). It is not
// safe for concurrent use: each run has its own.
type evaluator struct {
	base    env
	scratch env
	dirty   bool // scratch holds every field of some record (allEnv)
	vm      vm.VM
}

func newEvaluator(base env) *evaluator {
	ev := &evaluator{base: base, scratch: make(env, 16)}
	ev.reset()
	return ev
}

func (ev *evaluator) reset() {
	clear(ev.scratch)
	for k, v := range ev.base {
		ev.scratch[k] = v
	}
	ev.dirty = false
}

// eval runs p against rec.
func (p *program) eval(rec *formats.Record, ev *evaluator) (any, error) {
	if p.copyOf != "" {
		v, ok := rec.Get(p.copyOf)
		if !ok {
			return nil, missingField(p.copyOf, rec)
		}
		return v, nil
	}
	if p.native != nil {
		if v, _, ok := p.native(rec); ok {
			return v, nil
		}
	}
	return p.evalVM(rec, ev)
}

// evalVM runs p on the VM: its fast form where that answers, else its
// ordinary form.
func (p *program) evalVM(rec *formats.Record, ev *evaluator) (any, error) {
	if p.fast != nil {
		if x, ok, err := p.fast.run(rec, ev); ok {
			return x, err
		}
	}
	return p.evalPlain(rec, ev)
}

// evalPlain runs p's ordinary form (not the fast one) against rec.
func (p *program) evalPlain(rec *formats.Record, ev *evaluator) (any, error) {
	e := ev.scratch
	if p.allEnv {
		// $env[...] may read any name: start from a clean map.
		ev.reset()
		ev.dirty = true
		for _, f := range rec.Fields {
			e[f.Name] = toExpr(f.Value)
		}
	} else {
		if ev.dirty {
			ev.reset()
		}
		for i, name := range p.fields {
			missing, err := ev.put(rec, name, p.types[i], p.needs[i])
			if missing {
				return nil, missingField(name, rec)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return ev.vm.Run(p.prog, map[string]any(e))
}

// put sets name in the environment to rec's field of that name: as its
// declared type typ, else converted to the parts n reads. missing: rec has
// no such field and it is not a base name (input, vars, which stay); err:
// the value is not of type typ. Either way name is left as it was.
func (ev *evaluator) put(rec *formats.Record, name, typ string, n *need) (missing bool, err error) {
	v, ok := rec.Get(name)
	if !ok {
		_, isBase := ev.base[name]
		return !isBase, nil
	}
	if typ != "" {
		x, err := typedValue(name, v, typ)
		if err != nil {
			return false, err
		}
		ev.scratch[name] = x
		return false, nil
	}
	ev.scratch[name] = toExprNeed(v, n)
	return false, nil
}

// errMissingField is returned when an expression names a field the record
// does not have.
type errMissingField struct {
	name   string
	fields []string
}

func (e *errMissingField) Error() string {
	const max = 12
	names := e.fields
	more := ""
	if len(names) > max {
		names, more = names[:max], ", …"
	}
	return fmt.Sprintf("the input has no field %q (it has: %s%s)", e.name, strings.Join(names, ", "), more)
}

func missingField(name string, rec *formats.Record) error {
	return &errMissingField{name: name, fields: rec.Names()}
}

// typedValue converts a declared field's value to its declared type.
// Text is read in the invariant form (1234.56, true, RFC 3339 dates), as
// JSON and the shop write them; German decimals need deDec instead.
func typedValue(name string, v formats.Value, typ string) (any, error) {
	if v.IsNull() {
		return fieldTypes[typ], nil
	}
	text := strings.TrimSpace(v.Text())
	bad := func() error {
		return &fieldTypeError{field: name, typ: typ, value: v.Text()}
	}
	switch typ {
	case "string":
		return v.Text(), nil
	case "decimal":
		d, err := decimal.NewFromString(text)
		if err != nil || !v.IsScalar() {
			return nil, bad()
		}
		return d, nil
	case "int":
		n, err := strconv.Atoi(text)
		if err != nil {
			return nil, bad()
		}
		return n, nil
	case "bool":
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, bad()
		}
		return b, nil
	case "date":
		t, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return nil, bad()
		}
		return t, nil
	}
	return toExpr(v), nil
}

// fieldTypeError is a value that does not fit its declared type.
type fieldTypeError struct{ field, typ, value string }

func (e *fieldTypeError) Error() string {
	return fmt.Sprintf("%s is not a %s, as the pipeline declares for this field", formats.Quote(e.value), e.typ)
}

// toExpr converts a record value into what expressions compute with: text
// as string, numbers as exact decimals, nested records as maps.
func toExpr(v formats.Value) any {
	switch v.Kind() {
	case formats.KindString:
		return v.Text()
	case formats.KindNumber:
		d, err := decimal.NewFromString(v.Text())
		if err != nil {
			return v.Text()
		}
		return d
	case formats.KindBool:
		b, _ := v.Bool()
		return b
	case formats.KindRecord:
		r := v.Record()
		m := make(map[string]any, len(r.Fields))
		for _, f := range r.Fields {
			m[f.Name] = toExpr(f.Value)
		}
		return m
	case formats.KindList:
		l := v.List()
		out := make([]any, len(l))
		for i := range l {
			out[i] = toExpr(l[i])
		}
		return out
	}
	return nil
}

// decimalText writes a decimal with the places it carries: "55.6500" read
// from a file stays "55.6500" (decimal.String would drop the zeros).
func decimalText(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
}

// fromExpr converts an expression result back into a record value.
func fromExpr(x any) (formats.Value, error) {
	switch t := x.(type) {
	case nil:
		return formats.Null, nil
	case formats.Value:
		return t, nil
	case string:
		return formats.String(t), nil
	case bool:
		return formats.Bool(t), nil
	case decimal.Decimal:
		return formats.Number(decimalText(t)), nil
	case *decimal.Decimal:
		return formats.Number(decimalText(*t)), nil
	case int:
		return formats.Number(strconv.Itoa(t)), nil
	case int64:
		return formats.Number(strconv.FormatInt(t, 10)), nil
	case uint64:
		return formats.Number(strconv.FormatUint(t, 10)), nil
	case *big.Int:
		return formats.Number(t.String()), nil
	case float64:
		return formats.Number(strconv.FormatFloat(t, 'f', -1, 64)), nil
	case time.Time:
		return formats.String(t.Format(time.RFC3339Nano)), nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		r := formats.NewRecord(len(keys))
		for _, k := range keys {
			v, err := fromExpr(t[k])
			if err != nil {
				return formats.Null, err
			}
			r.Add(k, v, formats.Pos{})
		}
		return formats.Nested(r), nil
	case []any:
		l := make([]formats.Value, len(t))
		for i := range t {
			v, err := fromExpr(t[i])
			if err != nil {
				return formats.Null, err
			}
			l[i] = v
		}
		return formats.List(l), nil
	case []string:
		l := make([]formats.Value, len(t))
		for i := range t {
			l[i] = formats.String(t[i])
		}
		return formats.List(l), nil
	}
	return formats.Null, fmt.Errorf("the expression gave a %T, which cannot be written to a file", x)
}
