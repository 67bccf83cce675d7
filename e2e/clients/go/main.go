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
// to change. Without --filter and --watcher nothing is added and the program is stock
// client-go, which is how it runs against a view (a kubeconfig whose server is
// https://<proxy>/views/<namespace>/<name>, docs/views.md): the transport then only watches.
//
// With --informer the lines are what an operator's author would check:
//
//	REQUEST LIST|WATCHLIST|WATCH rv=<resourceVersion> -> <HTTP code>
//	                                     (each list or watch the reflector sends; WATCHLIST is
//	                                     a watch with sendInitialEvents=true, an initial list)
//	ADDED|MODIFIED|DELETED <name> <resourceVersion> v1.ConfigMap data=<the data, JSON>
//	SYNCED <objects in the cache>        (HasSynced: the initial list is in)
//	OPEN
//	SUMMARY adds=A updates=U deletes=D lists=L watches=W relists=R
//	END                                  (at --timeout, SIGTERM or SIGINT)
//
// lists counts LIST and WATCHLIST requests, watches the WATCH requests that resume from a
// resourceVersion (the reflector's re-watches), relists the lists after the first one.
// --watch-timeout sets the timeoutSeconds of the reflector's watches through the informer
// factory's TweakListOptions (a stock client-go option), so that the watch ends and the
// reflector re-watches within a test's time (client-go's own rotation is every 5-10 minutes).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

// transport adds the filter to every GET (the list and the watch of an informer) and the
// watcher id to watch requests, when they are given, and logs each request's query on stderr;
// seen, when set, is told of each response.
type transport struct {
	next            http.RoundTripper
	filter, watcher string
	seen            func(*http.Request, *http.Response)
}

func (a transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && (a.filter != "" || a.watcher != "") {
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
	resp, err := a.next.RoundTrip(req)
	if err == nil && a.seen != nil {
		a.seen(req, resp)
	}
	return resp, err
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
	watchTimeout := flag.Int64("watch-timeout", 0, "with --informer: timeoutSeconds of the reflector's watches (0: client-go's own, 5-10 minutes)")
	out := flag.String("out", "", "output file (default stdout)")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail(err)
	}
	cfg.UserAgent = "watchfilter-e2e-client-go"

	w := os.Stdout
	if *out != "" {
		if w, err = os.Create(*out); err != nil {
			fail(err)
		}
	}
	bw := bufio.NewWriter(w)
	var mu sync.Mutex // the informer's handler and its reflector's requests print from their own goroutines
	emit := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(bw, format+"\n", args...)
		bw.Flush()
	}
	var counts informerCounts
	var seen func(*http.Request, *http.Response)
	if *informer {
		seen = func(req *http.Request, resp *http.Response) { counts.request(req, resp, emit) }
	}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return transport{rt, *filter, *watcher, seen}
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout+10)*time.Second)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	opts := metav1.ListOptions{
		AllowWatchBookmarks: *bookmarks,
		LabelSelector:       *labelSelector,
		ResourceVersion:     *resourceVersion,
		TimeoutSeconds:      timeout,
	}
	if *informer {
		runInformer(ctx, cfg, *namespace, *labelSelector, *watchTimeout, &counts, emit)
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

// informerCounts is what an operator's author checks of an informer: its handler calls, and
// the lists and watches its reflector sent (a relist is a list after the first one).
type informerCounts struct {
	adds, updates, deletes, lists, watches atomic.Int64
}

func (c *informerCounts) request(req *http.Request, resp *http.Response, emit func(string, ...any)) {
	if req.Method != http.MethodGet {
		return
	}
	q := req.URL.Query()
	kind := "LIST"
	if w := q.Get("watch"); w == "true" || w == "1" {
		kind = "WATCH"
		if q.Get("sendInitialEvents") == "true" {
			kind = "WATCHLIST"
		}
	}
	if kind == "WATCH" {
		c.watches.Add(1)
	} else {
		c.lists.Add(1)
	}
	emit("REQUEST %s rv=%s -> %d", kind, q.Get("resourceVersion"), resp.StatusCode)
}

// runInformer runs a typed configmap informer, as a controller would, until ctx ends: its
// reflector lists and watches through the proxy (with WatchList when client-go uses it), and
// each handler call is printed as ADDED/MODIFIED/DELETED <name> <resourceVersion> with the
// object's data. watchTimeout > 0 makes each watch end after that many seconds.
func runInformer(ctx context.Context, cfg *rest.Config, namespace, labelSelector string, watchTimeout int64,
	counts *informerCounts, emit func(string, ...any)) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err)
	}
	tweak := func(o *metav1.ListOptions) {
		o.LabelSelector = labelSelector
		if watchTimeout > 0 && o.TimeoutSeconds != nil {
			o.TimeoutSeconds = &watchTimeout
		}
	}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(namespace),
		informers.WithTweakListOptions(tweak))
	inf := factory.Core().V1().ConfigMaps().Informer()
	cm := func(o any) *corev1.ConfigMap {
		if d, ok := o.(cache.DeletedFinalStateUnknown); ok {
			o = d.Obj
		}
		return o.(*corev1.ConfigMap)
	}
	show := func(typ string, o any) {
		c := cm(o)
		data, _ := json.Marshal(c.Data)
		emit("%s %s %s v1.ConfigMap data=%s", typ, c.Name, c.ResourceVersion, data)
	}
	reg, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { counts.adds.Add(1); show("ADDED", o) },
		UpdateFunc: func(_, o any) { counts.updates.Add(1); show("MODIFIED", o) },
		DeleteFunc: func(o any) { counts.deletes.Add(1); show("DELETED", o) },
	})
	if err != nil {
		fail(err)
	}
	factory.Start(ctx.Done())
	// The handler's registration, not the informer: synced once the handler has been called
	// for every object of the initial list.
	if !cache.WaitForCacheSync(ctx.Done(), reg.HasSynced) {
		fail(fmt.Errorf("informer did not sync"))
	}
	emit("SYNCED %d", len(inf.GetStore().ListKeys()))
	emit("OPEN")
	<-ctx.Done()
	factory.Shutdown()
	lists := counts.lists.Load()
	emit("SUMMARY adds=%d updates=%d deletes=%d lists=%d watches=%d relists=%d", counts.adds.Load(),
		counts.updates.Load(), counts.deletes.Load(), lists, counts.watches.Load(), max(lists-1, 0))
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
