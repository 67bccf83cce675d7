#include "host/permitted_host_services.h"

#include "proxy/base/config_error.h"

namespace watchfilter::host {

PermittedHostServices::PermittedHostServices(HostServices& inner, const HostConfig& config,
                                             std::shared_ptr<const proxy::Logger> logger)
    : inner_(inner),
      logger_(std::move(logger)),
      refused_(std::make_unique<std::atomic<std::uint64_t>[]>(config.children.size())) {
  for (std::size_t i = 0; i < config.children.size(); ++i) {
    const ChildSpec& child = config.children[i];
    children_.emplace(child.name, Entry{i, ChildPermissions(child.rbac, child.watches)});
  }
}

KubeResponse PermittedHostServices::kube_request(const std::string& child,
                                                 const KubeRequest& request) {
  auto it = children_.find(child);
  PermissionDecision decision = it == children_.end()
                                    ? PermissionDecision{false, "anything (unknown child)"}
                                    : it->second.permissions.check(request.method, request.path);
  if (decision.allowed) return inner_.kube_request(child, request);
  // The first refusal of a child is a warning (a missing grant in the children file is the
  // usual cause); later ones only at --v 1, so a child retrying in a loop cannot flood the log.
  const std::uint64_t n = it == children_.end() ? 1 : refused_[it->second.index].fetch_add(1) + 1;
  const std::string line =
      "child " + child + " request refused (" + std::to_string(n) + "): " + decision.reason;
  if (n == 1) {
    logger_->warning(line);
  } else if (logger_->v(1)) {
    logger_->info(line);
  }
  return forbidden_response(child, decision);
}

void PermittedHostServices::child_log(const std::string& child, int level,
                                      std::string_view message) {
  inner_.child_log(child, level, message);
}

void PermittedHostServices::check_watches(const HostConfig& config) const {
  for (const ChildSpec& child : config.children) {
    const auto it = children_.find(child.name);
    for (const WatchSpec& watch : child.watches) {
      auto decision = it == children_.end()
                          ? PermissionDecision{false, "watch " + watch.resource}
                          : it->second.permissions.check(0, watch.resource + "?watch=true");
      if (!decision.allowed)
        throw proxy::ConfigError(child.name + ": the module declares a watch it may not make (" +
                                 decision.reason +
                                 "): grant it in the child's rbac list in the children file, "
                                 "or list the watch there");
    }
  }
}

std::uint64_t PermittedHostServices::refused(std::size_t child_index) const {
  return refused_[child_index].load();
}

}  // namespace watchfilter::host
