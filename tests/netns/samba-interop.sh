#!/usr/bin/env bash
# Issue 12 items 1-4 against Samba's nmbd, measured, not assumed:
#   h1: nmbd SAMBA1 (workgroup $NS_WG, local + domain master, domain logons),
#       debug level 4: its log says what it did with each datagram
#   h2: mailslotd --name TOOLHOST; the tools run here
#   h3: clients (nmblookup as the reference, mailslot resolve / nbstat)
#  1. a datagram whose DGM_LENGTH is short of the packet: nmbd processes it
#     (the SMB's counts are what it trusts), and so does mailslotd;
#  2. nmbd receives at most 576 bytes of UDP payload: a message at the
#     576-byte fit (mailslot info) is processed, one byte more is dropped
#     ("ignoring malformed3"); send warns, --fit576 refuses;
#  3. browse and dc-ping put mailslotd's name on the wire (--name
#     overrides) and get nmbd's replies;
#  4. resolve takes nmblookup's raw-name forms and finds nmbd's
#     __MSBROWSE__<01> as nmblookup -M does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/samba-lib.sh"
samba_lan 3
capture_start

smb_conf "$S" SAMBA1 "name resolve order = bcast" "domain logons = yes" \
  "domain master = yes" "local master = yes" "preferred master = yes" \
  "os level = 65"
smb_conf "$C" CLIENT3 "name resolve order = bcast"
NMBD_LOG=$NS_TMP/nmbd.log
nmbd_start 1 "$S" 4 138 "$NMBD_LOG"
nmbd_wait_name 3 1 SAMBA1
msg "$(nmbd --version) up in h1 (pid $NMBD_PID)"
daemon_start 2 --name TOOLHOST
registered() { [ "$(status_counter 2 ns_overwrites_sent)" -ge 2 ]; }
wait_for 10 "mailslotd h2 to register its names" registered

# nmbd_processed SLOT LEN: nmbd's log has its "process_dgram: datagram
# from ... for SLOT of type T len=LEN" line (DEBUG 4, after its checks).
nmbd_processed() {
  grep -F "for $1 of type" "$NMBD_LOG" | grep -q " len=$2\$"
}
nmbd_dropped() { grep -F "ignoring malformed3" "$NMBD_LOG" | grep -q "len=$1,"; }
xs() { head -c "$1" /dev/zero | tr '\0' x; }

# ---- 2. the 576-byte fit -----------------------------------------------------
P='\\SAMBA1\mailslot\msl12'
info=$(hx 2 "$MAILSLOT" info "$P") || fail "item 2: mailslot info $P failed"
win=$(echo "$info" | sed -n 's/^windows limit: *\([0-9]*\) .*/\1/p')
fit=$(echo "$info" | sed -n 's/^576-byte fit: *\([0-9]*\) .*/\1/p')
expect_eq "item 2: Windows limit of a 5-character name" "$win" 424
expect_eq "item 2: 576-byte fit of a 5-character name" "$fit" 406
msg "item 2: mailslot info: Windows $win, 576-byte fit $fit"
err=$(hx 2 "$MAILSLOT" send "$P" "$(xs "$fit")" 2>&1) ||
  fail "item 2: send of $fit bytes failed: $err"
[ -z "$err" ] || fail "item 2: a message at the fit warned: $err"
wait_for 10 "nmbd to process the $fit-byte message" \
  nmbd_processed '\MAILSLOT\msl12' "$fit"
over=$((fit + 1))
err=$(hx 2 "$MAILSLOT" send "$P" "$(xs "$over")" 2>&1) ||
  fail "item 2: send of $over bytes failed: $err"
echo "$err" | grep -q "warning: .*$over bytes is over the $fit bytes" ||
  fail "item 2: no warning for $over bytes: '$err'"
wait_for 10 "nmbd to drop the $over-byte message (malformed3)" \
  nmbd_dropped "$over"
nmbd_processed '\MAILSLOT\msl12' "$over" &&
  fail "item 2: nmbd processed $over bytes"
# Windows' own limit is dropped just the same.
hx 2 "$MAILSLOT" send "$P" "$(xs "$win")" 2>/dev/null ||
  fail "item 2: send of $win bytes failed"
wait_for 10 "nmbd to drop the $win-byte message" nmbd_dropped "$win"
# --fit576 refuses before sending anything.
if hx 2 "$MAILSLOT" send --fit576 "$P" "$(xs "$over")" 2>"$NS_TMP/fit.err"; then
  fail "item 2: --fit576 sent $over bytes"
fi
grep -q "over the $fit bytes that fit" "$NS_TMP/fit.err" ||
  fail "item 2: --fit576: $(cat "$NS_TMP/fit.err")"
hx 2 "$MAILSLOT" send --fit576 "$P" "$(xs "$fit")" ||
  fail "item 2: --fit576 refused $fit bytes"
wait_for 10 "nmbd to process the second $fit-byte message" eval \
  '[ "$(grep -F "for \MAILSLOT\msl12 of type" "$NMBD_LOG" | grep -c " len=$fit\$")" -ge 2 ]'
msg "item 2: nmbd: $(grep -F 'for \MAILSLOT\msl12' "$NMBD_LOG" | head -1 | sed 's/^ *//')"
msg "item 2: nmbd: $(grep -F "malformed3" "$NMBD_LOG" | head -1 | sed 's/^ *//')"

# ---- 1. a short DGM_LENGTH ---------------------------------------------------
# SENDER<00> -> NAME<00>, \MAILSLOT\SHORT "short length", DGM_LENGTH 20 less
# than the names and the SMB (as tests/make-short-dgm-length.py builds it).
short_dgram() { # DEST-NAME DEST-IP
  python3 - "$1" "$2" <<'PY'
import socket, struct, sys
def nbname(name, sfx):
    raw = name.ljust(15).encode() + bytes([sfx])
    return b"\x20" + bytes(c for b in raw for c in (65 + (b >> 4), 65 + (b & 15))) + b"\0"
def smb(slot, data):
    name = slot.encode() + b"\0"
    doff = (69 + len(name) + 3) & ~3
    words = struct.pack("<BHHHHBBHIHHHHHBBHHHH", 17, 0, len(data), 2, 0, 0, 0,
                        2, 0, 0, 0, doff, len(data), doff, 3, 0, 1, 0, 2,
                        doff - 69 + len(data))
    hdr = b"\xffSMB\x25" + b"\0" * 4 + b"\x18" + struct.pack("<H", 4) + \
        b"\0" * 12 + struct.pack("<HHHH", 0, 0xfeff, 0, 0)
    return hdr + words + name + b"\0" * (doff - 69 - len(name)) + data
names = nbname("SENDER", 0) + nbname(sys.argv[1], 0)
body = smb("\\MAILSLOT\\SHORT", b"short length")
pkt = struct.pack(">BBH4sHHH", 0x10, 0x02, 0x5151,
                  socket.inet_aton("198.18.0.3"), 138,
                  len(names) + len(body) - 20, 0) + names + body
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(pkt, (sys.argv[2], 138))
PY
}
hx 3 bash -c "$(declare -f short_dgram); short_dgram SAMBA1 $(h_ip 1)" ||
  fail "item 1: cannot send to nmbd"
wait_for 10 "nmbd to process the short-length datagram" \
  nmbd_processed '\MAILSLOT\SHORT' 12
listen_start 2 '\\.\mailslot\short' "$NS_TMP/short.json" -c 1
hx 3 bash -c "$(declare -f short_dgram); short_dgram TOOLHOST $(h_ip 2)" ||
  fail "item 1: cannot send to mailslotd"
wait_for 10 "mailslotd to deliver the short-length datagram" \
  lines_at_least "$NS_TMP/short.json" 1
expect_eq "item 1: delivered" "$(json_field "$NS_TMP/short.json" 1 data)" \
  "short length"
expect_eq "item 1: short_length" "$(status_counter 2 short_length)" 1
msg "item 1: a DGM_LENGTH 20 bytes short: nmbd and mailslotd take the message"

# ---- 3 + 4 need nmbd as master browser ---------------------------------------------
is_master() {
  hx 3 nmblookup -s "$C/smb.conf" -B "$NS_BCAST" -M -- - 2>/dev/null |
    grep -q "^$(h_ip 1) "
}
wait_for 150 "nmbd to become master browser (__MSBROWSE__<01>)" is_master
msg "nmbd is master browser: $(hx 3 nmblookup -s "$C/smb.conf" -B "$NS_BCAST" -M -- - 2>/dev/null | tail -1)"

# ---- 3. the daemon's name in the tools' requests -----------------------------
dc=$(hx 2 "$MAILSLOT" dc-ping --json --wait 5) ||
  fail "item 3: dc-ping (no DOMAIN: the daemon's $NS_WG) got no reply"
echo "$dc" | grep -q '"dc":"SAMBA1"' || fail "item 3: dc-ping: $dc"
dc2=$(hx 2 "$MAILSLOT" dc-ping --name OVERRIDE --json --wait 5) ||
  fail "item 3: dc-ping --name OVERRIDE got no reply"
echo "$dc2" | grep -q '"dc":"SAMBA1"' || fail "item 3: dc-ping --name: $dc2"
br=$(hx 2 "$MAILSLOT" browse --json --wait 5) || fail "item 3: browse failed"
echo "$br" | grep -q '"kind":"backup_list","ip":"198.18.0.1"' ||
  fail "item 3: no backup list from nmbd: $br"
msg "item 3: dc-ping: $dc; browse: $(echo "$br" | tr '\n' ' ')"

# ---- 4. raw names ---------------------------------------------------------------
ref=$(hx 3 nmblookup -s "$C/smb.conf" -B "$NS_BCAST" -M -- - 2>/dev/null |
  awk '$1 ~ /^[0-9.]+$/ && /__MSBROWSE__/ { print $1 }' | sort -u | tr '\n' ' ')
[ -n "$ref" ] || fail "item 4: nmblookup -M -- - found nobody"
for form in - __MSBROWSE__ '\x01\x02__MSBROWSE__\x02\x01' \
  '\x01\x02__MSBROWSE__\x02<01>'; do
  out=$(hx 3 "$MAILSLOT" resolve "$form" --timeout 1500 --json) ||
    fail "item 4: mailslot resolve '$form' found nobody"
  got=$(python3 -c 'import json, sys
o = json.loads(sys.argv[1])
assert o["name"] == "\\x01\\x02__MSBROWSE__\\x02<01>", o["name"]
assert all(a["group"] for a in o["answers"]), o
print(" ".join(sorted({a["address"] for a in o["answers"]})) + " ")' "$out") ||
    fail "item 4: resolve '$form': $out"
  expect_eq "item 4: resolve '$form' vs nmblookup -M -- -" "$got" "$ref"
done
txt=$(hx 3 "$MAILSLOT" resolve -) || fail "item 4: resolve - (text)"
echo "$txt" | grep -qF "$(h_ip 1) \\x01\\x02__MSBROWSE__\\x02<01> GROUP" ||
  fail "item 4: resolve - printed: $txt"
st=$(hx 3 "$MAILSLOT" nbstat "$(h_ip 1)") || fail "item 4: nbstat SAMBA1"
echo "$st" | grep -qF '\x01\x02__MSBROWSE__\x02<01>' ||
  fail "item 4: nbstat does not print __MSBROWSE__ escaped: $st"
msg "item 4: resolve -: $txt (nmblookup -M: $ref)"

# ---- on the wire -----------------------------------------------------------------
daemon_stop 2 || fail "mailslotd h2 exit status $?"
capture_stop
# 2: the datagrams were 576 and 577 bytes of UDP payload.
n=$(capture_count "ip.src == 198.18.0.2 && udp.length == 584 && nbdgm.destination_name == \"SAMBA1<00>\"")
[ "$n" -ge 2 ] || fail "item 2: $n datagrams of 576 bytes to SAMBA1 (want 2)"
n=$(capture_count "ip.src == 198.18.0.2 && udp.length == 585")
expect_eq "item 2: datagrams of 577 bytes (one, --fit576 sent none)" "$n" 1
# 3: every request the tools sent (not from port 138) named TOOLHOST<00>,
# but the one with --name.
names=$(wire_fields 'ip.src == 198.18.0.2 && udp.srcport != 138 && nbdgm' \
  nbdgm.source_name | sort | uniq -c | tr -s ' ' | tr '\n' ',')
msg "item 3: source names of the tools' requests: $names"
echo "$names" | grep -Eq '^ ?[0-9]+ OVERRIDE<00>, ?[0-9]+ TOOLHOST<00>,$' ||
  fail "item 3: source names on the wire: $names"
n=$(capture_count 'ip.dst == 198.18.0.2 && smb_netlogon.command == 0x0c')
[ "$n" -ge 2 ] || fail "item 3: nmbd's LOGON_PRIMARY_RESPONSEs: $n"
pass "items 1-4 against $(nmbd --version)"
