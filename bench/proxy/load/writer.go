package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// writeTimes remembers when each write (by sequence number, from 1) was sent, so that a stream
// can tell how long its event took; the writer stores, the streams load, without a lock.
type writeTimes struct {
	start time.Time
	sent_ []atomic.Int64 // nanoseconds after start, 0: not sent
}

func newWriteTimes(n int) *writeTimes {
	return &writeTimes{start: time.Now(), sent_: make([]atomic.Int64, n+1)}
}

func (w *writeTimes) mark(seq int64) {
	w.sent_[seq].Store(int64(time.Since(w.start)) + 1)
}

func (w *writeTimes) sent(seq int64) (time.Time, bool) {
	if w == nil || seq <= 0 || seq >= int64(len(w.sent_)) {
		return time.Time{}, false
	}
	ns := w.sent_[seq].Load()
	if ns == 0 {
		return time.Time{}, false
	}
	return w.start.Add(time.Duration(ns - 1)), true
}

// The objects written: ConfigMaps cm-00... of about 1 KiB, the first quarter labelled tier=hot.
// A write is a merge patch that sets the annotation wf/seq (every event carries the number of
// the write that made it) and either data.v or, one write in labelEvery, the label v.
type workload struct {
	api        *http.Client
	apiserver  string
	namespace  string
	objects    int
	labelEvery int
}

func (w *workload) objectName(i int) string { return fmt.Sprintf("cm-%02d", i) }

func (w *workload) create(ctx context.Context) error {
	pad := strings.Repeat("x", 1000)
	for i := 0; i < w.objects; i++ {
		tier := "cold"
		if i < (w.objects+3)/4 {
			tier = "hot"
		}
		body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"labels":{"tier":%q},"annotations":{"wf/seq":"0"}},"data":{"v":"0","pad":%q}}`,
			w.objectName(i), tier, pad)
		if _, err := do(ctx, w.api, http.MethodPost, w.apiserver+"/api/v1/namespaces/"+w.namespace+"/configmaps",
			"application/json", []byte(body)); err != nil {
			return err
		}
	}
	return nil
}

func (w *workload) patch(ctx context.Context, seq int64) error {
	var body string
	if w.labelEvery > 0 && seq%int64(w.labelEvery) == 0 {
		body = fmt.Sprintf(`{"metadata":{"annotations":{"wf/seq":"%d"},"labels":{"v":"%d"}}}`, seq, seq)
	} else {
		body = fmt.Sprintf(`{"metadata":{"annotations":{"wf/seq":"%d"}},"data":{"v":"%d"}}`, seq, seq)
	}
	url := w.apiserver + "/api/v1/namespaces/" + w.namespace + "/configmaps/" + w.objectName(int(seq)%w.objects)
	_, err := do(ctx, w.api, http.MethodPatch, url, "application/merge-patch+json", []byte(body))
	return err
}

type writeSummary struct {
	Writes        int64   `json:"writes"`
	Seconds       float64 `json:"seconds"`
	RatePerSecond float64 `json:"rate_per_second"`
	TargetRate    float64 `json:"target_rate"`
	WorstLagMs    float64 `json:"worst_lag_ms"` // how far behind its schedule a write was sent
	Errors        int64   `json:"errors"`
}

// paced sends writes 1..n at `rate` a second (the schedule fixed in advance, so a slow answer
// does not slow later writes) from `workers` goroutines.
func (w *workload) paced(ctx context.Context, times *writeTimes, n int64, rate float64, workers int) writeSummary {
	start := time.Now()
	jobs := make(chan int64)
	var errs atomic.Int64
	var worst atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range jobs {
				times.mark(seq)
				if err := w.patch(ctx, seq); err != nil {
					if errs.Add(1) <= 3 {
						logf("write %d: %v", seq, err)
					}
				}
			}
		}()
	}
	for seq := int64(1); seq <= n && ctx.Err() == nil; seq++ {
		due := start.Add(time.Duration(float64(seq-1) / rate * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		} else if lag := int64(-d); lag > worst.Load() {
			worst.Store(lag)
		}
		jobs <- seq
	}
	close(jobs)
	wg.Wait()
	secs := time.Since(start).Seconds()
	return writeSummary{Writes: n, Seconds: secs, RatePerSecond: float64(n) / secs, TargetRate: rate,
		WorstLagMs: float64(worst.Load()) / 1e6, Errors: errs.Load()}
}
