/*
 * The network service's event loop: one thread polls the datagram socket
 * (UDP 138, or --dgram-port), the control socket, the writers that hand
 * their messages to the service, and the reassembly timer. The daemon
 * (tools/mailslotd.c) runs it in its main thread with msl_service_run();
 * embedded mode (msl_service_start in include/mailslot.h) in a thread of
 * the application. Same code either way.
 *
 * Nothing in the loop blocks on name resolution: a control request that
 * needs a NetBIOS name neither ours nor cached is deferred (at most
 * MSL_SERVICE_PENDING_MAX), its query's socket polled with the rest, and
 * replayed when the query ends (docs/network.md, "Sending").
 */
#ifndef MSL_SERVICE_H
#define MSL_SERVICE_H

#include "mailslot.h"

#define MSL_SERVICE_REMOTES_MAX 256 /* writers sending through the service */
#define MSL_SERVICE_CONNS_MAX 16    /* control connections being read */
#define MSL_SERVICE_BATCH 32        /* datagrams per recvmmsg */
#define MSL_SERVICE_PENDING_MAX 64  /* requests waiting for a name query */
/* The interface list is read again this often (as nmbd re-reads its
 * interfaces), and on msl_service_rescan() (mailslotd: SIGHUP). */
#define MSL_SERVICE_RESCAN_MS 60000
/* Test-only: the re-scan period in ms instead (0: none but on request).
 * Not for production use. */
#define MSL_SERVICE_RESCAN_ENV "MSL_SERVICE_RESCAN_MS"

/* Log levels (msl_service_config.log_level). */
enum { MSL_LOG_ERR = 0, MSL_LOG_WARN, MSL_LOG_INFO, MSL_LOG_DEBUG };

/**
 * Creates the service: resolves the configuration, lists the interfaces,
 * binds the UDP port and the control socket. Nothing runs yet.
 * @return as msl_service_start(). On error, a reason is logged through
 *         cfg->log.
 */
int msl_service_new(const msl_service_config *cfg, msl_service **out);

/**
 * Runs the loop until msl_service_request_stop(). Returns 0, or
 * MSL_ERR_SYSTEM when poll itself fails.
 */
int msl_service_run(msl_service *s);

/** Makes msl_service_run return soon; async-signal-safe. */
void msl_service_request_stop(msl_service *s);

/* msl_service_rescan() is public: include/mailslot.h. */

/** Closes everything and removes the control socket (NULL ignored). */
void msl_service_free(msl_service *s);

/** Bound datagram port (useful when cfg asked for 0... never: 0 = 138). */
unsigned msl_service_dgram_port(const msl_service *s);

#endif /* MSL_SERVICE_H */
