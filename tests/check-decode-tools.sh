#!/bin/sh
# `mailslot decode` and `mailslot sniff` end to end (issue 3):
#  - every capture in captures/ decodes with exit 0, text and --json, and
#    yields one line per packet tshark counts as nbns or nbdgm (when tshark
#    is installed), with tshark's frame numbers and relative times;
#  - every --json line parses (python3 json.loads);
#  - `-` reads standard input; --stats prints the tables and the hosts;
#  - a missing file, a non-capture and a capture cut mid-record give exit 3,
#    and do not stop the other files of the run;
#  - the same packets under every link type (SLL, SLL2, raw IPv4, NULL,
#    LOOP, stacked VLAN) decode identically; IPv4 fragments (with options)
#    and NetBIOS datagram fragments are reassembled; snap-length cuts are
#    reported as errors (tests/make-link-variants.py makes these inputs);
#  - as root: `mailslot sniff -i lo -c 3 -w FILE` sees three UDP 138
#    packets sent to 127.0.0.1 (in a network namespace of its own, so the
#    suite's other traffic on lo is not seen), prints them, saves them and
#    exits 0.
set -u
builddir=${MSL_BUILDDIR:-.}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
caps=${MSL_CAPTURES_DIR:-$srcdir/captures}
bin=${MAILSLOT:-$builddir/tools/mailslot}
[ -x "$bin" ] || { echo "check-decode-tools: $bin not built"; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

have_tshark=0
command -v tshark >/dev/null && have_tshark=1
[ $have_tshark = 1 ] || echo "note: tshark missing, frame-list comparison skipped"

# 1. every capture: exit 0, JSON valid, frames and times as tshark's
for f in "$caps"/*.pcap "$caps"/*.pcapng; do
  [ -f "$f" ] || continue
  b=$(basename "$f")
  "$bin" decode --no-progress "$f" > "$tmp/out.txt" || { bad "$b: text exit $?"; continue; }
  "$bin" decode --json "$f" > "$tmp/out.jsonl" || { bad "$b: json exit $?"; continue; }
  python3 - "$tmp/out.jsonl" > "$tmp/frames" <<'PY' || { bad "$b: invalid JSON"; continue; }
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    print('%d %.6f' % (o['frame'], o['time']))
PY
  n_txt=$(wc -l < "$tmp/out.txt"); n_json=$(wc -l < "$tmp/out.jsonl")
  [ "$n_txt" = "$n_json" ] || bad "$b: $n_txt text lines, $n_json JSON lines"
  if [ $have_tshark = 1 ]; then
    tshark -r "$f" -Y 'nbns or nbdgm' -T fields -e frame.number \
      -e frame.time_relative 2>/dev/null |
      awk '{ i = index($2, "."); print $1, substr($2, 1, i + 6) }' > "$tmp/tframes"
    if cmp -s "$tmp/frames" "$tmp/tframes"; then
      ok "$b: $n_json packets, frames and times as tshark"
    else
      bad "$b: frame/time list differs from tshark"
      diff "$tmp/frames" "$tmp/tframes" | head -5
    fi
  else
    ok "$b: $n_json packets"
  fi
done

# 2. standard input
f=$caps/windows-xp-browse-eapon1.pcap
"$bin" decode "$f" > "$tmp/a" && "$bin" decode - < "$f" > "$tmp/b" &&
  cmp -s "$tmp/a" "$tmp/b" && [ -s "$tmp/a" ] && ok "stdin (-) as the file" ||
  bad "stdin (-) output differs"

# 3. --stats
"$bin" decode -q --stats "$f" "$caps/samba-nmbd-lan.pcap" > "$tmp/st"
rc=$?
if [ $rc = 0 ] && grep -q '^hosts' "$tmp/st" && grep -q 'DJP95S0J .*192.168.1.249 .*5\.1 .*0x00051003 ARBEITSGRUPPE' "$tmp/st" &&
   grep -q 'LABSAMBA .*198.18.5.1 .*"oracle nmbd"' "$tmp/st" &&
   grep -q '^mailslots' "$tmp/st" && grep -q 'HostAnnouncement' "$tmp/st" &&
   grep -q 'LOGON_PRIMARY_QUERY' "$tmp/st"; then
  ok "--stats tables and hosts"
else
  bad "--stats output (exit $rc)"; cat "$tmp/st"
fi

# 4. unreadable inputs: exit 3, the other files still decoded
echo "not a capture" > "$tmp/junk.pcap"
head -c 5000 "$caps/samba-nmbd-lan.pcap" > "$tmp/cut.pcap"
"$bin" decode "$tmp/missing.pcap" "$tmp/junk.pcap" "$tmp/cut.pcap" \
  "$caps/malformed-fuzzed-2005-lan-ndpi.pcap" "$caps/truncated-nbns-valgrind.pcap" \
  > "$tmp/o" 2> "$tmp/e"
rc=$?
n=$(wc -l < "$tmp/o")
if [ $rc = 3 ] && [ "$(wc -l < "$tmp/e")" = 3 ] && [ "$n" -gt 100 ] &&
   grep -q 'error' "$tmp/o"; then
  ok "bad files: exit 3, 3 messages, $n lines from the rest"
else
  bad "bad files: exit $rc, $n lines"; cat "$tmp/e"
fi
"$bin" decode "$caps/malformed-fuzzed-2005-lan-ndpi.pcap" > /dev/null &&
  ok "malformed packets: exit 0" || bad "malformed packets: exit $?"
"$bin" decode > /dev/null 2>&1; [ $? = 2 ] && ok "no file: exit 2" || bad "no file: not exit 2"
"$bin" decode --bogus "$f" > /dev/null 2>&1; [ $? = 2 ] && ok "bad option: exit 2" || bad "bad option: not exit 2"

# 5. link types, IPv4 and NetBIOS reassembly, snap length
python3 "$srcdir/tests/make-link-variants.py" "$f" "$tmp" || bad "make-link-variants"
"$bin" decode "$tmp/eth.pcap" > "$tmp/eth.txt"
for v in sll sll2 raw ipv4 null loop vlan ipfrag; do
  "$bin" decode "$tmp/$v.pcap" > "$tmp/$v.txt"
  if [ $? = 0 ] && [ -s "$tmp/$v.txt" ] && cmp -s "$tmp/eth.txt" "$tmp/$v.txt"; then
    ok "$v: same $(wc -l < "$tmp/$v.txt") lines as Ethernet"
  else
    bad "$v: output differs from Ethernet"; diff "$tmp/eth.txt" "$tmp/$v.txt" | head -4
  fi
done
"$bin" decode --json "$tmp/dgmfrag.pcap" > "$tmp/df.jsonl"
python3 - "$tmp/df.jsonl" <<'PY' && ok "NetBIOS datagram fragments reassembled" || bad "NetBIOS datagram fragments"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) % 3 == 0 and lines, len(lines)
for i in range(0, len(lines), 3):
    a, b, whole = lines[i:i + 3]
    assert a['nbdgm']['first'] and a['nbdgm']['more'], a
    assert not b['nbdgm']['first'] and not b['nbdgm']['more'], b
    assert 'browse' in whole and 'error' not in whole, whole
    assert whole['frame'] == b['frame']
print(len(lines) // 3, 'datagrams')
PY
"$bin" decode --json "$tmp/snap.pcap" > "$tmp/snap.jsonl"; rc=$?
[ $rc = 0 ] && python3 - "$tmp/snap.jsonl" <<'PY' &&
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines and all('error' in o for o in lines)
PY
  ok "snap length: every packet has an error, exit 0" ||
  bad "snap length (exit $rc)"

# 5b. packets quoted in ICMP errors (captures/icmp-unreachable-nbt-netns.pcap):
# decoded under "quoted", never counted as traffic by --stats.
icmp=$caps/icmp-unreachable-nbt-netns.pcap
if [ -f "$icmp" ]; then
  "$bin" decode --json "$icmp" >"$tmp/icmp.jsonl" &&
    python3 - "$tmp/icmp.jsonl" <<'PY' && ok "ICMP-quoted packets: 8 of 16, marked" ||
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
q = [o for o in rows if "quoted" in o]
assert len(rows) == 16 and len(q) == 8, (len(rows), len(q))
for o in q:
    assert "sport" not in o and o["quoted"]["icmp_name"] == "port unreachable", o
    assert "nbns" in o or "nbdgm" in o, o
PY
    bad "ICMP-quoted packets: $(head -c 300 "$tmp/icmp.jsonl")"
  st=$("$bin" decode --stats "$icmp" 2>&1 | sed -n '/====/,$p')
  echo "$st" | grep -q "NetBIOS packets 8 (truncated 0), reassembled datagrams 0, quoted in ICMP errors 8" &&
    echo "$st" | grep -Eq '^ +6  nbns query$' &&
    echo "$st" | grep -Eq '^ +2  \\MAILSLOT\\icmp$' &&
    ok "--stats leaves quoted packets out" || bad "--stats with quoted packets: $st"
fi

# 6. live capture on lo
if [ "$(id -u)" != 0 ]; then
  echo "SKIP sniff: not root (capturing on lo needs root or CAP_NET_RAW)"
else
  # In a network namespace of its own: lo there carries only what this
  # test sends (the suite's other tests use the host's lo at the same time).
  cat > "$tmp/send.py" <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# Someone receives them (we do): no ICMP port
# unreachable quoting them (sniff would show those too).
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    r.bind(('127.0.0.1', 138))
except OSError:
    pass
# A DIRECT_GROUP datagram: \MAILSLOT\BROWSE AnnouncementRequest from HOST1
# (windows-xp-browse-eapon1.pcap frame 1, names re-encoded).
def nb(name, suffix):
    raw = name.ljust(15).encode() + bytes([suffix])
    return bytes([32]) + bytes(
        c for b in raw for c in (0x41 + (b >> 4), 0x41 + (b & 15))) + b'\0'
data = b'\x02\x00HOST1\x00'
smb = (b'\xffSMB\x25' + b'\0' * 27 + bytes([17]) +
       bytes.fromhex('0000') + len(data).to_bytes(2, 'little') +
       b'\0' * 4 + (1000).to_bytes(4, 'little') + b'\0' * 4 +
       len(data).to_bytes(2, 'little') + b'\0\0' + b'\0\0' +
       len(data).to_bytes(2, 'little') + (86).to_bytes(2, 'little') +
       b'\x03\x00' + b'\x01\x00\x01\x00\x02\x00' +
       (17 + len(data)).to_bytes(2, 'little') + b'\\MAILSLOT\\BROWSE\0' + data)
names = nb('HOST1', 0) + nb('WG', 0x1d)
hdr = (bytes([0x11, 0x02]) + (7).to_bytes(2, 'big') + bytes([127, 0, 0, 1]) +
       (138).to_bytes(2, 'big') + len(names + smb).to_bytes(2, 'big') + b'\0\0')
for i in range(3):
    s.sendto(hdr + names + smb, ('127.0.0.1', 138))
    time.sleep(0.05)
PY
  unshare -n sh -c '
    ip link set lo up || exit 9
    "$1" sniff -i lo -c 3 -w "$2/live.pcap" --json > "$2/live.jsonl" 2> "$2/live.err" &
    pid=$!
    sleep 1
    python3 "$2/send.py"
    i=0
    while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if kill -0 $pid 2>/dev/null; then kill -INT $pid; fi
    wait $pid' sh "$bin" "$tmp"
  rc=$?
  if [ $rc = 0 ] && [ "$(wc -l < "$tmp/live.jsonl")" = 3 ] &&
     python3 -c "
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l); assert o['dport'] == 138 and 'nbdgm' in o, o
" "$tmp/live.jsonl" && grep -q 'dropped' "$tmp/live.err" &&
     [ "$("$bin" decode "$tmp/live.pcap" | wc -l)" = 3 ]; then
    ok "sniff -i lo -c 3 -w: 3 packets shown and saved"
  else
    bad "sniff on lo (exit $rc)"; cat "$tmp/live.err" "$tmp/live.jsonl"
  fi
fi
exit $fail
