#!/usr/bin/env bash
# Instructions per iteration of an instruction-count example, with callgrind:
# (instructions at N2 - instructions at N1) / (N2 - N1), so set-up cost cancels out.
#
#   benches/instructions.sh record_instructions "" 1000 11000
#   benches/instructions.sh redaction_instructions 1KB 1000 11000
#   benches/instructions.sh redaction_instructions 100KB 10 110
#
# Builds the example in release mode first. Prints instructions per iteration.
set -euo pipefail
example=$1
case_arg=$2
n1=$3
n2=$4
cargo build --release -q -p apitoolkit-benches --example "$example"
bin="${CARGO_TARGET_DIR:-target}/release/examples/$example"
count() {
    local out
    out=$(mktemp)
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" $case_arg "$1" >/dev/null 2>&1
    local total
    total=$(grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}')
    rm -f "$out"
    echo "$total"
}
a=$(count "$n1")
b=$(count "$n2")
echo "$example $case_arg: $(( (b - a) / (n2 - n1) )) instructions per iteration ($a at $n1, $b at $n2)"
