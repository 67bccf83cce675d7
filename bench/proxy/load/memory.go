package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

type populateResult struct {
	Kind    string  `json:"kind"`
	Created int64   `json:"created"`
	Seconds float64 `json:"seconds"`
}

// runPopulate creates --count ConfigMaps of about 1 KiB, or Deployments (a usual single-container
// template, about 1.3 KiB as stored), in one namespace, from a few concurrent writers.
func runPopulate(args []string) (any, error) {
	fs := flag.NewFlagSet("populate", flag.ExitOnError)
	var ep endpoints
	ep.register(fs)
	ns := fs.String("namespace", "", "namespace (exists)")
	kind := fs.String("kind", "configmaps", "configmaps or deployments")
	count := fs.Int("count", 10000, "objects")
	offset := fs.Int("offset", 0, "the first object's number (to add to what an earlier run created)")
	workers := fs.Int("workers", 8, "concurrent writers")
	fs.Parse(args)
	api, err := ep.apiClient()
	if err != nil {
		return nil, err
	}
	pad := strings.Repeat("x", 1000)
	var url string
	body := func(i int) string { return "" }
	switch *kind {
	case "configmaps":
		url = ep.apiserver + "/api/v1/namespaces/" + *ns + "/configmaps"
		body = func(i int) string {
			return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m-%06d","labels":{"app":"bench"}},"data":{"pad":%q}}`, i, pad)
		}
	case "deployments":
		url = ep.apiserver + "/apis/apps/v1/namespaces/" + *ns + "/deployments"
		body = func(i int) string {
			return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d-%06d","labels":{"app":"bench"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d-%06d"}},"template":{"metadata":{"labels":{"app":"d-%06d","tier":"web"}},"spec":{"containers":[{"name":"web","image":"registry.example/web:1.2.3","args":["--port=8080","--log-level=info"],"ports":[{"containerPort":8080,"name":"http"}],"env":[{"name":"MODE","value":"production"},{"name":"REGION","value":"edge-1"}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},"readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":10}}]}}}}`, i, i, i)
		}
	default:
		return nil, fmt.Errorf("--kind configmaps or deployments")
	}
	ctx := context.Background()
	start := time.Now()
	var next, created atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for k := 0; k < *workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= *count {
					return
				}
				i += *offset
				if _, err := do(ctx, api, http.MethodPost, url, "application/json", []byte(body(i))); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				created.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return populateResult{Kind: *kind, Created: created.Load(), Seconds: time.Since(start).Seconds()}, nil
}

type informerResult struct {
	Kind         string  `json:"kind"`
	Objects      int     `json:"objects"`
	RSSBeforeMiB float64 `json:"rss_mib_before"`
	RSSSyncedMiB float64 `json:"rss_mib_synced"`
	HeapInuseMiB float64 `json:"heap_inuse_mib"`
	SyncSeconds  float64 `json:"sync_seconds"`
}

// runInformer is what a Go operator holds for a resource: a client-go SharedInformer (typed
// objects in its indexer), started, synced, then measured after a GC, as it stays.
func runInformer(args []string) (any, error) {
	fs := flag.NewFlagSet("informer", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of kube-apiserver")
	ns := fs.String("namespace", "", "namespace")
	kind := fs.String("kind", "configmaps", "configmaps or deployments")
	settle := fs.Duration("settle", 3*time.Second, "wait after the sync before measuring")
	fs.Parse(args)
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 1000, 1000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	runtime.GC()
	self := []int{os.Getpid()}
	res := informerResult{Kind: *kind, RSSBeforeMiB: rssMiB(self[0])}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(*ns))
	var inf cache.SharedIndexInformer
	switch *kind {
	case "configmaps":
		inf = factory.Core().V1().ConfigMaps().Informer()
	case "deployments":
		inf = factory.Apps().V1().Deployments().Informer()
	default:
		return nil, fmt.Errorf("--kind configmaps or deployments")
	}
	stop := make(chan struct{})
	defer close(stop)
	start := time.Now()
	factory.Start(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("informer did not sync")
	}
	res.SyncSeconds = time.Since(start).Seconds()
	time.Sleep(*settle)
	runtime.GC()
	time.Sleep(time.Second)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.Objects = len(inf.GetStore().ListKeys())
	res.RSSSyncedMiB = rssMiB(self[0])
	res.HeapInuseMiB = float64(ms.HeapInuse) / (1 << 20)
	return res, nil
}
