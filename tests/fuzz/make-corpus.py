#!/usr/bin/env python3
"""Seeds tests/fuzz/corpus/<target>/ from the UDP 137/138 payloads of every
capture in captures/ (tshark extracts them). Files are named by SHA-256.
Run from the top of the tree: python3 tests/fuzz/make-corpus.py"""
import glob, hashlib, os, struct, subprocess

OUT = "tests/fuzz/corpus"

def payloads(path, port):
    res = subprocess.run(
        ["tshark", "-r", path, "-Y", f"udp.port=={port}", "-T", "fields",
         "-e", "udp.payload"], capture_output=True, text=True)
    for line in res.stdout.split():
        yield bytes.fromhex(line.replace(":", ""))

def save(target, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha256(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def smb_parts(dgm):
    """Returns (smb, mailslot name, data) or None, from raw bytes."""
    s = dgm.find(b"\xffSMB")
    if s < 0 or len(dgm) < s + 69:
        return None
    smb = dgm[s:]
    count, off = struct.unpack_from("<HH", smb, 55)
    end = smb.find(b"\0", 69)
    name = smb[69:end] if end > 0 else b""
    return smb, name.upper(), smb[off:off + count]

# tests/data: crafted inputs (short DGM_LENGTH, ...) seed the corpus too.
INPUTS = glob.glob("captures/*.pcap*") + glob.glob("tests/data/*.pcap")
for cap in sorted(INPUTS):
    for p in payloads(cap, 137):
        save("nbns", p)
        save("nbname", bytes([(12 << 1) | 1]) + p)
    for p in payloads(cap, 138):
        save("nbdgm", p)
        save("nbname", bytes([(14 << 1)]) + p)
        save("reasm", p)
        parts = smb_parts(p)
        if not parts:
            continue
        smb, name, data = parts
        save("smbtr", smb)
        if name.startswith(b"\\MAILSLOT\\BROWSE") or name.startswith(b"\\MAILSLOT\\LANMAN"):
            save("browse", data)
        elif name.startswith(b"\\MAILSLOT\\NET"):
            save("netlogon", data)
for t in sorted(os.listdir(OUT)):
    print(t, len(os.listdir(os.path.join(OUT, t))))
