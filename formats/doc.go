// Package formats holds ferry's record model and its streaming readers and
// writers: CSV, JSON (array, object with a records path, JSON Lines), XML,
// TXT (fixed-width and delimited) and XLSX, plus the charset layer
// (UTF-8 with or without BOM, UTF-16, Windows-1252, ISO-8859-1/-15) that
// wraps the io.Reader and io.Writer they work on.
//
// A Reader gets an io.Reader and a source name and returns one *Record per
// Read, io.EOF at the end; memory does not grow with the input (XLSX reading
// is the one capped exception). Every data error is a *DataError that names
// file, position and field. A Writer gets an io.Writer and never closes it.
//
// Formats are looked up in a Registry built by Builtin; there is no global
// state and no init-time registration.
package formats
