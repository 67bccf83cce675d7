#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proxy/base/log.h"
#include "proxy/upstream/upstream_client.h"
#include "proxy/upstream/upstream_fetch.h"
#include "proxy/watchfilter/watchfilter_catalog.h"
#include "proxy/watchfilter/watchfilter_status.h"

namespace watchfilter::proxy {

// Writes the status of every WatchFilter in the catalog: every `interval`
// (--watchfilter-status-interval) it computes each one's status (Ready condition, observed
// generation, event counts = the counts the object had when the catalog first saw it + its
// binding's counters, open streams) and PATCHes the status subresource of those whose status
// differs from what it last wrote — so never per event, and not at all while nothing changes.
// One pass at a time, the PATCHes of a pass one after another; stop() makes a last pass.
class WatchFilterStatusWriter : public std::enable_shared_from_this<WatchFilterStatusWriter> {
 public:
  WatchFilterStatusWriter(boost::asio::any_io_executor strand,
                          std::shared_ptr<UpstreamClient> client,
                          std::shared_ptr<WatchFilterCatalog> catalog,
                          std::shared_ptr<const Logger> logger,
                          std::chrono::steady_clock::duration interval);

  void start();
  void stop();

 private:
  struct Written {
    std::string uid;
    WatchFilterStatus status;
  };
  struct Pending {
    WatchFilterRef ref;
    std::string uid;
    WatchFilterStatus status;
  };

  void schedule();
  void pass();
  void write_next();
  void on_written(Pending pending, const FetchResult& result);

  boost::asio::any_io_executor strand_;
  std::shared_ptr<UpstreamClient> client_;
  std::shared_ptr<WatchFilterCatalog> catalog_;
  std::shared_ptr<const Logger> logger_;
  std::chrono::steady_clock::duration interval_;
  boost::asio::steady_timer timer_;
  bool started_ = false;
  bool stopping_ = false;  // the last pass is (or was) made
  bool writing_ = false;   // a pass is under way
  // What the proxy last wrote (or, before its first write, what the object carried) per
  // WatchFilter; forgotten when the WatchFilter leaves the catalog.
  std::map<WatchFilterRef, Written> written_;
  std::vector<Pending> queue_;
  std::map<WatchFilterRef, std::string> failing_;  // refs whose last PATCH failed, and why
};

}  // namespace watchfilter::proxy
