//go:build !wasip1 && !watchfilter_native

// Package childtest runs a child's registered controller in a plain `go test`, with a fake host:
// Kubernetes requests go to an http.Handler of the test (for instance an httptest-style fake API),
// logs are recorded, and events are delivered as the host would deliver them.
//
//	h := childtest.New(t, fakeAPI)
//	code := h.Event(0, "ADDED", clusterJSON) // the value watchfilter_reconcile returns
package childtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"watchfilter.io/sdk/go/internal/abi"
)

// LogLine is one line the child logged.
type LogLine struct {
	Level int32 // 0 debug, 1 info, 2 warning, 3 error
	Msg   string
}

// Request is one request the child sent.
type Request struct {
	Method string // GET, POST, PUT, PATCH, DELETE
	Path   string // path and query
	Body   string
}

// Host is the fake watchfilter-host.
type Host struct {
	api http.Handler

	mu       sync.Mutex
	logs     []LogLine
	requests []Request
}

// New installs a fake host for the test (removed at its end). api serves the child's requests
// (nil: every request is a 404).
func New(t testing.TB, api http.Handler) *Host {
	if api == nil {
		api = http.NotFoundHandler()
	}
	h := &Host{api: api}
	old := abi.SetHost(h)
	t.Cleanup(func() { abi.SetHost(old) })
	return h
}

// Event delivers one watch event to the registered controller and returns what
// watchfilter_reconcile returns: 0 done, > 0 requeue after that many milliseconds, < 0 failed.
// object is JSON (a string or []byte) or a value that encodes to it.
func (h *Host) Event(watch int, eventType string, object any) int64 {
	var raw json.RawMessage
	switch o := object.(type) {
	case string:
		raw = json.RawMessage(o)
	case []byte:
		raw = o
	default:
		b, err := json.Marshal(o)
		if err != nil {
			panic(fmt.Sprintf("childtest: object: %v", err))
		}
		raw = b
	}
	ev, err := json.Marshal(map[string]any{
		"watch": watch,
		"event": map[string]any{"type": eventType, "object": raw},
	})
	if err != nil {
		panic(fmt.Sprintf("childtest: object is not JSON: %v", err))
	}
	return abi.CallReconcile(ev)
}

// RawEvent delivers event bytes as they are (for malformed events).
func (h *Host) RawEvent(event []byte) int64 { return abi.CallReconcile(event) }

// Watches returns the JSON of the child's declared watches (nil when it declares none).
func (h *Host) Watches() []byte { return abi.CallWatches() }

// Logs returns the lines logged so far.
func (h *Host) Logs() []LogLine {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]LogLine(nil), h.logs...)
}

// Requests returns the requests sent so far.
func (h *Host) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.requests...)
}

func (h *Host) Log(level int32, msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.logs = append(h.logs, LogLine{level, msg})
}

var methods = map[abi.Method]struct{ method, contentType string }{
	abi.MethodGet:        {http.MethodGet, ""},
	abi.MethodCreate:     {http.MethodPost, "application/json"},
	abi.MethodUpdate:     {http.MethodPut, "application/json"},
	abi.MethodMergePatch: {http.MethodPatch, "application/merge-patch+json"},
	abi.MethodJSONPatch:  {http.MethodPatch, "application/json-patch+json"},
	abi.MethodDelete:     {http.MethodDelete, ""},
}

// KubeRequest is what the host does with the ABI's request: an HTTP request to the API with the
// method's content type.
func (h *Host) KubeRequest(method abi.Method, path string, body []byte) (int32, []byte) {
	m, ok := methods[method]
	if !ok || !allowedPath(path) {
		return abi.StatusRefused, nil
	}
	h.mu.Lock()
	h.requests = append(h.requests, Request{m.method, path, string(body)})
	h.mu.Unlock()
	req := httptest.NewRequest(m.method, path, bytes.NewReader(body))
	if m.contentType != "" {
		req.Header.Set("Content-Type", m.contentType)
	}
	rec := httptest.NewRecorder()
	h.api.ServeHTTP(rec, req)
	return int32(rec.Code), rec.Body.Bytes()
}

// The host's rule (host/host_services.h, allowed_request): an API path, nothing that could leave
// it.
func allowedPath(p string) bool {
	return (strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/apis/")) &&
		!strings.Contains(p, "/../") && !strings.ContainsAny(p, " \r\n#")
}
