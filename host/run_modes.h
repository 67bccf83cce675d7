#pragma once

namespace watchfilter::host {

// How a host serves its children's requeues and watches (flags --requeue and --watch-from,
// docs/host.md "Requeues, and the seed's way"). The defaults are watchfilter's; the others run
// the same children the way the wasm-operator prototype did, so that both can be measured side by
// side (bench/wakeups).

// Where a child's requeue (Result::requeue_after) is kept.
enum class RequeueMode {
  kProxy,  // a Wakeup on the proxy: nothing in the host wakes the child
  kLocal,  // a timer in the host that delivers the object's last state again
};

// Where the children's watches are opened.
enum class WatchSource {
  kProxy,          // filtered streams of watchfilter-proxy
  kKubeApiserver,  // plain watches of kube-apiserver, one each, unfiltered (needs kLocal)
};

}  // namespace watchfilter::host
