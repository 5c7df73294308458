#!/usr/bin/env bash
# Issue 15, test 6 (docs/relay.md, "Faults"): the A-B link is cut for 10 s
# (blackhole routes on both relays: A-C and B-C still work) and restored.
#  - The cut is noticed within 3 keepalive periods (--relay-keepalive 1);
#    A calls B again with exponential backoff and jitter
#    (--relay-reconnect-max 4) and the link comes back by itself.
#  - Broadcasts sent in A during the cut never reach B (nothing is resent
#    late) and every one is counted as dropped for B: lost (sent on the
#    dying link, never confirmed by a PONG: unconfirmed) or down (no link
#    to send on).
#  - Nothing else stalls: C gets every one of them, at once; A's own
#    listener too; B's own broadcasts still reach C.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay-lib.sh"
relay_lan
SLOT='\\.\mailslot\faulttest'
FAST="--relay-keepalive 1 --relay-reconnect-max 4"

daemon_start 2
relay_start 1 $FAST --relay-peer "$(relay_addr 3)" --relay-peer "$(relay_addr 5)"
relay_start 3 $FAST --relay-peer "$(relay_addr 5)"
relay_start 5 $FAST
wait_for 20 "A-B up" link_up 1 B
wait_for 20 "A-C up" link_up 1 C
wait_for 20 "B-C up" link_up 3 C
for n in 1 3 5; do listen_start "$n" "$SLOT" "$NS_TMP/h$n.out"; done
have() { [ "$(messages_with "$NS_TMP/h$1.out" "$2")" -ge "$3" ]; }

msl_send 2 '\\*\mailslot\faulttest' before-cut
wait_for 10 "before-cut at B" have 3 before-cut 1
wait_for 10 "before-cut at C" have 5 before-cut 1
B_PEER=$(relay_addr 3)
dropped_for_b() {
  echo $(($(relay_peer_field 1 "$B_PEER" drop_down) +
    $(relay_peer_field 1 "$B_PEER" drop_unconfirmed)))
}
base=$(dropped_for_b)

# ---- the cut ---------------------------------------------------------------
ip -n "$(h_ns 1)" route add blackhole 198.18.2.0/24
ip -n "$(h_ns 3)" route add blackhole 198.18.1.0/24
t_cut=$(date +%s.%N)
msg "A-B cut"
for k in 1 2 3; do msl_send 2 '\\*\mailslot\faulttest' "cut-early-$k"; done
link_gone() { [ "$(link_state 1 B)" != up ]; }
wait_for 10 "A to notice the cut" link_gone
msg "A noticed the cut after $(awk -v a="$(date +%s.%N)" -v b="$t_cut" 'BEGIN { printf "%.1f", a - b }') s: link to B $(link_state 1 B)"
for k in 1 2 3 4 5; do msl_send 2 '\\*\mailslot\faulttest' "cut-late-$k"; done
msl_send 3 '\\*\mailslot\faulttest' from-b-during-cut
# Nothing else stalls: C and A's own listener have all of it at once.
wait_for 5 "the cut's broadcasts at C" have 5 cut- 8
wait_for 5 "the cut's broadcasts at A" have 1 cut- 8
wait_for 5 "B's broadcast at C" have 5 from-b-during-cut 1
msg "during the cut: C got all 8 of A's broadcasts and B's; A's listener all 8"
sleep $((10 - $(printf '%.0f' "$(awk -v a="$(date +%s.%N)" -v b="$t_cut" 'BEGIN { print a - b }')")))
ip -n "$(h_ns 1)" route del blackhole 198.18.2.0/24
ip -n "$(h_ns 3)" route del blackhole 198.18.1.0/24
t_back=$(date +%s.%N)
msg "A-B restored after 10 s"

# ---- back by itself ----------------------------------------------------------
wait_for 15 "the A-B link to come back by itself" link_up 1 B
msg "link back after $(awk -v a="$(date +%s.%N)" -v b="$t_back" 'BEGIN { printf "%.1f", a - b }') s"
retries=$(grep -c "peer $B_PEER: .*next try in" "$(h_dir 1)/mailslotd.log")
delays=$(grep -o "peer $B_PEER: .*next try in [0-9.]* s" "$(h_dir 1)/mailslotd.log" |
  grep -o '[0-9.]* s$' | tr -d ' s' | tr '\n' ' ')
[ "$retries" -ge 2 ] || fail "A retried B $retries times during the cut"
msg "A's retries of B: $delays(s; doubling, jittered, at most 4)"
msl_send 2 '\\*\mailslot\faulttest' after-restore
wait_for 10 "after-restore at B" have 3 after-restore 1
sleep 1
expect_eq "the cut's broadcasts that reached B" \
  "$(messages_with "$NS_TMP/h3.out" cut-)" 0
for n in 3 5; do
  expect_eq "after-restore at h$n" "$(messages_with "$NS_TMP/h$n.out" after-restore)" 1
  expect_eq "before-cut at h$n" "$(messages_with "$NS_TMP/h$n.out" before-cut)" 1
done
dropped=$(($(dropped_for_b) - base))
[ "$dropped" -ge 8 ] ||
  fail "A counted $dropped of the cut's 8 broadcasts as dropped for B"
msg "A counted $dropped datagrams dropped for B (unconfirmed $(relay_peer_field 1 "$B_PEER" drop_unconfirmed), down $(relay_peer_field 1 "$B_PEER" drop_down))"
pass "cut 10 s: noticed, counted, nothing else stalled, back by itself"
