#!/usr/bin/env bash
# Scenario (issue 14): the library as a distribution installs it works for
# programs built against it, shared and static. `make install` into a
# DESTDIR; two small programs built from the installed header and
# pkg-config file: one with `pkg-config --libs` (libmailslot.so), one with
# `pkg-config --static --libs` and libmailslot.a. Each calls plain
# msl_open on a broadcast path and writes once (no daemon on the sending
# host: the library sends by itself, as a static program must be able to);
# both messages reach a reader on another host. Also: mailslotd is in
# sbin, the man pages and the systemd unit are installed, and the unit's
# ExecStart names the installed daemon.
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
ns_require_cmd pkg-config
[ -f "$MSL_BUILDDIR/Makefile" ] || skip "no build tree at $MSL_BUILDDIR"
netns_setup 2
daemon_start 2
listen_start 2 '\\.\mailslot\installed' "$(h_dir 2)/listen.json" \
  -c 2 --timeout 30000

dest=$NS_TMP/dest
prefix=$(sed -n 's/^prefix = //p' "$MSL_BUILDDIR/Makefile")
make -s -C "$MSL_BUILDDIR" install DESTDIR="$dest" >"$NS_TMP/install.log" 2>&1 ||
  fail "make install: $(tail -5 "$NS_TMP/install.log")"
root=$dest$prefix
# The man pages: every one of the source's docs/ (section 3: a page per
# function family and a .so page for each other function).
pages=
for p in "$NS_SRCDIR"/../../docs/man3/*.3; do
  pages="$pages share/man/man3/${p##*/}"
done
for f in sbin/mailslotd bin/mailslot include/mailslot.h \
  lib/pkgconfig/libmailslot.pc share/man/man8/mailslotd.8 \
  share/man/man5/mailslotd.conf.5 share/man/man1/mailslot.1 \
  share/man/man3/libmailslot.3 share/man/man3/msl_open.3 \
  share/man/man3/msl_close.3 $pages; do
  [ -e "$root/$f" ] || fail "not installed: $prefix/$f"
done
# man finds them where they are installed; a .so page shows its family's.
if command -v man >/dev/null 2>&1; then
  for want in "3 msl_open man3/msl_open.3" "1 mailslot man1/mailslot.1"; do
    read -r sec name file <<<"$want"
    got=$(MANPATH="$root/share/man" man -w "$sec" "$name" 2>&1)
    [ "$got" = "$root/share/man/$file" ] ||
      fail "man -w $sec $name with MANPATH=$prefix/share/man: '$got', not $prefix/share/man/$file"
  done
  MANPATH="$root/share/man" MANWIDTH=80 man 3 msl_close 2>&1 |
    grep -q '^ *msl_create()' ||
    fail "man 3 msl_close does not show msl_create(3)"
  msg "man -w 3 msl_open, man -w 1 mailslot and man 3 msl_close find the installed pages"
else
  msg "man not here: the installed pages are not looked up"
fi
unit=$(find "$dest" -name mailslotd.service | head -n 1)
[ -n "$unit" ] || fail "the systemd unit is not installed"
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$MSL_BUILDDIR/Makefile" | sed "s|\${prefix}|$prefix|")
conf=$sysconfdir/mailslot/mailslotd.conf
grep -qx "ExecStart=$prefix/sbin/mailslotd --foreground --config $conf" \
  "$unit" || fail "ExecStart does not name the installed daemon and config: $(grep ExecStart "$unit")"
[ -f "$dest$conf" ] || fail "not installed: $conf"
LD_LIBRARY_PATH="$root/lib" "$root/sbin/mailslotd" --config "$dest$conf" --version >/dev/null ||
  fail "the installed $conf is refused"
# systemd accepts the unit as installed (its daemon where ExecStart says),
# with the system's targets beside it in the staging root.
if command -v systemd-analyze >/dev/null 2>&1 && [ -d /usr/lib/systemd/system ]; then
  mkdir -p "$dest/usr/lib/systemd/system"
  cp -L /usr/lib/systemd/system/*.target "$dest/usr/lib/systemd/system/" 2>/dev/null
  # A prefix whose unit directory systemd does not read (make distcheck's
  # _inst): the unit is verified from /etc/systemd/system of the root.
  udir=${unit%/*}
  case ${udir#"$dest"} in
    /etc/systemd/system | /usr/lib/systemd/system | /lib/systemd/system | \
      /usr/local/lib/systemd/system) ;;
    *)
      mkdir -p "$dest/etc/systemd/system"
      cp "$unit" "$dest/etc/systemd/system/"
      msg "${udir#"$dest"} is no directory systemd reads: the unit is verified from /etc/systemd/system"
      ;;
  esac
  out=$(systemd-analyze verify --man=no --root="$dest" mailslotd.service 2>&1) ||
    fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify warns: $out"
  msg "systemd-analyze verify accepts the installed unit"
else
  msg "systemd-analyze not here: the unit is not verified"
fi

cat >"$NS_TMP/prog.c" <<'C'
#include <mailslot.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  msl_handle *w;
  int r = msl_open("\\\\*\\mailslot\\installed", &w);
  if (r < 0) {
    fprintf(stderr, "msl_open: %s (%s)\n", msl_strerror(r), msl_err_name(r));
    return 1;
  }
  r = msl_write(w, argv[1], strlen(argv[1]));
  msl_close(w);
  if (r < 0) {
    fprintf(stderr, "msl_write: %s (%s)\n", msl_strerror(r), msl_err_name(r));
    return 1;
  }
  return argc == 2 ? 0 : 1;
}
C
pc() {
  PKG_CONFIG_PATH=$root/lib/pkgconfig \
    pkg-config --define-variable=prefix="$root" "$@" libmailslot
}
# The build's own compiler flags (a sanitizer build needs them to link).
cc=$(sed -n 's/^CC = //p' "$MSL_BUILDDIR/Makefile")
cflags=$(sed -n 's/^CFLAGS = //p' "$MSL_BUILDDIR/Makefile")
ldflags=$(sed -n 's/^LDFLAGS = //p' "$MSL_BUILDDIR/Makefile")
build() { # OUT ARGS...
  local out=$1
  shift
  # shellcheck disable=SC2086
  ${cc:-cc} $cflags -o "$out" "$NS_TMP/prog.c" $(pc --cflags) "$@" $ldflags
}
shared=1
[ -e "$root/lib/libmailslot.so" ] || {
  shared=
  msg "NOTE: no shared library in this build (--disable-shared): static only"
}
if [ -n "$shared" ]; then
  build "$NS_TMP/prog-shared" $(pc --libs) ||
    fail "building against the shared library"
fi
build "$NS_TMP/prog-static" "$root/lib/libmailslot.a" \
  $(pc --static --libs | sed 's/-lmailslot//') ||
  fail "building against libmailslot.a with pkg-config --static --libs"
# The static program must not need the shared library at all.
ldd "$NS_TMP/prog-static" 2>/dev/null | grep -q libmailslot &&
  fail "prog-static still links libmailslot.so"
chmod 755 "$NS_TMP"/prog-*

# h1 runs no daemon: the library sends by itself (direct), from any port.
if [ -n "$shared" ]; then
  hx 1 env LD_LIBRARY_PATH="$root/lib" MAILSLOT_WORKGROUP="$NS_WG" \
    MAILSLOT_INTERFACE=eth0 "$NS_TMP/prog-shared" "from the shared build" ||
    fail "the shared build could not send"
else
  hx 1 env MAILSLOT_WORKGROUP="$NS_WG" MAILSLOT_INTERFACE=eth0 \
    "$NS_TMP/prog-static" "from the static build, first" ||
    fail "the static build could not send"
fi
hx 1 env MAILSLOT_WORKGROUP="$NS_WG" MAILSLOT_INTERFACE=eth0 \
  "$NS_TMP/prog-static" "from the static build" ||
  fail "the static build could not send"
wait_exit "$LISTEN_PID" 30 || fail "the reader on h2 got $(count_lines "$(h_dir 2)/listen.json") of 2"
got=$(for j in 1 2; do json_field "$(h_dir 2)/listen.json" "$j" data; done |
  sort | tr '\n' '|')
want="from the shared build|from the static build|"
[ -n "$shared" ] || want="from the static build|from the static build, first|"
expect_eq "messages at h2" "$got" "$want"
pass "installed shared and static builds both reach a reader on h2"
