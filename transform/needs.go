package transform

import (
	"github.com/expr-lang/expr/ast"

	"github.com/ferry-sync/ferry/formats"
)

// need is the part of a field's value an expression reads. Nested values
// (an order's BillingAddress, its OrderItems) are converted into maps and
// slices for the expression VM before every run; an expression that reads
// item.Sku needs only that one key, not the item's other 25 fields with
// their decimals. A nil *need, or all, means the whole value.
type need struct {
	all   bool
	count bool             // only the number of elements or keys (len)
	keys  map[string]*need // a record: only these keys
	elem  *need            // a list: every element, only this part
}

// add records that the expression reads the path below n.
func (n *need) add(path []pathStep) {
	if n.all {
		return
	}
	if len(path) == 0 || n.count {
		*n = need{all: true} // a count and parts together: all of it
		return
	}
	n.child(path[0]).add(path[1:])
}

// child is the need of the element (an index) or of the key s below n,
// made on first use.
func (n *need) child(s pathStep) *need {
	if s.index {
		if n.elem == nil {
			n.elem = &need{}
		}
		return n.elem
	}
	if n.keys == nil {
		n.keys = map[string]*need{}
	}
	k := n.keys[s.key]
	if k == nil {
		k = &need{}
		n.keys[s.key] = k
	}
	return k
}

// addCount records that the expression takes len() of the value at path.
func (n *need) addCount(path []pathStep) {
	if n.all {
		return
	}
	if len(path) == 0 {
		if n.keys != nil || n.elem != nil {
			*n = need{all: true}
			return
		}
		n.count = true
		return
	}
	if n.count {
		*n = need{all: true}
		return
	}
	n.child(path[0]).addCount(path[1:])
}

// pathStep is one step of a member chain: a constant key or any index.
type pathStep struct {
	key   string
	index bool
}

// fewKeys is the number of needed keys up to which toExprNeed looks them
// up in a record one by one rather than hashing each of its field names.
const fewKeys = 4

// toExprNeed converts v like toExpr, but only the parts n names. Where the
// value's shape does not fit n (keys on a list, an index on a record) the
// whole value is converted, so that the expression fails or gives nil
// exactly as it would with the whole value.
func toExprNeed(v formats.Value, n *need) any {
	if n == nil || n.all {
		return toExpr(v)
	}
	if n.count {
		// len() of a list counts elements and of a record its keys:
		// placeholders give the same numbers without converting values
		switch v.Kind() {
		case formats.KindList:
			return make([]any, len(v.List()))
		case formats.KindRecord:
			r := v.Record()
			m := make(map[string]any, len(r.Fields))
			for _, f := range r.Fields {
				m[f.Name] = nil
			}
			return m
		}
		return toExpr(v)
	}
	switch v.Kind() {
	case formats.KindRecord:
		if n.elem != nil {
			return toExpr(v)
		}
		r := v.Record()
		m := make(map[string]any, len(n.keys))
		if len(n.keys) <= fewKeys {
			// A few keys of a record (parent.Ort, z.Netto): look each up
			// from the end (a repeated name: the last wins, as in toExpr)
			// instead of hashing every field name of the record.
			for name, k := range n.keys {
				for i := len(r.Fields) - 1; i >= 0; i-- {
					if r.Fields[i].Name == name {
						m[name] = toExprNeed(r.Fields[i].Value, k)
						break
					}
				}
			}
			return m
		}
		for _, f := range r.Fields {
			if k, ok := n.keys[f.Name]; ok {
				m[f.Name] = toExprNeed(f.Value, k) // a repeated name: the last wins, as in toExpr
			}
		}
		return m
	case formats.KindList:
		if len(n.keys) > 0 || n.elem == nil {
			return toExpr(v)
		}
		l := v.List()
		out := make([]any, len(l))
		for i := range l {
			out[i] = toExprNeed(l[i], n.elem)
		}
		return out
	}
	return toExpr(v)
}

// elementBuiltins take a list and a predicate over its elements and give
// back no element itself (only a number, a truth or the predicate's
// values): a predicate reading .Price needs only that key of each element.
// filter, find, sortBy … return elements, which could be read further.
var elementBuiltins = map[string]bool{
	"map": true, "all": true, "any": true, "none": true, "one": true, "count": true,
	"sum": true, "findIndex": true, "findLastIndex": true,
}

// fieldNeeds works out, for each field name, what part of its value the
// compiled expression tree reads: member chains with constant keys
// (BillingAddress.Country.TwoLetterIsoCode, item["#text"], Items[0].Sku)
// and predicates of element builtins over such a chain (sum(OrderItems,
// .PriceInclTax)) read parts; any other use of a name reads all of it.
func fieldNeeds(root ast.Node) map[string]*need {
	// Pass 1: the nodes that are part of a longer chain or the list of an
	// element builtin whose predicate reads only constant member chains of
	// its element; those builtins' paths are recorded at once. Counted per
	// occurrence: the library's patches use one node in two places
	// (sortBy(l, p) becomes _ferry_sortBy(l, map(l, p))), and only one of
	// them may be a part.
	consumed := map[ast.Node]int{}
	needs := map[string]*need{}
	needOf := func(name string) *need {
		n := needs[name]
		if n == nil {
			n = &need{}
			needs[name] = n
		}
		return n
	}
	ast.Walk(&root, visitFunc(func(n ast.Node) {
		switch t := n.(type) {
		case *ast.MemberNode:
			if _, ok := constStep(t.Property); ok {
				consumed[t.Node]++
			}
		case *ast.ChainNode:
			consumed[t.Node]++
		case *ast.BuiltinNode:
			if t.Name == "len" && len(t.Arguments) == 1 {
				if name, path, ok := memberPath(t.Arguments[0]); ok {
					consumed[t.Arguments[0]]++
					needOf(name).addCount(path)
				}
				return
			}
			if !elementBuiltins[t.Name] || len(t.Arguments) != 2 {
				return
			}
			name, path, ok := memberPath(t.Arguments[0])
			if !ok {
				return
			}
			elems, ok := predicatePaths(t.Arguments[1])
			if !ok {
				return
			}
			consumed[t.Arguments[0]]++
			for _, e := range elems {
				needOf(name).add(append(append(append([]pathStep(nil), path...), pathStep{index: true}), e...))
			}
		}
	}))
	// Pass 2: every chain and name not consumed is a read of its path.
	ast.Walk(&root, visitFunc(func(n ast.Node) {
		if consumed[n] > 0 {
			consumed[n]--
			return
		}
		switch n.(type) {
		case *ast.IdentifierNode, *ast.MemberNode, *ast.ChainNode:
			if name, path, ok := memberPath(n); ok {
				needOf(name).add(path)
			}
		}
	}))
	return needs
}

// memberPath resolves a chain of constant member accesses on a name.
func memberPath(n ast.Node) (string, []pathStep, bool) {
	switch t := n.(type) {
	case *ast.IdentifierNode:
		return t.Value, nil, true
	case *ast.ChainNode:
		return memberPath(t.Node)
	case *ast.MemberNode:
		s, ok := constStep(t.Property)
		if !ok {
			return "", nil, false
		}
		name, path, ok := memberPath(t.Node)
		if !ok {
			return "", nil, false
		}
		return name, append(path, s), true
	}
	return "", nil, false
}

// constStep is the step of a constant member property: a string key or an
// integer index.
func constStep(n ast.Node) (pathStep, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return pathStep{key: t.Value}, true
	case *ast.IntegerNode:
		return pathStep{index: true}, true
	}
	return pathStep{}, false
}

// predicatePaths returns the member chains a predicate reads of its
// element (#.a.b or .a.b); ok is false when it uses the element in any
// other way (# alone, #index, a nested predicate).
func predicatePaths(n ast.Node) ([][]pathStep, bool) {
	pred, ok := n.(*ast.PredicateNode)
	if !ok {
		return nil, false
	}
	inChain := map[ast.Node]int{} // per occurrence, as in fieldNeeds
	var paths [][]pathStep
	good := true
	body := pred.Node
	ast.Walk(&body, visitFunc(func(n ast.Node) {
		switch t := n.(type) {
		case *ast.PredicateNode:
			good = false
		case *ast.MemberNode:
			if _, ok := constStep(t.Property); ok {
				inChain[t.Node]++
			}
		case *ast.ChainNode:
			inChain[t.Node]++
		}
	}))
	ast.Walk(&body, visitFunc(func(n ast.Node) {
		if inChain[n] > 0 {
			inChain[n]--
			if p, ok := n.(*ast.PointerNode); ok && p.Name != "" {
				good = false
			}
			return
		}
		switch t := n.(type) {
		case *ast.PointerNode:
			good = false // # alone or #index
		case *ast.MemberNode, *ast.ChainNode:
			if path, ok := elementPath(t); ok {
				paths = append(paths, path)
			}
		}
	}))
	return paths, good
}

// elementPath resolves a chain of constant member accesses on the
// predicate's element (#).
func elementPath(n ast.Node) ([]pathStep, bool) {
	switch t := n.(type) {
	case *ast.PointerNode:
		return nil, t.Name == ""
	case *ast.ChainNode:
		return elementPath(t.Node)
	case *ast.MemberNode:
		s, ok := constStep(t.Property)
		if !ok {
			return nil, false
		}
		path, ok := elementPath(t.Node)
		if !ok {
			return nil, false
		}
		return append(path, s), true
	}
	return nil, false
}

// visitFunc adapts a function to ast.Visitor.
type visitFunc func(ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(*n) }
