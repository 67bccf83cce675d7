//go:build !wasip1 && !watchfilter_native

package abi

import (
	"fmt"
	"os"
)

// Host stands in for watchfilter-host in unit tests (package childtest).
type Host interface {
	Log(level int32, msg string)
	KubeRequest(method Method, path string, body []byte) (int32, []byte)
}

var host Host

// SetHost installs h (nil: none) and returns the previous one.
func SetHost(h Host) Host {
	old := host
	host = h
	return old
}

// CallReconcile and CallWatches call the exports as the host would.
func CallReconcile(event []byte) int64 { return reconcileExport(event) }
func CallWatches() []byte              { return watchesExport() }

// Log goes to the test host, or to stderr without one.
func Log(level int32, msg string) {
	if len(msg) > MaxLogBytes {
		msg = msg[:MaxLogBytes]
	}
	if host == nil {
		fmt.Fprintf(os.Stderr, "[child] %d %s\n", level, msg)
		return
	}
	host.Log(level, msg)
}

// KubeRequest goes to the test host; without one nothing is sent.
func KubeRequest(method Method, path string, body []byte) (int32, []byte) {
	if len(path) > MaxPathBytes || len(body) > MaxBodyBytes {
		return StatusRefused, nil
	}
	if host == nil {
		return StatusNotSent, nil
	}
	return host.KubeRequest(method, path, body)
}
