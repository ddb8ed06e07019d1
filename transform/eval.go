package transform

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// evalField computes one output value and the source position to keep with
// it: a copied field keeps its own position; an expression over exactly one
// field takes that field's position; anything else the record's.
func evalField(p *program, r *formats.Record, st *RunState) (formats.Value, formats.Pos, error) {
	if p.copyOf != "" {
		f := r.Field(p.copyOf)
		if f == nil {
			return formats.Null, r.Pos, missingField(p.copyOf, r)
		}
		return f.Value, f.Pos, nil
	}
	var v formats.Value
	var src *formats.Field
	ok := false
	if p.native != nil {
		// Straight to a Value: going through p.eval would box it in an
		// interface (one allocation per field and record) only to unbox it.
		v, src, ok = p.native(r)
	}
	if !ok {
		x, err := p.evalVM(r, st.ev) // not p.eval: the shortcut has just declined
		if err != nil {
			return formats.Null, r.Pos, err
		}
		if v, err = fromExpr(x); err != nil {
			return formats.Null, r.Pos, err
		}
	}
	pos := r.Pos
	if len(p.fields) == 1 {
		switch {
		case ok && src != nil:
			pos = src.Pos // the one field the shortcut read: p.fields[0]
		default:
			if f := r.Field(p.fields[0]); f != nil {
				pos = f.Pos
			}
		}
	}
	return v, pos, nil
}

// fieldError turns an error of one expression on one record into a
// record-level DataError in the project's style:
//
//	artikel-bad-decimal.csv:3: field "VK1": "12,5x" is not a decimal
//
// When the expression reads exactly one input field, the message names
// that field and its position (that is where the accountant looks);
// otherwise it names the output field and shows the expression.
func fieldError(st *RunState, r *formats.Record, out string, p *program, err error) error {
	if de := formats.AsDataError(err); de != nil {
		if de.File == "" {
			de.File = st.File
		}
		return de
	}
	de := &formats.DataError{File: st.File, Pos: r.Pos, Field: out, RecordOnly: true, Err: err}
	var mf *errMissingField
	switch {
	case errors.As(err, &mf):
		de.Field = ""
		de.Msg = mf.Error()
	case len(p.fields) == 1 && p.copyOf == "":
		de.Field = p.fields[0]
		if f := r.Field(p.fields[0]); f != nil {
			de.Pos = f.Pos
		}
		de.Msg = exprMessage(err)
	default:
		de.Msg = exprMessage(err)
		if p.copyOf == "" {
			de.Msg += " (in " + p.src + ")"
		}
	}
	return de
}

// exprPos matches the " (1:5)" expr appends to runtime errors.
var exprPos = regexp.MustCompile(` \(\d+:\d+\)$`)

// exprMessage is the first line of an expr error without expr's position
// suffix and source snippet: the caller adds a better position.
func exprMessage(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return exprPos.ReplaceAllString(msg, "")
}

// holds evaluates p as a condition (a filter's keep, an output's when) on
// r; an error, or a result that is not true or false, comes back
// positioned at r (fieldError).
func (p *program) holds(st *RunState, r *formats.Record) (bool, error) {
	x, err := p.eval(r, st.ev)
	if err == nil {
		var ok bool
		if ok, err = truth(x); err == nil {
			return ok, nil
		}
	}
	return false, fieldError(st, r, "", p, err)
}

// truth reads a filter or condition result: true or false from the VM, or
// a Value from a native shortcut. Anything else is named in the same words
// whichever gave it (a VM result as the Value it would be written as).
func truth(x any) (bool, error) {
	if b, ok := x.(bool); ok {
		return b, nil
	}
	v, ok := x.(formats.Value)
	if !ok {
		var err error
		if v, err = fromExpr(x); err != nil {
			return false, fmt.Errorf("the condition gave %v (%T), not true or false", x, x)
		}
	}
	if b, ok := v.Bool(); ok {
		return b, nil
	}
	return false, fmt.Errorf("the condition gave the %s %s, not true or false", v.Kind(), formats.Quote(v.Text()))
}
