#!/usr/bin/env bash
# Installs the system packages backprop-server builds and runs with.
# Idempotent: does nothing when every package is already there.
# Used by `make run`, `make test`, CI (.ci/run) and the Dockerfile's build stage.
#   scripts/install-deps.sh            build deps (headers, pkg-config)
#   scripts/install-deps.sh --runtime  runtime libraries only (Docker's final stage)
#   scripts/install-deps.sh --test     build deps plus what the test suite uses (curl, nginx, wrk, openssl, chromium)
#   scripts/install-deps.sh --docker   a Docker engine and debootstrap, for scripts/docker-check.sh
set -euo pipefail

mode="${1:-build}"
case "$mode" in
  --runtime) pkgs=(libmicrohttpd12 libopenblas0 ca-certificates) ;;
  --test)    pkgs=(libmicrohttpd-dev libopenblas-dev pkg-config curl nginx-light wrk openssl chromium) ;;
  --docker)  pkgs=(docker.io debootstrap curl) ;;
  build|--build) pkgs=(libmicrohttpd-dev libopenblas-dev pkg-config) ;;
  *) echo "usage: $0 [--build|--runtime|--test|--docker]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
