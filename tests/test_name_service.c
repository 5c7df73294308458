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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msl_ifaces.h"
#include "msl_name_service.h"
#include "msl_random.h"
#include "msl_ratelimit.h"

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
/* The node's own names (the configuration's "h1" and "msltest"), made
 * once by make_our_names. */
static msl_nbname our_h1, our_wg;

static int make_our_names(void **st) {
  (void)st;
  assert_int_equal(msl_nbname_make(&our_h1, "H1", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&our_wg, "MSLTEST", 0, NULL), 0);
  return 0;
}

static int g_count_only;  /* floods: count what goes out, keep nothing */
static uint64_t g_total;  /* packets sent while g_count_only */

static int fake_send(void *user, const uint8_t *p, size_t len, uint32_t dst,
                     uint16_t port, uint32_t src, unsigned ifindex) {
  (void)user;
  (void)ifindex;
  if (g_count_only) {
    g_total++;
    return 0;
  }
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

/* Log lines the state machine wrote (level, text), for the tests that
 * check what is logged. */
static char g_log[32][400];
static int g_log_level[32];
static size_t g_nlog;

static void fake_log(void *user, int level, const char *msg) {
  (void)user;
  if (g_nlog < 32) {
    snprintf(g_log[g_nlog], sizeof(g_log[0]), "%s", msg);
    g_log_level[g_nlog] = level;
  }
  g_nlog++;
}

/* Extra config for setup_ns (NULL: none). */
static void (*g_tweak)(msl_ns_config *c);

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
  c.log = fake_log;
  if (g_tweak)
    g_tweak(&c);
  g_n = 0;
  g_nlog = 0;
  g_count_only = 0;
  g_total = 0;
  assert_int_equal(msl_ns_init(ns, &c, 0x4000), 0);
}

/* 1 when some log line at level contains text. */
static int logged(int level, const char *text) {
  for (size_t i = 0; i < g_nlog && i < 32; i++)
    if (g_log_level[i] == level && strstr(g_log[i], text))
      return 1;
  return 0;
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

/* A node with the test configuration whose names are all registered. */
static void setup_registered(msl_ns *ns) {
  setup_ns(ns, NULL, 0);
  register_all(ns);
}

/* Feeds m from src:sport at time `at`; returns how many packets went out. */
static size_t feed_at(msl_ns *ns, const msl_nbns *m, uint32_t src,
                      uint16_t sport, uint64_t at) {
  uint8_t b[1024];
  int n = msl_nbns_encode(m, b, sizeof(b));
  assert_true(n > 0);
  size_t before = g_n;
  uint64_t total = g_total;
  msl_ns_input(ns, b, (size_t)n, src, sport, at);
  return g_count_only ? (size_t)(g_total - total) : g_n - before;
}

static size_t feed(msl_ns *ns, const msl_nbns *m, uint32_t src,
                   uint16_t sport) {
  return feed_at(ns, m, src, sport, 2000);
}

static void test_registration_sequence(void **st) {
  msl_ns ns;
  msl_nbns m;
  (void)st;
  setup_ns(&ns, NULL, 0);
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
  assert_true(msl_nbname_equal(&m.qd[0].name.nb, &our_h1));
  assert_int_equal(m.ar[0].nb_first.flags, 0x0000);
  decode_out(1, &m);
  assert_true(msl_nbname_equal(&m.qd[0].name.nb, &our_wg));
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
  assert_true(msl_nbname_equal(&m.qd[0].name.nb, &our_h1));
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

/* A real conflict: 0xAD86 with the TRN_ID of our running registration
 * for a unique name. That name only is given up (logged at error level,
 * counted, in the status); the node registers, answers and defends its
 * other names; nothing stops. What does not count: another TRN_ID, a
 * group name, a conflict demand (0xAD87) even with our TRN_ID. */
static void test_conflict_one_name(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname star;
  msl_nbns_node_name e;
  char buf[2048];
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&star, "*", 0, NULL);
  msl_ns_start(&ns, 1000);
  assert_int_equal(ns.names[0].trn_id, 0x4000);
  assert_int_equal(ns.names[1].trn_id, 0x4001);
  /* A defence with another TRN_ID is not an answer to us. */
  msl_nbns_build_registration_response(&m, 0x1234, &our_h1, MSL_NBNS_RC_ACT, 0,
                                       PEER, 0);
  feed(&ns, &m, PEER, PORT);
  assert_false(ns.names[0].conflict);
  assert_int_equal(ns.c.unsolicited_responses, 1);
  assert_true(logged(1, "TRN_ID 0x1234 answers no request of ours"));
  /* Nor the TRN_ID of the other name. */
  msl_nbns_build_registration_response(&m, 0x4001, &our_h1, MSL_NBNS_RC_ACT, 0,
                                       PEER, 0);
  feed(&ns, &m, PEER, PORT);
  assert_false(ns.names[0].conflict);
  /* A group name is not defended: members share it. */
  msl_nbns_build_registration_response(&m, 0x4001, &our_wg, MSL_NBNS_RC_ACT,
                                       MSL_NBNS_NB_G, PEER, 0);
  feed(&ns, &m, PEER, PORT);
  assert_false(ns.names[1].conflict);
  /* A conflict demand, even with our TRN_ID, is never obeyed. */
  msl_nbns_build_conflict(&m, 0x4000, &our_h1, 0, PEER);
  assert_int_equal(m.flags, 0xAD87);
  feed(&ns, &m, PEER, PORT);
  assert_false(ns.names[0].conflict);
  assert_int_equal(ns.c.conflict_demands_ignored, 1);
  assert_int_equal(ns.c.conflicts, 0);
  /* 0xAD86 with H1's TRN_ID: H1<00> is lost, to PEER. */
  msl_nbns_build_registration_response(&m, 0x4000, &our_h1, MSL_NBNS_RC_ACT, 0,
                                       PEER, 0);
  assert_int_equal(m.flags, 0xAD86);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  assert_true(ns.names[0].conflict);
  assert_false(ns.names[1].conflict);
  assert_int_equal(ns.names[0].conflict_by, PEER);
  assert_int_equal(ns.c.conflicts, 1);
  assert_true(logged(0, "name conflict: H1<00> is owned by 198.18.0.9"));
  assert_int_equal(ns.state, MSL_NS_REGISTERING);
  /* The registration goes on for the other name only, then it is ours. */
  g_n = 0;
  msl_ns_tick(&ns, 1250);
  msl_ns_tick(&ns, 1500);
  assert_int_equal(msl_ns_tick(&ns, 1750), UINT64_MAX);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  assert_int_equal(g_n, 3); /* 2 requests + the overwrite, MSLTEST<00> */
  for (size_t i = 0; i < g_n; i++) {
    decode_out(i, &r);
    assert_true(msl_nbname_equal(&r.qd[0].name.nb, &our_wg));
  }
  assert_false(msl_ns_is_ours(&ns, &our_h1));
  assert_true(msl_ns_is_ours(&ns, &our_wg));
  assert_int_equal(msl_ns_own_flags(&ns, &our_h1, NULL),
                   MSL_ERR_NAME_NOT_FOUND);
  /* H1<00> is neither answered nor defended; MSLTEST<00> is answered. */
  g_n = 0;
  msl_nbns_build_query(&m, 0x1111, &our_h1, 1);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 0);
  msl_nbns_build_registration(&m, 0x7777, &our_h1, 0, PEER, 300000, 1);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 0);
  msl_nbns_build_node_status(&m, 0x2223, &our_h1, 0);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 0);
  msl_nbns_build_query(&m, 0x1112, &our_wg, 1);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 1);
  /* Node status of "*" still lists it, flagged CNF (nbtstat: Conflict). */
  msl_nbns_build_node_status(&m, 0x2222, &star, 0);
  assert_int_equal(feed(&ns, &m, PEER, 50001), 1);
  decode_out(1, &r);
  assert_true(msl_nbns_rr_node_name(&r.an[0], 0, &e));
  assert_memory_equal(e.name, "H1             \x00", 16);
  assert_int_equal(e.flags, MSL_NBNS_NAME_ACT | MSL_NBNS_NAME_CNF);
  assert_true(msl_nbns_rr_node_name(&r.an[0], 1, &e));
  assert_int_equal(e.flags, MSL_NBNS_NAME_ACT | MSL_NBNS_NB_G);
  /* The status shows it, and who holds it. */
  assert_true(msl_ns_format_counters(&ns, 3000, buf, sizeof(buf)) > 0);
  assert_non_null(strstr(buf, "ns_state registered\n"));
  assert_non_null(strstr(buf, "ns_conflicts 1\n"));
  assert_non_null(strstr(buf, "ns_name H1<00> conflict 198.18.0.9\n"));
  assert_non_null(strstr(buf, "ns_name MSLTEST<00> registered\n"));
  /* Not ours to release: only MSLTEST<00> goes. */
  g_n = 0;
  msl_ns_release(&ns, 3000);
  assert_int_equal(g_n, 1);
  decode_out(0, &r);
  assert_true(msl_nbname_equal(&r.qd[0].name.nb, &our_wg));
}

/* Remote stop with one packet, and its variants, once the names are
 * ours: a conflict demand (0xAD87) or a negative registration response
 * answering nothing of ours is logged (warning, with the sender) and
 * counted; the name stays ours (answered, defended). Logging is
 * rate-limited. */
static void test_conflict_demand_ignored(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname other;
  char buf[2048];
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&other, "H9", 0, NULL);
  register_all(&ns);
  g_nlog = 0;
  msl_nbns_build_conflict(&m, 0x9999, &our_h1, 0, PEER);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  assert_int_equal(ns.c.conflict_demands_ignored, 1);
  assert_true(logged(1, "ignored a name conflict demand for H1<00> from "
                        "198.18.0.9"));
  /* Late or forged defences: the TRN_ID of the finished round, others. */
  msl_nbns_build_registration_response(&m, 0x4000, &our_h1, MSL_NBNS_RC_ACT, 0,
                                       PEER, 0);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  msl_nbns_build_registration_response(&m, 0x0001, &our_h1, MSL_NBNS_RC_ACT, 0,
                                       PEER, 0);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  /* Someone else's registration response, and a positive one. */
  msl_nbns_build_registration_response(&m, 0x0002, &other, MSL_NBNS_RC_ACT,
                                       0, PEER, 0);
  feed(&ns, &m, PEER, PORT);
  msl_nbns_build_registration_response(&m, 0x0003, &our_h1, 0, 0, PEER, 0);
  feed(&ns, &m, PEER, PORT);
  assert_int_equal(ns.c.unsolicited_responses, 4);
  assert_int_equal(ns.c.conflicts, 0);
  assert_false(ns.names[0].conflict);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  /* Still ours: answered and defended. */
  msl_nbns_build_query(&m, 0x1111, &our_h1, 1);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 1);
  decode_out(0, &r);
  assert_int_equal(r.flags, 0x8500);
  msl_nbns_build_registration(&m, 0x7777, &our_h1, 0, PEER, 300000, 1);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 1);
  decode_out(1, &r);
  assert_int_equal(r.flags, 0xAD86);
  /* A flood of demands: all counted, the log gets MSL_NS_LOG_BURST lines
   * at once, then one a second, saying how many it left out. */
  g_nlog = 0;
  msl_nbns_build_conflict(&m, 0x9998, &our_h1, 0, PEER);
  for (int i = 0; i < 100; i++)
    feed_at(&ns, &m, PEER, PORT, 10000);
  assert_int_equal(ns.c.conflict_demands_ignored, 101);
  assert_true(g_nlog <= MSL_NS_LOG_BURST);
  uint64_t left = ns.c.log_suppressed;
  assert_true(left >= 100 - MSL_NS_LOG_BURST);
  feed_at(&ns, &m, PEER, PORT, 11000);
  assert_true(strstr(g_log[g_nlog - 1], "similar lines left out") != NULL);
  assert_true(msl_ns_format_counters(&ns, 3000, buf, sizeof(buf)) > 0);
  assert_non_null(strstr(buf, "ns_conflict_demands_ignored 102\n"));
  assert_non_null(strstr(buf, "ns_unsolicited_responses 4\n"));
  assert_non_null(strstr(buf, "ns_name H1<00> registered\n"));
}

static void test_defend(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname other;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&other, "H9", 0, NULL);
  register_all(&ns);
  msl_nbns_build_registration(&m, 0x7777, &our_h1, 0, PEER, 300000, 1);
  assert_int_equal(feed(&ns, &m, PEER, 40000), 1);
  decode_out(0, &r);
  assert_int_equal(r.flags, 0xAD86);
  assert_int_equal(r.trn_id, 0x7777);
  assert_int_equal(g_out[0].dst, PEER);
  assert_int_equal(g_out[0].port, 40000);
  assert_int_equal(r.ancount, 1);
  assert_true(msl_nbname_equal(&r.an[0].name.nb, &our_h1));
  assert_int_equal(r.an[0].nb_first.addr, OUR_IP);
  assert_int_equal(ns.c.defended, 1);
  /* The overwrite demand is defended too; others' names and group names
   * are not. */
  msl_nbns_build_overwrite(&m, 0x7778, &our_h1, 0, PEER, 300000);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 1);
  msl_nbns_build_registration(&m, 0x7779, &other, 0, PEER, 300000, 1);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  msl_nbns_build_registration(&m, 0x777A, &our_wg, MSL_NBNS_NB_G, PEER, 300000,
                              1);
  assert_int_equal(feed(&ns, &m, PEER, PORT), 0);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
}

static void test_query_answer(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  msl_nbname h1, other;
  (void)st;
  setup_ns(&ns, NULL, 0);
  msl_nbname_make(&h1, "h1", 0, NULL);
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
  msl_nbns_build_query(&m, 0x1112, &our_wg, 0);
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
  msl_nbname star, other;
  msl_nbns_node_name e;
  (void)st;
  setup_registered(&ns);
  msl_nbname_make(&star, "*", 0, NULL);
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
  msl_nbns_build_node_status(&m, 0x2223, &our_h1, 0);
  assert_int_equal(feed(&ns, &m, PEER, 50001), 1);
  msl_nbns_build_node_status(&m, 0x2224, &other, 0);
  assert_int_equal(feed(&ns, &m, PEER, 50001), 0);
  assert_int_equal(ns.c.node_status_answered, 2);
}

static void test_release(void **st) {
  msl_ns ns;
  msl_nbns r;
  (void)st;
  setup_registered(&ns);
  msl_ns_release(&ns, 3000);
  assert_int_equal(g_n, 2);
  for (size_t i = 0; i < 2; i++) {
    decode_out(i, &r);
    assert_int_equal(r.flags, 0x3010);
    assert_int_equal(g_out[i].dst, BCAST);
    assert_int_equal(r.ar[0].ttl, 0);
    assert_int_equal(r.ar[0].nb_first.addr, OUR_IP);
  }
  assert_int_equal(ns.state, MSL_NS_RELEASED);
  msl_ns_release(&ns, 3000); /* once only */
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
  uint8_t b[512];
  (void)st;
  setup_registered(&ns);
  /* Our own broadcast registration, looped back: not defended. */
  msl_nbns_build_registration(&m, 0x4000, &our_h1, 0, OUR_IP, 300000, 1);
  assert_int_equal(feed(&ns, &m, OUR_IP, PORT), 0);
  assert_int_equal(ns.c.rx_own, 1);
  /* Every prefix of a valid query: counted as bad, never answered. */
  msl_nbns_build_query(&m, 0x5555, &our_h1, 1);
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
  assert_int_equal(msl_ns_cache_get(&ns, &a, 0, &ip), MSL_ERR_NAME_NOT_FOUND);
  msl_ns_cache_put(&ns, &a, 0xC6120002u, 0, 10, 1000);
  assert_int_equal(msl_ns_cache_get(&ns, &a, 10999, &ip), 0);
  assert_int_equal(ip, 0xC6120002u);
  assert_int_equal(msl_ns_cache_get(&ns, &b, 2000, &ip),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_ns_cache_get(&ns, &a, 11000, &ip),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(ns.n_cache, 0);
  /* TTL 0 is not cached; a huge TTL is capped. */
  msl_ns_cache_put(&ns, &a, 1, 0, 0, 0);
  assert_int_equal(ns.n_cache, 0);
  msl_ns_cache_put(&ns, &a, 1, 0, 300000, 0);
  assert_int_equal(msl_ns_cache_get(&ns, &a, MSL_NS_CACHE_TTL_MAX * 1000u, &ip),
                   MSL_ERR_NAME_NOT_FOUND);
  msl_ns_cache_put(&ns, &a, 1, 0, UINT32_MAX, 0);
  assert_int_equal(msl_ns_cache_get(&ns, &a,
                                    MSL_NS_CACHE_TTL_MAX * 1000u - 1, &ip),
                   0);
  assert_int_equal(msl_ns_cache_get(&ns, &a, MSL_NS_CACHE_TTL_MAX * 1000u, &ip),
                   MSL_ERR_NAME_NOT_FOUND);
}

/* Resolver cache poisoning: positive query responses on the port, with
 * any TRN_ID, from anyone (the owner included), fill nothing and
 * overwrite nothing; each is counted (and logged at debug level). */
static void test_unsolicited_answers(void **st) {
  msl_ns ns;
  msl_nbname a, b;
  msl_nbns m;
  uint32_t ip = 0;
  const uint32_t evil = 0xC6120003u;
  (void)st;
  setup_registered(&ns);
  msl_nbname_make(&a, "H2", 0, NULL);
  msl_nbname_make(&b, "NEWNAME", 0, NULL);
  msl_ns_cache_put(&ns, &a, 0xC6120002u, 0, 300, 2000);
  msl_nbns_nb e = {0, evil};
  for (uint16_t id = 0; id < 8; id++) {
    msl_nbns_build_query_response(&m, (uint16_t)(0x4000 + id), &a, 300000,
                                  &e, 1);
    assert_int_equal(feed(&ns, &m, evil, PORT), 0);
    msl_nbns_build_query_response(&m, id, &b, 300000, &e, 1);
    assert_int_equal(feed(&ns, &m, 0xC6120002u, PORT), 0);
  }
  /* A negative answer and a node-status answer: the same. */
  msl_nbns_build_query_negative(&m, 5, &a, MSL_NBNS_RC_NAM);
  feed(&ns, &m, evil, PORT);
  msl_nbns_build_node_status_response(&m, 6, &a, NULL, 0, NULL);
  feed(&ns, &m, evil, PORT);
  assert_int_equal(ns.c.unsolicited_answers, 18);
  assert_int_equal(ns.n_cache, 1);
  assert_int_equal(msl_ns_cache_get(&ns, &a, 3000, &ip), 0);
  assert_int_equal(ip, 0xC6120002u);
  assert_int_equal(msl_ns_cache_get(&ns, &b, 3000, &ip),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_true(logged(3, "dropped an unsolicited query answer from "
                        "198.18.0.3"));
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
/* The service `name` in AQWG on lo alone, asking wins, on the first free
 * port of up to 20 tried (pid-based, stride apart). */
static msl_ns_svc *open_lo_svc(const char *name,
                               const msl_ns_wins_servers *wins,
                               unsigned stride) {
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
    r = msl_ns_svc_open(
        &s, (uint16_t)(20000 + ((unsigned)getpid() + i * stride) % 40000), name,
        "AQWG", NULL, 0, &ifs, wins, NULL, NULL, 0);
  assert_int_equal(r, 0);
  return s;
}

static msl_ns_svc *open_loopback_svc(void) {
  msl_ns_wins_servers wins = {{0x7f000001u}, 1, 0};
  return open_lo_svc("AQHOST", &wins, 7919);
}

/* Waits (poll, no deadline check) until fd is readable. */
static void wait_readable(int fd) {
  struct pollfd pf = {fd, POLLIN, 0};
  assert_int_equal(poll(&pf, 1, 10000), 1);
}

/* Steps q each time its socket is readable (at time t) until a step ends
 * it; that step's result. */
static int step_when_readable(msl_ns_svc *s, msl_ns_aq *q, uint64_t t,
                              uint64_t *w) {
  int r = 0;
  while (r == 0) {
    wait_readable(q->fd);
    r = msl_ns_aq_step(s, q, 1, t, w);
  }
  return r;
}

/* q asks s itself: serves s's socket (at t_svc) and steps q (at t_step)
 * as each is readable, until a step ends q; that step's result. */
static int serve_own_query(msl_ns_svc *s, msl_ns_aq *q, uint64_t t_svc,
                           uint64_t t_step, uint64_t *w) {
  int r = 0;
  while (r == 0) {
    struct pollfd pf[2] = {{msl_ns_svc_fd(s), POLLIN, 0}, {q->fd, POLLIN, 0}};
    assert_true(poll(pf, 2, 10000) > 0);
    if (pf[0].revents)
      msl_ns_svc_receive(s, t_svc);
    if (pf[1].revents)
      r = msl_ns_aq_step(s, q, 1, t_step, w);
  }
  return r;
}

/* The name query's schedule and order: WINS 2 x 1000 ms, then
 * the interface's broadcast MSL_NS_RETRY_COUNT x MSL_NS_RETRY_MS, then
 * NAME_NOT_FOUND; the clock is the caller's. */
static void test_async_query_schedule(void **st) {
  msl_ns_svc *s = open_loopback_svc();
  msl_nbname nb;
  msl_ns_aq q;
  uint64_t t = 5000000, w = 0;
  uint32_t ip;
  (void)st;
  assert_int_equal(msl_ns_svc_make_name(s, "NOBODY", 0, NULL, &nb), 0);
  assert_int_equal(msl_ns_svc_lookup(s, &nb, t, &ip, NULL),
                   MSL_ERR_NAME_NOT_FOUND);
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
  assert_int_equal(msl_ns_aq_step(s, &q, 0, end, &w), MSL_ERR_NAME_NOT_FOUND);
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
  assert_int_equal(serve_own_query(s, &q, t + 2000, t + 2001, &w), 1);
  assert_int_equal(q.fd, -1);
  assert_int_equal(q.ans.ip, 0x7f000001u);
  assert_int_equal(msl_ns_cache_get(msl_ns_svc_ns(s), &nb, t + 2001, &ip), 0);
  assert_int_equal(ip, 0x7f000001u);
  char out[64];
  /* With a WINS server the node is an H-node: ONT=H (0x6000). */
  assert_int_equal(msl_ns_ctl_format(ip, q.ans.nb_flags, out, sizeof(out)),
                   strlen("ok 127.0.0.1 6000\n"));
  assert_string_equal(out, "ok 127.0.0.1 6000\n");
  /* Cancelled: the socket goes at once. */
  assert_int_equal(msl_ns_aq_start(s, &q, &nb, t), 0);
  assert_true(q.fd >= 0);
  msl_ns_aq_cancel(&q);
  assert_int_equal(q.fd, -1);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t, &w), MSL_ERR_NAME_NOT_FOUND);
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
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_ns_pick_host_name(t, 0, NULL, &out),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_ns_pick_host_name(NULL, 0, NULL, &out),
                   MSL_ERR_NAME_NOT_FOUND);
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
                   MSL_ERR_NAME_NOT_FOUND);
  msl_ns_ipcache_put(&c, PEER, NULL, &a, t);
  msl_ns_ipcache_put(&c, OUR_IP, NULL, NULL, t);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, t, &out), 1);
  assert_true(msl_nbname_equal(&out, &a));
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, "", t, NULL), 1);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, "other", t, &out),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_ns_ipcache_get(&c, OUR_IP, NULL, t, &out), 0);
  /* A scope is kept as names carry it (upper case), asked as written. */
  msl_ns_ipcache_put(&c, PEER, "lab.example", NULL, t);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, "Lab.Example", t, &out), 0);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, t, &out), 1);
  uint64_t neg = t + MSL_NS_IPNAME_NEG_TTL * 1000u;
  uint64_t pos = t + MSL_NS_IPNAME_TTL * 1000u;
  assert_int_equal(msl_ns_ipcache_get(&c, OUR_IP, NULL, neg - 1, &out), 0);
  assert_int_equal(msl_ns_ipcache_get(&c, OUR_IP, NULL, neg, &out),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, pos - 1, &out), 1);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, NULL, pos, &out),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_ns_ipcache_get(&c, PEER, "LAB.EXAMPLE", pos, &out),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(c.n, 0);
  /* Bounded: a full cache replaces the entry that expires first. */
  for (uint32_t i = 0; i <= MSL_NS_IPNAME_MAX; i++)
    msl_ns_ipcache_put(&c, 0x0a000000u + i, NULL, &a, t + i);
  assert_int_equal(c.n, MSL_NS_IPNAME_MAX);
  assert_int_equal(msl_ns_ipcache_get(&c, 0x0a000000u, NULL, t, &out),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_ns_ipcache_get(&c, 0x0a000000u + MSL_NS_IPNAME_MAX,
                                      NULL, t, &out),
                   1);
}

/* The service's own addresses are its HOST<00> without a query; a node
 * status of the service's port (asked directly at 127.0.0.1, as for
 * another host: an answer counts only from the address asked, and the
 * service answers from its interface's) answers AQHOST<00> and fills the
 * address cache; a port where nobody listens gives "no name" (refused or
 * unanswered), cached too. */
static void test_async_status(void **st) {
  msl_ns_svc *s = open_loopback_svc();
  msl_nbname nb, want;
  msl_ns_aq q;
  uint64_t t = 9000000, w = 0;
  const uint32_t lo = 0x7f000001u, lo2 = 0x7f000002u;
  (void)st;
  assert_int_equal(msl_nbname_make(&want, "AQHOST", 0, NULL), 0);
  assert_int_equal(msl_ns_svc_ip_lookup(s, lo, t, &nb), 1);
  assert_true(msl_nbname_equal(&nb, &want));
  assert_int_equal(msl_ns_svc_ip_lookup(s, lo2, t, &nb),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_ns_aq_start_status(s, &q, lo, t), 0);
  assert_int_equal(q.kind, MSL_NS_AQ_STATUS);
  assert_int_equal(q.tries, 1);
  assert_int_equal(serve_own_query(s, &q, t, t + 1, &w), 1);
  assert_int_equal(q.fd, -1);
  assert_true(msl_nbname_equal(&q.found, &want));
  assert_int_equal(msl_ns_ipcache_get(&msl_ns_svc_ns(s)->ipnames, lo, NULL,
                                      t + 2, &nb),
                   1);
  assert_true(msl_nbname_equal(&nb, &want));
  /* Unanswered: the same schedule as the blocking client, then "none". */
  const uint32_t lo3 = 0x7f000003u;
  uint16_t port = msl_ns_svc_ns(s)->cfg.port;
  msl_ns_svc_ns(s)->cfg.port = 9; /* discard: nobody (ICMP refused) */
  assert_int_equal(msl_ns_aq_start_status(s, &q, lo3, t), 0);
  int r = 0;
  for (int k = 1; r == 0 && k <= MSL_NS_STATUS_TRIES; k++)
    r = msl_ns_aq_step(s, &q, 1, t + (uint64_t)k * MSL_NS_STATUS_WAIT_MS,
                       &w);
  assert_int_equal(r, MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(q.fd, -1);
  assert_int_equal(msl_ns_svc_ip_lookup(s, lo3, t + 1000, &nb), 0);
  msl_ns_svc_ns(s)->cfg.port = port;
  /* The blocking client where nobody listens: no name (its positive
   * path: tests/test_remote.c, against a responder thread). */
  assert_int_equal(msl_ns_status_name(0x7f000001u, 9, NULL, MSL_NS_STATUS_TRIES,
                                      MSL_NS_STATUS_WAIT_MS, &nb),
                   MSL_ERR_NAME_NOT_FOUND);
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

/* The interface setup_ns configures, then a second one. */
static const msl_ns_iface two_ifaces[2] = {
    {.addr = OUR_IP, .mask = 0xFFFFFF00u, .bcast = BCAST, .ifindex = 2},
    {.addr = IP2, .mask = 0xFFFFFF00u, .bcast = BCAST2, .ifindex = 3},
};

static void test_ifaces_added(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  (void)st;
  setup_registered(&ns);
  /* The same list: nothing sent, nothing to register. */
  assert_int_equal(msl_ns_set_ifaces(&ns, two_ifaces, 1, 3000), 0);
  assert_int_equal(g_n, 0);
  assert_int_equal(ns.refreshing, 0);
  /* A new interface: the three requests then the overwrite demand, on it
   * only, with TRN_IDs of their own; the names stay ours throughout. */
  assert_int_equal(msl_ns_set_ifaces(&ns, two_ifaces, 2, 3000), 1);
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
  msl_nbns_build_query(&m, 0x1111, &our_h1, 1);
  assert_int_equal(feed(&ns, &m, PEER2, 50000), 1);
  decode_out(2, &r);
  assert_int_equal(r.an[0].nb_first.addr, IP2);
  assert_int_equal(g_out[2].src, IP2);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 1);
  decode_out(3, &r);
  assert_int_equal(r.an[0].nb_first.addr, OUR_IP);
  msl_nbns_build_registration(&m, 0x7777, &our_h1, 0, PEER2, 300000, 1);
  assert_int_equal(feed(&ns, &m, PEER2, PORT), 1);
  decode_out(4, &r);
  assert_int_equal(r.flags, 0xAD86);
  assert_int_equal(r.an[0].nb_first.addr, IP2);
  /* Our own requests, looped back from the new address, are ignored. */
  g_n = 0;
  msl_nbns_build_registration(&m, id0, &our_h1, 0, IP2, 300000, 1);
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

/* A defence of a new interface's registration puts that name in
 * conflict, as at start; a late one to an earlier round does not. */
static void test_ifaces_conflict(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  (void)st;
  setup_registered(&ns);
  msl_ns_set_ifaces(&ns, two_ifaces, 2, 3000);
  decode_out(0, &r);
  msl_nbns_build_registration_response(&m, 0x4000, &our_h1, MSL_NBNS_RC_ACT, 0,
                                       PEER2, 0);
  feed(&ns, &m, PEER2, PORT);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  msl_nbns_build_registration_response(&m, r.trn_id, &our_h1, MSL_NBNS_RC_ACT,
                                       0, PEER2, 0);
  feed(&ns, &m, PEER2, PORT);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  assert_true(ns.names[0].conflict);
  assert_false(ns.names[1].conflict);
  assert_int_equal(ns.names[0].conflict_by, PEER2);
  /* The round goes on for the workgroup only; H1<00> is not answered on
   * the old segment either (a name is ours everywhere or nowhere). */
  g_n = 0;
  msl_ns_tick(&ns, 3250);
  msl_ns_tick(&ns, 3500);
  msl_ns_tick(&ns, 3750);
  assert_int_equal(g_n, 3);
  msl_nbns_build_query(&m, 0x1111, &our_h1, 1);
  assert_int_equal(feed(&ns, &m, PEER, 50000), 0);
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

/* ---- rate limits (net/msl_ratelimit.h, then in the state machine) ---- */

/* A bucket: the burst at once, then per_s a second, exactly; never more
 * than the burst after a long idle time; a clock going backwards gives
 * nothing; burst 0 refuses everything. */
static void test_ratelimit_bucket(void **st) {
  msl_rl_rate r = {2, 5};
  msl_rl_bucket b;
  (void)st;
  msl_rl_init(&b, &r, 1000);
  for (int i = 0; i < 5; i++)
    assert_int_equal(msl_rl_take(&b, &r, 1000), 1);
  assert_int_equal(msl_rl_take(&b, &r, 1000), 0);
  assert_int_equal(msl_rl_take(&b, &r, 1499), 0);
  assert_int_equal(msl_rl_take(&b, &r, 1500), 1); /* 2/s: one per 500 ms */
  assert_int_equal(msl_rl_take(&b, &r, 1999), 0);
  assert_int_equal(msl_rl_take(&b, &r, 2000), 1);
  /* Years idle, or a jump to the end of time: the burst, no overflow. */
  int n = 0;
  while (msl_rl_take(&b, &r, UINT64_MAX / 2))
    n++;
  assert_int_equal(n, 5);
  /* Backwards: nothing gained; forward again from there. */
  assert_int_equal(msl_rl_take(&b, &r, 100), 0);
  assert_int_equal(msl_rl_take(&b, &r, 599), 0);
  assert_int_equal(msl_rl_take(&b, &r, 600), 1);
  /* A high rate in integers: 50,000/s is 50 a millisecond. */
  msl_rl_rate fast = {50000, 50000};
  msl_rl_init(&b, &fast, 0);
  n = 0;
  while (msl_rl_take(&b, &fast, 0))
    n++;
  assert_int_equal(n, 50000);
  n = 0;
  while (msl_rl_take(&b, &fast, 1))
    n++;
  assert_int_equal(n, 50);
  msl_rl_rate none = {100, 0};
  msl_rl_init(&b, &none, 0);
  assert_int_equal(msl_rl_take(&b, &none, 5000), 0);
}

/* Per source: each its own bucket; the table is bounded and a new source
 * past it replaces the one seen least recently. */
static void test_ratelimit_table(void **st) {
  static msl_rl_table t;
  msl_rl_rate r = {1, 2};
  (void)st;
  msl_rl_table_init(&t, &r);
  assert_int_equal(msl_rl_table_take(&t, PEER, 0), 1);
  assert_int_equal(msl_rl_table_take(&t, PEER, 0), 1);
  assert_int_equal(msl_rl_table_take(&t, PEER, 0), 0);
  assert_int_equal(msl_rl_table_take(&t, PEER2, 0), 1); /* its own */
  assert_int_equal(msl_rl_table_take(&t, PEER, 1000), 1);
  for (uint32_t i = 0; i < MSL_RL_SOURCES; i++)
    msl_rl_table_take(&t, 0x0a000000u + i, 2000 + i);
  assert_int_equal(t.n, MSL_RL_SOURCES);
  assert_int_equal(t.evictions, 2); /* PEER2 (at 0), then PEER (at 1000) */
  /* PEER comes back as new: a full bucket. */
  assert_int_equal(msl_rl_table_take(&t, PEER, 3000), 1);
  assert_int_equal(msl_rl_table_take(&t, PEER, 3000), 1);
  assert_int_equal(msl_rl_table_take(&t, PEER, 3000), 0);
  assert_int_equal(t.evictions, 3);
}

/* Node status as a reflector: 200 requests in one second from one
 * (spoofed) source get the burst plus the rate; from 200 sources, the
 * total limit; a second later, answers again. */
static void test_status_rate_limited(void **st) {
  msl_ns ns;
  msl_nbns m;
  msl_nbname star;
  size_t out = 0;
  (void)st;
  setup_registered(&ns);
  msl_nbname_make(&star, "*", 0, NULL);
  msl_nbns_build_node_status(&m, 0x2222, &star, 0);
  g_count_only = 1;
  for (int i = 0; i < 200; i++)
    out += feed_at(&ns, &m, PEER, 50001, 10000 + (uint64_t)i * 5);
  /* The burst at once, then one more at 500 ms (2/s; the last request
   * comes at 995 ms). */
  assert_int_equal(out, MSL_NS_STATUS_SRC_BURST + 1);
  assert_int_equal(ns.c.status_rate_limited, 200 - out);
  assert_int_equal(ns.c.node_status_answered, out);
  out = 0;
  for (uint32_t i = 0; i < 200; i++)
    out += feed_at(&ns, &m, 0xC6130000u + i, 50001, 20000 + i * 5);
  assert_true(out >= MSL_NS_STATUS_ALL_BURST);
  assert_true(out <= MSL_NS_STATUS_ALL_BURST + MSL_NS_STATUS_ALL_RATE);
  assert_int_equal(feed_at(&ns, &m, PEER, 50001, 40000), 1);
  g_count_only = 0;
}

static void small_query_limit(msl_ns_config *c) {
  c->query_per_source.per_s = 10;
  c->query_per_source.burst = 20;
}

/* Name queries: per source only. The default lets a benchmark's 30,000
 * a second through (nmbd answers ~12,800); a configured limit refuses
 * past it, counted, and only for that source. */
static void test_query_rate_limited(void **st) {
  msl_ns ns;
  msl_nbns m;
  uint64_t out = 0;
  (void)st;
  setup_registered(&ns);
  msl_nbns_build_query(&m, 0x1111, &our_h1, 0);
  g_count_only = 1;
  for (int i = 0; i < 30000; i++)
    out += feed_at(&ns, &m, PEER, 50000, 10000 + (uint64_t)i / 30);
  assert_int_equal(out, 30000);
  assert_int_equal(ns.c.query_rate_limited, 0);
  g_tweak = small_query_limit;
  setup_ns(&ns, NULL, 0);
  g_tweak = NULL;
  register_all(&ns);
  g_count_only = 1;
  out = 0;
  for (int i = 0; i < 100; i++)
    out += feed_at(&ns, &m, PEER, 50000, 10000);
  assert_int_equal(out, 20);
  assert_int_equal(ns.c.query_rate_limited, 80);
  assert_int_equal(feed_at(&ns, &m, PEER2, 50000, 10000), 1);
  assert_int_equal(feed_at(&ns, &m, PEER, 50000, 10100), 1);
  g_count_only = 0;
  char buf[2048];
  assert_true(msl_ns_format_counters(&ns, 3000, buf, sizeof(buf)) > 0);
  assert_non_null(strstr(buf, "ns_query_rate_limited 80\n"));
  assert_non_null(strstr(buf, "ns_status_rate_limited 0\n"));
}

/* ---- TRN_IDs of our registrations ---- */

static uint16_t g_rand_next;
static int g_rand_fail;

/* A scripted random source: 0xA000, 0xA001, ... or a failure. */
static int fake_random(void *user, void *buf, size_t len) {
  (void)user;
  assert_int_equal(len, 2);
  if (g_rand_fail)
    return MSL_ERR_SYSTEM;
  memcpy(buf, &g_rand_next, 2);
  g_rand_next++;
  return 0;
}

static void use_fake_random(msl_ns_config *c) { c->random = fake_random; }

/* Each name's TRN_ID comes from the random source, fresh for each round
 * (the start, the one on a new interface), the same in the retries; a
 * failing source is counted and the seed's numbers used. */
static void test_registration_ids(void **st) {
  msl_ns ns;
  msl_nbns r;
  uint16_t v;
  (void)st;
  g_rand_next = 0xA000;
  g_rand_fail = 0;
  g_tweak = use_fake_random;
  setup_ns(&ns, NULL, 0);
  g_tweak = NULL;
  msl_ns_start(&ns, 1000);
  decode_out(0, &r);
  assert_int_equal(r.trn_id, 0xA000);
  decode_out(1, &r);
  assert_int_equal(r.trn_id, 0xA001);
  msl_ns_tick(&ns, 1250);
  decode_out(2, &r);
  assert_int_equal(r.trn_id, 0xA000); /* a retry keeps it */
  msl_ns_tick(&ns, 1500);
  msl_ns_tick(&ns, 1750);
  g_n = 0;
  msl_ns_iface v2[2] = {ns_if(OUR_IP, BCAST, 2), ns_if(IP2, BCAST2, 3)};
  assert_int_equal(msl_ns_set_ifaces(&ns, v2, 2, 3000), 1);
  decode_out(0, &r);
  assert_int_equal(r.trn_id, 0xA002);
  decode_out(1, &r);
  assert_int_equal(r.trn_id, 0xA003);
  g_rand_fail = 1;
  g_n = 0;
  msl_ns_release(&ns, 3000);
  decode_out(0, &r);
  assert_int_equal(r.trn_id, 0x4000); /* the seed's */
  assert_int_equal(ns.c.random_errors, 4); /* 2 names x 2 interfaces */
  g_rand_fail = 0;
  /* The real source, for what it is worth: two draws, two values (a
   * 1 in 2^64 chance of a false failure). */
  uint64_t x = 0, y = 0;
  assert_int_equal(msl_random_bytes(&x, sizeof(x)), 0);
  assert_int_equal(msl_random_bytes(&y, sizeof(y)), 0);
  assert_true(x != y);
  assert_int_equal(msl_random_bytes(&v, 0), 0);
  assert_int_equal(msl_random_bytes(NULL, 2), MSL_ERR_ARG);
}

/* ---- what the query sockets accept (real loopback sockets) ---- */

/* A UDP socket bound to ip (host order), port 0 (any) or port. */
static int udp_on(uint32_t ip, uint16_t port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(ip);
  a.sin_port = htons(port);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  return fd;
}

static uint16_t port_of(int fd) {
  struct sockaddr_in a;
  socklen_t l = sizeof(a);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
  return ntohs(a.sin_port);
}

/* Sends m from fd to 127.0.0.1:port. */
static void send_to(int fd, const msl_nbns *m, uint16_t port) {
  uint8_t b[1024];
  struct sockaddr_in to;
  int n = msl_nbns_encode(m, b, sizeof(b));
  assert_true(n > 0);
  memset(&to, 0, sizeof(to));
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(0x7f000001u);
  to.sin_port = htons(port);
  assert_int_equal(sendto(fd, b, (size_t)n, 0, (struct sockaddr *)&to,
                          sizeof(to)),
                   n);
}

/* Steps q (readable) until the counter moves past c0 or q ends. */
static int step_until(msl_ns_svc *s, msl_ns_aq *q, uint64_t t,
                      uint64_t c0) {
  const msl_ns_counters *c = &msl_ns_svc_ns(s)->c;
  uint64_t w;
  int r = 0;
  while (r == 0 && c->unsolicited_answers == c0) {
    wait_readable(q->fd);
    r = msl_ns_aq_step(s, q, 1, t, &w);
  }
  return r;
}

/* The service's name query asks the WINS server (127.0.0.1) first: an
 * answer from another address (127.0.0.2), with another TRN_ID, for
 * another name, is dropped and counted; a negative answer is not an
 * answer; the WINS server's right one is taken. Once it broadcasts,
 * anyone may answer. */
static void test_async_query_matching(void **st) {
  msl_ns_svc *s = open_loopback_svc();
  const msl_ns_counters *c = &msl_ns_svc_ns(s)->c;
  msl_nbname nb, other;
  msl_nbns m;
  msl_ns_aq q;
  uint64_t t = 8000000, w;
  uint32_t ip;
  (void)st;
  int wins = udp_on(0x7f000001u, 0), stranger = udp_on(0x7f000002u, 0);
  assert_int_equal(msl_ns_svc_make_name(s, "TARGET", 0, NULL, &nb), 0);
  assert_int_equal(msl_ns_svc_make_name(s, "OTHER", 0, NULL, &other), 0);
  assert_int_equal(msl_ns_aq_start(s, &q, &nb, t), 0);
  assert_int_equal(q.stage, -1);
  uint16_t qp = port_of(q.fd);
  msl_nbns_nb bad = {0, 0x06060606u}, good = {0, 0xC6120002u};
  uint64_t c0 = c->unsolicited_answers;
  msl_nbns_build_query_response(&m, q.trn_id, &nb, 300, &bad, 1);
  send_to(stranger, &m, qp); /* right TRN_ID and name, wrong source */
  assert_int_equal(step_until(s, &q, t, c0), 0);
  assert_int_equal(c->unsolicited_answers, c0 + 1);
  msl_nbns_build_query_response(&m, (uint16_t)(q.trn_id + 1), &nb, 300, &bad,
                                1);
  send_to(wins, &m, qp); /* wrong TRN_ID */
  assert_int_equal(step_until(s, &q, t, c0 + 1), 0);
  msl_nbns_build_query_response(&m, q.trn_id, &other, 300, &bad, 1);
  send_to(wins, &m, qp); /* wrong name */
  assert_int_equal(step_until(s, &q, t, c0 + 2), 0);
  assert_int_equal(c->unsolicited_answers, c0 + 3);
  msl_nbns_build_query_negative(&m, q.trn_id, &nb, MSL_NBNS_RC_NAM);
  send_to(wins, &m, qp); /* "no such name": not counted, waits on */
  msl_nbns_build_query_response(&m, q.trn_id, &nb, 300, &good, 1);
  send_to(wins, &m, qp);
  assert_int_equal(step_when_readable(s, &q, t, &w), 1);
  assert_int_equal(c->unsolicited_answers, c0 + 3);
  assert_int_equal(q.ans.ip, 0xC6120002u);
  assert_int_equal(q.ans.from, 0x7f000001u);
  assert_int_equal(msl_ns_cache_get(msl_ns_svc_ns(s), &nb, t, &ip), 0);
  assert_int_equal(ip, 0xC6120002u);
  /* Broadcast stage: the first right answer, from anyone. */
  assert_int_equal(msl_ns_aq_start(s, &q, &other, t), 0);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 1000, &w), 0);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 2000, &w), 0);
  assert_int_equal(q.stage, 0);
  msl_nbns_build_query_response(&m, q.trn_id, &other, 300, &good, 1);
  send_to(stranger, &m, port_of(q.fd));
  assert_int_equal(step_when_readable(s, &q, t + 2000, &w), 1);
  assert_int_equal(q.ans.from, 0x7f000002u);
  close(wins);
  close(stranger);
  msl_ns_svc_close(s);
}

/* A node status of 127.0.0.3 (the service's peers' port pointed at a
 * socket of ours there): answers from 127.0.0.2, or with the wrong
 * TRN_ID, or for another name, are dropped and counted; the one from
 * 127.0.0.3 is taken. */
static void test_async_status_matching(void **st) {
  msl_ns_svc *s = open_loopback_svc();
  const msl_ns_counters *c = &msl_ns_svc_ns(s)->c;
  msl_nbname star, want, nb;
  msl_nbns m, req;
  msl_ns_aq q;
  uint8_t b[1024];
  uint64_t t = 9500000, w;
  (void)st;
  int target = udp_on(0x7f000003u, 0), stranger = udp_on(0x7f000002u, 0);
  uint16_t port = msl_ns_svc_ns(s)->cfg.port;
  msl_ns_svc_ns(s)->cfg.port = port_of(target);
  assert_int_equal(msl_ns_aq_start_status(s, &q, 0x7f000003u, t), 0);
  msl_ns_svc_ns(s)->cfg.port = port;
  wait_readable(target);
  ssize_t n = recv(target, b, sizeof(b), 0);
  assert_true(n > 0);
  assert_int_equal(msl_nbns_decode(&req, b, (size_t)n), 0);
  assert_int_equal(req.trn_id, q.trn_id);
  msl_nbname_make(&star, "*", 0, NULL);
  msl_nbns_node_name evil = {"EVIL           \x00", MSL_NBNS_NAME_ACT};
  msl_nbns_node_name real = {"REAL           \x00", MSL_NBNS_NAME_ACT};
  uint16_t qp = port_of(q.fd);
  uint64_t c0 = c->unsolicited_answers;
  msl_nbns_build_node_status_response(&m, q.trn_id, &star, &evil, 1, NULL);
  send_to(stranger, &m, qp);
  assert_int_equal(step_until(s, &q, t, c0), 0);
  msl_nbns_build_node_status_response(&m, (uint16_t)~q.trn_id, &star, &evil,
                                      1, NULL);
  send_to(target, &m, qp);
  assert_int_equal(step_until(s, &q, t, c0 + 1), 0);
  msl_nbns_build_node_status_response(&m, q.trn_id, &our_h1, &evil, 1, NULL);
  send_to(target, &m, qp);
  assert_int_equal(step_until(s, &q, t, c0 + 2), 0);
  assert_int_equal(c->unsolicited_answers, c0 + 3);
  msl_nbns_build_node_status_response(&m, q.trn_id, &star, &real, 1, NULL);
  send_to(target, &m, qp);
  assert_int_equal(step_when_readable(s, &q, t, &w), 1);
  msl_nbname_make(&want, "REAL", 0, NULL);
  assert_true(msl_nbname_equal(&q.found, &want));
  assert_int_equal(msl_ns_svc_ip_lookup(s, 0x7f000003u, t, &nb), 1);
  assert_true(msl_nbname_equal(&nb, &want));
  close(target);
  close(stranger);
  msl_ns_svc_close(s);
}

/* The blocking clients' responder: takes one request on fd (bound to
 * the address asked) and answers it four times: from `stranger` (another
 * address), with the wrong TRN_ID, for another name (all carrying the
 * attacker's data), then rightly. */
typedef struct responder {
  int fd, stranger;
  int status; /* node status (else a name query) */
} responder;

static void *respond(void *arg) {
  responder *rs = arg;
  uint8_t b[1024];
  struct sockaddr_in from;
  socklen_t fl = sizeof(from);
  msl_nbns q, r;
  msl_nbname other;
  struct pollfd pf = {rs->fd, POLLIN, 0};
  if (poll(&pf, 1, 5000) != 1)
    return NULL;
  ssize_t n = recvfrom(rs->fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
  if (n <= 0 || msl_nbns_decode(&q, b, (size_t)n) != 0 ||
      msl_nbname_make(&other, "OTHER", 0, NULL) != 0)
    return NULL;
  msl_nbns_node_name evil = {"EVIL           \x00", MSL_NBNS_NAME_ACT};
  msl_nbns_node_name real = {"REAL           \x00", MSL_NBNS_NAME_ACT};
  msl_nbns_nb bad = {0, 0x06060606u}, good = {0, 0xC6120002u};
  for (int i = 0; i < 4; i++) {
    uint16_t id = i == 1 ? (uint16_t)(q.trn_id ^ 0x8000) : q.trn_id;
    const msl_nbname *nm = i == 2 ? &other : &q.qd[0].name.nb;
    if (rs->status)
      msl_nbns_build_node_status_response(&r, id, nm, i == 3 ? &real : &evil,
                                          1, NULL);
    else
      msl_nbns_build_query_response(&r, id, nm, 60, i == 3 ? &good : &bad, 1);
    int len = msl_nbns_encode(&r, b, sizeof(b));
    if (len > 0)
      sendto(i == 0 ? rs->stranger : rs->fd, b, (size_t)len, 0,
             (struct sockaddr *)&from, fl);
  }
  return arg;
}

/* msl_ns_query (unicast) and msl_ns_status_name apply the same rules:
 * of four answers only the right one counts. */
static void test_blocking_clients_matching(void **st) {
  responder rs;
  pthread_t th;
  void *res = NULL;
  msl_nbname nb, want;
  msl_ns_answer a[4];
  (void)st;
  rs.fd = udp_on(0x7f000003u, 0);
  rs.stranger = udp_on(0x7f000002u, 0);
  rs.status = 0;
  msl_nbname_make(&nb, "TARGET", 0, NULL);
  assert_int_equal(pthread_create(&th, NULL, respond, &rs), 0);
  uint32_t dst = 0x7f000003u;
  msl_ns_ask how = {.dst = &dst, .ndst = 1, .port = port_of(rs.fd),
                    .tries = 1, .wait_ms = 500};
  int n = msl_ns_query(&nb, &how, a, 4);
  assert_int_equal(pthread_join(th, &res), 0);
  assert_ptr_equal(res, &rs);
  assert_int_equal(n, 1);
  assert_int_equal(a[0].ip, 0xC6120002u);
  assert_int_equal(a[0].from, 0x7f000003u);
  rs.status = 1;
  assert_int_equal(pthread_create(&th, NULL, respond, &rs), 0);
  assert_int_equal(msl_ns_status_name(0x7f000003u, port_of(rs.fd), NULL, 1,
                                      1000, &nb),
                   0);
  assert_int_equal(pthread_join(th, &res), 0);
  assert_ptr_equal(res, &rs);
  msl_nbname_make(&want, "REAL", 0, NULL);
  assert_true(msl_nbname_equal(&nb, &want));
  close(rs.fd);
  close(rs.stranger);
}

/* The public clients (msl_nb_query, msl_nb_node_status) on net's: the
 * same matching, in network order, and their arguments checked. */
static void test_public_nb_clients(void **st) {
  responder rs;
  pthread_t th;
  void *res = NULL;
  uint8_t raw[16] = "TARGET         ";
  msl_nb_addr a[4];
  msl_nb_name names[4];
  msl_nb_status info;
  (void)st;
  rs.fd = udp_on(0x7f000003u, 0);
  rs.stranger = udp_on(0x7f000002u, 0);
  rs.status = 0;
  uint32_t dst = htonl(0x7f000003u);
  msl_nb_opts o = {.dst = &dst, .n_dst = 1, .timeout_ms = 500,
                   .port = port_of(rs.fd)};
  assert_int_equal(pthread_create(&th, NULL, respond, &rs), 0);
  assert_int_equal(msl_nb_query(raw, &o, a, 4), 1);
  assert_int_equal(pthread_join(th, &res), 0);
  assert_ptr_equal(res, &rs);
  assert_int_equal(a[0].addr, htonl(0xC6120002u));
  assert_int_equal(a[0].from, dst);
  assert_int_equal(a[0].ttl, 60);
  uint8_t junk[1024]; /* the query's repeats, unanswered */
  while (recv(rs.fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
    ;
  rs.status = 1;
  assert_int_equal(pthread_create(&th, NULL, respond, &rs), 0);
  assert_int_equal(msl_nb_node_status(dst, &o, names, 4, &info), 1);
  assert_int_equal(pthread_join(th, &res), 0);
  assert_memory_equal(names[0].name, "REAL           \x00", 16);
  assert_int_equal(names[0].flags, MSL_NBNS_NAME_ACT);
  assert_int_equal(info.n_names, 1);
  assert_int_equal(info.from, dst);
  close(rs.fd);
  close(rs.stranger);
  /* Nothing listens: refused at once; bad arguments. */
  o.port = 9;
  assert_int_equal(msl_nb_node_status(dst, &o, names, 4, NULL),
                   MSL_ERR_NAME_NOT_FOUND);
  assert_int_equal(msl_nb_node_status(dst, &o, NULL, 4, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_nb_query(NULL, &o, a, 4), MSL_ERR_ARG);
  assert_int_equal(msl_nb_query(raw, &o, NULL, 4), MSL_ERR_ARG);
  o.reserved[0] = 1;
  assert_int_equal(msl_nb_query(raw, &o, a, 4), MSL_ERR_ARG);
  o.reserved[0] = 0;
  o.scope = "bad..scope";
  assert_int_equal(msl_nb_query(raw, &o, a, 4), MSL_ERR_NAME);
  assert_int_equal(msl_nb_node_status(dst, &o, names, 4, NULL),
                   MSL_ERR_NAME);
}

/* ---- the WINS client (H-node) ---- */

#define WINS1 0xC6120202u /* 198.18.2.2: the primary, behind a router */
#define WINS2 0xC6120002u /* 198.18.0.2: the secondary, on our LAN */

static size_t g_nwins = 1;

static void wins_tweak(msl_ns_config *c) {
  c->wins.addr[0] = WINS1;
  c->wins.addr[1] = WINS2;
  c->wins.n = g_nwins;
}

/* A node with n WINS servers, run through its broadcast round (1000 ..
 * 1750). On return g_out holds the two WINS registrations sent at 1750
 * (H1<00>, then MSLTEST<00>), nothing else. */
static void setup_wins(msl_ns *ns, size_t n) {
  g_nwins = n;
  g_tweak = wins_tweak;
  setup_ns(ns, NULL, 0);
  g_tweak = NULL;
  msl_ns_start(ns, 1000);
  msl_ns_tick(ns, 1250);
  msl_ns_tick(ns, 1500);
  g_n = 0;
  assert_int_equal(msl_ns_tick(ns, 1750), MSL_NS_WINS_RETRY_MS);
  assert_int_equal(ns->state, MSL_NS_REGISTERED);
  assert_int_equal(g_n, 4); /* the 2 overwrite demands, then WINS */
  memmove(g_out, g_out + 2, 2 * sizeof(g_out[0]));
  g_n = 2;
}

/* The WINS server's answer to request g_out[i]: opcode op, rcode rc, TTL
 * ttl (a registration response echoing the request's NB entry, as nmbd's
 * send_wins_name_registration_response), from src at `at`. Returns how
 * many packets we sent in return. */
static size_t wins_reply(msl_ns *ns, size_t i, unsigned op, unsigned rc,
                         uint32_t ttl, uint32_t src, uint64_t at) {
  msl_nbns q, m;
  decode_out(i, &q);
  assert_int_equal(msl_nbns_build_registration_response(
                       &m, q.trn_id, &q.qd[0].name.nb, rc,
                       q.ar[0].nb_first.flags, q.ar[0].nb_first.addr, ttl),
                   0);
  m.flags = (uint16_t)((m.flags & ~MSL_NBNS_F_OPCODE) | (op << 11));
  return feed_at(ns, &m, src, PORT, at);
}

/* A WACK to request g_out[i] (TTL ttl), from src at `at`. */
static size_t wins_wack(msl_ns *ns, size_t i, uint32_t ttl, uint32_t src,
                        uint64_t at) {
  msl_nbns q, m;
  decode_out(i, &q);
  assert_int_equal(
      msl_nbns_build_wack(&m, q.trn_id, &q.qd[0].name.nb, ttl, q.flags), 0);
  return feed_at(ns, &m, src, PORT, at);
}

/* ns's status contains line (with its newline). */
static void status_has(const msl_ns *ns, uint64_t now, const char *line) {
  static char buf[8192];
  assert_true(msl_ns_format_counters(ns, now, buf, sizeof(buf)) > 0);
  if (!strstr(buf, line))
    fail_msg("status has no '%s':\n%s", line, buf);
}

/* After the broadcast round each name is registered with the WINS server
 * by unicast (0x2900: RD, no B; ONT=H; TTL 300000); the positive answer's
 * TTL sets the refresh at half of it (opcode 8, 0x4000, the same server),
 * which nmbd answers with opcode 5; TTLs are bounded. */
static void test_wins_register_refresh(void **st) {
  msl_ns ns;
  msl_nbns r;
  (void)st;
  setup_wins(&ns, 1);
  for (size_t i = 0; i < 2; i++) {
    decode_out(i, &r);
    assert_int_equal(r.flags, 0x2900);
    assert_int_equal(g_out[i].dst, WINS1);
    assert_int_equal(g_out[i].port, 137);
    assert_int_equal(g_out[i].src, OUR_IP);
    assert_int_equal(r.ar[0].ttl, 300000);
    assert_int_equal(r.ar[0].nb_first.addr, OUR_IP);
    assert_int_equal(r.ar[0].nb_first.flags,
                     i ? MSL_NBNS_NB_G | MSL_NBNS_ONT_H : MSL_NBNS_ONT_H);
    assert_true(msl_nbname_equal(&r.qd[0].name.nb, i ? &our_wg : &our_h1));
    assert_int_equal(r.trn_id, 0x4002 + i); /* not the broadcast round's */
  }
  assert_int_equal(ns.c.wins_registrations_sent, 2);
  status_has(&ns, 1750, "wins_name H1<00> registering 198.18.2.2 try 1\n");
  /* Granted: TTL 600 s, refresh in 300 s; the group for 6 days. */
  assert_int_equal(wins_reply(&ns, 0, 5, 0, 600, WINS1, 2000), 0);
  assert_int_equal(wins_reply(&ns, 1, 5, 0, 518400, WINS1, 2000), 0);
  assert_int_equal(ns.c.wins_registered, 2);
  assert_int_equal(ns.names[0].w.state, MSL_NS_WINS_REGISTERED);
  status_has(&ns, 2000,
             "wins_name H1<00> registered 198.18.2.2 ttl 600 refresh_in "
             "300\n");
  status_has(&ns, 2000,
             "wins_name MSLTEST<00> registered 198.18.2.2 ttl "
             "518400 refresh_in 259200\n");
  status_has(&ns, 2000, "ns_wins_registered 2\n");
  /* No retry any more; nothing until half the TTL. */
  g_n = 0;
  assert_int_equal(msl_ns_tick(&ns, 3250), 300000 - 1250);
  assert_int_equal(msl_ns_tick(&ns, 301999), 1);
  assert_int_equal(g_n, 0);
  msl_ns_tick(&ns, 302000);
  assert_int_equal(g_n, 1);
  decode_out(0, &r);
  assert_int_equal(r.flags, 0x4000); /* refresh, opcode 8, unicast */
  assert_int_equal(g_out[0].dst, WINS1);
  assert_true(msl_nbname_equal(&r.qd[0].name.nb, &our_h1));
  assert_int_equal(r.ar[0].nb_first.addr, OUR_IP);
  status_has(&ns, 302000, "wins_name H1<00> refreshing 198.18.2.2 try 1\n");
  /* nmbd answers a refresh with opcode 5; a TTL below 5 minutes counts as
   * 5 minutes [MS-NBTE 3.1.4.1]. */
  assert_int_equal(wins_reply(&ns, 0, 5, 0, 20, WINS1, 302100), 0);
  assert_int_equal(ns.c.wins_refreshed, 1);
  status_has(&ns, 302100,
             "wins_name H1<00> registered 198.18.2.2 ttl 20 "
             "refresh_in 150\n");
  /* An answer with opcode 8 counts as well; a TTL above a week counts as
   * a week. */
  g_n = 0;
  msl_ns_tick(&ns, 452100);
  assert_int_equal(g_n, 1);
  assert_int_equal(wins_reply(&ns, 0, 8, 0, 0xFFFFFFFFu, WINS1, 452200), 0);
  assert_int_equal(ns.c.wins_refreshed, 2);
  assert_int_equal(ns.names[0].w.next, 452200 + 302400000ull);
  assert_int_equal(ns.c.wins_refreshes_sent, 2);
  assert_int_equal(ns.c.unsolicited_responses, 0);
}

/* A WACK holds the retries for its TTL; the final answer then comes with
 * the same TRN_ID: positive (registered) or ACT (that name in conflict,
 * logged and shown, never the node's state). */
static void test_wins_wack(void **st) {
  msl_ns ns;
  msl_nbns m;
  (void)st;
  setup_wins(&ns, 1);
  assert_int_equal(wins_wack(&ns, 0, 60, WINS1, 2000), 0);
  assert_int_equal(wins_wack(&ns, 1, 60, WINS1, 2000), 0);
  assert_int_equal(ns.c.wins_wacks, 2);
  status_has(&ns, 2000, "wins_name H1<00> wack 198.18.2.2 wait 60\n");
  size_t n0 = g_n;
  assert_int_equal(msl_ns_tick(&ns, 3250), 58750);
  assert_int_equal(g_n, n0); /* no retry while told to wait */
  /* The workgroup: positive after the wait began. */
  assert_int_equal(wins_reply(&ns, 1, 5, 0, 300000, WINS1, 30000), 0);
  assert_int_equal(ns.names[1].w.state, MSL_NS_WINS_REGISTERED);
  /* H1: refused, the name held by its live owner (nmbd asked it). */
  g_nlog = 0;
  assert_int_equal(wins_reply(&ns, 0, 5, MSL_NBNS_RC_ACT, 0, WINS1, 30000), 0);
  assert_true(ns.names[0].conflict);
  assert_false(ns.names[1].conflict);
  assert_int_equal(ns.names[0].conflict_by, WINS1);
  assert_int_equal(ns.state, MSL_NS_REGISTERED);
  assert_int_equal(ns.c.wins_refusals, 1);
  assert_int_equal(ns.c.conflicts, 1);
  assert_true(logged(0, "H1<00> was refused by the WINS server 198.18.2.2"));
  status_has(&ns, 30000, "wins_name H1<00> refused 198.18.2.2 rcode 6\n");
  status_has(&ns, 30000, "ns_name H1<00> conflict 198.18.2.2\n");
  status_has(&ns, 30000, "ns_wins_refusals 1\n");
  /* It is not ours any more: not answered; the group still is. */
  msl_nbns_build_query(&m, 0x1111, &our_h1, 1);
  assert_int_equal(feed_at(&ns, &m, PEER, 50000, 30001), 0);
  /* A WACK that never ends: its wait is over, the retries go on. */
  setup_wins(&ns, 1);
  wins_wack(&ns, 0, 0xFFFFFFFFu, WINS1, 2000);
  assert_int_equal(ns.names[0].w.next, 2000 + MSL_NS_WINS_WACK_MAX * 1000u);
  /* A WACK of nmbd's form (a NULL record) is one too. */
  msl_nbns q;
  decode_out(1, &q);
  msl_nbns_build_wack(&m, q.trn_id, &q.qd[0].name.nb, 60, q.flags);
  m.an[0].type = MSL_NBNS_T_NULL;
  feed_at(&ns, &m, WINS1, PORT, 2000);
  assert_int_equal(ns.names[1].w.state, MSL_NS_WINS_WACK);
  assert_int_equal(ns.c.wins_wacks, 2);
  g_n = 0;
  msl_ns_tick(&ns, 62000); /* the workgroup's wait is over: try 2 */
  assert_int_equal(g_n, 1);
  assert_int_equal(ns.names[1].w.tries, 2);
  /* At most MSL_NS_WINS_WACKS_MAX WACKs per request are believed. */
  for (int k = 0; k < MSL_NS_WINS_WACKS_MAX + 2; k++)
    wins_wack(&ns, 0, 60, WINS1, 62000);
  assert_int_equal(ns.names[1].w.wacks, MSL_NS_WINS_WACKS_MAX);
  assert_true(ns.c.unsolicited_responses >= 2);
}

/* A negative answer puts that unique name in conflict and no other; a
 * refused group name is only refused; SRV_ERR passes to the next server;
 * a refused refresh registers again. */
static void test_wins_refusals(void **st) {
  msl_ns ns;
  (void)st;
  setup_wins(&ns, 1);
  wins_reply(&ns, 0, 5, MSL_NBNS_RC_ACT, 0, WINS1, 2000);
  wins_reply(&ns, 1, 5, MSL_NBNS_RC_RFS, 0, WINS1, 2000);
  assert_true(ns.names[0].conflict);
  assert_false(ns.names[1].conflict); /* a group is never lost */
  assert_int_equal(ns.names[1].w.state, MSL_NS_WINS_REFUSED);
  assert_int_equal(ns.c.wins_refusals, 2);
  assert_int_equal(ns.c.conflicts, 1);
  status_has(&ns, 2000, "wins_name MSLTEST<00> refused 198.18.2.2 rcode 5\n");
  status_has(&ns, 2000, "ns_name MSLTEST<00> registered\n");
  assert_int_equal(msl_ns_tick(&ns, 9000), UINT64_MAX); /* nothing to do */
  /* SRV_ERR: that server cannot; the next one is asked at once. */
  setup_wins(&ns, 2);
  assert_int_equal(wins_reply(&ns, 0, 5, MSL_NBNS_RC_SRV, 0, WINS1, 2000), 1);
  msl_nbns r;
  decode_out(2, &r);
  assert_int_equal(g_out[2].dst, WINS2);
  assert_int_equal(r.flags, 0x2900);
  assert_false(ns.names[0].conflict);
  assert_int_equal(ns.c.wins_failovers, 1);
  /* A refused refresh: registered again, same server. */
  setup_wins(&ns, 1);
  wins_reply(&ns, 0, 5, 0, 600, WINS1, 2000);
  g_n = 0;
  msl_ns_tick(&ns, 302000);
  assert_int_equal(wins_reply(&ns, 0, 5, MSL_NBNS_RC_RFS, 0, WINS1, 302001), 1);
  decode_out(1, &r);
  assert_int_equal(r.flags, 0x2900);
  assert_int_equal(g_out[1].dst, WINS1);
  assert_false(ns.names[0].conflict);
  assert_int_equal(ns.c.wins_refresh_refused, 1);
}

/* A silent primary: 3 tries 1.5 s apart, then the secondary (a new
 * TRN_ID; the primary's late answer is not taken); every server silent:
 * a broadcast name, the primary asked again 5 minutes later; a silent
 * refresh fails over as a registration. */
static void test_wins_failover(void **st) {
  msl_ns ns;
  msl_nbns r, m;
  (void)st;
  setup_wins(&ns, 2);
  assert_int_equal(msl_ns_tick(&ns, 3250), MSL_NS_WINS_RETRY_MS);
  assert_int_equal(msl_ns_tick(&ns, 4750), MSL_NS_WINS_RETRY_MS);
  assert_int_equal(g_n, 6);
  for (size_t i = 2; i < 6; i++) {
    decode_out(i, &r);
    assert_int_equal(g_out[i].dst, WINS1);
    assert_int_equal(r.trn_id, 0x4002 + i % 2); /* retries keep it */
  }
  status_has(&ns, 4750, "wins_name H1<00> registering 198.18.2.2 try 3\n");
  msl_ns_tick(&ns, 6250);
  assert_int_equal(g_n, 8);
  decode_out(6, &r);
  assert_int_equal(g_out[6].dst, WINS2);
  assert_int_equal(g_out[6].src, OUR_IP);
  assert_int_equal(r.flags, 0x2900);
  assert_int_equal(r.trn_id, 0x4004);
  assert_int_equal(ns.c.wins_failovers, 2);
  status_has(&ns, 6250, "wins_name H1<00> registering 198.18.0.2 try 1\n");
  /* The primary's answer to the earlier TRN_ID: too late, not taken. */
  assert_int_equal(wins_reply(&ns, 0, 5, MSL_NBNS_RC_ACT, 0, WINS1, 6300), 0);
  assert_false(ns.names[0].conflict);
  assert_int_equal(ns.c.unsolicited_responses, 1);
  assert_int_equal(wins_reply(&ns, 6, 5, 0, 3000, WINS2, 6300), 0);
  status_has(&ns, 6300,
             "wins_name H1<00> registered 198.18.0.2 ttl 3000 "
             "refresh_in 1500\n");
  /* The workgroup: the secondary silent too. */
  msl_ns_tick(&ns, 7750);
  msl_ns_tick(&ns, 9250);
  g_nlog = 0;
  msl_ns_tick(&ns, 10750);
  assert_int_equal(ns.names[1].w.state, MSL_NS_WINS_SILENT);
  assert_int_equal(ns.c.wins_silent, 1);
  assert_true(logged(1, "no WINS server registered MSLTEST<00>"));
  status_has(&ns, 10750, "wins_name MSLTEST<00> silent - retry_in 300\n");
  /* Still a broadcast name: answered on the LAN. */
  msl_nbns_build_query(&m, 0x1111, &our_wg, 1);
  assert_int_equal(feed_at(&ns, &m, PEER, 50000, 10751), 1);
  /* 300 s later: the primary first again. */
  g_n = 0;
  msl_ns_tick(&ns, 310750);
  assert_true(g_n >= 1);
  decode_out(g_n - 1, &r);
  assert_true(msl_nbname_equal(&r.qd[0].name.nb, &our_wg));
  assert_int_equal(g_out[g_n - 1].dst, WINS1);
  assert_int_equal(r.flags, 0x2900);
  /* H1's refresh to the primary is silent: a registration with the
   * secondary. */
  setup_wins(&ns, 2);
  wins_reply(&ns, 0, 5, 0, 600, WINS1, 2000);
  g_n = 0;
  msl_ns_tick(&ns, 302000);
  msl_ns_tick(&ns, 303500);
  msl_ns_tick(&ns, 305000);
  assert_int_equal(g_n, 3 + 3); /* 3 refreshes, MSLTEST's 3 requests */
  g_n = 0;
  msl_ns_tick(&ns, 306500);
  size_t found = 0;
  for (size_t i = 0; i < g_n; i++) {
    decode_out(i, &r);
    if (!msl_nbname_equal(&r.qd[0].name.nb, &our_h1))
      continue;
    assert_int_equal(r.flags, 0x2900);
    assert_int_equal(g_out[i].dst, WINS2);
    found++;
  }
  assert_int_equal(found, 1);
  assert_int_equal(ns.names[0].w.refresh, 0);
}

/* Only the answer of the server asked, with the request's TRN_ID and
 * name, counts; everything else is dropped and counted, and a forged
 * refusal from a LAN host puts nothing in conflict. */
static void test_wins_matching(void **st) {
  msl_ns ns;
  msl_nbns q, m;
  msl_nbname other;
  (void)st;
  setup_wins(&ns, 1);
  decode_out(0, &q);
  /* Wrong TRN_ID. */
  msl_nbns_build_registration_response(&m, (uint16_t)(q.trn_id + 7),
                                       &q.qd[0].name.nb, MSL_NBNS_RC_ACT, 0,
                                       OUR_IP, 0);
  feed_at(&ns, &m, WINS1, PORT, 2000);
  /* Right TRN_ID, from a LAN host (spoofing needs the source too). */
  m.trn_id = q.trn_id;
  feed_at(&ns, &m, PEER, PORT, 2000);
  /* Right TRN_ID and server, another name's (the workgroup's). */
  msl_nbns_build_registration_response(&m, q.trn_id, &ns.names[1].nb,
                                       MSL_NBNS_RC_RFS, 0, OUR_IP, 0);
  feed_at(&ns, &m, WINS1, PORT, 2000);
  /* A name that is not ours at all. */
  msl_nbname_make(&other, "OTHER", 0, NULL);
  msl_nbns_build_registration_response(&m, q.trn_id, &other, 0, 0, OUR_IP, 600);
  feed_at(&ns, &m, WINS1, PORT, 2000);
  /* A release answer to a registration. */
  assert_int_equal(wins_reply(&ns, 0, 6, 0, 0, WINS1, 2000), 0);
  assert_int_equal(ns.c.unsolicited_responses, 5);
  assert_false(ns.names[0].conflict);
  assert_false(ns.names[1].conflict);
  assert_int_equal(ns.names[0].w.state, MSL_NS_WINS_REGISTERING);
  assert_int_equal(ns.names[1].w.state, MSL_NS_WINS_REGISTERING);
  /* The right one; the same again once answered is not taken. */
  assert_int_equal(wins_reply(&ns, 0, 5, 0, 600, WINS1, 2000), 0);
  assert_int_equal(ns.names[0].w.state, MSL_NS_WINS_REGISTERED);
  wins_reply(&ns, 0, 5, MSL_NBNS_RC_ACT, 0, WINS1, 2001);
  assert_false(ns.names[0].conflict);
  assert_int_equal(ns.c.unsolicited_responses, 6);
  assert_int_equal(ns.c.wins_registered, 1);
}

/* The server's challenge: a unicast query with RD clear (nmbd's
 * query_name_from_wins_server) for one of our names is answered as the
 * owner (ONT=H), to the asker's port; group names too. */
static void test_wins_challenge(void **st) {
  msl_ns ns;
  msl_nbns m, r;
  (void)st;
  setup_wins(&ns, 1);
  for (size_t i = 0; i < 2; i++) {
    msl_nbns_build_query(&m, (uint16_t)(0x5150 + i), &ns.names[i].nb, 0);
    m.flags = 0x0000; /* no RD, no B */
    g_n = 0;
    assert_int_equal(feed_at(&ns, &m, WINS1, 137, 2500), 1);
    decode_out(0, &r);
    assert_int_equal(r.flags, 0x8500);
    assert_int_equal(r.trn_id, 0x5150 + i);
    assert_int_equal(g_out[0].dst, WINS1);
    assert_int_equal(g_out[0].port, 137);
    assert_int_equal(r.an[0].nb_first.addr, OUR_IP);
    assert_int_equal(r.an[0].nb_first.flags,
                     i ? MSL_NBNS_NB_G | MSL_NBNS_ONT_H : MSL_NBNS_ONT_H);
  }
}

/* At the stop each name registered gets a unicast release (0x3000) to its
 * server besides the broadcast ones, repeated once while unanswered;
 * msl_ns_wins_busy says when to go. A name never answered gets one. */
static void test_wins_release(void **st) {
  msl_ns ns;
  msl_nbns r;
  (void)st;
  setup_wins(&ns, 1);
  wins_reply(&ns, 0, 5, 0, 600, WINS1, 2000);
  g_n = 0;
  msl_ns_release(&ns, 5000);
  assert_int_equal(ns.state, MSL_NS_RELEASED);
  size_t uni = 0;
  for (size_t i = 0; i < g_n; i++) {
    decode_out(i, &r);
    if (g_out[i].dst == WINS1) {
      uni++;
      assert_int_equal(r.flags, 0x3000);
      assert_int_equal(r.ar[0].nb_first.addr, OUR_IP);
      assert_int_equal(r.ar[0].nb_first.flags & MSL_NBNS_NB_ONT,
                       MSL_NBNS_ONT_H);
      assert_int_equal(g_out[i].port, 137);
    } else {
      assert_int_equal(r.flags, 0x3010);
    }
  }
  assert_int_equal(uni, 2); /* H1 (granted), MSLTEST (never answered) */
  assert_int_equal(g_n, 4);
  assert_true(msl_ns_wins_busy(&ns));
  status_has(&ns, 5000, "wins_name H1<00> releasing 198.18.2.2 try 1\n");
  status_has(&ns, 5000, "wins_name MSLTEST<00> released 198.18.2.2\n");
  /* Unanswered: once more, then done. */
  g_n = 0;
  assert_int_equal(msl_ns_tick(&ns, 6500), MSL_NS_WINS_RETRY_MS);
  assert_int_equal(g_n, 1);
  assert_int_equal(g_out[0].dst, WINS1);
  assert_int_equal(msl_ns_tick(&ns, 8000), UINT64_MAX);
  assert_false(msl_ns_wins_busy(&ns));
  assert_int_equal(ns.c.wins_releases_sent, 3);
  /* Answered (NAM_ERR too: it is not ours there any more): done at once. */
  setup_wins(&ns, 1);
  wins_reply(&ns, 0, 5, 0, 600, WINS1, 2000);
  wins_reply(&ns, 1, 5, 0, 600, WINS1, 2000);
  g_n = 0;
  msl_ns_release(&ns, 5000);
  assert_int_equal(g_n, 4);
  assert_true(msl_ns_wins_busy(&ns));
  for (size_t i = 0; i < g_n; i++)
    if (g_out[i].dst == WINS1)
      wins_reply(&ns, i, 6, i ? MSL_NBNS_RC_NAM : 0, 0, WINS1, 5100);
  assert_false(msl_ns_wins_busy(&ns));
  assert_int_equal(ns.c.wins_released, 2);
  status_has(&ns, 5100, "wins_name H1<00> released 198.18.2.2\n");
  /* Silent names get no more rounds after the stop. */
  setup_wins(&ns, 1);
  for (uint64_t t = 3250; t <= 6250; t += 1500)
    msl_ns_tick(&ns, t);
  assert_int_equal(ns.names[0].w.state, MSL_NS_WINS_SILENT);
  msl_ns_release(&ns, 7000);
  assert_false(msl_ns_wins_busy(&ns));
  assert_int_equal(msl_ns_tick(&ns, 400000), UINT64_MAX);
}

/* The registered address goes away: registered again with the new one;
 * a name lost on a new interface's LAN is given back to its server. */
static void test_wins_ifaces(void **st) {
  msl_ns ns;
  msl_nbns r, m;
  (void)st;
  setup_wins(&ns, 1);
  wins_reply(&ns, 0, 5, 0, 600, WINS1, 2000);
  wins_reply(&ns, 1, 5, 0, 600, WINS1, 2000);
  g_n = 0;
  assert_int_equal(msl_ns_set_ifaces(&ns, two_ifaces + 1, 1, 3000), 1);
  size_t k = 0;
  for (size_t i = 0; i < g_n; i++)
    if (g_out[i].dst == WINS1) {
      decode_out(i, &r);
      assert_int_equal(r.flags, 0x2900);
      assert_int_equal(r.ar[0].nb_first.addr, IP2);
      assert_int_equal(g_out[i].src, IP2);
      k++;
    }
  assert_int_equal(k, 2);
  /* Both interfaces; H1 defended on the new one (its broadcast round). */
  setup_wins(&ns, 1);
  wins_reply(&ns, 0, 5, 0, 600, WINS1, 2000);
  g_n = 0;
  msl_ns_set_ifaces(&ns, two_ifaces, 2, 3000);
  decode_out(0, &r);
  msl_nbns_build_registration_response(&m, r.trn_id, &our_h1, MSL_NBNS_RC_ACT,
                                       0, PEER2, 0);
  g_n = 0;
  feed_at(&ns, &m, PEER2, PORT, 3100);
  assert_true(ns.names[0].conflict);
  assert_int_equal(g_n, 1);
  decode_out(0, &r);
  assert_int_equal(r.flags, 0x3000); /* given back to WINS */
  assert_int_equal(g_out[0].dst, WINS1);
  assert_true(msl_nbname_equal(&r.qd[0].name.nb, &our_h1));
}

/* The asynchronous query asks each WINS server in turn (primary first,
 * 2 x 1000 ms each) before broadcasting. */
static void test_async_query_two_wins(void **st) {
  msl_nbname nb;
  msl_ns_aq q;
  uint64_t t = 5000000, w = 0;
  (void)st;
  msl_ns_wins_servers wins = {{0x7f000002u, 0x7f000003u}, 2, 0};
  msl_ns_svc *s = open_lo_svc("AQ2", &wins, 7717);
  assert_int_equal(msl_ns_svc_make_name(s, "NOBODY", 0, NULL, &nb), 0);
  assert_int_equal(msl_ns_aq_start(s, &q, &nb, t), 0);
  assert_int_equal(q.stage, -2); /* the primary */
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 1000, &w), 0);
  assert_int_equal(q.stage, -2);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 2000, &w), 0);
  assert_int_equal(q.stage, -1); /* the secondary */
  assert_int_equal(q.tries, 1);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 3000, &w), 0);
  assert_int_equal(q.stage, -1);
  assert_int_equal(msl_ns_aq_step(s, &q, 0, t + 4000, &w), 0);
  assert_int_equal(q.stage, 0); /* then the broadcast */
  msl_ns_aq_cancel(&q);
  msl_ns_svc_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registration_sequence),
      cmocka_unit_test(test_messenger_server_names),
      cmocka_unit_test(test_conflict_one_name),
      cmocka_unit_test(test_conflict_demand_ignored),
      cmocka_unit_test(test_defend),
      cmocka_unit_test(test_query_answer),
      cmocka_unit_test(test_node_status),
      cmocka_unit_test(test_release),
      cmocka_unit_test(test_scope),
      cmocka_unit_test(test_own_and_malformed),
      cmocka_unit_test(test_cache),
      cmocka_unit_test(test_unsolicited_answers),
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
      cmocka_unit_test(test_ratelimit_bucket),
      cmocka_unit_test(test_ratelimit_table),
      cmocka_unit_test(test_status_rate_limited),
      cmocka_unit_test(test_query_rate_limited),
      cmocka_unit_test(test_registration_ids),
      cmocka_unit_test(test_async_query_matching),
      cmocka_unit_test(test_async_status_matching),
      cmocka_unit_test(test_blocking_clients_matching),
      cmocka_unit_test(test_public_nb_clients),
      cmocka_unit_test(test_wins_register_refresh),
      cmocka_unit_test(test_wins_wack),
      cmocka_unit_test(test_wins_refusals),
      cmocka_unit_test(test_wins_failover),
      cmocka_unit_test(test_wins_matching),
      cmocka_unit_test(test_wins_challenge),
      cmocka_unit_test(test_wins_release),
      cmocka_unit_test(test_wins_ifaces),
      cmocka_unit_test(test_async_query_two_wins),
  };
  return cmocka_run_group_tests(tests, make_our_names, NULL);
}
