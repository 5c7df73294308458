#!/bin/sh
# End-to-end: `mailslot verify` over the bundled captures re-encodes every
# decoded layer identically, counts what it should, and reports unreadable
# files with exit status 3.
set -u
tool="${MSL_BUILDDIR:-.}/tools/mailslot"
caps="${MSL_CAPTURES_DIR:-captures}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

"$tool" verify "$caps"/*.pcap* >"$out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "verify exited $rc on the bundled captures"
grep -q "re-encodes differently" "$out" && fail "a layer re-encoded differently"
total=$(tail -1 "$out")
echo "$total"
# 180 datagrams and 959 name-service packets, as tshark counts them (the
# packets quoted in ICMP errors too).
echo "$total" | grep -q "180 datagrams (171 mailslot), 959 name-service" ||
  fail "unexpected totals"
# The clean Windows XP capture: every layer identical, no decode error.
grep -A1 '^windows-xp-browse-eapon1.pcap$' "$out" |
  grep -q "re-encoded identical 87 of 87; decode errors 0" ||
  fail "eapon1 summary"

"$tool" verify /nonexistent.pcap >"$out" 2>&1
rc=$?
[ $rc -eq 3 ] || fail "unreadable file gave exit $rc, want 3"
"$tool" verify >"$out" 2>&1
[ $? -eq 2 ] || fail "no file should be a usage error (2)"
echo "PASS: mailslot verify"
