#!/usr/bin/env bash
# Builds the project's Dockerfile, unmodified, runs the image and checks it as an operator would:
# HEALTHCHECK reaches healthy, a gradients answer equals the same request to the binary outside,
# the process is not root, /metrics and /readyz answer, `docker stop` exits 0 within the grace
# period. Prints the image size and build time; removes what it made.
#
# The engine: the one `docker info` reaches, else (as root, where none runs) a private dockerd
# with its own data and exec roots, no bridge and no iptables; containers use the host network
# (loopback only). The base images: pulled when a registry answers, else made here:
#   debian:bookworm-slim  debootstrap --variant=minbase bookworm, imported;
#   swift:6.3.1-bookworm  that root plus the packages the official Swift image installs, the Swift
#                         toolchain on PATH (its whole installation folder, at the same path) and
#                         the local package mirror git is configured to read GitHub URLs from.
# Usage: scripts/docker-check.sh [RELEASE_BINARY]   (default .build/release/backprop-server)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/server.sh
bin="${1:-.build/release/backprop-server}"
work="$(mktemp -d /tmp/backprop-docker.XXXXXX)"
on_exit "rm -rf '$work'"
tag="backprop-server:check-$$"
made_images=()

log() { echo "docker-check: $*" >&2; }

# --- the engine --------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { log "no Docker engine answers, and starting one needs root"; exit 1; }
  command -v dockerd >/dev/null || scripts/install-deps.sh --docker
  root=/var/lib/backprop-docker
  sock="/run/backprop-docker.sock"
  mkdir -p "$root" /run/backprop-docker-exec
  dockerd --data-root "$root" --exec-root /run/backprop-docker-exec -H "unix://$sock" \
    --pidfile /run/backprop-docker.pid --storage-driver=overlay2 --bridge=none --iptables=false \
    --ip-masq=false >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  on_exit "rm -rf '$root' /run/backprop-docker-exec"
  # dockerd leaves its network namespace mounted under the exec root; unmount what it left.
  on_exit "awk '\$2 ~ /backprop-docker/ {print \$2}' /proc/mounts | sort -r | xargs -r umount -l"
  on_exit "kill $dockerd_pid 2>/dev/null; wait $dockerd_pid 2>/dev/null || true"
  export DOCKER_HOST="unix://$sock"
  for _ in $(seq 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start:"; tail -20 "$work/dockerd.log" >&2; exit 1; }
  log "started a private engine (pid $dockerd_pid, data root $root)"
fi

# --- the base images ---------------------------------------------------------------------------
have() { docker image inspect "$1" >/dev/null 2>&1; }
pull() { timeout 20 docker pull -q "$1" >/dev/null 2>&1; }

if ! have debian:bookworm-slim && ! pull debian:bookworm-slim; then
  command -v debootstrap >/dev/null || scripts/install-deps.sh --docker
  log "making debian:bookworm-slim with debootstrap"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # Slim as the official image is: no downloaded packages, apt lists, docs, man pages or
  # translations, and dpkg told to leave them out of later installs too.
  rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* \
    "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/info/* "$work/rootfs"/usr/share/locale/*
  find "$work/rootfs/usr/share/doc" -mindepth 1 -not -name copyright -type f -delete 2>/dev/null || true
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
    > "$work/rootfs/etc/dpkg/dpkg.cfg.d/slim"
  tar -C "$work/rootfs" -c . | docker import - debian:bookworm-slim >/dev/null
  made_images+=(debian:bookworm-slim)
fi

if ! have swift:6.3.1-bookworm && ! pull swift:6.3.1-bookworm; then
  log "making swift:6.3.1-bookworm from debian:bookworm-slim, the toolchain and the package mirror"
  toolchain="$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")"  # …/usr/bin/swift
  mirror="$(git config --get-regexp 'url\..*\.insteadof' | awk '$2 == "https://github.com/" {print $1}' \
    | sed -e 's/^url\.//' -e 's/\.insteadof$//' | head -1)"
  # Packages first (a small build), then the toolchain and the mirror copied in from read-only
  # bind mounts and committed: no multi-gigabyte build context.
  ctx="$work/swift"; mkdir -p "$ctx"
  cat > "$ctx/Dockerfile" <<'EOF'
FROM debian:bookworm-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      binutils git libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libpython3-dev libsqlite3-0 \
      libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata zlib1g-dev libncurses6 uuid-dev \
      ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*
EOF
  docker build -q --network host -t backprop-swift-packages:check "$ctx" >/dev/null
  mounts=(-v "$toolchain:/from/toolchain:ro")
  copy="mkdir -p '$(dirname "$toolchain")' && cp -a /from/toolchain '$toolchain'"
  if [ -n "$mirror" ]; then
    mounts+=(-v "${mirror%/}:/from/mirror:ro")
    copy="$copy && mkdir -p '$(dirname "${mirror%/}")' && cp -a /from/mirror '${mirror%/}'"
    copy="$copy && printf '[url \"%s\"]\n\tinsteadOf = https://github.com/\n' '$mirror' > /etc/gitconfig"
  fi
  docker run --name "swift-standin-$$" --network host "${mounts[@]}" backprop-swift-packages:check sh -c "$copy"
  docker commit --change "ENV PATH=$toolchain/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "swift-standin-$$" swift:6.3.1-bookworm >/dev/null
  docker rm "swift-standin-$$" >/dev/null
  docker rmi backprop-swift-packages:check >/dev/null
  made_images+=(swift:6.3.1-bookworm)
fi

# --- the project's image -----------------------------------------------------------------------
# As shipped (with the OTLP trace exporter), except under CI, where the image is built without the
# package's default trait unless DOCKER_FULL=1: swift-otel, async-http-client, SwiftNIO and
# BoringSSL cost about 6 minutes of a CI run, for code the release build on the host already
# compiles and `make otel` already tests. Everything this script checks is the same either way.
build_flags=()
if [ -n "${CI:-}" ] && [ "${DOCKER_FULL:-0}" != 1 ]; then
  build_flags=(--build-arg SWIFT_BUILD_FLAGS=--disable-default-traits)
  log "CI: building without the OTLP trait (DOCKER_FULL=1 builds the image as shipped)"
fi
start=$(date +%s)
docker build -q --network host "${build_flags[@]}" -t "$tag" . >/dev/null
build_seconds=$(( $(date +%s) - start ))
made_images+=("$tag")
on_exit 'docker rmi -f "${made_images[@]}" >/dev/null 2>&1 || true'
size_mb=$(( $(docker image inspect -f '{{.Size}}' "$tag") / 1000000 ))
base_mb=$(( $(docker image inspect -f '{{.Size}}' debian:bookworm-slim) / 1000000 ))
log "built $tag in ${build_seconds} s, ${size_mb} MB (its base, debian:bookworm-slim, ${base_mb} MB)"

# --- run it ------------------------------------------------------------------------------------
passed=0; failed=0
check() { if [ "$2" = "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: expected '$2', got '$3'"; fi; }
port="$(free_port)"
name="backprop-check-$$"
docker run -d --name "$name" --network host -e BACKPROP_HOST=127.0.0.1 -e BACKPROP_PORT="$port" "$tag" >/dev/null
on_exit "docker rm -f '$name' >/dev/null 2>&1 || true"
health=""
for _ in $(seq 60); do
  health="$(docker inspect -f '{{.State.Health.Status}}' "$name")"
  [ "$health" = healthy ] && break
  sleep 1
done
check "HEALTHCHECK" healthy "$health"

body='{"network": {"layers": [
  {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "biases": [0, 0, 0], "activation": "sigmoid"},
  {"weights": [[0.7, 0.8, 0.9]], "activation": "identity"}]},
 "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]}, "loss": "quadratic",
 "options": {"include": ["delta", "weightGradient", "biasGradient", "inputGradient"], "explain": true}}'
inside="$(curl -fsS -X POST "http://127.0.0.1:$port/v1/gradients" -H 'Content-Type: application/json' -d "$body")"
outside_port="$(free_port)"
start_server "$bin" --port "$outside_port" --log-level error
wait_ready "http://127.0.0.1:$outside_port/readyz"
outside="$(curl -fsS -X POST "http://127.0.0.1:$outside_port/v1/gradients" -H 'Content-Type: application/json' -d "$body")"
check "the same answer inside and outside" "$outside" "$inside"

pid="$(docker inspect -f '{{.State.Pid}}' "$name")"
check "not root" 10001 "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")"
check "/readyz" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")"
check "/metrics" 1 "$(curl -fsS "http://127.0.0.1:$port/metrics" | grep -c '^backprop_http_requests_total{route="/v1/gradients",method="POST",status="200"} 1')"

stop_start=$(date +%s)
docker stop -t 30 "$name" >/dev/null
check "docker stop within the grace period" yes "$([ $(( $(date +%s) - stop_start )) -lt 30 ] && echo yes || echo no)"
check "exit 0 on SIGTERM" 0 "$(docker inspect -f '{{.State.ExitCode}}' "$name")"

echo "docker-check: image $tag, ${size_mb} MB on a ${base_mb} MB base, built in ${build_seconds} s"
echo "docker-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
