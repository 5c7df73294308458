/*
 * The datagram service's receive path (net/msl_dgram_service.c): payloads
 * go straight into msl_dgram_input and come out of real local mailslots in
 * a private run directory. No network traffic.
 *
 * Vectors: windows-xp-browse-eapon1.pcap frames 1 and 2 (Windows XP
 * Announcement Requests on \MAILSLOT\BROWSE to ARBEITSGRUPPE<00> and to
 * __MSBROWSE__<01>); the rest is built with the codec.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>

#include "msl_dgram_service.h"
#include "msl_sysres.h"
#include "test_util.h"

/* windows-xp-browse-eapon1.pcap frame 1: DIRECT_GROUP (0x11), flags 0x0e,
 * DGM_ID 0x891d, 192.168.1.249:138, DJP95S0J<00> -> ARBEITSGRUPPE<00>,
 * \MAILSLOT\BROWSE, Announcement Request (0x02 0x00 "DJP95S0J"). */
static const char xp_frame1[] =
    "110e891dc0a801f9008a00a50000204545454b4641444a444646444441454b434143"
    "4143414341434143414341414100204542464345434546454a464546444548464346"
    "4646414641454643414341414100ff534d4225000000000000000000000000000000"
    "0000000000000000000000001100000b000000000000000000e80300000000000000"
    "000b00560003000100010002001c005c4d41494c534c4f545c42524f575345000200"
    "444a50393553304a00";
/* frame 2: the same request to <01><02>__MSBROWSE__<02><01>. */
static const char xp_frame2[] =
    "110e891ec0a801f9008a00a50000204545454b4641444a444646444441454b434143"
    "4143414341434143414341414100204142414346504650454e464445434643455046"
    "4846444546465046504143414200ff534d4225000000000000000000000000000000"
    "0000000000000000000000001100000b000000000000000000e80300000000000000"
    "000b00560003000100010002001c005c4d41494c534c4f545c42524f575345000200"
    "444a50393553304a00";

static char rundir[64];

static int setup_all(void **state) {
  (void)state;
  snprintf(rundir, sizeof(rundir), "/tmp/msl-dgs-XXXXXX");
  if (!mkdtemp(rundir))
    return -1;
  setenv("MAILSLOT_RUNDIR", rundir, 1);
  return 0;
}

static int teardown_all(void **state) {
  (void)state;
  return rmdir(rundir) == 0 ? 0 : -1; /* every slot was closed */
}

static msl_dgram *new_service(const char *scope) {
  msl_dgram_config c;
  msl_dgram *d = NULL;
  memset(&c, 0, sizeof(c));
  c.name = "hosta"; /* upper-cased like Windows registers it */
  c.workgroup = "LABWG";
  c.scope = scope;
  assert_int_equal(msl_dgram_new(&d, &c), 0);
  return d;
}

/* Builds a datagram for mailslot `slot` (e.g. "\\MAILSLOT\\TEST") into out;
 * returns its length. */
static size_t build(uint8_t *out, size_t cap, uint8_t type, uint16_t id,
                    const char *dst, uint8_t sfx, const char *slot,
                    const void *data, size_t len) {
  static uint8_t smb[70000];
  msl_smbtr t;
  msl_nbdgm g;
  msl_nbname src, dn;
  assert_int_equal(msl_nbname_make(&src, "SENDER", 0, NULL), 0);
  assert_int_equal(msl_nbname_make(&dn, dst, sfx, NULL), 0);
  assert_int_equal(msl_smbtr_init_write(&t, slot, data, len,
                                        MSL_SMBTR_WINDOWS_CLIENT),
                   0);
  t.flags |= MSL_SMBTR_F_NOLIMIT;
  int n = msl_smbtr_encode(&t, smb, sizeof(smb));
  assert_true(n > 0);
  assert_int_equal(msl_nbdgm_init(&g, type, MSL_NBDGM_SNT_B, id, 0xc6120005,
                                  138, &src, &dn, smb, (size_t)n),
                   0);
  n = msl_nbdgm_encode(&g, out, cap);
  assert_true(n > 0);
  return (size_t)n;
}

static msl_handle *reader(const char *path, uint32_t max) {
  msl_handle *h = NULL;
  assert_int_equal(msl_create(path, max, 0, &h), 0);
  return h;
}

/* Reads one message (must be there) and returns its length. */
static int take(msl_handle *h, void *buf, size_t cap, msl_msg_info *info) {
  return msl_read_ex(h, buf, cap, info, 1000);
}

static void test_deliver_with_details(void **state) {
  (void)state;
  uint8_t pkt[1024], buf[600];
  msl_msg_info info;
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\test\\dgs", 0);
  size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE, 0x1234, "HOSTA",
                   0x00, "\\MAILSLOT\\TEST\\DGS", "hello", 5);
  assert_int_equal(msl_dgram_input(d, pkt, n, 0xc6120005, 138, 1000),
                   MSL_DGRAM_DELIVERED);
  memset(&info, 0xee, sizeof(info));
  assert_int_equal(take(r, buf, sizeof(buf), &info), 5);
  assert_memory_equal(buf, "hello", 5);
  assert_int_equal(info.origin, MSL_ORIGIN_NETWORK);
  assert_int_equal(info.dgram_type, 0x10);
  assert_int_equal(info.src_ip[0], 198);
  assert_int_equal(info.src_ip[1], 18);
  assert_int_equal(info.src_ip[2], 0);
  assert_int_equal(info.src_ip[3], 5);
  assert_int_equal(info.src_port, 138);
  assert_memory_equal(info.src_name, "SENDER         \0", 16);
  assert_memory_equal(info.dst_name, "HOSTA          \0", 16);
  const msl_dgram_counters *c = msl_dgram_counters_get(d);
  assert_int_equal(c->received, 1);
  assert_int_equal(c->delivered, 1);
  char txt[2048];
  assert_true(msl_dgram_format_counters(d, txt, sizeof(txt)) > 0);
  assert_non_null(strstr(txt, "delivered 1\n"));
  assert_non_null(strstr(txt, "received 1\n"));
  assert_int_equal(msl_dgram_format_counters(d, txt, 10), MSL_ERR_OVERFLOW);
  msl_close(r);
  msl_dgram_free(d);
}

/* Mailslot names compare case-insensitively [MS-MAIL §2.2.1]. */
static void test_case_insensitive(void **state) {
  (void)state;
  uint8_t pkt[1024], buf[64];
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\App\\Events", 0);
  size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE, 1, "HOSTA", 0,
                   "\\mailslot\\aPP\\eVENTS", "x", 1);
  assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 0), MSL_DGRAM_DELIVERED);
  assert_int_equal(take(r, buf, sizeof(buf), NULL), 1);
  msl_close(r);
  msl_dgram_free(d);
}

/* Every one of our names, DIRECT_UNIQUE and DIRECT_GROUP alike. */
static void test_our_names(void **state) {
  (void)state;
  uint8_t pkt[1024], buf[64];
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\BROWSE", 0);
  struct {
    const char *n;
    uint8_t sfx;
  } ours[] = {{"HOSTA", 0x00}, {"LABWG", 0x00}, {"LABWG", 0x1d},
              {"LABWG", 0x1e}, {"*", 0x00}};
  uint16_t id = 100;
  for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
    for (uint8_t t = MSL_NBDGM_DIRECT_UNIQUE; t <= MSL_NBDGM_BROADCAST; t++) {
      size_t n = build(pkt, sizeof(pkt), t, id++, ours[i].n, ours[i].sfx,
                       "\\MAILSLOT\\BROWSE", "b", 1);
      assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 0),
                       MSL_DGRAM_DELIVERED);
      assert_int_equal(take(r, buf, sizeof(buf), NULL), 1);
    }
  }
  /* Not ours: another host, a suffix we do not hold, HOSTA<20> unless
   * configured, a name in another scope. */
  struct {
    const char *n;
    uint8_t sfx;
  } others[] = {{"HOSTB", 0x00}, {"LABWG", 0x1c}, {"HOSTA", 0x20},
                {"HOSTA", 0x03}, {"OTHERWG", 0x00}};
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
    size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_GROUP, id++,
                     others[i].n, others[i].sfx, "\\MAILSLOT\\BROWSE", "b", 1);
    assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 0),
                     MSL_DGRAM_NOT_OURS);
  }
  assert_int_equal(msl_dgram_counters_get(d)->not_ours, 5);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0),
                   MSL_ERR_TIMEOUT);
  msl_close(r);
  msl_dgram_free(d);

  /* Opt-in names; and the scope must match. */
  msl_dgram_config c;
  memset(&c, 0, sizeof(c));
  c.name = "HOSTA";
  c.workgroup = "LABWG";
  c.names = MSL_DGRAM_N_MESSENGER | MSL_DGRAM_N_SERVER |
            MSL_DGRAM_N_NO_BROWSER;
  assert_int_equal(msl_dgram_new(&d, &c), 0);
  msl_nbname nm;
  assert_int_equal(msl_nbname_make(&nm, "HOSTA", 0x03, NULL), 0);
  assert_true(msl_dgram_is_ours(d, &nm));
  assert_int_equal(msl_nbname_make(&nm, "HOSTA", 0x20, NULL), 0);
  assert_true(msl_dgram_is_ours(d, &nm));
  assert_int_equal(msl_nbname_make(&nm, "LABWG", 0x1e, NULL), 0);
  assert_false(msl_dgram_is_ours(d, &nm));
  assert_int_equal(msl_nbname_make(&nm, "HOSTA", 0x00, "LAB.EXAMPLE"), 0);
  assert_false(msl_dgram_is_ours(d, &nm));
  msl_dgram_free(d);
  d = new_service("lab.example");
  assert_true(msl_dgram_is_ours(d, &nm));
  msl_dgram_free(d);
}

/* Real Windows XP datagrams: eapon1 frames 1 and 2. */
static void test_capture_vectors(void **state) {
  (void)state;
  uint8_t pkt[512], buf[64];
  msl_msg_info info;
  msl_dgram_config c;
  msl_dgram *d;
  memset(&c, 0, sizeof(c));
  c.name = "OTHERPC";
  c.workgroup = "ARBEITSGRUPPE";
  assert_int_equal(msl_dgram_new(&d, &c), 0);
  msl_handle *r = reader("\\\\.\\mailslot\\browse", 0);
  size_t n = unhex(xp_frame1, pkt, sizeof(pkt));
  assert_int_equal(n, 179);
  assert_int_equal(msl_dgram_input(d, pkt, n, 0xc0a801f9, 138, 0),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(take(r, buf, sizeof(buf), &info), 11);
  assert_memory_equal(buf, "\x02\x00" "DJP95S0J", 11);
  assert_int_equal(info.dgram_type, 0x11);
  assert_int_equal(info.src_ip[3], 249);
  assert_memory_equal(info.src_name, "DJP95S0J       \0", 16);
  assert_memory_equal(info.dst_name, "ARBEITSGRUPPE  \0", 16);
  n = unhex(xp_frame2, pkt, sizeof(pkt));
  assert_int_equal(msl_dgram_input(d, pkt, n, 0xc0a801f9, 138, 0),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(take(r, buf, sizeof(buf), &info), 11);
  assert_memory_equal(info.dst_name, "\x01\x02__MSBROWSE__\x02\x01", 16);
  msl_close(r);
  msl_dgram_free(d);
}

static void test_no_mailslot(void **state) {
  (void)state;
  uint8_t pkt[1024];
  msl_dgram *d = new_service(NULL);
  size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE, 7, "HOSTA", 0,
                   "\\MAILSLOT\\NOBODY", "x", 1);
  assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 0),
                   MSL_DGRAM_NO_MAILSLOT);
  /* A name that cannot be a local mailslot name. */
  n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE, 8, "HOSTA", 0,
            "\\MAILSLOT\\a*b", "x", 1);
  assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 0), MSL_DGRAM_MALFORMED);
  const msl_dgram_counters *c = msl_dgram_counters_get(d);
  assert_int_equal(c->no_mailslot, 1);
  assert_int_equal(c->bad_slot_name, 1);
  assert_int_equal(c->delivered, 0);
  msl_dgram_free(d);
}

static void test_duplicates(void **state) {
  (void)state;
  uint8_t pkt[1024], buf[64];
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\dup", 0);
  size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_GROUP, 9, "LABWG", 0,
                   "\\MAILSLOT\\DUP", "x", 1);
  assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 5000),
                   MSL_DGRAM_DELIVERED);
  /* The copy a second interface brings, a moment later. */
  assert_int_equal(msl_dgram_input(d, pkt, n, 2, 138, 5003),
                   MSL_DGRAM_DUPLICATE);
  /* Same bytes after the window: a new message. */
  assert_int_equal(
      msl_dgram_input(d, pkt, n, 1, 138, 5000 + MSL_DGRAM_DEDUPE_WINDOW_MS),
      MSL_DGRAM_DELIVERED);
  /* Another DGM_ID, same content: a new message. */
  n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_GROUP, 10, "LABWG", 0,
            "\\MAILSLOT\\DUP", "x", 1);
  assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 6001),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(msl_dgram_counters_get(d)->duplicates, 1);
  for (int i = 0; i < 3; i++)
    assert_int_equal(take(r, buf, sizeof(buf), NULL), 1);
  msl_close(r);
  msl_dgram_free(d);
}

/* RFC 1002 §5.3 fragments, out of order, reassembled and delivered once. */
static void test_fragments(void **state) {
  (void)state;
  static uint8_t whole[70000], msg[60000], buf[65536];
  uint8_t frag[16][600];
  int flen[16];
  msl_nbdgm g;
  msl_nbdgm_frag it;
  msl_msg_info info;
  for (size_t i = 0; i < sizeof(msg); i++)
    msg[i] = (uint8_t)(i * 7);
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\big", 0);
  size_t n = build(whole, sizeof(whole), MSL_NBDGM_DIRECT_UNIQUE, 77, "HOSTA",
                   0, "\\MAILSLOT\\BIG", msg, 5000);
  assert_int_equal(msl_nbdgm_decode(&g, whole, n), 0);
  assert_int_equal(msl_nbdgm_fragment_init(&it, &g, g.data.ptr, g.data.len,
                                           MSL_NBDGM_RFC_MAX_PAYLOAD),
                   0);
  size_t k = msl_nbdgm_fragment_count(&it);
  assert_true(k > 2 && k <= 16);
  for (size_t i = 0; i < k; i++) {
    flen[i] = msl_nbdgm_fragment(&it, frag[i], sizeof(frag[i]));
    assert_true(flen[i] > 0);
  }
  /* Last first, then the rest backwards: only the final one completes. */
  for (size_t j = k; j-- > 0;) {
    int v = msl_dgram_input(d, frag[j], (size_t)flen[j], 5, 138, 100);
    assert_int_equal(v, j == 0 ? MSL_DGRAM_DELIVERED : MSL_DGRAM_PENDING);
  }
  assert_int_equal(take(r, buf, sizeof(buf), &info), 5000);
  assert_memory_equal(buf, msg, 5000);
  const msl_dgram_counters *c = msl_dgram_counters_get(d);
  assert_int_equal(c->fragments, k);
  assert_int_equal(c->reassembled, 1);
  /* A lone middle fragment expires after FRAGMENT_TO: counted, nothing
   * delivered, nothing kept. */
  assert_int_equal(msl_dgram_input(d, frag[1], (size_t)flen[1], 5, 138, 10000),
                   MSL_DGRAM_PENDING);
  assert_int_equal(msl_dgram_reasm(d)->pending, 1);
  assert_true(msl_dgram_tick(d, 10000) <= MSL_REASM_DEFAULT_TIMEOUT_MS);
  assert_int_equal(msl_dgram_tick(d, 10000 + MSL_REASM_DEFAULT_TIMEOUT_MS),
                   UINT64_MAX);
  assert_int_equal(msl_dgram_reasm(d)->expired, 1);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), MSL_ERR_TIMEOUT);
  msl_close(r);
  msl_dgram_free(d);
}

static void test_malformed(void **state) {
  (void)state;
  uint8_t pkt[1024], cut[1024];
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\mal", 0);
  size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE, 3, "HOSTA", 0,
                   "\\MAILSLOT\\MAL", "payload", 7);
  /* Every prefix (copied to an exact-size buffer): never delivered. */
  for (size_t i = 0; i < n; i++) {
    uint8_t *p = malloc(i ? i : 1);
    memcpy(p, pkt, i);
    int v = msl_dgram_input(d, p, i, 1, 138, (uint64_t)i * 10000);
    assert_true(v == MSL_DGRAM_MALFORMED);
    free(p);
  }
  const msl_dgram_counters *c = msl_dgram_counters_get(d);
  assert_int_equal(c->delivered, 0);
  assert_int_equal(c->bad_udp + c->bad_nbdgm + c->bad_smb + c->not_mailslot,
                   n);
  assert_int_equal(c->bad_udp, 1); /* the empty one */
  /* Not an SMB; an SMB that is not a mailslot write (command 0x24). */
  memcpy(cut, pkt, n);
  cut[82] = 0x00;
  assert_int_equal(msl_dgram_input(d, cut, n, 1, 138, 1), MSL_DGRAM_MALFORMED);
  memcpy(cut, pkt, n);
  cut[82 + 4] = 0x24;
  assert_int_equal(msl_dgram_input(d, cut, n, 1, 138, 2), MSL_DGRAM_MALFORMED);
  assert_int_equal(c->not_mailslot, 1);
  /* DATAGRAM ERROR (0x13, 11 bytes) and an unknown type. */
  static const uint8_t err[11] = {0x13, 0x02, 0, 1, 127, 0, 0, 1, 0, 138, 0x82};
  assert_int_equal(msl_dgram_input(d, err, sizeof(err), 1, 138, 3),
                   MSL_DGRAM_IGNORED);
  memcpy(cut, pkt, n);
  cut[0] = 0x42;
  assert_int_equal(msl_dgram_input(d, cut, n, 1, 138, 4), MSL_DGRAM_MALFORMED);
  /* A lying DGM_LENGTH (longer than the packet). */
  memcpy(cut, pkt, n);
  cut[10] = 0x7f;
  assert_int_equal(msl_dgram_input(d, cut, n, 1, 138, 5), MSL_DGRAM_MALFORMED);
  assert_int_equal(c->other_type, 1);
  assert_int_equal(c->delivered, 0);
  assert_int_equal(msl_dgram_input(d, NULL, 0, 1, 138, 6), MSL_DGRAM_MALFORMED);
  msl_close(r);
  msl_dgram_free(d);
}

/* Random bytes: never a crash, always counted. */
static void test_random(void **state) {
  (void)state;
  uint8_t pkt[700];
  msl_dgram *d = new_service(NULL);
  srand(12345);
  for (int i = 0; i < 20000; i++) {
    size_t n = (size_t)(rand() % (int)sizeof(pkt));
    for (size_t j = 0; j < n; j++)
      pkt[j] = (uint8_t)rand();
    if (n > 1 && (i & 1))
      pkt[0] = (uint8_t)(0x10 + (i % 3)); /* reach past the type check */
    msl_dgram_input(d, pkt, n, 1, 138, (uint64_t)i);
  }
  assert_int_equal(msl_dgram_counters_get(d)->received, 20000);
  assert_int_equal(msl_dgram_counters_get(d)->delivered, 0);
  msl_dgram_free(d);
}

/* A message over the slot's maximum is a counted drop; a full slot holds
 * messages (never a wait); a reader that closed and came back is found
 * again. */
static void test_local_limits(void **state) {
  (void)state;
  uint8_t pkt[1024], buf[64];
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\small", 4);
  size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE, 1, "HOSTA", 0,
                   "\\MAILSLOT\\SMALL", "too long", 8);
  assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 0), MSL_DGRAM_DROPPED);
  assert_int_equal(msl_dgram_counters_get(d)->too_big, 1);
  const int total = 3000;
  int delivered = 0, held = 0;
  for (int i = 0; i < total; i++) {
    n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE, (uint16_t)(i + 2),
              "HOSTA", 0, "\\MAILSLOT\\SMALL", "ok", 2);
    int v = msl_dgram_input(d, pkt, n, 1, 138, 0);
    assert_true(v == MSL_DGRAM_DELIVERED || v == MSL_DGRAM_HELD);
    delivered += v == MSL_DGRAM_DELIVERED;
    held += v == MSL_DGRAM_HELD;
  }
  assert_true(held > 0); /* the kernel queue holds far fewer than 3000 */
  /* Once one is held, every later one queues behind it (order). */
  assert_int_equal(delivered + held, total);
  assert_int_equal(msl_dgram_counters_get(d)->queue_full, 0);
  assert_int_equal(msl_dgram_counters_get(d)->deferred, (uint64_t)held);
  assert_int_equal(msl_dgram_counters_get(d)->delivered, (uint64_t)delivered);
  assert_int_equal(msl_dgram_pending(d, NULL), (size_t)held);
  msl_close(r);
  /* The cached writer now points at a dead reader: reopened; what it held
   * for the old reader is dropped and counted. */
  r = reader("\\\\.\\mailslot\\small", 0);
  n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE, 9999, "HOSTA", 0,
            "\\MAILSLOT\\SMALL", "again", 5);
  assert_int_equal(msl_dgram_input(d, pkt, n, 1, 138, 0), MSL_DGRAM_DELIVERED);
  assert_int_equal(take(r, buf, sizeof(buf), NULL), 5);
  assert_int_equal(msl_dgram_counters_get(d)->reader_gone, (uint64_t)held);
  assert_int_equal(msl_dgram_pending(d, NULL), 0);
  msl_close(r);
  msl_dgram_free(d);
}

static msl_dgram *new_limited(size_t max, size_t bytes, uint32_t stall) {
  msl_dgram_config c;
  msl_dgram *d = NULL;
  memset(&c, 0, sizeof(c));
  c.name = "HOSTA";
  c.workgroup = "LABWG";
  c.pending_max = max;
  c.pending_bytes = bytes;
  c.stall_ms = stall;
  assert_int_equal(msl_dgram_new(&d, &c), 0);
  return d;
}

/* Feeds message number seq ("MSLSEQ" + seq) for slot into d. */
static int feed(msl_dgram *d, const char *slot, uint32_t seq, size_t len,
                uint64_t now) {
  uint8_t pkt[4096], msg[2048];
  assert_true(len >= 10 && len <= sizeof(msg));
  memset(msg, 'x', len);
  memcpy(msg, "MSLSEQ", 6);
  memcpy(msg + 6, &seq, 4);
  size_t n = build(pkt, sizeof(pkt), MSL_NBDGM_DIRECT_UNIQUE,
                   (uint16_t)(seq * 7 + 1), "HOSTA", 0, slot, msg, len);
  return msl_dgram_input(d, pkt, n, 0xc6120005, 138, now);
}

/* Reads what r has without waiting; checks the sequence continues from
 * *next. Returns the number read. */
static int drain_seq(msl_handle *r, uint32_t *next) {
  uint8_t buf[4096];
  int got = 0;
  for (;;) {
    int n = msl_read_ex(r, buf, sizeof(buf), NULL, 0);
    if (n == MSL_ERR_TIMEOUT)
      return got;
    assert_true(n >= 10);
    uint32_t seq;
    memcpy(&seq, buf + 6, 4);
    assert_int_equal(seq, *next);
    (*next)++;
    got++;
  }
}

/* A reader that does not read: its messages are held, the slot is polled
 * for POLLOUT, and once it reads they arrive, all and in order. */
static void test_held_in_order(void **state) {
  (void)state;
  const uint32_t total = 2000;
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\slow", 0);
  uint32_t held = 0;
  for (uint32_t i = 0; i < total; i++) {
    int v = feed(d, "\\MAILSLOT\\SLOW", i, 100, 1000);
    assert_true(v == MSL_DGRAM_DELIVERED || v == MSL_DGRAM_HELD);
    held += v == MSL_DGRAM_HELD;
  }
  assert_true(held > 0);
  size_t bytes;
  assert_int_equal(msl_dgram_pending(d, &bytes), held);
  assert_true(bytes >= (size_t)held * 100);
  struct pollfd pf[MSL_DGRAM_WRITERS];
  assert_int_equal(msl_dgram_pollfds(d, pf, MSL_DGRAM_WRITERS), 1);
  assert_int_equal(pf[0].events, POLLOUT);
  assert_int_equal(poll(pf, 1, 0), 0); /* full: not writable */
  assert_false(msl_dgram_backlogged(d, 1));
  /* Nothing moves without a flush, and a tick before the stall bound
   * drops nothing. */
  assert_true(msl_dgram_tick(d, 2000) <= MSL_DGRAM_STALL_MS);
  assert_int_equal(msl_dgram_pending(d, NULL), held);
  uint32_t next = 0;
  int rounds = 0;
  while (next < total) {
    assert_true(drain_seq(r, &next) > 0);
    if (msl_dgram_pending(d, NULL)) {
      assert_int_equal(msl_dgram_pollfds(d, pf, MSL_DGRAM_WRITERS), 1);
      assert_int_equal(poll(pf, 1, 1000), 1); /* writable after reading */
      assert_true(pf[0].revents & POLLOUT);
      msl_dgram_flush(d, 3000);
    }
    assert_true(++rounds < 100000);
  }
  assert_int_equal(drain_seq(r, &next), 0);
  assert_int_equal(msl_dgram_pending(d, &bytes), 0);
  assert_int_equal(bytes, 0);
  assert_int_equal(msl_dgram_pollfds(d, pf, MSL_DGRAM_WRITERS), 0);
  const msl_dgram_counters *c = msl_dgram_counters_get(d);
  assert_int_equal(c->delivered, total);
  assert_int_equal(c->deferred, held);
  assert_int_equal(c->queue_full, 0);
  char txt[4096];
  assert_true(msl_dgram_format_counters(d, txt, sizeof(txt)) > 0);
  assert_non_null(strstr(txt, "\ndeferred "));
  assert_non_null(strstr(txt, "\npending_messages 0\n"));
  msl_close(r);
  msl_dgram_free(d);
}

/* Another slot is not held behind a backlogged one. */
static void test_held_other_slot(void **state) {
  (void)state;
  msl_dgram *d = new_service(NULL);
  msl_handle *slow = reader("\\\\.\\mailslot\\slow", 0);
  msl_handle *fast = reader("\\\\.\\mailslot\\fast", 0);
  uint32_t i = 0, next = 0;
  while (feed(d, "\\MAILSLOT\\SLOW", i, 64, 0) != MSL_DGRAM_HELD)
    assert_true(++i < 100000);
  for (uint32_t k = 0; k < 50; k++) {
    assert_int_equal(feed(d, "\\MAILSLOT\\FAST", k, 64, 0),
                     MSL_DGRAM_DELIVERED);
    assert_int_equal(drain_seq(fast, &next), 1);
  }
  assert_int_equal(msl_dgram_pending(d, NULL), 1);
  msl_close(slow);
  msl_close(fast);
  msl_dgram_free(d);
}

/* The caps on held messages and bytes: past them a message is dropped as
 * queue_full, and msl_dgram_backlogged tells the caller to stop reading
 * before that. */
static void test_held_caps(void **state) {
  (void)state;
  /* Count cap. */
  msl_dgram *d = new_limited(100, 0, 0);
  msl_handle *r = reader("\\\\.\\mailslot\\capped", 0);
  uint32_t i = 0, delivered = 0, held = 0, dropped = 0;
  for (; i < 3000; i++) {
    int v = feed(d, "\\MAILSLOT\\CAPPED", i, 50, 0);
    delivered += v == MSL_DGRAM_DELIVERED;
    held += v == MSL_DGRAM_HELD;
    dropped += v == MSL_DGRAM_DROPPED;
    assert_true(msl_dgram_pending(d, NULL) <= 100);
  }
  assert_int_equal(held, 100);
  assert_int_equal(delivered + held + dropped, 3000);
  assert_int_equal(msl_dgram_counters_get(d)->queue_full, dropped);
  assert_true(msl_dgram_backlogged(d, 1));
  /* The held ones still arrive, in order, right after the delivered ones. */
  uint32_t next = 0;
  drain_seq(r, &next);
  assert_int_equal(next, delivered);
  while (msl_dgram_flush(d, 0))
    drain_seq(r, &next);
  drain_seq(r, &next);
  assert_int_equal(next, delivered + held);
  assert_false(msl_dgram_backlogged(d, 1));
  msl_close(r);
  msl_dgram_free(d);

  /* Byte cap: 1000-byte messages, 64 KiB. */
  const size_t cap = 64 * 1024;
  d = new_limited(0, cap, 0);
  r = reader("\\\\.\\mailslot\\capped", 0);
  held = dropped = 0;
  for (i = 0; i < 2000; i++) {
    int v = feed(d, "\\MAILSLOT\\CAPPED", i, 1000, 0);
    held += v == MSL_DGRAM_HELD;
    dropped += v == MSL_DGRAM_DROPPED;
    size_t bytes;
    msl_dgram_pending(d, &bytes);
    assert_true(bytes <= cap);
  }
  assert_true(held > 0 && held < cap / 1000 + 1);
  assert_true(dropped > 0);
  /* With a 64 KiB cap one worst-case datagram may not fit: backlogged. */
  assert_true(msl_dgram_backlogged(d, 1));
  msl_close(r);
  msl_dgram_free(d);
}

/* A reader that closes with messages held: they are dropped and counted
 * (reader_gone) at the next flush. */
static void test_held_reader_gone(void **state) {
  (void)state;
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\gone", 0);
  uint32_t i = 0, held = 0;
  for (; i < 500; i++)
    held += feed(d, "\\MAILSLOT\\GONE", i, 40, 0) == MSL_DGRAM_HELD;
  assert_true(held > 0);
  struct pollfd pf[MSL_DGRAM_WRITERS];
  assert_int_equal(msl_dgram_pollfds(d, pf, MSL_DGRAM_WRITERS), 1);
  msl_close(r);
  /* The closed reader wakes the poller. */
  assert_int_equal(poll(pf, 1, 1000), 1);
  assert_int_equal(msl_dgram_flush(d, 0), 0);
  const msl_dgram_counters *c = msl_dgram_counters_get(d);
  assert_int_equal(c->reader_gone, held);
  assert_int_equal(c->queue_full, 0);
  assert_int_equal(msl_dgram_pending(d, NULL), 0);
  assert_false(msl_dgram_backlogged(d, 32));
  /* No reader now: a plain no_mailslot. */
  assert_int_equal(feed(d, "\\MAILSLOT\\GONE", i, 40, 0),
                   MSL_DGRAM_NO_MAILSLOT);
  msl_dgram_free(d);
}

/* A reader that never reads: after stall_ms without progress its held
 * messages are dropped (queue_full, stalls) and the caps free again. */
static void test_held_stall(void **state) {
  (void)state;
  msl_dgram *d = new_limited(50, 0, 200);
  msl_handle *r = reader("\\\\.\\mailslot\\stuck", 0);
  uint32_t i = 0, held = 0, dropped = 0;
  for (; i < 1000; i++) {
    int v = feed(d, "\\MAILSLOT\\STUCK", i, 40, 1000);
    held += v == MSL_DGRAM_HELD;
    dropped += v == MSL_DGRAM_DROPPED;
  }
  assert_int_equal(held, 50);
  assert_true(msl_dgram_backlogged(d, 1));
  /* The next deadline is the stall bound. */
  assert_int_equal(msl_dgram_tick(d, 1100), 100);
  assert_int_equal(msl_dgram_flush(d, 1100), 50); /* still full */
  assert_int_equal(msl_dgram_pending(d, NULL), 50);
  assert_int_equal(msl_dgram_tick(d, 1199), 1);
  assert_int_equal(msl_dgram_tick(d, 1200), UINT64_MAX);
  const msl_dgram_counters *c = msl_dgram_counters_get(d);
  assert_int_equal(c->stalls, 1);
  assert_int_equal(c->queue_full, dropped + 50);
  assert_int_equal(msl_dgram_pending(d, NULL), 0);
  assert_false(msl_dgram_backlogged(d, 1));
  /* Reading resumes: once the reader reads, new messages flow again. */
  uint32_t next = 0;
  uint8_t buf[128];
  while (msl_read_ex(r, buf, sizeof(buf), NULL, 0) > 0)
    next++;
  assert_true(next > 0);
  assert_int_equal(feed(d, "\\MAILSLOT\\STUCK", i, 40, 1300),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 40);
  msl_close(r);
  msl_dgram_free(d);
}

static void test_config_errors(void **state) {
  (void)state;
  msl_dgram_config c;
  msl_dgram *d = (msl_dgram *)1;
  memset(&c, 0, sizeof(c));
  assert_int_equal(msl_dgram_new(NULL, &c), MSL_ERR_ARG);
  assert_int_equal(msl_dgram_new(&d, NULL), MSL_ERR_ARG);
  assert_null(d);
  assert_int_equal(msl_dgram_new(&d, &c), MSL_ERR_ARG);
  c.name = "THIS-NAME-IS-TOO-LONG";
  c.workgroup = "WG";
  assert_int_equal(msl_dgram_new(&d, &c), MSL_ERR_ARG);
  c.name = "OK";
  c.scope = "bad..scope";
  assert_int_equal(msl_dgram_new(&d, &c), MSL_ERR_ARG);
  msl_dgram_free(NULL);
  assert_int_equal(msl_dgram_input(NULL, NULL, 0, 0, 0, 0),
                   MSL_DGRAM_MALFORMED);
}

/* ---- the system resolver step ---- */

typedef struct host_hook {
  char asked[256];
  int calls;
  int found;
  uint32_t ip;
} host_hook;

static int test_hres(void *user, const char *host, uint32_t *ip) {
  host_hook *h = user;
  h->calls++;
  snprintf(h->asked, sizeof(h->asked), "%s", host);
  if (!h->found)
    return MSL_ERR_NOT_FOUND;
  *ip = h->ip;
  return 0;
}

static int no_nb(void *user, const char *name, const char *scope,
                 uint32_t *ip) {
  (void)user, (void)name, (void)scope, (void)ip;
  return MSL_ERR_NOT_FOUND;
}

/* The hook replaces getaddrinfo after a NetBIOS miss, with the same
 * outcomes: an address, else a domain (plain name) or NOT_FOUND (DNS). */
static void test_dest_host_hook(void **state) {
  (void)state;
  msl_dgram_dest d;
  host_hook h = {.found = 1, .ip = 0x0a000005u};
  assert_int_equal(msl_dgram_dest_resolve_ex(&d, "\\\\far.example\\mailslot\\x",
                                             "WG", NULL, 138, 0, no_nb, NULL,
                                             test_hres, &h),
                   0);
  assert_string_equal(h.asked, "far.example");
  assert_int_equal(d.group, 0);
  assert_int_equal(d.ip, 0x0a000005u);
  h.found = 0;
  assert_int_equal(msl_dgram_dest_resolve_ex(&d, "\\\\far.example\\mailslot\\x",
                                             "WG", NULL, 138, 0, no_nb, NULL,
                                             test_hres, &h),
                   MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_dgram_dest_resolve_ex(&d, "\\\\OTHERDOM\\mailslot\\x",
                                             "WG", NULL, 138, 0, no_nb, NULL,
                                             test_hres, &h),
                   0);
  assert_string_equal(h.asked, "OTHERDOM");
  assert_int_equal(d.group, 1);
  /* Addresses, the workgroup and "*" never reach it. */
  h.calls = 0;
  assert_int_equal(msl_dgram_dest_resolve_ex(&d, "\\\\10.0.0.9\\mailslot\\x",
                                             "WG", NULL, 138, 0, no_nb, NULL,
                                             test_hres, &h),
                   0);
  assert_int_equal(msl_dgram_dest_resolve_ex(&d, "\\\\wg\\mailslot\\x", "WG",
                                             NULL, 138, 0, no_nb, NULL,
                                             test_hres, &h),
                   0);
  assert_int_equal(h.calls, 0);
}

static int sysres_wait(msl_sysres *j, uint32_t *ip) {
  struct pollfd pf = {msl_sysres_fd(j), POLLIN, 0};
  assert_int_equal(poll(&pf, 1, 20000), 1);
  return msl_sysres_result(j, ip);
}

/* A lookup in its thread reports through its fd; the result is the
 * blocking call's. */
static void test_sysres_thread(void **state) {
  (void)state;
  msl_sysres *j;
  uint32_t ip = 0, ip2 = 0;
  assert_int_equal(msl_sysres_start("127.0.0.2", &j), 0);
  assert_string_equal(msl_sysres_host(j), "127.0.0.2");
  assert_int_equal(sysres_wait(j, &ip), 0);
  assert_int_equal(ip, 0x7f000002u);
  msl_sysres_free(j);
  assert_int_equal(msl_sysres_lookup("127.0.0.2", &ip2), 0);
  assert_int_equal(ip2, ip);
  /* Not a name getaddrinfo can find, whatever the host's resolver. */
  assert_int_equal(msl_sysres_start("bad..name", &j), 0);
  assert_int_equal(sysres_wait(j, &ip), MSL_ERR_NOT_FOUND);
  msl_sysres_free(j);
  char lng[MSL_SYSRES_HOST_MAX + 2];
  memset(lng, 'a', sizeof(lng) - 1);
  lng[sizeof(lng) - 1] = '\0';
  assert_int_equal(msl_sysres_start(lng, &j), MSL_ERR_ARG);
  assert_null(j);
}

/* The caller may let go while the thread runs (a client hung up): the
 * thread frees the job when it ends (ASan and the loop below check it). */
static void test_sysres_cancel(void **state) {
  (void)state;
  msl_sysres *j[32]; /* half MSL_SYSRES_THREADS_MAX: ended ones may
                        still be counted for a moment */
  for (int i = 0; i < 32; i++)
    assert_int_equal(msl_sysres_start("127.0.0.3", &j[i]), 0);
  for (int i = 0; i < 32; i += 2)
    msl_sysres_free(j[i]);
  for (int i = 1; i < 32; i += 2) {
    uint32_t ip = 0;
    assert_int_equal(sysres_wait(j[i], &ip), 0);
    assert_int_equal(ip, 0x7f000003u);
    msl_sysres_free(j[i]);
  }
  /* Let the cancelled ones end before the leak check at exit. */
  for (int i = 0; i < 64; i++) {
    msl_sysres *k;
    uint32_t ip;
    assert_int_equal(msl_sysres_start("127.0.0.4", &k), 0);
    assert_int_equal(sysres_wait(k, &ip), 0);
    msl_sysres_free(k);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deliver_with_details),
      cmocka_unit_test(test_case_insensitive),
      cmocka_unit_test(test_our_names),
      cmocka_unit_test(test_capture_vectors),
      cmocka_unit_test(test_no_mailslot),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_fragments),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_random),
      cmocka_unit_test(test_local_limits),
      cmocka_unit_test(test_held_in_order),
      cmocka_unit_test(test_held_other_slot),
      cmocka_unit_test(test_held_caps),
      cmocka_unit_test(test_held_reader_gone),
      cmocka_unit_test(test_held_stall),
      cmocka_unit_test(test_config_errors),
      cmocka_unit_test(test_dest_host_hook),
      cmocka_unit_test(test_sysres_thread),
      cmocka_unit_test(test_sysres_cancel),
  };
  return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
