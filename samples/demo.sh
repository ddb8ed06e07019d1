#!/bin/sh
# make demo: converts the bundled samples in a scratch copy, so samples/
# stays untouched, and shows what came out. Usage: demo.sh FERRY_BINARY DEMO_DIR
set -eu
ferry=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
demo=$2
rm -rf "$demo"
mkdir -p "$demo"
cp -R samples/smartstore-sage/. "$demo/"
cp -R samples/bad "$demo/bad"
cp -R samples/example "$demo/example"
cd "$demo"
mkdir -p outbox/review outbox/json outbox/csv

run() { echo "\$ ferry $*"; "$ferry" "$@"; }

echo "== Sage → review copies and JSON (Windows-1252, ';', decimal comma; leading zeros kept)"
run convert inbox/sage/artikel/artikel.csv outbox/review/artikel.xlsx
run convert inbox/sage/artikel/artikel.csv outbox/json/artikel.json
run convert inbox/sage/kunden/kunden.csv outbox/review/kunden.xlsx
echo
echo "== Smartstore → JSON Lines and CSV (Web API answer {\"value\": [...]}, exact decimals)"
run convert inbox/smartstore/orders/orders.json outbox/json/orders.jsonl
run convert inbox/smartstore/customers/customers.json outbox/json/customers.jsonl
run convert --out-encoding windows-1252 --transliterate latin --excel-safe \
    inbox/smartstore/products/products-export.csv outbox/csv/products-cp1252.csv
echo
echo "== openTRANS dispatch notification → one CSV row per delivered position"
run convert --record-element DISPATCHNOTIFICATION_ITEM \
    inbox/sage/lieferscheine/dispatchnotification_opentrans21.xml outbox/csv/lieferpositionen.csv
echo
echo "== Bad input is refused with file, line and field; no output file is left behind"
for f in bad/artikel-wrong-columns.csv bad/artikel-utf8-mislabelled.csv bad/orders-truncated.json bad/not-a-zip.xlsx bad/empty.csv; do
  out=outbox/rejected/$(basename "$f").json; mkdir -p outbox/rejected
  if run convert "$f" "$out"; then echo "UNEXPECTED: $f was accepted"; exit 1; fi
  [ ! -e "$out" ] || { echo "UNEXPECTED: partial output $out"; exit 1; }
done
echo
echo "== A pipeline (samples/example): Sage articles → Smartstore product import, checked, previewed, run"
(cd example && run lint && run test && run preview inbox/sage/artikel/artikel.csv --pipeline artikel-to-products -n 3 \
  && run convert --pipeline artikel-to-products inbox/sage/artikel/artikel.csv ../outbox/smartstore/artikel-products.csv)
echo
echo "== ferry run: every finished inbox file once through its pipeline (a bad one goes to error/ with a report)"
cp bad/artikel-bad-decimal.csv example/inbox/sage/artikel/
(cd example && { run run || true; } && echo "--- example/error/artikel-to-products/artikel-bad-decimal.csv.error.txt" \
  && cat error/artikel-to-products/artikel-bad-decimal.csv.error.txt && echo "--- example/ after the run:" \
  && find archive error outbox -type f | sort)
echo
echo "== The outbox ($demo/outbox)"
find outbox -type f | sort | while read -r f; do printf '%8s  %s\n' "$(wc -c < "$f")" "$f"; done
echo
echo "== outbox/json/artikel.json (first record)"
sed -n '1,20p' outbox/json/artikel.json
echo "…"
echo
echo "== outbox/csv/lieferpositionen.csv"
cat outbox/csv/lieferpositionen.csv
