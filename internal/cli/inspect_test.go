package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/transform"
)

func TestParseSince(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2026-03-01", want: time.Date(2026, 3, 1, 0, 0, 0, 0, berlin)},
		{in: "01.03.2026", want: time.Date(2026, 3, 1, 0, 0, 0, 0, berlin)},
		{in: "24h", want: now.Add(-24 * time.Hour)},
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "7d", want: now.AddDate(0, 0, -7)},
		{in: " 0d ", want: now},
		{in: "yesterday", bad: true},
		{in: "-24h", bad: true},
		{in: "-1d", bad: true},
		{in: "2026-13-01", bad: true},
		{in: "", bad: true},
		{in: "d", bad: true},
	}
	for _, c := range cases {
		got, err := parseSince(c.in, now, berlin)
		if c.bad {
			if err == nil {
				t.Errorf("parseSince(%q) = %v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestMarkerName(t *testing.T) {
	cases := []struct{ template, name, want string }{
		{"{name}.done", "artikel.csv", "artikel.csv.done"},
		{"{stem}.ok", "artikel.csv", "artikel.ok"},
		{"ready-{name}", "a (2).csv", "ready-a (2).csv"},
		{"{stem}.ok", "noext", "noext.ok"},
	}
	for _, c := range cases {
		if got := markerName(c.template, c.name); got != c.want {
			t.Errorf("markerName(%q, %q) = %q, want %q", c.template, c.name, got, c.want)
		}
	}
}

// inspectProject copies the example project into a temp folder, with a
// done-marker on its inbox, and records one done and one failed entry in
// its journal (the failed input and its marker and report in the error
// folder). It returns the ferry.yaml path, the project and the IDs.
func inspectProject(t *testing.T) (string, *transform.Project, int64, int64) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "samples", "example"))); err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(dir, "pipelines", "artikel-to-products.yaml")
	b, err := os.ReadFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "  match: [\"*.csv\"]\n", "  match: [\"*.csv\"]\n  done_marker: \"{name}.done\"\n", 1))
	if err := os.WriteFile(pf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "ferry.yaml")
	proj, err := transform.LoadProject(config)
	if err != nil {
		t.Fatal(err)
	}
	if proj.Pipelines[0].Input.DoneMarker != "{name}.done" {
		t.Fatalf("done marker not configured: %q", proj.Pipelines[0].Input.DoneMarker)
	}
	ctx := context.Background()
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	j, err := journal.Open(proj.Journal, journal.Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	inboxDir := proj.Pipelines[0].Input.InboxPath
	errDir := filepath.Join(proj.Error, "artikel-to-products")
	os.MkdirAll(errDir, 0o755)
	claim := func(name, sum string) journal.Entry {
		e, err := j.Claim(ctx, journal.ClaimInfo{Pipeline: "artikel-to-products", Original: filepath.Join(inboxDir, name),
			Work: filepath.Join(proj.Work, name), Size: 3, ModTime: clock, SHA256: sum, ConfigHash: "c0ffee"})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	done := claim("good.csv", strings.Repeat("a", 64))
	out := filepath.Join(dir, "outbox", "good-products.csv")
	if err := j.Staged(ctx, done.ID, done.Attempt, []journal.Output{{Path: out, Temp: out + ".tmp", Size: 10, SHA256: strings.Repeat("b", 64)}}); err != nil {
		t.Fatal(err)
	}
	if err := j.Published(ctx, done.ID, done.Attempt); err != nil {
		t.Fatal(err)
	}
	if err := j.Finish(ctx, done.ID, done.Attempt, journal.Result{Counts: journal.Counts{In: 2, Out: 2}, Archive: filepath.Join(proj.Archive, "good.csv")}); err != nil {
		t.Fatal(err)
	}
	bad := claim("bad.csv", strings.Repeat("c", 64))
	errPath := filepath.Join(errDir, "bad.csv")
	for name, content := range map[string]string{"bad.csv": "x;y\n", "bad.csv.done": "", "bad.csv.error.txt": "report\n"} {
		if err := os.WriteFile(filepath.Join(errDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Fail(ctx, bad.ID, bad.Attempt, journal.Failure{Counts: journal.Counts{In: 1, Rejected: 1}, Error: "Die Datei bad.csv wurde nicht verarbeitet.\n", ErrorPath: errPath}); err != nil {
		t.Fatal(err)
	}
	return config, proj, done.ID, bad.ID
}

func TestInspectExitCodes(t *testing.T) {
	config, _, done, _ := inspectProject(t)
	id := itoa
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"status", []string{"status", "--config", config}, ExitOK},
		{"history", []string{"history", "--config", config}, ExitOK},
		{"history none", []string{"history", "--config", config, "--pipeline", "nope"}, ExitOK},
		{"history bad since", []string{"history", "--config", config, "--since", "soon"}, ExitUsage},
		{"history bad limit", []string{"history", "--config", config, "--limit", "-2"}, ExitUsage},
		{"show", []string{"show", "--config", config, id(done)}, ExitOK},
		{"show json", []string{"show", "--config", config, "--json", id(done)}, ExitOK},
		{"show missing", []string{"show", "--config", config, "999"}, ExitFailed},
		{"show not a number", []string{"show", "--config", config, "x"}, ExitUsage},
		{"show both", []string{"show", "--config", config, "--output", "a.csv", "1"}, ExitUsage},
		{"show no output", []string{"show", "--config", config, "--output", "a.csv"}, ExitFailed},
		{"retry done", []string{"retry", "--config", config, id(done)}, ExitFailed},
		{"retry missing", []string{"retry", "--config", config, "999"}, ExitFailed},
		{"retry no args", []string{"retry", "--config", config}, ExitUsage},
		{"bad config", []string{"status", "--config", filepath.Join(t.TempDir(), "nope.yaml")}, ExitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, _, stderr := run(t, "", c.args...); code != c.want {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.want, stderr)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRetryDoneMarker: a retried file goes back with its done-marker, its
// report is renamed to .error.txt.old, and the journal entry stays failed.
func TestRetryDoneMarker(t *testing.T) {
	config, proj, _, bad := inspectProject(t)
	code, stdout, stderr := run(t, "", "retry", "--config", config, "bad.csv")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "back in the inbox as inbox/sage/artikel/bad.csv") {
		t.Errorf("stdout: %s", stdout)
	}
	inboxDir := proj.Pipelines[0].Input.InboxPath
	errDir := filepath.Join(proj.Error, "artikel-to-products")
	for _, p := range []string{filepath.Join(inboxDir, "bad.csv"), filepath.Join(inboxDir, "bad.csv.done"), filepath.Join(errDir, "bad.csv.error.txt.old")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("missing after retry: %v", err)
		}
	}
	for _, p := range []string{filepath.Join(errDir, "bad.csv"), filepath.Join(errDir, "bad.csv.done"), filepath.Join(errDir, "bad.csv.error.txt")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("still there after retry: %s", p)
		}
	}
	code, stdout, _ = run(t, "", "show", "--config", config, itoa(bad))
	if code != ExitOK || !strings.Contains(stdout, "Result:") || !strings.Contains(stdout, "failed") {
		t.Errorf("show after retry: exit %d\n%s", code, stdout)
	}
	// A second retry is refused: the file is no longer in the error folder.
	code, _, stderr = run(t, "", "retry", "--config", config, itoa(bad))
	if code != ExitFailed || !strings.Contains(stderr, "no longer in the error folder") {
		t.Errorf("second retry: exit %d, stderr %s", code, stderr)
	}
}

// TestRetryCreatesMarker: without its marker in the error folder, retry
// creates one, so that the inbox takes the file.
func TestRetryCreatesMarker(t *testing.T) {
	config, proj, _, bad := inspectProject(t)
	errDir := filepath.Join(proj.Error, "artikel-to-products")
	if err := os.Remove(filepath.Join(errDir, "bad.csv.done")); err != nil {
		t.Fatal(err)
	}
	inboxDir := proj.Pipelines[0].Input.InboxPath
	if err := os.WriteFile(filepath.Join(inboxDir, "bad.csv"), []byte("newer"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "", "retry", "--config", config, itoa(bad)); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, n := range []string{"bad (2).csv", "bad (2).csv.done", "bad.csv"} {
		if _, err := os.Stat(filepath.Join(inboxDir, n)); err != nil {
			t.Errorf("missing after retry: %v", err)
		}
	}
}

// TestStatusNoJournal: status and history do not create a journal.
func TestStatusNoJournal(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "samples", "example"))); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "ferry.yaml")
	for _, args := range [][]string{{"status"}, {"history"}, {"history", "--json"}} {
		code, stdout, stderr := run(t, "", append(args, "--config", config)...)
		if code != ExitOK {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
		if args[0] == "status" && !strings.Contains(stdout, "none yet") {
			t.Errorf("status: %s", stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "journal.db")); err == nil {
		t.Error("status created a journal")
	}
	if code, _, _ := run(t, "", "show", "--config", config, "1"); code != ExitFailed {
		t.Errorf("show without journal: exit %d, want 1", code)
	}
}
