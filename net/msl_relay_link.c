/* The relay's links: connect, accept, TLS, HELLO, framing, queues,
 * timers (see msl_relay.h). Every socket is non-blocking. */
#define _GNU_SOURCE
#include "msl_relay_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msl_random.h"

static const char *const state_names[] = {"connecting", "accepted", "tls",
                                          "hello", "up"};

const char *link_state_name(int state) {
  return state >= 0 && state <= L_UP ? state_names[state] : "?";
}

int parse_hostport(const char *text, char *host, size_t cap, uint16_t *port) {
  const char *colon, *h = text;
  size_t hl;
  if (!text || !*text)
    return MSL_ERR_ARG;
  if (*text == '[') { /* [v6]:port */
    const char *end = strchr(text, ']');
    if (!end || end[1] != ':')
      return MSL_ERR_ARG;
    h = text + 1;
    hl = (size_t)(end - h);
    colon = end + 1;
  } else {
    colon = strrchr(text, ':');
    if (!colon)
      return MSL_ERR_ARG;
    hl = (size_t)(colon - text);
  }
  char *e;
  unsigned long p = strtoul(colon + 1, &e, 10);
  if (hl == 0 || hl >= cap || *e || colon[1] == '\0' || p < 1 || p > 65535)
    return MSL_ERR_ARG;
  memcpy(host, h, hl);
  host[hl] = '\0';
  *port = (uint16_t)p;
  return 0;
}

/* "ip:port" of a socket address. */
static void addr_text(const struct sockaddr *sa, char *out, size_t cap) {
  char h[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const void *)sa;
    inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
    port = ntohs(a->sin_port);
    snprintf(out, cap, "%s:%u", h, port);
  } else {
    const struct sockaddr_in6 *a = (const void *)sa;
    inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
    port = ntohs(a->sin6_port);
    snprintf(out, cap, "[%s]:%u", h, port);
  }
}

/* Latency matters more than packing; a dead peer with unacked data is
 * given up by the kernel as soon as the keepalive would; the kernel's
 * buffers stay small, so a backlog lives in our bounded queue, where it
 * is counted, rather than megabytes deep in the socket. */
static void tune_socket(const msl_relay *r, int fd) {
  int one = 1, buf = SOCK_BUF;
  unsigned timeout = (unsigned)(3 * r->keepalive_ms);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
}

int relay_listen(msl_relay *r, const char *text, char *err, size_t cap) {
  char host[256];
  uint16_t port;
  struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE,
                           .ai_socktype = SOCK_STREAM}, *ai = NULL;
  char ps[8];
  if (parse_hostport(text, host, sizeof(host), &port) < 0) {
    snprintf(err, cap, "listen '%s': not ADDR:PORT", text);
    return MSL_ERR_ARG;
  }
  snprintf(ps, sizeof(ps), "%u", port);
  int one = 1;
  if (getaddrinfo(strcmp(host, "*") ? host : NULL, ps, &hints, &ai) != 0) {
    snprintf(err, cap, "listen '%s': not a numeric address", text);
    return MSL_ERR_ARG;
  }
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  0);
  int buf = SOCK_BUF; /* accepted sockets inherit it (window scale) */
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
  }
  if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
      listen(fd, 64) != 0) {
    int e = errno;
    snprintf(err, cap, "listen %s: %s", text, strerror(e));
    if (fd >= 0)
      close(fd);
    freeaddrinfo(ai);
    return e == EADDRINUSE ? MSL_ERR_EXISTS
           : e == EACCES   ? MSL_ERR_ACCESS
                           : MSL_ERR_SYSTEM;
  }
  freeaddrinfo(ai);
  r->listen_fd = fd;
  snprintf(r->listen_text, sizeof(r->listen_text), "%s", text);
  return 0;
}

/* A new link on fd; its index, or -1 (fd closed: no room). */
static int link_new(msl_relay *r, int fd, int outbound, int p,
                    const char *addr, uint64_t now) {
  if (r->nlinks == MSL_RELAY_LINKS_MAX) {
    close(fd);
    return -1;
  }
  rlink *l = &r->links[r->nlinks];
  memset(l, 0, offsetof(rlink, qlen));
  memset(&l->q_head, 0, sizeof(*l) - offsetof(rlink, q_head));
  l->fd = fd;
  l->outbound = outbound;
  l->peer = p;
  l->state = outbound ? L_CONNECTING : L_PEEK;
  l->deadline = now + r->handshake_ms;
  l->since = l->last_rx = l->last_tx = l->last_ping = now;
  l->st = p >= 0 ? &r->peers[p].st : &l->own;
  snprintf(l->addr, sizeof(l->addr), "%s", addr);
  tune_socket(r, fd);
  if (p >= 0)
    r->peers[p].link = (int)r->nlinks;
  return (int)r->nlinks++;
}

/* Whether two "ip:port" texts name the same host. */
static int same_host(const char *a, const char *b) {
  const char *ca = strrchr(a, ':'), *cb = strrchr(b, ':');
  return ca && cb && ca - a == cb - b && !strncmp(a, b, (size_t)(ca - a));
}

/* Accepted connections still in their handshake: in all, and from the
 * host of addr (one host may not take every slot). */
static size_t pending_inbound(const msl_relay *r, const char *addr,
                              size_t *from_host) {
  size_t n = 0;
  *from_host = 0;
  for (size_t i = 0; i < r->nlinks; i++) {
    const rlink *l = &r->links[i];
    if (l->dead || l->outbound || l->state == L_UP)
      continue;
    n++;
    *from_host += (size_t)same_host(l->addr, addr);
  }
  return n;
}

void relay_accept(msl_relay *r, uint64_t now) {
  for (int k = 0; k < ACCEPT_BUDGET; k++) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[ADDR_TEXT];
    int fd = accept4(r->listen_fd, (struct sockaddr *)&ss, &sl,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;
    addr_text((struct sockaddr *)&ss, addr, sizeof(addr));
    size_t host;
    if (pending_inbound(r, addr, &host) >= MSL_RELAY_PENDING_MAX ||
        host >= MSL_RELAY_PENDING_PER_HOST ||
        r->nlinks == MSL_RELAY_LINKS_MAX) {
      r->c.refused_busy++;
      rlog_noisy(r, MSL_LOG_WARN, now, "relay: refused %s: too many "
                 "connections waiting for their handshake", addr);
      close(fd);
      continue;
    }
    link_new(r, fd, 0, -1, addr, now);
  }
}

/* ---- configured peers ---- */

static void peer_failed(msl_relay *r, size_t p, const char *why,
                        uint64_t now) {
  rpeer *pe = &r->peers[p];
  uint32_t rnd = 0;
  if (msl_random_bytes(&rnd, sizeof(rnd)) != 0)
    rnd = (uint32_t)now;
  uint64_t d = msl_relay_backoff_ms(pe->failures, MSL_RELAY_RECONNECT_BASE_MS,
                                    r->reconnect_max_ms, rnd);
  pe->failures++;
  pe->st.failures_total++;
  pe->next_try = now + d;
  snprintf(pe->last_error, sizeof(pe->last_error), "%s", why);
  rlog(r, pe->failures <= 1 ? MSL_LOG_WARN : MSL_LOG_INFO,
       "relay: peer %s: %s; next try in %.1f s", pe->text, why,
       (double)d / 1000.0);
}

static void peer_connect(msl_relay *r, size_t p, const struct sockaddr *sa,
                         socklen_t sl, uint64_t now) {
  char addr[ADDR_TEXT], why[ERROR_TEXT];
  addr_text(sa, addr, sizeof(addr));
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  0);
  if (fd < 0 || (connect(fd, sa, sl) != 0 && errno != EINPROGRESS)) {
    snprintf(why, sizeof(why), "connect %.100s: %.80s", addr, strerror(errno));
    if (fd >= 0)
      close(fd);
    peer_failed(r, p, why, now);
    return;
  }
  r->peers[p].st.connects++;
  if (link_new(r, fd, 1, (int)p, addr, now) < 0)
    peer_failed(r, p, "no room for another link", now);
}

/* Calls peer p: at once for an address, after a lookup for a name. */
static void peer_start(msl_relay *r, size_t p, uint64_t now) {
  rpeer *pe = &r->peers[p];
  struct addrinfo hints = {.ai_flags = AI_NUMERICHOST,
                           .ai_socktype = SOCK_STREAM}, *ai = NULL;
  char ps[8];
  snprintf(ps, sizeof(ps), "%u", pe->port);
  if (getaddrinfo(pe->host, ps, &hints, &ai) == 0) {
    peer_connect(r, p, ai->ai_addr, ai->ai_addrlen, now);
    freeaddrinfo(ai);
    return;
  }
  /* A host name: looked up off the loop (it may wait for DNS). */
  if (msl_sysres_start(pe->host, &pe->dns) < 0)
    peer_failed(r, p, "cannot start a name lookup", now);
}

void peer_dns_done(msl_relay *r, size_t p, uint64_t now) {
  rpeer *pe = &r->peers[p];
  uint32_t ip;
  char why[ERROR_TEXT];
  int rc = msl_sysres_result(pe->dns, &ip);
  if (rc == 1)
    return;
  msl_sysres_free(pe->dns);
  pe->dns = NULL;
  if (rc != 0) {
    snprintf(why, sizeof(why), "cannot resolve %.150s", pe->host);
    peer_failed(r, p, why, now);
    return;
  }
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(pe->port),
                          .sin_addr.s_addr = htonl(ip)};
  peer_connect(r, p, (struct sockaddr *)&a, sizeof(a), now);
}

uint64_t peers_tick(msl_relay *r, uint64_t now) {
  uint64_t wait = UINT64_MAX;
  for (size_t p = 0; p < r->npeers; p++) {
    rpeer *pe = &r->peers[p];
    if (pe->link >= 0 || pe->dns)
      continue;
    if (now >= pe->next_try)
      peer_start(r, p, now);
    else if (pe->next_try - now < wait)
      wait = pe->next_try - now;
  }
  return wait;
}

/* ---- closing ---- */

void link_close(msl_relay *r, size_t i, const char *why, uint64_t now) {
  rlink *l = &r->links[i];
  if (l->dead)
    return;
  int was_up = l->state == L_UP;
  /* Queued or written, never confirmed by a PONG: presumed lost. */
  uint64_t lost = l->dgrams_out > l->acked ? l->dgrams_out - l->acked : 0;
  l->st->drop_unconfirmed += lost;
  r->c.drop_unconfirmed += lost;
  if (was_up)
    rlog(r, MSL_LOG_WARN, "relay: link to %s (%s) down: %s", l->site,
         l->addr, why);
  if (l->peer >= 0) {
    r->peers[l->peer].link = -1;
    if (was_up) /* called again soon, then backing off */
      r->peers[l->peer].failures = 0;
    peer_failed(r, (size_t)l->peer, why, now);
  }
  msl_tls_free(l->tls);
  l->tls = NULL;
  close(l->fd);
  l->fd = -1;
  free(l->rx);
  free(l->tx);
  l->rx = l->tx = NULL;
  l->dead = 1;
}

void link_refuse(msl_relay *r, size_t i, int reason, const char *detail,
                 uint64_t now) {
  rlink *l = &r->links[i];
  char why[ERROR_TEXT + 64];
  r->c.refused[reason]++;
  snprintf(why, sizeof(why), "refused (%s): %s", msl_tls_refusal_name(reason),
           detail);
  if (l->peer < 0) /* an accepted stranger: its lines are rate-limited */
    rlog_noisy(r, MSL_LOG_WARN, now, "relay: %s %s", l->addr, why);
  link_close(r, i, why, now);
}

/* Removes the links closed during this wakeup (their slots are reused;
 * the peers' indices follow). */
void links_reap(msl_relay *r) {
  for (size_t i = r->nlinks; i-- > 0;) {
    if (!r->links[i].dead)
      continue;
    size_t last = --r->nlinks;
    if (i != last) {
      r->links[i] = r->links[last];
      if (r->links[i].st == &r->links[last].own)
        r->links[i].st = &r->links[i].own;
      if (r->links[i].peer >= 0)
        r->peers[r->links[i].peer].link = (int)i;
    }
  }
}

/* ---- the queue ---- */

/* Appends frame f[0..n) to l's queue; 0, or -1 when it is full. */
static int queue_frame(msl_relay *r, rlink *l, const uint8_t *f, size_t n) {
  if (l->q_n == QUEUE_FRAMES || l->tx_len - l->tx_off + n > r->queue_bytes)
    return -1;
  if (l->tx_len + n > l->tx_cap && l->tx_off) { /* compact first */
    memmove(l->tx, l->tx + l->tx_off, l->tx_len - l->tx_off);
    l->tx_len -= l->tx_off;
    l->tx_off = 0;
  }
  if (l->tx_len + n > l->tx_cap) {
    size_t cap = l->tx_cap ? l->tx_cap : TX_INITIAL;
    while (cap < l->tx_len + n)
      cap *= 2;
    uint8_t *nb = realloc(l->tx, cap);
    if (!nb)
      return -1;
    l->tx = nb;
    l->tx_cap = cap;
  }
  memcpy(l->tx + l->tx_len, f, n);
  l->tx_len += n;
  l->qlen[(l->q_head + l->q_n++) % QUEUE_FRAMES] = (uint32_t)n;
  return 0;
}

/* put bytes of the queue were written: whole frames leave the ring. */
static void queue_written(rlink *l, size_t put) {
  l->tx_off += put;
  l->q_done += put;
  while (l->q_n && l->q_done >= l->qlen[l->q_head]) {
    l->q_done -= l->qlen[l->q_head];
    l->q_head = (l->q_head + 1) % QUEUE_FRAMES;
    l->q_n--;
  }
  if (l->tx_off == l->tx_len) {
    l->tx_off = l->tx_len = 0;
    if (l->tx_cap > 4 * TX_INITIAL) { /* a burst is over: give it back */
      free(l->tx);
      l->tx = NULL;
      l->tx_cap = 0;
    }
  }
}

int link_send(msl_relay *r, size_t i, const uint8_t *f, size_t n,
              uint64_t now) {
  rlink *l = &r->links[i];
  if (!msl_rl_take(&l->out, &r->rate, now)) {
    l->st->drop_rate++;
    r->c.drop_rate++;
    return -1;
  }
  if (queue_frame(r, l, f, n) < 0) {
    l->st->drop_queue++;
    r->c.drop_queue++;
    return -1;
  }
  l->st->frames_out++;
  l->dgrams_out++;
  r->c.frames_out++;
  return 0;
}

/* Writes what is queued, up to WRITE_BUDGET bytes. 0, or -1 (closed). */
static int link_flush(msl_relay *r, size_t i, uint64_t now) {
  rlink *l = &r->links[i];
  size_t budget = WRITE_BUDGET;
  while (l->tx_len > l->tx_off && budget) {
    size_t put, n = l->tx_len - l->tx_off;
    int rc = msl_tls_write(l->tls, l->tx + l->tx_off, n, &put);
    l->tls_wants_write = rc == MSL_TLS_IO_WANT_WRITE;
    if (rc == MSL_TLS_IO_WANT_READ || rc == MSL_TLS_IO_WANT_WRITE)
      return 0;
    if (rc != MSL_TLS_IO_OK) {
      link_close(r, i, rc == MSL_TLS_IO_CLOSED ? "closed by the peer"
                                               : msl_tls_detail(l->tls), now);
      return -1;
    }
    l->st->bytes_out += put;
    l->last_tx = now;
    queue_written(l, put);
    budget = put < budget ? budget - put : 0;
  }
  return 0;
}

/* ---- handshake and HELLO ---- */

static int send_hello(msl_relay *r, size_t i) {
  rlink *l = &r->links[i];
  msl_relay_frame f;
  memset(&f, 0, sizeof(f));
  f.type = MSL_RELAY_HELLO;
  f.u.hello.version = MSL_RELAY_VERSION;
  f.u.hello.flags = r->core.hub ? MSL_RELAY_HELLO_HUB : 0;
  strcpy(f.u.hello.site, r->core.site);
  int n = msl_relay_frame_encode(&f, r->fbuf, MSL_RELAY_FRAME_MAX);
  if (!(l->rx = malloc(MSL_RELAY_FRAME_MAX)))
    return -1;
  return n > 0 ? queue_frame(r, l, r->fbuf, (size_t)n) : -1;
}

/* Moves link i to state once the step that prepared it succeeded (rc >= 0;
 * 1 returned); closes the link when it ran out of memory (0 returned). */
static int link_enter(msl_relay *r, size_t i, int rc, int state,
                      uint64_t now) {
  if (rc < 0) {
    link_close(r, i, "out of memory", now);
    return 0;
  }
  r->links[i].state = state;
  return 1;
}

static void handshake(msl_relay *r, size_t i, uint64_t now) {
  rlink *l = &r->links[i];
  int rc = msl_tls_handshake(l->tls);
  l->tls_wants_write = rc == MSL_TLS_IO_WANT_WRITE;
  if (rc == MSL_TLS_IO_WANT_READ || rc == MSL_TLS_IO_WANT_WRITE)
    return;
  if (rc != MSL_TLS_IO_OK) {
    link_refuse(r, i, msl_tls_reason(l->tls), msl_tls_detail(l->tls), now);
    return;
  }
  if (link_enter(r, i, send_hello(r, i), L_HELLO, now))
    link_flush(r, i, now);
}

static void start_tls(msl_relay *r, size_t i, uint64_t now) {
  rlink *l = &r->links[i];
  if (link_enter(r, i, msl_tls_new(r->tls, l->fd, !l->outbound, &l->tls),
                 L_TLS, now))
    handshake(r, i, now);
}

/* An accepted connection's first byte: a TLS handshake record (0x16) or
 * a refusal as plaintext, before OpenSSL sees anything. */
static void peek_first(msl_relay *r, size_t i, uint64_t now) {
  rlink *l = &r->links[i];
  uint8_t b;
  char why[80];
  ssize_t n = recv(l->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if (n <= 0) {
    link_refuse(r, i, MSL_TLS_R_CLOSED, "closed before any byte", now);
    return;
  }
  if (b != 0x16) {
    snprintf(why, sizeof(why), "first byte 0x%02x ('%c'), not a TLS "
             "handshake", b, b >= 0x20 && b < 0x7f ? b : '.');
    link_refuse(r, i, MSL_TLS_R_PLAINTEXT, why, now);
    return;
  }
  start_tls(r, i, now);
}

static void connected(msl_relay *r, size_t i, uint64_t now) {
  rlink *l = &r->links[i];
  int err = 0;
  socklen_t sl = sizeof(err);
  char why[ERROR_TEXT];
  if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
    err = errno;
  if (err == EINPROGRESS)
    return;
  if (err) {
    snprintf(why, sizeof(why), "connect %.100s: %.80s", l->addr, strerror(err));
    link_close(r, i, why, now);
    return;
  }
  start_tls(r, i, now);
}

static void remember_site(msl_relay *r, const char *site) {
  for (size_t k = 0; k < r->nknown; k++)
    if (!strcmp(r->known[k], site))
      return;
  if (r->nknown < MSL_RELAY_LINKS_MAX)
    strcpy(r->known[r->nknown++], site);
}

/* The peer's HELLO: its site, which must not be ours. 0 or -1 (refused). */
static int hello_in(msl_relay *r, size_t i, const msl_relay_frame *f,
                    uint64_t now) {
  rlink *l = &r->links[i];
  char why[120];
  if (f->type != MSL_RELAY_HELLO || f->u.hello.version != MSL_RELAY_VERSION) {
    snprintf(why, sizeof(why), "expected HELLO version %d, got %s",
             MSL_RELAY_VERSION, msl_relay_type_name(f->type));
    link_refuse(r, i, MSL_TLS_R_HELLO, why, now);
    return -1;
  }
  if (strcmp(f->u.hello.site, r->core.site) == 0) {
    r->c.refused_site++;
    link_refuse(r, i, MSL_TLS_R_HELLO, "it says it is this site (same "
                "--site on both ends?)", now);
    return -1;
  }
  strcpy(l->site, f->u.hello.site);
  remember_site(r, l->site);
  l->peer_hub = (f->u.hello.flags & MSL_RELAY_HELLO_HUB) != 0;
  l->state = L_UP;
  l->since = now;
  msl_rl_init(&l->out, &r->rate, now);
  msl_relay_inflow_init(&l->in, &r->in_rate, now);
  if (l->peer >= 0) {
    rpeer *pe = &r->peers[l->peer];
    pe->failures = 0;
    pe->last_error[0] = '\0';
    strcpy(pe->site, l->site);
    snprintf(pe->subject, sizeof(pe->subject), "%s",
             msl_tls_peer_subject(l->tls));
  }
  rlog(r, MSL_LOG_INFO, "relay: link to site %s (%s, %s, %s) up%s",
       l->site, l->addr, msl_tls_peer_subject(l->tls),
       l->outbound ? "outgoing" : "incoming", l->peer_hub ? ", a hub" : "");
  return 0;
}

/* ---- reading frames ---- */

static void put_u64be(uint8_t *p, uint64_t v) {
  for (int k = 7; k >= 0; k--, v >>= 8)
    p[k] = (uint8_t)v;
}

static uint64_t get_u64be(const uint8_t *p) {
  uint64_t v = 0;
  for (int k = 0; k < 8; k++)
    v = v << 8 | p[k];
  return v;
}

/* A PING is answered with a PONG that says how many DGRAM frames we got
 * on this link; a PONG tells us the same of the peer. Neither is
 * rate-limited (the flood limit counts DGRAM frames). */
static int keepalive_in(msl_relay *r, size_t i, const msl_relay_frame *f,
                        uint64_t now) {
  rlink *l = &r->links[i];
  (void)now;
  if (f->type == MSL_RELAY_PONG) {
    uint64_t n = get_u64be(f->u.cookie);
    if (n <= l->dgrams_out && n >= l->acked)
      l->acked = n;
    return 0;
  }
  msl_relay_frame pong;
  memset(&pong, 0, sizeof(pong));
  pong.type = MSL_RELAY_PONG;
  put_u64be(pong.u.cookie, l->dgrams_in);
  int n = msl_relay_frame_encode(&pong, r->fbuf, MSL_RELAY_FRAME_MAX);
  if (n > 0)
    queue_frame(r, l, r->fbuf, (size_t)n); /* full: the next PING asks */
  return 0;
}

/* One whole frame f[0..n) from link i. 0, or -1 (the link is closed). */
static int frame_in(msl_relay *r, size_t i, const uint8_t *p, size_t n,
                    uint64_t now) {
  rlink *l = &r->links[i];
  msl_relay_frame f;
  int rc = msl_relay_frame_decode(&f, p, n);
  l->last_rx = now;
  l->st->bytes_in += n;
  if (rc == MSL_ERR_UNSUPPORTED && l->state == L_UP) {
    r->c.ignored_frames++; /* a newer peer's frame type */
    return 0;
  }
  if (rc < 0) {
    r->c.malformed++;
    if (l->state == L_HELLO)
      link_refuse(r, i, MSL_TLS_R_HELLO, "malformed first frame", now);
    else
      link_close(r, i, "protocol error: malformed frame", now);
    return -1;
  }
  if (l->state == L_HELLO)
    return hello_in(r, i, &f, now);
  if (f.type == MSL_RELAY_HELLO) {
    r->c.malformed++;
    link_close(r, i, "protocol error: a second HELLO", now);
    return -1;
  }
  int in = msl_relay_inflow_take(&l->in, &r->in_rate, now, &l->resume);
  if (in < 0) {
    r->c.floods++;
    link_close(r, i, "flooding: far above its rate for too long", now);
    return -1;
  }
  if (in == 0) {
    l->st->throttled++;
    r->c.throttled++;
  }
  if (f.type == MSL_RELAY_PING || f.type == MSL_RELAY_PONG)
    return keepalive_in(r, i, &f, now); /* limited like any frame */
  l->st->frames_in++;
  l->dgrams_in++;
  r->c.frames_in++;
  relay_frame_in(r, i, &f, now);
  return r->links[i].dead ? -1 : 0;
}

/* The frames waiting in rx[0..rx_len); what is left of a partial one
 * moves to the front. Returns frames handled, or -1 (closed). */
static int parse_frames(msl_relay *r, size_t i, int budget, uint64_t now) {
  rlink *l = &r->links[i];
  size_t off = 0, fl = 0;
  int k = 0;
  while (k < budget) {
    int rc = msl_relay_frame_size(l->rx + off, l->rx_len - off, &fl);
    if (rc < 0) {
      r->c.malformed++;
      link_close(r, i, "protocol error: a frame of length 0", now);
      return -1;
    }
    if (rc == 0)
      break;
    if (frame_in(r, i, l->rx + off, fl, now) < 0)
      return -1;
    off += fl;
    k++;
    if (now < l->resume) /* paused: the rest waits */
      break;
  }
  memmove(l->rx, l->rx + off, l->rx_len - off);
  l->rx_len -= off;
  return k;
}

/* Reads and handles frames, at most FRAMES_BUDGET. */
static void link_read(msl_relay *r, size_t i, uint64_t now) {
  int frames = 0;
  while (frames < FRAMES_BUDGET && now >= r->links[i].resume) {
    rlink *l = &r->links[i];
    size_t got;
    int k = parse_frames(r, i, FRAMES_BUDGET - frames, now);
    if (k < 0)
      return;
    frames += k;
    if ((k && (frames >= FRAMES_BUDGET || now < l->resume)) ||
        l->rx_len == MSL_RELAY_FRAME_MAX)
      break;
    int rc = msl_tls_read(l->tls, l->rx + l->rx_len,
                          MSL_RELAY_FRAME_MAX - l->rx_len, &got);
    l->tls_wants_write = rc == MSL_TLS_IO_WANT_WRITE;
    if (rc == MSL_TLS_IO_WANT_READ || rc == MSL_TLS_IO_WANT_WRITE)
      return;
    if (rc == MSL_TLS_IO_OK) {
      l->rx_len += got;
      continue;
    }
    if (l->state == L_HELLO && rc == MSL_TLS_IO_ERROR)
      link_refuse(r, i, msl_tls_reason(l->tls), msl_tls_detail(l->tls), now);
    else if (l->state == L_HELLO)
      link_refuse(r, i, MSL_TLS_R_CLOSED, "closed before its HELLO", now);
    else
      link_close(r, i, rc == MSL_TLS_IO_CLOSED ? "closed by the peer"
                                               : msl_tls_detail(l->tls), now);
    return;
  }
}

void link_events(msl_relay *r, size_t i, short revents, uint64_t now) {
  rlink *l = &r->links[i];
  if (l->dead || !revents)
    return;
  switch (l->state) {
  case L_CONNECTING:
    connected(r, i, now);
    return;
  case L_PEEK:
    peek_first(r, i, now);
    return;
  case L_TLS:
    handshake(r, i, now);
    return;
  default:
    link_read(r, i, now);
    if (!r->links[i].dead)
      link_flush(r, i, now);
  }
}

short link_poll_events(const msl_relay *r, const rlink *l, uint64_t now) {
  (void)r;
  switch (l->state) {
  case L_CONNECTING:
    return POLLOUT;
  case L_PEEK:
    return POLLIN;
  case L_TLS:
    return l->tls_wants_write ? POLLOUT : POLLIN;
  default: {
    short ev = now >= l->resume ? POLLIN : 0;
    if (l->tls_wants_write || l->tx_len > l->tx_off)
      ev |= POLLOUT;
    return ev;
  }
  }
}

/* ---- timers ---- */

int link_has_input(const rlink *l, uint64_t now) {
  size_t fl;
  return l->state >= L_HELLO && !l->dead && now >= l->resume &&
         (msl_tls_pending(l->tls) ||
          msl_relay_frame_size(l->rx, l->rx_len, &fl) == 1);
}

static void send_ping(msl_relay *r, size_t i, uint64_t now) {
  msl_relay_frame f;
  memset(&f, 0, sizeof(f));
  f.type = MSL_RELAY_PING;
  memcpy(f.u.cookie, &now, sizeof(now));
  int n = msl_relay_frame_encode(&f, r->fbuf, MSL_RELAY_FRAME_MAX);
  if (n > 0 && queue_frame(r, &r->links[i], r->fbuf, (size_t)n) == 0)
    link_flush(r, i, now);
  r->links[i].last_ping = now; /* even when full: nothing more to add */
}

/* One link's timers; ms until its next. */
static uint64_t link_tick(msl_relay *r, size_t i, uint64_t now) {
  rlink *l = &r->links[i];
  if (l->state != L_UP) {
    if (now >= l->deadline && l->state == L_CONNECTING)
      link_close(r, i, "connect timed out", now);
    else if (now >= l->deadline)
      link_refuse(r, i, MSL_TLS_R_TIMEOUT, "handshake not done in time",
                  now);
    if (now >= l->deadline)
      return UINT64_MAX;
    return l->deadline - now;
  }
  if (now - l->last_rx >= 3 * r->keepalive_ms) {
    link_close(r, i, "silent for 3 keepalive periods", now);
    return UINT64_MAX;
  }
  /* A PING every period, busy or not: its PONG confirms what arrived. */
  if (now - l->last_ping >= r->keepalive_ms)
    send_ping(r, i, now);
  if (r->links[i].dead)
    return UINT64_MAX;
  uint64_t w = r->keepalive_ms - (now - l->last_ping);
  uint64_t d = 3 * r->keepalive_ms - (now - l->last_rx);
  if (d < w)
    w = d;
  if (now < l->resume && l->resume - now < w)
    w = l->resume - now;
  if (link_has_input(l, now))
    r->again = 1;
  return w;
}

uint64_t links_tick(msl_relay *r, uint64_t now) {
  uint64_t wait = UINT64_MAX;
  r->again = 0;
  for (size_t i = 0; i < r->nlinks; i++) {
    if (r->links[i].dead)
      continue;
    uint64_t w = link_tick(r, i, now);
    if (w < wait)
      wait = w;
  }
  links_reap(r);
  return r->again ? 0 : wait;
}
