# Shared by bench/run.sh, bench/http.sh and bench/large.sh (sourced, from the project's root). Servers are
# started, awaited and stopped with scripts/lib/server.sh, the helper every script uses.
. scripts/lib/server.sh
out=bench/out; mkdir -p "$out"
# One BLAS thread everywhere (the service runs one per worker), and the OpenBLAS kernel the server
# picks for itself (--blas-core auto), so backprop-bench and numpy run what the server runs.
# This mirrors BLASTuning.betterCore (Sources/ProcessTuning/BLASTuning.swift) condition for
# condition; change the two together. Only when OPENBLAS_CORETYPE is not set at all (even empty
# counts as set, as getenv sees it) and OpenBLAS itself fell back to its generic "Prescott"
# kernels (asked of the same library, as the server asks it), then by the CPU's first flags line.
export OPENBLAS_NUM_THREADS=1
if [ -z "${OPENBLAS_CORETYPE+set}" ]; then
  [ -x "$out/blas-corename" ] || gcc -O2 -o "$out/blas-corename" bench/http/blas_corename.c \
    $(pkg-config --cflags --libs openblas)
  blas_flags=" $(grep -m1 '^flags' /proc/cpuinfo | tr '\t:' '  ' || true) "
  blas_has() { for f; do case "$blas_flags" in *" $f "*) ;; *) return 1 ;; esac; done; }
  if [ "$("$out/blas-corename" | tr '[:upper:]' '[:lower:]')" = prescott ]; then
    if blas_has avx512_bf16 avx512f; then export OPENBLAS_CORETYPE=Cooperlake
    elif blas_has avx512f avx512bw avx512vl; then export OPENBLAS_CORETYPE=SkylakeX
    elif blas_has avx2 fma; then export OPENBLAS_CORETYPE=Haswell
    fi
  fi
fi
# The HTTP cases (bench/http/make_requests.py) and the connections each is driven with.
http_cases="tiny-nested tiny-base64 tiny-binary medium-nested medium-base64 medium-binary large-nested large-base64 large-binary"
connections() { case "$1" in tiny*) echo 32 ;; medium*) echo 4 ;; large*) echo 2 ;; esac; }
[ -f "$out/tiny-v2binary.len" ] || python3 bench/http/make_requests.py "$out"
# wait_up PORT: until the server on PORT answers (raw microhttpd answers every path).
wait_up() { wait_ready "http://127.0.0.1:$1/livez"; }

# request CASE: sets body, ctype and extra (the binary cases' JSON-part header) for bench/out/CASE.
request() {
  body="$out/$1.json"; ctype=application/json; extra=""
  if [ -f "$out/$1.len" ]; then
    ctype=application/octet-stream; extra="Inference-Header-Content-Length: $(cat "$out/$1.len")"
  fi
}

# run_wrk PORT CONNECTIONS SECONDS [PATH]: POSTs $body with wrk to PATH (/v1/gradients); prints its
# RESULT line.
run_wrk() {
  BODY="$body" CTYPE="$ctype" EXTRA_HEADER="$extra" wrk -t1 -c"$2" -d"$3s" --timeout 30s -s bench/http/post.lua \
    "http://127.0.0.1:$1${4:-/v1/gradients}" | grep RESULT
}
# field LINE NAME: the value of NAME=… in a RESULT line.
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
