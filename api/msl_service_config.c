/*
 * The network service's configuration (include/mailslot.h): settings by
 * mailslotd.conf(5) key, checked as they are given so that a daemon can
 * report the file and line of a bad one. The relay's settings are in
 * msl_service_config_relay.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msl_nbname.h"
#include "msl_service_config_int.h"

/* How a key is applied. */
enum kind {
  K_STR,      /* string setting (arg: enum cfg_str) */
  K_NBNAME,   /* string, 1-15 characters (arg: enum cfg_str) */
  K_IFACE,    /* list entry */
  K_WINS,     /* list entry, an IPv4 address */
  K_DPORT,    /* UDP port, 1-65535 */
  K_NPORT,    /* UDP port, 0 (no name service) to 65535 */
  K_FLAG,     /* yes sets arg (a MSL_SERVICE_* bit), no clears it */
  K_SERVER,   /* yes: always <20>; no: never (arg: the bit "yes" sets) */
  K_LEVEL,    /* log level */
};

typedef struct key_def {
  const char *key;
  enum kind kind;
  unsigned arg;
} key_def;

static const key_def keys[] = {
    {"name", K_NBNAME, S_NAME},
    {"workgroup", K_NBNAME, S_WORKGROUP},
    {"scope", K_STR, S_SCOPE},
    {"comment", K_STR, S_COMMENT},
    {"interface", K_IFACE, 0},
    {"wins", K_WINS, 0},
    {"dgram-port", K_DPORT, 0},
    {"name-port", K_NPORT, 0},
    {"messenger", K_FLAG, MSL_SERVICE_MESSENGER},
    {"server", K_SERVER, MSL_SERVICE_SERVER},
    {"no-server", K_SERVER, MSL_SERVICE_NO_SERVER},
    {"no-announce", K_FLAG, MSL_SERVICE_NO_ANNOUNCE},
    {"no-browser", K_FLAG, MSL_SERVICE_NO_BROWSER},
    {"no-control-socket", K_FLAG, MSL_SERVICE_NO_CTL},
    {"log-level", K_LEVEL, 0},
};

static const key_def *find_key(const char *key) {
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    if (strcmp(keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

int msl_cfg_fail(msl_service_config *c, int r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, sizeof(c->err), fmt, ap);
  va_end(ap);
  return r;
}

int msl_cfg_str(msl_service_config *c, enum cfg_str i, const char *v) {
  char *copy = v ? strdup(v) : NULL;
  if (v && !copy)
    return msl_cfg_fail(c, MSL_ERR_NOMEM, "out of memory");
  free(c->str[i]);
  c->str[i] = copy;
  return 0;
}

int msl_cfg_add(msl_service_config *c, enum cfg_list l, const char *v) {
  cfg_strlist *s = &c->list[l];
  static const char *const key[L_COUNT] = {
      [L_IFACES] = "interface", [L_WINS] = "wins", [L_PEERS] = "relay-peer",
      [L_PINS] = "relay-pin", [L_ALLOW] = "relay-allow"};
  if (s->n == s->max)
    return msl_cfg_fail(c, MSL_ERR_TOO_MANY, "at most %zu '%s' entries",
                        s->max, key[l]);
  if (!(s->v[s->n] = strdup(v)))
    return msl_cfg_fail(c, MSL_ERR_NOMEM, "out of memory");
  s->n++;
  return 0;
}

void msl_cfg_clear(msl_service_config *c, enum cfg_list l) {
  cfg_strlist *s = &c->list[l];
  while (s->n)
    free(s->v[--s->n]);
}

int msl_cfg_yes_no(const char *v, int *out) {
  static const char *yes[] = {"yes", "true", "on", "1"};
  static const char *no[] = {"no", "false", "off", "0"};
  if (!v || !*v) {
    *out = 1;
    return 0;
  }
  for (size_t i = 0; i < 4; i++)
    if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
      *out = strcasecmp(v, yes[i]) == 0;
      return 0;
    }
  return -1;
}

/* An unsigned number in [lo, hi]; with_unit: K, M or G may follow. */
int msl_cfg_number(const char *s, unsigned long lo, unsigned long hi,
                   int with_unit, uint32_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || errno || *s == '-' || *s == '+' || *s == ' ')
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

static int set_level(msl_service_config *c, const char *v) {
  static const char *names[] = {"error", "warning", "info", "debug"};
  for (int i = 0; i < 4; i++)
    if (strcmp(v, names[i]) == 0 || (v[0] == '0' + i && !v[1])) {
      c->svc.log_level = i;
      return 0;
    }
  if (strcmp(v, "err") == 0 || strcmp(v, "warn") == 0) {
    c->svc.log_level = v[0] == 'w' ? MSL_LOG_WARN : MSL_LOG_ERR;
    return 0;
  }
  return msl_cfg_fail(c, MSL_ERR_INVALID, "log level '%.60s': error, "
                      "warning, info or debug (or 0-3) expected", v);
}

static int set_flag(msl_service_config *c, const key_def *k, const char *v) {
  int on;
  if (msl_cfg_yes_no(v, &on) < 0)
    return msl_cfg_fail(c, MSL_ERR_INVALID, "'%s': yes or no expected, "
                        "not '%.60s'", k->key, v);
  if (k->kind == K_SERVER) /* server and no-server exclude each other */
    c->svc.flags &= ~(MSL_SERVICE_SERVER | MSL_SERVICE_NO_SERVER);
  c->svc.flags = on ? c->svc.flags | k->arg : c->svc.flags & ~k->arg;
  return 0;
}

static int set_port(msl_service_config *c, const key_def *k, const char *v) {
  uint32_t port;
  if (msl_cfg_number(v, k->kind == K_NPORT ? 0 : 1, 65535, 0, &port) < 0)
    return msl_cfg_fail(c, MSL_ERR_INVALID, "'%s': a port from %d to "
                        "65535 expected, not '%.60s'", k->key,
                        k->kind == K_NPORT ? 0 : 1, v);
  *(k->kind == K_NPORT ? &c->svc.name_port : &c->svc.dgram_port) =
      (uint16_t)port;
  return 0;
}

/* The value of a setting that needs one, checked. */
static int set_value(msl_service_config *c, const key_def *k,
                     const char *v) {
  struct in_addr a;
  switch (k->kind) {
  case K_NBNAME:
    if (!*v || strlen(v) > MSL_NBNAME_MAX_CHARS)
      return msl_cfg_fail(c, MSL_ERR_INVALID, "'%s': 1 to %d characters, "
                          "not '%.60s'", k->key, MSL_NBNAME_MAX_CHARS, v);
    return msl_cfg_str(c, (enum cfg_str)k->arg, v);
  case K_STR: return msl_cfg_str(c, (enum cfg_str)k->arg, v);
  case K_IFACE: return msl_cfg_add(c, L_IFACES, v);
  case K_WINS:
    if (inet_pton(AF_INET, v, &a) != 1 || a.s_addr == 0)
      return msl_cfg_fail(c, MSL_ERR_INVALID, "wins '%.60s': an IPv4 "
                          "address expected", v);
    return msl_cfg_add(c, L_WINS, v);
  case K_DPORT:
  case K_NPORT: return set_port(c, k, v);
  case K_LEVEL: return set_level(c, v);
  default: return set_flag(c, k, v);
  }
}

int msl_service_config_set(msl_service_config *c, const char *key,
                           const char *value) {
  if (!c || !key)
    return MSL_ERR_ARG;
  c->err[0] = '\0';
  int r;
  if (msl_cfg_relay_set(c, key, value, &r))
    return r;
  const key_def *k = find_key(key);
  if (!k)
    return msl_cfg_fail(c, MSL_ERR_ARG, "unknown setting '%.60s' (the "
                        "keys of mailslotd.conf(5))", key);
  if (k->kind < K_FLAG && (!value || !*value))
    return msl_cfg_fail(c, MSL_ERR_INVALID, "'%s' needs a value", key);
  return set_value(c, k, value);
}

static void defaults(msl_service_config *c) {
  c->svc.log_level = MSL_LOG_WARN;
  c->svc.run_uid = -1;
  c->svc.run_gid = -1;
}

int msl_service_config_unset(msl_service_config *c, const char *key) {
  if (!c || !key)
    return MSL_ERR_ARG;
  c->err[0] = '\0';
  if (msl_cfg_relay_unset(c, key))
    return 0;
  const key_def *k = find_key(key);
  if (!k)
    return msl_cfg_fail(c, MSL_ERR_ARG, "unknown setting '%.60s'", key);
  switch (k->kind) {
  case K_NBNAME:
  case K_STR: return msl_cfg_str(c, (enum cfg_str)k->arg, NULL);
  case K_IFACE: msl_cfg_clear(c, L_IFACES); return 0;
  case K_WINS: msl_cfg_clear(c, L_WINS); return 0;
  case K_DPORT: c->svc.dgram_port = 0; return 0;
  case K_NPORT: c->svc.name_port = 0; return 0;
  case K_LEVEL: c->svc.log_level = MSL_LOG_WARN; return 0;
  default: c->svc.flags &= ~k->arg; return 0;
  }
}

int msl_service_config_new(msl_service_config **out) {
  if (!out)
    return MSL_ERR_ARG;
  msl_service_config *c = calloc(1, sizeof(*c));
  if (!(*out = c))
    return MSL_ERR_NOMEM;
  defaults(c);
  c->list[L_IFACES] = (cfg_strlist){c->ifaces, 0, CFG_IFACES_MAX};
  c->list[L_WINS] = (cfg_strlist){c->wins, 0, MSL_NS_WINS_MAX};
  c->list[L_PEERS] = (cfg_strlist){c->peers, 0, MSL_RELAY_PEERS_MAX};
  c->list[L_PINS] = (cfg_strlist){c->pins, 0, MSL_TLS_PINS_MAX};
  c->list[L_ALLOW] = (cfg_strlist){c->allow, 0, MSL_RELAY_ALLOW_MAX};
  return 0;
}

void msl_service_config_free(msl_service_config *c) {
  if (!c)
    return;
  for (int i = 0; i < S_COUNT; i++)
    free(c->str[i]);
  for (int l = 0; l < L_COUNT; l++)
    msl_cfg_clear(c, (enum cfg_list)l);
  free(c);
}

const char *msl_service_config_error(const msl_service_config *c) {
  return c ? c->err : "no configuration";
}

int msl_service_config_set_log(msl_service_config *c, msl_log_fn fn,
                               void *user) {
  if (!c)
    return MSL_ERR_ARG;
  c->svc.log = fn;
  c->svc.log_user = user;
  return 0;
}

int msl_service_config_set_run_ids(msl_service_config *c, long uid,
                                   long gid) {
  if (!c || uid < -1 || gid < -1)
    return MSL_ERR_ARG;
  c->svc.run_uid = uid;
  c->svc.run_gid = gid;
  return 0;
}

/* A list as the net layer takes it: a const array and a count. */
static const char *const *list_view(const msl_service_config *c,
                                    msl_cfg_view *v, enum cfg_list l,
                                    size_t *n) {
  for (size_t i = 0; i < c->list[l].n; i++)
    v->list[l][i] = c->list[l].v[i];
  *n = c->list[l].n;
  return *n ? v->list[l] : NULL;
}

void msl_service_config_view(const msl_service_config *c, msl_cfg_view *v) {
  msl_svc_config *s = &v->svc;
  *s = c->svc;
  s->name = c->str[S_NAME];
  s->workgroup = c->str[S_WORKGROUP];
  s->scope = c->str[S_SCOPE];
  s->comment = c->str[S_COMMENT];
  s->interfaces = list_view(c, v, L_IFACES, &s->n_interfaces);
  s->wins = NULL;
  s->wins_servers = list_view(c, v, L_WINS, &s->n_wins_servers);
  s->relay = NULL;
  if (!c->relay_used)
    return;
  msl_relay_cfg *r = &v->relay;
  *r = c->relay;
  r->site = c->str[S_SITE];
  r->listen = c->str[S_RLISTEN];
  r->cert = c->str[S_RCERT];
  r->key = c->str[S_RKEY];
  r->ca = c->str[S_RCA];
  r->peers = list_view(c, v, L_PEERS, &r->n_peers);
  r->pins = list_view(c, v, L_PINS, &r->n_pins);
  r->allow = list_view(c, v, L_ALLOW, &r->n_allow);
  s->relay = r;
}

const char *msl_cfg_relay_missing(const msl_service_config *c) {
  if (!c->relay_used)
    return NULL;
  return !c->str[S_SITE]    ? "site"
         : !c->str[S_RCERT] ? "relay-cert"
         : !c->str[S_RKEY]  ? "relay-key"
         : !c->str[S_RCA]   ? "relay-ca"
         : !c->str[S_RLISTEN] && !c->list[L_PEERS].n
             ? "relay-listen or relay-peer"
             : NULL;
}

int msl_service_config_check(msl_service_config *c) {
  if (!c)
    return MSL_ERR_ARG;
  c->err[0] = '\0';
  const char *missing = msl_cfg_relay_missing(c);
  if (missing)
    return msl_cfg_fail(c, MSL_ERR_ARG, "the relay needs %s", missing);
  return 0;
}
