/*
 * msl_nb_query and msl_nb_node_status: the public face of net/'s blocking
 * name-service clients (msl_ns_query, msl_ns_status), in network byte
 * order and raw names, so that a program needs no internal type.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "mailslot.h"
#include "msl_ifaces.h"
#include "msl_name_service.h"

#define NB_TIMEOUT_MS 1000
#define NB_TIMEOUT_MAX 3600000u /* an hour: fits the int of msl_ns_ask */
#define NB_MAX_DST 64       /* destinations asked at once */
#define NB_MAX_ANSWERS 1024 /* answers kept, whatever max says */

static int zeroed(const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i])
      return 0;
  return 1;
}

/* opts (NULL: all zero) as net's schedule: 3 requests 250 ms apart, the
 * answers awaited timeout_ms. MSL_ERR_ARG when reserved is not zero. */
static int ask_of(const msl_nb_opts *o, msl_ns_ask *how) {
  static const msl_nb_opts none;
  if (!o)
    o = &none;
  if (!zeroed(o->reserved, sizeof(o->reserved)) || (!o->dst && o->n_dst))
    return MSL_ERR_ARG;
  uint32_t ms = o->timeout_ms ? o->timeout_ms : NB_TIMEOUT_MS;
  *how = (msl_ns_ask){.port = o->port,
                      .bcast = (o->flags & MSL_NB_BROADCAST) != 0,
                      .tries = MSL_NS_RETRY_COUNT,
                      .wait_ms = MSL_NS_RETRY_MS,
                      .total_ms = (int)(ms < NB_TIMEOUT_MAX ? ms
                                                            : NB_TIMEOUT_MAX)};
  return 0;
}

/* The broadcast address of every up IPv4 interface but loopback, each
 * once. Returns how many, or MSL_ERR_NO_INTERFACE / MSL_ERR_SYSTEM. */
static int bcast_addrs(uint32_t *out, size_t max) {
  msl_ifaces l;
  size_t n = 0;
  int r = msl_ifaces_list(&l, NULL, 0);
  if (r < 0)
    return r;
  for (size_t i = 0; i < l.n && n < max; i++) {
    size_t k = 0;
    while (k < n && out[k] != l.v[i].bcast)
      k++;
    if (k == n)
      out[n++] = l.v[i].bcast;
  }
  return n ? (int)n : MSL_ERR_NO_INTERFACE;
}

/* The destinations of opts into dst (host order): opts' own, or every
 * interface's broadcast address (then how->bcast). */
static int dst_of(const msl_nb_opts *o, msl_ns_ask *how, uint32_t *dst) {
  size_t n = o && o->n_dst ? o->n_dst : 0;
  if (n > NB_MAX_DST)
    return MSL_ERR_ARG;
  for (size_t i = 0; i < n; i++)
    dst[i] = ntohl(o->dst[i]);
  if (!n) {
    int r = bcast_addrs(dst, NB_MAX_DST);
    if (r < 0)
      return r;
    n = (size_t)r;
    how->bcast = 1;
  }
  how->dst = dst;
  how->ndst = n;
  return 0;
}

int msl_nb_query(const uint8_t name[16], const msl_nb_opts *opts,
                 msl_nb_addr *out, size_t max) {
  uint32_t dst[NB_MAX_DST];
  msl_ns_ask how;
  msl_nbname nb;
  int r;
  if (!name || (!out && max))
    return MSL_ERR_ARG;
  if ((r = ask_of(opts, &how)) < 0)
    return r;
  if (msl_nbname_from_raw(&nb, name, opts ? opts->scope : NULL) != 0)
    return MSL_ERR_NAME;
  if ((r = dst_of(opts, &how, dst)) < 0)
    return r;
  size_t cap = max < NB_MAX_ANSWERS ? max : NB_MAX_ANSWERS;
  msl_ns_answer *a = calloc(cap ? cap : 1, sizeof(*a));
  if (!a)
    return MSL_ERR_NOMEM;
  r = msl_ns_query(&nb, &how, a, cap);
  for (int i = 0; i < r; i++)
    out[i] = (msl_nb_addr){.addr = htonl(a[i].ip), .from = htonl(a[i].from),
                           .ttl = a[i].ttl, .nb_flags = a[i].nb_flags};
  free(a);
  return r;
}

int msl_nb_node_status(uint32_t ip, const msl_nb_opts *opts,
                       msl_nb_name *names, size_t max, msl_nb_status *info) {
  msl_ns_ask how;
  msl_ns_table *t;
  uint32_t dst = ntohl(ip);
  int r;
  if (!names && max)
    return MSL_ERR_ARG;
  if ((r = ask_of(opts, &how)) < 0)
    return r;
  how.dst = &dst;
  how.ndst = 1;
  how.bcast = 0;
  if (!(t = malloc(sizeof(*t)))) /* a big table: not on the caller's stack */
    return MSL_ERR_NOMEM;
  r = msl_ns_status(&how, opts ? opts->scope : NULL, t);
  size_t n = r < 0 ? 0 : t->n < max ? t->n : max;
  for (size_t i = 0; i < n; i++) {
    names[i] = (msl_nb_name){.flags = t->names[i].flags};
    memcpy(names[i].name, t->names[i].name, sizeof(names[i].name));
  }
  if (r == 0 && info) {
    *info = (msl_nb_status){.from = ip, .n_names = (uint32_t)t->n};
    memcpy(info->mac, t->mac, sizeof(info->mac));
  }
  free(t);
  return r < 0 ? r : (int)n;
}
