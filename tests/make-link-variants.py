#!/usr/bin/env python3
"""Test-input generator for tests/check-decode-tools.sh.

From an Ethernet capture (classic pcap or pcapng: read through tshark's
udp.payload is not enough, so this parses pcap itself and, for pcapng, uses
`tshark -F pcap` first) it writes, into OUTDIR:

  sll.pcap, sll2.pcap, raw.pcap (LINKTYPE_RAW 101), ipv4.pcap (228),
  null.pcap (0, host order), loop.pcap (108, network order),
  vlan.pcap (Ethernet with 802.1ad + 802.1Q tags)
      the same IPv4 packets under another link layer: decode output must
      be identical to the original's;
  ipfrag.pcap    every UDP 137/138 packet split into IPv4 fragments of 24
                 payload bytes, sent last-fragment-first, the first carrying
                 IP options (IHL 6): each decodes once, at its last frame;
  dgmfrag.pcap   each NetBIOS datagram (types 0x10-0x12) of the input split
                 into two NetBIOS fragments (F=1,M=1 / F=0,M=0, RFC 1002
                 5.3.1, PACKET_OFFSET = data bytes before): each gives two
                 fragment lines and one reassembled line;
  snap.pcap      every frame cut to 60 bytes (snap length).
Only frames that are IPv4 in Ethernet are kept.
"""
import os
import struct
import subprocess
import sys
import tempfile

from inet_csum import csum


def read_pcap(path):
    data = open(path, 'rb').read()
    magic = data[:4]
    if magic not in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4',
                     b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'):
        tmp = tempfile.NamedTemporaryFile(suffix='.pcap', delete=False)
        tmp.close()
        subprocess.check_call(['tshark', '-r', path, '-F', 'pcap', '-w',
                               tmp.name], stderr=subprocess.DEVNULL)
        data = open(tmp.name, 'rb').read()
        os.unlink(tmp.name)
        magic = data[:4]
    e = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    linktype = struct.unpack(e + 'I', data[20:24])[0]
    off, pkts = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        usec = frac // 1000 if nano else frac
        pkts.append((sec, usec, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return linktype, pkts


def write_pcap(path, linktype, pkts):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535,
                            linktype))
        for sec, usec, frame, orig in pkts:
            f.write(struct.pack('<IIII', sec, usec, len(frame), orig))
            f.write(frame)


def ip_of(frame):
    """IPv4 packet of an Ethernet frame (tags skipped), or None."""
    off = 12
    while True:
        t = struct.unpack('>H', frame[off:off + 2])[0]
        if t in (0x8100, 0x88a8, 0x9100):
            off += 4
            continue
        break
    return frame[off + 2:] if t == 0x0800 else None


def ip_header(src, dst, ident, flags_off, proto, payload_len, options=b''):
    ihl = 5 + len(options) // 4
    h = struct.pack('>BBHHHBBH4s4s', 0x40 | ihl, 0, ihl * 4 + payload_len,
                    ident, flags_off, 64, proto, 0, src, dst) + options
    return h[:10] + struct.pack('>H', csum(h)) + h[12:]


def eth(ip):
    return b'\xff' * 6 + b'\x02\0\0\0\0\x01' + b'\x08\x00' + ip


def udp_ports(ip):
    ihl = (ip[0] & 15) * 4
    if ip[9] != 17 or len(ip) < ihl + 8:
        return None
    return struct.unpack('>HH', ip[ihl:ihl + 4])


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    linktype, pkts = read_pcap(src)
    assert linktype == 1, 'Ethernet input expected'
    ips = []
    for sec, usec, frame, orig in pkts:
        ip = ip_of(frame)
        if ip is not None and len(frame) == orig:
            ips.append((sec, usec, ip))
    full = [(s, u, ip[:struct.unpack('>H', ip[2:4])[0]]) for s, u, ip in ips]

    def variant(name, lt, wrap):
        write_pcap(os.path.join(outdir, name), lt,
                   [(s, u, wrap(ip), len(wrap(ip))) for s, u, ip in full])

    variant('eth.pcap', 1, eth)
    variant('sll.pcap', 113, lambda ip: struct.pack(
        '>HHH8sH', 1, 1, 6, b'\x02\0\0\0\0\x01\0\0', 0x0800) + ip)
    variant('sll2.pcap', 276, lambda ip: struct.pack(
        '>HHIHBB8s', 0x0800, 0, 2, 1, 1, 6, b'\x02\0\0\0\0\x01\0\0') + ip)
    variant('raw.pcap', 101, lambda ip: ip)
    variant('ipv4.pcap', 228, lambda ip: ip)
    variant('null.pcap', 0, lambda ip: struct.pack('<I', 2) + ip)
    variant('loop.pcap', 108, lambda ip: struct.pack('>I', 2) + ip)
    variant('vlan.pcap', 1, lambda ip: b'\xff' * 6 + b'\x02\0\0\0\0\x01' +
            b'\x88\xa8\x00\x05\x81\x00\x00\x07\x08\x00' + ip)

    frags, dgm, snap = [], [], []
    for s, u, ip in full:
        snap.append((s, u, eth(ip)[:60], len(eth(ip))))
        ports = udp_ports(ip)
        if not ports or not (set(ports) & {137, 138}):
            continue
        ihl = (ip[0] & 15) * 4
        body = ip[ihl:]
        ident = struct.unpack('>H', ip[4:6])[0]
        pieces = [body[i:i + 24] for i in range(0, len(body), 24)]
        out = []
        for k, piece in enumerate(pieces):
            mf = 0x2000 if k < len(pieces) - 1 else 0
            opts = b'\x01\x01\x01\x00' if k == 0 else b''  # NOP NOP NOP EOL
            h = ip_header(ip[12:16], ip[16:20], ident, mf | (k * 24 // 8),
                          17, len(piece), opts)
            out.append((s, u, eth(h + piece)))
        for s2, u2, fr in reversed(out):
            frags.append((s2, u2, fr, len(fr)))
        # NetBIOS datagram fragments
        udp = body[8:]
        if 138 in ports and len(udp) > 14 and 0x10 <= udp[0] <= 0x12:
            n = 14
            for _ in range(2):  # two names: labels until the 0 byte
                while n < len(udp) and udp[n]:
                    n += udp[n] + 1
                n += 1
            data = udp[n:]
            if n >= len(udp) or len(data) < 2:
                continue
            names = udp[14:n]
            cut = len(data) // 2
            for part, flags, offset in ((data[:cut], 0x02 | 0x01, 0),
                                        (data[cut:], 0x00, cut)):
                flags |= udp[1] & 0x0c
                hdr = struct.pack('>BBH4sHHH', udp[0], flags,
                                  struct.unpack('>H', udp[2:4])[0],
                                  udp[4:8], 138, len(names) + len(part),
                                  offset)
                payload = hdr + names + part
                u8 = struct.pack('>HHHH', ports[0], ports[1],
                                 8 + len(payload), 0) + payload
                h = ip_header(ip[12:16], ip[16:20], ident, 0, 17, len(u8))
                fr = eth(h + u8)
                dgm.append((s, u, fr, len(fr)))
    write_pcap(os.path.join(outdir, 'ipfrag.pcap'), 1, frags)
    write_pcap(os.path.join(outdir, 'dgmfrag.pcap'), 1, dgm)
    write_pcap(os.path.join(outdir, 'snap.pcap'), 1, snap)


if __name__ == '__main__':
    main()
