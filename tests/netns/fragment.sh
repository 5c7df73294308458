#!/usr/bin/env bash
# Scenario: size limits and RFC 1002 fragmentation. Without asking, a
# message over the Windows cap is refused with a clear error (424 bytes is
# the most for a 5-8 character name, MS-MAIL <2>; protocol-notes §4.4); a
# 60-KiB message sent with fragmentation explicitly asked arrives whole.
# Issue 5, "Sending" and "Receiving" (reassembly).
. "$(dirname "$0")/lib.sh"
netns_daemons 2

out=$(h_dir 2)/listen.json
listen_start 2 '\\.\mailslot\fragment' "$out" -c 2 --timeout 60000
lp=$LISTEN_PID
dst='\\198.18.0.2\mailslot\fragment' # "fragment": 8 characters -> 424

# 424 bytes go as one datagram; 425 are refused (nothing sent).
m424=$(head -c 424 /dev/zero | tr '\0' 'a')
msl_send 1 "$dst" "$m424"
if hx 1 "$MAILSLOT" send "$dst" "${m424}b" >"$NS_TMP/refused.log" 2>&1; then
  fail "a 425-byte message was accepted without fragmentation"
fi
msg "425 bytes refused: $(head -n 1 "$NS_TMP/refused.log")"
[ -s "$NS_TMP/refused.log" ] || fail "no error message for a too-big message"

# 60 KiB, fragmentation asked: a seeded pseudo-random text so that any
# misplaced fragment shows.
big=$NS_TMP/big.txt
python3 -c 'import random, string, sys
r = random.Random(5)
sys.stdout.write("".join(r.choice(string.ascii_letters) for _ in range(61440)))' >"$big"
hx 1 "$MAILSLOT" send "$dst" "$(cat "$big")" "$(frag_option)" \
  >>"$(h_dir 1)/send.log" 2>&1 ||
  fail "60-KiB send with $(frag_option) failed: $(tail -n 2 "$(h_dir 1)/send.log")"

wait_exit "$lp" 60 || fail "listener exited with $?"
expect_eq "first message length" "$(json_field "$out" 1 length)" 424
expect_eq "second message length" "$(json_field "$out" 2 length)" 61440
[ "$(json_field "$out" 2 data)" = "$(cat "$big")" ] ||
  fail "the reassembled 60-KiB message differs from what was sent"

# The last fragment (F=0, M=0) is written after all the others.
capture_stop 'nbdgm.first == 0 && nbdgm.next == 0' 1
nfrag=$(capture_count 'nbdgm && !(nbdgm.first == 1 && nbdgm.next == 0)')
[ "$nfrag" -ge 2 ] || fail "expected fragments on the wire, saw $nfrag"

# tshark 4.0 does not reassemble NBDS fragments: it calls the SMB in a
# first fragment malformed. So check the unfragmented frames as usual, and
# the fragments by reassembling them here and handing tshark the result.
NS_FRAGMENTS_OK=1 wire_check
python3 - "$NS_CAPTURE" "$NS_TMP/reassembled.pcap" "$big" <<'PY' ||
import struct, sys
def packets(path):
    d = open(path, 'rb').read()
    le = d[:4] == b'\xd4\xc3\xb2\xa1'
    e = '<' if le else '>'
    off = 24
    while off + 16 <= len(d):
        _, _, incl, _ = struct.unpack(e + 'IIII', d[off:off + 16])
        yield d[off + 16:off + 16 + incl]
        off += 16 + incl
frags = []
for f in packets(sys.argv[1]):
    if len(f) < 14 + 28 or f[12:14] != b'\x08\x00':
        continue
    ip = f[14:]
    ihl = (ip[0] & 15) * 4
    udp = ip[ihl:]
    if struct.unpack('>H', udp[2:4])[0] != 138:
        continue
    p = udp[8:struct.unpack('>H', udp[4:6])[0]]
    flags = p[1]
    if (flags & 3) == 2 or p[0] not in (0x10, 0x11):
        continue  # unfragmented, or not a direct datagram
    frags.append((ip, p))
assert len(frags) >= 2, 'no fragments'
ids = {p[2:4] for _, p in frags}
assert len(ids) == 1, 'fragments with different DGM_IDs: %r' % ids
data = b''
hdr = frags[0][1][:82]
for i, (ip, p) in enumerate(frags):
    first, more = bool(p[1] & 2), bool(p[1] & 1)
    dgm_len, off = struct.unpack('>HH', p[10:14])
    assert first == (i == 0), 'F bit wrong on fragment %d' % i
    assert more == (i < len(frags) - 1), 'M bit wrong on fragment %d' % i
    assert dgm_len == len(p) - 14, 'DGM_LENGTH %d != %d on fragment %d' % (
        dgm_len, len(p) - 14, i)
    assert off == len(data), 'PACKET_OFFSET %d, expected %d on %d' % (
        off, len(data), i)
    assert p[4:10] == hdr[4:10] and p[14:82] == hdr[14:82], 'header differs'
    assert struct.unpack('>H', ip[2:4])[0] <= 576, 'IP datagram over 576'
    data += p[82:]
smb = data
# The unfragmented equivalent: one datagram, F=1 M=0, DGM_LENGTH covering
# the names and the whole SMB; wrapped in raw IPv4 + UDP for tshark.
whole = bytes([hdr[0], 0x02]) + hdr[2:10] + struct.pack(
    '>HH', 68 + len(smb), 0) + hdr[14:82] + smb
udp = struct.pack('>HHHH', 138, 138, 8 + len(whole), 0) + whole
ipv4 = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                   bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])) + udp
with open(sys.argv[2], 'wb') as o:
    o.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535 + 100, 101))
    o.write(struct.pack('<IIII', 0, 0, len(ipv4), len(ipv4)) + ipv4)
# The message is the tail of the SMB (DataOffset/DataCount, MS-MAIL 2.2.1).
dcnt, doff = struct.unpack('<HH', smb[55:59])
msg = open(sys.argv[3], 'rb').read()
assert smb[doff:doff + dcnt] == msg, 'reassembled SMB data differs'
print('%d fragments, SMB %d bytes, data at %d' % (len(frags), len(smb), doff))
PY
  fail "fragments on the wire are inconsistent (see above)"
bad=$(tshark -r "$NS_TMP/reassembled.pcap" \
  -Y '_ws.malformed || _ws.expert.severity >= 0x600000' 2>/dev/null)
[ -z "$bad" ] || fail "tshark: reassembled datagram malformed: $bad"
expect_eq "tshark's view of the reassembled datagram" \
  "$(tshark -r "$NS_TMP/reassembled.pcap" -T fields -e nbdgm.type \
    -e smb.trans_name -e smb.dc 2>/dev/null | tr a-z A-Z)" \
  "$(printf '16\t\\MAILSLOT\\FRAGMENT\t61440')"
[ "$(status_counter 2 reassembled)" -ge 1 ] ||
  fail "h2 reassembled counter is $(status_counter 2 reassembled)"
pass "424 sent, 425 refused, 61440 bytes in $nfrag fragments reassembled"
