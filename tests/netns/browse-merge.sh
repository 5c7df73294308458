#!/usr/bin/env bash
# Issue 12 item 5: `mailslot browse` lists a host once, however often and
# by however many paths it is heard.
#   h1, h2: two LANs, 198.18.0.0/24 (eth0, br0) and 198.18.1.0/24 (eth1,
#           br1); a mailslotd on each, on both interfaces.
# h2 announces itself on both (every 2 s: MSL_ANNOUNCE_SCALE), so h1's
# daemon delivers each announcement twice (two addresses, two DGM_IDs: not
# duplicates) to \MAILSLOT\BROWSE, and over --wait several times more.
# browse on h1 must print H2 once, the newest announcement, heard >= 2.
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
netns_setup 2
ns_iface_add 1 eth1 br1 198.18.1.1/24 198.18.1.255
ns_iface_add 2 eth1 br1 198.18.1.2/24 198.18.1.255
capture_start # br0; and br1 into its own file:
brx_bg tcpdump -i br1 -U --immediate-mode -Z root -s 2048 \
  -w "$NS_TMP/br1.pcap" 'udp port 138' >"$NS_TMP/tcpdump1.log" 2>&1 &
T1=$!
ns_track "$T1"
wait_for 10 "tcpdump on br1" grep -q 'listening on' "$NS_TMP/tcpdump1.log"

DAEMON_IF= daemon_start 1 --no-announce
export MSL_ANNOUNCE_SCALE=30 # 60 s -> 2 s between h2's announcements
DAEMON_IF= daemon_start 2 --comment "heard two ways"
unset MSL_ANNOUNCE_SCALE

out=$(h_dir 1)/browse.json
hx 1 "$MAILSLOT" browse --workgroup "$NS_WG" --wait 6 --json \
  >"$out" 2>"$out.err" || fail "mailslot browse failed: $(cat "$out.err")"
msg "browse: $(tr '\n' ' ' <"$out")"
python3 - "$out" <<'PY' || fail "H2 is not listed once: $(cat "$out")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
h2 = [r for r in rows if r["kind"] == "host" and r["name"] == "H2"]
assert len(h2) == 1, h2
h = h2[0]
assert h["heard"] >= 2, h
assert h["workgroup"] == "MSLTEST", h
assert h["comment"] == "heard two ways", h
assert h["ip"] in ("198.18.0.2", "198.18.1.2"), h
PY
capture_stop
kill -TERM "$T1"
wait_exit "$T1" 10 || true
# The paths were real: h2's announcements left by both interfaces.
n=$(capture_count "ip.src == 198.18.0.2 && browser.command == 0x01")
[ "$n" -ge 1 ] || fail "no HostAnnouncement from 198.18.0.2 on br0"
n=$(tshark -r "$NS_TMP/br1.pcap" -Y \
  "ip.src == 198.18.1.2 && browser.command == 0x01" 2>/dev/null | grep -c .)
[ "$n" -ge 1 ] || fail "no HostAnnouncement from 198.18.1.2 on br1"
pass "H2 listed once, heard $(python3 -c 'import json,sys
print([json.loads(l) for l in open(sys.argv[1]) if "\"H2\"" in l][0]["heard"])' "$out") times"
