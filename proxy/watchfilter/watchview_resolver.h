#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "proxy/base/log.h"
#include "proxy/base/ttl_cache.h"
#include "proxy/upstream/upstream_client.h"
#include "proxy/watchfilter/watchview.h"

namespace watchfilter::proxy {

// The WatchView a request under /views/<namespace>/<name> names, read from kube-apiserver with
// the proxy's identity (only after the caller's own `get` on it was reviewed, docs/views.md) and
// kept for `ttl`, found or not found, so that a view costs one GET per ttl whatever its traffic.
// An edit of a view therefore applies to requests that come up to `ttl` later. Thread-safe;
// held by a shared_ptr (a read in flight keeps it alive).
class WatchViewResolver : public std::enable_shared_from_this<WatchViewResolver> {
 public:
  struct Options {
    std::chrono::steady_clock::duration ttl = std::chrono::seconds(5);
    std::size_t max_entries = 1024;  // views kept at once (TtlCache: expired first, then all)
    std::size_t body_limit = 1 << 20;
  };
  enum class Failure { kNone, kNotFound, kCrdMissing, kInvalid, kUnavailable };
  struct Resolution {
    Failure failure = Failure::kNone;
    std::string message;                    // for a failure: the text of the Status reply
    std::shared_ptr<const WatchView> view;  // kNone only
  };

  // `client` may be null for a resolver that answers only what prime() gave it (tests).
  WatchViewResolver(std::shared_ptr<UpstreamClient> client, std::shared_ptr<const Logger> logger,
                    Options options);

  // `handler` runs on `executor` (inline when the answer is cached).
  void resolve(const WatchViewRef& ref, boost::asio::any_io_executor executor,
               std::function<void(Resolution)> handler);

  // Keeps `resolution` for `ref` as if it had been read (for Options::ttl; tests).
  void prime(const WatchViewRef& ref, Resolution resolution) {
    cache_.put(ref.to_string(), std::move(resolution), options_.ttl);
  }

  // What a GET of `ref` that answered `status` with `body` means (public for tests).
  static Resolution interpret(const WatchViewRef& ref, unsigned status, const std::string& body);

 private:
  std::shared_ptr<UpstreamClient> client_;
  std::shared_ptr<const Logger> logger_;
  Options options_;
  TtlCache<Resolution> cache_;
};

}  // namespace watchfilter::proxy
