# ferry — make targets. `make demo` runs the main job on the bundled samples,
# `make test` is what CI runs.
GO      ?= go
BIN     := bin/ferry
FUZZTIME ?= 10s
DEMO    := demo

.PHONY: all build test fmt-check vet unit cross bench bench-data fuzz demo clean

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

## bench: Go benchmarks of every reader and writer, and the reference job on
## generated files (1,000,000 and 100,000 rows; kept out of git in bench/data).
bench: build bench-data
	$(GO) build -o bin/baseline ./bench/baseline
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./formats/ ./bench/ | tee bench/out/last.txt

bench-data:
	@mkdir -p bench/data bench/out
	@[ -s bench/data/artikel-100k.csv ] || python3 bench/gen_artikel.py 100000 bench/data/artikel-100k.csv
	@[ -s bench/data/artikel-1m.csv ] || python3 bench/gen_artikel.py 1000000 bench/data/artikel-1m.csv

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
