#!/usr/bin/env bash
# Issue 15, test 1 (docs/relay.md): a broadcast from site A arrives exactly
# once at a listener in B and in C, in a full mesh and with a hub.
#
# Three routed sites (relay-lib.sh). Relays h1 (A), h3 (B), h5 (C); plain
# libmailslot hosts h2 (A), h8 (B), h6 (C) run mailslotd without a relay.
# Every host listens on \\.\mailslot\meshtest.
#  - Full mesh: A calls B and C, B calls C, and C calls A too (two links
#    A-C: one carries the traffic, the other stands by). Broadcasts from a
#    plain host of A (heard on the wire), from the relay host of A (its
#    own writer: the send path's tap) and from a plain host of C reach
#    every listener of the other sites exactly once, and the hosts of the
#    sender's own site once (from the wire, never again from a relay).
#    The re-emitted datagrams on B's wire decode cleanly in tshark.
#  - Hub: B with --relay-hub, A and C call B only: the same, once each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay-lib.sh"
relay_lan
SLOT='\\.\mailslot\meshtest'
HOSTS="1 2 3 5 6 8"

for n in 2 6 8; do daemon_start "$n"; done
start_mesh() {
  relay_start 1 --relay-peer "$(relay_addr 3)" --relay-peer "$(relay_addr 5)"
  relay_start 3 --relay-peer "$(relay_addr 5)"
  relay_start 5 --relay-peer "$(relay_addr 1)"
  wait_for 30 "A-B up" link_up 1 B
  wait_for 30 "A-C up" link_up 1 C
  wait_for 30 "B-C up" link_up 3 C
}
start_hub() {
  relay_start 3 --relay-hub
  relay_start 1 --relay-peer "$(relay_addr 3)"
  relay_start 5 --relay-peer "$(relay_addr 3)"
  wait_for 30 "A-hub up" link_up 1 B
  wait_for 30 "C-hub up" link_up 5 B
}
LISTENERS=
listeners() {
  for n in $HOSTS; do
    listen_start "$n" "$SLOT" "$NS_TMP/$1-h$n.out"
    LISTENERS="$LISTENERS $LISTEN_PID"
  done
}
stop_listeners() {
  local p
  for p in $LISTENERS; do
    kill "$p" 2>/dev/null
    wait_exit "$p" 10 || true
  done
  LISTENERS=
}

# expect PHASE TEXT "N:COUNT ...": every host's count of TEXT, once all
# have arrived and 1.5 s more (a late copy would show then).
expect() {
  local phase=$1 text=$2 want=$3 pair n c
  arrived() {
    for pair in $want; do
      n=${pair%%:*}
      [ "$(messages_with "$NS_TMP/$phase-h$n.out" "$text")" -ge \
        "${pair#*:}" ] || return 1
    done
  }
  wait_for 10 "$text at every listener" arrived
  sleep 1.5
  for pair in $want; do
    n=${pair%%:*}
    c=$(messages_with "$NS_TMP/$phase-h$n.out" "$text")
    [ "$c" = "${pair#*:}" ] ||
      fail "$phase: '$text' arrived $c time(s) at h$n (site $(site_of "$n")), expected ${pair#*:}"
  done
  msg "$phase: $text arrived as expected (host:count) $want"
}

# ---- full mesh ----------------------------------------------------------
relay_capture brb
start_mesh
wait_for 20 "the second A-C link to stand by" \
  eval '[ "$(daemon_status 1 | grep -E "site=C" | grep -c "state=standby")" = 1 ]'
msg "A has two links to C: $(daemon_status 1 | grep -E 'site=C' |
  grep -oE 'dir=[a-z]+ state=[a-z]+' | tr '\n' ' ')"
listeners mesh
msl_send 2 '\\*\mailslot\meshtest' A1-plain-host
expect mesh A1-plain-host "1:1 2:0 3:1 8:1 5:1 6:1"
msl_send 1 '\\*\mailslot\meshtest' A2-relay-host
expect mesh A2-relay-host "1:0 2:1 3:1 8:1 5:1 6:1"
msl_send 6 '\\*\mailslot\meshtest' C1-plain-host
expect mesh C1-plain-host "1:1 2:1 3:1 8:1 5:1 6:0"
# What h8 (B) got: a DIRECT_GROUP from relay B's address, port 138, with
# the sender's own NetBIOS name.
line=$(grep A1-plain-host "$NS_TMP/mesh-h8.out")
expect_eq "source_ip at h8" "$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["source_ip"])')" "$(rip 3)"
expect_eq "source_name at h8" "$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["source_name"])')" "H2<00>"
expect_eq "dgram_type at h8" "$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dgram_type"])')" 17
capture_stop
wire_check
dup=$(( $(status_counter 1 relay_drop_duplicate) + $(status_counter 3 relay_drop_duplicate) + $(status_counter 5 relay_drop_duplicate) ))
msg "full mesh: exactly once everywhere ($dup copies dropped as duplicates)"

# ---- hub --------------------------------------------------------------------
stop_listeners
for n in 1 3 5; do daemon_stop "$n" || fail "relay h$n did not stop cleanly"; done
start_hub
listeners hub
msl_send 2 '\\*\mailslot\meshtest' A3-through-hub
expect hub A3-through-hub "1:1 2:0 3:1 8:1 5:1 6:1"
msl_send 6 '\\*\mailslot\meshtest' C2-through-hub
expect hub C2-through-hub "1:1 2:1 3:1 8:1 5:1 6:0"
[ "$(status_counter 3 relay_reflected)" -ge 2 ] ||
  fail "hub B reflected $(status_counter 3 relay_reflected) frames, expected 2"
pass "exactly once per site: full mesh (with a standby link) and hub"
