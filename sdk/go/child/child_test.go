//go:build !wasip1 && !watchfilter_native

package child_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"watchfilter.io/sdk/go/child"
	"watchfilter.io/sdk/go/childtest"
)

const cluster = `{"apiVersion":"example.watchfilter.io/v1","kind":"Cluster","metadata":{"name":"c1","namespace":"db","uid":"u1"},"spec":{"size":3}}`

func register(t *testing.T, fn child.ReconcilerFunc, watches func() []child.Watch) {
	t.Helper()
	child.Register(child.Controller{Reconciler: fn, Watches: watches})
	t.Cleanup(func() { child.Register(child.Controller{}) })
}

func TestRequestCarriesTheEvent(t *testing.T) {
	h := childtest.New(t, nil)
	var got child.Request
	register(t, func(_ context.Context, req child.Request) (child.Result, error) {
		got = req
		return child.Result{}, nil
	}, nil)
	if code := h.Event(2, "MODIFIED", cluster); code != 0 {
		t.Fatalf("reconcile returned %d, want 0", code)
	}
	if got.Namespace != "db" || got.Name != "c1" || got.Watch != 2 || got.Type != child.Modified {
		t.Fatalf("request %+v", got)
	}
	if got.NamespacedName.String() != "db/c1" {
		t.Fatalf("String() = %q", got.NamespacedName.String())
	}
	var obj struct {
		Spec struct{ Size int } `json:"spec"`
	}
	if err := got.Into(&obj); err != nil || obj.Spec.Size != 3 {
		t.Fatalf("Into: %v, size %d", err, obj.Spec.Size)
	}
	if string(got.Object) != cluster {
		t.Fatalf("object is not the delivered bytes: %s", got.Object)
	}
}

func TestClusterScopedName(t *testing.T) {
	if s := (child.NamespacedName{Name: "n1"}).String(); s != "n1" {
		t.Fatalf("String() = %q", s)
	}
}

func TestResultEncoding(t *testing.T) {
	h := childtest.New(t, nil)
	cases := []struct {
		after time.Duration
		want  int64
	}{
		{0, 0},
		{-time.Second, 0},
		{time.Nanosecond, 1}, // a requeue is never lost to rounding
		{1500 * time.Microsecond, 2},
		{5 * time.Second, 5000},
		{time.Hour, 3600000},
	}
	for _, c := range cases {
		register(t, func(context.Context, child.Request) (child.Result, error) {
			return child.Result{RequeueAfter: c.after}, nil
		}, nil)
		if got := h.Event(0, "ADDED", cluster); got != c.want {
			t.Errorf("RequeueAfter %v: reconcile returned %d, want %d", c.after, got, c.want)
		}
	}
}

func TestErrorFailsTheReconcileAndIsLogged(t *testing.T) {
	h := childtest.New(t, nil)
	register(t, func(context.Context, child.Request) (child.Result, error) {
		return child.Result{RequeueAfter: time.Second}, errors.New("boom")
	}, nil)
	if got := h.Event(0, "ADDED", cluster); got != -1 {
		t.Fatalf("reconcile returned %d, want -1", got)
	}
	logs := h.Logs()
	if len(logs) != 1 || logs[0].Level != 3 || logs[0].Msg != "reconcile db/c1: boom" {
		t.Fatalf("logs %+v", logs)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	h := childtest.New(t, nil)
	register(t, func(context.Context, child.Request) (child.Result, error) {
		var m map[string]int
		m["x"] = 1 // panics
		return child.Result{}, nil
	}, nil)
	if got := h.Event(0, "ADDED", cluster); got != -1 {
		t.Fatalf("reconcile returned %d, want -1", got)
	}
	logs := h.Logs()
	if len(logs) != 1 || logs[0].Level != 3 || !strings.HasPrefix(logs[0].Msg, "reconcile db/c1: panic: assignment to entry in nil map") ||
		!strings.Contains(logs[0].Msg, "child_test.go") {
		t.Fatalf("logs %+v", logs)
	}
}

func TestBadEventsFail(t *testing.T) {
	h := childtest.New(t, nil)
	called := false
	register(t, func(context.Context, child.Request) (child.Result, error) {
		called = true
		return child.Result{}, nil
	}, nil)
	for _, ev := range []string{``, `{`, `[]`, `{"watch":0}`, `{"event":{"type":"ADDED","object":{}}}`,
		`{"watch":0,"event":{"type":"ADDED"}}`, `{"watch":0,"event":{"type":"ADDED","object":[1]}}`} {
		if got := h.RawEvent([]byte(ev)); got != -1 {
			t.Errorf("%q: reconcile returned %d, want -1", ev, got)
		}
	}
	if called {
		t.Fatal("the reconciler saw a malformed event")
	}
	for _, l := range h.Logs() {
		if l.Level != 3 || !strings.HasPrefix(l.Msg, "watchfilter sdk: bad event: ") {
			t.Fatalf("log %+v", l)
		}
	}
}

func TestNoReconcilerRegistered(t *testing.T) {
	h := childtest.New(t, nil)
	child.Register(child.Controller{})
	if got := h.Event(0, "ADDED", cluster); got != -1 {
		t.Fatalf("reconcile returned %d, want -1", got)
	}
}

func TestDeclaredWatches(t *testing.T) {
	h := childtest.New(t, nil)
	register(t, nil, func() []child.Watch {
		clusters := child.Resource{Group: "example.watchfilter.io", Version: "v1", Resource: "clusters"}
		return []child.Watch{
			{Resource: clusters.Path("db", ""), Filter: "changed(spec)", Resync: "5m"},
			{Resource: child.Resource{Version: "v1", Resource: "configmaps"}.Path("", ""), FilterRef: "db/f",
				LabelSelector: "app=x", FieldSelector: "metadata.name=y"},
		}
	})
	want := `[{"resource":"/apis/example.watchfilter.io/v1/namespaces/db/clusters","filter":"changed(spec)","resync":"5m"},` +
		`{"resource":"/api/v1/configmaps","filterRef":"db/f","labelSelector":"app=x","fieldSelector":"metadata.name=y"}]`
	if got := string(h.Watches()); got != want {
		t.Fatalf("watches\n got %s\nwant %s", got, want)
	}
	register(t, nil, nil)
	if got := h.Watches(); got != nil {
		t.Fatalf("no Watches: got %s", got)
	}
	register(t, nil, func() []child.Watch { return nil })
	if got := string(h.Watches()); got != "[]" {
		t.Fatalf("empty Watches: got %s", got)
	}
}

func TestResourcePath(t *testing.T) {
	cm := child.Resource{Version: "v1", Resource: "configmaps"}
	dep := child.Resource{Group: "apps", Version: "v1", Resource: "deployments"}
	for got, want := range map[string]string{
		cm.Path("", ""):     "/api/v1/configmaps",
		cm.Path("db", ""):   "/api/v1/namespaces/db/configmaps",
		cm.Path("db", "x"):  "/api/v1/namespaces/db/configmaps/x",
		dep.Path("", "d"):   "/apis/apps/v1/deployments/d",
		dep.Path("ns", "d"): "/apis/apps/v1/namespaces/ns/deployments/d",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
