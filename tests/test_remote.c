/*
 * Network mailslot writers (api/msl_remote.c) and the service loop
 * (net/msl_service.c), on loopback only: every datagram goes to
 * 127.0.0.0/8 (the "broadcast" interface is lo, whose directed broadcast
 * 127.255.255.255 stays on this host), to high ports.
 *
 * The bytes msl_write produces are captured on a UDP socket, decoded with
 * the codec and compared with what Windows sends: the MS-MAIL §4 example
 * (the SMB of a Windows client write, byte for byte) and RFC 1002 §4.4
 * header rules (DIRECT_UNIQUE 0x10 / DIRECT_GROUP 0x11, FIRST flag, no
 * MORE, SOURCE_PORT = the sending port, DGM_LENGTH = names + data).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail_example.h"
#include "mailslot.h"
#include "msl_dgram_service.h"
#include "msl_nbns.h"
#include "msl_remote.h"
#include "msl_service.h"
#include "test_util.h"

static char rundir[64];
static int cap_fd = -1;      /* the capture socket, 0.0.0.0:cap_port */
static uint16_t cap_port;
static const char *lo_only[] = {"lo"};

static int setup_all(void **state) {
  (void)state;
  struct sockaddr_in sa;
  socklen_t sl = sizeof(sa);
  if (test_tmpdir(rundir, sizeof(rundir), "rem", "MAILSLOT_RUNDIR"))
    return -1;
  /* Bound to any address so the 127.255.255.255 broadcast arrives too. */
  cap_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  if (cap_fd < 0 || bind(cap_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      getsockname(cap_fd, (struct sockaddr *)&sa, &sl) != 0)
    return -1;
  cap_port = ntohs(sa.sin_port);
  /* Node status (\\IP\ paths) to a port nobody has: refused, so the
   * address forms keep "*"<00> whatever runs on this host's UDP 137. */
  char np[8];
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sl = sizeof(sa);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
    return -1;
  close(fd); /* free again: nobody there */
  snprintf(np, sizeof(np), "%u", ntohs(sa.sin_port));
  setenv("MAILSLOT_NAME_PORT", np, 1);
  return 0;
}

static int teardown_all(void **state) {
  (void)state;
  close(cap_fd);
  return rmdir(rundir) == 0 ? 0 : -1;
}

/* Waits up to 3 s for one captured datagram; returns its length. */
static int capture(uint8_t *buf, size_t cap, struct sockaddr_in *from) {
  struct pollfd pf = {cap_fd, POLLIN, 0};
  socklen_t sl = sizeof(*from);
  if (poll(&pf, 1, 3000) != 1)
    return -1;
  return (int)recvfrom(cap_fd, buf, cap, 0, (struct sockaddr *)from, &sl);
}

static void drain_capture(void) {
  uint8_t b[2048];
  while (recv(cap_fd, b, sizeof(b), MSG_DONTWAIT) > 0)
    ;
}

static msl_handle *open_direct(const char *path, unsigned flags) {
  msl_remote_opts o;
  msl_handle *h = NULL;
  memset(&o, 0, sizeof(o));
  o.flags = flags | MSL_OPEN_DIRECT;
  o.port = cap_port;
  o.name = "sender";
  o.workgroup = "LABWG";
  o.interfaces = lo_only;
  o.n_interfaces = 1;
  assert_int_equal(msl_remote_open_opts(path, &o, &h), 0);
  assert_non_null(h);
  return h;
}

/* Checks the RFC 1002 header of a single (unfragmented) datagram. */
static void check_header(const msl_nbdgm *g, uint8_t type, uint16_t udp_port,
                         size_t len, const char *dst, uint8_t sfx) {
  msl_nbname want;
  assert_int_equal(g->type, type);
  assert_int_equal(g->flags, MSL_NBDGM_FLAG_FIRST); /* F=1 M=0, B-node */
  assert_int_equal(g->src_ip, 0x7f000001);
  assert_int_equal(g->src_port, udp_port); /* SOURCE_PORT = real port */
  assert_int_equal(g->offset, 0);
  assert_int_equal(g->length_explicit, 0);
  assert_int_equal(g->length, len - 14);
  assert_int_equal(msl_nbname_make(&want, "SENDER", 0x00, NULL), 0);
  assert_true(msl_nbname_equal(&g->src, &want));
  assert_int_equal(msl_nbname_make(&want, dst, sfx, NULL), 0);
  assert_true(msl_nbname_equal(&g->dst, &want));
}

/* \\127.0.0.1\mailslot\test1\sample_mailslot: DIRECT_UNIQUE by unicast,
 * SMB byte-identical to MS-MAIL §4. */
static void test_unicast_matches_windows(void **state) {
  (void)state;
  uint8_t ca[36], pkt[2048];
  struct sockaddr_in from;
  msl_nbdgm g;
  msl_smbtr t;
  memset(ca, 0xca, sizeof(ca));
  drain_capture();
  msl_handle *h = open_direct("\\\\127.0.0.1\\mailslot\\test1\\sample_mailslot",
                              0);
  assert_int_equal(msl_write(h, ca, sizeof(ca)), 0);
  int n = capture(pkt, sizeof(pkt), &from);
  assert_int_equal(n, 14 + 68 + 140);
  assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
  check_header(&g, MSL_NBDGM_DIRECT_UNIQUE, ntohs(from.sin_port), (size_t)n,
               "*", 0x00);
  assert_int_equal(g.data.len, sizeof(mail_example));
  assert_memory_equal(g.data.ptr, mail_example, sizeof(mail_example));
  /* Field by field, as MS-MAIL §4 lists them. */
  assert_int_equal(msl_smbtr_decode(&t, g.data.ptr, g.data.len), 0);
  assert_int_equal(t.smb_flags, 0x18);
  assert_int_equal(t.smb_flags2, 0x0004);
  assert_int_equal(t.pid_low, 0xfeff);
  assert_int_equal(t.max_param_count, 2);
  assert_int_equal(t.timeout, 0);
  assert_int_equal(t.priority, 0);
  assert_int_equal(t.mailslot_class, 2);
  assert_int_equal(t.data_offset, 104);
  assert_int_equal(t.param_offset, 104);
  assert_int_equal(t.data_count, 36);
  assert_int_equal(t.byte_count, 71);
  /* Each write is one datagram, with the next DGM_ID. */
  uint16_t id = g.id;
  assert_int_equal(msl_write(h, ca, 0), 0);
  n = capture(pkt, sizeof(pkt), &from);
  assert_true(n > 0);
  assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
  assert_int_equal(g.id, (uint16_t)(id + 1));
  assert_int_equal(msl_smbtr_decode(&t, g.data.ptr, g.data.len), 0);
  assert_int_equal(t.data_count, 0);
  msl_close(h);
}

/* \\*\mailslot\x and \\LABWG\mailslot\x: DIRECT_GROUP to LABWG<00> on each
 * interface's broadcast address (lo: 127.255.255.255). */
static void test_group_forms(void **state) {
  (void)state;
  const char *paths[] = {"\\\\*\\mailslot\\Net\\Ping", "//labwg/mailslot/Net/Ping"};
  for (size_t i = 0; i < 2; i++) {
    uint8_t pkt[2048];
    struct sockaddr_in from;
    msl_nbdgm g;
    msl_smbtr t;
    drain_capture();
    msl_handle *h = open_direct(paths[i], 0);
    assert_int_equal(msl_write(h, "ping", 4), 0);
    int n = capture(pkt, sizeof(pkt), &from);
    assert_true(n > 0);
    assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
    check_header(&g, MSL_NBDGM_DIRECT_GROUP, ntohs(from.sin_port), (size_t)n,
                 "LABWG", 0x00);
    assert_int_equal(msl_smbtr_decode(&t, g.data.ptr, g.data.len), 0);
    assert_int_equal(t.name.len, 18);
    assert_memory_equal(t.name.ptr, "\\MAILSLOT\\Net\\Ping", 18);
    assert_int_equal(t.data.len, 4);
    assert_memory_equal(t.data.ptr, "ping", 4);
    msl_close(h);
  }
}

/* A path, open flags, and the largest message msl_remote_max_message
 * must give for them (or its error). */
typedef struct max_case {
  const char *path;
  unsigned flags;
  int max;
} max_case;

static void assert_max_messages(const max_case *c, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (msl_remote_max_message(c[i].path, c[i].flags) != c[i].max)
      fail_msg("%s (flags 0x%x): %d, not %d", c[i].path, c[i].flags,
               msl_remote_max_message(c[i].path, c[i].flags), c[i].max);
}

/* The 512-byte SMB cap [MS-MAIL <2>]: 424 bytes for a 5-8 character name. */
static void test_size_limit(void **state) {
  (void)state;
  static uint8_t msg[65536], pkt[2048];
  struct sockaddr_in from;
  msl_nbdgm g;
  static const max_case cases[] = {
      {"\\\\*\\mailslot\\abcd", 0, 428},
      {"\\\\*\\mailslot\\BROWSE", 0, 424},
      {"\\\\H\\mailslot\\abcdefgh", 0, 424},
      {"\\\\H\\mailslot\\abcdefghi", 0, 420},
      {"\\\\H\\mailslot\\a\\b\\c\\d\\e\\f", 0, 420}, /* 11 characters */
      {"\\\\H\\mailslot\\abcdefghijklm", 0, 416},
      {"\\\\.\\mailslot\\x", 0, MSL_ERR_BAD_PATH},
  };
  assert_max_messages(cases, sizeof(cases) / sizeof(*cases));
  assert_true(msl_remote_max_message("\\\\*\\mailslot\\BROWSE",
                                     MSL_OPEN_FRAGMENT) > 65000);
  drain_capture();
  msl_handle *h = open_direct("\\\\127.0.0.1\\mailslot\\BROWSE", 0);
  assert_int_equal(msl_write(h, msg, 425), MSL_ERR_MSG_TOO_BIG);
  assert_int_equal(msl_write(h, msg, 424), 0);
  int n = capture(pkt, sizeof(pkt), &from);
  assert_int_equal(n, 14 + 68 + 512); /* 594: Windows' largest, unfragmented */
  assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
  assert_int_equal(g.flags, MSL_NBDGM_FLAG_FIRST);
  msl_close(h);
}

/* MSL_OPEN_FIT576 (issue 12 item 2): nothing over 576 bytes of UDP
 * payload, what Samba's nmbd receives; with MSL_OPEN_FRAGMENT, longer
 * messages go as fragments that fit. */
static void test_fit576(void **state) {
  (void)state;
  static uint8_t msg[1024], pkt[2048];
  struct sockaddr_in from;
  msl_nbdgm g;
  const unsigned fit = MSL_OPEN_FIT576;
  /* 576 - 14 - 68 - ROUND_UP_4(69 + 10 + n + 1): 406 for n = 5..8. */
  static const max_case cases[] = {
      {"\\\\*\\mailslot\\abcde", MSL_OPEN_FIT576, 406},
      {"\\\\H\\mailslot\\abcdefgh", MSL_OPEN_FIT576, 406},
      {"\\\\H\\mailslot\\abcd", MSL_OPEN_FIT576, 410},
      {"\\\\H\\mailslot\\abcde", 0, 424},
  };
  assert_max_messages(cases, sizeof(cases) / sizeof(*cases));
  /* A scope lengthens both names (12 bytes each for LAB.EXAMPLE). */
  setenv("MAILSLOT_SCOPE", "lab.example", 1);
  assert_int_equal(msl_remote_max_message("\\\\H\\mailslot\\abcde", fit),
                   382);
  setenv("MAILSLOT_SCOPE", "bad..scope", 1);
  assert_int_equal(msl_remote_max_message("\\\\H\\mailslot\\abcde", fit),
                   MSL_ERR_NAME);
  unsetenv("MAILSLOT_SCOPE");
  assert_true(msl_remote_max_message("\\\\H\\mailslot\\abcde",
                                     fit | MSL_OPEN_FRAGMENT) > 65000);
  assert_int_equal(msl_remote_max_message("\\\\.\\mailslot\\abcde", fit),
                   MSL_ERR_BAD_PATH);
  assert_int_equal(msl_remote_max_message(NULL, fit), MSL_ERR_ARG);
  /* Direct: 407 refused, 406 sent as exactly 576 bytes. */
  drain_capture();
  msl_handle *h = open_direct("\\\\127.0.0.1\\mailslot\\abcde", fit);
  assert_int_equal(msl_write(h, msg, 407), MSL_ERR_MSG_TOO_BIG);
  assert_int_equal(msl_write(h, msg, 406), 0);
  int n = capture(pkt, sizeof(pkt), &from);
  assert_int_equal(n, MSL_NBDGM_SAMBA_MAX_PAYLOAD);
  assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
  assert_int_equal(g.flags, MSL_NBDGM_FLAG_FIRST);
  msl_close(h);
  /* With fragmentation: 407..424 bytes go as fragments within 576. */
  h = open_direct("\\\\127.0.0.1\\mailslot\\abcde", fit | MSL_OPEN_FRAGMENT);
  assert_int_equal(msl_write(h, msg, 406), 0);
  n = capture(pkt, sizeof(pkt), &from);
  assert_int_equal(n, 576);
  assert_int_equal(msl_write(h, msg, 424), 0);
  for (int i = 0; i < 2; i++) {
    n = capture(pkt, sizeof(pkt), &from);
    assert_true(n > 0 && n <= MSL_NBDGM_RFC_MAX_PAYLOAD);
    assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
    assert_int_equal(g.flags & MSL_NBDGM_FLAG_MORE, i == 0);
  }
  msl_close(h);
}

/* With MSL_OPEN_FRAGMENT: RFC 1002 fragments, each within 576-byte IP
 * datagrams, that the reassembler puts back together. */
static void test_fragmentation(void **state) {
  (void)state;
  static uint8_t msg[60000], pkt[2048];
  static uint8_t mem[1 << 20];
  struct sockaddr_in from;
  msl_reasm ra;
  msl_reasm_out out;
  msl_smbtr t;
  for (size_t i = 0; i < sizeof(msg); i++)
    msg[i] = (uint8_t)(i ^ (i >> 8));
  assert_true(msl_reasm_mem_size(NULL) <= sizeof(mem));
  assert_int_equal(msl_reasm_init(&ra, mem, sizeof(mem), NULL), 0);
  drain_capture();
  msl_handle *h = open_direct("\\\\127.0.0.1\\mailslot\\big", MSL_OPEN_FRAGMENT);
  /* Under the cap: still one plain datagram, as Windows would send. */
  assert_int_equal(msl_write(h, msg, 100), 0);
  int n = capture(pkt, sizeof(pkt), &from);
  msl_nbdgm g;
  assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
  assert_int_equal(g.flags, MSL_NBDGM_FLAG_FIRST);
  assert_int_equal(msl_write(h, msg, sizeof(msg)), 0);
  int frags = 0, r = MSL_REASM_PENDING;
  while (r == MSL_REASM_PENDING) {
    n = capture(pkt, sizeof(pkt), &from);
    assert_true(n > 0);
    assert_true(n <= MSL_NBDGM_RFC_MAX_PAYLOAD);
    assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
    assert_int_equal(g.flags & MSL_NBDGM_FLAG_FIRST, frags == 0 ? 2 : 0);
    frags++;
    r = msl_reasm_add(&ra, &g, 0x7f000001, ntohs(from.sin_port), 0, &out);
  }
  assert_int_equal(r, MSL_REASM_COMPLETE);
  assert_true(frags > 100);
  assert_int_equal(msl_smbtr_decode(&t, out.dgm.data.ptr, out.dgm.data.len),
                   0);
  assert_int_equal(t.data.len, sizeof(msg));
  assert_memory_equal(t.data.ptr, msg, sizeof(msg));
  msl_close(h);
}

/* Answers one node-status request on fd (as a Windows host would: a
 * group name and other suffixes before the unique <00> name). */
static void *status_responder(void *arg) {
  int fd = *(int *)arg;
  uint8_t b[1024];
  struct sockaddr_in from;
  socklen_t fl = sizeof(from);
  struct pollfd pf = {fd, POLLIN, 0};
  msl_nbns q, r;
  msl_nbns_node_name names[3];
  const char *raw[3] = {"LABWG          \x00", "TARGET         \x20",
                        "TARGET         \x00"};
  const uint16_t fl3[3] = {MSL_NBNS_NAME_ACT | MSL_NBNS_NB_G,
                           MSL_NBNS_NAME_ACT, MSL_NBNS_NAME_ACT};
  if (poll(&pf, 1, 5000) != 1)
    return NULL;
  ssize_t n = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
  if (n <= 0 || msl_nbns_decode(&q, b, (size_t)n) != 0 || q.qdcount != 1 ||
      q.qd[0].type != MSL_NBNS_T_NBSTAT || q.qd[0].name.nb.raw[0] != '*')
    return NULL;
  for (int i = 0; i < 3; i++) {
    memcpy(names[i].name, raw[i], 16);
    names[i].flags = fl3[i];
  }
  if (msl_nbns_build_node_status_response(&r, q.trn_id, &q.qd[0].name.nb,
                                          names, 3, NULL) != 0)
    return NULL;
  int len = msl_nbns_encode(&r, b, sizeof(b));
  if (len > 0)
    sendto(fd, b, (size_t)len, 0, (struct sockaddr *)&from, fl);
  return arg;
}

/* \\127.0.0.2\mailslot\x, direct: the sender asks 127.0.0.2 for its
 * node status (on MAILSLOT_NAME_PORT) and sends to its unique <00> name;
 * a second open finds the name in the process's cache (the responder
 * answers once). */
static void test_address_gets_name(void **state) {
  (void)state;
  uint8_t pkt[2048];
  struct sockaddr_in sa, from;
  socklen_t sl = sizeof(sa);
  msl_nbdgm g;
  pthread_t th;
  void *res = NULL;
  char old[8], np[8];
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(0x7f000002u);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
  snprintf(old, sizeof(old), "%s", getenv("MAILSLOT_NAME_PORT"));
  snprintf(np, sizeof(np), "%u", ntohs(sa.sin_port));
  setenv("MAILSLOT_NAME_PORT", np, 1);
  assert_int_equal(pthread_create(&th, NULL, status_responder, &fd), 0);
  drain_capture();
  for (int i = 0; i < 2; i++) {
    msl_handle *h = open_direct("\\\\127.0.0.2\\mailslot\\x", 0);
    if (i == 0) {
      assert_int_equal(pthread_join(th, &res), 0);
      assert_ptr_equal(res, &fd); /* it answered */
    }
    assert_int_equal(msl_write(h, "hi", 2), 0);
    int n = capture(pkt, sizeof(pkt), &from);
    assert_true(n > 0);
    assert_int_equal(msl_nbdgm_decode(&g, pkt, (size_t)n), 0);
    check_header(&g, MSL_NBDGM_DIRECT_UNIQUE, ntohs(from.sin_port),
                 (size_t)n, "TARGET", 0x00);
    msl_close(h);
  }
  setenv("MAILSLOT_NAME_PORT", old, 1);
  close(fd);
}

static void test_paths(void **state) {
  (void)state;
  msl_handle *h = (msl_handle *)1;
  static const str_verdict remote[] = {
      {"\\\\HOST\\mailslot\\x", 1},
      {"\\\\*\\mailslot\\x", 1},
      {"\\\\10.1.2.3\\mailslot\\x", 1},
      {"\\\\host.example.org\\mailslot\\x", 1},
      {"\\\\.\\mailslot\\x", 0},
      {"\\\\HOST\\mailslot\\", 0},
      {"\\\\HOST\\pipe\\x", 0},
      {"\\\\bad host?\\mailslot\\x", 0},
      {"\\\\HOST\\mailslot\\a:b", 0},
      {NULL, 0},
  };
  assert_verdicts(msl_remote_is_remote, remote,
                  sizeof(remote) / sizeof(*remote));
  assert_int_equal(msl_remote_open_opts("\\\\.\\mailslot\\x", NULL, &h),
                   MSL_ERR_BAD_PATH);
  assert_null(h);
  assert_int_equal(msl_open_ex("\\\\bad host?\\mailslot\\x", 0, &h),
                   MSL_ERR_BAD_PATH);
  msl_dgram_dest d;
  assert_int_equal(msl_dgram_dest_resolve(&d,
                                          "\\\\no-such-host.invalid\\"
                                          "mailslot\\x",
                                          "WG", NULL, 138, 0, NULL, NULL, NULL),
                   MSL_ERR_NAME_NOT_FOUND);
  /* A name nobody resolves is a domain. */
  assert_int_equal(msl_dgram_dest_resolve(&d, "\\\\SOMEDOMAIN\\mailslot\\x",
                                          "WG", NULL, 138, 0, NULL, NULL,
                                          NULL),
                   0);
  assert_int_equal(d.group, 1);
  assert_string_equal(d.mailslot, "\\MAILSLOT\\x");
}

/* The most verbose level the services logged at: their log level
 * (error) must hold for every part of them, the name service included. */
static int max_level_logged = -1;

static void log_to_stderr(void *user, int level, const char *msg) {
  (void)user;
  if (level > max_level_logged)
    max_level_logged = level;
  fprintf(stderr, "service[%d]: %s\n", level, msg);
}

/* An embedded service's configuration: HOSTA in LABWG on loopback, UDP
 * port, errors logged to stderr. */
static msl_service_config *lo_config(unsigned port) {
  msl_service_config *c = NULL;
  char p[16];
  snprintf(p, sizeof(p), "%u", port);
  assert_int_equal(msl_service_config_new(&c), 0);
  assert_int_equal(msl_service_config_set(c, "name", "HOSTA"), 0);
  assert_int_equal(msl_service_config_set(c, "workgroup", "LABWG"), 0);
  assert_int_equal(msl_service_config_set(c, "interface", lo_only[0]), 0);
  assert_int_equal(msl_service_config_set(c, "dgram-port", p), 0);
  assert_int_equal(msl_service_config_set(c, "log-level", "error"), 0);
  assert_int_equal(msl_service_config_set_log(c, log_to_stderr, NULL), 0);
  return c;
}

/* The service's log level holds for its name service too: registering
 * HOSTB on loopback logs at info, which a "warning" level leaves out. */
static void test_service_log_level(void **state) {
  (void)state;
  msl_service *s = NULL;
  char p[16];
  unsigned port = cap_port + 5u > 65535u ? 40005u : cap_port + 5u;
  msl_service_config *c = lo_config(port);
  snprintf(p, sizeof(p), "%u", port + 1);
  assert_int_equal(msl_service_config_set(c, "name", "HOSTB"), 0);
  assert_int_equal(msl_service_config_set(c, "name-port", p), 0);
  assert_int_equal(msl_service_config_set(c, "no-control-socket", "yes"), 0);
  assert_int_equal(msl_service_config_set(c, "log-level", "warning"), 0);
  max_level_logged = -1;
  assert_int_equal(msl_service_create(c, &s), 0);
  msl_service_config_free(c);
  msl_service_stop(s);
  assert_true(max_level_logged <= MSL_LOG_WARN);
  max_level_logged = -1;
}

/* Polls the service's status (into buf) until it holds line, for up to
 * tries times 10 ms; fails the test if it never does. */
static void wait_status(msl_service *s, char *buf, size_t cap, const char *line,
                        int tries) {
  for (int i = 0; i < tries; i++) {
    assert_true(msl_service_status(s, buf, cap) > 0);
    if (strstr(buf, line))
      return;
    usleep(10000);
  }
  fail_msg("status never showed %s", line);
}

/* Embedded service: a writer goes through its control socket, the
 * datagram comes back to the same service on loopback and is delivered
 * to a local mailslot with its sender details. */
static void test_service_end_to_end(void **state) {
  (void)state;
  msl_service *s = NULL, *s2 = NULL;
  msl_handle *r, *w;
  msl_msg_info info;
  char buf[4096];
  unsigned port = cap_port + 1u > 65535u ? 40000u : cap_port + 1u;
  msl_service_config *c = lo_config(port);
  int rc = msl_service_start(c, &s);
  if (rc == MSL_ERR_EXISTS) { /* port taken by someone else: try another */
    msl_service_config_free(c);
    c = lo_config(port += 7);
    rc = msl_service_start(c, &s);
  }
  assert_int_equal(rc, 0);
  /* A second service on the same port fails clearly. */
  assert_int_equal(msl_service_config_set(c, "no-control-socket", "yes"), 0);
  assert_int_equal(msl_service_config_set_log(c, NULL, NULL), 0);
  assert_int_equal(msl_service_start(c, &s2), MSL_ERR_EXISTS);
  assert_null(s2);
  msl_service_config_free(c); /* the service keeps what it needs */
  assert_int_equal(msl_create("\\\\.\\mailslot\\e2e", 0, 0, &r), 0);
  /* Unicast to ourselves, by address and by our own name. */
  assert_int_equal(msl_open("\\\\127.0.0.1\\mailslot\\E2E", &w), 0);
  assert_int_equal(msl_write(w, "one", 3), 0);
  assert_int_equal(msl_write(w, buf, 429), MSL_ERR_MSG_TOO_BIG); /* 428 */
  msl_close(w);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), &info, 3000), 3);
  assert_memory_equal(buf, "one", 3);
  assert_int_equal(info.origin, MSL_ORIGIN_NETWORK);
  assert_int_equal(info.dgram_type, MSL_NBDGM_DIRECT_UNIQUE);
  assert_int_equal(info.src_port, port); /* sent from the service */
  assert_int_equal(info.src_ip[0], 127);
  assert_memory_equal(info.src_name, "HOSTA          \0", 16);
  assert_int_equal(msl_open("\\\\hosta\\mailslot\\e2e", &w), 0);
  assert_int_equal(msl_write(w, "two", 3), 0);
  msl_close(w);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), &info, 3000), 3);
  assert_memory_equal(info.dst_name, "HOSTA          \0", 16);
  /* Our own broadcast comes back to us: not delivered, counted. */
  assert_int_equal(msl_open("\\\\*\\mailslot\\e2e", &w), 0);
  assert_int_equal(msl_write(w, "own", 3), 0);
  msl_close(w);
  wait_status(s, buf, sizeof(buf), "own_broadcasts 1\n", 200);
  /* Group from another sender (a direct writer of this process, another
   * port): \\*\ to LABWG<00> on lo's broadcast address, fragmented. */
  msl_remote_opts o;
  memset(&o, 0, sizeof(o));
  o.flags = MSL_OPEN_DIRECT | MSL_OPEN_FRAGMENT;
  o.port = (uint16_t)port;
  o.name = "OTHER";
  o.workgroup = "LABWG";
  o.interfaces = lo_only;
  o.n_interfaces = 1;
  assert_int_equal(msl_remote_open_opts("\\\\*\\mailslot\\e2e", &o, &w), 0);
  static uint8_t big[20000];
  memset(big, 'z', sizeof(big));
  assert_int_equal(msl_write(w, big, sizeof(big)), 0);
  msl_close(w);
  static uint8_t got[65536];
  assert_int_equal(msl_read_ex(r, got, sizeof(got), &info, 3000),
                   (int)sizeof(big));
  assert_memory_equal(got, big, sizeof(big));
  assert_int_equal(info.dgram_type, MSL_NBDGM_DIRECT_GROUP);
  assert_memory_equal(info.dst_name, "LABWG          \0", 16);
  /* Counters, in-process and through the control socket. */
  assert_true(msl_service_status(s, buf, sizeof(buf)) > 0);
  assert_non_null(strstr(buf, "delivered 3\n"));
  assert_non_null(strstr(buf, "reassembled 1\n"));
  assert_non_null(strstr(buf, "own_broadcasts 1\n"));
  char buf2[4096];
  assert_true(msl_service_query_status(buf2, sizeof(buf2)) > 0);
  assert_non_null(strstr(buf2, "delivered 3\n"));
  /* Its names, for the tools' requests (issue 12 item 3). */
  msl_service_identity id;
  assert_int_equal(msl_service_query_identity(&id), 0);
  assert_string_equal(id.name, "HOSTA");
  assert_string_equal(id.workgroup, "LABWG");
  assert_string_equal(id.scope, "");
  assert_int_equal(msl_service_query_identity(NULL), MSL_ERR_ARG);
  /* MSL_OPEN_FIT576 through the service: its answer is the limit, a
   * message at it is one 576-byte datagram (issue 12 item 2). */
  assert_int_equal(msl_open_ex("\\\\127.0.0.1\\mailslot\\e2e",
                               MSL_OPEN_FIT576, &w),
                   0);
  assert_int_equal(msl_write(w, big, 411), MSL_ERR_MSG_TOO_BIG);
  assert_int_equal(msl_write(w, big, 410), 0);
  msl_close(w);
  assert_int_equal(msl_read_ex(r, got, sizeof(got), &info, 3000), 410);
  msl_close(r);
  msl_service_stop(s);
  /* Its log level held for every part (start, names, stop): errors only. */
  assert_int_equal(max_level_logged, -1);
  /* Stopped: the control socket is gone, nothing is left behind. */
  assert_int_equal(msl_service_query_status(buf2, sizeof(buf2)),
                   MSL_ERR_NO_SERVICE);
}

/* The daemon closes a writer that stays idle (so a user's forgotten
 * writers do not hold its share forever); the client opens it again on its
 * next write, transparently, and msl_fd() keeps its number. */
static void test_idle_writer_reopened(void **state) {
  (void)state;
  msl_service *s = NULL;
  msl_handle *r, *w;
  char buf[4096];
  setenv(MSL_SERVICE_WRITER_IDLE_ENV, "200", 1);
  unsigned port = cap_port + 3u > 65535u ? 40003u : cap_port + 3u;
  msl_service_config *c = lo_config(port);
  int rc = msl_service_start(c, &s);
  if (rc == MSL_ERR_EXISTS) {
    msl_service_config_free(c);
    c = lo_config(port + 11);
    rc = msl_service_start(c, &s);
  }
  msl_service_config_free(c);
  unsetenv(MSL_SERVICE_WRITER_IDLE_ENV);
  assert_int_equal(rc, 0);
  assert_int_equal(msl_create("\\\\.\\mailslot\\idle", 0, 0, &r), 0);
  assert_int_equal(msl_open("\\\\127.0.0.1\\mailslot\\idle", &w), 0);
  int fd = msl_fd(w);
  assert_int_equal(msl_write(w, "first", 5), 0);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 3000), 5);
  /* Idle past the daemon's limit: closed on its side. */
  wait_status(s, buf, sizeof(buf), "\nremote_writers 0\n", 300);
  assert_non_null(strstr(buf, "\nctl_idle_closed 1\n"));
  assert_int_equal(msl_write(w, "second", 6), 0); /* reopened */
  assert_int_equal(msl_fd(w), fd);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 3000), 6);
  assert_memory_equal(buf, "second", 6);
  assert_true(msl_service_status(s, buf, sizeof(buf)) > 0);
  assert_non_null(strstr(buf, "\nremote_writers 1\n"));
  msl_close(w);
  msl_close(r);
  msl_service_stop(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unicast_matches_windows),
      cmocka_unit_test(test_group_forms),
      cmocka_unit_test(test_size_limit),
      cmocka_unit_test(test_fit576),
      cmocka_unit_test(test_fragmentation),
      cmocka_unit_test(test_address_gets_name),
      cmocka_unit_test(test_paths),
      cmocka_unit_test(test_service_end_to_end),
      cmocka_unit_test(test_service_log_level),
      cmocka_unit_test(test_idle_writer_reopened),
  };
  return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
