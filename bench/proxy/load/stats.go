package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

type percentiles struct {
	N     int     `json:"n"`
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

func summarize(us []float32) percentiles {
	if len(us) == 0 {
		return percentiles{}
	}
	s := append([]float32(nil), us...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		if i < 0 {
			i = 0
		}
		return float64(s[i]) / 1000
	}
	return percentiles{N: len(s), P50Ms: at(0.50), P99Ms: at(0.99), MaxMs: float64(s[len(s)-1]) / 1000}
}

// procs are processes whose CPU and RSS a measurement reports ("name=pid", repeatable).
type procs map[string]int

func (p procs) String() string { return fmt.Sprint(map[string]int(p)) }
func (p procs) Set(v string) error {
	name, pid, ok := strings.Cut(v, "=")
	n, err := strconv.Atoi(pid)
	if !ok || err != nil {
		return fmt.Errorf("want name=pid, got %q", v)
	}
	p[name] = n
	return nil
}

func registerProcs(fs *flag.FlagSet) procs {
	p := procs{}
	fs.Var(p, "pid", "name=pid of a process to measure (repeatable)")
	return p
}

const clockTicks = 100 // USER_HZ on Linux

// cpuSeconds is utime+stime of a process (its threads included).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return math.NaN()
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / clockTicks
}

func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return math.NaN()
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(l)[1], 64)
			return kb / 1024
		}
	}
	return math.NaN()
}

type procUsage struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPercent float64 `json:"cpu_percent"` // of one core, over the phase
	RSSStart   float64 `json:"rss_mib_start"`
	RSSEnd     float64 `json:"rss_mib_end"`
	RSSMax     float64 `json:"rss_mib_max"`
}

// sampler follows the processes through a phase: CPU at its ends, RSS every `every`.
type sampler struct {
	p      procs
	start  time.Time
	cpu0   map[string]float64
	mu     sync.Mutex
	usage  map[string]*procUsage
	series map[string][][2]float64 // seconds since start, RSS MiB
	stop   chan struct{}
	done   chan struct{}
}

func startSampler(p procs, every time.Duration) *sampler {
	s := &sampler{p: p, start: time.Now(), cpu0: map[string]float64{}, usage: map[string]*procUsage{},
		series: map[string][][2]float64{}, stop: make(chan struct{}), done: make(chan struct{})}
	for name, pid := range p {
		s.cpu0[name] = cpuSeconds(pid)
		r := rssMiB(pid)
		s.usage[name] = &procUsage{RSSStart: r, RSSMax: r}
		s.series[name] = [][2]float64{{0, r}}
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := time.Since(s.start).Seconds()
	for name, pid := range s.p {
		r := rssMiB(pid)
		u := s.usage[name]
		u.RSSMax = math.Max(u.RSSMax, r)
		s.series[name] = append(s.series[name], [2]float64{at, r})
	}
}

func (s *sampler) finish() (map[string]*procUsage, map[string][][2]float64) {
	close(s.stop)
	<-s.done
	s.sample()
	secs := time.Since(s.start).Seconds()
	for name, pid := range s.p {
		u := s.usage[name]
		u.CPUSeconds = cpuSeconds(pid) - s.cpu0[name]
		u.CPUPercent = 100 * u.CPUSeconds / secs
		u.RSSEnd = rssMiB(pid)
	}
	return s.usage, s.series
}
