/*
 * The relay's settings (docs/relay.md, mailslotd.conf(5)): "site" and the
 * "relay-*" keys of msl_service_config_set. Values are checked as they are
 * given; the files are checked for access here and read when the service
 * is made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msl_service_config_int.h"

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
  return msl_cfg_number(c, 1, 65535, 0, &port) == 0;
}

static int pin_ok(const char *p) {
  if (strncasecmp(p, "sha256:", 7) != 0)
    return strlen(p) < 256;
  size_t hex = 0;
  for (p += 7; *p; p++)
    if (*p != ':' && !strchr("0123456789abcdefABCDEF", *p))
      return 0;
    else
      hex += *p != ':';
  return hex == 64;
}

/* A readable regular file; a key that only its owner may read. */
static int check_file(msl_service_config *c, const char *path, int key) {
  struct stat st;
  if (stat(path, &st) != 0 || access(path, R_OK) != 0)
    return msl_cfg_fail(c, MSL_ERR_ACCESS, "%.200s: %s", path,
                        strerror(errno));
  if (!S_ISREG(st.st_mode))
    return msl_cfg_fail(c, MSL_ERR_ACCESS, "%.200s: not a regular file",
                        path);
  if (key && (st.st_mode & (S_IRGRP | S_IROTH)))
    return msl_cfg_fail(c, MSL_ERR_ACCESS, "key %.200s is readable by its "
                        "group or by everyone (mode %04o): refusing it; "
                        "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
  return 0;
}

/* The numeric settings: field, bounds, whether K/M/G may follow. */
typedef struct num_def {
  const char *key;
  size_t off; /* of the uint32_t in msl_relay_cfg */
  unsigned long lo, hi;
  int unit;
} num_def;

#define NUM(k, f, lo, hi, u) {k, offsetof(msl_relay_cfg, f), lo, hi, u}
static const num_def nums[] = {
    NUM("relay-rate", rate, 1, 1000000, 0),
    NUM("relay-burst", burst, 1, 2000000, 0),
    NUM("relay-queue", queue_bytes, 4096, 1ul << 30, 1),
    NUM("relay-proxy-ttl", proxy_ttl_s, 1, 86400, 0),
    NUM("relay-max-hops", max_hops, 1, 255, 0),
    NUM("relay-keepalive", keepalive_s, 1, 3600, 0),
    NUM("relay-handshake-timeout", handshake_timeout_s, 1, 600, 0),
    NUM("relay-reconnect-max", reconnect_max_s, 1, 86400, 0),
};
#undef NUM

static const num_def *find_num(const char *key) {
  for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
    if (strcmp(nums[i].key, key) == 0)
      return &nums[i];
  return NULL;
}

static uint32_t *num_field(msl_service_config *c, const num_def *d) {
  return (uint32_t *)(void *)((char *)&c->relay + d->off);
}

static int set_number(msl_service_config *c, const num_def *d,
                      const char *v) {
  if (msl_cfg_number(v, d->lo, d->hi, d->unit, num_field(c, d)) == 0)
    return 0;
  return msl_cfg_fail(c, MSL_ERR_INVALID, "%s '%.60s': a number from %lu "
                      "to %lu%s expected", d->key, v, d->lo, d->hi,
                      d->unit ? " (K, M, G allowed)" : "");
}

/* The relay's other settings: what a value must be and where it goes
 * (slot: an enum cfg_str, or an enum cfg_list for the lists). */
enum rkind { R_SITE, R_LISTEN, R_PEER, R_FILE, R_KEY_FILE, R_PIN, R_ALLOW,
             R_HUB };

typedef struct rkey_def {
  const char *key;
  enum rkind kind;
  int slot;
} rkey_def;

static const rkey_def rkeys[] = {
    {"site", R_SITE, S_SITE},          {"relay-listen", R_LISTEN, S_RLISTEN},
    {"relay-peer", R_PEER, L_PEERS},   {"relay-cert", R_FILE, S_RCERT},
    {"relay-key", R_KEY_FILE, S_RKEY}, {"relay-ca", R_FILE, S_RCA},
    {"relay-pin", R_PIN, L_PINS},      {"relay-allow", R_ALLOW, L_ALLOW},
    {"relay-hub", R_HUB, 0},
};

static const rkey_def *find_rkey(const char *key) {
  for (size_t i = 0; i < sizeof(rkeys) / sizeof(rkeys[0]); i++)
    if (strcmp(rkeys[i].key, key) == 0)
      return &rkeys[i];
  return NULL;
}

static int is_list(const rkey_def *k) {
  return k->kind == R_PEER || k->kind == R_PIN || k->kind == R_ALLOW;
}

/* 0 when v is a value k takes, else the failure (reason set). */
static int value_ok(msl_service_config *c, const rkey_def *k, const char *v) {
  switch (k->kind) {
  case R_SITE:
    return site_ok(v) ? 0
                      : msl_cfg_fail(c, MSL_ERR_INVALID, "site '%.60s': 1 "
                                     "to 32 of A-Z a-z 0-9 . _ -", v);
  case R_LISTEN:
  case R_PEER:
    return hostport_ok(v) ? 0
                          : msl_cfg_fail(c, MSL_ERR_INVALID, "'%.60s': "
                                         "ADDR:PORT expected (port 1-65535; "
                                         "[ADDR]:PORT for IPv6)", v);
  case R_FILE:
  case R_KEY_FILE: return check_file(c, v, k->kind == R_KEY_FILE);
  case R_PIN:
    return pin_ok(v) ? 0
                     : msl_cfg_fail(c, MSL_ERR_INVALID, "pin '%.60s': "
                                    "sha256:HEX (64 hex digits) or a "
                                    "certificate subject expected", v);
  default:
    return msl_relay_allow_valid(v) ? 0
                                    : msl_cfg_fail(c, MSL_ERR_INVALID,
                                                   "relay-allow '%.60s': not "
                                                   "a mailslot name", v);
  }
}

/* A setting with a value (every relay setting but relay-hub). */
static int set_valued(msl_service_config *c, const rkey_def *k,
                      const char *v) {
  int r = value_ok(c, k, v);
  if (r < 0)
    return r;
  return is_list(k) ? msl_cfg_add(c, (enum cfg_list)k->slot, v)
                    : msl_cfg_str(c, (enum cfg_str)k->slot, v);
}

int msl_cfg_relay_set(msl_service_config *c, const char *key,
                      const char *value, int *r) {
  const rkey_def *k = find_rkey(key);
  const num_def *d = k ? NULL : find_num(key);
  if (!k && !d)
    return 0;
  if (k && k->kind == R_HUB) {
    *r = msl_cfg_yes_no(value, &c->relay.hub) == 0
             ? 0
             : msl_cfg_fail(c, MSL_ERR_INVALID, "'relay-hub': yes or no "
                            "expected, not '%.60s'", value);
  } else if (!value || !*value) {
    *r = msl_cfg_fail(c, MSL_ERR_INVALID, "'%s' needs a value", key);
  } else {
    *r = k ? set_valued(c, k, value) : set_number(c, d, value);
  }
  if (*r == 0)
    c->relay_used = 1;
  return 1;
}

int msl_cfg_relay_unset(msl_service_config *c, const char *key) {
  const rkey_def *k = find_rkey(key);
  const num_def *d = k ? NULL : find_num(key);
  if (d)
    *num_field(c, d) = 0;
  else if (k && k->kind == R_HUB)
    c->relay.hub = 0;
  else if (k && is_list(k))
    msl_cfg_clear(c, (enum cfg_list)k->slot);
  else if (k)
    msl_cfg_str(c, (enum cfg_str)k->slot, NULL);
  return k || d;
}
