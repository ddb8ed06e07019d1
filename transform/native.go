package transform

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/shopspring/decimal"

	"github.com/ferry-sync/ferry/formats"
)

// native is an expression evaluated in plain Go, without the expression
// VM: the few shapes that make up most field mappings. It reports ok=false
// when a value is not what the shortcut assumes (a number where text was
// expected …); the VM then evaluates the expression as usual, so results
// and errors never depend on the shortcut.
//
// src is the top-level field the value was read from (nil for constants):
// evalField takes the position from it instead of looking the field up again.
type native func(r *formats.Record) (v formats.Value, src *formats.Field, ok bool)

// nativeFor recognises, in the parsed source of an expression, these
// shapes and any nesting of them (e.node):
//
//	"text", 7, true, nil            constants
//	Field, A.b.c                    a field, a member chain (fieldScalar, memberChain)
//	replace(Field, "old", "new")    expr's replace on a text field
//	trim(Field), upper(Field), lower(Field)
//	A.b ?? "text", A ?? B           (coalesceFields)
//	fmtDE(A.b, 2)                   (fmtDENative)
//	C ? x : y                       C: ==, != of texts or numbers, &&, ||, ! (cond)
//	{Pos: Pos, Sku: Sku}, [a, b], concat(a, b)
//	lookup("table", Key).Column, vars.name, Field + 1, Field - 1
func nativeFor(src string, e *nativeEnv) native {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	return e.node(tree.Node)
}

// nativeEnv is what native shortcuts may use besides the record.
type nativeEnv struct {
	// overridden names functions the library replaces (their meaning is
	// not expr's builtin then).
	overridden map[string]bool
	// lookup is the pipeline's lookup() (nil: none); vars its vars.
	lookup func(table string, keys ...string) (any, bool, error)
	vars   map[string]any
}

// constant is a native giving v.
func constant(v formats.Value) native {
	return func(*formats.Record) (formats.Value, *formats.Field, bool) { return v, nil, true }
}

func (e *nativeEnv) node(n ast.Node) native {
	switch t := n.(type) {
	case *ast.StringNode:
		return constant(formats.String(t.Value))
	case *ast.IntegerNode:
		return constant(formats.Number(strconv.Itoa(t.Value))) // the VM's int, written back
	case *ast.BoolNode:
		return constant(formats.Bool(t.Value))
	case *ast.NilNode:
		return constant(formats.Null)
	case *ast.IdentifierNode:
		if name, ok := identName(t); ok {
			return fieldScalar(name)
		}
		return nil
	case *ast.MapNode:
		return e.mapLiteral(t)
	case *ast.ArrayNode:
		return e.listLiteral(t.Nodes)
	case *ast.BuiltinNode:
		if e.overridden[t.Name] {
			return nil
		}
		switch {
		case t.Name == "concat" && len(t.Arguments) > 0:
			return e.concat(t.Arguments)
		case t.Name == "replace" && len(t.Arguments) == 3:
			field, ok1 := identName(t.Arguments[0])
			old, ok2 := t.Arguments[1].(*ast.StringNode)
			repl, ok3 := t.Arguments[2].(*ast.StringNode)
			if !ok1 || !ok2 || !ok3 {
				return nil
			}
			return textFunc(field, func(s string) string { return strings.ReplaceAll(s, old.Value, repl.Value) })
		case len(t.Arguments) == 1 && (t.Name == "trim" || t.Name == "upper" || t.Name == "lower"):
			field, ok := identName(t.Arguments[0])
			if !ok {
				return nil
			}
			f := map[string]func(string) string{"trim": strings.TrimSpace, "upper": strings.ToUpper, "lower": strings.ToLower}[t.Name]
			return textFunc(field, f)
		}
	case *ast.MemberNode:
		if v := e.varsChain(t); v != nil {
			return v
		}
		if v := e.lookupColumn(t); v != nil {
			return v
		}
		return memberChain(t)
	case *ast.BinaryNode:
		if t.Operator == "+" || t.Operator == "-" {
			return e.addInt(t)
		}
		// A.b.c ?? "text": the chain's text, or the text where it is null
		if t.Operator != "??" {
			return nil
		}
		lit, ok := t.Right.(*ast.StringNode)
		if !ok {
			return coalesceFields(t)
		}
		left := fieldOrChain(t.Left)
		if left == nil {
			return nil
		}
		alt := formats.String(lit.Value)
		return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
			v, src, ok := left(r)
			if ok && v.IsNull() {
				return alt, src, true
			}
			return v, src, ok
		}
	case *ast.CallNode:
		return fmtDENative(t)
	case *ast.ConditionalNode:
		cond := e.cond(t.Cond)
		yes, no := e.node(t.Exp1), e.node(t.Exp2)
		if cond == nil || yes == nil || no == nil {
			return nil
		}
		// the VM needs every field the expression names, whichever branch
		// it takes: a missing one is its error, not the shortcut's answer
		roots := rootNames(t)
		return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
			for _, name := range roots {
				if r.Field(name) == nil {
					return formats.Null, nil, false
				}
			}
			c, f, ok := cond(r)
			if !ok {
				return formats.Null, nil, false
			}
			pick := no
			if c {
				pick = yes
			}
			v, src, ok := pick(r)
			if src == nil {
				src = f // a constant branch: the value comes from the condition's field
			}
			return v, src, ok
		}
	}
	return nil
}

// condition is a native condition: its truth, the field it read (for a
// position; nil if none or several) and ok=false when the VM must decide.
type condition func(r *formats.Record) (bool, *formats.Field, bool)

// cond compiles a condition: A == B and A != B between a text and a text,
// or a number and a number (compared as decimals, as the library's == does),
// where each side is a field, a member chain or a constant; && and || of
// conditions (the right side only when needed, as in the VM); !condition.
func (e *nativeEnv) cond(n ast.Node) condition {
	switch t := n.(type) {
	case *ast.UnaryNode:
		if t.Operator != "!" && t.Operator != "not" {
			return nil
		}
		c := e.cond(t.Node)
		if c == nil {
			return nil
		}
		return func(r *formats.Record) (bool, *formats.Field, bool) {
			v, f, ok := c(r)
			return !v, f, ok
		}
	case *ast.BinaryNode:
		switch t.Operator {
		case "&&", "and", "||", "or":
			a, b := e.cond(t.Left), e.cond(t.Right)
			if a == nil || b == nil {
				return nil
			}
			and := t.Operator == "&&" || t.Operator == "and"
			return func(r *formats.Record) (bool, *formats.Field, bool) {
				x, _, ok := a(r)
				if !ok {
					return false, nil, false
				}
				if x != and { // false && …, true || …
					return x, nil, true
				}
				y, _, ok := b(r)
				return y, nil, ok
			}
		case "==", "!=":
			a, b := e.operand(t.Left), e.operand(t.Right)
			if a == nil || b == nil {
				return nil
			}
			want := t.Operator == "=="
			return func(r *formats.Record) (bool, *formats.Field, bool) {
				x, fx, ok1 := a(r)
				y, fy, ok2 := b(r)
				if !ok1 || !ok2 {
					return false, nil, false
				}
				f := fx
				if f == nil {
					f = fy
				} else if fy != nil {
					f = nil // two fields: no one position
				}
				switch {
				case x.Kind() == formats.KindString && y.Kind() == formats.KindString:
					return (x.Text() == y.Text()) == want, f, true
				case x.Kind() == formats.KindNumber && y.Kind() == formats.KindNumber:
					dx, err1 := decimal.NewFromString(x.Text())
					dy, err2 := decimal.NewFromString(y.Text())
					if err1 != nil || err2 != nil {
						return false, nil, false
					}
					return dx.Equal(dy) == want, f, true
				}
				return false, nil, false
			}
		}
	}
	return nil
}

// operand is a side of a comparison or a lookup key: a field, a member
// chain (text, null, true/false or a number in the VM's form), a text var
// or a text or whole number constant.
func (e *nativeEnv) operand(n ast.Node) native {
	switch t := n.(type) {
	case *ast.StringNode, *ast.IntegerNode:
		return e.node(t)
	case *ast.MemberNode:
		if v := e.varsChain(t); v != nil {
			return v
		}
	}
	return fieldOrChain(n)
}

// fieldOrChain is a field or a member chain (fieldScalar, memberChain).
func fieldOrChain(n ast.Node) native {
	if m, ok := n.(*ast.MemberNode); ok {
		return memberChain(m)
	}
	if name, ok := identName(n); ok {
		return fieldScalar(name)
	}
	return nil
}

// mapLiteral is {key: value, …} with constant, distinct keys: a nested
// record with the keys in order, as fromExpr makes it from the VM's map.
func (e *nativeEnv) mapLiteral(t *ast.MapNode) native {
	last := map[string]native{} // key → its value
	for _, p := range t.Pairs {
		pair, ok := p.(*ast.PairNode)
		if !ok {
			return nil
		}
		key, ok := pair.Key.(*ast.StringNode)
		if !ok {
			return nil
		}
		v := e.node(pair.Value)
		if _, repeated := last[key.Value]; v == nil || repeated {
			return nil // a repeated key: left to the VM
		}
		last[key.Value] = v
	}
	keys := slices.Sorted(maps.Keys(last))
	vals := make([]native, len(keys))
	for i, k := range keys {
		vals[i] = last[k]
	}
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		out := formats.NewRecord(len(keys))
		for i, k := range keys {
			v, _, ok := vals[i](r)
			if !ok {
				return formats.Null, nil, false
			}
			out.Add(k, v, formats.Pos{})
		}
		return formats.Nested(out), nil, true
	}
}

// listLiteral is [a, b, …].
func (e *nativeEnv) listLiteral(nodes []ast.Node) native {
	elems := make([]native, len(nodes))
	for i, n := range nodes {
		if elems[i] = e.node(n); elems[i] == nil {
			return nil
		}
	}
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		l := make([]formats.Value, len(elems))
		for i, el := range elems {
			v, _, ok := el(r)
			if !ok {
				return formats.Null, nil, false
			}
			l[i] = v
		}
		return formats.List(l), nil, true
	}
}

// concat is expr's concat(list, list, …); a part that is not a list goes
// to the VM (its error).
func (e *nativeEnv) concat(args []ast.Node) native {
	parts := make([]native, len(args))
	for i, n := range args {
		if parts[i] = e.node(n); parts[i] == nil {
			return nil
		}
	}
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		var l []formats.Value
		for _, part := range parts {
			v, _, ok := part(r)
			if !ok || v.Kind() != formats.KindList {
				return formats.Null, nil, false
			}
			l = append(l, v.List()...)
		}
		if l == nil {
			l = []formats.Value{}
		}
		return formats.List(l), nil, true
	}
}

// varsChain is vars.name for a var that is text.
func (e *nativeEnv) varsChain(t *ast.MemberNode) native {
	id, ok := t.Node.(*ast.IdentifierNode)
	if !ok || id.Value != envVars || t.Optional || t.Method {
		return nil
	}
	key, ok := t.Property.(*ast.StringNode)
	if !ok {
		return nil
	}
	s, ok := e.vars[key.Value].(string)
	if !ok {
		return nil
	}
	return constant(formats.String(s))
}

// lookupColumn is lookup("table", Key, …).Column with text keys: the row's
// text in that column, null for a column the table lacks. A key that is
// not text, a missing row or a failing table go to the VM (its error).
func (e *nativeEnv) lookupColumn(t *ast.MemberNode) native {
	call, ok := t.Node.(*ast.CallNode)
	if !ok || e.lookup == nil || t.Optional || t.Method {
		return nil
	}
	fn, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || fn.Value != "lookup" || len(call.Arguments) < 2 {
		return nil
	}
	table, ok1 := call.Arguments[0].(*ast.StringNode)
	col, ok2 := t.Property.(*ast.StringNode)
	if !ok1 || !ok2 {
		return nil
	}
	keys := make([]native, len(call.Arguments)-1)
	for i, n := range call.Arguments[1:] {
		if keys[i] = e.operand(n); keys[i] == nil {
			return nil
		}
	}
	lookup := e.lookup
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		ks := make([]string, len(keys))
		for i, k := range keys {
			v, _, ok := k(r)
			if !ok || v.Kind() != formats.KindString {
				return formats.Null, nil, false
			}
			ks[i] = v.Text()
		}
		row, found, err := lookup(table.Value, ks...)
		if err != nil || !found {
			return formats.Null, nil, false
		}
		m, ok := row.(map[string]any)
		if !ok {
			return formats.Null, nil, false
		}
		switch x := m[col.Value].(type) {
		case nil:
			return formats.Null, nil, true
		case string:
			return formats.String(x), nil, true
		}
		return formats.Null, nil, false
	}
}

// addInt is X + n and X - n for a number X (field or member chain) and a
// whole number n: the library's decimal sum, written as the VM writes it.
func (e *nativeEnv) addInt(t *ast.BinaryNode) native {
	n, ok := t.Right.(*ast.IntegerNode)
	if !ok {
		return nil
	}
	x := e.operand(t.Left)
	if x == nil {
		return nil
	}
	if _, isConst := t.Left.(*ast.IntegerNode); isConst {
		return nil // int + int stays an int in the VM
	}
	d := decimal.NewFromInt(int64(n.Value))
	if t.Operator == "-" {
		d = d.Neg()
	}
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		v, src, ok := x(r)
		if !ok || v.Kind() != formats.KindNumber {
			return formats.Null, nil, false
		}
		a, err := decimal.NewFromString(v.Text())
		if err != nil {
			return formats.Null, nil, false
		}
		return formats.Number(decimalText(a.Add(d))), src, true
	}
}

// rootNames are the field names an expression tree reads, each once.
func rootNames(n ast.Node) []string {
	v := readNames(n)
	var names []string
	for _, name := range v.names {
		if v.isField(name) {
			names = append(names, name)
		}
	}
	return names
}

// fmtDENative is fmtDE(X, places) for a field or member chain X that holds
// a number: the library's own formatting (germanText of StringFixed)
// without the VM. Text, null and anything else go to the VM (its
// conversion and errors).
func fmtDENative(t *ast.CallNode) native {
	id, ok := t.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != "fmtDE" || len(t.Arguments) != 2 {
		return nil
	}
	places, ok := t.Arguments[1].(*ast.IntegerNode)
	if !ok || places.Value < 0 || places.Value > maxPlaces {
		return nil
	}
	arg := fieldOrChain(t.Arguments[0])
	if arg == nil {
		return nil
	}
	n := int32(places.Value)
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		v, src, ok := arg(r)
		if !ok || v.Kind() != formats.KindNumber {
			return formats.Null, nil, false
		}
		d, err := decimal.NewFromString(v.Text())
		if err != nil {
			return formats.Null, nil, false
		}
		return formats.String(germanText(d.StringFixed(n), false)), src, true
	}
}

// memberChain reads A.b.c (constant keys, no ?.) through nested records.
// Only values that convert to the VM and back unchanged come out this way
// (passesVM): text, null, true/false and numbers in the VM's own form.
// Other numbers, nested values, a missing key and a step into something
// that is not a record are left to the VM.
func memberChain(m *ast.MemberNode) native {
	var keys []string
	var n ast.Node = m
	for {
		mn, ok := n.(*ast.MemberNode)
		if !ok {
			break
		}
		key, ok := mn.Property.(*ast.StringNode)
		if !ok || mn.Optional || mn.Method {
			return nil
		}
		keys = append(keys, key.Value)
		n = mn.Node
	}
	root, ok := identName(n)
	if !ok {
		return nil
	}
	for i, j := 0, len(keys)-1; i < j; i, j = i+1, j-1 {
		keys[i], keys[j] = keys[j], keys[i]
	}
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		f := r.Field(root)
		if f == nil {
			return formats.Null, nil, false
		}
		v := f.Value
		for _, k := range keys {
			rec := v.Record()
			if rec == nil {
				return formats.Null, nil, false
			}
			// the last field of the name, as the VM's map of the record has it
			i := len(rec.Fields) - 1
			for i >= 0 && rec.Fields[i].Name != k {
				i--
			}
			if i < 0 {
				return formats.Null, nil, false
			}
			v = rec.Fields[i].Value
		}
		if passesVM(v) {
			return v, f, true
		}
		return formats.Null, nil, false
	}
}

// passesVM reports whether v comes out of the VM unchanged: text, null,
// true/false, and numbers written the way decimalText writes them back
// ("12.3400", "-3", "0"; not "1e5", "007", "+1", ".5" or "-0").
func passesVM(v formats.Value) bool {
	switch v.Kind() {
	case formats.KindString, formats.KindNull, formats.KindBool:
		return true
	case formats.KindNumber:
		return canonicalNumber(v.Text())
	}
	return false
}

// canonicalNumber reports whether s is -?(0|[1-9][0-9]*)(\.[0-9]+)? and
// not a negative zero: the form a decimal read from s is written in.
func canonicalNumber(s string) bool {
	i, neg := 0, false
	if i < len(s) && s[i] == '-' {
		i, neg = 1, true
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return false
	}
	if i < len(s) {
		if s[i] != '.' || i+1 == len(s) {
			return false
		}
		for i++; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
	}
	if neg && strings.Trim(s[1:], "0.") == "" {
		return false
	}
	return true
}

// fieldScalar reads a top-level field whose value passes the VM unchanged.
func fieldScalar(name string) native {
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		f := r.Field(name)
		if f == nil {
			return formats.Null, nil, false
		}
		if passesVM(f.Value) {
			return f.Value, f, true
		}
		return formats.Null, nil, false
	}
}

// textFunc applies fn to a text field.
func textFunc(field string, fn func(string) string) native {
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		f := r.Field(field)
		if f == nil || f.Value.Kind() != formats.KindString {
			return formats.Null, nil, false
		}
		return formats.String(fn(f.Value.Text())), f, true
	}
}

func identName(n ast.Node) (string, bool) {
	id, ok := n.(*ast.IdentifierNode)
	if !ok || id.Value == "$env" || id.Value == envInput || id.Value == envVars {
		return "", false
	}
	return id.Value, true
}

// coalesceFields is A ?? B for two field names (ShippingAddress ??
// BillingAddress): the first that is not null, as the VM gives it back
// (vmRoundTrip: a nested record rebuilt with its keys sorted, a repeated
// key once, numbers in the VM's form; positions kept). Both fields must
// exist, as the VM's environment needs both. (Handing the record on as it
// is would keep its order too, but then A ?? B would write other files
// than A ?? B ?? C, which goes through the VM.)
func coalesceFields(t *ast.BinaryNode) native {
	a, ok1 := identName(t.Left)
	b, ok2 := identName(t.Right)
	if !ok1 || !ok2 {
		return nil
	}
	return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
		fa, fb := r.Field(a), r.Field(b)
		if fa == nil || fb == nil {
			return formats.Null, nil, false
		}
		f := fa
		if f.Value.IsNull() {
			f = fb
		}
		v, ok := vmRoundTrip(f.Value)
		return v, f, ok
	}
}

// vmRoundTrip is fromExpr(toExpr(v)) without the maps and decimals in
// between where it can: what a value looks like after the VM passed it
// on. Nested records come back with their keys sorted (a repeated key
// once, its last value), as fromExpr makes them — but each field keeps
// its position, which the VM's maps lose: the values written are the
// VM's, a later error in them can still name its line.
func vmRoundTrip(v formats.Value) (formats.Value, bool) {
	switch v.Kind() {
	case formats.KindRecord:
		// the fields' indexes in name order (stable: of a repeated name
		// the last comes last, and is the one kept)
		rec := v.Record()
		var buf [32]int
		idx := buf[:0]
		for i := range rec.Fields {
			idx = append(idx, i)
		}
		slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(rec.Fields[a].Name, rec.Fields[b].Name) })
		out := formats.NewRecord(len(idx))
		for k, i := range idx {
			if k+1 < len(idx) && rec.Fields[idx[k+1]].Name == rec.Fields[i].Name {
				continue // a later field of this name wins
			}
			fv, ok := vmRoundTrip(rec.Fields[i].Value)
			if !ok {
				return formats.Null, false
			}
			out.Add(rec.Fields[i].Name, fv, rec.Fields[i].Pos)
		}
		return formats.Nested(out), true
	case formats.KindList:
		l := v.List()
		out := make([]formats.Value, len(l))
		for i := range l {
			var ok bool
			if out[i], ok = vmRoundTrip(l[i]); !ok {
				return formats.Null, false
			}
		}
		return formats.List(out), true
	}
	if passesVM(v) {
		return v, true
	}
	v, err := fromExpr(toExpr(v))
	return v, err == nil
}
