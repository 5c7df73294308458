#!/bin/sh
# proto/ is pure: its objects may call only the memory and string helpers
# below (plus compiler/sanitizer runtime symbols). Anything else, a system
# call, stdio, malloc or a clock read, fails this test.
set -u
builddir=${MSL_BUILDDIR:-.}
lib="$builddir/proto/.libs/libmslproto.a"
[ -f "$lib" ] || { echo "check-proto-purity: $lib not built"; exit 1; }
nm=${NM:-nm}
# Undefined in some member and defined in none: what proto/ needs from outside.
defined=$($nm --defined-only "$lib" | awk 'NF >= 3 {print $3}' | sort -u)
undef=$($nm -u "$lib" | awk 'NF >= 2 && $1 == "U" {print $2}' | sort -u |
  grep -vxF "$defined")
bad=
for s in $undef; do
  case "$s" in
    memcpy|memset|memcmp|memchr|memmove|strlen|strchr|bcmp) ;; # clang: memcmp -> bcmp
    __stack_chk_fail|_GLOBAL_OFFSET_TABLE_) ;;
    __asan_*|__ubsan_*|__sanitizer_*|__sancov_*|__msan_*|__tsan_*) ;;
    *) bad="$bad $s" ;;
  esac
done
echo "proto/ references:" $undef
if [ -n "$bad" ]; then
  echo "FAIL: proto/ must not reference:$bad"
  exit 1
fi
for forbidden in socket bind sendto recvfrom read write open close poll time \
    clock_gettime printf fprintf malloc free; do
  if echo "$undef" | grep -qx "$forbidden"; then
    echo "FAIL: proto/ references $forbidden"; exit 1
  fi
done
echo "PASS: proto/ references no system call, stdio, allocation or clock"
