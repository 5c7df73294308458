#!/usr/bin/env bash
# Scenario: the reader learns where a network message came from:
# `mailslot listen --json` shows the source NetBIOS name, IP and port (138:
# unprivileged senders go through mailslotd), the destination name and the
# datagram type; a local message says "local". Issue 5, "Receiving".
. "$(dirname "$0")/lib.sh"
netns_daemons 2

out=$(h_dir 2)/listen.json
listen_start 2 '\\.\mailslot\source' "$out" -c 3 --timeout 30000
msl_send 1 '\\h2\mailslot\source' 'unique' # h2: in h1's /etc/hosts
wait_for 20 "the unicast message" lines_at_least "$out" 1
msl_send 1 '\\MSLTEST\mailslot\source' 'group'
wait_for 20 "the group message" lines_at_least "$out" 2
msl_send 2 '\\.\mailslot\source' 'local'
wait_exit "$LISTEN_PID" 30 || fail "listener exited with $?"

check() { # LINE FIELD VALUE
  expect_eq "message $1: $2" "$(json_field "$out" "$1" "$2")" "$3"
}
check 1 data unique
check 1 origin network
check 1 source_ip 198.18.0.1
check 1 source_port 138
check 1 source_name 'H1<00>'
check 1 destination_name 'H2<00>'
check 1 dgram_type 16
check 2 data group
check 2 origin network
check 2 source_ip 198.18.0.1
check 2 source_port 138
check 2 source_name 'H1<00>'
check 2 destination_name 'MSLTEST<00>'
check 2 dgram_type 17
check 3 data local
check 3 origin local
check 3 source_ip ''

capture_stop 'nbdgm' 2
wire_check
# What the reader was told is what was on the wire.
expect_eq "wire: source fields" "$(wire_fields nbdgm ip.src udp.srcport \
  nbdgm.src.ip nbdgm.src.port nbdgm.source_name | sort -u)" \
  "$(printf '198.18.0.1\t138\t198.18.0.1\t138\tH1<00>')"
pass "source name, IP, port, destination name and type reported"
