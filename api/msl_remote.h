/*
 * Network mailslot writers (library-internal; the public side is msl_open
 * / msl_open_ex in include/mailslot.h, docs/network.md).
 *
 * A network writer handle is an ordinary local writer handle (msl_write,
 * msl_write_wait, msl_fd, msl_close work unchanged) whose socket is one
 * end of a SOCK_SEQPACKET pair. The other end belongs to whoever sends
 * the datagrams:
 *  - mailslotd (or an embedded service): the end is passed over its
 *    control socket ("open" request), so datagrams leave from port 138
 *    with the daemon's address and names, and survive the writer's exit;
 *  - else a sender thread of this process with its own UDP socket (port
 *    138 if it may bind it, else an ephemeral port, written as
 *    SOURCE_PORT). At exit the process waits up to 2 s for those threads
 *    to drain what was written.
 * When the other end goes away (the daemon closes writers that stay idle,
 * or restarts), the next write opens a new pair the same way and is sent
 * on it (local/msl_local.h, msl_local_wrap_writer_ex).
 */
#ifndef MSL_REMOTE_H
#define MSL_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"

/* Options of a direct (daemon-less) writer; NULL fields take the
 * environment, then the defaults. */
typedef struct msl_remote_opts {
  unsigned flags;        /* MSL_OPEN_* */
  uint16_t port;         /* destination port; 0: $MAILSLOT_DGRAM_PORT or 138 */
  const char *name;      /* source name; $MAILSLOT_NAME or the host name */
  const char *workgroup; /* $MAILSLOT_WORKGROUP or "WORKGROUP" */
  const char *scope;     /* $MAILSLOT_SCOPE or none */
  const char *const *interfaces; /* $MAILSLOT_INTERFACE (one) or all */
  size_t n_interfaces;
} msl_remote_opts;

/** 1 when path is a network mailslot path (\\HOST, \\DOMAIN or \\*). */
int msl_remote_is_remote(const char *path);

/** msl_open_ex for a network path (see include/mailslot.h). */
int msl_remote_open(const char *path, unsigned flags, msl_handle **out);

/** msl_remote_open with explicit options (tests; NULL = defaults). */
int msl_remote_open_opts(const char *path, const msl_remote_opts *o,
                         msl_handle **out);

#endif /* MSL_REMOTE_H */
