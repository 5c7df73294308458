#!/bin/sh
# Builds the libFuzzer targets for `make fuzz` (tests/fuzz/fuzz.am): every
# source once (-fsanitize=fuzzer-no-link), JOBS at a time, then every target
# linked, JOBS at a time, with the objects it needs: the codec targets
# proto/, fuzz_pcap also the capture code and libpcap, fuzz_ns also the
# name-service state machine. Settings come from the environment: CC FLAGS
# LIB_FLAGS CPPFLAGS PCAP_LIBS SRCDIR OBJDIR JOBS, the source lists PROTO_C
# CAPTURE_C NS_C and the codec target names TARGETS.
set -u
obj() { echo "$OBJDIR/$(echo "$1" | tr / _).o"; }
objs() { for f in "$@"; do printf ' %s' "$(obj "$f")"; done; }
# xargs stops at the first 255.
case ${1:-} in
compile)
  echo "  FUZZCC   $(obj "$2")"
  $CC $LIB_FLAGS $CPPFLAGS -c "$SRCDIR/$2" -o "$(obj "$2")" || exit 255
  exit 0 ;;
link)
  t=$2 extra= libs=
  case $t in
  pcap) extra=$(objs $CAPTURE_C) libs=$PCAP_LIBS ;;
  ns) extra=$(objs $NS_C) ;;
  esac
  echo "  FUZZLD   tests/fuzz/fuzz_$t"
  $CC $FLAGS $CPPFLAGS "$SRCDIR/tests/fuzz/fuzz_$t.c" $(objs $PROTO_C) $extra \
    $libs -o "tests/fuzz/fuzz_$t" || exit 255
  exit 0 ;;
esac
mkdir -p "$OBJDIR" || exit 1
for f in $PROTO_C $CAPTURE_C $NS_C; do echo "$f"; done | sort -u |
  xargs -P "$JOBS" -n 1 sh "$0" compile || exit 1
for t in $TARGETS pcap ns; do echo "$t"; done |
  xargs -P "$JOBS" -n 1 sh "$0" link || exit 1
