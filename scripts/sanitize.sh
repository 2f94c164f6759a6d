#!/usr/bin/env bash
# Runs the whole Swift test suite under ThreadSanitizer, then AddressSanitizer, each in its own
# scratch directory (.build-tsan, .build-asan) so the normal build is left alone.
# LeakSanitizer is off for ASan: it reports leaks inside the XCTest harness itself
# (shared/notes/swift-on-linux.md), not in this code.
# Usage: scripts/sanitize.sh [thread|address|all]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
status=0
if [ "$which" = thread ] || [ "$which" = all ]; then
  echo "== ThreadSanitizer"
  SWIFT_BACKTRACE=enable=no TSAN_OPTIONS="halt_on_error=1" \
    swift test --sanitize=thread --scratch-path .build-tsan 2>&1 | tee .build-tsan.log | grep -E "Test run with|WARNING: ThreadSanitizer|SUMMARY" || true
  grep -q "WARNING: ThreadSanitizer" .build-tsan.log && status=1
  grep -q "Test run with .* passed" .build-tsan.log || status=1
fi
if [ "$which" = address ] || [ "$which" = all ]; then
  echo "== AddressSanitizer"
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=0" \
    swift test --sanitize=address --scratch-path .build-asan 2>&1 | tee .build-asan.log | grep -E "Test run with|ERROR: AddressSanitizer|SUMMARY" || true
  grep -q "ERROR: AddressSanitizer" .build-asan.log && status=1
  grep -q "Test run with .* passed" .build-asan.log || status=1
fi
exit "$status"
