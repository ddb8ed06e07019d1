package transform

// Operators on decimals, and the compile-time patcher that installs them.
//
// expr computes + - * / % ** and the comparisons itself on ints and
// float64, and knows nothing of decimal.Decimal. The patcher rewrites the
// syntax tree after type checking:
//
//   - Every float literal (1.19) becomes a decimal constant with the
//     literal's value, so there are no float64 values in an expression.
//   - A binary operator whose operands are numbers of which at least one
//     is a decimal, or whose type is only known at run time (a field of an
//     untyped record), becomes a call of one of the functions below. They
//     compute on decimals when either operand is a number that is not an
//     int, and otherwise do what expr would do (int arithmetic, joining
//     texts, comparing dates).
//   - int / int and int ** int, which expr computes as float64, become
//     decimal division (16 places) and exact powers.
//   - Unary minus on a decimal or an unknown value, and the in operator
//     with a decimal or unknown needle, are rewritten the same way.
//   - Arguments that are constants (regular expressions, date layouts,
//     time zones, charsets, decimal literals) are checked, so that a typo
//     in a pipeline is an error when the configuration is loaded instead of
//     on the first record.
//
// expr.Operator cannot do this: its overloads are chosen by static types,
// and an overload for interface operands would capture every int and
// string operation too.

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/shopspring/decimal"
)

var (
	decimalType = reflect.TypeOf(decimal.Decimal{})
	anyType     = reflect.TypeOf((*any)(nil)).Elem()
	boolType    = reflect.TypeOf(true)
)

// The names of the operator functions. They cannot clash with a field of a
// record (fields do not start with "_ferry_").
const (
	fnAdd = "_ferry_add"
	fnSub = "_ferry_sub"
	fnMul = "_ferry_mul"
	fnDiv = "_ferry_div"
	fnMod = "_ferry_mod"
	fnPow = "_ferry_pow"
	fnEq  = "_ferry_eq"
	fnNe  = "_ferry_ne"
	fnLt  = "_ferry_lt"
	fnLe  = "_ferry_le"
	fnGt  = "_ferry_gt"
	fnGe  = "_ferry_ge"
	fnNeg = "_ferry_neg"
	fnIn  = "_ferry_in"
	// sum and sortBy stay expr's predicate builtins in the syntax
	// (sum(items, .Price)); the patcher hands them to these.
	fnSum    = "_ferry_sum"
	fnSortBy = "_ferry_sortBy"
)

// arithFunc returns the function of an arithmetic operator, or "".
func arithFunc(op string) string {
	switch op {
	case "+":
		return fnAdd
	case "-":
		return fnSub
	case "*":
		return fnMul
	case "/":
		return fnDiv
	case "%":
		return fnMod
	case "**", "^":
		return fnPow
	}
	return ""
}

// compareFunc returns the function of a comparison operator, or "".
func compareFunc(op string) string {
	switch op {
	case "==":
		return fnEq
	case "!=":
		return fnNe
	case "<":
		return fnLt
	case "<=":
		return fnLe
	case ">":
		return fnGt
	case ">=":
		return fnGe
	}
	return ""
}

func (l *lib) opSpecs() []spec {
	arith := func(op string) func(a []any) (any, error) {
		return func(a []any) (any, error) { return arith(op, a[0], a[1]) }
	}
	cmp := func(op string) func(a []any) (any, error) {
		return func(a []any) (any, error) { return compare(op, a[0], a[1]) }
	}
	at := []any{new(func(any, any) any)}
	ct := []any{new(func(any, any) bool)}
	return []spec{
		{fnAdd, arith("+"), at},
		{fnSub, arith("-"), at},
		{fnMul, arith("*"), at},
		{fnDiv, arith("/"), at},
		{fnMod, arith("%"), at},
		{fnPow, arith("**"), at},
		{fnEq, cmp("=="), ct},
		{fnNe, cmp("!="), ct},
		{fnLt, cmp("<"), ct},
		{fnLe, cmp("<="), ct},
		{fnGt, cmp(">"), ct},
		{fnGe, cmp(">="), ct},
		{fnNeg, func(a []any) (any, error) { return negate(a[0]) }, []any{new(func(any) any)}},
		{fnIn, func(a []any) (any, error) { return in(a[0], a[1]) }, ct},
		{fnSum, l.fnSum, []any{new(func(any) decimal.Decimal)}},
		{fnSortBy, l.fnSortBy, []any{new(func(any, any) []any), new(func(any, any, any) []any)}},
	}
}

// ---------------------------------------------------------------------------
// Run time

type numKind uint8

const (
	notNum numKind = iota
	intNum
	floatNum
	decNum
)

func kindOf(v any) numKind {
	switch v.(type) {
	case decimal.Decimal:
		return decNum
	case float64, float32:
		return floatNum
	}
	if _, ok := intOf(v); ok {
		return intNum
	}
	return notNum
}

// arith computes x op y: exact int arithmetic for two ints (+ - * %),
// decimal arithmetic for any other pair of numbers, and expr's own
// operation for everything else.
func arith(op string, x, y any) (any, error) {
	kx, ky := kindOf(x), kindOf(y)
	if kx == intNum && ky == intNum && op != "/" && op != "**" {
		a, _ := intOf(x)
		b, _ := intOf(y)
		if r, ok := intArith(op, a, b); ok {
			return int(r), nil
		}
		if op == "%" {
			return nil, errf(op, "division by zero: %d %% 0", a)
		}
		// Overflow: go on in decimals.
	}
	if kx != notNum && ky != notNum {
		a, _ := toDec(x)
		b, _ := toDec(y)
		return decArith(op, a, b)
	}
	if kx == decNum || ky == decNum || kx == floatNum || ky == floatNum {
		return nil, opError(op, x, y)
	}
	return safeRuntime(op, x, y)
}

// intArith is int64 arithmetic; false on overflow or division by zero.
func intArith(op string, a, b int64) (int64, bool) {
	switch op {
	case "+":
		r := a + b
		return r, (r > a) == (b > 0) || b == 0
	case "-":
		r := a - b
		return r, (r < a) == (b > 0) || b == 0
	case "*":
		if a == 0 || b == 0 {
			return 0, true
		}
		r := a * b
		return r, r/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64)
	case "%":
		if b == 0 {
			return 0, false
		}
		if b == -1 {
			return 0, true
		}
		return a % b, true
	}
	return 0, false
}

func decArith(op string, a, b decimal.Decimal) (any, error) {
	switch op {
	case "+":
		return a.Add(b), nil
	case "-":
		return a.Sub(b), nil
	case "*":
		return a.Mul(b), nil
	case "/":
		if b.IsZero() {
			return nil, errf(op, "division by zero: %s / 0", a.String())
		}
		return a.DivRound(b, divPlaces), nil
	case "%":
		if b.IsZero() {
			return nil, errf(op, "division by zero: %s %% 0", a.String())
		}
		return a.Mod(b), nil
	case "**":
		if !b.IsInteger() || b.Sign() < 0 || b.Cmp(decimal.NewFromInt(maxPower)) > 0 {
			return nil, errf(op, "%s ** %s: the exponent must be a whole number from 0 to %d", a.String(), b.String(), maxPower)
		}
		return powDec(a, int(b.IntPart())), nil
	}
	return nil, errf(op, "unknown operator %s", op)
}

// maxPower bounds exponents, so that x ** 1000000 cannot hang a run.
const maxPower = 64

func powDec(a decimal.Decimal, n int) decimal.Decimal {
	r := decimal.NewFromInt(1)
	for n > 0 {
		if n&1 == 1 {
			r = r.Mul(a)
		}
		a = a.Mul(a)
		n >>= 1
	}
	return r
}

// opError explains why x op y cannot be computed.
func opError(op string, x, y any) error {
	var msg string
	switch op {
	case "+":
		msg = fmt.Sprintf("cannot add %s and %s", show(x), show(y))
	case "-":
		msg = fmt.Sprintf("cannot subtract %s from %s", show(y), show(x))
	case "*":
		msg = fmt.Sprintf("cannot multiply %s by %s", show(x), show(y))
	case "/", "%":
		msg = fmt.Sprintf("cannot divide %s by %s", show(x), show(y))
	case "**":
		msg = fmt.Sprintf("cannot raise %s to the power %s", show(x), show(y))
	case "-x":
		msg = fmt.Sprintf("cannot negate %s", show(x))
	default:
		msg = fmt.Sprintf("cannot compare %s with %s", show(x), show(y))
	}
	_, xs := x.(string)
	_, ys := y.(string)
	if (xs && kindOf(y) != notNum) || (ys && kindOf(x) != notNum) {
		msg += " (a text is not a number: convert it with dec() or deDec())"
	}
	return &FuncError{Func: op, Msg: msg}
}

// safeRuntime runs expr's own operator and turns its panic into an error.
func safeRuntime(op string, x, y any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, opError(op, x, y)
		}
	}()
	switch op {
	case "+":
		return runtime.Add(x, y), nil
	case "-":
		return runtime.Subtract(x, y), nil
	case "*":
		return runtime.Multiply(x, y), nil
	case "<":
		return runtime.Less(x, y), nil
	case "<=":
		return runtime.LessOrEqual(x, y), nil
	case ">":
		return runtime.More(x, y), nil
	case ">=":
		return runtime.MoreOrEqual(x, y), nil
	case "-x":
		return runtime.Negate(x), nil
	case "in":
		return runtime.In(x, y), nil
	}
	return nil, opError(op, x, y)
}

// compare computes x op y: numbers by value (1.5 == 1.50, 2 == 2.0), other
// values as expr does. A number compared with a text is an error, not a
// silent false.
func compare(op string, x, y any) (any, error) {
	kx, ky := kindOf(x), kindOf(y)
	if kx != notNum && ky != notNum {
		var c int
		if kx == intNum && ky == intNum {
			a, _ := intOf(x)
			b, _ := intOf(y)
			c = cmpInt(a, b)
		} else {
			a, _ := toDec(x)
			b, _ := toDec(y)
			c = a.Cmp(b)
		}
		switch op {
		case "==":
			return c == 0, nil
		case "!=":
			return c != 0, nil
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		case ">=":
			return c >= 0, nil
		}
	}
	_, xs := x.(string)
	_, ys := y.(string)
	if (xs && ky != notNum) || (ys && kx != notNum) {
		return nil, opError(op, x, y)
	}
	if op == "==" || op == "!=" {
		return runtime.Equal(x, y) == (op == "=="), nil
	}
	if kx != notNum || ky != notNum {
		return nil, opError(op, x, y)
	}
	return safeRuntime(op, x, y)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func negate(x any) (any, error) {
	switch kindOf(x) {
	case intNum:
		n, _ := intOf(x)
		if n != math.MinInt64 {
			return int(-n), nil
		}
		fallthrough
	case decNum, floatNum:
		d, _ := toDec(x)
		return d.Neg(), nil
	}
	if x == nil {
		return nil, opError("-x", x, nil)
	}
	return safeRuntime("-x", x, nil)
}

// in reports whether the list holds x; numbers are compared by value.
func in(x, list any) (any, error) {
	if kindOf(x) == notNum {
		return safeRuntime("in", x, list)
	}
	var elems []any
	switch v := list.(type) {
	case []any:
		elems = v
	case nil:
		return false, nil
	default:
		rv := reflect.ValueOf(list)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return safeRuntime("in", x, list)
		}
		for i := 0; i < rv.Len(); i++ {
			if eq, _ := compare("==", x, rv.Index(i).Interface()); eq == true {
				return true, nil
			}
		}
		return false, nil
	}
	for _, e := range elems {
		if kindOf(e) == notNum {
			continue
		}
		if eq, _ := compare("==", x, e); eq == true {
			return true, nil
		}
	}
	return false, nil
}

// ---------------------------------------------------------------------------
// Compile time

// patchOption installs the patcher and the refusal of float().
func (l *lib) patchOption() expr.Option {
	return func(c *conf.Config) {
		c.Functions["float"] = refusal("float", "float() is not available: ferry keeps numbers exact; use dec(x) for a decimal")
		c.Visitors = append(c.Visitors, &patcher{l: l, c: c})
	}
}

// refusal is a function that is a compile-time error with msg.
func refusal(name, msg string) *builtin.Function {
	return &builtin.Function{
		Name: name,
		Func: func(...any) (any, error) { return nil, errors.New(msg) },
		Validate: func([]reflect.Type) (reflect.Type, error) {
			return anyType, errors.New(msg)
		},
	}
}

// patcher rewrites one expression's tree; one per compilation.
type patcher struct {
	l    *lib
	c    *conf.Config
	errs int
}

type operandKind uint8

const (
	opOther operandKind = iota
	opInt
	opFloat
	opDec
	opUnknown
	opString
)

func operand(n ast.Node) operandKind {
	if _, ok := n.(*ast.NilNode); ok {
		return opOther
	}
	t := n.Type()
	if t == nil {
		return opUnknown
	}
	if t == decimalType {
		return opDec
	}
	switch t.Kind() {
	case reflect.Interface:
		return opUnknown
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t == reflect.TypeOf(time.Duration(0)) {
			return opOther
		}
		return opInt
	case reflect.Float32, reflect.Float64:
		return opFloat
	case reflect.String:
		return opString
	}
	return opOther
}

func numeric(k operandKind) bool { return k == opInt || k == opFloat || k == opDec || k == opUnknown }

// Visit implements ast.Visitor; Walk visits children first, so operands
// are already rewritten (and typed) when their operator is visited.
func (p *patcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.FloatNode:
		if d, ok := floatDec(n.Value); ok {
			p.replace(node, &ast.ConstantNode{Value: d}, decimalType)
		}
	case *ast.UnaryNode:
		k := operand(n.Node)
		switch {
		case n.Operator == "-" && (k == opDec || k == opFloat):
			p.call(node, fnNeg, decimalType, n.Node)
		case n.Operator == "-" && k == opUnknown:
			p.call(node, fnNeg, anyType, n.Node)
		case n.Operator == "+" && k == opDec:
			ast.Patch(node, n.Node)
		}
	case *ast.BinaryNode:
		p.binary(node, n)
	case *ast.BuiltinNode:
		p.builtin(node, n)
	case *ast.CallNode:
		p.checkCall(node, n)
	}
}

func (p *patcher) binary(node *ast.Node, n *ast.BinaryNode) {
	l, r := operand(n.Left), operand(n.Right)
	arithFn, cmpFn := arithFunc(n.Operator), compareFunc(n.Operator)
	if arithFn == "" && cmpFn == "" && n.Operator != "in" {
		return
	}
	// A number and a text: a compile-time error for a decimal, a check at
	// run time for a value of unknown type.
	known := func(k operandKind) bool { return k == opInt || k == opFloat || k == opDec }
	if (l == opString && known(r)) || (r == opString && known(l)) {
		if n.Operator != "in" {
			p.refuse(node, n, fmt.Sprintf("cannot %s a number and a text with %s (a text is not a number: convert it with dec() or deDec())",
				verb(n.Operator), n.Operator))
		}
		return
	}
	if (l == opString && r == opUnknown) || (l == opUnknown && r == opString) {
		if fn := arithFn + cmpFn; fn != "" {
			t := anyType
			if cmpFn != "" {
				t = boolType
			}
			p.call(node, fn, t, n.Left, n.Right)
		}
		return
	}
	if fn := arithFn; fn != "" {
		if !numeric(l) || !numeric(r) {
			return
		}
		division := fn == fnDiv || fn == fnPow
		if l == opInt && r == opInt && !division {
			return
		}
		t := anyType
		if division || l == opDec || r == opDec || l == opFloat || r == opFloat {
			t = decimalType
		}
		p.call(node, fn, t, n.Left, n.Right)
		return
	}
	if fn := cmpFn; fn != "" {
		if !numeric(l) || !numeric(r) || (l == opInt && r == opInt) {
			return
		}
		p.call(node, fn, boolType, n.Left, n.Right)
		return
	}
	if n.Operator == "in" && (l == opDec || l == opUnknown || l == opInt) {
		rt := n.Right.Type()
		if rt == nil {
			rt = anyType
		}
		switch rt.Kind() {
		case reflect.Interface:
		case reflect.Slice, reflect.Array:
			ek := rt.Elem()
			if l == opInt && ek.Kind() != reflect.Interface && ek != decimalType {
				return
			}
		default:
			return
		}
		p.call(node, fnIn, boolType, n.Left, n.Right)
	}
}

// builtin hands sum and sortBy, whose syntax takes a predicate
// (sum(items, .Price * .Qty)), to functions that compute on decimals:
// sum(list, p) becomes _ferry_sum(map(list, p)), sortBy(list, p, order)
// becomes _ferry_sortBy(list, map(list, p), order).
func (p *patcher) builtin(node *ast.Node, n *ast.BuiltinNode) {
	mapped := func() ast.Node {
		return &ast.BuiltinNode{Name: "map", Arguments: []ast.Node{n.Arguments[0], n.Arguments[1]}}
	}
	switch {
	case n.Name == "sum" && len(n.Arguments) == 1:
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnSum}, Arguments: n.Arguments})
	case n.Name == "sum" && len(n.Arguments) == 2:
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnSum}, Arguments: []ast.Node{mapped()}})
	case n.Name == "sortBy" && len(n.Arguments) >= 2:
		args := append([]ast.Node{n.Arguments[0], mapped()}, n.Arguments[2:]...)
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnSortBy}, Arguments: args})
	}
}

// verb names what an operator does, for messages.
func verb(op string) string {
	switch op {
	case "+":
		return "add"
	case "-":
		return "subtract"
	case "*":
		return "multiply"
	case "/", "%":
		return "divide"
	case "**", "^":
		return "raise"
	}
	return "compare"
}

// refuse turns node into a compile-time error with msg.
func (p *patcher) refuse(node *ast.Node, n ast.Node, msg string) {
	p.errs++
	key := fmt.Sprintf("%s (invalid %d)", n.String(), p.errs)
	p.c.Functions[key] = refusal(key, msg)
	ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: key}})
}

// call replaces node by fn(args...) of type t.
func (p *patcher) call(node *ast.Node, fn string, t reflect.Type, args ...ast.Node) {
	c := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args}
	p.replace(node, c, t)
}

func (p *patcher) replace(node *ast.Node, n ast.Node, t reflect.Type) {
	ast.Patch(node, n)
	n.SetType(t)
}

// checkCall checks the constant arguments of a library call; a bad one
// turns the call into a compile-time error at its position.
func (p *patcher) checkCall(node *ast.Node, n *ast.CallNode) {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return
	}
	arg := func(i int) (string, bool) {
		if i >= len(n.Arguments) {
			return "", false
		}
		s, ok := n.Arguments[i].(*ast.StringNode)
		if !ok {
			return "", false
		}
		return s.Value, true
	}
	var err error
	name := id.Value
	switch name {
	case "reReplace", "reMatch", "reFind":
		if s, ok := arg(1); ok {
			_, err = p.l.regexp(name, s)
		}
	case "parseDate", "formatDate":
		if s, ok := arg(1); ok {
			err = checkLayout(name, s)
		}
		if s, ok := arg(2); ok && err == nil {
			_, err = p.l.zone(name, s)
		}
	case "toTZ":
		if s, ok := arg(1); ok {
			_, err = p.l.zone(name, s)
		}
	case "translit":
		if s, ok := arg(1); ok {
			_, err = p.l.charset(name, s)
		}
	case "padLeft", "padRight":
		if s, ok := arg(2); ok {
			_, err = padChar(name, s)
		}
	case "dec":
		if s, ok := arg(0); ok {
			if _, msg := parseInvariant(s); msg != "" {
				err = errors.New("dec: " + msg)
			}
		}
	case "deDec":
		if s, ok := arg(0); ok {
			thousands := false
			if len(n.Arguments) > 1 {
				b, isBool := n.Arguments[1].(*ast.BoolNode)
				thousands = isBool && b.Value
				if !isBool {
					break
				}
			}
			if _, msg := parseGerman(s, thousands); msg != "" {
				err = errors.New("deDec: " + msg)
			}
		}
	case "parseISO":
		if s, ok := arg(0); ok {
			_, err = parseISO(s)
		}
	}
	if err == nil {
		return
	}
	msg := err.Error()
	var fe *FuncError
	if errors.As(err, &fe) && !strings.HasPrefix(fe.Msg, name+":") {
		msg = name + ": " + fe.Msg
	}
	p.refuse(node, n, msg)
}
