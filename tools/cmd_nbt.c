/*
 * `mailslot resolve` and `mailslot nbstat`: NetBIOS name-service clients
 * [RFC 1002 §4.2.12-13, §4.2.17-18], like nmblookup and `nbtstat -A`. They
 * send their own queries from an ephemeral UDP port (no daemon needed).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "mailslot.h"
#include "msl_clock.h"
#include "msl_nbns.h"
#include "msl_random.h"

#define MAX_DST 16
#define MAX_ANS 64
#define PKT 2048

typedef struct nbt_opts {
  int json;
  int timeout_ms;
  uint16_t port;
  const char *scope;
  uint32_t dst[MAX_DST];
  size_t ndst;
  int bcast;
} nbt_opts;

static void ip_str(uint32_t ip, char *b, size_t cap) {
  snprintf(b, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
           ip & 255);
}

/* A decimal number from lo to hi (strtol's syntax) into *out; 0 or -1. */
static int parse_range(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static int parse_ip(const char *s, uint32_t *ip) {
  struct in_addr a;
  if (inet_pton(AF_INET, s, &a) != 1)
    return -1;
  *ip = ntohl(a.s_addr);
  return 0;
}

/* The broadcast address of every up IPv4 interface but loopback. */
static size_t bcast_addrs(uint32_t *out, size_t max) {
  struct ifaddrs *ifa, *i;
  size_t n = 0;
  if (getifaddrs(&ifa) != 0)
    return 0;
  for (i = ifa; i && n < max; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
        (i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK) &&
        (i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr)
      out[n++] = ntohl(
          ((struct sockaddr_in *)(void *)i->ifa_broadaddr)->sin_addr.s_addr);
  freeifaddrs(ifa);
  return n;
}

/* A name as typed: NAME[<xx>], \xNN escapes, "*", "-" / "__MSBROWSE__"
 * (msl_nbname_parse_text, nmblookup's conventions). */
static int parse_name(const char *text, uint8_t dflt, const char *scope,
                      msl_nbname *nb) {
  return msl_nbname_parse_text(nb, text, dflt, scope) == 0 ? 0 : -1;
}

/* A JSON string of ASCII text (escaped names have no other bytes). */
static void json_text(const char *s) {
  putchar('"');
  for (; *s; s++)
    printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
  putchar('"');
}

typedef void (*on_reply_fn)(void *user, const msl_nbns *r, uint32_t from);

/* Whether r, from `from`, answers m: its TRN_ID and question name and,
 * for a unicast request, one of the addresses asked (a spoofed answer
 * from elsewhere is not one). */
static int answers_request(const nbt_opts *o, const msl_nbns *m,
                           const msl_nbns *r, uint32_t from) {
  int asked = o->bcast;
  for (size_t i = 0; i < o->ndst && !asked; i++)
    asked = o->dst[i] == from;
  return asked && r->trn_id == m->trn_id && msl_nbns_is_response(r) &&
         r->ancount && msl_nbname_equal(&r->an[0].name.nb, &m->qd[0].name.nb);
}

/*
 * Sends m to every destination, again every 250 ms (3 times at most), and
 * hands each response that answers it (answers_request) to cb until
 * timeout_ms pass (or *done is set). Returns 0, or -1 on a socket error
 * (printed).
 */
static int exchange(const nbt_opts *o, const msl_nbns *m, on_reply_fn cb,
                    void *user, const int *done) {
  uint8_t buf[PKT];
  int one = 1, len = msl_nbns_encode(m, buf, sizeof(buf));
  if (len < 0)
    return -1;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("mailslot: socket");
    return -1;
  }
  if (o->bcast)
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
  uint64_t start = msl_now_ms(), end = start + (uint64_t)o->timeout_ms;
  uint64_t next = start;
  int sent = 0;
  while (!*done) {
    uint64_t now = msl_now_ms();
    if (now >= end)
      break;
    if (sent < 3 && now >= next) {
      for (size_t i = 0; i < o->ndst; i++) {
        struct sockaddr_in to = {.sin_family = AF_INET,
                                 .sin_port = htons(o->port),
                                 .sin_addr.s_addr = htonl(o->dst[i])};
        if (sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&to,
                   sizeof(to)) < 0) {
          perror("mailslot: sendto");
          close(fd);
          return -1;
        }
      }
      sent++;
      next = now + 250;
    }
    uint64_t until = sent < 3 && next < end ? next : end;
    struct pollfd pf = {fd, POLLIN, 0};
    if (poll(&pf, 1, (int)(until - now)) <= 0)
      continue;
    uint8_t rb[PKT];
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(fd, rb, sizeof(rb), 0, (struct sockaddr *)&from, &fl);
    msl_nbns r;
    if (n > 0 && msl_nbns_decode(&r, rb, (size_t)n) == 0 &&
        answers_request(o, m, &r, ntohl(from.sin_addr.s_addr)))
      cb(user, &r, ntohl(from.sin_addr.s_addr));
  }
  close(fd);
  return 0;
}

/* A TRN_ID nobody on the LAN can predict (a guessed one lets a spoofed
 * answer through); exits when the kernel has no random bytes. */
static uint16_t new_trn_id(void) {
  uint16_t id;
  if (msl_random_bytes(&id, sizeof(id)) < 0) {
    perror("mailslot: getrandom");
    exit(EXIT_FAILED);
  }
  return id;
}

/* Common options; returns the index of the first operand or -1. */
static int parse_opts(int argc, char **argv, nbt_opts *o, int resolve,
                      const char *usage) {
  enum { O_JSON = 256, O_TIMEOUT, O_PORT, O_SCOPE, O_UNICAST, O_HELP };
  static const struct option lo[] = {
      {"json", no_argument, NULL, O_JSON},
      {"timeout", required_argument, NULL, O_TIMEOUT},
      {"port", required_argument, NULL, O_PORT},
      {"scope", required_argument, NULL, O_SCOPE},
      {"interface", required_argument, NULL, 'B'},
      {"broadcast", required_argument, NULL, 'B'},
      {"unicast", required_argument, NULL, 'U'},
      {"help", no_argument, NULL, O_HELP},
      {NULL, 0, NULL, 0}};
  int c;
  memset(o, 0, sizeof(*o));
  o->timeout_ms = 1000;
  o->port = 137;
  optind = 1;
  while ((c = getopt_long(argc, argv, resolve ? "B:U:h" : "h", lo, NULL)) !=
         -1) {
    long v;
    switch (c) {
    case O_JSON: o->json = 1; break;
    case O_TIMEOUT:
      if (parse_range(optarg, 1, 600000, &v))
        goto bad;
      o->timeout_ms = (int)v;
      break;
    case O_PORT:
      if (parse_range(optarg, 1, 65535, &v))
        goto bad;
      o->port = (uint16_t)v;
      break;
    case O_SCOPE: o->scope = optarg; break;
    case 'B':
    case 'U':
      if (!resolve || o->ndst == MAX_DST || parse_ip(optarg, &o->dst[o->ndst]))
        goto bad;
      o->ndst++;
      o->bcast |= c == 'B';
      break;
    case 'h':
    case O_HELP: fputs(usage, stdout); return -2;
    default: goto bad;
    }
  }
  if (optind + 1 != argc)
    goto bad;
  return optind;
bad:
  fputs(usage, stderr);
  return -1;
}

/* ---- resolve ---- */

typedef struct res_state {
  const nbt_opts *o;
  const msl_nbname *name;
  msl_nbns_nb nb[MAX_ANS];
  uint32_t from[MAX_ANS];
  uint32_t ttl[MAX_ANS];
  size_t n;
} res_state;

static void on_query_reply(void *user, const msl_nbns *r, uint32_t from) {
  res_state *st = user;
  msl_nbns_nb e;
  if (msl_nbns_opcode(r) != MSL_NBNS_OP_QUERY || msl_nbns_rcode(r) ||
      !r->ancount || r->an[0].type != MSL_NBNS_T_NB)
    return;
  for (size_t i = 0; msl_nbns_rr_nb(&r->an[0], i, &e) && st->n < MAX_ANS;
       i++) {
    int dup = 0;
    for (size_t k = 0; k < st->n; k++)
      dup |= st->nb[k].addr == e.addr && st->from[k] == from;
    if (dup)
      continue;
    st->nb[st->n] = e;
    st->from[st->n] = from;
    st->ttl[st->n] = r->an[0].ttl;
    st->n++;
  }
}

static const char res_usage[] =
    "usage: mailslot resolve NAME[<xx>] [--json] [--timeout MS]\n"
    "                [-B|--interface BCAST]... [-U|--unicast IP]...\n"
    "                [--scope ID] [--port N]\n"
    "Sends a NetBIOS name query (default suffix <00>) to the broadcast\n"
    "address of every interface (or the given addresses) and prints each\n"
    "address that answers. Exit status 1 when nobody answers.\n"
    "NAME: \\xNN is any byte ('.' and '\\' only so); 16 bytes without <xx>\n"
    "end with the suffix; '*' is the wildcard; '-' or __MSBROWSE__ is\n"
    "\\x01\\x02__MSBROWSE__\\x02<01> (as nmblookup -M -). Names are printed\n"
    "escaped the same way.\n";

int cmd_resolve(int argc, char **argv) {
  nbt_opts o;
  msl_nbname nb;
  msl_nbns q;
  res_state st;
  char fmt[MSL_NBNAME_ESC_MAX], a[16], f[16];
  int i = parse_opts(argc, argv, &o, 1, res_usage);
  if (i < 0)
    return i == -2 ? EXIT_OK : EXIT_USAGE;
  if (parse_name(argv[i], 0x00, o.scope, &nb) < 0) {
    fprintf(stderr, "mailslot resolve: bad name '%s'\n", argv[i]);
    return EXIT_USAGE;
  }
  if (o.ndst == 0) {
    o.ndst = bcast_addrs(o.dst, MAX_DST);
    o.bcast = 1;
    if (o.ndst == 0) {
      fprintf(stderr, "mailslot resolve: no broadcast interface (use -U)\n");
      return EXIT_FAILED;
    }
  }
  msl_nbns_build_query(&q, new_trn_id(), &nb, o.bcast);
  memset(&st, 0, sizeof(st));
  st.o = &o;
  st.name = &nb;
  int done = 0;
  if (exchange(&o, &q, on_query_reply, &st, &done) < 0)
    return EXIT_FAILED;
  msl_nbname_format_escaped(&nb, fmt, sizeof(fmt));
  if (o.json) {
    printf("{\"name\":");
    json_text(fmt);
    printf(",\"answers\":[");
  }
  for (size_t k = 0; k < st.n; k++) {
    ip_str(st.nb[k].addr, a, sizeof(a));
    ip_str(st.from[k], f, sizeof(f));
    int g = (st.nb[k].flags & MSL_NBNS_NB_G) != 0;
    if (o.json)
      printf("%s{\"address\":\"%s\",\"from\":\"%s\",\"group\":%s,"
             "\"node_type\":\"%s\",\"nb_flags\":%u,\"ttl\":%u}",
             k ? "," : "", a, f, g ? "true" : "false",
             msl_nbns_ont_name(st.nb[k].flags), st.nb[k].flags, st.ttl[k]);
    else
      printf("%s %s %s %s-node ttl %u (from %s)\n", a, fmt,
             g ? "GROUP" : "UNIQUE", msl_nbns_ont_name(st.nb[k].flags),
             st.ttl[k], f);
  }
  if (o.json)
    printf("]}\n");
  if (st.n == 0 && !o.json)
    fprintf(stderr, "mailslot resolve: no answer for %s\n", fmt);
  return st.n ? EXIT_OK : EXIT_FAILED;
}

/* ---- nbstat ---- */

typedef struct stat_state {
  int done;
  uint32_t from;
  msl_nbns_node_name names[256];
  size_t n;
  uint8_t mac[6];
} stat_state;

static void on_status_reply(void *user, const msl_nbns *r, uint32_t from) {
  stat_state *st = user;
  if (msl_nbns_opcode(r) != MSL_NBNS_OP_QUERY || !r->ancount ||
      r->an[0].type != MSL_NBNS_T_NBSTAT)
    return;
  st->n = 0;
  while (st->n < 256 &&
         msl_nbns_rr_node_name(&r->an[0], st->n, &st->names[st->n]))
    st->n++;
  memcpy(st->mac, r->an[0].stats.unit_id, 6);
  st->from = from;
  st->done = 1;
}

static const char stat_usage[] =
    "usage: mailslot nbstat HOST|IP [--json] [--timeout MS] [--scope ID]\n"
    "                [--port N]\n"
    "Asks HOST (an IPv4 address, or a NetBIOS name resolved by broadcast)\n"
    "for its NetBIOS name table (node status) and prints it with the MAC\n"
    "address, like `nbtstat -A`. Exit status 1 when it does not answer.\n";

int cmd_nbstat(int argc, char **argv) {
  nbt_opts o;
  msl_nbname star;
  msl_nbns q;
  static stat_state st;
  char a[16];
  int i = parse_opts(argc, argv, &o, 0, stat_usage);
  if (i < 0)
    return i == -2 ? EXIT_OK : EXIT_USAGE;
  if (parse_ip(argv[i], &o.dst[0]) == 0)
    o.ndst = 1;
  else {
    /* A name: find its address first (nbtstat -a). */
    msl_nbname nb;
    res_state rs;
    nbt_opts bo = o;
    int done = 0;
    if (parse_name(argv[i], 0x00, o.scope, &nb) < 0) {
      fprintf(stderr, "mailslot nbstat: bad host '%s'\n", argv[i]);
      return EXIT_USAGE;
    }
    bo.ndst = bcast_addrs(bo.dst, MAX_DST);
    bo.bcast = 1;
    memset(&rs, 0, sizeof(rs));
    msl_nbns_build_query(&q, new_trn_id(), &nb, 1);
    if (exchange(&bo, &q, on_query_reply, &rs, &done) < 0)
      return EXIT_FAILED;
    if (rs.n == 0) {
      fprintf(stderr, "mailslot nbstat: cannot resolve '%s'\n", argv[i]);
      return EXIT_FAILED;
    }
    o.dst[0] = rs.nb[0].addr;
    o.ndst = 1;
  }
  if (msl_nbname_make(&star, "*", 0, o.scope) != 0) {
    fprintf(stderr, "mailslot nbstat: bad scope\n");
    return EXIT_USAGE;
  }
  msl_nbns_build_node_status(&q, new_trn_id(), &star, 0);
  memset(&st, 0, sizeof(st));
  if (exchange(&o, &q, on_status_reply, &st, &st.done) < 0)
    return EXIT_FAILED;
  ip_str(o.dst[0], a, sizeof(a));
  if (!st.done) {
    fprintf(stderr, "mailslot nbstat: no answer from %s\n", a);
    return EXIT_FAILED;
  }
  char mac[18];
  snprintf(mac, sizeof(mac), "%02X-%02X-%02X-%02X-%02X-%02X", st.mac[0],
           st.mac[1], st.mac[2], st.mac[3], st.mac[4], st.mac[5]);
  if (o.json)
    printf("{\"address\":\"%s\",\"names\":[", a);
  else
    printf("Node status of %s:\n", a);
  for (size_t k = 0; k < st.n; k++) {
    msl_nbname nb;
    char fmt[MSL_NBNAME_ESC_MAX];
    uint16_t fl = st.names[k].flags;
    msl_nbname_from_raw(&nb, st.names[k].name, NULL);
    msl_nbname_format_escaped(&nb, fmt, sizeof(fmt));
    char state[64];
    snprintf(state, sizeof(state), "%s%s%s%s",
             fl & MSL_NBNS_NAME_ACT ? "ACTIVE" : "INACTIVE",
             fl & MSL_NBNS_NAME_CNF ? " CONFLICT" : "",
             fl & MSL_NBNS_NAME_DRG ? " DEREGISTERED" : "",
             fl & MSL_NBNS_NAME_PRM ? " PERMANENT" : "");
    const char *kind = fl & MSL_NBNS_NB_G ? "GROUP" : "UNIQUE";
    if (o.json) {
      /* Names may hold any byte: escaped as resolve reads them. */
      printf("%s{\"name\":", k ? "," : "");
      json_text(fmt);
      printf(",\"suffix\":%u,\"type\":\"%s\",\"node_type\":\"%s\","
             "\"flags\":%u,\"state\":\"%s\"}",
             st.names[k].name[15], kind, msl_nbns_ont_name(fl), fl, state);
    } else
      printf("  %-22s %-6s %s-node %s\n", fmt, kind, msl_nbns_ont_name(fl),
             state);
  }
  if (o.json)
    printf("],\"mac\":\"%s\"}\n", mac);
  else
    printf("MAC Address = %s\n", mac);
  return EXIT_OK;
}
