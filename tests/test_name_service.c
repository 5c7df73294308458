/*
 * The B-node name-service state machine (net/msl_name_service.h), fed with
 * packets built by proto/msl_nbns.h, time passed in. Nothing touches the
 * network (the send callback records what would be sent), except the
 * asynchronous query tests at the end: real sockets on 127.0.0.1, a high
 * port, the clock still passed in.
 * Sequences: RFC 1002 §5.1.1.1 (registration: 3 requests 250 ms apart,
 * then the overwrite demand), §5.1.1.5 (defence), §4.2.13 (positive query
 * response), §4.2.18 (node status), §5.1.1.6 (release).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <poll.h>
#include <unistd.h>

#include "msl_ifaces.h"
#include "msl_name_service.h"

#define OUR_IP 0xC6120001u  /* 198.18.0.1 */
#define BCAST 0xC61200FFu   /* 198.18.0.255 */
#define PEER 0xC6120009u    /* 198.18.0.9 */
#define PORT 137

typedef struct sent {
  uint8_t p[1024];
  size_t len;
  uint32_t dst, src;
  uint16_t port;
} sent;

static sent g_out[64];
static size_t g_n;

static int fake_send(void *user, const uint8_t *p, size_t len, uint32_t dst,
                     uint16_t port, uint32_t src, unsigned ifindex) {
  (void)user;
  (void)ifindex;
  assert_true(g_n < 64);
  assert_true(len <= sizeof(g_out[0].p));
  memcpy(g_out[g_n].p, p, len);
  g_out[g_n].len = len;
  g_out[g_n].dst = dst;
  g_out[g_n].port = port;
  g_out[g_n].src = src;
  g_n++;
  return 0;
}

static void setup_ns(msl_ns *ns, const char *scope, unsigned flags) {
  msl_ns_iface f;
  msl_ns_config c;
  memset(&f, 0, sizeof(f));
  f.addr = OUR_IP;
  f.mask = 0xFFFFFF00u;
  f.bcast = BCAST;
  f.ifindex = 2;
  memcpy(f.mac, "\x02\x11\x22\x33\x44\x55", 6);
  memset(&c, 0, sizeof(c));
  c.name = "h1";
  c.workgroup = "msltest";
  c.scope = scope;
  c.flags = flags;
  c.ifs = &f;
  c.n_ifs = 1;
  c.port = PORT;
  c.send = fake_send;
  g_n = 0;
  assert_int_equal(msl_ns_init(ns, &c, 0x4000), 0);
}

static void decode_out(size_t i, msl_nbns *m) {
  assert_true(i < g_n);
  assert_int_equal(msl_nbns_decode(m, g_out[i].p, g_out[i].len), 0);
}

/* Runs the registration to the end (time 1000 .. 1750). */
static void register_all(msl_ns *ns) {
  msl_ns_start(ns, 1000);
  msl_ns_tick(ns, 1250);
  msl_ns_tick(ns, 1500);
  msl_ns_tick(ns, 1750);
  assert_int_equal(ns->state, MSL_NS_REGISTERED);
  g_n = 0;
}

static size_t feed(msl_ns *ns, const msl_nbns *m, uint32_t src,
                   uint16_t sport) {
  uint8_t b[1024];
  int n = msl_nbns_encode(m, b, sizeof(b));
  assert_true(n > 0);
  size_t before = g_n;
  msl_ns_input(ns, b, (size_t)n, src, sport, 2000);
  return g_n - before;
}

static void test_registration_sequence(void **st) {
  msl_ns ns;
  msl_nbns m;
  msl_nbname h1, wg;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&h1, "H1", 0, NULL);
  msl_nbname_make(&wg, "MSLTEST", 0, NULL);
  assert_int_equal(ns.n_names, 2);
  msl_ns_start(&ns, 1000);
  assert_int_equal(ns.state, MSL_NS_REGISTERING);
  assert_int_equal(g_n, 2); /* H1<00> and MSLTEST<00> */
  for (size_t i = 0; i < 2; i++) {
    decode_out(i, &m);
    assert_int_equal(m.flags, 0x2910); /* broadcast registration */
    assert_int_equal(g_out[i].dst, BCAST);
    assert_int_equal(g_out[i].port, PORT);
    assert_int_equal(g_out[i].src, OUR_IP);
    assert_int_equal(m.arcount, 1);
    assert_int_equal(m.ar[0].name.compressed, 1); /* 0xC00C */
    assert_int_equal(m.ar[0].ttl, MSL_NBNS_TTL_WINDOWS);
    assert_int_equal(m.ar[0].nb_first.addr, OUR_IP);
    assert_int_equal(m.trn_id, 0x4000 + i);
  }
  decode_out(0, &m);
  assert_true(msl_nbname_equal(&m.qd[0].name.nb, &h1));
  assert_int_equal(m.ar[0].nb_first.flags, 0x0000);
  decode_out(1, &m);
  assert_true(msl_nbname_equal(&m.qd[0].name.nb, &wg));
  assert_int_equal(m.ar[0].nb_first.flags, MSL_NBNS_NB_G);
  /* Nothing before 250 ms; the retransmissions keep their TRN_IDs. */
  assert_int_equal(msl_ns_tick(&ns, 1249), 1);
  assert_int_equal(g_n, 2);
  assert_int_equal(msl_ns_tick(&ns, 1250), 250);
  assert_int_equal(g_n, 4);
  decode_out(2, &m);
  assert_int_equal(m.flags, 0x2910);
  assert_int_equal(m.trn_id, 0x4000);
  msl_ns_tick(&ns, 1500);
  assert_int_equal(g_n, 6);
  assert_int_equal(ns.state, MSL_NS_REGISTERING);
  /* 250 ms after the third request: the overwrite demand, then ours. */
  assert_int_equal(msl_ns_tick(&ns, 1600), 150);
  assert_int_equal(msl_ns_tick(&ns, 1750), UINT64_MAX);
  assert_int_equal(g_n, 8);
  decode_out(6, &m);
  assert_int_equal(m.flags, 0x2810);
  assert_true(msl_nbname_equal(&m.qd[0].name.nb, &h1));
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  assert_int_equal(ns.c.registrations_sent, 6);
  assert_int_equal(ns.c.overwrites_sent, 2);
  assert_int_equal(msl_ns_tick(&ns, 99999), UINT64_MAX);
  assert_int_equal(g_n, 8);
}

static void test_messenger_server_names(void **st) {
  msl_ns ns;
  msl_nbname n;
  (void)st;
  setup_ns(&ns, NULL, MSL_NS_MESSENGER | MSL_NS_SERVER);
  assert_int_equal(ns.n_names, 4);
  msl_nbname_make(&n, "H1", 0x03, NULL);
  assert_true(msl_ns_is_ours(&ns, &n));
  msl_nbname_make(&n, "H1", 0x20, NULL);
  assert_true(msl_ns_is_ours(&ns, &n));
  msl_nbname_make(&n, "H1", 0x1d, NULL);
  assert_false(msl_ns_is_ours(&ns, &n));
  msl_ns_start(&ns, 0);
  assert_int_equal(g_n, 4);
}

static void test_conflict_stops(void **st) {
  msl_ns ns;
  msl_nbns m;
  msl_nbname h1, wg;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&h1, "H1", 0, NULL);
  msl_nbname_make(&wg, "MSLTEST", 0, NULL);
  msl_ns_start(&ns, 1000);
  /* A defence with another TRN_ID is not an answer to us. */
  msl_nbns_build_registration_response(&m, 0x1234, &h1, MSL_NBNS_RC_ACT, 0,
                                       PEER, 0);
  feed(&ns, &m, PEER, PORT);
  assert_int_equal(ns.state, MSL_NS_REGISTERING);
  /* A group name is not defended: members share it. */
  msl_nbns_build_registration_response(&m, 0x4001, &wg, MSL_NBNS_RC_ACT,
                                       MSL_NBNS_NB_G, PEER, 0);
  feed(&ns, &m, PEER, PORT);
  assert_int_equal(ns.state, MSL_NS_REGISTERING);
  /* 0xAD86 with our TRN_ID for H1<00>: stop. */
  msl_nbns_build_registration_response(&m, 0x4000, &h1, MSL_NBNS_RC_ACT, 0,
                                       PEER, 0);
  assert_int_equal(m.flags, 0xAD86);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  assert_int_equal(ns.state, MSL_NS_CONFLICT);
  assert_int_equal(ns.c.conflicts, 1);
  assert_int_equal(ns.conflict_by, PEER);
  assert_string_equal(ns.conflict_name, "H1<00>");
  /* No more registration traffic, no overwrite, no release. */
  size_t n = g_n;
  assert_int_equal(msl_ns_tick(&ns, 5000), UINT64_MAX);
  msl_ns_release(&ns);
  assert_int_equal(g_n, n);
}

static void test_defend(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname h1, other, wg;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&h1, "H1", 0, NULL);
  msl_nbname_make(&other, "H9", 0, NULL);
  msl_nbname_make(&wg, "MSLTEST", 0, NULL);
  register_all(&ns);
  msl_nbns_build_registration(&m, 0x7777, &h1, 0, PEER, 300000, 1);
  assert_int_equal(feed(&ns, &m, PEER, 40000), 1);
  decode_out(0, &r);
  assert_int_equal(r.flags, 0xAD86);
  assert_int_equal(r.trn_id, 0x7777);
  assert_int_equal(g_out[0].dst, PEER);
  assert_int_equal(g_out[0].port, 40000);
  assert_int_equal(r.ancount, 1);
  assert_true(msl_nbname_equal(&r.an[0].name.nb, &h1));
  assert_int_equal(r.an[0].nb_first.addr, OUR_IP);
  assert_int_equal(ns.c.defended, 1);
  /* The overwrite demand is defended too; others' names and group names
   * are not. */
  msl_nbns_build_overwrite(&m, 0x7778, &h1, 0, PEER, 300000);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 1);
  msl_nbns_build_registration(&m, 0x7779, &other, 0, PEER, 300000, 1);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  msl_nbns_build_registration(&m, 0x777A, &wg, MSL_NBNS_NB_G, PEER, 300000,
                              1);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
}

static void test_query_answer(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname h1, wg, other;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&h1, "h1", 0, NULL);
  msl_nbname_make(&wg, "MSLTEST", 0, NULL);
  msl_nbname_make(&other, "H1", 0x20, NULL);
  /* Not answered before the names are registered. */
  msl_ns_start(&ns, 1000);
  g_n = 0;
  msl_nbns_build_query(&m, 0x1111, &h1, 1);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 0);
  msl_ns_tick(&ns, 1250);
  msl_ns_tick(&ns, 1500);
  msl_ns_tick(&ns, 1750);
  g_n = 0;
  assert_int_equal(feed(&ns, &m, PEER, 50000), 1);
  decode_out(0, &r);
  assert_int_equal(r.flags, 0x8500);
  assert_int_equal(r.trn_id, 0x1111);
  assert_int_equal(r.an[0].ttl, 300000);
  assert_int_equal(r.an[0].nb_first.addr, OUR_IP);
  assert_int_equal(r.an[0].nb_first.flags, 0);
  assert_int_equal(g_out[0].dst, PEER);
  assert_int_equal(g_out[0].port, 50000);
  msl_nbns_build_query(&m, 0x1112, &wg, 0);
  assert_int_equal(feed(&ns, &m, PEER, 137), 1);
  decode_out(1, &r);
  assert_int_equal(r.an[0].nb_first.flags, MSL_NBNS_NB_G);
  msl_nbns_build_query(&m, 0x1113, &other, 1);
  assert_int_equal(feed(&ns, &m, PEER, 137), 0);
  assert_int_equal(ns.c.queries_answered, 2);
}

static void test_node_status(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname star, h1, other;
  msl_nbns_node_name e;
  (void)st;
  setup_ns(&ns, NULL, 0);
  register_all(&ns);
  msl_nbname_make(&star, "*", 0, NULL);
  msl_nbname_make(&h1, "H1", 0, NULL);
  msl_nbname_make(&other, "H7", 0, NULL);
  msl_nbns_build_node_status(&m, 0x2222, &star, 0);
  assert_int_equal(feed(&ns, &m, PEER, 50001), 1);
  decode_out(0, &r);
  assert_int_equal(r.flags, 0x8400);
  assert_int_equal(r.an[0].type, MSL_NBNS_T_NBSTAT);
  assert_int_equal(r.an[0].num_names, 2);
  assert_true(msl_nbns_rr_node_name(&r.an[0], 0, &e));
  assert_memory_equal(e.name, "H1             \x00", 16);
  assert_int_equal(e.flags, MSL_NBNS_NAME_ACT);
  assert_true(msl_nbns_rr_node_name(&r.an[0], 1, &e));
  assert_memory_equal(e.name, "MSLTEST        \x00", 16);
  assert_int_equal(e.flags, MSL_NBNS_NAME_ACT | MSL_NBNS_NB_G);
  assert_memory_equal(r.an[0].stats.unit_id, "\x02\x11\x22\x33\x44\x55", 6);
  assert_int_equal(r.an[0].stats.number_good_sends, 0);
  msl_nbns_build_node_status(&m, 0x2223, &h1, 0);
  assert_int_equal(feed(&ns, &m, PEER, 50001), 1);
  msl_nbns_build_node_status(&m, 0x2224, &other, 0);
  assert_int_equal(feed(&ns, &m, PEER, 50001), 0);
  assert_int_equal(ns.c.node_status_answered, 2);
}

static void test_release(void **st) {
  msl_ns ns;
  msl_nbns r;
  (void)st;
  setup_ns(&ns, NULL, 0);
  register_all(&ns);
  msl_ns_release(&ns);
  assert_int_equal(g_n, 2);
  for (size_t i = 0; i < 2; i++) {
    decode_out(i, &r);
    assert_int_equal(r.flags, 0x3010);
    assert_int_equal(g_out[i].dst, BCAST);
    assert_int_equal(r.ar[0].ttl, 0);
    assert_int_equal(r.ar[0].nb_first.addr, OUR_IP);
  }
  assert_int_equal(ns.state, MSL_NS_RELEASED);
  msl_ns_release(&ns); /* once only */
  assert_int_equal(g_n, 2);
}

static void test_scope(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname plain, scoped;
  (void)st;
  setup_ns(&ns, "corp.example", 0);
  register_all(&ns);
  msl_nbname_make(&plain, "H1", 0, NULL);
  msl_nbname_make(&scoped, "H1", 0, "CORP.EXAMPLE");
  msl_nbns_build_query(&m, 0x3333, &plain, 1);
  assert_int_equal(feed(&ns, &m, PEER, 137), 0);
  msl_nbns_build_query(&m, 0x3334, &scoped, 1);
  assert_int_equal(feed(&ns, &m, PEER, 137), 1);
  decode_out(0, &r);
  assert_string_equal(r.an[0].name.nb.scope, "CORP.EXAMPLE");
}

static void test_own_and_malformed(void **st) {
  msl_ns ns;
  msl_nbns m;
  msl_nbname h1;
  uint8_t b[512];
  (void)st;
  setup_ns(&ns, NULL, 0);
  register_all(&ns);
  msl_nbname_make(&h1, "H1", 0, NULL);
  /* Our own broadcast registration, looped back: not defended. */
  msl_nbns_build_registration(&m, 0x4000, &h1, 0, OUR_IP, 300000, 1);
  assert_int_equal(feed(&ns, &m, OUR_IP, PORT), 0);
  assert_int_equal(ns.c.rx_own, 1);
  /* Every prefix of a valid query: counted as bad, never answered. */
  msl_nbns_build_query(&m, 0x5555, &h1, 1);
  int n = msl_nbns_encode(&m, b, sizeof(b));
  assert_true(n > 0);
  for (int len = 0; len < n; len++)
    msl_ns_input(&ns, b, (size_t)len, PEER, 137, 3000);
  assert_int_equal(g_n, 0);
  assert_int_equal(ns.c.rx_bad, (uint64_t)n);
  msl_ns_input(&ns, b, (size_t)n, PEER, 137, 3000);
  assert_int_equal(g_n, 1);
}

static void test_cache(void **st) {
  msl_ns ns;
  msl_nbname a, b;
  uint32_t ip = 0;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&a, "NMBD", 0, NULL);
  msl_nbname_make(&b, "OTHER", 0, NULL);
  assert_int_equal(msl_ns_cache_get(&ns, &a, 0, &ip), MSL_ERR_NOT_FOUND);
  msl_ns_cache_put(&ns, &a, 0xC6120002u, 0, 10, 1000);
  assert_int_equal(msl_ns_cache_get(&ns, &a, 10999, &ip), 0);
  assert_int_equal(ip, 0xC6120002u);
  assert_int_equal(msl_ns_cache_get(&ns, &b, 2000, &ip), MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_cache_get(&ns, &a, 11000, &ip), MSL_ERR_NOT_FOUND);
  assert_int_equal(ns.n_cache, 0);
  /* TTL 0 is not cached; a huge TTL is capped. */
  msl_ns_cache_put(&ns, &a, 1, 0, 0, 0);
  assert_int_equal(ns.n_cache, 0);
  msl_ns_cache_put(&ns, &a, 1, 0, 300000, 0);
  assert_int_equal(msl_ns_cache_get(&ns, &a,
                                    MSL_NS_CACHE_TTL_MAX * 1000u, &ip),
                   MSL_ERR_NOT_FOUND);
  /* A positive query response seen on the port fills the cache. */
  msl_nbns m;
  msl_nbns_nb e = {0, 0xC6120002u};
  msl_nbns_build_query_response(&m, 9, &a, 60, &e, 1);
  feed(&ns, &m, 0xC6120002u, 137);
  assert_int_equal(msl_ns_cache_get(&ns, &a, 2000, &ip), 0);
  assert_int_equal(ip, 0xC6120002u);
}

static void test_parse_and_args(void **st) {
  char name[16];
  uint8_t sfx;
  msl_ns ns;
  msl_ns_config c;
  (void)st;
  assert_int_equal(msl_ns_parse_name("NMBD<20>", name, sizeof(name), 0, &sfx),
                   0);
  assert_string_equal(name, "NMBD");
  assert_int_equal(sfx, 0x20);
  assert_int_equal(msl_ns_parse_name("nmbd", name, sizeof(name), 0, &sfx), 0);
  assert_int_equal(sfx, 0);
  assert_int_equal(msl_ns_parse_name("X<2>", name, sizeof(name), 0, &sfx),
                   MSL_ERR_NAME);
  assert_int_equal(msl_ns_parse_name("", name, sizeof(name), 0, &sfx),
                   MSL_ERR_NAME);
  assert_int_equal(
      msl_ns_parse_name("SIXTEENCHARSLONG", name, sizeof(name), 0, &sfx),
      MSL_ERR_NAME);
  assert_int_equal(msl_ns_init(NULL, NULL, 0), MSL_ERR_ARG);
  memset(&c, 0, sizeof(c));
  c.name = "H1";
  c.workgroup = "WG";
  assert_int_equal(msl_ns_init(&ns, &c, 0), MSL_ERR_ARG); /* no send */
  c.send = fake_send;
  c.name = "BAD.NAME";
  assert_int_equal(msl_ns_init(&ns, &c, 0), MSL_ERR_NAME);
}

/* ---- the service's asynchronous query (real loopback sockets) ---- */

/* A name service on 127.0.0.1 (interface lo, broadcast 127.0.0.1) on a
 * free high port, asking WINS 127.0.0.1 (port 137: nobody answers). */
static msl_ns_svc *open_loopback_svc(void) {
  msl_ifaces ifs;
  msl_ns_svc *s = NULL;
  int r = MSL_ERR_EXISTS;
  memset(&ifs, 0, sizeof(ifs));
  ifs.n = 1;
  memcpy(ifs.v[0].name, "lo", 3);
  ifs.v[0].addr = ifs.v[0].bcast = 0x7f000001u;
  ifs.v[0].mask = 0xff000000u;
  ifs.v[0].loopback = 1;
  for (unsigned i = 0; i < 20 && r == MSL_ERR_EXISTS; i++)
    r = msl_ns_svc_open(&s, (uint16_t)(20000 + (getpid() + i * 7919) % 40000),
                        "AQHOST", "AQWG", NULL, 0, &ifs, "127.0.0.1", NULL,
                        NULL, 0);
  assert_int_equal(r, 0);
  return s;
}

/* Waits (poll, no deadline check) until fd is readable. */
static void wait_readable(int fd) {
  struct pollfd pf = {fd, POLLIN, 0};
  assert_int_equal(poll(&pf, 1, 10000), 1);
}

/* The name query's schedule and order: WINS 2 x 1000 ms, then
 * the interface's broadcast MSL_NS_RETRY_COUNT x MSL_NS_RETRY_MS, then
 * NOT_FOUND; the clock is the caller's. */
static void test_async_query_schedule(void **st) {
  msl_ns_svc *s = open_loopback_svc();
  msl_nbname nb;
  msl_ns_aq q;
  uint64_t t = 5000000, w = 0;
  uint32_t ip;
  (void)st;
  assert_int_equal(msl_ns_svc_make_name(s, "NOBODY", 0, NULL, &nb), 0);
  assert_int_equal(msl_ns_svc_lookup(s, &nb, t, &ip, NULL),
                   MSL_ERR_NOT_FOUND);
  /* Our queries, not our own registrations looped back (rx_own). */
  const msl_ns_counters *c = &msl_ns_svc_ns(s)->c;
  uint64_t rx0 = c->rx - c->rx_own;
  assert_int_equal(msl_ns_aq_start(s, &q, &nb, t), 0);
  assert_true(q.fd >= 0);
  assert_int_equal(q.stage, -1); /* WINS first */
  assert_int_equal(q.tries, 1);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 999, &w), 0);
  assert_int_equal(w, 1);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 1000, &w), 0);
  assert_int_equal(q.stage, -1);
  assert_int_equal(q.tries, 2);
  assert_int_equal(w, 1000);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 2000, &w), 0);
  assert_int_equal(q.stage, 0); /* then the broadcast */
  assert_int_equal(w, MSL_NS_RETRY_MS);
  for (int k = 1; k < MSL_NS_RETRY_COUNT; k++)
    assert_int_equal(
        msl_ns_aq_step(s, &q, 0, t + 2000 + (uint64_t)k * MSL_NS_RETRY_MS,
                       &w),
        0);
  assert_int_equal(q.tries, MSL_NS_RETRY_COUNT);
  uint64_t end = t + 2000 + (uint64_t)MSL_NS_RETRY_COUNT * MSL_NS_RETRY_MS;
  assert_int_equal(msl_ns_aq_step(s, &q, 0, end - 1, &w), 0);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, end, &w), MSL_ERR_NOT_FOUND);
  assert_int_equal(q.fd, -1);
  msl_ns_aq_cancel(&q); /* idempotent */
  /* The broadcasts reached the port (our own socket here), each once. */
  while (c->rx - c->rx_own - rx0 < MSL_NS_RETRY_COUNT) {
    wait_readable(msl_ns_svc_fd(s));
    msl_ns_svc_receive(s, t);
  }
  assert_int_equal(c->rx - c->rx_own - rx0, MSL_NS_RETRY_COUNT);
  msl_ns_svc_close(s);
}

/* A positive answer ends the query and fills the cache; a cancelled query
 * closes its socket. The answering node is the service itself (a query
 * for its own name, started directly). */
static void test_async_query_answer(void **st) {
  msl_ns_svc *s = open_loopback_svc();
  msl_nbname nb;
  msl_ns_aq q;
  uint64_t t = 7000000, w = 0;
  uint32_t ip = 0;
  (void)st;
  assert_int_equal(msl_ns_svc_make_name(s, "aqhost", 0, NULL, &nb), 0);
  assert_int_equal(msl_ns_aq_start(s, &q, &nb, t), 0);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 1000, &w), 0);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 2000, &w), 0);
  assert_int_equal(q.stage, 0);
  /* The service reads our broadcast query and answers it (the clock
   * stands still: only the answer can end the query). */
  int r = 0;
  while (r == 0) {
    struct pollfd pf[2] = {{msl_ns_svc_fd(s), POLLIN, 0}, {q.fd, POLLIN, 0}};
    assert_true(poll(pf, 2, 10000) > 0);
    if (pf[0].revents)
      msl_ns_svc_receive(s, t + 2000);
    if (pf[1].revents)
      r = msl_ns_aq_step(s, &q, 1, t + 2001, &w);
  }
  assert_int_equal(r, 1);
  assert_int_equal(q.fd, -1);
  assert_int_equal(q.ans.ip, 0x7f000001u);
  assert_int_equal(msl_ns_cache_get(msl_ns_svc_ns(s), &nb, t + 2001, &ip), 0);
  assert_int_equal(ip, 0x7f000001u);
  char out[64];
  assert_int_equal(msl_ns_ctl_format(ip, q.ans.nb_flags, out, sizeof(out)),
                   strlen("ok 127.0.0.1 0000\n"));
  assert_string_equal(out, "ok 127.0.0.1 0000\n");
  /* Cancelled: the socket goes at once. */
  assert_int_equal(msl_ns_aq_start(s, &q, &nb, t), 0);
  assert_true(q.fd >= 0);
  msl_ns_aq_cancel(&q);
  assert_int_equal(q.fd, -1);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t, &w), MSL_ERR_NOT_FOUND);
  msl_ns_svc_close(s);
}

/* ---- address -> name (node status) ---- */

static msl_nbns_node_name nn(const char *name, uint8_t sfx, uint16_t fl) {
  msl_nbns_node_name e;
  memset(e.name, ' ', 15);
  memcpy(e.name, name, strlen(name));
  e.name[15] = sfx;
  e.flags = fl;
  return e;
}

/* The first unique, active <00> name wins (Samba name_status_find); group
 * names, other suffixes, inactive, conflicting or deregistering names are
 * skipped; an empty table has none. */
static void test_pick_host_name(void **st) {
  const uint16_t act = MSL_NBNS_NAME_ACT, g = MSL_NBNS_NB_G;
  msl_nbname out, want;
  (void)st;
  msl_nbns_node_name t[] = {
      nn("WG", 0x00, act | g),                      /* group */
      nn("SRV", 0x20, act),                         /* file server */
      nn("SRV", 0x03, act),                         /* messenger */
      nn("OLD", 0x00, 0),                           /* not active */
      nn("DUP", 0x00, act | MSL_NBNS_NAME_CNF),     /* in conflict */
      nn("BYE", 0x00, act | MSL_NBNS_NAME_DRG),     /* deregistering */
      nn("SRV", 0x00, act | MSL_NBNS_ONT_H),        /* this one */
      nn("SECOND", 0x00, act),
  };
  size_t n = sizeof(t) / sizeof(t[0]);
  assert_int_equal(msl_ns_pick_host_name(t, n, NULL, &out), 0);
  assert_int_equal(msl_nbname_make(&want, "SRV", 0x00, NULL), 0);
  assert_true(msl_nbname_equal(&out, &want));
  /* The scope asked is the name's. */
  assert_int_equal(msl_ns_pick_host_name(t, n, "lab.example", &out), 0);
  assert_int_equal(msl_nbname_make(&want, "SRV", 0x00, "lab.example"), 0);
  assert_true(msl_nbname_equal(&out, &want));
  /* Without it: only skipped kinds, then nothing at all. */
  assert_int_equal(msl_ns_pick_host_name(t, 6, NULL, &out),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_pick_host_name(t, 0, NULL, &out),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_pick_host_name(NULL, 0, NULL, &out),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_pick_host_name(NULL, 1, NULL, &out), MSL_ERR_ARG);
  assert_int_equal(msl_ns_pick_host_name(t, n, NULL, NULL), MSL_ERR_ARG);
}

/* Positive and negative answers, their TTLs, scopes kept apart. */
static void test_ipcache(void **st) {
  static msl_ns_ipcache c;
  msl_nbname a, out;
  uint64_t t = 1000;
  (void)st;
  memset(&c, 0, sizeof(c));
  assert_int_equal(msl_nbname_make(&a, "HOSTA", 0, NULL), 0);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, t, &out),
                   MSL_ERR_NOT_FOUND);
  msl_ns_ipcache_put(&c, PEER, NULL, &a, t);
  msl_ns_ipcache_put(&c, OUR_IP, NULL, NULL, t);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, t, &out), 1);
  assert_true(msl_nbname_equal(&out, &a));
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, "", t, NULL), 1);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, "other", t, &out),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_ipcache_get(&c, OUR_IP, NULL, t, &out), 0);
  /* A scope is kept as names carry it (upper case), asked as written. */
  msl_ns_ipcache_put(&c, PEER, "lab.example", NULL, t);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, "Lab.Example", t, &out), 0);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, t, &out), 1);
  uint64_t neg = t + MSL_NS_IPNAME_NEG_TTL * 1000u;
  uint64_t pos = t + MSL_NS_IPNAME_TTL * 1000u;
  assert_int_equal(msl_ns_ipcache_get(&c, OUR_IP, NULL, neg - 1, &out), 0);
  assert_int_equal(msl_ns_ipcache_get(&c, OUR_IP, NULL, neg, &out),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, pos - 1, &out), 1);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, pos, &out),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, "LAB.EXAMPLE", pos, &out),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(c.n, 0);
  /* Bounded: a full cache replaces the entry that expires first. */
  for (uint32_t i = 0; i <= MSL_NS_IPNAME_MAX; i++)
    msl_ns_ipcache_put(&c, 0x0a000000u + i, NULL, &a, t + i);
  assert_int_equal(c.n, MSL_NS_IPNAME_MAX);
  assert_int_equal(msl_ns_ipcache_get(&c, 0x0a000000u, NULL, t, &out),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_ipcache_get(&c, 0x0a000000u + MSL_NS_IPNAME_MAX,
                                      NULL, t, &out),
                   1);
}

/* The service's own addresses are its HOST<00> without a query; a node
 * status of the service's port (asked directly, as for another host)
 * answers AQHOST<00> and fills the address cache; a port where nobody
 * listens gives "no name" (refused or unanswered), cached too. */
static void test_async_status(void **st) {
  msl_ns_svc *s = open_loopback_svc();
  msl_nbname nb, want;
  msl_ns_aq q;
  uint64_t t = 9000000, w = 0;
  const uint32_t lo2 = 0x7f000002u; /* 127.0.0.2: not the service's */
  (void)st;
  assert_int_equal(msl_nbname_make(&want, "AQHOST", 0, NULL), 0);
  assert_int_equal(msl_ns_svc_ip_lookup(s, 0x7f000001u, t, &nb), 1);
  assert_true(msl_nbname_equal(&nb, &want));
  assert_int_equal(msl_ns_svc_ip_lookup(s, lo2, t, &nb), MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_aq_start_status(s, &q, lo2, t), 0);
  assert_int_equal(q.kind, MSL_NS_AQ_STATUS);
  assert_int_equal(q.tries, 1);
  int r = 0;
  while (r == 0) {
    struct pollfd pf[2] = {{msl_ns_svc_fd(s), POLLIN, 0}, {q.fd, POLLIN, 0}};
    assert_true(poll(pf, 2, 10000) > 0);
    if (pf[0].revents)
      msl_ns_svc_receive(s, t);
    if (pf[1].revents)
      r = msl_ns_aq_step(s, &q, 1, t + 1, &w);
  }
  assert_int_equal(r, 1);
  assert_int_equal(q.fd, -1);
  assert_true(msl_nbname_equal(&q.found, &want));
  assert_int_equal(msl_ns_svc_ip_lookup(s, lo2, t + 2, &nb), 1);
  assert_true(msl_nbname_equal(&nb, &want));
  /* Unanswered: the same schedule as the blocking client, then "none". */
  const uint32_t lo3 = 0x7f000003u;
  uint16_t port = msl_ns_svc_ns(s)->cfg.port;
  msl_ns_svc_ns(s)->cfg.port = 9; /* discard: nobody (ICMP refused) */
  assert_int_equal(msl_ns_aq_start_status(s, &q, lo3, t), 0);
  r = 0;
  for (int k = 1; r == 0 && k <= MSL_NS_STATUS_TRIES; k++)
    r = msl_ns_aq_step(s, &q, 1, t + (uint64_t)k * MSL_NS_STATUS_WAIT_MS,
                       &w);
  assert_int_equal(r, MSL_ERR_NOT_FOUND);
  assert_int_equal(q.fd, -1);
  assert_int_equal(msl_ns_svc_ip_lookup(s, lo3, t + 1000, &nb), 0);
  msl_ns_svc_ns(s)->cfg.port = port;
  /* The blocking client where nobody listens: no name (its positive
   * path: tests/test_remote.c, against a responder thread). */
  assert_int_equal(msl_ns_status_name(0x7f000001u, 9, NULL,
                                      MSL_NS_STATUS_TRIES,
                                      MSL_NS_STATUS_WAIT_MS, &nb),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_ns_status_name(0x7f000001u, 9, NULL, 0, 1, &nb),
                   MSL_ERR_ARG);
  msl_ns_svc_close(s);
}

/* ---- interface changes (msl_ns_set_ifaces, msl_ifaces_equal) ---- */

#define IP2 0xC6120101u    /* 198.18.1.1: a second interface */
#define BCAST2 0xC61201FFu /* 198.18.1.255 */
#define PEER2 0xC6120109u  /* 198.18.1.9 */

static msl_ns_iface ns_if(uint32_t addr, uint32_t bcast, unsigned idx) {
  msl_ns_iface f;
  memset(&f, 0, sizeof(f));
  f.addr = addr;
  f.mask = 0xFFFFFF00u;
  f.bcast = bcast;
  f.ifindex = idx;
  return f;
}

static void test_ifaces_added(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname h1;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&h1, "H1", 0, NULL);
  register_all(&ns);
  msl_ns_iface v[2] = {ns_if(OUR_IP, BCAST, 2), ns_if(IP2, BCAST2, 3)};
  /* The same list: nothing sent, nothing to register. */
  assert_int_equal(msl_ns_set_ifaces(&ns, v, 1, 3000), 0);
  assert_int_equal(g_n, 0);
  assert_int_equal(ns.refreshing, 0);
  /* A new interface: the three requests then the overwrite demand, on it
   * only, with TRN_IDs of their own; the names stay ours throughout. */
  assert_int_equal(msl_ns_set_ifaces(&ns, v, 2, 3000), 1);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  assert_int_equal(g_n, 2);
  uint16_t id0 = 0;
  for (size_t i = 0; i < 2; i++) {
    decode_out(i, &r);
    assert_int_equal(r.flags, 0x2910);
    assert_int_equal(g_out[i].dst, BCAST2);
    assert_int_equal(g_out[i].src, IP2);
    assert_int_equal(r.ar[0].nb_first.addr, IP2);
    if (i == 0)
      id0 = r.trn_id;
    assert_int_equal(r.trn_id, (uint16_t)(id0 + i));
  }
  assert_true(id0 != 0x4000 && id0 != 0x4001);
  /* Meanwhile queries are answered (from the address facing the asker),
   * and our name is defended on both segments. */
  msl_nbns_build_query(&m, 0x1111, &h1, 1);
  assert_int_equal(feed(&ns, &m, PEER2, 50000), 1);
  decode_out(2, &r);
  assert_int_equal(r.an[0].nb_first.addr, IP2);
  assert_int_equal(g_out[2].src, IP2);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 1);
  decode_out(3, &r);
  assert_int_equal(r.an[0].nb_first.addr, OUR_IP);
  msl_nbns_build_registration(&m, 0x7777, &h1, 0, PEER2, 300000, 1);
  assert_int_equal(feed(&ns, &m, PEER2, PORT), 1);
  decode_out(4, &r);
  assert_int_equal(r.flags, 0xAD86);
  assert_int_equal(r.an[0].nb_first.addr, IP2);
  /* Our own requests, looped back from the new address, are ignored. */
  g_n = 0;
  msl_nbns_build_registration(&m, id0, &h1, 0, IP2, 300000, 1);
  assert_int_equal(feed(&ns, &m, IP2, PORT), 0);
  assert_int_equal(ns.c.defended, 1);
  /* The schedule: 250 ms apart, then the overwrite demand. */
  assert_int_equal(msl_ns_tick(&ns, 3249), 1);
  assert_int_equal(msl_ns_tick(&ns, 3250), 250);
  assert_int_equal(msl_ns_tick(&ns, 3500), 250);
  assert_int_equal(g_n, 4);
  assert_int_equal(msl_ns_tick(&ns, 3750), UINT64_MAX);
  assert_int_equal(g_n, 6);
  for (size_t i = 0; i < 6; i++) {
    decode_out(i, &r);
    assert_int_equal(g_out[i].dst, BCAST2);
    assert_int_equal(r.flags, i < 4 ? 0x2910 : 0x2810);
  }
  assert_int_equal(ns.refreshing, 0);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  assert_int_equal(ns.c.conflicts, 0);
  assert_int_equal(ns.c.registrations_sent, 6 + 6);
  assert_int_equal(ns.c.overwrites_sent, 2 + 2);
  assert_int_equal(msl_ns_tick(&ns, 9000), UINT64_MAX);
}

static void test_ifaces_removed(void **st) {
  msl_ns ns;
  msl_nbns r;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_ns_iface v[2] = {ns_if(IP2, BCAST2, 3), ns_if(OUR_IP, BCAST, 2)};
  assert_int_equal(msl_ns_set_ifaces(&ns, v, 2, 900), 1); /* not started */
  assert_int_equal(g_n, 0);
  register_all(&ns);
  /* The first one goes: releases there (best effort), nothing else. */
  assert_int_equal(msl_ns_set_ifaces(&ns, v + 1, 1, 3000), 0);
  assert_int_equal(g_n, 2);
  for (size_t i = 0; i < 2; i++) {
    decode_out(i, &r);
    assert_int_equal(r.flags, 0x3010);
    assert_int_equal(g_out[i].dst, BCAST2);
    assert_int_equal(g_out[i].src, IP2);
  }
  assert_int_equal(ns.refreshing, 0);
  assert_int_equal(ns.cfg.n_ifs, 1);
  assert_int_equal(ns.ifs[0].addr, OUR_IP);
  /* None left: still registered, nothing to answer from. */
  assert_int_equal(msl_ns_set_ifaces(&ns, NULL, 0, 3100), 0);
  assert_int_equal(g_n, 4);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  assert_int_equal(msl_ns_set_ifaces(&ns, v, MSL_NS_MAX_IFS + 1, 0),
                   MSL_ERR_ARG);
  /* During the start, a new interface restarts the registration. */
  setup_ns(&ns, NULL, 0);
  msl_ns_start(&ns, 1000);
  msl_ns_tick(&ns, 1250);
  g_n = 0;
  assert_int_equal(msl_ns_set_ifaces(&ns, v, 2, 1300), 1);
  assert_int_equal(g_n, 4); /* 2 names x 2 interfaces */
  assert_int_equal(ns.step, 1);
  msl_ns_tick(&ns, 1550);
  msl_ns_tick(&ns, 1800);
  assert_int_equal(ns.state, MSL_NS_REGISTERING);
  msl_ns_tick(&ns, 2050);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  assert_int_equal(ns.refreshing, 0);
}

/* A defence of a new interface's registration is a conflict, as at start;
 * a late one to an earlier round is not. */
static void test_ifaces_conflict(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname h1;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&h1, "H1", 0, NULL);
  register_all(&ns);
  msl_ns_iface v[2] = {ns_if(OUR_IP, BCAST, 2), ns_if(IP2, BCAST2, 3)};
  msl_ns_set_ifaces(&ns, v, 2, 3000);
  decode_out(0, &r);
  msl_nbns_build_registration_response(&m, 0x4000, &h1, MSL_NBNS_RC_ACT, 0,
                                       PEER2, 0);
  feed(&ns, &m, PEER2, PORT);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  msl_nbns_build_registration_response(&m, r.trn_id, &h1, MSL_NBNS_RC_ACT, 0,
                                       PEER2, 0);
  feed(&ns, &m, PEER2, PORT);
  assert_int_equal(ns.state, MSL_NS_CONFLICT);
  assert_int_equal(ns.conflict_by, PEER2);
}

static void test_ifaces_equal(void **st) {
  msl_ifaces a, b;
  char buf[128];
  (void)st;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  assert_true(msl_ifaces_equal(&a, &b));
  assert_true(msl_ifaces_equal(NULL, &b));
  a.n = 2;
  strcpy(a.v[0].name, "eth0");
  a.v[0].index = 2;
  a.v[0].addr = OUR_IP;
  a.v[0].mask = 0xFFFFFF00u;
  a.v[0].bcast = BCAST;
  strcpy(a.v[1].name, "eth1");
  a.v[1].index = 3;
  a.v[1].addr = IP2;
  a.v[1].mask = 0xFFFFFF00u;
  a.v[1].bcast = BCAST2;
  /* Same set in another order: equal. */
  b.n = 2;
  b.v[0] = a.v[1];
  b.v[1] = a.v[0];
  assert_true(msl_ifaces_equal(&a, &b));
  assert_int_equal(msl_ifaces_diff(&a, &b, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "none");
  /* Each field counts: address, mask, broadcast, index. */
  uint32_t *fields[] = {&b.v[0].addr, &b.v[0].mask, &b.v[0].bcast};
  for (size_t i = 0; i < 3; i++) {
    uint32_t keep = *fields[i];
    *fields[i] ^= 0x100u;
    assert_false(msl_ifaces_equal(&a, &b));
    *fields[i] = keep;
  }
  b.v[0].index = 9;
  assert_false(msl_ifaces_equal(&a, &b));
  b.v[0].index = 3;
  /* A subset is not equal, either way round. */
  b.n = 1;
  b.v[0] = a.v[0];
  assert_false(msl_ifaces_equal(&a, &b));
  assert_false(msl_ifaces_equal(&b, &a));
  assert_int_equal(msl_ifaces_diff(&b, &a, buf, sizeof(buf)), 1);
  assert_string_equal(buf, "+ eth1 198.18.1.1/24");
  b.v[0].addr = 0xC6120002u;
  b.v[0].mask = 0xFFFF0000u;
  assert_int_equal(msl_ifaces_diff(&a, &b, buf, sizeof(buf)), 3);
  assert_string_equal(buf, "+ eth0 198.18.0.2/16, - eth0 198.18.0.1/24, "
                           "- eth1 198.18.1.1/24");
  /* Cut to the buffer, still terminated. */
  assert_int_equal(msl_ifaces_diff(&a, &b, buf, 8), 3);
  assert_int_equal(strlen(buf), 7);
  assert_int_equal(msl_ifaces_diff(&a, &b, NULL, 0), 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registration_sequence),
      cmocka_unit_test(test_messenger_server_names),
      cmocka_unit_test(test_conflict_stops),
      cmocka_unit_test(test_defend),
      cmocka_unit_test(test_query_answer),
      cmocka_unit_test(test_node_status),
      cmocka_unit_test(test_release),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_own_and_malformed),
      cmocka_unit_test(test_cache),
      cmocka_unit_test(test_parse_and_args),
      cmocka_unit_test(test_async_query_schedule),
      cmocka_unit_test(test_async_query_answer),
      cmocka_unit_test(test_pick_host_name),
      cmocka_unit_test(test_ipcache),
      cmocka_unit_test(test_async_status),
      cmocka_unit_test(test_ifaces_added),
      cmocka_unit_test(test_ifaces_removed),
      cmocka_unit_test(test_ifaces_conflict),
      cmocka_unit_test(test_ifaces_equal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
