package transform

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestFieldNeeds: the parts of nested values an expression is given.
func TestFieldNeeds(t *testing.T) {
	cases := []struct{ src, want string }{
		{`BillingAddress.Company ?? ""`, `BillingAddress{Company}`},
		{`item.Product.Name + item.Sku`, `item{Product{Name} Sku}`},
		{`A?.b.c`, `A{b{c}}`},
		{`X["#text"]`, `X{#text}`},
		{`Items[0].Sku`, `Items[{Sku}]`},
		{`sum(OrderItems, .PriceInclTax) + Ship`, `OrderItems[{PriceInclTax}] Ship*`},
		{`all(O.Items, #.Qty > 0 && .Sku != "")`, `O{Items[{Qty Sku}]}`},
		{`map(Items, .Product.Id)`, `Items[{Product{Id}}]`},
		{`filter(Items, .Qty > 1)`, `Items*`},            // filter gives elements back
		{`map(Items, #)`, `Items*`},                      // the element itself
		{`map(Items, #index)`, `Items*`},                 // not a member chain
		{`any(Items, any(.Sub, .X == 1))`, `Items*`},     // nested predicate
		{`len(Items) + len(A.b)`, `Items# A{b#}`},        // counted only
		{`len(Items) + Items[0].Sku`, `Items*`},          // counted and read: whole
		{`toJSON(Items) + string(len(Items))`, `Items*`}, // used whole
		{`A.b + A.b.c`, `A{b}`},                          // whole wins
		{`A[k]`, `A* k*`},                                // key not constant
	}
	c := newCompiler(testFunctions(), nil)
	for _, tc := range cases {
		p, err := c.compile(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		var parts []string
		for i, f := range p.fields {
			parts = append(parts, f+showNeed(p.needs[i]))
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("%s: needs %s, want %s", tc.src, got, tc.want)
		}
	}
}

func showNeed(n *need) string {
	switch {
	case n == nil || n.all:
		return "*"
	case n.count:
		return "#"
	case n.elem != nil:
		return "[" + showNeed(n.elem) + "]"
	}
	var ks []string
	for k, sub := range n.keys {
		s := k
		if sub != nil && !sub.all {
			s += showNeed(sub)
		}
		ks = append(ks, s)
	}
	sortStrings(ks)
	return "{" + strings.Join(ks, " ") + "}"
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestFieldNeedsSameResults evaluates expressions on nested records once
// with the parts they need and once with whole values: results and errors
// must be the same.
func TestFieldNeedsSameResults(t *testing.T) {
	const doc = `[{"Id": 7, "OrderNumber": null, "Ship": 4.9,
	  "A": {"b": {"c": "x", "d": 1.50}, "e": [1, 2], "Company": null},
	  "Items": [{"Sku": "000815", "Qty": 2, "Price": 9.95, "Product": {"Id": 1, "Name": "Becher"}, "Sub": [{"X": 1}]},
	            {"Sku": "00042", "Qty": 1, "Price": 4.50, "Product": {"Id": 2, "Name": "Tuch"}, "Sub": []}],
	  "Dup": {"k": 1, "k": 2},
	  "S": "text"}]`
	rec := readJSONRecords(t, doc)[0]
	exprs := []string{
		`A.b.c`, `A.b.d * 2`, `A?.b?.c`, `A.nope`, `A.nope?.deeper`, `A.b.c.d`, `A.e[1]`, `A.e[5]`, `A["b"]["c"]`,
		`A.Company ?? "none"`, `Items[0].Sku`, `Items[1].Product.Name`, `Items[9].Sku`, `Items.Sku`, `A[0]`,
		`sum(Items, .Price)`, `sum(Items, .Price * .Qty) + Ship`, `map(Items, .Product.Name)`, `all(Items, .Qty > 0)`,
		`count(Items, .Sku startsWith "000")`, `findIndex(Items, .Sku == "00042")`, `map(Items, .Nope)`,
		`filter(Items, .Qty > 1)[0].Product.Name`, `map(filter(Items, .Qty > 0), .Product.Name)`, `first(sortBy(Items, .Price)).Sku`, `map(Items, #)[1].Sku`, `len(Items)`, `toJSON(A)`,
		`Dup.k`, `S.x`, `S[0]`, `Id + 1`, `OrderNumber ?? string(Id)`, `map(A.e, # + 1)`, `sum(S, .x)`,
		`map(Items, .Product)[0].Name`, `any(Items, any(.Sub, .X == 1))`,
		`len(Items)`, `len(A)`, `len(A.e)`, `len(S)`, `len(Dup)`, `len(Items) > 0 ? Items[0].Sku : ""`, `len(A.b) + len(A.b.c)`,
		`len(Nope)`, `len(A.nope)`, `len(Items[0].Sub)`, `len(Id)`,
	}
	c := newCompiler(testFunctions(), nil)
	ev := newEvaluator(env{})
	for _, src := range exprs {
		p, err := c.compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, gerr := p.eval(rec, ev)
		whole := *p
		whole.needs = make([]*need, len(p.needs))
		want, werr := whole.eval(rec, ev)
		if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: with needs %v (%v), whole %v (%v)", src, got, gerr, want, werr)
		}
	}
}
