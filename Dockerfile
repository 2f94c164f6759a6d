# backprop-server: build with the official Swift image, run on slim Debian as a non-root user.
#   docker build -t backprop-server .
#   docker run -p 8080:8080 backprop-server
# Configuration is by environment variable (BACKPROP_*; `backprop-server --help` lists them);
# traces by OpenTelemetry's own (OTEL_EXPORTER_OTLP_ENDPOINT and others: docs/observability.md).

FROM swift:6.3.1-bookworm AS build
WORKDIR /src
# The same install script as CI and `make`: libmicrohttpd-dev, libopenblas-dev, pkg-config.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh --build && rm -rf /var/lib/apt/lists/*
COPY Package.swift openapi.yaml ./
COPY Sources Sources
COPY Tests Tests
# Extra `swift build` flags. Empty: the image as shipped, with the OTLP trace exporter. CI's image
# check passes --disable-default-traits, which saves the ~6 minutes swift-otel's dependencies cost
# (scripts/docker-check.sh says when; docs/deploy.md has both builds' times).
ARG SWIFT_BUILD_FLAGS=""
# hadolint ignore=SC2086
RUN swift build -c release --product backprop-server --static-swift-stdlib $SWIFT_BUILD_FLAGS \
    && install -m 0755 .build/release/backprop-server /usr/local/bin/backprop-server

FROM debian:bookworm-slim
# Runtime libraries only: libmicrohttpd12, libopenblas0, ca-certificates.
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh --runtime \
    && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin backprop
COPY --from=build /usr/local/bin/backprop-server /usr/local/bin/backprop-server
USER 10001:10001
# MALLOC_ARENA_MAX=2 bounds the heap for large requests and OPENBLAS_NUM_THREADS=1 keeps OpenBLAS
# from starting threads of its own (the workers are the parallelism); unset, the server sets them
# and restarts once.
ENV BACKPROP_HOST=0.0.0.0 \
    BACKPROP_PORT=8080 \
    BACKPROP_LOG_LEVEL=info \
    MALLOC_ARENA_MAX=2 \
    OPENBLAS_NUM_THREADS=1
EXPOSE 8080
STOPSIGNAL SIGTERM
# The binary probes itself (no curl in the image): GET /healthz on BACKPROP_PORT, exit 0 on 200.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/backprop-server", "--healthcheck"]
ENTRYPOINT ["/usr/local/bin/backprop-server"]
