package inbox

// Claiming: a ready file is renamed into a private work folder on the same
// volume. The rename is the lock: of several instances only one succeeds.

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ferry-sync/ferry/internal/fsutil"
)

// Typed outcomes of Claim that are not failures: skip the file this time.
var (
	// ErrChanged: the file's size or modification time differ from what
	// Scan saw; it is still being written. It will be found ready again.
	ErrChanged = errors.New("the file changed since it was found ready")
	// ErrGone: the file disappeared; another instance claimed it first or
	// it was removed.
	ErrGone = errors.New("the file is gone (another instance took it, or it was removed)")
	// ErrBusy: another program still holds the file open (Windows refuses
	// to move it); treat it as not ready yet.
	ErrBusy = errors.New("the file is still open in another program")
)

// Skipped reports whether err from Claim means "not this time" (ErrChanged,
// ErrGone, ErrBusy) rather than a failure that needs attention.
func Skipped(err error) bool {
	return errors.Is(err, ErrChanged) || errors.Is(err, ErrGone) || errors.Is(err, ErrBusy)
}

// Claimed is a file moved into a work folder by Claim.
type Claimed struct {
	// Path is the claimed file in the work folder.
	Path string
	// Dir and Name are the inbox folder and the file's original name.
	Dir, Name string
	// Marker is the claimed done-marker in the work folder, or "".
	Marker string
	// MarkerName is the done-marker's original name in Dir, or "".
	MarkerName string
	// DoneMarker is the inbox's marker template (Config.DoneMarker).
	DoneMarker string
	// Size and ModTime describe the claimed file.
	Size    int64
	ModTime time.Time
	// FS is the file system; nil means OS.
	FS FS
}

// Claim renames the candidate into workDir (created if missing; it must be
// on the inbox's volume) as "<unix-nanos>-<name>", together with its
// done-marker, and returns where it went.
//
// Not failures but typed results (see Skipped): ErrChanged when the file's
// size or modification time differ from c's (checked before and after the
// rename; a file that changes in between is put back), ErrGone when the
// file vanished or another process won the rename, ErrBusy when another
// program holds it open. Any other error means nothing was claimed, except
// when putting a changed file back failed: then the error says so and the
// returned Claimed tells where the file is.
func Claim(c Candidate, workDir string) (Claimed, error) {
	fsys := fsOrOS(c.FS)
	src := c.Path()
	cl := Claimed{Dir: c.Dir, Name: c.Name, DoneMarker: c.DoneMarker, Size: c.Size, ModTime: c.ModTime, FS: c.FS}
	st, err := fsys.Stat(src)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Claimed{}, fmt.Errorf("claiming %s: %w", src, ErrGone)
		}
		return Claimed{}, fmt.Errorf("claiming %s: %w", src, err)
	}
	if st.Size() != c.Size || !st.ModTime().Equal(c.ModTime) {
		return Claimed{}, fmt.Errorf("claiming %s: %w", src, ErrChanged)
	}
	if err := fsys.MkdirAll(workDir, 0o700); err != nil {
		return Claimed{}, fmt.Errorf("claiming %s: cannot create the work folder: %w", src, err)
	}
	stamp := time.Now().UnixNano()
	var dst string
	for {
		dst = filepath.Join(workDir, strconv.FormatInt(stamp, 10)+"-"+c.Name)
		if _, err := fsys.Stat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		}
		stamp++
	}
	if err := fsys.Rename(src, dst); err != nil {
		return Claimed{}, fmt.Errorf("claiming %s: %w", src, renameErr(err))
	}
	cl.Path = dst
	st, err = fsys.Stat(dst)
	if err != nil || st.Size() != c.Size || !st.ModTime().Equal(c.ModTime) {
		// A writer kept the file open across the rename (possible outside
		// Windows) and is still writing: hand it back.
		if _, uerr := Unclaim(cl); uerr != nil {
			return cl, fmt.Errorf("claiming %s: it changed while being claimed and could not be put back (it is now %s): %w", src, dst, uerr)
		}
		return Claimed{}, fmt.Errorf("claiming %s: %w", src, ErrChanged)
	}
	if c.Marker != "" {
		msrc := filepath.Join(c.Dir, c.Marker)
		mdst := filepath.Join(workDir, strconv.FormatInt(stamp, 10)+"-"+c.Marker)
		switch err := fsys.Rename(msrc, mdst); {
		case err == nil:
			cl.Marker, cl.MarkerName = mdst, c.Marker
		case errors.Is(err, fs.ErrNotExist):
			// The marker went away; the input itself was stable and ready.
		default:
			if _, uerr := Unclaim(cl); uerr != nil {
				return cl, fmt.Errorf("claiming %s: cannot move its done-marker %s (%w), and could not put the file back (it is now %s): %v", src, c.Marker, renameErr(err), dst, uerr)
			}
			return Claimed{}, fmt.Errorf("claiming %s: cannot move its done-marker %s: %w", src, c.Marker, renameErr(err))
		}
	}
	return cl, nil
}

// renameErr translates a rename failure into a typed result where one fits.
func renameErr(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ErrGone
	case errors.Is(err, ErrBusy) || fsutil.HeldOpen(err):
		return fmt.Errorf("%w: %w", ErrBusy, err)
	case errors.Is(err, syscall.EXDEV):
		return fmt.Errorf("the work folder must be on the same drive as the inbox: %w", err)
	}
	return err
}

// Unclaim moves a claimed file (and its done-marker) back into its inbox
// under its original name, for recovery after a crash or a cancelled run,
// and returns the path it now has. If that name has been taken by a newer
// file, the file is put back as "<stem> (2)<ext>" (or (3), ...): the
// returned path then differs from filepath.Join(cl.Dir, cl.Name), which the
// caller should report. The marker follows the file's new name.
//
// Between checking a name and renaming there is a short window in which
// another program could create a file of that name; it would be replaced.
func Unclaim(cl Claimed) (string, error) {
	fsys := fsOrOS(cl.FS)
	name, err := FreeName(fsys, cl.Dir, cl.Name)
	if err != nil {
		return "", fmt.Errorf("putting %s back into %s: %w", cl.Path, cl.Dir, err)
	}
	dst := filepath.Join(cl.Dir, name)
	if err := fsys.Rename(cl.Path, dst); err != nil {
		return "", fmt.Errorf("putting %s back into %s: %w", cl.Path, cl.Dir, err)
	}
	if cl.Marker != "" {
		mname := cl.MarkerName
		if name != cl.Name {
			if m := MarkerName(cl.DoneMarker, name); m != "" {
				mname = m
			}
		}
		mname, err = FreeName(fsys, cl.Dir, mname)
		if err == nil {
			err = fsys.Rename(cl.Marker, filepath.Join(cl.Dir, mname))
		}
		if err != nil {
			return dst, fmt.Errorf("put %s back, but not its done-marker %s: %w", dst, cl.Marker, err)
		}
	}
	return dst, nil
}

// FreeName returns name, or "<stem> (n)<ext>" for the smallest n >= 2
// that is not taken in dir on fsys (nil: OS).
func FreeName(fsys FS, dir, name string) (string, error) {
	fsys = fsOrOS(fsys)
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	cand := name
	for n := 2; ; n++ {
		_, err := fsys.Stat(filepath.Join(dir, cand))
		if errors.Is(err, fs.ErrNotExist) {
			return cand, nil
		}
		if err != nil {
			return "", err
		}
		if n > 10000 {
			return "", fmt.Errorf("no free name like %q", name)
		}
		cand = stem + " (" + strconv.Itoa(n) + ")" + ext
	}
}
