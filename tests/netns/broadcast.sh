#!/usr/bin/env bash
# Scenario: \\WORKGROUP\mailslot\x and \\*\mailslot\x reach every host of
# the workgroup but the sender, and no host of another workgroup.
# Issue 5, "Sending" (DIRECT_GROUP to DOMAIN<00> on the broadcast address).
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
netns_setup 4
daemon_start 1
daemon_start 2
daemon_start 3
DAEMON_WG=OTHERWG daemon_start 4
for i in 1 2 3 4; do
  listen_start "$i" '\\.\mailslot\bcast' "$(h_dir "$i")/listen.json" \
    --timeout 30000
  eval "lp$i=$LISTEN_PID"
done
capture_start

msl_send 1 '\\MSLTEST\mailslot\bcast' 'to the domain'
msl_send 1 '\\*\mailslot\bcast' 'to the workgroup'

for i in 2 3; do
  wait_for 20 "h$i to receive both broadcasts" \
    lines_at_least "$(h_dir "$i")/listen.json" 2
  got=$(for j in 1 2; do json_field "$(h_dir "$i")/listen.json" "$j" data; done |
    sort | tr '\n' '|')
  expect_eq "h$i messages" "$got" "to the domain|to the workgroup|"
done

# The sender (h1) and the host of another workgroup (h4) must get nothing.
# Rather than sleeping, send each a unicast marker afterwards: it must be
# the first message they see (the broadcasts went out before it).
for i in 1 4; do
  msl_send 2 "\\\\$(h_ip "$i")\\mailslot\\bcast" "marker"
  wait_for 20 "h$i to receive the marker" \
    lines_at_least "$(h_dir "$i")/listen.json" 1
  expect_eq "first message at h$i" \
    "$(json_field "$(h_dir "$i")/listen.json" 1 data)" "marker"
done

capture_stop 'nbdgm' 4
wire_check
f=$(wire_fields 'nbdgm.type == 17' ip.src ip.dst udp.srcport \
  nbdgm.destination_name | sort -u)
expect_eq "group datagrams" "$f" \
  "$(printf '198.18.0.1\t198.18.0.255\t138\tMSLTEST<00>')"
expect_eq "group datagrams sent" "$(capture_count 'nbdgm.type == 17')" 2
for i in 2 3; do
  kill -TERM "$(eval echo "\$lp$i")"
done
pass "domain and * broadcasts reached h2 and h3, not h1 (sender) or h4"
