/*
 * `mailslot browse` and `mailslot dc-ping` (issue 6).
 *
 * Requests go out from a UDP socket of our own (an ephemeral port): nmbd
 * and Windows answer GetBackupListRequest and netlogon pings to the
 * request's UDP source port (Samba nmbd_incomingdgrams.c, nmbd_processlogon
 * .c reply to p->port), so the answers come back to this socket whether or
 * not mailslotd runs. Broadcast announcements go to port 138: those reach
 * us through the local mailslot \\.\mailslot\BROWSE, which mailslotd (or
 * an embedded service) feeds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "json_text.h"
#include "mailslot.h"
#include "msl_browse.h"
#include "msl_browselist.h"
#include "msl_nbdgm.h"
#include "msl_nbname.h"
#include "msl_netlogon.h"
#include "msl_smbtr.h"
#include "tool_sys.h"

#define MAX_BCAST 16
#define PKT_MAX 1500

typedef struct net {
  int fd;
  uint32_t bcast[MAX_BCAST], addr[MAX_BCAST]; /* host order */
  size_t n;
  msl_service_identity me; /* the names our requests carry */
  uint16_t id;
} net;

static void copy15(char *dst, const char *src) {
  size_t k = 0;
  for (; src && src[k] && src[k] != '.' && k < 15; k++)
    dst[k] = (char)toupper((unsigned char)src[k]);
  dst[k] = '\0';
}

/* Who our requests speak as. Replies may come to the source name (port
 * 138), so it must be one this host answers for: mailslotd's, when it
 * runs; else $MAILSLOT_NAME and friends (as a direct sender), else the
 * host name. --name overrides the name. */
static void find_identity(msl_service_identity *me, const char *name) {
  char hn[256] = "";
  if (msl_service_query_identity(me) < 0) {
    const char *e = getenv("MAILSLOT_NAME");
    gethostname(hn, sizeof(hn) - 1);
    copy15(me->name, e && *e ? e : hn);
    e = getenv("MAILSLOT_WORKGROUP");
    copy15(me->workgroup, e && *e ? e : "WORKGROUP");
    e = getenv("MAILSLOT_SCOPE");
    snprintf(me->scope, sizeof(me->scope), "%s", e ? e : "");
  }
  if (name)
    copy15(me->name, name);
  if (!me->name[0])
    snprintf(me->name, sizeof(me->name), "MAILSLOT");
}

static int net_open(net *n, const char *name) {
  struct ifaddrs *ifa, *i;
  memset(n, 0, sizeof(*n));
  find_identity(&n->me, name);
  tool_random(&n->id, sizeof(n->id));
  if (getifaddrs(&ifa) != 0)
    return -1;
  for (i = ifa; i && n->n < MAX_BCAST; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
        !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK) ||
        !(i->ifa_flags & IFF_BROADCAST) || !i->ifa_broadaddr)
      continue;
    n->addr[n->n] =
        ntohl(((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr.s_addr);
    n->bcast[n->n++] = ntohl(
        ((struct sockaddr_in *)(void *)i->ifa_broadaddr)->sin_addr.s_addr);
  }
  freeifaddrs(ifa);
  n->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_in sa = {.sin_family = AF_INET};
  if (n->fd < 0 ||
      setsockopt(n->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) != 0 ||
      bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
    return -1;
  return n->n ? 0 : -1;
}

/* Sends data to mailslot `slot` for NAME<suffix> (group or unique) by
 * broadcast on every interface, from our NAME<00> (n->me, in its scope). */
static int net_send(net *n, const char *name, uint8_t suffix, int group,
                    const char *slot, const uint8_t *data, size_t len) {
  msl_nbname src, dst;
  msl_smbtr t;
  msl_nbdgm d;
  uint8_t smb[PKT_MAX], pkt[PKT_MAX];
  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t sl = sizeof(sa);
  int sent = 0;
  const char *scope = n->me.scope[0] ? n->me.scope : NULL;
  if (getsockname(n->fd, (struct sockaddr *)&sa, &sl) != 0 ||
      msl_nbname_make(&src, n->me.name, MSL_NB_WORKSTATION, scope) != 0 ||
      msl_nbname_make(&dst, name, suffix, scope) != 0 ||
      msl_smbtr_init_write(&t, slot, data, len, MSL_SMBTR_BROWSER) != 0)
    return -1;
  int sn = msl_smbtr_encode(&t, smb, sizeof(smb));
  if (sn < 0)
    return -1;
  for (size_t i = 0; i < n->n; i++) {
    if (msl_nbdgm_init(&d, group ? MSL_NBDGM_DIRECT_GROUP
                                 : MSL_NBDGM_DIRECT_UNIQUE,
                       MSL_NBDGM_SNT_B, n->id++, n->addr[i],
                       ntohs(sa.sin_port), &src, &dst, smb,
                       (size_t)sn) != 0)
      return -1;
    int pn = msl_nbdgm_encode(&d, pkt, sizeof(pkt));
    if (pn < 0)
      return -1;
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(MSL_NBDGM_PORT),
                             .sin_addr.s_addr = htonl(n->bcast[i])};
    if (sendto(n->fd, pkt, (size_t)pn, 0, (struct sockaddr *)&to,
               sizeof(to)) == pn)
      sent++;
  }
  return sent ? 0 : -1;
}

/* Receives one datagram from our socket: returns the mailslot data of a
 * single-fragment mailslot write, with its sender, or -1. */
static int net_recv(net *n, uint8_t *buf, size_t cap, msl_view *slot,
                    msl_view *data, uint32_t *ip, uint8_t dst[16]) {
  struct sockaddr_in from;
  socklen_t fl = sizeof(from);
  ssize_t r = recvfrom(n->fd, buf, cap, MSG_DONTWAIT,
                       (struct sockaddr *)&from, &fl);
  msl_nbdgm d;
  msl_smbtr t;
  if (r <= 0 ||
      msl_nbdgm_decode_ex(&d, buf, (size_t)r, MSL_NBDGM_SHORT_LENGTH_OK) ||
      d.type > MSL_NBDGM_BROADCAST ||
      msl_smbtr_decode(&t, d.data.ptr, d.data.len) != 0)
    return -1;
  *slot = t.name;
  *data = t.data;
  *ip = ntohl(from.sin_addr.s_addr);
  memcpy(dst, d.dst.raw, 16);
  return 0;
}

static void ipstr(uint32_t ip, char *b) {
  snprintf(b, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
           ip & 255);
}

static void text_str(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?');
}

/* ---- browse ---- */

/* dst: the raw destination NetBIOS name (the workgroup of announcements),
 * or NULL. */
/* One message for `slot`, from our socket or from the local mailslot h:
 * its bytes, the sender's address and, when known, the destination name. */
typedef void (*on_message)(const uint8_t *p, size_t len, uint32_t ip,
                           const uint8_t *dst, void *user);

/* Until wait_s seconds have passed, hands every datagram for `slot` that
 * reaches our socket, and every message of the local mailslot h (may be
 * NULL), to cb. Closes the socket and h. */
static void collect(net *n, msl_handle *h, const char *slot, unsigned wait_s,
                    on_message cb, void *user) {
  uint64_t end = tool_now_ms() + (uint64_t)wait_s * 1000u;
  static uint8_t buf[65536];
  for (uint64_t t; (t = tool_now_ms()) < end;) {
    struct pollfd pf[2] = {{n->fd, POLLIN, 0}, {h ? msl_fd(h) : -1, POLLIN, 0}};
    if (poll(pf, 2, (int)(end - t)) <= 0)
      continue;
    if (pf[0].revents) {
      msl_view sl, data;
      uint32_t ip;
      uint8_t dst[16];
      if (net_recv(n, buf, sizeof(buf), &sl, &data, &ip, dst) == 0 &&
          sl.len == strlen(slot) &&
          strncasecmp((const char *)sl.ptr, slot, sl.len) == 0)
        cb(data.ptr, data.len, ip, dst, user);
    }
    if (pf[1].revents) {
      msl_msg_info info;
      int len = msl_read_ex(h, buf, sizeof(buf), &info, 0);
      if (len >= 0)
        cb(buf, (size_t)len,
           (uint32_t)info.src_ip[0] << 24 | (uint32_t)info.src_ip[1] << 16 |
               (uint32_t)info.src_ip[2] << 8 | info.src_ip[3],
           info.origin == MSL_ORIGIN_NETWORK ? info.dst_name : NULL, user);
    }
  }
  close(n->fd);
  msl_close(h);
}

static void print_type(uint32_t t) {
  printf("type 0x%08x", (unsigned)t);
  for (unsigned bit = 0; bit < 32; bit++) {
    const char *nm = msl_browse_sv_type_name(1u << bit);
    if ((t & (1u << bit)) && nm)
      printf(" %s", nm);
  }
}

/* One merged host or workgroup (msl_browselist.h), at the end. */
static void print_entry(const msl_browse_entry *e, int json) {
  char ips[16];
  int host = e->kind == MSL_BROWSE_ENTRY_HOST;
  ipstr(e->ip, ips);
  if (json) {
    printf("{\"kind\":\"%s\",\"name\":", host ? "host" : "workgroup");
    json_text(stdout, e->name, e->name_len, 0);
    if (host && e->wg_len) {
      printf(",\"workgroup\":");
      json_text(stdout, e->wg, e->wg_len, 0);
    }
    printf(",\"ip\":\"%s\",\"opcode\":\"%s\"", ips,
           msl_browse_opcode_name(e->opcode));
    if (e->has_type)
      printf(",\"server_type\":%u", (unsigned)e->server_type);
    if (host)
      printf(",\"os\":\"%u.%u\"", e->os_major, e->os_minor);
    printf(",\"%s\":", host ? "comment" : "master");
    json_text(stdout, e->text, e->text_len, 0);
    if (host)
      printf(",\"local_master\":%s", e->local_master ? "true" : "false");
    printf(",\"heard\":%lu}\n", (unsigned long)e->heard);
    return;
  }
  printf("%-9s ", host ? "host" : "workgroup");
  text_str(e->name, e->name_len);
  printf("  %s  ", ips);
  if (host && e->wg_len) {
    printf("workgroup ");
    text_str(e->wg, e->wg_len);
    printf("  ");
  }
  if (host)
    printf("os %u.%u  ", e->os_major, e->os_minor);
  if (e->has_type)
    print_type(e->server_type);
  printf(host ? "  comment \"" : "  master ");
  text_str(e->text, e->text_len);
  printf("%s%s", host ? "\"" : "", e->local_master ? "  (local master)" : "");
  printf("  (heard %lu)\n", (unsigned long)e->heard);
}

static void print_backups(const msl_browse *b, uint32_t ip, int json) {
  msl_browse_names it;
  msl_view nm;
  char ips[16];
  ipstr(ip, ips);
  msl_browse_names_init(&it, &b->u.backup_resp);
  if (json)
    printf("{\"kind\":\"backup_list\",\"ip\":\"%s\",\"servers\":[", ips);
  else
    printf("backups   from %s:", ips);
  for (int k = 0; msl_browse_names_next(&it, &nm) == 1; k++) {
    if (json) {
      if (k)
        putchar(',');
      json_text(stdout, nm.ptr, nm.len, 0);
    } else {
      putchar(' ');
      text_str(nm.ptr, nm.len);
    }
  }
  printf(json ? "]}\n" : "\n");
  fflush(stdout);
}

/* What browse gathers: announcements merged (printed at the end); backup
 * lists, which answer our request, printed as they come. */
typedef struct heard {
  msl_browse_list list;
  int json;
} heard;

static void browse_message(const uint8_t *p, size_t len, uint32_t ip,
                           const uint8_t *dst, void *user) {
  heard *hd = user;
  msl_browse b;
  if (msl_browse_decode(&b, p, len) != 0)
    return;
  if (b.opcode == MSL_BROWSE_GET_BACKUP_LIST_RESPONSE)
    print_backups(&b, ip, hd->json);
  else
    msl_browse_list_add(&hd->list, &b, ip, dst);
}

static int parse_wait(const char *s, unsigned *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < 0 || v > 86400)
    return -1;
  *out = (unsigned)v;
  return 0;
}

static const char browse_usage[] =
    "usage: mailslot browse [--workgroup WG] [--name NAME] [--wait S] "
    "[--json]\n"
    "Asks the master browsers of WG (default: mailslotd's workgroup, else\n"
    "WORKGROUP) for announcements and a backup list, listens --wait seconds\n"
    "(default 5) and prints each host and workgroup heard, once (the newest\n"
    "announcement; heard: how many were merged). The requests carry\n"
    "mailslotd's name when it runs (--name overrides).\n";

int cmd_browse(int argc, char **argv) {
  static const struct option lo[] = {{"workgroup", required_argument, 0, 'w'},
                                     {"name", required_argument, 0, 'n'},
                                     {"wait", required_argument, 0, 't'},
                                     {"json", no_argument, 0, 'j'},
                                     {"help", no_argument, 0, 'h'},
                                     {0, 0, 0, 0}};
  const char *wg = NULL, *name = NULL;
  unsigned wait_s = 5;
  int json = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    if (c == 'w')
      wg = optarg;
    else if (c == 'n')
      name = optarg;
    else if (c == 't' && parse_wait(optarg, &wait_s) == 0)
      continue;
    else if (c == 'j')
      json = 1;
    else {
      fputs(browse_usage, c == 'h' ? stdout : stderr);
      return c == 'h' ? EXIT_OK : EXIT_USAGE;
    }
  }
  if (optind != argc || (wg && (!*wg || strlen(wg) > 15)) ||
      (name && (!*name || strlen(name) > 15))) {
    fprintf(stderr, "mailslot browse: bad arguments\n");
    return EXIT_USAGE;
  }
  msl_handle *h = NULL;
  int r = msl_create("\\\\.\\mailslot\\BROWSE", 0, 0, &h);
  if (r < 0)
    fprintf(stderr, "mailslot browse: no local \\MAILSLOT\\BROWSE (%s): "
                    "announcements will not be seen\n",
            msl_strerror(r));
  net n;
  if (net_open(&n, name) != 0) {
    fprintf(stderr, "mailslot browse: no broadcast-capable IPv4 interface\n");
    msl_close(h);
    return EXIT_FAILED;
  }
  char wgu[16];
  copy15(wgu, wg ? wg : n.me.workgroup);
  msl_browse m;
  uint8_t q[64];
  int qn;
  /* AnnouncementRequest: the master browsers answer with announcements. */
  if (msl_browse_build_announcement_request(&m, n.me.name) == 0 &&
      (qn = msl_browse_encode(&m, q, sizeof(q))) > 0) {
    net_send(&n, wgu, MSL_NB_WORKSTATION, 1, MSL_BROWSE_MAILSLOT, q,
             (size_t)qn);
    net_send(&n, wgu, MSL_NB_MASTER_BROWSER, 0, MSL_BROWSE_MAILSLOT, q,
             (size_t)qn);
  }
  if (msl_browse_build_backup_list_request(&m, 4, 1) == 0 &&
      (qn = msl_browse_encode(&m, q, sizeof(q))) > 0)
    net_send(&n, wgu, MSL_NB_MASTER_BROWSER, 0, MSL_BROWSE_MAILSLOT, q,
             (size_t)qn);
  static heard hd; /* the list is large: not on the stack */
  msl_browse_list_init(&hd.list);
  hd.json = json;
  collect(&n, h, MSL_BROWSE_MAILSLOT, wait_s, browse_message, &hd);
  for (size_t i = 0; i < hd.list.n; i++)
    print_entry(&hd.list.e[i], json);
  if (hd.list.dropped)
    fprintf(stderr, "mailslot browse: %lu more hosts or workgroups not "
                    "shown (%d kept)\n",
            (unsigned long)hd.list.dropped, MSL_BROWSE_LIST_MAX);
  return EXIT_OK;
}

/* ---- dc-ping ---- */

/* nmbd answers each ping twice (it reads the broadcast on two sockets):
 * identical replies from one address are printed once. */
typedef struct seen {
  uint64_t h[32];
  size_t n;
} seen;

static int seen_before(seen *s, const uint8_t *p, size_t len, uint32_t ip) {
  uint64_t h = 0xcbf29ce484222325ull ^ ip; /* FNV-1a */
  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  for (size_t i = 0; i < s->n; i++)
    if (s->h[i] == h)
      return 1;
  if (s->n < 32)
    s->h[s->n++] = h; /* more distinct replies are printed, not tracked */
  return 0;
}

static void utf16(msl_view v, char *b, size_t cap) {
  if (msl_netlogon_utf16_to_utf8(v, b, cap, 0) < 0)
    snprintf(b, cap, "?");
}

static void print_netlogon(const uint8_t *p, size_t len, uint32_t ip,
                           int json) {
  msl_netlogon m;
  char ips[16], a[256] = "", d[256] = "";
  if (msl_netlogon_decode(&m, p, len) != 0)
    return;
  ipstr(ip, ips);
  const char *op = msl_netlogon_opcode_name(m.opcode);
  if (m.opcode == 0x0C) {
    utf16(m.u.pr.unicode_pdc_name, a, sizeof(a));
    utf16(m.u.pr.unicode_domain, d, sizeof(d));
  } else if (m.opcode >= 0x13 && m.opcode <= 0x15) {
    utf16(m.u.sresp.unicode_logon_server, a, sizeof(a));
    utf16(m.u.sresp.unicode_domain, d, sizeof(d));
  } else if (m.opcode >= 0x17 && m.opcode <= 0x19) {
    msl_netlogon_dname_get(&m, &m.u.ex.names[MSL_NETLOGON_EX_NB_COMPUTER], a,
                           sizeof(a));
    msl_netlogon_dname_get(&m, &m.u.ex.names[MSL_NETLOGON_EX_NB_DOMAIN], d,
                           sizeof(d));
  }
  if (json) {
    printf("{\"ip\":\"%s\",\"opcode\":%u,\"type\":\"%s\",\"dc\":", ips,
           m.opcode, op ? op : "?");
    json_text(stdout, (const uint8_t *)a, strlen(a), 0);
    printf(",\"domain\":");
    json_text(stdout, (const uint8_t *)d, strlen(d), 0);
    printf("}\n");
  } else
    printf("%s  %s (0x%02x)  dc %s  domain %s\n", ips, op ? op : "?",
           m.opcode, a, d);
  fflush(stdout);
}

/* What dc-ping gathers: replies seen, how to print them, how many. */
typedef struct ping {
  seen sn;
  int json, replies;
} ping;

static void ping_reply(const uint8_t *p, size_t len, uint32_t ip,
                       const uint8_t *dst, void *user) {
  ping *pr = user;
  (void)dst;
  if (seen_before(&pr->sn, p, len, ip))
    return;
  print_netlogon(p, len, ip, pr->json);
  pr->replies++;
}

static const char ping_usage[] =
    "usage: mailslot dc-ping [DOMAIN] [--name NAME] [--wait S] [--json]\n"
    "Sends netlogon pings to DOMAIN<1b> and DOMAIN<1c> (default: mailslotd's\n"
    "workgroup) and prints the domain controllers that answer within --wait\n"
    "seconds (default 3). The pings carry mailslotd's name when it runs\n"
    "(--name overrides). Exit status 1 when none answers.\n";

int cmd_dc_ping(int argc, char **argv) {
  static const struct option lo[] = {{"wait", required_argument, 0, 't'},
                                     {"name", required_argument, 0, 'n'},
                                     {"json", no_argument, 0, 'j'},
                                     {"help", no_argument, 0, 'h'},
                                     {0, 0, 0, 0}};
  unsigned wait_s = 3;
  const char *name = NULL;
  int c;
  ping pr = {{{0}, 0}, 0, 0};
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    if (c == 't' && parse_wait(optarg, &wait_s) == 0)
      continue;
    else if (c == 'n')
      name = optarg;
    else if (c == 'j')
      pr.json = 1;
    else {
      fputs(ping_usage, c == 'h' ? stdout : stderr);
      return c == 'h' ? EXIT_OK : EXIT_USAGE;
    }
  }
  const char *arg = optind < argc ? argv[optind] : NULL;
  if (optind + (arg != NULL) != argc || (arg && (!*arg || strlen(arg) > 15)) ||
      (name && (!*name || strlen(name) > 15))) {
    fputs(ping_usage, stderr);
    return EXIT_USAGE;
  }
  net n;
  if (net_open(&n, name) != 0) {
    fprintf(stderr, "mailslot dc-ping: no broadcast-capable IPv4 interface\n");
    return EXIT_FAILED;
  }
  char dom[16];
  copy15(dom, arg ? arg : n.me.workgroup);
  /* The reply mailslot, named as Windows names it: \MAILSLOT\NET\GETDCxxxx
   * (8 hex digits). Replies come back to our socket (see the top); the
   * local slot also catches any that are sent to port 138. */
  uint32_t rnd;
  tool_random(&rnd, sizeof(rnd));
  char slot[64], local[64];
  snprintf(slot, sizeof(slot), "\\MAILSLOT\\NET\\GETDC%08X", rnd);
  snprintf(local, sizeof(local), "\\\\.\\mailslot\\NET\\GETDC%08X", rnd);
  msl_handle *h = NULL;
  if (msl_create(local, 0, 0, &h) < 0)
    h = NULL;
  const char *me = n.me.name;
  uint8_t q[512];
  int qn = msl_netlogon_build_primary_query(me, slot, MSL_NT_VERSION_1, q,
                                            sizeof(q));
  if (qn > 0)
    net_send(&n, dom, MSL_NB_DOMAIN_MASTER, 0, "\\MAILSLOT\\NET\\NETLOGON", q,
             (size_t)qn);
  qn = msl_netlogon_build_sam_request(0, me, "", slot, 0, NULL, 0, 0x0000000B,
                                      q, sizeof(q));
  if (qn > 0)
    net_send(&n, dom, MSL_NB_DOMAIN_CONTROLLERS, 1,
             "\\MAILSLOT\\NET\\NETLOGON", q, (size_t)qn);
  collect(&n, h, slot, wait_s, ping_reply, &pr);
  if (!pr.replies)
    fprintf(stderr, "mailslot dc-ping: no reply from %s<1b>/<1c>\n", dom);
  return pr.replies ? EXIT_OK : EXIT_FAILED;
}
