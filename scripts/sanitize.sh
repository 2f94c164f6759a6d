#!/usr/bin/env bash
# Runs the whole Swift test suite under ThreadSanitizer, then AddressSanitizer, each in its own
# scratch directory (.build-tsan, .build-asan) so the normal build is left alone.
# Without the OTLP trait, as make test-unit builds: the suites trace with an in-memory tracer, and
# swift-otel's own code is not ours to sanitize.
# LeakSanitizer is off for ASan: it reports leaks inside the XCTest harness itself
# (docs/architecture.md), not in this code.
# Usage: scripts/sanitize.sh [thread|address|all]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
status=0
# run NAME SANITIZER SCRATCH OPTIONS_VARIABLE=VALUE REPORT: the suite under one sanitizer; the run
# fails on a REPORT line in its log or when the suite does not pass.
run() {
  echo "== $1"
  env SWIFT_BACKTRACE=enable=no "$4" swift test --disable-default-traits --sanitize="$2" --scratch-path "$3" 2>&1 | tee "$3.log" \
    | grep -E "Test run with|$5|SUMMARY" || true
  grep -q "$5" "$3.log" && status=1
  grep -q "Test run with .* passed" "$3.log" || status=1
}
if [ "$which" = thread ] || [ "$which" = all ]; then
  run ThreadSanitizer thread .build-tsan "TSAN_OPTIONS=halt_on_error=1" "WARNING: ThreadSanitizer"
fi
if [ "$which" = address ] || [ "$which" = all ]; then
  run AddressSanitizer address .build-asan "ASAN_OPTIONS=detect_leaks=0" "ERROR: AddressSanitizer"
fi
exit "$status"
