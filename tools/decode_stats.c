/* --stats summary of `mailslot decode` (see decode_stats.h). */
#include "decode_stats.h"

#include <stdlib.h>
#include <string.h>

#include "msl_print.h"

#define KEY_MAX 64
#define CTR_MAX 256
#define HOST_MAX 4096
#define TEXT_MAX 64

struct ctr {
  char key[KEY_MAX];
  unsigned long long n;
};

struct table {
  const char *title;
  size_t n;
  unsigned long long other;
  struct ctr c[CTR_MAX];
};

enum host_kind { HOST_SERVER, HOST_DOMAIN };

struct host {
  int kind;
  char name[TEXT_MAX];    /* display form of the announced name */
  char group[TEXT_MAX];   /* workgroup (destination name) */
  char comment[TEXT_MAX]; /* comment; master browser for a domain */
  uint32_t ip;
  uint8_t os_major, os_minor;
  uint32_t server_type;
  unsigned long long seen;
};

enum { T_TYPE, T_MAILSLOT, T_BROWSE, T_NETLOGON, T_ERROR, T_COUNT };

struct decode_stats {
  unsigned long long files, frames, packets, reassembled, truncated, quoted;
  struct table t[T_COUNT];
  size_t nhosts;
  unsigned long long hosts_unlisted;
  struct host h[HOST_MAX];
};

decode_stats *decode_stats_new(void) {
  decode_stats *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->t[T_TYPE].title = "message types";
  s->t[T_MAILSLOT].title = "mailslots";
  s->t[T_BROWSE].title = "browse commands";
  s->t[T_NETLOGON].title = "netlogon commands";
  s->t[T_ERROR].title = "errors by layer";
  return s;
}

void decode_stats_free(decode_stats *s) { free(s); }

void decode_stats_add_file(decode_stats *s, unsigned long long frames) {
  s->files++;
  s->frames += frames;
}

/* Display text of bytes (non-printables as <xx>), NUL-terminated. */
static void text(char *dst, size_t cap, const uint8_t *p, size_t n) {
  msl_out o;
  msl_out_init(&o, dst, cap);
  msl_out_text(&o, p, n);
  if (o.overflow) /* keep what fitted */
    dst[cap - 1] = 0;
}

static void count(struct table *t, const char *key, size_t klen) {
  if (klen >= KEY_MAX)
    klen = KEY_MAX - 1;
  for (size_t i = 0; i < t->n; i++)
    if (!strncmp(t->c[i].key, key, klen) && !t->c[i].key[klen]) {
      t->c[i].n++;
      return;
    }
  if (t->n == CTR_MAX) {
    t->other++;
    return;
  }
  memcpy(t->c[t->n].key, key, klen);
  t->c[t->n].key[klen] = 0;
  t->c[t->n++].n = 1;
}

static void count_str(struct table *t, const char *key) {
  count(t, key, strlen(key));
}

static void count_text(struct table *t, msl_view v) {
  char buf[KEY_MAX];
  text(buf, sizeof buf, v.ptr, v.len);
  count_str(t, buf);
}

static void count_code(struct table *t, const char *name, unsigned code) {
  char buf[KEY_MAX];
  snprintf(buf, sizeof buf, "0x%02x %s", code, name ? name : "?");
  count_str(t, buf);
}

/* The 15-character part of a NetBIOS name, trailing spaces dropped. */
static void nbname_short(char *dst, size_t cap, const msl_nbname *n) {
  size_t len = MSL_NBNAME_MAX_CHARS;
  while (len && (n->raw[len - 1] == ' ' || n->raw[len - 1] == 0))
    len--;
  text(dst, cap, n->raw, len);
}

static struct host *host_get(decode_stats *s, int kind, const char *name,
                             uint32_t ip) {
  for (size_t i = 0; i < s->nhosts; i++)
    if (s->h[i].kind == kind && s->h[i].ip == ip && !strcmp(s->h[i].name, name))
      return &s->h[i];
  if (s->nhosts == HOST_MAX) {
    s->hosts_unlisted++;
    return NULL;
  }
  struct host *h = &s->h[s->nhosts++];
  memset(h, 0, sizeof *h);
  h->kind = kind;
  h->ip = ip;
  snprintf(h->name, sizeof h->name, "%s", name);
  return h;
}

static void host_announce(decode_stats *s, const msl_dissect *d, int kind,
                          const uint8_t *name, size_t name_len, uint8_t maj,
                          uint8_t min, uint32_t type, msl_view comment) {
  char nm[TEXT_MAX];
  uint32_t ip = d->nbdgm.src_ip;
  text(nm, sizeof nm, name, name_len);
  struct host *h = host_get(s, kind, nm, ip);
  if (!h)
    return;
  h->seen++;
  h->os_major = maj;
  h->os_minor = min;
  h->server_type = type;
  text(h->comment, sizeof h->comment, comment.ptr, comment.len);
  if (d->nbdgm_names)
    nbname_short(h->group, sizeof h->group, &d->nbdgm.dst);
}

static void add_browse(decode_stats *s, const msl_dissect *d) {
  const msl_browse *b = &d->u.browse;
  count_code(&s->t[T_BROWSE], msl_browse_opcode_name(b->opcode), b->opcode);
  const msl_browse_announce *a = &b->u.announce;
  size_t nl = msl_browse_name16_len(a->name);
  switch (b->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    host_announce(s, d, HOST_SERVER, a->name, nl, a->os_major, a->os_minor,
                  a->server_type, a->comment);
    break;
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
    host_announce(s, d, HOST_DOMAIN, a->name, nl, a->os_major, a->os_minor,
                  a->server_type, a->comment);
    break;
  default:
    break;
  }
}

void decode_stats_add(decode_stats *s, const msl_pkt_meta *m,
                      const msl_dissect *d) {
  char key[KEY_MAX];
  /* Quoted in an ICMP error: never delivered, nobody's live traffic. */
  if (m && (m->flags & MSL_PKT_QUOTED)) {
    s->quoted++;
    return;
  }
  if (m && (m->flags & MSL_PKT_DGM_REASSEMBLED))
    s->reassembled++;
  else
    s->packets++;
  if (m && m->truncated)
    s->truncated++;
  if (d->err) {
    snprintf(key, sizeof key, "%s: %s", msl_dissect_layer_name(d->err_layer),
             msl_strerror(d->err));
    count_str(&s->t[T_ERROR], key);
  }
  if (d->layers & MSL_LAYER_NBNS) {
    unsigned op = msl_nbns_opcode(&d->nbns);
    snprintf(key, sizeof key, "nbns %s%s", msl_nbns_opcode_name(op),
             msl_nbns_is_response(&d->nbns) ? " response" : "");
    count_str(&s->t[T_TYPE], key);
  }
  if (d->layers & MSL_LAYER_NBDGM) {
    snprintf(key, sizeof key, "nbdgm %s%s", msl_nbdgm_type_name(d->nbdgm.type),
             d->reassembled ? " (reassembled)"
             : d->fragment  ? " (fragment)"
                            : "");
    count_str(&s->t[T_TYPE], key);
  }
  /* A layer read in part (d->partial) has no whole message to count. */
  if (d->partial & (MSL_LAYER_SMB | MSL_LAYER_BROWSE | MSL_LAYER_LANMAN |
                    MSL_LAYER_NETLOGON))
    return;
  if (d->layers & MSL_LAYER_SMB)
    count_text(&s->t[T_MAILSLOT], d->smb.name);
  if (d->layers & MSL_LAYER_BROWSE)
    add_browse(s, d);
  if (d->layers & MSL_LAYER_LANMAN) {
    const msl_browse_lanman *l = &d->u.lanman;
    count_code(&s->t[T_BROWSE], "LanMan announcement", l->opcode);
    host_announce(s, d, HOST_SERVER, l->name.ptr, l->name.len, l->os_major,
                  l->os_minor, l->server_type, l->comment);
  }
  if (d->layers & MSL_LAYER_NETLOGON)
    count_code(&s->t[T_NETLOGON],
               msl_netlogon_opcode_name(d->u.netlogon.opcode),
               d->u.netlogon.opcode);
}

static int by_count(const void *a, const void *b) {
  const struct ctr *x = a, *y = b;
  if (x->n != y->n)
    return x->n < y->n ? 1 : -1;
  return strcmp(x->key, y->key);
}

static int by_host(const void *a, const void *b) {
  const struct host *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c)
    return c;
  return x->ip < y->ip ? -1 : x->ip > y->ip;
}

static void print_table(const struct table *t, FILE *out) {
  struct ctr sorted[CTR_MAX];
  if (!t->n && !t->other)
    return;
  memcpy(sorted, t->c, t->n * sizeof t->c[0]);
  qsort(sorted, t->n, sizeof sorted[0], by_count);
  fprintf(out, "\n%s:\n", t->title);
  for (size_t i = 0; i < t->n; i++)
    fprintf(out, "  %10llu  %s\n", sorted[i].n, sorted[i].key);
  if (t->other)
    fprintf(out, "  %10llu  (other)\n", t->other);
}

static void ip_text(char *buf, size_t cap, uint32_t ip) {
  snprintf(buf, cap, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff,
           ip & 0xff);
}

static void print_hosts(const decode_stats *s, int kind, FILE *out) {
  static struct host sorted[HOST_MAX];
  size_t n = 0;
  char ip[16], roles[512];
  for (size_t i = 0; i < s->nhosts; i++)
    if (s->h[i].kind == kind)
      sorted[n++] = s->h[i];
  if (!n)
    return;
  qsort(sorted, n, sizeof sorted[0], by_host);
  if (kind == HOST_SERVER) {
    fprintf(out, "\nhosts (from browser announcements):\n");
    fprintf(out, "  %-15s %-15s %-5s %-10s %-15s %5s  %s\n", "NAME", "IP", "OS",
            "TYPE", "WORKGROUP", "SEEN", "COMMENT / ROLES");
  } else {
    fprintf(out, "\nworkgroups and domains (from domain announcements):\n");
    fprintf(out, "  %-15s %-15s %-5s %-10s %-15s %5s  %s\n", "NAME", "IP", "OS",
            "TYPE", "", "SEEN", "MASTER BROWSER / ROLES");
  }
  for (size_t i = 0; i < n; i++) {
    const struct host *h = &sorted[i];
    char os[8];
    ip_text(ip, sizeof ip, h->ip);
    snprintf(os, sizeof os, "%u.%u", h->os_major, h->os_minor);
    msl_browse_sv_type_format(h->server_type, roles, sizeof roles);
    fprintf(out, "  %-15s %-15s %-5s 0x%08x %-15s %5llu  \"%s\" %s\n", h->name,
            ip, os, (unsigned)h->server_type,
            kind == HOST_SERVER ? h->group : "", h->seen, h->comment, roles);
  }
}

void decode_stats_print(const decode_stats *s, FILE *out) {
  fprintf(out, "\n==== statistics ====\n");
  fprintf(out,
          "files %llu, frames %llu, NetBIOS packets %llu (truncated %llu), "
          "reassembled datagrams %llu",
          s->files, s->frames, s->packets, s->truncated, s->reassembled);
  if (s->quoted) /* not in the tables below */
    fprintf(out, ", quoted in ICMP errors %llu", s->quoted);
  fputc('\n', out);
  for (int i = 0; i < T_COUNT; i++)
    print_table(&s->t[i], out);
  print_hosts(s, HOST_SERVER, out);
  print_hosts(s, HOST_DOMAIN, out);
  if (s->hosts_unlisted)
    fprintf(out, "  (%llu announcements of further hosts not listed)\n",
            s->hosts_unlisted);
}
