#!/usr/bin/env bash
# Scenario: a datagram for one of our names but a mailslot nobody created is
# dropped and counted; one for a name that is not ours is ignored and
# counted; both visible in `mailslotd --status`. Issue 5, "Receiving".
. "$(dirname "$0")/lib.sh"
netns_daemons 2
FLOOD=$(flood_bin)

daemon_status 2 >"$NS_TMP/status0.txt" ||
  fail "mailslotd --status failed in h2"
msg "h2 status before: $(tr '\n' ' ' <"$NS_TMP/status0.txt")"
nm0=$(status_counter 2 no_mailslot)
no0=$(status_counter 2 not_ours)
dl0=$(status_counter 2 delivered)

msl_send 1 '\\198.18.0.2\mailslot\nobody' 'nobody reads this'
wait_for 10 "h2 to count the datagram for no mailslot" \
  eval '[ "$(status_counter 2 no_mailslot)" -eq $((nm0 + 1)) ]'

# A well-formed datagram for another NetBIOS name, to a slot that exists:
# ignored. Then one for H2: it must be the first message the slot sees.
out=$(h_dir 2)/listen.json
listen_start 2 '\\.\mailslot\exists' "$out" -c 1 --timeout 30000
hx 1 "$FLOOD" send 198.18.0.2 138 1 --src-name H1 --dst-name NOTH2 \
  --slot EXISTS --src-ip 198.18.0.1 >/dev/null || fail "flood send"
wait_for 10 "h2 to count the datagram for another name" \
  eval '[ "$(status_counter 2 not_ours)" -eq $((no0 + 1)) ]'
hx 1 "$FLOOD" send 198.18.0.2 138 1 --src-name H1 --dst-name H2 \
  --slot EXISTS --src-ip 198.18.0.1 >/dev/null || fail "flood send"
wait_exit "$LISTEN_PID" 30 || fail "listener exited with $?"
expect_eq "message seen by \\\\.\\mailslot\\exists" \
  "$(json_field "$out" 1 data_hex)" 4d534c534551000000000000ffffffff

daemon_status 2 >"$NS_TMP/status1.txt"
msg "h2 status after: $(tr '\n' ' ' <"$NS_TMP/status1.txt")"
expect_eq "no_mailslot" "$(status_counter 2 no_mailslot)" $((nm0 + 1))
expect_eq "not_ours" "$(status_counter 2 not_ours)" $((no0 + 1))
expect_eq "delivered" "$(status_counter 2 delivered)" $((dl0 + 1))
# The daemon is still up and nothing else leaked into the run directory.
kill -0 "$(daemon_pid 2)" || fail "mailslotd h2 died"

capture_stop 'nbdgm' 3
wire_check
pass "no-mailslot and not-ours datagrams dropped and counted"
