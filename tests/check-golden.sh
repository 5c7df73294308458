#!/bin/sh
# Golden outputs: `mailslot decode` (summary lines) and `mailslot decode
# --json` for every capture in captures/ must equal tests/golden/NAME.txt
# and tests/golden/NAME.jsonl byte for byte. Every JSON line must parse.
#
# After a deliberate change of the output, regenerate with
#   make update-golden      (or MSL_UPDATE_GOLDEN=1 tests/check-golden.sh)
# and review the diff before keeping it.
set -u
builddir=${MSL_BUILDDIR:-.}
srcdir=${srcdir:-.}
captures=${MSL_CAPTURES_DIR:-$srcdir/captures}
golden=${MSL_GOLDEN_DIR:-$srcdir/tests/golden}
tool=${MSL_TOOL:-$builddir/tools/mailslot}

[ -x "$tool" ] || { echo "check-golden: $tool not built"; exit 1; }
[ -d "$captures" ] || { echo "check-golden: no $captures"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

fail=0 n=0
for cap in "$captures"/*.pcap "$captures"/*.pcapng; do
  [ -f "$cap" ] || continue
  name=$(basename "$cap")
  name=${name%.*}
  "$tool" decode "$cap" > "$tmp/$name.txt" 2> "$tmp/err" ||
    { echo "FAIL: $name: decode exited $?"; cat "$tmp/err"; fail=1; }
  "$tool" decode --json "$cap" > "$tmp/$name.jsonl" 2> "$tmp/err" ||
    { echo "FAIL: $name: decode --json exited $?"; cat "$tmp/err"; fail=1; }
  if command -v python3 > /dev/null 2>&1; then
    python3 -c 'import json, sys
for i, l in enumerate(open(sys.argv[1], encoding="ascii"), 1):
    o = json.loads(l)
    assert isinstance(o, dict) and "frame" in o, "line %d" % i' \
      "$tmp/$name.jsonl" || { echo "FAIL: $name.jsonl: invalid JSON"; fail=1; }
  fi
  for ext in txt jsonl; do
    if [ "${MSL_UPDATE_GOLDEN:-0}" = 1 ]; then
      mkdir -p "$golden"
      cp "$tmp/$name.$ext" "$golden/$name.$ext"
    elif ! cmp -s "$tmp/$name.$ext" "$golden/$name.$ext"; then
      echo "FAIL: $name.$ext differs from $golden/$name.$ext:"
      diff -u "$golden/$name.$ext" "$tmp/$name.$ext" | head -20
      fail=1
    fi
  done
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "check-golden: no captures in $captures"; exit 1; }
if [ "${MSL_UPDATE_GOLDEN:-0}" = 1 ]; then
  echo "check-golden: wrote golden outputs of $n captures to $golden"
  exit 0
fi
[ "$fail" = 0 ] && echo "PASS: golden outputs of $n captures"
exit "$fail"
