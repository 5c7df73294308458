/*
 * `mailslot resolve` and `mailslot nbstat`: NetBIOS name-service clients
 * [RFC 1002 §4.2.12-13, §4.2.17-18], like nmblookup and `nbtstat -A`, on
 * the library's clients (msl_nb_query, msl_nb_node_status: no daemon
 * needed). This file parses arguments and prints.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mailslot.h"
#include "msl_nbns.h"

#define MAX_DST 16
#define MAX_ANS 64
#define MAX_NAMES 256

typedef struct nbt_opts {
  int json;
  int timeout_ms;
  uint16_t port;
  const char *scope;
  uint32_t dst[MAX_DST]; /* network order */
  size_t ndst;
  int bcast;
} nbt_opts;

/* a.b.c.d of a network-order address (cap >= 16). */
static void ip_str(uint32_t ip, char *b, size_t cap) {
  struct in_addr a = {.s_addr = ip};
  inet_ntop(AF_INET, &a, b, (socklen_t)cap);
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
  *ip = a.s_addr;
  return 0;
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

/* The library's options for o, with the given destinations. */
static msl_nb_opts lib_opts(const nbt_opts *o) {
  msl_nb_opts l;
  memset(&l, 0, sizeof(l));
  l.dst = o->ndst ? o->dst : NULL;
  l.n_dst = o->ndst;
  l.scope = o->scope;
  l.timeout_ms = (uint32_t)o->timeout_ms;
  l.port = o->port;
  l.flags = o->bcast ? MSL_NB_BROADCAST : 0;
  return l;
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

/* Asks for nb as o says; the answers into a[MAX_ANS]. Returns how many,
 * or -1 (printed as cmd's error). No broadcast interface to ask is an
 * error with the hint no_iface, or (NULL) no answer. */
static int query(const char *cmd, const nbt_opts *o, const msl_nbname *nb,
                 msl_nb_addr *a, const char *no_iface) {
  msl_nb_opts l = lib_opts(o);
  int n = msl_nb_query(nb->raw, &l, a, MAX_ANS);
  if (n == MSL_ERR_NO_INTERFACE && !no_iface)
    return 0;
  if (n == MSL_ERR_NO_INTERFACE)
    fprintf(stderr, "mailslot %s: no broadcast interface (%s)\n", cmd,
            no_iface);
  else if (n < 0)
    fprintf(stderr, "mailslot %s: %s\n", cmd, msl_strerror(n));
  return n < 0 ? -1 : n;
}

static void print_answers(const nbt_opts *o, const char *fmt,
                          const msl_nb_addr *ans, int n) {
  char a[16], f[16];
  if (o->json) {
    printf("{\"name\":");
    json_text(fmt);
    printf(",\"answers\":[");
  }
  for (int k = 0; k < n; k++) {
    uint16_t fl = ans[k].nb_flags;
    ip_str(ans[k].addr, a, sizeof(a));
    ip_str(ans[k].from, f, sizeof(f));
    int g = (fl & MSL_NBNS_NB_G) != 0;
    if (o->json)
      printf("%s{\"address\":\"%s\",\"from\":\"%s\",\"group\":%s,"
             "\"node_type\":\"%s\",\"nb_flags\":%u,\"ttl\":%u}",
             k ? "," : "", a, f, g ? "true" : "false", msl_nbns_ont_name(fl),
             fl, ans[k].ttl);
    else
      printf("%s %s %s %s-node ttl %u (from %s)\n", a, fmt,
             g ? "GROUP" : "UNIQUE", msl_nbns_ont_name(fl), ans[k].ttl, f);
  }
  if (o->json)
    printf("]}\n");
}

int cmd_resolve(int argc, char **argv) {
  nbt_opts o;
  msl_nbname nb;
  msl_nb_addr ans[MAX_ANS];
  char fmt[MSL_NBNAME_ESC_MAX];
  int i = parse_opts(argc, argv, &o, 1, res_usage);
  if (i < 0)
    return i == -2 ? EXIT_OK : EXIT_USAGE;
  if (parse_name(argv[i], 0x00, o.scope, &nb) < 0) {
    fprintf(stderr, "mailslot resolve: bad name '%s'\n", argv[i]);
    return EXIT_USAGE;
  }
  int n = query("resolve", &o, &nb, ans, "use -U");
  if (n < 0)
    return EXIT_FAILED;
  msl_nbname_format_escaped(&nb, fmt, sizeof(fmt));
  print_answers(&o, fmt, ans, n);
  if (n == 0 && !o.json)
    fprintf(stderr, "mailslot resolve: no answer for %s\n", fmt);
  return n ? EXIT_OK : EXIT_FAILED;
}

/* ---- nbstat ---- */

static const char stat_usage[] =
    "usage: mailslot nbstat HOST|IP [--json] [--timeout MS] [--scope ID]\n"
    "                [--port N]\n"
    "Asks HOST (an IPv4 address, or a NetBIOS name resolved by broadcast)\n"
    "for its NetBIOS name table (node status) and prints it with the MAC\n"
    "address, like `nbtstat -A`. Exit status 1 when it does not answer.\n";

/* HOST's address into o->dst[0]: as typed, or the first answer to a
 * broadcast query for it (nbtstat -a). An exit status or -1. */
static int stat_target(nbt_opts *o, const char *host) {
  msl_nbname nb;
  msl_nb_addr ans[MAX_ANS];
  o->ndst = 1;
  if (parse_ip(host, &o->dst[0]) == 0)
    return -1;
  if (parse_name(host, 0x00, o->scope, &nb) < 0) {
    fprintf(stderr, "mailslot nbstat: bad host '%s'\n", host);
    return EXIT_USAGE;
  }
  nbt_opts bo = *o;
  bo.ndst = 0;
  int n = query("nbstat", &bo, &nb, ans, NULL);
  if (n < 0)
    return EXIT_FAILED;
  if (n == 0) {
    fprintf(stderr, "mailslot nbstat: cannot resolve '%s'\n", host);
    return EXIT_FAILED;
  }
  o->dst[0] = ans[0].addr;
  return -1;
}

/* One name of a table: its line, or its JSON object (k: its index). */
static void print_name(const nbt_opts *o, const msl_nb_name *e, int k) {
  msl_nbname nb;
  char fmt[MSL_NBNAME_ESC_MAX], state[64];
  uint16_t fl = e->flags;
  msl_nbname_from_raw(&nb, e->name, NULL);
  msl_nbname_format_escaped(&nb, fmt, sizeof(fmt));
  snprintf(state, sizeof(state), "%s%s%s%s",
           fl & MSL_NBNS_NAME_ACT ? "ACTIVE" : "INACTIVE",
           fl & MSL_NBNS_NAME_CNF ? " CONFLICT" : "",
           fl & MSL_NBNS_NAME_DRG ? " DEREGISTERED" : "",
           fl & MSL_NBNS_NAME_PRM ? " PERMANENT" : "");
  const char *kind = fl & MSL_NBNS_NB_G ? "GROUP" : "UNIQUE";
  if (o->json) {
    /* Names may hold any byte: escaped as resolve reads them. */
    printf("%s{\"name\":", k ? "," : "");
    json_text(fmt);
    printf(",\"suffix\":%u,\"type\":\"%s\",\"node_type\":\"%s\","
           "\"flags\":%u,\"state\":\"%s\"}",
           e->name[15], kind, msl_nbns_ont_name(fl), fl, state);
  } else
    printf("  %-22s %-6s %s-node %s\n", fmt, kind, msl_nbns_ont_name(fl),
           state);
}

int cmd_nbstat(int argc, char **argv) {
  nbt_opts o;
  static msl_nb_name names[MAX_NAMES];
  msl_nb_status info;
  char a[16], mac[18];
  int i = parse_opts(argc, argv, &o, 0, stat_usage);
  if (i < 0)
    return i == -2 ? EXIT_OK : EXIT_USAGE;
  int rc = stat_target(&o, argv[i]);
  if (rc >= 0)
    return rc;
  msl_nb_opts l = lib_opts(&o);
  int n = msl_nb_node_status(o.dst[0], &l, names, MAX_NAMES, &info);
  ip_str(o.dst[0], a, sizeof(a));
  if (n == MSL_ERR_NAME) {
    fprintf(stderr, "mailslot nbstat: bad scope\n");
    return EXIT_USAGE;
  }
  if (n == MSL_ERR_NAME_NOT_FOUND) {
    fprintf(stderr, "mailslot nbstat: no answer from %s\n", a);
    return EXIT_FAILED;
  }
  if (n < 0) {
    fprintf(stderr, "mailslot nbstat: %s\n", msl_strerror(n));
    return EXIT_FAILED;
  }
  snprintf(mac, sizeof(mac), "%02X-%02X-%02X-%02X-%02X-%02X", info.mac[0],
           info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5]);
  if (o.json)
    printf("{\"address\":\"%s\",\"names\":[", a);
  else
    printf("Node status of %s:\n", a);
  for (int k = 0; k < n; k++)
    print_name(&o, &names[k], k);
  if (o.json)
    printf("],\"mac\":\"%s\"}\n", mac);
  else
    printf("MAC Address = %s\n", mac);
  return EXIT_OK;
}
