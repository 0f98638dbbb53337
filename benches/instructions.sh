#!/usr/bin/env bash
# Instructions per iteration of an instruction-count example, with callgrind:
# (instructions at N2 - instructions at N1) / (N2 - N1), so set-up cost cancels out.
#
#   benches/instructions.sh record_instructions "" 1000 11000
#   benches/instructions.sh redaction_instructions 1KB 1000 11000
#   benches/instructions.sh redaction_instructions 100KB 10 110
#   SPLIT=1 benches/instructions.sh exchange_instructions request 1024 11264
#
# Builds the example in release mode first. Prints instructions per iteration; with
# SPLIT=1 also per thread (callgrind --separate-threads: thread 1 is the main thread,
# the others in the order they were started).
set -euo pipefail
example=$1
case_arg=$2
n1=$3
n2=$4
split=${SPLIT:-0}
cargo build --release -q -p apitoolkit-benches --example "$example"
bin="${CARGO_TARGET_DIR:-target}/release/examples/$example"
# Prints "total t1 t2 ..." (t* only with SPLIT=1).
count() {
    local dir out
    dir=$(mktemp -d)
    out="$dir/callgrind.out"
    local flags=()
    if [ "$split" = 1 ]; then flags=(--separate-threads=yes); fi
    # shellcheck disable=SC2086
    valgrind --tool=callgrind "${flags[@]}" --callgrind-out-file="$out" "$bin" $case_arg "$1" >/dev/null 2>&1
    local line="" sum=0 f v
    for f in $(ls "$dir" | sort); do
        v=$(grep -E '^(summary|totals):' "$dir/$f" | head -1 | awk '{print $2}')
        sum=$((sum + v))
        line="$line $v"
    done
    rm -rf "$dir"
    if [ "$split" = 1 ]; then echo "$sum$line"; else echo "$sum"; fi
}
read -r -a a <<<"$(count "$n1")"
read -r -a b <<<"$(count "$n2")"
echo "$example $case_arg: $(( (b[0] - a[0]) / (n2 - n1) )) instructions per iteration (${a[0]} at $n1, ${b[0]} at $n2)"
if [ "$split" = 1 ]; then
    for ((i = 1; i < ${#a[@]} && i < ${#b[@]}; i++)); do
        echo "  thread $i: $(( (b[i] - a[i]) / (n2 - n1) )) per iteration (${a[i]} at $n1, ${b[i]} at $n2)"
    done
fi
