/* Relay frames (see msl_relay_frame.h). */
#include "msl_relay_frame.h"

#include "msl_nbdgm.h"

static int site_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int msl_relay_site_valid(const char *s) {
  size_t n = 0;
  if (!s)
    return 0;
  for (; s[n]; n++)
    if (n == MSL_RELAY_SITE_MAX || !site_char(s[n]))
      return 0;
  return n > 0;
}

const char *msl_relay_type_name(uint8_t type) {
  switch (type) {
  case MSL_RELAY_HELLO: return "HELLO";
  case MSL_RELAY_DGRAM: return "DGRAM";
  case MSL_RELAY_PING: return "PING";
  case MSL_RELAY_PONG: return "PONG";
  default: return "UNKNOWN";
  }
}

int msl_relay_frame_size(const uint8_t *p, size_t len, size_t *frame_len) {
  if ((!p && len) || !frame_len)
    return MSL_ERR_ARG;
  if (len < MSL_RELAY_LEN_FIELD)
    return 0;
  size_t body = msl_get_u16be(p);
  if (body == 0)
    return MSL_ERR_INVALID;
  *frame_len = MSL_RELAY_LEN_FIELD + body;
  return len >= *frame_len;
}

/* ---- decode ---- */

/* A SITE field into out (NUL-terminated); errors go into r. */
static void rd_site(msl_rd *r, char out[MSL_RELAY_SITE_MAX + 1]) {
  uint8_t n = msl_rd_u8(r);
  const uint8_t *q = msl_rd_bytes(r, n);
  out[0] = '\0';
  if (!q)
    return;
  if (n > MSL_RELAY_SITE_MAX || memchr(q, 0, n)) {
    msl_rd_fail(r, MSL_ERR_INVALID);
    return;
  }
  memcpy(out, q, n);
  out[n] = '\0';
  if (!msl_relay_site_valid(out))
    msl_rd_fail(r, MSL_ERR_INVALID);
}

static void rd_hello(msl_rd *r, msl_relay_hello *h) {
  h->version = msl_rd_u8(r);
  h->flags = msl_rd_u8(r);
  rd_site(r, h->site);
}

static int rd_dgram(msl_rd *r, msl_relay_dgram *d) {
  d->kind = msl_rd_u8(r);
  d->msg_type = msl_rd_u8(r);
  d->hops = msl_rd_u8(r);
  rd_site(r, d->origin);
  d->origin_id = msl_rd_u16be(r);
  d->origin_ip = msl_rd_u32be(r);
  d->origin_port = msl_rd_u16be(r);
  if (!r->err && d->kind == MSL_RELAY_KIND_UNICAST) {
    rd_site(r, d->target);
    d->target_ip = msl_rd_u32be(r);
    d->target_port = msl_rd_u16be(r);
  }
  if (r->err)
    return r->err;
  if (d->kind > MSL_RELAY_KIND_UNICAST || d->hops == 0 ||
      d->msg_type < MSL_NBDGM_DIRECT_UNIQUE ||
      d->msg_type > MSL_NBDGM_BROADCAST)
    return MSL_ERR_INVALID;
  int rc = msl_nbname_decode(&d->src, r, 0);
  if (rc == 0)
    rc = msl_nbname_decode(&d->dst, r, 0);
  if (rc != 0)
    return rc;
  d->data.len = msl_rd_left(r);
  d->data.ptr = msl_rd_bytes(r, d->data.len);
  return d->data.len ? r->err : MSL_ERR_INVALID;
}

int msl_relay_frame_decode(msl_relay_frame *out, const uint8_t *p,
                           size_t len) {
  msl_rd r, body;
  size_t want;
  if (!out || !p)
    return MSL_ERR_ARG;
  memset(out, 0, sizeof(*out));
  int rc = msl_relay_frame_size(p, len, &want);
  if (rc <= 0)
    return rc < 0 ? rc : MSL_ERR_TRUNCATED;
  if (want != len)
    return MSL_ERR_INVALID;
  msl_rd_init(&r, p, len);
  msl_rd_skip(&r, MSL_RELAY_LEN_FIELD);
  out->type = msl_rd_u8(&r);
  msl_rd_sub(&r, msl_rd_left(&r), &body);
  switch (out->type) {
  case MSL_RELAY_HELLO:
    rd_hello(&body, &out->u.hello);
    rc = body.err;
    break;
  case MSL_RELAY_DGRAM:
    return rd_dgram(&body, &out->u.dg);
  case MSL_RELAY_PING:
  case MSL_RELAY_PONG: {
    const uint8_t *c = msl_rd_bytes(&body, MSL_RELAY_COOKIE_LEN);
    if (!c)
      return body.err;
    memcpy(out->u.cookie, c, MSL_RELAY_COOKIE_LEN);
    rc = 0;
    break;
  }
  default:
    return MSL_ERR_UNSUPPORTED;
  }
  return rc ? rc : msl_rd_left(&body) ? MSL_ERR_INVALID : 0;
}

/* ---- encode ---- */

static void wr_site(msl_wr *w, const char *site) {
  size_t n = strlen(site);
  msl_wr_u8(w, (unsigned)n);
  msl_wr_bytes(w, site, n);
}

static int wr_dgram(msl_wr *w, const msl_relay_dgram *d) {
  int uni = d->kind == MSL_RELAY_KIND_UNICAST;
  if (d->kind > MSL_RELAY_KIND_UNICAST || d->hops == 0 ||
      d->msg_type < MSL_NBDGM_DIRECT_UNIQUE ||
      d->msg_type > MSL_NBDGM_BROADCAST || !msl_relay_site_valid(d->origin) ||
      (uni && !msl_relay_site_valid(d->target)) || !d->data.ptr ||
      !d->data.len)
    return MSL_ERR_ARG;
  msl_wr_u8(w, d->kind);
  msl_wr_u8(w, d->msg_type);
  msl_wr_u8(w, d->hops);
  wr_site(w, d->origin);
  msl_wr_u16be(w, d->origin_id);
  msl_wr_u32be(w, d->origin_ip);
  msl_wr_u16be(w, d->origin_port);
  if (uni) {
    wr_site(w, d->target);
    msl_wr_u32be(w, d->target_ip);
    msl_wr_u16be(w, d->target_port);
  }
  msl_nbname_encode(&d->src, w);
  msl_nbname_encode(&d->dst, w);
  msl_wr_bytes(w, d->data.ptr, d->data.len);
  return 0;
}

/* The body of f after its TYPE byte. */
static int wr_body(msl_wr *w, const msl_relay_frame *f) {
  switch (f->type) {
  case MSL_RELAY_HELLO:
    if (!msl_relay_site_valid(f->u.hello.site))
      return MSL_ERR_ARG;
    msl_wr_u8(w, f->u.hello.version);
    msl_wr_u8(w, f->u.hello.flags);
    wr_site(w, f->u.hello.site);
    return 0;
  case MSL_RELAY_DGRAM:
    return wr_dgram(w, &f->u.dg);
  case MSL_RELAY_PING:
  case MSL_RELAY_PONG:
    msl_wr_bytes(w, f->u.cookie, MSL_RELAY_COOKIE_LEN);
    return 0;
  default:
    return MSL_ERR_ARG;
  }
}

int msl_relay_frame_encode(const msl_relay_frame *f, uint8_t *buf,
                           size_t cap) {
  msl_wr w;
  if (!f || (!buf && cap))
    return MSL_ERR_ARG;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16be(&w, 0); /* LENGTH, fixed below */
  msl_wr_u8(&w, f->type);
  int rc = wr_body(&w, f);
  if (rc < 0)
    return rc;
  if (w.off - MSL_RELAY_LEN_FIELD > MSL_RELAY_BODY_MAX)
    return MSL_ERR_MSG_TOO_BIG;
  msl_wr_put_u16be_at(&w, 0, (unsigned)(w.off - MSL_RELAY_LEN_FIELD));
  return msl_wr_result(&w);
}
