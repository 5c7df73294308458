/*
 * The name service's I/O (see msl_name_service.h): the blocking query and
 * node-status clients the tools use, and the service's glue: its UDP 137
 * socket, interface MACs, resolution from our names and the cache, and the
 * asynchronous queries the service's loop drives. The state machine itself
 * (no I/O) is in msl_name_service.c.
 */
#define _GNU_SOURCE
#include "msl_name_service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "msl_clock.h"
#include "msl_ifaces.h"
#include "msl_random.h"
#include "msl_udp.h"

#define PKT_MAX 1024
#define WINS_TRIES 2      /* unicast to the WINS server... */
#define WINS_WAIT_MS 1000 /* ...this far apart */

/* A TRN_ID a LAN host cannot predict (a guessed one lets a spoofed answer
 * in). 0 or MSL_ERR_SYSTEM. */
static int random_trn_id(uint16_t *id) {
  return msl_random_bytes(id, sizeof(*id));
}

/* Whether a received response r answers our request: its TRN_ID, a query
 * response (opcode 0), the name asked as the answer's name (a response
 * echoes the question [RFC 1002 §4.2.13-14, §4.2.18]) and, when positive,
 * the record type asked (a negative one carries a NULL record). */
static int answers(const msl_nbns *r, uint16_t id, const msl_nbname *name,
                   uint16_t type) {
  return r->trn_id == id && msl_nbns_is_response(r) &&
         msl_nbns_opcode(r) == MSL_NBNS_OP_QUERY && r->ancount &&
         (msl_nbns_rcode(r) || r->an[0].type == type) &&
         msl_nbname_equal(&r->an[0].name.nb, name);
}

/* ---- node status: request and answer ---- */

/* The node-status request for "*" in scope, encoded into buf. Returns
 * its length or a negative msl_err. */
static int status_request(uint16_t id, const char *scope, uint8_t *buf,
                          size_t cap) {
  msl_nbname star;
  msl_nbns m;
  if (msl_nbname_make(&star, "*", 0, scope) != 0)
    return MSL_ERR_NAME;
  if (msl_nbns_build_node_status(&m, id, &star, 0) != 0)
    return MSL_ERR_ARG;
  return msl_nbns_encode(&m, buf, cap);
}

/* A packet received from `from` after asking ip for its node status with
 * TRN_ID id: 1 (its positive answer: the table in *t), 0 (its negative
 * answer), -1 (anything else, from anyone else: ignore it). */
static int status_answer(const uint8_t *p, size_t len, uint16_t id,
                         uint32_t ip, uint32_t from, const char *scope,
                         msl_ns_table *t) {
  msl_nbns r;
  msl_nbname star;
  if (from != ip || msl_nbname_make(&star, "*", 0, scope) != 0 ||
      msl_nbns_decode(&r, p, len) != 0 ||
      !answers(&r, id, &star, MSL_NBNS_T_NBSTAT))
    return -1;
  if (msl_nbns_rcode(&r))
    return 0;
  t->n = 0;
  while (t->n < MSL_NS_TABLE_MAX &&
         msl_nbns_rr_node_name(&r.an[0], t->n, &t->names[t->n]))
    t->n++;
  memcpy(t->mac, r.an[0].stats.unit_id, sizeof(t->mac));
  return 1;
}

/* ---- receiving and sending ---- */

/* What a client makes of a datagram (p, len bytes) from `from`: 1 (its
 * answer: done), 0 (wait on), -1 (finished without an answer). */
typedef int (*ns_rx_fn)(void *user, const uint8_t *p, size_t len,
                        uint32_t from);

/* Hands what waits on fd to rx: rx's first non-zero verdict, 0 when
 * nothing more waits, -1 at a socket error (IP_RECVERR: refused). */
static int ns_receive(int fd, ns_rx_fn rx, void *user) {
  uint8_t rb[PKT_MAX];
  for (int i = 0; i < 16; i++) {
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(fd, rb, sizeof(rb), MSG_DONTWAIT,
                         (struct sockaddr *)&from, &fl);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    int r = rx(user, rb, (size_t)n, ntohl(from.sin_addr.s_addr));
    if (r)
      return r;
  }
  return 0;
}

/* Sends a request (len bytes) to ip:port (0: 137). 0 or -1. */
static int ns_send(int fd, const uint8_t *p, size_t len, uint32_t ip,
                   uint16_t port) {
  struct sockaddr_in to = {.sin_family = AF_INET,
                           .sin_port = htons(port ? port : MSL_NBNS_PORT),
                           .sin_addr.s_addr = htonl(ip)};
  return sendto(fd, p, len, MSG_DONTWAIT, (struct sockaddr *)&to,
                sizeof(to)) < 0
             ? -1
             : 0;
}

/* A non-blocking socket for node status. Not connected (answers are
 * matched by TRN_ID, name and source address in status_answer, the same
 * rules as a name query's); IP_RECVERR still reports an ICMP "port
 * unreachable" (nothing on the name port) as ECONNREFUSED.
 * Returns the fd or MSL_ERR_SYSTEM. */
static int status_socket(void) {
  int one = 1;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return MSL_ERR_SYSTEM;
  setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
  return fd;
}

/* A node-status client's matching rules (status_answer), as an ns_rx_fn;
 * packets that answer nothing of ours add to *dropped (NULL: not
 * counted). */
typedef struct status_rx {
  uint16_t id;
  uint32_t ip;
  const char *scope;
  msl_ns_table *t;
  uint64_t *dropped;
} status_rx;

static int on_status(void *user, const uint8_t *p, size_t len,
                     uint32_t from) {
  status_rx *s = user;
  int r = status_answer(p, len, s->id, s->ip, from, s->scope, s->t);
  if (r < 0 && s->dropped)
    (*s->dropped)++;
  return r < 0 ? 0 : r ? 1 : -1;
}

/* Reads what waits on a status socket asking ip: 1 (*t), 0 (nothing
 * yet), -1 (finished without a table: refused, or a negative answer). */
static int status_read(int fd, uint16_t id, uint32_t ip, const char *scope,
                       msl_ns_table *t, uint64_t *dropped) {
  status_rx s = {.id = id, .ip = ip, .scope = scope, .t = t,
                 .dropped = dropped};
  return ns_receive(fd, on_status, &s);
}

/* ---- blocking clients ---- */

static int ask_ok(const msl_ns_ask *how) {
  return how && how->dst && how->ndst && how->tries >= 1 &&
         how->wait_ms >= 0 && how->total_ms >= 0;
}

/*
 * Sends req (len bytes) to every how->dst, how->tries times how->wait_ms
 * apart, and hands what arrives to rx until it decides or the deadline
 * (how->total_ms after the first send; 0: tries x wait_ms) passes.
 * Returns rx's 1 or -1, 0 at the deadline, MSL_ERR_SYSTEM when a send
 * fails.
 */
static int ns_exchange(int fd, const uint8_t *req, size_t len,
                       const msl_ns_ask *how, ns_rx_fn rx, void *user) {
  uint64_t start = msl_now_ms(), next = start;
  uint64_t end = start + (how->total_ms ? (uint64_t)how->total_ms
                                        : (uint64_t)how->tries *
                                              (uint64_t)how->wait_ms);
  for (int sent = 0;;) {
    uint64_t now = msl_now_ms();
    if (sent < how->tries && now >= next && (sent == 0 || now < end)) {
      for (size_t i = 0; i < how->ndst; i++)
        if (ns_send(fd, req, len, how->dst[i], how->port) < 0)
          return MSL_ERR_SYSTEM;
      sent++;
      next = now + (uint64_t)how->wait_ms;
    }
    if (now >= end)
      return 0;
    uint64_t until = sent < how->tries && next < end ? next : end;
    struct pollfd pf = {fd, POLLIN, 0};
    int r = poll(&pf, 1, (int)(until - now)) > 0 ? ns_receive(fd, rx, user)
                                                 : 0;
    if (r)
      return r;
  }
}

/* The NB entries of a response to our query for name with TRN_ID id (at
 * most max into out), received from `from`. Returns how many were
 * stored (0: a negative answer), or -1 when the packet answers nothing
 * of ours. */
static int parse_answers(const uint8_t *p, size_t len, uint16_t id,
                         const msl_nbname *name, uint32_t from,
                         msl_ns_answer *out, size_t max) {
  msl_nbns r;
  msl_nbns_nb e;
  int got = 0;
  if (msl_nbns_decode(&r, p, len) != 0 ||
      !answers(&r, id, name, MSL_NBNS_T_NB))
    return -1;
  if (msl_nbns_rcode(&r))
    return 0;
  for (size_t i = 0; (size_t)got < max && msl_nbns_rr_nb(&r.an[0], i, &e);
       i++) {
    out[got].from = from;
    out[got].ip = e.addr;
    out[got].nb_flags = e.flags;
    out[got].ttl = r.an[0].ttl;
    got++;
  }
  return got;
}

/* A name query client's state, as an ns_rx_fn's user. */
typedef struct query_rx {
  uint16_t id;
  const msl_nbname *name;
  const msl_ns_ask *how;
  msl_ns_answer *out;
  size_t max, got;
} query_rx;

/* Whether `from` may answer: anyone a broadcast, else an address asked. */
static int asked(const msl_ns_ask *how, uint32_t from) {
  for (size_t i = 0; i < how->ndst && !how->bcast; i++)
    if (how->dst[i] == from)
      return 1;
  return how->bcast;
}

static int stored(const msl_ns_answer *a, size_t n, const msl_ns_answer *e) {
  for (size_t i = 0; i < n; i++)
    if (a[i].ip == e->ip && a[i].from == e->from)
      return 1;
  return 0;
}

/* Keeps an answer's entries but those stored already (the answer to a
 * repeated request); done at the first when stop_first. */
static int on_query(void *user, const uint8_t *p, size_t len,
                    uint32_t from) {
  query_rx *q = user;
  int k = asked(q->how, from) ? parse_answers(p, len, q->id, q->name, from,
                                              q->out + q->got,
                                              q->max - q->got)
                              : -1;
  size_t w = q->got;
  for (int i = 0; i < k; i++) {
    msl_ns_answer e = q->out[q->got + (size_t)i];
    if (!stored(q->out, w, &e))
      q->out[w++] = e;
  }
  q->got = w;
  return q->how->stop_first && q->got;
}

int msl_ns_query(const msl_nbname *name, const msl_ns_ask *how,
                 msl_ns_answer *out, size_t max) {
  uint8_t buf[PKT_MAX];
  msl_nbns m;
  int one = 1, len;
  if (!name || (!out && max) || !ask_ok(how))
    return MSL_ERR_ARG;
  query_rx q = {.name = name, .how = how, .out = out, .max = max};
  if (random_trn_id(&q.id) < 0)
    return MSL_ERR_SYSTEM;
  if (msl_nbns_build_query(&m, q.id, name, how->bcast) != 0 ||
      (len = msl_nbns_encode(&m, buf, sizeof(buf))) < 0)
    return MSL_ERR_ARG;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return MSL_ERR_SYSTEM;
  if (how->bcast)
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
  int r = ns_exchange(fd, buf, (size_t)len, how, on_query, &q);
  close(fd);
  return r == MSL_ERR_SYSTEM ? r : (int)q.got;
}

int msl_ns_status(const msl_ns_ask *how, const char *scope,
                  msl_ns_table *out) {
  uint8_t buf[PKT_MAX];
  if (!out || !ask_ok(how) || how->ndst != 1)
    return MSL_ERR_ARG;
  status_rx s = {.ip = how->dst[0], .scope = scope, .t = out};
  if (random_trn_id(&s.id) < 0)
    return MSL_ERR_SYSTEM;
  int len = status_request(s.id, scope, buf, sizeof(buf));
  if (len < 0)
    return len;
  int fd = status_socket();
  if (fd < 0)
    return fd;
  /* A failed send: refused by an earlier ICMP error, or no route. */
  int r = ns_exchange(fd, buf, (size_t)len, how, on_status, &s);
  close(fd);
  return r == 1 ? 0 : MSL_ERR_NAME_NOT_FOUND;
}

int msl_ns_status_name(uint32_t ip, uint16_t port, const char *scope,
                       int tries, int wait_ms, msl_nbname *out) {
  msl_ns_ask how = {.dst = &ip, .ndst = 1, .port = port, .tries = tries,
                    .wait_ms = wait_ms};
  msl_ns_table t;
  if (!out)
    return MSL_ERR_ARG;
  int r = msl_ns_status(&how, scope, &t);
  if (r < 0)
    return r == MSL_ERR_NAME ? MSL_ERR_ARG : r;
  return msl_ns_pick_host_name(t.names, t.n, scope, out) == 0
             ? 0
             : MSL_ERR_NAME_NOT_FOUND;
}

/* ---- the service's glue ---- */

struct msl_ns_svc {
  msl_udp u;
  msl_ns ns;
  msl_udp_msg msg[8];
  uint8_t rx[8][PKT_MAX];
};


/* The state machine's random source: the kernel's CSPRNG. */
static int svc_random(void *user, void *buf, size_t len) {
  (void)user;
  return msl_random_bytes(buf, len);
}

static int svc_send(void *user, const uint8_t *p, size_t len, uint32_t dst,
                    uint16_t port, uint32_t src, unsigned ifindex) {
  msl_ns_svc *s = user;
  return msl_udp_send(&s->u, p, len, dst, port, src, ifindex);
}

/* Where the kernel would send to a WINS server from (the address we
 * register there). */
static uint32_t svc_source_for(void *user, uint32_t dst) {
  (void)user;
  return msl_udp_source_for(dst);
}

/* The interface's hardware address (zeros when it has none, as lo). */
static void read_mac(const char *ifname, uint8_t mac[6]) {
  struct ifreq ifr;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  memset(mac, 0, 6);
  if (fd < 0)
    return;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  close(fd);
}

/* The name service's view of ifs into v[MSL_NS_MAX_IFS]; returns the
 * count. */
static size_t ns_ifaces_of(const struct msl_ifaces *ifs, msl_ns_iface *v) {
  size_t n = ifs->n < MSL_NS_MAX_IFS ? ifs->n : MSL_NS_MAX_IFS;
  for (size_t i = 0; i < n; i++) {
    v[i].addr = ifs->v[i].addr;
    v[i].mask = ifs->v[i].mask;
    v[i].bcast = ifs->v[i].bcast;
    v[i].ifindex = ifs->v[i].index;
    read_mac(ifs->v[i].name, v[i].mac);
  }
  return n;
}

int msl_ns_svc_set_ifaces(msl_ns_svc *s, const struct msl_ifaces *ifs,
                          uint64_t now) {
  msl_ns_iface v[MSL_NS_MAX_IFS];
  if (!s || !ifs)
    return MSL_ERR_ARG;
  return msl_ns_set_ifaces(&s->ns, v, ns_ifaces_of(ifs, v), now);
}

int msl_ns_svc_open(msl_ns_svc **out, uint16_t port, const char *name,
                    const char *workgroup, const char *scope, unsigned flags,
                    const struct msl_ifaces *ifs,
                    const msl_ns_wins_servers *wins,
                    void (*log)(void *user, int level, const char *msg),
                    void *log_user, uint64_t now) {
  msl_ns_iface v[MSL_NS_MAX_IFS];
  msl_ns_config c;
  uint16_t seed;
  int r;
  if (!out || !ifs)
    return MSL_ERR_ARG;
  *out = NULL;
  msl_ns_svc *s = calloc(1, sizeof(*s));
  if (!s)
    return MSL_ERR_NOMEM;
  s->u.fd = -1;
  size_t n = ns_ifaces_of(ifs, v);
  c = (msl_ns_config){.name = name, .workgroup = workgroup, .scope = scope,
                       .flags = flags, .ifs = v, .n_ifs = n, .port = port,
                       .send = svc_send, .user = s, .random = svc_random,
                       .source_for = svc_source_for, .log = log,
                       .log_user = log_user};
  if (wins)
    c.wins = *wins;
  if ((r = msl_random_bytes(&seed, sizeof(seed))) < 0 ||
      (r = msl_ns_init(&s->ns, &c, seed)) < 0)
    goto fail;
  if ((r = msl_udp_open(&s->u, 0, port)) < 0)
    goto fail;
  for (size_t i = 0; i < 8; i++) {
    s->msg[i].buf = s->rx[i];
    s->msg[i].cap = PKT_MAX;
  }
  /* Register before the service counts as started (its control socket
   * appears after this): a name in conflict is known (and shown) at once,
   * and our own looped broadcasts are behind us. */
  (void)now;
  msl_ns_start(&s->ns, msl_now_ms());
  while (s->ns.state == MSL_NS_REGISTERING) {
    uint64_t w = msl_ns_tick(&s->ns, msl_now_ms());
    if (s->ns.state != MSL_NS_REGISTERING)
      break;
    struct pollfd pf = {s->u.fd, POLLIN, 0};
    if (poll(&pf, 1, w > 1000 ? 1000 : (int)w) > 0)
      msl_ns_svc_receive(s, msl_now_ms());
  }
  *out = s;
  return 0;
fail:
  msl_udp_close(&s->u);
  free(s);
  return r;
}

/* Waits (bounded by the release schedule: MSL_NS_WINS_RELEASE_TRIES x
 * MSL_NS_WINS_RETRY_MS) for the WINS servers to answer our releases, so
 * a lost packet is sent again before we go. */
static void wait_releases(msl_ns_svc *s) {
  while (msl_ns_wins_busy(&s->ns)) {
    uint64_t w = msl_ns_tick(&s->ns, msl_now_ms());
    if (!msl_ns_wins_busy(&s->ns))
      break;
    struct pollfd pf = {s->u.fd, POLLIN, 0};
    int ms = w > MSL_NS_WINS_RETRY_MS ? MSL_NS_WINS_RETRY_MS : (int)w;
    if (poll(&pf, 1, ms) > 0)
      msl_ns_svc_receive(s, msl_now_ms());
  }
}

void msl_ns_svc_close(msl_ns_svc *s) {
  if (!s)
    return;
  if (s->u.fd >= 0) {
    msl_ns_release(&s->ns, msl_now_ms());
    wait_releases(s);
  }
  msl_udp_close(&s->u);
  free(s);
}

int msl_ns_svc_fd(const msl_ns_svc *s) { return s ? s->u.fd : -1; }

msl_ns *msl_ns_svc_ns(msl_ns_svc *s) { return s ? &s->ns : NULL; }

void msl_ns_svc_receive(msl_ns_svc *s, uint64_t now) {
  for (int round = 0; round < 8; round++) {
    int n = msl_udp_recv(&s->u, s->msg, 8);
    for (int i = 0; i < n; i++)
      if (!s->msg[i].truncated)
        msl_ns_input(&s->ns, s->msg[i].buf, s->msg[i].len, s->msg[i].src_ip,
                     s->msg[i].src_port, now);
    if (n < 8)
      return;
  }
}

uint64_t msl_ns_svc_tick(msl_ns_svc *s, uint64_t now) {
  return msl_ns_tick(&s->ns, now);
}

int msl_ns_svc_make_name(const msl_ns_svc *s, const char *name,
                         uint8_t suffix, const char *scope, msl_nbname *nb) {
  if (!s || !name || !nb)
    return MSL_ERR_ARG;
  return msl_nbname_make(nb, name, suffix,
                         scope ? scope : s->ns.names[0].nb.scope) != 0
             ? MSL_ERR_NAME
             : 0;
}

int msl_ns_svc_lookup(msl_ns_svc *s, const msl_nbname *nb, uint64_t now,
                      uint32_t *ip, uint16_t *nb_flags) {
  if (!s || !nb || !ip)
    return MSL_ERR_ARG;
  if (s->ns.cfg.n_ifs && msl_ns_own_flags(&s->ns, nb, nb_flags) == 0) {
    *ip = s->ns.ifs[0].addr;
    return 0;
  }
  for (size_t i = 0; i < s->ns.n_cache; i++) {
    if (!msl_nbname_equal(&s->ns.cache[i].nb, nb))
      continue;
    uint16_t fl = s->ns.cache[i].nb_flags; /* get may drop the entry */
    if (msl_ns_cache_get(&s->ns, nb, now, ip) != 0)
      break;
    if (nb_flags)
      *nb_flags = fl;
    return 0;
  }
  return MSL_ERR_NAME_NOT_FOUND;
}

static const char *our_scope(const msl_ns_svc *s) {
  return s->ns.names[0].nb.scope;
}

int msl_ns_svc_ip_lookup(msl_ns_svc *s, uint32_t ip, uint64_t now,
                         msl_nbname *nb) {
  if (!s)
    return MSL_ERR_ARG;
  if (msl_ns_is_own_addr(&s->ns, ip)) {
    if (nb)
      *nb = s->ns.names[0].nb; /* HOST<00> */
    return 1;
  }
  /* Many hosts would answer a broadcast: none names them all. */
  for (size_t i = 0; i < s->ns.cfg.n_ifs; i++)
    if (s->ns.ifs[i].bcast == ip)
      return 0;
  return msl_ns_ipcache_get(&s->ns.ipnames, ip, our_scope(s), now, nb);
}

/* ---- asynchronous queries (the service's loop) ---- */

/* The WINS server of a name query's stage -n..-1 (n servers, -n the
 * primary). */
static uint32_t aq_server(const msl_ns_svc *s, int stage) {
  return s->ns.cfg.wins.addr[(int)s->ns.cfg.wins.n + stage];
}

/* Sends q's query for its current stage. 0 or MSL_ERR_SYSTEM. */
static int aq_send(msl_ns_svc *s, msl_ns_aq *q) {
  uint8_t buf[PKT_MAX];
  msl_nbns m;
  int bcast = q->stage >= 0, len;
  if (q->kind == MSL_NS_AQ_STATUS) {
    len = status_request(q->trn_id, our_scope(s), buf, sizeof(buf));
    return len < 0 || ns_send(q->fd, buf, (size_t)len, q->ip,
                              s->ns.cfg.port) < 0
               ? MSL_ERR_SYSTEM
               : 0;
  }
  if (bcast && (size_t)q->stage >= s->ns.cfg.n_ifs)
    return MSL_ERR_SYSTEM; /* the interface went away: next stage */
  uint16_t port = bcast && s->ns.cfg.port ? s->ns.cfg.port : MSL_NBNS_PORT;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  to.sin_addr.s_addr =
      htonl(bcast ? s->ns.ifs[q->stage].bcast : aq_server(s, q->stage));
  if (msl_nbns_build_query(&m, q->trn_id, &q->nb, bcast) != 0 ||
      (len = msl_nbns_encode(&m, buf, sizeof(buf))) < 0)
    return MSL_ERR_SYSTEM;
  if (sendto(q->fd, buf, (size_t)len, MSG_DONTWAIT, (struct sockaddr *)&to,
             sizeof(to)) < 0)
    return MSL_ERR_SYSTEM;
  return 0;
}

/* Sends the next try: another in this stage, else the first of the next
 * stage (a failed send ends its stage, as in msl_ns_query). Returns 0, or
 * MSL_ERR_NAME_NOT_FOUND when every stage is done. */
static int aq_next(msl_ns_svc *s, msl_ns_aq *q, uint64_t now) {
  int status = q->kind == MSL_NS_AQ_STATUS;
  size_t stages = status ? 1 : s->ns.cfg.n_ifs;
  for (;;) {
    int max = status         ? MSL_NS_STATUS_TRIES
              : q->stage < 0 ? WINS_TRIES
                             : MSL_NS_RETRY_COUNT;
    if (q->tries >= max) {
      q->stage++;
      q->tries = 0;
      if (q->stage >= 0 && (size_t)q->stage >= stages)
        return MSL_ERR_NAME_NOT_FOUND;
      continue;
    }
    q->tries++;
    if (aq_send(s, q) < 0) {
      q->tries = max;
      continue;
    }
    q->next = now + (status         ? MSL_NS_STATUS_WAIT_MS
                     : q->stage < 0 ? WINS_WAIT_MS
                                    : MSL_NS_RETRY_MS);
    return 0;
  }
}

int msl_ns_aq_start(msl_ns_svc *s, msl_ns_aq *q, const msl_nbname *nb,
                    uint64_t now) {
  int one = 1;
  if (!s || !q || !nb)
    return MSL_ERR_ARG;
  memset(q, 0, sizeof(*q));
  q->fd = -1;
  if (!s->ns.cfg.wins.n && s->ns.cfg.n_ifs == 0)
    return MSL_ERR_NAME_NOT_FOUND;
  q->kind = MSL_NS_AQ_NAME;
  q->nb = *nb;
  if (random_trn_id(&q->trn_id) < 0)
    return MSL_ERR_SYSTEM;
  q->stage = -(int)s->ns.cfg.wins.n; /* H-node: WINS first [HYBRID] */
  q->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (q->fd < 0)
    return MSL_ERR_SYSTEM;
  setsockopt(q->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
  if (aq_next(s, q, now) < 0) {
    msl_ns_aq_cancel(q);
    return MSL_ERR_NAME_NOT_FOUND;
  }
  return 0;
}

int msl_ns_aq_start_status(msl_ns_svc *s, msl_ns_aq *q, uint32_t ip,
                           uint64_t now) {
  if (!s || !q)
    return MSL_ERR_ARG;
  memset(q, 0, sizeof(*q));
  q->fd = -1;
  q->kind = MSL_NS_AQ_STATUS;
  q->ip = ip;
  if (random_trn_id(&q->trn_id) < 0)
    return MSL_ERR_SYSTEM;
  q->fd = status_socket();
  if (q->fd < 0) {
    q->fd = -1;
    return MSL_ERR_SYSTEM;
  }
  if (aq_next(s, q, now) < 0) {
    msl_ns_aq_cancel(q);
    msl_ns_ipcache_put(&s->ns.ipnames, ip, our_scope(s), NULL, now);
    return MSL_ERR_NAME_NOT_FOUND;
  }
  return 0;
}

/* Whether a name query's answer may come from `from`: only a WINS
 * server asked already while q asks them alone (unicast); anyone once q
 * broadcasts (a B-node cannot tell a peer from another). */
static int aq_source_ok(const msl_ns_svc *s, const msl_ns_aq *q,
                        uint32_t from) {
  if (q->stage >= 0)
    return 1;
  for (int k = -(int)s->ns.cfg.wins.n; k <= q->stage; k++)
    if (aq_server(s, k) == from)
      return 1;
  return 0;
}

/* Reads what waits on q's socket. 1 (and caches it) at a positive answer;
 * -1 when a node status ended without a name (cached too). Packets that
 * answer nothing of q's are dropped and counted. */
static int aq_read(msl_ns_svc *s, msl_ns_aq *q, uint64_t now) {
  uint8_t rb[PKT_MAX];
  if (q->kind == MSL_NS_AQ_STATUS) {
    msl_ns_table t;
    int r = status_read(q->fd, q->trn_id, q->ip, our_scope(s), &t,
                        &s->ns.c.unsolicited_answers);
    if (r > 0 && msl_ns_pick_host_name(t.names, t.n, our_scope(s),
                                       &q->found) != 0)
      r = -1; /* a table without a unique <00> name */
    if (r)
      msl_ns_ipcache_put(&s->ns.ipnames, q->ip, our_scope(s),
                         r > 0 ? &q->found : NULL, now);
    return r;
  }
  for (int i = 0; i < 16; i++) {
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(q->fd, rb, sizeof(rb), MSG_DONTWAIT,
                         (struct sockaddr *)&from, &fl);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return 0;
    uint32_t src = ntohl(from.sin_addr.s_addr);
    int k = aq_source_ok(s, q, src)
                ? parse_answers(rb, (size_t)n, q->trn_id, &q->nb, src,
                                &q->ans, 1)
                : -1;
    if (k > 0) {
      msl_ns_cache_put(&s->ns, &q->nb, q->ans.ip, q->ans.nb_flags,
                       q->ans.ttl, now);
      return 1;
    }
    if (k < 0)
      s->ns.c.unsolicited_answers++; /* a negative answer: wait on */
  }
  return 0;
}

int msl_ns_aq_step(msl_ns_svc *s, msl_ns_aq *q, int readable, uint64_t now,
                   uint64_t *wait) {
  if (!s || !q || q->fd < 0)
    return MSL_ERR_NAME_NOT_FOUND;
  int r = readable ? aq_read(s, q, now) : 0;
  if (r) {
    msl_ns_aq_cancel(q);
    return r > 0 ? 1 : MSL_ERR_NAME_NOT_FOUND;
  }
  while (now >= q->next)
    if (aq_next(s, q, now) < 0) {
      msl_ns_aq_cancel(q);
      if (q->kind == MSL_NS_AQ_STATUS)
        msl_ns_ipcache_put(&s->ns.ipnames, q->ip, our_scope(s), NULL, now);
      return MSL_ERR_NAME_NOT_FOUND;
    }
  if (wait)
    *wait = q->next - now;
  return 0;
}

void msl_ns_aq_cancel(msl_ns_aq *q) {
  if (q && q->fd >= 0) {
    close(q->fd);
    q->fd = -1;
  }
}

int msl_ns_parse_name(const char *text, char *name, size_t cap,
                      uint8_t dflt, uint8_t *suffix) {
  size_t n = strcspn(text, "<\n ");
  if (n == 0 || n > MSL_NBNAME_MAX_CHARS || n >= cap)
    return MSL_ERR_NAME;
  memcpy(name, text, n);
  name[n] = '\0';
  *suffix = dflt;
  if (text[n] == '<') {
    char *end;
    unsigned long v = strtoul(text + n + 1, &end, 16);
    if (end != text + n + 3 || *end != '>' || v > 255)
      return MSL_ERR_NAME;
    *suffix = (uint8_t)v;
  }
  return 0;
}

int msl_ns_ctl_format(uint32_t ip, uint16_t nb_flags, char *out, size_t cap) {
  int n = snprintf(out, cap, "ok %u.%u.%u.%u %04x\n", ip >> 24,
                   (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, nb_flags);
  return n < 0 || (size_t)n >= cap ? MSL_ERR_BUFFER_TOO_SMALL : n;
}
