#include "deployment_events.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string_view>

#include "filters/event_view.h"

namespace watchfilter::filters::bench {

std::size_t DeploymentEvents::average_bytes() const {
  std::size_t total = 0;
  for (std::size_t s : sizes) total += s;
  return sizes.empty() ? 0 : total / sizes.size();
}

namespace {

std::string deployment_event(std::string_view type, std::size_t object, std::size_t rv, int image,
                             int replicas, int ready, double latency) {
  const std::string id = std::to_string(object);
  std::string s;
  s.reserve(2300);
  s += R"({"type":")";
  s += type;
  s +=
      R"(","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web-)" + id +
      R"(","namespace":"shop","uid":"5f0c7b2e-1c4d-4e8a-9b6f-)" + std::string(12 - id.size(), '0') +
      id + R"(","resourceVersion":")" + std::to_string(rv) + R"(","generation":)" +
      std::to_string(image) +
      R"(,"creationTimestamp":"2024-05-01T10:00:00Z","labels":{"app.kubernetes.io/name":"web","app.kubernetes.io/instance":"web-)" +
      id +
      R"(","app.kubernetes.io/part-of":"shop","tier":"frontend"},"annotations":{"deployment.kubernetes.io/revision":")" +
      std::to_string(image) +
      R"(","meta.helm.sh/release-name":"shop","meta.helm.sh/release-namespace":"shop"},)" +
      R"("managedFields":[{"manager":"helm","operation":"Update","apiVersion":"apps/v1","time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{},"f:template":{}}}}]},)";
  s +=
      R"("spec":{"replicas":)" + std::to_string(replicas) +
      R"(,"selector":{"matchLabels":{"app.kubernetes.io/name":"web","app.kubernetes.io/instance":"web-)" +
      id +
      R"("}},"template":{"metadata":{"labels":{"app.kubernetes.io/name":"web","app.kubernetes.io/instance":"web-)" +
      id + R"("}},"spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.)" +
      std::to_string(image) +
      R"(.0","ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"250m","memory":"256Mi"}},)" +
      R"("readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":10},"imagePullPolicy":"IfNotPresent"}],)" +
      R"("restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst"}},)" +
      R"("strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600},)";
  char latency_text[32];
  std::snprintf(latency_text, sizeof latency_text, "%.1f", latency);
  s +=
      R"("status":{"observedGeneration":)" + std::to_string(image) + R"(,"replicas":)" +
      std::to_string(replicas) + R"(,"updatedReplicas":)" + std::to_string(replicas) +
      R"(,"readyReplicas":)" + std::to_string(ready) + R"(,"availableReplicas":)" +
      std::to_string(ready) + R"(,"observedLatencyMs":)" + latency_text +
      R"(,"conditions":[{"type":"Available","status":"True","lastUpdateTime":"2024-05-01T10:00:10Z","lastTransitionTime":"2024-05-01T10:00:10Z","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},)" +
      R"({"type":"Progressing","status":"True","lastUpdateTime":"2024-05-01T10:00:10Z","lastTransitionTime":"2024-05-01T10:00:00Z","reason":"NewReplicaSetAvailable","message":"ReplicaSet \"web-)" +
      id + R"(-7d4b9c\" has successfully progressed."}]}}})";
  return s;
}

}  // namespace

DeploymentEvents make_deployment_events(std::size_t count, std::size_t objects, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 4);
  std::uniform_real_distribution<double> unit(0, 1);
  struct Object {
    int image = 1;
    int replicas = 10;
    int ready = 10;
  };
  std::vector<Object> state(objects);
  DeploymentEvents out;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t o = i % objects;
    Object& obj = state[o];
    const bool first = i < objects;
    if (!first && unit(rng) < 0.02) ++obj.image;  // rollout: spec changes
    if (unit(rng) < 0.3)
      obj.ready = std::max(0, std::min(obj.replicas, obj.ready + (unit(rng) < 0.5 ? -1 : 1)));
    const double latency = 120 + noise(rng) + (unit(rng) < 0.01 ? 400 : 0);  // rare spikes
    std::string e = deployment_event(first ? "ADDED" : "MODIFIED", o, 1000 + i, obj.image,
                                     obj.replicas, obj.ready, latency);
    out.sizes.push_back(e.size());
    e.append(EventParser::kPadding, '\0');
    out.padded.push_back(std::move(e));
  }
  return out;
}

}  // namespace watchfilter::filters::bench
