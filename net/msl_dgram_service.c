/* The NetBIOS datagram service for mailslots (see msl_dgram_service.h). */
#define _GNU_SOURCE
#include "msl_dgram_service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "msl_lhdr.h"
#include "msl_path.h"
#include "msl_sysres.h"
#include "msl_syserr.h"

typedef struct dedupe_ent {
  uint64_t hash;
  uint64_t when;
  uint32_t src_ip;
  uint16_t id;
  uint16_t used;
  size_t len;
} dedupe_ent;

struct msl_dgram {
  msl_dgram_counters c;
  msl_nbname names[MSL_DGRAM_NAMES_MAX];
  size_t nnames;
  uint64_t window;
  dedupe_ent dd[MSL_DGRAM_DEDUPE_SLOTS];
  msl_reasm reasm;
  void *reasm_mem;
  msl_sink sink;
};

static const uint8_t msbrowse[16] = {0x01, 0x02, '_', '_', 'M', 'S', 'B', 'R',
                                     'O',  'W',  'S', 'E', '_', '_', 0x02, 0x01};

int msl_dgram_new(msl_dgram **out, const msl_dgram_config *cfg) {
  if (!out)
    return MSL_ERR_ARG;
  *out = NULL;
  if (!cfg || !cfg->name || !cfg->workgroup || !cfg->sink.deliver)
    return MSL_ERR_ARG;
  msl_dgram *d = calloc(1, sizeof(*d));
  if (!d)
    return MSL_ERR_NOMEM;
  const char *sc = cfg->scope ? cfg->scope : "";
  struct {
    const char *n;
    uint8_t sfx;
    int on;
  } want[] = {
      {cfg->name, MSL_NB_WORKSTATION, 1},
      {cfg->workgroup, MSL_NB_WORKSTATION, 1},
      {"*", 0x00, 1},
      {cfg->name, MSL_NB_MESSENGER, (cfg->names & MSL_DGRAM_N_MESSENGER) != 0},
      {cfg->name, MSL_NB_SERVER, (cfg->names & MSL_DGRAM_N_SERVER) != 0},
      {cfg->workgroup, MSL_NB_MASTER_BROWSER,
       !(cfg->names & MSL_DGRAM_N_NO_BROWSER)},
      {cfg->workgroup, MSL_NB_BROWSER_ELECTION,
       !(cfg->names & MSL_DGRAM_N_NO_BROWSER)},
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    if (!want[i].on)
      continue;
    if (msl_nbname_make(&d->names[d->nnames++], want[i].n, want[i].sfx, sc) !=
        0)
      goto bad;
  }
  if (!(cfg->names & MSL_DGRAM_N_NO_BROWSER) &&
      msl_nbname_from_raw(&d->names[d->nnames++], msbrowse, sc) != 0)
    goto bad;
  d->window = cfg->dedupe_window_ms ? cfg->dedupe_window_ms
                                    : MSL_DGRAM_DEDUPE_WINDOW_MS;
  d->sink = cfg->sink;
  size_t ms = msl_reasm_mem_size(cfg->reasm);
  if (ms == 0)
    goto bad;
  if (!(d->reasm_mem = malloc(ms))) {
    free(d);
    return MSL_ERR_NOMEM;
  }
  if (msl_reasm_init(&d->reasm, d->reasm_mem, ms, cfg->reasm) != 0)
    goto bad;
  *out = d;
  return 0;
bad:
  free(d->reasm_mem);
  free(d);
  return MSL_ERR_ARG;
}

void msl_dgram_free(msl_dgram *d) {
  if (!d)
    return;
  free(d->reasm_mem);
  free(d);
}

int msl_dgram_is_ours(const msl_dgram *d, const msl_nbname *n) {
  for (size_t i = 0; d && n && i < d->nnames; i++)
    if (msl_nbname_equal(&d->names[i], n))
      return 1;
  return 0;
}

const msl_dgram_counters *msl_dgram_counters_get(const msl_dgram *d) {
  return d ? &d->c : NULL;
}
const msl_reasm *msl_dgram_reasm(const msl_dgram *d) {
  return d ? &d->reasm : NULL;
}
const msl_nbname *msl_dgram_host_name(const msl_dgram *d) {
  return d ? &d->names[0] : NULL;
}
const msl_nbname *msl_dgram_group_name(const msl_dgram *d) {
  return d ? &d->names[1] : NULL;
}

void msl_dgram_count_bad_udp(msl_dgram *d) {
  if (d) {
    d->c.received++;
    d->c.bad_udp++;
  }
}

void msl_dgram_count_sent(msl_dgram *d, uint64_t sent, uint64_t errors) {
  if (d) {
    d->c.sent += sent;
    d->c.send_errors += errors;
  }
}

uint64_t msl_dgram_tick(msl_dgram *d, uint64_t now_ms) {
  if (!d)
    return UINT64_MAX;
  msl_reasm_expire(&d->reasm, now_ms);
  uint64_t next = msl_reasm_next_timeout(&d->reasm, now_ms);
  uint64_t held = d->sink.tick ? d->sink.tick(d->sink.ctx, now_ms)
                               : UINT64_MAX;
  return held < next ? held : next;
}

void msl_dgram_flush(msl_dgram *d, uint64_t now_ms) {
  if (d && d->sink.flush)
    d->sink.flush(d->sink.ctx, now_ms);
}

size_t msl_dgram_pollfds(const msl_dgram *d, struct pollfd *pf, size_t cap) {
  return d && d->sink.pollfds ? d->sink.pollfds(d->sink.ctx, pf, cap) : 0;
}

int msl_dgram_backlogged(const msl_dgram *d, size_t batch) {
  return d && d->sink.backlogged && d->sink.backlogged(d->sink.ctx, batch);
}

/* ---- receive ---- */

/* A 64-bit hash of p[0..n), 8 bytes at a time (multiply and rotate): the
 * dedupe key only needs equal payloads to hash equal, and a byte-wise
 * FNV-1a took a tenth of a busy relay's time. */
static uint64_t payload_hash(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull, w;
  for (; n >= 8; p += 8, n -= 8) {
    memcpy(&w, p, 8);
    h = ((h << 5 | h >> 59) ^ w) * 0x9e3779b97f4a7c15ull;
  }
  w = 0;
  memcpy(&w, p, n);
  h = ((h << 5 | h >> 59) ^ w ^ (uint64_t)n << 56) * 0x9e3779b97f4a7c15ull;
  return h ^ h >> 29;
}

/* 1 when (src_ip, id, len, hash) was seen within the window; records it. */
static int seen(msl_dgram *d, const msl_nbdgm *g, const uint8_t *p,
                size_t len, uint64_t now) {
  uint64_t h = payload_hash(p, len);
  dedupe_ent *e = &d->dd[(h ^ g->id) % MSL_DGRAM_DEDUPE_SLOTS];
  if (e->used && e->hash == h && e->src_ip == g->src_ip && e->id == g->id &&
      e->len == len && now - e->when < d->window)
    return 1;
  e->used = 1;
  e->hash = h;
  e->src_ip = g->src_ip;
  e->id = g->id;
  e->len = len;
  e->when = now;
  return 0;
}

/* Hands the message to the sink with its sender details. */
static int deliver(msl_dgram *d, const msl_nbdgm *g, const msl_smbtr *t,
                   uint64_t now) {
  msl_msg_info info;
  memset(&info, 0, sizeof(info));
  info.origin = MSL_ORIGIN_NETWORK;
  info.dgram_type = g->type;
  info.src_ip[0] = (uint8_t)(g->src_ip >> 24);
  info.src_ip[1] = (uint8_t)(g->src_ip >> 16);
  info.src_ip[2] = (uint8_t)(g->src_ip >> 8);
  info.src_ip[3] = (uint8_t)g->src_ip;
  info.src_port = g->src_port;
  memcpy(info.src_name, g->src.raw, 16);
  memcpy(info.dst_name, g->dst.raw, 16);
  const char *name = (const char *)t->name.ptr + MSL_SMBTR_PREFIX_LEN;
  switch (d->sink.deliver(d->sink.ctx, name,
                          t->name.len - MSL_SMBTR_PREFIX_LEN, t->data.ptr,
                          t->data.len, &info, now)) {
  case MSL_SINK_DELIVERED:
    return MSL_DGRAM_DELIVERED;
  case MSL_SINK_HELD:
    return MSL_DGRAM_HELD;
  case MSL_SINK_NO_SLOT:
    return MSL_DGRAM_NO_MAILSLOT;
  case MSL_SINK_BAD_NAME:
    return MSL_DGRAM_MALFORMED;
  default:
    return MSL_DGRAM_DROPPED;
  }
}

int msl_dgram_input(msl_dgram *d, const uint8_t *p, size_t len,
                    uint32_t udp_ip, uint16_t udp_port, uint64_t now_ms) {
  msl_nbdgm g;
  msl_reasm_out ro;
  msl_smbtr t;
  if (!d)
    return MSL_DGRAM_MALFORMED;
  d->c.received++;
  if (!p || len == 0 || len > MSL_UDP_MAX_PAYLOAD) {
    d->c.bad_udp++;
    return MSL_DGRAM_MALFORMED;
  }
  /* A short DGM_LENGTH is no reason to drop what Samba takes. */
  int r = msl_nbdgm_decode_ex(&g, p, len, MSL_NBDGM_SHORT_LENGTH_OK);
  if (r == 0 && g.short_by)
    d->c.short_length++;
  if (r == 0 && g.type > MSL_NBDGM_BROADCAST) {
    d->c.other_type++;
    return MSL_DGRAM_IGNORED;
  }
  if (r != 0) {
    d->c.bad_nbdgm++;
    return MSL_DGRAM_MALFORMED;
  }
  if (seen(d, &g, p, len, now_ms)) {
    d->c.duplicates++;
    return MSL_DGRAM_DUPLICATE;
  }
  if (!msl_dgram_is_ours(d, &g.dst)) {
    d->c.not_ours++;
    return MSL_DGRAM_NOT_OURS;
  }
  int single = (g.flags & (MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE)) ==
                   MSL_NBDGM_FLAG_FIRST &&
               g.offset == 0;
  if (!single)
    d->c.fragments++;
  r = msl_reasm_add(&d->reasm, &g, udp_ip, udp_port, now_ms, &ro);
  if (r == MSL_REASM_PENDING)
    return MSL_DGRAM_PENDING;
  if (r != MSL_REASM_COMPLETE) {
    d->c.reasm_dropped++;
    return MSL_DGRAM_REASM_DROP;
  }
  if (!single)
    d->c.reassembled++;
  r = msl_smbtr_decode(&t, ro.dgm.data.ptr, ro.dgm.data.len);
  if (r != 0) {
    if (r == MSL_ERR_NOT_MAILSLOT)
      d->c.not_mailslot++;
    else
      d->c.bad_smb++;
    return MSL_DGRAM_MALFORMED;
  }
  return deliver(d, &ro.dgm, &t, now_ms);
}

/* ---- send ---- */

int msl_dgram_sender_init(msl_dgram_sender *s, msl_udp *udp,
                          const msl_nbname *src, uint16_t src_port,
                          const msl_ifaces *ifs) {
  if (!s || !udp || !src)
    return MSL_ERR_ARG;
  memset(s, 0, sizeof(*s));
  s->udp = udp;
  s->src = *src;
  s->src_port = src_port;
  s->ifs = ifs;
  if (getrandom(&s->next_id, sizeof(s->next_id), GRND_NONBLOCK) !=
      (ssize_t)sizeof(s->next_id))
    s->next_id = (uint16_t)((uintptr_t)s ^ (uintptr_t)&s);
  /* Largest datagram: header, two names with the longest scope, SMB. */
  s->pkt_cap = MSL_NBDGM_HDR_LEN + 2 * (MSL_NBNAME_WIRE_MAX + 1) +
               MSL_SMBTR_MAX_LEN_NOLIMIT;
  s->smb = malloc(MSL_SMBTR_MAX_LEN_NOLIMIT);
  s->pkt = malloc(s->pkt_cap);
  if (!s->smb || !s->pkt) {
    msl_dgram_sender_free(s);
    return MSL_ERR_NOMEM;
  }
  return 0;
}

void msl_dgram_sender_free(msl_dgram_sender *s) {
  if (!s)
    return;
  free(s->smb);
  free(s->pkt);
  s->smb = s->pkt = NULL;
}

/* Bytes of the datagram header and both names (the source's scope is
 * ours, the destination's too). */
static size_t dgram_overhead(const msl_dgram_dest *dest) {
  return MSL_NBDGM_HDR_LEN + 2 * msl_nbname_wire_len(&dest->name);
}

int msl_dgram_max_message(const msl_dgram_dest *dest) {
  if (!dest)
    return MSL_ERR_ARG;
  int m = msl_smbtr_max_data(dest->mailslot);
  if (m >= 0 && dest->fit576 && !dest->fragment)
    m = msl_smbtr_max_data_in(dest->mailslot, MSL_NBDGM_SAMBA_MAX_PAYLOAD -
                                                  dgram_overhead(dest));
  if (m < 0 || !dest->fragment)
    return m;
  /* 65535-byte SMB: header and words, name, NUL, up to 3 pad bytes. */
  size_t over = MSL_SMBTR_NAME_OFF + strlen(dest->mailslot) + 1 + 3;
  return (int)(MSL_SMBTR_MAX_LEN_NOLIMIT - over);
}

/* Sends the datagram (possibly as fragments) built on tmpl to one target. */
static int send_one(msl_dgram_sender *s, msl_nbdgm *tmpl, size_t smb_len,
                    const msl_dgram_dest *dest, uint32_t dst, unsigned ifx) {
  msl_nbdgm_frag it;
  size_t names = msl_nbname_wire_len(&tmpl->src) +
                 msl_nbname_wire_len(&tmpl->dst) + MSL_NBDGM_HDR_LEN;
  /* Unfragmented: the whole datagram in one packet, as Windows sends even
   * past 576 bytes. Fragmented: 576-byte IP datagrams [RFC 1002 §6]. */
  size_t maxp = names + smb_len;
  int over = smb_len > MSL_SMBTR_MAX_LEN ||
             (dest->fit576 && maxp > MSL_NBDGM_SAMBA_MAX_PAYLOAD);
  if (dest->fragment && over)
    maxp = MSL_NBDGM_RFC_MAX_PAYLOAD > names + 64 ? MSL_NBDGM_RFC_MAX_PAYLOAD
                                                  : names + 64;
  tmpl->id = s->next_id++;
  int r = msl_nbdgm_fragment_init(&it, tmpl, s->smb, smb_len, maxp);
  if (r < 0)
    return r;
  int last = 0;
  for (;;) {
    int n = msl_nbdgm_fragment(&it, s->pkt, s->pkt_cap);
    if (n <= 0) {
      if (n < 0)
        return n;
      break;
    }
    last = msl_udp_send(s->udp, s->pkt, (size_t)n, dst, dest->port,
                        tmpl->src_ip, ifx);
    if (last == 0)
      s->sent++;
    else {
      s->errors++;
      return last;
    }
  }
  return last;
}

int msl_dgram_send(msl_dgram_sender *s, const msl_dgram_dest *dest,
                   const uint8_t *data, size_t len) {
  msl_smbtr t;
  msl_nbdgm tmpl;
  if (!s || !dest || (!data && len) || !s->smb)
    return MSL_ERR_ARG;
  int max = msl_dgram_max_message(dest);
  if (max < 0)
    return max;
  if (len > (size_t)max)
    return MSL_ERR_MSG_TOO_BIG;
  int r = msl_smbtr_init_write(&t, dest->mailslot, data, len,
                               MSL_SMBTR_WINDOWS_CLIENT);
  if (r < 0)
    return r;
  t.mailslot_class = MSL_SMBTR_CLASS_UNRELIABLE;
  if (dest->fragment)
    t.flags |= MSL_SMBTR_F_NOLIMIT;
  int smb_len = msl_smbtr_encode(&t, s->smb, MSL_SMBTR_MAX_LEN_NOLIMIT);
  if (smb_len < 0)
    return smb_len;
  r = msl_nbdgm_init(&tmpl,
                     dest->group ? MSL_NBDGM_DIRECT_GROUP
                                 : MSL_NBDGM_DIRECT_UNIQUE,
                     MSL_NBDGM_SNT_B, 0, 0, s->src_port, &s->src, &dest->name,
                     s->smb, (size_t)smb_len);
  if (r < 0)
    return r;
  if (!dest->group) {
    uint32_t src = s->src_ip;
    if (!src) {
      const msl_iface *i = msl_ifaces_for_peer(s->ifs, dest->ip);
      src = i ? i->addr : msl_udp_source_for(dest->ip);
    }
    tmpl.src_ip = src;
    return send_one(s, &tmpl, (size_t)smb_len, dest, dest->ip, 0);
  }
  if (!s->ifs || s->ifs->n == 0)
    return MSL_ERR_NO_INTERFACE;
  if (s->tap && !(dest->fragment && (size_t)smb_len > MSL_SMBTR_MAX_LEN)) {
    tmpl.id = s->next_id;
    s->tap(s->tap_user, &tmpl);
  }
  int ok = 0, last = 0;
  for (size_t i = 0; i < s->ifs->n; i++) {
    const msl_iface *f = &s->ifs->v[i];
    tmpl.src_ip = s->src_ip ? s->src_ip : f->addr;
    last = send_one(s, &tmpl, (size_t)smb_len, dest, f->bcast, f->index);
    if (last == 0)
      ok = 1;
  }
  return ok ? 0 : last;
}

/* ---- destinations ---- */

static int eq_nocase(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a, y = *b;
    if (x >= 'a' && x <= 'z')
      x = (char)(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z')
      y = (char)(y - 'a' + 'A');
    if (x != y)
      return 0;
  }
  return *a == *b;
}

static int is_sep(char c) { return c == '\\' || c == '/'; }

/* Addresses that name no single host: nobody to ask for a name. */
static int no_host(uint32_t ip) {
  return ip == 0 || ip == 0xffffffffu || (ip >> 28) == 0xe;
}

int msl_dgram_dest_resolve(msl_dgram_dest *out, const char *path,
                           const char *workgroup, const char *scope,
                           uint16_t port, int fragment,
                           msl_dgram_resolver resolver,
                           msl_dgram_addr_namer namer, void *user) {
  return msl_dgram_dest_resolve_ex(out, path, workgroup, scope, port,
                                   fragment, resolver, namer, NULL, user);
}

int msl_dgram_dest_resolve_ex(msl_dgram_dest *out, const char *path,
                              const char *workgroup, const char *scope,
                              uint16_t port, int fragment,
                              msl_dgram_resolver resolver,
                              msl_dgram_addr_namer namer,
                              msl_dgram_host_resolver hres, void *user) {
  msl_path p;
  char nbn[MSL_NBNAME_MAX_CHARS + 1];
  if (!out || !path || !workgroup)
    return MSL_ERR_ARG;
  memset(out, 0, sizeof(*out));
  int r = msl_path_parse(&p, path);
  if (r < 0)
    return r;
  if (p.kind == MSL_PATH_LOCAL)
    return MSL_ERR_BAD_PATH;
  const char *n = p.name_raw;
  size_t nl = strlen(n);
  if (nl == 0 || MSL_SMBTR_PREFIX_LEN + nl > MSL_SMBTR_NAME_MAX)
    return MSL_ERR_BAD_PATH;
  memcpy(out->mailslot, MSL_SMBTR_PREFIX, MSL_SMBTR_PREFIX_LEN);
  for (size_t i = 0; i < nl; i++)
    out->mailslot[MSL_SMBTR_PREFIX_LEN + i] = is_sep(n[i]) ? '\\' : n[i];
  out->mailslot[MSL_SMBTR_PREFIX_LEN + nl] = '\0';
  out->port = port;
  out->fragment = fragment;
  struct in_addr a;
  if (p.kind == MSL_PATH_HOST && inet_pton(AF_INET, p.host, &a) == 1) {
    out->ip = ntohl(a.s_addr);
    if (namer && !no_host(out->ip) &&
        namer(user, out->ip, scope, &out->name) == 0 &&
        out->name.raw[15] == MSL_NB_WORKSTATION)
      return 0;
    return msl_nbname_make(&out->name, "*", 0x00, scope) ? MSL_ERR_NAME : 0;
  }
  /* A DNS name's first label stands for its NetBIOS name. */
  const char *target = p.kind == MSL_PATH_DOMAIN ? workgroup : p.host;
  size_t tl = strcspn(target, ".");
  if (tl > MSL_NBNAME_MAX_CHARS)
    tl = MSL_NBNAME_MAX_CHARS;
  memcpy(nbn, target, tl);
  nbn[tl] = '\0';
  if (msl_nbname_make(&out->name, nbn, MSL_NB_WORKSTATION, scope) != 0)
    return MSL_ERR_NAME;
  if (p.kind == MSL_PATH_DOMAIN || eq_nocase(p.host, workgroup)) {
    out->group = 1;
    return 0;
  }
  uint32_t ip;
  if (resolver && resolver(user, nbn, scope, &ip) == 0) {
    out->ip = ip;
    return 0;
  }
  r = hres ? hres(user, p.host, &ip) : msl_sysres_lookup(p.host, &ip);
  if (r == 0) {
    out->ip = ip;
    return 0;
  }
  /* Not a host we can find: a domain (or workgroup) name, unless it was
   * written as a DNS name. */
  if (p.host_dotted)
    return MSL_ERR_NAME_NOT_FOUND;
  out->group = 1;
  return 0;
}

int msl_dgram_forward(msl_dgram_sender *s, const msl_dgram_dest *dest, int fd,
                      uint8_t *buf, size_t cap) {
  msl_lhdr h;
  if (!s || !dest || fd < 0 || !buf)
    return MSL_ERR_ARG;
  ssize_t n;
  do
    n = recv(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0
                                                   : msl_err_from_errno(errno);
  if (n == 0)
    return MSL_ERR_NOT_FOUND; /* a message always has its 4-byte header */
  int off = (size_t)n > cap ? MSL_ERR_MSG_TOO_BIG
                            : msl_lhdr_decode(&h, NULL, buf, (size_t)n);
  int r = off < 0 ? off
                  : msl_dgram_send(s, dest, buf + off, (size_t)n - (size_t)off);
  if (r < 0 && r != MSL_ERR_QUEUE_FULL && r != MSL_ERR_SYSTEM)
    s->rejected++;
  return 1;
}

/* ---- status ---- */

int msl_dgram_format_counters(const msl_dgram *d, char *buf, size_t cap) {
  if (!d || (!buf && cap))
    return MSL_ERR_ARG;
  const msl_dgram_counters *c = &d->c;
  const msl_reasm *ra = &d->reasm;
  struct {
    const char *k;
    uint64_t v;
  } rows[] = {
      {"received", c->received},
      {"duplicates", c->duplicates},
      {"not_ours", c->not_ours},
      {"malformed_udp", c->bad_udp},
      {"malformed_nbdgm", c->bad_nbdgm},
      {"short_length", c->short_length},
      {"malformed_smb", c->bad_smb},
      {"not_mailslot", c->not_mailslot},
      {"other_type", c->other_type},
      {"fragments", c->fragments},
      {"reassembled", c->reassembled},
      {"reasm_rejected", c->reasm_dropped},
      {"reasm_expired", ra->expired},
      {"reasm_evicted", ra->evicted},
      {"reasm_pending", ra->pending},
      {"sent", c->sent},
      {"send_errors", c->send_errors},
  };
  size_t off = 0;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    int room = buf && off < cap;
    int n = snprintf(room ? buf + off : NULL, room ? cap - off : 0,
                     "%s %llu\n", rows[i].k, (unsigned long long)rows[i].v);
    if (n < 0)
      return MSL_ERR_SYSTEM;
    off += (size_t)n;
  }
  if (off >= cap)
    return MSL_ERR_BUFFER_TOO_SMALL;
  if (d->sink.format_status) { /* what became of the messages */
    int k = d->sink.format_status(d->sink.ctx, buf + off, cap - off);
    if (k < 0)
      return k;
    off += (size_t)k;
  }
  return (int)off;
}
