#!/bin/sh
# Runs one libFuzzer target of `make fuzz-run`: run-one.sh NAME SECONDS SRCDIR.
# Seeds come from its corpus (the captures for fuzz_pcap); new inputs go to
# a scratch copy, so the corpus in the tree stays as committed.
set -u
t=$1 secs=$2 srcdir=$3
work=tests/fuzz/work_$t
rm -rf "$work" && mkdir -p "$work" || exit 1
if [ "$t" = pcap ]; then
  cp "$srcdir"/captures/*.pcap "$srcdir"/captures/*.pcapng "$work"/
else
  cp "$srcdir"/tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
fi
log=tests/fuzz/fuzz_$t.log
if ! tests/fuzz/fuzz_"$t" -max_total_time="$secs" -max_len=65536 \
    -print_final_stats=1 "$work" >"$log" 2>&1; then
  echo "fuzz_$t: FAILED"; tail -50 "$log"; exit 255 # 255 stops xargs
fi
echo "fuzz_$t: $secs s, $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs"
