# tests/netns/lib.sh: helpers for the network-namespace integration tests.
#
# Sourced by every tests/netns/*.sh scenario (bash). It builds a small LAN:
#
#   msl-<pid>-br:  bridge br0 (no address)
#        |  veth pairs (v1..vN in the bridge namespace, eth0 in each host)
#   msl-<pid>-h1 .. msl-<pid>-hN:  eth0 198.18.0.N/24, broadcast 198.18.0.255
#
# 198.18.0.0/15 is the benchmarking range (RFC 2544); nothing here ever sends
# anywhere else, and the namespaces have no route out. Each host gets its own
# MAILSLOT_RUNDIR under one temp dir, and an /etc/hosts (through iproute2's
# /etc/netns/NS/hosts bind mount) that names every host "hN" and "nodeN".
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.
# Every process started here is killed by pid, every namespace and temp dir
# removed, from an EXIT trap that runs however the scenario ends.

set -u

NS_PREFIX="msl-$$"
NS_BR="$NS_PREFIX-br"
NS_TMP=
NS_PIDS=
NS_HOSTS_DIRS=
NS_SUBNET=198.18.0
NS_BCAST=198.18.0.255
NS_WG=MSLTEST
NS_CAPTURE=
NS_CAPTURE_PID=
NS_NAME=$(basename "$0" .sh)
NS_T0=$(date +%s.%N)

# Where the built tools are: make check exports MSL_BUILDDIR; by hand, run
# from the build tree or set MSL_BUILDDIR.
NS_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MSL_BUILDDIR=${MSL_BUILDDIR:-$(cd "$NS_SRCDIR/../.." && pwd)}
MAILSLOT=${MAILSLOT:-$MSL_BUILDDIR/tools/mailslot}
MAILSLOTD=${MAILSLOTD:-$MSL_BUILDDIR/tools/mailslotd}
MSL_CAPTURES_DIR=${MSL_CAPTURES_DIR:-$NS_SRCDIR/../../captures}

msg() { printf '%s [%6.2fs] %s\n' "$NS_NAME" "$(ns_elapsed)" "$*" >&2; }
ns_elapsed() { awk -v a="$(date +%s.%N)" -v b="$NS_T0" 'BEGIN { print a - b }'; }
skip() { echo "SKIP: $NS_NAME: $*" >&2; exit 77; }
fail() {
  echo "FAIL: $NS_NAME: $*" >&2
  ns_dump_logs
  exit 1
}
hard_error() { echo "ERROR: $NS_NAME: $*" >&2; exit 99; }
pass() { msg "PASS${1:+: $1}"; exit 0; }

# Prints the tail of every log this scenario produced (on failure only).
ns_dump_logs() {
  [ -n "$NS_TMP" ] && [ -d "$NS_TMP" ] || return 0
  local f
  for f in "$NS_TMP"/*.log "$NS_TMP"/h*/*.log "$NS_TMP"/h*/*.err; do
    [ -s "$f" ] || continue
    echo "---- ${f#"$NS_TMP"/} (last 25 lines)" >&2
    tail -n 25 "$f" >&2
  done
}

# ---- setup and teardown ---------------------------------------------------

ns_cleanup() {
  local rc=$? p ns i
  trap - EXIT INT TERM HUP
  set +e
  [ -n "$NS_CAPTURE_PID" ] && kill -TERM "$NS_CAPTURE_PID" 2>/dev/null
  for p in $NS_PIDS; do
    ns_is_child "$p" && kill -TERM "$p" 2>/dev/null
  done
  for p in $NS_PIDS; do
    for i in 1 2 3 4 5 6 7 8 9 10; do
      ns_is_child "$p" || break
      sleep 0.1
    done
    ns_is_child "$p" && kill -KILL "$p" 2>/dev/null
  done
  # Anything else still inside our namespaces was started by this script
  # (through a child); end it by pid before the namespaces go.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' |
    grep -E "^$NS_PREFIX-(br|probe|h[0-9]+)\$"); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$p" 2>/dev/null
    done
    ip netns del "$ns" 2>/dev/null
  done
  for d in $NS_HOSTS_DIRS; do
    rm -rf "$d"
  done
  [ -n "${NS_MADE_ETC_NETNS:-}" ] && rmdir /etc/netns 2>/dev/null
  if [ -n "$NS_TMP" ] && [ -d "$NS_TMP" ]; then
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${NS_KEEP_ON_FAIL:-}" ]; then
      echo "kept $NS_TMP for inspection" >&2
    else
      rm -rf "$NS_TMP"
    fi
  fi
  exit "$rc"
}

# ns_is_child PID: true while PID is alive and a child of this shell (a pid
# we started; never signal a reused one).
ns_is_child() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  set -- $st
  [ "$2" = "$$" ] && [ "$1" != Z ]
}

# ns_require_root: skips (77) unless we are root with iproute2, network
# namespaces and veth (probed inside a throw-away namespace).
ns_require_root() {
  # .ci/test-all sets it for `make distcheck`: the scenarios already ran
  # on the same sources in its first `make check`.
  [ -z "${MSL_SKIP_NETNS:-}" ] ||
    skip "MSL_SKIP_NETNS is set (namespace scenarios ran in another pass)"
  [ "$(id -u)" = 0 ] ||
    skip "needs root to create network namespaces (run 'make check' as root)"
  command -v ip >/dev/null 2>&1 || skip "iproute2 'ip' not found"
  trap ns_cleanup EXIT
  ip netns add "$NS_PREFIX-probe" 2>/dev/null ||
    skip "'ip netns add' failed: network namespaces unavailable here"
  if ! ip -n "$NS_PREFIX-probe" link add name va type veth peer name vb \
    2>/dev/null; then
    skip "cannot create veth pairs (no veth support?)"
  fi
  ip netns del "$NS_PREFIX-probe" 2>/dev/null
}

# ns_require_tools: the built mailslotd and mailslot must exist.
ns_require_tools() {
  [ -x "$MAILSLOT" ] || hard_error "$MAILSLOT not built"
  [ -x "$MAILSLOTD" ] || hard_error "$MAILSLOTD not built"
}

ns_require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "'$c' not installed"
  done
}

h_ns() { echo "$NS_PREFIX-h$1"; }
h_ip() { echo "$NS_SUBNET.$1"; }
h_dir() { echo "$NS_TMP/h$1"; }
h_rundir() { echo "$NS_TMP/h$1/run"; }
h_ctldir() { echo "$NS_TMP/h$1/rund"; } # the run directory's path + "d"
# The group the daemons run as in these tests (--group): nobody's.
NS_SLOT_GID=65534

# ns_rundir_shared N: host N's run directory set up as packages set up
# /run/mailslot (tmpfiles.d): any user may create a slot (sticky, world-
# writable), each slot socket gets the daemon's group (setgid).
ns_rundir_shared() {
  chmod 755 "$(h_dir "$1")"
  chgrp "$NS_SLOT_GID" "$(h_rundir "$1")"
  chmod 3777 "$(h_rundir "$1")"
}
h_name() { echo "H$1"; } # the NetBIOS name of host N's daemon

# hx N CMD...: runs CMD in host N with its MAILSLOT_RUNDIR.
hx() {
  local n=$1
  shift
  ip netns exec "$(h_ns "$n")" env MAILSLOT_RUNDIR="$(h_rundir "$n")" "$@"
}

# brx CMD...: runs CMD in the bridge's namespace.
brx() { ip netns exec "$NS_BR" "$@"; }

# hx_bg N CMD... &, brx_bg CMD... &: the same for background jobs. They
# exec, so that $! is the pid of CMD itself (ip netns exec and env exec
# too), not of a subshell: signals reach CMD and `wait $!` gets its status.
hx_bg() {
  local n=$1
  shift
  exec ip netns exec "$(h_ns "$n")" env MAILSLOT_RUNDIR="$(h_rundir "$n")" "$@"
}
brx_bg() { exec ip netns exec "$NS_BR" "$@"; }

# ns_track PID: ends PID (by pid) at exit.
ns_track() { NS_PIDS="$NS_PIDS $1"; }
ns_untrack() {
  local p out=
  for p in $NS_PIDS; do
    [ "$p" = "$1" ] || out="$out $p"
  done
  NS_PIDS=$out
}

# ns_begin: cleanup on every exit, and the scenario's temporary directory
# (NS_TMP), readable by the unprivileged user the daemon may drop to.
ns_begin() {
  trap ns_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  NS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/msl-netns-$NS_NAME.XXXXXX") ||
    hard_error "mktemp failed"
  chmod 755 "$NS_TMP" # the daemon may drop to an unprivileged user
}

# netns_setup N: N hosts on one bridge. Sets the EXIT trap first, so a
# half-built LAN is removed too.
netns_setup() {
  local n=$1 i ns hostsdir
  ns_require_root
  # tcpdump captures, tshark checks, python3 reads JSON (.ci/deps).
  ns_require_cmd tcpdump tshark python3
  ns_begin
  ip netns add "$NS_BR" || hard_error "ip netns add $NS_BR"
  brx ip link set lo up
  brx ip link add br0 type bridge || hard_error "bridge"
  # No STP or forwarding delay: ports forward as soon as they are up.
  brx ip link set br0 type bridge stp_state 0 forward_delay 0 2>/dev/null
  brx ip link set br0 up
  for i in $(seq 1 "$n"); do
    ns=$(h_ns "$i")
    ip netns add "$ns" || hard_error "ip netns add $ns"
    ip link add "v$i" netns "$NS_BR" type veth peer name eth0 netns "$ns" ||
      hard_error "veth for h$i"
    brx ip link set "v$i" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$(h_ip "$i")/24" broadcast "$NS_BCAST" dev eth0
    ip -n "$ns" link set eth0 up
    mkdir -p "$(h_rundir "$i")"
    ns_rundir_shared "$i"
  done
  # /etc/hosts per host: iproute2 bind-mounts /etc/netns/NS/hosts over
  # /etc/hosts for 'ip netns exec NS'. mkdir may race with another
  # scenario's rmdir of /etc/netns: retry.
  for i in $(seq 1 "$n"); do
    [ -d /etc/netns ] || NS_MADE_ETC_NETNS=1
    hostsdir=/etc/netns/$(h_ns "$i")
    NS_HOSTS_DIRS="$NS_HOSTS_DIRS $hostsdir"
    mkdir -p "$hostsdir" 2>/dev/null || mkdir -p "$hostsdir" ||
      hard_error "mkdir $hostsdir"
    {
      echo "127.0.0.1 localhost"
      for j in $(seq 1 "$n"); do
        echo "$(h_ip "$j") node$j h$j"
      done
    } >"$hostsdir/hosts"
  done
  # Wait until every host sees every other (no DAD on IPv4; the bridge
  # forwards at once with forward_delay 0, but be patient on a busy box).
  for i in $(seq 2 "$n"); do
    wait_for 10 "h1 reaches h$i (ARP)" ns_arp_ok 1 "$i"
  done
  msg "LAN up: $n hosts in $NS_PREFIX-h1..h$n, tmp $NS_TMP"
}

# netns_daemons N: the usual start of a scenario: root and the built tools,
# N hosts on one LAN, mailslotd (daemon_start's defaults) in each, then the
# capture on br0.
netns_daemons() {
  local i
  ns_require_root
  ns_require_tools
  netns_setup "$1"
  for i in $(seq 1 "$1"); do daemon_start "$i"; done
  capture_start
}

# ns_bridge BR: bridge BR in the bridge namespace (created once, like br0).
ns_bridge() {
  brx ip link show "$1" >/dev/null 2>&1 && return 0
  brx ip link add "$1" type bridge || hard_error "bridge $1"
  brx ip link set "$1" type bridge stp_state 0 forward_delay 0 2>/dev/null
  brx ip link set "$1" up
}

# ns_iface_add N IF BR ADDR/LEN BCAST: a new interface IF in host N (a veth
# whose peer v<N><IF> is a port of bridge BR, created if missing), with
# address ADDR/LEN and broadcast BCAST, up.
ns_iface_add() {
  local n=$1 ifname=$2 br=$3 addr=$4 bc=$5 ns
  ns=$(h_ns "$n")
  ns_bridge "$br"
  ip link add "v$n$ifname" netns "$NS_BR" type veth peer name "$ifname" \
    netns "$ns" || hard_error "veth $ifname for h$n"
  brx ip link set "v$n$ifname" master "$br" up
  ip -n "$ns" addr add "$addr" broadcast "$bc" dev "$ifname" ||
    hard_error "address $addr on h$n $ifname"
  ip -n "$ns" link set "$ifname" up
}

# ns_iface_del N IF: removes interface IF of host N (and its bridge port).
ns_iface_del() {
  ip -n "$(h_ns "$1")" link del "$2" || hard_error "cannot remove h$1 $2"
}

# ns_host_move N BR SUBNET: moves host N (eth0) from br0 to bridge BR
# (created if missing), readdressed SUBNET.N/24 (broadcast SUBNET.255).
ns_host_move() {
  local n=$1 br=$2 sub=$3 ns
  ns=$(h_ns "$n")
  ns_bridge "$br"
  brx ip link set "v$n" nomaster
  brx ip link set "v$n" master "$br" up
  ip -n "$ns" addr flush dev eth0
  ip -n "$ns" addr add "$sub.$n/24" broadcast "$sub.255" dev eth0 ||
    hard_error "address $sub.$n on h$n"
}

# netns_setup_pair: hosts h1 and h2 joined directly by one veth pair (no
# bridge; for the benchmark). Same addresses, run dirs and cleanup.
netns_setup_pair() {
  local i
  ns_require_root
  ns_begin
  for i in 1 2; do
    ip netns add "$(h_ns "$i")" || hard_error "ip netns add $(h_ns "$i")"
    mkdir -p "$(h_rundir "$i")"
    ns_rundir_shared "$i"
  done
  ip link add eth0 netns "$(h_ns 1)" type veth peer name eth0 \
    netns "$(h_ns 2)" || hard_error "veth pair"
  for i in 1 2; do
    ip -n "$(h_ns "$i")" link set lo up
    ip -n "$(h_ns "$i")" addr add "$(h_ip "$i")/24" broadcast "$NS_BCAST" \
      dev eth0
    ip -n "$(h_ns "$i")" link set eth0 up
  done
  wait_for 10 "h1 reaches h2 (ARP)" ns_arp_ok 1 2
  msg "veth pair up: $NS_PREFIX-h1 <-> $NS_PREFIX-h2, tmp $NS_TMP"
}

# True when host A resolves host B's MAC (arping-free: a UDP packet to the
# discard port triggers ARP; we then read the neighbour table).
ns_arp_ok() {
  hx "$1" bash -c "exec 3<>/dev/udp/$(h_ip "$2")/9 && echo x >&3" \
    2>/dev/null
  ip -n "$(h_ns "$1")" neigh show "$(h_ip "$2")" 2>/dev/null |
    grep -qE 'REACHABLE|STALE|DELAY'
}

# ---- waiting --------------------------------------------------------------

# wait_for SECONDS DESCRIPTION CMD...: polls CMD every 50-200 ms until it
# succeeds; fails the test after SECONDS (scaled by NS_TIME_SCALE).
wait_for() {
  local secs=$1 what=$2 scale=${NS_TIME_SCALE:-1} end delay=0.05
  shift 2
  end=$(($(date +%s%N) + secs * scale * 1000000000))
  while ! "$@"; do
    [ "$(date +%s%N)" -lt "$end" ] ||
      fail "timed out after ${secs}s waiting for: $what"
    sleep "$delay"
    delay=0.2
  done
}

# pid_gone PID: true when the process has exited (or is a zombie).
pid_gone() {
  ! kill -0 "$1" 2>/dev/null ||
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# wait_exit PID SECONDS: waits for our child PID to exit and returns its
# exit status (fails the test on timeout).
wait_exit() {
  local pid=$1 secs=$2 rc
  wait_for "$secs" "process $pid to exit" pid_gone "$pid"
  wait "$pid" 2>/dev/null
  rc=$?
  ns_untrack "$pid"
  return "$rc"
}

# ---- the daemon -----------------------------------------------------------

# udp_bound N PORT: true when some socket in host N is bound to UDP PORT.
udp_bound() {
  local hex
  hex=$(printf '%04X' "$2")
  hx "$1" cat /proc/net/udp | awk -v p=":$hex" \
    'NR > 1 && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# daemon_start N [ARGS...]: starts mailslotd in host N in the foreground
# (name H<N>, workgroup $DAEMON_WG or MSLTEST, interface $DAEMON_IF or
# eth0 -- DAEMON_IF= (empty): no --interface, every up interface but lo --
# debug log), waits until it owns UDP 138 and answers --status. Sets
# DAEMON_PID.
daemon_start() {
  local n=$1 d ifarg=() idarg=(--user nobody)
  shift
  d=$(h_dir "$n")
  [ -n "${DAEMON_IF-eth0}" ] && ifarg=(--interface "${DAEMON_IF-eth0}")
  # Compatibility: a mailslotd from before the shared slot group (430850e
  # and older, for regression runs with MSL_BUILDDIR of an old build) has
  # no --group option.
  case $("$MAILSLOTD" --help 2>&1) in
  *--group*) idarg+=(--group nogroup) ;;
  esac
  hx_bg "$n" "$MAILSLOTD" --name "$(h_name "$n")" --workgroup "${DAEMON_WG:-$NS_WG}" \
    "${idarg[@]}" \
    ${ifarg[@]+"${ifarg[@]}"} --foreground --log-level debug "$@" \
    >>"$d/mailslotd.log" 2>&1 &
  DAEMON_PID=$!
  ns_track "$DAEMON_PID"
  echo "$DAEMON_PID" >"$d/mailslotd.pid"
  wait_for 15 "mailslotd in h$n to bind UDP 138" daemon_ready "$n" \
    "$DAEMON_PID"
  msg "mailslotd h$n up (pid $DAEMON_PID)"
}

daemon_ready() {
  kill -0 "$2" 2>/dev/null || fail "mailslotd in h$1 exited during start"
  udp_bound "$1" 138 && hx "$1" "$MAILSLOTD" --status >/dev/null 2>&1
}

daemon_pid() { cat "$(h_dir "$1")/mailslotd.pid"; }

# daemon_stop N [SIGNAL]: signals the daemon (default TERM), waits for it
# and returns its exit status.
daemon_stop() {
  local n=$1 sig=${2:-TERM} pid
  pid=$(daemon_pid "$n")
  kill -"$sig" "$pid" 2>/dev/null || fail "mailslotd h$n (pid $pid) not running"
  wait_exit "$pid" 15
}

# no_sanitizer_error N...: fails when the mailslotd log of a host N shows
# a sanitizer's report (AddressSanitizer, UBSan's "runtime error",
# LeakSanitizer).
no_sanitizer_error() {
  local n
  for n in "$@"; do
    grep -qiE 'AddressSanitizer|runtime error|LeakSanitizer' \
      "$(h_dir "$n")/mailslotd.log" &&
      fail "mailslotd h$n log shows a sanitizer error"
  done
  return 0
}

# daemon_end_clean N: mailslotd in host N still runs and answers --status,
# exits 0 on SIGTERM, and its log shows no sanitizer report.
daemon_end_clean() {
  kill -0 "$(daemon_pid "$1")" 2>/dev/null || fail "mailslotd h$1 died"
  daemon_status "$1" >/dev/null ||
    fail "mailslotd h$1 does not answer status"
  daemon_stop "$1" TERM || fail "mailslotd h$1 exited with $? on SIGTERM"
  no_sanitizer_error "$1"
}

# ctl_reply PID SECS REPLY WHAT WANT: the ctl client PID (its request WHAT)
# exits 0 within SECS and its reply file REPLY says WANT.
ctl_reply() {
  wait_exit "$1" "$2" || fail "client for $4 exited with $?"
  expect_eq "reply to $4" "$(reply_of "$3")" "$5"
}

# ctl_hangup GO REPLY PID: the ctl client PID, started with --hangup-on GO
# and waiting in h1 on an open with a passed fd, hangs up: its passed fd
# reads peer-closed (REPLY), and h1 drops the pending entry and counts it
# abandoned.
ctl_hangup() {
  touch "$1"
  wait_exit "$3" 30 || fail "hang-up client exited with $?"
  expect_eq "the passed fd after the hang-up" "$(reply_of "$2")" peer-closed
  wait_for 10 "the pending entry to go" counter_is 1 resolve_pending -eq 0
  expect_eq "h1 resolve_abandoned" "$(status_counter 1 resolve_abandoned)" 1
}

# daemon_status N: prints `mailslotd --status` of host N.
daemon_status() { hx "$1" "$MAILSLOTD" --status; }

# status_counter N NAME: one counter from --status. Accepts "name: 12",
# "name = 12", "name 12" and JSON ("name": 12); prints 0 when absent.
status_counter() {
  daemon_status "$1" 2>/dev/null | tr ',{}' '\n\n\n' | tr -d '"' |
    awk -v k="$2" '{ gsub(/^[ \t]+/, "") }
      { split($0, a, /[ \t]*[:=][ \t]*|[ \t]+/) }
      tolower(a[1]) == tolower(k) && a[2] ~ /^[0-9]+$/ { print a[2]; f = 1; exit }
      END { if (!f) print 0 }'
}

# ---- local readers --------------------------------------------------------

# listen_start N PATH OUTFILE [ARGS...]: `mailslot listen PATH --json ARGS`
# in host N, stdout to OUTFILE; waits until the slot exists. Sets LISTEN_PID.
listen_start() {
  local n=$1 path=$2 out=$3
  shift 3
  hx_bg "$n" "$MAILSLOT" listen "$path" --json "$@" >"$out" 2>>"$out.err" &
  LISTEN_PID=$!
  ns_track "$LISTEN_PID"
  wait_for 10 "listener $path in h$n" slot_exists "$n" "$path" "$LISTEN_PID"
}

# listen_in N PATH [ARGS]: listen_start with host N's output file,
# listen_out N (LISTEN_PID as there).
listen_out() { echo "$(h_dir "$1")/listen.json"; }
listen_in() {
  local n=$1 path=$2
  shift 2
  listen_start "$n" "$path" "$(listen_out "$n")" "$@"
}

# fd_count PID: how many descriptors the process has open.
fd_count() { ls "/proc/$1/fd" | wc -l; }

slot_exists() {
  ! pid_gone "$3" || fail "mailslot listen $2 in h$1 exited early"
  hx "$1" "$MAILSLOT" info "$2" >/dev/null 2>&1
}

# json_field FILE LINE FIELD: one field of the LINE-th JSON object of a
# `listen --json` output (strings unquoted).
json_field() {
  python3 - "$@" <<'EOF'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
o = json.loads(lines[int(sys.argv[2]) - 1])
v = o.get(sys.argv[3])
print("" if v is None else v)
EOF
}

count_lines() { grep -c . "$1" 2>/dev/null || true; }

# lines_at_least FILE N
lines_at_least() { [ "$(count_lines "$1")" -ge "$2" ]; }

# ---- capture and the wire check ---------------------------------------------

# capture_start [BR]: tcpdump on the bridge (br0, or BR; promiscuous, so
# it sees unicast between ports too), UDP 137/138 only, into
# $NS_TMP/wire.pcap.
capture_start() {
  local br=${1:-br0}
  ns_require_cmd tcpdump
  NS_CAPTURE=$NS_TMP/wire.pcap
  # Immediate mode makes libpcap use a TPACKET_V2 ring of snaplen-sized
  # slots: a small snaplen (> the 1500-byte MTU) gives thousands of slots
  # instead of 16, so bursts (133 fragments) are not dropped.
  brx_bg tcpdump -i "$br" -U --immediate-mode -B 4096 -Z root -s 2048 -w "$NS_CAPTURE" \
    'udp and (port 137 or port 138)' >"$NS_TMP/tcpdump.log" 2>&1 &
  NS_CAPTURE_PID=$!
  ns_track "$NS_CAPTURE_PID"
  # Frames forwarded between bridge ports reach br0 only while it is
  # promiscuous (tcpdump sets it too; be explicit).
  brx ip link set "$br" promisc on
  wait_for 10 "tcpdump to start" grep -q 'listening on' "$NS_TMP/tcpdump.log"
}

# capture_count FILTER: packets in the capture matching a tshark filter.
capture_count() {
  tshark -r "$NS_CAPTURE" -Y "$1" 2>/dev/null | grep -c . || true
}

capture_has() { [ "$(capture_count "$1")" -ge "$2" ]; }

# capture_stop [FILTER N]: waits until the capture holds N packets matching
# FILTER (if given), then stops tcpdump.
capture_stop() {
  local ok=1 end=$(($(date +%s) + 10))
  if [ $# -ge 2 ]; then
    until capture_has "$1" "$2"; do
      [ "$(date +%s)" -lt "$end" ] || { ok=0; break; }
      sleep 0.2
    done
  fi
  kill -TERM "$NS_CAPTURE_PID" 2>/dev/null
  wait_exit "$NS_CAPTURE_PID" 10 || true
  NS_CAPTURE_PID=
  msg "tcpdump: $(grep -E 'captured|dropped' "$NS_TMP/tcpdump.log" | tr '\n' ' ')"
  local drops
  drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' \
    "$NS_TMP/tcpdump.log")
  [ "${drops:-0}" = 0 ] ||
    fail "tcpdump lost $drops packets: not every datagram was captured"
  [ "$ok" = 1 ] || fail "the capture has $(capture_count "$1") packets" \
    "matching '$1' after 10 s, expected $2"
}

# wire_check: tshark finds nothing malformed and no expert item of warning
# severity or worse in any captured datagram (normal Windows and Samba
# mailslot datagrams in captures/ carry no expert item at all).
wire_check() {
  ns_require_cmd tshark
  local bad n
  n=$(capture_count 'nbdgm')
  [ "$n" -gt 0 ] || fail "wire check: no NetBIOS datagram captured"
  local filter='(_ws.malformed || _ws.expert.severity >= 0x600000)'
  # NS_FRAGMENTS_OK: leave RFC 1002 fragments out (tshark 4.0 does not
  # reassemble them and calls a first fragment's partial SMB malformed;
  # fragment.sh checks them by reassembling them itself).
  [ -n "${NS_FRAGMENTS_OK:-}" ] &&
    filter="$filter && !(nbdgm.first == 0 || nbdgm.next == 1)"
  bad=$(tshark -r "$NS_CAPTURE" -Y "$filter" \
    -T fields -e frame.number -e _ws.expert.message 2>/dev/null)
  if [ -n "$bad" ]; then
    tshark -r "$NS_CAPTURE" -Y '_ws.malformed || _ws.expert' -V 2>/dev/null |
      tail -n 80 >&2
    fail "wire check: tshark reports malformed/expert items: $bad"
  fi
  msg "wire check: $n datagrams, none malformed, no expert warnings"
}

# wire_fields FILTER FIELD...: tab-separated fields of matching packets.
wire_fields() {
  local filter=$1 args=() f
  shift
  for f in "$@"; do args+=(-e "$f"); done
  tshark -r "$NS_CAPTURE" -Y "$filter" -T fields "${args[@]}" 2>/dev/null
}

# expect_eq WHAT GOT WANT
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# ---- sending --------------------------------------------------------------

# msl_send N PATH MESSAGE [ARGS...]: `mailslot send` in host N; fails the
# test when it fails.
msl_send() {
  local n=$1 path=$2 m=$3
  shift 3
  hx "$n" "$MAILSLOT" send "$path" "$m" "$@" \
    >>"$(h_dir "$n")/send.log" 2>&1 ||
    fail "h$n: mailslot send $path failed: $(tail -n 2 "$(h_dir "$n")/send.log")"
}

# The `mailslot send` option that asks for RFC 1002 fragmentation.
frag_option() {
  local h
  h=$("$MAILSLOT" send --help 2>&1)
  case $h in
  *--fragment*) echo --fragment ;;
  *--allow-fragment*) echo --allow-fragment ;;
  *--frag*) echo --frag ;;
  *) echo --fragment ;;
  esac
}

# ---- the flood helper (tests/netns/flood.c) ---------------------------------

# Built by make check as a check program; by hand, compiled here.
flood_bin() {
  local f=$MSL_BUILDDIR/tests/netns/flood
  if [ -x "$f" ]; then
    echo "$f"
    return
  fi
  f=$NS_TMP/flood
  if [ ! -x "$f" ]; then
    ${CC:-cc} -O2 -I"$NS_SRCDIR/../../include" "$NS_SRCDIR/flood.c" \
      -L"$MSL_BUILDDIR/.libs" -Wl,-rpath,"$MSL_BUILDDIR/.libs" -lmailslot \
      -lpthread -o "$f" >&2 || hard_error "cannot build flood"
  fi
  echo "$f"
}

# kv FILE KEY: the value of KEY=value in the last line of FILE.
kv() {
  tail -n 1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# ---- control requests (resolve-async.sh, dns-async.sh) ----------------------
# ctl N OUT REQUEST [--pass] [--hangup-on FILE]: one control request to host
# N's daemon in the background (CTL_PID), through tests/netns/ctl.py.
ctl() {
  local n=$1 out=$2 req=$3
  shift 3
  hx_bg "$n" python3 "$NS_SRCDIR/ctl.py" "$out" "$req" "$@" 2>>"$out.err" &
  CTL_PID=$!
  ns_track "$CTL_PID"
}
# counter_is N NAME OP VALUE: test on a daemon status counter.
counter_is() { [ "$(status_counter "$1" "$2")" "$3" "$4" ]; }
reply_of() { cat "$1" 2>/dev/null; }
