#!/usr/bin/env python3
"""gen_orders.py N OUT — N Smartstore orders in the Web API shape.

The file is what GET /odata/v1/Orders?$expand=Customer,BillingAddress,
ShippingAddress,OrderItems(Product) answers: {"@odata.context": …,
"value": [order, …]}, compact JSON (as the API sends it), UTF-8, amounts with
up to 4 decimal places, UTC timestamps. Every order adds up (positions +
shipping = total) and uses the payment/shipping methods and countries of
bench/pipelines/lookups and of samples/smartstore-sage/lookups (so the
shipped bestellungen pipeline takes them too). Deterministic: the same N gives the same bytes.
"""
import json
import random
import sys

FIRST = ["Jürgen", "Anna", "Zoë", "Mehmet", "Søren", "Claire", "Lukas", "Eva", "Björn", "Maria"]
LAST = ["Größler", "Schmidt", "Müller", "Öztürk", "Weiß", "Dupont", "Nowak", "Jäger", "Lindqvist", "Rossi"]
STREETS = ["Hauptstraße", "Am Elbufer", "Lindenallee", "Königsweg", "Marktplatz", "Bahnhofstr."]
CITIES = [("20095", "Hamburg", "DE"), ("80331", "München", "DE"), ("1010", "Wien", "AT"),
          ("8001", "Zürich", "CH"), ("10115", "Berlin", "DE"), ("50667", "Köln", "DE")]
COUNTRIES = {"DE": ("Deutschland", "DEU", 1), "AT": ("Österreich", "AUT", 2), "CH": ("Schweiz", "CHE", 3)}
PAYMENTS = ["Payments.PayPal", "Payments.Prepayment", "Payments.Invoice", "Payments.DirectDebit"]
SHIPPING = ["DHL Paket", "UPS Standard", "Selbstabholung"]
PRODUCTS = [("TS-100-BL-M", "T-Shirt Basic Bio-Baumwolle", "14.95", 0.18),
            ("004711", "Edelstahl-Teekanne „Ostfriesentraum“ 1,2 l", "39.95", 0.9),
            ("000815", "Kaffeebecher „Heimathafen“ Steingut 0,3 l", "9.90", 0.35),
            ("00042", "Geschirrtuch Leinen 3er-Set", "12.50", 0.2),
            ("TS-100-RT-M", "T-Shirt Basic Rot M", "14.95", 0.18)]


def money(cents, places=4):
    return round(cents / 100, places)


def address(rnd, aid, first, last):
    zipc, city, iso = rnd.choice(CITIES)
    name, iso3, cid = COUNTRIES[iso]
    return {"Id": aid, "Salutation": rnd.choice(["Herr", "Frau", None]), "Title": None,
            "FirstName": first, "LastName": last, "Email": f"{last.lower()}@example.de",
            "Company": rnd.choice([None, None, "Küchenwelt GmbH & Co. KG"]), "CountryId": cid,
            "StateProvinceId": None, "City": city,
            "Address1": f"{rnd.choice(STREETS)} {rnd.randint(1, 180)}", "Address2": rnd.choice([None, "", "Hinterhaus"]),
            "ZipPostalCode": zipc, "PhoneNumber": f"+49 40 {rnd.randint(100000, 999999)}", "FaxNumber": None,
            "CreatedOnUtc": "2025-11-02T10:14:07.12Z",
            "Country": {"Id": cid, "Name": name, "TwoLetterIsoCode": iso, "ThreeLetterIsoCode": iso3}}


def order(rnd, i):
    oid = 5000 + i
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    items, sub = [], 0
    for k in range(rnd.randint(1, 4)):
        sku, name, gross, weight = rnd.choice(PRODUCTS)
        qty = rnd.randint(1, 5)
        gross_c = int(gross.replace(".", ""))
        items.append({"Id": oid * 10 + k, "OrderItemGuid": f"5b0e2f64-1c1a-4b7e-9a0f-{oid:08d}{k:04d}",
                      "OrderId": oid, "ProductId": 600 + k, "Sku": sku, "Quantity": qty,
                      "UnitPriceInclTax": money(gross_c), "UnitPriceExclTax": round(gross_c / 119, 4),
                      "PriceInclTax": money(gross_c * qty), "PriceExclTax": round(gross_c * qty / 119, 4),
                      "TaxRate": 19.0, "DiscountAmountInclTax": 0.0, "DiscountAmountExclTax": 0.0,
                      "AttributeDescription": "Farbe: Blau<br />Größe: M", "RawAttributes": None,
                      "DownloadCount": 0, "IsDownloadActivated": False, "LicenseDownloadId": 0,
                      "ItemWeight": weight, "BundleData": None, "ProductCost": 0.0, "DeliveryTimeId": 1,
                      "DisplayDeliveryTime": True, "Product": {"Id": 600 + k, "Name": name, "Sku": sku}})
        sub += gross_c * qty
    ship = rnd.choice([0, 490, 590])
    total = sub + ship
    bill = address(rnd, 9000 + 2 * i, first, last)
    return {"Id": oid, "OrderNumber": rnd.choice([None, f"SO-{oid}"]), "OrderGuid": f"3f9a1c2e-5d7b-4a8e-b6f0-{oid:012d}",
            "StoreId": 1, "CustomerId": 2000 + i % 5000, "BillingAddressId": bill["Id"], "ShippingAddressId": bill["Id"] + 1,
            "PaymentMethodSystemName": rnd.choice(PAYMENTS), "CustomerCurrencyCode": "EUR", "CurrencyRate": 1.0,
            "VatNumber": None, "OrderSubtotalInclTax": money(sub), "OrderSubtotalExclTax": round(sub / 119, 4),
            "OrderSubTotalDiscountInclTax": 0.0, "OrderSubTotalDiscountExclTax": 0.0,
            "OrderShippingInclTax": money(ship), "OrderShippingExclTax": round(ship / 119, 4), "OrderShippingTaxRate": 19.0,
            "PaymentMethodAdditionalFeeInclTax": 0.0, "PaymentMethodAdditionalFeeExclTax": 0.0,
            "PaymentMethodAdditionalFeeTaxRate": 0.0, "TaxRates": "19.0000:7.1370;", "OrderTax": round(total * 19 / 11900, 4),
            "OrderDiscount": 0.0, "CreditBalance": 0.0, "OrderTotalRounding": 0.0, "OrderTotal": money(total),
            "RefundedAmount": 0.0, "RewardPointsWereAdded": False, "CheckoutAttributeDescription": "",
            "RawAttributes": None, "CustomerLanguageId": 2, "AffiliateId": 0, "CustomerIp": "203.0.113.61",
            "AllowStoringCreditCardNumber": False, "CardType": None, "PaymentReferenceHashCode": None,
            "AuthorizationTransactionId": f"6TX{oid:014d}", "AuthorizationTransactionCode": None,
            "AuthorizationTransactionResult": "COMPLETED", "CaptureTransactionId": f"6TX{oid:014d}",
            "CaptureTransactionResult": "COMPLETED", "SubscriptionTransactionId": None, "PurchaseOrderNumber": None,
            "ShippingRateComputationMethodSystemName": "Shipping.FixedRate", "CompletedOn": None,
            "RewardPointsRemaining": None, "HasNewPaymentNotification": False, "AcceptThirdPartyEmailHandOver": i % 3 != 0,
            "CustomerOrderComment": rnd.choice([None, None, "Bitte beim Nachbarn abgeben – danke!"]),
            "PaidDateUtc": "2026-03-13T09:04:39.21Z", "ShippingMethod": rnd.choice(SHIPPING),
            "Deleted": False, "CreatedOnUtc": f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:04:07.537Z",
            "UpdatedOnUtc": "2026-03-16T15:12:09.4Z", "OrderStatusId": 20, "PaymentStatusId": 30,
            "ShippingStatusId": 30, "CustomerTaxDisplayTypeId": 0,
            "Customer": {"Id": 2000 + i % 5000, "CustomerGuid": f"9d1e5a3c-2b7f-4e18-a6c4-{i:012d}",
                         "Email": bill["Email"], "CustomerNumber": None, "Company": bill["Company"],
                         "FirstName": first, "LastName": last},
            "BillingAddress": bill, "ShippingAddress": dict(bill, Id=bill["Id"] + 1),
            "OrderItems": items, "Shipments": []}


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(7)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write('{"@odata.context":"https://shop.example.de/odata/v1/$metadata#Orders","value":[')
        for i in range(n):
            if i:
                f.write(",")
            f.write(json.dumps(order(rnd, i), ensure_ascii=False, separators=(",", ":")))
        f.write("]}")


if __name__ == "__main__":
    main()
