package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/inbox/inboxtest"
)

var (
	inDir   = filepath.FromSlash("/data/in")
	workDir = filepath.FromSlash("/data/work")
)

// env is a scanner on a fake file system with a manual clock.
type env struct {
	t   *testing.T
	clk *inboxtest.Clock
	fs  *inboxtest.FS
	s   *inbox.Scanner
}

func newEnv(t *testing.T, cfg inbox.Config) *env {
	t.Helper()
	clk := &inboxtest.Clock{}
	fsys := inboxtest.New(clk)
	if err := fsys.MkdirAll(inDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if cfg.Dir == "" {
		cfg.Dir = inDir
	}
	s, err := inbox.New(cfg, inbox.Options{Now: clk.Now, FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, clk: clk, fs: fsys, s: s}
}

func (e *env) path(name string) string { return filepath.Join(inDir, name) }

// scan returns the names Scan found ready.
func (e *env) scan() []string {
	e.t.Helper()
	cs, err := e.s.Scan(context.Background())
	if err != nil {
		e.t.Fatalf("Scan: %v", err)
	}
	names := []string{}
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return names
}

func (e *env) expect(step string, want ...string) []string {
	e.t.Helper()
	got := e.scan()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		e.t.Fatalf("%s: Scan returned %q, want %q", step, got, want)
	}
	return got
}

func TestSlowWriter(t *testing.T) {
	e := newEnv(t, inbox.Config{})
	e.fs.Append(e.path("orders.csv"), []byte("Nr;Betrag\n"))
	e.expect("first sight")
	for i := range 5 {
		e.clk.Advance(time.Second)
		e.fs.Append(e.path("orders.csv"), []byte("1;0,10\n"))
		e.expect(fmt.Sprintf("growing %d", i))
	}
	e.clk.Advance(1999 * time.Millisecond)
	e.expect("just under settle")
	e.clk.Advance(time.Millisecond)
	e.expect("settled", "orders.csv")
	for i := range 3 {
		e.clk.Advance(time.Minute)
		e.expect(fmt.Sprintf("again %d", i))
	}
	// It changes after being returned (and was not claimed): returned once
	// more after it settles again.
	e.fs.Append(e.path("orders.csv"), []byte("2;0,20\n"))
	e.expect("changed")
	e.clk.Advance(2 * time.Second)
	e.expect("settled again", "orders.csv")
}

func TestOldMtimeGrowingSize(t *testing.T) {
	e := newEnv(t, inbox.Config{Settle: 5 * time.Second})
	old := time.Date(2019, 3, 1, 12, 0, 0, 0, time.UTC)
	p := e.path("copy.xlsx")
	for i := range 4 {
		e.fs.Append(p, []byte("chunk"))
		e.fs.SetModTime(p, old) // the copy keeps the original's mtime
		e.expect(fmt.Sprintf("copy step %d", i))
		e.clk.Advance(4 * time.Second)
	}
	e.expect("4s after last growth")
	e.clk.Advance(time.Second)
	e.expect("5s after last growth", "copy.xlsx")
}

func TestMtimeChangesSizeNot(t *testing.T) {
	e := newEnv(t, inbox.Config{})
	p := e.path("touch.txt")
	e.fs.WriteFile(p, []byte("fixed size"))
	e.expect("first")
	for i := range 3 {
		e.clk.Advance(1500 * time.Millisecond)
		e.fs.SetModTime(p, e.clk.Now()) // rewritten in place, same size
		e.expect(fmt.Sprintf("touched %d", i))
	}
	e.clk.Advance(2 * time.Second)
	e.expect("quiet", "touch.txt")
}

func TestNamesIgnoredAndMatched(t *testing.T) {
	e := newEnv(t, inbox.Config{Match: []string{"*.csv", "artikel_*.xml"}, Ignore: []string{"*.bak"}})
	files := []string{
		"x.tmp", "X.TMP", "upload.csv.part", "a.csv.filepart", "report.csv.crdownload",
		"~$Mappe.csv", ".hidden.csv", ".ferry-out.csv.123.tmp", "a.ferry-1.csv", "old.bak",
		"notes.txt", "artikel.xml", // not matched
		"orders.csv", "ORDERS2.CSV", "artikel_1.xml", "~dollar-less.csv",
	}
	for _, n := range files {
		e.fs.WriteFile(e.path(n), []byte("x"))
	}
	e.fs.MkdirAll(e.path("sub.csv"), 0o755) // folders never count
	e.expect("first")
	e.clk.Advance(2 * time.Second)
	e.expect("ready", "ORDERS2.CSV", "artikel_1.xml", "orders.csv", "~dollar-less.csv")
	for _, n := range files[:12] {
		if !e.s.Ignored(n) {
			t.Errorf("Ignored(%q) = false, want true", n)
		}
	}
}

func TestEmptyMatchTakesAllButDefaults(t *testing.T) {
	e := newEnv(t, inbox.Config{})
	for _, n := range []string{"a", "b.json", "c.tmp", ".d", "~$e.xlsx"} {
		e.fs.WriteFile(e.path(n), nil)
	}
	e.expect("first")
	e.clk.Advance(2 * time.Second)
	e.expect("ready", "a", "b.json")
}

func TestDoneMarker(t *testing.T) {
	for _, tc := range []struct{ tmpl, marker, orphan string }{
		{"{name}.done", "orders.csv.done", "other.csv.done"},
		{"{stem}.ok", "orders.ok", "other.ok"},
		{"ready_{name}", "ready_orders.csv", "ready_x"},
	} {
		t.Run(tc.tmpl, func(t *testing.T) {
			e := newEnv(t, inbox.Config{DoneMarker: tc.tmpl})
			e.fs.WriteFile(e.path("orders.csv"), []byte("data"))
			e.fs.WriteFile(e.path(tc.orphan), nil)
			e.expect("first")
			e.clk.Advance(time.Minute)
			e.expect("no marker yet")
			e.fs.WriteFile(e.path(tc.marker), nil)
			cs, err := e.s.Scan(context.Background())
			if err != nil || len(cs) != 1 || cs[0].Name != "orders.csv" || cs[0].Marker != tc.marker {
				t.Fatalf("with marker: %+v, %v", cs, err)
			}
			cl, err := e.s.Claim(cs[0], workDir)
			if err != nil {
				t.Fatal(err)
			}
			if !e.fs.Exists(cl.Path) || !e.fs.Exists(cl.Marker) || cl.MarkerName != tc.marker {
				t.Fatalf("claimed %+v; work folder has %q", cl, e.fs.Names(workDir))
			}
			if got := e.fs.Names(inDir); !slices.Equal(got, []string{tc.orphan}) {
				t.Fatalf("inbox after claim: %q", got)
			}
			if !strings.HasSuffix(cl.Marker, "-"+tc.marker) || strings.TrimSuffix(filepath.Base(cl.Marker), tc.marker) != strings.TrimSuffix(filepath.Base(cl.Path), "orders.csv") {
				t.Errorf("marker %s and file %s do not share the claim stamp", cl.Marker, cl.Path)
			}
			// Unclaim puts both back.
			if p, err := inbox.Unclaim(cl); err != nil || p != e.path("orders.csv") {
				t.Fatalf("Unclaim = %q, %v", p, err)
			}
			if !e.fs.Exists(e.path(tc.marker)) {
				t.Fatalf("marker not put back: %q", e.fs.Names(inDir))
			}
		})
	}
}

func TestFIFO(t *testing.T) {
	for _, fifo := range []bool{false, true} {
		e := newEnv(t, inbox.Config{FIFO: fifo})
		base := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
		mt := map[string]time.Duration{"a.csv": 3, "b.csv": 1, "c.csv": 2, "d.csv": 1}
		for n, d := range mt {
			e.fs.WriteFile(e.path(n), nil)
			e.fs.SetModTime(e.path(n), base.Add(d*time.Minute))
		}
		e.scan()
		e.clk.Advance(2 * time.Second)
		want := []string{"a.csv", "b.csv", "c.csv", "d.csv"}
		if fifo {
			want = []string{"b.csv", "d.csv", "c.csv", "a.csv"}
		}
		e.expect(fmt.Sprintf("fifo=%v", fifo), want...)
	}
}

func TestVanishedFileIsForgotten(t *testing.T) {
	e := newEnv(t, inbox.Config{})
	p := e.path("a.csv")
	e.fs.WriteFile(p, []byte("abc"))
	mod := e.clk.Now()
	e.expect("first")
	e.clk.Advance(time.Second)
	if err := e.fs.Remove(p); err != nil {
		t.Fatal(err)
	}
	e.expect("gone")
	// Same size and mtime again: still a new file that must settle.
	e.fs.WriteFile(p, []byte("abc"))
	e.fs.SetModTime(p, mod)
	e.clk.Advance(time.Second)
	e.expect("back")
	e.clk.Advance(2 * time.Second)
	e.expect("settled", "a.csv")
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []inbox.Config{
		{},
		{Dir: "x", Settle: -time.Second},
		{Dir: "x", Match: []string{"[a-"}},
		{Dir: "x", Ignore: []string{""}},
		{Dir: "x", DoneMarker: "done"},
		{Dir: "x", DoneMarker: "{name}"},
		{Dir: "x", DoneMarker: "{name}.{stem}"},
		{Dir: "x", DoneMarker: "m/{name}"},
	} {
		if _, err := inbox.New(cfg, inbox.Options{}); err == nil {
			t.Errorf("New(%+v) accepted a bad configuration", cfg)
		}
	}
}

func TestScanErrors(t *testing.T) {
	e := newEnv(t, inbox.Config{})
	e.fs.Inject(inboxtest.Fault{Op: inboxtest.OpReadDir, Err: syscall.EACCES, Times: 1})
	if _, err := e.s.Scan(context.Background()); !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), "cannot list the folder") {
		t.Fatalf("unreadable inbox: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.s.Scan(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestScanOS(t *testing.T) {
	dir := t.TempDir()
	clk := &inboxtest.Clock{}
	s, err := inbox.New(inbox.Config{Dir: dir}, inbox.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("1"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.tmp"), []byte("1"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	if err := os.Symlink(filepath.Join(dir, "a.csv"), filepath.Join(dir, "link.csv")); err != nil {
		t.Log("no symlinks here:", err)
	}
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling.csv")); err != nil {
		t.Log("no symlinks here:", err)
	}
	ctx := context.Background()
	if cs, err := s.Scan(ctx); len(cs) != 0 || err != nil {
		t.Fatalf("first scan: %v %v", cs, err)
	}
	clk.Advance(2 * time.Second)
	cs, err := s.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	if names[0] != "a.csv" || len(names) > 2 {
		t.Fatalf("ready: %q", names)
	}
	cl, err := inbox.Claim(cs[0], filepath.Join(dir, "work"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(cl.Path); err != nil || string(b) != "1" {
		t.Fatalf("claimed file: %q %v", b, err)
	}
}

func TestMarkerName(t *testing.T) {
	for _, tc := range []struct{ tmpl, name, want string }{
		{"{name}.done", "orders.csv", "orders.csv.done"},
		{"{stem}.ok", "orders.csv", "orders.ok"},
		{"ready-{stem}", "orders", "ready-orders"},
		{"", "orders.csv", ""},
		{"{name}", "orders.csv", ""},       // nothing besides the placeholder
		{"x/{name}", "orders.csv", ""},     // a path
		{"{name}{stem}", "orders.csv", ""}, // two placeholders
	} {
		if got := inbox.MarkerName(tc.tmpl, tc.name); got != tc.want {
			t.Errorf("MarkerName(%q, %q) = %q, want %q", tc.tmpl, tc.name, got, tc.want)
		}
	}
}
