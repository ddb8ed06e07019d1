// Package fsutil holds small file-system facts that several parts of the
// runtime need and that differ between operating systems.
package fsutil
