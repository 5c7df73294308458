/*
 * The secure relay between sites (docs/relay.md): mailslotd instances on
 * different subnets exchange group and broadcast datagrams over mutually
 * authenticated TLS 1.3 links, re-emit them on their own subnets, and
 * carry the replies back (NetBIOS proxy). The decisions are in
 * msl_relay_core.h, TLS in msl_tls.h, the frames in proto/msl_relay_frame.h;
 * this part owns the sockets and runs inside the service's poll loop
 * (net/msl_service.c): every socket is non-blocking, every timer comes
 * from the loop's clock, and nothing a peer sends can block the loop.
 *
 *  - Links: we connect to each configured peer (TCP, then TLS as the
 *    client) and accept peers on the listen address (TLS as the server;
 *    a first byte that is not a TLS handshake record is refused as
 *    plaintext). After TLS, each side sends a HELLO with its site ID; a
 *    link is up once both are in. A handshake or HELLO not done within the
 *    handshake timeout is refused. A peer with this site's ID is refused.
 *    Two links to one site (both sides configured as peers of each other)
 *    are fine: one carries the traffic, the other stands by.
 *  - Faults: a configured peer that cannot be reached, or whose link
 *    drops, is called again after an exponential backoff with jitter
 *    (1 s doubling to the configured maximum). An up link sends a PING
 *    when it has sent nothing for the keepalive period and is dropped when
 *    it has received nothing for three; the kernel gives up on unacked
 *    data as soon (TCP_USER_TIMEOUT).
 *  - Bounds: per peer, frames out are rate-limited (token bucket) and
 *    queued up to queue_bytes; frames in above twice the rate pause the
 *    reading of that peer, and a peer paused for too long is disconnected
 *    as a flood. At most MSL_RELAY_PEERS_MAX peers, MSL_RELAY_LINKS_MAX
 *    links, MSL_RELAY_PENDING_MAX handshakes at once, of which
 *    MSL_RELAY_PENDING_PER_HOST from one address. Each frame is at
 *    most MSL_RELAY_FRAME_MAX bytes; a peer's bad frame ends its link.
 *    Every drop is counted by reason (msl_relay_format_status).
 */
#ifndef MSL_RELAY_H
#define MSL_RELAY_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"
#include "msl_svc_config.h"
#include "msl_ifaces.h"
#include "msl_nbdgm.h"
#include "msl_udp.h"

#define MSL_RELAY_PEERS_MAX 32
#define MSL_RELAY_LINKS_MAX 64
#define MSL_RELAY_PENDING_MAX 16 /* inbound connections before their HELLO */
#define MSL_RELAY_PENDING_PER_HOST 4 /* of those, from one address */
#define MSL_RELAY_POLLFDS (1 + MSL_RELAY_LINKS_MAX + MSL_RELAY_PEERS_MAX)
/* Defaults of msl_relay_cfg's zero fields. */
#define MSL_RELAY_RATE 1000            /* frames a second per peer */
#define MSL_RELAY_QUEUE_BYTES (256u << 10) /* ~1 s at the default rate */
#define MSL_RELAY_KEEPALIVE_S 30
#define MSL_RELAY_HANDSHAKE_S 10
#define MSL_RELAY_RECONNECT_MAX_S 60
#define MSL_RELAY_RECONNECT_BASE_MS 1000

typedef struct msl_relay msl_relay;

/* What the relay needs from the service that runs it. */
typedef struct msl_relay_env {
  msl_udp *udp;          /* re-emissions leave from it (SOURCE_PORT) */
  const msl_ifaces *ifs; /* the service's interfaces, kept up to date */
  /* A datagram the relay re-emitted, for this host's own slots (our
   * broadcasts coming back are ignored by the service); dst is its
   * destination name (a datagram for none of ours can be skipped). */
  void (*local_input)(void *user, const uint8_t *p, size_t len,
                      uint32_t ip, uint16_t port, const msl_nbname *dst,
                      uint64_t now);
  /* 1 when name is one of this host's (never proxied). */
  int (*is_ours)(void *user, const msl_nbname *name);
  void *user;
  void (*log)(void *user, int level, const char *msg);
  void *log_user;
  int log_level;
} msl_relay_env;

/**
 * Checks cfg, reads the certificate, key and CA files (the key is refused
 * when its group or others can read it) and binds the listen address.
 * Nothing is sent yet: peers are called from the first msl_relay_tick.
 * @return 0 and *out, or MSL_ERR_ARG (a bad site ID, address, pin, allow
 *         entry or too many entries), MSL_ERR_ACCESS / MSL_ERR_INVALID
 *         (the files: see msl_tls_ctx_new), MSL_ERR_EXISTS (the listen
 *         port is in use), MSL_ERR_NOMEM, MSL_ERR_SYSTEM. err (errcap
 *         bytes) gets the reason.
 */
int msl_relay_new(const msl_relay_cfg *cfg, const msl_relay_env *env,
                  msl_relay **out, char *err, size_t errcap);

/** Closes every link and frees r (NULL ignored). */
void msl_relay_free(msl_relay *r);

/** The descriptors to poll (at most MSL_RELAY_POLLFDS into pf). */
size_t msl_relay_pollfds(msl_relay *r, struct pollfd *pf, size_t cap);

/** Handles what poll reported on the descriptors msl_relay_pollfds gave
 *  (pf[0..n), in the same order). */
void msl_relay_handle(msl_relay *r, const struct pollfd *pf, size_t n,
                      uint64_t now);

/** Runs the timers (connects, handshake and idle timeouts, keepalives,
 *  paused peers); returns ms until the next (0: call again at once). */
uint64_t msl_relay_tick(msl_relay *r, uint64_t now);

/**
 * A datagram received on the service's socket from src_ip:src_port, sent
 * to dst_ip (host order; a broadcast address when broadcast). Group and
 * broadcast datagrams that came by broadcast go to the peers; a datagram
 * for a proxied name goes back to its origin site. p is not kept.
 */
void msl_relay_local(msl_relay *r, const uint8_t *p, size_t len,
                     uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
                     uint64_t now);

/** A group datagram this host sent itself (tmpl with its user data; the
 *  writers' group sends, host announcements): relayed as if heard. */
void msl_relay_own_send(msl_relay *r, const msl_nbdgm *tmpl, uint64_t now);

/**
 * For the name service's NetBIOS proxy: 1 when name belongs to a host of
 * another site that the relay has seen lately (answer it with our
 * address, TTL *ttl_s seconds), else 0. Counts the answers.
 */
int msl_relay_proxy_query(msl_relay *r, const msl_nbname *name, uint64_t now,
                          uint32_t *ttl_s);

/**
 * "name value" lines (relay_*), then one "relay_peer ID key=value ..." line
 * per configured peer and per accepted link (docs/relay.md, "Status").
 * @return the length, or MSL_ERR_BUFFER_TOO_SMALL.
 */
int msl_relay_format_status(msl_relay *r, char *buf, size_t cap,
                            uint64_t now);

#endif /* MSL_RELAY_H */
