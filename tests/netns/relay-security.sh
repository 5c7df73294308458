#!/usr/bin/env bash
# Issue 15, test 5 (docs/relay.md, "Security"): peers that must not get in.
# Relay A (h1) listens with a 2 s handshake timeout and a listener on
# \\.\mailslot\sectest; the would-be peers come from site C (h5, h6):
#  - a relay whose certificate comes from another CA (A also calls it and
#    refuses its server certificate),
#  - a relay whose certificate (from our CA) expired in 2020,
#  - a plaintext client, a client that stops in the middle of its
#    handshake (and six at once from one host: at most four wait), a
#    TLS 1.2-only client,
#  - with --relay-pin CN=site-b on A: a valid site C relay (refused, pin)
#    and the real site B relay (accepted: its broadcast gets through).
# Each refusal is counted by its reason and logged with it; nothing the
# refused peers send reaches A; an authenticated peer's malformed frames
# end its link and nothing else. Then the start-up checks: a key file
# others can read and bad config files are refused with file, line and
# reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay-lib.sh"
relay_lan
A=$(relay_addr 1)
LOG1=$(h_dir 1)/mailslotd.log

counter_at_least() { [ "$(status_counter "$1" "$2")" -ge "$3" ]; }
refused() { # REASON: wait until A counted it; show A's log line
  wait_for 15 "A to refuse a peer ($1)" counter_at_least 1 "relay_refused_$1" 1
  local line
  line=$(grep "refused ($1)" "$LOG1" | tail -n 1)
  [ -n "$line" ] || fail "no log line for the $1 refusal"
  msg "refused, $1: ${line#*relay: }"
}
rogue() { # N SITE CERT KEY [ARGS]: a relay with the given identity
  local n=$1 site=$2 cert=$3 key=$4
  shift 4
  daemon_start "$n" --site "$site" --relay-cert "$cert" --relay-key "$key" \
    --relay-ca "$PKI/ca.pem" --relay-listen "$(relay_addr "$n")" "$@"
}

relay_start 1 --relay-handshake-timeout 2 --relay-peer "$(relay_addr 5)"
listen_start 1 '\\.\mailslot\sectest' "$NS_TMP/a.out"

# Another CA: A refuses it as a client (its server certificate) and as a
# server (its client certificate).
rogue 5 C "$PKI/rogue.pem" "$PKI/rogue.key" --relay-peer "$A"
refused unknown_ca
wait_for 10 "a second unknown_ca refusal (both directions)" \
  counter_at_least 1 relay_refused_unknown_ca 2
msl_send 5 '\\*\mailslot\sectest' from-rogue-ca
msl_send 6 '\\*\mailslot\sectest' from-rogue-ca-lan
daemon_stop 5 || true

# An expired certificate of our own CA.
rogue 5 C "$PKI/expired.pem" "$PKI/expired.key" --relay-peer "$A"
refused expired
msl_send 5 '\\*\mailslot\sectest' from-expired
daemon_stop 5 || true

# Plaintext, a stalled handshake, TLS 1.2 only.
hx 6 bash -c "exec 3<>/dev/tcp/${A%:*}/$RELAY_PORT; printf 'GET / HTTP/1.0\r\n\r\n' >&3; sleep 1"
refused plaintext
hx 6 bash -c "exec 3<>/dev/tcp/${A%:*}/$RELAY_PORT; printf '\x16\x03\x01\x00\xc8' >&3; sleep 4"
refused timeout
# One host cannot hold every handshake slot: its fifth stalled
# connection is turned away at once.
for k in 1 2 3 4 5 6; do
  hx_bg 6 bash -c "exec 3<>/dev/tcp/${A%:*}/$RELAY_PORT; printf '\x16\x03' >&3; sleep 3" &
  ns_track $!
done
wait_for 5 "A to turn away stalled connections beyond 4 from one host" \
  counter_at_least 1 relay_refused_busy 2
wait_for 10 "the four stalled ones to time out" \
  counter_at_least 1 relay_refused_timeout 5
msg "stalled: $(status_counter 1 relay_refused_busy) of 6 connections from one host turned away at once, 4 timed out"
hx 6 timeout 5 openssl s_client -connect "$A" -tls1_2 -cert "$PKI/c.pem" \
  -key "$PKI/c.key" -CAfile "$PKI/ca.pem" </dev/null >"$NS_TMP/tls12.log" 2>&1
refused version

expect_eq "frames A took from refused peers" \
  "$(status_counter 1 relay_frames_in)" 0
expect_eq "datagrams A re-emitted" "$(status_counter 1 relay_emitted)" 0
expect_eq "links up at A" "$(status_counter 1 relay_links_up)" 0

# A pin: only CN=site-b gets in.
listen_stop_all() { kill "$LISTEN_PID" 2>/dev/null; wait_exit "$LISTEN_PID" 10 || true; }
listen_stop_all
daemon_stop 1 || true
relay_start 1 --relay-handshake-timeout 2 --relay-pin CN=site-b
listen_start 1 '\\.\mailslot\sectest' "$NS_TMP/a2.out"
relay_start 5 --relay-peer "$A"
refused pin
relay_start 3 --relay-peer "$A"
wait_for 15 "the pinned site B to be up at A" link_up 1 B
msl_send 5 '\\*\mailslot\sectest' from-c-unpinned
msl_send 3 '\\*\mailslot\sectest' from-b-pinned
wait_for 10 "B's broadcast at A" lines_at_least "$NS_TMP/a2.out" 1
sleep 1
expect_eq "messages at A's listener (first run)" "$(count_lines "$NS_TMP/a.out")" 0
expect_eq "messages at A's listener (pinned)" "$(count_lines "$NS_TMP/a2.out")" 1
grep -q from-b-pinned "$NS_TMP/a2.out" || fail "A got: $(cat "$NS_TMP/a2.out")"
daemon_status 1 | grep -q '^relay_peer in:.*site=B.*subject="CN=site-b"' ||
  fail "A's status does not show B's certificate subject"
hx 1 "$MAILSLOTD" --status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
up = [p for p in s["relay_peer"] if p.get("state") == "up"]
assert up and up[0]["site"] == "B" and up[0]["subject"] == "CN=site-b", s["relay_peer"]
assert s["relay_refused_pin"] >= 1' || fail "status --json"
msg "pinned: B (CN=site-b) in, C refused; --status --json shows the link"

# An authenticated peer that sends garbage loses its link, nothing else:
# a HELLO as site X, then a frame of length 0 / a DGRAM whose source name
# is not a NetBIOS name.
garbage() { # BYTES (printf format) after the HELLO
  printf "\x00\x05\x01\x01\x00\x01X$1" |
    hx 6 timeout 5 openssl s_client -quiet -connect "$A" -cert "$PKI/b.pem" \
      -key "$PKI/b.key" -CAfile "$PKI/ca.pem" >/dev/null 2>&1
}
m0=$(status_counter 1 relay_malformed_frames)
garbage '\x00\x00'
garbage '\x00\x13\x02\x00\x11\x01\x01X\x00\x01\x01\x01\x01\x01\x00\x8a\x20ZZZZ'
wait_for 10 "A to count two malformed frames" \
  counter_at_least 1 relay_malformed_frames $((m0 + 2))
link_up 1 B || fail "the real site B lost its link to A"
msg "garbage from an authenticated peer: its links closed, $(($(status_counter 1 relay_malformed_frames) - m0)) malformed frames counted, B still up"

# ---- start-up checks ---------------------------------------------------
cp "$PKI/a.key" "$PKI/open.key" && chmod 644 "$PKI/open.key"
out=$("$MAILSLOTD" --site A --relay-cert "$PKI/a.pem" --relay-key \
  "$PKI/open.key" --relay-ca "$PKI/ca.pem" --relay-listen 198.18.9.1:1 \
  --foreground 2>&1)
rc=$?
[ "$rc" != 0 ] && echo "$out" | grep -q 'readable by its group or by everyone' ||
  fail "a world-readable key was not refused (exit $rc): $out"
msg "key mode 0644 refused: $out"
conf=$NS_TMP/bad.conf
check_conf() { # LINE-NUMBER WHAT: the config must be refused at that line
  out=$("$MAILSLOTD" --config "$conf" --foreground 2>&1)
  rc=$?
  [ "$rc" = 2 ] && echo "$out" | grep -q "$conf:$1: " ||
    fail "config with $2 not refused at line $1 (exit $rc): $out"
  msg "config refused: $out"
}
printf '# relay\nsite = A\nrelay-listen = 198.18.1.1\n' >"$conf"
check_conf 3 "a listen address without port"
printf 'site = A\nrelay-pin = sha256:1234\n' >"$conf"
check_conf 2 "a short fingerprint"
printf 'site = A\n\nrelay-speed = 9\n' >"$conf"
check_conf 3 "an unknown key"
printf 'site = A\nrelay-key = %s\n' "$PKI/open.key" >"$conf"
check_conf 2 "a readable key"
printf 'site = A B\n' >"$conf"
check_conf 1 "a bad site ID"
printf 'site = A\nrelay-listen = 198.18.1.1:9\n' >"$conf"
out=$("$MAILSLOTD" --config "$conf" --foreground 2>&1)
echo "$out" | grep -q "$conf:1: the relay needs relay-cert" ||
  fail "a relay without certificate: $out"
msg "config refused: $out"
pass "refused: another CA, expired, plaintext, stalled handshake, TLS 1.2, pin; bad keys and configs"
