#!/usr/bin/env bash
# Issue 15, tests 2, 3 and 4 against Samba (docs/relay.md): three routed
# sites, a relay in each (full mesh), Samba's nmbd in site B (h4, SAMBA1:
# workgroup master, logon server), libmailslot hosts h2 (A) and h8 (B)
# running mailslotd without a relay.
#  2. `mailslot dc-ping MSLTEST` in A gets SAMBA1's netlogon reply from B:
#     the ping crosses as a group datagram, nmbd answers relay B (the
#     re-emitted ping's source), relay B sends the answer back to site A,
#     relay A delivers it to the pinging socket.
#  3. nmbd's host announcements in B appear in `mailslot browse` in A; the
#     hosts of A (and C) appear in nmbd's browse list (browse.dat).
#  4. \\H8\mailslot\relayuni written in A is delivered in B: relay A
#     answers the name query for H8 (NetBIOS proxy: Samba's nmblookup sees
#     the same for SAMBA1) and carries the unicast datagram to site B.
#     And back: \\H2\mailslot\relayuni written in B reaches H2 in A.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay-lib.sh"
. "$(dirname "$0")/samba-lib.sh"
samba_require nmblookup
relay_lan

S=$NS_TMP/samba
C=$NS_TMP/client
smb_conf "$S" SAMBA1 "name resolve order = bcast" "smb ports = 445" \
  "domain logons = yes" "domain master = yes" "local master = yes" \
  "preferred master = yes" "os level = 65" "server string = msl relay nmbd"
smb_conf "$C" CLIENT2 "name resolve order = bcast" "smb ports = 445"
nmbd_start 4 "$S" 2 138 "$NS_TMP/nmbd.log"
msg "$(nmbd --version) in h4 (site B)"

export MSL_ANNOUNCE_SCALE=30 # our hosts announce every 2 s (test-only)
relay_start 1 --relay-peer "$(relay_addr 3)" --relay-peer "$(relay_addr 5)"
relay_start 3 --relay-peer "$(relay_addr 5)"
relay_start 5
daemon_start 2
daemon_start 8
wait_for 20 "A-B up" link_up 1 B
wait_for 20 "A-C up" link_up 1 C
wait_for 20 "B-C up" link_up 3 C

# ---- 2. dc-ping from A, answered by nmbd in B ---------------------------
dc_ok() {
  DC=$(hx 2 "$MAILSLOT" dc-ping "$NS_WG" --wait 3 --json 2>>"$NS_TMP/dc.err")
}
wait_for 60 "a netlogon reply from SAMBA1 in site B" dc_ok
echo "$DC" | grep -q '"dc":"[\\]*SAMBA1"' ||
  fail "test 2: unexpected reply: $DC"
[ "$(status_counter 3 relay_to_origin)" -ge 1 ] ||
  fail "test 2: relay B sent no reply back to its origin site"
[ "$(status_counter 1 relay_delivered)" -ge 1 ] ||
  fail "test 2: relay A delivered no reply"
msg "test 2: dc-ping in A: $(echo "$DC" | head -n 1)"

# ---- 3. browsing across sites --------------------------------------------
browse_ok() {
  hx 2 "$MAILSLOT" browse --workgroup "$NS_WG" --wait 4 --json \
    >"$NS_TMP/browse.json" 2>>"$NS_TMP/browse.err"
  grep -q '"name":"SAMBA1"' "$NS_TMP/browse.json"
}
wait_for 60 "SAMBA1's announcement in mailslot browse in A" browse_ok
python3 - "$NS_TMP/browse.json" <<'PY' || fail "test 3: announcements do not decode as expected"
import json, sys
hosts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = [h for h in hosts if h.get("name") == "SAMBA1" and h["kind"] == "host"]
assert s and any(h["comment"] == "msl relay nmbd" for h in s), s
PY
msg "test 3: mailslot browse in A lists $(grep -o '"name":"[^"]*"' "$NS_TMP/browse.json" | sort -u | cut -d'"' -f4 | tr '\n' ' ')"
in_browse_dat() {
  local f
  f=$(find "$S" -name browse.dat 2>/dev/null | head -n 1)
  [ -n "$f" ] && grep -q '^"H2"' "$f" && grep -q '^"H1"' "$f" &&
    grep -q '^"H5"' "$f"
}
wait_for 80 "H1, H2 (site A) and H5 (site C) in nmbd's browse.dat" in_browse_dat
msg "test 3: nmbd's browse list: $(grep -ho '^"[^"]*"' "$(find "$S" -name browse.dat | head -n 1)" | tr -d '"' | tr '\n' ' ')"

# ---- 4. a unicast write across sites, and back ----------------------------
listen_start 8 '\\.\mailslot\relayuni' "$NS_TMP/h8.out"
listen_start 2 '\\.\mailslot\relayuni' "$NS_TMP/h2.out"
msl_send 2 '\\H8\mailslot\relayuni' unicast-a-to-h8
wait_for 10 "the write from A at H8" lines_at_least "$NS_TMP/h8.out" 1
msl_send 8 '\\H2\mailslot\relayuni' unicast-b-to-h2
wait_for 10 "the write from B at H2" lines_at_least "$NS_TMP/h2.out" 1
sleep 1
expect_eq "writes at H8" "$(count_lines "$NS_TMP/h8.out")" 1
expect_eq "writes at H2" "$(count_lines "$NS_TMP/h2.out")" 1
expect_eq "datagram type at H8" "$(json_field "$NS_TMP/h8.out" 1 dgram_type)" 16
expect_eq "source name at H8" "$(json_field "$NS_TMP/h8.out" 1 source_name)" "H2<00>"
expect_eq "source address at H8 (relay B)" \
  "$(json_field "$NS_TMP/h8.out" 1 source_ip)" "$(rip 3)"
[ "$(status_counter 1 relay_proxy_answers)" -ge 1 ] ||
  fail "test 4: relay A answered no name query for another site's host"
res=$(hx 2 "$MAILSLOT" resolve H8 --json) || fail "test 4: resolve H8 in A"
echo "$res" | grep -q "$(rip 1)" || fail "test 4: H8 resolves in A to $res"
nl=$(hx 2 nmblookup -s "$C/smb.conf" -B 198.18.1.255 SAMBA1 2>&1)
echo "$nl" | grep -q "^$(rip 1) SAMBA1<00>" ||
  fail "test 4: nmblookup SAMBA1 in A: $nl"
msg "test 4: \\\\H8 from A and \\\\H2 from B delivered; in A, H8 and SAMBA1 resolve to relay A ($(rip 1)): $(echo "$nl" | tail -n 1)"
pass "dc-ping, browsing both ways and unicast writes across routed sites with Samba"
