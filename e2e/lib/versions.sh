# Versions of the real control plane the e2e tests run against. Changing one
# changes the cache key, so the next run rebuilds.
KUBE_VERSION=v1.36.3
ETCD_VERSION=v3.6.8
CONTROLPLANE_CACHE="${WATCHFILTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/watchfilter}/controlplane-k8s-${KUBE_VERSION}-etcd-${ETCD_VERSION}"
