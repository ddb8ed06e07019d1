package transform

import (
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/ferry-sync/ferry/formats"
)

// Member chains with constant keys on a record field (parent.Ort,
// z.Netto, BillingAddress.Country.TwoLetterIsoCode) are the most common
// reads of nested values. The expression VM reads them by converting the
// record into a map (toExprNeed) and looking each key up through
// reflection, one allocation per step. A program's fast form has every
// such chain replaced by one name of its own, set to the chain's value
// straight from the nested records: the VM loads it like a top-level
// field.
//
// The fast form is only a shortcut: when a chain cannot be followed the
// simple way (its root missing, a step into something that is not a
// record, a key missing before the last step) or a field is missing or not
// of its declared type, the program runs in its ordinary form, so results
// and errors never depend on it.

// chainPrefix starts the names of flattened chains; no field name from a
// file starts with a NUL byte.
const chainPrefix = "\x00chain\x00"

// memberChainRef is one member chain of a fast form.
type memberChainRef struct {
	name string   // the name the fast form reads it by
	root string   // the record field it starts at, or input or vars (base)
	base bool     // root is a name of the evaluator's base (input, vars), not a field
	keys []string // the constant keys below root, outermost first
	need *need    // what the fast form reads of the chain's value
}

// fastForm is a program compiled with its member chains flattened.
type fastForm struct {
	prog   *vm.Program
	fields []string // record fields the fast form still reads as a whole, in order
	types  []string
	needs  []*need
	chains []memberChainRef
}

// chainFlattener is the patch that replaces member chains rooted at one
// of roots with names of their own (chainPrefix + root + keys). Walk visits
// children first, so a.b is replaced before a.b.c is seen, and extended.
type chainFlattener struct {
	roots  map[string]bool
	chains map[string]memberChainRef
}

func (c *chainFlattener) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok || m.Optional || m.Method {
		return
	}
	key, ok := m.Property.(*ast.StringNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok {
		return
	}
	var ch memberChainRef
	if inner, ok := c.chains[id.Value]; ok {
		ch = memberChainRef{root: inner.root, keys: append(append([]string(nil), inner.keys...), key.Value), base: inner.base}
	} else if c.roots[id.Value] {
		ch = memberChainRef{root: id.Value, keys: []string{key.Value}, base: id.Value == envInput || id.Value == envVars}
	} else {
		return
	}
	ch.name = chainPrefix + ch.root + "\x00" + strings.Join(ch.keys, "\x00")
	c.chains[ch.name] = ch
	ast.Patch(n, &ast.IdentifierNode{Value: ch.name})
}

// hasChain reports whether tree holds a member chain with a constant key
// on one of roots.
func hasChain(tree ast.Node, roots map[string]bool) bool {
	found := false
	ast.Walk(&tree, visitFunc(func(n ast.Node) {
		if m, ok := n.(*ast.MemberNode); ok && !m.Optional && !m.Method {
			if _, ok := m.Property.(*ast.StringNode); ok {
				if id, ok := m.Node.(*ast.IdentifierNode); ok && roots[id.Value] {
					found = true
				}
			}
		}
	}))
	return found
}

// compileFast compiles p's fast form, or leaves it nil when the
// expression has no chain to flatten (or reads $env dynamically).
func (c *compiler) compileFast(p *program) error {
	if p.allEnv || p.prog == nil {
		return nil
	}
	// a let that names a variable input or vars hides the base name the
	// fast form would read instead
	if lv := readNames(p.prog.Node()); lv.letNames[envInput] || lv.letNames[envVars] {
		return nil
	}
	// the base names are the same for every record (vars) or file (input)
	roots := map[string]bool{envInput: true, envVars: true}
	for i, name := range p.fields {
		if p.types[i] == "" {
			roots[name] = true
		}
	}
	if !hasChain(p.prog.Node(), roots) {
		return nil
	}
	opts := c.opts[:len(c.opts):len(c.opts)]
	if c.envTypes != nil {
		// Declared fields make the environment strict: the chains' names
		// must be in it (of unknown type, as the member they replace).
		// Found on a tree of its own (the patch below makes its own).
		tree, err := parser.Parse(p.src)
		if err != nil {
			return err
		}
		dry := &chainFlattener{roots: roots, chains: map[string]memberChainRef{}}
		ast.Walk(&tree.Node, dry)
		env := make(map[string]any, len(c.envTypes)+len(dry.chains))
		for k, v := range c.envTypes {
			env[k] = v
		}
		for name := range dry.chains {
			env[name] = nil
		}
		opts = append([]expr.Option{expr.AllowUndefinedVariables(), expr.Env(env)}, c.fnOpts...)
	}
	fl := &chainFlattener{roots: roots, chains: map[string]memberChainRef{}}
	prog, err := expr.Compile(p.src, append(opts, expr.Patch(fl))...)
	if err != nil {
		return err
	}
	f := &fastForm{prog: prog}
	root := prog.Node()
	v := readNames(root)
	if v.dynamic {
		return nil
	}
	needs := fieldNeeds(root)
	for _, name := range v.names {
		if ch, ok := fl.chains[name]; ok {
			ch.need = needs[name]
			f.chains = append(f.chains, ch)
			continue
		}
		if !v.isField(name) {
			continue
		}
		f.fields = append(f.fields, name)
		f.types = append(f.types, c.types[name])
		f.needs = append(f.needs, needs[name])
	}
	if len(f.chains) == 0 {
		return nil
	}
	p.fast = f
	return nil
}

// value follows the chain in rec: false when it cannot be followed the
// simple way. A key missing at the last step gives null, as the map the
// VM would read gives nil; a repeated key gives its last field, as in the
// map (toExpr).
func (ch *memberChainRef) value(rec *formats.Record) (formats.Value, bool) {
	v, ok := rec.Get(ch.root)
	if !ok {
		return formats.Null, false
	}
	for _, k := range ch.keys {
		r := v.Record()
		if r == nil {
			return formats.Null, false
		}
		i := len(r.Fields) - 1
		for i >= 0 && r.Fields[i].Name != k {
			i--
		}
		if i < 0 {
			v = formats.Null
			continue // the next step, if any, fails on null
		}
		v = r.Fields[i].Value
	}
	return v, true
}

// baseValue follows a chain on input or vars through their maps, as the
// VM's member access would: a missing key gives nil; false when a step
// meets anything but a map (the VM's error is the ordinary form's).
func (ch *memberChainRef) baseValue(base env) (any, bool) {
	x, ok := base[ch.root]
	if !ok {
		return nil, false
	}
	for _, k := range ch.keys {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		x = m[k]
	}
	return x, true
}

// put sets the chain's name in ev's environment, converted to the parts n
// reads (for a chain on a record field); false: fall back.
func (ch *memberChainRef) put(rec *formats.Record, ev *evaluator, n *need) bool {
	if ch.base {
		x, ok := ch.baseValue(ev.base)
		if ok {
			ev.scratch[ch.name] = x
		}
		return ok
	}
	v, ok := ch.value(rec)
	if !ok {
		return false
	}
	ev.scratch[ch.name] = toExprNeed(v, n)
	return true
}

// run runs the fast form on rec; ok is false when it cannot (the program
// must run in its ordinary form).
func (f *fastForm) run(rec *formats.Record, ev *evaluator) (x any, ok bool, err error) {
	if ev.dirty {
		ev.reset()
	}
	for i := range f.chains {
		if ch := &f.chains[i]; !ch.put(rec, ev, ch.need) {
			return nil, false, nil
		}
	}
	for i, name := range f.fields {
		if missing, err := ev.put(rec, name, f.types[i], f.needs[i]); missing || err != nil {
			return nil, false, nil
		}
	}
	x, err = ev.vm.Run(f.prog, map[string]any(ev.scratch))
	return x, true, err
}
