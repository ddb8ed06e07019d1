package transform

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// Copy outputs pass files through unchanged: an index (belege_index.csv,
// artikel_dokumente.csv) names, per row, a file that lies beside it in the
// inbox (a PDF); the output copies that file byte for byte under its own
// name template, in the same batch as the run's other outputs:
//
//	outputs:
//	  - outbox: outbox/smartstore/documents
//	    copy: Datei                                   # relative to the inbox
//	    name: "${Kundennummer}/${Belegnummer}.pdf"
//
// The index value must stay inside the inbox: an absolute path, a drive
// letter or ".." is an error of its row, never read.

// errPathNotAllowed is the message of an index value that would leave the
// inbox folder.
const errPathNotAllowed = "a path in the index is not allowed: name a file in the inbox folder or a sub-folder of it (no absolute path, drive letter or \"..\")"

// copySource evaluates o.copy on rec and returns the source file's path,
// checked: inside src's folder, an existing regular file. Its errors are
// errors of the record, naming the field and the value.
func (o *output) copySource(rec *formats.Record, st *RunState, src Source) (string, error) {
	p := o.copy
	bad := func(value, msg string) error {
		de := &formats.DataError{File: st.File, Pos: rec.Pos, Field: "copy", RecordOnly: true}
		if len(p.fields) == 1 {
			de.Field = p.fields[0]
			if f := rec.Field(p.fields[0]); f != nil && !f.Pos.IsZero() {
				de.Pos = f.Pos
			}
		}
		de.Msg = formats.Quote(value) + ": " + msg
		return de
	}
	v, _, err := evalField(p, rec, st)
	if err != nil {
		return "", fieldError(st, rec, "copy", p, err)
	}
	if !v.IsScalar() {
		return "", bad(v.Kind().String(), "the index must give a file name here")
	}
	value := v.Text()
	rel, ok := inboxRelative(value)
	if !ok {
		return "", bad(value, errPathNotAllowed)
	}
	if rel == "" {
		return "", bad(value, "no file named: the index gives no file for this row")
	}
	full := filepath.Join(src.dir(), filepath.FromSlash(rel))
	fi, err := os.Lstat(full)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", bad(value, "there is no such file in the inbox folder beside the index file")
	case err != nil:
		return "", bad(value, "the file cannot be read: "+plainIOError(err).Error())
	case fi.Mode()&fs.ModeSymlink != 0:
		return "", bad(value, errPathNotAllowed+"; it is a link")
	case !fi.Mode().IsRegular():
		return "", bad(value, "is a folder, not a file")
	}
	return full, nil
}

// inboxRelative cleans an index value into a slash-separated path inside
// the inbox. It refuses absolute paths ("/x", "\x", "\\server\x"), drive
// letters ("C:x"), and any ".." segment; "\" counts as a separator (Sage
// writes Windows paths). An empty value gives "", true.
func inboxRelative(value string) (string, bool) {
	s := strings.TrimSpace(value)
	if s == "" {
		return "", true
	}
	s = strings.ReplaceAll(s, `\`, "/")
	if strings.HasPrefix(s, "/") || (len(s) >= 2 && s[1] == ':') || strings.ContainsRune(s, 0) {
		return "", false
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == ".." {
			return "", false
		}
	}
	clean := path.Clean(s)
	if clean == "." || !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", false
	}
	return clean, true
}

// nameTaken is the error of a row whose copy would get the name of an
// earlier row's copy.
func (o *output) nameTaken(file string, rec *formats.Record, rel string) error {
	return &formats.DataError{File: file, Pos: rec.Pos, RecordOnly: true,
		Msg: fmt.Sprintf("the file name %s is already taken by another row of this file; the name template %q must give each copied file its own name", formats.Quote(rel), o.cfg.Name)}
}

// copyFile copies src into the sink as rel of output o, streaming, and
// checks that what was copied is the file as it is now: its SHA-256 is
// taken again after the copy (a file still being written by the other
// system fails its row instead of arriving cut off).
func (ws *writers) copyFile(o *output, m map[string]*openFile, rel string, rec *formats.Record, src string) error {
	if m[rel] != nil {
		return o.nameTaken("", rec, rel) // Run checks it first; kept for safety
	}
	in, err := os.Open(src)
	if err != nil {
		return &formats.DataError{Pos: rec.Pos, RecordOnly: true, Msg: fmt.Sprintf("%s cannot be read: %s", formats.Quote(filepath.Base(src)), plainIOError(err).Error())}
	}
	defer in.Close()
	w, err := ws.sink.Create(o.cfg.OutboxPath, path.Clean(rel))
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(w, io.TeeReader(in, h)); err != nil {
		return fmt.Errorf("copying %s: %w", filepath.Base(src), err)
	}
	copied := h.Sum(nil)
	again, err := fileSHA256(src)
	if err != nil {
		return fmt.Errorf("copying %s: %w", filepath.Base(src), err)
	}
	if !bytes.Equal(copied, again) {
		// Not RecordOnly: the partial copy is staged already, and only
		// failing the file discards it.
		return &formats.DataError{Pos: rec.Pos,
			Msg: fmt.Sprintf("%s changed while it was copied (is it still being written?); drop the index file again when the file is complete", formats.Quote(filepath.Base(src)))}
	}
	f := &openFile{rel: rel, n: 1}
	m[rel] = f
	ws.order = append(ws.order, f)
	if ws.seen == nil {
		ws.seen = map[string]bool{}
	}
	if !ws.seen[src] {
		ws.seen[src] = true
		ws.copied = append(ws.copied, src)
	}
	return nil
}

// fileSHA256 hashes a file.
func fileSHA256(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
