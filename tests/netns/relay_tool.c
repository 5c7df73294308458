/*
 * relay_tool: traffic and measurements for the relay scenarios
 * (tests/netns/relay-*.sh) and its benchmark (tests/bench/bench_relay.sh).
 *
 *   relay_tool send IP [--count N] [--rate R] [--size S] [--slot NAME]
 *                      [--src-name N] [--dst-name N] [--first-seq N] [--gso]
 *     Sends N (default 1) DIRECT_GROUP datagrams [RFC 1002 §4.4.2] to
 *     NAME<00> (--dst-name, default MSLTEST) at IP:138 (a broadcast
 *     address: SO_BROADCAST), from an ephemeral port, each an SMB mailslot
 *     write to \MAILSLOT\<slot> (default RELAYBENCH) whose data is
 *     "RLYSEQ" + seq (u32le) + send time (u64le ns, CLOCK_MONOTONIC, the
 *     same in every namespace) + filler up to --size bytes (default 200).
 *     --rate paces the sending (default: as fast as sendmmsg goes).
 *     --gso sends each batch of 64 as one send the kernel cuts into
 *     datagrams (UDP_SEGMENT): the same datagrams on the wire for less of
 *     the sender's CPU.
 *     Prints "sent=N seconds=S cpu_us=C" (C: its user + system time).
 *   relay_tool recv [--port P] [--slot NAME] [--idle MS] [--max S]
 *     Binds UDP P (default 138, every address) and counts the datagrams
 *     for the slot until --idle ms (default 1000) pass without one, or
 *     --max s. Prints "received=N distinct=N seconds=S rate=R p50_us=X
 *     p99_us=Y cpu_us=C" (the one-way latency from the send time in the
 *     data).
 *   relay_tool tls-server PORT CERT KEY CA
 *   relay_tool tls-client IP:PORT CERT KEY CA [--count N] [--size S]
 *                         [--batch]
 *     The bare TLS loop of the benchmark: TLS 1.3 with the relay's
 *     mutual authentication; the client writes N messages of S bytes,
 *     each behind a 2-byte length as a relay frame is, one SSL_write per
 *     message (--batch: 16 KiB at a time), the server reads them all.
 *     The server prints "received=N seconds=S rate=R cpu_us=C", the
 *     client "sent=N cpu_us=C".
 *
 * Only ever sends to the address it is given (the scripts use 198.18.x).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "msl_cmsg.h"
#include "subcmd.h"
#include "msl_nbdgm.h"
#include "msl_smbtr.h"

#define MAX_DGRAM 1500
#define BATCH 64
#define MAX_SEEN (1u << 20)

/* This process's CPU time (user + system) in microseconds: the bench
 * divides it by the messages to compare the cost of each path. */
static long cpu_us(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (long)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000L +
         (long)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *opt(int argc, char **argv, const char *name,
                       const char *dflt) {
  for (int i = 0; i + 1 < argc; i++)
    if (!strcmp(argv[i], name))
      return argv[i + 1];
  return dflt;
}

static int flag(int argc, char **argv, const char *name) {
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], name))
      return 1;
  return 0;
}

static void put64le(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64le(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* ---- send ---- */

typedef struct sender {
  msl_nbname src, dst;
  char slot[64];
  size_t size;
  uint8_t smb[MAX_DGRAM], pkt[BATCH][MAX_DGRAM];
  size_t len[BATCH];
} sender;

/* Datagram number seq into s->pkt[k]. */
static int build(sender *s, size_t k, uint32_t seq) {
  uint8_t data[MAX_DGRAM];
  msl_smbtr t;
  msl_nbdgm g;
  memset(data, 'x', sizeof(data));
  memcpy(data, "RLYSEQ", 6);
  for (int i = 0; i < 4; i++)
    data[6 + i] = (uint8_t)(seq >> (8 * i));
  put64le(data + 10, now_ns());
  if (msl_smbtr_init_write(&t, s->slot, data, s->size, MSL_SMBTR_BROWSER))
    return -1;
  int n = msl_smbtr_encode(&t, s->smb, sizeof(s->smb));
  if (n < 0 || msl_nbdgm_init(&g, MSL_NBDGM_DIRECT_GROUP, MSL_NBDGM_SNT_B,
                              (uint16_t)seq, 0, 138, &s->src, &s->dst, s->smb,
                              (size_t)n))
    return -1;
  int m = msl_nbdgm_encode(&g, s->pkt[k], MAX_DGRAM);
  s->len[k] = m > 0 ? (size_t)m : 0;
  return m > 0 ? 0 : -1;
}

/* The k datagrams of iov (all seg bytes long) in one send that the kernel
 * cuts into k datagrams [UDP_SEGMENT]: k, or -1 (errno). */
static int send_segmented(int fd, const struct sockaddr_in *to,
                          struct iovec *iov, size_t k, size_t seg) {
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } cb;
  uint16_t size = (uint16_t)seg;
  struct msghdr mh = {(void *)(uintptr_t)to, sizeof(*to), iov, k, NULL, 0, 0};
  msl_cmsg_set(&mh, cb.buf, sizeof(cb.buf), SOL_UDP, UDP_SEGMENT, &size,
               sizeof(size));
  return sendmsg(fd, &mh, 0) < 0 ? -1 : (int)k;
}

static int cmd_send(int argc, char **argv) {
  static sender s;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(138)};
  long count = atol(opt(argc, argv, "--count", "1"));
  double rate = atof(opt(argc, argv, "--rate", "0"));
  uint32_t seq = (uint32_t)atol(opt(argc, argv, "--first-seq", "0"));
  s.size = (size_t)atol(opt(argc, argv, "--size", "200"));
  snprintf(s.slot, sizeof(s.slot), "\\MAILSLOT\\%s",
           opt(argc, argv, "--slot", "RELAYBENCH"));
  if (argc < 2 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
      s.size < 18 || s.size > 400 ||
      msl_nbname_make(&s.src, opt(argc, argv, "--src-name", "RELAYTOOL"), 0,
                      NULL) ||
      msl_nbname_make(&s.dst, opt(argc, argv, "--dst-name", "MSLTEST"), 0,
                      NULL)) {
    fprintf(stderr, "relay_tool send: bad arguments\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
  int gso = flag(argc, argv, "--gso");
  setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
  struct mmsghdr mh[BATCH];
  struct iovec iov[BATCH];
  uint64_t t0 = now_ns();
  long sent = 0;
  /* Paced: a small batch every millisecond or so, sleeping between. */
  size_t per = rate > 0 ? (size_t)(rate / 1000 > 1 ? rate / 1000 : 1) : BATCH;
  if (per > BATCH)
    per = BATCH;
  while (sent < count) {
    size_t k = 0;
    for (; k < per && sent + (long)k < count; k++) {
      if (build(&s, k, seq + (uint32_t)(sent + (long)k)) < 0)
        return 1;
      iov[k] = (struct iovec){s.pkt[k], s.len[k]};
      mh[k] = (struct mmsghdr){{&to, sizeof(to), &iov[k], 1, NULL, 0, 0}, 0};
    }
    int n = gso ? send_segmented(fd, &to, iov, k, s.len[0])
                : sendmmsg(fd, mh, (unsigned)k, 0);
    if (n < 0 && errno != ENOBUFS && errno != EAGAIN)
      return 1;
    sent += n > 0 ? n : 0;
    if (rate > 0) {
      uint64_t due = t0 + (uint64_t)((double)sent * 1e9 / rate);
      struct timespec ts = {(time_t)(due / 1000000000u),
                            (long)(due % 1000000000u)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
  }
  printf("sent=%ld seconds=%.3f cpu_us=%ld\n", sent,
         (double)(now_ns() - t0) / 1e9, cpu_us());
  return 0;
}

/* ---- recv ---- */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The sequence number and send time of a datagram for slot, or -1. */
static int parse_one(const uint8_t *p, size_t n, const char *slot,
                     uint32_t *seq, uint64_t *sent) {
  msl_nbdgm g;
  msl_smbtr t;
  size_t sl = strlen(slot);
  if (msl_nbdgm_decode(&g, p, n) || msl_smbtr_decode(&t, g.data.ptr,
                                                     g.data.len) ||
      t.name.len != sl || strncasecmp((const char *)t.name.ptr, slot, sl) ||
      t.data.len < 18 || memcmp(t.data.ptr, "RLYSEQ", 6))
    return -1;
  const uint8_t *d = t.data.ptr;
  *seq = (uint32_t)d[6] | (uint32_t)d[7] << 8 | (uint32_t)d[8] << 16 |
         (uint32_t)d[9] << 24;
  *sent = get64le(d + 10);
  return 0;
}

static void report(long got, long distinct, uint64_t first, uint64_t last,
                   uint64_t *lat, long nlat) {
  double secs = got > 1 ? (double)(last - first) / 1e9 : 0;
  qsort(lat, (size_t)nlat, sizeof(*lat), cmp_u64);
  printf("received=%ld distinct=%ld seconds=%.3f rate=%.0f p50_us=%.1f "
         "p99_us=%.1f cpu_us=%ld\n",
         got, distinct, secs, secs > 0 ? (double)got / secs : 0,
         nlat ? (double)lat[nlat / 2] / 1e3 : 0,
         nlat ? (double)lat[nlat * 99 / 100] / 1e3 : 0, cpu_us());
}

static int cmd_recv(int argc, char **argv) {
  char slot[64];
  int idle = atoi(opt(argc, argv, "--idle", "1000"));
  double max = atof(opt(argc, argv, "--max", "60"));
  snprintf(slot, sizeof(slot), "\\MAILSLOT\\%s",
           opt(argc, argv, "--slot", "RELAYBENCH"));
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)atoi(
                              opt(argc, argv, "--port", "138")))};
  int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    perror("relay_tool recv: bind");
    return 1;
  }
  uint8_t *seen = calloc(MAX_SEEN / 8, 1);
  uint64_t *lat = malloc(MAX_SEEN * sizeof(*lat));
  long got = 0, distinct = 0, nlat = 0;
  uint64_t first = 0, last = 0, start = now_ns();
  fprintf(stderr, "ready\n");
  for (;;) {
    struct pollfd pf = {fd, POLLIN, 0};
    if (poll(&pf, 1, got ? idle : 1000) <= 0 &&
        (got || (double)(now_ns() - start) / 1e9 > max))
      break;
    if ((double)(now_ns() - start) / 1e9 > max)
      break;
    uint8_t buf[2048];
    uint32_t seq;
    uint64_t sent;
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0 || parse_one(buf, (size_t)n, slot, &seq, &sent) < 0)
      continue;
    last = now_ns();
    first = got++ ? first : last;
    if (nlat < (long)MAX_SEEN)
      lat[nlat++] = last - sent;
    seq %= MAX_SEEN;
    if (!(seen[seq / 8] & (1u << (seq % 8)))) {
      seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
      distinct++;
    }
  }
  report(got, distinct, first, last, lat, nlat);
  return 0;
}

/* ---- the bare TLS loop ---- */

static SSL_CTX *tls_ctx(const char *cert, const char *key, const char *ca) {
  SSL_CTX *c = SSL_CTX_new(TLS_method());
  if (!c || !SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) ||
      SSL_CTX_use_certificate_chain_file(c, cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(c, ca, NULL) != 1) {
    ERR_print_errors_fp(stderr);
    return NULL;
  }
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     NULL);
  return c;
}

static int cmd_tls_server(int argc, char **argv) {
  if (argc < 5)
    return 2;
  SSL_CTX *c = tls_ctx(argv[2], argv[3], argv[4]);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)atoi(argv[1]))};
  int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (!c || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1))
    return 1;
  fprintf(stderr, "ready\n");
  int fd = accept(ls, NULL, NULL);
  SSL *s = SSL_new(c);
  SSL_set_fd(s, fd);
  if (SSL_accept(s) != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  static uint8_t buf[65536];
  size_t have = 0, got;
  long msgs = 0;
  uint64_t t0 = 0;
  while (SSL_read_ex(s, buf + have, sizeof(buf) - have, &got) == 1) {
    t0 = t0 ? t0 : now_ns();
    have += got;
    size_t off = 0;
    while (have - off >= 2) { /* count whole length-prefixed messages */
      size_t fl = 2 + ((size_t)buf[off] << 8 | buf[off + 1]);
      if (have - off < fl)
        break;
      off += fl;
      msgs++;
    }
    memmove(buf, buf + off, have - off);
    have -= off;
  }
  double secs = (double)(now_ns() - t0) / 1e9;
  printf("received=%ld seconds=%.3f rate=%.0f cpu_us=%ld\n", msgs, secs,
         (double)msgs / secs, cpu_us());
  return 0;
}

static int cmd_tls_client(int argc, char **argv) {
  char host[64];
  if (argc < 5 || sscanf(argv[1], "%63[^:]", host) != 1)
    return 2;
  SSL_CTX *c = tls_ctx(argv[2], argv[3], argv[4]);
  long count = atol(opt(argc, argv, "--count", "100000"));
  size_t size = (size_t)atol(opt(argc, argv, "--size", "230"));
  int batch = flag(argc, argv, "--batch"), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)atoi(
                              strchr(argv[1], ':') + 1))};
  inet_pton(AF_INET, host, &a.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (!c || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
    return 1;
  SSL *s = SSL_new(c);
  SSL_set_fd(s, fd);
  if (SSL_connect(s) != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  static uint8_t msg[16384 + 1024];
  size_t used = 0, w;
  for (long i = 0; i < count; i++) {
    msg[used] = (uint8_t)((size - 2) >> 8);
    msg[used + 1] = (uint8_t)(size - 2);
    memset(msg + used + 2, 'x', size - 2);
    used += size;
    if (batch && used + size <= 16384 && i + 1 < count)
      continue;
    if (SSL_write_ex(s, msg, used, &w) != 1)
      return 1;
    used = 0;
  }
  SSL_shutdown(s);
  close(fd);
  printf("sent=%ld cpu_us=%ld\n", count, cpu_us());
  return 0;
}

int main(int argc, char **argv) {
  static const subcmd cmds[] = {{"send", cmd_send},
                                {"recv", cmd_recv},
                                {"tls-server", cmd_tls_server},
                                {"tls-client", cmd_tls_client}};
  return subcmd_run(cmds, sizeof(cmds) / sizeof(*cmds), argc, argv,
                    "usage: relay_tool send|recv|tls-server|tls-client ...\n");
}
