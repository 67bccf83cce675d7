// Package abi is the child ABI version 1 of watchfilter-host (docs/abi.md) seen from Go: the two
// imports (Log, KubeRequest) and the exports, which call the functions a child registers with
// SetExports. Three builds implement it:
//
//   - GOOS=wasip1 (abi_wasip1.go): go:wasmimport / go:wasmexport, the real thing;
//   - -tags watchfilter_native with cgo (abi_native.go): the C functions of the native shim
//     (sdk/native/), for debugging a child as a Linux executable;
//   - anything else (abi_fake.go): a replaceable Host, for unit tests (package childtest).
package abi

// Version is what watchfilter_abi_version returns; the host refuses any other.
const Version int32 = 1

// Method is the method argument of kube_request.
type Method int32

const (
	MethodGet        Method = 0 // GET an object, or a collection (list)
	MethodCreate     Method = 1 // POST
	MethodUpdate     Method = 2 // PUT
	MethodMergePatch Method = 3 // PATCH, application/merge-patch+json
	MethodJSONPatch  Method = 4 // PATCH, application/json-patch+json
	MethodDelete     Method = 5 // DELETE
)

// Log levels of the log import.
const (
	LevelDebug   int32 = 0
	LevelInfo    int32 = 1
	LevelWarning int32 = 2
	LevelError   int32 = 3
)

// Statuses of kube_request that are not HTTP statuses.
const (
	StatusNotSent int32 = -1 // transport error, or past the call's deadline
	StatusRefused int32 = -2 // the host refused the request (path, method or size)
)

// Limits of the host (host/host_services.h), checked here so that the child gets an error
// instead of a trap.
const (
	MaxPathBytes = 8 << 10
	MaxBodyBytes = 3 << 20
	MaxLogBytes  = 16 << 10
)

// Exports are the child's side of the ABI, set once by the child package.
type Exports struct {
	// Reconcile gets the event {"watch":N,"event":{...}} and returns 0 (done), > 0 (requeue after
	// that many milliseconds) or < 0 (failed).
	Reconcile func(event []byte) int64
	// Watches returns the declared watches as a JSON array; nil: the child declares none.
	Watches func() []byte
}

var exports Exports

// SetExports registers the child. Called from the child's init, before the host's first call.
func SetExports(e Exports) { exports = e }

func reconcileExport(event []byte) int64 {
	if exports.Reconcile == nil {
		Log(LevelError, "watchfilter sdk: no reconciler registered (child.Register in an init function)")
		return -1
	}
	return exports.Reconcile(event)
}

func watchesExport() []byte {
	if exports.Watches == nil {
		return nil
	}
	return exports.Watches()
}
