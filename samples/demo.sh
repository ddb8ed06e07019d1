#!/bin/sh
# make demo: runs the shipped Smartstore ⇄ Sage configuration
# (samples/smartstore-sage) on its sample inputs in a scratch copy, so that
# samples/ stays untouched, and shows what every module produced; then a
# bad file failing well, and the small example and ferry convert.
# Usage: demo.sh FERRY_BINARY DEMO_DIR
set -eu
ferry=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
demo=$2
rm -rf "$demo"
mkdir -p "$demo"
# the configuration and its inputs, without the test expectations
(cd samples/smartstore-sage && find . -path ./expected -prune -o -name '*.tests' -prune -o -type f -print) |
  while read -r f; do mkdir -p "$demo/$(dirname "$f")"; cp "samples/smartstore-sage/$f" "$demo/$f"; done
cp -R samples/bad "$demo/bad"
cp -R samples/example "$demo/example"
cd "$demo"

run() { echo "\$ ferry $*"; "$ferry" "$@"; }
show() { # a file's first lines, decoded for the terminal when it is Windows-1252
  echo "--- $1"
  case "$2" in
    cp1252) head -n "${3:-4}" "$1" | iconv -f windows-1252 -t utf-8 ;;
    *) head -n "${3:-4}" "$1" ;;
  esac
  echo
}

echo "== The Smartstore ⇄ Sage configuration: every module is a pipeline ($demo/pipelines)"
run lint
echo
echo "== One ferry run over every inbox (--settle 0: the sample files are complete)"
run run --settle 0
echo
echo "== What it produced"
find outbox lookups -type f -newer ferry.yaml 2>/dev/null | sort | while read -r f; do printf '%9s  %s\n' "$(wc -c < "$f")" "$f"; done
echo
for f in $(find outbox/sage -name '*.csv' 2>/dev/null | sort | head -n 3); do show "$f" cp1252; done
for f in $(find outbox/smartstore -name '*.csv' 2>/dev/null | sort | head -n 3); do show "$f" utf8; done
f=$(find outbox/mail -name '*.eml' 2>/dev/null | sort | head -n 1)
[ -z "$f" ] || show "$f" utf8 12
echo "== The journal: which input produced what, when"
run history --limit 20
echo
echo "== Bad input goes to error/ with a report in plain words; the other files go on"
mkdir -p inbox/smartstore/orders inbox/sage/artikel
cp bad/orders-unknown-sku.json inbox/smartstore/orders/
cp bad/artikel-bad-decimal.csv inbox/sage/artikel/
if run run --settle 0; then echo "UNEXPECTED: the bad files were accepted"; exit 1; fi
for r in $(find error -name '*.error.txt' | sort); do echo "--- $r"; cat "$r"; echo; done
echo
echo "== The small example (samples/example): lint, fixtures, preview"
(cd example && run lint && run test && run preview inbox/sage/artikel/artikel.csv --pipeline artikel-to-products -n 3)
echo
echo "== ferry convert: any format to any other, encodings kept right"
mkdir -p convert
run convert example/inbox/sage/artikel/artikel.csv convert/artikel.xlsx
run convert example/inbox/sage/artikel/artikel.csv convert/artikel.json
echo "--- convert/artikel.json (first record)"
sed -n '1,12p' convert/artikel.json
echo "…"
for f in bad/artikel-wrong-columns.csv bad/orders-truncated.json bad/not-a-zip.xlsx; do
  out=convert/$(basename "$f").json
  if run convert "$f" "$out"; then echo "UNEXPECTED: $f was accepted"; exit 1; fi
  [ ! -e "$out" ] || { echo "UNEXPECTED: partial output $out"; exit 1; }
done
echo
echo "Done: the scratch copy is $demo/ (outbox/, archive/, error/, state/journal.db)."
