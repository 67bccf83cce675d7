//go:build !wasip1 && !watchfilter_native

package kube_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"watchfilter.io/sdk/go/childtest"
	"watchfilter.io/sdk/go/kube"
)

// fakeAPI keeps ConfigMaps of one namespace as kube-apiserver would answer for them (JSON
// objects, lists, Status errors); namespace "forbidden" is refused with a 403 Status.
type fakeAPI struct {
	mu  sync.Mutex
	cms map[string]map[string]any
}

const prefix = "/api/v1/namespaces/db/configmaps"

func status(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure",
		"message": msg, "reason": reason, "code": code})
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/forbidden/") {
		status(w, 403, "Forbidden", `configmaps is forbidden: User "host" cannot list resource "configmaps"`)
		return
	}
	name, isObject := strings.CutPrefix(r.URL.Path, prefix+"/")
	if !isObject && r.URL.Path != prefix {
		status(w, 404, "NotFound", "the server could not find the requested resource")
		return
	}
	body, _ := io.ReadAll(r.Body)
	write := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == "GET" && !isObject:
		items := []any{}
		for _, cm := range f.cms {
			items = append(items, cm)
		}
		write(200, map[string]any{"kind": "ConfigMapList", "apiVersion": "v1", "metadata": map[string]any{"resourceVersion": "7"}, "items": items})
	case r.Method == "POST" && !isObject:
		var cm map[string]any
		json.Unmarshal(body, &cm)
		meta := cm["metadata"].(map[string]any)
		n := meta["name"].(string)
		if _, ok := f.cms[n]; ok {
			status(w, 409, "AlreadyExists", `configmaps "`+n+`" already exists`)
			return
		}
		meta["namespace"], meta["uid"], meta["resourceVersion"] = "db", "uid-"+n, "1"
		f.cms[n] = cm
		write(201, cm)
	case isObject && f.cms[name] == nil:
		status(w, 404, "NotFound", `configmaps "`+name+`" not found`)
	case r.Method == "GET":
		write(200, f.cms[name])
	case r.Method == "PATCH" && r.Header.Get("Content-Type") == "application/merge-patch+json":
		var patch map[string]map[string]any
		json.Unmarshal(body, &patch)
		data, _ := f.cms[name]["data"].(map[string]any)
		if data == nil {
			data = map[string]any{}
		}
		for k, v := range patch["data"] {
			data[k] = v
		}
		f.cms[name]["data"] = data
		write(200, f.cms[name])
	case r.Method == "DELETE":
		delete(f.cms, name)
		write(200, map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Success"})
	default:
		status(w, 405, "MethodNotAllowed", r.Method)
	}
}

func TestTypedClientset(t *testing.T) {
	api := &fakeAPI{cms: map[string]map[string]any{}}
	h := childtest.New(t, api)
	cs, err := kubernetes.NewForConfig(kube.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("db")

	if _, err := cms.Get(ctx, "t", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get of a missing ConfigMap: %v", err)
	}
	created, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "t"},
		Data: map[string]string{"a": "1"}}, metav1.CreateOptions{})
	if err != nil || created.UID != "uid-t" || created.Data["a"] != "1" {
		t.Fatalf("create: %v %+v", err, created)
	}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "t"}}, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v", err)
	}
	patched, err := cms.Patch(ctx, "t", types.MergePatchType, []byte(`{"data":{"b":"2"}}`), metav1.PatchOptions{})
	if err != nil || patched.Data["a"] != "1" || patched.Data["b"] != "2" {
		t.Fatalf("patch: %v %+v", err, patched)
	}
	list, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "app=x", Limit: 10})
	if err != nil || len(list.Items) != 1 || list.ResourceVersion != "7" {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, err := cms.Patch(ctx, "t", types.StrategicMergePatchType, []byte(`{}`), metav1.PatchOptions{}); err == nil ||
		!strings.Contains(err.Error(), "merge-patch or json-patch only") {
		t.Fatalf("strategic merge patch: %v", err)
	}
	if _, err := cms.Watch(ctx, metav1.ListOptions{}); err == nil || !strings.Contains(err.Error(), "cannot watch") {
		t.Fatalf("watch: %v", err)
	}
	if err := cms.Delete(ctx, "t", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := cs.CoreV1().ConfigMaps("forbidden").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("a 403 Status: %v", err)
	}

	want := []childtest.Request{
		{Method: "GET", Path: prefix + "/t"},
		{Method: "POST", Path: prefix},
		{Method: "POST", Path: prefix},
		{Method: "PATCH", Path: prefix + "/t"},
		{Method: "GET", Path: prefix + "?labelSelector=app%3Dx&limit=10"},
		{Method: "DELETE", Path: prefix + "/t"},
		{Method: "GET", Path: "/api/v1/namespaces/forbidden/configmaps"},
	}
	got := h.Requests()
	if len(got) != len(want) {
		t.Fatalf("requests %+v", got)
	}
	for i := range want {
		if got[i].Method != want[i].Method || got[i].Path != want[i].Path {
			t.Errorf("request %d: %s %s, want %s %s", i, got[i].Method, got[i].Path, want[i].Method, want[i].Path)
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(got[1].Body), &body); err != nil || body["kind"] != "ConfigMap" {
		t.Fatalf("create body %s: %v", got[1].Body, err)
	}
}

func TestDynamicClient(t *testing.T) {
	api := &fakeAPI{cms: map[string]map[string]any{}}
	childtest.New(t, api)
	dc, err := dynamic.NewForConfig(kube.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cms := dc.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("db")
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "d"}, "data": map[string]any{"x": "y"}}}
	if _, err := cms.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := cms.Get(ctx, "d", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if v, _, _ := unstructured.NestedString(got.Object, "data", "x"); v != "y" || got.GetUID() != "uid-d" {
		t.Fatalf("get: %+v", got.Object)
	}
	list, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, err := cms.Get(ctx, "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("missing: %v", err)
	}
}
