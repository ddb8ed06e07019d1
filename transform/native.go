package transform

import (
	"slices"
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

// nativeFor recognises, in the parsed source of an expression:
//
//	"text"                          a constant
//	replace(Field, "old", "new")    expr's replace on a text field
//	trim(Field), upper(Field), lower(Field)
//	Field == "x" ? "a" : "b"        (also !=, and any of the parts above)
//
// overridden names functions the library replaces (their meaning is not
// expr's builtin then).
func nativeFor(src string, overridden map[string]bool) native {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	return nativeNode(tree.Node, overridden)
}

func nativeNode(n ast.Node, overridden map[string]bool) native {
	switch t := n.(type) {
	case *ast.StringNode:
		v := formats.String(t.Value)
		return func(*formats.Record) (formats.Value, *formats.Field, bool) { return v, nil, true }
	case *ast.BuiltinNode:
		if overridden[t.Name] {
			return nil
		}
		switch {
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
		return memberChain(t)
	case *ast.BinaryNode:
		// A.b.c ?? "text": the chain's text, or the text where it is null
		if t.Operator != "??" {
			return nil
		}
		lit, ok := t.Right.(*ast.StringNode)
		if !ok {
			return coalesceFields(t)
		}
		var left native
		if name, ok := identName(t.Left); ok {
			left = fieldScalar(name)
		} else if m, ok := t.Left.(*ast.MemberNode); ok {
			left = memberChain(m)
		}
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
		cond, ok := t.Cond.(*ast.BinaryNode)
		if !ok || (cond.Operator != "==" && cond.Operator != "!=") {
			return nil
		}
		// Field == "text" compares text; Field == 10 compares a number
		// (as a decimal, as the library's == does)
		lit, isText := cond.Right.(*ast.StringNode)
		num, isNum := cond.Right.(*ast.IntegerNode)
		if !isText && !isNum {
			return nil
		}
		var numVal decimal.Decimal
		if isNum {
			numVal = decimal.NewFromInt(int64(num.Value))
		}
		var left native
		if name, ok := identName(cond.Left); ok {
			left = fieldScalar(name)
		} else if m, ok := cond.Left.(*ast.MemberNode); ok {
			left = memberChain(m)
		}
		yes, no := nativeNode(t.Exp1, overridden), nativeNode(t.Exp2, overridden)
		if left == nil || yes == nil || no == nil {
			return nil
		}
		// the VM needs every field the expression names, whichever branch
		// it takes: a missing one is its error, not the shortcut's answer
		roots := rootNames(t)
		want := cond.Operator == "=="
		return func(r *formats.Record) (formats.Value, *formats.Field, bool) {
			for _, name := range roots {
				if r.Field(name) == nil {
					return formats.Null, nil, false
				}
			}
			c, f, ok := left(r)
			var equal bool
			switch {
			case !ok:
				return formats.Null, nil, false
			case isText && c.Kind() == formats.KindString:
				equal = c.Text() == lit.Value
			case isNum && c.Kind() == formats.KindNumber:
				d, err := decimal.NewFromString(c.Text())
				if err != nil {
					return formats.Null, nil, false
				}
				equal = d.Equal(numVal)
			default:
				return formats.Null, nil, false
			}
			pick := no
			if equal == want {
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

// rootNames are the field names an expression tree reads (identifiers
// other than input, vars and $env), each once.
func rootNames(n ast.Node) []string {
	var names []string
	seen := map[string]bool{}
	ast.Walk(&n, visitFunc(func(n ast.Node) {
		if c, ok := n.(*ast.CallNode); ok {
			if id, ok := c.Callee.(*ast.IdentifierNode); ok {
				seen[id.Value] = true // a function, not a field
			}
		}
	}))
	ast.Walk(&n, visitFunc(func(n ast.Node) {
		if name, ok := identName(n); ok && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}))
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
	var arg native
	if name, ok := identName(t.Arguments[0]); ok {
		arg = fieldScalar(name)
	} else if m, ok := t.Arguments[0].(*ast.MemberNode); ok {
		arg = memberChain(m)
	}
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
