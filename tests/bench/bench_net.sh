#!/usr/bin/env bash
# make bench: messages per second received through mailslotd into a local
# mailslot, beside a raw UDP receiver, over the same veth pair in the same
# run (issue 5, "Benchmark"; target: at least 0.5x the raw receiver).
#
# Two namespaces joined by one veth pair. tests/netns/flood sends valid
# mailslot datagrams at full speed for BENCH_SECONDS (default 2) to
#   raw:  a UDP socket read with one recvmsg per datagram (flood udp-sink);
#   slot: mailslotd on UDP 138, which decodes each datagram and delivers it
#         to \\.\mailslot\bench, read with msl_read_ex (flood slot-sink).
# Rate = messages received / seconds of sending; best of BENCH_ROUNDS (3).
# Needs root (network namespaces): without it, says so and exits 0.
if [ "$(id -u)" != 0 ]; then
  echo "bench_net: SKIPPED: needs root to create network namespaces"
  exit 0
fi
. "$(dirname "$0")/../netns/lib.sh"
ns_require_tools
SECS=${BENCH_SECONDS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
netns_setup_pair
FLOOD=$(flood_bin)
# As in load.sh: room for bursts in the local slot's queue (default 10).
hx 2 sysctl -qw net.unix.max_dgram_qlen=512
daemon_start 2 --log-level warning

run() { # MODE SIZE: sets RATE (received/s) and OFFERED (sent/s)
  local mode=$1 size=$2 out pid port
  out=$NS_TMP/$mode.out
  if [ "$mode" = raw ]; then
    port=5138
    hx_bg 2 "$FLOOD" udp-sink $port --idle 1000 --max 60 >"$out" \
      2>"$NS_TMP/$mode.err" &
  else
    port=138
    hx_bg 2 "$FLOOD" slot-sink '\\.\mailslot\bench' --idle 1000 --max 60 \
      >"$out" 2>"$NS_TMP/$mode.err" &
  fi
  pid=$!
  ns_track "$pid"
  wait_for 10 "$mode receiver" grep -q ready "$NS_TMP/$mode.err"
  hx 1 "$FLOOD" send 198.18.0.2 $port 0 --seconds "$SECS" --size "$size" \
    --src-name H1 --dst-name H2 --slot BENCH --src-ip 198.18.0.1 \
    >"$NS_TMP/send.out" || fail "flood send"
  wait_exit "$pid" 60 || fail "$mode receiver failed: $(cat "$NS_TMP/$mode.err")"
  read -r RATE OFFERED < <(awk -v r="$(kv "$out" received)" \
    -v s="$(kv "$NS_TMP/send.out" seconds)" \
    -v o="$(kv "$NS_TMP/send.out" sent)" \
    'BEGIN { printf "%.0f %.0f\n", r / s, o / s }')
}

printf '%-6s %5s %12s %12s %12s %7s\n' size round "offered/s" "raw msg/s" \
  "slot msg/s" ratio
worst=
for size in 16 400; do
  braw=0 bslot=0
  for r in $(seq 1 "$ROUNDS"); do
    run raw "$size"
    raw=$RATE off=$OFFERED
    run slot "$size"
    slot=$RATE
    printf '%-6s %5s %12s %12s %12s %7s\n' "$size" "$r" "$off" "$raw" "$slot" \
      "$(awk -v a="$slot" -v b="$raw" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
    [ "$raw" -gt "$braw" ] && braw=$raw
    [ "$slot" -gt "$bslot" ] && bslot=$slot
  done
  ratio=$(awk -v a="$bslot" -v b="$braw" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
  printf '%-6s %5s %12s %12s %12s %7sx  (best of %s)\n' "$size" best "" \
    "$braw" "$bslot" "$ratio" "$ROUNDS"
  worst=$(awk -v a="$ratio" -v w="${worst:-9}" 'BEGIN { print (a < w) ? a : w }')
done
daemon_status 2 | grep -E '^(received|delivered|queue_full|socket_drops)' |
  tr '\n' ' '
echo
if awk -v w="$worst" 'BEGIN { exit !(w >= 0.5) }'; then
  echo "bench_net: slot/raw ratio ${worst}x (target >= 0.5x): met"
else
  echo "bench_net: slot/raw ratio ${worst}x (target >= 0.5x): NOT MET"
fi
exit 0
