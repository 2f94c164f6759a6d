# backprop-server: `make run` builds and serves on port 8080; `make test` runs every check CI runs.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8080
SWIFT ?= swift
PYTHON ?= python3
VENV := .build-venv

.PHONY: all deps build release run test test-deps test-unit format lint spec-check deploy-check e2e browser clients kserve otel tls replicas load-smoke fuzz-smoke schemathesis docker-check bench-peers clean

all: build

deps:
	@scripts/install-deps.sh
	@# The spec is embedded through a symlink; give the link the file's mtime so SwiftPM re-embeds it.
	@touch -h -r openapi.yaml Sources/GradientService/Resources/openapi.yaml

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product backprop-server

run: release
	.build/release/backprop-server --host $(HOST) --port $(PORT)

# Every test, as CI runs it (CI then runs docker-check): the Python test tools
# (test-deps), swift format lint, the build with warnings as errors and the Swift suites
# (test-unit), the OpenAPI spec (spec-check), the Dockerfile and Kubernetes manifests
# (deploy-check), the end-to-end script (e2e), the page in Chromium (browser), the Python and
# Swift clients (clients), /v2 with tritonclient (kserve), traces to an OTLP receiver (otel),
# HTTPS (tls), two replicas behind nginx
# (replicas), overload and soak (load-smoke), the fuzzer (fuzz-smoke) and schemathesis; each
# against the release binary where it runs a server.
test: test-deps lint test-unit spec-check deploy-check e2e browser clients kserve otel tls replicas load-smoke fuzz-smoke schemathesis
	@echo "make test: all checks passed"

test-deps:
	@scripts/install-deps.sh --test
	@scripts/python-tools.sh $(VENV)

# The unit tests' debug build leaves out the OTLP trait (swift-otel and the HTTP client and TLS
# under it, minutes of building that no unit test needs: they trace with an in-memory tracer);
# the release build, which the other checks run, has it.
test-unit: deps
	$(SWIFT) build --disable-default-traits -Xswiftc -warnings-as-errors
	$(SWIFT) build --disable-default-traits --build-tests
	$(SWIFT) test --disable-default-traits --skip-build --parallel

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

spec-check: test-deps
	$(VENV)/bin/python scripts/check_spec.py openapi.yaml

e2e: release test-deps
	scripts/e2e.sh .build/release/backprop-server $(VENV)/bin/python

# The page at / in Debian's chromium, driven by Playwright: numbers, errors, gradcheck, training, 390 px.
browser: release test-deps
	scripts/browser-check.sh .build/release/backprop-server $(VENV)

# The clients: clients/python installed with pip and tested (pytest) against the release server; the
# Swift client generated from openapi.yaml, built, and its example run against the server.
clients: release test-deps
	scripts/python-client-check.sh .build/release/backprop-server $(VENV)
	scripts/swift-client-check.sh .build/release/backprop-server

# Traces: the release server exporting to an OTLP/HTTP receiver in the test (opentelemetry-proto).
otel: release test-deps
	scripts/otel-check.sh .build/release/backprop-server $(VENV)

# The Open Inference Protocol (/v2) with tritonclient, and the KServe manifests.
kserve: release test-deps
	scripts/kserve-check.sh .build/release/backprop-server $(VENV)

# HTTPS through microhttpd's GnuTLS with a certificate made on the spot.
tls: release test-deps
	scripts/tls-check.sh .build/release/backprop-server

# Overload (1 worker, 64 connections) and a mixed soak, 10 s each (scripts/soak.sh N for longer).
load-smoke: release test-deps
	BIN=.build/release/backprop-server scripts/overload.sh 10
	BIN=.build/release/backprop-server scripts/soak.sh 10

# libFuzzer + ASan over the request decoder, 30 s from the committed corpus (scripts/fuzz.sh N for longer).
fuzz-smoke:
	scripts/fuzz.sh 30

# The Dockerfile (hadolint; no Docker engine here) and the Kubernetes manifests (offline schemas).
deploy-check: test-deps
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/kubernetes-validate --strict --quiet deploy/kubernetes/*.yaml

# Two replicas behind nginx: spread, sharded sums, a replica killed mid-run.
replicas: release test-deps
	$(VENV)/bin/python scripts/replicas.py .build/release/backprop-server

# schemathesis against the live release server: fixed seed, at most 25 examples per operation and 120 s.
schemathesis: release test-deps
	scripts/schemathesis.sh .build/release/backprop-server $(VENV) 25 120

# The Dockerfile built and run by Docker itself (needs a running engine, or root to start a private
# one); not part of `make test`, run by CI after it (.ci/run).
docker-check: release
	scripts/docker-check.sh .build/release/backprop-server

# The service against its performance anchors in ../shared/peers (c-parts, the canned-bytes ceiling,
# simdjson, orjson): bench/peers.sh. A benchmark, not a test: not part of `make test`, not run by CI.
# Needs DRAGONBOX_REPO (a bare clone of github.com/jk-jeon/dragonbox); ROUNDS, BEFORE_BIN optional.
ROUNDS ?= 3
BEFORE_BIN ?=
bench-peers:
	DRAGONBOX_REPO="$(DRAGONBOX_REPO)" bench/peers.sh $(ROUNDS) $(BEFORE_BIN)

clean:
	rm -rf .build .build-* $(VENV)
