#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from their Go modules (versions in
# lib/versions.sh) into a cache outside the clone; a second run is a no-op.
# Prints the directory holding the binaries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/versions.sh"

bin="$CONTROLPLANE_CACHE/bin"
if [[ -x $bin/kube-apiserver && -x $bin/kubectl && -x $bin/etcd ]]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "build-controlplane: go is not installed" >&2; exit 1; }
mkdir -p "$bin.partial"
minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
start=$(date +%s)
cd "$here/controlplane"
echo "build-controlplane: building kube-apiserver/kubectl $KUBE_VERSION and etcd $ETCD_VERSION (first run only, several minutes)" >&2
GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$bin.partial/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin.partial/etcd" go.etcd.io/etcd/server/v3
rm -rf "$bin" && mv "$bin.partial" "$bin"
echo "build-controlplane: built in $(( $(date +%s) - start )) s" >&2
echo "$bin"
