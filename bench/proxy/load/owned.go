package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

type ownedResult struct {
	Secondaries int         `json:"secondaries"` // ConfigMaps, and as many Secrets, plus one Deployment
	Trials      int         `json:"trials"`
	Stream      percentiles `json:"include_owned_stream"` // write -> the owner event carrying everything
	Lists       percentiles `json:"direct_lists"`         // write -> direct watch event -> GET + 3 LISTs done
	Gets        percentiles `json:"direct_gets"`          // write -> direct watch event -> GET each object done
	WatchOnly   percentiles `json:"direct_watch"`         // write -> direct watch event
	OwnedSeen   string      `json:"owned_seen"`           // what the last owner event carried
	Complete    bool        `json:"complete"`             // every owner event carried every secondary
}

// runOwned measures what a child needs to reconcile after one of its secondaries changed: the
// primary (a Database) and all of its secondaries (one Deployment, k ConfigMaps, k Secrets).
// Through the proxy: one filterRef stream whose WatchFilter has spec.owned with includeOwned, so
// the owner event carries them. Directly, as a reconcile does today: its watch event, then a GET
// of the primary and a LIST of each secondary resource by label; or a GET of each object.
func runOwned(args []string) (any, error) {
	fs := flag.NewFlagSet("owned", flag.ExitOnError)
	var ep endpoints
	ep.register(fs)
	ns := fs.String("namespace", "", "namespace holding the WatchFilter --watchfilter")
	wf := fs.String("watchfilter", "db", "the WatchFilter (spec.owned: deployments, configmaps, secrets; includeOwned)")
	group := fs.String("group", "bench.watchfilter.io/v1", "the Database CRD's group/version")
	k := fs.Int("secondaries", 10, "ConfigMaps and Secrets (each) owned by the Database")
	trials := fs.Int("trials", 20, "changes of a secondary")
	fs.Parse(args)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api, err := ep.apiClient()
	if err != nil {
		return nil, err
	}
	pc, err := ep.proxyClient(2)
	if err != nil {
		return nil, err
	}
	base := ep.apiserver + "/api/v1/namespaces/" + *ns
	dbURL := ep.apiserver + "/apis/" + *group + "/namespaces/" + *ns + "/databases"
	out, err := do(ctx, api, http.MethodPost, dbURL, "application/json",
		[]byte(`{"apiVersion":"`+*group+`","kind":"Database","metadata":{"name":"db1"},"spec":{"engine":"mongo","members":3}}`))
	if err != nil {
		return nil, err
	}
	var db struct {
		Metadata struct{ UID string } `json:"metadata"`
	}
	if err := json.Unmarshal(out, &db); err != nil {
		return nil, err
	}
	owner := fmt.Sprintf(`"ownerReferences":[{"apiVersion":%q,"kind":"Database","name":"db1","uid":%q,"controller":true}]`, *group, db.Metadata.UID)
	pad := strings.Repeat("x", 1000)
	create := func(url, body string) error {
		_, err := do(ctx, api, http.MethodPost, url, "application/json", []byte(body))
		return err
	}
	if err := create(ep.apiserver+"/apis/apps/v1/namespaces/"+*ns+"/deployments",
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"db1-mongo","labels":{"app":"db1"},`+owner+`},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"db1-mongo"}},"template":{"metadata":{"labels":{"app":"db1-mongo"}},"spec":{"containers":[{"name":"mongo","image":"mongo:7"}]}}}}`); err != nil {
		return nil, err
	}
	for i := 0; i < *k; i++ {
		if err := create(base+"/configmaps", fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"db1-c%03d","labels":{"app":"db1"},%s},"data":{"pad":%q}}`, i, owner, pad)); err != nil {
			return nil, err
		}
		if err := create(base+"/secrets", fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db1-s%03d","labels":{"app":"db1"},%s},"stringData":{"password":"p-%d"}}`, i, owner, i)); err != nil {
			return nil, err
		}
	}
	// The changed secondary: a ConfigMap, owned too, so that k = 0 still has one.
	if err := create(base+"/configmaps", fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"db1-trigger","labels":{"app":"db1"},%s},"data":{"n":"0"}}`, owner)); err != nil {
		return nil, err
	}
	ownerEvents := make(chan []byte, 16)
	watchEvents := make(chan time.Time, 16)
	ownedStream := newStream("owned", ep.proxy+"/apis/"+*group+"/namespaces/"+*ns+"/databases?watch=true&filterRef="+url.QueryEscape(*ns+"/"+*wf), pc, nil)
	ownedStream.onLine = func(line []byte, at time.Time) {
		if bytes.Contains(line, []byte(`watchfilter.io/owned`)) {
			ownerEvents <- append([]byte(fmt.Sprintf("%d ", at.UnixNano())), line...)
		}
	}
	direct := newStream("direct", base+"/configmaps?watch=true&labelSelector=app%3Ddb1&resourceVersion=0", api, nil)
	var armed atomic.Bool // the trials have begun: the initial events are not theirs
	direct.onLine = func(line []byte, at time.Time) {
		if bytes.Contains(line, []byte(`"db1-trigger"`)) && bytes.HasPrefix(line, []byte(`{"type":"MODIFIED"`)) && armed.Load() {
			watchEvents <- at
		}
	}
	if err := openStreams(ctx, []*stream{ownedStream, direct}, 2, 60*time.Second); err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // the initial events
	lists := []string{dbURL + "/db1", ep.apiserver + "/apis/apps/v1/namespaces/" + *ns + "/deployments?labelSelector=app%3Ddb1",
		base + "/configmaps?labelSelector=app%3Ddb1", base + "/secrets?labelSelector=app%3Ddb1"}
	gets := []string{dbURL + "/db1", ep.apiserver + "/apis/apps/v1/namespaces/" + *ns + "/deployments/db1-mongo"}
	for i := 0; i < *k; i++ {
		gets = append(gets, fmt.Sprintf("%s/configmaps/db1-c%03d", base, i), fmt.Sprintf("%s/secrets/db1-s%03d", base, i))
	}
	res := ownedResult{Secondaries: *k, Trials: *trials, Complete: true}
	var sStream, sLists, sGets, sWatch []float32
	wantSeen := fmt.Sprintf("Deployment 1, ConfigMap %d, Secret %d", *k+1, *k)
	armed.Store(true)
	for t := 1; t <= *trials; t++ {
		trialStart := time.Now()
		if _, err := do(ctx, api, http.MethodPatch, base+"/configmaps/db1-trigger", "application/merge-patch+json",
			[]byte(fmt.Sprintf(`{"data":{"n":"%d"}}`, t))); err != nil {
			return nil, err
		}
		var ownerAt, watchAt time.Time
		timeout := time.After(20 * time.Second)
		for ownerAt.IsZero() || watchAt.IsZero() {
			select {
			case ev := <-ownerEvents:
				var ns int64
				fmt.Sscan(string(ev[:bytes.IndexByte(ev, ' ')]), &ns)
				ownerAt = time.Unix(0, ns)
				res.OwnedSeen = fmt.Sprintf("Deployment %d, ConfigMap %d, Secret %d",
					bytes.Count(ev, []byte(`\"kind\":\"Deployment\"`)), bytes.Count(ev, []byte(`\"kind\":\"ConfigMap\"`)),
					bytes.Count(ev, []byte(`\"kind\":\"Secret\"`)))
				res.Complete = res.Complete && res.OwnedSeen == wantSeen
			case watchAt = <-watchEvents:
			case <-timeout:
				return nil, fmt.Errorf("trial %d: no owner event or no direct event in 20 s", t)
			}
		}
		listStart := time.Now()
		for _, u := range lists {
			if _, err := do(ctx, api, http.MethodGet, u, "", nil); err != nil {
				return nil, err
			}
		}
		listTook := time.Since(listStart)
		getStart := time.Now()
		for _, u := range gets {
			if _, err := do(ctx, api, http.MethodGet, u, "", nil); err != nil {
				return nil, err
			}
		}
		getTook := time.Since(getStart)
		w := watchAt.Sub(trialStart)
		sStream = append(sStream, float32(ownerAt.Sub(trialStart).Microseconds()))
		sWatch = append(sWatch, float32(w.Microseconds()))
		sLists = append(sLists, float32((w + listTook).Microseconds()))
		sGets = append(sGets, float32((w + getTook).Microseconds()))
		time.Sleep(200 * time.Millisecond)
	}
	res.Stream, res.Lists, res.Gets, res.WatchOnly = summarize(sStream), summarize(sLists), summarize(sGets), summarize(sWatch)
	cancel()
	<-ownedStream.done
	<-direct.done
	return res, nil
}
