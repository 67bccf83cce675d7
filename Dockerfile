# watchfilter-proxy image (docs/install.md). Multi-stage: Debian 12 packages build it, a slim
# Debian 12 with only the runtime libraries runs it as an unprivileged user.
#   docker build -t watchfilter-proxy:0.1.0 .
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost-dev libssl-dev rapidjson-dev libsimdjson-dev libyaml-cpp-dev \
      libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the proxy's build reads (the top-level CMakeLists adds test/, hence GoogleTest).
COPY CMakeLists.txt ./
COPY filters/ filters/
COPY proxy/ proxy/
COPY test/ test/
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DWATCHFILTER_BENCH=OFF -DWATCHFILTER_HOST=OFF \
 && cmake --build /build --target watchfilter-proxy \
 && strip --strip-debug /build/proxy/watchfilter-proxy

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libssl3 libsimdjson14 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/proxy/watchfilter-proxy /usr/local/bin/watchfilter-proxy
# The Deployment sets runAsNonRoot; a numeric user lets the kubelet verify it.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/watchfilter-proxy"]
