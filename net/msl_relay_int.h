/*
 * Internals of the relay shared by its two files: the datagram paths,
 * configuration and status (msl_relay.c) and the links (msl_relay_link.c).
 * Not installed.
 */
#ifndef MSL_RELAY_INT_H
#define MSL_RELAY_INT_H

#include "msl_relay.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "msl_ratelimit.h"
#include "msl_relay_core.h"
#include "msl_relay_frame.h"
#include "msl_sysres.h"
#include "msl_tls.h"

#define ADDR_TEXT 272        /* "host:port" as configured, or "ip:port" */
#define QUEUE_FRAMES 4096    /* frames queued per link, whatever their size */
#define TX_INITIAL 65536     /* a link's queue starts this big, grows */
#define SOCK_BUF 262144      /* the kernel's share of a link's backlog */
#define OUT_SLOT 1536        /* a datagram batched for one sendmmsg */
#define WRITE_BUDGET 262144  /* bytes written per link per wakeup */
#define FRAMES_BUDGET 256    /* frames read per link per wakeup */
#define ACCEPT_BUDGET 16     /* connections accepted per wakeup */
#define ERROR_TEXT 200

enum link_state {
  L_CONNECTING, /* TCP connect in progress (outbound) */
  L_PEEK,       /* accepted: waiting for the first byte */
  L_TLS,        /* TLS handshake */
  L_HELLO,      /* TLS done, our HELLO sent, waiting for theirs */
  L_UP,
};

/* What is counted per peer: a configured peer's across its links, an
 * accepted link's for its life. */
typedef struct peer_stats {
  uint64_t frames_in, frames_out, bytes_in, bytes_out;
  /* drop_unconfirmed: sent on a link that died before the peer's PONG
   * confirmed them (some may have arrived). */
  uint64_t drop_down, drop_rate, drop_queue, drop_unconfirmed;
  uint64_t throttled, connects, failures_total;
} peer_stats;

/* One TCP connection to another relay. */
typedef struct rlink {
  int fd;
  int state;    /* enum link_state */
  int outbound; /* we connected (TLS client) */
  int peer;     /* configured peer index, or -1 (accepted) */
  int dead;     /* closed during this wakeup; removed at its end */
  msl_tls *tls;
  int tls_wants_write; /* the last TLS call wanted POLLOUT */
  char addr[ADDR_TEXT];
  char site[MSL_RELAY_SITE_MAX + 1];
  int peer_hub;
  uint64_t deadline; /* handshake and HELLO must end by then */
  uint64_t since, last_rx, last_tx;
  uint8_t *rx;       /* MSL_RELAY_FRAME_MAX: the frame being read */
  size_t rx_len;
  uint8_t *tx;       /* queued frames: [tx_off, tx_len) */
  size_t tx_off, tx_len, tx_cap;
  uint32_t qlen[QUEUE_FRAMES]; /* lengths of the queued frames (ring) */
  size_t q_head, q_n, q_done;  /* q_done: bytes of the head written */
  msl_rl_bucket out;
  msl_relay_inflow in;
  uint64_t resume; /* over its rate: not read until then */
  uint64_t last_ping;
  /* DGRAM frames: received here, queued to the peer, and how many of
   * those the peer said it had received (its last PONG): the rest are
   * counted as lost if the link dies. */
  uint64_t dgrams_in, dgrams_out, acked;
  peer_stats own;  /* an accepted link's counters */
  peer_stats *st;  /* own, or its configured peer's */
} rlink;

/* A configured peer ("HOST:PORT"). */
typedef struct rpeer {
  char text[ADDR_TEXT];
  char host[256];
  uint16_t port;
  int link;          /* index in links, or -1 */
  unsigned failures; /* since the last link up */
  uint64_t next_try; /* ms; 0: at once */
  msl_sysres *dns;   /* a name being looked up */
  char site[MSL_RELAY_SITE_MAX + 1]; /* as its HELLO said, once up */
  char subject[MSL_TLS_SUBJECT_MAX];
  char last_error[ERROR_TEXT];
  peer_stats st;
} rpeer;

/* Relay-wide counters (the per-reason drops of the core are added). */
typedef struct relay_counters {
  uint64_t local_in, own_in, to_origin;
  uint64_t frames_in, frames_out, emitted, delivered, reflected, forwarded;
  uint64_t drop_down, drop_rate, drop_queue, drop_unconfirmed, drop_no_route;
  uint64_t drop_send, drop_too_big, malformed, ignored_frames;
  uint64_t refused[MSL_TLS_R_COUNT], refused_busy, refused_site;
  uint64_t floods, throttled, proxy_answers;
} relay_counters;

/* Where each polled descriptor came from. */
typedef struct pmap {
  int kind; /* 0 listen, 1 link, 2 dns */
  int idx;
  int fd;
} pmap;

struct msl_relay {
  msl_relay_env env;
  msl_relay_core core;
  msl_tls_ctx *tls;
  msl_rl_rate rate, in_rate;
  size_t queue_bytes;
  uint64_t keepalive_ms, handshake_ms, reconnect_max_ms;
  int listen_fd;
  char listen_text[ADDR_TEXT];
  rpeer peers[MSL_RELAY_PEERS_MAX];
  size_t npeers;
  rlink links[MSL_RELAY_LINKS_MAX];
  size_t nlinks;
  pmap map[MSL_RELAY_POLLFDS];
  size_t nmap;
  int again;        /* bytes wait inside TLS: poll no longer than 0 ms */
  uint64_t last_now; /* the loop's clock at the last tick or handle */
  /* Sites seen on any link (HELLO): one without an up link counts what
   * would have gone to it as dropped (drop_down). */
  char known[MSL_RELAY_LINKS_MAX][MSL_RELAY_SITE_MAX + 1];
  size_t nknown;
  uint16_t next_id; /* DGM_ID of our re-emissions */
  uint8_t *fbuf;    /* one encoded frame */
  uint8_t *pkt;     /* one encoded datagram */
  /* Datagrams to send, sent together (sendmmsg) at the end of a wakeup
   * or when full: one system call for many re-emissions. */
  msl_udp_out out[MSL_UDP_OUT_MAX];
  uint8_t *outbuf; /* MSL_UDP_OUT_MAX slots of OUT_SLOT bytes */
  size_t nout;
  relay_counters c;
  msl_rl_bucket log_rl; /* lines a peer can provoke */
  uint64_t log_dropped;
};

void rlog(const msl_relay *r, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A line a peer or a LAN host can provoke: rate-limited. */
void rlog_noisy(msl_relay *r, int level, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* msl_relay_link.c */
int relay_listen(msl_relay *r, const char *text, char *err, size_t cap);
void relay_accept(msl_relay *r, uint64_t now);
void link_events(msl_relay *r, size_t i, short revents, uint64_t now);
void link_close(msl_relay *r, size_t i, const char *why, uint64_t now);
void link_refuse(msl_relay *r, size_t i, int reason, const char *detail,
                 uint64_t now);
void links_reap(msl_relay *r);
uint64_t links_tick(msl_relay *r, uint64_t now);
void peer_dns_done(msl_relay *r, size_t p, uint64_t now);
uint64_t peers_tick(msl_relay *r, uint64_t now);
short link_poll_events(const msl_relay *r, const rlink *l, uint64_t now);
/* 1 when l has input poll cannot report: bytes inside TLS, or a whole
 * frame in rx, and it is not paused. */
int link_has_input(const rlink *l, uint64_t now);
/* Queues frame f[0..n) on link i (rate, queue bounds); 0 or -1 (dropped,
 * counted). */
int link_send(msl_relay *r, size_t i, const uint8_t *f, size_t n,
              uint64_t now);
const char *link_state_name(int state);
int parse_hostport(const char *text, char *host, size_t cap, uint16_t *port);

/* msl_relay.c: a frame from up link i (decoded in f). */
void relay_frame_in(msl_relay *r, size_t i, const msl_relay_frame *f,
                    uint64_t now);
/* The site's link that carries traffic: the first up link to it, or -1. */
int relay_site_link(const msl_relay *r, const char *site);

#endif /* MSL_RELAY_INT_H */
