#!/usr/bin/env bash
# Issue 6 proof items 4-7 against Samba's nmbd: h1 runs nmbd (workgroup
# $NS_WG, local/domain master, domain logons), h2 runs mailslotd with host
# announcements sped up (MSL_ANNOUNCE_SCALE, test-only).
#  4. we receive nmbd's host / local master announcements in \MAILSLOT\BROWSE
#  5. our host appears in nmbd's browse list (browse.dat)
#  6. `mailslot dc-ping WORKGROUP` gets nmbd's netlogon reply
#  7. `mailslot browse` lists nmbd's host and workgroup
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/samba-lib.sh"
ns_require_root
ns_require_tools
samba_require
netns_setup 2

S=$NS_TMP/samba
smb_conf "$S" SAMBA1 "domain logons = yes" "domain master = yes" \
  "local master = yes" "preferred master = yes" "os level = 65" \
  "server string = msl interop nmbd" "smb ports = 445"
nmbd_start 1 "$S" 2 138 "$S/nmbd.out"
msg "nmbd $(nmbd --version) up (pid $NMBD_PID)"

export MSL_ANNOUNCE_SCALE=30 # 60 s -> 2 s between our announcements
daemon_start 2 --comment "msl interop host"

# 4 + 7: nmbd becomes local master after its election (~tens of seconds);
# browse until it has announced itself as local master.
out=$(h_dir 2)/browse.json
got4=0
for i in $(seq 1 12); do
  hx 2 "$MAILSLOT" browse --workgroup "$NS_WG" --wait 10 --json \
    >>"$out" 2>>"$out.err" || true
  if grep -q '"name":"SAMBA1"' "$out" &&
    grep -q '"local_master":true' "$out"; then
    got4=1
    break
  fi
done
[ "$got4" = 1 ] || {
  cat "$out" "$out.err" >&2
  fail "item 4/7: no local master announcement from SAMBA1"
}
python3 - "$out" <<'PY' || fail "item 4: announcements do not decode as expected"
import json, sys
hosts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = [h for h in hosts if h.get("name") == "SAMBA1" and h["kind"] == "host"]
assert s, "no SAMBA1"
assert any(h["server_type"] & 0x00040000 for h in s), "no MASTER_BROWSER bit"
assert any(h["comment"] == "msl interop nmbd" for h in s), "comment"
w = [h for h in hosts if h["kind"] == "workgroup" and h["name"] == "MSLTEST"]
assert any(h["master"] == "SAMBA1" for h in w), "workgroup MSLTEST/SAMBA1"
PY
msg "items 4, 7: SAMBA1 is local master of $NS_WG (decoded announcements)"

# 5: our host in nmbd's browse list.
in_browse() { grep -rqi '^"H2"' "$S" --include=browse.dat 2>/dev/null; }
wait_for 120 "H2 in nmbd's browse.dat" in_browse
msg "item 5: $(grep -rhi '^"H2"' "$S" --include=browse.dat | head -1)"

# 6: netlogon ping.
dc=$(hx 2 "$MAILSLOT" dc-ping "$NS_WG" --wait 5 --json) ||
  fail "item 6: dc-ping got no reply"
echo "$dc" | grep -q '"dc":"SAMBA1"' || fail "item 6: unexpected reply: $dc"
msg "item 6: $dc"
pass "items 4-7 against $(nmbd --version)"
