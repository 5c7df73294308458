/*
 * Local mailslots, library-internal part (the public API is in
 * include/mailslot.h). The network service uses msl_local_send() to deliver
 * a datagram to a local slot with its sender details.
 */
#ifndef MSL_LOCAL_H
#define MSL_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"

/* Messages a reader moves from the socket into its own queue (to count
 * them for msl_get_info) before it stops and reports a lower bound. */
#define MSL_LOCAL_QUEUE_MAX 4096
#define MSL_LOCAL_QUEUE_BYTES (4u << 20)

/* Info requests (msl_query) a reader keeps before answering them in one
 * go; more arriving in the same pass are dropped (the requester sees its
 * reply socket close), so requests can never make a reader allocate. */
#define MSL_LOCAL_QUERY_MAX 16

/**
 * msl_write_wait() with sender details: info NULL or MSL_ORIGIN_LOCAL sends
 * the plain header; MSL_ORIGIN_NETWORK adds the extension (msl_lhdr.h).
 * Same returns as msl_write_wait().
 */
int msl_local_send(msl_handle *h, const void *buf, size_t len,
                   const msl_msg_info *info, uint32_t timeout_ms);

/** Datagrams the reader dropped (malformed or over the maximum size). */
uint64_t msl_local_dropped(msl_handle *h);

#endif /* MSL_LOCAL_H */
