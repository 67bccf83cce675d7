// wfwatch reads one watch stream through watchfilter-proxy with client-go and writes
// what client-go decoded, one line per event:
//
//	ADDED <name> <resourceVersion> <go type>
//	BOOKMARK - <resourceVersion> <go type>
//	ERROR <code> <reason>
//	END                                  (the result channel closed)
//
// configmaps and namespaces go through the typed clientset (events decode into
// *v1.ConfigMap / *v1.Namespace); any other resource, given as group/version/resource,
// through the dynamic client (*unstructured.Unstructured). With --informer (configmaps), a
// SharedInformer runs instead and its handler calls are printed (OPEN once it has synced).
// The watchfilter parameters (filter, watcher) are not part of metav1.ListOptions, so a
// WrapTransport adds them to the query of the requests: that is all a client-go program has
// to change.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// addParams adds the filter to every GET (the list and the watch of an informer) and the
// watcher id to watch requests, and logs each request's query on stderr.
type addParams struct {
	next            http.RoundTripper
	filter, watcher string
}

func (a addParams) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet {
		req = req.Clone(req.Context())
		q := req.URL.Query()
		if a.filter != "" {
			q.Set("filter", a.filter)
		}
		if a.watcher != "" && q.Get("watch") == "true" {
			q.Set("watcher", a.watcher)
		}
		req.URL.RawQuery = q.Encode()
	}
	fmt.Fprintf(os.Stderr, "wfwatch: %s %s?%s\n", req.Method, req.URL.Path, req.URL.RawQuery)
	return a.next.RoundTrip(req)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig (server: the proxy)")
	resource := flag.String("resource", "configmaps", "configmaps, namespaces or group/version/resource")
	namespace := flag.String("namespace", "", "namespace (empty: cluster-scoped or all)")
	filter := flag.String("filter", "", "watchfilter expression")
	watcher := flag.String("watcher", "", "watchfilter watcher id")
	labelSelector := flag.String("label-selector", "", "label selector")
	resourceVersion := flag.String("resource-version", "", "resourceVersion to watch from")
	timeout := flag.Int64("timeout", 120, "timeoutSeconds of the watch (and a local deadline)")
	bookmarks := flag.Bool("bookmarks", true, "allowWatchBookmarks")
	informer := flag.Bool("informer", false, "configmaps only: run a SharedInformer (list+watch by its reflector) and print its handler calls")
	out := flag.String("out", "", "output file (default stdout)")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail(err)
	}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return addParams{rt, *filter, *watcher} }
	cfg.UserAgent = "watchfilter-e2e-client-go"

	w := os.Stdout
	if *out != "" {
		if w, err = os.Create(*out); err != nil {
			fail(err)
		}
	}
	bw := bufio.NewWriter(w)
	emit := func(format string, args ...any) {
		fmt.Fprintf(bw, format+"\n", args...)
		bw.Flush()
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout+10)*time.Second)
	defer cancel()
	opts := metav1.ListOptions{
		AllowWatchBookmarks: *bookmarks,
		LabelSelector:       *labelSelector,
		ResourceVersion:     *resourceVersion,
		TimeoutSeconds:      timeout,
	}
	if *informer {
		runInformer(ctx, cfg, *namespace, *labelSelector, emit)
		return
	}
	var wi watch.Interface
	switch *resource {
	case "configmaps", "namespaces":
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			fail(err)
		}
		if *resource == "configmaps" {
			wi, err = cs.CoreV1().ConfigMaps(*namespace).Watch(ctx, opts)
		} else {
			wi, err = cs.CoreV1().Namespaces().Watch(ctx, opts)
		}
		if err != nil {
			fail(err)
		}
	default:
		parts := strings.Split(*resource, "/")
		if len(parts) != 3 {
			fail(fmt.Errorf("--resource %q: want configmaps, namespaces or group/version/resource", *resource))
		}
		dc, err := dynamic.NewForConfig(cfg)
		if err != nil {
			fail(err)
		}
		gvr := schema.GroupVersionResource{Group: parts[0], Version: parts[1], Resource: parts[2]}
		if *namespace != "" {
			wi, err = dc.Resource(gvr).Namespace(*namespace).Watch(ctx, opts)
		} else {
			wi, err = dc.Resource(gvr).Watch(ctx, opts)
		}
		if err != nil {
			fail(err)
		}
	}
	emit("OPEN")
	for ev := range wi.ResultChan() {
		switch ev.Type {
		case watch.Error:
			st, ok := ev.Object.(*metav1.Status)
			if ok {
				emit("ERROR %d %s", st.Code, st.Reason)
			} else {
				emit("ERROR - %T", ev.Object)
			}
		default:
			emit("%s %s %s %s", ev.Type, name(ev.Object, ev.Type), rv(ev.Object), typeName(ev.Object))
		}
	}
	emit("END")
}

// runInformer runs a typed configmap informer, as a controller would, until ctx ends: its
// reflector lists and watches through the proxy (with WatchList when client-go uses it), and
// each handler call is printed as ADDED/MODIFIED/DELETED <name> <resourceVersion>.
func runInformer(ctx context.Context, cfg *rest.Config, namespace, labelSelector string, emit func(string, ...any)) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = labelSelector }))
	inf := factory.Core().V1().ConfigMaps().Informer()
	cm := func(o any) *corev1.ConfigMap {
		if d, ok := o.(cache.DeletedFinalStateUnknown); ok {
			o = d.Obj
		}
		return o.(*corev1.ConfigMap)
	}
	_, err = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { emit("ADDED %s %s v1.ConfigMap", cm(o).Name, cm(o).ResourceVersion) },
		UpdateFunc: func(_, o any) { emit("MODIFIED %s %s v1.ConfigMap", cm(o).Name, cm(o).ResourceVersion) },
		DeleteFunc: func(o any) { emit("DELETED %s %s v1.ConfigMap", cm(o).Name, cm(o).ResourceVersion) },
	})
	if err != nil {
		fail(err)
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		fail(fmt.Errorf("informer did not sync"))
	}
	emit("OPEN")
	<-ctx.Done()
	factory.Shutdown()
	emit("END")
}

func name(o runtime.Object, t watch.EventType) string {
	if t == watch.Bookmark {
		return "-"
	}
	m, err := meta.Accessor(o)
	if err != nil {
		return "?"
	}
	return m.GetName()
}

func rv(o runtime.Object) string {
	m, err := meta.Accessor(o)
	if err != nil {
		return "?"
	}
	return m.GetResourceVersion()
}

func typeName(o runtime.Object) string {
	switch o.(type) {
	case *corev1.ConfigMap:
		return "v1.ConfigMap"
	case *corev1.Namespace:
		return "v1.Namespace"
	default:
		return fmt.Sprintf("%T", o)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wfwatch:", err)
	os.Exit(1)
}
