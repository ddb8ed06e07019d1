package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/outbox"
)

// FS is the file system under Local: what inbox.FS offers (inbox.OS and
// the fakes of internal/inbox/inboxtest implement it). Writers with a
// Sync method are synced before they are renamed, and an FS with a method
// SyncDir(dir string) error makes renames durable with it (OSFS does both).
type FS = inbox.FS

// OSFS is the operating system's file system for Local: inbox.OS, with
// temp files created exclusively and folders synced after renames.
type OSFS struct{ inbox.OS }

// Create creates a new file exclusively (outbox.OS.Create).
func (OSFS) Create(name string) (io.WriteCloser, error) { return outbox.OS{}.Create(name) }

// Link makes a hard link (outbox.OS.Link): a replaced file keeps its
// old version under a backup name while the new one takes its place.
func (OSFS) Link(oldname, newname string) error { return outbox.OS{}.Link(oldname, newname) }

// SyncDir makes the renames in dir durable (outbox.SyncDir).
func (OSFS) SyncDir(dir string) error { return outbox.SyncDir(dir) }

// Local is the Store of folders on a local or mounted drive, on an FS.
// Renames stay inside one volume, so the work folder must be on the
// inboxes' volume and every temp file is created in its target folder.
//
// The attempt fence (see the package documentation) lives in the Local
// value: one ferry instance per configuration (the OS lock beside the
// journal) shares one Local among its workers. It remembers every input
// with a batch open and, of the others, at least the last fenceKeep, so
// that its memory stays bounded in a long-running `ferry watch`. (The
// journal refuses a stale attempt's Staged as well.)
type Local struct {
	fsys FS

	mu     sync.Mutex
	latest map[string]*fenceState // per input
	seq    uint64                 // counts fence changes (the age for pruning)
	commit sync.Mutex             // serialises the fence check with the renames

	resMu    sync.Mutex
	reserved map[string]bool // final paths staged by open batches (CreateNew)
}

// NewLocal returns a Local on fsys (nil: OSFS).
func NewLocal(fsys FS) *Local {
	if fsys == nil {
		fsys = OSFS{}
	}
	return &Local{fsys: fsys, latest: map[string]*fenceState{}, reserved: map[string]bool{}}
}

// FS returns the file system the store works on.
func (s *Local) FS() FS { return s.fsys }

func key(a Attempt) string { return a.Pipeline + "\x00" + a.SHA256 }

// List implements Store.
func (s *Local) List(dir string) ([]fs.DirEntry, error) { return s.fsys.ReadDir(dir) }

// Stat implements Store.
func (s *Local) Stat(path string) (fs.FileInfo, error) { return s.fsys.Stat(path) }

// Open implements Store.
func (s *Local) Open(path string) (io.ReadCloser, error) { return s.fsys.Open(path) }

// Claim implements Store with inbox.Claim on the store's FS.
func (s *Local) Claim(c inbox.Candidate, workDir string) (inbox.Claimed, error) {
	c.FS = s.fsys
	return inbox.Claim(c, workDir)
}

// Unclaim implements Store with inbox.Unclaim on the store's FS, and syncs
// the inbox folder.
func (s *Local) Unclaim(cl inbox.Claimed) (string, error) {
	cl.FS = s.fsys
	p, err := inbox.Unclaim(cl)
	if err == nil {
		err = s.syncDir(cl.Dir)
	}
	return p, err
}

func (s *Local) syncDir(dir string) error {
	if sd, ok := s.fsys.(interface{ SyncDir(string) error }); ok {
		return sd.SyncDir(dir)
	}
	return nil
}

// fenceKeep is how many inputs without an open batch the fence remembers
// at least.
const fenceKeep = 4096

// fenceState is the fence of one input.
type fenceState struct {
	latest int    // the highest attempt that staged
	open   int    // batches staged and not yet committed or aborted
	seq    uint64 // when it was last staged or closed (for pruning)
}

// fence records that a staged (open counts a batch that stays open) and
// refuses an older attempt.
func (s *Local) fence(a Attempt, open int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(a)
	f := s.latest[k]
	if f == nil {
		s.prune()
		f = &fenceState{}
		s.latest[k] = f
	}
	if f.latest > a.Number {
		return fmt.Errorf("attempt %d of this input is older than attempt %d: %w", a.Number, f.latest, ErrStale)
	}
	s.seq++
	f.latest, f.seq = a.Number, s.seq
	f.open += open
	return nil
}

// close records that a batch of a was committed or aborted.
func (s *Local) close(a Attempt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.latest[key(a)]; f != nil && f.open > 0 {
		s.seq++
		f.open--
		f.seq = s.seq
	}
}

// prune forgets the oldest half of the inputs without an open batch once
// more than 2*fenceKeep are remembered. s.mu held.
func (s *Local) prune() {
	if len(s.latest) < 2*fenceKeep {
		return
	}
	var seqs []uint64
	for _, f := range s.latest {
		if f.open == 0 {
			seqs = append(seqs, f.seq)
		}
	}
	if len(seqs) <= fenceKeep {
		return
	}
	slices.Sort(seqs)
	cut := seqs[len(seqs)-fenceKeep]
	for k, f := range s.latest {
		if f.open == 0 && f.seq < cut {
			delete(s.latest, k)
		}
	}
}

// current reports whether a is still the newest attempt that staged.
func (s *Local) current(a Attempt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.latest[key(a)]; f != nil && f.latest > a.Number {
		cur := f.latest
		return fmt.Errorf("attempt %d of this input is older than attempt %d, which staged since: %w", a.Number, cur, ErrStale)
	}
	return nil
}

// Stage implements Store with an outbox.Batch on the store's FS.
func (s *Local) Stage(a Attempt) (Batch, error) {
	if err := s.fence(a, 1); err != nil {
		return nil, err
	}
	return &localBatch{s: s, a: a, b: outbox.Batch{FS: s.fsys}}, nil
}

type localBatch struct {
	s        *Local
	a        Attempt
	b        outbox.Batch
	closed   bool
	reserved []string // final paths this batch holds in Local.reserved
}

// done closes the batch's place in the fence and gives up its reserved
// names, once.
func (b *localBatch) done() {
	if !b.closed {
		b.closed = true
		b.s.close(b.a)
		b.s.resMu.Lock()
		for _, p := range b.reserved {
			delete(b.s.reserved, p)
		}
		b.s.resMu.Unlock()
	}
}

type localOutput struct{ *outbox.File }

func (o localOutput) Path() string { return o.FinalName() }
func (o localOutput) Temp() string { return o.TempName() }

func (b *localBatch) Create(dir, rel string) (Output, error) {
	f, err := b.b.CreateFile(dir, rel)
	if err != nil {
		return nil, err
	}
	return localOutput{f}, nil
}

// CreateNew implements Batch: the first of rel, "<stem> (2)<ext>", …
// that no file in the folder and no open batch of this store has.
func (b *localBatch) CreateNew(dir, rel string) (Output, error) {
	sub, name := filepath.Split(filepath.FromSlash(rel))
	folder := filepath.Join(dir, sub)
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	b.s.resMu.Lock()
	defer b.s.resMu.Unlock()
	for n := 1; n < 10000; n++ {
		cand := name
		if n > 1 {
			cand = stem + " (" + strconv.Itoa(n) + ")" + ext
		}
		final := filepath.Join(folder, cand)
		if b.s.reserved[final] {
			continue
		}
		if _, err := b.s.fsys.Stat(final); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		o, err := b.Create(dir, filepath.Join(sub, cand))
		if err != nil {
			return nil, err
		}
		b.s.reserved[final] = true
		b.reserved = append(b.reserved, final)
		return o, nil
	}
	return nil, fmt.Errorf("no free name like %q in %s", name, folder)
}

func (b *localBatch) Commit() error {
	b.s.commit.Lock()
	defer b.s.commit.Unlock()
	defer b.done()
	if err := b.s.current(b.a); err != nil {
		b.b.Abort()
		return err
	}
	return b.b.Commit()
}

func (b *localBatch) Abort() {
	b.b.Abort()
	b.done()
}

// Publish implements Store.
func (s *Local) Publish(a Attempt, outs []journal.Output) error {
	s.commit.Lock()
	defer s.commit.Unlock()
	if err := s.fence(a, 0); err != nil {
		return err
	}
	dirs := map[string]bool{}
	for _, o := range outs {
		if o.Temp == "" {
			continue
		}
		if _, err := s.fsys.Stat(o.Temp); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := s.fsys.Rename(o.Temp, o.Path); err != nil {
			return fmt.Errorf("publishing %s: %w", o.Path, err)
		}
		dirs[filepath.Dir(o.Path)] = true
	}
	for d := range dirs {
		if err := s.syncDir(d); err != nil {
			return err
		}
	}
	// The old versions the interrupted commit had moved aside are
	// replaced now.
	for _, o := range outs {
		dir, base := filepath.Split(o.Path)
		des, err := s.fsys.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, d := range des {
			if ok, _ := filepath.Match(outbox.BackupPattern(base), d.Name()); ok {
				_ = s.fsys.Remove(filepath.Join(dir, d.Name()))
			}
		}
	}
	return nil
}

// Move implements Store.
func (s *Local) Move(src, dir, name string) (string, error) {
	if err := s.fsys.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	free, err := s.FreeName(dir, name)
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, free)
	if err := s.fsys.Rename(src, dst); err != nil {
		return "", err
	}
	if err := s.syncDir(dir); err != nil {
		return dst, err
	}
	return dst, s.syncDir(filepath.Dir(src))
}

// FreeName implements Store with inbox.FreeName on the store's FS.
func (s *Local) FreeName(dir, name string) (string, error) {
	return inbox.FreeName(s.fsys, dir, name)
}

// Put implements Store with an outbox.File on the store's FS.
func (s *Local) Put(path string, data []byte) error {
	if err := s.fsys.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := outbox.CreateIn(s.fsys, path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Abort()
		return err
	}
	return f.Commit()
}

// Remove implements Store.
func (s *Local) Remove(path string) error {
	if err := s.fsys.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Temps implements Store: the files named outbox.TempPrefix…".tmp".
func (s *Local) Temps(dir string) ([]string, error) {
	des, err := s.fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range des {
		p := filepath.Join(dir, d.Name())
		if d.IsDir() {
			sub, err := s.Temps(p)
			if err != nil {
				return out, err
			}
			out = append(out, sub...)
			continue
		}
		if strings.HasPrefix(d.Name(), outbox.TempPrefix) && strings.HasSuffix(d.Name(), ".tmp") {
			out = append(out, p)
		}
	}
	return out, nil
}

// ScanFS adapts a Store to the inbox.FS an inbox.Scanner lists and stats
// with (Scanner needs nothing else: claims go through Store.Claim). The
// other methods refuse.
func ScanFS(s Store) inbox.FS { return scanFS{s} }

type scanFS struct{ s Store }

var errScanOnly = errors.New("store: the scanner's file system only lists")

func (f scanFS) ReadDir(dir string) ([]fs.DirEntry, error) { return f.s.List(dir) }
func (f scanFS) Stat(name string) (fs.FileInfo, error)     { return f.s.Stat(name) }
func (f scanFS) Open(name string) (io.ReadCloser, error)   { return f.s.Open(name) }
func (f scanFS) Rename(string, string) error               { return errScanOnly }
func (f scanFS) Remove(string) error                       { return errScanOnly }
func (f scanFS) MkdirAll(string, fs.FileMode) error        { return errScanOnly }
func (f scanFS) Create(string) (io.WriteCloser, error)     { return nil, errScanOnly }
