package cli

// Read-back checks of the e-mail and document modules of the shipped
// configuration (samples/smartstore-sage): every .eml is parsed with
// net/mail and mime/multipart and its headers and amounts are checked
// against the sample inputs; every copied PDF has the SHA-256 of its
// source; documents never land in another customer's folder.

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// parsedMail is one .eml, read back.
type parsedMail struct {
	header     mail.Header
	from, to   []*mail.Address
	subject    string
	text, html string
}

func readMail(t *testing.T, path string) parsedMail {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range raw {
		if c > 127 {
			t.Fatalf("%s: byte %d is not 7-bit", path, i)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: net/mail: %v", path, err)
	}
	var m parsedMail
	m.header = msg.Header
	if m.from, err = msg.Header.AddressList("From"); err != nil || len(m.from) != 1 {
		t.Errorf("%s: From %v %v", path, m.from, err)
	}
	if m.to, err = msg.Header.AddressList("To"); err != nil || len(m.to) != 1 {
		t.Errorf("%s: To %v %v", path, m.to, err)
	}
	if m.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || m.subject == "" {
		t.Errorf("%s: Subject %q %v", path, m.subject, err)
	}
	if d, err := msg.Header.Date(); err != nil || d.UTC().Format("2006-01-02 15:04") != "2026-11-28 09:00" {
		t.Errorf("%s: Date %v %v, want the run's clock", path, d, err)
	}
	if msg.Header.Get("Message-Id") == "" {
		t.Errorf("%s: no Message-ID", path)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("%s: Content-Type %q", path, msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if !strings.EqualFold(cp["charset"], "utf-8") || p.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Errorf("%s: part %s: %v", path, ct, p.Header)
		}
		b, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		switch ct {
		case "text/plain":
			m.text = string(b)
		case "text/html":
			m.html = string(b)
		}
	}
	if m.text == "" || m.html == "" {
		t.Errorf("%s: want a text and an HTML part", path)
	}
	return m
}

// sampleCSV reads a Windows-1252 sample CSV of the configuration.
func sampleCSV(t *testing.T, rel string) []map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(dec))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func TestSamplesMail(t *testing.T) {
	dir, _ := runSamples(t)

	// Zahlungsaufforderung: one mail per pending order whose payment method
	// needs a request, with the order's amount to the cent.
	var orders struct {
		Value []struct {
			Id                      int
			OrderGuid               string
			PaymentStatusId         int
			PaymentMethodSystemName string
			OrderTotal              json.Number
			BillingAddress          struct{ Email string }
		} `json:"value"`
	}
	b, err := os.ReadFile(filepath.Join(samplesDir, "inbox/smartstore/orders-payment/orders.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &orders); err != nil {
		t.Fatal(err)
	}
	wantAmount := map[int]string{5013: "489,23", 5014: "53,81", 5015: "171,50", 5016: "33,00"}
	requested := 0
	for _, o := range orders.Value {
		path := filepath.Join(dir, "outbox/mail/zahlungsaufforderung", "zahlungsaufforderung-"+strconv.Itoa(o.Id)+".eml")
		needs := o.PaymentStatusId == 10 && (o.PaymentMethodSystemName == "Payments.Invoice" || o.PaymentMethodSystemName == "Payments.Prepayment")
		if _, err := os.Stat(path); !needs {
			if err == nil {
				t.Errorf("order %d (%s, status %d) got a payment request", o.Id, o.PaymentMethodSystemName, o.PaymentStatusId)
			}
			continue
		}
		requested++
		m := readMail(t, path)
		if m.to[0].Address != o.BillingAddress.Email || m.from[0].Address != "shop@shop.example.de" {
			t.Errorf("order %d: From %v To %v", o.Id, m.from, m.to)
		}
		if m.subject != "Zahlungsaufforderung zu Ihrer Bestellung "+strconv.Itoa(o.Id) {
			t.Errorf("order %d: Subject %q", o.Id, m.subject)
		}
		amount := wantAmount[o.Id] + " EUR"
		for _, c := range []struct{ part, amount string }{{m.text, amount}, {m.html, wantAmount[o.Id] + "&nbsp;EUR"}} {
			for _, want := range []string{c.amount, "Bestellung " + strconv.Itoa(o.Id), "DE02 1203 0000 0000 2020 51", "https://shop.example.de/order/pay/" + o.OrderGuid} {
				if !strings.Contains(c.part, want) {
					t.Errorf("order %d (OrderTotal %s): a body lacks %q", o.Id, o.OrderTotal, want)
				}
			}
		}
	}
	if requested != 4 {
		t.Errorf("%d payment requests, want 4 (5013–5016)", requested)
	}

	// Versandmitteilung: one mail per delivery of a shop order, with a
	// tracking link for every parcel number (kept as text, 20 digits).
	numbers := map[string][]string{}
	for _, row := range sampleCSV(t, "inbox/sage/lieferscheine/lieferscheine.csv") {
		numbers[row["Belegnummer"]] = strings.Split(row["Trackingnummern"], "|")
	}
	for beleg, nums := range numbers {
		m := readMail(t, filepath.Join(dir, "outbox/mail/versand", "versand-"+beleg+".eml"))
		for _, n := range nums {
			if !strings.Contains(m.text, n+": https://") || !strings.Contains(m.html, ">"+n+"</a>") {
				t.Errorf("%s: the mail lacks the link of parcel %s", beleg, n)
			}
		}
	}
	if len(numbers["LI100235"]) != 2 || len(numbers["LI100234"][0]) != 20 {
		t.Fatalf("sample changed: %v", numbers)
	}

	// Shipments: the order number from "Online-Bestellung 5014", numbers as
	// JSON strings with their leading zeros.
	for _, c := range []struct{ file, number string }{
		{"5012-LI100234.json", "00340434161094042557"},
		{"5013-LI100235.json", "00340434161094042564, 00340434161094042571"},
		{"5014-LI100236.json", "1Z999AA10123456784"},
	} {
		var s struct {
			OrderId int
			Body    struct {
				Carrier        string `json:"carrier"`
				TrackingNumber string `json:"trackingNumber"`
				TrackingURL    string `json:"trackingUrl"`
				IsShipped      bool   `json:"isShipped"`
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "outbox/smartstore/shipments", c.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if strconv.Itoa(s.OrderId) != c.file[:4] || s.Body.TrackingNumber != c.number || !s.Body.IsShipped || !strings.HasPrefix(s.Body.TrackingURL, "https://") {
			t.Errorf("%s: %+v", c.file, s)
		}
	}
}

func TestSamplesDocuments(t *testing.T) {
	dir, _ := runSamples(t)
	source := func(rel string) [32]byte {
		b, err := os.ReadFile(filepath.Join(samplesDir, "inbox/sage", filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	copied := func(rel string) [32]byte {
		b, err := os.ReadFile(filepath.Join(dir, "outbox/smartstore", filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}

	// PDF / Zusatzdokumente: each PDF once, byte for byte.
	seen := map[string]bool{}
	for _, row := range sampleCSV(t, "inbox/sage/dokumente/artikel_dokumente.csv") {
		name := filepath.Base(row["Datei"])
		seen[name] = true
		if copied("media/dokumente/"+name) != source("dokumente/"+row["Datei"]) {
			t.Errorf("media/dokumente/%s: SHA-256 differs from %s", name, row["Datei"])
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "outbox/smartstore/media/dokumente"))
	if len(ents) != len(seen) || len(seen) != 3 {
		t.Errorf("%d files in media/dokumente, want %d", len(ents), len(seen))
	}

	// Dokumentenmanagement: every PDF in the folder of its own row's
	// customer, unchanged, and no folder holds a document of another.
	owner := map[string]string{} // Belegnummer → Kundennummer
	for _, row := range sampleCSV(t, "inbox/sage/belege/belege_index.csv") {
		owner[row["Belegnummer"]] = row["Kundennummer"]
		if copied("documents/"+row["Kundennummer"]+"/"+row["Belegnummer"]+".pdf") != source("belege/"+row["Datei"]) {
			t.Errorf("%s: SHA-256 differs from %s", row["Belegnummer"], row["Datei"])
		}
	}
	var found []string
	err := filepath.WalkDir(filepath.Join(dir, "outbox/smartstore/documents"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "outbox/smartstore/documents"), p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 2 {
			t.Errorf("documents/%s: not in a customer folder", rel)
			return nil
		}
		switch {
		case strings.HasSuffix(parts[1], ".pdf"):
			beleg := strings.TrimSuffix(parts[1], ".pdf")
			found = append(found, beleg)
			if owner[beleg] != parts[0] {
				t.Errorf("documents/%s: belongs to customer %q", rel, owner[beleg])
			}
		case strings.HasPrefix(parts[1], "index-"):
			var idx []struct{ Kundennummer, Belegnummer string }
			b, _ := os.ReadFile(p)
			if err := json.Unmarshal(b, &idx); err != nil || len(idx) == 0 {
				t.Errorf("documents/%s: %v", rel, err)
			}
			for _, e := range idx {
				if e.Kundennummer != parts[0] || owner[e.Belegnummer] != parts[0] {
					t.Errorf("documents/%s lists %s of customer %s", rel, e.Belegnummer, e.Kundennummer)
				}
			}
		default:
			t.Errorf("documents/%s: unexpected file", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(found)
	if strings.Join(found, ",") != "AU100120,LI100234,RE100512" {
		t.Errorf("documents: %v", found)
	}

	// The PDFs were archived beside their index, not left in the inbox.
	for _, rel := range []string{"belege/belege/RE100512.pdf", "dokumente/dokumente/004711_Anleitung.pdf"} {
		if _, err := os.Stat(filepath.Join(dir, "inbox/sage", rel)); err == nil {
			t.Errorf("inbox/sage/%s was left in the inbox", rel)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "archive/belege/2026-11-28/belege/RE100512.pdf")); err != nil {
		t.Errorf("RE100512.pdf not archived beside its index: %v", err)
	}
}
