/*
 * The network service's event loop: one thread polls the datagram socket
 * (UDP 138, or --dgram-port), the name service, the control socket, the
 * writers that hand their messages to the service, and the timers. The
 * public entry points (msl_service_create/run/start/stop in
 * include/mailslot.h) are in api/msl_service_api.c: they set up the run
 * and control directories and install the sink that delivers to local
 * slots (local/msl_deliver.h); this layer knows neither.
 *
 * Nothing in the loop blocks on name resolution: a control request that
 * needs a NetBIOS name neither ours nor cached is deferred (at most
 * MSL_SERVICE_PENDING_MAX), its query's socket polled with the rest, and
 * replayed when the query ends (docs/network.md, "Sending").
 *
 * Local users share the service fairly (docs/network.md, "Sharing the
 * daemon"): every control connection's user is known (SO_PEERCRED), and
 * each user has its own cap on open connections, writers and waiting
 * requests, so one user at its limit never delays another's send; idle
 * connections and writers are closed.
 */
#ifndef MSL_SERVICE_H
#define MSL_SERVICE_H

#include "mailslot.h"
#include "msl_svc_config.h"
#include "msl_sink.h"

#define MSL_SERVICE_BATCH 32        /* datagrams per recvmmsg */
/* Control connections being read: in all, and per user. */
#define MSL_SERVICE_CONNS_MAX 128
#define MSL_SERVICE_CONNS_PER_UID 8
/* Writers sending through the service: in all, and per user. */
#define MSL_SERVICE_REMOTES_MAX 1024
#define MSL_SERVICE_REMOTES_PER_UID 64
/* Requests waiting for a name query: in all, and per user. */
#define MSL_SERVICE_PENDING_MAX 64
#define MSL_SERVICE_PENDING_PER_UID 8
/* A connection that sends no request this long is closed. */
#define MSL_SERVICE_CONN_TIMEOUT_MS 2000
/* A writer that sends nothing this long is closed (its client opens it
 * again on its next write). */
#define MSL_SERVICE_WRITER_IDLE_MS 300000
/* The interface list is read again this often (as nmbd re-reads its
 * interfaces), and on msl_service_rescan() (mailslotd: SIGHUP). */
#define MSL_SERVICE_RESCAN_MS 60000
/* Test-only: the re-scan period in ms instead (0: none but on request).
 * Not for production use. */
#define MSL_SERVICE_RESCAN_ENV "MSL_SERVICE_RESCAN_MS"
/* Test-only: the writers' idle timeout in ms instead. */
#define MSL_SERVICE_WRITER_IDLE_ENV "MSL_SERVICE_WRITER_IDLE_MS"
/* Test-only: the shortest WINS TTL taken as granted, in s (default
 * MSL_NS_WINS_TTL_MIN, 300), so a test sees a refresh soon. */
#define MSL_SERVICE_WINS_TTL_MIN_ENV "MSL_SERVICE_WINS_TTL_MIN"

/* What the layer above gives the service besides the public config. */
typedef struct msl_service_env {
  msl_sink sink;   /* where received messages go */
  int ctl_dir_fd;  /* the control directory (checked), or -1: no control
                      socket */
  const char *ctl_dir;
} msl_service_env;

/* The service (the public msl_service wraps one). */
typedef struct msl_svc msl_svc;

/**
 * Creates the service: resolves the configuration, lists the interfaces,
 * binds the UDP ports (registering our names) and the control socket.
 * Nothing runs yet.
 * @return as msl_service_create(). On error, a reason is logged through
 *         cfg->log.
 */
int msl_svc_new(const msl_svc_config *cfg, const msl_service_env *env,
                msl_svc **out);

/** Runs the loop until msl_svc_request_stop(): 0, or MSL_ERR_SYSTEM when
 *  poll itself fails. */
int msl_svc_run(msl_svc *s);

/** Makes msl_svc_run return soon; async-signal-safe. */
void msl_svc_request_stop(msl_svc *s);

/** Asks the loop to read the interfaces again; async-signal-safe. */
void msl_svc_request_rescan(msl_svc *s);

/** The counters as "name value" lines (thread-safe). Returns the length
 *  or MSL_ERR_BUFFER_TOO_SMALL. */
int msl_svc_status(msl_svc *s, char *buf, size_t cap);

/** Closes everything and removes the control socket (NULL ignored). */
void msl_svc_free(msl_svc *s);

#endif /* MSL_SERVICE_H */
