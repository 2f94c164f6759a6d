#!/usr/bin/env bash
# Fuzzes the request decoder with libFuzzer + AddressSanitizer for SECONDS (default 60), starting
# from the committed corpus (Tests/Fuzz/corpus, made from the test fixtures). Crashes land in
# .build-fuzz/artifacts/; keep each as a regression input in Tests/Fuzz/regressions/.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
swift build --product FuzzRequestDecoder -c debug --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library >/dev/null
bin=".build-fuzz/debug/FuzzRequestDecoder"
work=".build-fuzz/corpus"; mkdir -p "$work" .build-fuzz/artifacts
cp Tests/Fuzz/corpus/* "$work"/
# Every kept regression input must still pass (libFuzzer runs given files once each).
if compgen -G "Tests/Fuzz/regressions/*" >/dev/null; then
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$bin" Tests/Fuzz/regressions/*
fi
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$bin" "$work" \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix=.build-fuzz/artifacts/ -print_final_stats=1 2>&1 | tail -25
