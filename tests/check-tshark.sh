#!/bin/sh
# Agreement with tshark: every field tshark shows for the nbdgm, smb
# (trans_name), mailslot, browser, smb_netlogon and nbns layers of every
# capture in captures/ must equal what `mailslot decode --json` says, frame
# by frame, except what tests/tshark_compare.py lists one by one (field,
# frames, spec section): no category of values is set aside.
# Skipped (exit 77) when tshark or python3 is missing.
set -u
builddir=${MSL_BUILDDIR:-.}
srcdir=${srcdir:-.}
captures=${MSL_CAPTURES_DIR:-$srcdir/captures}
tool=${MSL_TOOL:-$builddir/tools/mailslot}

if ! command -v tshark > /dev/null 2>&1; then
  echo "SKIP: tshark is not installed (install it to compare with Wireshark)"
  exit 77
fi
if ! command -v python3 > /dev/null 2>&1; then
  echo "SKIP: python3 is not installed"
  exit 77
fi
[ -x "$tool" ] || { echo "check-tshark: $tool not built"; exit 1; }
# tests/data: crafted inputs (each says how it was made and why)
set -- "$captures"/*.pcap "$captures"/*.pcapng "$srcdir"/tests/data/*.pcap
exec python3 "$srcdir/tests/tshark_compare.py" -v "$tool decode --json {}" "$@"
