// A Go child whose behaviour is chosen by the event: object.data.action (a ConfigMap-shaped
// object), like test_child.cc, plus what is particular to Go: a recovered panic, the collector
// running while the host writes responses into the child (big), os.Exit.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"watchfilter.io/sdk/go/child"
)

var calls int // state kept by one instance; a new instance starts at 0

var client = &http.Client{Transport: child.Transport{}}

func get(path string) (int, []byte, error) {
	resp, err := client.Get("http://host" + path)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func ms(n int) child.Result { return child.Result{RequeueAfter: time.Duration(n) * time.Millisecond} }

func reconcile(_ context.Context, req child.Request) (child.Result, error) {
	calls++
	var obj struct {
		Data map[string]string `json:"data"`
	}
	if err := req.Into(&obj); err != nil {
		return child.Result{}, err
	}
	log := child.Logger()
	switch action := obj.Data["action"]; action {
	case "ok":
		log.Info("reconciled " + req.NamespacedName.String() + " " + string(req.Type))
		return child.Result{}, nil
	case "requeue":
		return ms(1500), nil
	case "count":
		return ms(calls), nil
	case "fail":
		return child.Result{}, errors.New("failed on purpose")
	case "panic":
		var m map[string]int
		m["x"]++
	case "exit":
		os.Exit(3)
	case "loop":
		for n := 0; ; n++ {
		}
	case "grow":
		var blocks [][]byte
		for {
			b := make([]byte, 1<<20)
			b[0] = 1
			blocks = append(blocks, b)
		}
	case "gomemlimit": // what the Go runtime took from GOMEMLIMIT, in KiB
		return ms(int(debug.SetMemoryLimit(-1) >> 10)), nil
	case "env":
		return ms(len(os.Getenv(obj.Data["name"]))), nil
	case "kube":
		status, body, err := get("/api/v1/namespaces/" + req.Namespace + "/configmaps/target")
		if err != nil {
			return child.Result{}, err
		}
		var target struct {
			Metadata struct{ Name string } `json:"metadata"`
			Data     map[string]string     `json:"data"`
		}
		json.Unmarshal(body, &target)
		log.Info("got " + target.Metadata.Name)
		patch, _ := json.Marshal(map[string]any{"data": map[string]string{"seen": target.Data["value"]}})
		preq, _ := http.NewRequest("PATCH", "http://host/api/v1/namespaces/"+req.Namespace+"/configmaps/target",
			bytes.NewReader(patch))
		preq.Header.Set("Content-Type", "application/merge-patch+json")
		presp, err := client.Do(preq)
		if err != nil {
			return child.Result{}, err
		}
		presp.Body.Close()
		return ms(status*1000 + presp.StatusCode), nil
	case "badpath":
		_, err := child.Transport{}.RoundTrip(&http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "evil.example", Path: "x"}})
		if errors.Is(err, child.ErrRefused) {
			return ms(2), nil
		}
		return child.Result{}, fmt.Errorf("not refused: %v", err)
	case "big":
		// Responses of data.size bytes, data.count times, while garbage piles up: the host calls
		// watchfilter_allocate from inside kube_request, and the collector must not lose or move
		// what it returned.
		size, _ := strconv.Atoi(obj.Data["size"])
		count, _ := strconv.Atoi(obj.Data["count"])
		var garbage [][]byte
		for i := range count {
			_, body, err := get("/api/v1/namespaces/" + req.Namespace + "/configmaps/big-" + strconv.Itoa(size))
			if err != nil {
				return child.Result{}, err
			}
			if len(body) != size || body[0] != '"' || body[size-1] != '"' || bytes.Count(body, []byte{'x'}) != size-2 {
				return child.Result{}, fmt.Errorf("response %d corrupted (%d bytes)", i, len(body))
			}
			garbage = append(garbage, make([]byte, 256<<10))
			if i%8 == 0 {
				garbage = nil
				runtime.GC()
			}
		}
		return ms(count), nil
	}
	log.Warn("unknown action " + obj.Data["action"])
	return child.Result{}, errors.New("unknown action")
}

func init() {
	child.Register(child.Controller{
		Reconciler: child.ReconcilerFunc(reconcile),
		Watches: func() []child.Watch {
			return []child.Watch{{Resource: "/api/v1/namespaces/" + os.Getenv("WATCH_NAMESPACE") + "/configmaps", Filter: "changed(data)"}}
		},
	})
}

func main() {}
