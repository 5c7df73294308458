#!/usr/bin/env bash
# Scenario: mailslotd killed with SIGKILL restarts cleanly and delivers
# again; SIGTERM ends it cleanly (exit 0, port released, nothing of its own
# left in the run directory). A reader outlives its daemon. Issue 5,
# "mailslotd".
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
netns_setup 2
daemon_start 1
rundir=$(h_rundir 2)
before=$(ls -A "$rundir")

out=$(h_dir 2)/listen.json
listen_start 2 '\\.\mailslot\restart' "$out" -c 3 --timeout 60000
slots=$(ls -A "$rundir")
daemon_start 2
capture_start
msl_send 1 '\\198.18.0.2\mailslot\restart' 'before the kill'
wait_for 20 "message 1" lines_at_least "$out" 1

# SIGKILL: whatever it leaves (a control socket) must not stop a restart.
pid=$(daemon_pid 2)
daemon_stop 2 KILL && fail "mailslotd exited 0 on SIGKILL?"
pid_gone "$pid" || fail "mailslotd $pid still alive after SIGKILL"
udp_bound 2 138 && fail "UDP 138 still bound after SIGKILL"
msg "left after SIGKILL: $(ls -A "$rundir" | tr '\n' ' ')"
daemon_start 2
[ "$(daemon_pid 2)" != "$pid" ] || fail "same pid after restart?"
msl_send 1 '\\198.18.0.2\mailslot\restart' 'after the restart'
wait_for 20 "message 2" lines_at_least "$out" 2
# Sending through the restarted daemon works too (its control socket).
msl_send 2 '\\198.18.0.1\mailslot\nobody' 'from the restarted daemon'
wait_for 10 "h1 to count the datagram from h2" \
  eval '[ "$(status_counter 1 no_mailslot)" -ge 1 ]'

# SIGTERM: clean exit, nothing of the daemon's left behind.
daemon_stop 2 TERM || fail "mailslotd exited with status $? on SIGTERM"
udp_bound 2 138 && fail "UDP 138 still bound after SIGTERM"
after=$(ls -A "$rundir")
expect_eq "run directory after SIGTERM (only the reader's files)" \
  "$after" "$slots"
left=$(ip netns pids "$(h_ns 2)" | grep -vx "$LISTEN_PID" | tr '\n' ' ')
[ -z "$left" ] || fail "processes left in h2: $left"
grep -qiE 'AddressSanitizer|runtime error|fatal|assert' \
  "$(h_dir 2)/mailslotd.log" && fail "mailslotd log shows a crash"

# And a third life, after the clean stop.
daemon_start 2
msl_send 1 '\\198.18.0.2\mailslot\restart' 'after SIGTERM'
wait_exit "$LISTEN_PID" 30 || fail "listener exited with $?"
got=$(for i in 1 2 3; do json_field "$out" "$i" data; done | tr '\n' '|')
expect_eq "messages" "$got" "before the kill|after the restart|after SIGTERM|"
daemon_stop 2 TERM || fail "second SIGTERM: exit $?"
expect_eq "run directory at the end" "$(ls -A "$rundir")" "$before"

capture_stop 'nbdgm' 4
wire_check
pass "SIGKILL + restart, SIGTERM clean, reader survived both"
