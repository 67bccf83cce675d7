package abi

import (
	"structs"
	"unsafe"
)

//go:wasmimport watchfilter log
func hostLog(level int32, msg string)

// The response slot {u32 ptr, u32 len} that kube_request fills. A package variable, not a
// local: the host calls watchfilter_allocate before writing it, and a goroutine stack may move
// during that call, a global does not.
type responseSlot struct {
	_   structs.HostLayout
	ptr uint32
	len uint32
}

var response responseSlot

//go:wasmimport watchfilter kube_request
func hostKubeRequest(method int32, path string, body unsafe.Pointer, bodyLen uint32, out *responseSlot) int32

// Buffers handed to the host by watchfilter_allocate, kept reachable until the child takes them
// back (Go's collector does not move objects, so the address stays valid).
var live = map[uint32][]byte{}

func take(ptr, n uint32) []byte {
	b, ok := live[ptr]
	if !ok || uint32(len(b)) < n {
		return nil
	}
	delete(live, ptr)
	return b[:n]
}

//go:wasmexport watchfilter_abi_version
func abiVersion() int32 { return Version }

//go:wasmexport watchfilter_allocate
func allocate(size uint32) uint32 {
	if size > MaxBodyBytes+1<<20 {
		return 0
	}
	b := make([]byte, max(size, 1))
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	live[p] = b
	return p
}

//go:wasmexport watchfilter_reconcile
func reconcile(event, n uint32) int64 {
	b := take(event, n)
	if b == nil {
		Log(LevelError, "watchfilter sdk: event buffer not from watchfilter_allocate")
		return -1
	}
	return reconcileExport(b)
}

// The JSON watchfilter_watches points at; the host reads it after the call returns.
var watchesJSON []byte

//go:wasmexport watchfilter_watches
func watches() int64 {
	watchesJSON = watchesExport()
	if watchesJSON == nil {
		watchesJSON = []byte("[]") // the host then says the child declares none
	}
	p := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(watchesJSON))))
	return int64(p<<32 | uint64(len(watchesJSON)))
}

// Log writes one line to the host's log, prefixed there with the child's name.
func Log(level int32, msg string) {
	if len(msg) > MaxLogBytes {
		msg = msg[:MaxLogBytes]
	}
	hostLog(level, msg)
}

// KubeRequest sends a request through the host and returns its status and body.
func KubeRequest(method Method, path string, body []byte) (int32, []byte) {
	if len(path) > MaxPathBytes || len(body) > MaxBodyBytes {
		return StatusRefused, nil // the host would trap the child
	}
	response = responseSlot{}
	status := hostKubeRequest(int32(method), path, unsafe.Pointer(unsafe.SliceData(body)),
		uint32(len(body)), &response)
	if response.ptr == 0 {
		return status, nil
	}
	return status, take(response.ptr, response.len)
}
