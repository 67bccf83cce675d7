package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

type groupResult struct {
	Filter          string `json:"filter"`
	Streams         int    `json:"streams"`
	ExpectedEvents  int64  `json:"expected_events"`
	Complete        int    `json:"complete"` // streams that got exactly the oracle's events, in order
	Short           int    `json:"short"`    // streams that got fewer events
	Wrong           int    `json:"wrong"`    // streams with the right count but another sequence, or more
	FirstDifference string `json:"first_difference,omitempty"`
}

type fanoutResult struct {
	Mode             string                  `json:"mode"`
	Streams          int                     `json:"streams"`
	ConnectSeconds   float64                 `json:"connect_seconds"`
	Write            writeSummary            `json:"write"`
	DrainSeconds     float64                 `json:"drain_seconds"`
	EventsDelivered  int64                   `json:"events_delivered"`
	EventsPerSecond  float64                 `json:"events_per_second"`
	Latency          percentiles             `json:"latency"`
	ProbeLatency     percentiles             `json:"probe_latency"` // a direct watch at the same time
	AddedP50Ms       float64                 `json:"added_p50_ms"`
	AddedP99Ms       float64                 `json:"added_p99_ms"`
	ApiserverWatches float64                 `json:"apiserver_watches_added"`
	Groups           []groupResult           `json:"groups"`
	AllComplete      bool                    `json:"all_complete"`
	Errors           []string                `json:"errors,omitempty"`
	RSSBeforeStreams map[string]float64      `json:"rss_mib_before_streams"`
	Usage            map[string]*procUsage   `json:"usage"`
	RSSSeries        map[string][][2]float64 `json:"rss_series,omitempty"`
}

func runFanout(args []string) (any, error) {
	fs := flag.NewFlagSet("fanout", flag.ExitOnError)
	var ep endpoints
	ep.register(fs)
	mode := fs.String("mode", "proxy", "proxy: filtered streams through the proxy; direct: watches of kube-apiserver")
	n := fs.Int("streams", 1000, "streams")
	ns := fs.String("namespace", "", "an empty namespace")
	objects := fs.Int("objects", 20, "ConfigMaps written")
	writes := fs.Int64("writes", 600, "writes (after the creates)")
	rate := fs.Float64("rate", 20, "writes a second")
	workers := fs.Int("workers", 4, "concurrent writers")
	labelEvery := fs.Int("label-every", 5, "one write in this many changes a label instead of data")
	filters := fs.String("filters", `changed(data);changed(metadata.labels);metadata.labels["tier"] == "hot";changed(data) && metadata.name.endsWith("7")`, "the filters, ';'-separated, stream i gets filter i mod their number")
	eval := fs.String("eval", "watchfilter-eval", "watchfilter-eval, the oracle")
	record := fs.String("record", "fanout-direct.jsonl", "where the direct probe's events are recorded")
	drain := fs.Duration("drain", 60*time.Second, "how long to wait for the streams to catch up after the last write")
	connectTimeout := fs.Duration("connect-timeout", 300*time.Second, "how long the streams may take to connect")
	sampleEvery := fs.Duration("sample-every", time.Second, "RSS sampling period")
	series := fs.Bool("series", false, "report the RSS series (the soak)")
	p := registerProcs(fs)
	fs.Parse(args)
	if *ns == "" || (*mode == "proxy" && ep.proxy == "") {
		return nil, fmt.Errorf("--namespace and, in proxy mode, --proxy are required")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api, err := ep.apiClient()
	if err != nil {
		return nil, err
	}
	pc, err := ep.proxyClient(*n)
	if err != nil {
		return nil, err
	}
	times := newWriteTimes(int(*writes))
	path := "/api/v1/namespaces/" + *ns + "/configmaps?watch=true"

	watchesBefore := apiserverWatches(ctx, api, ep.apiserver, "configmaps")
	rssBefore := map[string]float64{}
	for name, pid := range p {
		rssBefore[name] = rssMiB(pid)
	}
	rec, err := os.Create(*record)
	if err != nil {
		return nil, err
	}
	recw := bufio.NewWriterSize(rec, 1<<20)
	probe := newStream("probe", ep.apiserver+path, api, times)
	probe.record = recw
	if err := openStreams(ctx, []*stream{probe}, 1, 30*time.Second); err != nil {
		return nil, err
	}

	filterList := strings.Split(*filters, ";")
	streams := make([]*stream, *n)
	for i := range streams {
		if *mode == "proxy" {
			f := filterList[i%len(filterList)]
			streams[i] = newStream(fmt.Sprintf("s%d", i), ep.proxy+path+"&filter="+url.QueryEscape(f), pc, times)
		} else {
			streams[i] = newStream(fmt.Sprintf("d%d", i), ep.apiserver+path, api, times)
		}
	}
	t0 := time.Now()
	if err := openStreams(ctx, streams, 64, *connectTimeout); err != nil {
		return nil, err
	}
	res := fanoutResult{Mode: *mode, Streams: *n, ConnectSeconds: time.Since(t0).Seconds(), RSSBeforeStreams: rssBefore}
	logf("%d %s streams connected in %.1f s", *n, *mode, res.ConnectSeconds)

	smp := startSampler(p, *sampleEvery)
	w := &workload{api: api, apiserver: ep.apiserver, namespace: *ns, objects: *objects, labelEvery: *labelEvery}
	if err := w.create(ctx); err != nil {
		return nil, err
	}
	writeStart := time.Now()
	res.Write = w.paced(ctx, times, *writes, *rate, *workers)
	// What the streams added to kube-apiserver's watches (the probe aside).
	res.ApiserverWatches = apiserverWatches(ctx, api, ep.apiserver, "configmaps") - watchesBefore - 1

	// The oracle is complete once the probe has every create and every write.
	want := int64(*objects) + *writes
	waitUntil(*drain, func() bool { return probe.events.Load() >= want })
	recw.Flush()
	rec.Close()
	groups := map[string]expected{}
	keys := filterList
	if *mode == "direct" {
		keys = []string{""}
	}
	for _, f := range keys {
		e, err := expectedFor(*eval, *record, f)
		if err != nil {
			return nil, err
		}
		groups[f] = e
	}
	filterOf := func(i int) string {
		if *mode == "direct" {
			return ""
		}
		return filterList[i%len(filterList)]
	}
	caughtUp := func() bool {
		for i, s := range streams {
			if s.events.Load() < groups[filterOf(i)].events {
				return false
			}
		}
		return true
	}
	waitUntil(*drain, caughtUp)
	res.DrainSeconds = time.Since(writeStart).Seconds() - res.Write.Seconds
	res.Usage, res.RSSSeries = smp.finish()
	if !*series {
		res.RSSSeries = nil
	}
	cancel()
	<-probe.done
	var all []float32
	byFilter := map[string]*groupResult{}
	for i, s := range streams {
		<-s.done
		f := filterOf(i)
		g := byFilter[f]
		if g == nil {
			g = &groupResult{Filter: f, ExpectedEvents: groups[f].events}
			byFilter[f] = g
		}
		g.Streams++
		got, hash := s.snapshot()
		switch {
		case got == groups[f].events && hash == groups[f].hash:
			g.Complete++
		case got < groups[f].events:
			g.Short++
			if g.FirstDifference == "" {
				g.FirstDifference = fmt.Sprintf("%s got %d of %d events", s.name, got, groups[f].events)
			}
		default:
			g.Wrong++
			if g.FirstDifference == "" {
				g.FirstDifference = fmt.Sprintf("%s got %d events, want %d (or another sequence)", s.name, got, groups[f].events)
			}
		}
		if s.err != nil && len(res.Errors) < 5 {
			res.Errors = append(res.Errors, s.err.Error())
		}
		res.EventsDelivered += got
		all = append(all, s.latencyUs...)
	}
	res.AllComplete = true
	for _, f := range keys {
		g := byFilter[f]
		if g == nil { // fewer streams than filters
			continue
		}
		res.Groups = append(res.Groups, *g)
		res.AllComplete = res.AllComplete && g.Complete == g.Streams
	}
	res.EventsPerSecond = float64(res.EventsDelivered) / (res.Write.Seconds + res.DrainSeconds)
	res.Latency = summarize(all)
	res.ProbeLatency = summarize(probe.latencyUs)
	res.AddedP50Ms = res.Latency.P50Ms - res.ProbeLatency.P50Ms
	res.AddedP99Ms = res.Latency.P99Ms - res.ProbeLatency.P99Ms
	return res, nil
}

func waitUntil(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// apiserverWatches is kube-apiserver's own count of open WATCH requests of a resource.
func apiserverWatches(ctx context.Context, c *http.Client, apiserver, resource string) float64 {
	body, err := do(ctx, c, http.MethodGet, apiserver+"/metrics", "", nil)
	if err != nil {
		logf("kube-apiserver /metrics: %v", err)
		return -1
	}
	total := 0.0
	for _, l := range bytes.Split(body, []byte("\n")) {
		s := string(l)
		if strings.HasPrefix(s, "apiserver_longrunning_requests{") && strings.Contains(s, `verb="WATCH"`) &&
			strings.Contains(s, `resource="`+resource+`"`) {
			v, _ := strconv.ParseFloat(s[strings.LastIndexByte(s, ' ')+1:], 64)
			total += v
		}
	}
	return total
}
