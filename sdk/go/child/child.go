// Package child is the Go SDK of watchfilter-host children (docs/sdk-go.md): a reconciler shaped
// like controller-runtime's, called once per event of the child's filtered watches, with
// Kubernetes requests sent by the host (Transport, for client-go) and logs in the host's log.
//
//	type reconciler struct{}
//
//	func (reconciler) Reconcile(ctx context.Context, req child.Request) (child.Result, error) {
//		...
//		return child.Result{RequeueAfter: time.Minute}, nil
//	}
//
//	func init() {
//		child.Register(child.Controller{Reconciler: reconciler{}, Watches: watches})
//	}
//
//	func main() {} // required by -buildmode=c-shared; the host calls the exports instead
//
// Built with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared (a WASI reactor). The host may
// unload the child after any event, and a load starts from the module's initial memory, so the
// child keeps no state it cannot rebuild from the API.
package child

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"time"

	"watchfilter.io/sdk/go/internal/abi"
)

// NamespacedName names the event's object. It has the fields of k8s.io/apimachinery's
// types.NamespacedName, so types.NamespacedName(req.NamespacedName) converts it.
type NamespacedName struct {
	Namespace string
	Name      string
}

func (n NamespacedName) String() string {
	if n.Namespace == "" {
		return n.Name
	}
	return n.Namespace + "/" + n.Name
}

// EventType is the type of the watch event ("ADDED", "MODIFIED", "DELETED"). BOOKMARK and
// ERROR never reach a child; a wake-up and a resync arrive as MODIFIED.
type EventType string

const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
)

// Request is one event. Unlike controller-runtime's (a name only), it carries the object as the
// proxy delivered it, so a reconciler that needs nothing else makes no request.
type Request struct {
	NamespacedName
	// Watch is the index of the watch the event came from: in the children file's list, or in
	// the Controller's Watches.
	Watch int
	Type  EventType
	// Object is the object's JSON as kube-apiserver sent it.
	Object json.RawMessage
}

// Into decodes the object into v (a client-go type, or any struct with JSON tags).
func (r Request) Into(v any) error { return json.Unmarshal(r.Object, v) }

// Result says when to look at the object again.
type Result struct {
	// RequeueAfter > 0 asks the host for a wake-up: the proxy delivers the object again on this
	// watch after that long (at least 1 ms; rounded up to whole milliseconds), as a MODIFIED
	// event. It is a server-side wake-up, not a timer: the child may be unloaded meanwhile.
	RequeueAfter time.Duration
}

// Reconciler is the child's logic, as in controller-runtime.
type Reconciler interface {
	Reconcile(ctx context.Context, req Request) (Result, error)
}

// ReconcilerFunc adapts a function to Reconciler.
type ReconcilerFunc func(ctx context.Context, req Request) (Result, error)

func (f ReconcilerFunc) Reconcile(ctx context.Context, req Request) (Result, error) {
	return f(ctx, req)
}

// Controller is what a child registers.
type Controller struct {
	Reconciler Reconciler
	// Watches declares the child's watches (optional). Called once at host start, after the
	// package inits, so it may read the environment. A children file entry that lists watches
	// wins over them; an entry without watches needs them.
	Watches func() []Watch
}

// Register makes c the child's controller; call it from an init function (the host calls the
// exports after the inits ran, in _initialize). A second call replaces the first.
func Register(c Controller) {
	abi.SetExports(abi.Exports{
		Reconcile: func(event []byte) int64 { return reconcileEvent(c.Reconciler, event) },
		Watches: func() []byte {
			if c.Watches == nil {
				return nil
			}
			return watchesJSON(c.Watches())
		},
	})
}

// reconcileEvent decodes one event, runs r and encodes its result. An error or a panic is a
// failed reconcile (-1), logged with the object's name; as in controller-runtime a panic is
// recovered (the instance goes on), with its stack in the log.
func reconcileEvent(r Reconciler, event []byte) (code int64) {
	req, err := decodeEvent(event)
	if err != nil {
		abi.Log(abi.LevelError, "watchfilter sdk: bad event: "+err.Error())
		return -1
	}
	defer func() {
		if p := recover(); p != nil {
			abi.Log(abi.LevelError, fmt.Sprintf("reconcile %s: panic: %v\n%s", req.NamespacedName, p, debug.Stack()))
			code = -1
		}
	}()
	res, err := r.Reconcile(context.Background(), req)
	if err != nil {
		abi.Log(abi.LevelError, fmt.Sprintf("reconcile %s: %v", req.NamespacedName, err))
		return -1
	}
	return encodeResult(res)
}

func encodeResult(r Result) int64 {
	if r.RequeueAfter <= 0 {
		return 0
	}
	return int64((r.RequeueAfter + time.Millisecond - 1) / time.Millisecond)
}

func decodeEvent(event []byte) (Request, error) {
	var e struct {
		Watch *int `json:"watch"`
		Event struct {
			Type   EventType       `json:"type"`
			Object json.RawMessage `json:"object"`
		} `json:"event"`
	}
	if err := json.Unmarshal(event, &e); err != nil {
		return Request{}, err
	}
	if e.Watch == nil || e.Event.Type == "" || len(e.Event.Object) == 0 {
		return Request{}, fmt.Errorf("want {\"watch\":N,\"event\":{\"type\":...,\"object\":{...}}}")
	}
	var meta struct {
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(e.Event.Object, &meta); err != nil {
		return Request{}, fmt.Errorf("object: %w", err)
	}
	return Request{
		NamespacedName: NamespacedName{Namespace: meta.Metadata.Namespace, Name: meta.Metadata.Name},
		Watch:          *e.Watch,
		Type:           e.Event.Type,
		Object:         e.Event.Object,
	}, nil
}
