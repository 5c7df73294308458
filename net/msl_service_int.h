/*
 * Internals of the network service shared by its two files: the loop
 * (msl_service.c) and the control requests with their pending table
 * (msl_service_ctl.c). Not installed.
 */
#ifndef MSL_SERVICE_INT_H
#define MSL_SERVICE_INT_H

#include "msl_log.h"
#include "msl_service.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "msl_announce.h"
#include "msl_clock.h"
#include "msl_ctl.h"
#include "msl_dgram_service.h"
#include "msl_ifaces.h"
#include "msl_lhdr.h"
#include "msl_name_service.h"
#include "msl_relay.h"
#include "msl_sysres.h"
#include "msl_udp.h"

#define RX_BUF (MSL_UDP_MAX_PAYLOAD + 1)
#define FW_BUF (MSL_LOCAL_MSG_MAX + MSL_LHDR_LEN + MSL_LHDR_EXT_MAX)
#define RX_ROUNDS 8  /* recvmmsg batches per wakeup before other fds */
#define FW_ROUNDS 16 /* messages per writer per wakeup: a user's many
                        writers cannot keep the loop from the others */
#define STATUS_BUF 65536 /* the status, relay peers included */
#define PATH_BUF 1024 /* a control request's path (valid ones are < 600) */
#define FILTER_MAX 64 /* --interface entries (msl_ifaces_list's limit) */
#define LK_DNS 2      /* lookup.kind: the system resolver (after the
                         MSL_NS_AQ_* kinds) */

/* A writer sending through the service (an "open" request). */
typedef struct remote {
  int fd;
  uid_t uid;      /* its client's user */
  uint64_t last;  /* ms: opened, or last sent */
  msl_dgram_dest dest;
} remote;

/* A control connection waiting for its request. */
typedef struct conn {
  int fd;
  uid_t uid;
  uint64_t since;
} conn;

/* A control request waiting for a NetBIOS name query or a system
 * resolver lookup (dns set; q.fd -1): it owns the client's connection,
 * the passed fd (open) and a copy of the request, replayed once the query
 * ends. Keyed by nothing but its slot, which only the loop's backwards
 * walk touches. */
typedef struct pending {
  int cfd;      /* -1 once a replay parked the request again */
  uid_t uid;    /* the requester's user */
  int pass;     /* -1: none */
  uint8_t *req; /* len bytes + NUL */
  size_t len;
  msl_ns_aq q;
  msl_sysres *dns; /* NULL: a NetBIOS query */
} pending;

/* A finished query (q) or system-resolver lookup (dns) handed to the
 * request's replay; the other one is NULL. */
typedef struct replay {
  const msl_ns_aq *q;
  int answered; /* q->ans (a name) or q->found (a node status) holds it */
  const msl_sysres *dns;
} replay;

/* The resolvers' context for one request. */
typedef struct lookup {
  msl_svc *s;
  const replay *done; /* NULL: first pass (may defer) */
  int missed;         /* what to ask is not known yet: defer */
  int kind;           /* MSL_NS_AQ_NAME: nb; MSL_NS_AQ_STATUS: ip;
                         LK_DNS: host */
  msl_nbname nb;
  uint32_t ip;
  char host[MSL_SYSRES_HOST_MAX + 1];
} lookup;

struct msl_svc {
  msl_svc_config cfg;
  int started; /* its start was logged: its stop is too */
  msl_sink sink;
  char name[MSL_NBNAME_MAX_CHARS + 1];
  char wg[MSL_NBNAME_MAX_CHARS + 1];
  char scope[MSL_NBNAME_SCOPE_MAX + 1];
  msl_ifaces ifs; /* the sender's broadcast targets point here */
  char *filter[FILTER_MAX]; /* cfg->interfaces, copied for re-scans */
  size_t nfilter;
  uint64_t rescan_ms, next_rescan; /* 0: no periodic re-scan */
  uint64_t iface_changes;
  atomic_int stop_req, rescan_req; /* set with a write to stop_fd */
  msl_udp udp;
  msl_dgram *dg;
  msl_dgram_sender snd;
  int have_snd;
  msl_ctl ctl;
  conn conns[MSL_SERVICE_CONNS_MAX];
  size_t nconns;
  remote rem[MSL_SERVICE_REMOTES_MAX];
  size_t nrem;
  int stop_fd;
  pthread_mutex_t mu;
  uint8_t *rx;
  uint8_t *fw;
  msl_udp_msg msgs[MSL_SERVICE_BATCH];
  uint64_t writer_idle_ms;
  uint64_t synced_sent, synced_err;
  uint64_t ctl_requests, ctl_refused, send_rejected, own_broadcasts;
  uint64_t ctl_uid_limited; /* refused: that user was at its share */
  uint64_t ctl_idle_closed; /* connections and writers closed idle */
  msl_announce ann; /* host announcements (net/msl_announce.h) */
  int have_ann;
  msl_ns_svc *nss; /* name service, UDP 137 (net/msl_name_service.h) */
  pending pend[MSL_SERVICE_PENDING_MAX];
  size_t npend;
  uint64_t resolve_queries, resolve_timeouts, resolve_abandoned;
  uint64_t dns_lookups;
  msl_relay *relay; /* the relay between sites (net/msl_relay.h), or NULL */
  char *status_buf; /* STATUS_BUF bytes: a "status" reply */
};

static inline void slog(const msl_svc *s, int level, const char *fmt,
                        ...) __attribute__((format(printf, 3, 4)));
static inline void slog(const msl_svc *s, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  msl_vlog(s->cfg.log, s->cfg.log_user, s->cfg.log_level, level, fmt, ap);
  va_end(ap);
}

/* msl_service.c */
int msl_svc_format_status(msl_svc *s, char *buf, size_t cap);
/* msl_service_relay.c: the relay's hooks into the service. */
int msl_svc_relay_start(msl_svc *s);

/* msl_service_ctl.c: control connections and requests waiting for a
 * name; the loop polls their fds and calls these. */
void msl_svc_accept_conns(msl_svc *s, uint64_t now);
void msl_svc_service_conn(msl_svc *s, size_t i);
void msl_svc_drop_conn(msl_svc *s, size_t i);
void msl_svc_service_pending(msl_svc *s, size_t i, short crev,
                             short qrev, uint64_t now);
void msl_svc_drop_pending(msl_svc *s, size_t i);
/* How many of a user's connections (conns), writers (rem) or waiting
 * requests (pend) there are. */
size_t msl_svc_uid_count(const msl_svc *s, int what, uid_t uid);
enum { UID_CONNS, UID_REMOTES, UID_PENDING };

#endif /* MSL_SERVICE_INT_H */
