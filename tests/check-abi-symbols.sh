#!/bin/sh
# The exported interface is deliberate (docs/abi.md): the MSL_API functions
# of include/mailslot.h, the global names of the version script
# api/libmailslot.map and the dynamic symbols libmailslot.so exports must
# be one and the same list. Fails naming what differs.
set -u
src=${MSL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${MSL_BUILDDIR:-.}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
sed -n 's/^MSL_API .*[ *]\(msl_[a-z0-9_]*\)(.*/\1/p' "$src/include/mailslot.h" |
  sort >"$tmp/header"
sed -n '/global:/,/local:/s/^ *\(msl_[a-z0-9_]*\);.*/\1/p' \
  "$src/api/libmailslot.map" | sort >"$tmp/map"
[ -s "$tmp/header" ] || { echo "no MSL_API function found in the header"; exit 1; }
rc=0
if ! cmp -s "$tmp/header" "$tmp/map"; then
  echo "include/mailslot.h (<) and api/libmailslot.map (>) differ:"
  diff "$tmp/header" "$tmp/map" | grep '^[<>]'
  rc=1
fi
so=$build/.libs/libmailslot.so
if [ -f "$so" ]; then
  ${NM:-nm} -D --defined-only "$so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' |
    sed 's/@.*//' | grep -v '^LIBMAILSLOT_' | sort >"$tmp/so"
  if ! cmp -s "$tmp/header" "$tmp/so"; then
    echo "include/mailslot.h (<) and the exports of $so (>) differ:"
    diff "$tmp/header" "$tmp/so" | grep '^[<>]'
    rc=1
  fi
  if ${NM:-nm} -D --defined-only "$so" | grep ' msl_' | grep -qv '@@LIBMAILSLOT_'; then
    echo "exports without a version:"
    ${NM:-nm} -D --defined-only "$so" | grep ' msl_' | grep -v '@@LIBMAILSLOT_'
    rc=1
  fi
  [ $rc = 0 ] && echo "$(wc -l <"$tmp/header") functions: header, version script and library agree"
else
  [ $rc = 0 ] && echo "$(wc -l <"$tmp/header") functions: header and version script agree (no shared library built to compare)"
fi
exit $rc
