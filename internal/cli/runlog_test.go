package cli

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestRunLogHandler(t *testing.T) {
	cases := []struct {
		name string
		log  func(*slog.Logger)
		want string
	}{
		{"info is dropped", func(l *slog.Logger) { l.Info("done", "pipeline", "sage-artikel") }, ""},
		{"warning with its pipeline", func(l *slog.Logger) {
			l.Warn("kundenpreise.csv:7:1: left out: Kundenpreis 10004/004711 ist am 31.12.2025 abgelaufen", "pipeline", "sage-kundenpreise", "file", "kundenpreise.csv")
		}, "ferry: warning: kundenpreise.csv:7:1: left out: Kundenpreis 10004/004711 ist am 31.12.2025 abgelaufen (pipeline sage-kundenpreise)\n"},
		{"pipeline from With", func(l *slog.Logger) { l.With("pipeline", "sage-zubehoer").Error("cannot move the file") },
			"ferry: error: cannot move the file (pipeline sage-zubehoer)\n"},
		{"no pipeline", func(l *slog.Logger) { l.Warn("journal is slow") }, "ferry: warning: journal is slow\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var errb strings.Builder
			cl := New(strings.NewReader(""), &strings.Builder{}, &errb)
			c.log(slog.New(cl.runLogHandler()))
			if errb.String() != c.want {
				t.Errorf("stderr %q, want %q", errb.String(), c.want)
			}
		})
	}
	if (warnLines{}).Enabled(context.Background(), slog.LevelInfo) {
		t.Error("info is enabled")
	}
}
