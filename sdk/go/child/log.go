package child

import (
	"context"
	"log/slog"
	"strings"

	"watchfilter.io/sdk/go/internal/abi"
)

// Logger returns a log/slog logger whose records go to the host's log as one line each,
// prefixed there with the child's name: Debug (shown at the host's --v 1), Info, Warn, Error.
// Attributes follow the message as key=value.
func Logger() *slog.Logger { return slog.New(hostHandler{}) }

type hostHandler struct {
	attrs  []slog.Attr
	groups string
}

func (hostHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h hostHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	write := func(key string, v slog.Value) { b.WriteString(" " + key + "=" + v.Resolve().String()) }
	for _, a := range h.attrs { // keys already carry their groups
		write(a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		if !a.Equal(slog.Attr{}) {
			write(h.groups+a.Key, a.Value)
		}
		return true
	})
	abi.Log(hostLevel(r.Level), b.String())
	return nil
}

func (h hostHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	for _, a := range attrs {
		a.Key = h.groups + a.Key
		h.attrs = append(h.attrs[:len(h.attrs):len(h.attrs)], a)
	}
	return h
}

func (h hostHandler) WithGroup(name string) slog.Handler {
	if name != "" {
		h.groups += name + "."
	}
	return h
}

func hostLevel(l slog.Level) int32 {
	switch {
	case l < slog.LevelInfo:
		return abi.LevelDebug
	case l < slog.LevelWarn:
		return abi.LevelInfo
	case l < slog.LevelError:
		return abi.LevelWarning
	default:
		return abi.LevelError
	}
}
