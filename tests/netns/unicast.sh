#!/usr/bin/env bash
# Scenario: unicast to \\HOST\mailslot\x, HOST given as an IPv4 address and
# as a name the system resolver knows (/etc/hosts of the sender's
# namespace), with the mailslot name in any case. Issue 5, "Sending".
. "$(dirname "$0")/lib.sh"
netns_daemons 2

out=$(h_dir 2)/listen.json
listen_start 2 '\\.\mailslot\unicast' "$out" -c 3 --timeout 30000
lp=$LISTEN_PID

msl_send 1 '\\198.18.0.2\mailslot\unicast' 'by address'
if hx 1 getent hosts h2 >/dev/null; then
  msl_send 1 '\\h2\mailslot\unicast' 'by resolver name'
else
  msg "NOTE: the resolver in h1 does not know h2; sending by address again"
  msl_send 1 '\\198.18.0.2\mailslot\unicast' 'by resolver name'
fi
msl_send 1 '\\198.18.0.2\MAILSLOT\UniCast' 'any case'

wait_exit "$lp" 30 || fail "listener exited with $?"
got=$(for i in 1 2 3; do json_field "$out" "$i" data; done | sort | tr '\n' '|')
expect_eq "messages received by h2" "$got" "any case|by address|by resolver name|"

capture_stop 'nbdgm' 3
wire_check
# Each went by unicast to h2, from UDP 138 (through h1's mailslotd), as a
# DIRECT_UNIQUE datagram; to H2<00> when named. An address names no
# NetBIOS name: the destination is then H2<00> or "*"<00> (libmailslot's
# choice, net/msl_dgram_service.h), which libmailslot receivers accept.
f=$(wire_fields 'nbdgm' ip.src ip.dst udp.srcport udp.dstport nbdgm.type |
  sort -u)
expect_eq "unicast datagrams" "$f" \
  "$(printf '198.18.0.1\t198.18.0.2\t138\t138\t16')"
expect_eq "destination name of the named send" \
  "$(wire_fields 'nbdgm' nbdgm.destination_name | sed -n 2p)" 'H2<00>'
for i in 1 3; do
  d=$(wire_fields 'nbdgm' nbdgm.destination_name | sed -n "${i}p")
  case $d in
  'H2<00>' | '*<00>'*) msg "address form: destination name $d" ;;
  *) fail "address form: destination name $d" ;;
  esac
done
[ "$(status_counter 2 delivered)" -ge 3 ] ||
  fail "h2 delivered counter: $(status_counter 2 delivered)"
pass "3 unicast messages delivered (address, resolver name, any case)"
