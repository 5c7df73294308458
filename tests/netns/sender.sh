#!/usr/bin/env bash
# Scenario: who sends. Without a local mailslotd, `mailslot send` sends
# directly: as root from UDP 138, as an unprivileged user from an ephemeral
# port written as SOURCE_PORT. With mailslotd running, an unprivileged
# sender goes through it, so the datagram leaves from port 138 with the
# daemon's address and name. Issue 5, "Sending".
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
ns_require_cmd setpriv python3
netns_setup 2
daemon_start 2
capture_start
out=$(h_dir 2)/listen.json
listen_start 2 '\\.\mailslot\sender' "$out" -c 3 --timeout 30000
dst='\\h2\mailslot\sender'
# The unprivileged user must reach the tools (and, later, h1's run dir).
unpriv() { hx 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
unpriv test -x "$MAILSLOT" ||
  skip "user nobody cannot run $MAILSLOT (build tree not accessible)"

# 1. No daemon in h1: root sends directly, from port 138.
MAILSLOT_NAME=H1 MAILSLOT_WORKGROUP=$NS_WG msl_send 1 "$dst" 'direct root'
wait_for 20 "message 1" lines_at_least "$out" 1
# 2. No daemon: an unprivileged sender, from an ephemeral port.
MAILSLOT_NAME=H1 unpriv "$MAILSLOT" send "$dst" 'direct unprivileged' \
  >>"$(h_dir 1)/send.log" 2>&1 ||
  fail "unprivileged direct send failed: $(tail -n 2 "$(h_dir 1)/send.log")"
wait_for 20 "message 2" lines_at_least "$out" 2
# 3. h1's daemon runs: the unprivileged sender goes through it.
daemon_start 1
unpriv "$MAILSLOT" send "$dst" 'via mailslotd' >>"$(h_dir 1)/send.log" 2>&1 ||
  fail "unprivileged send through mailslotd failed: $(tail -n 2 "$(h_dir 1)/send.log")"
wait_exit "$LISTEN_PID" 30 || fail "listener exited with $?"

expect_eq "messages" "$(for i in 1 2 3; do json_field "$out" "$i" data; done |
  tr '\n' '|')" "direct root|direct unprivileged|via mailslotd|"
capture_stop 'nbdgm' 3
wire_check
ports=$(wire_fields nbdgm udp.srcport nbdgm.src.port | tr '\t\n' ' |')
set -- $(wire_fields nbdgm udp.srcport | tr '\n' ' ')
[ "$1" = 138 ] || fail "direct root send left from port $1"
[ "$2" != 138 ] || fail "unprivileged direct send left from port 138?"
[ "$3" = 138 ] || fail "send through mailslotd left from port $3"
# SOURCE_PORT in the header is the real source port; the reader sees it.
expect_eq "SOURCE_PORT = UDP source port" "$(wire_fields nbdgm udp.srcport |
  tr '\n' ' ')" "$(wire_fields nbdgm nbdgm.src.port | tr '\n' ' ')"
expect_eq "reader's source ports" "$(for i in 1 2 3; do
  json_field "$out" "$i" source_port; done | tr '\n' ' ')" \
  "$(wire_fields nbdgm udp.srcport | tr '\n' ' ')"
expect_eq "source name of the daemon's send" \
  "$(json_field "$out" 3 source_name)" 'H1<00>'
pass "direct (root: 138, unprivileged: $2) and through mailslotd (138): $ports"
