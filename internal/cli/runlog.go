package cli

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// runLogHandler is the log of ferry run. Warnings (a value cut, a record
// left out with a reason) are the run's report to the user: they go to
// stderr; the info records repeat what stdout already says and are dropped.
func (c *CLI) runLogHandler() slog.Handler {
	return warnLines{w: c.Stderr, mu: &sync.Mutex{}}
}

// warnLines is the log of ferry run: warnings and errors as one line each,
// "ferry: warning: artikel.csv:14:1: left out: … (pipeline sage-artikel)",
// in the style of ferry convert; info records are dropped (stdout has
// the results).
type warnLines struct {
	w     io.Writer
	mu    *sync.Mutex // the workers share w
	attrs []slog.Attr
}

func (h warnLines) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h warnLines) Handle(_ context.Context, r slog.Record) error {
	kind := "warning"
	if r.Level >= slog.LevelError {
		kind = "error"
	}
	pipeline := ""
	add := func(a slog.Attr) bool {
		if a.Key == "pipeline" {
			pipeline = a.Value.String()
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	line := "ferry: " + kind + ": " + r.Message
	if pipeline != "" {
		line += " (pipeline " + pipeline + ")"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, line+"\n")
	return err
}

func (h warnLines) WithAttrs(as []slog.Attr) slog.Handler {
	return warnLines{w: h.w, mu: h.mu, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h warnLines) WithGroup(string) slog.Handler { return h }
