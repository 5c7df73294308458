#!/bin/sh
# The ABI of libmailslot.so.1 against its committed baseline
# (dist/abi/libmailslot.abi, made by `make abi-baseline`; docs/abi.md):
# abidiff from abigail-tools, types of the public header only. Any change
# to what the baseline has (a function removed or changed, a type's size or
# layout) fails; an addition is reported and passes (new functions go in a new node of
# api/libmailslot.map, and the baseline is renewed at the release).
set -u
src=${MSL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${MSL_BUILDDIR:-.}
so=$build/.libs/libmailslot.so
base=$src/dist/abi/libmailslot.abi
command -v abidiff >/dev/null 2>&1 || {
  echo "SKIP: abidiff not installed (Debian: apt install abigail-tools)"; exit 77; }
[ -f "$so" ] || { echo "SKIP: no shared library in this build (--disable-shared)"; exit 77; }
[ -f "$base" ] || { echo "no baseline $base (make abi-baseline)"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
abidw $(sh "$src/tests/abidw-flags.sh" "$src" "$build") --out-file "$tmp/now.abi" \
  "$so" || { echo "abidw failed"; exit 1; }
abidiff --no-added-syms "$base" "$tmp/now.abi" >"$tmp/report" 2>&1
rc=$?
# Added symbols left out, any difference is a change to what 1.0 has (a
# type's size or layout, a parameter, a removed function): status 4 or 8.
if [ $rc != 0 ]; then
  echo "FAIL: the ABI of $so changed against $base (abidiff status $rc):"
  cat "$tmp/report"
  exit 1
fi
abidiff "$base" "$tmp/now.abi" >"$tmp/added" 2>&1
if [ $(( $? & 4 )) != 0 ]; then
  echo "compatible additions since the baseline:"
  cat "$tmp/added"
fi
echo "ABI compatible with $(basename "$base")"
exit 0
