#!/usr/bin/env bash
# Scenario: mailslotd never blocks on NetBIOS name resolution. A control
# request that needs an unknown name waits for its query (WINS, then each
# interface's broadcast) while the loop goes on delivering datagrams;
# concurrent queries are independent; a positive answer completes resolve,
# send and open as before; a client that hangs up while its request waits
# leaves nothing behind (its passed fd is closed). Every check is an
# ordering ("the datagram was delivered while the resolve was still
# pending"), never a duration.
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
netns_setup 2

NAME_NOT_FOUND=-540 # MSL_ERR_NAME_NOT_FOUND

# h1 asks a WINS server that never answers (an unused address on the LAN)
# before broadcasting: each query of h1 takes the longest schedule there is.
daemon_start 2 --server
daemon_start 1 --wins "$NS_SUBNET.99"
pid1=$(daemon_pid 1)

# ctl, counter_is, reply_of, fd_count, listen_in: lib.sh.

listen_in 1 '\\.\mailslot\async' -c 2 --timeout 60000
lp1=$LISTEN_PID
listen_in 2 '\\.\mailslot\async2' -c 1 --timeout 60000
lp2=$LISTEN_PID

# 1. A datagram is delivered while a resolve waits for its query.
r=$NS_TMP/r1
ctl 1 "$r" 'resolve NOSUCHHOST'
p1=$CTL_PID
wait_for 10 "the resolve request to be sent" test -e "$r.sent"
msl_send 2 '\\198.18.0.1\mailslot\async' 'while resolving'
wait_for 10 "h1's reader to get the datagram" \
  lines_at_least "$(listen_out 1)" 1
[ -e "$r" ] && fail "the resolve answered ($(reply_of "$r")) before the" \
  "datagram was delivered: the loop waited for the query"
counter_is 1 resolve_pending -ge 1 ||
  fail "resolve no longer pending when the datagram arrived"
msg "datagram delivered while 'resolve NOSUCHHOST' was pending"
ctl_reply "$p1" 30 "$r" "resolve NOSUCHHOST" "err $NAME_NOT_FOUND"

# 2. Two resolves at once: both pending together, both answered.
ctl 1 "$NS_TMP/r2" 'resolve NOSUCH2'
p2=$CTL_PID
ctl 1 "$NS_TMP/r3" 'resolve NOSUCH3<20>'
p3=$CTL_PID
wait_for 10 "two resolves pending in h1" counter_is 1 resolve_pending -eq 2
ctl_reply "$p2" 30 "$NS_TMP/r2" "resolve NOSUCH2" "err $NAME_NOT_FOUND"
ctl_reply "$p3" 30 "$NS_TMP/r3" "resolve NOSUCH3<20>" "err $NAME_NOT_FOUND"
expect_eq "h1 resolve_timeouts" "$(status_counter 1 resolve_timeouts)" 3
expect_eq "h1 resolve_pending" "$(status_counter 1 resolve_pending)" 0

# 3. Positive answers through the asynchronous path: h2's names, not
# cached in h1 yet (each one costs a query).
q0=$(status_counter 1 resolve_queries)
ctl 1 "$NS_TMP/r4" 'resolve H2<20>'
wait_exit "$CTL_PID" 30 || fail "resolve client 4 exited with $?"
case $(reply_of "$NS_TMP/r4") in
"ok 198.18.0.2 "*) msg "resolve H2<20>: $(reply_of "$NS_TMP/r4")" ;;
*) fail "resolve H2<20>: got '$(reply_of "$NS_TMP/r4")'" ;;
esac
# "send" to \\H2 waits for H2<00>, then sends.
ctl 1 "$NS_TMP/r5" 'send 0 \\H2\mailslot\async2\nby name, deferred send'
ctl_reply "$CTL_PID" 30 "$NS_TMP/r5" 'send \\H2' ok
wait_exit "$lp2" 30 || fail "h2's reader exited with $?"
expect_eq "message at h2" "$(json_field "$(listen_out 2)" 1 data)" \
  'by name, deferred send'
expect_eq "h1 queries for H2<20> and H2<00>" \
  "$(($(status_counter 1 resolve_queries) - q0))" 2
# "open" (mailslot send through h2's daemon) waits for H1<00>.
msl_send 2 '\\H1\mailslot\async' 'by name, deferred open'
wait_exit "$lp1" 30 || fail "h1's reader exited with $?"
expect_eq "second message at h1" "$(json_field "$(listen_out 1)" 2 data)" \
  'by name, deferred open'
[ "$(status_counter 2 resolve_queries)" -ge 1 ] ||
  fail "h2 did not query H1 (resolve_queries 0)"

# 4. A client hangs up while its open (with a passed fd) waits: the entry
# goes, the passed fd is closed, the daemon answers on.
fds=$(fd_count "$pid1")
go=$NS_TMP/hangup
ctl 1 "$NS_TMP/r6" 'open 0 \\NOSUCH4\mailslot\x' --pass --hangup-on "$go"
p6=$CTL_PID
wait_for 10 "the open to be pending in h1" counter_is 1 resolve_pending -ge 1
wait_for 10 "h1's descriptors to include the pending request" \
  eval '[ "$(fd_count "$pid1")" -ge $((fds + 3)) ]'
ctl_hangup "$go" "$NS_TMP/r6" "$p6"
wait_for 10 "h1's descriptors back to $fds" \
  eval '[ "$(fd_count "$pid1")" = "$fds" ]'
daemon_end_clean 1
pass "deliveries go on during queries; 3 timeouts, 3 answers; hang-up freed"
