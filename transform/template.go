package transform

import (
	"fmt"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// textTemplate is text with ${expression} parts, filled in from the
// record: a rule's message ('Menge ${Menge} is not a whole number'), and,
// with its values cleaned, an output file name (template in output.go).
// The parts end at the matching "}" outside quoted strings.
type textTemplate struct {
	lits  []string   // len(exprs)+1 literal parts
	exprs []*program // between them
}

func compileTextTemplate(src string, c *compiler) (*textTemplate, error) {
	t := &textTemplate{}
	rest := src
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			t.lits = append(t.lits, rest)
			return t, nil
		}
		t.lits = append(t.lits, rest[:i])
		end := closingBrace(rest[i+2:])
		if end < 0 {
			return nil, fmt.Errorf("%q: \"${\" without a closing \"}\"", src)
		}
		p, err := c.compile(rest[i+2 : i+2+end])
		if err != nil {
			return nil, fmt.Errorf("%q: %v", src, err)
		}
		t.exprs = append(t.exprs, p)
		rest = rest[i+2+end+1:]
	}
}

// closingBrace finds the "}" that closes an expression, skipping nested
// braces and quoted strings; -1 if there is none.
func closingBrace(s string) int {
	depth := 0
	var quote byte
	for j := 0; j < len(s); j++ {
		ch := s[j]
		switch {
		case quote != 0:
			if ch == '\\' && quote != '`' {
				j++
			} else if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'' || ch == '`':
			quote = ch
		case ch == '{':
			depth++
		case ch == '}':
			if depth == 0 {
				return j
			}
			depth--
		}
	}
	return -1
}

// render fills the template in for rec. A part that cannot be computed
// stays as written ("${…}"), so the message is still shown.
func (t *textTemplate) render(rec *formats.Record, ev *evaluator) string {
	if len(t.exprs) == 0 {
		return t.lits[0]
	}
	var b strings.Builder
	for i, lit := range t.lits {
		b.WriteString(lit)
		if i == len(t.exprs) {
			break
		}
		x, err := t.exprs[i].eval(rec, ev)
		var v formats.Value
		if err == nil {
			v, err = fromExpr(x)
		}
		if err != nil {
			b.WriteString("${" + t.exprs[i].src + "}")
			continue
		}
		b.WriteString(v.Text())
	}
	return b.String()
}
