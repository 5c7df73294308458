#!/bin/sh
# The docs name the counters the service prints, and only those
# (issue 13: doc drift): every counter of msl_service_status (an embedded
# service with its name service and a WINS server, tests/status_dump) is in
# docs/network.md's "Counters" list and in mailslotd(8)'s COUNTERS, and
# every counter those two name is printed. The relay's are checked by the
# relay tests against docs/relay.md. Fails naming each difference.
set -u
src=${MSL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${MSL_BUILDDIR:-.}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
export MAILSLOT_RUNDIR=$tmp/run MAILSLOT_CTLDIR=$tmp/ctl
ok=
for try in 1 2 3 4 5; do
  p=$(( 20000 + ($$ * 7 + try * 131) % 20000 ))
  "$build/tests/status_dump" "$p" $((p + 1)) >"$tmp/status" 2>"$tmp/err"
  rc=$?
  [ $rc = 0 ] && { ok=1; break; }
  [ $rc = 3 ] || break # another error than a port in use
done
[ -n "$ok" ] || { echo "status_dump failed: $(cat "$tmp/err")"; exit 1; }
# Counter names: first words of the lines, multi-word lines named once.
awk '{print $1}' "$tmp/status" | sort -u >"$tmp/printed"
# network.md: the code span after "## Counters" up to "then the name service".
sed -n '/^## Counters/,/^## /p' "$src/docs/network.md" |
  tr '\n' ' ' | sed 's/.*msl_service_query_status()`: *`\([^`]*\)`.*/\1/' |
  tr ' ' '\n' | grep -v '^$' | sort -u >"$tmp/network_md"
# mailslotd.8: the bold words of the COUNTERS section's tags.
sed -n '/^\.SH COUNTERS/,/^\.SH /p' "$src/docs/mailslotd.8" |
  sed -n '/^\.TP/{n;p}' | sed 's/^\.BR* //; s/"[^"]*"//g; s/\\fB//g; s/\\fP//g' |
  tr ' ' '\n' | grep -E '^[a-z][a-z0-9_]*$' | sort -u >"$tmp/man8"
rc=0
compare() { # what has, what should have, message
  missing=$(comm -23 "$1" "$2" | tr '\n' ' ')
  [ -z "$missing" ] || { echo "$3: $missing"; rc=1; }
}
grep -v '^ns_\|^wins_name$' "$tmp/printed" >"$tmp/printed_svc"
compare "$tmp/printed_svc" "$tmp/network_md" "printed but not in docs/network.md Counters"
compare "$tmp/network_md" "$tmp/printed_svc" "in docs/network.md Counters but not printed"
grep -v '^relay_' "$tmp/man8" >"$tmp/man8_norelay"
compare "$tmp/printed" "$tmp/man8_norelay" "printed but not in mailslotd(8) COUNTERS"
compare "$tmp/man8_norelay" "$tmp/printed" "in mailslotd(8) COUNTERS but not printed"
[ $rc = 0 ] && echo "$(wc -l <"$tmp/printed") counters: docs/network.md and mailslotd(8) agree with the status"
exit $rc
