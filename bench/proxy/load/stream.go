package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// stream is one watch as a client reads it: the events it got (BOOKMARKs aside), a hash of
// their (type, resourceVersion) sequence to compare with the oracle's, and the latency of every
// event that carries a write's sequence number.
type stream struct {
	name    string
	url     string
	client  *http.Client
	record  io.Writer // every line, for the oracle (the direct probe only)
	writes  *writeTimes
	onEvent func(seq int64, at time.Time)
	onLine  func(line []byte, at time.Time) // every line, BOOKMARKs included

	connected atomic.Bool
	events    atomic.Int64
	hashMu    sync.Mutex
	hash      uint64
	latencyUs []float32 // write -> this event, for events with a sequence number
	err       error
	done      chan struct{}
}

func newStream(name, url string, c *http.Client, w *writeTimes) *stream {
	h := fnv.New64a()
	return &stream{name: name, url: url, client: c, writes: w, hash: h.Sum64(), done: make(chan struct{})}
}

var (
	keyType = []byte(`{"type":"`)
	keyRV   = []byte(`"resourceVersion":"`)
	keySeq  = []byte(`"wf/seq":"`)
)

// field returns the string value after key in line (empty when absent).
func field(line, key []byte) []byte {
	i := bytes.Index(line, key)
	if i < 0 {
		return nil
	}
	rest := line[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil
	}
	return rest[:j]
}

// eventKey is what the hash of a stream covers: an event's type and resourceVersion.
func eventKey(line []byte) (typ, rv []byte) {
	if bytes.HasPrefix(line, keyType) {
		rest := line[len(keyType):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			typ = rest[:j]
		}
	}
	return typ, field(line, keyRV)
}

func mix(h uint64, typ, rv []byte) uint64 {
	const prime = 1099511628211
	for _, b := range typ {
		h = (h ^ uint64(b)) * prime
	}
	h = (h ^ ' ') * prime
	for _, b := range rv {
		h = (h ^ uint64(b)) * prime
	}
	return (h ^ '\n') * prime
}

// run reads the stream until ctx ends; it returns once the response headers arrived (or the
// request failed), and reads on in a goroutine.
func (s *stream) run(ctx context.Context, ready chan<- error) {
	defer close(s.done)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		ready <- err
		return
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "wfload")
	resp, err := s.client.Do(req)
	if err != nil {
		s.err = err
		ready <- err
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		s.err = fmt.Errorf("%s: %d %s", s.name, resp.StatusCode, b)
		ready <- s.err
		return
	}
	s.connected.Store(true)
	ready <- nil
	rd := bufio.NewReaderSize(resp.Body, 8<<10)
	var long []byte
	for {
		chunk, err := rd.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				s.err = fmt.Errorf("%s: %w", s.name, err)
			}
			return
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
			long = nil
		}
		s.line(line, time.Now())
	}
}

func (s *stream) line(line []byte, at time.Time) {
	if s.record != nil {
		s.record.Write(line)
	}
	if s.onLine != nil {
		s.onLine(line, at)
	}
	typ, rv := eventKey(line)
	if string(typ) == "BOOKMARK" {
		return
	}
	s.hashMu.Lock()
	s.hash = mix(s.hash, typ, rv)
	s.hashMu.Unlock()
	if seq, err := strconv.ParseInt(string(field(line, keySeq)), 10, 64); err == nil && seq > 0 {
		if sent, ok := s.writes.sent(seq); ok {
			s.latencyUs = append(s.latencyUs, float32(at.Sub(sent).Microseconds()))
		}
		if s.onEvent != nil {
			s.onEvent(seq, at)
		}
	}
	s.events.Add(1)
}

func (s *stream) snapshot() (int64, uint64) {
	s.hashMu.Lock()
	defer s.hashMu.Unlock()
	return s.events.Load(), s.hash
}

// openStreams starts every stream, at most `parallel` connecting at once, and returns when all
// are connected (an error otherwise).
func openStreams(ctx context.Context, streams []*stream, parallel int, timeout time.Duration) error {
	sem := make(chan struct{}, parallel)
	errs := make(chan error, len(streams))
	deadline := time.After(timeout)
	for _, s := range streams {
		select {
		case sem <- struct{}{}:
		case <-deadline:
			return fmt.Errorf("streams did not connect within %s", timeout)
		}
		ready := make(chan error, 1)
		go s.run(ctx, ready)
		go func() {
			errs <- <-ready
			<-sem
		}()
	}
	for range streams {
		select {
		case err := <-errs:
			if err != nil {
				return err
			}
		case <-deadline:
			return fmt.Errorf("streams did not connect within %s", timeout)
		}
	}
	return nil
}
