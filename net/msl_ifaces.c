/* IPv4 interface discovery (see msl_ifaces.h). */
#define _GNU_SOURCE
#include "msl_ifaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static uint32_t ip_of(const struct sockaddr *sa) {
  return ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr);
}

static int filter_match(const char *const *filter, size_t n, const char *name,
                        uint32_t addr, unsigned char *used) {
  for (size_t i = 0; i < n; i++) {
    struct in_addr a;
    if (strcmp(filter[i], name) == 0 ||
        (inet_pton(AF_INET, filter[i], &a) == 1 && ntohl(a.s_addr) == addr)) {
      used[i] = 1;
      return 1;
    }
  }
  return 0;
}

int msl_ifaces_list(msl_ifaces *out, const char *const *filter,
                    size_t nfilter) {
  struct ifaddrs *all, *ifa;
  unsigned char used[64];
  if (!out || (!filter && nfilter) || nfilter > sizeof(used))
    return MSL_ERR_ARG;
  memset(out, 0, sizeof(*out));
  memset(used, 0, sizeof(used));
  if (getifaddrs(&all) != 0)
    return MSL_ERR_SYSTEM;
  for (ifa = all; ifa && out->n < MSL_IFACES_MAX; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET ||
        !(ifa->ifa_flags & IFF_UP) || !ifa->ifa_netmask)
      continue;
    uint32_t addr = ip_of(ifa->ifa_addr);
    int lo = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
    if (nfilter ? !filter_match(filter, nfilter, ifa->ifa_name, addr, used)
                : lo)
      continue;
    msl_iface *e = &out->v[out->n++];
    snprintf(e->name, sizeof(e->name), "%s", ifa->ifa_name);
    e->index = if_nametoindex(ifa->ifa_name);
    e->addr = addr;
    e->mask = ip_of(ifa->ifa_netmask);
    e->loopback = lo;
    /* Point-to-point links and loopback have no broadcast address: use the
     * directed broadcast of the subnet, which Linux delivers on lo too. */
    if ((ifa->ifa_flags & IFF_BROADCAST) && ifa->ifa_broadaddr &&
        ifa->ifa_broadaddr->sa_family == AF_INET)
      e->bcast = ip_of(ifa->ifa_broadaddr);
    else
      e->bcast = addr | ~e->mask;
  }
  freeifaddrs(all);
  for (size_t i = 0; i < nfilter; i++)
    if (!used[i])
      return MSL_ERR_NO_INTERFACE;
  return (int)out->n;
}

const msl_iface *msl_ifaces_for_peer(const msl_ifaces *l, uint32_t ip) {
  for (size_t i = 0; l && i < l->n; i++)
    if ((l->v[i].addr & l->v[i].mask) == (ip & l->v[i].mask))
      return &l->v[i];
  return NULL;
}

const msl_iface *msl_ifaces_by_index(const msl_ifaces *l, unsigned idx) {
  for (size_t i = 0; l && i < l->n; i++)
    if (l->v[i].index == idx)
      return &l->v[i];
  return NULL;
}

const msl_iface *msl_ifaces_find(const msl_ifaces *l, const msl_iface *e) {
  for (size_t i = 0; l && e && i < l->n; i++) {
    const msl_iface *f = &l->v[i];
    if (f->index == e->index && f->addr == e->addr && f->mask == e->mask &&
        f->bcast == e->bcast)
      return f;
  }
  return NULL;
}

/* Every entry of a is in b. */
static int subset(const msl_ifaces *a, const msl_ifaces *b) {
  for (size_t i = 0; a && i < a->n; i++)
    if (!msl_ifaces_find(b, &a->v[i]))
      return 0;
  return 1;
}

int msl_ifaces_equal(const msl_ifaces *a, const msl_ifaces *b) {
  return subset(a, b) && subset(b, a);
}

static int prefix_len(uint32_t mask) {
  int n = 0;
  while (mask & 0x80000000u) {
    n++;
    mask <<= 1;
  }
  return n;
}

/* Appends "SIGN NAME A.B.C.D/N" for the entries of a missing from b. */
static size_t diff_side(const msl_ifaces *a, const msl_ifaces *b, char sign,
                        char *buf, size_t cap, size_t *off) {
  size_t n = 0;
  for (size_t i = 0; a && i < a->n; i++) {
    const msl_iface *e = &a->v[i];
    if (msl_ifaces_find(b, e))
      continue;
    n++;
    if (*off >= cap)
      continue;
    int k = snprintf(buf + *off, cap - *off, "%s%c %s %u.%u.%u.%u/%d",
                     *off ? ", " : "", sign, e->name, e->addr >> 24,
                     (e->addr >> 16) & 255, (e->addr >> 8) & 255,
                     e->addr & 255, prefix_len(e->mask));
    *off = k < 0 ? cap : *off + (size_t)k;
  }
  return n;
}

size_t msl_ifaces_diff(const msl_ifaces *old, const msl_ifaces *cur, char *buf,
                       size_t cap) {
  char none[1];
  size_t off = 0;
  if (!buf || cap == 0) {
    buf = none;
    cap = sizeof(none);
  }
  buf[0] = '\0';
  size_t n = diff_side(cur, old, '+', buf, cap, &off);
  n += diff_side(old, cur, '-', buf, cap, &off);
  if (n == 0)
    snprintf(buf, cap, "none");
  return n;
}
