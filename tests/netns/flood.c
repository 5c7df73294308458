/*
 * flood: the traffic generator and counting receivers of the load test
 * (tests/netns/load.sh) and the network benchmark (tests/bench/bench_net.sh).
 *
 *   flood send IP PORT COUNT [--mix] [--seconds S] [--size N] [--batch N]
 *              [--src-name N] [--dst-name N] [--slot NAME] [--src-ip IP]
 *              [--seed N] [--first-seq N] [--first-frags] [--rate N]
 *     Sends COUNT datagrams (or, with --seconds, valid ones for S seconds)
 *     to IP:PORT at full speed with sendmmsg. Valid ones are NetBIOS
 *     DIRECT_UNIQUE datagrams [RFC 1002 §4.4.2] carrying an SMB mailslot
 *     write [MS-MAIL §2.2.1] to \MAILSLOT\<slot> whose data is
 *     "MSLSEQ\0\0" + seq (u32le) + ~seq (u32le) (+ filler to --size).
 *     With --mix every other datagram is instead malformed or random
 *     (see enum kind). Sequence numbers (and DGM_IDs, their low 16 bits)
 *     start at --first-seq (default 0): runs that must not look like
 *     repeats of each other to the receiver's duplicate filter give
 *     disjoint ranges. With --first-frags every datagram is instead the
 *     first fragment (F=1 M=1, offset 0) of a write whose DGM_ID (the
 *     sequence number) is never seen again: a reassembly flood, counted
 *     as invalid. --rate N paces the sending to N datagrams a second.
 *     Prints "sent=N valid=N invalid=N seconds=S".
 *   flood udp-sink PORT [--idle MS] [--max S]
 *     A raw UDP receiver (one recvmsg per datagram): counts datagrams
 *     until --idle ms pass without one. Prints "received=N seconds=S
 *     rate=R" (S from the first to the last datagram).
 *   flood slot-sink PATH [--idle MS] [--max S] [--expect N]
 *     Creates the local mailslot PATH and counts messages with
 *     msl_read_ex until --idle ms pass without one; checks sequence
 *     numbers 0..N-1 (duplicates, foreign messages, sender details).
 *
 * Only ever sends to the address it is given (the scripts use
 * 198.18.0.0/15). Linux only (sendmmsg).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "subcmd.h"
#include "mailslot.h"
#include "../mono_clock.h"

#define MAX_DGRAM 1500
#define MAX_BATCH 1024
#define SEQ_LEN 16

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void put16be(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put16le(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32le(uint8_t *p, uint32_t v) {
  put16le(p, v & 0xffff);
  put16le(p + 2, v >> 16);
}
static uint32_t get32le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* Second-level encoded NetBIOS name, no scope: 34 bytes [RFC 1001 §14.1]. */
static void nbname(uint8_t *out, const char *name, uint8_t suffix) {
  uint8_t raw[16];
  size_t n = strlen(name);
  memset(raw, ' ', 15);
  for (size_t i = 0; i < n && i < 15; i++)
    raw[i] = (uint8_t)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32
                                                          : name[i]);
  raw[15] = suffix;
  out[0] = 0x20;
  for (int i = 0; i < 16; i++) {
    out[1 + 2 * i] = (uint8_t)('A' + (raw[i] >> 4));
    out[2 + 2 * i] = (uint8_t)('A' + (raw[i] & 15));
  }
  out[33] = 0;
}

struct tmpl {
  uint8_t src[34], dst[34], other[34];
  uint8_t src_ip[4];
  char slot[64];  /* "\MAILSLOT\x" */
  size_t size;    /* message bytes (>= SEQ_LEN) */
};

/*
 * A DIRECT_UNIQUE datagram [RFC 1002 §4.4.2] carrying an SMB mailslot write
 * in the Windows-client layout [MS-MAIL §2.2.1, §4]. Returns its length.
 */
static size_t build(uint8_t *p, const struct tmpl *t, const uint8_t *dst,
                    const char *slot, uint32_t seq, uint8_t flags) {
  size_t slen = strlen(slot) + 1;
  size_t name_end = 69 + slen, doff = (name_end + 3) & ~(size_t)3;
  size_t smb_len = doff + t->size;
  uint8_t *s = p + 82;

  p[0] = 0x10;
  p[1] = flags;
  put16be(p + 2, seq & 0xffff);
  memcpy(p + 4, t->src_ip, 4);
  put16be(p + 8, 138);
  put16be(p + 10, (unsigned)(68 + smb_len));
  put16be(p + 12, 0);
  memcpy(p + 14, t->src, 34);
  memcpy(p + 48, dst, 34);

  memset(s, 0, doff);
  memcpy(s, "\xffSMB", 4);
  s[4] = 0x25;       /* SMB_COM_TRANSACTION */
  s[9] = 0x18;       /* Flags */
  put16le(s + 10, 4); /* Flags2 */
  put16le(s + 26, 0xfeff);
  s[32] = 17;                           /* WordCount */
  put16le(s + 35, (unsigned)t->size);   /* TotalDataCount */
  put16le(s + 37, 2);                   /* MaxParameterCount */
  put16le(s + 53, (unsigned)doff);      /* ParameterOffset */
  put16le(s + 55, (unsigned)t->size);   /* DataCount */
  put16le(s + 57, (unsigned)doff);      /* DataOffset */
  s[59] = 3;                            /* SetupCount */
  put16le(s + 61, 1);                   /* write */
  put16le(s + 63, 0);                   /* priority */
  put16le(s + 65, 2);                   /* class 2 */
  put16le(s + 67, (unsigned)(doff - 69 + t->size)); /* ByteCount */
  memcpy(s + 69, slot, slen);
  memcpy(s + doff, "MSLSEQ\0\0", 8);
  put32le(s + doff + 8, seq);
  put32le(s + doff + 12, ~seq);
  for (size_t i = SEQ_LEN; i < t->size; i++)
    s[doff + i] = (uint8_t)('a' + i % 26);
  return 82 + smb_len;
}

/* The malformed and unwanted datagrams interleaved by --mix. */
enum kind {
  K_RANDOM,       /* random bytes, random length */
  K_TRUNCATED,    /* a valid datagram cut short */
  K_BIG_LENGTH,   /* DGM_LENGTH beyond the packet */
  K_NOT_SMB,      /* good header and names, garbage user data */
  K_BAD_OFFSET,   /* SMB DataOffset/DataCount past the end */
  K_FIRST_FRAG,   /* a first fragment (F=1, M=1) that never completes */
  K_LONE_FRAG,    /* a later fragment with no first */
  K_NO_SLOT,      /* well-formed, for a mailslot nobody created */
  K_NOT_OURS,     /* well-formed, for another name */
  K_FLIP,         /* a valid datagram with one random bit flipped */
  K_BAD_NAME,     /* a name with a bad length byte or a label pointer */
  K_ERROR_TYPE,   /* DATAGRAM ERROR / QUERY REQUEST */
  K_COUNT
};

static size_t build_bad(uint8_t *p, const struct tmpl *t, uint32_t seq,
                        int *valid) {
  size_t n;
  *valid = 0;
  switch ((enum kind)(rnd() % K_COUNT)) {
  case K_RANDOM:
    n = rnd() % 700;
    for (size_t i = 0; i < n; i++)
      p[i] = (uint8_t)rnd();
    if (n > 0 && rnd() % 2) /* sometimes a plausible first byte */
      p[0] = (uint8_t)(0x10 + rnd() % 7);
    return n;
  case K_TRUNCATED:
    n = build(p, t, t->dst, t->slot, seq | 0x80000000u, 0x02);
    return rnd() % n;
  case K_BIG_LENGTH:
    n = build(p, t, t->dst, t->slot, seq | 0x80000000u, 0x02);
    put16be(p + 10, 68 + 1000 + rnd() % 60000);
    return n;
  case K_NOT_SMB:
    n = build(p, t, t->dst, t->slot, seq | 0x80000000u, 0x02);
    for (size_t i = 82; i < n; i++)
      p[i] = (uint8_t)rnd();
    return n;
  case K_BAD_OFFSET:
    n = build(p, t, t->dst, t->slot, seq | 0x80000000u, 0x02);
    put16le(p + 82 + 57, 0xfff0 + rnd() % 16);
    put16le(p + 82 + 55, rnd() % 65536);
    return n;
  case K_FIRST_FRAG:
    n = build(p, t, t->dst, t->slot, seq | 0x80000000u, 0x03);
    put16be(p + 2, rnd() % 65536);
    return n;
  case K_LONE_FRAG:
    n = build(p, t, t->dst, t->slot, seq | 0x80000000u, 0x00);
    put16be(p + 2, rnd() % 65536);
    put16be(p + 12, 100 + rnd() % 60000);
    return n;
  case K_NO_SLOT:
    return build(p, t, t->dst, "\\MAILSLOT\\NOBODY", seq, 0x02);
  case K_NOT_OURS:
    return build(p, t, t->other, t->slot, seq, 0x02);
  case K_FLIP:
    n = build(p, t, t->dst, t->slot, seq | 0x80000000u, 0x02);
    p[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
    return n;
  case K_BAD_NAME:
    n = build(p, t, t->dst, t->slot, seq | 0x80000000u, 0x02);
    if (rnd() % 2)
      p[48] = (uint8_t)(rnd() % 64); /* destination length byte */
    else {
      p[48] = 0xc0; /* a compression pointer, not allowed here */
      p[49] = 0x0e;
    }
    return n;
  case K_ERROR_TYPE:
  default:
    p[0] = (uint8_t)(0x13 + rnd() % 4);
    p[1] = 0x02;
    put16be(p + 2, seq & 0xffff);
    memcpy(p + 4, t->src_ip, 4);
    put16be(p + 8, 138);
    if (p[0] == 0x13) {
      p[10] = 0x82;
      return 11;
    }
    memcpy(p + 10, t->dst, 34);
    return 44;
  }
}

static const char usage_text[] =
    "usage: flood send IP PORT COUNT [--mix] [--seconds S] [--size N]\n"
    "             [--batch N] [--src-name N] [--dst-name N] [--slot NAME]\n"
    "             [--src-ip IP] [--seed N] [--first-seq N]\n"
    "             [--first-frags] [--rate N]\n"
    "       flood udp-sink PORT [--idle MS] [--max S]\n"
    "       flood slot-sink PATH [--idle MS] [--max S] [--expect N]\n";

static int usage(void) {
  fputs(usage_text, stderr);
  return 2;
}

static int cmd_send(int argc, char **argv) {
  if (argc < 4)
    return usage();
  struct tmpl t;
  struct sockaddr_in dst;
  unsigned long count = strtoul(argv[3], NULL, 10), batch = 256, seq = 0;
  double seconds = 0, rate = 0;
  int mix = 0, first_frags = 0;
  const char *src_name = "FLOOD", *dst_name = "H2", *slot = "LOAD";
  const char *src_ip = NULL;

  memset(&t, 0, sizeof t);
  t.size = SEQ_LEN;
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  dst.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1)
    return usage();
  for (int i = 4; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--mix"))
      mix = 1;
    else if (!strcmp(a, "--first-frags"))
      first_frags = 1;
    else if (v && !strcmp(a, "--rate"))
      rate = atof(v), i++;
    else if (v && !strcmp(a, "--seconds"))
      seconds = atof(v), i++;
    else if (v && !strcmp(a, "--size"))
      t.size = strtoul(v, NULL, 10), i++;
    else if (v && !strcmp(a, "--batch"))
      batch = strtoul(v, NULL, 10), i++;
    else if (v && !strcmp(a, "--src-name"))
      src_name = v, i++;
    else if (v && !strcmp(a, "--dst-name"))
      dst_name = v, i++;
    else if (v && !strcmp(a, "--slot"))
      slot = v, i++;
    else if (v && !strcmp(a, "--src-ip"))
      src_ip = v, i++;
    else if (v && !strcmp(a, "--seed"))
      rng_state ^= strtoull(v, NULL, 10) * 0x9e3779b97f4a7c15u, i++;
    else if (v && !strcmp(a, "--first-seq"))
      seq = strtoul(v, NULL, 10), i++;
    else
      return usage();
  }
  if (t.size < SEQ_LEN || t.size > 1000 || batch < 1 || batch > MAX_BATCH ||
      strlen(slot) > 40)
    return usage();
  snprintf(t.slot, sizeof t.slot, "\\MAILSLOT\\%s", slot);
  nbname(t.src, src_name, 0);
  nbname(t.dst, dst_name, 0);
  nbname(t.other, "SOMEONE-ELSE", 0);
  if (inet_pton(AF_INET, src_ip ? src_ip : "198.18.0.1", t.src_ip) != 1)
    return usage();

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    perror("socket");
    return 1;
  }
  static uint8_t bufs[MAX_BATCH][MAX_DGRAM];
  static struct mmsghdr msgs[MAX_BATCH];
  static struct iovec iov[MAX_BATCH];
  unsigned long sent = 0, valid = 0, invalid = 0;
  double t0 = now_s(), t1 = t0;

  for (;;) {
    unsigned n = 0;
    if (seconds > 0) {
      if (now_s() - t0 >= seconds)
        break;
    } else if (sent >= count)
      break;
    while (n < batch && (seconds > 0 || sent + n < count)) {
      int ok = 1;
      size_t len;
      if (first_frags) {
        len = build(bufs[n], &t, t.dst, t.slot, (uint32_t)seq++, 0x03);
        ok = 0;
      } else if (mix && (sent + n) % 2)
        len = build_bad(bufs[n], &t, (uint32_t)seq, &ok);
      else
        len = build(bufs[n], &t, t.dst, t.slot, (uint32_t)seq++, 0x02);
      if (ok)
        valid++;
      else
        invalid++;
      iov[n].iov_base = bufs[n];
      iov[n].iov_len = len;
      memset(&msgs[n], 0, sizeof msgs[n]);
      msgs[n].msg_hdr.msg_iov = &iov[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      msgs[n].msg_hdr.msg_name = &dst;
      msgs[n].msg_hdr.msg_namelen = sizeof dst;
      n++;
    }
    for (unsigned off = 0; off < n;) {
      int r = sendmmsg(fd, msgs + off, n - off, 0);
      if (r < 0) {
        if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
          continue;
        perror("sendmmsg");
        return 1;
      }
      off += (unsigned)r;
    }
    sent += n;
    if (rate > 0) { /* sleep off any lead over the schedule */
      double lead = (double)sent / rate - (now_s() - t0);
      if (lead > 0) {
        struct timespec ts = {(time_t)lead,
                              (long)((lead - (double)(time_t)lead) * 1e9)};
        nanosleep(&ts, NULL);
      }
    }
  }
  t1 = now_s();
  /* "valid" counts messages meant for the reader: the K_NO_SLOT and
   * K_NOT_OURS kinds are well-formed but not for it, and are in invalid. */
  printf("sent=%lu valid=%lu invalid=%lu seconds=%.3f rate=%.0f\n", sent,
         valid, invalid, t1 - t0, (double)sent / (t1 - t0));
  close(fd);
  return 0;
}

/* The sinks' options after argv[1]: --idle MS, --max S and, where expect
 * is not NULL, --expect N. 0, or -1 on anything else. */
static int sink_opts(int argc, char **argv, unsigned long *idle, double *max,
                     unsigned long *expect) {
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--idle"))
      *idle = strtoul(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--max"))
      *max = atof(argv[i + 1]);
    else if (expect && !strcmp(argv[i], "--expect"))
      *expect = strtoul(argv[i + 1], NULL, 10);
    else
      return -1;
  }
  return 0;
}

static int cmd_udp_sink(int argc, char **argv) {
  unsigned long idle = 2000;
  double max = 60;
  if (argc < 2 || sink_opts(argc, argv, &idle, &max, NULL))
    return usage();
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)atoi(argv[1]));
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    perror("udp-sink: bind");
    return 1;
  }
  struct timeval tv = {(time_t)(idle / 1000), (long)(idle % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  fprintf(stderr, "udp-sink: ready\n");
  static uint8_t buf[65536];
  unsigned long got = 0;
  double start = now_s(), first = 0, last = 0;
  while (now_s() - start < max) {
    struct sockaddr_in from;
    struct iovec io = {buf, sizeof buf};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &io;
    m.msg_iovlen = 1;
    ssize_t r = recvmsg(fd, &m, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && got > 0)
        break;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        continue;
      perror("recvmsg");
      return 1;
    }
    last = now_s();
    if (got++ == 0)
      first = last;
  }
  double secs = last - first;
  printf("received=%lu seconds=%.3f rate=%.0f\n", got, secs,
         secs > 0 ? (double)got / secs : 0.0);
  return 0;
}

static int cmd_slot_sink(int argc, char **argv) {
  unsigned long idle = 3000, expect = 0;
  double max = 120;
  if (argc < 2 || sink_opts(argc, argv, &idle, &max, &expect))
    return usage();
  msl_handle *h;
  int rc = msl_create(argv[1], 0, 0, &h);
  if (rc < 0) {
    fprintf(stderr, "slot-sink: %s: %s\n", argv[1], msl_strerror(rc));
    return 1;
  }
  fprintf(stderr, "slot-sink: ready\n");
  uint8_t *seen = expect ? calloc(expect, 1) : NULL;
  static uint8_t buf[65536];
  unsigned long got = 0, uniq = 0, dup = 0, foreign = 0, range = 0,
                bad_info = 0;
  double start = now_s(), first = 0, last = 0;
  while (now_s() - start < max) {
    msl_msg_info mi;
    int n = msl_read_ex(h, buf, sizeof buf, &mi, (uint32_t)idle);
    if (n == MSL_ERR_TIMEOUT) {
      if (got > 0)
        break;
      continue;
    }
    if (n < 0) {
      fprintf(stderr, "slot-sink: %s\n", msl_strerror(n));
      return 1;
    }
    last = now_s();
    if (got++ == 0)
      first = last;
    if (n < SEQ_LEN || memcmp(buf, "MSLSEQ\0\0", 8) ||
        get32le(buf + 8) != (uint32_t)~get32le(buf + 12)) {
      foreign++;
      continue;
    }
    uint32_t seq = get32le(buf + 8);
    if (!seen) {
      uniq++;
    } else if (seq >= expect) {
      range++;
    } else if (mi.origin != MSL_ORIGIN_NETWORK || mi.dgram_type != 0x10 ||
               mi.src_port != 138) {
      bad_info++; /* an intact message with wrong sender details */
    } else if (seen[seq]) {
      dup++;
    } else {
      seen[seq] = 1;
      uniq++;
    }
  }
  double secs = last - first;
  printf("received=%lu unique=%lu duplicates=%lu foreign=%lu "
         "out_of_range=%lu bad_info=%lu seconds=%.3f rate=%.0f\n",
         got, uniq, dup, foreign, range, bad_info, secs,
         secs > 0 ? (double)got / secs : 0.0);
  free(seen);
  msl_close(h);
  return 0;
}

int main(int argc, char **argv) {
  static const subcmd cmds[] = {{"send", cmd_send},
                                {"udp-sink", cmd_udp_sink},
                                {"slot-sink", cmd_slot_sink}};
  setvbuf(stdout, NULL, _IOLBF, 0);
  return subcmd_run(cmds, sizeof(cmds) / sizeof(*cmds), argc, argv,
                    usage_text);
}
