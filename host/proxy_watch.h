#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

#include "filters/event_view.h"
#include "host/child_event.h"
#include "host/child_supervisor.h"
#include "host/host_config.h"
#include "host/run_modes.h"
#include "proxy/base/backoff.h"
#include "proxy/base/line_splitter.h"
#include "proxy/base/log.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {
class UpstreamStream;
}

namespace watchfilter::host {

inline constexpr char kStreamPrefix[] = "/apis/stream.watchfilter.io/v1alpha1/proxy";

// The path and query of a child's filtered watch on the proxy, resuming after
// `resource_version` when not empty.
std::string watch_target(const WatchSpec& watch, const std::string& watcher_id,
                         const std::string& resource_version);

// The path and query of a plain watch of kube-apiserver (--watch-from kube-apiserver): the
// resource with its selectors, no filter, no watcher id.
std::string direct_watch_target(const WatchSpec& watch, const std::string& resource_version);

// One filtered watch stream of a child on the proxy, kept open for the life of the host: reads
// events line by line, hands ADDED/MODIFIED/DELETED to `on_event` as ChildEvents of watch
// `watch_index` (parsed once, here), remembers the last
// resourceVersion (events and BOOKMARKs) and reconnects from it with the same watcher id, so the
// proxy neither repeats nor loses an admitted event; after a 410 it starts fresh. With
// WatchSource::kKubeApiserver `proxy` is kube-apiserver's client and the watch is a plain one
// (direct_watch_target), resumed from the last resourceVersion the same way. All members run on
// the strand given at creation.
class ProxyWatch : public std::enable_shared_from_this<ProxyWatch> {
 public:
  ProxyWatch(boost::asio::any_io_executor strand, proxy::UpstreamClient& proxy, WatchSpec watch,
             std::size_t watch_index, std::string watcher_id,
             std::function<void(ChildEvent)> on_event, std::shared_ptr<const proxy::Logger> logger,
             WatchSource source = WatchSource::kProxy);

  void start();
  void stop();
  const std::string& resource_version() const { return resource_version_; }

 private:
  void do_open();
  void on_open(boost::system::error_code ec, const std::string& step);
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t n);
  void on_line(std::string_view line);
  // An ERROR event (its Status object): logged; a 410 drops the resourceVersion.
  void log_error_event(std::string_view status);
  void retry(const std::string& why);

  boost::asio::any_io_executor strand_;
  proxy::UpstreamClient& proxy_;
  const WatchSpec watch_;
  const std::size_t watch_index_;
  const std::string watcher_id_;
  const std::function<void(ChildEvent)> on_event_;
  const std::shared_ptr<const proxy::Logger> logger_;
  const WatchSource source_;
  std::shared_ptr<proxy::UpstreamStream> stream_;
  boost::asio::steady_timer timer_;
  proxy::Backoff backoff_;
  proxy::LineSplitter splitter_;
  filters::EventParser parser_;  // reused for every line of this watch
  std::string resource_version_;
  std::string error_body_;
  unsigned status_ = 0;
  bool stopped_ = false;
  std::array<char, 64 * 1024> buffer_{};
};

// Asks the proxy for a server-side wake-up: POSTs a Wakeup (spec.watcher, spec.object,
// spec.after in ms) to /apis/stream.watchfilter.io/v1alpha1/namespaces/<ns>/wakeups and logs
// the outcome, so that a refused wake-up is visible.
void post_wakeup(proxy::UpstreamClient& proxy, boost::asio::any_io_executor executor,
                 const WakeupRequest& wakeup, const std::string& child_name,
                 std::shared_ptr<const proxy::Logger> logger);

}  // namespace watchfilter::host
