package runner

// The soft memory limit per input file. cmd/ferry sets a tight soft limit
// (cli.TuneGC: 40 MiB) for streaming; an XLSX workbook is read whole, and
// under such a limit the collector would run almost continuously (measured
// under the earlier 32 MiB limit, 100,000 rows: 10.6 s instead of 4.0 s).
// The runner lifts the limit while it runs a file whose
// input is XLSX and restores it when the last such file is finished, so
// that ferry watch, which runs for days, keeps its tight limit for the
// CSV, TXT, JSON and XML files in between. While lifted, the GC target is
// the Go default (100 %) rather than cmd/ferry's 400 %: with no limit, 400 %
// would let the heap grow to five times the workbook (measured, 100,000
// rows, 8.9 MB workbook, ferry run: 884 MB peak at 400 %, 360 MB at 100 %,
// the same 6.9 s of CPU; under the 32 MiB limit: 209 MB, 17.1 s of CPU).

import (
	"math"
	"runtime/debug"
	"sync"
)

// MemoryLimit lifts the process's soft memory limit (runtime/debug
// SetMemoryLimit) and sets the GC target to 100 % (SetGCPercent) while at
// least one XLSX input is being processed, and restores both as it found
// them when the last one ends. The limit is one
// per process: share one MemoryLimit between every Runner of a process
// (Watch's reloads do). Its zero value is ready to use; a nil *MemoryLimit
// never touches the limit.
type MemoryLimit struct {
	// KeepGCPercent leaves the GC target alone (GOGC was set by hand).
	KeepGCPercent bool

	mu      sync.Mutex
	n       int   // XLSX inputs being processed
	saved   int64 // the limit before the first of them
	savedGC int   // the GC percentage before the first of them
}

// For is called when a file of the given input format starts; the
// returned func is called when it ends. Only "xlsx" lifts the limit.
func (m *MemoryLimit) For(format string) (restore func()) {
	if m == nil || format != "xlsx" {
		return func() {}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == 0 {
		m.saved = debug.SetMemoryLimit(math.MaxInt64)
		if !m.KeepGCPercent {
			m.savedGC = debug.SetGCPercent(100)
		}
	}
	m.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.n--; m.n == 0 {
				if !m.KeepGCPercent {
					debug.SetGCPercent(m.savedGC)
				}
				debug.SetMemoryLimit(m.saved)
			}
		})
	}
}
