// A Percona-style child in Go, the twin of host/examples/percona/percona.cc (same watch, same
// requests, same requeues, same knobs): a database operator whose custom resource (a Cluster)
// carries the desired size in spec, and the observed size and the database's request latency in
// status. It declares its watch (Clusters of $CLUSTER_NAMESPACE, default db) with the filter
//
//	changed(spec) || delta(status.size) >= 1 || outlier(status.latencyMs, 3, 32, "mean every")
//
// so status heartbeats that neither move the size nor carry an abnormal latency never wake it,
// and it asks for a resync every $RESYNC_SECONDS (default 60; fractions allowed) with a requeue,
// which the host turns into a server-side wake-up rather than a timer that keeps the child
// loaded. The reconcile writes the desired topology into a ConfigMap <name>-topology (owned by
// the Cluster) with client-go's typed core/v1 client, the stand-in for the StatefulSet a real
// operator manages.
//
// The wake-up study's knobs, as in percona.cc (bench/wakeups, docs/benchmarks.md):
// OPERATOR_ID=x (the ConfigMap is <name>-topology-x, labelled example.watchfilter.io/operator=x),
// PREDICATE=client (the filter evaluated here: against the ConfigMap, and the outlier window in
// memory), LOG_RECONCILES=1 (one line per call: "reconcile <ns>/<name> rv=<rv> t=<unix s>
// <outcome>"), BALLAST_MIB=n (n MiB of heap written at every load).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"watchfilter.io/sdk/go/child"
	"watchfilter.io/sdk/go/kube"
)

var clusters = child.Resource{Group: "example.watchfilter.io", Version: "v1", Resource: "clusters"}

// Cluster is the part of the custom resource the child reads.
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Size *float64 `json:"size"`
	} `json:"spec"`
	Status struct {
		Size      *float64 `json:"size"`
		LatencyMs *float64 `json:"latencyMs"`
	} `json:"status"`
}

type reconciler struct {
	core    corev1client.CoreV1Interface
	log     interface{ Info(string, ...any) }
	knobs   func() knobs
	latency latencyWindow // PREDICATE=client only; gone with the instance
}

// knobs are read at the first reconcile, not in init, as percona.cc reads them: a native build
// gets a children file entry's env only after the inits ran (docs/sdk-go.md).
type knobs struct {
	operatorID      string
	clientPredicate bool
	logReconciles   bool
}

func readKnobs() knobs {
	return knobs{
		operatorID:      os.Getenv("OPERATOR_ID"),
		clientPredicate: os.Getenv("PREDICATE") == "client",
		logReconciles:   os.Getenv("LOG_RECONCILES") == "1",
	}
}

func (r *reconciler) Reconcile(ctx context.Context, req child.Request) (child.Result, error) {
	if req.Type == child.Deleted {
		return child.Result{}, nil // the ConfigMap has an ownerReference
	}
	var c Cluster
	if err := req.Into(&c); err != nil {
		return child.Result{}, err
	}
	k := r.knobs()
	desired, observed := valueOr(c.Spec.Size, 1), valueOr(c.Status.Size, 0)
	outlier := k.clientPredicate && c.Status.LatencyMs != nil && r.latency.outlier(*c.Status.LatencyMs)
	data := map[string]string{
		"desiredSize":  strconv.FormatInt(int64(desired), 10),
		"observedSize": strconv.FormatInt(int64(observed), 10),
		"phase":        "scaling",
	}
	if desired == observed {
		data["phase"] = "ready"
	}

	retry := child.Result{RequeueAfter: time.Second}
	name := c.Name + "-topology"
	operator := "percona"
	if k.operatorID != "" {
		name += "-" + k.operatorID
		operator = k.operatorID
	}
	cms := r.core.ConfigMaps(c.Namespace)
	outcome := "patched"
	current, err := cms.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		cm := &corev1.ConfigMap{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{
				Name:      name,
				Namespace: c.Namespace,
				Labels:    map[string]string{"example.watchfilter.io/operator": operator},
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: c.APIVersion, Kind: c.Kind, Name: c.Name, UID: c.UID,
				}},
			},
			Data: data,
		}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			return retry, nil
		}
		outcome = "created"
	case err == nil:
		// The client-side predicate: changed(spec) and delta(status.size) compare with what the
		// ConfigMap records, which also catches a ConfigMap someone else changed.
		if k.clientPredicate && maps.Equal(current.Data, data) {
			r.logReconcile(k, &c, map[bool]string{true: "outlier", false: "unchanged"}[outlier])
			return child.Result{RequeueAfter: resyncPeriod()}, nil
		}
		patch, _ := json.Marshal(map[string]any{"data": data})
		if _, err := cms.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return retry, nil
		}
	default:
		return retry, nil
	}
	r.logReconcile(k, &c, outcome)
	r.log.Info(fmt.Sprintf("%s: size %d/%d", req.NamespacedName, int64(observed), int64(desired)))
	return child.Result{RequeueAfter: resyncPeriod()}, nil
}

func (r *reconciler) logReconcile(k knobs, c *Cluster, outcome string) {
	if !k.logReconciles {
		return
	}
	now := float64(time.Now().UnixNano()) / 1e9
	r.log.Info(fmt.Sprintf("reconcile %s/%s rv=%s t=%.3f %s", c.Namespace, c.Name, c.ResourceVersion, now, outcome))
}

// latencyWindow is outlier(x, 3, 32, "mean every") as the proxy computes it (docs/filters.md):
// the z-score against the mean and sample standard deviation of the previous 32 values, nothing
// before 8 of them, every outlier reported.
type latencyWindow struct{ values []float64 }

func (w *latencyWindow) outlier(x float64) bool {
	out := false
	if n := len(w.values); n >= 8 {
		mean := 0.0
		for _, v := range w.values {
			mean += v
		}
		mean /= float64(n)
		variance := 0.0
		for _, v := range w.values {
			variance += (v - mean) * (v - mean)
		}
		sd := math.Sqrt(variance / float64(n-1))
		out = (sd == 0 && x != mean) || (sd != 0 && math.Abs(x-mean)/sd > 3)
	}
	w.values = append(w.values, x)
	if len(w.values) > 32 {
		w.values = w.values[1:]
	}
	return out
}

func valueOr(v *float64, d float64) float64 {
	if v == nil {
		return d
	}
	return *v
}

func resyncPeriod() time.Duration {
	s, err := strconv.ParseFloat(os.Getenv("RESYNC_SECONDS"), 64)
	if err != nil || !(s > 0) {
		s = 60
	}
	return time.Duration(s * 1000 * float64(time.Millisecond))
}

func watches() []child.Watch {
	ns := os.Getenv("CLUSTER_NAMESPACE")
	if ns == "" {
		ns = "db"
	}
	return []child.Watch{{
		Resource: clusters.Path(ns, ""),
		Filter:   `changed(spec) || delta(status.size) >= 1 || outlier(status.latencyMs, 3, 32, "mean every")`,
	}}
}

// ballast is BALLAST_MIB MiB of heap written at every load (the inits run at every load: an
// instance starts from the module's memory image), the weight of a real operator.
var ballast []byte

func init() {
	if mib, err := strconv.Atoi(os.Getenv("BALLAST_MIB")); err == nil && mib > 0 {
		ballast = make([]byte, mib<<20)
		for i := range ballast {
			ballast[i] = 1
		}
	}
	register()
}

// register makes a fresh reconciler the child's controller (what a load does; tests call it
// again for a fresh instance).
func register() {
	core, err := corev1client.NewForConfig(kube.Config())
	if err != nil {
		panic(err) // only on an invalid rest.Config, which kube.Config is not
	}
	child.Register(child.Controller{
		Reconciler: &reconciler{core: core, log: child.Logger(), knobs: sync.OnceValue(readKnobs)},
		Watches:    watches,
	})
}

// Not called: the host calls the exports of the reactor (-buildmode=c-shared).
func main() {}
