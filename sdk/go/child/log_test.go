//go:build !wasip1 && !watchfilter_native

package child_test

import (
	"context"
	"log/slog"
	"testing"

	"watchfilter.io/sdk/go/child"
	"watchfilter.io/sdk/go/childtest"
)

func TestLoggerLevelsAndAttributes(t *testing.T) {
	h := childtest.New(t, nil)
	log := child.Logger()
	log.Debug("d")
	log.Info("i", "size", 3)
	log.Warn("w")
	log.Error("e", slog.String("err", "boom"))
	log.Log(context.Background(), slog.LevelError+4, "above error")
	log.With("ns", "db").WithGroup("g").Info("grouped", "k", "v")
	want := []childtest.LogLine{
		{Level: 0, Msg: "d"}, {Level: 1, Msg: "i size=3"}, {Level: 2, Msg: "w"}, {Level: 3, Msg: "e err=boom"}, {Level: 3, Msg: "above error"}, {Level: 1, Msg: "grouped ns=db g.k=v"},
	}
	got := h.Logs()
	if len(got) != len(want) {
		t.Fatalf("logs %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
