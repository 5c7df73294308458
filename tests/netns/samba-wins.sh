#!/usr/bin/env bash
# Issue 12, new capability: mailslotd as an H-node WINS client, with
# Samba's nmbd (wins support = yes) as the WINS server, across a router.
#
#   subnet A 198.18.1.0/24 (bridge brA)      subnet B 198.18.2.0/24 (brB)
#     h1 198.18.1.1  mailslotd H1              h4 198.18.2.4  mailslotd H4
#     h2 198.18.1.2  nmbd, the WINS server     h5 198.18.2.5  a newcomer
#     h3 198.18.1.3 = router = 198.18.2.3 (ip_forward)
#
# Broadcasts stay on their subnet, so only WINS can join H1 and H4:
#  1. both register with nmbd (nmblookup -U WINS --recursion finds them from the
#     other subnet; --status says "registered"; nmbd's wins.dat lists them
#     when it stops), and keep their names there by refreshing (nmbd grants
#     20 s here, so a name not refreshed would be gone by the time we ask);
#  2. each daemon resolves the other through WINS (control "resolve");
#  3. \\H4\mailslot\x written in h1 reaches a slot in h4, and back;
#  4. a newcomer in h5 asking for H1 is refused: nmbd WACKs it and
#     challenges h1, which answers as the owner; the newcomer reports H1<00>
#     in conflict (status, log) and runs on with its other names;
#  5. a daemon stopped with SIGTERM releases its names: nmbd then answers
#     NAM_ERR for them (nmblookup finds nothing).
# On the wire (bridge brA): registrations 0x2900, WACK 0xBC00, the challenge
# 0x0000 and its answer 0x8500, ACT_ERR 0xAD86, refreshes 0x4000, releases
# 0x3000; nothing malformed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/samba-lib.sh"
samba_lan 5

A=198.18.1
B=198.18.2
WINS=$A.2
IP1=$A.1
IP4=$B.4
IP5=$B.5

# ---- two subnets and a router ------------------------------------------------
for n in 1 2; do ns_host_move "$n" brA "$A"; done
for n in 4 5; do ns_host_move "$n" brB "$B"; done
ns_host_move 3 brA "$A"
ns_iface_add 3 eth1 brB "$B.3/24" "$B.255"
ip netns exec "$(h_ns 3)" sysctl -qw net.ipv4.ip_forward=1 ||
  hard_error "ip_forward in the router"
for n in 1 2; do ip -n "$(h_ns "$n")" route add "$B.0/24" via "$A.3"; done
for n in 4 5; do ip -n "$(h_ns "$n")" route add "$A.0/24" via "$B.3"; done
# Names come from NetBIOS only: no /etc/hosts entry for hN any more.
for n in 1 2 3 4 5; do
  echo "127.0.0.1 localhost" >"/etc/netns/$(h_ns "$n")/hosts"
done
# routed: h4 and h1 have sent each other a datagram and the router knows
# both (its neighbour table), as ns_arp_ok for one LAN.
routed() {
  hx 4 bash -c "exec 3<>/dev/udp/$IP1/9 && echo x >&3" 2>/dev/null
  hx 1 bash -c "exec 3<>/dev/udp/$IP4/9 && echo x >&3" 2>/dev/null
  ip -n "$(h_ns 3)" neigh show | grep -E "^($IP1|$IP4) " |
    grep -cE 'REACHABLE|STALE|DELAY' | grep -qx 2
}
wait_for 10 "h1 and h4 to reach each other through the router" routed
capture_start brA

# ---- nmbd as the WINS server ---------------------------------------------------
# TTLs of 20 s: a name is kept only by refreshing it.
smb_conf "$S" WINSRV "wins support = yes" "min wins ttl = 20" \
  "max wins ttl = 20" "local master = no"
smb_conf "$C" CLIENT5 "name resolve order = wins" "wins server = $WINS"
nmbd_start 2 "$S" 3 137 "$NS_TMP/nmbd.log"
# wins_lookup N NAME: nmblookup in host N asks the WINS server (unicast,
# RD) for NAME; prints its answer lines.
wins_lookup() {
  hx "$1" nmblookup -s "$C/smb.conf" -U "$WINS" --recursion "$2" 2>&1
}
# Its own names enter its WINS database once it serves WINS (they expire
# after the 20 s: nmbd refreshes its own at max ttl / 2).
wins_up() { grep -q 'to subnet WINS_SERVER_SUBNET' "$NS_TMP/nmbd.log"; }
wait_for 30 "nmbd to serve WINS" wins_up
msg "$(nmbd --version) is the WINS server in h2 (pid $NMBD_PID)"

# ---- 1. registration ---------------------------------------------------------
# Our floor for granted TTLs, lowered to nmbd's 20 s (test-only; the
# default, 300 s, would refresh at 150 s).
export MSL_SERVICE_WINS_TTL_MIN=20
daemon_start 1 --wins "$WINS"
daemon_start 4 --wins "$WINS"
wins_line() { daemon_status "$1" | grep "^wins_name $2 "; }
wins_state() { wins_line "$1" "$2" | grep -q "^wins_name $2 $3 "; }
for n in 1 4; do
  for nm in "H$n<00>" "$NS_WG<00>"; do
    wait_for 15 "h$n: $nm registered with WINS" wins_state "$n" "$nm" \
      "registered $WINS"
  done
done
msg "1: $(wins_line 1 'H1<00>')"
msg "1: $(wins_line 4 'H4<00>')"
# From the other subnet, WINS knows each (broadcasts could not tell).
out=$(wins_lookup 5 H1)
echo "$out" | grep -q "^$IP1 H1<00>" || fail "1: WINS does not know H1: $out"
out=$(wins_lookup 1 H4)
echo "$out" | grep -q "^$IP4 H4<00>" || fail "1: WINS does not know H4: $out"
msg "1: nmblookup -U $WINS --recursion finds H1 ($IP1) and H4 ($IP4)"

# Kept alive: two refreshes (20 s) later nmbd still has H1 (its entry
# would have expired at 20 s).
refreshed() { [ "$(status_counter 1 ns_wins_refreshed)" -ge "$1" ]; }
wait_for 40 "h1 to refresh its names twice" refreshed 4
out=$(wins_lookup 5 H1)
echo "$out" | grep -q "^$IP1 H1<00>" ||
  fail "1: H1 expired at WINS although refreshed: $out"
msg "1: refreshed ($(status_counter 1 ns_wins_refreshed) refreshes);" \
  "H1 still known 20+ s after its registration"

# ---- 2. resolution through WINS ------------------------------------------------
resolve() { # N NAME: the daemon's answer to "resolve NAME"
  hx "$1" python3 "$NS_SRCDIR/ctl.py" "$NS_TMP/res$1" "resolve $2" \
    2>>"$NS_TMP/res$1.err"
  cat "$NS_TMP/res$1"
}
r=$(resolve 1 H4)
expect_eq "2: h1 resolves H4" "${r% *}" "ok $IP4"
r=$(resolve 4 H1)
expect_eq "2: h4 resolves H1" "${r% *}" "ok $IP1"
msg "2: h1 resolves H4 and h4 resolves H1 through WINS ($r)"

# ---- 3. a mailslot write across the router ---------------------------------------
out4=$(h_dir 4)/x.json
listen_start 4 '\\.\mailslot\x' "$out4"
msl_send 1 '\\H4\mailslot\x' 'from subnet A'
wait_for 10 "h4's reader to get the message from h1" lines_at_least "$out4" 1
expect_eq "3: message at h4" "$(json_field "$out4" 1 data)" "from subnet A"
out1=$(h_dir 1)/x.json
listen_start 1 '\\.\mailslot\x' "$out1"
msl_send 4 '\\H1\mailslot\x' 'from subnet B'
wait_for 10 "h1's reader to get the message from h4" lines_at_least "$out1" 1
expect_eq "3: message at h1" "$(json_field "$out1" 1 data)" "from subnet B"
msg "3: \\\\H4\\mailslot\\x from h1 and \\\\H1\\mailslot\\x from h4 delivered"

# ---- 4. a name held by a live owner is refused -------------------------------------
daemon_start 5 --name H1 --wins "$WINS" --no-announce
pid5=$DAEMON_PID
wait_for 20 "h5: H1<00> refused by WINS" wins_state 5 'H1<00>' \
  "refused $WINS"
daemon_status 5 | grep -qx "wins_name H1<00> refused $WINS rcode 6" ||
  fail "4: $(wins_line 5 'H1<00>')"
daemon_status 5 | grep -qx "ns_name H1<00> conflict $WINS" ||
  fail "4: h5's status: $(daemon_status 5 | grep '^ns_name')"
grep -q "name conflict: H1<00> was refused by the WINS server $WINS" \
  "$(h_dir 5)/mailslotd.log" || fail "4: no conflict in h5's log"
[ "$(status_counter 5 ns_wins_wacks)" -ge 1 ] ||
  fail "4: nmbd sent no WACK while it asked the owner"
wait_for 15 "h5: $NS_WG<00> registered" wins_state 5 "$NS_WG<00>" \
  "registered $WINS"
kill -0 "$pid5" 2>/dev/null || fail "4: the newcomer stopped"
out=$(wins_lookup 4 H1)
echo "$out" | grep -q "^$IP1 H1<00>" || fail "4: WINS lost H1's owner: $out"
[ "$(status_counter 1 ns_queries_answered)" -ge 1 ] ||
  fail "4: h1 answered no query (nmbd's challenge)"
msg "4: $(wins_line 5 'H1<00>'); h5 runs on; H1 is still $IP1"

# ---- 5. the stop releases the names ----------------------------------------------
daemon_stop 4 || fail "5: mailslotd h4 exit status $?"
out=$(wins_lookup 5 H4)
echo "$out" | grep -q "^$IP4 " && fail "5: WINS still answers for H4: $out"
echo "$out" | grep -q "failed to find name H4" ||
  fail "5: unexpected answer for H4: $out"
msg "5: h4 stopped; nmblookup H4: $(echo "$out" | tail -n 1)"
daemon_stop 5 || fail "5: mailslotd h5 exit status $?"

# ---- the wire, and nmbd's wins.dat ---------------------------------------------
capture_stop 'nbns.flags == 0x3000 && ip.src == 198.18.2.4' 2
c() { capture_count "$1"; }
ge() { [ "$(c "$2")" -ge "$3" ] || fail "wire: $1: $(c "$2") < $3"; }
ge "registrations from h1" "nbns.flags == 0x2900 && ip.src == $IP1 && ip.dst == $WINS" 2
ge "registrations from h4 (routed)" "nbns.flags == 0x2900 && ip.src == $IP4 && ip.dst == $WINS" 2
ge "WACK to h5" "nbns.flags == 0xbc00 && ip.src == $WINS && ip.dst == $IP5" 1
ge "the challenge of h1" "nbns.flags == 0x0000 && ip.src == $WINS && ip.dst == $IP1 && nbns.name == \"H1<00>\"" 1
ge "h1's answer to it" "nbns.flags == 0x8500 && ip.src == $IP1 && ip.dst == $WINS" 1
ge "ACT_ERR to h5" "nbns.flags == 0xad86 && ip.src == $WINS && ip.dst == $IP5" 1
ge "refreshes from h1" "nbns.flags == 0x4000 && ip.src == $IP1 && ip.dst == $WINS" 4
ge "releases from h4" "nbns.flags == 0x3000 && ip.src == $IP4 && ip.dst == $WINS" 2
bad=$(c 'nbns && (_ws.malformed || _ws.expert.severity >= 0x600000)')
expect_eq "malformed name-service packets" "$bad" 0
msg "wire: $(c 'nbns.flags == 0x2900') registrations, $(c 'nbns.flags == 0x4000')" \
  "refreshes, WACK, challenge, ACT_ERR, $(c 'nbns.flags == 0x3000') releases"
# nmbd writes wins.dat when it stops (else every 2 minutes).
kill -TERM "$NMBD_PID"
wait_exit "$NMBD_PID" 15 || true
dat=$S/state/wins.dat
[ -s "$dat" ] || fail "nmbd wrote no $dat"
grep -Eq "^\"H1#00\" [0-9]+ $IP1 " "$dat" || fail "wins.dat: no H1: $(cat "$dat")"
grep -Eq "^\"H4#00\" [0-9]+ $IP4 " "$dat" || fail "wins.dat: no H4: $(cat "$dat")"
msg "wins.dat: $(grep -E '^"H[14]#00"' "$dat" | tr '\n' ' ')"
kill -0 "$(daemon_pid 1)" || fail "h1's mailslotd died"
pass "H-node registration, refresh, resolution, delivery, refusal and release against $(nmbd --version)"
