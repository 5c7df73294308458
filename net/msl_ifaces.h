/*
 * The host's IPv4 interfaces for the datagram service: which are up, their
 * addresses and the subnet broadcast address each DIRECT_GROUP datagram
 * goes to [RFC 1002 §5.3.1: a B-node sends group datagrams to the
 * broadcast address]. Linux getifaddrs(3).
 */
#ifndef MSL_IFACES_H
#define MSL_IFACES_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"

#define MSL_IFACES_MAX 32 /* interfaces (addresses) considered */

typedef struct msl_iface {
  char name[IF_NAMESIZE]; /* "eth0" */
  unsigned index;         /* if_nametoindex value */
  uint32_t addr;          /* IPv4 address, host order */
  uint32_t mask;          /* netmask, host order */
  uint32_t bcast;         /* broadcast address, host order */
  int loopback;           /* IFF_LOOPBACK */
} msl_iface;

typedef struct msl_ifaces {
  size_t n;
  msl_iface v[MSL_IFACES_MAX];
} msl_ifaces;

/**
 * Lists the up IPv4 interface addresses into *out (one entry per address;
 * an interface with two addresses gives two entries).
 *
 * @param filter  NULL or nfilter interface names ("eth0") or IPv4
 *                addresses ("198.18.0.1"): only those are kept. Without a
 *                filter loopback is skipped; a filter may name it ("lo"),
 *                which is how unprivileged tests get a broadcast target.
 * @return the number of entries (>= 0; 0 means no usable interface), or
 *         MSL_ERR_ARG (NULL out, filter NULL with nfilter > 0),
 *         MSL_ERR_NO_INTERFACE (a filter entry matched no up IPv4 interface;
 *         errno is not set), MSL_ERR_SYSTEM (getifaddrs failed).
 */
int msl_ifaces_list(msl_ifaces *out, const char *const *filter,
                    size_t nfilter);

/** The entry whose subnet holds ip (host order), or NULL. */
const msl_iface *msl_ifaces_for_peer(const msl_ifaces *l, uint32_t ip);

/** The entry with interface index idx (the first address), or NULL. */
const msl_iface *msl_ifaces_by_index(const msl_ifaces *l, unsigned idx);

/**
 * The entry of l equal to e (same index, address, mask and broadcast; the
 * name and loopback flag follow from those), or NULL. l may be NULL.
 */
const msl_iface *msl_ifaces_find(const msl_ifaces *l, const msl_iface *e);

/**
 * 1 when a and b hold the same set of entries (as msl_ifaces_find, in any
 * order), else 0: what a periodic re-scan compares. Pure; NULL is empty.
 */
int msl_ifaces_equal(const msl_ifaces *a, const msl_ifaces *b);

/**
 * Describes what changed from old to cur into buf ("+ eth1 198.18.1.2/24,
 * - eth0 198.18.0.1/24"; "none" when equal), cut to cap bytes (always
 * NUL-terminated when cap > 0). Returns the number of entries added plus
 * removed.
 */
size_t msl_ifaces_diff(const msl_ifaces *old, const msl_ifaces *cur, char *buf,
                       size_t cap);

#endif /* MSL_IFACES_H */
