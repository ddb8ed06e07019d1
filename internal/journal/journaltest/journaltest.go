// Package journaltest is the contract test suite every journal.Journal
// implementation must pass: the state machine with its refused transitions,
// attempts and stale workers, recovery lists, duplicates, queries,
// concurrency, reopening, and exact times from the injected clock.
package journaltest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
)

// Factory creates a fresh, empty journal for one subtest, using now as its
// clock. It returns the journal and a function that opens another handle on
// the same storage (for the reopen and concurrency subtests); the suite
// closes every handle it gets.
type Factory func(t *testing.T, now func() time.Time) (j journal.Journal, open func(t *testing.T) journal.Journal)

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// start is not UTC and has nanoseconds, to check that times are stored
// in UTC and exactly.
var start = time.Date(2026, 3, 29, 1, 59, 58, 123456789, time.FixedZone("CET", 3600))

// step is the clock's usual tick: more than a millisecond, odd nanoseconds.
const step = 1500*time.Millisecond + 1

// Precision is the coarsest time resolution the contract accepts.
const Precision = time.Millisecond

type suite struct {
	t     *testing.T
	j     journal.Journal
	open  func(t *testing.T) journal.Journal
	clock *Clock
	ctx   context.Context
	n     int
}

// Run runs every subtest of the contract on journals made by f.
func Run(t *testing.T, f Factory) {
	tests := []struct {
		name string
		fn   func(s *suite)
	}{
		{"ClaimRecordsEverything", testClaim},
		{"ClaimRejectsIncompleteInfo", testClaimInvalid},
		{"HappyPath", testHappyPath},
		{"Fail", testFail},
		{"Release", testRelease},
		{"RefusedTransitions", testRefused},
		{"UnknownEntry", testUnknown},
		{"Attempts", testAttempts},
		{"StaleWorker", testStaleWorker},
		{"OneCommitPerInput", testOneCommit},
		{"UnfinishedOldestFirst", testUnfinished},
		{"DoneBySHA256", testDone},
		{"Query", testQuery},
		{"ConcurrentLifecycles", testConcurrent},
		{"ConcurrentClaimsOfOneInput", testConcurrentClaims},
		{"ConcurrentStagedOneWins", testConcurrentStaged},
		{"ReopenKeepsEverything", testReopen},
		{"CanceledContext", testCanceled},
		{"OnceKeys", testOnceKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock(start)
			j, open := f(t, clock.Now)
			t.Cleanup(func() { j.Close() })
			tc.fn(&suite{t: t, j: j, open: open, clock: clock, ctx: context.Background()})
		})
	}
}

// info returns a claim for a new input (own hash) of pipeline p.
func (s *suite) info(p string) journal.ClaimInfo {
	s.n++
	return journal.ClaimInfo{
		Pipeline:   p,
		Original:   fmt.Sprintf(`C:\ferry\inbox\%s\artikel-%03d.csv`, p, s.n),
		Work:       fmt.Sprintf(`C:\ferry\work\%s\artikel-%03d.csv`, p, s.n),
		Size:       int64(1000 + s.n),
		ModTime:    start.Add(-time.Duration(s.n) * time.Hour),
		SHA256:     fmt.Sprintf("%064x", 0xabc000+s.n),
		ConfigHash: "cfg-" + p,
		Owner:      "host:42",
	}
}

func (s *suite) claim(c journal.ClaimInfo) journal.Entry {
	s.t.Helper()
	s.clock.Advance(step)
	e, err := s.j.Claim(s.ctx, c)
	if err != nil {
		s.t.Fatalf("Claim(%s): %v", c.Original, err)
	}
	return e
}

func outputsFor(e journal.Entry, n int) []journal.Output {
	var out []journal.Output
	for i := range n {
		out = append(out, journal.Output{
			Path:   fmt.Sprintf(`C:\ferry\outbox\sage\%d-%d.csv`, e.ID, i),
			Temp:   fmt.Sprintf(`C:\ferry\outbox\sage\.ferry-%d-%d.csv.123.tmp`, e.ID, i),
			Size:   int64(100*i + 7),
			SHA256: fmt.Sprintf("%064x", e.ID*100+int64(i)),
		})
	}
	return out
}

// drive brings a fresh entry of pipeline p to state st and returns it as
// recorded.
func (s *suite) drive(p string, st journal.State) journal.Entry {
	s.t.Helper()
	e := s.claim(s.info(p))
	must := func(err error) {
		s.t.Helper()
		if err != nil {
			s.t.Fatalf("driving entry %d to %s: %v", e.ID, st, err)
		}
	}
	if st == journal.StateClaimed {
		return s.get(e.ID)
	}
	if st == journal.StateReleased {
		s.clock.Advance(step)
		must(s.j.Release(s.ctx, e.ID, e.Attempt, "recovery at start"))
		return s.get(e.ID)
	}
	s.clock.Advance(step)
	must(s.j.Staged(s.ctx, e.ID, e.Attempt, outputsFor(e, 2)))
	if st == journal.StateFailed {
		s.clock.Advance(step)
		must(s.j.Fail(s.ctx, e.ID, e.Attempt, journal.Failure{Error: "boom"}))
		return s.get(e.ID)
	}
	if st == journal.StateCommitting {
		return s.get(e.ID)
	}
	s.clock.Advance(step)
	must(s.j.Published(s.ctx, e.ID, e.Attempt))
	if st == journal.StateCommitted {
		return s.get(e.ID)
	}
	s.clock.Advance(step)
	must(s.j.Finish(s.ctx, e.ID, e.Attempt, journal.Result{Archive: "a", Counts: journal.Counts{In: 3, Out: 3}}))
	return s.get(e.ID)
}

func (s *suite) get(id int64) journal.Entry {
	s.t.Helper()
	e, err := s.j.Get(s.ctx, id)
	if err != nil {
		s.t.Fatalf("Get(%d): %v", id, err)
	}
	return e
}

func (s *suite) state(id int64, want journal.State) {
	s.t.Helper()
	if got := s.get(id).State; got != want {
		s.t.Errorf("entry %d: state %s, want %s", id, got, want)
	}
}

// sameTime reports whether got is want in UTC, stored with Precision or better.
func sameTime(got, want time.Time) bool {
	if got.IsZero() || want.IsZero() {
		return got.IsZero() && want.IsZero()
	}
	d := want.Sub(got)
	return got.Location() == time.UTC && d > -Precision && d < Precision
}

// equal compares entries: times with sameTime, the rest exactly.
func equal(t *testing.T, what string, got, want journal.Entry) {
	t.Helper()
	gt := []time.Time{got.ModTime, got.ClaimedAt, got.StagedAt, got.PublishedAt, got.EndedAt}
	wt := []time.Time{want.ModTime, want.ClaimedAt, want.StagedAt, want.PublishedAt, want.EndedAt}
	names := []string{"ModTime", "ClaimedAt", "StagedAt", "PublishedAt", "EndedAt"}
	for i := range gt {
		if !sameTime(gt[i], wt[i]) {
			t.Errorf("%s: %s = %v, want %v (UTC)", what, names[i], gt[i], wt[i])
		}
	}
	got.ModTime, got.ClaimedAt, got.StagedAt, got.PublishedAt, got.EndedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.ModTime, want.ClaimedAt, want.StagedAt, want.PublishedAt, want.EndedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if len(got.Outputs) == 0 && len(want.Outputs) == 0 {
		got.Outputs, want.Outputs = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func ids(es []journal.Entry) []int64 {
	out := []int64{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func wantIDs(t *testing.T, what string, got []journal.Entry, want ...int64) {
	t.Helper()
	if want == nil {
		want = []int64{}
	}
	if g := ids(got); !reflect.DeepEqual(g, want) {
		t.Errorf("%s: entries %v, want %v", what, g, want)
	}
}

func testClaim(s *suite) {
	c := s.info("artikel")
	c.SHA256 = strings.ToUpper(c.SHA256)
	now := s.clock.Advance(step)
	e, err := s.j.Claim(s.ctx, c)
	if err != nil {
		s.t.Fatal(err)
	}
	if e.ID == 0 || e.Attempt != 1 || e.State != journal.StateClaimed {
		s.t.Fatalf("Claim = id %d attempt %d state %s, want a new id, attempt 1, claimed", e.ID, e.Attempt, e.State)
	}
	want := journal.Entry{ID: e.ID, Attempt: 1, ClaimInfo: c, State: journal.StateClaimed, ClaimedAt: now.UTC()}
	want.ModTime = c.ModTime.UTC()
	want.SHA256 = strings.ToLower(c.SHA256)
	equal(s.t, "Claim result", e, want)
	equal(s.t, "Get after Claim", s.get(e.ID), want)

	// A zero ModTime stays zero; IDs increase.
	c2 := s.info("artikel")
	c2.ModTime = time.Time{}
	e2 := s.claim(c2)
	if e2.ID <= e.ID {
		s.t.Errorf("second claim has id %d, not above %d", e2.ID, e.ID)
	}
	if got := s.get(e2.ID).ModTime; !got.IsZero() {
		s.t.Errorf("zero ModTime stored as %v", got)
	}
}

func testClaimInvalid(s *suite) {
	for name, mod := range map[string]func(*journal.ClaimInfo){
		"no pipeline":   func(c *journal.ClaimInfo) { c.Pipeline = "" },
		"no hash":       func(c *journal.ClaimInfo) { c.SHA256 = "" },
		"negative size": func(c *journal.ClaimInfo) { c.Size = -1 },
	} {
		c := s.info("p")
		mod(&c)
		if _, err := s.j.Claim(s.ctx, c); !errors.Is(err, journal.ErrInvalid) {
			s.t.Errorf("%s: Claim error %v, want ErrInvalid", name, err)
		}
	}
	if es, err := s.j.Query(s.ctx, journal.Filter{}); err != nil || len(es) != 0 {
		s.t.Errorf("refused claims were recorded: %v, %v", ids(es), err)
	}
}

func testHappyPath(s *suite) {
	e := s.claim(s.info("artikel"))
	want := s.get(e.ID)
	unfinished := func(st journal.State) {
		s.t.Helper()
		u, err := s.j.Unfinished(s.ctx)
		if err != nil {
			s.t.Fatal(err)
		}
		if st.Unfinished() {
			if len(u) != 1 {
				s.t.Fatalf("Unfinished in state %s: %v, want [%d]", st, ids(u), e.ID)
			}
			equal(s.t, "Unfinished in state "+string(st), u[0], want)
		} else {
			wantIDs(s.t, "Unfinished in state "+string(st), u)
		}
	}
	unfinished(journal.StateClaimed)

	outs := outputsFor(e, 3)
	outs[1].SHA256 = strings.ToUpper(outs[1].SHA256)
	want.StagedAt = s.clock.Advance(step)
	if err := s.j.Staged(s.ctx, e.ID, e.Attempt, outs); err != nil {
		s.t.Fatal(err)
	}
	want.State = journal.StateCommitting
	want.Outputs = outputsFor(e, 3) // hashes in lower case, order kept
	equal(s.t, "after Staged", s.get(e.ID), want)
	unfinished(journal.StateCommitting)

	want.PublishedAt = s.clock.Advance(step)
	if err := s.j.Published(s.ctx, e.ID, e.Attempt); err != nil {
		s.t.Fatal(err)
	}
	want.State = journal.StateCommitted
	equal(s.t, "after Published", s.get(e.ID), want)
	unfinished(journal.StateCommitted)

	want.EndedAt = s.clock.Advance(step)
	r := journal.Result{Archive: `C:\ferry\archive\2026\artikel-001.csv`, Counts: journal.Counts{In: 1000000, Out: 999998, Rejected: 2}, Duration: 1234567891 * time.Nanosecond}
	if err := s.j.Finish(s.ctx, e.ID, e.Attempt, r); err != nil {
		s.t.Fatal(err)
	}
	want.State, want.Archive, want.Counts, want.Duration = journal.StateDone, r.Archive, r.Counts, r.Duration
	equal(s.t, "after Finish", s.get(e.ID), want)
	unfinished(journal.StateDone)
}

func testFail(s *suite) {
	report := "artikel.csv:12:7: Feld \"Preis\": \"12,3x\" ist keine Zahl\nzweite Zeile – äöü €"
	for _, from := range []journal.State{journal.StateClaimed, journal.StateCommitting} {
		want := s.drive("p", from)
		want.EndedAt = s.clock.Advance(step)
		f := journal.Failure{Error: report, ErrorPath: `C:\ferry\error\x.csv`, Counts: journal.Counts{In: 12, Out: 11, Rejected: 1}, Duration: time.Second}
		if err := s.j.Fail(s.ctx, want.ID, want.Attempt, f); err != nil {
			s.t.Fatalf("Fail from %s: %v", from, err)
		}
		want.State, want.Error, want.ErrorPath, want.Counts, want.Duration = journal.StateFailed, f.Error, f.ErrorPath, f.Counts, f.Duration
		equal(s.t, "failed from "+string(from), s.get(want.ID), want)
	}
	u, err := s.j.Unfinished(s.ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	wantIDs(s.t, "Unfinished after Fail", u)
}

func testRelease(s *suite) {
	for _, from := range []journal.State{journal.StateClaimed, journal.StateCommitting} {
		want := s.drive("p", from)
		want.EndedAt = s.clock.Advance(step)
		if err := s.j.Release(s.ctx, want.ID, want.Attempt, "work file moved back to the inbox"); err != nil {
			s.t.Fatalf("Release from %s: %v", from, err)
		}
		want.State, want.Error = journal.StateReleased, "work file moved back to the inbox"
		equal(s.t, "released from "+string(from), s.get(want.ID), want)
	}
	u, err := s.j.Unfinished(s.ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	wantIDs(s.t, "Unfinished after Release", u)
}

type stepFn struct {
	name string
	do   func(s *suite, id int64, attempt int) error
}

var steps = []stepFn{
	{"Staged", func(s *suite, id int64, a int) error {
		return s.j.Staged(s.ctx, id, a, []journal.Output{{Path: "x", Temp: "y", SHA256: "00"}})
	}},
	{"Published", func(s *suite, id int64, a int) error { return s.j.Published(s.ctx, id, a) }},
	{"Finish", func(s *suite, id int64, a int) error { return s.j.Finish(s.ctx, id, a, journal.Result{}) }},
	{"Fail", func(s *suite, id int64, a int) error { return s.j.Fail(s.ctx, id, a, journal.Failure{}) }},
	{"Release", func(s *suite, id int64, a int) error { return s.j.Release(s.ctx, id, a, "") }},
}

func testRefused(s *suite) {
	// refused[state][step] is the error a step must get in that state; steps
	// not listed are allowed.
	refused := map[journal.State]map[string]error{
		journal.StateClaimed:    {"Published": journal.ErrState, "Finish": journal.ErrState},
		journal.StateCommitting: {"Staged": journal.ErrState, "Finish": journal.ErrState},
		journal.StateCommitted:  {"Staged": journal.ErrState, "Published": journal.ErrState, "Fail": journal.ErrState, "Release": journal.ErrState},
		journal.StateDone:       {"Staged": journal.ErrState, "Published": journal.ErrState, "Finish": journal.ErrState, "Fail": journal.ErrState, "Release": journal.ErrState},
		journal.StateFailed:     {"Staged": journal.ErrState, "Published": journal.ErrState, "Finish": journal.ErrState, "Fail": journal.ErrState, "Release": journal.ErrState},
		// Recovery released the input: its worker is stale.
		journal.StateReleased: {"Staged": journal.ErrStale, "Published": journal.ErrStale, "Finish": journal.ErrStale, "Fail": journal.ErrStale, "Release": journal.ErrState},
	}
	for _, st := range journal.States {
		for _, sf := range steps {
			e := s.drive(fmt.Sprintf("%s-%s", st, sf.name), st)
			s.clock.Advance(step)
			err := sf.do(s, e.ID, e.Attempt)
			want, isRefused := refused[st][sf.name]
			switch {
			case !isRefused && err != nil:
				s.t.Errorf("%s in state %s: %v, want allowed", sf.name, st, err)
			case isRefused && !errors.Is(err, want):
				s.t.Errorf("%s in state %s: error %v, want %v", sf.name, st, err, want)
			case isRefused:
				equal(s.t, fmt.Sprintf("entry after refused %s in state %s", sf.name, st), s.get(e.ID), e)
			}
			// A wrong attempt number is always stale.
			if err := sf.do(s, e.ID, e.Attempt+1); !errors.Is(err, journal.ErrStale) {
				s.t.Errorf("%s with wrong attempt in state %s: error %v, want ErrStale", sf.name, st, err)
			}
		}
	}
}

func testUnknown(s *suite) {
	e := s.claim(s.info("p"))
	for _, sf := range steps {
		if err := sf.do(s, e.ID+1000, 1); !errors.Is(err, journal.ErrNotFound) {
			s.t.Errorf("%s of unknown entry: %v, want ErrNotFound", sf.name, err)
		}
	}
	if _, err := s.j.Get(s.ctx, e.ID+1000); !errors.Is(err, journal.ErrNotFound) {
		s.t.Errorf("Get of unknown entry: %v, want ErrNotFound", err)
	}
}

func testAttempts(s *suite) {
	c := s.info("artikel")
	for want := 1; want <= 3; want++ {
		if e := s.claim(c); e.Attempt != want {
			s.t.Errorf("claim %d of the same input: attempt %d", want, e.Attempt)
		}
	}
	other := c
	other.Pipeline = "kunden"
	if e := s.claim(other); e.Attempt != 1 {
		s.t.Errorf("same content in another pipeline: attempt %d, want 1", e.Attempt)
	}
	diff := s.info("artikel")
	diff.Original = c.Original
	if e := s.claim(diff); e.Attempt != 1 {
		s.t.Errorf("other content under the same name: attempt %d, want 1", e.Attempt)
	}
	upper := c
	upper.SHA256 = strings.ToUpper(c.SHA256)
	if e := s.claim(upper); e.Attempt != 4 {
		s.t.Errorf("same content, hash in upper case: attempt %d, want 4", e.Attempt)
	}
}

func testStaleWorker(s *suite) {
	c := s.info("artikel")
	old := s.claim(c)
	// Recovery gives the input back, it is claimed again.
	if err := s.j.Release(s.ctx, old.ID, old.Attempt, "restart"); err != nil {
		s.t.Fatal(err)
	}
	cur := s.claim(c)
	if err := s.j.Staged(s.ctx, old.ID, old.Attempt, outputsFor(old, 1)); !errors.Is(err, journal.ErrStale) {
		s.t.Errorf("Staged of released attempt: %v, want ErrStale", err)
	}
	// A worker presumed dead without a release: the newer attempt wins.
	ghost := s.claim(s.info("artikel"))
	newer := s.claim(ghost.ClaimInfo)
	if err := s.j.Staged(s.ctx, ghost.ID, ghost.Attempt, outputsFor(ghost, 1)); !errors.Is(err, journal.ErrStale) {
		s.t.Errorf("Staged of superseded attempt: %v, want ErrStale", err)
	}
	if err := s.j.Fail(s.ctx, ghost.ID, ghost.Attempt, journal.Failure{Error: "x"}); !errors.Is(err, journal.ErrStale) {
		s.t.Errorf("Fail of superseded attempt: %v, want ErrStale", err)
	}
	s.state(ghost.ID, journal.StateClaimed)
	for _, e := range []journal.Entry{cur, newer} {
		if err := s.j.Staged(s.ctx, e.ID, e.Attempt, outputsFor(e, 1)); err != nil {
			s.t.Errorf("Staged of newest attempt %d: %v", e.Attempt, err)
		}
	}
	// Recovery can still release the superseded one.
	if err := s.j.Release(s.ctx, ghost.ID, ghost.Attempt, "superseded"); err != nil {
		s.t.Errorf("Release of superseded attempt: %v", err)
	}
}

func testOneCommit(s *suite) {
	c := s.info("artikel")
	first := s.claim(c)
	if err := s.j.Staged(s.ctx, first.ID, first.Attempt, outputsFor(first, 1)); err != nil {
		s.t.Fatal(err)
	}
	second := s.claim(c)
	// first is committing: second may not stage, first still finishes.
	if err := s.j.Staged(s.ctx, second.ID, second.Attempt, outputsFor(second, 1)); !errors.Is(err, journal.ErrStale) {
		s.t.Errorf("Staged while another attempt is committing: %v, want ErrStale", err)
	}
	if err := s.j.Published(s.ctx, first.ID, first.Attempt); err != nil {
		s.t.Errorf("Published of the committing attempt after a newer claim: %v", err)
	}
	if err := s.j.Staged(s.ctx, second.ID, second.Attempt, outputsFor(second, 1)); !errors.Is(err, journal.ErrStale) {
		s.t.Errorf("Staged while another attempt is committed: %v, want ErrStale", err)
	}
	if err := s.j.Finish(s.ctx, first.ID, first.Attempt, journal.Result{}); err != nil {
		s.t.Errorf("Finish of the committing attempt after a newer claim: %v", err)
	}
	// After the first is done, the newer attempt may commit (the runtime
	// decides about duplicates with DoneBySHA256).
	if err := s.j.Staged(s.ctx, second.ID, second.Attempt, outputsFor(second, 1)); err != nil {
		s.t.Errorf("Staged after the other attempt is done: %v", err)
	}
	// Fail from committing is allowed even when superseded: the attempt owns
	// its commit.
	third := s.claim(c)
	if err := s.j.Fail(s.ctx, second.ID, second.Attempt, journal.Failure{Error: "rename refused"}); err != nil {
		s.t.Errorf("Fail of a committing attempt with a newer claim: %v", err)
	}
	s.state(third.ID, journal.StateClaimed)
}

func testUnfinished(s *suite) {
	var want []int64
	for i, st := range []journal.State{journal.StateCommitted, journal.StateDone, journal.StateClaimed, journal.StateFailed, journal.StateCommitting, journal.StateReleased, journal.StateClaimed} {
		e := s.drive([]string{"a", "b"}[i%2], st)
		if st.Unfinished() {
			want = append(want, e.ID)
		}
	}
	u, err := s.j.Unfinished(s.ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	wantIDs(s.t, "Unfinished", u, want...)
	for _, e := range u {
		equal(s.t, "Unfinished entry", e, s.get(e.ID))
		if e.State != journal.StateClaimed && len(e.Outputs) != 2 {
			s.t.Errorf("Unfinished entry %d (%s) has %d outputs, want 2", e.ID, e.State, len(e.Outputs))
		}
	}
}

func testDone(s *suite) {
	c := s.info("artikel")
	var want []int64
	for i, st := range []journal.State{journal.StateDone, journal.StateFailed, journal.StateDone, journal.StateClaimed} {
		c.Pipeline = []string{"artikel", "kunden"}[i%2]
		e := s.claim(c)
		if st != journal.StateClaimed {
			if err := s.j.Staged(s.ctx, e.ID, e.Attempt, outputsFor(e, 1)); err != nil {
				s.t.Fatal(err)
			}
		}
		switch st {
		case journal.StateFailed:
			err := s.j.Fail(s.ctx, e.ID, e.Attempt, journal.Failure{})
			if err != nil {
				s.t.Fatal(err)
			}
		case journal.StateDone:
			if err := s.j.Published(s.ctx, e.ID, e.Attempt); err != nil {
				s.t.Fatal(err)
			}
			if err := s.j.Finish(s.ctx, e.ID, e.Attempt, journal.Result{}); err != nil {
				s.t.Fatal(err)
			}
			want = append([]int64{e.ID}, want...)
		}
	}
	s.drive("artikel", journal.StateDone) // other content
	for _, sha := range []string{c.SHA256, strings.ToUpper(c.SHA256)} {
		got, err := s.j.DoneBySHA256(s.ctx, sha)
		if err != nil {
			s.t.Fatal(err)
		}
		wantIDs(s.t, "DoneBySHA256", got, want...)
		for _, e := range got {
			if len(e.Outputs) != 1 {
				s.t.Errorf("DoneBySHA256 entry %d without its outputs", e.ID)
			}
		}
	}
	got, err := s.j.DoneBySHA256(s.ctx, fmt.Sprintf("%064x", 1))
	if err != nil || len(got) != 0 {
		s.t.Errorf("DoneBySHA256 of unknown hash: %v, %v", ids(got), err)
	}
}

func testQuery(s *suite) {
	var all []journal.Entry // oldest first
	for i, st := range []journal.State{journal.StateDone, journal.StateFailed, journal.StateClaimed, journal.StateDone, journal.StateCommitting, journal.StateDone} {
		all = append(all, s.drive([]string{"artikel", "kunden", "artikel"}[i%3], st))
	}
	pick := func(keep func(journal.Entry) bool) []int64 {
		var out []int64
		for i := len(all) - 1; i >= 0; i-- {
			if keep(all[i]) {
				out = append(out, all[i].ID)
			}
		}
		return out
	}
	since := all[2].ClaimedAt
	until := all[4].ClaimedAt
	cases := []struct {
		name string
		f    journal.Filter
		want []int64
	}{
		{"all, newest first", journal.Filter{}, pick(func(journal.Entry) bool { return true })},
		{"pipeline", journal.Filter{Pipeline: "artikel"}, pick(func(e journal.Entry) bool { return e.Pipeline == "artikel" })},
		{"state", journal.Filter{States: []journal.State{journal.StateDone}}, pick(func(e journal.Entry) bool { return e.State == journal.StateDone })},
		{"states", journal.Filter{States: []journal.State{journal.StateFailed, journal.StateClaimed}}, pick(func(e journal.Entry) bool {
			return e.State == journal.StateFailed || e.State == journal.StateClaimed
		})},
		{"since inclusive", journal.Filter{Since: since}, pick(func(e journal.Entry) bool { return !e.ClaimedAt.Before(since) })},
		{"since in another zone", journal.Filter{Since: since.In(time.FixedZone("X", -5*3600))}, pick(func(e journal.Entry) bool { return !e.ClaimedAt.Before(since) })},
		{"until exclusive", journal.Filter{Until: until}, pick(func(e journal.Entry) bool { return e.ClaimedAt.Before(until) })},
		{"since and until", journal.Filter{Since: since, Until: until}, []int64{all[3].ID, all[2].ID}},
		{"pipeline, state, limit", journal.Filter{Pipeline: "artikel", States: []journal.State{journal.StateDone}, Limit: 1}, []int64{all[5].ID}},
		{"limit", journal.Filter{Limit: 2}, []int64{all[5].ID, all[4].ID}},
		{"sha", journal.Filter{SHA256: strings.ToUpper(all[1].SHA256)}, []int64{all[1].ID}},
		{"output path", journal.Filter{Output: outputsFor(all[3], 2)[1].Path}, []int64{all[3].ID}},
		{"nothing", journal.Filter{Pipeline: "nope"}, nil},
	}
	for _, tc := range cases {
		got, err := s.j.Query(s.ctx, tc.f)
		if err != nil {
			s.t.Errorf("%s: %v", tc.name, err)
			continue
		}
		wantIDs(s.t, "Query "+tc.name, got, tc.want...)
		for _, e := range got {
			equal(s.t, "Query "+tc.name, e, s.get(e.ID))
		}
	}
	if _, err := s.j.Query(s.ctx, journal.Filter{States: []journal.State{"running"}}); !errors.Is(err, journal.ErrInvalid) {
		s.t.Errorf("Query with unknown state: %v, want ErrInvalid", err)
	}
}

// lifecycle runs one input through every step on j.
func lifecycle(ctx context.Context, j journal.Journal, c journal.ClaimInfo, fail bool) (journal.Entry, error) {
	e, err := j.Claim(ctx, c)
	if err != nil {
		return e, err
	}
	if err := j.Staged(ctx, e.ID, e.Attempt, outputsFor(e, 2)); err != nil {
		return e, err
	}
	if fail {
		return e, j.Fail(ctx, e.ID, e.Attempt, journal.Failure{Error: "x", Counts: journal.Counts{In: e.ID}})
	}
	if err := j.Published(ctx, e.ID, e.Attempt); err != nil {
		return e, err
	}
	return e, j.Finish(ctx, e.ID, e.Attempt, journal.Result{Archive: c.Work, Counts: journal.Counts{In: e.ID, Out: 2 * e.ID}})
}

func testConcurrent(s *suite) {
	j2 := s.open(s.t)
	defer j2.Close()
	const workers, files = 8, 25
	type done struct {
		e    journal.Entry
		fail bool
	}
	var (
		mu      sync.Mutex
		results []done
		wg      sync.WaitGroup
	)
	errs := make(chan error, workers*files)
	infos := make([][]journal.ClaimInfo, workers)
	for w := range infos {
		for range files {
			infos[w] = append(infos[w], s.info(fmt.Sprintf("p%d", w%3)))
		}
	}
	for w := range workers {
		j := []journal.Journal{s.j, j2}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, c := range infos[w] {
				fail := i%5 == 4
				e, err := lifecycle(s.ctx, j, c, fail)
				if err != nil {
					errs <- fmt.Errorf("worker %d file %d: %w", w, i, err)
					continue
				}
				mu.Lock()
				results = append(results, done{e, fail})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.t.Error(err)
	}
	all, err := s.j.Query(s.ctx, journal.Filter{})
	if err != nil {
		s.t.Fatal(err)
	}
	if len(all) != workers*files {
		s.t.Fatalf("%d entries recorded, want %d", len(all), workers*files)
	}
	seen := map[int64]bool{}
	for _, e := range all {
		seen[e.ID] = true
	}
	for _, r := range results {
		e := s.get(r.e.ID)
		wantState := journal.StateDone
		if r.fail {
			wantState = journal.StateFailed
		}
		if e.State != wantState || e.In != e.ID || len(e.Outputs) != 2 || e.Work != r.e.Work {
			s.t.Errorf("entry %d after concurrent run: state %s, in %d, %d outputs, work %q (lost update?)", e.ID, e.State, e.In, len(e.Outputs), e.Work)
		}
	}
	if len(seen) != workers*files {
		s.t.Errorf("%d distinct ids, want %d", len(seen), workers*files)
	}
}

func testConcurrentClaims(s *suite) {
	j2 := s.open(s.t)
	defer j2.Close()
	c := s.info("artikel")
	const n = 20
	attempts := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		j := []journal.Journal{s.j, j2}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := j.Claim(s.ctx, c)
			if err != nil {
				s.t.Error(err)
				return
			}
			attempts <- e.Attempt
		}()
	}
	wg.Wait()
	close(attempts)
	got := map[int]bool{}
	for a := range attempts {
		if got[a] {
			s.t.Errorf("attempt %d given twice", a)
		}
		got[a] = true
	}
	for a := 1; a <= n; a++ {
		if !got[a] {
			s.t.Errorf("attempt %d missing", a)
		}
	}
}

func testConcurrentStaged(s *suite) {
	j2 := s.open(s.t)
	defer j2.Close()
	e := s.claim(s.info("artikel"))
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		j := []journal.Journal{s.j, j2}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- j.Staged(s.ctx, e.ID, e.Attempt, outputsFor(e, i+1))
		}()
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, journal.ErrState):
			s.t.Errorf("losing Staged: %v, want ErrState", err)
		}
	}
	if won != 1 {
		s.t.Errorf("%d concurrent Staged calls succeeded, want 1", won)
	}
	got := s.get(e.ID)
	if got.State != journal.StateCommitting || len(got.Outputs) == 0 {
		s.t.Errorf("after the race: state %s with %d outputs", got.State, len(got.Outputs))
	}
}

func testReopen(s *suite) {
	var before []journal.Entry
	for _, st := range journal.States {
		before = append(before, s.drive("artikel", st))
	}
	if err := s.j.Close(); err != nil {
		s.t.Fatal(err)
	}
	j := s.open(s.t)
	defer j.Close()
	for _, e := range before {
		got, err := j.Get(s.ctx, e.ID)
		if err != nil {
			s.t.Fatalf("after reopen: %v", err)
		}
		equal(s.t, "after reopen", got, e)
	}
	// Numbering goes on.
	s.j = j
	again := s.claim(before[0].ClaimInfo)
	if again.Attempt != 2 || again.ID <= before[len(before)-1].ID {
		s.t.Errorf("claim after reopen: id %d attempt %d", again.ID, again.Attempt)
	}
}

func testCanceled(s *suite) {
	e := s.claim(s.info("p"))
	ctx, cancel := context.WithCancel(s.ctx)
	cancel()
	if _, err := s.j.Claim(ctx, s.info("p")); err == nil {
		s.t.Error("Claim with a canceled context succeeded")
	}
	if err := s.j.Staged(ctx, e.ID, e.Attempt, nil); err == nil {
		s.t.Error("Staged with a canceled context succeeded")
	}
	s.state(e.ID, journal.StateClaimed)
	if es, err := s.j.Query(s.ctx, journal.Filter{}); err != nil || len(es) != 1 {
		s.t.Errorf("after canceled calls: %v, %v", ids(es), err)
	}
}

// testOnceKeys: keys count as sent from Staged on, and only for the
// pipeline and scope they were recorded under; a failed or released
// attempt's keys never count; keys are recorded only while claimed.
func testOnceKeys(s *suite) {
	sent := func(p, scope, key string) (int64, bool) {
		s.t.Helper()
		id, ok, err := s.j.KeySent(s.ctx, p, scope, key)
		if err != nil {
			s.t.Fatal(err)
		}
		return id, ok
	}
	keys := []journal.Key{{Scope: "outbox/mail/zahlung-${Id}.eml", Key: "5012"}, {Scope: "outbox/mail/zahlung-${Id}.eml", Key: "5013"}}
	e := s.claim(s.info("orders"))
	if err := s.j.RecordKeys(s.ctx, e.ID, e.Attempt, keys); err != nil {
		s.t.Fatal(err)
	}
	if _, ok := sent("orders", keys[0].Scope, "5012"); ok {
		s.t.Error("a key counts as sent while its entry is only claimed")
	}
	if err := s.j.Staged(s.ctx, e.ID, e.Attempt, outputsFor(e, 1)); err != nil {
		s.t.Fatal(err)
	}
	if id, ok := sent("orders", keys[0].Scope, "5012"); !ok || id != e.ID {
		s.t.Errorf("after Staged: KeySent = %d, %v; want entry %d", id, ok, e.ID)
	}
	if _, ok := sent("orders", "outbox/mail/tracking-${Id}.eml", "5012"); ok {
		s.t.Error("a key counts under another scope")
	}
	if _, ok := sent("kunden", keys[0].Scope, "5012"); ok {
		s.t.Error("a key counts for another pipeline")
	}
	if err := s.j.RecordKeys(s.ctx, e.ID, e.Attempt, keys); !errors.Is(err, journal.ErrState) {
		s.t.Errorf("RecordKeys on a committing entry: %v, want ErrState", err)
	}
	if err := s.j.Published(s.ctx, e.ID, e.Attempt); err != nil {
		s.t.Fatal(err)
	}
	if err := s.j.Finish(s.ctx, e.ID, e.Attempt, journal.Result{Archive: "a"}); err != nil {
		s.t.Fatal(err)
	}
	if _, ok := sent("orders", keys[1].Scope, "5013"); !ok {
		s.t.Error("a done entry's key does not count")
	}
	// A failed and a released attempt: their keys never count.
	f := s.claim(s.info("orders"))
	if err := s.j.RecordKeys(s.ctx, f.ID, f.Attempt, []journal.Key{{Scope: "x", Key: "failed"}}); err != nil {
		s.t.Fatal(err)
	}
	if err := s.j.Fail(s.ctx, f.ID, f.Attempt, journal.Failure{Error: "bad"}); err != nil {
		s.t.Fatal(err)
	}
	r := s.claim(s.info("orders"))
	if err := s.j.RecordKeys(s.ctx, r.ID, r.Attempt, []journal.Key{{Scope: "x", Key: "released"}}); err != nil {
		s.t.Fatal(err)
	}
	if err := s.j.Release(s.ctx, r.ID, r.Attempt, "recovery"); err != nil {
		s.t.Fatal(err)
	}
	for _, k := range []string{"failed", "released"} {
		if _, ok := sent("orders", "x", k); ok {
			s.t.Errorf("the key of a %s attempt counts as sent", k)
		}
	}
	if err := s.j.RecordKeys(s.ctx, e.ID, e.Attempt+1, keys); !errors.Is(err, journal.ErrStale) {
		s.t.Errorf("RecordKeys with a wrong attempt: %v, want ErrStale", err)
	}
	if err := s.j.RecordKeys(s.ctx, 999999, 1, keys); !errors.Is(err, journal.ErrNotFound) {
		s.t.Errorf("RecordKeys for an unknown entry: %v, want ErrNotFound", err)
	}
}
