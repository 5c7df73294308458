#!/bin/sh
# The man pages (docs/, issue 14) against what they describe:
#  a. every MSL_API function of include/mailslot.h has a section-3 page,
#     its own or a ".so" link, whose NAME lists it and whose SYNOPSIS
#     holds its prototype as the header writes it;
#  b. for each function returning int, the MSL_ERR_* codes its page's
#     ERRORS names (the tags of the ".SS" subsections that name the
#     function) are the codes the header's comment right above its
#     prototype names, and it must name at least one; a function returning
#     anything else has no ERRORS entries;
#  c. every page renders without a warning (man --warnings, groff -ww);
#  d. every option `mailslot --help` and each command's --help lists is an
#     entry (a .TP tag) of mailslot(1): of OPTIONS, or of that command's
#     ".SS" subsection of COMMANDS;
#  e. the table of msl_strerror(3) is the header's enum (names, values);
#     the keys of mailslotd.conf(5) are mailslotd's options and those of
#     msl_service_config(3) the library's; every page is installed (listed
#     in tools/tools.am).
# Fails listing each difference; skips (77) only when neither man nor
# groff is here to render the pages and nothing else failed.
set -u
src=${MSL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${MSL_BUILDDIR:-$src}
hdr=$src/include/mailslot.h
docs=$src/docs
man3=$docs/man3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-man.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
bad=0
fail() {
  echo "FAIL: $*"
  bad=$((bad + 1))
}

# ---- roff to text (the little the pages use) ----------------------------
# ROFF_AWK reads a page and prints the text of its lines: a font macro's
# arguments joined as roff joins them, escapes undone, other requests
# dropped; each output line is "SECTION<TAB>SUBSECTION<TAB>TEXT<TAB>TAG"
# (TAG 1 for the line that follows a .TP).
ROFF_AWK='
# The arguments of a request, joined with sep: "" for the alternating font
# macros (.BI, .BR, ...), " " for the others.
function args(s, sep,   out, c, q, n) {
  out = ""; n = 0
  while (s != "") {
    sub(/^[ \t]+/, "", s)
    if (s == "") break
    if (n++) out = out sep
    if (substr(s, 1, 1) == "\"") {
      s = substr(s, 2)
      while (s != "") {
        c = substr(s, 1, 1)
        if (c == "\"" && substr(s, 2, 1) == "\"") { out = out "\""; s = substr(s, 3); continue }
        s = substr(s, 2)
        if (c == "\"") break
        out = out c
      }
    } else {
      q = index(s " ", " ")
      out = out substr(s, 1, q - 1)
      s = substr(s, q)
    }
  }
  return out
}
function plain(s) {
  gsub(/\\f\([A-Z][A-Z]/, "", s); gsub(/\\f[BIRP1-4]/, "", s)
  gsub(/\\\(dq/, "\"", s); gsub(/\\\(aq/, "\047", s); gsub(/\\\(sc/, "S", s)
  gsub(/\\[&%]/, "", s); gsub(/\\-/, "-", s); gsub(/\\e/, "\\", s)
  return s
}
BEGIN { sec = ""; ss = ""; tag = 0 }
/^\.\\"/ { next }
/^\.SH/ { sec = plain(args(substr($0, 4), " ")); ss = ""; next }
/^\.SS/ { ss = plain(args(substr($0, 4), " ")); next }
/^\.TP/ { tag = 1; next }
/^\.(B|I|BI|IB|BR|RB|IR|RI)([ \t]|$)/ {
  t = $0; sub(/^\.[A-Z]+[ \t]*/, "", t)
  print sec "\t" ss "\t" plain(args(t, $1 ~ /^\.[BI]$/ ? " " : "")) "\t" tag
  tag = 0; next
}
/^\./ { next }
{ print sec "\t" ss "\t" plain($0) "\t" tag; tag = 0 }
'
roff_text() { awk "$ROFF_AWK" "$1"; }

# Whitespace collapsed, none after "(" or before ")", "," and ";".
norm() {
  tr '\n\t' '  ' | sed -e 's/  */ /g' -e 's/( /(/g' -e 's/ )/)/g' \
    -e 's/ ,/,/g' -e 's/ ;/;/g' -e 's/^ //' -e 's/ $//'
}

# The page a name resolves to ("" when none): the file, or its .so target.
page_of() {
  f=$man3/$1.3
  [ -f "$f" ] || return 0
  so=$(sed -n '1s/^\.so  *man3\/\(.*\)$/\1/p' "$f")
  if [ -n "$so" ]; then
    [ -f "$man3/$so" ] && echo "$man3/$so"
  else
    echo "$f"
  fi
}

# ---- a, b: the header's functions, prototypes and error codes -----------
[ -f "$hdr" ] || { echo "FAIL: no $hdr"; exit 1; }
# One line per MSL_API function: NAME<TAB>PROTOTYPE<TAB>CODES, the codes
# those the comment ending on the line above the prototype names.
awk '
function emit(   p, s, n, w, c, codes, seen) {
  p = proto; sub(/^MSL_API[ \t]+/, "", p); gsub(/[ \t]+/, " ", p)
  s = p; sub(/\(.*/, "", s); n = split(s, w, /[ *]+/)
  codes = ""; split("", seen); s = (com_end == start - 1) ? com : ""
  while (match(s, /MSL_ERR_[A-Z0-9_]+/)) {
    c = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
    if (!(c in seen)) { seen[c] = 1; codes = codes " " c }
  }
  printf "%s\t%s\t%s\n", w[n], p, codes
}
incom { com = com " " $0; if ($0 ~ /\*\//) { incom = 0; com_end = NR }; next }
inproto { proto = proto " " $0; if ($0 ~ /;/) { emit(); inproto = 0 }; next }
/^[ \t]*\/\*/ { com = $0; if ($0 ~ /\*\//) com_end = NR; else incom = 1; next }
/^MSL_API[ \t]/ { proto = $0; start = NR; if ($0 ~ /;/) emit(); else inproto = 1 }
' "$hdr" >"$tmp/api"
nfun=$(wc -l <"$tmp/api")
[ "$nfun" -gt 0 ] || fail "no MSL_API function found in $hdr"

while IFS='	' read -r fn proto codes; do
  page=$(page_of "$fn")
  if [ -z "$page" ]; then
    fail "$fn: no man page (docs/man3/$fn.3, a page or a .so link to one)"
    continue
  fi
  pn=docs/man3/$(basename "$page")
  roff_text "$page" >"$tmp/page"
  # NAME lists it (whatis, apropos and man -k find it there).
  awk -F'\t' '$1 == "NAME" { print $3 }' "$tmp/page" | tr ', ' '\n\n' |
    grep -qx "$fn" || fail "$fn: not in the NAME section of $pn"
  # The prototype, as in the header, in the SYNOPSIS.
  want=$(printf '%s\n' "$proto" | norm)
  syn=$(awk -F'\t' '$1 == "SYNOPSIS" { print $3 }' "$tmp/page" | norm)
  case "$syn" in
    *"$want"*) ;;
    *) fail "$fn: the SYNOPSIS of $pn lacks the header's prototype: $want" ;;
  esac
  # The error codes: the header's, the page's. A function that returns no
  # int returns no code (msl_err_name's comment names codes as examples of
  # the strings it returns).
  case $proto in
    "int "*) ;;
    *) codes= ;;
  esac
  printf '%s\n' $codes | sed '/^$/d' | sort -u >"$tmp/h"
  case $proto in
    "int "*) [ -s "$tmp/h" ] ||
      fail "$fn: its comment in include/mailslot.h names no MSL_ERR_* code (list them, not \"as f()\")" ;;
  esac
  awk -F'\t' -v fn="$fn" '
    $1 == "ERRORS" && $4 == 1 {
      s = $2; mine = 0
      while (match(s, /msl_[a-z0-9_]+/)) {
        if (substr(s, RSTART, RLENGTH) == fn) mine = 1
        s = substr(s, RSTART + RLENGTH)
      }
      if (!mine) next
      s = $3
      while (match(s, /MSL_ERR_[A-Z0-9_]+/)) {
        print substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
      }
    }' "$tmp/page" | sort -u >"$tmp/p"
  if ! cmp -s "$tmp/h" "$tmp/p"; then
    only_h=$(comm -23 "$tmp/h" "$tmp/p" | tr '\n' ' ')
    only_p=$(comm -13 "$tmp/h" "$tmp/p" | tr '\n' ' ')
    fail "$fn: ERRORS of $pn differ from include/mailslot.h:${only_h:+ missing on the page: $only_h}${only_p:+ not in the header: $only_p}"
  fi
done <"$tmp/api"

# Every ERRORS subsection names functions of the header (no stale page).
for page in "$man3"/*.3; do
  [ -n "$(sed -n '1s/^\.so //p' "$page")" ] && continue
  roff_text "$page" | awk -F'\t' '$1 == "ERRORS" && $2 != "" { print $2 }' |
    sort -u | while IFS= read -r ss; do
    s=$ss
    n=0
    for f in $(printf '%s\n' "$s" | grep -o 'msl_[a-z0-9_]*'); do
      n=$((n + 1))
      cut -f1 "$tmp/api" | grep -qx "$f" ||
        echo "FAIL: docs/man3/$(basename "$page"): ERRORS names $f, not a function of the header"
    done
    [ "$n" -gt 0 ] ||
      echo "FAIL: docs/man3/$(basename "$page"): ERRORS subsection \"$ss\" names no function"
  done
done >"$tmp/stale"
if [ -s "$tmp/stale" ]; then
  cat "$tmp/stale"
  bad=$((bad + $(wc -l <"$tmp/stale")))
fi

# ---- e: the one table of error codes ------------------------------------
sed -n 's/^[ \t]*\(MSL_[A-Z0-9_]*\)[ \t]*=[ \t]*\(-*[0-9][0-9]*\).*/\1 \2/p' \
  "$hdr" | grep -e '^MSL_OK ' -e '^MSL_ERR_' | sort >"$tmp/enum"
if [ -f "$man3/msl_strerror.3" ]; then
  roff_text "$man3/msl_strerror.3" |
    awk -F'\t' '$1 == "ERROR CODES" && $4 == 1' |
    sed -n 's/.*\(MSL_[A-Z0-9_]*\) *(\(-*[0-9][0-9]*\)).*/\1 \2/p' |
    sort >"$tmp/table"
  if ! cmp -s "$tmp/enum" "$tmp/table"; then
    fail "the ERROR CODES table of msl_strerror(3) differs from the enum of include/mailslot.h (< header, > page):"
    diff "$tmp/enum" "$tmp/table" | grep '^[<>]'
  fi
fi

# The keys of a page's KEYS section: the first word of each tag entry
# ("a = V, b = V" and "a, b" tags list several).
keys_of() {
  roff_text "$1" | awk -F'\t' '$1 == "KEYS" && $4 == 1 { print $3 }' |
    tr ',' '\n' | awk '{ print $1 }' | sed '/^$/d' | sort -u
}
if [ -x "$build/tools/mailslotd" ]; then
  "$build/tools/mailslotd" --help | tr ' ,[]' '\n\n\n\n' |
    sed -n 's/^--\([a-z][a-z0-9-]*\).*/\1/p' |
    grep -vx -e config -e status -e json | sort -u >"$tmp/dopts"
  keys_of "$docs/mailslotd.conf.5" >"$tmp/ckeys"
  if ! cmp -s "$tmp/dopts" "$tmp/ckeys"; then
    fail "the KEYS of mailslotd.conf(5) are not mailslotd's options (< mailslotd --help, > page):"
    diff "$tmp/dopts" "$tmp/ckeys" | grep '^[<>]'
  fi
  { grep -vx -e foreground -e no-drop -e user -e group "$tmp/dopts"
    echo no-browser; echo no-control-socket; } | sort -u >"$tmp/lkeys"
  keys_of "$man3/msl_service_config.3" >"$tmp/skeys"
  if ! cmp -s "$tmp/lkeys" "$tmp/skeys"; then
    fail "the KEYS of msl_service_config(3) are not the service's (mailslotd's options but its own, plus no-browser, no-control-socket; < expected, > page):"
    diff "$tmp/lkeys" "$tmp/skeys" | grep '^[<>]'
  fi
else
  fail "no $build/tools/mailslotd (build first)"
fi

# Every page is installed.
for page in "$docs"/*.[158] "$man3"/*.3; do
  rel=${page#"$src"/}
  grep -qF "$rel" "$src/tools/tools.am" ||
    fail "$rel is not installed (not in tools/tools.am)"
done

# ---- d: mailslot(1) has every option of the tool's help -----------------
# Option tokens of help text: from the usage lines, their continuation
# lines ("  [...") and the option lines ("  -x ...").
help_opts() {
  awk '/^usage:/ || /^[ \t]+[[-]/' | tr '][|(),`=' '        ' |
    tr ' \t' '\n\n' | sed -n 's/^\(--*[A-Za-z][A-Za-z0-9-]*\).*/\1/p' | sort -u
}
# Option tokens of text (the same cut).
text_opts() {
  tr '][|(),`=' '        ' | tr ' \t' '\n\n' |
    sed -n 's/^\(--*[A-Za-z][A-Za-z0-9-]*\).*/\1/p' | sort -u
}
tool=$build/tools/mailslot
if [ -x "$tool" ] && [ -f "$docs/mailslot.1" ]; then
  roff_text "$docs/mailslot.1" >"$tmp/m1"
  awk -F'\t' '$1 == "OPTIONS" && $4 == 1 { print $3 }' "$tmp/m1" |
    text_opts >"$tmp/m1opts"
  "$tool" --help >"$tmp/top" || fail "mailslot --help failed"
  # The top-level help: its prose names options too.
  text_opts <"$tmp/top" | while IFS= read -r o; do
    grep -qx -e "$o" "$tmp/m1opts" ||
      echo "FAIL: mailslot(1) has no OPTIONS entry for $o (mailslot --help)"
  done >"$tmp/d"
  for cmd in $(sed -n 's/^  \([a-z][a-z0-9-]*\)  .*/\1/p' "$tmp/top"); do
    awk -F'\t' -v c="$cmd" '$1 == "COMMANDS" && $2 == c && $4 == 1 {
      print $3 }' "$tmp/m1" | text_opts >"$tmp/sec"
    if ! grep -q "$(printf '\t%s\t' "$cmd")" "$tmp/m1"; then
      echo "FAIL: mailslot(1) has no COMMANDS subsection \"$cmd\""
      continue
    fi
    "$tool" "$cmd" --help >"$tmp/help" 2>&1 ||
      echo "FAIL: mailslot $cmd --help failed"
    help_opts <"$tmp/help" | while IFS= read -r o; do
      grep -qx -e "$o" "$tmp/sec" ||
        echo "FAIL: mailslot(1) has no entry for $o in its \"$cmd\" subsection (mailslot $cmd --help)"
    done
  done >>"$tmp/d"
  if [ -s "$tmp/d" ]; then
    cat "$tmp/d"
    bad=$((bad + $(wc -l <"$tmp/d")))
  fi
else
  fail "no $tool or docs/mailslot.1 (build first)"
fi

# ---- c: every page renders without a warning ----------------------------
# From docs/, so that ".so man3/x.3" resolves as it does in $(mandir).
rendered=0
if command -v man >/dev/null 2>&1 || command -v groff >/dev/null 2>&1; then
  for page in "$docs"/*.[158] "$man3"/*.3; do
    rel=${page#"$docs"/}
    if command -v man >/dev/null 2>&1; then
      (cd "$docs" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 \
        -l "$rel" >/dev/null 2>"$tmp/err") || echo "man failed" >>"$tmp/err"
      [ -s "$tmp/err" ] &&
        fail "docs/$rel: man --warnings: $(head -c 600 "$tmp/err")"
    fi
    if command -v groff >/dev/null 2>&1; then
      (cd "$docs" && groff -ww -man -z -Tutf8 "$rel" 2>"$tmp/err") ||
        echo "groff failed" >>"$tmp/err"
      [ -s "$tmp/err" ] &&
        fail "docs/$rel: groff -ww: $(head -c 600 "$tmp/err")"
    fi
    rendered=$((rendered + 1))
  done
fi
# The NAME lines parse for whatis and apropos (mandb's own reader).
if command -v lexgrog >/dev/null 2>&1; then
  for page in "$docs"/*.[158] "$man3"/*.3; do
    [ -n "$(sed -n '1s/^\.so //p' "$page")" ] && continue
    lexgrog "$page" >/dev/null 2>&1 ||
      fail "${page#"$src"/}: lexgrog cannot parse its NAME section"
  done
fi

if [ "$bad" -gt 0 ]; then
  echo "$bad problem(s) in the man pages"
  exit 1
fi
if [ "$rendered" -eq 0 ]; then
  echo "SKIP: neither man nor groff here: the pages were not rendered ($nfun functions, their pages and errors checked)"
  exit 77
fi
echo "PASS: $nfun functions: pages, prototypes and error lists match include/mailslot.h; mailslot(1) has every option; $rendered pages render without warnings"
exit 0
