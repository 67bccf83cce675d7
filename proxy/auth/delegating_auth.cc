#include "proxy/auth/delegating_auth.h"

#include <openssl/evp.h>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "proxy/auth/certificate_authenticator.h"
#include "proxy/auth/token_review.h"
#include "proxy/base/config_error.h"
#include "proxy/upstream/upstream_fetch.h"

namespace watchfilter::proxy {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::size_t kReviewBodyLimit = 1 << 20;

// Tokens are cached by digest, never kept as they are.
std::string token_key(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(token.data(), token.size(), digest, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), n);
}

std::string describe(const AuthenticationConfig& c) {
  std::string names;
  for (const auto& n : c.allowed_names) names += (names.empty() ? "" : ",") + n;
  return std::string("client CA ") + (c.client_ca ? "set" : "unset") + ", requestheader CA " +
         (c.requestheader_ca ? "set" : "unset") + ", allowed names [" + names + "]";
}

}  // namespace

AuthenticationConfigSource::AuthenticationConfigSource(net::any_io_executor executor,
                                                       std::shared_ptr<UpstreamClient> upstream,
                                                       std::shared_ptr<const Logger> logger,
                                                       std::shared_ptr<HealthState> health,
                                                       std::chrono::steady_clock::duration period)
    : strand_(net::make_strand(executor)),
      upstream_(std::move(upstream)),
      logger_(std::move(logger)),
      health_(std::move(health)),
      period_(period),
      timer_(strand_) {}

void AuthenticationConfigSource::start() {
  net::post(strand_, [self = shared_from_this()] { self->fetch(); });
}

void AuthenticationConfigSource::stop() {
  net::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

std::shared_ptr<const AuthenticationConfig> AuthenticationConfigSource::current() const {
  std::lock_guard lock(mutex_);
  return config_;
}

void AuthenticationConfigSource::fetch() {
  if (stopped_) return;
  fetch_upstream(
      *upstream_, strand_, std::string(kAuthenticationConfigMapPath), kReviewBodyLimit,
      [self = shared_from_this()](FetchResult r) {
        std::string error;
        if (r.ec) {
          error = r.failed_step + ": " + r.ec.message();
        } else if (r.status != 200) {
          error = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
        } else {
          try {
            auto parsed = parse_authentication_configmap(r.body);
            std::shared_ptr<const AuthenticationConfig> old = self->current();
            if (!old || old->resource_version != parsed->resource_version) {
              self->logger_->info(
                  "authentication config from kube-system/extension-apiserver-authentication "
                  "(resourceVersion " +
                  parsed->resource_version + "): " + describe(*parsed));
              {
                std::lock_guard lock(self->mutex_);
                self->config_ = std::move(parsed);
              }
              if (self->health_) self->health_->mark_authentication_config_loaded();
            }
          } catch (const ConfigError& e) {
            error = std::string("invalid ConfigMap: ") + e.what();
          }
        }
        if (!error.empty() && error != self->last_error_) {
          self->logger_->warning(
              "cannot read kube-system/extension-apiserver-authentication (" + error +
              "); front-proxy and client-certificate authentication " +
              (self->current() ? "keep the last config" : "are unavailable until it is read"));
        }
        self->last_error_ = error;
        self->schedule();
      });
}

void AuthenticationConfigSource::schedule() {
  if (stopped_) return;
  // Until the first read succeeds, retry quickly: client certificates cannot be checked before.
  timer_.expires_after(current() ? period_ : std::chrono::milliseconds(500));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->fetch();
  });
}

DelegatingAuthenticator::DelegatingAuthenticator(
    std::shared_ptr<const AuthenticationConfigSource> config,
    std::shared_ptr<UpstreamClient> upstream, std::shared_ptr<const Logger> logger,
    DelegatingAuthOptions options, TtlCache<std::optional<UserInfo>>::Clock clock)
    : config_(std::move(config)),
      upstream_(std::move(upstream)),
      logger_(std::move(logger)),
      options_(options),
      tokens_(4096, clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); }) {}

std::optional<std::optional<UserInfo>> DelegatingAuthenticator::cached_token(
    std::string_view token) {
  return tokens_.get(token_key(token));
}

std::optional<UserInfo> DelegatingAuthenticator::remember_token_review(std::string_view token,
                                                                       unsigned http_status,
                                                                       std::string_view body,
                                                                       std::string& error) {
  if (http_status != 201 && http_status != 200) {
    // Not an answer about the token (e.g. the proxy lacks system:auth-delegator): not cached.
    error = "TokenReview failed with HTTP " + std::to_string(http_status);
    return std::nullopt;
  }
  std::optional<UserInfo> user = parse_token_review_response(body, error);
  tokens_.put(token_key(token), user, options_.token_ttl);
  return user;
}

void DelegatingAuthenticator::authenticate(const http::request<http::string_body>& request,
                                           const PeerCertificate& peer,
                                           net::any_io_executor executor, Handler handler) {
  auto reply = [&](AuthenticationResult result) {
    net::post(executor,
              [h = std::move(handler), r = std::move(result)]() mutable { h(std::move(r)); });
  };
  if (auto config = config_ ? config_->current() : nullptr) {
    std::string why;
    if (auto user = authenticate_request_header(*config, peer, request, &why)) {
      return reply(std::move(user));
    }
    if (auto user = authenticate_client_certificate(*config, peer, &why)) {
      return reply(std::move(user));
    }
    if (!peer.empty() && logger_->v(4)) logger_->info("client certificate not accepted: " + why);
  }
  const std::string token(request_bearer_token(request));
  if (token.empty() || !upstream_) return reply(std::nullopt);
  if (auto cached = cached_token(token)) {
    if (!*cached) return reply(std::nullopt);
    return reply(AuthenticatedUser{**cached, AuthenticationMethod::kBearerToken});
  }
  std::string key = token_key(token);
  {
    std::lock_guard lock(inflight_mutex_);
    if (auto it = inflight_.find(key); it != inflight_.end()) {
      it->second.push_back(Waiter{executor, std::move(handler)});
      return;
    }
    if (inflight_.size() >= options_.max_inflight_token_reviews) {
      return net::post(executor, [h = std::move(handler)] {
        h(AuthenticationResult::overloaded_by("max-inflight-token-reviews"));
      });
    }
    inflight_[key].push_back(Waiter{executor, std::move(handler)});
  }
  post_upstream(*upstream_, executor, std::string(kTokenReviewPath), token_review_request(token),
                kReviewBodyLimit, [this, token, key = std::move(key)](FetchResult r) {
                  std::string error;
                  std::optional<UserInfo> user;
                  if (r.ec) {
                    error = r.failed_step + ": " + r.ec.message();
                  } else {
                    user = remember_token_review(token, r.status, r.body, error);
                  }
                  if (!user && logger_->v(2)) logger_->info("bearer token rejected: " + error);
                  if (!user && (r.ec || (r.status != 200 && r.status != 201))) {
                    logger_->warning("TokenReview failed: " + error);
                  }
                  if (!user) return answer_waiters(key, std::nullopt);
                  answer_waiters(
                      key, AuthenticatedUser{std::move(*user), AuthenticationMethod::kBearerToken});
                });
}

void DelegatingAuthenticator::answer_waiters(const std::string& key,
                                             const AuthenticationResult& result) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(inflight_mutex_);
    auto it = inflight_.find(key);
    if (it == inflight_.end()) return;
    waiters = std::move(it->second);
    inflight_.erase(it);
  }
  for (auto& w : waiters) {
    net::post(w.executor, [h = std::move(w.handler), result] { h(result); });
  }
}

std::size_t DelegatingAuthenticator::inflight_token_reviews() const {
  std::lock_guard lock(inflight_mutex_);
  return inflight_.size();
}

DelegatingAuthorizer::DelegatingAuthorizer(std::shared_ptr<UpstreamClient> upstream,
                                           std::shared_ptr<const Logger> logger,
                                           DelegatingAuthOptions options)
    : upstream_(std::move(upstream)), logger_(std::move(logger)), options_(options) {}

void DelegatingAuthorizer::authorize(const UserInfo& user, const RequestAttributes& attributes,
                                     net::any_io_executor executor, Handler handler) {
  std::string review = subject_access_review_request(user, attributes);
  if (auto cached = decisions_.get(review)) {
    net::post(executor,
              [h = std::move(handler), d = std::move(*cached)]() mutable { h(std::move(d)); });
    return;
  }
  std::string key = review;
  post_upstream(*upstream_, executor, std::string(kSubjectAccessReviewPath), std::move(review),
                kReviewBodyLimit,
                [this, key = std::move(key), handler = std::move(handler)](FetchResult r) {
                  AuthorizationDecision d;
                  if (r.ec) {
                    d.error = "SubjectAccessReview: " + r.failed_step + ": " + r.ec.message();
                  } else if (r.status != 201 && r.status != 200) {
                    d.error = "SubjectAccessReview failed with HTTP " + std::to_string(r.status);
                  } else {
                    d = parse_subject_access_review_response(r.body);
                  }
                  if (!d.error.empty()) {
                    logger_->warning(d.error);
                  } else {
                    decisions_.put(key, d, d.allowed ? options_.allow_ttl : options_.deny_ttl);
                  }
                  handler(std::move(d));
                });
}

}  // namespace watchfilter::proxy
