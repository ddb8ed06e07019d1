// Package inbox finds finished files in an inbox folder and claims them.
//
// Polling is the truth: a Scanner lists the folder on every Scan and
// remembers, per file, the size and modification time it last saw and since
// when. A file is ready once that pair has stayed the same for at least
// Config.Settle, its name does not look like a temporary file, and (when
// configured) its done-marker exists. Half-written files are normal (an SFTP
// upload grows for minutes; a copy may keep an old modification time), so
// neither the modification time alone nor a file system notification is
// trusted. The Watcher only says when a Scan is worth doing sooner.
//
// A ready file is claimed by renaming it into a private work folder on the
// same volume (Claim). The rename is atomic, so when two ferry instances see
// the same file, exactly one rename succeeds and that instance owns it; the
// other gets ErrGone. Unclaim puts a claimed file back.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultSettle is the Settle used when Config.Settle is zero.
const DefaultSettle = 2 * time.Second

// DefaultIgnore lists the name globs that are never inbox files: temp files
// of uploaders, browsers and ferry itself, Office lock files (~$Mappe.xlsx)
// and dotfiles (which includes ferry's ".ferry-" temp files). They always
// apply, in addition to Config.Ignore.
var DefaultIgnore = []string{"*.tmp", "*.part", "*.filepart", "*.crdownload", "~$*", ".*", "*.ferry-*"}

// Config describes one inbox.
type Config struct {
	// Dir is the inbox folder.
	Dir string `json:"dir,omitempty" yaml:"dir,omitempty"`
	// Match lists name globs (filepath.Match syntax, on the base name,
	// ignoring case) a file must match one of; empty means every file.
	Match []string `json:"match,omitempty" yaml:"match,omitempty"`
	// Ignore lists extra name globs (ignoring case) of files that are never
	// picked up; DefaultIgnore applies as well.
	Ignore []string `json:"ignore,omitempty" yaml:"ignore,omitempty"`
	// Settle is how long a file's size and modification time must stay
	// unchanged before it counts as finished; zero means DefaultSettle.
	Settle time.Duration `json:"settle,omitempty" yaml:"settle,omitempty"`
	// DoneMarker, when set, names the marker file whose presence says an
	// input is complete: a template with exactly one placeholder, {name}
	// (the input's file name) or {stem} (its name without the last
	// extension), for example "{name}.done" or "{stem}.ok". An input is
	// ready only when its marker exists; the marker is claimed together
	// with it. Files that have the marker's shape (here: every "*.done" or
	// "*.ok") are markers, never inputs.
	DoneMarker string `json:"done_marker,omitempty" yaml:"done_marker,omitempty"`
	// FIFO makes Scan return ready files oldest first (modification time,
	// then name); otherwise in name order.
	FIFO bool `json:"fifo,omitempty" yaml:"fifo,omitempty"`
}

// Options are the Scanner's dependencies; zero values mean the real ones.
type Options struct {
	// Now returns the current time; default time.Now. Tests inject a clock.
	Now func() time.Time
	// FS is the file system; default OS.
	FS FS
}

// Candidate is a file Scan found ready. Pass it to Claim.
type Candidate struct {
	// Dir is the inbox folder and Name the file's name in it.
	Dir, Name string
	// Size and ModTime are what the Scanner saw, stable for Settle.
	Size    int64
	ModTime time.Time
	// Marker is the name of the done-marker in Dir, or "" without one.
	Marker string
	// DoneMarker is the inbox's marker template (Config.DoneMarker).
	DoneMarker string
	// FS is the file system the file lives on; nil means OS.
	FS FS
}

// Path returns the candidate's full path.
func (c Candidate) Path() string { return filepath.Join(c.Dir, c.Name) }

// Scanner watches one inbox by polling: call Scan repeatedly. It is not safe
// for concurrent use; use one Scanner per inbox and goroutine. Several
// Scanners (also in several processes) may share an inbox: Claim decides.
type Scanner struct {
	cfg    Config
	settle time.Duration
	match  []string
	ignore []string
	marker markerTemplate
	now    func() time.Time
	fs     FS
	gen    uint64
	seen   map[string]*observation
}

// observation is what the Scanner knows about one file.
type observation struct {
	size     int64
	mod      time.Time
	since    time.Time // when this size+mtime was first seen
	returned bool      // handed out by Scan since it last changed
	gen      uint64    // last Scan that saw the file
}

// New checks cfg and returns a Scanner for its inbox.
func New(cfg Config, opt Options) (*Scanner, error) {
	if cfg.Dir == "" {
		return nil, errors.New("inbox: no folder given")
	}
	if cfg.Settle < 0 {
		return nil, fmt.Errorf("inbox %s: the settle time %s is negative", cfg.Dir, cfg.Settle)
	}
	s := &Scanner{cfg: cfg, settle: cfg.Settle, now: opt.Now, fs: fsOrOS(opt.FS), seen: map[string]*observation{}}
	if s.settle == 0 {
		s.settle = DefaultSettle
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.match, err = lowerGlobs(cfg.Match); err != nil {
		return nil, fmt.Errorf("inbox %s: match: %w", cfg.Dir, err)
	}
	if s.ignore, err = lowerGlobs(append(slices.Clip(DefaultIgnore), cfg.Ignore...)); err != nil {
		return nil, fmt.Errorf("inbox %s: ignore: %w", cfg.Dir, err)
	}
	if s.marker, err = parseMarker(cfg.DoneMarker); err != nil {
		return nil, fmt.Errorf("inbox %s: done marker: %w", cfg.Dir, err)
	}
	return s, nil
}

// lowerGlobs validates globs and lower-cases them for case-blind matching.
func lowerGlobs(globs []string) ([]string, error) {
	out := make([]string, 0, len(globs))
	for _, g := range globs {
		if _, err := filepath.Match(g, ""); err != nil || g == "" {
			return nil, fmt.Errorf("%q is not a valid file name pattern", g)
		}
		out = append(out, strings.ToLower(g))
	}
	return out, nil
}

// anyMatch reports whether the lower-cased name matches one of globs.
func anyMatch(globs []string, lname string) bool {
	for _, g := range globs {
		if ok, _ := filepath.Match(g, lname); ok {
			return true
		}
	}
	return false
}

// Ignored reports whether name is skipped whatever its state: it looks like
// a temporary file, does not match Config.Match, or is a done-marker.
func (s *Scanner) Ignored(name string) bool {
	l := strings.ToLower(name)
	if anyMatch(s.ignore, l) || s.marker.isMarker(name) {
		return true
	}
	return len(s.match) > 0 && !anyMatch(s.match, l)
}

// Scan lists the inbox once and returns the files that are ready now: same
// size and modification time for at least Settle since first seen so, not
// ignored, marker present where configured. A file is returned once; it
// comes back only after it changed (and settled again) or after Forget.
// Memory is bounded by the files present: files that disappeared are
// forgotten.
//
// A file whose details cannot be read is skipped and reported in the error,
// joined with others; the ready files are still returned. An unreadable
// inbox folder returns only an error.
func (s *Scanner) Scan(ctx context.Context) ([]Candidate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := s.fs.ReadDir(s.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("inbox %s: cannot list the folder: %w", s.cfg.Dir, err)
	}
	now := s.now()
	s.gen++
	var (
		markers map[string]bool
		names   []string
		errs    []error
	)
	for i, e := range entries {
		if i&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		name := e.Name()
		if !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 {
			continue // folders, devices, pipes
		}
		if s.marker.isMarker(name) {
			if markers == nil {
				markers = map[string]bool{}
			}
			markers[name] = true
			continue
		}
		if s.Ignored(name) {
			continue
		}
		info, err := s.info(e)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("inbox %s: cannot read the details of %q: %w", s.cfg.Dir, name, err))
			}
			continue
		}
		if !info.Mode().IsRegular() {
			continue
		}
		o := s.seen[name]
		if o == nil {
			o = &observation{size: info.Size(), mod: info.ModTime(), since: now}
			s.seen[name] = o
		} else if o.size != info.Size() || !o.mod.Equal(info.ModTime()) {
			*o = observation{size: info.Size(), mod: info.ModTime(), since: now}
		}
		o.gen = s.gen
		if !o.returned && now.Sub(o.since) >= s.settle {
			names = append(names, name)
		}
	}
	for name, o := range s.seen {
		if o.gen != s.gen {
			delete(s.seen, name)
		}
	}
	var out []Candidate
	for _, name := range names {
		var marker string
		if s.marker.ok() {
			marker = s.marker.of(name)
			if !markers[marker] {
				continue
			}
		}
		o := s.seen[name]
		o.returned = true
		out = append(out, Candidate{Dir: s.cfg.Dir, Name: name, Size: o.size, ModTime: o.mod,
			Marker: marker, DoneMarker: s.cfg.DoneMarker, FS: s.fs})
	}
	if s.cfg.FIFO {
		slices.SortStableFunc(out, func(a, b Candidate) int {
			if c := a.ModTime.Compare(b.ModTime); c != 0 {
				return c
			}
			return strings.Compare(a.Name, b.Name)
		})
	}
	return out, errors.Join(errs...)
}

// info returns a directory entry's details, following a symbolic link.
func (s *Scanner) info(e fs.DirEntry) (fs.FileInfo, error) {
	if e.Type()&fs.ModeSymlink != 0 {
		return s.fs.Stat(filepath.Join(s.cfg.Dir, e.Name()))
	}
	return e.Info()
}

// Forget makes the Scanner treat name as never seen: it must settle again
// before Scan returns it. Scanner.Claim calls it when a claim did not
// happen (the file changed or is still open), so the file is retried.
func (s *Scanner) Forget(name string) { delete(s.seen, name) }

// Claim claims c like the package function Claim and keeps the Scanner's
// memory right: a file that changed or is still held open is forgotten, so
// a later Scan returns it again once it has settled.
func (s *Scanner) Claim(c Candidate, workDir string) (Claimed, error) {
	cl, err := Claim(c, workDir)
	if errors.Is(err, ErrChanged) || errors.Is(err, ErrBusy) {
		s.Forget(c.Name)
	}
	return cl, err
}

// markerTemplate is a parsed Config.DoneMarker: prefix + {name|stem} + suffix.
type markerTemplate struct {
	prefix, suffix string
	stem           bool
	set            bool
}

func parseMarker(t string) (markerTemplate, error) {
	if t == "" {
		return markerTemplate{}, nil
	}
	var m markerTemplate
	n := strings.Count(t, "{name}") + strings.Count(t, "{stem}")
	if n != 1 {
		return m, fmt.Errorf("%q must contain {name} or {stem} exactly once", t)
	}
	ph := "{name}"
	if strings.Contains(t, "{stem}") {
		ph, m.stem = "{stem}", true
	}
	m.prefix, m.suffix, _ = strings.Cut(t, ph)
	m.set = true
	if m.prefix+m.suffix == "" {
		return m, fmt.Errorf("%q needs text besides the placeholder", t)
	}
	if strings.ContainsAny(t, `/\`) {
		return m, fmt.Errorf("%q must be a file name, not a path", t)
	}
	return m, nil
}

func (m markerTemplate) ok() bool { return m.set }

// MarkerName returns the done-marker name the Config.DoneMarker template
// gives the input name, or "" when the template is empty or not valid.
func MarkerName(template, name string) string {
	m, err := parseMarker(template)
	if err != nil || !m.ok() {
		return ""
	}
	return m.of(name)
}

// of returns the marker name of input name.
func (m markerTemplate) of(name string) string {
	base := name
	if m.stem {
		base = strings.TrimSuffix(name, filepath.Ext(name))
	}
	return m.prefix + base + m.suffix
}

// isMarker reports whether name has the marker's shape.
func (m markerTemplate) isMarker(name string) bool {
	return m.set && len(name) > len(m.prefix)+len(m.suffix) &&
		strings.HasPrefix(name, m.prefix) && strings.HasSuffix(name, m.suffix)
}
