# syntax=docker/dockerfile:1.7
#
# products-api container image.
#
# Stages: `chef` (toolchain + cargo-chef) -> `planner` (dependency recipe) -> `builder` (cached
# dependency layer, then the service) -> distroless runtime. Only Cargo.toml/Cargo.lock changes
# invalidate the dependency layer, so a source-only change rebuilds just the workspace crates.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS chef
WORKDIR /build
# jemalloc, the service's allocator, is built from source by its -sys crate with make.
RUN apt-get update \
    && apt-get install -y --no-install-recommends make=4.3-4.1 \
    && rm -rf /var/lib/apt/lists/*
# cargo-chef computes a dependency-only "recipe" so dependencies get their own image layer.
RUN cargo install cargo-chef --locked --version 0.1.78

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /build/recipe.json recipe.json
# The recipe skeletons workspace members, not crates patched in by path (vendor/README.md).
COPY vendor vendor
# Profile-guided optimisation (pgo/): dependencies and service are compiled with the recorded
# profile, for the target triple, so build scripts and proc-macros are not.
COPY pgo/cargo.sh pgo/products-api.profdata.gz pgo/
# Dependencies only: cached until Cargo.lock or the profile changes.
RUN pgo/cargo.sh chef cook --release --locked --recipe-path recipe.json --bin products-api
COPY . .
# The commit goes into the binary's build_info{revision} metric.
ARG GIT_REVISION=unknown
ENV GIT_REVISION=${GIT_REVISION}
RUN pgo/cargo.sh build --release --locked --bin products-api \
    && install -D -m 0755 "target/$(rustc --print host-tuple)/release/products-api" \
       /out/products-api

# Runtime: glibc + libgcc only (rustls and bundled SQLite need no other system library),
# no shell, no package manager, UID/GID 65532 ("nonroot").
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG VERSION=0.1.0
ARG GIT_REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="products-api" \
      org.opencontainers.image.description="Product-inventory REST service (v1 API + seed-compatible routes)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"
COPY --from=builder /out/products-api /usr/local/bin/products-api
ENV LISTEN_ADDR=0.0.0.0:8080 \
    METRICS_ADDR=0.0.0.0:9090 \
    LOG_FORMAT=json
# 8080: API (the load balancer's target). 9090: Prometheus /metrics (scraped in-task, never routed).
EXPOSE 8080 9090
USER 65532:65532
# Used by `docker run`; ECS ignores image health checks, so the task definition repeats it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/products-api", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/products-api"]
CMD ["serve"]
