# ferry — make targets. `make demo` runs the main job on the bundled samples,
# `make test` is what CI runs.
GO      ?= go
BIN     := bin/ferry
FUZZTIME ?= 10s
DEMO    := demo

.PHONY: all build test fmt-check vet unit cross bench bench-tools bench-data bench-save bench-compare fuzz demo clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ferry

## test: formatting, vet, race-enabled tests, and the Windows cross-compile.
test: fmt-check vet unit cross

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

cross:
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./...
	GOOS=windows GOARCH=amd64 $(GO) vet ./...

## bench: the benchmark suite (issue 7, docs/performance.md). Generates the
## data (kept out of git in bench/data), runs the Go benchmarks of every
## reader, writer and step (-benchmem, into bench/out/last.txt), then the
## whole-process jobs against the hand-written baseline and Miller 6
## (installed with apt-get if missing) and rewrites the results table of
## docs/performance.md. About 8 minutes on 2 cores (the first run also
## generates ~1.3 GB of data).
BENCHCOUNT ?= 1
BENCHRUNS  ?= 3
BENCHSTAT  := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
bench: build bench-data bench-tools
	$(GO) build -o bin/baseline ./bench/baseline
	$(GO) test -run '^$$' -bench . -benchmem -count=$(BENCHCOUNT) ./formats/ ./transform/ ./bench/ | tee bench/out/last.txt
	@! grep -q '^FAIL' bench/out/last.txt || { echo "bench: a Go benchmark failed (bench/out/last.txt)"; exit 1; }
	$(GO) run ./bench/suite -n $(BENCHRUNS)

## bench-tools: Miller 6 for the comparison (Debian package "miller").
bench-tools:
	@command -v mlr >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq miller; } \
		|| echo "bench: Miller could not be installed; the suite runs without it"

bench-data:
	@mkdir -p bench/data bench/out
	@[ -s bench/data/artikel-100k.csv ] || python3 bench/gen_artikel.py 100000 bench/data/artikel-100k.csv
	@[ -s bench/data/artikel-1m.csv ] || python3 bench/gen_artikel.py 1000000 bench/data/artikel-1m.csv
	@[ -s bench/data/artikel-4m.csv ] || python3 bench/gen_artikel.py 4000000 bench/data/artikel-4m.csv
	@[ -s bench/data/orders-10k.json ] || python3 bench/gen_orders.py 10000 bench/data/orders-10k.json
	@[ -s bench/data/orders-100k.json ] || python3 bench/gen_orders.py 100000 bench/data/orders-100k.json
	@[ -s bench/data/bmecat-18k.xml ] || python3 bench/gen_bmecat.py 18000 bench/data/bmecat-18k.xml
	@[ -s bench/data/bmecat-180k.xml ] || python3 bench/gen_bmecat.py 180000 bench/data/bmecat-180k.xml

## bench-save: keep the last Go benchmark results as the base for bench-compare.
bench-save:
	cp bench/out/last.txt bench/out/base.txt

## bench-compare: benchstat of the saved results (bench-save) against the
## last `make bench` (for a steadier comparison run both with BENCHCOUNT=6).
bench-compare:
	$(GO) run $(BENCHSTAT) bench/out/base.txt bench/out/last.txt

## fuzz: every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in formats transform; do \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$pkg/*_test.go | sed 's/func //'); do \
			echo "== $$pkg $$t"; $(GO) test ./$$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
	done

## demo: convert the bundled samples in a scratch copy (demo/), samples stay untouched.
demo: build
	@sh samples/demo.sh $(BIN) $(DEMO)

clean:
	rm -rf bin $(DEMO) bench/data bench/out
	$(GO) clean -testcache
