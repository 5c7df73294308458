# tests/netns/samba-lib.sh: Samba's nmbd beside the namespace LAN, for the
# samba-*.sh and relay-samba.sh scenarios and make bench. Sourced after
# lib.sh.

# samba_require [nmblookup]: skips (77) unless nmbd (and nmblookup) are
# installed.
samba_require() {
  command -v nmbd >/dev/null 2>&1 ||
    skip "nmbd (Debian package samba) not installed"
  [ "${1:-}" != nmblookup ] || command -v nmblookup >/dev/null 2>&1 ||
    skip "nmblookup (Debian package samba-common-bin) not installed"
}

# samba_lan N: root, the built tools, nmbd and nmblookup, then N hosts on
# one LAN (netns_setup). Sets S and C, the directories of nmbd's and of the
# clients' configurations.
samba_lan() {
  ns_require_root
  ns_require_tools
  samba_require nmblookup
  netns_setup "$1"
  S=$NS_TMP/samba
  C=$NS_TMP/client
}

# smb_conf DIR NETBIOS-NAME [LINE]...: DIR/smb.conf, a private
# configuration (every directory below DIR, only eth0) with LINEs added to
# [global], and its directories.
smb_conf() {
  local d=$1 name=$2 line
  shift 2
  mkdir -p "$d/lock" "$d/state" "$d/cache" "$d/pid" "$d/log" "$d/priv"
  {
    cat <<CONF
[global]
  netbios name = $name
  workgroup = $NS_WG
  interfaces = eth0
  bind interfaces only = yes
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  pid directory = $d/pid
  private dir = $d/priv
  ncalrpc dir = $d/ncalrpc
  log file = $d/log/log.%m
  disable netbios = no
CONF
    for line in "$@"; do echo "  $line"; done
  } >"$d/smb.conf"
}

# nmbd_start N DIR LEVEL PORT LOG: nmbd in host N with DIR/smb.conf at
# debug level LEVEL, its output to LOG; waits until it binds UDP PORT (137
# or 138). Sets NMBD_PID.
nmbd_start() {
  hx_bg "$1" nmbd --foreground --debug-stdout --debuglevel="$3" \
    --configfile="$2/smb.conf" >"$5" 2>&1 &
  NMBD_PID=$!
  ns_track "$NMBD_PID"
  wait_for 15 "nmbd to bind UDP $4" udp_bound "$1" "$4"
}

# nmbd_wait_name FROM N NAME: waits until nmblookup in host FROM (with the
# client configuration $C/smb.conf) finds NAME<00> at host N's address:
# nmbd registers its names with broadcast requests, then answers for them.
nmbd_wait_name() {
  wait_for 30 "nmbd to register $3<00>" nmbd_has_name "$@"
}
nmbd_has_name() {
  hx "$1" nmblookup -s "$C/smb.conf" -B "$NS_BCAST" "$3" 2>/dev/null |
    grep -q "^$(h_ip "$2") $3<00>"
}
