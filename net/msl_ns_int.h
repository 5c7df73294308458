/*
 * Internals shared by the name service's state machine files: the B-node
 * part (msl_name_service.c) and the WINS client (msl_ns_wins.c). Not a
 * public interface; see msl_name_service.h for the behaviour.
 */
#ifndef MSL_NS_INT_H
#define MSL_NS_INT_H

#include "msl_name_service.h"

/* Log through cfg.log (level 0 error .. 3 debug). */
void msl_nsi_log(const msl_ns *ns, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A log line a LAN host can provoke: rate-limited (MSL_NS_LOG_*). */
void msl_nsi_noisy(msl_ns *ns, int level, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "a.b.c.d" of a host-order address into b. */
const char *msl_nsi_ipstr(uint32_t ip, char b[16]);
/* The peers' name-service port (cfg.port, else 137). */
uint16_t msl_nsi_peer_port(const msl_ns *ns);
/* Encodes and sends m (counted: sent, send_errors). */
void msl_nsi_emit(msl_ns *ns, const msl_nbns *m, uint32_t dst, uint16_t port,
                  uint32_t src, unsigned ifindex);
/* The interface on peer's subnet, else the first (NULL: none). */
const msl_ns_iface *msl_nsi_iface_for(const msl_ns *ns, uint32_t peer);
/* NB_FLAGS of our name n: G, and ONT H with WINS servers, else B. */
uint16_t msl_nsi_nb_flags(const msl_ns *ns, const msl_ns_name *n);
/* A fresh TRN_ID (cfg.random, else the counter after the seed). */
uint16_t msl_nsi_trn_id(msl_ns *ns);
/* The index of name n among ours (in conflict or not), or -1. */
int msl_nsi_find_name(const msl_ns *ns, const msl_nbname *n);
/* Name idx is lost: to the LAN host `by` (a defence), or (wins) refused
 * by the WINS server `by`. Marked, counted, logged; it is released at
 * its WINS server if registered there. */
void msl_nsi_conflict(msl_ns *ns, int idx, uint32_t by, int wins,
                      uint64_t now);

/* ---- the WINS client (msl_ns_wins.c) ---- */

/* The broadcast round is over: each name not in conflict registers with
 * the primary server. Nothing without servers. */
void msl_nsw_start(msl_ns *ns, uint64_t now);
/* Its timers at now; ms until the next (UINT64_MAX: none). */
uint64_t msl_nsw_tick(msl_ns *ns, uint64_t now);
/* A response r from src: 1 when it answered a WINS request of ours (and
 * was acted on), 0 when it is not the WINS client's. */
int msl_nsw_input(msl_ns *ns, const msl_nbns *r, uint32_t src, uint64_t now);
/* Releases every name registered (or being registered) with a server. */
void msl_nsw_release(msl_ns *ns, uint64_t now);
/* Name idx was lost on the LAN: released at its server if registered. */
void msl_nsw_drop(msl_ns *ns, int idx, uint64_t now);
/* The interfaces changed: a name whose registered address is gone
 * registers again. */
void msl_nsw_ifaces_changed(msl_ns *ns, uint64_t now);
/* The "ns_wins_*" counters and, with servers, the "wins_name" lines. */
int msl_nsw_format(const msl_ns *ns, uint64_t now, char *buf, size_t cap);

#endif /* MSL_NS_INT_H */
