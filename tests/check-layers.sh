#!/bin/sh
# The layers point down only (Makefile.am, docs/architecture.md):
#   include/ (the public header) < proto/ < net/ < local/ < api/ < tools/
# Every #include "x.h" of a file in one layer must name a header of its own
# layer or of one below; no weak symbol anywhere (a static link must get
# everything by ordinary references). Fails listing each violation.
set -u
src=${MSL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$src" || exit 1
rank() {
  case $1 in
    include) echo 0 ;; proto) echo 1 ;; net) echo 2 ;; local) echo 3 ;;
    api) echo 4 ;; tools) echo 5 ;; *) echo 9 ;;
  esac
}
# Where a header lives: the first layer directory that has it.
home() {
  for d in include proto net local api tools; do
    [ -f "$d/$1" ] && { echo "$d"; return; }
  done
  [ "$1" = mailslot_version.h ] && { echo include; return; }
  echo unknown
}
bad=0
checked=0
for layer in proto net local api tools; do
  mine=$(rank "$layer")
  for f in "$layer"/*.c "$layer"/*.h; do
    [ -f "$f" ] || continue
    checked=$((checked + 1))
    for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
      d=$(home "$(basename "$h")")
      r=$(rank "$d")
      if [ "$r" -gt "$mine" ]; then
        echo "FAIL: $f includes $h ($d/ is above $layer/)"
        bad=$((bad + 1))
      fi
    done
    if grep -n '__attribute__ *(( *weak' "$f" >/dev/null 2>&1; then
      echo "FAIL: $f declares a weak symbol"
      bad=$((bad + 1))
    fi
  done
done
echo "check-layers: $checked files, $bad violations"
[ "$bad" -eq 0 ]
