// wfload is the load client of the proxy benchmark (bench/proxy/run.sh, docs/benchmarks.md):
// one goroutine per watch stream, not a thread, so that 10,000 streams fit beside the proxy on
// a small machine. Each subcommand runs one measurement and prints its result as JSON:
//
//	latency   write -> event at the client: direct watch, proxy standalone, through the aggregator
//	fanout    N filtered streams through the proxy (or N direct watches), under steady writes
//	populate  creates many ConfigMaps or Deployments (for the memory measurement)
//	informer  a client-go SharedInformer holding a resource, and its RSS once synced
//	owned     a primary and its secondaries: includeOwned stream vs LISTs vs GETs
//
// Every loop is bounded in count and time.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wfload latency|fanout|populate|informer|owned [flags] (-h per subcommand)")
		os.Exit(2)
	}
	var (
		result any
		err    error
	)
	args := os.Args[2:]
	switch os.Args[1] {
	case "latency":
		result, err = runLatency(args)
	case "fanout":
		result, err = runFanout(args)
	case "populate":
		result, err = runPopulate(args)
	case "informer":
		result, err = runInformer(args)
	case "owned":
		result, err = runOwned(args)
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wfload "+os.Args[1]+": "+err.Error())
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(result); err != nil {
		fmt.Fprintln(os.Stderr, "wfload: "+err.Error())
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[wfload] "+format+"\n", args...)
}
