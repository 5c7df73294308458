#!/usr/bin/env bash
# Scenario: \\1.2.3.4\mailslot\X carries the host's real NetBIOS name. The
# sender asks the address for its name table (node status, RFC 1002
# §4.2.17) and addresses the DIRECT_UNIQUE datagram to its first unique
# active <00> name, as Samba's client does (a Windows receiver delivers
# only to names it registered); through mailslotd (asynchronous query, the
# request waits as a pending entry) and directly (no daemon: a blocking
# query in the sender). A host with nothing on UDP 137 still gets the
# datagram, addressed to "*"<00> as before. Checks are contents and
# orderings, never durations.
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
netns_setup 3
daemon_start 1
daemon_start 2

# h3: a bare UDP 138 listener (python3), nothing on 137: node status gets
# "port unreachable". It appends each payload, in hex, to a file.
raw=$(h_dir 3)/raw138.txt
: >"$raw"
hx_bg 3 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 138))
while True:
    p, a = s.recvfrom(65535)
    with open(sys.argv[1], "a") as f:
        f.write(p.hex() + "\n")
' "$raw" 2>"$(h_dir 3)/raw138.err" &
ns_track $!
wait_for 10 "the raw UDP 138 listener in h3" udp_bound 3 138
capture_start

out=$(h_dir 1)/listen.json
listen_start 1 '\\.\mailslot\T' "$out" -c 3 --timeout 30000
lp=$LISTEN_PID

# direct N PATH MESSAGE: `mailslot send` in host N with no daemon to talk
# to (an empty run directory): the process sends by itself.
direct() {
  local d
  d=$(h_dir "$1")/nodaemon
  mkdir -p "$d"
  ip netns exec "$(h_ns "$1")" env MAILSLOT_RUNDIR="$d" \
    MAILSLOT_NAME="$(h_name "$1")" MAILSLOT_WORKGROUP="$NS_WG" \
    MAILSLOT_INTERFACE=eth0 "$MAILSLOT" send "$2" "$3" \
    >>"$(h_dir "$1")/send.log" 2>&1 ||
    fail "h$1: direct mailslot send $2 failed: $(tail -n 2 "$(h_dir "$1")/send.log")"
}

# 1. Through h2's daemon, twice: one node status (cached), two datagrams.
q0=$(status_counter 2 resolve_queries)
msl_send 2 '\\198.18.0.1\mailslot\T' 'via daemon 1'
msl_send 2 '\\198.18.0.1\mailslot\T' 'via daemon 2'
expect_eq "h2 node-status queries for 2 sends to 198.18.0.1" \
  "$(($(status_counter 2 resolve_queries) - q0))" 1
# 2. Directly from h2 (its own blocking node status).
direct 2 '\\198.18.0.1\mailslot\T' 'direct'
wait_exit "$lp" 30 || fail "listener in h1 exited with $?"
got=$(for i in 1 2 3; do json_field "$out" "$i" data; done | sort | tr '\n' '|')
expect_eq "messages received by h1" "$got" "direct|via daemon 1|via daemon 2|"
for i in 1 2 3; do
  expect_eq "message $i: destination name" \
    "$(json_field "$out" "$i" destination_name)" 'H1<00>'
done

# 3. To h3 (no name service), through the daemon and directly: sent
# anyway, to "*"<00>.
msl_send 2 '\\198.18.0.3\mailslot\T' 'no status, daemon'
direct 2 '\\198.18.0.3\mailslot\T' 'no status, direct'
wait_for 20 "two datagrams at h3's raw listener" lines_at_least "$raw" 2

capture_stop 'nbdgm' 5
wire_check
to1=$(wire_fields 'nbdgm && ip.dst == 198.18.0.1' nbdgm.destination_name |
  sort -u)
expect_eq "destination name of the datagrams to 198.18.0.1 (wire)" "$to1" \
  'H1<00>'
n=$(capture_count 'nbdgm && ip.dst == 198.18.0.1')
expect_eq "datagrams to 198.18.0.1" "$n" 3
# Each datagram to h1 follows a node-status exchange with h1: h2 asked
# (question "*", type NBSTAT) and h1 answered before the first one left.
first_dgm=$(wire_fields 'nbdgm && ip.dst == 198.18.0.1' frame.number | head -n 1)
first_req=$(wire_fields 'nbns.type == 33 && nbns.flags.response == 0 && ip.src == 198.18.0.2 && ip.dst == 198.18.0.1' frame.number | head -n 1)
first_ans=$(wire_fields 'nbns.type == 33 && nbns.flags.response == 1 && ip.src == 198.18.0.1 && ip.dst == 198.18.0.2' frame.number | head -n 1)
[ -n "$first_req" ] && [ -n "$first_ans" ] ||
  fail "no node-status request/answer between h2 and h1 on the wire"
[ "$first_req" -lt "$first_ans" ] && [ "$first_ans" -lt "$first_dgm" ] ||
  fail "order: request frame $first_req, answer $first_ans, datagram $first_dgm"
msg "node status (frames $first_req, $first_ans) before the datagram ($first_dgm)"

to3=$(wire_fields 'nbdgm && ip.dst == 198.18.0.3' nbdgm.destination_name |
  sort -u)
case $to3 in
'*<00>'*) msg "to h3: destination name $to3" ;;
*) fail "destination name of the datagrams to 198.18.0.3: got '$to3'" ;;
esac
expect_eq "datagrams to 198.18.0.3" \
  "$(capture_count 'nbdgm && ip.dst == 198.18.0.3')" 2
capture_has 'nbns.type == 33 && ip.src == 198.18.0.2 && ip.dst == 198.18.0.3' 1 ||
  fail "h2 did not ask h3 for its node status"
[ "$(capture_count 'nbns && ip.src == 198.18.0.3')" = 0 ] ||
  fail "h3 answered on UDP 137 (it should have nothing there)"
# What h3 got is a datagram: DIRECT_UNIQUE (0x10) both times.
expect_eq "datagram types at h3" "$(cut -c1-2 "$raw" | sort -u)" 10

pass "to 198.18.0.1: H1<00> (daemon, cached; direct); no node status: *<00>"
