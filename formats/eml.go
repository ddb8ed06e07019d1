package formats

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// EMLFormat returns the registry entry for eml: one e-mail message (RFC
// 5322, MIME) per output file, for a mail program or a mail server's pickup
// folder to send. It is write-only and Binary (the message is 7-bit ASCII:
// headers RFC 2047-encoded, bodies quoted-printable UTF-8; no charset
// wrapper applies).
//
// The record's fields:
//
//	From       required, one address ("Shop <shop@example.de>")
//	To         required, one or more addresses (a list, or "a@x.de, b@y.de")
//	Subject    required
//	Text       the plain-text body   } at least one of them; both give
//	HTML       the HTML body         } multipart/alternative
//	Cc, Bcc, ReplyTo                 optional addresses
//	MessageID  optional; default: derived from the content
//	Date       required: RFC 3339 ("2026-11-28T09:00:00Z"), e.g. set from now()
//
// Other fields are ignored (they may serve the file-name template). The
// output is byte-for-byte the same for the same record: the writer reads
// no clock, and the multipart boundary and default Message-ID are hashes
// of the message's content. A file holds exactly one message: a second
// record is an error (name the files per record, e.g. mail/${Id}.eml).
func EMLFormat() Format {
	return Format{
		Name:       "eml",
		Extensions: []string{".eml"},
		Binary:     true,
		NewReader: func(io.Reader, string, Options) (Reader, error) {
			return nil, errors.New("eml: reading e-mail files is not supported (eml is an output format only)")
		},
		NewWriter: func(w io.Writer, _ Options) (Writer, error) { return &emlWriter{w: w}, nil },
	}
}

// emlWriter writes the one message of its file.
type emlWriter struct {
	w      io.Writer
	n      int
	err    error
	closed bool
}

func (e *emlWriter) fail(err error) error {
	if e.err == nil {
		e.err = err
	}
	return e.err
}

// Write renders rec as a message. Errors in the record's fields (a missing
// subject, an invalid address) are RecordOnly: the record is refused, the
// file may go on. A second record fails the file.
func (e *emlWriter) Write(rec *Record) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return e.fail(errors.New("eml: Write after Close"))
	}
	if e.n > 0 {
		return e.fail(&DataError{Pos: rec.Pos, Msg: "a second e-mail for the same .eml file: one message per file: use a name template with the order number (e.g. mail/${Id}.eml)"})
	}
	msg, err := buildEML(rec)
	if err != nil {
		return err // RecordOnly: this record is refused, nothing was written
	}
	e.n++
	if _, err := e.w.Write(msg); err != nil {
		return e.fail(err)
	}
	return nil
}

// Close finishes the file; a message is complete after Write.
func (e *emlWriter) Close() error {
	e.closed = true
	return e.err
}

// emlFieldError is a RecordOnly error about one field of the message.
func emlFieldError(rec *Record, field, msg string) error {
	pos := rec.Pos
	if f := rec.Field(field); f != nil && !f.Pos.IsZero() {
		pos = f.Pos
	}
	return &DataError{Pos: pos, Field: field, Msg: msg, RecordOnly: true}
}

// emlText returns a scalar field's text; a nested value is an error.
func emlText(rec *Record, name string) (string, error) {
	v, ok := rec.Get(name)
	if !ok || v.IsNull() {
		return "", nil
	}
	if !v.IsScalar() {
		return "", emlFieldError(rec, name, fmt.Sprintf("is a %s, but the e-mail needs text here", v.Kind()))
	}
	return v.Text(), nil
}

// emlAddresses parses an address field: a list of addresses, or one text
// with comma-separated addresses. An empty field gives none.
func emlAddresses(rec *Record, name string) ([]*mail.Address, error) {
	v, ok := rec.Get(name)
	if !ok || v.IsNull() {
		return nil, nil
	}
	var texts []string
	switch v.Kind() {
	case KindList:
		for _, el := range v.List() {
			if !el.IsScalar() {
				return nil, emlFieldError(rec, name, fmt.Sprintf("holds a %s, but an address list holds text", el.Kind()))
			}
			if t := strings.TrimSpace(el.Text()); t != "" {
				texts = append(texts, t)
			}
		}
	case KindRecord:
		return nil, emlFieldError(rec, name, "is a record, but the e-mail needs addresses here")
	default:
		if t := strings.TrimSpace(v.Text()); t != "" {
			texts = append(texts, t)
		}
	}
	var out []*mail.Address
	for _, t := range texts {
		as, err := mail.ParseAddressList(t)
		if err != nil || len(as) == 0 {
			return nil, emlFieldError(rec, name, Quote(t)+" is not a valid e-mail address")
		}
		for _, a := range as {
			if !strings.Contains(emlDomain(a.Address), ".") {
				return nil, emlFieldError(rec, name, Quote(t)+" is not a valid e-mail address (the domain after @ has no dot)")
			}
		}
		out = append(out, as...)
	}
	return out, nil
}

// buildEML renders the message of one record.
func buildEML(rec *Record) ([]byte, error) {
	from, err := emlAddresses(rec, "From")
	if err != nil {
		return nil, err
	}
	switch len(from) {
	case 0:
		return nil, emlFieldError(rec, "From", "is missing: an e-mail needs a sender")
	case 1:
	default:
		return nil, emlFieldError(rec, "From", fmt.Sprintf("holds %d addresses, but an e-mail has one sender", len(from)))
	}
	to, err := emlAddresses(rec, "To")
	if err != nil {
		return nil, err
	}
	if len(to) == 0 {
		return nil, emlFieldError(rec, "To", "is missing: an e-mail needs a recipient")
	}
	var cc, bcc, replyTo []*mail.Address
	for _, f := range []struct {
		name string
		dst  *[]*mail.Address
	}{{"Cc", &cc}, {"Bcc", &bcc}, {"ReplyTo", &replyTo}} {
		if *f.dst, err = emlAddresses(rec, f.name); err != nil {
			return nil, err
		}
	}
	subject, err := emlText(rec, "Subject")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(subject) == "" {
		return nil, emlFieldError(rec, "Subject", "is missing: an e-mail needs a subject")
	}
	if strings.ContainsAny(subject, "\r\n") {
		return nil, emlFieldError(rec, "Subject", Quote(subject)+" has a line break, but a subject is one line")
	}
	text, err := emlText(rec, "Text")
	if err != nil {
		return nil, err
	}
	html, err := emlText(rec, "HTML")
	if err != nil {
		return nil, err
	}
	if text == "" && html == "" {
		return nil, emlFieldError(rec, "Text", "and field \"HTML\" are both empty: an e-mail needs a body")
	}
	dateText, err := emlText(rec, "Date")
	if err != nil {
		return nil, err
	}
	if dateText == "" {
		return nil, emlFieldError(rec, "Date", "is missing: the e-mail's date comes from the record (set it from now() in the pipeline), never from the clock of the writer")
	}
	date, err := time.Parse(time.RFC3339, strings.TrimSpace(dateText))
	if err != nil {
		return nil, emlFieldError(rec, "Date", Quote(dateText)+" is not a date and time in RFC 3339 form (2026-11-28T09:00:00Z)")
	}
	msgID, err := emlText(rec, "MessageID")
	if err != nil {
		return nil, err
	}
	msgID = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(msgID), "<"), ">")
	if msgID != "" && (strings.ContainsAny(msgID, " \t\r\n<>") || strings.Count(msgID, "@") != 1) {
		return nil, emlFieldError(rec, "MessageID", Quote(msgID)+" is not a message ID (left@right, no spaces or angle brackets)")
	}

	// The content hash gives the boundary and the default Message-ID, so
	// that the same record always gives the same bytes.
	h := sha256.New()
	for _, s := range []string{emlList(from), emlList(to), emlList(cc), emlList(bcc), emlList(replyTo), subject, date.Format(time.RFC3339), text, html} {
		fmt.Fprintf(h, "%d:%s\x00", len(s), s)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if msgID == "" {
		msgID = sum[:32] + "@" + emlDomain(from[0].Address)
	}
	boundary := "ferry-" + sum[:40]
	for strings.Contains(text, boundary) || strings.Contains(html, boundary) {
		next := sha256.Sum256([]byte(boundary))
		boundary = "ferry-" + hex.EncodeToString(next[:20])
	}

	m := gomail.NewMsg(gomail.WithBoundary(boundary), gomail.WithNoDefaultUserAgent(),
		gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	m.FromMailAddress(from[0])
	m.ToMailAddress(to...)
	if len(cc) > 0 {
		m.CcMailAddress(cc...)
	}
	if len(replyTo) > 0 {
		m.ReplyToMailAddress(replyTo...)
	}
	if len(bcc) > 0 {
		// go-mail leaves Bcc out of the message it writes (a sending
		// client must not show it); the .eml is handed to a sender that
		// reads its recipients from the file, so the header stays in.
		vals := make([]string, len(bcc))
		for i, a := range bcc {
			vals[i] = a.String()
		}
		m.SetGenHeaderPreformatted(gomail.Header("Bcc"), strings.Join(vals, ", "))
	}
	m.Subject(subject)
	m.SetDateWithValue(date)
	m.SetMessageIDWithValue(msgID)
	switch {
	case text != "" && html != "":
		m.SetBodyString(gomail.TypeTextPlain, text)
		m.AddAlternativeString(gomail.TypeTextHTML, html)
	case text != "":
		m.SetBodyString(gomail.TypeTextPlain, text)
	default:
		m.SetBodyString(gomail.TypeTextHTML, html)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, &DataError{Pos: rec.Pos, Msg: "the e-mail could not be composed: " + err.Error(), Err: err, RecordOnly: true}
	}
	return buf.Bytes(), nil
}

// emlList renders addresses for hashing.
func emlList(as []*mail.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

// emlDomain is the part after @ of the sender, the right side of a
// derived Message-ID.
func emlDomain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "ferry.invalid"
}
