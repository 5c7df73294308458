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
 * TRN_ID id: 1 (its answer, with a name: *out), 0 (its answer without
 * one), -1 (anything else, from anyone else: ignore it). */
static int status_answer(const uint8_t *p, size_t len, uint16_t id,
                         uint32_t ip, uint32_t from, const char *scope,
                         msl_nbname *out) {
  msl_nbns r;
  msl_nbns_node_name names[256];
  msl_nbname star;
  size_t n = 0;
  if (from != ip || msl_nbname_make(&star, "*", 0, scope) != 0 ||
      msl_nbns_decode(&r, p, len) != 0 ||
      !answers(&r, id, &star, MSL_NBNS_T_NBSTAT))
    return -1;
  if (msl_nbns_rcode(&r))
    return 0; /* a negative answer: no name */
  while (n < 256 && msl_nbns_rr_node_name(&r.an[0], n, &names[n]))
    n++;
  return msl_ns_pick_host_name(names, n, scope, out) == 0;
}

/* ---- blocking query client ---- */

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

int msl_ns_query(const msl_nbname *name, uint32_t dst, uint16_t port,
                 int bcast, int tries, int wait_ms, int stop_first,
                 msl_ns_answer *out, size_t max) {
  uint8_t buf[PKT_MAX];
  msl_nbns m;
  int one = 1, fd, len;
  size_t got = 0;
  uint16_t id;
  if (!name || (!out && max) || tries < 1 || wait_ms < 0)
    return MSL_ERR_ARG;
  if (random_trn_id(&id) < 0)
    return MSL_ERR_SYSTEM;
  if (msl_nbns_build_query(&m, id, name, bcast) != 0 ||
      (len = msl_nbns_encode(&m, buf, sizeof(buf))) < 0)
    return MSL_ERR_ARG;
  fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return MSL_ERR_SYSTEM;
  if (bcast)
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
  struct sockaddr_in to = {.sin_family = AF_INET,
                           .sin_port = htons(port ? port : MSL_NBNS_PORT),
                           .sin_addr.s_addr = htonl(dst)};
  for (int t = 0; t < tries && !(stop_first && got); t++) {
    if (sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) <
        0) {
      close(fd);
      return MSL_ERR_SYSTEM;
    }
    uint64_t end = msl_now_ms() + (uint64_t)wait_ms;
    for (;;) {
      uint64_t now = msl_now_ms();
      if (now >= end || (stop_first && got))
        break;
      struct pollfd pf = {fd, POLLIN, 0};
      if (poll(&pf, 1, (int)(end - now)) <= 0)
        continue;
      uint8_t rb[PKT_MAX];
      struct sockaddr_in from;
      socklen_t fl = sizeof(from);
      ssize_t n = recvfrom(fd, rb, sizeof(rb), 0, (struct sockaddr *)&from,
                           &fl);
      if (n <= 0)
        continue;
      uint32_t src = ntohl(from.sin_addr.s_addr);
      /* A unicast query is answered by the address asked, no other. */
      int k = bcast || src == dst
                  ? parse_answers(rb, (size_t)n, id, name, src, out + got,
                                  max - got)
                  : -1;
      got += k > 0 ? (size_t)k : 0;
    }
  }
  close(fd);
  return (int)got;
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

/* Sends a node-status request (len bytes) to ip:port. 0 or -1. */
static int status_send(int fd, const uint8_t *p, size_t len, uint32_t ip,
                       uint16_t port) {
  struct sockaddr_in to = {.sin_family = AF_INET,
                           .sin_port = htons(port ? port : MSL_NBNS_PORT),
                           .sin_addr.s_addr = htonl(ip)};
  return sendto(fd, p, len, MSG_DONTWAIT, (struct sockaddr *)&to,
                sizeof(to)) < 0
             ? -1
             : 0;
}

/* Reads what waits on a status socket asking ip: 1 (*out), 0 (nothing
 * yet), -1 (finished without a name: refused, or a table without one).
 * Packets that answer nothing of ours add to *dropped (NULL: not
 * counted). */
static int status_read(int fd, uint16_t id, uint32_t ip, const char *scope,
                       msl_nbname *out, uint64_t *dropped) {
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
    int r = status_answer(rb, (size_t)n, id, ip,
                          ntohl(from.sin_addr.s_addr), scope, out);
    if (r >= 0)
      return r ? 1 : -1;
    if (dropped)
      (*dropped)++;
  }
  return 0;
}

int msl_ns_status_name(uint32_t ip, uint16_t port, const char *scope,
                       int tries, int wait_ms, msl_nbname *out) {
  uint8_t buf[PKT_MAX];
  uint16_t id;
  if (!out || tries < 1 || wait_ms < 0)
    return MSL_ERR_ARG;
  if (random_trn_id(&id) < 0)
    return MSL_ERR_SYSTEM;
  int len = status_request(id, scope, buf, sizeof(buf));
  if (len < 0)
    return len == MSL_ERR_NAME ? MSL_ERR_ARG : len;
  int fd = status_socket();
  if (fd < 0)
    return fd;
  int r = 0;
  for (int t = 0; t < tries && r == 0; t++) {
    if (status_send(fd, buf, (size_t)len, ip, port) < 0) {
      r = -1; /* refused by an earlier ICMP error, or no route */
      break;
    }
    uint64_t end = msl_now_ms() + (uint64_t)wait_ms;
    for (uint64_t now = msl_now_ms(); r == 0 && now < end; now = msl_now_ms()) {
      struct pollfd pf = {fd, POLLIN, 0};
      if (poll(&pf, 1, (int)(end - now)) > 0)
        r = status_read(fd, id, ip, scope, out, NULL);
    }
  }
  close(fd);
  return r == 1 ? 0 : MSL_ERR_NAME_NOT_FOUND;
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
    return len < 0 || status_send(q->fd, buf, (size_t)len, q->ip,
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
    int r = status_read(q->fd, q->trn_id, q->ip, our_scope(s), &q->found,
                        &s->ns.c.unsolicited_answers);
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
