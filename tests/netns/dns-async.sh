#!/usr/bin/env bash
# Scenario: mailslotd never blocks in the system resolver either. After a
# NetBIOS miss, a control request's host goes to getaddrinfo (/etc/hosts,
# DNS) in a worker thread while the request waits as a pending entry: with
# a DNS server that never answers, datagrams are delivered meanwhile, and
# the request ends as the blocking code ended it (err NAME_NOT_FOUND for a DNS
# name); a name in /etc/hosts is found and the message delivered; a client
# that hangs up during the lookup leaves nothing behind. Every check is an
# ordering, never a duration.
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
netns_setup 2

NAME_NOT_FOUND=-540 # MSL_ERR_NAME_NOT_FOUND
DEAD_DNS=$NS_SUBNET.99

# h1's system resolver: /etc/hosts (lib.sh's, plus a DNS-style name for
# h2), then a DNS server on the LAN that never answers. 'ip netns exec'
# bind-mounts /etc/netns/NS/{hosts,resolv.conf} over /etc. A permanent
# neighbour entry sends the queries to nobody (no ARP failure, no ICMP
# error to cut the resolver's wait short).
etc1=/etc/netns/$(h_ns 1)
echo "$(h_ip 2) h2.example" >>"$etc1/hosts"
printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$DEAD_DNS" \
  >"$etc1/resolv.conf"
ip -n "$(h_ns 1)" neigh replace "$DEAD_DNS" lladdr 02:00:00:00:00:99 \
  dev eth0 nud permanent || hard_error "static neighbour for $DEAD_DNS"
hx 1 grep -q "^nameserver $DEAD_DNS" /etc/resolv.conf ||
  skip "ip netns exec does not bind-mount /etc/netns/NS/resolv.conf here"

# h2's name service listens elsewhere: h1's NetBIOS queries for H2 go
# unanswered, so \\H2 reaches the system resolver.
daemon_start 2 --name-port 1137
daemon_start 1
pid1=$(daemon_pid 1)

# ctl, counter_is, reply_of, fd_count, listen_in: lib.sh.
reply_is_err() { case $(reply_of "$1") in "err "*) return 0 ;; esac; return 1; }

listen_in 1 '\\.\mailslot\dnsq' -c 1 --timeout 60000
lp1=$LISTEN_PID
listen_in 2 '\\.\mailslot\dnsok' -c 2 --timeout 60000
lp2=$LISTEN_PID

# 1. "send" and "open" of DNS names nobody can resolve: both wait in the
# system resolver (after their NetBIOS queries) together, a datagram from
# h2 is delivered meanwhile, then both fail with NAME_NOT_FOUND.
ctl 1 "$NS_TMP/r1" 'send 0 \\NOSUCH.example\mailslot\x\nnever sent'
p1=$CTL_PID
ctl 1 "$NS_TMP/r2" 'open 0 \\NOSUCH2.example\mailslot\x' --pass
p2=$CTL_PID
wait_for 30 "both requests in h1's system resolver" \
  counter_is 1 dns_lookups -ge 2
msl_send 2 '\\198.18.0.1\mailslot\dnsq' 'during the DNS wait'
wait_for 10 "h1's reader to get the datagram" \
  lines_at_least "$(listen_out 1)" 1
for r in "$NS_TMP/r1" "$NS_TMP/r2"; do
  [ -e "$r" ] && fail "a request was answered ($(reply_of "$r")) before" \
    "the datagram was delivered: the loop waited for getaddrinfo"
done
counter_is 1 resolve_pending -eq 2 ||
  fail "requests no longer pending when the datagram arrived" \
    "(resolve_pending $(status_counter 1 resolve_pending))"
msg "datagram delivered while two DNS lookups were pending"
ctl_reply "$p1" 60 "$NS_TMP/r1" 'send \\NOSUCH.example' "err $NAME_NOT_FOUND"
ctl_reply "$p2" 60 "$NS_TMP/r2" 'open \\NOSUCH2.example' "err $NAME_NOT_FOUND"
expect_eq "h1 dns_lookups" "$(status_counter 1 dns_lookups)" 2
expect_eq "h1 resolve_pending" "$(status_counter 1 resolve_pending)" 0
wait_exit "$lp1" 30 || fail "h1's reader exited with $?"

# 2. Names the system resolver finds (h1's /etc/hosts), after a NetBIOS
# query nobody answers: a plain name (send) and a DNS-style name (open,
# through `mailslot send`), delivered to h2 as H2<00>.
d0=$(status_counter 1 dns_lookups)
ctl 1 "$NS_TMP/r3" 'send 0 \\h2\mailslot\dnsok\nfrom /etc/hosts'
ctl_reply "$CTL_PID" 60 "$NS_TMP/r3" 'send \\h2' ok
msl_send 1 '\\h2.example\mailslot\dnsok' 'by DNS-style name'
wait_exit "$lp2" 30 || fail "h2's reader exited with $?"
expect_eq "first message at h2" "$(json_field "$(listen_out 2)" 1 data)" \
  'from /etc/hosts'
expect_eq "second message at h2" "$(json_field "$(listen_out 2)" 2 data)" \
  'by DNS-style name'
expect_eq "h1 lookups for h2 and h2.example" \
  "$(($(status_counter 1 dns_lookups) - d0))" 2

# 3. A client hangs up while its open waits for the system resolver: the
# entry goes at once, its passed fd is closed; the lookup's thread ends
# on its own and its descriptor goes with it.
fds=$(fd_count "$pid1")
go=$NS_TMP/hangup
d0=$(status_counter 1 dns_lookups)
ctl 1 "$NS_TMP/r4" 'open 0 \\NOSUCH3.example\mailslot\x' --pass \
  --hangup-on "$go"
p4=$CTL_PID
wait_for 30 "the open to reach h1's system resolver" \
  counter_is 1 dns_lookups -gt "$d0"
ctl_hangup "$go" "$NS_TMP/r4" "$p4"
wait_for 30 "h1's descriptors back to $fds" \
  eval '[ "$(fd_count "$pid1")" = "$fds" ]'
daemon_end_clean 1
pass "deliveries go on during DNS lookups; 2 not found, 2 found; hang-up freed"
