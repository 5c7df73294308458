#!/usr/bin/env python3
"""Writes tests/data/short-dgm-length.pcap (issue 12 item 1).

NetBIOS datagrams [RFC 1002 4.4.2] whose DGM_LENGTH is smaller than the
bytes that follow the 14-byte header, as some stacks send them. Samba's
parse_dgram and Wireshark's dissect_nbdgm ignore DGM_LENGTH and read the
SMB's own DataOffset/DataCount, bounded by the UDP payload; so must we.
Built here byte by byte (not with our codec), Ethernet + IPv4 + UDP 138:

  frame 1  DIRECT_UNIQUE SENDER<00> -> HOSTA<00>, \\MAILSLOT\\TEST\\SHORT,
           "short by 20": DGM_LENGTH 20 less than names + SMB
  frame 2  the same, "below the names": DGM_LENGTH 40 (< 68, the names)
  frame 3  the same, "zero length": DGM_LENGTH 0
  frame 4  DIRECT_GROUP to LABWG<00>, "right length": DGM_LENGTH exact
(Fragments keep the strict reading: tests/test_nbdgm.c.)

Usage: make-short-dgm-length.py OUT.pcap
"""
import struct
import sys

from inet_csum import csum


def nbname(name, suffix):
    raw = name.upper().ljust(15).encode() + bytes([suffix])
    enc = bytearray([0x20])
    for b in raw:
        enc += bytes([ord('A') + (b >> 4), ord('A') + (b & 15)])
    return bytes(enc) + b'\0'


def smb_write(slot, data):
    """SMB_COM_TRANSACTION mailslot write, Windows client layout
    [MS-MAIL 2.2.1, 4]: data 4-aligned from the SMB start."""
    name = slot.encode() + b'\0'
    doff = (69 + len(name) + 3) & ~3
    hdr = b'\xffSMB' + bytes([0x25]) + b'\0' * 4 + bytes([0x18]) + \
        struct.pack('<H', 0x0004) + b'\0' * 12 + struct.pack('<HHHH', 0, 0xfeff, 0, 0)
    words = struct.pack('<B HHHH BB H I H HH HH BB HHH H', 17,
                        0, len(data), 2, 0, 0, 0, 2, 0, 0,
                        0, doff, len(data), doff, 3, 0, 1, 0, 2,
                        doff - 69 + len(data))
    body = name + b'\0' * (doff - 69 - len(name)) + data
    return hdr + words + body


def dgram(mtype, flags, dgm_id, dst, suffix, slot, data, short_by=None,
          length=None):
    names = nbname('SENDER', 0) + nbname(dst, suffix)
    smb = smb_write(slot, data)
    exact = len(names) + len(smb)
    dlen = exact if length is None else length
    if short_by is not None:
        dlen = exact - short_by
    return struct.pack('>BBH4sHHH', mtype, flags, dgm_id,
                       bytes([198, 18, 0, 5]), 138, dlen, 0) + names + smb


def frame(payload, ident, dst_ip):
    src_ip = bytes([198, 18, 0, 5])
    udp = struct.pack('>HHHH', 138, 138, 8 + len(payload), 0) + payload
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), ident, 0, 64,
                     17, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack('>H', csum(ip)) + ip[12:]
    eth = b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x05' + b'\x08\x00'
    return eth + ip + udp


def main():
    slot = '\\MAILSLOT\\TEST\\SHORT'
    host = bytes([198, 18, 0, 1])
    bcast = bytes([198, 18, 0, 255])
    pkts = [
        (dgram(0x10, 0x02, 0x1001, 'HOSTA', 0, slot, b'short by 20',
               short_by=20), host),
        (dgram(0x10, 0x02, 0x1002, 'HOSTA', 0, slot, b'below the names',
               length=40), host),
        (dgram(0x10, 0x02, 0x1003, 'HOSTA', 0, slot, b'zero length',
               length=0), host),
        (dgram(0x11, 0x02, 0x1004, 'LABWG', 0, slot, b'right length'),
         bcast),
    ]
    out = bytearray(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535,
                                1))
    for i, (p, dst) in enumerate(pkts):
        f = frame(p, 0x100 + i, dst)
        out += struct.pack('<IIII', 1700000000 + i, 0, len(f), len(f)) + f
    open(sys.argv[1], 'wb').write(out)


if __name__ == '__main__':
    main()
