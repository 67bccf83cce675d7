#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "proxy/auth/auth.h"
#include "proxy/auth/authentication_config.h"
#include "proxy/base/log.h"
#include "proxy/base/ttl_cache.h"
#include "proxy/telemetry/health_state.h"
#include "proxy/upstream/upstream_client.h"

namespace watchfilter::proxy {

// Keeps the current AuthenticationConfig read from kube-system/extension-apiserver-authentication,
// re-read every `period` (a changed resourceVersion replaces it; a failed read keeps the last
// good one). Thread-safe.
class AuthenticationConfigSource : public std::enable_shared_from_this<AuthenticationConfigSource> {
 public:
  AuthenticationConfigSource(boost::asio::any_io_executor executor,
                             std::shared_ptr<UpstreamClient> upstream,
                             std::shared_ptr<const Logger> logger,
                             std::shared_ptr<HealthState> health = nullptr,
                             std::chrono::steady_clock::duration period = std::chrono::seconds(10));

  void start();
  void stop();
  // Null until the first successful read.
  std::shared_ptr<const AuthenticationConfig> current() const;

 private:
  void fetch();
  void schedule();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::shared_ptr<UpstreamClient> upstream_;
  std::shared_ptr<const Logger> logger_;
  std::shared_ptr<HealthState> health_;
  const std::chrono::steady_clock::duration period_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;    // strand only
  std::string last_error_;  // strand only: logged once per distinct error
  mutable std::mutex mutex_;
  std::shared_ptr<const AuthenticationConfig> config_;
};

struct DelegatingAuthOptions {
  // k8s.io/apiserver's delegating defaults: TokenReview and SubjectAccessReview answers are
  // cached 10 s, allowed and denied alike (a revoked permission or deleted ServiceAccount is
  // honoured within that time).
  std::chrono::steady_clock::duration token_ttl = std::chrono::seconds(10);
  std::chrono::steady_clock::duration allow_ttl = std::chrono::seconds(10);
  std::chrono::steady_clock::duration deny_ttl = std::chrono::seconds(10);
  // TokenReviews waiting for kube-apiserver at once (--max-inflight-token-reviews): a flood of
  // distinct unknown tokens cannot make the proxy flood kube-apiserver; past it the request is
  // answered 429 (not 401: the token was not judged). Requests with a token already under
  // review wait for that review instead of making another.
  std::size_t max_inflight_token_reviews = 100;
};

// Front-proxy headers, then client certificates (both checked against the ConfigMap's CAs), then
// bearer tokens by TokenReview (cached; one review in flight per token, at most
// max_inflight_token_reviews at once). The reviews are made with the proxy's own upstream
// identity, which needs system:auth-delegator.
class DelegatingAuthenticator : public Authenticator {
 public:
  DelegatingAuthenticator(std::shared_ptr<const AuthenticationConfigSource> config,
                          std::shared_ptr<UpstreamClient> upstream,
                          std::shared_ptr<const Logger> logger, DelegatingAuthOptions options = {},
                          TtlCache<std::optional<UserInfo>>::Clock clock = nullptr);

  void authenticate(const boost::beast::http::request<boost::beast::http::string_body>& request,
                    const PeerCertificate& peer, boost::asio::any_io_executor executor,
                    Handler handler) override;

  // The token cache, for tests and metrics.
  TtlCache<std::optional<UserInfo>>& token_cache() { return tokens_; }

  // Applied to a TokenReview answer: caches it and returns the result (public for tests).
  std::optional<UserInfo> remember_token_review(std::string_view token, unsigned http_status,
                                                std::string_view body, std::string& error);
  // nullopt when the token is not cached.
  std::optional<std::optional<UserInfo>> cached_token(std::string_view token);
  // TokenReviews waiting for kube-apiserver now.
  std::size_t inflight_token_reviews() const;

 private:
  struct Waiter {
    boost::asio::any_io_executor executor;
    Handler handler;
  };
  // The review of the token with digest `key` answered: every request waiting for it gets it.
  void answer_waiters(const std::string& key, const AuthenticationResult& result);

  std::shared_ptr<const AuthenticationConfigSource> config_;
  std::shared_ptr<UpstreamClient> upstream_;
  std::shared_ptr<const Logger> logger_;
  DelegatingAuthOptions options_;
  TtlCache<std::optional<UserInfo>> tokens_;
  mutable std::mutex inflight_mutex_;
  std::map<std::string, std::vector<Waiter>> inflight_;  // token digest -> waiting requests
};

// SubjectAccessReview per request, cached by the review's spec.
class DelegatingAuthorizer : public Authorizer {
 public:
  DelegatingAuthorizer(std::shared_ptr<UpstreamClient> upstream,
                       std::shared_ptr<const Logger> logger, DelegatingAuthOptions options = {});

  void authorize(const UserInfo& user, const RequestAttributes& attributes,
                 boost::asio::any_io_executor executor, Handler handler) override;

 private:
  std::shared_ptr<UpstreamClient> upstream_;
  std::shared_ptr<const Logger> logger_;
  DelegatingAuthOptions options_;
  TtlCache<AuthorizationDecision> decisions_;
};

}  // namespace watchfilter::proxy
