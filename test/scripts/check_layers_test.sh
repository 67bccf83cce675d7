#!/usr/bin/env bash
# scripts/check-layers.sh on small trees built here: it passes a layered tree and fails, naming
# file, line, include and rule, on each kind of break. Uses the repository's own proxy/LAYERS.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
check=$repo/scripts/check-layers.sh
source "$repo/test/scripts/check_test_lib.sh"

# tree NAME: a fresh root with the real proxy/LAYERS and nothing else.
tree() {
  root=$tmp/$1
  mkdir -p "$root/proxy"
  cp "$repo/proxy/LAYERS" "$root/proxy/LAYERS"
}
# put PATH LINE...: a file with these lines.
put() {
  local path=$root/$1
  shift
  mkdir -p "$(dirname "$path")"
  printf '%s\n' "$@" >"$path"
}

tree layered
put proxy/base/log.h '#pragma once'
put proxy/kube/status.h '#pragma once' '#include "proxy/base/log.h"'
put proxy/informer/informer.h '#pragma once' '#include <string>' '#include "proxy/kube/status.h"'
put proxy/informer/informer.cc '#include "proxy/informer/informer.h"' '#include "filters/compiled_filter.h"'
put proxy/cmd/main.cc '#include "proxy/informer/informer.h"' '#include "proxy/server/server.h"'
put host/runner.cc '#include "proxy/upstream/upstream_client.h"' '#include "proxy/base/log.h"'
put filters/value.h '#pragma once' '#include <string>'
expect_ok layered

tree flat_exempt
put proxy/handler_chain.h '#pragma once' '#include "proxy/informer/informer.h"'
put proxy/base/log.h '#pragma once' '#include "proxy/handler_chain.h"'
put host/runner.cc '#include "proxy/session.h"'
expect_ok flat_exempt

tree upward
put proxy/base/log.h '#pragma once'
put proxy/informer/informer.h '#pragma once' '' '#include "proxy/stream/watch_stream.h"'
expect_fail upward 'proxy/informer/informer.h:3: includes "proxy/stream/watch_stream.h": informer may not include stream, which comes after it in proxy/LAYERS'

tree upward_from_cc
put proxy/kube/status.cc '  #  include "proxy/server/handler_chain.h"  // for ClientRequest'
expect_fail upward_from_cc 'proxy/kube/status.cc:1: includes "proxy/server/handler_chain.h": kube may not include server'

tree peers
printf 'base\nleft right\ntop\n' >"$root/proxy/LAYERS"
put proxy/left/a.h '#include "proxy/right/b.h"'
put proxy/top/c.h '#include "proxy/left/a.h"' '#include "proxy/right/b.h"'
expect_fail peers 'proxy/left/a.h:1: includes "proxy/right/b.h": left and right are peers'

tree client
put host/proxy_watch.h '#pragma once' '#include "proxy/informer/informer.h"'
expect_fail client 'host/proxy_watch.h:2: includes "proxy/informer/informer.h": host/ may use only base kube upstream (proxy/LAYERS), not informer'

tree filters_use_nothing
put filters/program.h '#include "proxy/base/log.h"'
expect_fail filters_use_nothing 'filters/program.h:1: includes "proxy/base/log.h": filters/ may include nothing of proxy/'

tree unknown_component
put proxy/misc/util.h '#pragma once'
expect_fail unknown_component 'proxy/misc/util.h: proxy/misc/ is not a component of proxy/LAYERS'

tree unknown_include
put proxy/server/session.cc '#include "proxy/util/strings.h"'
expect_fail unknown_include 'proxy/server/session.cc:1: includes "proxy/util/strings.h": proxy/util/ is not a component'

finish check_layers_test
