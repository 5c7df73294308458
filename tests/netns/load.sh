#!/usr/bin/env bash
# Load test: 1,000,000 datagrams at full speed to mailslotd -- valid
# mailslot writes interleaved with malformed, truncated, random, fragment,
# not-ours and no-such-mailslot ones (tests/netns/flood.c). The daemon
# stays up, its peak memory (VmHWM) stays under 32 MiB, and every valid
# message is delivered unless it was dropped, and counted, on the way. The
# reader is slower than the network and stops for 3 s mid-flood: the
# daemon holds what its slot cannot take, up to the slot's share of the
# hold (local/msl_deliver.h), and drops the rest itself (quota_drops), so
# that one stopped reader never makes it stop reading the network for the
# other slots (SECURITY.md). Checked exactly:
#   sent == daemon received + kernel drops (UDP InErrors + link drops),
#   the daemon's only drops are the slot's share (queue_full ==
#   quota_drops; too_big, deliver_errors, reader_gone, stalls and the
#   backlog all 0),
#   reader received == daemon delivered, no duplicates,
# hence valid delivered >= valid sent - kernel drops - share drops (which
# valid ones the kernel dropped cannot be told apart from the invalid ones
# it dropped: only their sum is counted). Issue 5, "Proof"; issue 11.
. "$(dirname "$0")/lib.sh"
ns_require_root
ns_require_tools
COUNT=${LOAD_COUNT:-1000000}
MEM_KB=${LOAD_MEM_KB:-32768}
netns_setup 2
FLOOD=$(flood_bin)
# A reader keeps up with bursts only with room to queue: the default
# net.unix.max_dgram_qlen (10) would turn most bursts into counted
# queue-full drops. docs/local-mailslots.md suggests 512. Per namespace.
# (LOAD_UNIX_QLEN=10 makes the reader fall far behind: the daemon's
# backlog reaches its cap and the kernel drops the excess.)
hx 2 sysctl -qw net.unix.max_dgram_qlen="${LOAD_UNIX_QLEN:-512}" ||
  msg "NOTE: cannot raise net.unix.max_dgram_qlen in h2"
daemon_start 2
dpid=$DAEMON_PID

sink=$(h_dir 2)/sink.out
hx_bg 2 "$FLOOD" slot-sink '\\.\mailslot\load' --idle 5000 --max 150 \
  --expect "$COUNT" >"$sink" 2>"$(h_dir 2)/sink.err" &
spid=$!
ns_track "$spid"
wait_for 10 "the reader" grep -q ready "$(h_dir 2)/sink.err"

snmp() { # N FIELD: a Udp counter of host N
  hx "$1" cat /proc/net/snmp | awk -v f="$2" '$1 == "Udp:" {
    if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c[f] }'
}
linkdrops() { # rx drops on h2's eth0 + tx drops on the bridge ports
  { ip -n "$(h_ns 2)" -s link show eth0
    brx ip -s link show; } | awk '/RX:|TX:/ { getline; d += $4 } END { print d + 0 }'
}
in0=$(snmp 2 InDatagrams); rb0=$(snmp 2 RcvbufErrors); ie0=$(snmp 2 InErrors)
ld0=$(linkdrops)

msg "sending $COUNT datagrams (half valid) to mailslotd in h2"
t0=$(date +%s)
hx_bg 1 "$FLOOD" send 198.18.0.2 138 "$COUNT" --mix --src-name H1 \
  --dst-name H2 --slot LOAD --src-ip 198.18.0.1 --seed "$$" \
  >"$NS_TMP/send.out" &
fpid=$!
ns_track "$fpid"
# The reader stops for LOAD_STOP_MS (default 3000, under the daemon's 5 s
# stall bound) in mid-flood: the daemon holds the slot's share and drops
# the rest itself, counted; it keeps reading the network meanwhile.
stop_ms=${LOAD_STOP_MS:-3000}
if [ "$stop_ms" -gt 0 ]; then
  sleep 1
  kill -STOP "$spid"
  sleep "$(awk -v m="$stop_ms" 'BEGIN { print m / 1000 }')"
  kill -CONT "$spid"
fi
wait_exit "$fpid" 120 || fail "flood send failed"
msg "sender: $(cat "$NS_TMP/send.out")"
wait_exit "$spid" 180 || fail "the reader failed: $(cat "$(h_dir 2)/sink.err")"
msg "reader: $(cat "$sink")"
t1=$(date +%s)

kill -0 "$dpid" 2>/dev/null || fail "mailslotd died under load"
daemon_status 2 >"$NS_TMP/status.txt" || fail "mailslotd --status failed after the load"
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$dpid/status")
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$dpid/status")

in1=$(snmp 2 InDatagrams); rb1=$(snmp 2 RcvbufErrors); ie1=$(snmp 2 InErrors)
ld1=$(linkdrops)
sent=$(kv "$NS_TMP/send.out" sent)
valid=$(kv "$NS_TMP/send.out" valid)
got=$(kv "$sink" received)
uniq=$(kv "$sink" unique)
queued=$((in1 - in0))       # datagrams the daemon's socket handed over
udp_drops=$((ie1 - ie0))    # InErrors: RcvbufErrors and other UDP drops
rcvbuf=$((rb1 - rb0))
link=$((ld1 - ld0))
recv=$(status_counter 2 received)
deliv=$(status_counter 2 delivered)
qfull=$(status_counter 2 queue_full)
quota=$(status_counter 2 quota_drops)
dq=$(($(status_counter 2 too_big) + $(status_counter 2 deliver_errors) +
  $(status_counter 2 reader_gone)))
held=$(status_counter 2 deferred)
stalls=$(status_counter 2 stalls)
pending=$(status_counter 2 pending_messages)
kdrops=$((udp_drops + link))
missing=$((valid - uniq))
sockd=$(status_counter 2 socket_drops) # SO_RXQ_OVFL, seen at the next packet

msg "figures: sent $sent (valid $valid) in $((t1 - t0)) s; kernel: socket" \
  "queued $queued, UDP drops $udp_drops (RcvbufErrors $rcvbuf), link drops" \
  "$link; daemon: received $recv, delivered $deliv, socket drops $sockd," \
  "daemon drops: share $quota, queue_full $qfull, other $dq; held for" \
  "the reader $held," \
  "stalls $stalls;" \
  "reader: received $got, valid unique $uniq, missing valid $missing;" \
  "daemon VmHWM ${hwm} kB, VmRSS ${rss} kB"
msg "daemon counters: $(tr '\n' ' ' <"$NS_TMP/status.txt")"

# Memory. ASan builds keep freed memory in quarantine: report only.
bin=$MAILSLOTD
[ -x "$(dirname "$bin")/.libs/$(basename "$bin")" ] &&
  bin=$(dirname "$bin")/.libs/$(basename "$bin")
if grep -q __asan_init "$bin" 2>/dev/null; then
  msg "NOTE: ASan build, memory bound not checked (VmHWM $hwm kB)"
else
  [ "$hwm" -lt "$MEM_KB" ] || fail "mailslotd VmHWM $hwm kB >= $MEM_KB kB"
fi
[ "$sent" -eq "$COUNT" ] || fail "sent $sent of $COUNT"
[ "$uniq" -gt 0 ] || fail "no valid message reached the reader"
expect_eq "reader received == daemon delivered" "$got" "$deliv"
expect_eq "daemon received == datagrams its socket queued" "$recv" "$queued"
[ "$sockd" -le "$rcvbuf" ] ||
  fail "daemon counts $sockd socket drops, the kernel $rcvbuf"
expect_eq "sent == daemon received + kernel drops" "$sent" $((recv + kdrops))
expect_eq "daemon drops other than the slot's share (queue_full)" \
  "$qfull" "$quota"
expect_eq "daemon-side drops (too_big deliver_errors reader_gone)" "$dq" 0
expect_eq "backlogged slots dropped (stalls)" "$stalls" 0
expect_eq "messages still held at the end" "$pending" 0
expect_eq "duplicates at the reader" "$(kv "$sink" duplicates)" 0
[ "$missing" -le $((kdrops + quota)) ] ||
  fail "$missing valid messages lost, but the kernel dropped only $kdrops" \
    "and the slot's share $quota"
expect_eq "valid messages with wrong sender details" "$(kv "$sink" bad_info)" 0
[ $((t1 - t0)) -lt 120 ] || fail "took $((t1 - t0)) s (limit 120)"
pass "VmHWM $hwm kB; $uniq of $valid valid delivered = valid - $missing" \
  "dropped by the kernel (of $kdrops kernel drops: UDP $udp_drops, link" \
  "$link), $quota over the slot's share; $held held for the reader"
