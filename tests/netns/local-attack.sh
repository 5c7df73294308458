#!/usr/bin/env bash
# Scenario: hostile LOCAL users (SECURITY.md, "Local users") against
# mailslotd and the shared slot directory, one part per attack class, each
# a regression test. The daemons run as nobody:nogroup (lib.sh). The
# attacker is "mallory", uid 4242 (no passwd entry needed), where it
# matters that the attacker is not the daemon's user -- nobody is trusted
# to speak for the network and may write its own slots, by design -- and
# nobody where it does not; "victim" is uid 4243.
#   h1: mailslotd (the sender's host), h2: mailslotd (the receiver's),
#   h3: a second daemon started unprivileged (part caps), then the LAN
#       attacker of part frag.
# Parts (LOCAL_ATTACK_PARTS, default all: "caps fair squat plant symlink
# forge stopped frag"):
#  caps     the daemons run as nobody with no capability (effective,
#           permitted, ambient) and no_new_privs; one started as nobody
#           with only ambient CAP_NET_BIND_SERVICE binds 137/138 and then
#           holds no capability either.
#  fair     nobody opens 300 writers through h1's daemon and keeps 20 idle
#           control connections (reconnecting when closed); root's 100
#           `mailslot send`s each succeed within 2 s and all arrive at h2;
#           ctl_uid_limited counts the refusals.
#  squat    mallory cannot make the control directory nor bind in it; she
#           binds a socket at the old control path ($MAILSLOT_RUNDIR/
#           mailslotd.ctl) before h1's daemon starts: the daemon starts,
#           sends through it reach h2, her socket hears nothing.
#  plant    a lock file mallory plants for a name: the victim's `mailslot
#           listen` of that name fails "access denied"; root's replaces it
#           with a file of its own (root may remove hers from the sticky
#           directory; nobody adopts it) and receives; the daemon runs on.
#  symlink  slot files nobody plants in h2's run directory whose .sock is a
#           symlink to a root-only socket (0600) and to a world-writable
#           one elsewhere: network messages reach neither (refused,
#           counted). mallory's slot with its socket 0600 is refused (not
#           the daemon's group's to write), after chmod 0620 delivered.
#  forge    mallory writes to root's slot (made writable to others) a
#           message whose local header claims network origin: it reads as
#           local, uid 4242, no source; a network message right after reads
#           as network, uid 65534 (the daemon), source 198.18.0.1.
#  stopped  h2: slot STOPPED's reader is stopped (SIGSTOP), slot LIVE's
#           reads; 50,000 datagrams for STOPPED in 20 bursts, 100 for LIVE
#           after each: LIVE gets all 2,000; quota_drops > 0, few kernel
#           drops.
#  frag     h3 floods h2 with first fragments (new DGM_ID each, never
#           completed) while h1 sends 20 fragmented 4000-byte messages
#           over a 2 Mbit/s link: all 20 arrive intact.
# Against 430850e (before the hardening; MSL_BUILDDIR=<its build>) every
# part fails: caps (CAP_DAC_OVERRIDE kept), fair (root's first send fails:
# nobody's writers fill the table), squat (the daemon does not start),
# plant (root's reader adopts mallory's lock file), symlink (the root-only
# socket gets the message), forge (reads as network), stopped (LIVE gets
# ~600 of 2,000), frag (0 of 20 arrive).
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
ns_require_cmd setpriv python3
PARTS=${LOCAL_ATTACK_PARTS:-caps fair squat plant symlink forge stopped frag}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
ATK=$NS_SRCDIR/local-attack.py
MAL=4242 # mallory: neither root nor the daemon's user
VIC=4243 # victim

# as UID CMD...: CMD as UID (its own group, no others).
as() {
  local u=$1
  shift
  setpriv --reuid="$u" --regid="$u" --clear-groups "$@"
}
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# A python3 that unprivileged users may run (root's may be a private
# pyenv shim) and that has socket.send_fds (3.9).
PYU=
for p in "$(command -v python3)" /usr/bin/python3 /usr/local/bin/python3; do
  [ -x "$p" ] || continue
  if as "$MAL" "$p" -c 'import socket; socket.send_fds' 2>/dev/null; then
    PYU=$p
    break
  fi
done
[ -n "$PYU" ] || skip "no python3 >= 3.9 that uid $MAL may run"
as "$MAL" "$MAILSLOT" --version >/dev/null 2>&1 ||
  skip "uid $MAL cannot run $MAILSLOT (build tree not world-readable)"

netns_setup 3
# Where unprivileged helpers write their reports.
AD=$NS_TMP/atk
mkdir -m 1777 "$AD"

# ctl_sock N: host N's control socket, where the daemon under test put it.
# Compatibility: before the control directory (430850e and older) it was
# in the run directory itself.
ctl_sock() {
  if [ -d "$(h_ctldir "$1")" ]; then
    echo "$(h_ctldir "$1")/mailslotd.ctl"
  else
    echo "$(h_rundir "$1")/mailslotd.ctl"
  fi
}
alive() { # N WHEN
  kill -0 "$(daemon_pid "$1")" 2>/dev/null ||
    fail "$2: h$1's mailslotd died ($(tail -n 3 "$(h_dir "$1")/mailslotd.log" | tr '\n' ' '))"
}
# unwrap PROG: PROG, or for a libtool wrapper script (a shared build) the
# program it runs, which then needs LD_LIBRARY_PATH=$LDP: the wrapper, a
# bash script, costs ~60 ms a run, and the loops below run mailslot and
# flood a hundred times each.
LDP=$MSL_BUILDDIR/.libs
unwrap() {
  local d b
  d=$(dirname "$1") b=$(basename "$1")
  if grep -qs "wrapper script for .libs/$b" "$1" && [ -x "$d/.libs/$b" ]; then
    LD_LIBRARY_PATH=$LDP "$d/.libs/$b" >/dev/null 2>&1
    [ $? != 127 ] && echo "$d/.libs/$b" && return
  fi
  echo "$1"
}
MAILSLOT_X=$(unwrap "$MAILSLOT")
# within SECONDS CMD...: polls CMD until it succeeds (0) or SECONDS pass (1).
within() {
  local end=$(($(date +%s%N) + $1 * 1000000000))
  shift
  until "$@"; do
    [ "$(date +%s%N)" -lt "$end" ] || return 1
    sleep 0.1
  done
}

# ---- squat (set-up): before h1's daemon exists ----------------------------------
if part squat; then
  r=$(as "$MAL" "$PYU" "$ATK" trymkdir "$(h_ctldir 1)")
  expect_eq "squat: mallory making h1's control directory before the daemon" \
    "$r" EACCES
  sq=$AD/squat.log
  : >"$sq"
  chmod 666 "$sq"
  hx_bg 1 setpriv --reuid="$MAL" --regid="$MAL" --clear-groups \
    "$PYU" "$ATK" squat "$(h_rundir 1)/mailslotd.ctl" "$sq" \
    2>"$AD/squat.err" &
  ns_track $!
  wait_for 10 "mallory's socket at the old control path" grep -q ready "$sq"
  msg "squat: mallory listens at \$MAILSLOT_RUNDIR/mailslotd.ctl; starting h1's daemon"
fi

daemon_start 2
daemon_start 1

# ---- caps -------------------------------------------------------------------------
# no_caps N PID WHO: PID runs as nobody, no capability, no_new_privs.
no_caps() {
  local st=/proc/$2/status f got
  [ -r "$st" ] || fail "caps: $3 (pid $2) is gone"
  got=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "$st")
  expect_eq "caps: $3 uids (real, effective, saved, fs)" "$got" \
    "65534 65534 65534 65534"
  for f in CapEff CapPrm CapAmb; do
    got=$(awk -v f="$f:" '$1 == f { print $2 }' "$st")
    expect_eq "caps: $3 $f" "$got" 0000000000000000
  done
  expect_eq "caps: $3 NoNewPrivs" \
    "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$st")" 1
}
if part caps; then
  no_caps 1 "$(daemon_pid 1)" "h1's mailslotd (started as root)"
  no_caps 2 "$(daemon_pid 2)" "h2's mailslotd (started as root)"
  # h3: started as nobody with only CAP_NET_BIND_SERVICE (ambient), as the
  # shipped systemd unit does; its control directory made for it, as
  # RuntimeDirectory= would (the parent is root's).
  install -d -m 0755 -o nobody -g nogroup "$(h_ctldir 3)"
  d3=$(h_dir 3)
  hx_bg 3 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --inh-caps +net_bind_service --ambient-caps +net_bind_service \
    "$MAILSLOTD" --name H3 --workgroup "$NS_WG" --interface eth0 \
    --foreground --log-level debug >>"$d3/mailslotd.log" 2>&1 &
  p3=$!
  ns_track "$p3"
  echo "$p3" >"$d3/mailslotd.pid"
  wait_for 15 "h3's unprivileged mailslotd to bind UDP 137 and 138" \
    eval 'daemon_ready 3 "$p3" && udp_bound 3 137'
  no_caps 3 "$p3" "h3's mailslotd (started as nobody + CAP_NET_BIND_SERVICE)"
  daemon_stop 3 || fail "caps: h3's mailslotd exited with status $?"
  msg "caps: three daemons as uid 65534, no capability, no_new_privs"
fi

# ---- fair -------------------------------------------------------------------------
if part fair; then
  hog=$AD/hog.txt
  stop=$AD/hog.stop
  hx_bg 1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$PYU" "$ATK" hog "$(ctl_sock 1)" "$hog" 300 20 "$stop" \
    2>"$AD/hog.err" &
  hp=$!
  ns_track "$hp"
  wait_for 60 "nobody's 300 open requests" grep -qs '^ready' "$hog"
  msg "fair: nobody's writers: $(head -n 1 "$hog"); 20 idle connections"
  sleep 0.5 # the idle connections are in place
  out=$(h_dir 2)/fair.json
  listen_start 2 '\\.\mailslot\fair' "$out" -c 100 --timeout 60000
  lp=$LISTEN_PID
  # One after the other, each timed, in one shell inside h1; the first
  # that fails or takes over 2 s ends the loop.
  times=$NS_TMP/fair-times.txt
  hx 1 env LD_LIBRARY_PATH="$LDP" bash -c '
    for i in $(seq 1 100); do
      t0=${EPOCHREALTIME/./}
      timeout 10 "$0" send "\\\\198.18.0.2\\mailslot\\fair" "fair $i" \
        >"$1.log" 2>&1
      rc=$? dt=$(((${EPOCHREALTIME/./} - t0) / 1000))
      echo "$i $dt $rc"
      [ "$rc" = 0 ] && [ "$dt" -le 2000 ] || exit 1
    done' "$MAILSLOT_X" "$NS_TMP/fair-send" >"$times"
  read -r i dt rc <<<"$(tail -n 1 "$times")"
  [ "${rc:-1}" = 0 ] ||
    fail "fair: root's send ${i:-1} (of 100) failed (status ${rc:-?}) after" \
      "${dt:-?} ms while nobody hogs the daemon: $(tail -n 1 "$NS_TMP/fair-send.log")"
  [ "$dt" -le 2000 ] ||
    fail "fair: root's send $i (of 100) took $dt ms (limit 2000)"
  expect_eq "fair: root's sends done" "$i" 100
  worst=$(sort -k2,2n "$times" | tail -n 1 | cut -d' ' -f2)
  wait_exit "$lp" 20 ||
    fail "fair: h2 received $(count_lines "$out") of 100 messages"
  expect_eq "fair: distinct messages at h2" "$(python3 - "$out" <<'PY'
import json, sys
print(len({json.loads(l)["data"] for l in open(sys.argv[1]) if l.strip()}))
PY
)" 100
  lim=$(status_counter 1 ctl_uid_limited)
  [ "$lim" -gt 0 ] || fail "fair: h1's ctl_uid_limited is $lim"
  kill -0 "$hp" 2>/dev/null || fail "fair: the hog died: $(cat "$AD/hog.err")"
  touch "$stop"
  wait_exit "$hp" 10 || fail "fair: the hog exited with $?"
  alive 1 fair
  msg "fair: 100 sends, slowest $worst ms, all received;" \
    "ctl_uid_limited $lim; hog $(tail -n 1 "$hog")"
fi

# ---- squat ------------------------------------------------------------------------
if part squat; then
  r=$(as "$MAL" "$PYU" "$ATK" trybind "$(h_ctldir 1)/mailslotd.ctl")
  [ "$r" != ok ] ||
    fail "squat: mallory bound a socket in h1's control directory"
  r2=$(as "$MAL" "$PYU" "$ATK" trybind "$(h_ctldir 1)/other.sock")
  [ "$r2" != ok ] ||
    fail "squat: mallory bound a socket in h1's control directory"
  out=$(h_dir 2)/squat.json
  listen_start 2 '\\.\mailslot\squat' "$out" -c 1 --timeout 30000
  lp=$LISTEN_PID
  msl_send 1 '\\198.18.0.2\mailslot\squat' 'not for the squatter'
  wait_exit "$lp" 30 || fail "squat: h2's reader got nothing (exit $?)"
  expect_eq "squat: message at h2" "$(json_field "$out" 1 data)" \
    'not for the squatter'
  [ "$(grep -cv '^ready$' "$sq")" = 0 ] ||
    fail "squat: mallory's socket at the old control path heard:" \
      "$(grep -v '^ready$' "$sq" | head -n 3 | tr '\n' ' ')"
  alive 1 squat
  msg "squat: mallory's socket at the old control path heard nothing;" \
    "binding in the control directory: $r, $r2"
fi

# ---- plant ------------------------------------------------------------------------
if part plant; then
  # A lock file mallory plants for a name (not locked: no reader behind).
  as "$MAL" "$PYU" "$ATK" plant-lock "$(h_rundir 2)/PLANT.lock" ||
    hard_error "mallory could not plant PLANT.lock"
  if hx 2 setpriv --reuid="$VIC" --regid="$VIC" --clear-groups \
    timeout 3 "$MAILSLOT" listen '\\.\mailslot\plant' -c 1 \
    >"$NS_TMP/plant-vic.out" 2>"$NS_TMP/plant-vic.err"; then
    fail "plant: the victim's listen succeeded on mallory's PLANT.lock"
  else
    rc=$?
  fi
  [ "$rc" != 124 ] ||
    fail "plant: the victim's listen ran on mallory's PLANT.lock (did not fail)"
  grep -qiE 'access denied|permission|not permitted' "$NS_TMP/plant-vic.err" ||
    fail "plant: the victim's listen failed ($rc) without saying why:" \
      "$(cat "$NS_TMP/plant-vic.err")"
  msg "plant: victim's listen: exit $rc, '$(head -n 1 "$NS_TMP/plant-vic.err")'"
  out=$(h_dir 2)/plant.json
  listen_start 2 '\\.\mailslot\plant' "$out" -c 1 --timeout 30000
  lp=$LISTEN_PID
  # Its own file (a file's owner never changes: not mallory's adopted).
  expect_eq "plant: owner of PLANT.lock once root listens" \
    "$(stat -c %u "$(h_rundir 2)/PLANT.lock")" 0
  msl_send 1 '\\198.18.0.2\mailslot\plant' 'to root'
  wait_exit "$lp" 30 || fail "plant: root's reader of PLANT got nothing (exit $?)"
  alive 2 plant
  msg "plant: mallory's lock file: the victim refused, root replaced it"
fi

# ---- symlink ----------------------------------------------------------------------
if part symlink; then
  run2=$(h_rundir 2)
  ro=$NS_TMP/rootonly.sock ww=$NS_TMP/open.sock
  hx_bg 2 "$PYU" "$ATK" dgram-sink "$ro" "$NS_TMP/rootonly.log" 2>/dev/null &
  ns_track $!
  hx_bg 2 "$PYU" "$ATK" dgram-sink "$ww" "$NS_TMP/open.log" 2>/dev/null &
  ns_track $!
  wait_for 10 "the sockets outside the run directory" eval \
    'grep -qs ready "$NS_TMP/rootonly.log" && grep -qs ready "$NS_TMP/open.log"'
  chmod 666 "$ww"
  as_nobody "$PYU" "$ATK" plant-lock "$run2/SYM.lock" &&
    as_nobody ln -s "$ro" "$run2/SYM.sock" &&
    as_nobody "$PYU" "$ATK" plant-lock "$run2/SYM2.lock" &&
    as_nobody ln -s "$ww" "$run2/SYM2.sock" || hard_error "cannot plant SYM"
  ref0=$(status_counter 2 refused)
  msl_send 1 '\\198.18.0.2\mailslot\sym' 'through a symlink'
  msl_send 1 '\\198.18.0.2\mailslot\sym2' 'through a symlink too'
  within 10 eval '[ "$(status_counter 2 refused)" -ge $((ref0 + 2)) ] ||
    grep -q ^got "$NS_TMP/rootonly.log" "$NS_TMP/open.log"'
  ! grep -q '^got' "$NS_TMP/rootonly.log" ||
    fail "symlink: the root-only socket got a network message through SYM.sock"
  ! grep -q '^got' "$NS_TMP/open.log" ||
    fail "symlink: a socket outside the run directory got a network message through SYM2.sock"
  expect_eq "symlink: messages h2 refused for SYM and SYM2" \
    $(($(status_counter 2 refused) - ref0)) 2
  # mallory's private slot (0600: not the daemon's group's to write).
  out=$(h_dir 2)/private.json
  hx_bg 2 setpriv --reuid="$MAL" --regid="$MAL" --clear-groups \
    "$MAILSLOT" listen '\\.\mailslot\private' --json -c 1 --timeout 30000 \
    >"$out" 2>"$out.err" &
  lp=$!
  ns_track "$lp"
  wait_for 10 "mallory's reader" test -S "$run2/PRIVATE.sock"
  as "$MAL" chmod 0600 "$run2/PRIVATE.sock"
  ref1=$(status_counter 2 refused)
  msl_send 1 '\\198.18.0.2\mailslot\private' 'not admitted'
  within 10 eval '[ "$(status_counter 2 refused)" -gt "$ref1" ] || [ -s "$out" ]'
  [ ! -s "$out" ] ||
    fail "symlink: a network message reached a slot whose socket is 0600: $(cat "$out")"
  expect_eq "symlink: messages h2 refused for the 0600 slot" \
    $(($(status_counter 2 refused) - ref1)) 1
  as "$MAL" chmod 0620 "$run2/PRIVATE.sock"
  msl_send 1 '\\198.18.0.2\mailslot\private' 'admitted'
  wait_exit "$lp" 20 ||
    fail "symlink: nothing reached mallory's slot after chmod 0620 (exit $?)"
  expect_eq "symlink: message at the slot after chmod 0620" \
    "$(json_field "$out" 1 data)" admitted
  alive 2 symlink
  msg "symlink: refused $ref0 -> $(status_counter 2 refused) (2 symlinks," \
    "1 private socket); delivered after chmod 0620"
fi

# ---- forge ------------------------------------------------------------------------
if part forge; then
  out=$(h_dir 2)/forge.json
  listen_start 2 '\\.\mailslot\forge' "$out" -c 2 --timeout 30000
  lp=$LISTEN_PID
  chmod o+w "$(h_rundir 2)/FORGE.sock" # open to every local writer
  hx 2 setpriv --reuid="$MAL" --regid="$MAL" --clear-groups \
    "$PYU" "$ATK" forge "$(h_rundir 2)/FORGE.sock" 'forged by mallory' ||
    fail "forge: mallory could not write to the slot"
  wait_for 10 "the forged message at h2" lines_at_least "$out" 1
  msl_send 1 '\\198.18.0.2\mailslot\forge' 'from the network'
  wait_exit "$lp" 30 || fail "forge: h2's reader got $(count_lines "$out") of 2"
  expect_eq "forge: first message" "$(json_field "$out" 1 data)" \
    'forged by mallory'
  expect_eq "forge: origin of mallory's message claiming the network" \
    "$(json_field "$out" 1 origin)" local
  expect_eq "forge: uid of mallory's message" "$(json_field "$out" 1 uid)" "$MAL"
  expect_eq "forge: source_ip of mallory's message" \
    "$(json_field "$out" 1 source_ip)" ""
  expect_eq "forge: origin of the network message" \
    "$(json_field "$out" 2 origin)" network
  expect_eq "forge: uid of the network message (the daemon's)" \
    "$(json_field "$out" 2 uid)" 65534
  expect_eq "forge: source_ip of the network message" \
    "$(json_field "$out" 2 source_ip)" 198.18.0.1
  msg "forge: mallory's claim read as local (uid $MAL), h1's as network"
fi

# ---- stopped ----------------------------------------------------------------------
if part stopped; then
  FLOOD=$(flood_bin)
  hx_bg 2 "$MAILSLOT" listen '\\.\mailslot\stopped' >/dev/null \
    2>"$NS_TMP/stopped.err" &
  sp=$!
  ns_track "$sp"
  wait_for 10 "the STOPPED reader" slot_exists 2 '\\.\mailslot\stopped' "$sp"
  kill -STOP "$sp"
  sink=$(h_dir 2)/live.out
  hx_bg 2 "$FLOOD" slot-sink '\\.\mailslot\live' --idle 2000 --max 60 \
    --expect 2000 \
    >"$sink" 2>"$(h_dir 2)/live.err" &
  lp=$!
  ns_track "$lp"
  wait_for 10 "the LIVE reader" grep -q ready "$(h_dir 2)/live.err"
  q0=$(status_counter 2 quota_drops)
  k0=$(status_counter 2 socket_drops)
  # Disjoint sequence numbers (and DGM_IDs): no burst is a repeat of
  # another to h2's duplicate filter. One shell inside h1.
  hx 1 env LD_LIBRARY_PATH="$LDP" bash -c '
    for i in $(seq 0 19); do
      "$0" send 198.18.0.2 138 2500 --src-name H1 --dst-name H2 \
        --slot STOPPED --src-ip 198.18.0.1 --first-seq $((i * 2500)) &&
      "$0" send 198.18.0.2 138 100 --src-name H1 --dst-name H2 \
        --slot LIVE --src-ip 198.18.0.1 --first-seq $((i * 100)) || exit 1
      sleep 0.05
    done' "$(unwrap "$FLOOD")" >/dev/null || hard_error "flood send failed"
  wait_exit "$lp" 60 || fail "stopped: the LIVE reader failed: $(cat "$(h_dir 2)/live.err")"
  got=$(kv "$sink" received)
  q=$(($(status_counter 2 quota_drops) - q0))
  k=$(($(status_counter 2 socket_drops) - k0))
  kill -CONT "$sp"
  msg "stopped: LIVE: $(cat "$sink"); quota_drops +$q, socket_drops +$k"
  msg "stopped: h2: $(daemon_status 2 | grep -E '^(received|delivered|queue_full|quota_drops|deferred|stalls|duplicates) ' | tr '\n' ' ')"
  expect_eq "stopped: messages LIVE received while STOPPED's reader was stopped" \
    "$got" 2000
  expect_eq "stopped: distinct messages LIVE received" "$(kv "$sink" unique)" 2000
  for f in foreign duplicates out_of_range bad_info; do
    expect_eq "stopped: LIVE's $f" "$(kv "$sink" "$f")" 0
  done
  [ "$q" -gt 0 ] || fail "stopped: quota_drops did not grow ($q)"
  # Kernel drops: a few while a burst outpaces the daemon at worst.
  [ "$k" -le 2500 ] || fail "stopped: $k datagrams dropped by the kernel"
  alive 2 stopped
  kill -0 "$sp" 2>/dev/null || fail "stopped: the STOPPED reader died"
fi

# ---- frag -------------------------------------------------------------------------
if part frag; then
  FLOOD=$(flood_bin)
  out=$(h_dir 2)/frag.json
  listen_start 2 '\\.\mailslot\frag' "$out" -c 20 --timeout 60000
  lp=$LISTEN_PID
  f0=$(status_counter 2 fragments)
  e0=$(status_counter 2 reasm_evicted)
  # h1's link at 2 Mbit/s (tbf): a message's 9 fragments reach h2 over
  # ~20 ms, as from a slow or busy sender, not back to back in ~50 us.
  # A flood then has the time to push them out of a reassembly table it
  # may fill (the old daemon's, where only the race decided); h2 must keep
  # them their 2 s (FRAGMENT_TO) anyway.
  shaped=0
  if hx 1 tc qdisc add dev eth0 root tbf rate 2mbit burst 1600 latency 1s \
    2>"$NS_TMP/tc.err"; then
    shaped=1
  else
    msg "NOTE: frag: h1's link not shaped (tc tbf: $(cat "$NS_TMP/tc.err"))"
  fi
  # First fragments that never complete, each a new DGM_ID, from h3 (one
  # UDP source), LOCAL_ATTACK_FRAG_RATE a second (0: as fast as h3 can),
  # for as long as h1 sends (ended below).
  hx_bg 3 "$FLOOD" send 198.18.0.2 138 0 --first-frags --seconds 60 \
    --rate "${LOCAL_ATTACK_FRAG_RATE:-20000}" --src-name H3 --dst-name H2 \
    --slot FRAG --src-ip 198.18.0.3 >/dev/null 2>"$NS_TMP/frag-flood.err" &
  fp=$!
  ns_track "$fp"
  sleep 0.5 # the flood fills h2's reassembly table
  msgs=$NS_TMP/frag-msgs
  python3 - "$msgs" <<'PY'
import random, string, sys
r = random.Random(11)
with open(sys.argv[1], "w") as f:
    for i in range(20):
        f.write("%02d" % i + "".join(r.choice(string.ascii_letters)
                                     for _ in range(3998)) + "\n")
PY
  hx 1 env LD_LIBRARY_PATH="$LDP" bash -c '
    while read -r m; do
      "$0" send "\\\\198.18.0.2\\mailslot\\frag" "$m" "$1" || exit 1
    done' "$MAILSLOT_X" "$(frag_option)" <"$msgs" >"$NS_TMP/frag-send.log" 2>&1 ||
    fail "frag: h1: mailslot send failed: $(tail -n 2 "$NS_TMP/frag-send.log")"
  within 10 lines_at_least "$out" 20
  pid_gone "$fp" && fail "frag: the flood ended early: $(cat "$NS_TMP/frag-flood.err")"
  kill -TERM "$fp"
  wait_exit "$fp" 10
  [ "$shaped" = 1 ] && hx 1 tc qdisc del dev eth0 root
  n=$(count_lines "$out")
  ok=$(python3 - "$out" "$msgs" <<'PY'
import json, sys
want = set(l.rstrip("\n") for l in open(sys.argv[2]))
got = [json.loads(l).get("data") for l in open(sys.argv[1]) if l.strip()]
print(sum(1 for g in set(got) if g in want))
PY
)
  msg "frag: h2 read $(($(status_counter 2 fragments) - f0)) fragments," \
    "evicted $(($(status_counter 2 reasm_evicted) - e0)) pending datagrams," \
    "kernel drops $(status_counter 2 socket_drops); $n messages from h1" \
    "at h2, $ok intact"
  expect_eq "frag: fragmented messages from h1 at h2 during the flood" "$n" 20
  expect_eq "frag: of them intact and distinct" "$ok" 20
  alive 2 frag
fi

alive 1 end
alive 2 end
no_sanitizer_error 1 2
pass "parts $PARTS"
