//go:build !wasip1 && watchfilter_native

package abi

// The imports are the C functions of the native shim (sdk/native/native_abi.cc), resolved when
// the c-archive of the child is linked into the shim's executable; the exports are C functions
// with the names and signatures of sdk/include/watchfilter/sdk/abi.h (native flavour).

/*
#include <stdint.h>
#include <stdlib.h>
typedef struct { char* ptr; uint32_t len; } watchfilter_buffer;
void watchfilter_log(int32_t level, const char* msg, uint32_t len);
int32_t watchfilter_kube_request(int32_t method, const char* path, uint32_t path_len,
                                 const char* body, uint32_t body_len, watchfilter_buffer* response);
extern char** environ;
*/
import "C"

import (
	"os"
	"strings"
	"sync"
	"unsafe"
)

// The shim sets the children file entry's env with setenv after the Go runtime took its copy of
// the environment (at library load), so the first call copies the C environment into Go's.
var syncEnv = sync.OnceFunc(func() {
	for p := C.environ; *p != nil; p = (**C.char)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
		if k, v, ok := strings.Cut(C.GoString(*p), "="); ok && os.Getenv(k) != v {
			os.Setenv(k, v)
		}
	}
})

//export watchfilter_abi_version
func watchfilter_abi_version() C.int32_t { return C.int32_t(Version) }

// C memory: the shim writes into it and the cgo rules forbid handing Go memory to C to keep.
//
//export watchfilter_allocate
func watchfilter_allocate(size C.uint32_t) unsafe.Pointer { return C.malloc(C.size_t(max(size, 1))) }

//export watchfilter_reconcile
func watchfilter_reconcile(event *C.char, n C.uint32_t) C.int64_t {
	syncEnv()
	b := C.GoBytes(unsafe.Pointer(event), C.int(n))
	C.free(unsafe.Pointer(event))
	return C.int64_t(reconcileExport(b))
}

var watchesJSON *C.char

//export watchfilter_watches_json
func watchfilter_watches_json() *C.char {
	syncEnv()
	w := watchesExport()
	if w == nil {
		w = []byte("[]")
	}
	if watchesJSON != nil {
		C.free(unsafe.Pointer(watchesJSON))
	}
	watchesJSON = C.CString(string(w))
	return watchesJSON
}

// Log writes one line to the host's log (natively: the shim's logger on stderr).
func Log(level int32, msg string) {
	if len(msg) > MaxLogBytes {
		msg = msg[:MaxLogBytes]
	}
	p := C.CString(msg)
	defer C.free(unsafe.Pointer(p))
	C.watchfilter_log(C.int32_t(level), p, C.uint32_t(len(msg)))
}

// KubeRequest sends a request through the shim, which sends it to kube-apiserver.
func KubeRequest(method Method, path string, body []byte) (int32, []byte) {
	if len(path) > MaxPathBytes || len(body) > MaxBodyBytes {
		return StatusRefused, nil
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var cbody *C.char
	if len(body) > 0 {
		cbody = (*C.char)(C.CBytes(body))
		defer C.free(unsafe.Pointer(cbody))
	}
	var out C.watchfilter_buffer
	status := C.watchfilter_kube_request(C.int32_t(method), cpath, C.uint32_t(len(path)), cbody,
		C.uint32_t(len(body)), &out)
	if out.ptr == nil {
		return int32(status), nil
	}
	b := C.GoBytes(unsafe.Pointer(out.ptr), C.int(out.len))
	C.free(unsafe.Pointer(out.ptr))
	return int32(status), b
}
