#!/usr/bin/env bash
# Scenario: with no MAILSLOT_RUNDIR anywhere, mailslotd (started as root)
# and a reader running as an unprivileged user share the host-wide
# /run/mailslot, so the reader receives network messages with no code
# change. Issue 5, "Receiving". h2 gets a private tmpfs on /run (unshare),
# so the machine's own /run is never touched.
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
ns_require_cmd setpriv
ns_require_cmd unshare
netns_setup 2
daemon_start 1

d2=$(h_dir 2)
setpriv --reuid=nobody --regid=nogroup --clear-groups "$MAILSLOT" --version \
  >/dev/null 2>&1 || skip "user nobody cannot run $MAILSLOT (build tree not world-readable)"

cat >"$d2/host.sh" <<'SCRIPT'
set -u
mount -t tmpfs -o mode=0755 tmpfs /run || exit 90
unset MAILSLOT_RUNDIR
"$MAILSLOTD" --name H2 --workgroup "$WG" --interface eth0 --foreground \
  >"$D/mailslotd.log" 2>&1 &
dpid=$!
for _ in $(seq 150); do [ -S /run/mailslotd/mailslotd.ctl ] && break; sleep 0.1; done
[ -S /run/mailslotd/mailslotd.ctl ] || { kill "$dpid"; exit 91; }
stat -c '%a %U %G' /run/mailslot >"$D/rundir.mode"
stat -c '%a %U' /run/mailslotd >"$D/ctldir.mode"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_nobody "$MAILSLOT" listen '\\.\mailslot\unpriv' --json -c 1 --timeout 30000 \
  >"$D/listen.json" 2>"$D/listen.err" &
lpid=$!
for _ in $(seq 150); do
  as_nobody "$MAILSLOT" info '\\.\mailslot\unpriv' >/dev/null 2>&1 && break
  sleep 0.1
done
touch "$D/ready"
wait "$lpid"
rc=$?
kill -TERM "$dpid"
wait "$dpid"
exit "$rc"
SCRIPT

hx_bg 2 unshare --mount --propagation private env MAILSLOTD="$MAILSLOTD" \
  MAILSLOT="$MAILSLOT" D="$d2" WG="$NS_WG" bash "$d2/host.sh" &
hp=$!
ns_track "$hp"
host_ready() {
  ! pid_gone "$hp" || fail "h2's script exited early: $(cat "$d2"/*.log "$d2"/listen.err 2>/dev/null | tail -5)"
  [ -e "$d2/ready" ]
}
wait_for 30 "h2's daemon and unprivileged reader" host_ready
# Made by the daemon (no tmpfiles.d here): shared, its group's; the
# control directory its user's, writable by nobody else.
expect_eq "host-wide run directory" "$(cat "$d2/rundir.mode")" "3777 root nogroup"
expect_eq "control directory" "$(cat "$d2/ctldir.mode")" "755 nobody"

msl_send 1 '\\198.18.0.2\mailslot\unpriv' 'to an unprivileged reader'
wait_exit "$hp" 40 || fail "h2's reader exited with $?: $(cat "$d2/listen.err")"
expect_eq "message received by nobody's reader" \
  "$(json_field "$d2/listen.json" 1 data)" 'to an unprivileged reader'
expect_eq "source IP seen by the reader" \
  "$(json_field "$d2/listen.json" 1 source_ip)" '198.18.0.1'
pass "an unprivileged reader received a network message through /run/mailslot"
