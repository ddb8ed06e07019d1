package transform

import (
	"github.com/ferry-sync/ferry/formats"
)

// envSet fills the evaluator's environment once for several programs run
// one after the other on the same record (the rules of a validate step):
// each field any of them names, converted to the union of what they read
// of it (mergeNeed), instead of once per program. A program then sees a
// superset of the parts it reads, which gives it the same results: a need
// of keys or elements is only ever read through those keys and elements.
// A program with a fast form (chains.go) shares its flattened chains the
// same way, under their own names.
type envSet struct {
	fields []string
	types  []string
	needs  []*need
	chains []*memberChainRef // per entry of fields: the chain it is, or nil
	// at[i] holds, for program i, the index in fields of each of its
	// fields (and chains), in its own order; nil: the program runs on its
	// own (program.eval: a copy, a native shape, $env).
	at    [][]int
	progs []*program
}

// newEnvSet returns the envSet of progs, or nil when fewer than two of
// them would share it.
func newEnvSet(progs []*program) *envSet {
	s := &envSet{at: make([][]int, len(progs)), progs: progs}
	index := map[string]int{}
	shared := 0
	for i, p := range progs {
		if p == nil || p.allEnv || p.copyOf != "" || p.native != nil {
			continue
		}
		shared++
		fields, types, needs := p.fields, p.types, p.needs
		var chains []memberChainRef
		if p.fast != nil {
			fields, types, needs, chains = p.fast.fields, p.fast.types, p.fast.needs, p.fast.chains
		}
		at := make([]int, 0, len(fields)+len(chains))
		add := func(name, typ string, n *need, ch *memberChainRef) bool {
			k, ok := index[name]
			if !ok {
				k = len(s.fields)
				index[name] = k
				s.fields = append(s.fields, name)
				s.types = append(s.types, typ)
				s.needs = append(s.needs, n)
				s.chains = append(s.chains, ch)
			} else {
				if s.types[k] != typ {
					return false // cannot happen: one pipeline declares a field's type once
				}
				s.needs[k] = mergeNeed(s.needs[k], n)
			}
			at = append(at, k)
			return true
		}
		for j := range chains {
			if !add(chains[j].name, "", chains[j].need, &chains[j]) {
				return nil
			}
		}
		for j, name := range fields {
			if !add(name, types[j], needs[j], nil) { // fields, types and needs are parallel (compile)
				return nil
			}
		}
		s.at[i] = at
	}
	if shared < 2 {
		return nil
	}
	return s
}

// fill puts rec's fields into ev's environment. The result marks the
// fields a program naming them fails on (a field rec does not have, a
// value that is not of its declared type, a chain that cannot be followed
// the simple way); nil when there is none.
func (s *envSet) fill(rec *formats.Record, ev *evaluator) []bool {
	if ev.dirty {
		ev.reset()
	}
	var bad []bool
	for k, name := range s.fields {
		failed := false
		if ch := s.chains[k]; ch != nil {
			failed = !ch.put(rec, ev, s.needs[k]) // the union of the programs' needs
		} else if missing, err := ev.put(rec, name, s.types[k], s.needs[k]); missing || err != nil {
			failed = true
		}
		if failed {
			if bad == nil {
				bad = make([]bool, len(s.fields))
			}
			bad[k] = true
		}
	}
	return bad
}

// run runs program i on the environment fill made (bad is its result):
// the same result as progs[i].eval(rec, ev) right after fill, errors
// included (made afresh for each program, as eval does).
func (s *envSet) run(i int, rec *formats.Record, bad []bool, ev *evaluator) (any, error) {
	p := s.progs[i]
	if bad != nil {
		for _, k := range s.at[i] {
			if !bad[k] {
				continue
			}
			if p.fast != nil {
				// Its ordinary form on its own, then the shared
				// environment back for the programs after it.
				x, err := p.evalPlain(rec, ev)
				s.fill(rec, ev)
				return x, err
			}
			name := s.fields[k]
			v, ok := rec.Get(name)
			if !ok {
				return nil, missingField(name, rec) // the first in the program's own order, as eval
			}
			_, err := typedValue(name, v, s.types[k])
			return nil, err
		}
	}
	if p.fast != nil {
		return ev.vm.Run(p.fast.prog, map[string]any(ev.scratch))
	}
	return ev.vm.Run(p.prog, map[string]any(ev.scratch))
}

// mergeNeed returns a need that covers both a and b (nil: all of it).
func mergeNeed(a, b *need) *need {
	if a == nil || b == nil || a.all || b.all {
		return nil
	}
	if a.count || b.count {
		if a.count && b.count {
			return &need{count: true}
		}
		other := a
		if a.count {
			other = b
		}
		if len(other.keys) == 0 && other.elem != nil {
			// len(OrderItems) and sum(OrderItems, .Price): the list of
			// converted elements has the list's length (a record with an
			// element need is converted whole, all its keys counted)
			return other
		}
		return nil // a count and keys together: all of it (need.add)
	}
	out := &need{}
	if len(a.keys) > 0 || len(b.keys) > 0 {
		out.keys = make(map[string]*need, len(a.keys)+len(b.keys))
		for k, n := range a.keys {
			out.keys[k] = n
		}
		for k, n := range b.keys {
			if m, ok := out.keys[k]; ok {
				n = mergeNeed(m, n)
			}
			out.keys[k] = n
		}
	}
	switch {
	case a.elem != nil && b.elem != nil:
		out.elem = mergeNeed(a.elem, b.elem)
		if out.elem == nil {
			out.elem = &need{all: true}
		}
	case a.elem != nil:
		out.elem = a.elem
	case b.elem != nil:
		out.elem = b.elem
	}
	return out
}
