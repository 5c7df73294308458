/*
 * Local mailslots (api/msl_local.c): the Win32 mailslot behaviours listed in
 * Wine's dlls/kernel32/tests/mailslot.c, re-tested here in our own terms,
 * plus the multi-process proofs (fork): many writers, SIGKILLed
 * readers, timeouts. Every test runs in a private MAILSLOT_RUNDIR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mailslot.h"
#include "msl_lhdr.h"
#include "msl_local.h"
#include "msl_path.h"
#include "msl_rundir.h"
#include "test_util.h"

#define SLOT "\\\\.\\mailslot\\test_local"

static char g_rundir[64];

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Each test gets an empty run directory of its own. */
static int setup(void **state) {
  (void)state;
  return test_tmpdir(g_rundir, sizeof(g_rundir), "test-local",
                     "MAILSLOT_RUNDIR");
}

static int teardown(void **state) {
  (void)state;
  assert_int_equal(test_rmtree(g_rundir), 0);
  return 0;
}

/* ---- paths ---- */

/* Creates SLOT (no size limit, no wait) into *r and opens a writer to it
 * into *w. */
static void slot_with_writer(msl_handle **r, msl_handle **w) {
  assert_int_equal(msl_create(SLOT, 0, 0, r), 0);
  assert_int_equal(msl_open(SLOT, w), 0);
}

static void test_path_valid(void **state) {
  (void)state;
  msl_path p;
  assert_int_equal(msl_path_parse(&p, "\\\\.\\mailslot\\abc"), 0);
  assert_int_equal(p.kind, MSL_PATH_LOCAL);
  assert_string_equal(p.name, "ABC");
  assert_int_equal(p.name_len, 3);
  /* sub-paths, '/' for '\', case of the "mailslot" keyword */
  assert_int_equal(msl_path_parse(&p, "//./MailSlot/app/Events"), 0);
  assert_string_equal(p.name, "APP\\EVENTS");
  assert_int_equal(msl_path_parse(&p, "\\\\*\\mailslot\\browse"), 0);
  assert_int_equal(p.kind, MSL_PATH_DOMAIN);
  assert_int_equal(msl_path_parse(&p, "\\\\server1\\MAILSLOT\\net\\netlogon"),
                   0);
  assert_int_equal(p.kind, MSL_PATH_HOST);
  assert_string_equal(p.host, "server1"); /* as written */
  assert_false(p.host_dotted);
  assert_string_equal(p.name, "NET\\NETLOGON");
  /* IPv4 addresses and DNS names (network paths only) */
  assert_int_equal(msl_path_parse(&p, "\\\\10.0.0.7\\mailslot\\x"), 0);
  assert_int_equal(p.kind, MSL_PATH_HOST);
  assert_true(p.host_dotted);
  assert_int_equal(msl_path_parse(&p, "\\\\a.b\\mailslot\\Net\\x"), 0);
  assert_string_equal(p.host, "a.b");
  assert_string_equal(p.name, "NET\\X");
  assert_string_equal(p.name_raw, "Net\\x");
  /* spaces and punctuation Win32 allows in file names */
  assert_int_equal(msl_path_parse(&p, "\\\\.\\mailslot\\a b$#%+"), 0);
  assert_string_equal(p.name, "A B$#%+");
}

static void test_path_invalid(void **state) {
  (void)state;
  msl_path p;
  static const char *bad[] = {
      "",
      "blah", /* Wine: CreateMailslotA("blah") -> ERROR_INVALID_NAME */
      "\\\\.\\mailslot",
      "\\\\.\\mailslot\\",
      "\\\\.\\mailslot\\a\\",
      "\\\\.\\mailslot\\a\\\\b",
      "\\\\.\\mailslo\\a",
      "\\\\.\\mailslotx\\a",
      "\\.\\mailslot\\a",
      "\\\\\\mailslot\\a",
      "\\\\.",
      "\\\\.\\",
      "\\\\.\\pipe\\a",
      "\\\\.\\mailslot\\a:b",
      "\\\\.\\mailslot\\a*",
      "\\\\.\\mailslot\\a?",
      "\\\\.\\mailslot\\a\"",
      "\\\\.\\mailslot\\a<",
      "\\\\.\\mailslot\\a>",
      "\\\\.\\mailslot\\a|",
      "\\\\.\\mailslot\\a\tb",
      "\\\\.\\mailslot\\caf\xc3\xa9",
      "\\\\SIXTEENCHARSXXXX\\mailslot\\a",
      "\\\\a_b.c\\mailslot\\a", /* dotted: DNS characters only */
      "\\\\a b.c\\mailslot\\a",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int r = msl_path_parse(&p, bad[i]);
    if (r != MSL_ERR_BAD_PATH)
      fail_msg("accepted bad path #%zu \"%s\" (%d)", i, bad[i], r);
  }
  assert_int_equal(msl_path_parse(&p, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_path_parse(NULL, "\\\\.\\mailslot\\a"), MSL_ERR_ARG);
  /* MSL_PATH_NAME_MAX bytes pass, one more fails */
  char longp[600];
  int n = snprintf(longp, sizeof(longp), "\\\\.\\mailslot\\");
  memset(longp + n, 'x', MSL_PATH_NAME_MAX);
  longp[n + MSL_PATH_NAME_MAX] = '\0';
  assert_int_equal(msl_path_parse(&p, longp), 0);
  longp[n + MSL_PATH_NAME_MAX] = 'x';
  longp[n + MSL_PATH_NAME_MAX + 1] = '\0';
  assert_int_equal(msl_path_parse(&p, longp), MSL_ERR_BAD_PATH);
}

static void test_path_stem(void **state) {
  (void)state;
  msl_path p, q;
  char a[MSL_PATH_FILE_MAX + 1], b[MSL_PATH_FILE_MAX + 1];
  assert_int_equal(msl_path_parse(&p, "\\\\.\\mailslot\\App\\ev_1.x-y"), 0);
  assert_int_equal(msl_path_file_stem(&p, a, sizeof(a)), 12);
  assert_string_equal(a, "APP+EV_1.X-Y");
  /* "A\B" and "A+B" must not share a file */
  assert_int_equal(msl_path_parse(&q, "\\\\.\\mailslot\\a+b"), 0);
  assert_int_equal(msl_path_file_stem(&q, b, sizeof(b)), 5);
  assert_string_equal(b, "A%2BB");
  assert_int_equal(msl_path_parse(&q, "\\\\.\\mailslot\\a/b"), 0);
  assert_int_equal(msl_path_file_stem(&q, b, sizeof(b)), 3);
  assert_string_equal(b, "A+B");
  /* "..": a plain stem, never a directory (a suffix is always added) */
  assert_int_equal(msl_path_parse(&q, "\\\\.\\mailslot\\.."), 0);
  assert_int_equal(msl_path_file_stem(&q, b, sizeof(b)), 2);
  /* too long once escaped */
  char longp[300];
  int n = snprintf(longp, sizeof(longp), "\\\\.\\mailslot\\");
  memset(longp + n, '#', 30);
  longp[n + 30] = '\0';
  assert_int_equal(msl_path_parse(&q, longp), 0);
  assert_int_equal(msl_path_file_stem(&q, b, sizeof(b)), MSL_ERR_BAD_PATH);
  assert_int_equal(msl_path_file_stem(&p, b, 5), MSL_ERR_BUFFER_TOO_SMALL);
}

/* ---- the datagram header ---- */

static void test_lhdr(void **state) {
  (void)state;
  uint8_t buf[64];
  msl_lhdr h;
  msl_msg_info in, out;
  assert_int_equal(msl_lhdr_encode(NULL, buf, sizeof(buf)), MSL_LHDR_LEN);
  static const uint8_t local[4] = {1, 0, 0, 0};
  assert_memory_equal(buf, local, 4);
  assert_int_equal(msl_lhdr_decode(&h, &out, buf, 4), 4);
  assert_int_equal(out.origin, MSL_ORIGIN_LOCAL);

  memset(&in, 0, sizeof(in));
  in.origin = MSL_ORIGIN_NETWORK;
  in.dgram_type = 0x11;
  in.src_port = 138;
  memcpy(in.src_ip, "\xc0\xa8\x01\x02", 4);
  memcpy(in.src_name, "HOSTA          \x00", 16);
  memcpy(in.dst_name, "WORKGROUP      \x1d", 16);
  int n = msl_lhdr_encode(&in, buf, sizeof(buf));
  assert_int_equal(n, MSL_LHDR_LEN + MSL_LHDR_EXT_LEN);
  assert_int_equal(buf[1], MSL_LHDR_F_EXT);
  assert_int_equal(buf[2], 40);
  assert_int_equal(buf[6], 0); /* port 138 big-endian */
  assert_int_equal(buf[7], 138);
  assert_int_equal(msl_lhdr_decode(&h, &out, buf, (size_t)n), n);
  assert_memory_equal(&in, &out, sizeof(in));
  /* every prefix of a valid header fails cleanly */
  for (int i = 0; i < n; i++)
    assert_true(msl_lhdr_decode(&h, &out, buf, (size_t)i) < 0);
  assert_int_equal(msl_lhdr_encode(&in, buf, 10), MSL_ERR_BUFFER_TOO_SMALL);
  /* other versions, ext_len without flag, short extension */
  uint8_t bad[44] = {2, 0, 0, 0};
  assert_int_equal(msl_lhdr_decode(&h, NULL, bad, 4), MSL_ERR_UNSUPPORTED);
  bad[0] = 1;
  bad[2] = 4;
  assert_int_equal(msl_lhdr_decode(&h, NULL, bad, 8), MSL_ERR_INVALID);
  bad[1] = MSL_LHDR_F_EXT;
  bad[2] = 39;
  assert_int_equal(msl_lhdr_decode(&h, NULL, bad, 44), MSL_ERR_INVALID);
  bad[2] = 0xff; /* longer than the datagram */
  bad[3] = 0x03;
  assert_int_equal(msl_lhdr_decode(&h, NULL, bad, 44), MSL_ERR_TRUNCATED);
  assert_int_equal(msl_lhdr_decode(&h, NULL, NULL, 0), MSL_ERR_TRUNCATED);
  /* control datagrams are never messages */
  static const uint8_t q[4] = {1, MSL_LHDR_F_QUERY, 0, 0};
  assert_int_equal(msl_lhdr_decode(&h, NULL, q, 4), MSL_ERR_INVALID);
  /* info reply: encode, decode, every prefix fails, trailing byte fails */
  msl_lhdr_reply v = {100, 5, 3, MSL_WAIT_FOREVER, 0}, v2;
  uint8_t rb[MSL_LHDR_REPLY_LEN + 1];
  assert_int_equal(msl_lhdr_reply_encode(&v, rb, sizeof(rb)),
                   MSL_LHDR_REPLY_LEN);
  static const uint8_t want[MSL_LHDR_REPLY_LEN] = {
      1, 4, 0, 0, 100, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
  assert_memory_equal(rb, want, MSL_LHDR_REPLY_LEN);
  assert_int_equal(msl_lhdr_reply_decode(&v2, rb, MSL_LHDR_REPLY_LEN), 0);
  assert_memory_equal(&v, &v2, sizeof(v));
  for (int i = 0; i < MSL_LHDR_REPLY_LEN; i++)
    assert_int_equal(msl_lhdr_reply_decode(&v2, rb, (size_t)i),
                     MSL_ERR_TRUNCATED);
  assert_int_equal(msl_lhdr_reply_decode(&v2, rb, MSL_LHDR_REPLY_LEN + 1),
                   MSL_ERR_INVALID);
  rb[1] = MSL_LHDR_F_QUERY;
  assert_int_equal(msl_lhdr_reply_decode(&v2, rb, MSL_LHDR_REPLY_LEN),
                   MSL_ERR_INVALID);
  assert_int_equal(msl_lhdr_reply_encode(&v, rb, 10), MSL_ERR_BUFFER_TOO_SMALL);
}

/* ---- create / open ---- */

static void test_create_info_defaults(void **state) {
  (void)state;
  msl_handle *r;
  uint32_t max, next, count, to;
  /* Wine: CreateMailslotA(path, -1, -1) then GetMailslotInfo */
  assert_int_equal(msl_create(SLOT, 0xffffffffu, MSL_WAIT_FOREVER, &r), 0);
  max = next = count = to = 0;
  assert_int_equal(msl_get_info(r, &max, &next, &count, &to), 0);
  assert_int_equal(max, 0xffffffffu);
  assert_int_equal(next, MSL_NO_MESSAGE);
  assert_int_equal(count, 0);
  assert_int_equal(to, MSL_WAIT_FOREVER);
  assert_int_equal(msl_get_info(r, NULL, NULL, NULL, NULL), 0);
  msl_close(r);
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  assert_int_equal(msl_get_info(r, &max, &next, &count, &to), 0);
  assert_int_equal(max, 0);
  assert_int_equal(to, 0);
  assert_int_equal(msl_set_timeout(r, 1234), 0);
  assert_int_equal(msl_get_info(r, NULL, NULL, NULL, &to), 0);
  assert_int_equal(to, 1234);
  /* what other processes can see by path */
  long pid = 0;
  max = to = 7;
  assert_int_equal(msl_stat("//./mailslot/Test_Local", &max, &to, &pid), 0);
  assert_int_equal(max, 0);
  assert_int_equal(to, 1234);
  assert_int_equal(pid, (long)getpid());
  assert_int_equal(msl_stat(SLOT, NULL, NULL, NULL), 0);
  assert_int_equal(msl_stat(NULL, NULL, NULL, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_stat("\\\\.\\mailslot\\nope", NULL, NULL, NULL),
                   MSL_ERR_NOT_FOUND);
  msl_close(r);
  assert_int_equal(msl_get_info(NULL, &max, NULL, NULL, NULL), MSL_ERR_ARG);
  msl_close(NULL);
}

static void test_create_errors(void **state) {
  (void)state;
  msl_handle *r, *r2 = (msl_handle *)1;
  assert_int_equal(msl_create("blah", 0, 0, &r2), MSL_ERR_BAD_PATH);
  assert_null(r2);
  assert_int_equal(msl_create(NULL, 0, 0, &r2), MSL_ERR_ARG);
  assert_int_equal(msl_create(SLOT, 0, 0, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_create("\\\\.\\mailslot\\", 0, 0, &r2),
                   MSL_ERR_BAD_PATH);
  assert_int_equal(msl_create("\\\\host\\mailslot\\x", 0, 0, &r2),
                   MSL_ERR_BAD_PATH);
  assert_int_equal(msl_create("\\\\.\\mailslot\\a*b", 0, 0, &r2),
                   MSL_ERR_BAD_PATH);
  /* the same name, in any case or spelling, exists once */
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  assert_int_equal(msl_create(SLOT, 0, 0, &r2), MSL_ERR_EXISTS);
  assert_int_equal(msl_create("//./MAILSLOT/TEST_LOCAL", 0, 0, &r2),
                   MSL_ERR_EXISTS);
  msl_close(r);
  assert_int_equal(msl_create(SLOT, 0, 0, &r2), 0);
  msl_close(r2);
}

static void test_open_errors(void **state) {
  (void)state;
  msl_handle *w = (msl_handle *)1;
  /* Wine: open a mailslot that doesn't exist */
  assert_int_equal(msl_open(SLOT, &w), MSL_ERR_NOT_FOUND);
  assert_null(w);
  assert_int_equal(msl_open("blah", &w), MSL_ERR_BAD_PATH);
  assert_int_equal(msl_open(NULL, &w), MSL_ERR_ARG);
  /* the local part refuses network paths (msl_open sends them) */
  assert_int_equal(msl_local_open("\\\\HOST\\mailslot\\x", &w),
                   MSL_ERR_UNSUPPORTED);
  /* a missing run directory is "not found" too, and open never makes it */
  setenv("MAILSLOT_RUNDIR", "/nonexistent/msl-test", 1);
  assert_int_equal(msl_open(SLOT, &w), MSL_ERR_NOT_FOUND);
  setenv("MAILSLOT_RUNDIR", g_rundir, 1);
}

/* ---- Wine's mailslot_test() sequence ---- */

static void test_wine_sequence(void **state) {
  (void)state;
  msl_handle *r, *w, *w2;
  uint8_t buf[16];
  uint32_t max, next, count, to;
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  /* nothing there: zero-size and normal reads time out at once */
  assert_int_equal(msl_read(r, NULL, 0), MSL_ERR_TIMEOUT);
  assert_int_equal(msl_read(r, buf, sizeof(buf)), MSL_ERR_TIMEOUT);
  /* the reader cannot write */
  assert_int_equal(msl_write(r, buf, sizeof(buf)), MSL_ERR_ACCESS);
  assert_int_equal(msl_write_wait(r, buf, 1, 10), MSL_ERR_ACCESS);
  assert_int_equal(msl_open(SLOT, &w), 0);
  assert_int_equal(msl_read(r, buf, sizeof(buf) / 2), MSL_ERR_TIMEOUT);
  /* the writer cannot read, nor query */
  assert_int_equal(msl_read(w, buf, sizeof(buf)), MSL_ERR_ACCESS);
  assert_int_equal(msl_get_info(w, &max, NULL, NULL, NULL), MSL_ERR_ACCESS);
  assert_int_equal(msl_set_timeout(w, 5), MSL_ERR_ACCESS);
  assert_int_equal(msl_write(w, buf, sizeof(buf) / 2), 0);
  assert_int_equal(msl_read(w, buf, sizeof(buf)), MSL_ERR_ACCESS);
  /* read once, not twice */
  assert_int_equal(msl_read(r, buf, sizeof(buf)), sizeof(buf) / 2);
  assert_int_equal(msl_read(r, buf, sizeof(buf)), MSL_ERR_TIMEOUT);
  /* a second reader is refused; several writers are fine */
  msl_handle *r2;
  assert_int_equal(msl_create(SLOT, 0, 0, &r2), MSL_ERR_EXISTS);
  assert_int_equal(msl_open(SLOT, &w2), 0);
  assert_int_equal(msl_get_info(r, &max, &next, &count, &to), 0);
  assert_int_equal(next, MSL_NO_MESSAGE);
  assert_int_equal(max, 0);
  assert_int_equal(count, 0);
  assert_int_equal(to, 0);
  /* "a" from one writer, "bc" and "" from the other */
  assert_int_equal(msl_write(w, "a", 1), 0);
  assert_int_equal(msl_get_info(r, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, 1);
  assert_int_equal(count, 1);
  assert_int_equal(msl_write(w2, "bc", 2), 0);
  assert_int_equal(msl_get_info(r, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, 1);
  assert_int_equal(count, 2); /* Windows' count; Wine marks it todo */
  assert_int_equal(msl_write(w2, buf, 0), 0);
  assert_int_equal(msl_get_info(r, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, 1);
  assert_int_equal(count, 3);
  memset(buf, 0, sizeof(buf));
  assert_int_equal(msl_read(r, buf, sizeof(buf)), 1);
  assert_int_equal(buf[0], 'a');
  assert_int_equal(msl_get_info(r, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, 2);
  assert_int_equal(count, 2);
  assert_int_equal(msl_read(r, buf, sizeof(buf)), 2);
  assert_memory_equal(buf, "bc", 2);
  assert_int_equal(msl_get_info(r, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, 0); /* a zero-length message is next */
  assert_int_equal(count, 1);
  assert_int_equal(msl_read(r, buf, sizeof(buf)), 0);
  assert_int_equal(msl_get_info(r, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, MSL_NO_MESSAGE);
  assert_int_equal(count, 0);
  assert_int_equal(msl_read(r, buf, sizeof(buf)), MSL_ERR_TIMEOUT);
  msl_close(w2);
  msl_close(w);
  msl_close(r);
}

static void test_buffer_too_small_keeps_message(void **state) {
  (void)state;
  msl_handle *r, *w;
  uint8_t buf[64];
  uint32_t next, count;
  slot_with_writer(&r, &w);
  /* still in the kernel queue when the short read comes */
  assert_int_equal(msl_write(w, "0123456789", 10), 0);
  assert_int_equal(msl_write(w, "xy", 2), 0);
  assert_int_equal(msl_read(r, buf, 5), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_read(r, NULL, 0), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_get_info(r, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, 10);
  assert_int_equal(count, 2);
  assert_int_equal(msl_read(r, buf, 9), MSL_ERR_BUFFER_TOO_SMALL);
  memset(buf, 0, sizeof(buf));
  assert_int_equal(msl_read(r, buf, 10), 10);
  assert_memory_equal(buf, "0123456789", 10);
  assert_int_equal(msl_read(r, buf, 2), 2);
  assert_memory_equal(buf, "xy", 2);
  /* a zero-length message fits a zero-length buffer */
  assert_int_equal(msl_write(w, "", 0), 0);
  assert_int_equal(msl_read(r, NULL, 0), 0);
  assert_int_equal(msl_read(r, NULL, 0), MSL_ERR_TIMEOUT);
  assert_int_equal(msl_read(r, NULL, 5), MSL_ERR_ARG);
  assert_int_equal(msl_read(NULL, buf, 5), MSL_ERR_ARG);
  assert_int_equal(msl_write(w, NULL, 5), MSL_ERR_ARG);
  assert_int_equal(msl_write(NULL, buf, 5), MSL_ERR_ARG);
  msl_close(w);
  msl_close(r);
}

static void test_max_size(void **state) {
  (void)state;
  msl_handle *r, *w;
  uint8_t big[MSL_LOCAL_MSG_MAX + 1];
  uint32_t count;
  memset(big, 0x5a, sizeof(big));
  assert_int_equal(msl_create(SLOT, 16, 0, &r), 0);
  assert_int_equal(msl_open(SLOT, &w), 0);
  assert_int_equal(msl_write(w, big, 17), MSL_ERR_MSG_TOO_BIG);
  assert_int_equal(msl_get_info(r, NULL, NULL, &count, NULL), 0);
  assert_int_equal(count, 0); /* nothing delivered */
  assert_int_equal(msl_write(w, big, 16), 0);
  assert_int_equal(msl_read(r, big, sizeof(big)), 16);
  msl_close(w);
  msl_close(r);
  /* 0 = any size, up to MSL_LOCAL_MSG_MAX */
  slot_with_writer(&r, &w);
  assert_int_equal(msl_write(w, big, MSL_LOCAL_MSG_MAX + 1),
                   MSL_ERR_MSG_TOO_BIG);
  assert_int_equal(msl_write(w, big, MSL_LOCAL_MSG_MAX), 0);
  memset(big, 0, sizeof(big));
  assert_int_equal(msl_read(r, big, sizeof(big)), MSL_LOCAL_MSG_MAX);
  assert_int_equal(big[0], 0x5a);
  assert_int_equal(big[MSL_LOCAL_MSG_MAX - 1], 0x5a);
  msl_close(w);
  msl_close(r);
}

static void test_close_removes_name(void **state) {
  (void)state;
  msl_handle *r, *w, *w2;
  char path[512];
  struct stat st;
  slot_with_writer(&r, &w);
  snprintf(path, sizeof(path), "%s/TEST_LOCAL.sock", g_rundir);
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISSOCK(st.st_mode));
  msl_close(r);
  assert_int_equal(stat(path, &st), -1);
  snprintf(path, sizeof(path), "%s/TEST_LOCAL.lock", g_rundir);
  assert_int_equal(stat(path, &st), -1);
  assert_int_equal(msl_open(SLOT, &w2), MSL_ERR_NOT_FOUND);
  /* the old writer learns the reader is gone */
  assert_int_equal(msl_write(w, "x", 1), MSL_ERR_NOT_FOUND);
  /* a new reader with the same name is a new slot */
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  assert_int_equal(msl_write(w, "x", 1), MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_open(SLOT, &w2), 0);
  assert_int_equal(msl_write(w2, "y", 1), 0);
  char c;
  assert_int_equal(msl_read(r, &c, 1), 1);
  assert_int_equal(c, 'y');
  msl_close(w2);
  msl_close(w);
  msl_close(r);
}

static void test_case_and_subpaths(void **state) {
  (void)state;
  msl_handle *r1, *r2, *w;
  char buf[8];
  assert_int_equal(msl_create("\\\\.\\mailslot\\App\\Events", 0, 0, &r1), 0);
  assert_int_equal(msl_create("\\\\.\\mailslot\\App", 0, 0, &r2), 0);
  assert_int_equal(msl_open("//./MAILSLOT/app/EVENTS", &w), 0);
  assert_int_equal(msl_write(w, "ev", 2), 0);
  msl_close(w);
  assert_int_equal(msl_open("\\\\.\\mailslot\\aPP", &w), 0);
  assert_int_equal(msl_write(w, "app", 3), 0);
  msl_close(w);
  assert_int_equal(msl_read(r1, buf, sizeof(buf)), 2);
  assert_memory_equal(buf, "ev", 2);
  assert_int_equal(msl_read(r2, buf, sizeof(buf)), 3);
  assert_memory_equal(buf, "app", 3);
  assert_int_equal(msl_open("\\\\.\\mailslot\\App\\Other", &w),
                   MSL_ERR_NOT_FOUND);
  msl_close(r1);
  msl_close(r2);
}

static void test_rundirs_isolated(void **state) {
  (void)state;
  char other[128], got[512];
  msl_handle *a, *b, *w;
  snprintf(other, sizeof(other), "%s/other-host", g_rundir);
  assert_int_equal(msl_rundir(got, sizeof(got)), (int)strlen(g_rundir));
  assert_string_equal(got, g_rundir);
  assert_int_equal(msl_rundir(got, 3), MSL_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(msl_create(SLOT, 0, 0, &a), 0);
  setenv("MAILSLOT_RUNDIR", other, 1);
  assert_int_equal(msl_create(SLOT, 0, 0, &b), 0); /* made the dir, too */
  assert_int_equal(msl_open(SLOT, &w), 0);
  assert_int_equal(msl_write(w, "B", 1), 0);
  msl_close(w);
  setenv("MAILSLOT_RUNDIR", g_rundir, 1);
  assert_int_equal(msl_read(a, got, sizeof(got)), MSL_ERR_TIMEOUT);
  assert_int_equal(msl_read(b, got, sizeof(got)), 1);
  msl_close(a);
  msl_close(b);
}

/* ---- queue bound ---- */

static void test_queue_full(void **state) {
  (void)state;
  msl_handle *r, *w;
  int sent = 0, rc;
  uint32_t seq;
  slot_with_writer(&r, &w);
  for (seq = 0; seq < 100000; seq++) {
    rc = msl_write(w, &seq, sizeof(seq));
    if (rc != 0)
      break;
    sent++;
  }
  assert_int_equal(rc, MSL_ERR_QUEUE_FULL);
  assert_true(sent > 0);
  /* a bounded wait on a full queue gives up after the time asked */
  long long t0 = now_ms();
  assert_int_equal(msl_write_wait(w, &seq, sizeof(seq), 100),
                   MSL_ERR_QUEUE_FULL);
  long long dt = now_ms() - t0;
  assert_true(dt >= 100 && dt <= 150);
  /* nothing that was accepted is lost, nothing refused shows up */
  for (int i = 0; i < sent; i++) {
    uint32_t v;
    assert_int_equal(msl_read(r, &v, sizeof(v)), sizeof(v));
    assert_int_equal(v, (uint32_t)i);
  }
  assert_int_equal(msl_read(r, &seq, sizeof(seq)), MSL_ERR_TIMEOUT);
  /* room again */
  assert_int_equal(msl_write_wait(w, &seq, sizeof(seq), 100), 0);
  msl_close(w);
  msl_close(r);
}

/* ---- timeouts ---- */

static void check_timeout(msl_handle *r, uint32_t ms, int explicit_to) {
  char buf[4];
  long long t0 = now_ms();
  int rc = explicit_to ? msl_read_ex(r, buf, sizeof(buf), NULL, ms)
                       : msl_read(r, buf, sizeof(buf));
  long long dt = now_ms() - t0;
  assert_int_equal(rc, MSL_ERR_TIMEOUT);
  if (dt < (long long)ms - 50 || dt > (long long)ms + 50)
    fail_msg("timeout %u ms took %lld ms", ms, dt);
  assert_true(dt >= (long long)ms); /* never early */
}

static void test_timeouts(void **state) {
  (void)state;
  msl_handle *r;
  assert_int_equal(msl_create(SLOT, 0, 200, &r), 0);
  check_timeout(r, 200, 0);
  assert_int_equal(msl_set_timeout(r, 100), 0);
  check_timeout(r, 100, 0);
  check_timeout(r, 0, 0 + 1);
  check_timeout(r, 150, 1);
  assert_int_equal(msl_set_timeout(r, 0), 0);
  check_timeout(r, 0, 0);
  msl_close(r);
}

/* A blocked reader (forever, and with a timeout) wakes for a message. */
static void test_wait_forever_wakes(void **state) {
  (void)state;
  msl_handle *r;
  char buf[8];
  assert_int_equal(msl_create(SLOT, 0, MSL_WAIT_FOREVER, &r), 0);
  for (int round = 0; round < 2; round++) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      msl_handle *w;
      usleep(100 * 1000);
      if (msl_open(SLOT, &w) != 0 || msl_write(w, "wake", 4) != 0)
        _exit(1);
      msl_close(w);
      _exit(0);
    }
    long long t0 = now_ms();
    int rc = round == 0 ? msl_read(r, buf, sizeof(buf))
                        : msl_read_ex(r, buf, sizeof(buf), NULL, 5000);
    long long dt = now_ms() - t0;
    assert_int_equal(rc, 4);
    assert_memory_equal(buf, "wake", 4);
    assert_true(dt >= 90 && dt < 2000);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  msl_close(r);
}

/* ---- many writers ---- */

#define NWRITERS 8
#define NMSGS 10000

/* Message i of writer k: [k][i (4 bytes LE)] then i % 61 bytes of k ^ i. */
static size_t make_msg(uint8_t *m, unsigned k, uint32_t i) {
  size_t extra = i % 61;
  m[0] = (uint8_t)k;
  m[1] = (uint8_t)i;
  m[2] = (uint8_t)(i >> 8);
  m[3] = (uint8_t)(i >> 16);
  m[4] = (uint8_t)(i >> 24);
  memset(m + 5, (int)((k ^ i) & 0xff), extra);
  return 5 + extra;
}

static void test_many_writers(void **state) {
  (void)state;
  msl_handle *r;
  pid_t pids[NWRITERS];
  uint32_t next[NWRITERS] = {0};
  assert_int_equal(msl_create(SLOT, 0, 5000, &r), 0);
  for (unsigned k = 0; k < NWRITERS; k++) {
    pids[k] = fork();
    assert_true(pids[k] >= 0);
    if (pids[k] == 0) {
      msl_handle *w;
      uint8_t m[80];
      if (msl_open(SLOT, &w) != 0)
        _exit(2);
      for (uint32_t i = 0; i < NMSGS; i++)
        if (msl_write_wait(w, m, make_msg(m, k, i), 5000) != 0)
          _exit(3);
      msl_close(w);
      _exit(0);
    }
  }
  uint8_t buf[128], want[80];
  for (long n = 0; n < (long)NWRITERS * NMSGS; n++) {
    int len = msl_read(r, buf, sizeof(buf));
    if (len < 5)
      fail_msg("read %ld returned %d", n, len);
    unsigned k = buf[0];
    assert_true(k < NWRITERS);
    uint32_t i = (uint32_t)buf[1] | (uint32_t)buf[2] << 8 |
                 (uint32_t)buf[3] << 16 | (uint32_t)buf[4] << 24;
    if (i != next[k])
      fail_msg("writer %u: got %u, expected %u", k, i, next[k]);
    next[k]++;
    size_t wl = make_msg(want, k, i);
    assert_int_equal((size_t)len, wl);
    assert_memory_equal(buf, want, wl);
  }
  for (unsigned k = 0; k < NWRITERS; k++) {
    int st;
    assert_int_equal(waitpid(pids[k], &st, 0), pids[k]);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(next[k], NMSGS);
  }
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), MSL_ERR_TIMEOUT);
  assert_int_equal(msl_local_dropped(r), 0);
  msl_close(r);
}

/* Threads sharing one writer handle, and a reader thread. */
#define NTHREADS 4
#define NTMSGS 2000
static msl_handle *g_w;

static void *writer_thread(void *arg) {
  unsigned k = (unsigned)(uintptr_t)arg;
  uint8_t m[80];
  for (uint32_t i = 0; i < NTMSGS; i++)
    if (msl_write_wait(g_w, m, make_msg(m, k, i), 5000) != 0)
      return (void *)1;
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  msl_handle *r;
  pthread_t t[NTHREADS];
  uint32_t next[NTHREADS] = {0};
  uint8_t buf[128];
  assert_int_equal(msl_create(SLOT, 0, 5000, &r), 0);
  assert_int_equal(msl_open(SLOT, &g_w), 0);
  for (unsigned k = 0; k < NTHREADS; k++)
    assert_int_equal(
        pthread_create(&t[k], NULL, writer_thread, (void *)(uintptr_t)k), 0);
  for (long n = 0; n < (long)NTHREADS * NTMSGS; n++) {
    uint32_t c;
    if (n % 97 == 0) /* info calls move messages to the in-process queue */
      assert_int_equal(msl_get_info(r, NULL, NULL, &c, NULL), 0);
    int len = msl_read(r, buf, sizeof(buf));
    assert_true(len >= 5);
    unsigned k = buf[0];
    assert_true(k < NTHREADS);
    uint32_t i = (uint32_t)buf[1] | (uint32_t)buf[2] << 8 |
                 (uint32_t)buf[3] << 16 | (uint32_t)buf[4] << 24;
    assert_int_equal(i, next[k]);
    next[k]++;
  }
  for (unsigned k = 0; k < NTHREADS; k++) {
    void *ret;
    assert_int_equal(pthread_join(t[k], &ret), 0);
    assert_null(ret);
  }
  msl_close(g_w);
  msl_close(r);
}

/* ---- reader death ---- */

static void test_sigkill_reader(void **state) {
  (void)state;
  int p[2];
  char c;
  msl_handle *r, *w;
  assert_int_equal(pipe(p), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    if (msl_create(SLOT, 0, MSL_WAIT_FOREVER, &r) != 0)
      _exit(1);
    if (write(p[1], "k", 1) != 1)
      _exit(1);
    for (;;)
      pause();
  }
  close(p[1]);
  assert_int_equal(read(p[0], &c, 1), 1);
  close(p[0]);
  assert_int_equal(msl_create(SLOT, 0, 0, &r), MSL_ERR_EXISTS);
  assert_int_equal(msl_open(SLOT, &w), 0);
  msl_close(w);
  assert_int_equal(kill(pid, SIGKILL), 0);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFSIGNALED(st));
  /* its files are still there, but nobody answers: not found */
  assert_int_equal(msl_open(SLOT, &w), MSL_ERR_NOT_FOUND);
  assert_int_equal(msl_stat(SLOT, NULL, NULL, NULL), MSL_ERR_NOT_FOUND);
  /* and the name can be created again */
  slot_with_writer(&r, &w);
  assert_int_equal(msl_write(w, "again", 5), 0);
  char buf[8];
  assert_int_equal(msl_read(r, buf, sizeof(buf)), 5);
  msl_close(w);
  msl_close(r);
}

/* A forked child closing its inherited copy keeps the parent's slot. */
static void test_fork_child_close(void **state) {
  (void)state;
  msl_handle *r, *w;
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    msl_close(r);
    _exit(0);
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_int_equal(msl_open(SLOT, &w), 0);
  assert_int_equal(msl_write(w, "ok", 2), 0);
  char buf[4];
  assert_int_equal(msl_read(r, buf, sizeof(buf)), 2);
  msl_close(w);
  msl_close(r);
}

/* ---- pollable descriptor ---- */

static int readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_poll_fd(void **state) {
  (void)state;
  msl_handle *r, *w;
  uint32_t count;
  char buf[8];
  slot_with_writer(&r, &w);
  int fd = msl_fd(r);
  assert_true(fd >= 0);
  assert_int_equal(msl_fd(r), fd);
  assert_false(readable(fd));
  assert_int_equal(msl_write(w, "1", 1), 0);
  assert_int_equal(msl_write(w, "2", 1), 0);
  assert_true(readable(fd));
  /* info moves both into the in-process queue: still readable */
  assert_int_equal(msl_get_info(r, NULL, NULL, &count, NULL), 0);
  assert_int_equal(count, 2);
  assert_true(readable(fd));
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 1);
  assert_true(readable(fd));
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 1);
  assert_false(readable(fd));
  /* a poll() wakes when a message arrives */
  struct pollfd p = {fd, POLLIN, 0};
  pid_t pid = fork();
  if (pid == 0) {
    usleep(50 * 1000);
    _exit(msl_write(w, "3", 1) == 0 ? 0 : 1);
  }
  assert_int_equal(poll(&p, 1, 5000), 1);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 1);
  assert_int_equal(buf[0], '3');
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  /* a writer's fd is writable while the queue has room */
  int wfd = msl_fd(w);
  struct pollfd q = {wfd, POLLOUT, 0};
  assert_int_equal(poll(&q, 1, 0), 1);
  while (msl_write(w, "f", 1) == 0)
    ;
  assert_int_equal(poll(&q, 1, 0), 0);
  msl_close(w);
  msl_close(r);
  assert_int_equal(msl_fd(NULL), MSL_ERR_ARG);
}

/* ---- sender details and foreign datagrams ---- */

static void test_network_origin(void **state) {
  (void)state;
  msl_handle *r, *w;
  msl_msg_info in, out;
  char buf[16];
  assert_int_equal(msl_create(SLOT, 8, 0, &r), 0);
  assert_int_equal(msl_open(SLOT, &w), 0);
  memset(&in, 0, sizeof(in));
  in.origin = MSL_ORIGIN_NETWORK;
  in.dgram_type = 0x10;
  in.src_port = 138;
  memcpy(in.src_ip, "\x0a\x00\x00\x07", 4);
  memcpy(in.src_name, "PC7            \x00", 16);
  memcpy(in.dst_name, "HOST           \x00", 16);
  assert_int_equal(msl_local_send(w, "net", 3, &in, 0), 0);
  assert_int_equal(msl_write(w, "loc", 3), 0);
  assert_int_equal(msl_local_send(w, "012345678", 9, &in, 0),
                   MSL_ERR_MSG_TOO_BIG);
  memset(&out, 0xff, sizeof(out));
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), &out, 0), 3);
  assert_memory_equal(buf, "net", 3);
  /* Our own network origin is believed; uid and pid are the kernel's. */
  in.uid = (uint32_t)geteuid();
  in.pid = (int32_t)getpid();
  assert_memory_equal(&in, &out, sizeof(in));
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), &out, 0), 3);
  assert_int_equal(out.origin, MSL_ORIGIN_LOCAL);
  assert_int_equal(out.src_port, 0);
  assert_int_equal(out.uid, geteuid());
  assert_int_equal(out.pid, getpid());
  msl_close(w);
  msl_close(r);
}

static void test_foreign_datagrams_dropped(void **state) {
  (void)state;
  msl_handle *r;
  char buf[16];
  struct sockaddr_un sa;
  assert_int_equal(msl_create(SLOT, 4, 0, &r), 0);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/TEST_LOCAL.sock", g_rundir);
  static const uint8_t junk[][9] = {
      {1},                         /* too short */
      {9, 0, 0, 0, 'v'},           /* unknown version */
      {1, 0, 4, 0, 'e'},           /* ext_len without flag */
      {1, 1, 40, 0},               /* extension missing */
      {1, 0, 0, 0, 1, 2, 3, 4, 5}, /* over the slot's maximum (4) */
  };
  static const size_t jl[] = {1, 5, 5, 4, 9};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(
        sendto(s, junk[i], jl[i], 0, (struct sockaddr *)&sa, sizeof(sa)),
        (ssize_t)jl[i]);
  static const uint8_t good[] = {1, 0, 0, 0, 'o', 'k'};
  assert_int_equal(
      sendto(s, good, sizeof(good), 0, (struct sockaddr *)&sa, sizeof(sa)),
      (ssize_t)sizeof(good));
  assert_int_equal(msl_read(r, buf, sizeof(buf)), 2);
  assert_memory_equal(buf, "ok", 2);
  assert_int_equal(msl_local_dropped(r), 5);
  close(s);
  msl_close(r);
}

/* ---- info from another process (msl_query) ---- */

/* Forks a reader of SLOT (max 100, timeout 2000) that signals on a pipe
 * once created, then runs body(h); its exit status is body's result. */
static pid_t fork_reader(int (*body)(msl_handle *)) {
  int p[2];
  char c;
  assert_int_equal(pipe(p), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    msl_handle *h;
    close(p[0]);
    if (msl_create(SLOT, 100, 2000, &h) != 0 || write(p[1], "r", 1) != 1)
      _exit(90);
    int rc = body(h);
    msl_close(h);
    _exit(rc);
  }
  close(p[1]);
  assert_int_equal(read(p[0], &c, 1), 1);
  close(p[0]);
  return pid;
}

static void reap(pid_t pid, int want) {
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), want);
}

/* Blocked in msl_read (waiting forever), then in msl_read with a timeout:
 * both answer queries at once; the message after them is the first. */
static int body_blocked_read(msl_handle *h) {
  char buf[16];
  if (msl_read_ex(h, buf, sizeof(buf), NULL, MSL_WAIT_FOREVER) != 3 ||
      memcmp(buf, "one", 3) != 0)
    return 1;
  if (msl_read(h, buf, sizeof(buf)) != 3 || memcmp(buf, "two", 3) != 0)
    return 2;
  return 0;
}

static void test_query_blocked_reader(void **state) {
  (void)state;
  uint32_t max = 0, next = 0, count = 9, to = 0;
  msl_handle *w;
  pid_t pid = fork_reader(body_blocked_read);
  usleep(20000); /* let it block (the answer does not depend on it) */
  long long t0 = now_ms();
  assert_int_equal(msl_query(SLOT, 2000, &max, &next, &count, &to), 0);
  assert_true(now_ms() - t0 < 1000);
  assert_int_equal(max, 100);
  assert_int_equal(next, MSL_NO_MESSAGE);
  assert_int_equal(count, 0);
  assert_int_equal(to, 2000);
  assert_int_equal(msl_open(SLOT, &w), 0);
  assert_int_equal(msl_write(w, "one", 3), 0);
  usleep(20000); /* now blocked in msl_read with its 2 s timeout */
  assert_int_equal(msl_query(SLOT, 2000, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, MSL_NO_MESSAGE);
  assert_int_equal(count, 0);
  assert_int_equal(msl_write(w, "two", 3), 0);
  msl_close(w);
  reap(pid, 0);
}

/* A reader that answers without reading (msl_serve): N messages queued
 * show as count N and the first one's size, and stay readable in order. */
static int body_serve(msl_handle *h) {
  char buf[64];
  int answered = 0;
  while (answered < 2) {
    int r = msl_serve(h, 5000);
    if (r <= 0)
      return 10;
    answered += r;
  }
  static const size_t want[] = {5, 17, 0, 1};
  for (int i = 0; i < 4; i++) {
    int n = msl_read(h, buf, sizeof(buf));
    if (n != (int)want[i] || (n > 0 && buf[0] != 'a' + i))
      return 20 + i;
  }
  return msl_read_ex(h, buf, sizeof(buf), NULL, 0) == MSL_ERR_TIMEOUT ? 0
                                                                      : 30;
}

static void test_query_counts(void **state) {
  (void)state;
  uint32_t max = 0, next = 0, count = 0, to = 0;
  msl_handle *w;
  char m[17];
  pid_t pid = fork_reader(body_serve);
  assert_int_equal(msl_open(SLOT, &w), 0);
  memset(m, 'a', 5);
  assert_int_equal(msl_write(w, m, 5), 0);
  memset(m, 'b', 17);
  assert_int_equal(msl_write(w, m, 17), 0);
  assert_int_equal(msl_write(w, "", 0), 0);
  assert_int_equal(msl_query(SLOT, 2000, &max, &next, &count, &to), 0);
  assert_int_equal(max, 100);
  assert_int_equal(next, 5);
  assert_int_equal(count, 3);
  assert_int_equal(to, 2000);
  assert_int_equal(msl_write(w, "d", 1), 0);
  assert_int_equal(msl_query(SLOT, 2000, NULL, &next, &count, NULL), 0);
  assert_int_equal(next, 5);
  assert_int_equal(count, 4);
  msl_close(w);
  reap(pid, 0);
}

/* A reader that never touches its socket: the query times out, on time.
 * The child waits for the parent to close the pipe g_hold[1]. */
static int g_hold[2];

static int body_sleep(msl_handle *h) {
  (void)h;
  char c;
  close(g_hold[1]);
  return read(g_hold[0], &c, 1) == 0 ? 0 : 1;
}

static void test_query_timeout(void **state) {
  (void)state;
  uint32_t count = 7;
  assert_int_equal(pipe(g_hold), 0);
  pid_t pid = fork_reader(body_sleep);
  close(g_hold[0]);
  long long t0 = now_ms();
  assert_int_equal(msl_query(SLOT, 200, NULL, NULL, &count, NULL),
                   MSL_ERR_TIMEOUT);
  long long dt = now_ms() - t0;
  assert_true(dt >= 200 && dt <= 250);
  assert_int_equal(count, 7); /* untouched */
  assert_int_equal(msl_query(SLOT, 0, NULL, NULL, &count, NULL),
                   MSL_ERR_TIMEOUT);
  close(g_hold[1]); /* the child's read returns: it closes the slot */
  reap(pid, 0);
  assert_int_equal(msl_query(SLOT, 200, NULL, NULL, &count, NULL),
                   MSL_ERR_NOT_FOUND);
}

/* In one process: the event-loop path (msl_fd readable, msl_read_ex with
 * timeout 0) answers a query from another thread; msl_get_info too. */
static void *query_thread(void *arg) {
  uint32_t *v = arg;
  intptr_t r = msl_query(SLOT, 3000, &v[0], &v[1], &v[2], &v[3]);
  return (void *)r;
}

static void test_query_event_loop(void **state) {
  (void)state;
  msl_handle *r, *w;
  uint32_t v[4];
  char buf[8];
  pthread_t t;
  assert_int_equal(msl_create(SLOT, 0, MSL_WAIT_FOREVER, &r), 0);
  assert_int_equal(msl_open(SLOT, &w), 0);
  assert_int_equal(msl_write(w, "abc", 3), 0);
  assert_int_equal(msl_write(w, "de", 2), 0);
  assert_int_equal(pthread_create(&t, NULL, query_thread, v), 0);
  int fd = msl_fd(r);
  /* the writes made it readable; serve it like an event loop that only
   * reads when it wants to: read one, then just answer with get_info */
  struct pollfd pf = {fd, POLLIN, 0};
  assert_int_equal(poll(&pf, 1, 3000), 1);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 3);
  void *res = NULL;
  for (int i = 0; i < 300; i++) {
    uint32_t n;
    assert_int_equal(msl_get_info(r, NULL, NULL, &n, NULL), 0);
    assert_int_equal(n, 1);
    if (pthread_tryjoin_np(t, &res) == 0)
      break;
    usleep(10000);
    res = (void *)(intptr_t)1;
  }
  assert_int_equal((intptr_t)res, 0);
  assert_int_equal(v[0], 0);
  assert_int_equal(v[1], 2);
  assert_int_equal(v[2], 1);
  assert_int_equal(v[3], MSL_WAIT_FOREVER);
  /* and msl_read_ex(.., 0) on an otherwise empty socket */
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 2);
  assert_int_equal(pthread_create(&t, NULL, query_thread, v), 0);
  assert_int_equal(poll(&pf, 1, 3000), 1);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0),
                   MSL_ERR_TIMEOUT); /* the query is not a message */
  assert_int_equal(pthread_join(t, &res), 0);
  assert_int_equal((intptr_t)res, 0);
  assert_int_equal(v[1], MSL_NO_MESSAGE);
  assert_int_equal(v[2], 0);
  assert_int_equal(msl_local_dropped(r), 0);
  msl_close(w);
  msl_close(r);
}

/* Sends hdr (len bytes) to the slot with descriptors fds[0..nfd). */
static void send_ctl(const uint8_t *hdr, size_t len, const int *fds, int nfd) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/TEST_LOCAL.sock", g_rundir);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  assert_true(s >= 0);
  union {
    struct cmsghdr align;
    char b[CMSG_SPACE(4 * sizeof(int))];
  } ctl;
  struct iovec iov = {(void *)(uintptr_t)hdr, len};
  struct msghdr mh;
  memset(&mh, 0, sizeof(mh));
  mh.msg_name = &sa;
  mh.msg_namelen = sizeof(sa);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (nfd > 0) {
    memset(&ctl, 0, sizeof(ctl));
    mh.msg_control = ctl.b;
    mh.msg_controllen = CMSG_SPACE((size_t)nfd * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN((size_t)nfd * sizeof(int));
    memcpy(CMSG_DATA(c), fds, (size_t)nfd * sizeof(int));
  }
  assert_int_equal(sendmsg(s, &mh, 0), (ssize_t)len);
  close(s);
}

/* Forged or malformed control datagrams are never messages, never make
 * the reader answer anything but a socketpair, and leak no descriptors. */
static void test_query_forged(void **state) {
  (void)state;
  msl_handle *r;
  char buf[16];
  uint8_t rep[64];
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  static const uint8_t q[] = {1, MSL_LHDR_F_QUERY, 0, 0, 'x'};
  static const uint8_t reply[MSL_LHDR_REPLY_LEN] = {1, MSL_LHDR_F_REPLY};
  static const uint8_t qext[] = {1, MSL_LHDR_F_QUERY | MSL_LHDR_F_EXT, 0, 0};
  static const uint8_t unknown[] = {1, 0x80, 0, 0, 'u'};
  int dg[2], sp[2], sp2[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg), 0);
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp2), 0);
  send_ctl(q, 4, NULL, 0);     /* no reply socket */
  send_ctl(q, 4, dg, 1);       /* not SEQPACKET */
  send_ctl(q, 5, &sp[1], 1);   /* query with a body */
  send_ctl(qext, 4, &sp[1], 1); /* query with the extension flag */
  int two[2] = {sp[1], sp[1]};
  send_ctl(q, 4, two, 2);      /* more than one descriptor */
  send_ctl(reply, sizeof(reply), NULL, 0); /* a reply sent to a slot */
  send_ctl(unknown, sizeof(unknown), NULL, 0); /* unknown flag */
  static const uint8_t good[] = {1, 0, 0, 0, 'o', 'k'};
  send_ctl(good, sizeof(good), &dg[1], 1); /* a message with a stray fd */
  int fds_before = 0;
  for (int fd = 0; fd < 1024; fd++)
    fds_before += fcntl(fd, F_GETFD) >= 0;
  assert_int_equal(msl_read(r, buf, sizeof(buf)), 2);
  assert_memory_equal(buf, "ok", 2);
  assert_int_equal(msl_read(r, buf, sizeof(buf)), MSL_ERR_TIMEOUT);
  assert_int_equal(msl_local_dropped(r), 7);
  int fds_after = 0;
  for (int fd = 0; fd < 1024; fd++)
    fds_after += fcntl(fd, F_GETFD) >= 0;
  assert_int_equal(fds_after, fds_before); /* every received fd closed */
  /* nothing was ever answered on the pairs we passed */
  assert_int_equal(recv(sp[0], rep, sizeof(rep), MSG_DONTWAIT), -1);
  assert_int_equal(recv(dg[0], rep, sizeof(rep), MSG_DONTWAIT), -1);
  /* a well-formed query is answered, on the pair, in 24 bytes */
  send_ctl(q, 4, &sp2[1], 1);
  close(sp2[1]);
  assert_int_equal(msl_read(r, buf, sizeof(buf)), MSL_ERR_TIMEOUT);
  assert_int_equal(recv(sp2[0], rep, sizeof(rep), MSG_DONTWAIT),
                   MSL_LHDR_REPLY_LEN);
  msl_lhdr_reply v;
  assert_int_equal(msl_lhdr_reply_decode(&v, rep, MSL_LHDR_REPLY_LEN), 0);
  assert_int_equal(v.next_size, MSL_NO_MESSAGE);
  assert_int_equal(v.msg_count, 0);
  assert_int_equal(recv(sp2[0], rep, sizeof(rep), MSG_DONTWAIT), 0); /* EOF */
  close(dg[0]), close(dg[1]), close(sp[0]), close(sp[1]), close(sp2[0]);
  msl_close(r);
}

/* Querying needs write permission on the slot's socket. */
static void test_query_permission(void **state) {
  (void)state;
  msl_handle *r;
  char path[128];
  if (geteuid() != 0)
    skip(); /* needs another uid to try as */
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  assert_int_equal(chmod(g_rundir, 0711), 0);
  snprintf(path, sizeof(path), "%s/TEST_LOCAL.sock", g_rundir);
  assert_int_equal(chmod(path, 0700), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0)
      _exit(90);
    msl_handle *w;
    int a = msl_query(SLOT, 500, NULL, NULL, NULL, NULL);
    int b = msl_open(SLOT, &w);
    _exit(a == MSL_ERR_ACCESS && b == MSL_ERR_ACCESS ? 0 : 1);
  }
  reap(pid, 0);
  assert_int_equal(chmod(path, 0777), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0)
      _exit(90);
    uint32_t n = 1;
    /* allowed now; nobody reads the slot, so no answer */
    int a = msl_query(SLOT, 100, NULL, NULL, &n, NULL);
    _exit(a == MSL_ERR_TIMEOUT ? 0 : 1);
  }
  reap(pid, 0);
  assert_int_equal(msl_serve(r, 0), 1); /* the pending one */
  msl_close(r);
}

/* ---- the shared directory: nothing is trusted by name alone ---- */

/* A path in the test's run directory. */
static void in_rundir(char *out, size_t cap, const char *file) {
  snprintf(out, cap, "%s/%s", g_rundir, file);
}

/* A reader gives its socket group write (the network service's way in)
 * and its lock file 0644, whatever the umask. */
static void test_create_modes(void **state) {
  (void)state;
  msl_handle *r;
  char path[160];
  struct stat st;
  mode_t old = umask(077);
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  umask(old);
  in_rundir(path, sizeof(path), "TEST_LOCAL.sock");
  assert_int_equal(lstat(path, &st), 0);
  assert_true(S_ISSOCK(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0720);
  in_rundir(path, sizeof(path), "TEST_LOCAL.lock");
  assert_int_equal(lstat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0644);
  msl_close(r);
}

/* A symlink planted as a slot's lock file or socket is never followed:
 * the reader refuses the name, writers refuse the slot. */
static void test_planted_symlinks(void **state) {
  (void)state;
  msl_handle *r, *w;
  char lock[160], sock[160], target[160];
  in_rundir(target, sizeof(target), "elsewhere");
  in_rundir(lock, sizeof(lock), "TEST_LOCAL.lock");
  assert_int_equal(symlink(target, lock), 0);
  assert_int_equal(msl_create(SLOT, 0, 0, &r), MSL_ERR_ACCESS);
  struct stat st;
  assert_int_equal(lstat(target, &st), -1); /* nothing made through it */
  unlink(lock);
  /* A real slot, and another name whose socket links to it. */
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  in_rundir(lock, sizeof(lock), "FAKE.lock");
  in_rundir(sock, sizeof(sock), "FAKE.sock");
  in_rundir(target, sizeof(target), "TEST_LOCAL.sock");
  int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0644);
  assert_true(fd >= 0);
  assert_true(write(fd, "mailslot 1 max=0 timeout=0 pid=1\n", 34) == 34);
  close(fd);
  assert_int_equal(symlink(target, sock), 0);
  assert_int_equal(msl_open("\\\\.\\mailslot\\fake", &w), MSL_ERR_ACCESS);
  assert_int_equal(msl_query("\\\\.\\mailslot\\fake", 100, NULL, NULL, NULL,
                             NULL),
                   MSL_ERR_ACCESS);
  unlink(sock);
  unlink(lock);
  msl_close(r);
}

/* Metadata anyone may rewrite (a planted 0666 lock file: "max=1" would
 * make writers refuse every message) is not believed. */
static void test_tampered_lock(void **state) {
  (void)state;
  msl_handle *r, *w;
  char lock[160];
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  in_rundir(lock, sizeof(lock), "TEST_LOCAL.lock");
  assert_int_equal(chmod(lock, 0666), 0);
  assert_int_equal(msl_open(SLOT, &w), MSL_ERR_ACCESS);
  assert_int_equal(chmod(lock, 0644), 0);
  assert_int_equal(msl_open(SLOT, &w), 0);
  msl_close(w);
  msl_close(r);
}

/* Another user's stale or planted lock file: the name is refused with
 * MSL_ERR_ACCESS, never adopted (its owner could rewrite the metadata).
 * A stale one of our own is replaced. Needs root to play another user. */
static void test_foreign_lock(void **state) {
  (void)state;
  msl_handle *r;
  char lock[160];
  if (geteuid() != 0)
    skip();
  in_rundir(lock, sizeof(lock), "TEST_LOCAL.lock");
  int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0666);
  assert_true(fd >= 0);
  assert_true(write(fd, "mailslot 1 max=1 timeout=0 pid=1\n", 34) == 34);
  close(fd);
  assert_int_equal(chown(lock, 4242, 4242), 0);
  assert_int_equal(chmod(g_rundir, 01777), 0); /* sticky, as /run/mailslot */
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) { /* another user: may not remove it, may not use it */
    if (setgid(65534) != 0 || setuid(65534) != 0)
      _exit(90);
    _exit(msl_create(SLOT, 0, 0, &r) == MSL_ERR_ACCESS ? 0 : 1);
  }
  reap(pid, 0);
  assert_int_equal(chown(lock, 65534, 65534), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) { /* its owner: a stale file of its own is replaced */
    if (setgid(65534) != 0 || setuid(65534) != 0)
      _exit(90);
    int rc = msl_create(SLOT, 0, 0, &r);
    uint32_t max = 7;
    int st = rc == 0 ? msl_stat(SLOT, &max, NULL, NULL) : rc;
    _exit(rc == 0 && st == 0 && max == 0 ? 0 : 1);
  }
  reap(pid, 0);
}

/* A writer of another user that claims network origin (sender details
 * the reader would trust) reads as local, with its real uid and pid. */
static void test_forged_origin(void **state) {
  (void)state;
  msl_handle *r;
  msl_msg_info out;
  char buf[16];
  char path[160];
  if (geteuid() != 0)
    skip(); /* needs another uid to write as */
  assert_int_equal(msl_create(SLOT, 0, 0, &r), 0);
  assert_int_equal(chmod(g_rundir, 0711), 0);
  in_rundir(path, sizeof(path), "TEST_LOCAL.sock");
  assert_int_equal(chmod(path, 0777), 0); /* anyone may write */
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    msl_handle *w;
    msl_msg_info in;
    if (setgid(65534) != 0 || setuid(65534) != 0)
      _exit(90);
    memset(&in, 0, sizeof(in));
    in.origin = MSL_ORIGIN_NETWORK;
    in.dgram_type = 0x10;
    memcpy(in.src_ip, "\x0a\x00\x00\x07", 4);
    memcpy(in.src_name, "TRUSTED        \x00", 16);
    _exit(msl_open(SLOT, &w) == 0 && msl_local_send(w, "f", 1, &in, 0) == 0
              ? 0
              : 1);
  }
  reap(pid, 0);
  memset(&out, 0xff, sizeof(out));
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), &out, 1000), 1);
  assert_int_equal(out.origin, MSL_ORIGIN_LOCAL);
  assert_int_equal(out.uid, 65534);
  assert_int_equal(out.pid, pid);
  assert_int_equal(out.src_ip[0], 0);
  assert_int_equal(out.src_name[0], 0);
  assert_int_equal(msl_local_forged(r), 1);
  msl_close(r);
}

/* A full file system (any user can fill /run) does not keep a slot from
 * being created, written to and described: nothing a slot needs takes a
 * data block. Needs root to mount a small tmpfs. */
static void test_full_filesystem(void **state) {
  (void)state;
  msl_handle *r, *w;
  char fill[160], buf[16];
  uint32_t max = 0, to = 0;
  long pid = 0;
  if (geteuid() != 0 ||
      mount("tmpfs", g_rundir, "tmpfs", MS_NOSUID | MS_NODEV,
            "size=64k,mode=1777") != 0)
    skip(); /* needs root (CAP_SYS_ADMIN) */
  in_rundir(fill, sizeof(fill), "filler");
  int fd = open(fill, O_WRONLY | O_CREAT | O_EXCL, 0644);
  assert_true(fd >= 0);
  static char chunk[4096];
  while (write(fd, chunk, sizeof(chunk)) > 0)
    ;
  assert_int_equal(errno, ENOSPC);
  close(fd);
  assert_int_equal(msl_create(SLOT, 1234, 5000, &r), 0);
  assert_int_equal(msl_stat(SLOT, &max, &to, &pid), 0);
  assert_int_equal(max, 1234);
  assert_int_equal(to, 5000);
  assert_int_equal(pid, getpid());
  assert_int_equal(msl_set_timeout(r, 7), 0);
  assert_int_equal(msl_stat(SLOT, NULL, &to, NULL), 0);
  assert_int_equal(to, 7);
  assert_int_equal(msl_open(SLOT, &w), 0);
  assert_int_equal(msl_write(w, "full", 4), 0);
  assert_int_equal(msl_read_ex(r, buf, sizeof(buf), NULL, 0), 4);
  msl_close(w);
  msl_close(r);
  unlink(fill);
  assert_int_equal(umount(g_rundir), 0);
}

static void test_query_errors(void **state) {
  (void)state;
  msl_handle *r, *w;
  assert_int_equal(msl_query(NULL, 0, NULL, NULL, NULL, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_query("blah", 0, NULL, NULL, NULL, NULL),
                   MSL_ERR_BAD_PATH);
  assert_int_equal(msl_query("\\\\host\\mailslot\\x", 0, NULL, NULL, NULL,
                             NULL),
                   MSL_ERR_UNSUPPORTED);
  assert_int_equal(msl_query(SLOT, 100, NULL, NULL, NULL, NULL),
                   MSL_ERR_NOT_FOUND);
  slot_with_writer(&r, &w);
  assert_int_equal(msl_serve(NULL, 0), MSL_ERR_ARG);
  assert_int_equal(msl_serve(w, 0), MSL_ERR_ACCESS);
  long long t0 = now_ms();
  assert_int_equal(msl_serve(r, 100), MSL_ERR_TIMEOUT);
  long long dt = now_ms() - t0;
  assert_true(dt >= 100 && dt <= 150);
  msl_close(w);
  msl_close(r);
}

static void test_strerror(void **state) {
  (void)state;
  static const int codes[] = {MSL_ERR_EXISTS,     MSL_ERR_NOT_FOUND,
                              MSL_ERR_TIMEOUT,    MSL_ERR_BUFFER_TOO_SMALL,
                              MSL_ERR_QUEUE_FULL, MSL_ERR_BAD_PATH,
                              MSL_ERR_ACCESS,     MSL_ERR_MSG_TOO_BIG};
  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
    assert_string_not_equal(msl_strerror(codes[i]), "unknown error");
    for (size_t j = 0; j < i; j++)
      assert_int_not_equal(codes[i], codes[j]);
  }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_path_valid),
      cmocka_unit_test(test_path_invalid),
      cmocka_unit_test(test_path_stem),
      cmocka_unit_test(test_lhdr),
      T(test_create_info_defaults),
      T(test_create_errors),
      T(test_open_errors),
      T(test_wine_sequence),
      T(test_buffer_too_small_keeps_message),
      T(test_max_size),
      T(test_close_removes_name),
      T(test_case_and_subpaths),
      T(test_rundirs_isolated),
      T(test_queue_full),
      T(test_timeouts),
      T(test_wait_forever_wakes),
      T(test_many_writers),
      T(test_threads),
      T(test_sigkill_reader),
      T(test_fork_child_close),
      T(test_poll_fd),
      T(test_network_origin),
      T(test_foreign_datagrams_dropped),
      T(test_query_blocked_reader),
      T(test_query_counts),
      T(test_query_timeout),
      T(test_query_event_loop),
      T(test_query_forged),
      T(test_query_permission),
      T(test_query_errors),
      T(test_create_modes),
      T(test_planted_symlinks),
      T(test_tampered_lock),
      T(test_foreign_lock),
      T(test_forged_origin),
      T(test_full_filesystem),
      cmocka_unit_test(test_strerror),
  };
  signal(SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
