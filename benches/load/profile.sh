#!/usr/bin/env bash
# Where the server's CPU goes under load, per request: the quickstart (release build)
# without the SDK and with it exporting JSON Lines, under the load test's saturated 1 KB
# POST (wrk, 32 connections), sampled with `perf record -e cpu-clock` while wrk runs.
# Prints, per run, the CPU microseconds per request of the whole server process, of the
# SDK's shipper thread, and of the request threads split into: the SDK's own functions
# (symbols of `apitoolkit_*`), the allocator (glibc malloc/free and its arena locks), the
# kernel (system calls, scheduling, futexes, the network stack) and the rest (hyper,
# axum, serde_json, the application). Rounds alternate between the two modes; compare
# the modes within a round (this shared host moves by tens of percent between runs).
#
# Usage: benches/load/profile.sh [seconds-per-run] [rounds] [framework]
# Needs `wrk` and `perf` (Debian: apt-get install wrk linux-perf); binds 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION="${1:-10}"
ROUNDS="${2:-2}"
FW="${3:-axum}"
PORT="${LOAD_PORT:-18280}"
FREQ=999
for tool in wrk perf; do
  if ! command -v "$tool" >/dev/null; then
    echo "$tool is not installed (Debian: apt-get install wrk linux-perf)" >&2
    exit 2
  fi
done
if [ "$DURATION" -lt 6 ]; then echo "seconds-per-run must be at least 6" >&2; exit 2; fi

OUT="$(mktemp -d)"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$OUT"' EXIT

example=quickstart
if [ "$FW" = actix ]; then example=actix_quickstart; fi
cargo build --release --locked -q -p "apitoolkit-$FW" --example "$example"
cp "${CARGO_TARGET_DIR:-target}/release/examples/$example" "$OUT/server"

# Prints "req/s total shipper sdk allocator kernel rest" (CPU µs per request) for one run.
run() { # $1 mode
  local env=(APITOOLKIT_DISABLED=true)
  if [ "$1" = sdk-jsonl ]; then env=(APITOOLKIT_EXPORT="file:$OUT/records.jsonl"); fi
  rm -f "$OUT/records.jsonl"
  env "${env[@]}" PORT="$PORT" APITOOLKIT_DEBUG=false "$OUT/server" >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
    sleep 0.1
  done
  wrk -t1 -c32 -d"${DURATION}s" -s benches/load/post_1k.lua "http://127.0.0.1:$PORT" >"$OUT/wrk.log" &
  local wrk_pid=$! sampled=$((DURATION - 4))
  sleep 2
  perf record -q -e cpu-clock -F "$FREQ" -p "$SERVER_PID" -o "$OUT/perf.data" -- sleep "$sampled" \
    >/dev/null 2>&1
  wait "$wrk_pid"
  kill -INT "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  local rps
  rps=$(awk '/^Requests\/sec/ {print $2}' "$OUT/wrk.log")
  # Lines: "percent samples comm [.]|[k] symbol...".
  perf report -i "$OUT/perf.data" --no-children --sort comm,sym -q -n -g none 2>/dev/null |
    awk -v rps="$rps" -v secs="$sampled" -v hz="$FREQ" '
      NF >= 5 {
        us = $2 / hz * 1e6 / (rps * secs)
        total += us
        sym = ""; for (i = 5; i <= NF; i++) sym = sym " " $i
        if ($3 == "apitoolkit-ship") { ship += us; next }
        if (sym ~ /apitoolkit_/) sdk += us
        else if (sym ~ /malloc|free|_int_|consolidate|unlink_chunk|realloc|tcache|lll_lock/) alloc += us
        else if ($4 == "[k]") kernel += us
        else rest += us
      }
      END { printf "%.0f %.1f %.1f %.1f %.1f %.1f %.1f\n", rps, total, ship, sdk, alloc, kernel, rest }'
}

printf '%-5s %-9s %8s %7s %8s %7s %7s %7s %7s\n' round mode "req/s" "total" "shipper" \
  "sdk" "alloc" "kernel" "rest"
echo "(CPU µs per request; sdk, alloc, kernel and rest are on the request threads)"
for r in $(seq 1 "$ROUNDS"); do
  for mode in no-sdk sdk-jsonl; do
    read -r rps total ship sdk alloc kernel rest < <(run "$mode")
    printf '%-5s %-9s %8s %7s %8s %7s %7s %7s %7s\n' "$r" "$mode" "$rps" "$total" "$ship" \
      "$sdk" "$alloc" "$kernel" "$rest"
  done
done
