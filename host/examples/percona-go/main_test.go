//go:build !wasip1 && !watchfilter_native

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"watchfilter.io/sdk/go/childtest"
)

const cluster = `{"apiVersion":"example.watchfilter.io/v1","kind":"Cluster","metadata":{"name":"db1","namespace":"db","uid":"u-1","resourceVersion":"42"},"spec":{"size":3},"status":{"size":1}}`

// api answers GETs of the topology ConfigMap with getStatus (200: data as given) and writes with
// writeStatus.
func api(getStatus, writeStatus int, data map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		code := writeStatus
		if r.Method == http.MethodGet {
			code = getStatus
		}
		w.WriteHeader(code)
		if code >= 300 {
			json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
				"reason": http.StatusText(code)})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "db1-topology", "namespace": "db"}, "data": data})
	})
}

// fresh installs a fake host and a fresh instance of the child (as a load does), after the test's
// environment is set.
func fresh(t *testing.T, h http.Handler) *childtest.Host {
	host := childtest.New(t, h)
	register()
	return host
}

func TestCreatesTheTopologyAndAsksForAResync(t *testing.T) {
	t.Setenv("RESYNC_SECONDS", "30")
	h := fresh(t, api(404, 201, nil))
	if got := h.Event(0, "MODIFIED", cluster); got != 30000 {
		t.Fatalf("reconcile returned %d, want a requeue after 30000 ms", got)
	}
	reqs := h.Requests()
	if len(reqs) != 2 || reqs[0].Method != "GET" || reqs[0].Path != "/api/v1/namespaces/db/configmaps/db1-topology" ||
		reqs[1].Method != "POST" || reqs[1].Path != "/api/v1/namespaces/db/configmaps" {
		t.Fatalf("requests %+v", reqs)
	}
	var cm struct {
		Metadata struct {
			Name            string
			Labels          map[string]string
			OwnerReferences []map[string]any
		}
		Data map[string]string
	}
	if err := json.Unmarshal([]byte(reqs[1].Body), &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Metadata.Name != "db1-topology" || len(cm.Metadata.OwnerReferences) != 1 ||
		cm.Metadata.OwnerReferences[0]["uid"] != "u-1" || cm.Metadata.OwnerReferences[0]["kind"] != "Cluster" ||
		cm.Metadata.OwnerReferences[0]["apiVersion"] != "example.watchfilter.io/v1" ||
		cm.Metadata.Labels["example.watchfilter.io/operator"] != "percona" {
		t.Fatalf("created %s", reqs[1].Body)
	}
	if cm.Data["desiredSize"] != "3" || cm.Data["observedSize"] != "1" || cm.Data["phase"] != "scaling" {
		t.Fatalf("data %v", cm.Data)
	}
	logs := h.Logs()
	if len(logs) != 1 || logs[0].Level != 1 || logs[0].Msg != "db/db1: size 1/3" {
		t.Fatalf("logs %+v", logs)
	}
}

func TestOperatorIDNamesAndLabelsTheTopology(t *testing.T) {
	t.Setenv("OPERATOR_ID", "go")
	t.Setenv("RESYNC_SECONDS", "0.25")
	h := fresh(t, api(404, 201, nil))
	if got := h.Event(0, "ADDED", cluster); got != 250 {
		t.Fatalf("reconcile returned %d, want 250", got)
	}
	reqs := h.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/api/v1/namespaces/db/configmaps/db1-topology-go" ||
		!strings.Contains(reqs[1].Body, `"name":"db1-topology-go"`) ||
		!strings.Contains(reqs[1].Body, `"labels":{"example.watchfilter.io/operator":"go"}`) {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestPatchesAnExistingTopology(t *testing.T) {
	h := fresh(t, api(200, 200, map[string]string{"desiredSize": "3"}))
	if got := h.Event(0, "ADDED", strings.Replace(cluster, `"status":{"size":1}`, `"status":{"size":3}`, 1)); got != 60000 {
		t.Fatalf("reconcile returned %d, want the default resync (60000 ms)", got)
	}
	reqs := h.Requests()
	if len(reqs) != 2 || reqs[1].Method != "PATCH" || reqs[1].Path != "/api/v1/namespaces/db/configmaps/db1-topology" ||
		reqs[1].Body != `{"data":{"desiredSize":"3","observedSize":"3","phase":"ready"}}` {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestFailedRequestsAreRetriedInASecond(t *testing.T) {
	for _, c := range []struct{ get, write int }{{500, 201}, {404, 403}, {200, 409}} {
		h := fresh(t, api(c.get, c.write, nil))
		if got := h.Event(0, "MODIFIED", cluster); got != 1000 {
			t.Errorf("GET %d, write %d: reconcile returned %d, want 1000", c.get, c.write, got)
		}
	}
}

func TestDeletedNeedsNothing(t *testing.T) {
	h := fresh(t, api(200, 200, nil))
	if got := h.Event(0, "DELETED", cluster); got != 0 {
		t.Fatalf("reconcile returned %d, want 0", got)
	}
	if n := len(h.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

// PREDICATE=client: an event that changes nothing the ConfigMap records is not written, and
// the latency outlier is computed here (8 values first, then > 3 standard deviations).
func TestClientPredicate(t *testing.T) {
	t.Setenv("PREDICATE", "client")
	t.Setenv("LOG_RECONCILES", "1")
	recorded := map[string]string{"desiredSize": "3", "observedSize": "1", "phase": "scaling"}
	h := fresh(t, api(200, 200, recorded))
	withLatency := func(ms string) string {
		return strings.Replace(cluster, `"status":{"size":1}`, `"status":{"size":1,"latencyMs":`+ms+`}`, 1)
	}
	for _, ms := range []string{"10", "11", "9", "10", "12", "10", "9", "11"} {
		h.Event(0, "MODIFIED", withLatency(ms))
	}
	h.Event(0, "MODIFIED", withLatency("90"))
	for _, r := range h.Requests() {
		if r.Method != "GET" {
			t.Fatalf("a write for an unchanged ConfigMap: %+v", r)
		}
	}
	line := regexp.MustCompile(`^reconcile db/db1 rv=42 t=[0-9]+\.[0-9]{3} (unchanged|outlier)$`)
	logs := h.Logs()
	if len(logs) != 9 {
		t.Fatalf("logs %+v", logs)
	}
	for i, l := range logs {
		want := "unchanged"
		if i == 8 {
			want = "outlier"
		}
		if m := line.FindStringSubmatch(l.Msg); m == nil || m[1] != want {
			t.Fatalf("log %d: %q, want outcome %s", i, l.Msg, want)
		}
	}
}

func TestDeclaresItsFilteredWatch(t *testing.T) {
	t.Setenv("CLUSTER_NAMESPACE", "shop")
	h := fresh(t, nil)
	want := `[{"resource":"/apis/example.watchfilter.io/v1/namespaces/shop/clusters",` +
		`"filter":"changed(spec) || delta(status.size) >= 1 || outlier(status.latencyMs, 3, 32, \"mean every\")"}]`
	if got := string(h.Watches()); got != want {
		t.Fatalf("watches %s", got)
	}
}
