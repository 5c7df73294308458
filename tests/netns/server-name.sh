#!/usr/bin/env bash
# Issue 12 item 6: NAME<20> (the Server service's name) is registered by
# default exactly when this host runs an SMB file server, as Windows does:
# when something listens on TCP 445 or 139 as mailslotd starts.
#   h1: a listener on TCP 445 (IPv4), mailslotd    -> H1<20>
#   h2: nothing, mailslotd                         -> no H2<20>
#       then a listener on TCP 139 (IPv6), restart -> H2<20>
#   h1 restarted with --no-server                  -> no H1<20>
#   h3: mailslotd --server, nothing listening      -> H3<20>
# Checked from another host with `mailslot resolve NAME<20>` and
# `mailslot nbstat` (and nmblookup -A when installed).
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
netns_setup 3

# listen_tcp N FAMILY PORT: a TCP listener in host N (tracked).
listen_tcp() {
  hx_bg "$1" python3 -c '
import socket, sys, time
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", int(sys.argv[2])))
s.listen(1)
time.sleep(600)' "$2" "$3" &
  ns_track $!
  local port_hex
  port_hex=$(printf '%04X' "$3")
  wait_for 10 "TCP $3 to listen in h$1" eval \
    "hx $1 cat /proc/net/tcp /proc/net/tcp6 | awk '\$2 ~ /:$port_hex\$/ && \$4 == \"0A\"' | grep -q ."
}

# has_server N FROM: does H<N><20> answer a query from host FROM?
has_server() {
  hx "$2" "$MAILSLOT" resolve "H$1<20>" -B "$NS_BCAST" --timeout 800 \
    >/dev/null 2>&1
}
expect_server() { # N yes|no WHY
  local got=no
  has_server "$1" 3 && got=yes
  expect_eq "H$1<20> ($3)" "$got" "$2"
  # The node status says the same.
  local st
  st=$(hx 3 "$MAILSLOT" nbstat "$(h_ip "$1")") || fail "nbstat h$1: $st"
  if [ "$2" = yes ]; then
    echo "$st" | grep -q "H$1<20> *UNIQUE" || fail "nbstat h$1 lacks <20>: $st"
  else
    echo "$st" | grep -q "H$1<20>" && fail "nbstat h$1 lists <20>: $st"
  fi
  msg "H$1<20>: $2 ($3)"
}

listen_tcp 1 4 445
DAEMON_IF=eth0 daemon_start 1 --no-announce
daemon_start 2 --no-announce
daemon_start 3 --no-announce --server
for n in 1 2 3; do
  wait_for 10 "h$n to register its names" eval \
    "[ \"\$(status_counter $n ns_overwrites_sent)\" -ge 2 ]"
done
expect_server 1 yes "TCP 445 listens"
expect_server 2 no "nothing listens"
expect_server 3 yes "--server"
grep -q "an SMB server listens on TCP 445" "$(h_dir 1)/mailslotd.log" ||
  fail "h1 did not log why it registers <20>"
if command -v nmblookup >/dev/null 2>&1; then
  out=$(hx 2 nmblookup -A "$(h_ip 1)" 2>&1)
  echo "$out" | grep -Eq '^[[:space:]]+H1[[:space:]]+<20> -' ||
    fail "nmblookup -A h1 lacks H1<20>: $out"
  msg "nmblookup -A h1: $(echo "$out" | grep '<20>' | tr -s ' \t' ' ')"
fi

# An IPv6 listener on 139 counts too (read at start: restart).
listen_tcp 2 6 139
daemon_stop 2 || fail "h2 exit status $?"
daemon_start 2 --no-announce
wait_for 10 "h2 to register again" eval \
  "[ \"\$(status_counter 2 ns_overwrites_sent)\" -ge 2 ]"
expect_server 2 yes "TCP 139 listens on IPv6"

# --no-server wins over a listener.
daemon_stop 1 || fail "h1 exit status $?"
daemon_start 1 --no-announce --no-server
wait_for 10 "h1 to register again" eval \
  "[ \"\$(status_counter 1 ns_overwrites_sent)\" -ge 2 ]"
expect_server 1 no "--no-server"
pass "NAME<20> only with a file server, or as asked"
