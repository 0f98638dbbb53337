#!/usr/bin/env bash
# Delivery at production load (issue 21), measured from outside: each quickstart (axum,
# actix) in release mode exports OTLP/HTTP to the standalone collector example
# (benches/examples/collector.rs) while wrk drives ~RATE small JSON POSTs per second for
# DURATION seconds. Scenarios:
#   healthy   the collector answers every export after 250 ms;
#   flapping  issue 21's 18-second cycle (200 / 503 / 429 Retry-After: 1 / connection
#             dropped / 200 after 2 s / 200, 3 s each), with APITOOLKIT_SPOOL_DIR set.
# Then the quickstart gets SIGINT (graceful shutdown: it prints its shipper stats), the
# collector is stopped, and a table shows per framework and scenario: requests served
# (wrk), enqueued and exported (stats), every dropped_* field, spooled / replayed /
# spool_pending when the stats have them ("-" otherwise), distinct spans at the
# collector (once per msg_id), % arrived, and whether
#   distinct arrived + dropped_{queue_full,export_failed,too_large,shutdown,spool_full}
#     + spool_pending == enqueued
# holds (missing fields count 0; dropped_ok / dropped_failed split the same drops by kind
# and are not added). "stats" checks the shipper's own books:
#   exported + spooled + the same drops == enqueued
# (every record delivered from memory, written to the spool, or dropped; what arrived
# from the spool is in "replayed"). Exits 1 when the identity fails in any run.
#
# Usage: benches/load/delivery.sh [DURATION=36]
#        benches/load/delivery.sh --self-test   (the stats parsing and the identity only)
# Environment: RATE (2800), CONNS (wrk connections, derived from RATE), FRAMEWORKS ("axum actix"), SCENARIOS ("healthy flapping"),
# LOAD_PORT (18180; the collector uses LOAD_PORT+1), KEEP=1 keeps the logs directory.
# Binds 127.0.0.1 only. Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION="${1:-36}"
RATE="${RATE:-2800}"
PORT="${LOAD_PORT:-18180}"
CPORT=$((PORT + 1))
FRAMEWORKS="${FRAMEWORKS:-axum actix}"
SCENARIOS="${SCENARIOS:-healthy flapping}"
TARGET="${CARGO_TARGET_DIR:-target}"
OUT="$(mktemp -d)"
SERVER_PID="" COLLECTOR_PID=""
cleanup() {
  for pid in "$SERVER_PID" "$COLLECTOR_PID"; do
    if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $OUT" >&2; else rm -rf "$OUT"; fi
}
trap cleanup EXIT

wait_port() { # $1 port, $2 log to show on failure
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on $1:" >&2; cat "$2" >&2; exit 1
}

# Stops $1 (a pid) with SIGINT and waits up to $2 seconds; then SIGKILL. Prints the
# seconds it took.
stop_pid() {
  local pid="$1" limit="$2" start=$SECONDS
  kill -INT "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "pid $pid still running after ${limit}s: killed" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
  echo $((SECONDS - start))
}

# Every "name: number" of the quickstart's stats line, as "name=number" lines.
stats_fields() { # $1 server log
  grep -o 'stats = ShipperStats {.*}' "$1" | tail -1 | grep -oE '[a-z_]+: [0-9]+' |
    sed 's/: /=/' || true
}

# wrk: CONNS connections, each waiting DELAY_MS before each request; a request takes
# about 1.5 ms more on this machine at this rate (wrk's timer and the round trip), so
# CONNS = RATE * (DELAY_MS + 1.5) / 1000 (override with CONNS=).
DELAY_MS=10
CONNS="${CONNS:-$(awk -v r="$RATE" -v d="$DELAY_MS" 'BEGIN { c = int(r * (d + 1.5) / 1000 + 0.5); print (c < 1 ? 1 : c) }')}"

DROPS="dropped_queue_full dropped_export_failed dropped_too_large dropped_shutdown dropped_spool_full"
COLUMNS_SHOWN="enqueued exported $DROPS dropped_ok dropped_failed spooled replayed spool_corrupt spool_pending retries failed_exports max_in_flight_exports"
FAILED=0
ROWS=()

# Appends the table row of one run to ROWS (and sets FAILED when its identity fails):
# $1 framework, $2 scenario, $3 requests served, $4 achieved rate, $5 the quickstart's
# log (its stats line), $6 the collector's log (its final line).
result_row() {
  local fw="$1" scenario="$2" served="$3" rate="$4" server_log="$5" collector_log="$6"
  local -A s=()
  while IFS='=' read -r k v; do
    if [ -n "$k" ]; then s[$k]=$v; fi
  done < <(stats_fields "$server_log")
  local k v final distinct accepted cmax enq drops pending pct identity books row f
  final=$(grep '^final:' "$collector_log" || true)
  distinct=$(sed -n 's/.* distinct=\([0-9]*\).*/\1/p' <<<"$final")
  accepted=$(sed -n 's/.*accepted=\([0-9]*\).*/\1/p' <<<"$final")
  cmax=$(sed -n 's/.*max_in_flight=\([0-9]*\).*/\1/p' <<<"$final")
  enq="${s[enqueued]:-}"
  if [ -z "$enq" ] || [ -z "$distinct" ]; then
    echo "   no stats line or no collector total: see $server_log, $collector_log (KEEP=1)" >&2
    FAILED=1
    row="$fw $scenario ${served:--} ${rate:--}"
    for f in $COLUMNS_SHOWN; do row+=" ${s[$f]:--}"; done
    ROWS+=("$row ${distinct:--} ${accepted:--} ${cmax:--} - FAIL -")
    return
  fi
  drops=0
  for f in $DROPS; do drops=$((drops + ${s[$f]:-0})); done
  pending=${s[spool_pending]:-0}
  pct=$(awk -v a="$distinct" -v e="$enq" 'BEGIN { printf "%.2f", (e > 0 ? 100 * a / e : 0) }')
  identity=ok
  if [ $((distinct + drops + pending)) -ne "$enq" ]; then
    identity="FAIL($((distinct + drops + pending - enq)))"
    FAILED=1
  fi
  books=ok
  local kept=$((${s[exported]:-0} + ${s[spooled]:-0} + drops))
  if [ "$kept" -ne "$enq" ]; then
    books="off($((kept - enq)))"
  fi
  row="$fw $scenario ${served:--} ${rate:--}"
  for f in $COLUMNS_SHOWN; do row+=" ${s[$f]:--}"; done
  row+=" $distinct $accepted ${cmax:--} $pct $identity $books"
  ROWS+=("$row")
}


print_table() {
  {
    echo "fw scenario served req/s $COLUMNS_SHOWN distinct accepted coll_max_in_flight %arrived identity stats"
    for r in "${ROWS[@]}"; do echo "$r"; done
  } | sed -e 's/dropped_/d_/g' | column -t
}

# --self-test: the parsing and the identity on canned logs (today's stats and stats with
# the spool and by-kind fields), without building or running anything.
if [ "$DURATION" = --self-test ]; then
  printf 'final: accepted=95 distinct=90 requests=9 max_in_flight=4\n' >"$OUT/c.log"
  echo 'shutdown: all records handled = true, stats = ShipperStats { enqueued: 100,' \
    'exported: 90, dropped_queue_full: 6, dropped_export_failed: 4, dropped_too_large: 0,' \
    'dropped_shutdown: 0, retries: 3, failed_exports: 5 }' >"$OUT/today.log"
  echo 'shutdown: all records handled = false, stats = ShipperStats { enqueued: 100,' \
    'exported: 74, dropped_queue_full: 1, dropped_export_failed: 2, dropped_too_large: 0,' \
    'dropped_shutdown: 0, dropped_spool_full: 3, dropped_ok: 5, dropped_failed: 1,' \
    'retries: 4, failed_exports: 5, spooled: 20, replayed: 16, spool_corrupt: 1,' \
    'spool_pending: 4, max_in_flight_exports: 6 }' >"$OUT/spool.log"
  echo 'shutdown: all records handled = true, stats = ShipperStats { enqueued: 100,' \
    'exported: 90, dropped_queue_full: 6, dropped_export_failed: 3, retries: 0 }' >"$OUT/short.log"
  result_row t today 100 - "$OUT/today.log" "$OUT/c.log"
  result_row t spool 100 - "$OUT/spool.log" "$OUT/c.log"
  after_good=$FAILED
  result_row t short 100 - "$OUT/short.log" "$OUT/c.log"
  result_row t none 100 - /dev/null "$OUT/c.log"
  print_table
  expected="0 1"
  if [ "$after_good $FAILED" != "$expected" ] || [[ "${ROWS[0]}" != *" ok ok" ]] ||
    [[ "${ROWS[1]}" != *" 20 16 1 4 4 5 6 90 95 4 90.00 ok ok" ]] ||
    [[ "${ROWS[2]}" != *"FAIL(-1) off(-1)" ]] || [[ "${ROWS[3]}" != *" - FAIL -" ]]; then
    echo "self-test failed (failures after the good rows, after all: $after_good $FAILED)" >&2
    exit 1
  fi
  echo "self-test passed" >&2
  exit 0
fi

if ! command -v wrk >/dev/null; then
  echo "wrk is not installed: apt-get install wrk" >&2
  exit 2
fi

# One cargo invocation for every binary, whatever FRAMEWORKS says: the same feature
# set each time, so nothing is rebuilt between runs.
cargo build --release --locked -q -p apitoolkit-axum --example quickstart \
  -p apitoolkit-actix --example actix_quickstart -p apitoolkit-benches --example collector
cp "$TARGET/release/examples/quickstart" "$OUT/quickstart-axum"
cp "$TARGET/release/examples/actix_quickstart" "$OUT/quickstart-actix"
cp "$TARGET/release/examples/collector" "$OUT/collector"

for fw in $FRAMEWORKS; do
  for scenario in $SCENARIOS; do
    case "$scenario" in
      healthy) behavior=delay:250ms ;;
      flapping) behavior=flapping ;;
      *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
    "$OUT/collector" --port "$CPORT" --behavior "$behavior" >"$OUT/collector.log" 2>&1 </dev/null &
    COLLECTOR_PID=$!
    wait_port "$CPORT" "$OUT/collector.log"
    spool_env=()
    if [ "$scenario" = flapping ]; then
      spool_env=(APITOOLKIT_SPOOL_DIR="$(mktemp -d -p "$OUT" spool.XXXX)")
    fi
    env "${spool_env[@]}" PORT="$PORT" APITOOLKIT_DEBUG=false APITOOLKIT_KEY=test-key \
      APITOOLKIT_EXPORT=otlp OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$CPORT" \
      OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf "$OUT/quickstart-$fw" \
      >"$OUT/server-$fw-$scenario.log" 2>&1 </dev/null &
    SERVER_PID=$!
    wait_port "$PORT" "$OUT/server-$fw-$scenario.log"

    echo "== $fw / $scenario: ${RATE} req/s target ($CONNS connections, ${DELAY_MS} ms apart), ${DURATION}s" >&2
    DELAY_MS=$DELAY_MS wrk -t1 -c"$CONNS" -d"${DURATION}s" -s benches/load/paced_post.lua \
      "http://127.0.0.1:$PORT" >"$OUT/wrk.log" 2>&1
    served=$(awk '/ requests in / {print $1}' "$OUT/wrk.log")
    rate=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$OUT/wrk.log")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$OUT/wrk.log")
    errors=$(awk '/Socket errors/ {print}' "$OUT/wrk.log")
    echo "   wrk: $served requests, $rate req/s achieved${non2xx:+, $non2xx non-2xx}${errors:+, $errors}" >&2

    shutdown_s=$(stop_pid "$SERVER_PID" 120)
    SERVER_PID=""
    stop_pid "$COLLECTOR_PID" 10 >/dev/null
    COLLECTOR_PID=""
    echo "   quickstart shut down in ${shutdown_s}s: $(grep -o 'all records handled = [a-z]*' "$OUT/server-$fw-$scenario.log" || echo 'no stats line')" >&2
    sed -n 's/^final: /   collector: /p' "$OUT/collector.log" >&2

    result_row "$fw" "$scenario" "${served:--}" "${rate:--}" "$OUT/server-$fw-$scenario.log" \
      "$OUT/collector.log"
  done
done

print_table
exit "$FAILED"
