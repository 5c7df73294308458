/* mailslotd's relay options (see mailslotd_relay.h). */
#define _GNU_SOURCE
#include "mailslotd_relay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { L_PEERS = 1, L_PINS = 2, L_ALLOW = 4 };

/* An unsigned number in [lo, hi]; with_unit: K, M or G may follow. */
static int parse_num(const char *s, unsigned long lo, unsigned long hi,
                     int with_unit, uint32_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || errno || *s == '-')
    return -1;
  if (with_unit && *end) {
    int sh = strchr("kK", *end) ? 10 : strchr("mM", *end) ? 20
             : strchr("gG", *end) ? 30 : -1;
    if (sh < 0 || end[1] || v > (1ull << (63 - sh)))
      return -1;
    v <<= sh;
    end++;
  }
  if (*end || v < lo || v > hi)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

static int site_ok(const char *s) {
  size_t n = strlen(s);
  return n >= 1 && n <= 32 &&
         strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789._-") == n;
}

/* "HOST:PORT" or "[V6]:PORT" with a port of 1-65535. */
static int hostport_ok(const char *s) {
  const char *c = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
  uint32_t port;
  if (!c || c == s || (s[0] == '[' && c == s + 1))
    return 0;
  c += s[0] == '[' ? 2 : 1;
  return parse_num(c, 1, 65535, 0, &port) == 0;
}

static int pin_ok(const char *p) {
  if (strncasecmp(p, "sha256:", 7) != 0)
    return *p && strlen(p) < 256;
  size_t hex = 0;
  for (p += 7; *p; p++)
    if (*p != ':' && !strchr("0123456789abcdefABCDEF", *p))
      return 0;
    else
      hex += *p != ':';
  return hex == 64;
}

/* The files are checked now (before the daemon starts), read by the
 * service; a key others can read is refused here with the config line. */
static int file_ok(const char *path, int key, char *why, size_t cap) {
  struct stat st;
  if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
    snprintf(why, cap, "%.200s: %s", path, strerror(errno));
    return 0;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(why, cap, "%.200s: not a regular file", path);
    return 0;
  }
  if (key && (st.st_mode & (S_IRGRP | S_IROTH))) {
    snprintf(why, cap, "key %.200s is readable by its group or by everyone "
             "(mode %04o): refusing it; chmod 600 it", path,
             (unsigned)(st.st_mode & 07777));
    return 0;
  }
  return 1;
}

/* Adds arg to a list; the command line's first entry drops the file's. */
static int add(relay_opts *r, int bit, const char **v, size_t *n, size_t max,
               const char *arg, int from_cli, char *why, size_t cap) {
  if (from_cli && !(r->cli_lists & bit)) {
    r->cli_lists |= bit;
    *n = 0;
  }
  if (*n == max) {
    snprintf(why, cap, "at most %zu of these", max);
    return -1;
  }
  v[(*n)++] = arg;
  return 0;
}

static int yes_no(const char *arg, int *out) {
  if (!arg || !strcasecmp(arg, "yes") || !strcasecmp(arg, "true") ||
      !strcmp(arg, "1") || !strcasecmp(arg, "on"))
    *out = 1;
  else if (!strcasecmp(arg, "no") || !strcasecmp(arg, "false") ||
           !strcmp(arg, "0") || !strcasecmp(arg, "off"))
    *out = 0;
  else
    return -1;
  return 0;
}

/* The numeric options: their field, bounds and whether K/M/G may follow. */
static int apply_number(relay_opts *r, int id, const char *arg, char *why,
                        size_t cap) {
  msl_relay_config *c = &r->cfg;
  struct {
    int id;
    uint32_t *field;
    unsigned long lo, hi;
    int unit;
  } t[] = {
      {O_RRATE, &c->rate, 1, 1000000, 0},
      {O_RBURST, &c->burst, 1, 2000000, 0},
      {O_RQUEUE, &c->queue_bytes, 4096, 1ul << 30, 1},
      {O_RPROXY_TTL, &c->proxy_ttl_s, 1, 86400, 0},
      {O_RHOPS, &c->max_hops, 1, 255, 0},
      {O_RKEEPALIVE, &c->keepalive_s, 1, 3600, 0},
      {O_RHANDSHAKE, &c->handshake_timeout_s, 1, 600, 0},
      {O_RRECONNECT, &c->reconnect_max_s, 1, 86400, 0},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    if (t[i].id == id) {
      if (parse_num(arg, t[i].lo, t[i].hi, t[i].unit, t[i].field) == 0)
        return 0;
      snprintf(why, cap, "'%.80s': a number from %lu to %lu%s expected", arg,
               t[i].lo, t[i].hi, t[i].unit ? " (K, M, G allowed)" : "");
      return -1;
    }
  snprintf(why, cap, "unknown relay option");
  return -1;
}

int relay_opt_apply(relay_opts *r, int id, const char *arg, int from_cli,
                    const char *where, char *why, size_t cap) {
  msl_relay_config *c = &r->cfg;
  if (!r->where[0])
    snprintf(r->where, sizeof(r->where), "%s", where);
  switch (id) {
  case O_SITE:
    if (site_ok(arg)) {
      c->site = arg;
      return 0;
    }
    snprintf(why, cap, "site '%.80s': 1 to 32 of A-Z a-z 0-9 . _ -", arg);
    return -1;
  case O_RLISTEN:
  case O_RPEER:
    if (!hostport_ok(arg)) {
      snprintf(why, cap, "'%.80s': ADDR:PORT expected (port 1-65535; "
               "[ADDR]:PORT for IPv6)", arg);
      return -1;
    }
    if (id == O_RLISTEN) {
      c->listen = arg;
      return 0;
    }
    return add(r, L_PEERS, r->peers, &c->n_peers, RELAY_PEERS_MAX, arg,
               from_cli, why, cap);
  case O_RCERT:
  case O_RKEY:
  case O_RCA:
    if (!file_ok(arg, id == O_RKEY, why, cap))
      return -1;
    *(id == O_RCERT ? &c->cert : id == O_RKEY ? &c->key : &c->ca) = arg;
    return 0;
  case O_RPIN:
    if (!pin_ok(arg)) {
      snprintf(why, cap, "pin '%.80s': sha256:HEX (64 hex digits) or a "
               "certificate subject expected", arg);
      return -1;
    }
    return add(r, L_PINS, r->pins, &c->n_pins, RELAY_PINS_MAX, arg, from_cli,
               why, cap);
  case O_RHUB:
    if (yes_no(arg, &c->hub) == 0)
      return 0;
    snprintf(why, cap, "'%.80s': yes or no expected", arg);
    return -1;
  case O_RALLOW:
    return add(r, L_ALLOW, r->allow, &c->n_allow, RELAY_ALLOW_MAX, arg,
               from_cli, why, cap);
  default:
    return apply_number(r, id, arg, why, cap);
  }
}

int relay_opts_finish(relay_opts *r, msl_service_config *cfg, char *why,
                      size_t cap) {
  msl_relay_config *c = &r->cfg;
  if (!r->where[0])
    return 0; /* no relay */
  const char *missing = !c->site   ? "--site (site)"
                        : !c->cert ? "--relay-cert (relay-cert)"
                        : !c->key  ? "--relay-key (relay-key)"
                        : !c->ca   ? "--relay-ca (relay-ca)"
                        : !c->listen && !c->n_peers
                            ? "--relay-listen or --relay-peer"
                            : NULL;
  if (missing) {
    snprintf(why, cap, "%s: the relay needs %s", r->where, missing);
    return -1;
  }
  c->peers = r->peers;
  c->pins = r->pins;
  c->allow = r->allow;
  cfg->relay = c;
  return 0;
}
