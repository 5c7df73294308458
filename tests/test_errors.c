/*
 * The error model (include/mailslot.h, proto/msl_proto_err.h): every code
 * has its own name and sentence, msl_err_name round-trips, the public
 * header holds none of the codec's own codes, the one errno map, and the
 * public functions that used to hand a codec code or a peer's number
 * straight to the caller.
 *
 * The codes are read from the headers' text (MSL_SRCDIR), so a code added
 * to either enum is checked without touching this file.
 */
#define _GNU_SOURCE
#include <errno.h>
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
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "mailslot.h"
#include "msl_ctl.h"
#include "msl_path.h"
#include "msl_proto_err.h"
#include "msl_slotdir.h"
#include "msl_syserr.h"
#include "test_util.h"

/* ---- the codes, as the headers declare them ---- */

typedef struct code {
  char name[64];
  int value;
} code;

enum { CODES_MAX = 128 };

/* The "NAME = VALUE" entries between `open` and the next "};" or
 * "} msl_err;" of header `rel` (relative to the source tree). */
static size_t read_enum(const char *rel, const char *open, code *out,
                        size_t cap) {
  char path[4096], *text;
  const char *src = getenv("MSL_SRCDIR");
  snprintf(path, sizeof(path), "%s/%s", src && *src ? src : ".", rel);
  FILE *f = fopen(path, "r");
  if (!f)
    fail_msg("cannot open %s (set MSL_SRCDIR)", path);
  assert_non_null(text = calloc(1, 1 << 20));
  size_t len = fread(text, 1, (1 << 20) - 1, f);
  fclose(f);
  text[len] = '\0';
  char *p = strstr(text, open);
  assert_non_null(p);
  char *end = strstr(p, "\n}");
  assert_non_null(end);
  size_t n = 0;
  while ((p = strstr(p, "MSL_")) && p < end) {
    code c;
    int used = 0;
    if (sscanf(p, "%63[A-Z0-9_] = %d%n", c.name, &c.value, &used) == 2 &&
        used > 0) {
      assert_true(n < cap);
      out[n++] = c;
      p += used;
    } else {
      p += 4; /* a mention in a comment */
    }
  }
  free(text);
  return n;
}

static size_t public_codes(code *out) {
  return read_enum("include/mailslot.h", "typedef enum msl_err {", out,
                   CODES_MAX);
}

static size_t internal_codes(code *out) {
  return read_enum("proto/msl_proto_err.h", "enum msl_proto_err {", out,
                   CODES_MAX);
}

/* Every code, public or not, has a name and a sentence of its own. */
static void test_distinct_names_and_messages(void **state) {
  (void)state;
  code all[2 * CODES_MAX];
  size_t np = public_codes(all);
  size_t n = np + internal_codes(all + np);
  assert_true(np >= 19);
  assert_true(n > np);
  for (size_t i = 0; i < n; i++) {
    const char *name = msl_err_name(all[i].value);
    const char *text = msl_strerror(all[i].value);
    assert_string_equal(name, all[i].name);
    assert_string_not_equal(text, "unknown error");
    assert_true(all[i].value <= 0);
    assert_true(all[i].value == 0 || all[i].value >= -599);
    for (size_t j = 0; j < i; j++) {
      assert_int_not_equal(all[i].value, all[j].value);
      assert_string_not_equal(all[i].name, all[j].name);
      assert_string_not_equal(text, msl_strerror(all[j].value));
    }
  }
}

/* A name leads back to its value and a value to its name; anything else
 * is MSL_ERR_UNKNOWN. */
static void test_name_round_trip(void **state) {
  (void)state;
  code all[2 * CODES_MAX];
  size_t np = public_codes(all);
  size_t n = np + internal_codes(all + np);
  size_t known = 0;
  for (int v = -1000; v <= 1000; v++) {
    const char *name = msl_err_name(v);
    assert_non_null(name);
    if (strcmp(name, "MSL_ERR_UNKNOWN") == 0) {
      assert_string_equal(msl_strerror(v), "unknown error");
      continue;
    }
    known++;
    size_t i = 0;
    while (i < n && strcmp(all[i].name, name) != 0)
      i++;
    if (i == n)
      fail_msg("%d is named %s, which no header declares", v, name);
    assert_int_equal(all[i].value, v);
  }
  assert_int_equal(known, n);
  assert_string_equal(msl_err_name(MSL_OK), "MSL_OK");
  assert_string_equal(msl_err_name(MSL_ERR_QUEUE_FULL), "MSL_ERR_QUEUE_FULL");
  assert_string_equal(msl_err_name(MSL_ERR_TRUNCATED), "MSL_ERR_TRUNCATED");
  assert_string_equal(msl_err_name(INT32_MIN), "MSL_ERR_UNKNOWN");
}

/* The public header declares none of the codec's codes, by name or by
 * value; msl_err_public lets public codes through and maps the others. */
static void test_public_header_has_no_internal_code(void **state) {
  (void)state;
  code pub[CODES_MAX], in[CODES_MAX];
  size_t np = public_codes(pub), ni = internal_codes(in);
  assert_true(ni >= 5);
  for (size_t i = 0; i < ni; i++) {
    assert_true(msl_err_is_internal(in[i].value));
    assert_int_equal(msl_err_public(in[i].value), MSL_ERR_INVALID);
    for (size_t j = 0; j < np; j++) {
      assert_int_not_equal(in[i].value, pub[j].value);
      assert_string_not_equal(in[i].name, pub[j].name);
    }
  }
  for (size_t j = 0; j < np; j++) {
    assert_false(msl_err_is_internal(pub[j].value));
    assert_int_equal(msl_err_public(pub[j].value), pub[j].value);
  }
  /* A length passes; a number that is no code becomes INVALID. */
  assert_int_equal(msl_err_public(42), 42);
  assert_int_equal(msl_err_public(-1), MSL_ERR_INVALID);
  assert_int_equal(msl_err_public(-501), MSL_ERR_INVALID); /* retired */
}

/* The one errno map. */
static void test_errno_map(void **state) {
  (void)state;
  static const struct {
    int e, want;
  } v[] = {
      {ENOENT, MSL_ERR_NOT_FOUND},     {ECONNREFUSED, MSL_ERR_NOT_FOUND},
      {ECONNRESET, MSL_ERR_NOT_FOUND}, {EPIPE, MSL_ERR_NOT_FOUND},
      {EACCES, MSL_ERR_ACCESS},        {EPERM, MSL_ERR_ACCESS},
      {ELOOP, MSL_ERR_ACCESS},         {EEXIST, MSL_ERR_EXISTS},
      {EADDRINUSE, MSL_ERR_EXISTS},    {EAGAIN, MSL_ERR_QUEUE_FULL},
      {ENOBUFS, MSL_ERR_QUEUE_FULL},   {EMSGSIZE, MSL_ERR_MSG_TOO_BIG},
      {ENOMEM, MSL_ERR_NOMEM},         {EIO, MSL_ERR_SYSTEM},
      {0, MSL_ERR_SYSTEM},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    assert_int_equal(msl_err_from_errno(v[i].e), v[i].want);
}

/* ---- the API boundary: a peer's bad answer ---- */

static char g_dir[64];

static int setup_dirs(void **state) {
  (void)state;
  if (test_tmpdir(g_dir, sizeof(g_dir), "test-errors", NULL))
    return -1;
  char run[128], ctl[128];
  snprintf(run, sizeof(run), "%s/run", g_dir);
  snprintf(ctl, sizeof(ctl), "%s/ctl", g_dir);
  if (mkdir(run, 0700) != 0 || mkdir(ctl, 0755) != 0 || chmod(ctl, 0755))
    return -1;
  setenv("MAILSLOT_RUNDIR", run, 1);
  setenv("MAILSLOT_CTLDIR", ctl, 1);
  return 0;
}

static int teardown_dirs(void **state) {
  (void)state;
  return test_rmtree(g_dir);
}

/* A peer that takes one request on fd and answers it with `reply`
 * (len bytes): on the descriptor passed with the request when `on_passed`
 * (a mailslot reader answering an info request), else on the connection
 * accepted from fd (mailslotd answering a control request). */
typedef struct peer {
  int fd;
  int on_passed;
  const void *reply;
  size_t len;
  pthread_t th;
} peer;

static void *peer_main(void *arg) {
  peer *p = arg;
  int conn = p->on_passed ? p->fd : -1;
  struct pollfd pf = {p->fd, POLLIN, 0};
  if (poll(&pf, 1, 5000) != 1)
    return NULL;
  if (!p->on_passed && (conn = accept(p->fd, NULL, NULL)) < 0)
    return NULL;
  uint8_t buf[1024];
  union {
    char b[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } cb;
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr mh;
  memset(&mh, 0, sizeof(mh));
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cb.b;
  mh.msg_controllen = sizeof(cb.b);
  int passed = -1;
  if (recvmsg(conn, &mh, 0) >= 0) {
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (c && c->cmsg_type == SCM_RIGHTS)
      memcpy(&passed, CMSG_DATA(c), sizeof(int));
  }
  int to = p->on_passed ? passed : conn;
  if (to >= 0 && send(to, p->reply, p->len, MSG_NOSIGNAL) < 0)
    perror("peer: send");
  if (passed >= 0)
    close(passed);
  if (conn != p->fd)
    close(conn);
  return NULL;
}

static void peer_start(peer *p) {
  assert_int_equal(pthread_create(&p->th, NULL, peer_main, p), 0);
}

static void peer_stop(peer *p) {
  pthread_join(p->th, NULL);
  close(p->fd);
}

/* An AF_UNIX socket of `type` bound at dir/file. */
static int bound(int type, const char *dir, const char *file) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, file);
  unlink(sa.sun_path);
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  if (type == SOCK_SEQPACKET)
    assert_int_equal(listen(fd, 4), 0);
  return fd;
}

/* msl_query against a reader whose answer is cut short: the decoder's
 * MSL_ERR_TRUNCATED used to come back as is; a public function reports a
 * reply that does not parse as MSL_ERR_INVALID. */
static void test_query_short_reply_is_invalid(void **state) {
  (void)state;
  static const char path[] = "\\\\.\\mailslot\\errors\\short";
  static const uint8_t cut[3] = {1, 4, 0}; /* a 24-byte reply, cut */
  msl_handle *r;
  msl_path p;
  msl_slot_names n;
  char run[256];
  assert_int_equal(msl_create(path, 0, 0, &r), 0);
  /* Our socket in place of the reader's: the lock is still the reader's,
   * so the slot stays live and the request comes to us. */
  assert_true(msl_rundir(run, sizeof(run)) > 0);
  assert_int_equal(msl_path_parse(&p, path), 0);
  assert_int_equal(msl_slot_names_of(&p, &n), 0);
  peer fake = {bound(SOCK_DGRAM, run, n.sock), 1, cut, sizeof(cut), 0};
  peer_start(&fake);
  uint32_t max = 7;
  int rc = msl_query(path, 3000, &max, NULL, NULL, NULL);
  peer_stop(&fake);
  msl_close(r);
  assert_int_equal(rc, MSL_ERR_INVALID);
  assert_int_equal(max, 7); /* nothing filled in */
}

/* A mailslotd answering "err N" with a codec code or with a number that is
 * no code at all: the callers see MSL_ERR_INVALID, never N. */
static void ctl_reply(const char *reply, int (*call)(void)) {
  peer d = {bound(SOCK_SEQPACKET, getenv("MAILSLOT_CTLDIR"), MSL_CTL_NAME), 0,
            reply, strlen(reply), 0};
  peer_start(&d);
  int rc = call();
  peer_stop(&d);
  assert_int_equal(rc, MSL_ERR_INVALID);
}

static int call_status(void) {
  char buf[256];
  return msl_service_query_status(buf, sizeof(buf));
}

static int call_open(void) {
  msl_handle *h = NULL;
  int rc = msl_open_ex("\\\\SOMEHOST\\mailslot\\x", 0, &h);
  msl_close(h);
  return rc;
}

static void test_daemon_codes_are_public(void **state) {
  (void)state;
  char bad[32];
  snprintf(bad, sizeof(bad), "err %d\n", MSL_ERR_TRUNCATED);
  ctl_reply(bad, call_status);
  ctl_reply("err -7\n", call_status);
  snprintf(bad, sizeof(bad), "err %d\n", MSL_ERR_NOT_MAILSLOT);
  ctl_reply(bad, call_open);
  /* A public code passes unchanged; no daemon at all is NO_SERVICE. */
  peer d = {bound(SOCK_SEQPACKET, getenv("MAILSLOT_CTLDIR"), MSL_CTL_NAME), 0,
            "err -509\n", 9, 0};
  peer_start(&d);
  assert_int_equal(call_open(), MSL_ERR_TOO_MANY);
  peer_stop(&d);
  char sock[256];
  snprintf(sock, sizeof(sock), "%s/%s", getenv("MAILSLOT_CTLDIR"),
           MSL_CTL_NAME);
  unlink(sock);
  assert_int_equal(call_status(), MSL_ERR_NO_SERVICE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_dirs, teardown_dirs)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_distinct_names_and_messages),
      cmocka_unit_test(test_name_round_trip),
      cmocka_unit_test(test_public_header_has_no_internal_code),
      cmocka_unit_test(test_errno_map),
      T(test_query_short_reply_is_invalid),
      T(test_daemon_codes_are_public),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
