package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

type pathLatency struct {
	Name    string      `json:"name"`
	Events  int64       `json:"events"`
	Latency percentiles `json:"latency"` // write sent -> event read
	Added   percentiles `json:"added"`   // this path's receive time minus the direct watch's, per event
	Missing int64       `json:"missing"` // writes whose event never came
	Error   string      `json:"error,omitempty"`
}

type latencyResult struct {
	Write writeSummary  `json:"write"`
	Paths []pathLatency `json:"paths"`
}

// runLatency watches one namespace three ways at once - straight from kube-apiserver, through
// the standalone proxy, through kube-apiserver's aggregator to the proxy - while one writer
// changes its ConfigMaps: every write reaches the three watches, so the three are measured on
// the same events, interleaved, under the same load.
func runLatency(args []string) (any, error) {
	fs := flag.NewFlagSet("latency", flag.ExitOnError)
	var ep endpoints
	ep.register(fs)
	ns := fs.String("namespace", "", "an empty namespace")
	objects := fs.Int("objects", 20, "ConfigMaps written")
	writes := fs.Int64("writes", 2000, "writes")
	rate := fs.Float64("rate", 40, "writes a second")
	filter := fs.String("filter", "changed(data)", "the proxy streams' filter (must admit every write)")
	aggregated := fs.Bool("aggregated", true, "also watch through the aggregator")
	fs.Parse(args)
	if *ns == "" || ep.proxy == "" {
		return nil, fmt.Errorf("--namespace and --proxy are required")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api, err := ep.apiClient()
	if err != nil {
		return nil, err
	}
	pc, err := ep.proxyClient(4)
	if err != nil {
		return nil, err
	}
	times := newWriteTimes(int(*writes))
	path := "/api/v1/namespaces/" + *ns + "/configmaps?watch=true"
	filtered := path + "&filter=" + url.QueryEscape(*filter)
	type watch struct {
		name string
		url  string
		c    *http.Client
	}
	watches := []watch{{"direct", ep.apiserver + path, api}, {"proxy", ep.proxy + filtered, pc}}
	if *aggregated {
		watches = append(watches, watch{"aggregator", ep.apiserver + aggregatedPrefix + filtered, api})
	}
	streams := make([]*stream, len(watches))
	received := make([][]time.Time, len(watches))
	for i, w := range watches {
		streams[i] = newStream(w.name, w.url, w.c, times)
		got := make([]time.Time, *writes+1)
		received[i] = got
		streams[i].onEvent = func(seq int64, at time.Time) {
			if seq < int64(len(got)) && got[seq].IsZero() {
				got[seq] = at
			}
		}
	}
	if err := openStreams(ctx, streams, 4, 60*time.Second); err != nil {
		return nil, err
	}
	wl := &workload{api: api, apiserver: ep.apiserver, namespace: *ns, objects: *objects}
	if err := wl.create(ctx); err != nil {
		return nil, err
	}
	res := latencyResult{Write: wl.paced(ctx, times, *writes, *rate, 2)}
	waitUntil(30*time.Second, func() bool {
		for _, s := range streams {
			if s.events.Load() < int64(*objects)+*writes {
				return false
			}
		}
		return true
	})
	cancel()
	for i, s := range streams {
		<-s.done
		pl := pathLatency{Name: s.name, Events: s.events.Load(), Latency: summarize(s.latencyUs)}
		var added []float32
		for seq := int64(1); seq <= *writes; seq++ {
			if received[i][seq].IsZero() {
				pl.Missing++
				continue
			}
			if !received[0][seq].IsZero() {
				added = append(added, float32(received[i][seq].Sub(received[0][seq]).Microseconds()))
			}
		}
		if i > 0 {
			pl.Added = summarize(added)
		}
		if s.err != nil {
			pl.Error = s.err.Error()
		}
		res.Paths = append(res.Paths, pl)
	}
	return res, nil
}
