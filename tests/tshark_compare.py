#!/usr/bin/env python3
"""Frame-by-frame agreement of `mailslot decode --json` with tshark.

Usage: tshark_compare.py [-v] DECODE_CMD CAPTURE...
  DECODE_CMD: command printing our JSON Lines for a capture, "{}" replaced
  by the file (e.g. "tools/mailslot decode --json {}").

For every capture it asks tshark for every field of the nbdgm, smb
(trans_name), mailslot, browser, smb_netlogon and nbns layers (taken from
`tshark -G fields`, so a field added by a newer tshark is not silently
skipped: it shows up as UNMAPPED), and compares each field's values, in
order, with the values derived from our JSON object for the same frame.
Bit fields are derived from their parent value and the bitmask tshark
declares. Differences a spec decides are listed in EXCEPTIONS, each for
one field in named frames (or under one condition), with the spec section;
values tshark shows that we do not show yet are listed frame by frame in
PENDING. Nothing is set aside by category. Exit status: 0 when every
compared value agrees or is listed, 1 otherwise.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import uuid

LAYERS = ("nbdgm.", "mailslot.", "browser.", "smb_netlogon.", "nbns.")


def tshark_fields():
    out = subprocess.run(["tshark", "-G", "fields"], capture_output=True,
                         text=True, check=True).stdout
    fields = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) >= 7 and f[0] == "F" and f[2].startswith(LAYERS):
            mask = int(f[6], 0) if f[6] not in ("", "0x0") else 0
            fields[f[2]] = (f[3], mask)
    fields["smb.trans_name"] = ("FT_STRING", 0)
    return fields


def shift(mask):
    return (mask & -mask).bit_length() - 1


# ---- our values for each tshark field -----------------------------------


def g(o, *path):
    for p in path:
        if not isinstance(o, dict) or p not in o:
            return None
        o = o[p]
    return o


def one(v):
    return None if v is None else [v]


def nbns_rrs(o):
    n = g(o, "nbns")
    if not n or "questions" not in n:
        return []
    return n["answers"] + n["authority"] + n["additional"]


def nbns_nb_entries(o):
    return [a for rr in nbns_rrs(o) for a in rr.get("addresses", [])]


def nbns_node_names(o):
    return [a for rr in nbns_rrs(o) for a in rr.get("names", [])]


def nbns_stats(o, key):
    return [rr["statistics"][key] for rr in nbns_rrs(o) if "statistics" in rr]


def netlogon_unknown(o):
    """tshark shows the EX response's Flags and DcSockAddr as 'unknown'
    u32/u8/u32/u32/u32 fields [MS-ADTS 6.3.1.9]."""
    n = g(o, "netlogon")
    if not n or n["command"] not in (0x17, 0x19) or "sbz" not in n:
        return None
    vals = [n["flags"]]
    if "dc_sockaddr_size" in n:
        vals.append(n["dc_sockaddr_size"])
        raw = bytes.fromhex(n["dc_sockaddr_hex"])
        # family+port as one LE u32, then sin_zero as two u32
        for off in (0, 8, 12):
            if off + 4 <= len(raw):
                vals.append(int.from_bytes(raw[off:off + 4], "little"))
    return vals


def guid_hex(s):
    return uuid.UUID(s).bytes_le.hex()


def field(*path):
    """Our one value at path (as g() finds it), where tshark has one."""
    return lambda o: one(g(o, *path))


OURS = {
    # NetBIOS datagram header [RFC 1002 4.4.1]
    "nbdgm.type": field("nbdgm", "type"),
    "nbdgm.flags": field("nbdgm", "flags"),
    "nbdgm.dgram_id": field("nbdgm", "id"),
    "nbdgm.src.ip": field("nbdgm", "src_ip"),
    "nbdgm.src.port": field("nbdgm", "src_port"),
    "nbdgm.dgram_len": field("nbdgm", "length"),
    "nbdgm.pkt_offset": field("nbdgm", "offset"),
    "nbdgm.error_code": field("nbdgm", "error"),
    "nbdgm.source_name": field("nbdgm", "src_name"),
    "nbdgm.destination_name": field("nbdgm", "dst_name"),
    # SMB / mailslot [MS-MAIL 2.2.1]
    "smb.trans_name": field("smb", "trans_name"),
    "mailslot.opcode": field("mailslot", "opcode"),
    "mailslot.priority": field("mailslot", "priority"),
    "mailslot.class": field("mailslot", "class"),
    "mailslot.size": field("mailslot", "size"),
    "mailslot.name": field("mailslot", "name"),
    # browser [MS-BRWS 2.2]
    "browser.command": field("browse", "command"),
    "browser.update_count": field("browse", "update_count"),
    "browser.period": field("browse", "period"),
    "browser.server": field("browse", "server"),
    "browser.mb_server": field("browse", "mb_server"),
    "browser.reset_cmd": field("browse", "reset_cmd"),
    "browser.os_major": field("browse", "os_major"),
    "browser.os_minor": field("browse", "os_minor"),
    "browser.server_type": field("browse", "server_type"),
    "browser.election.version": field("browse", "version"),
    # RequestElection: tshark shows the criteria's version bytes [MS-BRWS
    # 2.2.3] under the announcement's protocol version fields
    "browser.proto_major": lambda o: one(
        (g(o, "browse", "criteria") >> 8) & 0xff
        if g(o, "browse", "command") == 8 else g(o, "browse", "proto_major")),
    "browser.proto_minor": lambda o: one(
        (g(o, "browse", "criteria") >> 16) & 0xff
        if g(o, "browse", "command") == 8 else g(o, "browse", "proto_minor")),
    "browser.sig": field("browse", "signature"),
    "browser.comment": field("browse", "comment"),
    "browser.unused": lambda o: one(g(o, "browse", "unused"))
    if g(o, "browse", "command") == 2 else None,
    "browser.response_computer_name": field("browse", "response_computer_name"),
    "browser.election.criteria": field("browse", "criteria"),
    "browser.election.desire": field("browse", "criteria_role"),
    "browser.election.os": field("browse", "criteria_os"),
    "browser.uptime": field("browse", "uptime"),
    "browser.backup.count": field("browse", "count"),
    "browser.backup.token": field("browse", "token"),
    "browser.backup.server": lambda o: g(o, "browse", "servers"),
    "browser.browser_to_promote": field("browse", "browser_to_promote"),
    "browser.mysterious_field": field("browse", "mysterious"),
    # netlogon [MS-ADTS 6.3.1]
    "smb_netlogon.command": field("netlogon", "command"),
    "smb_netlogon.computer_name": field("netlogon", "computer_name"),
    "smb_netlogon.unicode_computer_name":
        field("netlogon", "unicode_computer_name"),
    "smb_netlogon.server_name": field("netlogon", "server_name"),
    "smb_netlogon.server_dns_name": field("netlogon", "server_dns_name"),
    "smb_netlogon.user_name": field("netlogon", "user_name"),
    "smb_netlogon.domain_name": field("netlogon", "domain_name"),
    "smb_netlogon.domain_dns_name": field("netlogon", "domain_dns_name"),
    "smb_netlogon.forest_dns_name": field("netlogon", "forest_dns_name"),
    "smb_netlogon.mailslot_name": field("netlogon", "mailslot_name"),
    "smb_netlogon.pdc_name": field("netlogon", "pdc_name"),
    "smb_netlogon.unicode_pdc_name": field("netlogon", "unicode_pdc_name"),
    "smb_netlogon.nt_version": field("netlogon", "nt_version"),
    "smb_netlogon.lmnt_token": field("netlogon", "lmnt_token"),
    "smb_netlogon.lm_token": field("netlogon", "lm_token"),
    "smb_netlogon.request_count": field("netlogon", "request_count"),
    # tshark's "flags" of a SAM request is AllowableAccountControlBits
    "smb_netlogon.flags": lambda o: one(g(o, "netlogon", "account_control")
                                        if g(o, "netlogon", "command") == 0x12
                                        else g(o, "netlogon", "flags")),
    "smb_netlogon.domain_sid_size": field("netlogon", "domain_sid_size"),
    "smb_netlogon.domain.guid": lambda o: one(
        guid_hex(g(o, "netlogon", "domain_guid")))
    if g(o, "netlogon", "domain_guid") else None,
    "smb_netlogon.server_ip": field("netlogon", "server_ip"),
    "smb_netlogon.server_site_name": field("netlogon", "server_site_name"),
    "smb_netlogon.client_site_name": field("netlogon", "client_site_name"),
    "smb_netlogon.unknown": netlogon_unknown,
    # tshark's raw bytes after a command it does not decode (0x18): our
    # payload after the 2-byte opcode
    "smb_netlogon.data": lambda o: one(g(o, "mailslot", "data_hex")[4:])
    if g(o, "netlogon") else None,
    # name service [RFC 1002 4.2]
    "nbns.id": field("nbns", "id"),
    "nbns.flags": field("nbns", "flags"),
    "nbns.count.queries": field("nbns", "qdcount"),
    "nbns.count.answers": field("nbns", "ancount"),
    "nbns.count.auth_rr": field("nbns", "nscount"),
    "nbns.count.add_rr": field("nbns", "arcount"),
    "nbns.name": lambda o: ([q["name"] for q in g(o, "nbns", "questions")] +
                            [r["name"] for r in nbns_rrs(o)])
    if g(o, "nbns", "questions") is not None else None,
    "nbns.type": lambda o: ([q["type"] for q in g(o, "nbns", "questions")] +
                            [r["type"] for r in nbns_rrs(o)])
    if g(o, "nbns", "questions") is not None else None,
    "nbns.class": lambda o: ([q["class"] for q in g(o, "nbns", "questions")] +
                             [r["class"] for r in nbns_rrs(o)])
    if g(o, "nbns", "questions") is not None else None,
    "nbns.ttl": lambda o: [r["ttl"] for r in nbns_rrs(o)],
    "nbns.data_length": lambda o: [r["data_length"] for r in nbns_rrs(o)],
    "nbns.addr": lambda o: [a["addr"] for a in nbns_nb_entries(o)] +
    [r["addr"] for r in nbns_rrs(o) if "addr" in r],
    "nbns.nb_flags": lambda o: [a["nb_flags"] for a in nbns_nb_entries(o)],
    "nbns.name_flags": lambda o: [a["name_flags"] for a in nbns_node_names(o)],
    # tshark: the 15 name bytes without the suffix byte
    "nbns.netbios_name": lambda o: [a["name"][:-4] for a in
                                    nbns_node_names(o)],
    "nbns.number_of_names": lambda o: [r["number_of_names"]
                                       for r in nbns_rrs(o)
                                       if "number_of_names" in r],
    "nbns.unit_id": lambda o: nbns_stats(o, "unit_id"),
    "nbns.jumpers": lambda o: nbns_stats(o, "jumpers"),
    "nbns.test_result": lambda o: nbns_stats(o, "test_result"),
    "nbns.version_number": lambda o: nbns_stats(o, "version_number"),
    "nbns.period_of_statistics":
        lambda o: nbns_stats(o, "period_of_statistics"),
    "nbns.num_crcs": lambda o: nbns_stats(o, "num_crcs"),
    "nbns.num_alignment_errors":
        lambda o: nbns_stats(o, "num_alignment_errors"),
    "nbns.num_collisions": lambda o: nbns_stats(o, "num_collisions"),
    "nbns.num_send_aborts": lambda o: nbns_stats(o, "num_send_aborts"),
    "nbns.num_good_sends": lambda o: nbns_stats(o, "num_good_sends"),
    "nbns.num_good_receives": lambda o: nbns_stats(o, "num_good_receives"),
    "nbns.numretransmits": lambda o: nbns_stats(o, "num_retransmits"),
    "nbns.num_no_resource_conditions":
        lambda o: nbns_stats(o, "num_no_resource_conditions"),
    # tshark shows one command-block count (the first of the three,
    # NUMBER_FREE_COMMAND_BLOCKS [RFC 1002 4.2.18]); every capture has 0s
    # in all three, so which one it is cannot be told from them
    "nbns.numcommand_blocks":
        lambda o: nbns_stats(o, "num_free_command_blocks"),
    "nbns.numpending_sessions":
        lambda o: nbns_stats(o, "num_pending_sessions"),
    "nbns.max_num_pending_sessions":
        lambda o: nbns_stats(o, "max_num_pending_sessions"),
    "nbns.max_total_sessions_possible":
        lambda o: nbns_stats(o, "max_total_sessions_possible"),
    "nbns.session_data_packet_size":
        lambda o: nbns_stats(o, "session_data_packet_size"),
}

# Bit fields: parent field whose value (ours) they are cut from.
PARENT = {
    "nbns.flags.": "nbns.flags",
    "nbns.name_flags.": "nbns.name_flags",
    "nbns.nb_flags.": "nbns.nb_flags",
    "nbdgm.next": "nbdgm.flags",
    "nbdgm.first": "nbdgm.flags",
    "nbdgm.node_type": "nbdgm.flags",
    "browser.reset_cmd.": "browser.reset_cmd",
    "browser.server_type.": "browser.server_type",
    "browser.election.desire.": "browser.election.desire",
    "browser.election.os.": "browser.election.os",
    "smb_netlogon.flags.": "smb_netlogon.flags",
}

# Fields tshark derives from others or shows as a label: not wire values.
DERIVED = {
    "browser.windows_version": "a label tshark derives from os_major/minor",
    "nbns.incomplete_entry": "tshark's marker of a cut record (our error)",
    "nbns.data": "raw bytes of a record tshark could not parse (our error)",
}

# Where the two differ for a reason a spec decides. Each exception names
# one field (or "layer.*", or "*" with the layers it covers), where it
# applies (a capture and its frames, or a condition on our object o and
# tshark's fields t), and the reason with the spec section. Nothing is set
# aside by category: a value tshark shows and we do not show, or show
# differently, is a difference unless an entry here names it.
EXCEPTIONS = [
    {"field": "smb_netlogon.*",
     "when": lambda o, t: g(o, "netlogon", "command") == 0x0c
     and g(o, "netlogon", "nt_version") == 1
     and t.get("smb_netlogon.nt_version") == ["65536"],
     "reason": "Samba nmbd aligns NtVersion of LOGON_PRIMARY_RESPONSE to 4 "
     "with two zero bytes (samba-nmbd-lan.pcap frames 55, 56); tshark reads "
     "them as NtVersion 0x00010000 and shifts the tokens. MS-ADTS 6.3.1.5: "
     "NtVersion of this response is NETLOGON_NT_VERSION_1 (0x00000001), "
     "which is what the aligned reading gives"},
    {"field": "smb_netlogon.user_name",
     "when": lambda o, t: g(o, "netlogon", "command") in (0x17, 0x18, 0x19)
     and g(o, "netlogon", "user_name") == ""
     and t.get("smb_netlogon.user_name") == ["<Root>"],
     "reason": "an empty compressed name (a lone 0x00 label) is the empty "
     "string [MS-ADTS 6.3.1.9, RFC 1035 3.1]; tshark prints the root as "
     "<Root>"},
    {"field": "nbdgm.source_name",
     "capture": "malformed-fuzzed-2005-lan-ndpi.pcap", "frames": {472},
     "reason": "after its 32-byte first label the source name has a 16-byte "
     "label starting with a space, then a length byte 0x46: a reserved "
     "label type (top bits 01) [RFC 1035 4.1.4, RFC 1002 4.1]. The label "
     "structure is broken, so we report the name as malformed and stop; "
     "tshark prints 'Illegal NetBIOS name (1st character ...)' for a name "
     "whose first label is a legal encoding, then fails on the rest"},
    {"field": "*", "layers": ("smb.", "mailslot.", "browser."),
     "capture": "malformed-smb-trans-oobr2.pcap", "frames": {1},
     "reason": "the record holds 221 bytes but the file's SnapLen is 195 "
     "[draft-ietf-opsawg-pcap 4, 5: CapturedPacketLength is at most "
     "SnapLen]; libpcap trims the record to 195 bytes, cutting the SMB, "
     "while tshark (wiretap) decodes it from the 26 bytes past the snap "
     "length"},
]

# Our own gaps, frame by frame until they are closed: values tshark shows
# that `mailslot decode` does not show yet. Printed and counted apart from
# agreement (never as agreement), and they do not fail the run.
PENDING = []


def rule_applies(e, path, fn, field, o, t):
    f = e["field"]
    if f == "*":
        if not field.startswith(e["layers"]):
            return False
    elif not (f == field or (f.endswith("*") and field.startswith(f[:-1]))):
        return False
    if "capture" in e and (os.path.basename(path) != e["capture"]
                           or fn not in e["frames"]):
        return False
    return "when" not in e or e["when"](o, t)


def norm_name(s):
    """NetBIOS names: tshark appends a description to RR names
    ("LABSAMBA<20> (Server service)") and prints the wildcard's NUL
    padding ("*<00><00>...<00>"); msl_nbname_format drops that padding.
    An illegal name ("Illegal NetBIOS name (odd number of bytes)") is
    compared whole: the parenthesis there is the reason, which must agree."""
    if s.startswith("Illegal NetBIOS name ("):
        return s
    s = re.sub(r" \([^()]*\)$", "", s)
    s = re.sub(r"^\*(<00>)+(<[0-9a-f]{2}>)", r"*\2", s)
    return s


# ASCII/OEM strings of the wire: tshark prints their bytes raw (read here as
# latin-1), we print a byte that is not printable ASCII as <xx>
# (docs/json.md): the same bytes, written two ways.
OEM_STRINGS = ("smb.trans_name", "mailslot.name", "browser.")


def oem_display(s):
    return "".join(c if 0x20 <= ord(c) < 0x7f else "<%02x>" % ord(c)
                   for c in s)


def tvalue(field, ftype, v):
    if ftype.startswith(("FT_UINT", "FT_INT", "FT_BOOLEAN")):
        return int(v, 0)
    if ftype.startswith("FT_STRING") and field.startswith(OEM_STRINGS):
        return oem_display(v)
    if field in ("nbdgm.source_name", "nbdgm.destination_name", "nbns.name",
                 "nbns.netbios_name"):
        return norm_name(v)
    if ftype == "FT_BYTES":
        return v.replace(":", "").lower()
    return v


def our_values(o, field, ftype, mask):
    if field in OURS:
        vals = OURS[field](o)
    else:
        parent = next((PARENT[p] for p in PARENT if field.startswith(p)
                       or field == p), None)
        if parent is None or not mask:
            return "UNMAPPED"
        pv = OURS[parent](o)
        if pv is None:
            return None
        vals = [(int(v) & mask) >> shift(mask) for v in pv]
        if ftype == "FT_BOOLEAN":
            vals = [1 if v else 0 for v in vals]
    if vals is None:
        return None
    if field in ("nbdgm.source_name", "nbdgm.destination_name", "nbns.name"):
        vals = [norm_name(v) for v in vals]
    return vals


def run_tshark(path, fields):
    cmd = ["tshark", "-r", path, "-Y", "nbdgm || nbns", "-T", "json",
           "-e", "frame.number"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True).stdout
    # tshark writes some string bytes raw (not UTF-8): read them as bytes
    out = out.decode("latin-1")
    frames = {}
    for p in json.loads(out or "[]"):
        lay = p["_source"]["layers"]
        frames[int(lay["frame.number"][0])] = lay
    return frames


def run_ours(cmd, path):
    argv = [a.replace("{}", path) for a in shlex.split(cmd)]
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        o = json.loads(line)
        # the reassembled datagram repeats a frame number: keep the frame's
        # own line, which is what tshark shows (it does not reassemble)
        if "frame" in o and not o.get("dgm_reassembled"):
            frames.setdefault(o["frame"], o)
    return frames


def covering_rule(path, fn, field, o, lay):
    """The first of EXCEPTIONS, else of PENDING, that covers a value that
    differs; None where none does."""
    return next((e for e in EXCEPTIONS + PENDING
                 if rule_applies(e, path, fn, field, o, lay)), None)


def main():
    argv = sys.argv[1:]
    verbose = bool(argv) and argv[0] == "-v"
    if verbose:
        argv = argv[1:]
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, files = argv[0], argv[1:]
    fields = tshark_fields()
    total = agree = excepted = pending = 0
    missing_frames = unmapped = 0
    used = {}  # id() of an EXCEPTIONS/PENDING entry -> values it covered
    seen = set()  # basenames of the captures compared
    for path in files:
        seen.add(os.path.basename(path))
        t_frames = run_tshark(path, sorted(fields))
        o_frames = run_ours(cmd, path)
        f_total = f_agree = f_exc = f_pend = 0
        for fn, lay in sorted(t_frames.items()):
            o = o_frames.get(fn)
            if o is None:
                print(f"{path}: frame {fn}: tshark decodes it, we print "
                      "nothing")
                missing_frames += 1
                continue
            for field in sorted(lay):
                if field == "frame.number" or field not in fields:
                    continue
                if field in DERIVED:
                    continue
                ftype, mask = fields[field]
                tv = [tvalue(field, ftype, v) for v in lay[field]]
                ov = our_values(o, field, ftype, mask)
                if ov == "UNMAPPED":
                    print(f"UNMAPPED field {field} (frame {fn} of {path})")
                    unmapped += 1
                    continue
                total += 1
                f_total += 1
                if ov is not None and list(ov) == tv:
                    agree += 1
                    f_agree += 1
                    continue
                rule = covering_rule(path, fn, field, o, lay)
                if rule:
                    if any(rule is e for e in EXCEPTIONS):
                        excepted += 1
                        f_exc += 1
                    else:
                        pending += 1
                        f_pend += 1
                    used[id(rule)] = used.get(id(rule), 0) + 1
                    continue
                print(f"{path}: frame {fn}: {field}: tshark {tv} ours {ov}")
        if verbose:
            print(f"{path}: {len(t_frames)} frames, {f_agree}/{f_total} "
                  f"values equal" +
                  (f", {f_exc} excepted" if f_exc else "") +
                  (f", {f_pend} pending" if f_pend else ""))
    for kind, rules in (("exception", EXCEPTIONS), ("pending", PENDING)):
        for e in rules:
            n = used.get(id(e), 0)
            if n:
                print(f"{kind} x{n}: {e['field']}: {e['reason']}")
            elif e.get("capture", "") in seen | {""}:
                print(f"note: {kind} never applied (stale? remove it): "
                      f"{e['field']}: {e['reason']}")
    differ = total - agree - excepted - pending
    shown = total - pending
    pct = 100.0 * (agree + excepted) / shown if shown else 100.0
    print(f"tshark agreement: {agree} values equal, {excepted} excepted "
          f"(listed, with the spec section), {differ} differ, of {shown} "
          f"values compared ({pct:.2f}%); {pending} values pending (listed "
          f"frame by frame, not shown by us yet); {missing_frames} frames "
          f"missing, {unmapped} unmapped fields")
    return 0 if differ == 0 and not missing_frames and not unmapped else 1


if __name__ == "__main__":
    sys.exit(main())
