/*
 * Local mailslots, library-internal part (the public API is in
 * include/mailslot.h; msl_open dispatches local paths here and network
 * paths to api/msl_remote.c).
 */
#ifndef MSL_LOCAL_H
#define MSL_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"
#include "msl_slotdir.h"

/* Messages a reader moves from the socket into its own queue (to count
 * them for msl_get_info) before it stops and reports a lower bound. */
#define MSL_LOCAL_QUEUE_MAX 4096
#define MSL_LOCAL_QUEUE_BYTES (4u << 20)

/* Info requests (msl_query) a reader keeps before answering them in one
 * go; more arriving in the same pass are dropped (the requester sees its
 * reply socket close), so requests can never make a reader allocate. */
#define MSL_LOCAL_QUERY_MAX 16

/**
 * msl_open() of a local path ("\\.\mailslot\NAME"): a writer handle.
 * @return as msl_open(); MSL_ERR_UNSUPPORTED for a network path.
 */
int msl_local_open(const char *path, msl_handle **out);

/**
 * A writer handle to a slot already found and checked (msl_slot_lookup):
 * connects to its socket inode and reads its maximum size. ref stays the
 * caller's. Returns as msl_open().
 */
int msl_local_open_ref(const msl_slot_ref *ref, msl_handle **out);

/**
 * A writer handle over fd (taken over: closed by msl_close), enforcing at
 * most max bytes per message.
 */
int msl_local_wrap_writer(int fd, size_t max, msl_handle **out);

/* Opens a new connection for a writer whose peer went away: 0 and *fd, or
 * an msl_err. */
typedef int (*msl_reopen_fn)(void *ctx, int *fd);

/**
 * msl_local_wrap_writer() for network writers (api/msl_remote.c): when a
 * write finds the peer gone, reopen(ctx) gives a new connection, which
 * takes the old descriptor's number (msl_fd stays valid), and the message
 * is sent on it once more. ctx is freed with ctx_free at msl_close.
 */
int msl_local_wrap_writer_ex(int fd, size_t max, msl_reopen_fn reopen,
                             void *ctx, void (*ctx_free)(void *),
                             msl_handle **out);

/**
 * msl_write_wait() with sender details: info NULL or MSL_ORIGIN_LOCAL sends
 * the plain header; MSL_ORIGIN_NETWORK adds the extension (msl_lhdr.h),
 * which readers believe only from the network service's user.
 * Same returns as msl_write_wait().
 */
int msl_local_send(msl_handle *h, const void *buf, size_t len,
                   const msl_msg_info *info, uint32_t timeout_ms);

/** Datagrams the reader dropped (malformed or over the maximum size). */
uint64_t msl_local_dropped(msl_handle *h);

/** Messages that claimed network origin from a writer the reader does not
 *  trust for it; they were delivered as local ones. */
uint64_t msl_local_forged(msl_handle *h);

#endif /* MSL_LOCAL_H */
