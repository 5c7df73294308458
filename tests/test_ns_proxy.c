/*
 * Tests for the name service's NetBIOS proxy hook (msl_ns_set_proxy, used
 * by the relay, docs/relay.md): a query for a name the proxy knows is
 * answered with our address and the proxy's TTL; other names, node status
 * and queries before registration are not; our own names are answered as
 * before; the answers share the per-source rate limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msl_name_service.h"

#define OUR_IP 0xC6120101u  /* 198.18.1.1 */
#define PEER 0xC6120102u    /* 198.18.1.2 */

static uint8_t g_pkt[1024];
static size_t g_len, g_sent;
static uint32_t g_dst;

static int fake_send(void *user, const uint8_t *p, size_t len, uint32_t dst,
                     uint16_t port, uint32_t src, unsigned ifindex) {
  (void)user, (void)port, (void)src, (void)ifindex;
  memcpy(g_pkt, p, len < sizeof(g_pkt) ? len : sizeof(g_pkt));
  g_len = len;
  g_dst = dst;
  g_sent++;
  return 0;
}

static msl_nbname g_remote; /* the name another site's host has */
static int g_asked;

static int proxy(void *user, const msl_nbname *name, uint64_t now,
                 uint32_t *ttl_s) {
  (void)user, (void)now;
  g_asked++;
  if (!msl_nbname_equal(name, &g_remote))
    return 0;
  *ttl_s = 77;
  return 1;
}

static void setup(msl_ns *ns, int registered) {
  msl_ns_iface f;
  msl_ns_config c;
  memset(&f, 0, sizeof(f));
  f.addr = OUR_IP;
  f.mask = 0xFFFFFF00u;
  f.bcast = 0xC61201FFu;
  f.ifindex = 2;
  memset(&c, 0, sizeof(c));
  c.name = "RELAYA";
  c.workgroup = "MSLTEST";
  c.ifs = &f;
  c.n_ifs = 1;
  c.send = fake_send;
  c.query_per_source = (msl_rl_rate){1, 3}; /* 3 at once, then 1/s */
  assert_int_equal(msl_ns_init(ns, &c, 0x100), 0);
  msl_ns_set_proxy(ns, proxy, NULL);
  assert_int_equal(msl_nbname_make(&g_remote, "HOSTB", 0, NULL), 0);
  if (registered) {
    msl_ns_start(ns, 0);
    for (uint64_t t = 0; t < 5000; t += 250)
      msl_ns_tick(ns, t);
    assert_int_equal(ns->state, MSL_NS_REGISTERED);
  }
  g_sent = 0;
  g_asked = 0;
}

/* Sends a query for name (suffix <00>) from PEER; 1 when answered. */
static int ask(msl_ns *ns, const char *name, uint16_t id, uint64_t now) {
  msl_nbname n;
  msl_nbns m;
  uint8_t buf[512];
  size_t before = g_sent;
  assert_int_equal(msl_nbname_make(&n, name, 0, NULL), 0);
  assert_int_equal(msl_nbns_build_query(&m, id, &n, 1), 0);
  int len = msl_nbns_encode(&m, buf, sizeof(buf));
  assert_true(len > 0);
  msl_ns_input(ns, buf, (size_t)len, PEER, 40000, now);
  return g_sent > before;
}

/* cmocka fixtures: the name service under test, its names registered or
 * not yet. */
static msl_ns g_ns;

static int registered_ns(void **state) {
  setup(&g_ns, 1);
  *state = &g_ns;
  return 0;
}

static int unregistered_ns(void **state) {
  setup(&g_ns, 0);
  *state = &g_ns;
  return 0;
}

static void test_answers_for_remote_name(void **state) {
  msl_ns *ns = *state;
  msl_nbns r;
  msl_nbns_nb e;
  assert_true(ask(ns, "HOSTB", 0x2222, 10000));
  assert_int_equal(g_dst, PEER);
  assert_int_equal(msl_nbns_decode(&r, g_pkt, g_len), 0);
  assert_int_equal(r.trn_id, 0x2222);
  assert_true(msl_nbns_is_response(&r));
  assert_int_equal(msl_nbns_rcode(&r), 0);
  assert_true(msl_nbname_equal(&r.an[0].name.nb, &g_remote));
  assert_int_equal(r.an[0].ttl, 77);
  assert_true(msl_nbns_rr_nb(&r.an[0], 0, &e));
  assert_int_equal(e.addr, OUR_IP);
  assert_int_equal(e.flags & MSL_NBNS_NB_G, 0); /* a unique name */
  /* Names the proxy does not know: no answer (B-nodes never say no). */
  assert_false(ask(ns, "NOBODY", 0x2223, 10000));
  /* Our own name: answered as ever, without asking the proxy. */
  g_asked = 0;
  assert_true(ask(ns, "RELAYA", 0x2224, 10000));
  assert_int_equal(g_asked, 0);
}

static void test_not_before_registered(void **state) {
  msl_ns *ns = *state;
  assert_false(ask(ns, "HOSTB", 0x3333, 0));
  assert_int_equal(g_asked, 0);
}

static void test_rate_limited(void **state) {
  msl_ns *ns = *state;
  int answered = 0;
  for (int i = 0; i < 10; i++)
    answered += ask(ns, "HOSTB", (uint16_t)(0x4000 + i), 10000);
  assert_int_equal(answered, 3);
  assert_true(ns->c.query_rate_limited >= 7);
}

static void test_no_proxy(void **state) {
  msl_ns *ns = *state;
  msl_ns_set_proxy(ns, NULL, NULL);
  assert_false(ask(ns, "HOSTB", 0x5555, 10000));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_answers_for_remote_name, registered_ns),
      cmocka_unit_test_setup(test_not_before_registered, unregistered_ns),
      cmocka_unit_test_setup(test_rate_limited, registered_ns),
      cmocka_unit_test_setup(test_no_proxy, registered_ns),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
