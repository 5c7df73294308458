/*
 * The relay's decisions, without I/O or clock (docs/relay.md): which
 * datagrams heard on this site's subnets go to the peers, what a frame
 * from a peer becomes here, and the bounded state behind those answers.
 * net/msl_relay.c owns the sockets and calls these; tests/test_relay_core.c
 * drives them with made-up datagrams and times.
 *
 *  - Split horizon: what a site hears on its own subnets (or sends itself)
 *    goes to every peer site; what it gets from a peer goes to its own
 *    subnets only. A hub also reflects a peer's frame to its other peers,
 *    one hop less, never back to the link it came from or to the origin.
 *  - Loops and duplicates: a frame whose origin is this site is dropped;
 *    so is one whose key (origin site, origin DGM_ID, source name, a hash
 *    of the user data) was seen within the window. The hash keeps a new
 *    datagram that reuses a 16-bit DGM_ID from being taken for a copy.
 *    Every frame carries a hop count; a hub forwards only while one is left.
 *  - NetBIOS proxy: the source name of every datagram relayed here is
 *    remembered (origin site, the original sender's address, the link it
 *    came by) for a bounded time, at most MSL_RELAY_PROXY_MAX names; the
 *    name service answers queries for those names with our address, and a
 *    datagram sent to one of them goes back to its origin site. A name
 *    heard on this site's own subnets is not proxied any more (the local
 *    host wins).
 *  - Allow list: mailslot names that may cross (none: all); "NAME*" is a
 *    prefix.
 *  - Peers: outgoing frames per peer are rate-limited by the caller's
 *    bucket; incoming frames from a peer above twice that rate pause its
 *    reading (TCP pushes back) and a peer paused too long is a flood.
 */
#ifndef MSL_RELAY_CORE_H
#define MSL_RELAY_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"
#include "msl_nbdgm.h"
#include "msl_ratelimit.h"
#include "msl_relay_frame.h"
#include "msl_smbtr.h"

#define MSL_RELAY_ALLOW_MAX 64
#define MSL_RELAY_DEDUPE_SLOTS 4096
#define MSL_RELAY_DEDUPE_WINDOW_MS 10000
#define MSL_RELAY_PROXY_MAX 512
#define MSL_RELAY_PROXY_BUCKETS 1024
#define MSL_RELAY_PROXY_TTL_S 900 /* default; browse announcements
                                      come every 12 minutes */
#define MSL_RELAY_HOPS_DEFAULT 4
/* A peer over its incoming rate is not read for this long; one not read
 * for more than FLOOD_MS within FLOOD_WINDOW_MS is flooding. */
#define MSL_RELAY_THROTTLE_MS 50
#define MSL_RELAY_FLOOD_MS 3000
#define MSL_RELAY_FLOOD_WINDOW_MS 10000

/* Why a datagram or frame was not relayed (counted per reason). */
enum msl_relay_drop {
  MSL_RELAY_D_LOOP = 0,    /* a peer sent us our own datagram */
  MSL_RELAY_D_DUPLICATE,   /* seen within the window */
  MSL_RELAY_D_NOT_HERE,    /* unicast for another site, and no hub */
  MSL_RELAY_D_HOPS,        /* a hub had no hop left to pass it on */
  MSL_RELAY_D_NOT_ALLOWED, /* mailslot not on the allow list */
  MSL_RELAY_D_FRAGMENT,    /* an RFC 1002 fragment (not relayed) */
  MSL_RELAY_D_NOT_MAILSLOT,/* user data is not a mailslot write */
  MSL_RELAY_D_COUNT
};

/** "loop", "duplicate", "not_here", "hops", "not_allowed", "fragment",
 *  "not_mailslot". */
const char *msl_relay_drop_name(int reason);

/* What to do with a frame from a peer (bits) or a local datagram. */
enum {
  MSL_RELAY_A_EMIT = 0x1,    /* group: send on every local subnet */
  MSL_RELAY_A_DELIVER = 0x2, /* unicast: send to target_ip:target_port */
  MSL_RELAY_A_REFLECT = 0x4, /* hub: to every other site, one hop less */
  MSL_RELAY_A_FORWARD = 0x8, /* hub: to the target site, one hop less */
  MSL_RELAY_A_TO_PEERS = 0x10,  /* local group datagram: to every site */
  MSL_RELAY_A_TO_ORIGIN = 0x20, /* local datagram to a proxied name */
};

/* ---- allow list ---- */

typedef struct msl_relay_allow {
  size_t n;
  char name[MSL_RELAY_ALLOW_MAX][MSL_SMBTR_NAME_MAX + 1]; /* upper-case,
                                     after "\MAILSLOT\", '\' separators */
} msl_relay_allow;

/**
 * Adds a mailslot name: "BROWSE", "\MAILSLOT\BROWSE", "net/netlogon" (any
 * case; "\MAILSLOT\" and '/' are normalised) or a prefix "NET\*".
 * @return 0, MSL_ERR_ARG (empty, a control byte, too long), MSL_ERR_TOO_MANY.
 */
int msl_relay_allow_add(msl_relay_allow *a, const char *slot);

/** 1 when msl_relay_allow_add would take slot (list room aside). */
int msl_relay_allow_valid(const char *slot);

/** 1 when the SMB mailslot name name[0..len) ("\MAILSLOT\X", as in the
 *  datagram) may cross: the list is empty or has it. */
int msl_relay_allow_match(const msl_relay_allow *a, const uint8_t *name,
                          size_t len);

/* ---- duplicates ---- */

typedef struct msl_relay_dedupe {
  struct {
    uint64_t key, when;
    int used;
  } e[MSL_RELAY_DEDUPE_SLOTS];
  uint64_t window_ms;
} msl_relay_dedupe;

/** The key of a datagram: origin site, DGM_ID, source name, user data,
 *  hashed 8 bytes at a time from seed (a random one: a sender cannot
 *  make a new datagram collide with a known one). */
uint64_t msl_relay_key(uint64_t seed, const char *origin, uint16_t id,
                       const msl_nbname *src, const uint8_t *data,
                       size_t len);

/** 1 when key was seen within the window before now; else records it and
 *  returns 0. Bounded: a newer key may overwrite an older one. */
int msl_relay_dedupe_seen(msl_relay_dedupe *d, uint64_t key, uint64_t now);

/* ---- NetBIOS proxy ---- */

typedef struct msl_relay_proxy_ent {
  msl_nbname name;
  char site[MSL_RELAY_SITE_MAX + 1]; /* origin site */
  char via[MSL_RELAY_SITE_MAX + 1];  /* the site whose link brought it */
  uint32_t ip;                       /* the sender's address and port */
  uint16_t port;
  uint64_t expires;
  int next; /* hash chain, or free list (-1: end) */
  int used;
} msl_relay_proxy_ent;

typedef struct msl_relay_proxy {
  msl_relay_proxy_ent e[MSL_RELAY_PROXY_MAX];
  int head[MSL_RELAY_PROXY_BUCKETS];
  int free_head;
  size_t n;
  uint64_t ttl_ms;
  uint64_t learned, evicted, expired, forgotten;
} msl_relay_proxy;

void msl_relay_proxy_init(msl_relay_proxy *p, uint64_t ttl_ms);

/** Remembers name -> (site, via, ip, port) until now + ttl (refreshed if
 *  known). A full table loses the entry that expires first. */
void msl_relay_proxy_learn(msl_relay_proxy *p, const msl_nbname *name,
                           const char *site, const char *via, uint32_t ip,
                           uint16_t port, uint64_t now);

/** The live entry for name, or NULL (an expired one is removed). */
const msl_relay_proxy_ent *msl_relay_proxy_find(msl_relay_proxy *p,
                                                const msl_nbname *name,
                                                uint64_t now);

/** Removes name (heard on a local subnet); 1 when it was there. */
int msl_relay_proxy_forget(msl_relay_proxy *p, const msl_nbname *name);

/* ---- the core ---- */

typedef struct msl_relay_core {
  char site[MSL_RELAY_SITE_MAX + 1];
  int hub;
  unsigned max_hops;
  msl_relay_allow allow;
  msl_relay_dedupe dedupe;
  msl_relay_proxy proxy;
  uint64_t drops[MSL_RELAY_D_COUNT];
  uint64_t seed; /* of the duplicate keys (0 after init; the I/O side
                    sets a random one) */
} msl_relay_core;

/**
 * Sets c up (allow list empty: everything crosses). max_hops 0: the
 * default; proxy_ttl_ms 0: MSL_RELAY_PROXY_TTL_S.
 * @return 0, or MSL_ERR_ARG (site not a valid site ID, max_hops > 255).
 */
int msl_relay_core_init(msl_relay_core *c, const char *site, int hub,
                        unsigned max_hops, uint64_t proxy_ttl_ms);

/**
 * A datagram g heard on a local subnet (broadcast: it came to a broadcast
 * address, not to one of ours) at now: MSL_RELAY_A_TO_ORIGIN (its
 * destination is a proxied name: *to holds where it goes), or
 * MSL_RELAY_A_TO_PEERS (a group or broadcast datagram that may cross), or
 * 0 (not the relay's business, or dropped: *reason >= 0 says why, else
 * -1). A group datagram also ends the proxying of its source name.
 */
unsigned msl_relay_core_local(msl_relay_core *c, const msl_nbdgm *g,
                              int broadcast, uint64_t now,
                              const msl_relay_proxy_ent **to, int *reason);

/**
 * Fills *d (a frame body) for local datagram g: origin this site, its
 * DGM_ID, sender ip:port (where replies go), max_hops; kind group, or
 * unicast to `to` (from msl_relay_core_local). Views point into g.
 */
void msl_relay_core_frame(const msl_relay_core *c, const msl_nbdgm *g,
                          uint32_t ip, uint16_t port,
                          const msl_relay_proxy_ent *to, msl_relay_dgram *d);

/**
 * A frame d from the peer site `from` at now: what to do with it (bits
 * MSL_RELAY_A_EMIT / DELIVER / REFLECT / FORWARD; hops of a frame passed
 * on are d->hops - 1), or 0 with *reason. Counts drops. Does not learn.
 */
unsigned msl_relay_core_from_peer(msl_relay_core *c, const msl_relay_dgram *d,
                                  const char *from, uint64_t now,
                                  int *reason);

/** Remembers the source of a frame from site `from` for the proxy. */
void msl_relay_core_learn(msl_relay_core *c, const msl_relay_dgram *d,
                          const char *from, uint64_t now);

/** 1 when the mailslot of SMB data[0..len) may be injected here. */
int msl_relay_core_allowed(const msl_relay_core *c, const uint8_t *data,
                           size_t len, int *reason);

/* ---- peers: backoff and flood ---- */

/**
 * Delay before reconnect attempt number failures+1: base * 2^failures,
 * at most max, then "equal jitter": half of it plus rnd modulo the other
 * half, so peers that fell together do not call back together.
 */
uint64_t msl_relay_backoff_ms(unsigned failures, uint64_t base_ms,
                              uint64_t max_ms, uint32_t rnd);

/* One peer's incoming frames (rate of the bucket: twice the outgoing). */
typedef struct msl_relay_inflow {
  msl_rl_bucket b;
  uint64_t window_start; /* ms */
  uint64_t paused_ms;    /* within the window */
} msl_relay_inflow;

void msl_relay_inflow_init(msl_relay_inflow *f, const msl_rl_rate *r,
                           uint64_t now);

/**
 * One incoming frame at now: 1 (take it), 0 (over the rate: take this
 * one, then read nothing from the peer until *resume), -1 (it has been
 * paused more than MSL_RELAY_FLOOD_MS in the window: a flood, disconnect).
 */
int msl_relay_inflow_take(msl_relay_inflow *f, const msl_rl_rate *r,
                          uint64_t now, uint64_t *resume);

#endif /* MSL_RELAY_CORE_H */
