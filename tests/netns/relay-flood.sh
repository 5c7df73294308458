#!/usr/bin/env bash
# Issue 15, test 7 (docs/relay.md, "Bounds"): 100,000 broadcasts in site A
# (20,000 a second from h2) while B and C carry on with their own traffic.
# Relay A is configured to forward up to 20,000 frames a second
# (--relay-rate 20000); B and C keep the default (1,000 a second, so they
# take up to 2,000 a second from a peer).
#  - Memory of every relay stays bounded (resident size sampled during the
#    flood: at most 48 MiB, and at most 24 MiB above its size before).
#  - A drops what is over its own rate and queue (counted); B and C pause
#    reading A (throttled, counted) and then disconnect it as a flood.
#  - B's and C's own local traffic (50 broadcasts each, 25 a second, from
#    h8 and h6 to listeners on their relay hosts) is all delivered
#    meanwhile.
#  - Afterwards A's links come back and a broadcast from A gets through.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay-lib.sh"
ns_require_root
ns_require_tools
TOOL=$MSL_BUILDDIR/tests/netns/relay_tool
[ -x "$TOOL" ] || hard_error "$TOOL not built (make check builds it)"
relay_topology
relay_pki

for n in 6 8; do daemon_start "$n" --log-level warning; done
relay_start 1 --log-level info --relay-rate 20000 --relay-reconnect-max 2 \
  --relay-peer "$(relay_addr 3)" --relay-peer "$(relay_addr 5)"
relay_start 3 --log-level info --relay-peer "$(relay_addr 5)"
relay_start 5 --log-level info
wait_for 20 "A-B up" link_up 1 B
wait_for 20 "A-C up" link_up 1 C
wait_for 20 "B-C up" link_up 3 C
listen_start 3 '\\.\mailslot\localb' "$NS_TMP/b-local.out"
listen_start 5 '\\.\mailslot\localc' "$NS_TMP/c-local.out"
listen_start 3 '\\.\mailslot\fromA' "$NS_TMP/b-froma.out"
declare -A before peak
for n in 1 3 5; do
  before[$n]=$(rss_kb "$(daemon_pid "$n")")
  peak[$n]=${before[$n]}
done

# ---- the flood, and local traffic in B and C meanwhile ------------------
hx_bg 2 "$TOOL" send 198.18.1.255 --count 100000 --rate 20000 --size 200 \
  --slot RELAYFLOOD --src-name FLOODER >"$NS_TMP/flood.out" 2>&1 &
FLOOD_PID=$!
ns_track "$FLOOD_PID"
(
  sleep 1 # into the flood
  hx_bg 8 "$TOOL" send 198.18.2.255 --count 50 --rate 25 --slot localb \
    --src-name H8 >"$NS_TMP/b-send.out" 2>&1 &
  hx 6 "$TOOL" send 198.18.3.255 --count 50 --rate 25 --slot localc \
    --src-name H6 >"$NS_TMP/c-send.out" 2>&1 || echo "c failed"
  wait $! || echo "b failed"
) >"$NS_TMP/local-senders.log" 2>&1 &
LOCAL_PID=$!
ns_track "$LOCAL_PID"
while ! pid_gone "$FLOOD_PID" || ! pid_gone "$LOCAL_PID"; do
  for n in 1 3 5; do
    r=$(rss_kb "$(daemon_pid "$n")")
    [ "$r" -gt "${peak[$n]}" ] && peak[$n]=$r
  done
  sleep 0.3
done
wait_exit "$FLOOD_PID" 5 || fail "the flood sender failed: $(cat "$NS_TMP/flood.out")"
wait_exit "$LOCAL_PID" 5 || true
msg "flood: $(cat "$NS_TMP/flood.out")"
[ -s "$NS_TMP/local-senders.log" ] &&
  fail "local senders: $(cat "$NS_TMP/local-senders.log")"

# ---- what held ------------------------------------------------------------
for n in 1 3 5; do
  msg "relay h$n: resident $((before[$n] / 1024)) MiB before, $((peak[$n] / 1024)) MiB at most during the flood"
  if [ "${MSL_SANITIZED:-no}" = address ]; then
    continue # ASan's quarantine keeps freed memory resident; the plain build checks it
  fi
  [ "${peak[$n]}" -le $((48 * 1024)) ] &&
    [ "${peak[$n]}" -le $((before[$n] + 24 * 1024)) ] ||
    fail "relay h$n grew from ${before[$n]} to ${peak[$n]} KiB"
done
[ "${MSL_SANITIZED:-no}" = address ] &&
  msg "resident-size bound not checked: built with AddressSanitizer (its quarantine holds freed memory)"
wait_for 10 "B's 50 local broadcasts" lines_at_least "$NS_TMP/b-local.out" 50
wait_for 10 "C's 50 local broadcasts" lines_at_least "$NS_TMP/c-local.out" 50
sleep 0.5
expect_eq "B's local broadcasts delivered" "$(count_lines "$NS_TMP/b-local.out")" 50
expect_eq "C's local broadcasts delivered" "$(count_lines "$NS_TMP/c-local.out")" 50
a_rate=$(status_counter 1 relay_drop_rate)
a_queue=$(status_counter 1 relay_drop_queue)
a_lost=$(status_counter 1 relay_drop_unconfirmed)
msg "A: $(status_counter 1 relay_local_in) heard for the peers; dropped: rate $a_rate, queue $a_queue, unconfirmed $a_lost, down $(status_counter 1 relay_drop_down)"
[ $((a_rate + a_queue)) -gt 0 ] || fail "A dropped nothing of 100,000 broadcasts"
for n in 3 5; do
  th=$(status_counter "$n" relay_throttled)
  fl=$(status_counter "$n" relay_floods)
  msg "$(site_of "$n"): took $(status_counter "$n" relay_frames_in) frames, re-emitted $(status_counter "$n" relay_emitted), paused A $th times, disconnected it as a flood $fl time(s)"
  [ "$th" -gt 0 ] && [ "$fl" -ge 1 ] ||
    fail "$(site_of "$n") did not throttle and disconnect the flooding peer"
  grep -q "flooding" "$(h_dir "$n")/mailslotd.log" || fail "no flood line in h$n's log"
done

# ---- afterwards -------------------------------------------------------------
wait_for 20 "A-B back" link_up 1 B
wait_for 20 "A-C back" link_up 1 C
# The flood's backlog drains at B's pace (or ends with the link): a
# broadcast every 2 s until one gets through.
got_after() {
  msl_send 1 '\\*\mailslot\fromA' after-the-flood
  sleep 2
  lines_at_least "$NS_TMP/b-froma.out" 1
}
wait_for 30 "a broadcast from A at B after the flood" got_after
pass "100k broadcasts: memory bounded, local traffic of B and C delivered, flooding peer throttled and disconnected, links back"
