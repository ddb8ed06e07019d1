#!/usr/bin/env python3
"""gen_bmecat.py N OUT — a BMEcat 2005 catalogue of N products (T_NEW_CATALOG).

Shaped like ../shared/samples/sage/katalog_bmecat2005.xml: per PRODUCT the
supplier article number (leading zeros), short and long description
(umlauts, „quotes“, entities), GTIN, order unit and one to three price
breaks (net, 4 decimals, tax as factor). About 1 KB per product, UTF-8,
indented. Deterministic: the same N gives the same bytes.
"""
import random
import sys
from xml.sax.saxutils import escape

NAMES = ["Edelstahl-Teekanne „Ostfriesentraum“", "Kaffeebecher „Heimathafen“ Steingut", "Geschirrtuch Leinen",
         "Brotkasten Bambus & Glas", "Gewürzmühle Ø 6 cm", "Küchenwaage <5 kg>"]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(11)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<BMECAT xmlns="http://www.bmecat.org/bmecat/2005" version="2005">\n'
                '  <HEADER>\n    <CATALOG>\n      <LANGUAGE default="true">deu</LANGUAGE>\n      <CATALOG_ID>SAGE-EXPORT</CATALOG_ID>\n'
                '      <CATALOG_VERSION>1.0</CATALOG_VERSION>\n      <CURRENCY>EUR</CURRENCY>\n    </CATALOG>\n'
                '    <SUPPLIER>\n      <SUPPLIER_NAME>Musterhandel Nord GmbH</SUPPLIER_NAME>\n    </SUPPLIER>\n  </HEADER>\n  <T_NEW_CATALOG>\n')
        for i in range(n):
            name = f"{rnd.choice(NAMES)} {i % 97} cm"
            p = []
            p.append(f"    <PRODUCT>\n      <SUPPLIER_PID>{i:06d}</SUPPLIER_PID>\n      <PRODUCT_DETAILS>\n"
                     f"        <DESCRIPTION_SHORT>{escape(name)}</DESCRIPTION_SHORT>\n"
                     f"        <DESCRIPTION_LONG>{escape(name)} – spülmaschinenfest, langlebig; Größe {i % 7}, Farbe „{rnd.choice(['Weiß', 'Grün', 'Blau'])}“</DESCRIPTION_LONG>\n"
                     f"        <INTERNATIONAL_PID type=\"gtin\">{4000000000000 + i}</INTERNATIONAL_PID>\n      </PRODUCT_DETAILS>\n"
                     f"      <PRODUCT_ORDER_DETAILS>\n        <ORDER_UNIT>C62</ORDER_UNIT>\n        <CONTENT_UNIT>C62</CONTENT_UNIT>\n"
                     f"        <NO_CU_PER_OU>1</NO_CU_PER_OU>\n      </PRODUCT_ORDER_DETAILS>\n      <PRODUCT_PRICE_DETAILS>\n")
            price = rnd.randint(100, 99999)
            for lb in [1, 10, 50][: rnd.randint(1, 3)]:
                p.append(f"        <PRODUCT_PRICE price_type=\"net_list\">\n          <PRICE_AMOUNT>{price / 100:.4f}</PRICE_AMOUNT>\n"
                         f"          <PRICE_CURRENCY>EUR</PRICE_CURRENCY>\n          <TAX>0.19</TAX>\n          <LOWER_BOUND>{lb}</LOWER_BOUND>\n"
                         f"        </PRODUCT_PRICE>\n")
                price = price * 9 // 10
            p.append("      </PRODUCT_PRICE_DETAILS>\n    </PRODUCT>\n")
            f.write("".join(p))
        f.write("  </T_NEW_CATALOG>\n</BMECAT>\n")


if __name__ == "__main__":
    main()
