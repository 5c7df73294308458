/* NetBIOS datagram service codec [RFC 1002 §4.4, §5.3.1]. */
#include "msl_nbdgm.h"

static int is_direct(uint8_t type) {
  return type >= MSL_NBDGM_DIRECT_UNIQUE && type <= MSL_NBDGM_BROADCAST;
}

static int is_query(uint8_t type) {
  return type >= MSL_NBDGM_QUERY_REQUEST &&
         type <= MSL_NBDGM_NEGATIVE_QUERY_RESPONSE;
}

static msl_view rest(msl_rd *r) {
  msl_view v;
  v.len = msl_rd_left(r);
  v.ptr = msl_rd_bytes(r, v.len);
  return v;
}

/* A datagram name: never compressed [RFC 1002 §4.1]. */
static int read_name(msl_nbname *n, msl_rd *r, unsigned flags) {
  return (flags & MSL_NBDGM_LENIENT_NAMES) ? msl_nbname_decode_lenient(n, r, 0)
                                           : msl_nbname_decode(n, r, 0);
}

static int unfragmented(const msl_nbdgm *g) {
  return (g->flags & (MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE)) ==
             MSL_NBDGM_FLAG_FIRST &&
         g->offset == 0;
}

/* A short DGM_LENGTH a receiver ignores (MSL_NBDGM_SHORT_LENGTH_OK):
 * 1 when the user data was taken whole. */
static int take_short(msl_nbdgm *out, msl_rd *r, size_t names_len,
                      unsigned flags) {
  size_t present = names_len + msl_rd_left(r);
  if (!(flags & MSL_NBDGM_SHORT_LENGTH_OK) || !unfragmented(out) ||
      out->length >= present)
    return 0;
  out->short_by = present - out->length;
  out->length_explicit = 1;
  out->data = rest(r);
  return 1;
}

/* Reads one name, noting it in `have`, or where it failed. */
static int name_field(msl_nbdgm *out, msl_nbname *n, uint8_t bit, msl_rd *r,
                      unsigned flags) {
  size_t at = r->off;
  int rc = read_name(n, r, flags);
  if (rc)
    out->err_off = at;
  else
    out->have |= bit;
  return rc;
}

static int decode_direct(msl_nbdgm *out, msl_rd *r, unsigned flags) {
  out->length = msl_rd_u16be(r);
  out->offset = msl_rd_u16be(r);
  if (r->err) {
    out->err_off = r->off;
    return r->err;
  }
  out->have |= MSL_NBDGM_HAVE_LENGTH;
  size_t names_start = r->off;
  int rc = name_field(out, &out->src, MSL_NBDGM_HAVE_SRC, r, flags);
  if (!rc)
    rc = name_field(out, &out->dst, MSL_NBDGM_HAVE_DST, r, flags);
  if (rc)
    return rc;
  size_t names_len = r->off - names_start;
  if (take_short(out, r, names_len, flags))
    return 0;
  size_t left = msl_rd_left(r);

  if (out->length < names_len) {
    out->data.ptr = r->p + r->off;
    out->trailing = rest(r);
    out->length_explicit = 1;
    out->err_off = MSL_NBDGM_HDR_LEN - 4; /* DGM_LENGTH itself */
    return MSL_ERR_INVALID;
  }
  size_t dlen = out->length - names_len;
  if (dlen <= left) {
    out->data.len = dlen;
    out->data.ptr = msl_rd_bytes(r, dlen);
    out->trailing = rest(r);
    return 0;
  }
  out->data = rest(r);
  out->missing = dlen - left;
  out->length_explicit = 1;
  out->err_off = r->off; /* the end: DGM_LENGTH goes on past it */
  /* A fragment may carry the whole datagram's DGM_LENGTH (see header). */
  int single = (out->flags & (MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE)) ==
               MSL_NBDGM_FLAG_FIRST;
  return single ? MSL_ERR_TRUNCATED : 0;
}

/* Zeroes every field but the names' unused scope bytes: a full memset of
 * the two 238-byte names costs more than the rest of a decode. */
static void clear_fields(msl_nbdgm *m) {
  m->type = m->flags = 0;
  m->id = 0;
  m->src_ip = 0;
  m->src_port = m->length = m->offset = 0;
  m->length_explicit = m->error_code = 0;
  memset(m->src.raw, 0, sizeof m->src.raw);
  memset(m->dst.raw, 0, sizeof m->dst.raw);
  m->src.scope_len = m->dst.scope_len = 0;
  m->src.scope[0] = m->dst.scope[0] = '\0';
  m->src.illegal = m->dst.illegal = 0;
  m->src.illegal_len = m->dst.illegal_len = 0;
  m->data.ptr = m->trailing.ptr = NULL;
  m->data.len = m->trailing.len = 0;
  m->missing = 0;
  m->short_by = 0;
  m->have = 0;
  m->err_off = 0;
}

int msl_nbdgm_decode(msl_nbdgm *out, const uint8_t *p, size_t len) {
  return msl_nbdgm_decode_ex(out, p, len, 0);
}

int msl_nbdgm_decode_ex(msl_nbdgm *out, const uint8_t *p, size_t len,
                        unsigned flags) {
  if (!out || (!p && len))
    return MSL_ERR_ARG;
  clear_fields(out);
  msl_rd r;
  msl_rd_init(&r, p, len);
  out->type = msl_rd_u8(&r);
  out->flags = msl_rd_u8(&r);
  out->id = msl_rd_u16be(&r);
  out->src_ip = msl_rd_u32be(&r);
  out->src_port = msl_rd_u16be(&r);
  if (r.err) {
    out->err_off = r.off;
    return r.err;
  }
  out->have = MSL_NBDGM_HAVE_HEADER;

  if (is_direct(out->type))
    return decode_direct(out, &r, flags);
  if (out->type == MSL_NBDGM_ERROR) {
    out->error_code = msl_rd_u8(&r);
    if (r.err) {
      out->err_off = r.off;
      return r.err;
    }
  } else if (is_query(out->type)) {
    int rc = name_field(out, &out->dst, MSL_NBDGM_HAVE_DST, &r, flags);
    if (rc)
      return rc;
  } else {
    return MSL_ERR_UNSUPPORTED; /* err_off 0: the MSG_TYPE byte */
  }
  out->trailing = rest(&r);
  return 0;
}

static int view_ok(const msl_view *v) { return v->ptr || !v->len; }

/* Writes m into w; returns 0 or an error other than the writer's. */
static int encode_wr(const msl_nbdgm *m, msl_wr *w) {
  if (!view_ok(&m->data) || !view_ok(&m->trailing))
    return MSL_ERR_ARG;
  if (!is_direct(m->type) && !is_query(m->type) && m->type != MSL_NBDGM_ERROR)
    return MSL_ERR_UNSUPPORTED;
  size_t length = 0;
  if (is_direct(m->type)) {
    length = msl_nbname_wire_len(&m->src) + msl_nbname_wire_len(&m->dst) +
             m->data.len;
    if (m->length_explicit)
      length = m->length;
    else if (length > 0xffff)
      return MSL_ERR_MSG_TOO_BIG;
  }
  msl_wr_u8(w, m->type);
  msl_wr_u8(w, m->flags);
  msl_wr_u16be(w, m->id);
  msl_wr_u32be(w, m->src_ip);
  msl_wr_u16be(w, m->src_port);
  if (is_direct(m->type)) {
    msl_wr_u16be(w, (unsigned)length);
    msl_wr_u16be(w, m->offset);
    msl_nbname_encode(&m->src, w);
    msl_nbname_encode(&m->dst, w);
    msl_wr_bytes(w, m->data.ptr, m->data.len);
  } else if (m->type == MSL_NBDGM_ERROR) {
    msl_wr_u8(w, m->error_code);
  } else {
    msl_nbname_encode(&m->dst, w);
  }
  msl_wr_bytes(w, m->trailing.ptr, m->trailing.len);
  return 0;
}

int msl_nbdgm_encode(const msl_nbdgm *m, uint8_t *buf, size_t cap) {
  if (!m)
    return MSL_ERR_ARG;
  msl_wr w;
  msl_wr_init(&w, buf, cap);
  int rc = encode_wr(m, &w);
  return rc ? rc : msl_wr_result(&w);
}

size_t msl_nbdgm_encoded_len(const msl_nbdgm *m) {
  if (!m)
    return 0;
  msl_wr w;
  msl_wr_init(&w, NULL, 0);
  return encode_wr(m, &w) ? 0 : w.off;
}

int msl_nbdgm_init(msl_nbdgm *m, uint8_t type, uint8_t snt, uint16_t id,
                   uint32_t src_ip, uint16_t src_port, const msl_nbname *src,
                   const msl_nbname *dst, const uint8_t *data, size_t len) {
  if (!m || !src || !dst || (!data && len) || !is_direct(type) ||
      (snt & ~MSL_NBDGM_FLAG_SNT_MASK))
    return MSL_ERR_ARG;
  memset(m, 0, sizeof(*m));
  m->type = type;
  m->flags = (uint8_t)(MSL_NBDGM_FLAG_FIRST | snt);
  m->id = id;
  m->src_ip = src_ip;
  m->src_port = src_port;
  m->src = *src;
  m->dst = *dst;
  m->data.ptr = data;
  m->data.len = len;
  size_t l = msl_nbname_wire_len(src) + msl_nbname_wire_len(dst) + len;
  m->length = (uint16_t)(l > 0xffff ? 0xffff : l);
  return 0;
}

static const char *const type_names[] = {
    "DIRECT_UNIQUE",
    "DIRECT_GROUP",
    "BROADCAST",
    "ERROR",
    "QUERY_REQUEST",
    "POSITIVE_QUERY_RESPONSE",
    "NEGATIVE_QUERY_RESPONSE",
};

const char *msl_nbdgm_type_name(uint8_t type) {
  if (type < MSL_NBDGM_DIRECT_UNIQUE ||
      type > MSL_NBDGM_NEGATIVE_QUERY_RESPONSE)
    return "UNKNOWN";
  return type_names[type - MSL_NBDGM_DIRECT_UNIQUE];
}

const char *msl_nbdgm_snt_name(uint8_t flags) {
  static const char *const snt[] = {"B", "P", "M", "H/NBDD"};
  return snt[(flags & MSL_NBDGM_FLAG_SNT_MASK) >> 2];
}

const char *msl_nbdgm_error_name(uint8_t code) {
  switch (code) {
  case MSL_NBDGM_ERR_DEST_NOT_PRESENT:
    return "DESTINATION_NAME_NOT_PRESENT";
  case MSL_NBDGM_ERR_INVALID_SOURCE:
    return "INVALID_SOURCE_NAME_FORMAT";
  case MSL_NBDGM_ERR_INVALID_DEST:
    return "INVALID_DESTINATION_NAME_FORMAT";
  default:
    return "UNKNOWN";
  }
}

/* ---- fragmentation ---- */

int msl_nbdgm_fragment_init(msl_nbdgm_frag *it, const msl_nbdgm *tmpl,
                            const uint8_t *data, size_t len,
                            size_t max_payload) {
  if (!it || !tmpl || (!data && len) || !is_direct(tmpl->type))
    return MSL_ERR_ARG;
  if (len > MSL_NBDGM_MAX_USER_DATA)
    return MSL_ERR_MSG_TOO_BIG;
  size_t names =
      msl_nbname_wire_len(&tmpl->src) + msl_nbname_wire_len(&tmpl->dst);
  if (max_payload <= MSL_NBDGM_HDR_LEN + names)
    return MSL_ERR_ARG;
  size_t chunk = max_payload - MSL_NBDGM_HDR_LEN - names;
  /* DGM_LENGTH of each fragment must fit 16 bits too. */
  if (chunk > 0xffff - names)
    chunk = 0xffff - names;
  it->tmpl = tmpl;
  it->data = data;
  it->len = len;
  it->chunk = chunk;
  it->pos = 0;
  it->done = 0;
  return 0;
}

size_t msl_nbdgm_fragment_count(const msl_nbdgm_frag *it) {
  if (!it || !it->chunk || it->len <= it->chunk)
    return 1;
  return (it->len + it->chunk - 1) / it->chunk;
}

int msl_nbdgm_fragment(msl_nbdgm_frag *it, uint8_t *buf, size_t cap) {
  if (!it || !it->tmpl || !it->chunk)
    return MSL_ERR_ARG;
  if (it->done)
    return 0;
  size_t n = it->len - it->pos;
  if (n > it->chunk)
    n = it->chunk;
  msl_nbdgm f = *it->tmpl;
  uint8_t fl =
      (uint8_t)(f.flags & ~(MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE));
  if (it->pos == 0)
    fl |= MSL_NBDGM_FLAG_FIRST;
  if (it->pos + n < it->len)
    fl |= MSL_NBDGM_FLAG_MORE;
  f.flags = fl;
  f.offset = (uint16_t)it->pos;
  f.length_explicit = 0;
  f.data.ptr = it->data ? it->data + it->pos : NULL;
  f.data.len = n;
  f.trailing.ptr = NULL;
  f.trailing.len = 0;
  int rc = msl_nbdgm_encode(&f, buf, cap);
  if (rc < 0)
    return rc;
  it->pos += n;
  if (it->pos >= it->len)
    it->done = 1;
  return rc;
}
