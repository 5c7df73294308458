#!/bin/sh
# The layers point down only (Makefile.am, README.md "Layout"):
#   include/ (the public header) < proto/ < net/ < local/ < api/ < tools/
# with capture/ (the pcap reader, for decoding) beside net/: it sees proto/
# only, and only tools/ sees it. tools/ use the public API, proto/ and
# capture/, nothing of net/, local/ or api/ internals. Every #include "x.h"
# of a file in one layer must name a header its layer may see (below);
# no weak symbol anywhere (a static link must get everything by ordinary
# references). Fails listing each violation.
set -u
src=${MSL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$src" || exit 1
# What a layer's files may include, besides their own layer's headers.
sees() {
  case $1 in
    proto) echo include ;;
    net | capture) echo include proto ;;
    local) echo include proto net ;;
    api) echo include proto net local ;;
    tools) echo include proto capture ;;
  esac
}
LAYERS="include proto net capture local api tools"
# Where a header lives: the first layer directory that has it.
home() {
  for d in $LAYERS; do
    [ -f "$d/$1" ] && { echo "$d"; return; }
  done
  [ "$1" = mailslot_version.h ] && { echo include; return; }
  echo unknown
}
bad=0
checked=0
for layer in proto net capture local api tools; do
  ok=" $layer $(sees "$layer") "
  for f in "$layer"/*.c "$layer"/*.h; do
    [ -f "$f" ] || continue
    checked=$((checked + 1))
    for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
      d=$(home "$(basename "$h")")
      case $ok in
        *" $d "*) ;;
        *)
          echo "FAIL: $f includes $h ($layer/ sees only:$ok)"
          bad=$((bad + 1)) ;;
      esac
    done
    if grep -n '__attribute__ *(( *weak' "$f" >/dev/null 2>&1; then
      echo "FAIL: $f declares a weak symbol"
      bad=$((bad + 1))
    fi
  done
done
echo "check-layers: $checked files, $bad violations"
[ "$bad" -eq 0 ]
