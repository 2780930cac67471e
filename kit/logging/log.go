// Package logging builds the process's one log/slog logger from --log-level and --log-format.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// New builds the process's one logger. Services narrow it with .With("service", …).
func New(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: readable}
	switch strings.ToLower(format) {
	case "json", "":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want json or text", format)
}

// readable writes durations as Go duration strings ("1.5s", "1h0m0s") rather than slog's JSON
// nanoseconds, which nobody reads at a glance.
func readable(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// Discard is a logger for tests and embedded use that writes nothing.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
