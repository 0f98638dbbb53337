#!/usr/bin/env bash
# Load test: each quickstart (axum, actix) in release mode, once without the SDK
# (APITOOLKIT_DISABLED=true: same routes, no layer at all), once with it exporting JSON
# Lines to a file, and once with it pointed at a dead OTLP collector. wrk drives a 1 KB
# JSON POST and a GET at fixed concurrency and duration; the script prints requests/s
# and p50/p99 latency side by side, with ratios to the no-SDK run, and where the CPU went:
# per request, the machine's busy time (all cores, wrk included), the server process's,
# and the SDK's shipper thread's (read from /proc before and after each run).
#
# Then the paced run, what users feel below saturation: for each framework, POST and GET
# at a fixed offered rate of half the bare server's saturated rate (wrk with a Lua
# `delay()`, benches/load/paced.lua; PACED_CONNS connections, default 100, each waiting
# PACED_CONNS * 1000 / rate ms between requests), without the SDK and with it exporting
# JSON Lines; p50/p99/p99.9 side by side with the p99 ratio, and the records exported
# against the requests wrk saw answered (every one must be there: records >= requests;
# the server may also have answered a few requests wrk stopped waiting for at the end).
#
# Side by side, in the same run: the SDK exporting OTLP/HTTP to a live loopback collector
# (benches/examples/collector.rs, counting only), and for axum the OpenTelemetry stack a
# Rust user would add instead (benches/otel-app: axum-tracing-opentelemetry +
# opentelemetry-otlp's HTTP/protobuf batch exporter to the same collector; no bodies
# recorded; its own Cargo.lock, built only by this script). `+srv us` is the server CPU per
# request added over the no-SDK run.
#
# Usage: benches/load/run.sh [seconds-per-run] [connections]
# Binds 127.0.0.1 only and stops by itself. Needs `wrk` (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION="${1:-10}"
CONNS="${2:-32}"
PORT="${LOAD_PORT:-18080}"
OUT="$(mktemp -d)"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$OUT"' EXIT

if ! command -v wrk >/dev/null; then
  echo "wrk is not installed: apt-get install wrk" >&2
  exit 2
fi

FRAMEWORKS="${FRAMEWORKS:-axum actix}"
for fw in $FRAMEWORKS; do
  example=quickstart
  if [ "$fw" = actix ]; then example=actix_quickstart; fi
  cargo build --release --locked -q -p "apitoolkit-$fw" --example "$example"
  cp "target/release/examples/$example" "$OUT/quickstart-$fw"
done
cargo build --release --locked -q -p apitoolkit-benches --example collector
cp target/release/examples/collector "$OUT/collector"
cargo build --release --locked -q --manifest-path benches/otel-app/Cargo.toml \
  --target-dir target/otel-app
cp target/otel-app/release/otel-app "$OUT/otel-app"

# The live collector (it exits when its stdin closes: keep a pipe open).
COLLECTOR_PORT=$((PORT + 2))
mkfifo "$OUT/hold"
sleep 100000 >"$OUT/hold" &
HOLD_PID=$!
"$OUT/collector" --port "$COLLECTOR_PORT" --behavior ok <"$OUT/hold" >"$OUT/collector.log" 2>&1 &
COLLECTOR_PID=$!
trap 'kill "${SERVER_PID:-}" "$COLLECTOR_PID" "$HOLD_PID" 2>/dev/null || true; rm -rf "$OUT"' EXIT

start_server() { # $1 framework (or otel-app), rest: env assignments
  local fw="$1" bin; shift
  bin="$OUT/quickstart-$fw"
  if [ "$fw" = otel-app ]; then bin="$OUT/otel-app"; fi
  env "$@" PORT="$PORT" APITOOLKIT_DEBUG=false "$bin" >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server did not start:" >&2; cat "$OUT/server.log" >&2; exit 1
}

stop_server() {
  kill -INT "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# Prints "shipper_ticks server_ticks machine_ticks": CPU time (clock ticks, user +
# system) of the server's shipper thread, of all its threads, and of the whole machine.
cpu_ticks() {
  local ship=0 all=0 t stat ticks
  for t in /proc/"$SERVER_PID"/task/*; do
    stat=$(cat "$t/stat" 2>/dev/null) || continue
    read -r -a f <<<"${stat##*) }" # f[0] is field 3 (state): utime is f[11], stime f[12]
    ticks=$((f[11] + f[12]))
    all=$((all + ticks))
    if [ "$(cat "$t/comm" 2>/dev/null)" = apitoolkit-ship ]; then ship=$((ship + ticks)); fi
  done
  # user nice system irq softirq, summed over every core
  echo "$ship $all $(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)"
}

# Prints "rps p50_ms p99_ms cpu_us srv_us ship_us" for one wrk run (the last three are
# CPU microseconds per request: whole machine, server process, shipper thread).
measure() { # $1 = wrk args...
  local log="$OUT/wrk.log" before after
  before=$(cpu_ticks)
  wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$@" >"$log"
  after=$(cpu_ticks)
  local rps p50 p99 requests
  rps=$(awk '/^Requests\/sec/ {print $2}' "$log")
  p50=$(awk '$1=="50%" {print $2}' "$log")
  p99=$(awk '$1=="99%" {print $2}' "$log")
  requests=$(awk '/ requests in / {print $1}' "$log")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $(awk -v b="$before" -v a="$after" \
    -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN {
      split(b, x, " "); split(a, y, " "); us = 1e6 / hz / (n > 0 ? n : 1)
      printf "%.1f %.1f %.1f", (y[3] - x[3]) * us, (y[2] - x[2]) * us, (y[1] - x[1]) * us }')"
}

to_ms() { # wrk prints 1.23ms, 456.00us or 1.20s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { printf "%s", v } }'
}

# A port with nothing listening, for the dead-collector run.
DEAD_PORT=$((PORT + 1))

printf '%-6s %-18s %-5s %10s %7s %7s %6s %6s %8s %8s %8s %7s\n' fw mode load "req/s" "p50 ms" \
  "p99 ms" "rps x" "p99 x" "cpu us" "srv us" "ship us" "+srv us"
declare -A saturated=()
for fw in $FRAMEWORKS; do
  declare -A base_rps=() base_p99=() base_srv=()
  modes="no-sdk sdk-jsonl sdk-otlp sdk-collector-down"
  if [ "$fw" = axum ]; then modes="$modes otel-stack"; fi
  for mode in $modes; do
    case "$mode" in
      no-sdk) start_server "$fw" APITOOLKIT_DISABLED=true ;;
      sdk-jsonl) start_server "$fw" APITOOLKIT_EXPORT="file:$OUT/records.jsonl" ;;
      sdk-otlp) start_server "$fw" APITOOLKIT_KEY=load-test \
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$COLLECTOR_PORT" \
        OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf ;;
      sdk-collector-down) start_server "$fw" APITOOLKIT_KEY=load-test \
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$DEAD_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=grpc ;;
      otel-stack) start_server otel-app \
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$COLLECTOR_PORT" ;;
    esac
    for load in post get; do
      if [ "$load" = post ]; then
        read -r rps p50 p99 cpu srv ship < <(measure -s benches/load/post_1k.lua "http://127.0.0.1:$PORT")
      else
        read -r rps p50 p99 cpu srv ship < <(measure "http://127.0.0.1:$PORT/hello/world")
      fi
      if [ "$mode" = no-sdk ]; then
        base_rps[$load]=$rps; base_p99[$load]=$p99; base_srv[$load]=$srv
        saturated[$fw-$load]=$rps
      fi
      rx=$(awk -v a="$rps" -v b="${base_rps[$load]}" 'BEGIN {printf "%.3f", a / b}')
      px=$(awk -v a="$p99" -v b="${base_p99[$load]}" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')
      added=$(awk -v a="$srv" -v b="${base_srv[$load]}" 'BEGIN {printf "%+.1f", a - b}')
      printf '%-6s %-18s %-5s %10s %7s %7s %6s %6s %8s %8s %8s %7s\n' "$fw" "$mode" "$load" "$rps" \
        "$p50" "$p99" "$rx" "$px" "$cpu" "$srv" "$ship" "$added"
    done
    stop_server
  done
  unset base_rps base_p99 base_srv
done

# The paced run. Prints "rps p50_ms p99_ms p999_ms requests errors".
paced() { # $1 post|get, $2 delay ms
  local log="$OUT/paced.log"
  LOAD="$1" DELAY_MS="$2" wrk -t1 -c"$PACED_CONNS" -d"${DURATION}s" -s benches/load/paced.lua \
    "http://127.0.0.1:$PORT" >"$log"
  local rps line
  rps=$(awk '/^Requests\/sec/ {print $2}' "$log")
  line=$(awk '$1=="PACED" {printf "%.3f %.3f %.3f %d %d", $2/1000, $3/1000, $4/1000, $5, $6}' "$log")
  echo "$rps $line"
}

PACED_CONNS="${PACED_CONNS:-100}"
echo
printf '%-6s %-10s %-5s %8s %10s %7s %7s %8s %6s %9s %9s\n' fw mode load "offered" "req/s" \
  "p50 ms" "p99 ms" "p99.9 ms" "p99 x" "requests" "records"
for fw in $FRAMEWORKS; do
  for load in post get; do
    target=$(awk -v r="${saturated[$fw-$load]}" 'BEGIN {printf "%d", r / 2}')
    delay=$(awk -v c="$PACED_CONNS" -v r="$target" 'BEGIN {d = int(c * 1000 / r + 0.5); print (d < 1 ? 1 : d)}')
    offered=$((PACED_CONNS * 1000 / delay))
    base_p99=""
    for mode in no-sdk sdk-jsonl; do
      rm -f "$OUT/paced.jsonl"
      case "$mode" in
        no-sdk) start_server "$fw" APITOOLKIT_DISABLED=true ;;
        sdk-jsonl) start_server "$fw" APITOOLKIT_EXPORT="file:$OUT/paced.jsonl" ;;
      esac
      read -r rps p50 p99 p999 requests errors < <(paced "$load" "$delay")
      stop_server
      records="-"
      if [ "$mode" = sdk-jsonl ]; then records=$(wc -l <"$OUT/paced.jsonl"); fi
      if [ -z "$base_p99" ]; then base_p99=$p99; fi
      px=$(awk -v a="$p99" -v b="$base_p99" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')
      printf '%-6s %-10s %-5s %8s %10s %7s %7s %8s %6s %9s %9s\n' "$fw" "$mode" "$load" \
        "$offered" "$rps" "$p50" "$p99" "$p999" "$px" "$requests" "$records"
      if [ "$errors" != 0 ]; then echo "  ($errors socket errors or timeouts)"; fi
    done
  done
done
