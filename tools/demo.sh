#!/bin/sh
# The project's main job, run by the README's first command:
#  1. who is on these LANs: a decode of every bundled capture with --stats;
#  2. a local mailslot between two unrelated processes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tool="$top/tools/mailslot"

echo "== mailslot decode -q --stats captures/*"
"$tool" decode -q --stats "$top"/captures/*.pcap*

echo
echo "== local mailslot: one process listens, another sends"
MAILSLOT_RUNDIR=$(mktemp -d)
export MAILSLOT_RUNDIR
trap 'rm -rf "$MAILSLOT_RUNDIR"' EXIT
"$tool" listen '\\.\mailslot\demo\inbox' -c 2 --timeout 5000 --json &
listener=$!
# Wait until the listener has created the slot, then write to it.
for _ in $(seq 50); do
  "$tool" send '\\.\mailslot\demo\inbox' "hello from process $$" 2>/dev/null && break
  sleep 0.1
done
printf 'second message' | "$tool" send '//./mailslot/DEMO/INBOX'
wait "$listener"
