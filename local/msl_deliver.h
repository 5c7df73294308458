/*
 * Delivery of network messages to this host's local mailslots: the sink
 * (net/msl_sink.h) the network service hands every received message to.
 *
 * Which slots: "\\.\mailslot\" + the name after "\MAILSLOT\" (upper-cased,
 * as local names are). The slot is found and checked as any writer does
 * (local/msl_slotdir.h: no symlink, socket owned by the slot's creator),
 * and it must admit the network: its socket is writable by the run
 * directory's group (the network service's group: msl_create grants that
 * by default), or by everyone, or it is the service's own user's. The
 * service reaches slots through ordinary permissions, never a capability,
 * and a slot whose owner removed group write is private
 * (docs/local-mailslots.md, "Permissions").
 *
 * Backpressure (a reader slower than the network): a message that finds
 * its slot full is held in a per-slot FIFO; later ones for that slot queue
 * behind it (per-sender order kept), other slots are unaffected. What may
 * be held is bounded three ways: in all (held_max messages, held_bytes
 * bytes), per slot (an eighth of that) and per slot owner (a quarter), so
 * a reader that stopped, or one user's many slots, hold at most their
 * share and never stop the service from reading the network for the
 * others; past its share a slot's messages are dropped and counted
 * (quota_drops). A slot that makes no progress for stall_ms loses what it
 * holds (stalls); one whose reader went away too (reader_gone).
 */
#ifndef MSL_DELIVER_H
#define MSL_DELIVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "msl_sink.h"

#define MSL_DELIVER_WRITERS 64 /* open slot handles kept */
#define MSL_DELIVER_HELD_MAX 16384
#define MSL_DELIVER_HELD_BYTES (4u << 20)
#define MSL_DELIVER_STALL_MS 5000
/* Shares of the held-message caps: per slot and per slot owner. */
#define MSL_DELIVER_SLOT_SHARE 8
#define MSL_DELIVER_OWNER_SHARE 4

typedef struct msl_deliver_config {
  int dir_fd;           /* the run directory (kept open by the caller) */
  size_t held_max;      /* 0: MSL_DELIVER_HELD_MAX messages held */
  size_t held_bytes;    /* 0: MSL_DELIVER_HELD_BYTES */
  uint32_t stall_ms;    /* 0: MSL_DELIVER_STALL_MS */
  unsigned slot_share;  /* a slot holds at most 1/slot_share of the caps;
                           0: MSL_DELIVER_SLOT_SHARE, 1: all of them */
  unsigned owner_share; /* likewise a slot owner; 0: ..._OWNER_SHARE */
} msl_deliver_config;

/* Every counter only grows. */
typedef struct msl_deliver_counters {
  uint64_t delivered;      /* messages put into a local mailslot */
  uint64_t no_mailslot;    /* no such local mailslot: dropped */
  uint64_t bad_slot_name;  /* not valid as a local name */
  uint64_t refused;        /* the slot does not admit network messages,
                              or fails the owner/symlink checks */
  uint64_t queue_full;     /* dropped for a full slot: caps reached, or
                              held too long (stall) */
  uint64_t quota_drops;    /* ... of those, a slot or owner over its share */
  uint64_t too_big;        /* over the local mailslot's maximum size */
  uint64_t deliver_errors; /* other local delivery failures */
  uint64_t deferred;       /* messages held because their slot was full */
  uint64_t reader_gone;    /* held messages dropped: the reader closed */
  uint64_t stalls;         /* backlogged slots dropped after stall_ms */
} msl_deliver_counters;

typedef struct msl_deliver msl_deliver;

/** Allocates a deliverer over cfg->dir_fd. 0, MSL_ERR_ARG, MSL_ERR_NOMEM. */
int msl_deliver_new(const msl_deliver_config *cfg, msl_deliver **out);

/** Frees d (NULL ignored), closing its slot handles. */
void msl_deliver_free(msl_deliver *d);

/** The sink to install in the datagram service (valid while d is). */
msl_sink msl_deliver_sink(msl_deliver *d);

/** The counters (valid while d is; updated in place). */
const msl_deliver_counters *msl_deliver_counters_get(const msl_deliver *d);

/** Messages and bytes held now (gauges). */
size_t msl_deliver_held(const msl_deliver *d, size_t *bytes);

#endif /* MSL_DELIVER_H */
