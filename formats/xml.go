// XML reader and writer.
//
// The reader streams one record per record element (XMLOptions.RecordElement)
// out of a document of any size: it walks the tokens of encoding/xml's
// Decoder.RawToken (prefixes stay as written), keeps only the stack of open
// elements outside records and the record being built, and checks
// well-formedness itself (matching end tags, one document element, no entity
// declarations, a depth limit). The document's encoding declaration is
// honoured through this package's NewDecoder; a BOM (UTF-8, UTF-16) wins.
//
// Mapping of one record element (and, recursively, of its children):
//
//   - attributes become fields "@name" (prefix kept, "@xsi:type"), first and
//     in document order; namespace declarations (xmlns, xmlns:p) are not data;
//   - a child element without attributes and children becomes a String field
//     with its exact text (CDATA included, entities decoded); <X/> is "";
//   - a child element with attributes or children becomes a nested record;
//   - non-whitespace text in an element with attributes or children (and in
//     the record element itself) becomes the field "#text";
//   - a child name repeated within one element becomes ONE List field at the
//     place of its first occurrence; names in ListElements are always lists;
//   - comments, processing instructions and whitespace-only text between
//     elements are ignored.
//
// Positions: a record's Pos has the line:col of its start tag, its number
// (Index) and its element path as Ref, "/ORDER/ORDER_ITEM_LIST/ORDER_ITEM[2]":
// the record's own step always carries its 1-based index among same-named
// siblings, the steps above it only when it is 2 or more. Fields carry the
// line:col of their start tag (attributes and "#text" that of their element).
// A list element that is a nested record has its own Pos. Errors name the
// innermost open element's path.
//
// The writer is the inverse: "@x" fields become attributes (before the
// children, wherever they stand in the record), "#text" text content, nested
// records child elements and lists the element repeated once per value. Null
// is written as an empty element <X/> (an attribute: x=""), "" as <X></X>;
// an empty list writes nothing. An element holding "#text" next to children
// is written on one line, so no layout whitespace joins its text. It escapes
// and checks every name and value, so what it writes is well-formed XML that
// the reader maps back to the same records (a one-element list comes back
// as a single value unless ListElements names it). Zero records give an
// empty document element, <records/>; with SingleRecord, no output at all.

package formats

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// XMLNamespace is one namespace declaration the XML writer puts on the
// document element: xmlns="URI" when Prefix is "", else xmlns:Prefix="URI".
type XMLNamespace struct {
	// Prefix is the namespace prefix ("bme"); "" declares the default namespace.
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	// URI is the namespace name, e.g. "http://www.opentrans.org/XMLSchema/2.1".
	URI string `json:"uri,omitempty" yaml:"uri,omitempty"`
}

// XMLAttr is one attribute the XML writer puts on the document element,
// e.g. openTRANS version="2.1".
type XMLAttr struct {
	// Name is the attribute name as written, prefix included ("xsi:schemaLocation").
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Value is the attribute value (plain text; the writer escapes it).
	Value string `json:"value,omitempty" yaml:"value,omitempty"`
}

// XMLOptions configures the xml reader and writer. The zero value reads the
// children of the document element as records and writes
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<records>
//	  <record>…</record>
//	</records>
type XMLOptions struct {
	// RecordElement says which elements are records.
	//
	// Reader: a value starting with "/" is an absolute element path
	// ("/ORDER/ORDER_ITEM_LIST/ORDER_ITEM"); otherwise it is a name or a path
	// suffix that matches at any depth ("ORDER_ITEM",
	// "ORDER_ITEM_LIST/ORDER_ITEM"). Names compare as written, prefix included
	// ("bme:ARTICLE"); a name without prefix also matches by local name, so
	// "ARTICLE" matches both <ARTICLE> and <bme:ARTICLE>. Prefixes are not
	// resolved to namespace URIs. Records do not nest: inside a record, a
	// matching element is ordinary content. Elements outside records are
	// skipped (but still checked for well-formedness). Default "": the
	// children of the document element are the records.
	//
	// Writer: the element name of each record; for a path, its last step.
	// Default "record".
	RecordElement string `json:"record_element,omitempty" yaml:"record_element,omitempty"`

	// ListElements names child elements that always become List fields, even
	// when they appear only once in an element (e.g. "ORDER_ITEM",
	// "bme:PRODUCT_PRICE"). Matching is as for RecordElement names. Reader only.
	ListElements []string `json:"list_elements,omitempty" yaml:"list_elements,omitempty"`

	// MaxDepth is the deepest element nesting the reader accepts; deeper
	// documents are rejected as damaged. Default 256.
	MaxDepth int `json:"max_depth,omitempty" yaml:"max_depth,omitempty"`

	// Encoding is the character encoding.
	//
	// Reader: overrides the document's own declaration (rarely needed; by
	// default a BOM, then <?xml … encoding="…"?>, then UTF-8 decide).
	//
	// Writer: the output encoding, named in the declaration. Default "UTF-8".
	// For windows-1252, ISO-8859-1 and ISO-8859-15, characters the encoding
	// cannot hold are written as character references (&#x142;), so no text
	// is lost.
	Encoding string `json:"encoding,omitempty" yaml:"encoding,omitempty"`

	// Root is the writer's document element wrapping the records. Default
	// "records". Not used with SingleRecord.
	Root string `json:"root,omitempty" yaml:"root,omitempty"`

	// Namespaces are declared on the writer's document element, in this
	// order. Namespace declarations read from an input are not record data,
	// so a pipeline that writes prefixed names declares their prefixes here.
	Namespaces []XMLNamespace `json:"namespaces,omitempty" yaml:"namespaces,omitempty"`

	// RootAttributes are written on the writer's document element, in this
	// order, after the namespace declarations. With SingleRecord an attribute
	// field of the record with the same name wins.
	RootAttributes []XMLAttr `json:"root_attributes,omitempty" yaml:"root_attributes,omitempty"`

	// Indent is the writer's indentation per level. Default two spaces; set
	// Compact for none.
	Indent string `json:"indent,omitempty" yaml:"indent,omitempty"`

	// Compact makes the writer put no line breaks or indentation between
	// elements (the declaration still ends with a line break, and so does
	// the file).
	Compact bool `json:"compact,omitempty" yaml:"compact,omitempty"`

	// SingleRecord makes the writer write no wrapping root: the one record
	// IS the document element, named RecordElement (openTRANS: one ORDER per
	// file), with Namespaces and RootAttributes on it. A second record is a
	// DataError; with no record at all nothing is written (the caller
	// decides whether an empty output file is acceptable).
	SingleRecord bool `json:"single_record,omitempty" yaml:"single_record,omitempty"`
}

// DefaultXMLMaxDepth is the element nesting limit when XMLOptions.MaxDepth is 0.
const DefaultXMLMaxDepth = 256

// XMLFormat returns the registry entry for xml. It is Binary: the reader gets
// the raw bytes and decodes them itself as the document declares.
func XMLFormat() Format {
	return Format{
		Name:       "xml",
		Extensions: []string{".xml"},
		Binary:     true,
		NewReader: func(r io.Reader, source string, opt Options) (Reader, error) {
			return newXMLReader(r, source, opt.XML, NewDecoder)
		},
		NewWriter: func(w io.Writer, opt Options) (Writer, error) {
			return newXMLWriter(w, opt.XML, NewEncoder)
		},
	}
}

// ---------------------------------------------------------------------------
// Reader

type xmlDecoderFunc func(r io.Reader, charset, source string) (io.Reader, error)

// xmlStep is one step of a RecordElement path or a ListElements name.
type xmlStep struct {
	name     string
	prefixed bool // the step names a prefix: compare the full name, else the local name
}

func (s xmlStep) match(n xml.Name, full string) bool {
	if s.prefixed {
		return full == s.name
	}
	return n.Local == s.name
}

// xmlFrame is an open element outside records.
type xmlFrame struct {
	name   xml.Name
	full   string
	line   int
	index  int            // 1-based among same-named siblings
	path   string         // element path, computed when a record needs it
	counts map[string]int // children seen, by name (for sibling indexes)
}

// xmlNode is an open element inside the record being built.
type xmlNode struct {
	name      xml.Name
	full      string
	pos       Pos
	start     int    // its fields are scratch[start:]
	text      []byte // text seen (reused between records)
	complex   bool   // has attributes or children: a nested record, not a string
	textField int    // index in scratch of its "#text" field, -1 if none
	index     map[string]int
}

type xmlReader struct {
	src        io.Reader
	source     string
	maxDepth   int
	steps      []xmlStep
	absolute   bool
	lists      []xmlStep
	encoding   string
	newDecoder xmlDecoderFunc

	dec        *xml.Decoder
	started    bool
	transcoded bool  // input already decoded (BOM or Encoding option): ignore the declaration
	bom        int64 // bytes of a UTF-8 BOM skipped
	late       bool  // a decoder was switched in after the declaration
	lateLine   int
	lateOff    int64
	sawMarkup  bool // a token other than whitespace was seen (declaration check)
	rootSeen   bool
	rootClosed bool
	rootName   string

	frames  []xmlFrame
	nodes   []xmlNode
	scratch []Field
	recRef  string
	nrec    int

	fullNames map[xml.Name]string
	attrNames map[xml.Name]string
	err       error
}

func newXMLReader(r io.Reader, source string, opt XMLOptions, nd xmlDecoderFunc) (*xmlReader, error) {
	x := &xmlReader{src: r, source: source, maxDepth: opt.MaxDepth, encoding: strings.TrimSpace(opt.Encoding), newDecoder: nd}
	if x.maxDepth <= 0 {
		x.maxDepth = DefaultXMLMaxDepth
	}
	if p := strings.TrimSpace(opt.RecordElement); p != "" {
		x.absolute = strings.HasPrefix(p, "/")
		if x.absolute {
			p = p[1:]
		}
		for _, s := range strings.Split(p, "/") {
			if !validXMLName(s) {
				return nil, fmt.Errorf("xml: record_element %q: %q is not an XML element name", opt.RecordElement, s)
			}
			x.steps = append(x.steps, xmlStep{name: s, prefixed: strings.Contains(s, ":")})
		}
	}
	for _, s := range opt.ListElements {
		s = strings.TrimSpace(s)
		if !validXMLName(s) {
			return nil, fmt.Errorf("xml: list_elements: %q is not an XML element name", s)
		}
		x.lists = append(x.lists, xmlStep{name: s, prefixed: strings.Contains(s, ":")})
	}
	return x, nil
}

// Read returns the next record, io.EOF after the last one. Every error is
// final.
func (x *xmlReader) Read() (*Record, error) {
	if x.err != nil {
		return nil, x.err
	}
	rec, err := x.next()
	if err != nil {
		x.err = err
		x.scratch, x.nodes, x.frames = nil, nil, nil
		return nil, err
	}
	return rec, nil
}

func (x *xmlReader) fail(line, col int, msg string) *DataError {
	e := &DataError{File: x.source, Pos: Pos{Line: line, Col: col, Ref: shortRef(x.openPath())}, Msg: msg}
	if !x.transcoded && !x.late && x.dec != nil {
		e.Offset = x.dec.InputOffset() + x.bom
	}
	return e
}

// start looks at the first bytes: empty file, BOM, UTF-16, not XML at all.
func (x *xmlReader) start() error {
	br := bufio.NewReaderSize(x.src, 64<<10)
	head, err := br.Peek(4)
	if len(head) == 0 {
		if err == nil || err == io.EOF {
			return &DataError{File: x.source, Msg: "the file is empty (0 bytes) – expected an XML document"}
		}
		return x.ioError(err)
	}
	var in io.Reader
	charset := ""
	switch {
	case x.encoding != "":
		charset = x.encoding
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
		x.bom = 3
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		charset = "utf-16"
	case bytes.Equal(head, []byte{'<', 0, '?', 0}):
		charset = "utf-16le"
	case bytes.Equal(head, []byte{0, '<', 0, '?'}):
		charset = "utf-16be"
	}
	if charset != "" {
		in, err = x.newDecoder(br, charset, x.source)
		if err != nil {
			if de := AsDataError(err); de != nil {
				return de
			}
			return &DataError{File: x.source, Msg: "cannot read the file as " + Quote(charset) + ": " + err.Error(), Err: err}
		}
		x.transcoded = true
		br = bufio.NewReaderSize(in, 64<<10)
	}
	// The first character that is not blank must be "<".
	line, col := 1, 1
	for n := 1; ; n++ {
		p, err := br.Peek(n)
		if len(p) < n {
			if errors.Is(err, bufio.ErrBufferFull) {
				break // very long blank space: let the decoder go on
			}
			if err == io.EOF || err == nil {
				if n == 1 && x.bom == 0 {
					return &DataError{File: x.source, Msg: "the file is empty (0 bytes) – expected an XML document"}
				}
				return &DataError{File: x.source, Pos: Pos{Line: line, Col: col},
					Msg: "the file holds only blank space – expected an XML document"}
			}
			if de := AsDataError(err); de != nil {
				return de
			}
			return x.ioError(err)
		}
		c := p[n-1]
		if c == '<' {
			break
		}
		switch c {
		case ' ', '\t', '\r':
			col++
			continue
		case '\n':
			line, col = line+1, 1
			continue
		}
		sample, _ := br.Peek(n - 1 + 60)
		sample = sample[n-1:]
		if i := bytes.IndexAny(sample, "\r\n"); i >= 0 {
			sample = sample[:i]
		}
		return &DataError{File: x.source, Pos: Pos{Line: line, Col: col},
			Msg: "the file does not start with \"<\" – this is not an XML document (it starts with " + Quote(string(sample)) + ")"}
	}
	x.dec = xml.NewDecoder(br)
	x.dec.Strict = true
	x.dec.CharsetReader = x.charsetReader
	return nil
}

// charsetReader is the Decoder's CharsetReader: it switches to a decoder for
// the declared encoding, unless a BOM or the Encoding option decided already.
func (x *xmlReader) charsetReader(charset string, input io.Reader) (io.Reader, error) {
	if x.sawMarkup {
		line, col := x.dec.InputPos()
		return nil, x.fail(line, col, "the XML declaration <?xml …?> must be at the very start of the file")
	}
	if x.transcoded {
		return input, nil
	}
	switch charsetKey(charset) {
	case "usascii", "ascii", "utf8":
		return input, nil // UTF-8 reads these; the decoder checks the bytes
	case "utf16", "utf16le", "utf16be", "ucs2":
		// A real UTF-16 file was recognised by its first bytes. This one
		// was read as single bytes up to here: it is UTF-8 or ASCII with a
		// wrong label (.NET writes such files), so read it as UTF-8.
		return input, nil
	}
	r, err := x.newDecoder(input, charset, x.source)
	if err != nil {
		line, _ := x.dec.InputPos()
		return nil, &DataError{File: x.source, Pos: Pos{Line: line}, Err: err,
			Msg: "the file declares the character encoding " + Quote(charset) + ", which cannot be read: " + err.Error()}
	}
	x.late = true
	x.lateLine, _ = x.dec.InputPos()
	x.lateOff = x.dec.InputOffset() + x.bom
	return r, nil
}

func (x *xmlReader) ioError(err error) *DataError {
	return &DataError{File: x.source, Msg: "reading the file failed: " + err.Error(), Err: err}
}

func (x *xmlReader) next() (*Record, error) {
	if !x.started {
		x.started = true
		if err := x.start(); err != nil {
			return nil, err
		}
	}
	dec := x.dec
	for {
		line, col := dec.InputPos()
		tok, err := dec.RawToken()
		if err != nil {
			if err == io.EOF {
				return nil, x.atEOF()
			}
			return nil, x.tokenError(err, line, col)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			x.sawMarkup = true
			if err := x.startElement(t, line, col); err != nil {
				return nil, err
			}
		case xml.EndElement:
			rec, err := x.endElement(t, line, col)
			if rec != nil || err != nil {
				return rec, err
			}
		case xml.CharData:
			if len(x.nodes) > 0 {
				x.text(t)
				continue
			}
			if len(x.frames) > 0 || isXMLSpace(t) {
				continue // text outside records is not data
			}
			x.sawMarkup = true
			if x.rootClosed {
				return nil, x.fail(line, col, "text "+Quote(string(t))+" after the end of the document element </"+x.rootName+"> – an XML file ends with its document element")
			}
			return nil, x.fail(line, col, "text "+Quote(string(t))+" before the first element – an XML document starts with \"<\"")
		case xml.ProcInst:
			if t.Target == "xml" && x.sawMarkup {
				return nil, x.fail(line, col, "the XML declaration <?xml …?> must be at the very start of the file")
			}
			x.sawMarkup = true
		case xml.Directive:
			x.sawMarkup = true
			if bytes.Contains(t, []byte("<!ENTITY")) || bytes.HasPrefix(t, []byte("ENTITY")) {
				return nil, x.fail(line, col, "the file declares its own entities (<!ENTITY …>); ferry does not read documents with entity declarations (they can expand into huge amounts of text)")
			}
			if x.rootSeen || !bytes.HasPrefix(t, []byte("DOCTYPE")) {
				return nil, x.fail(line, col, "unexpected declaration "+Quote("<!"+string(t)+">")+" – only a <!DOCTYPE …> before the first element, comments <!-- … --> and <![CDATA[ … ]]> sections may start with \"<!\"")
			}
		case xml.Comment:
			x.sawMarkup = true
		}
	}
}

func (x *xmlReader) atEOF() error {
	line, col := x.dec.InputPos()
	if n := len(x.nodes) + len(x.frames); n > 0 {
		name, open := x.innermost()
		return x.fail(line, col, "the file ends before <"+name+"> (opened on line "+strconv.Itoa(open)+") is closed – the file is incomplete; was it still being written?")
	}
	if !x.rootSeen {
		return x.fail(line, col, "the file holds no XML element – expected an XML document")
	}
	return io.EOF
}

func (x *xmlReader) innermost() (name string, line int) {
	if n := len(x.nodes); n > 0 {
		return x.nodes[n-1].full, x.nodes[n-1].pos.Line
	}
	if n := len(x.frames); n > 0 {
		return x.frames[n-1].full, x.frames[n-1].line
	}
	return "", 0
}

// tokenError turns an error of the decoder into a DataError in plain words.
func (x *xmlReader) tokenError(err error, line, col int) error {
	if de := AsDataError(err); de != nil {
		// From the charset decoder (or our CharsetReader): complete it.
		c := *de
		if c.File == "" {
			c.File = x.source
		}
		if x.late && de.File == x.source {
			// Positions count from the switch after the declaration.
			if c.Pos.Line > 0 {
				c.Pos.Line += x.lateLine - 1
			}
			if c.Offset > 0 {
				c.Offset += x.lateOff
			}
		}
		if c.Pos.IsZero() {
			l, cl := x.dec.InputPos()
			c.Pos = Pos{Line: l, Col: cl}
		}
		return &c
	}
	var se *xml.SyntaxError
	if !errors.As(err, &se) {
		msg := err.Error()
		if v, ok := strings.CutPrefix(msg, "xml: unsupported version "); ok {
			v, _, _ = strings.Cut(v, ";")
			return x.fail(line, col, "the file declares XML version "+v+"; only version 1.0 is supported")
		}
		e := x.ioError(err)
		e.Pos = Pos{Line: line, Col: col}
		return e
	}
	eline, ecol := x.dec.InputPos()
	in := ""
	if name, open := x.innermost(); name != "" {
		in = " inside <" + name + "> (opened on line " + strconv.Itoa(open) + ")"
	}
	var msg string
	m := se.Msg
	switch {
	case m == "unexpected EOF":
		msg = "the file ends in the middle of a tag" + in + " – the file is incomplete; was it still being written?"
	case m == "unexpected EOF in CDATA section":
		msg = "the file ends inside a <![CDATA[ section" + in + " – the file is incomplete; was it still being written?"
	case m == "expected element name after <":
		msg = "expected an element name after \"<\"; a \"<\" in text must be written as &lt;"
	case m == "expected element name after </":
		msg = "expected an element name after \"</\""
	case strings.HasPrefix(m, "invalid characters between </"):
		n := strings.TrimSuffix(strings.TrimPrefix(m, "invalid characters between </"), " and >")
		msg = "unexpected characters in the closing tag </" + n + ">"
	case m == "expected target name after <?":
		msg = "expected a name after \"<?\""
	case m == "invalid sequence <!- not part of <!--":
		msg = "a comment must start with \"<!--\""
	case strings.HasPrefix(m, "invalid sequence \"--\""):
		msg = "a comment contains \"--\", which XML does not allow inside comments"
	case m == "invalid <![ sequence":
		msg = "expected \"<![CDATA[\" after \"<![\""
	case m == "expected /> in element":
		msg = "expected \"/>\" to end the tag"
	case m == "expected attribute name in element":
		msg = "expected an attribute name or the end of the tag (\">\")"
	case m == "attribute name without = in element":
		msg = "an attribute has no value (expected name=\"value\")"
	case m == "unquoted or missing attribute value in element":
		msg = "an attribute value is not in quotes (expected name=\"value\")"
	case m == "unescaped ]]> not in CDATA section":
		msg = "\"]]>\" may not appear in text; write it as ]]&gt;"
	case m == "unescaped < inside quoted string":
		msg = "an attribute value contains \"<\"; write it as &lt;"
	case strings.HasPrefix(m, "invalid character entity "):
		ent := strings.TrimPrefix(m, "invalid character entity ")
		if ent == "& (no semicolon)" {
			msg = "a plain \"&\" must be written as &amp; (as in \"Müller &amp; Co.\")"
		} else if e, ok := strings.CutSuffix(ent, " (no semicolon)"); ok {
			msg = Quote(e) + " is not a complete entity reference (missing \";\"); a plain \"&\" must be written as &amp;"
		} else {
			msg = "unknown entity " + Quote(ent) + "; XML knows only &amp; &lt; &gt; &quot; &apos; and &#…; – a plain \"&\" must be written as &amp;"
		}
	case m == "invalid UTF-8":
		msg = "the text is not valid UTF-8 – is the file Windows-1252 (ANSI)? It must then say so in its first line: <?xml version=\"1.0\" encoding=\"windows-1252\"?>"
	case strings.HasPrefix(m, "illegal character code "):
		msg = "the character " + strings.TrimPrefix(m, "illegal character code ") + " is not allowed in an XML file"
	case strings.HasPrefix(m, "invalid XML name: "):
		msg = Quote(strings.TrimPrefix(m, "invalid XML name: ")) + " is not a valid XML name"
	default:
		msg = "the XML is not well-formed here"
	}
	e := x.fail(eline, ecol, msg)
	e.Err = err
	return e
}

// checkAttrs rejects a repeated attribute name in one tag.
func (x *xmlReader) checkAttrs(t xml.StartElement, line, col int) error {
	a := t.Attr
	if len(a) < 2 {
		return nil
	}
	if len(a) <= 16 {
		for i := 1; i < len(a); i++ {
			for j := 0; j < i; j++ {
				if a[i].Name == a[j].Name {
					return x.dupAttr(t, a[i].Name, line, col)
				}
			}
		}
		return nil
	}
	seen := make(map[xml.Name]struct{}, len(a))
	for _, at := range a {
		if _, ok := seen[at.Name]; ok {
			return x.dupAttr(t, at.Name, line, col)
		}
		seen[at.Name] = struct{}{}
	}
	return nil
}

func (x *xmlReader) dupAttr(t xml.StartElement, n xml.Name, line, col int) error {
	return x.fail(line, col, "the attribute "+x.full(n)+" appears twice in <"+x.full(t.Name)+">")
}

// full returns the name as written, "prefix:local".
func (x *xmlReader) full(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	if s, ok := x.fullNames[n]; ok {
		return s
	}
	s := n.Space + ":" + n.Local
	if x.fullNames == nil {
		x.fullNames = make(map[xml.Name]string)
	}
	if len(x.fullNames) < 4096 {
		x.fullNames[n] = s
	}
	return s
}

// attrName returns "@prefix:local".
func (x *xmlReader) attrName(n xml.Name) string {
	if s, ok := x.attrNames[n]; ok {
		return s
	}
	s := "@" + n.Local
	if n.Space != "" {
		s = "@" + n.Space + ":" + n.Local
	}
	if x.attrNames == nil {
		x.attrNames = make(map[xml.Name]string)
	}
	if len(x.attrNames) < 4096 {
		x.attrNames[n] = s
	}
	return s
}

func isNamespaceDecl(n xml.Name) bool {
	return n.Space == "xmlns" || (n.Space == "" && n.Local == "xmlns")
}

func (x *xmlReader) startElement(t xml.StartElement, line, col int) error {
	depth := len(x.frames) + len(x.nodes)
	if depth >= x.maxDepth {
		return x.fail(line, col, "elements nested deeper than "+strconv.Itoa(x.maxDepth)+
			" levels – a data file never needs this; the file is damaged or not a data export (the limit is max_depth)")
	}
	if err := x.checkAttrs(t, line, col); err != nil {
		return err
	}
	full := x.full(t.Name)
	if len(x.nodes) > 0 {
		return x.startChild(t, full, line, col)
	}
	if depth == 0 {
		if x.rootClosed {
			return x.fail(line, col, "a second document element <"+full+"> after </"+x.rootName+
				"> – an XML file holds exactly one document element (were two files joined together?)")
		}
		x.rootSeen, x.rootName = true, full
	}
	index := 1
	if depth > 0 {
		p := &x.frames[depth-1]
		if p.counts == nil {
			p.counts = make(map[string]int)
		}
		if n, ok := p.counts[full]; ok || len(p.counts) < 4096 {
			index = n + 1
			p.counts[full] = index
		} else {
			index = 0 // too many different names to count: no index in the path
		}
	}
	if x.isRecord(t.Name, full) {
		x.nrec++
		ref := "/" + full
		if index > 0 {
			ref += "[" + strconv.Itoa(index) + "]"
		}
		if depth > 0 {
			ref = x.framePath(depth-1) + ref
		}
		x.recRef = ref
		x.pushNode(t, full, Pos{Line: line, Col: col, Ref: ref, Index: x.nrec}, true)
		return nil
	}
	if cap(x.frames) > len(x.frames) {
		x.frames = x.frames[:len(x.frames)+1]
	} else {
		x.frames = append(x.frames, xmlFrame{})
	}
	f := &x.frames[len(x.frames)-1]
	if f.counts != nil {
		clear(f.counts)
	}
	f.name, f.full, f.line, f.index, f.path = t.Name, full, line, index, ""
	return nil
}

// isRecord tells whether an element starting at the current depth is a record.
func (x *xmlReader) isRecord(n xml.Name, full string) bool {
	depth := len(x.frames)
	if len(x.steps) == 0 {
		return depth == 1
	}
	k := len(x.steps)
	if depth+1 < k || (x.absolute && depth+1 != k) {
		return false
	}
	if !x.steps[k-1].match(n, full) {
		return false
	}
	for i := k - 2; i >= 0; i-- {
		f := &x.frames[depth-(k-1-i)]
		if !x.steps[i].match(f.name, f.full) {
			return false
		}
	}
	return true
}

// framePath returns the element path of frame i, "/A/B[2]/C".
func (x *xmlReader) framePath(i int) string {
	if x.frames[i].path != "" {
		return x.frames[i].path
	}
	j := i
	for j > 0 && x.frames[j-1].path == "" {
		j--
	}
	var b strings.Builder
	if j > 0 {
		b.WriteString(x.frames[j-1].path)
	}
	for ; j <= i; j++ {
		f := &x.frames[j]
		b.WriteByte('/')
		b.WriteString(f.full)
		if f.index > 1 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.index))
			b.WriteByte(']')
		}
		f.path = b.String()
	}
	return x.frames[i].path
}

// shortRef shortens a very deep element path for a message:
// "/a/b/c/…/y/z" keeps the first three and the last two steps.
func shortRef(p string) string {
	if len(p) <= 160 {
		return p
	}
	head := 0
	for i, n := 1, 0; i < len(p); i++ {
		if p[i] == '/' {
			if n++; n == 3 {
				head = i
				break
			}
		}
	}
	tail := len(p)
	for i, n := len(p)-1, 0; i > 0; i-- {
		if p[i] == '/' {
			if n++; n == 2 {
				tail = i
				break
			}
		}
	}
	if head == 0 || tail <= head || tail-head < 8 {
		return p
	}
	return p[:head] + "/…" + p[tail:]
}

// openPath is the element path of the innermost open element, for errors.
func (x *xmlReader) openPath() string {
	if len(x.nodes) == 0 {
		if len(x.frames) == 0 {
			return ""
		}
		return x.framePath(len(x.frames) - 1)
	}
	var b strings.Builder
	b.WriteString(x.recRef)
	for _, n := range x.nodes[1:] {
		b.WriteByte('/')
		b.WriteString(n.full)
	}
	return b.String()
}

func (x *xmlReader) pushNode(t xml.StartElement, full string, pos Pos, record bool) {
	if cap(x.nodes) > len(x.nodes) {
		x.nodes = x.nodes[:len(x.nodes)+1]
	} else {
		x.nodes = append(x.nodes, xmlNode{})
	}
	n := &x.nodes[len(x.nodes)-1]
	if n.index != nil {
		clear(n.index)
	}
	n.name, n.full, n.pos, n.start = t.Name, full, pos, len(x.scratch)
	n.text, n.textField, n.complex = n.text[:0], -1, record
	fpos := Pos{Line: pos.Line, Col: pos.Col}
	for _, a := range t.Attr {
		if isNamespaceDecl(a.Name) {
			continue
		}
		n.complex = true
		x.scratch = append(x.scratch, Field{Name: x.attrName(a.Name), Value: String(a.Value), Pos: fpos})
	}
}

func (x *xmlReader) startChild(t xml.StartElement, full string, line, col int) error {
	p := &x.nodes[len(x.nodes)-1]
	if !p.complex {
		x.makeComplex(p)
	}
	x.pushNode(t, full, Pos{Line: line, Col: col}, false)
	return nil
}

// makeComplex turns an element that had only text so far into one with
// children: its text so far becomes "#text" if it is not just blank space.
func (x *xmlReader) makeComplex(n *xmlNode) {
	n.complex = true
	if len(n.text) == 0 {
		return
	}
	if isXMLSpace(n.text) {
		n.text = n.text[:0]
		return
	}
	n.textField = len(x.scratch)
	x.scratch = append(x.scratch, Field{Name: "#text", Pos: Pos{Line: n.pos.Line, Col: n.pos.Col}})
}

func (x *xmlReader) text(t xml.CharData) {
	n := &x.nodes[len(x.nodes)-1]
	if !n.complex {
		n.text = append(n.text, t...)
		return
	}
	if isXMLSpace(t) {
		return
	}
	if n.textField < 0 {
		n.textField = len(x.scratch)
		x.scratch = append(x.scratch, Field{Name: "#text", Pos: Pos{Line: n.pos.Line, Col: n.pos.Col}})
	}
	n.text = append(n.text, t...)
}

func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\n' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

func (x *xmlReader) endElement(t xml.EndElement, line, col int) (*Record, error) {
	var name string
	var open int
	var want xml.Name
	switch {
	case len(x.nodes) > 0:
		n := &x.nodes[len(x.nodes)-1]
		want, name, open = n.name, n.full, n.pos.Line
	case len(x.frames) > 0:
		f := &x.frames[len(x.frames)-1]
		want, name, open = f.name, f.full, f.line
	default:
		return nil, x.fail(line, col, "the closing tag </"+x.full(t.Name)+"> has no opening tag")
	}
	if t.Name != want {
		return nil, x.fail(line, col, "the closing tag </"+x.full(t.Name)+"> does not match <"+name+
			"> opened on line "+strconv.Itoa(open)+"; expected </"+name+"> here")
	}
	if len(x.nodes) == 0 {
		x.frames = x.frames[:len(x.frames)-1]
		if len(x.frames) == 0 {
			x.rootClosed = true
		}
		return nil, nil
	}
	n := &x.nodes[len(x.nodes)-1]
	if n.textField >= 0 {
		x.scratch[n.textField].Value = String(string(n.text))
	}
	var v Value
	if n.complex {
		fs := make([]Field, len(x.scratch)-n.start)
		copy(fs, x.scratch[n.start:])
		clear(x.scratch[n.start:])
		x.scratch = x.scratch[:n.start]
		if len(x.nodes) == 1 {
			x.nodes = x.nodes[:0]
			if len(x.frames) == 0 {
				x.rootClosed = true
			}
			return &Record{Fields: fs, Pos: n.pos}, nil
		}
		v = Nested(&Record{Fields: fs, Pos: n.pos})
	} else {
		v = String(string(n.text))
	}
	name, pos := n.full, n.pos
	x.nodes = x.nodes[:len(x.nodes)-1]
	x.addChild(&x.nodes[len(x.nodes)-1], name, v, pos)
	return nil, nil
}

// addChild adds a child element's value to its parent; a repeated name
// extends the list at the first occurrence.
func (x *xmlReader) addChild(p *xmlNode, name string, v Value, pos Pos) {
	i := -1
	if p.index != nil {
		if j, ok := p.index[name]; ok {
			i = j
		}
	} else {
		fs := x.scratch[p.start:]
		for j := range fs {
			if fs[j].Name == name {
				i = p.start + j
				break
			}
		}
		if i < 0 && len(fs) >= 32 {
			p.index = make(map[string]int, 64)
			for j := range fs {
				if _, ok := p.index[fs[j].Name]; !ok {
					p.index[fs[j].Name] = p.start + j
				}
			}
		}
	}
	if i >= 0 {
		f := &x.scratch[i]
		if f.Value.kind == KindList {
			f.Value.nest.list = append(f.Value.nest.list, v)
		} else {
			f.Value = List([]Value{f.Value, v})
		}
		return
	}
	for _, s := range x.lists {
		if s.match(xml.Name{Local: localName(name)}, name) {
			v = List([]Value{v})
			break
		}
	}
	if p.index != nil {
		p.index[name] = len(x.scratch)
	}
	x.scratch = append(x.scratch, Field{Name: name, Value: v, Pos: pos})
}

func localName(full string) string {
	if i := strings.IndexByte(full, ':'); i >= 0 {
		return full[i+1:]
	}
	return full
}

// ---------------------------------------------------------------------------
// Writer

type xmlEncoderFunc func(w io.Writer, charset string) (io.WriteCloser, error)

type xmlWriter struct {
	out     io.Writer
	enc     io.WriteCloser // charset encoder to close, if any
	buf     []byte
	decl    string
	root    string // wrapper element ("" with SingleRecord)
	rootTag []byte // "<root xmlns=… a=…" without ">"
	recName string
	single  bool
	attrs   []XMLAttr // namespace declarations and root attributes, for SingleRecord
	indent  string
	pretty  bool
	repr    func(rune) bool // nil: every character can be written as is
	n       int
	closed  bool
	err     error
	path    []string
	names   map[string]bool
}

func newXMLWriter(w io.Writer, opt XMLOptions, ne xmlEncoderFunc) (*xmlWriter, error) {
	x := &xmlWriter{out: w, single: opt.SingleRecord, pretty: !opt.Compact, indent: opt.Indent}
	if x.indent == "" {
		x.indent = "  "
	}
	if strings.Trim(x.indent, " \t") != "" {
		return nil, fmt.Errorf("xml: indent %q: only spaces and tabs can indent", opt.Indent)
	}
	x.recName = strings.TrimSpace(opt.RecordElement)
	if i := strings.LastIndexByte(x.recName, '/'); i >= 0 {
		x.recName = x.recName[i+1:]
	}
	if x.recName == "" {
		x.recName = "record"
	}
	if !validXMLName(x.recName) {
		return nil, fmt.Errorf("xml: record_element %q is not an XML element name", opt.RecordElement)
	}
	if !x.single {
		x.root = strings.TrimSpace(opt.Root)
		if x.root == "" {
			x.root = "records"
		}
		if !validXMLName(x.root) {
			return nil, fmt.Errorf("xml: root %q is not an XML element name", opt.Root)
		}
	}
	// Encoding.
	charset := strings.TrimSpace(opt.Encoding)
	declName := "UTF-8"
	switch key := charsetKey(charset); key {
	case "", "utf8":
	default:
		if !validEncName(charset) {
			return nil, fmt.Errorf("xml: encoding %q is not an encoding name", charset)
		}
		e, err := ne(w, charset)
		if err != nil {
			return nil, fmt.Errorf("xml: encoding %q: %w", charset, err)
		}
		x.enc, x.out = e, e
		switch key {
		case "utf8bom":
		case "windows1252", "cp1252", "ansi":
			declName, x.repr = "windows-1252", inWindows1252
		case "iso88591", "latin1":
			declName, x.repr = "ISO-8859-1", inLatin1
		case "iso885915", "latin9":
			declName, x.repr = "ISO-8859-15", inLatin9
		case "utf16", "utf16le", "utf16be":
			declName = "UTF-16"
		default:
			declName = charset
		}
	}
	x.decl = `<?xml version="1.0" encoding="` + declName + `"?>` + "\n"
	// Namespaces and root attributes.
	seen := map[string]bool{}
	for _, ns := range opt.Namespaces {
		name := "xmlns"
		if ns.Prefix != "" {
			if !validXMLName(ns.Prefix) || strings.Contains(ns.Prefix, ":") {
				return nil, fmt.Errorf("xml: namespace prefix %q is not a valid prefix", ns.Prefix)
			}
			name = "xmlns:" + ns.Prefix
		}
		x.attrs = append(x.attrs, XMLAttr{Name: name, Value: ns.URI})
	}
	for _, a := range opt.RootAttributes {
		if !validXMLName(a.Name) {
			return nil, fmt.Errorf("xml: root attribute name %q is not an XML name", a.Name)
		}
		x.attrs = append(x.attrs, a)
	}
	for _, a := range x.attrs {
		if seen[a.Name] {
			return nil, fmt.Errorf("xml: root attribute %q is given twice", a.Name)
		}
		seen[a.Name] = true
		if _, err := x.appendText(nil, a.Value, true); err != "" {
			return nil, fmt.Errorf("xml: root attribute %q: the value %s %s", a.Name, Quote(a.Value), err)
		}
	}
	if !x.single {
		x.rootTag = append(x.rootTag, '<')
		x.rootTag = append(x.rootTag, x.root...)
		x.rootTag = x.appendAttrs(x.rootTag, nil)
		x.attrs = nil
	}
	x.buf = make([]byte, 0, 64<<10)
	return x, nil
}

// charsetKey folds an encoding name for comparison: "ISO-8859-1" → "iso88591".
func charsetKey(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_' || c == ' ':
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// validEncName reports whether s is an XML EncName: [A-Za-z] ([A-Za-z0-9._] | '-')*.
func validEncName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			continue
		}
		return false
	}
	return true
}

// appendAttrs appends the root attributes, skipping names the record sets.
func (x *xmlWriter) appendAttrs(b []byte, rec *Record) []byte {
	for _, a := range x.attrs {
		if rec != nil && rec.Index("@"+a.Name) >= 0 {
			continue
		}
		b = append(b, ' ')
		b = append(b, a.Name...)
		b = append(b, '=', '"')
		b, _ = x.appendText(b, a.Value, true)
		b = append(b, '"')
	}
	return b
}

// Write writes one record as an element.
func (x *xmlWriter) Write(rec *Record) error {
	if x.err != nil {
		return x.err
	}
	if x.closed {
		x.err = errors.New("xml: Write after Close")
		return x.err
	}
	if x.single && x.n > 0 {
		x.err = x.recordError(rec, "", "this XML output holds one record (single_record: one document per file); record "+
			strconv.Itoa(x.n+1)+" cannot be written – write one file per record")
		return x.err
	}
	if x.n == 0 {
		x.buf = append(x.buf, x.decl...)
		if !x.single {
			x.buf = append(x.buf, x.rootTag...)
			x.buf = append(x.buf, '>')
		}
	}
	depth := 1
	if x.single {
		depth = 0
	}
	x.path = x.path[:0]
	mark := len(x.buf)
	if err := x.element(x.recName, rec, depth, x.single); err != nil {
		x.buf = x.buf[:mark]
		x.err = x.fieldError(rec, err)
		return x.err
	}
	x.n++
	if len(x.buf) >= 64<<10 {
		x.flush()
	}
	return x.err
}

// Close ends the document and flushes; it does not close the io.Writer.
func (x *xmlWriter) Close() error {
	if x.closed || x.err != nil {
		return x.err
	}
	x.closed = true
	switch {
	case x.n == 0 && x.single:
	case x.n == 0:
		x.buf = append(x.buf, x.decl...)
		x.buf = append(x.buf, x.rootTag...)
		x.buf = append(x.buf, "/>\n"...)
	case x.single:
		x.buf = append(x.buf, '\n')
	default:
		if x.pretty {
			x.buf = append(x.buf, '\n')
		}
		x.buf = append(x.buf, "</"...)
		x.buf = append(x.buf, x.root...)
		x.buf = append(x.buf, ">\n"...)
	}
	x.flush()
	if x.enc != nil && x.err == nil {
		if err := x.enc.Close(); err != nil {
			x.err = err
		}
	}
	return x.err
}

func (x *xmlWriter) flush() {
	if len(x.buf) == 0 || x.err != nil {
		return
	}
	n, err := x.out.Write(x.buf)
	if err == nil && n < len(x.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		x.err = err
	}
	x.buf = x.buf[:0]
}

// xmlFieldErr is a problem with one field, found while writing.
type xmlFieldErr struct {
	path []string // field names from the record down
	pos  Pos
	msg  string
}

func (e *xmlFieldErr) Error() string { return e.msg }

func (x *xmlWriter) fail(pos Pos, msg string) error {
	return &xmlFieldErr{path: append([]string(nil), x.path...), pos: pos, msg: msg}
}

func (x *xmlWriter) recordError(rec *Record, field, msg string) *DataError {
	pos := Pos{}
	if rec != nil {
		pos = rec.Pos
	}
	if pos.IsZero() {
		pos.Index = x.n + 1
	}
	return &DataError{Pos: pos, Field: field, Msg: msg}
}

func (x *xmlWriter) fieldError(rec *Record, err error) *DataError {
	fe := err.(*xmlFieldErr)
	de := x.recordError(rec, strings.Join(fe.path, "."), fe.msg)
	if !fe.pos.IsZero() {
		if fe.pos.Index == 0 {
			fe.pos.Index = de.Pos.Index
		}
		de.Pos = fe.pos
	}
	return de
}

func (x *xmlWriter) newline(depth int) {
	if !x.pretty || depth <= 0 {
		return
	}
	x.buf = append(x.buf, '\n')
	for i := 0; i < depth; i++ {
		x.buf = append(x.buf, x.indent...)
	}
}

// dupAttr reports whether the attribute field fs[i] repeats an earlier
// one. Past 32 fields it keeps a set in *seen, so the check stays linear.
func dupAttr(fs []Field, i int, seen *map[string]struct{}) bool {
	if i < 32 {
		for j := 0; j < i; j++ {
			if fs[j].Name == fs[i].Name {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 64)
		for j := 0; j < i; j++ {
			if fs[j].Name != "" && fs[j].Name[0] == '@' {
				(*seen)[fs[j].Name] = struct{}{}
			}
		}
	}
	if _, ok := (*seen)[fs[i].Name]; ok {
		return true
	}
	(*seen)[fs[i].Name] = struct{}{}
	return false
}

// element writes rec as <name …>…</name>. depth < 0: inside mixed content,
// no layout whitespace.
func (x *xmlWriter) element(name string, rec *Record, depth int, root bool) error {
	x.newline(depth)
	x.buf = append(x.buf, '<')
	x.buf = append(x.buf, name...)
	if root {
		x.buf = x.appendAttrs(x.buf, rec)
	}
	content, mixed := false, false
	var seen map[string]struct{}
	var fs []Field
	if rec != nil {
		fs = rec.Fields
	}
	for i := range fs {
		f := &fs[i]
		if len(f.Name) == 0 || f.Name[0] != '@' {
			content = true
			if f.Name == "#text" && f.Value.text != "" {
				mixed = true
			}
			continue
		}
		x.path = append(x.path, f.Name)
		an := f.Name[1:]
		if !x.nameOK(an) {
			return x.fail(f.Pos, "cannot be an XML attribute name ("+nameProblem(an)+"; rename the field)")
		}
		if dupAttr(fs, i, &seen) {
			return x.fail(f.Pos, "the attribute appears twice in one record")
		}
		if !f.Value.IsScalar() {
			return x.fail(f.Pos, "holds a "+f.Value.kind.String()+"; an XML attribute can only hold text")
		}
		x.buf = append(x.buf, ' ')
		x.buf = append(x.buf, an...)
		x.buf = append(x.buf, '=', '"')
		var bad string
		if x.buf, bad = x.appendText(x.buf, f.Value.text, true); bad != "" {
			return x.fail(f.Pos, "the value "+Quote(f.Value.text)+" "+bad)
		}
		x.buf = append(x.buf, '"')
		x.path = x.path[:len(x.path)-1]
	}
	if !content {
		x.buf = append(x.buf, '/', '>')
		return nil
	}
	x.buf = append(x.buf, '>')
	inner := depth + 1
	if mixed || depth < 0 {
		inner = -1
	}
	children := false
	for i := range fs {
		f := &fs[i]
		if len(f.Name) > 0 && f.Name[0] == '@' {
			continue
		}
		x.path = append(x.path, f.Name)
		if f.Name == "#text" {
			if !f.Value.IsScalar() {
				return x.fail(f.Pos, "holds a "+f.Value.kind.String()+"; the text of an XML element can only be text")
			}
			var bad string
			if x.buf, bad = x.appendText(x.buf, f.Value.text, false); bad != "" {
				return x.fail(f.Pos, "the value "+Quote(f.Value.text)+" "+bad)
			}
		} else {
			if f.Name == "" {
				return x.fail(f.Pos, "a field without a name cannot be written as an XML element (name the field)")
			}
			if !x.nameOK(f.Name) {
				return x.fail(f.Pos, "cannot be an XML element name ("+nameProblem(f.Name)+"; rename the field)")
			}
			if err := x.child(f.Name, f.Value, f.Pos, inner); err != nil {
				return err
			}
			children = true
		}
		x.path = x.path[:len(x.path)-1]
	}
	if children && inner >= 0 {
		if depth == 0 && x.pretty {
			x.buf = append(x.buf, '\n')
		} else {
			x.newline(depth)
		}
	}
	x.buf = append(x.buf, '<', '/')
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, '>')
	return nil
}

func (x *xmlWriter) child(name string, v Value, pos Pos, depth int) error {
	switch v.kind {
	case KindNull:
		x.newline(depth)
		x.buf = append(x.buf, '<')
		x.buf = append(x.buf, name...)
		x.buf = append(x.buf, '/', '>')
	case KindRecord:
		return x.element(name, v.Record(), depth, false)
	case KindList:
		k := len(x.path) - 1 // this field's step in the path
		for i, e := range v.List() {
			if e.kind == KindList {
				x.path[k] = name + "[" + strconv.Itoa(i) + "]"
				return x.fail(pos, "holds a list inside a list, which XML cannot show (repeated elements make one list)")
			}
			if err := x.child(name, e, pos, depth); err != nil {
				// Name the list element: "OrderItems[1].Sku".
				if fe, ok := err.(*xmlFieldErr); ok && k >= 0 && k < len(fe.path) {
					fe.path[k] = name + "[" + strconv.Itoa(i) + "]"
				}
				return err
			}
		}
	default:
		x.newline(depth)
		x.buf = append(x.buf, '<')
		x.buf = append(x.buf, name...)
		x.buf = append(x.buf, '>')
		var bad string
		if x.buf, bad = x.appendText(x.buf, v.text, false); bad != "" {
			return x.fail(pos, "the value "+Quote(v.text)+" "+bad)
		}
		x.buf = append(x.buf, '<', '/')
		x.buf = append(x.buf, name...)
		x.buf = append(x.buf, '>')
	}
	return nil
}

// appendText appends s escaped for element text or (attr) a double-quoted
// attribute value. It returns a description of the problem when s holds
// something XML 1.0 cannot carry.
func (x *xmlWriter) appendText(b []byte, s string, attr bool) ([]byte, string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c >= 0x20 && c != '&' && c != '<' && c != '>' && c != '"':
				i++
				continue
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"':
				if !attr {
					i++
					continue
				}
				esc = "&quot;"
			case c == '\r':
				esc = "&#xD;"
			case c == '\n':
				if !attr {
					i++
					continue
				}
				esc = "&#xA;"
			case c == '\t':
				if !attr {
					i++
					continue
				}
				esc = "&#x9;"
			default:
				return b, "contains the control character " + fmt.Sprintf("U+%04X", c) + ", which an XML file cannot hold – remove it from the source data"
			}
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return b, "is not valid UTF-8 text (byte " + fmt.Sprintf("0x%02X", c) + ")"
		}
		if r == 0xFFFE || r == 0xFFFF {
			return b, "contains the character " + fmt.Sprintf("U+%04X", r) + ", which an XML file cannot hold – remove it from the source data"
		}
		if x.repr != nil && !x.repr(r) {
			b = append(b, s[last:i]...)
			b = append(b, "&#x"...)
			b = strconv.AppendInt(b, int64(r), 16)
			b = append(b, ';')
			i += size
			last = i
			continue
		}
		i += size
	}
	return append(b, s[last:]...), ""
}

// nameOK reports whether name can be written as an element or attribute
// name that the reader reads back: an XML name with at most one ":" that is
// neither first nor last, accepted by encoding/xml.
func (x *xmlWriter) nameOK(name string) bool {
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return validXMLName(name)
	}
	if ok, seen := x.names[name]; seen {
		return ok
	}
	ok := validXMLName(name) && decoderAcceptsName(name)
	if x.repr != nil {
		for _, r := range name {
			if !x.repr(r) {
				ok = false // a name cannot use a character reference
			}
		}
	}
	if x.names == nil {
		x.names = map[string]bool{}
	}
	if len(x.names) < 1024 {
		x.names[name] = ok
	}
	return ok
}

// decoderAcceptsName asks encoding/xml whether it reads name as an element
// name (its tables are XML 1.0 4th edition, narrower than the 5th).
func decoderAcceptsName(name string) bool {
	d := xml.NewDecoder(strings.NewReader("<" + name + "/>"))
	t, err := d.RawToken()
	if err != nil {
		return false
	}
	se, ok := t.(xml.StartElement)
	return ok && len(se.Attr) == 0
}

// validXMLName reports whether s is an XML 1.0 (5th edition) Name with at
// most one colon, which is neither first nor last.
func validXMLName(s string) bool {
	return nameProblem(s) == ""
}

// nameProblem says why s is not a usable XML name, "" if it is one.
func nameProblem(s string) string {
	if s == "" {
		return "the name is empty"
	}
	colons := 0
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return "the name is not valid UTF-8 text"
			}
		}
		if r == ':' {
			colons++
			if i == 0 || i == len(s)-1 || colons > 1 {
				return "\":\" may only separate a prefix from the name, as in bme:NAME"
			}
			continue
		}
		if i == 0 {
			if !isNameStart(r) {
				if r >= '0' && r <= '9' || r == '-' || r == '.' {
					return "a name cannot start with " + strconv.Quote(string(r))
				}
				return strconv.Quote(string(r)) + " is not allowed in a name"
			}
			continue
		}
		if !isNameStart(r) && !isNameRest(r) {
			if r == ' ' {
				return "a name cannot contain spaces"
			}
			return strconv.Quote(string(r)) + " is not allowed in a name"
		}
	}
	return ""
}

func isNameStart(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', r == '_':
		return true
	case r < 0xC0:
		return false
	}
	return r <= 0xD6 || 0xD8 <= r && r <= 0xF6 || 0xF8 <= r && r <= 0x2FF ||
		0x370 <= r && r <= 0x37D || 0x37F <= r && r <= 0x1FFF || 0x200C <= r && r <= 0x200D ||
		0x2070 <= r && r <= 0x218F || 0x2C00 <= r && r <= 0x2FEF || 0x3001 <= r && r <= 0xD7FF ||
		0xF900 <= r && r <= 0xFDCF || 0xFDF0 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0xEFFFF
}

func isNameRest(r rune) bool {
	return '0' <= r && r <= '9' || r == '-' || r == '.' || r == 0xB7 ||
		0x300 <= r && r <= 0x36F || 0x203F <= r && r <= 0x2040
}

// Characters the single-byte encodings can hold; others are written as
// character references. C1 controls (U+0080–U+009F) always are: readers
// take those bytes for Windows-1252 letters.
func inLatin1(r rune) bool { return r < 0x80 || 0xA0 <= r && r <= 0xFF }

func inLatin9(r rune) bool {
	switch r {
	case 0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE:
		return false
	case 0x20AC, 0x160, 0x161, 0x17D, 0x17E, 0x152, 0x153, 0x178:
		return true
	}
	return inLatin1(r)
}

func inWindows1252(r rune) bool {
	if inLatin1(r) {
		return true
	}
	switch r {
	case 0x20AC, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160, 0x2039, 0x152, 0x17D,
		0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x17E, 0x178:
		return true
	}
	return false
}
