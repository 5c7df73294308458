#!/usr/bin/env bash
# Scenario: mailslotd follows interface changes. h1 and h2 share the LAN
# (br0, 198.18.0.0/24); h3 is alone on a second segment (br1,
# 198.18.1.0/24). h1 then gets a second interface on br1: until SIGHUP its
# daemon neither broadcasts there nor registers there; after it (status
# interface_changes 1) a workgroup broadcast from h1 reaches h3, h3
# resolves H1 to h1's new address, and h1 keeps its names on the LAN (no
# conflict, H1 still 198.18.0.1 for h2; the new registration went out on
# the new interface only). The interface goes, SIGHUP again
# (interface_changes 2): h1 runs on and takes h2's unicast. Last, h3's
# periodic re-scan (shortened through MSL_SERVICE_RESCAN_MS) notices a new
# address with no signal. Orderings and counters only, never durations.
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
netns_setup 3
SUB2=198.18.1
ns_host_move 3 br1 "$SUB2"

# reaches N IP: host N resolves IP's MAC (ARP), as ns_arp_ok.
reaches() {
  hx "$1" bash -c "exec 3<>/dev/udp/$2/9 && echo x >&3" 2>/dev/null
  ip -n "$(h_ns "$1")" neigh show "$2" 2>/dev/null |
    grep -qE 'REACHABLE|STALE|DELAY'
}
# resolve_from N NAME: the first address `mailslot resolve NAME` in host N
# gets (broadcast query on its interfaces).
resolve_from() {
  hx "$1" "$MAILSLOT" resolve "$2" 2>>"$(h_dir "$1")/resolve.err" |
    awk 'NR == 1 { print $1 }'
}
log1=$(h_dir 1)/mailslotd.log

# h1: every up interface (no --interface), re-scanned on SIGHUP only, so
# that nothing but our signal changes its list during the test.
MSL_SERVICE_RESCAN_MS=0 DAEMON_IF= daemon_start 1
pid1=$DAEMON_PID
daemon_start 2
MSL_SERVICE_RESCAN_MS=300 daemon_start 3
expect_eq "h1 interface_changes at start" \
  "$(status_counter 1 interface_changes)" 0
wait_for 10 "h1's names registered" counter_is 1 ns_overwrites_sent -eq 2
for i in 1 2 3; do
  listen_start "$i" '\\.\mailslot\ifc' "$(h_dir "$i")/listen.json" \
    --timeout 60000
done

# h1 joins br1.
ns_iface_add 1 eth1 br1 "$SUB2.1/24" "$SUB2.255"
wait_for 10 "h1 reaches h3 on br1 (ARP)" reaches 1 "$SUB2.3"

# 1. Before SIGHUP: the broadcast goes to br0 only. A unicast marker sent
# to h3 afterwards is the first message h3 sees.
msl_send 1 '\\*\mailslot\ifc' 'before hup'
msl_send 1 "\\\\$SUB2.3\\mailslot\\ifc" 'marker'
wait_for 20 "h3 to receive the marker" \
  lines_at_least "$(h_dir 3)/listen.json" 1
expect_eq "first message at h3" \
  "$(json_field "$(h_dir 3)/listen.json" 1 data)" marker
wait_for 20 "h2 to receive 'before hup'" \
  lines_at_least "$(h_dir 2)/listen.json" 1
expect_eq "h1 interface_changes before SIGHUP" \
  "$(status_counter 1 interface_changes)" 0

# 2. SIGHUP: the list is read again.
kill -HUP "$pid1"
wait_for 10 "h1 interface_changes 1" counter_is 1 interface_changes -eq 1
grep -q "interfaces: + eth1 $SUB2.1/24" "$log1" ||
  fail "h1 did not log the new interface"
msl_send 1 '\\*\mailslot\ifc' 'after hup'
wait_for 20 "h3 to receive 'after hup'" \
  lines_at_least "$(h_dir 3)/listen.json" 2
expect_eq "second message at h3" \
  "$(json_field "$(h_dir 3)/listen.json" 2 data)" 'after hup'
wait_for 20 "h2 to receive 'after hup'" \
  lines_at_least "$(h_dir 2)/listen.json" 2
expect_eq "messages at h2" \
  "$(json_field "$(h_dir 2)/listen.json" 1 data)|$(json_field \
    "$(h_dir 2)/listen.json" 2 data)" 'before hup|after hup'

# Registration on eth1 only: 3 requests and an overwrite demand for each
# of H1<00> and MSLTEST<00> there, none again on eth0.
wait_for 10 "h1's names registered on eth1" \
  counter_is 1 ns_overwrites_sent -eq 4
expect_eq "h1 registration requests" \
  "$(status_counter 1 ns_registrations_sent)" 12
expect_eq "h3 resolves H1" "$(resolve_from 3 H1)" "$SUB2.1"
expect_eq "h2 resolves H1" "$(resolve_from 2 H1)" "198.18.0.1"
expect_eq "h1 name conflicts" "$(status_counter 1 ns_conflicts)" 0
daemon_status 1 | grep -qx 'ns_state registered' ||
  fail "h1 name service: $(daemon_status 1 | grep ns_state)"
grep -qi 'conflict' "$log1" && fail "h1 logged a conflict"

# 3. eth1 goes away; SIGHUP: h1 runs on (releases there are best effort).
ns_iface_del 1 eth1
kill -HUP "$pid1"
wait_for 10 "h1 interface_changes 2" counter_is 1 interface_changes -eq 2
grep -q "interfaces: - eth1 $SUB2.1/24" "$log1" ||
  fail "h1 did not log the interface's removal"
msl_send 2 '\\H1\mailslot\ifc' 'unicast after removal'
wait_for 20 "h1 to receive h2's unicast" \
  lines_at_least "$(h_dir 1)/listen.json" 1
expect_eq "message at h1" "$(json_field "$(h_dir 1)/listen.json" 1 data)" \
  'unicast after removal'
kill -0 "$pid1" 2>/dev/null || fail "mailslotd h1 died"
daemon_status 1 | grep -qx 'ns_state registered' ||
  fail "h1 name service after the removal: $(daemon_status 1 | grep ns_state)"

# 4. The periodic re-scan (h3, no signal) sees a new address.
expect_eq "h3 interface_changes" "$(status_counter 3 interface_changes)" 0
ip -n "$(h_ns 3)" addr add "$SUB2.33/24" broadcast "$SUB2.255" dev eth0 ||
  hard_error "second address on h3"
wait_for 20 "h3's periodic re-scan" counter_is 3 interface_changes -eq 1

daemon_stop 1 TERM || fail "mailslotd h1 exited with $? on SIGTERM"
no_sanitizer_error 1 2 3
pass "SIGHUP: h3 reached, H1 resolved on both segments, no conflict;\
 removal survived; periodic re-scan seen"
