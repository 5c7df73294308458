# tests/netns/relay-lib.sh: three routed sites for the relay scenarios
# (tests/netns/relay-*.sh, docs/relay.md). Sourced after lib.sh.
#
#   site A  bra 198.18.1.0/24   h1 relay (mailslotd A)  h2 host
#   site B  brb 198.18.2.0/24   h3 relay (mailslotd B)  h4 host (nmbd)  h8 host
#   site C  brc 198.18.3.0/24   h5 relay (mailslotd C)  h6 host
#   h7: the router, 198.18.{1,2,3}.7, forwarding between the three
#
# Every host's default route points at the router, so the relays reach
# each other by unicast (TCP) while broadcasts stay in their subnet, as
# between offices. Certificates are made here with the openssl command
# line (relay_pki). Relays listen on RELAY_PORT of their address.

RELAY_PORT=4455
RELAY_HOSTS="1 3 5"

site_of() { case $1 in 1 | 2) echo A ;; 3 | 4 | 8) echo B ;; *) echo C ;; esac; }
site_net() { case $1 in A) echo 198.18.1 ;; B) echo 198.18.2 ;; *) echo 198.18.3 ;; esac; }
# The address of host N after relay_topology.
rip() { echo "$(site_net "$(site_of "$1")").$1"; }
relay_addr() { echo "$(rip "$1"):$RELAY_PORT"; }

# relay_lan: root and the built tools, then relay_topology and relay_pki.
relay_lan() {
  ns_require_root
  ns_require_tools
  relay_topology
  relay_pki
}

# relay_topology: the three sites and the router (8 namespaces).
relay_topology() {
  ns_require_cmd openssl
  netns_setup 8
  local n br
  for n in 1 2 3 4 5 6 8; do
    case $(site_of "$n") in A) br=bra ;; B) br=brb ;; *) br=brc ;; esac
    ns_host_move "$n" "$br" "$(site_net "$(site_of "$n")")"
  done
  ns_host_move 7 bra 198.18.1
  ns_iface_add 7 eth1 brb 198.18.2.7/24 198.18.2.255
  ns_iface_add 7 eth2 brc 198.18.3.7/24 198.18.3.255
  ip netns exec "$(h_ns 7)" sysctl -qw net.ipv4.ip_forward=1
  for n in 1 2 3 4 5 6 8; do
    ip -n "$(h_ns "$n")" route add default via "$(site_net "$(site_of "$n")").7" ||
      hard_error "default route of h$n"
  done
  wait_for 10 "h1 reaches h3 across the router" ns_ping 1 "$(rip 3)"
  wait_for 10 "h1 reaches h5 across the router" ns_ping 1 "$(rip 5)"
  wait_for 10 "h3 reaches h5 across the router" ns_ping 3 "$(rip 5)"
  msg "three sites up: A 198.18.1.0/24, B 198.18.2.0/24, C 198.18.3.0/24"
}

# ns_ping N IP: one TCP probe; a closed port answers with a reset, which
# proves the route (bash says "refused").
ns_ping() {
  hx "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/9" 2>&1 | grep -q refused
}

# relay_capture BR: tcpdump on bridge BR (UDP 137/138) into NS_CAPTURE,
# for wire_check (lib.sh's capture_start watches br0 only).
relay_capture() {
  NS_CAPTURE=$NS_TMP/wire-$1.pcap
  brx_bg tcpdump -i "$1" -U --immediate-mode -B 4096 -Z root -s 2048 \
    -w "$NS_CAPTURE" 'udp and (port 137 or port 138)' \
    >"$NS_TMP/tcpdump.log" 2>&1 &
  NS_CAPTURE_PID=$!
  ns_track "$NS_CAPTURE_PID"
  brx ip link set "$1" promisc on
  wait_for 10 "tcpdump to start" grep -q 'listening on' "$NS_TMP/tcpdump.log"
}

# relay_pki: a CA and a certificate for each site (CN=site-a..c), another
# CA with a certificate of its own (rogue), and a certificate of our CA
# that expired in 2020 (expired; openssl ca sets its dates). Keys mode 600.
relay_pki() {
  PKI=$NS_TMP/pki
  mkdir -p "$PKI"
  local o="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  (
    cd "$PKI" || exit 1
    openssl req -x509 $o -keyout ca.key -out ca.pem -subj /CN=msl-test-ca \
      -days 2
    openssl req -x509 $o -keyout rogue-ca.key -out rogue-ca.pem \
      -subj /CN=msl-rogue-ca -days 2
    for s in a b c expired; do
      openssl req $o -keyout "$s.key" -out "$s.csr" -subj "/CN=site-$s"
    done
    n=1
    for s in a b c; do
      n=$((n + 1))
      openssl x509 -req -in "$s.csr" -CA ca.pem -CAkey ca.key \
        -set_serial "$n" -days 2 -out "$s.pem"
    done
    openssl req $o -keyout rogue.key -out rogue.csr -subj /CN=site-a
    openssl x509 -req -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca.key \
      -set_serial 9 -days 2 -out rogue.pem
    # An expired certificate: `openssl ca` takes explicit dates.
    mkdir -p db && : >db/index.txt && echo 10 >db/serial
    printf '%s\n' '[ca]' 'default_ca = d' '[d]' 'database = db/index.txt' \
      'serial = db/serial' 'new_certs_dir = db' 'default_md = sha256' \
      'policy = p' '[p]' 'commonName = supplied' >ca.cnf
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key \
      -in expired.csr -out expired.pem -startdate 20200101000000Z \
      -enddate 20200102000000Z -notext
    chmod 600 ./*.key
  ) >"$NS_TMP/pki.log" 2>&1 || {
    cat "$NS_TMP/pki.log" >&2
    hard_error "openssl could not make the test certificates"
  }
}

# relay_args SITE-LETTER: the certificate options of that site.
relay_args() {
  local s
  s=$(echo "$1" | tr 'ABC' 'abc')
  echo --relay-cert "$PKI/$s.pem" --relay-key "$PKI/$s.key" \
    --relay-ca "$PKI/ca.pem"
}

# relay_start N [ARGS...]: mailslotd in host N as its site's relay,
# listening on RELAY_PORT, with host announcements sped up (test-only).
relay_start() {
  local n=$1 site
  shift
  site=$(site_of "$n")
  MSL_ANNOUNCE_SCALE=${MSL_ANNOUNCE_SCALE:-1} daemon_start "$n" \
    --site "$site" $(relay_args "$site") \
    --relay-listen "$(relay_addr "$n")" "$@"
}

# link_state N SITE: the state of host N's link to SITE: "up" when one
# carries its traffic, else "standby", "down", ... ("none" without a
# line). Reads --status.
link_state() {
  daemon_status "$1" 2>/dev/null | awk -v s="site=$2" '
    /^relay_peer / { for (i = 1; i <= NF; i++) if ($i == s) {
      for (j = 1; j <= NF; j++) if ($j ~ /^state=/) st[substr($j, 7)] = 1 } }
    END { if ("up" in st) print "up"; else if ("standby" in st) print "standby";
          else { for (k in st) { print k; exit } print "none" } }'
}

link_up() { [ "$(link_state "$1" "$2")" = up ]; }

# relay_peer_field N PEER FIELD: one key=value field of host N's status
# line for PEER (a configured HOST:PORT, or in:ADDR).
relay_peer_field() {
  daemon_status "$1" 2>/dev/null | awk -v p="$2" -v f="$3=" '
    $1 == "relay_peer" && $2 == p { for (i = 3; i <= NF; i++)
      if (index($i, f) == 1) { print substr($i, length(f) + 1); exit } }'
}

# rss_kb PID: resident memory of a process in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# messages_with FILE TEXT: how many messages of a listener's JSON output
# begin with TEXT.
messages_with() {
  grep -c -F "\"data\":\"$2" "$1" 2>/dev/null || true
}
