/*
 * Tests for the relay's decisions (net/msl_relay_core.c): allow list,
 * duplicate window, NetBIOS proxy table, split horizon and hub rules, hop
 * count, backoff and the flood limit; and a small simulation of three
 * sites (full mesh, hub, both at once) in which every broadcast is
 * emitted exactly once per site.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msl_relay_core.h"

/* A mailslot datagram: type, source name, destination name, mailslot,
 * text; its SMB lives in smb[]. */
typedef struct dg {
  msl_nbdgm g;
  uint8_t smb[600];
  msl_nbname src, dst;
} dg;

static void make(dg *d, uint8_t type, const char *src, const char *dst,
                 uint8_t sfx, const char *slot, const char *text,
                 uint16_t id) {
  msl_smbtr t;
  assert_int_equal(msl_nbname_make(&d->src, src, 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&d->dst, dst, sfx, NULL), 0);
  assert_int_equal(msl_smbtr_init_write(&t, slot, (const uint8_t *)text,
                                        strlen(text), MSL_SMBTR_BROWSER),
                   0);
  int n = msl_smbtr_encode(&t, d->smb, sizeof(d->smb));
  assert_true(n > 0);
  assert_int_equal(msl_nbdgm_init(&d->g, type, MSL_NBDGM_SNT_B, id,
                                  0xc6120102, 138, &d->src, &d->dst, d->smb,
                                  (size_t)n),
                   0);
}

static void test_allow(void **state) {
  (void)state;
  msl_relay_allow a;
  memset(&a, 0, sizeof(a));
  const uint8_t *browse = (const uint8_t *)"\\MAILSLOT\\BROWSE";
  assert_true(msl_relay_allow_match(&a, browse, 16)); /* empty: all */
  assert_int_equal(msl_relay_allow_add(&a, "\\MAILSLOT\\browse"), 0);
  assert_int_equal(msl_relay_allow_add(&a, "net/netlogon"), 0);
  assert_int_equal(msl_relay_allow_add(&a, "APP\\*"), 0);
  assert_int_equal(msl_relay_allow_add(&a, ""), MSL_ERR_ARG);
  assert_int_equal(msl_relay_allow_add(&a, "\\MAILSLOT\\"), MSL_ERR_ARG);
  assert_int_equal(msl_relay_allow_add(&a, "bad\x01"), MSL_ERR_ARG);
  assert_string_equal(a.name[1], "NET\\NETLOGON");
  assert_true(msl_relay_allow_match(&a, browse, 16));
  assert_true(msl_relay_allow_match(
      &a, (const uint8_t *)"\\mailslot\\Net\\NetLogon", 22));
  assert_true(msl_relay_allow_match(
      &a, (const uint8_t *)"\\MAILSLOT\\app\\x", 15));
  assert_false(msl_relay_allow_match(
      &a, (const uint8_t *)"\\MAILSLOT\\APP", 13));
  assert_false(msl_relay_allow_match(
      &a, (const uint8_t *)"\\MAILSLOT\\BROWSER", 17));
  assert_false(msl_relay_allow_match(&a, (const uint8_t *)"BROWSE", 6));
  for (size_t i = a.n; i < MSL_RELAY_ALLOW_MAX; i++)
    assert_int_equal(msl_relay_allow_add(&a, "X"), 0);
  assert_int_equal(msl_relay_allow_add(&a, "Y"), MSL_ERR_TOO_MANY);
}

static void test_dedupe(void **state) {
  (void)state;
  static msl_relay_dedupe d;
  memset(&d, 0, sizeof(d));
  d.window_ms = 1000;
  msl_nbname n;
  assert_int_equal(msl_nbname_make(&n, "H", 0, NULL), 0);
  uint64_t k1 = msl_relay_key(0, "A", 7, &n, (const uint8_t *)"x", 1);
  uint64_t k2 = msl_relay_key(0, "A", 7, &n, (const uint8_t *)"y", 1);
  uint64_t k3 = msl_relay_key(0, "B", 7, &n, (const uint8_t *)"x", 1);
  assert_true(k1 != k2 && k1 != k3);
  assert_false(msl_relay_dedupe_seen(&d, k1, 100));
  assert_true(msl_relay_dedupe_seen(&d, k1, 500));
  assert_false(msl_relay_dedupe_seen(&d, k2, 500));
  assert_false(msl_relay_dedupe_seen(&d, k3, 500));
  assert_false(msl_relay_dedupe_seen(&d, k1, 1200)); /* window passed */
}

static void test_proxy(void **state) {
  (void)state;
  static msl_relay_proxy p;
  msl_nbname a, b, a_scoped;
  msl_relay_proxy_init(&p, 1000);
  assert_int_equal(msl_nbname_make(&a, "HOSTA", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&b, "HOSTB", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&a_scoped, "HOSTA", 0, "x.y"), 0);
  msl_relay_proxy_learn(&p, &a, "A", "A", 0xc6120102, 40000, 0);
  const msl_relay_proxy_ent *e = msl_relay_proxy_find(&p, &a, 10);
  assert_non_null(e);
  assert_string_equal(e->site, "A");
  assert_int_equal(e->port, 40000);
  assert_null(msl_relay_proxy_find(&p, &b, 10));
  assert_null(msl_relay_proxy_find(&p, &a_scoped, 10));
  msl_relay_proxy_learn(&p, &a, "C", "B", 1, 2, 500); /* refreshed */
  e = msl_relay_proxy_find(&p, &a, 1400);
  assert_non_null(e);
  assert_string_equal(e->via, "B");
  assert_null(msl_relay_proxy_find(&p, &a, 1500)); /* expired */
  assert_int_equal(p.n, 0);
  assert_int_equal(p.expired, 1);
  msl_relay_proxy_learn(&p, &b, "B", "B", 1, 2, 0);
  assert_int_equal(msl_relay_proxy_forget(&p, &b), 1);
  assert_int_equal(msl_relay_proxy_forget(&p, &b), 0);
  /* Full: the next name pushes out the one that expires first. */
  char nm[16];
  for (int i = 0; i < MSL_RELAY_PROXY_MAX; i++) {
    snprintf(nm, sizeof(nm), "N%d", i);
    assert_int_equal(msl_nbname_make(&a, nm, 0, NULL), 0);
    msl_relay_proxy_learn(&p, &a, "A", "A", 1, 2, (uint64_t)(i == 7 ? 0 : 5));
  }
  assert_int_equal(p.n, MSL_RELAY_PROXY_MAX);
  msl_relay_proxy_learn(&p, &b, "B", "B", 1, 2, 10);
  assert_int_equal(p.n, MSL_RELAY_PROXY_MAX);
  assert_int_equal(p.evicted, 1);
  assert_int_equal(msl_nbname_make(&a, "N7", 0, NULL), 0);
  assert_null(msl_relay_proxy_find(&p, &a, 10));
  assert_non_null(msl_relay_proxy_find(&p, &b, 10));
}

static void test_local(void **state) {
  (void)state;
  static msl_relay_core c;
  const msl_relay_proxy_ent *to;
  int why;
  dg d;
  assert_int_equal(msl_relay_core_init(&c, "A", 0, 0, 0), 0);
  make(&d, MSL_NBDGM_DIRECT_GROUP, "HOSTA", "WG", 0x1d, "\\MAILSLOT\\BROWSE",
       "hello", 1);
  assert_int_equal(msl_relay_core_local(&c, &d.g, 1, 0, &to, &why),
                   MSL_RELAY_A_TO_PEERS);
  /* The same datagram on a second interface: a copy. */
  assert_int_equal(msl_relay_core_local(&c, &d.g, 1, 5, &to, &why), 0);
  assert_int_equal(why, MSL_RELAY_D_DUPLICATE);
  /* Sent to our own address, not broadcast: not the relay's. */
  d.g.id = 2;
  assert_int_equal(msl_relay_core_local(&c, &d.g, 0, 5, &to, &why), 0);
  assert_int_equal(why, -1);
  /* A fragment. */
  d.g.flags |= MSL_NBDGM_FLAG_MORE;
  assert_int_equal(msl_relay_core_local(&c, &d.g, 1, 5, &to, &why), 0);
  assert_int_equal(why, MSL_RELAY_D_FRAGMENT);
  /* Not on the allow list. */
  assert_int_equal(msl_relay_allow_add(&c.allow, "NET\\NETLOGON"), 0);
  make(&d, MSL_NBDGM_BROADCAST, "HOSTA", "*", 0, "\\MAILSLOT\\BROWSE", "x",
       3);
  assert_int_equal(msl_relay_core_local(&c, &d.g, 1, 5, &to, &why), 0);
  assert_int_equal(why, MSL_RELAY_D_NOT_ALLOWED);
  assert_int_equal(c.drops[MSL_RELAY_D_NOT_ALLOWED], 1);
  /* Not a mailslot write. */
  d.g.data.len = 10;
  assert_int_equal(msl_relay_core_local(&c, &d.g, 1, 5, &to, &why), 0);
  assert_int_equal(why, MSL_RELAY_D_NOT_MAILSLOT);
  /* A unicast reply to a proxied name goes back to its site. */
  msl_nbname r;
  assert_int_equal(msl_nbname_make(&r, "HOSTB", 0, NULL), 0);
  msl_relay_proxy_learn(&c.proxy, &r, "B", "B", 0xc6120204, 41000, 0);
  make(&d, MSL_NBDGM_DIRECT_UNIQUE, "SAMBA", "HOSTB", 0,
       "\\MAILSLOT\\NET\\GETDC1", "reply", 9);
  assert_int_equal(msl_relay_core_local(&c, &d.g, 0, 5, &to, &why),
                   MSL_RELAY_A_TO_ORIGIN);
  assert_non_null(to);
  assert_int_equal(to->port, 41000);
  msl_relay_dgram f;
  msl_relay_core_frame(&c, &d.g, 0xc6120105, 138, to, &f);
  assert_int_equal(f.kind, MSL_RELAY_KIND_UNICAST);
  assert_string_equal(f.target, "B");
  assert_int_equal(f.target_ip, 0xc6120204);
  assert_int_equal(f.hops, MSL_RELAY_HOPS_DEFAULT);
  /* HOSTB heard on our own subnet: no longer proxied. */
  make(&d, MSL_NBDGM_DIRECT_GROUP, "HOSTB", "WG", 0, "\\MAILSLOT\\NET\\NETLOGON",
       "x", 10);
  assert_int_equal(msl_relay_core_local(&c, &d.g, 1, 6, &to, &why),
                   MSL_RELAY_A_TO_PEERS);
  assert_null(msl_relay_proxy_find(&c.proxy, &r, 7));
}

static msl_relay_dgram frame_of(const msl_relay_core *c, const dg *d) {
  msl_relay_dgram f;
  msl_relay_core_frame(c, &d->g, 0xc6120102, 138, NULL, &f);
  return f;
}

static void test_from_peer(void **state) {
  (void)state;
  static msl_relay_core a, b, hub;
  int why;
  dg d;
  assert_int_equal(msl_relay_core_init(&a, "A", 0, 2, 0), 0);
  assert_int_equal(msl_relay_core_init(&b, "B", 0, 0, 0), 0);
  assert_int_equal(msl_relay_core_init(&hub, "H", 1, 0, 0), 0);
  make(&d, MSL_NBDGM_BROADCAST, "HOSTA", "*", 0, "\\MAILSLOT\\X", "x", 1);
  msl_relay_dgram f = frame_of(&a, &d);
  assert_int_equal(f.hops, 2);
  assert_int_equal(msl_relay_core_from_peer(&a, &f, "B", 0, &why), 0);
  assert_int_equal(why, MSL_RELAY_D_LOOP);
  assert_int_equal(msl_relay_core_from_peer(&b, &f, "A", 0, &why),
                   MSL_RELAY_A_EMIT);
  assert_int_equal(msl_relay_core_from_peer(&b, &f, "H", 1, &why), 0);
  assert_int_equal(why, MSL_RELAY_D_DUPLICATE);
  assert_int_equal(msl_relay_core_from_peer(&hub, &f, "A", 0, &why),
                   MSL_RELAY_A_EMIT | MSL_RELAY_A_REFLECT);
  f.hops = 1;
  f.origin_id = 2;
  assert_int_equal(msl_relay_core_from_peer(&hub, &f, "A", 0, &why),
                   MSL_RELAY_A_EMIT);
  /* Unicast: for us, for another site (no hub: dropped; hub: forwarded
   * while a hop is left). */
  f.kind = MSL_RELAY_KIND_UNICAST;
  f.hops = 2;
  strcpy(f.target, "B");
  f.origin_id = 3;
  assert_int_equal(msl_relay_core_from_peer(&b, &f, "A", 0, &why),
                   MSL_RELAY_A_DELIVER);
  strcpy(f.target, "C");
  f.origin_id = 4;
  assert_int_equal(msl_relay_core_from_peer(&b, &f, "A", 0, &why), 0);
  assert_int_equal(why, MSL_RELAY_D_NOT_HERE);
  assert_int_equal(msl_relay_core_from_peer(&hub, &f, "A", 0, &why),
                   MSL_RELAY_A_FORWARD);
  f.hops = 1;
  f.origin_id = 5;
  assert_int_equal(msl_relay_core_from_peer(&hub, &f, "A", 0, &why), 0);
  assert_int_equal(why, MSL_RELAY_D_HOPS);
  /* Learning: the name, its site, its sender's address, the link. */
  msl_relay_core_learn(&b, &f, "H", 0);
  const msl_relay_proxy_ent *e = msl_relay_proxy_find(&b.proxy, &d.src, 1);
  assert_non_null(e);
  assert_string_equal(e->site, "A");
  assert_string_equal(e->via, "H");
  assert_int_equal(e->ip, 0xc6120102);
}

/* ---- three sites ---- */

#define SITES 3
typedef struct sim {
  msl_relay_core c[SITES];
  int link[SITES][SITES]; /* 1: a link between i and j */
  int emitted[SITES];     /* datagrams re-emitted on site i's subnets */
  int frames;             /* frames sent over links */
} sim;

/* Site `at` got frame f over the link from site `from`. */
static void sim_deliver(sim *s, int at, int from, msl_relay_dgram f) {
  int why;
  s->frames++;
  unsigned act = msl_relay_core_from_peer(&s->c[at], &f,
                                          s->c[from].site, 0, &why);
  if (act & MSL_RELAY_A_EMIT)
    s->emitted[at]++;
  if (!(act & MSL_RELAY_A_REFLECT))
    return;
  f.hops--;
  for (int k = 0; k < SITES; k++)
    if (s->link[at][k] && k != from && strcmp(s->c[k].site, f.origin))
      sim_deliver(s, k, at, f);
}

/* A broadcast heard at site `at`, sent to every linked site. */
static void sim_broadcast(sim *s, int at, uint16_t id) {
  dg d;
  int why;
  const msl_relay_proxy_ent *to;
  make(&d, MSL_NBDGM_DIRECT_GROUP, "HOST", "WG", 0x1d, "\\MAILSLOT\\BROWSE",
       "announce", id);
  assert_int_equal(msl_relay_core_local(&s->c[at], &d.g, 1, 0, &to, &why),
                   MSL_RELAY_A_TO_PEERS);
  msl_relay_dgram f = frame_of(&s->c[at], &d);
  for (int k = 0; k < SITES; k++)
    if (s->link[at][k])
      sim_deliver(s, k, at, f);
}

static void sim_init(sim *s, int hub_site, const int (*links)[2],
                     size_t n) {
  static const char *names[SITES] = {"A", "B", "C"};
  memset(s, 0, sizeof(*s));
  for (int i = 0; i < SITES; i++)
    assert_int_equal(
        msl_relay_core_init(&s->c[i], names[i], i == hub_site, 0, 0), 0);
  for (size_t i = 0; i < n; i++)
    s->link[links[i][0]][links[i][1]] = s->link[links[i][1]][links[i][0]] = 1;
}

static void test_three_sites(void **state) {
  (void)state;
  static sim s;
  const int mesh[][2] = {{0, 1}, {1, 2}, {0, 2}};
  const int star[][2] = {{0, 1}, {1, 2}};
  /* Full mesh: once in each other site, never back home. */
  sim_init(&s, -1, mesh, 3);
  for (int at = 0; at < SITES; at++)
    sim_broadcast(&s, at, (uint16_t)(100 + at));
  for (int i = 0; i < SITES; i++)
    assert_int_equal(s.emitted[i], 2);
  assert_int_equal(s.frames, 6);
  /* Hub B between spokes A and C. */
  sim_init(&s, 1, star, 2);
  for (int at = 0; at < SITES; at++)
    sim_broadcast(&s, at, (uint16_t)(200 + at));
  for (int i = 0; i < SITES; i++)
    assert_int_equal(s.emitted[i], 2);
  /* Hub B, and a direct A-C link too: the copies die as duplicates. */
  sim_init(&s, 1, mesh, 3);
  for (int at = 0; at < SITES; at++)
    sim_broadcast(&s, at, (uint16_t)(300 + at));
  for (int i = 0; i < SITES; i++)
    assert_int_equal(s.emitted[i], 2);
  assert_true(s.c[0].drops[MSL_RELAY_D_DUPLICATE] +
                  s.c[2].drops[MSL_RELAY_D_DUPLICATE] >= 1);
  /* Every site a hub, full mesh: still once each, the rest is dropped as
   * loop or duplicate and the hop count ends the rest. */
  sim_init(&s, -1, mesh, 3);
  for (int i = 0; i < SITES; i++)
    s.c[i].hub = 1;
  for (int at = 0; at < SITES; at++)
    sim_broadcast(&s, at, (uint16_t)(400 + at));
  for (int i = 0; i < SITES; i++)
    assert_int_equal(s.emitted[i], 2);
}

static void test_backoff(void **state) {
  (void)state;
  for (uint32_t r = 0; r < 2000; r += 97) {
    uint64_t d0 = msl_relay_backoff_ms(0, 1000, 60000, r);
    uint64_t d3 = msl_relay_backoff_ms(3, 1000, 60000, r);
    uint64_t d9 = msl_relay_backoff_ms(9, 1000, 60000, r);
    assert_true(d0 >= 500 && d0 <= 1000);
    assert_true(d3 >= 4000 && d3 <= 8000);
    assert_true(d9 >= 30000 && d9 <= 60000);
  }
  assert_int_equal(msl_relay_backoff_ms(100, 1000, 60000, 0), 30000);
  assert_true(msl_relay_backoff_ms(0, 1000, 60000, 1) !=
              msl_relay_backoff_ms(0, 1000, 60000, 2));
}

static void test_inflow(void **state) {
  (void)state;
  msl_rl_rate r = {100, 10}; /* 100 frames/s, burst 10 */
  msl_relay_inflow f;
  uint64_t resume = 0, t = 1000;
  msl_relay_inflow_init(&f, &r, t);
  for (int i = 0; i < 10; i++)
    assert_int_equal(msl_relay_inflow_take(&f, &r, t, &resume), 1);
  assert_int_equal(msl_relay_inflow_take(&f, &r, t, &resume), 0);
  assert_int_equal(resume, t + MSL_RELAY_THROTTLE_MS);
  /* At the rate: never paused again. */
  for (int i = 0; i < 200; i++) {
    t += 10;
    assert_int_equal(msl_relay_inflow_take(&f, &r, t, &resume), 1);
  }
  /* Far above it for long: a flood. */
  int verdict = 0;
  for (int i = 0; i < 1000 && verdict >= 0; i++) {
    t += MSL_RELAY_THROTTLE_MS;
    for (int k = 0; k < 20 && verdict >= 0; k++)
      verdict = msl_relay_inflow_take(&f, &r, t, &resume);
  }
  assert_int_equal(verdict, -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_allow),       cmocka_unit_test(test_dedupe),
      cmocka_unit_test(test_proxy),       cmocka_unit_test(test_local),
      cmocka_unit_test(test_from_peer),   cmocka_unit_test(test_three_sites),
      cmocka_unit_test(test_backoff),     cmocka_unit_test(test_inflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
