package formats

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// emlRecord builds a record from name/value pairs (a []string value is a list).
func emlRecord(kv ...any) *Record {
	r := NewRecord(len(kv) / 2)
	r.Pos = Pos{Line: 7, Index: 3}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			r.Add(kv[i].(string), String(v), Pos{Line: 7, Col: i + 1})
		case []string:
			vs := make([]Value, len(v))
			for j, s := range v {
				vs[j] = String(s)
			}
			r.Add(kv[i].(string), List(vs), Pos{})
		}
	}
	return r
}

func writeEML(t *testing.T, recs ...*Record) ([]byte, error) {
	t.Helper()
	f, err := Builtin().Lookup("eml")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := NewTextWriter(f, &buf, "windows-1252", nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			return buf.Bytes(), err
		}
	}
	return buf.Bytes(), w.Close()
}

// decodeHeader decodes an RFC 2047 header value.
func decodeHeader(t *testing.T, s string) string {
	t.Helper()
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatalf("header %q: %v", s, err)
	}
	return d
}

// readPart reads a part's body, undoing its transfer encoding.
func readBody(t *testing.T, h map[string][]string, body io.Reader) string {
	t.Helper()
	if enc := strings.ToLower(firstOf(h["Content-Transfer-Encoding"])); enc == "quoted-printable" {
		body = quotedprintable.NewReader(body)
	} else if enc != "" && enc != "7bit" && enc != "8bit" {
		t.Fatalf("unexpected transfer encoding %q", enc)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestEMLMultipartAlternative(t *testing.T) {
	text := "Sehr geehrte Frau Müller,\r\nbitte überweisen Sie 1.234,50 € auf unser Konto.\r\nEine sehr lange Zeile, die länger als sechsundsiebzig Zeichen ist, damit quoted-printable sie umbrechen muss."
	html := "<p>Sehr geehrte Frau Müller,</p><p>bitte überweisen Sie <b>1.234,50&nbsp;€</b>.</p>"
	rec := emlRecord(
		"Id", "5014",
		"From", "Bücher Shop <shop@example.de>",
		"To", []string{"Jörg Müller <joerg@example.com>", "buchhaltung@example.com"},
		"Cc", "vertrieb@example.de",
		"Bcc", "archiv@example.de",
		"ReplyTo", "Kundendienst <service@example.de>",
		"Subject", "Zahlungsaufforderung zu Ihrer Bestellung 5014 – Überweisung bis zum 12.12.2026 auf das Konto der Bücher Shop GmbH",
		"Text", text,
		"HTML", html,
		"Date", "2026-11-28T09:00:00Z",
	)
	out, err := writeEML(t, rec)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range out {
		if c > 127 {
			t.Fatalf("byte %d is %#x: the message must be 7-bit", i, c)
		}
	}
	for i, l := range bytes.Split(out, []byte("\r\n")) {
		if len(l) > 78 {
			t.Errorf("line %d has %d characters; RFC 5322 asks for at most 78", i+1, len(l))
		}
	}
	if !bytes.Contains(out, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(out, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("lines must end in CRLF")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, out)
	}
	h := msg.Header
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Bücher Shop" || from[0].Address != "shop@example.de" {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Jörg Müller" || to[0].Address != "joerg@example.com" || to[1].Address != "buchhaltung@example.com" {
		t.Errorf("To = %v, %v", to, err)
	}
	for _, c := range []struct{ header, want string }{{"Cc", "vertrieb@example.de"}, {"Bcc", "archiv@example.de"}, {"Reply-To", "service@example.de"}} {
		as, err := h.AddressList(c.header)
		if err != nil || len(as) != 1 || as[0].Address != c.want {
			t.Errorf("%s = %v, %v", c.header, as, err)
		}
	}
	if got := decodeHeader(t, h.Get("Subject")); got != "Zahlungsaufforderung zu Ihrer Bestellung 5014 – Überweisung bis zum 12.12.2026 auf das Konto der Bücher Shop GmbH" {
		t.Errorf("Subject = %q", got)
	}
	if d, err := h.Date(); err != nil || d.UTC().Format("2006-01-02 15:04") != "2026-11-28 09:00" {
		t.Errorf("Date = %v, %v", d, err)
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.de>") {
		t.Errorf("Message-ID = %q, want <hash@example.de>", id)
	}
	if h.Get("Mime-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", h.Get("Mime-Version"))
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if !strings.EqualFold(cp["charset"], "utf-8") {
			t.Errorf("part %s: charset %q, want UTF-8", ct, cp["charset"])
		}
		types = append(types, ct)
		bodies = append(bodies, readBody(t, p.Header, p))
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Fatalf("parts = %v, want text/plain then text/html", types)
	}
	if bodies[0] != text {
		t.Errorf("text body = %q\nwant %q", bodies[0], text)
	}
	if bodies[1] != html {
		t.Errorf("HTML body = %q\nwant %q", bodies[1], html)
	}

	// Byte-identical on a second run; a changed body changes the boundary
	// and the Message-ID, never the clock.
	again, err := writeEML(t, rec.Clone())
	if err != nil || !bytes.Equal(out, again) {
		t.Errorf("second run differs (%v)", err)
	}
	changed := rec.Clone()
	changed.Set("Text", String(text+"!"))
	other, err := writeEML(t, changed)
	if err != nil {
		t.Fatal(err)
	}
	om, _ := mail.ReadMessage(bytes.NewReader(other))
	if om.Header.Get("Message-Id") == h.Get("Message-Id") || om.Header.Get("Content-Type") == h.Get("Content-Type") {
		t.Errorf("another body kept the Message-ID or boundary")
	}
}

func TestEMLSingleBodyAndGivenMessageID(t *testing.T) {
	for _, c := range []struct {
		field, body, ctype string
	}{
		{"Text", "Ihre Sendung 00340434161094042557 ist unterwegs.", "text/plain"},
		{"HTML", "<p>Ihre Sendung ist <a href=\"https://example.com/?a=1&b=2\">unterwegs</a>.</p>", "text/html"},
	} {
		t.Run(c.field, func(t *testing.T) {
			out, err := writeEML(t, emlRecord("From", "shop@example.de", "To", "kunde@example.com", "Subject", "Versand",
				c.field, c.body, "MessageID", "<versand-5014@example.de>", "Date", "2026-11-28T10:00:00+01:00"))
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
			if mt != c.ctype || !strings.EqualFold(params["charset"], "utf-8") {
				t.Errorf("Content-Type = %q", msg.Header.Get("Content-Type"))
			}
			if got := readBody(t, msg.Header, msg.Body); got != c.body {
				t.Errorf("body = %q", got)
			}
			if got := msg.Header.Get("Message-Id"); got != "<versand-5014@example.de>" {
				t.Errorf("Message-ID = %q", got)
			}
			if got := msg.Header.Get("Date"); !strings.Contains(got, "28 Nov 2026 10:00:00 +0100") {
				t.Errorf("Date = %q", got)
			}
		})
	}
}

func TestEMLErrors(t *testing.T) {
	base := []any{"From", "shop@example.de", "To", "kunde@example.com", "Subject", "Betreff", "Text", "Hallo", "Date", "2026-11-28T09:00:00Z"}
	with := func(kv ...any) *Record {
		r := emlRecord(base...)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				r.Delete(kv[i].(string))
				continue
			}
			r.Set(kv[i].(string), String(kv[i+1].(string)))
		}
		return r
	}
	for _, c := range []struct {
		name string
		rec  *Record
		want string
	}{
		{"missing From", with("From", nil), `field "From": is missing`},
		{"bad To", with("To", "max.mustermann"), `field "To": "max.mustermann" is not a valid e-mail address`},
		{"To without dot", with("To", "kunde@example"), `field "To": "kunde@example" is not a valid e-mail address`},
		{"missing To", with("To", ""), `field "To": is missing`},
		{"bad Cc", with("Cc", "a@b.de, nix"), `field "Cc": "a@b.de, nix" is not a valid e-mail address`},
		{"two senders", with("From", "a@b.de, c@d.de"), `field "From": holds 2 addresses`},
		{"missing Subject", with("Subject", nil), `field "Subject": is missing`},
		{"subject line break", with("Subject", "a\r\nBcc: x@y.de"), `field "Subject": "a\r\nBcc: x@y.de" has a line break`},
		{"no body", with("Text", nil), `field "Text": and field "HTML" are both empty`},
		{"missing Date", with("Date", nil), `field "Date": is missing: the e-mail's date comes from the record`},
		{"bad Date", with("Date", "28.11.2026"), `field "Date": "28.11.2026" is not a date and time in RFC 3339 form`},
		{"bad MessageID", with("MessageID", "a b"), `field "MessageID": "a b" is not a message ID`},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := writeEML(t, c.rec)
			if err == nil {
				t.Fatalf("no error; wrote\n%s", out)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\nwant it to contain %q", err, c.want)
			}
			if !RecordOnly(err) {
				t.Errorf("error %q is not RecordOnly", err)
			}
			if len(out) != 0 {
				t.Errorf("wrote %d bytes for a refused record", len(out))
			}
		})
	}
}

func TestEMLOneMessagePerFile(t *testing.T) {
	r := emlRecord("From", "shop@example.de", "To", "kunde@example.com", "Subject", "Betreff", "Text", "Hallo", "Date", "2026-11-28T09:00:00Z")
	_, err := writeEML(t, r, r.Clone())
	if err == nil || !strings.Contains(err.Error(), "one message per file: use a name template with the order number") {
		t.Fatalf("second record: %v", err)
	}
	if RecordOnly(err) {
		t.Errorf("a second message in one file must fail the file, not one record")
	}
}

func TestEMLIsWriteOnly(t *testing.T) {
	f, err := Builtin().ForPath("mail.EML")
	if err != nil || f.Name != "eml" {
		t.Fatalf("ForPath(.EML) = %v, %v", f, err)
	}
	if _, err := f.NewReader(strings.NewReader(""), "x.eml", Options{}); err == nil || !strings.Contains(err.Error(), "output format only") {
		t.Errorf("NewReader: %v", err)
	}
}
