#!/bin/sh
# End-to-end test of `mailslot listen / send / info` (tools/cmd_local.c):
# a listener in the background, senders, and checks on what it printed.
# Runs in a private MAILSLOT_RUNDIR.
set -u
top=${MSL_BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}
ms="$top/tools/mailslot"
[ -x "$ms" ] || { echo "no $ms"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/msl-tools-XXXXXX")
MAILSLOT_RUNDIR="$tmp/run"
export MAILSLOT_RUNDIR
fails=0
pids=
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
check() { # check NAME EXPECTED-FILE ACTUAL-FILE
  if cmp -s "$2" "$3"; then ok "$1"; else
    bad "$1"; echo "--- expected"; cat "$2"; echo "--- got"; cat "$3"; fi
}

# Waits until the slot exists (the listener has created it).
wait_slot() {
  i=0
  while ! "$ms" info "$1" >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 200 ] && return 1; sleep 0.05
  done
}

slot='\\.\mailslot\tools\test'

# 1. text mode: three messages (argument, stdin, --file), then exit 0.
"$ms" listen "$slot" -c 4 >"$tmp/out1" 2>"$tmp/err1" &
lp=$!; pids="$pids $lp"
wait_slot "$slot" || bad "listener did not start"
"$ms" send "$slot" 'hello world' || bad "send argument"
printf 'line1\nline2' | "$ms" send '//./MAILSLOT/TOOLS/TEST' || bad "send stdin"
printf 'from a file' >"$tmp/msg"
"$ms" send "$slot" --file "$tmp/msg" || bad "send --file"
"$ms" send "$slot" '' || bad "send empty"
wait $lp; rc=$?
[ $rc -eq 0 ] && ok "listen -c 4 exits 0" || bad "listen -c 4 exit $rc"
printf 'hello world\nline1\\nline2\nfrom a file\n\n' >"$tmp/want1"
check "text output" "$tmp/want1" "$tmp/out1"
# the name is gone once the listener exits
if "$ms" send "$slot" 'late' 2>"$tmp/err"; then bad "send after exit"; else
  grep -q 'no mailslot' "$tmp/err" && ok "send to a closed slot: not found" \
    || bad "wrong error: $(cat "$tmp/err")"; fi

# 2. JSON mode, max size, info.
"$ms" listen "$slot" --json -c 2 --max-size 10 --timeout 5000 \
  >"$tmp/out2" 2>/dev/null &
lp=$!; pids="$pids $lp"
wait_slot "$slot" || bad "listener 2 did not start"
"$ms" info "$slot" >"$tmp/info" || bad "info"
grep -q '^max message size:  10$' "$tmp/info" && ok "info max size" \
  || bad "info max size: $(cat "$tmp/info")"
grep -q '^read timeout:      5000 ms$' "$tmp/info" && ok "info timeout" \
  || bad "info timeout"
grep -q "^reader pid:        $lp\$" "$tmp/info" && ok "info pid" \
  || bad "info pid"
if "$ms" send "$slot" 'this is too long' 2>"$tmp/err"; then
  bad "oversize message accepted"
else
  grep -q 'maximum size' "$tmp/err" && ok "oversize refused" \
    || bad "oversize error: $(cat "$tmp/err")"
fi
m=$(printf 'caf\303\251 "q"')
# Each message names its writer: the kernel's uid and pid of the sender.
"$ms" send "$slot" "$m" & s1=$!
wait $s1 || bad "send utf8"
printf '\377\000\001' >"$tmp/bin"
"$ms" send "$slot" <"$tmp/bin" & s2=$!
wait $s2 || bad "send binary"
wait $lp; rc=$?
[ $rc -eq 0 ] && ok "listen --json exits 0" || bad "listen --json exit $rc"
u=$(id -u)
cat >"$tmp/want2" <<JSON
{"length":9,"data":"café \\"q\\"","data_hex":"636166c3a920227122","origin":"local","uid":$u,"pid":$s1}
{"length":3,"data":null,"data_hex":"ff0001","origin":"local","uid":$u,"pid":$s2}
JSON
check "json output" "$tmp/want2" "$tmp/out2"

# 3. timeout: exits 4 within reason, and says so.
start=$(date +%s%N)
"$ms" listen "$slot" --timeout 300 >"$tmp/out3" 2>"$tmp/err3"; rc=$?
ms_taken=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc -eq 4 ] && ok "timeout exit status 4" || bad "timeout exit $rc"
grep -q 'timeout' "$tmp/err3" && ok "timeout message" || bad "timeout message"
[ "$ms_taken" -ge 300 ] && [ "$ms_taken" -lt 3000 ] && ok "timeout ${ms_taken} ms" \
  || bad "timeout took ${ms_taken} ms"

# 4. errors: existing name, bad paths, usage.
"$ms" listen "$slot" >/dev/null 2>&1 &
lp=$!; pids="$pids $lp"
wait_slot "$slot" || bad "listener 4 did not start"
"$ms" listen "$slot" -c 1 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'already exists' "$tmp/err" && ok "second listener refused" \
  || bad "second listener: $rc $(cat "$tmp/err")"
kill -TERM $lp; wait $lp
"$ms" info "$slot" >/dev/null 2>&1 && bad "slot left after SIGTERM" \
  || ok "SIGTERM removes the slot"
"$ms" listen "$slot" -c 1 >/dev/null 2>&1 &
lp=$!; pids="$pids $lp"
wait_slot "$slot"
kill -KILL $lp; wait $lp 2>/dev/null
"$ms" info "$slot" >/dev/null 2>&1 && bad "dead listener reported live" \
  || ok "SIGKILLed listener is not found"
"$ms" listen "$slot" --timeout 10 >/dev/null 2>&1; rc=$?
[ $rc -eq 4 ] && ok "name reusable after SIGKILL" || bad "recreate after SIGKILL: $rc"
"$ms" send 'blah' x 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'invalid mailslot path' "$tmp/err" && ok "bad path" \
  || bad "bad path: $rc"
"$ms" send >/dev/null 2>&1; [ $? -eq 2 ] && ok "usage: 2" || bad "usage status"
"$ms" listen "$slot" --timeout x >/dev/null 2>&1; [ $? -eq 2 ] \
  && ok "bad option value: 2" || bad "bad option status"

# 5. info from another process: the reader answers with its queue.
hold="$top/tests/local_hold"
if [ ! -x "$hold" ] && [ -f "$top/Makefile" ]; then
  make -C "$top" tests/local_hold >/dev/null 2>&1
fi
# a listener blocked in a read: empty queue
"$ms" listen "$slot" --timeout 10000 --max-size 100 -c 1 >"$tmp/out5" \
  2>/dev/null &
lp=$!; pids="$pids $lp"
wait_slot "$slot" || bad "listener 5 did not start"
"$ms" info "$slot" >"$tmp/info" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] && ok "info on a listening slot: 0" || bad "info status $rc"
grep -q '^next message size: no message$' "$tmp/info" \
  && grep -q '^messages waiting:  0$' "$tmp/info" \
  && grep -q '^max message size:  100$' "$tmp/info" \
  && grep -q '^read timeout:      10000 ms$' "$tmp/info" \
  && ok "info: empty slot, no message" || bad "info empty: $(cat "$tmp/info")"
"$ms" send "$slot" 'after info' || bad "send after info"
wait $lp; rc=$?
[ $rc -eq 0 ] && [ "$(cat "$tmp/out5")" = 'after info' ] \
  && ok "info requests are not messages" \
  || bad "listener 5: $rc $(cat "$tmp/out5")"
# a reader that holds its messages (answers, does not read): counts
if [ -x "$hold" ]; then
  "$hold" -r "$slot" 64 >"$tmp/out6" 2>"$tmp/err6" &
  hp=$!; pids="$pids $hp"
  i=0; while ! grep -q ready "$tmp/out6" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05; done
  "$ms" send "$slot" 'five5' && "$ms" send "$slot" 'twelve bytes' \
    && "$ms" send "$slot" '' || bad "send 3 to the holder"
  "$ms" info "$slot" >"$tmp/info" 2>"$tmp/err"; rc=$?
  [ $rc -eq 0 ] && grep -q '^next message size: 5$' "$tmp/info" \
    && grep -q '^messages waiting:  3$' "$tmp/info" \
    && grep -q '^max message size:  64$' "$tmp/info" \
    && ok "info: 3 waiting, next 5" || bad "info count: $rc $(cat "$tmp/info")"
  "$ms" send "$slot" 'x' || bad "send 4th"
  "$ms" info "$slot" >"$tmp/info" 2>&1
  grep -q '^messages waiting:  4$' "$tmp/info" && ok "info: 4 waiting" \
    || bad "info count 4: $(cat "$tmp/info")"
  kill -TERM $hp; wait $hp; rc=$?
  printf 'ready\nfive5\ntwelve bytes\n\nx\n' >"$tmp/want6"
  [ $rc -eq 0 ] && ok "holder exits 0" || bad "holder exit $rc"
  check "messages kept in order across info requests" "$tmp/want6" "$tmp/out6"
else
  bad "no $hold (make tests/local_hold)"
fi
# a stopped reader does not answer: status 4, published values still shown
"$ms" listen "$slot" --max-size 77 --timeout 60000 >/dev/null 2>&1 &
lp=$!; pids="$pids $lp"
wait_slot "$slot" || bad "listener 7 did not start"
kill -STOP $lp
start=$(date +%s%N)
"$ms" info "$slot" --timeout 300 >"$tmp/info" 2>"$tmp/err"; rc=$?
ms_taken=$(( ($(date +%s%N) - start) / 1000000 ))
kill -CONT $lp
[ $rc -eq 4 ] && ok "info: no answer, status 4" || bad "info no answer: $rc"
grep -q 'did not answer within 300 ms' "$tmp/err" \
  && ok "info: says the reader did not answer" || bad "err: $(cat "$tmp/err")"
grep -q '^max message size:  77$' "$tmp/info" \
  && grep -q '^read timeout:      60000 ms$' "$tmp/info" \
  && grep -q "^reader pid:        $lp\$" "$tmp/info" \
  && grep -q '^messages waiting:  unknown' "$tmp/info" \
  && ok "info: published values without an answer" \
  || bad "info without answer: $(cat "$tmp/info")"
[ "$ms_taken" -ge 300 ] && [ "$ms_taken" -lt 3000 ] \
  && ok "info waited ${ms_taken} ms" || bad "info waited ${ms_taken} ms"
"$ms" info "$slot" >/dev/null 2>&1 && ok "answers again after SIGCONT" \
  || bad "no answer after SIGCONT"
kill -TERM $lp; wait $lp
"$ms" info "$slot" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && ok "info on a missing slot: 1" || bad "info missing: $rc"
"$ms" info >/dev/null 2>&1; [ $? -eq 2 ] && ok "info usage: 2" \
  || bad "info usage status"

echo "$fails failure(s)"
[ $fails -eq 0 ]
