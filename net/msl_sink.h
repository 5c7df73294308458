/*
 * Where the datagram service hands each mailslot message it received
 * (net/msl_dgram_service.h). The layer above installs it: for this host's
 * slots that is local/msl_deliver.h; the net layer knows nothing of how a
 * slot is reached.
 *
 * A sink never blocks. It may hold messages for a slot that cannot take
 * them yet (a full queue): it then names the descriptors to poll for
 * POLLOUT, is flushed when one is ready, and says when the service should
 * stop reading the network because what it may hold is nearly used up.
 */
#ifndef MSL_SINK_H
#define MSL_SINK_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"

/* What a sink did with one message. */
enum msl_sink_verdict {
  MSL_SINK_DELIVERED = 0, /* in the slot's queue */
  MSL_SINK_HELD,          /* held for a full slot (delivered later, or
                             dropped and counted by the sink) */
  MSL_SINK_NO_SLOT,       /* no such slot here */
  MSL_SINK_BAD_NAME,      /* not a valid local slot name */
  MSL_SINK_REFUSED,       /* the slot may not receive network messages */
  MSL_SINK_DROPPED,       /* full beyond what may be held, too big,
                             or another delivery error (counted) */
};

typedef struct msl_sink {
  void *ctx;
  /* The message msg[0..len) for the slot named name[0..name_len) (the
   * mailslot name after "\MAILSLOT\", bytes as on the wire) from origin,
   * at now (ms, the caller's monotonic clock). Returns a verdict. */
  int (*deliver)(void *ctx, const char *name, size_t name_len,
                 const uint8_t *msg, size_t len, const msl_msg_info *origin,
                 uint64_t now);
  /* Fills pf with {fd, POLLOUT} for slots holding messages; returns the
   * number filled (<= cap). */
  size_t (*pollfds)(void *ctx, struct pollfd *pf, size_t cap);
  /* Moves held messages on (a polled descriptor is ready). */
  void (*flush)(void *ctx, uint64_t now);
  /* Timers (held messages of a stalled slot); returns ms until the next
   * one, UINT64_MAX for none. */
  uint64_t (*tick)(void *ctx, uint64_t now);
  /* 1 when batch more messages might not fit what the sink may hold: stop
   * reading the network until a flush or tick makes room. */
  int (*backlogged)(void *ctx, size_t batch);
  /* Its counters as "name value\n" lines; the length, or
   * MSL_ERR_BUFFER_TOO_SMALL. */
  int (*format_status)(void *ctx, char *buf, size_t cap);
} msl_sink;

#endif /* MSL_SINK_H */
