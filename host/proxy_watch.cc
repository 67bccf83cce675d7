#include "host/proxy_watch.h"

#include <simdjson.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/beast/http/field.hpp>

#include "host/kube_client.h"
#include "proxy/kube/group_version_resource.h"
#include "proxy/kube/url_query.h"
#include "proxy/upstream/upstream_fetch.h"
#include "proxy/upstream/upstream_stream.h"

namespace watchfilter::host {

namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

std::string watch_target(const WatchSpec& watch, const std::string& watcher_id,
                         const std::string& resource_version) {
  std::string t =
      std::string(kStreamPrefix) + watch.resource +
      "?watch=true&allowWatchBookmarks=true&watcher=" + proxy::percent_encode(watcher_id);
  if (!watch.filter.empty()) t += "&filter=" + proxy::percent_encode(watch.filter);
  if (!watch.filter_ref.empty()) t += "&filterRef=" + proxy::percent_encode(watch.filter_ref);
  if (!watch.label_selector.empty())
    t += "&labelSelector=" + proxy::percent_encode(watch.label_selector);
  if (!watch.field_selector.empty())
    t += "&fieldSelector=" + proxy::percent_encode(watch.field_selector);
  if (!watch.resync.empty()) t += "&resync=" + proxy::percent_encode(watch.resync);
  if (!resource_version.empty()) t += "&resourceVersion=" + proxy::percent_encode(resource_version);
  return t;
}

std::string direct_watch_target(const WatchSpec& watch, const std::string& resource_version) {
  std::string t = watch.resource + "?watch=true&allowWatchBookmarks=true";
  if (!watch.label_selector.empty())
    t += "&labelSelector=" + proxy::percent_encode(watch.label_selector);
  if (!watch.field_selector.empty())
    t += "&fieldSelector=" + proxy::percent_encode(watch.field_selector);
  if (!resource_version.empty()) t += "&resourceVersion=" + proxy::percent_encode(resource_version);
  return t;
}

ProxyWatch::ProxyWatch(net::any_io_executor strand, proxy::UpstreamClient& proxy, WatchSpec watch,
                       std::size_t watch_index, std::string watcher_id,
                       std::function<void(ChildEvent)> on_event,
                       std::shared_ptr<const proxy::Logger> logger, WatchSource source)
    : strand_(strand),
      proxy_(proxy),
      watch_(std::move(watch)),
      watch_index_(watch_index),
      watcher_id_(std::move(watcher_id)),
      on_event_(std::move(on_event)),
      logger_(std::move(logger)),
      source_(source),
      timer_(strand),
      backoff_(std::chrono::milliseconds(200), std::chrono::seconds(30)) {}

void ProxyWatch::start() {
  net::post(strand_, [self = shared_from_this()] { self->do_open(); });
}

void ProxyWatch::stop() {
  net::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    if (self->stream_) self->stream_->close();
  });
}

void ProxyWatch::do_open() {
  if (stopped_) return;
  splitter_.reset();
  error_body_.clear();
  proxy::UpstreamRequest req = proxy::make_own_upstream_request(
      proxy_, source_ == WatchSource::kProxy ? watch_target(watch_, watcher_id_, resource_version_)
                                             : direct_watch_target(watch_, resource_version_));
  req.set(http::field::user_agent, "watchfilter-host/0.1.0");
  stream_ = proxy_.make_stream(strand_);
  stream_->async_open(std::move(req), [self = shared_from_this()](error_code ec, std::string step) {
    self->on_open(ec, step);
  });
}

void ProxyWatch::on_open(error_code ec, const std::string& step) {
  if (stopped_) return;
  if (ec) return retry(step + ": " + ec.message());
  status_ = stream_->header().result_int();
  do_read();
}

void ProxyWatch::do_read() {
  if (stream_->is_done()) {
    if (status_ != 200) return retry("HTTP " + std::to_string(status_) + ": " + error_body_);
    return retry("");  // the stream ended (timeoutSeconds, proxy shutdown): resume
  }
  stream_->async_read_some(
      net::buffer(buffer_),
      [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void ProxyWatch::on_read(error_code ec, std::size_t n) {
  if (stopped_) return;
  if (ec) return retry("read: " + ec.message());
  if (status_ != 200) {
    if (error_body_.size() < 4096) error_body_.append(buffer_.data(), n);
  } else {
    splitter_.feed(std::string_view(buffer_.data(), n),
                   [this](std::string_view line) { on_line(line); });
  }
  do_read();
}

void ProxyWatch::on_line(std::string_view line) {
  ChildEvent event;
  const filters::EventView view = read_child_event(watch_index_, line, parser_, event);
  const filters::EventType type = view.type();
  if (!view.valid() || type == filters::EventType::kUnknown) {
    logger_->warning("watch " + watcher_id_ + ": unreadable event line");
    return;
  }
  if (type == filters::EventType::kError) {
    log_error_event(view.raw_object());
    return;
  }
  backoff_.reset();
  if (const std::string_view rv = view.resource_version(); !rv.empty()) resource_version_ = rv;
  if (type == filters::EventType::kBookmark) return;
  on_event_(std::move(event));
}

void ProxyWatch::log_error_event(std::string_view status) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(status);
  simdjson::ondemand::document doc;
  int64_t code = 0;
  std::string_view message;
  if (!parser.iterate(padded).get(doc)) {
    if (doc["code"].get_int64().get(code)) code = 0;
    if (doc["message"].get_string().get(message)) message = {};
  }
  logger_->warning("watch " + watcher_id_ + ": ERROR " + std::to_string(code) + ": " +
                   std::string(message));
  if (code == 410) resource_version_.clear();  // too old: start fresh (initial events again)
}

void ProxyWatch::retry(const std::string& why) {
  if (stream_) stream_->close();
  if (stopped_) return;
  auto delay = backoff_.next();
  if (!why.empty() || logger_->v(1))
    logger_->warning(
        "watch " + watcher_id_ + " ended" + (why.empty() ? "" : ": " + why) + "; reconnecting in " +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()) +
        " ms from resourceVersion \"" + resource_version_ + "\"");
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->do_open();
  });
}

void post_wakeup(proxy::UpstreamClient& proxy, net::any_io_executor executor,
                 const WakeupRequest& wakeup, const std::string& child_name,
                 std::shared_ptr<const proxy::Logger> logger) {
  KubeRequest request;
  request.method = 1;  // create
  request.path =
      proxy::kube::GroupVersionResource{"stream.watchfilter.io", "v1alpha1", "wakeups"}.path(
          wakeup.namespace_);
  request.body =
      R"({"apiVersion":"stream.watchfilter.io/v1alpha1","kind":"Wakeup","metadata":{"generateName":"wakeup-"},"spec":{"watcher":")" +
      wakeup.watcher_id + R"(","object":")" + wakeup.object + R"(",)" +
      (wakeup.cluster_scoped ? R"("clusterScoped":true,)" : "") + R"("after":")" +
      std::to_string(wakeup.after.count()) + R"(ms"}})";
  std::string what = "child " + child_name + " asked for a wake-up in " +
                     std::to_string(wakeup.after.count()) + " ms (watcher " + wakeup.watcher_id +
                     ")";
  send_kube_request(proxy, executor, request, 1u << 20, [what, logger](KubeResponse r) {
    if (r.status >= 200 && r.status < 300) {
      if (logger->v(1)) logger->info(what + ": wake-up registered");
    } else if (r.status == 404) {
      logger->warning(what +
                      ": the proxy does not serve wakeups (HTTP 404: an older proxy?); "
                      "the child runs again only on its next event");
    } else {
      logger->warning(what + ": wake-up request failed (HTTP " + std::to_string(r.status) + ")");
    }
  });
}

}  // namespace watchfilter::host
