#include "proxy/server/readiness_probe.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "proxy/upstream/upstream_stream.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
using boost::system::error_code;

ReadinessProbe::ReadinessProbe(net::any_io_executor strand, std::shared_ptr<UpstreamClient> client,
                               std::shared_ptr<HealthState> health,
                               std::chrono::steady_clock::duration interval)
    : strand_(std::move(strand)),
      client_(std::move(client)),
      health_(std::move(health)),
      interval_(interval),
      timer_(strand_) {}

void ReadinessProbe::start() {
  net::dispatch(strand_, [self = shared_from_this()] { self->probe("/readyz"); });
}

void ReadinessProbe::stop() {
  net::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    if (self->stream_) self->stream_->close();
  });
}

void ReadinessProbe::probe(const char* path) {
  if (stopped_) return;
  ClientRequest empty;
  empty.method(http::verb::get);
  UpstreamRequest req =
      build_upstream_request(empty, path, client_->config(), client_->bearer_token());
  req.set(http::field::user_agent, "watchfilter-proxy/0.1 readiness-probe");
  stream_ = client_->make_stream(strand_);
  stream_->async_open(std::move(req),
                      [self = shared_from_this(), path](error_code ec, std::string step) {
                        self->on_open(path, ec, std::move(step));
                      });
}

void ReadinessProbe::on_open(const char* path, error_code ec, std::string step) {
  const auto& log = client_->logger();
  unsigned status = ec ? 0 : stream_->header().result_int();
  stream_->close();
  stream_.reset();
  if (stopped_) return;
  if (!ec && status == 200) {
    health_->mark_upstream_reachable();
    log.info("kube-apiserver " + client_->config().authority() + " answered " + path +
             "; /readyz is now ok");
    return;
  }
  std::string why =
      ec ? step + ": " + ec.message() : path + std::string(" returned ") + std::to_string(status);
  if (!warned_) {
    log.warning("kube-apiserver not reachable yet (" + why + "); retrying");
    warned_ = true;
  } else if (log.v(1)) {
    log.info("kube-apiserver probe: " + why);
  }
  // A kube-apiserver that is up but not ready, or that denies /readyz, may still serve /version.
  if (std::string_view(path) == "/readyz" && !ec) return probe("/version");
  schedule_retry();
}

void ReadinessProbe::schedule_retry() {
  timer_.expires_after(interval_);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->probe("/readyz");
  });
}

}  // namespace watchfilter::proxy
