// Package bench holds ferry's whole-file benchmarks on generated data
// (`make bench` creates bench/data with gen_artikel.py, the reference
// generator; see REFERENCE.md). The benchmarks skip when the data is absent.
package bench
