#!/bin/sh
# The field tables (proto/msl_fields_*.c) against what they claim
# (issue 13: printers driven by field tables, docs that do not drift):
#  - every JSON key `mailslot decode --fields` lists is described in
#    docs/json.md;
#  - every tshark field name it lists is one tshark knows
#    (`tshark -G fields`; skipped when tshark is not installed).
# Fails naming each key or name.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${MSL_BUILDDIR:-.}
tool=${MSL_TOOL:-$builddir/tools/mailslot}
[ -x "$tool" ] || { echo "check-fields: $tool not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

"$tool" decode --fields >"$tmp/fields" || { echo "FAIL: decode --fields"; exit 1; }
n=$(grep -vc '^#' "$tmp/fields")
[ "$n" -gt 200 ] || { echo "FAIL: decode --fields listed $n fields"; exit 1; }

# Runs check on each distinct value of column col (but "-"), naming the
# ones it refuses with what.
each() { # col check what
  bad=0
  for v in $(awk -F'\t' -v c="$1" '!/^#/ && $c != "-" {print $c}' \
      "$tmp/fields" | sort -u); do
    $2 "$v" || { echo "FAIL: $v $3"; bad=1; }
  done
  return $bad
}
documented() { grep -qw -- "$1" "$srcdir/docs/json.md"; }
tshark_has() { grep -qxF -- "$1" "$tmp/tshark"; }

rc=0
if each 2 documented "(a JSON key) is not in docs/json.md"; then
  echo "ok   every JSON key of the field tables is in docs/json.md"
else
  rc=1
fi
if command -v tshark >/dev/null 2>&1; then
  tshark -G fields 2>/dev/null | awk -F'\t' '$1 == "F" {print $3}' |
    sort -u >"$tmp/tshark"
  if each 3 tshark_has "is not a tshark field"; then
    echo "ok   every tshark field name of the field tables is tshark's"
  else
    rc=1
  fi
else
  echo "note: tshark missing, tshark field names not checked"
fi
exit $rc
