#!/usr/bin/env bash
# Wire check: what libmailslot sends for each path form, compared with what
# Windows sends. The NetBIOS datagram header and the SMB fields every
# Windows mailslot datagram shares are compared with real Windows frames
# from captures/; the SMB as a whole is compared byte for byte with the
# Windows client write of MS-MAIL §4 (no capture of a Windows *client*
# WriteFile exists in captures/, see captures/SOURCES.md). tshark must find
# nothing malformed. Issue 5, "Proof: wire check".
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
ns_require_cmd tshark python3
netns_setup 3
for i in 1 2 3; do daemon_start "$i"; done
listen_start 2 '\\.\mailslot\test1\sample_mailslot' \
  "$(h_dir 2)/listen.json" -c 3 --timeout 30000
listen_start 3 '\\.\mailslot\test1\sample_mailslot' \
  "$(h_dir 3)/listen.json" -c 2 --timeout 30000
capture_start

# MS-MAIL §4: the Windows client writes 36 bytes of 0xCA to
# \MAILSLOT\test1\sample_mailslot. Its SMB, as the spec's hex dump shows it:
MSMAIL4='ff534d422500000000180400000000000000000000000000'\
'0000fffe000000001100002400020000000000020000000000000000006800240068000300'\
'010000000200470'\
'05c4d41494c534c4f545c74657374315c73616d706c655f6d61696c736c6f7400000000'\
'cacacacacacacacacacacacacacacacacacacacacacacacacacacacacacacacacacacaca'
CA36=$(printf '\xca%.0s' $(seq 36))
msl_send 1 '\\h2\mailslot\test1\sample_mailslot' "$CA36"
wait_for 20 "unicast at h2" lines_at_least "$(h_dir 2)/listen.json" 1
msl_send 1 '\\MSLTEST\mailslot\test1\sample_mailslot' "$CA36"
wait_for 20 "domain at h3" lines_at_least "$(h_dir 3)/listen.json" 1
msl_send 1 '\\*\mailslot\test1\sample_mailslot' "$CA36"
wait_for 20 "* at h3" lines_at_least "$(h_dir 3)/listen.json" 2
# The largest message Windows sends for a 5-8 character name (424 bytes,
# MS-MAIL <2>): a 512-byte SMB, a 594-byte UDP payload.
listen_start 2 '\\.\mailslot\maxsize' "$(h_dir 2)/max.json" -c 1 --timeout 30000
msl_send 1 '\\h2\mailslot\maxsize' "$(head -c 424 /dev/zero | tr '\0' m)"
wait_for 20 "max-size at h2" lines_at_least "$(h_dir 2)/max.json" 1
expect_eq "h2 got the 36 bytes" "$(json_field "$(h_dir 2)/listen.json" 1 data_hex)" \
  "$(printf 'ca%.0s' $(seq 36))"

capture_stop 'nbdgm' 4
wire_check

payload() { # FILTER [N]: the UDP payload (hex) of the N-th matching frame
  wire_fields "$1" udp.payload | sed -n "${2:-1}p" | tr -d ':'
}

# 1. The SMB of every test1\sample_mailslot datagram is the MS-MAIL §4 one.
n=0
while read -r p; do
  n=$((n + 1))
  smb=${p:164}
  if [ "$smb" != "$MSMAIL4" ]; then
    if [ "$(echo "$smb" | tr a-f A-F)" = "$(echo "$MSMAIL4" | tr a-f A-F)" ] ||
      [ "${#smb}" = "${#MSMAIL4}" ]; then
      python3 - "$smb" "$MSMAIL4" <<'PY' >&2
import sys
a, b = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        print('SMB byte %d: ours %02x, MS-MAIL 4 %02x' % (i, x, y))
PY
    fi
    fail "datagram $n: SMB differs from MS-MAIL §4: $smb"
  fi
done < <(wire_fields 'lower(smb.trans_name) contains "sample"' udp.payload | tr -d ':')
expect_eq "datagrams to test1\\sample_mailslot" "$n" 3
msg "SMB byte-identical to the MS-MAIL §4 Windows client write (3 datagrams)"

# 2. Header and shared SMB fields against real Windows frames:
#    netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap frame 3
#    (Windows DIRECT_UNIQUE, B-node) and netlogon-samlogon-pause-ex-ad-lab-
#    signin.pcap frame 58 (Windows DIRECT_GROUP). Left out: the fields in
#    which a Windows client write (MS-MAIL §4, checked above byte for byte)
#    and these Windows services differ: SMB Flags (0x18 / 0), Flags2
#    (0x0004 / 0), PIDLow (0xFEFF / 0), MaxParameterCount (2 / 0),
#    transaction Flags (0x0002 / 0), Timeout, Priority, ParameterOffset and
#    the padding (protocol-notes §4.1).
FIELDS="nbdgm.type nbdgm.flags nbdgm.src.port nbdgm.pkt_offset udp.srcport
udp.dstport smb.cmd smb.error_class smb.error_code smb.pid.high smb.tid
smb.uid smb.mid smb.wct smb.tpc smb.mdc smb.msc smb.pc smb.sc mailslot.opcode
mailslot.class"
compare_windows() { # REF_FILE REF_FRAME OUR_FILTER WHAT
  local ref ours f i=1
  ref=$(tshark -r "$MSL_CAPTURES_DIR/$1" -Y "frame.number == $2" -T fields \
    $(printf -- '-e %s ' $FIELDS) 2>/dev/null)
  [ -n "$ref" ] || hard_error "cannot read $1 frame $2"
  while read -r ours; do
    [ "$ours" = "$ref" ] && continue
    for f in $FIELDS; do
      a=$(echo "$ours" | cut -f$i)
      b=$(echo "$ref" | cut -f$i)
      [ "$a" = "$b" ] || echo "  $f: ours $a, Windows $b" >&2
      i=$((i + 1))
    done
    fail "$4: fields differ from Windows ($1 frame $2)"
  done < <(wire_fields "$3" $FIELDS)
  msg "$4: $(echo $FIELDS | wc -w) fields as in $1 frame $2"
}
compare_windows netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap 3 \
  'nbdgm.type == 16' "DIRECT_UNIQUE"
compare_windows netlogon-samlogon-pause-ex-ad-lab-signin.pcap 58 \
  'nbdgm.type == 17' "DIRECT_GROUP"

# 3. Addresses, names and lengths, per datagram.
expect_eq "unicast: addresses and names" \
  "$(wire_fields 'nbdgm.type == 16' ip.src ip.dst nbdgm.src.ip \
    nbdgm.source_name nbdgm.destination_name | sort -u)" \
  "$(printf '198.18.0.1\t198.18.0.2\t198.18.0.1\tH1<00>\tH2<00>')"
expect_eq "group: addresses and names" \
  "$(wire_fields 'nbdgm.type == 17' ip.src ip.dst nbdgm.src.ip \
    nbdgm.source_name nbdgm.destination_name | sort -u)" \
  "$(printf '198.18.0.1\t198.18.0.255\t198.18.0.1\tH1<00>\tMSLTEST<00>')"
# DGM_LENGTH = UDP payload - 14 (RFC 1002 §4.4.1; protocol-notes §7.1);
# checked on the Windows frames too, so the rule is Windows'.
for f in "$NS_CAPTURE" \
  "$MSL_CAPTURES_DIR/netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap"; do
  bad=$(tshark -r "$f" -Y nbdgm -T fields -e frame.number -e udp.length \
    -e nbdgm.dgram_len 2>/dev/null | awk '$3 != $2 - 8 - 14')
  [ -z "$bad" ] || fail "DGM_LENGTH != UDP payload - 14 in $f: $bad"
done
# Padding: zero bytes between the name's NUL and DataOffset (MS-MAIL §2.2.1).
for p in $(wire_fields nbdgm udp.payload | tr -d ':'); do
  python3 - "$p" <<'PY' || fail "non-zero padding or bad offsets: $p"
import struct, sys
smb = bytes.fromhex(sys.argv[1])[82:]
po, dc, do = struct.unpack('<HHH', smb[53:59])
name_end = smb.index(b'\0', 69) + 1
assert do == (name_end + 3) & ~3 == po, (po, do, name_end)
assert smb[name_end:do] == b'\0' * (do - name_end)
assert struct.unpack('<H', smb[67:69])[0] == do - 69 + dc  # ByteCount
assert len(smb) == do + dc
PY
done
expect_eq "max-size datagram: UDP length, SMB data count" \
  "$(wire_fields 'lower(smb.trans_name) contains "maxsize"' \
    udp.length smb.dc)" "$(printf '602\t424')"
pass "3 path forms + the 424-byte maximum match Windows on the wire"
