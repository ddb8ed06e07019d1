// Package transform is where ferry's pipelines live: their configuration
// (ferry.yaml and the pipeline files) and the expression language their
// steps use to compute, filter and check fields.
//
// Expressions are github.com/expr-lang/expr programs, compiled once when a
// configuration is loaded and run once per record. This package provides
// their function library, Functions: exact decimal arithmetic on
// shopspring/decimal values (money never passes through float64), German
// number and date forms, time zones, text clean-up (HTML to text,
// transliteration for Windows-1252 and ISO-8859-1 targets, regular
// expressions), lookup tables and the German street/house-number split.
// Functions.Options installs all of it, including operator overloads so that
// + - * / % and the comparisons work on decimals, and replaces expr's
// builtins that would compute with float64 (round, floor, ceil, abs, min,
// max, sum, mean, median, int, float, fromJSON) and now (injectable clock).
//
// Records reach an expression as an environment in which text fields are
// Go strings, exact numbers decimal.Decimal, booleans bool, nested records
// map[string]any and lists []any. The operators work whether the
// environment's types are declared at compile time or only known at run
// time.
//
// Docs lists every function with examples; docs/functions.md is generated
// from it (go test ./transform -run TestFunctionDocs -update) and every
// example is run by the tests.
//
// The pipeline engine that compiles and runs the expressions of a
// configuration comes in a later change.
package transform
