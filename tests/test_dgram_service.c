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
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dgram_util.h"
#include "msl_dgram_service.h"
#include "pcap_walk.h"
#include "msl_sysres.h"
#include "msl_tcplisten.h"
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
  assert_int_equal(msl_dgram_counters_get(d)->received, 1);
  assert_int_equal(dlc()->delivered, 1);
  char txt[2048];
  assert_true(msl_dgram_format_counters(d, txt, sizeof(txt)) > 0);
  assert_non_null(strstr(txt, "delivered 1\n"));
  assert_non_null(strstr(txt, "received 1\n"));
  assert_int_equal(msl_dgram_format_counters(d, txt, 10),
                   MSL_ERR_BUFFER_TOO_SMALL);
  msl_close(r);
  free_service(d);
}

/* Mailslot names compare case-insensitively [MS-MAIL §2.2.1]. */
static void test_case_insensitive(void **state) {
  (void)state;
  uint8_t buf[64];
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\App\\Events", 0);
  assert_int_equal(input_text(d, MSL_NBDGM_DIRECT_UNIQUE, 1, "HOSTA", 0,
                              "\\mailslot\\aPP\\eVENTS", "x", 0),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(take(r, buf, sizeof(buf), NULL), 1);
  msl_close(r);
  free_service(d);
}

/* Every one of our names, DIRECT_UNIQUE and DIRECT_GROUP alike. */
static void test_our_names(void **state) {
  (void)state;
  uint8_t buf[64];
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
      assert_int_equal(input_text(d, t, id++, ours[i].n, ours[i].sfx,
                                  "\\MAILSLOT\\BROWSE", "b", 0),
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
    assert_int_equal(input_text(d, MSL_NBDGM_DIRECT_GROUP, id++, others[i].n,
                                others[i].sfx, "\\MAILSLOT\\BROWSE", "b", 0),
                     MSL_DGRAM_NOT_OURS);
  }
  assert_int_equal(msl_dgram_counters_get(d)->not_ours, 5);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0),
                   MSL_ERR_TIMEOUT);
  msl_close(r);
  free_service(d);

  /* Opt-in names; and the scope must match. */
  msl_dgram_config c;
  memset(&c, 0, sizeof(c));
  c.name = "HOSTA";
  c.workgroup = "LABWG";
  c.names = MSL_DGRAM_N_MESSENGER | MSL_DGRAM_N_SERVER |
            MSL_DGRAM_N_NO_BROWSER;
  d = new_service_ex(&c, NULL);
  msl_nbname nm;
  assert_int_equal(msl_nbname_make(&nm, "HOSTA", 0x03, NULL), 0);
  assert_true(msl_dgram_is_ours(d, &nm));
  assert_int_equal(msl_nbname_make(&nm, "HOSTA", 0x20, NULL), 0);
  assert_true(msl_dgram_is_ours(d, &nm));
  assert_int_equal(msl_nbname_make(&nm, "LABWG", 0x1e, NULL), 0);
  assert_false(msl_dgram_is_ours(d, &nm));
  assert_int_equal(msl_nbname_make(&nm, "HOSTA", 0x00, "LAB.EXAMPLE"), 0);
  assert_false(msl_dgram_is_ours(d, &nm));
  free_service(d);
  d = new_service("lab.example");
  assert_true(msl_dgram_is_ours(d, &nm));
  free_service(d);
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
  d = new_service_ex(&c, NULL);
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
  free_service(d);
}

/* tests/data/short-dgm-length.pcap (tests/make-short-dgm-length.py):
 * DGM_LENGTH 20 short, below the names, 0, then exact. Samba and
 * Wireshark ignore it and read the SMB's counts (issue 12 item 1): every
 * message is delivered, the three short ones counted. */
typedef struct replay {
  msl_dgram *d;
  int verdicts[8];
  size_t n;
} replay;

static int replay_pkt(const struct walk_pkt *w, void *user) {
  replay *rp = user;
  uint32_t ip = (uint32_t)w->src[0] << 24 | (uint32_t)w->src[1] << 16 |
                (uint32_t)w->src[2] << 8 | w->src[3];
  assert_true(rp->n < 8);
  rp->verdicts[rp->n++] =
      msl_dgram_input(rp->d, w->payload, w->len, ip, w->sport, 1000);
  return 0;
}

static void test_short_dgm_length(void **state) {
  (void)state;
  char path[4096];
  uint8_t buf[64];
  msl_msg_info info;
  const char *src = getenv("MSL_SRCDIR");
  snprintf(path, sizeof(path), "%s/tests/data/short-dgm-length.pcap",
           src ? src : ".");
  replay rp = {.d = new_service(NULL)};
  msl_handle *r = reader("\\\\.\\mailslot\\test\\short", 0);
  assert_int_equal(pcap_walk(path, replay_pkt, &rp), 0);
  assert_int_equal(rp.n, 4);
  static const char *const want[] = {"short by 20", "below the names",
                                     "zero length", "right length"};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(rp.verdicts[i], MSL_DGRAM_DELIVERED);
    int n = take(r, buf, sizeof(buf), &info);
    assert_int_equal(n, (int)strlen(want[i]));
    assert_memory_equal(buf, want[i], (size_t)n);
  }
  const msl_dgram_counters *c = msl_dgram_counters_get(rp.d);
  assert_int_equal(c->short_length, 3);
  assert_int_equal(c->bad_nbdgm + c->bad_smb, 0);
  char txt[4096];
  assert_true(msl_dgram_format_counters(rp.d, txt, sizeof(txt)) > 0);
  assert_non_null(strstr(txt, "short_length 3\n"));
  msl_close(r);
  free_service(rp.d);
}

/* HOST<20> follows a local SMB server (issue 12 item 6): listeners are
 * read from the kernel's tables, IPv4 and IPv6. */
static void test_tcp_listening(void **state) {
  (void)state;
  for (int v6 = 0; v6 < 2; v6++) {
    struct sockaddr_storage ss;
    socklen_t sl = v6 ? sizeof(struct sockaddr_in6)
                      : sizeof(struct sockaddr_in);
    memset(&ss, 0, sizeof(ss));
    ss.ss_family = v6 ? AF_INET6 : AF_INET;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 && v6)
      continue; /* no IPv6 here */
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
    uint16_t port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                             : ((struct sockaddr_in *)&ss)->sin_port);
    assert_int_equal(msl_tcp_listening(port), 0); /* bound, not listening */
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(msl_tcp_listening(port), 1);
    close(fd);
    assert_int_equal(msl_tcp_listening(port), 0);
  }
}

static void test_no_mailslot(void **state) {
  (void)state;
  msl_dgram *d = new_service(NULL);
  assert_int_equal(input_text(d, MSL_NBDGM_DIRECT_UNIQUE, 7, "HOSTA", 0,
                              "\\MAILSLOT\\NOBODY", "x", 0),
                   MSL_DGRAM_NO_MAILSLOT);
  /* A name that cannot be a local mailslot name. */
  assert_int_equal(input_text(d, MSL_NBDGM_DIRECT_UNIQUE, 8, "HOSTA", 0,
                              "\\MAILSLOT\\a*b", "x", 0),
                   MSL_DGRAM_MALFORMED);
  assert_int_equal(dlc()->no_mailslot, 1);
  assert_int_equal(dlc()->bad_slot_name, 1);
  assert_int_equal(dlc()->delivered, 0);
  free_service(d);
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
  assert_int_equal(input_text(d, MSL_NBDGM_DIRECT_GROUP, 10, "LABWG", 0,
                              "\\MAILSLOT\\DUP", "x", 6001),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(msl_dgram_counters_get(d)->duplicates, 1);
  for (int i = 0; i < 3; i++)
    assert_int_equal(take(r, buf, sizeof(buf), NULL), 1);
  msl_close(r);
  free_service(d);
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
  free_service(d);
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
  assert_int_equal(dlc()->delivered, 0);
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
  assert_int_equal(dlc()->delivered, 0);
  assert_int_equal(msl_dgram_input(d, NULL, 0, 1, 138, 6), MSL_DGRAM_MALFORMED);
  msl_close(r);
  free_service(d);
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
  assert_int_equal(dlc()->delivered, 0);
  free_service(d);
}

/* A message over the slot's maximum is a counted drop; a full slot holds
 * messages (never a wait); a reader that closed and came back is found
 * again. */
static void test_local_limits(void **state) {
  (void)state;
  uint8_t buf[64];
  msl_dgram *d = new_service(NULL);
  msl_handle *r = reader("\\\\.\\mailslot\\small", 4);
  assert_int_equal(input_text(d, MSL_NBDGM_DIRECT_UNIQUE, 1, "HOSTA", 0,
                              "\\MAILSLOT\\SMALL", "too long", 0),
                   MSL_DGRAM_DROPPED);
  assert_int_equal(dlc()->too_big, 1);
  const int total = 1500; /* within one slot's share of the caps */
  int delivered = 0, held = 0;
  for (int i = 0; i < total; i++) {
    int v = input_text(d, MSL_NBDGM_DIRECT_UNIQUE, (uint16_t)(i + 2), "HOSTA",
                       0, "\\MAILSLOT\\SMALL", "ok", 0);
    assert_true(v == MSL_DGRAM_DELIVERED || v == MSL_DGRAM_HELD);
    delivered += v == MSL_DGRAM_DELIVERED;
    held += v == MSL_DGRAM_HELD;
  }
  assert_true(held > 0); /* the kernel queue holds far fewer than 3000 */
  /* Once one is held, every later one queues behind it (order). */
  assert_int_equal(delivered + held, total);
  assert_int_equal(dlc()->queue_full, 0);
  assert_int_equal(dlc()->deferred, (uint64_t)held);
  assert_int_equal(dlc()->delivered, (uint64_t)delivered);
  assert_int_equal(held_now(NULL), (size_t)held);
  msl_close(r);
  /* The cached writer now points at a dead reader: reopened; what it held
   * for the old reader is dropped and counted. */
  r = reader("\\\\.\\mailslot\\small", 0);
  assert_int_equal(input_text(d, MSL_NBDGM_DIRECT_UNIQUE, 9999, "HOSTA", 0,
                              "\\MAILSLOT\\SMALL", "again", 0),
                   MSL_DGRAM_DELIVERED);
  assert_int_equal(take(r, buf, sizeof(buf), NULL), 5);
  assert_int_equal(dlc()->reader_gone, (uint64_t)held);
  assert_int_equal(held_now(NULL), 0);
  msl_close(r);
  free_service(d);
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
  c.sink.deliver = (int (*)(void *, const char *, size_t, const uint8_t *,
                            size_t, const msl_msg_info *, uint64_t))1;
  c.name = "THIS-NAME-IS-TOO-LONG";
  c.workgroup = "WG";
  assert_int_equal(msl_dgram_new(&d, &c), MSL_ERR_ARG);
  c.name = "OK";
  c.scope = "bad..scope";
  assert_int_equal(msl_dgram_new(&d, &c), MSL_ERR_ARG);
  c.scope = NULL;
  c.sink.deliver = NULL; /* no sink */
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
    return MSL_ERR_NAME_NOT_FOUND;
  *ip = h->ip;
  return 0;
}

static int no_nb(void *user, const char *name, const char *scope,
                 uint32_t *ip) {
  (void)user, (void)name, (void)scope, (void)ip;
  return MSL_ERR_NAME_NOT_FOUND;
}

/* The hook replaces getaddrinfo after a NetBIOS miss, with the same
 * outcomes: an address, else a domain (plain name) or NAME_NOT_FOUND (DNS). */
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
                   MSL_ERR_NAME_NOT_FOUND);
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
  assert_int_equal(sysres_wait(j, &ip), MSL_ERR_NAME_NOT_FOUND);
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
      cmocka_unit_test(test_short_dgm_length),
      cmocka_unit_test(test_tcp_listening),
      cmocka_unit_test(test_no_mailslot),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_fragments),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_random),
      cmocka_unit_test(test_local_limits),
      cmocka_unit_test(test_config_errors),
      cmocka_unit_test(test_dest_host_hook),
      cmocka_unit_test(test_sysres_thread),
      cmocka_unit_test(test_sysres_cancel),
  };
  return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
