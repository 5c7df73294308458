/* Netlogon mailslot payloads [MS-ADTS §6.3.1]; contracts in msl_netlogon.h. */
#include "msl_netlogon.h"

/* ---- small reader helpers ---- */

static msl_view rd_view(msl_rd *r, size_t n) {
  msl_view v;
  v.ptr = msl_rd_bytes(r, n);
  v.len = v.ptr ? n : 0;
  return v;
}

static msl_view rd_rest(msl_rd *r) { return rd_view(r, msl_rd_left(r)); }

/* ASCII/OEM string up to its NUL; the view leaves the NUL out. */
static msl_view rd_astr(msl_rd *r) {
  msl_view v;
  v.ptr = msl_rd_cstr(r, msl_rd_left(r), &v.len);
  if (!v.ptr)
    v.len = 0;
  return v;
}

/* UTF-16LE string up to its 0x0000 unit; the view leaves the unit out. */
static msl_view rd_ustr(msl_rd *r) {
  msl_view v = {NULL, 0};
  size_t start = r->off, n = 0;
  if (r->err)
    return v;
  while (msl_rd_u16le(r) != 0)
    n += 2;
  if (r->err)
    return v;
  msl_rd_seek(r, start);
  v = rd_view(r, n);
  msl_rd_skip(r, 2);
  return v;
}

/* The byte at the cursor + k, or -1 past the end (the cursor stays). */
static int rd_peek(const msl_rd *r, size_t k) {
  msl_rd t = *r;
  msl_rd_skip(&t, k);
  uint8_t b = msl_rd_u8(&t);
  return t.err ? -1 : b;
}

/* ---- compressed DNS names [RFC 1035 §4.1.4] ---- */

int msl_netlogon_dname_expand(const uint8_t *msg, size_t msg_len, size_t off,
                              char *buf, size_t cap) {
  msl_rd r;
  size_t seg = off, out = 0, wire = 0;
  unsigned jumps = 0;
  if (!msg || (!buf && cap))
    return MSL_ERR_ARG;
  msl_rd_init(&r, msg, msg_len);
  msl_rd_seek(&r, off);
  for (;;) {
    uint8_t b = msl_rd_u8(&r);
    if (r.err)
      return r.err;
    if (b == 0)
      break;
    if ((b & 0xC0) == 0xC0) {
      size_t to = (size_t)(b & 0x3F) << 8 | msl_rd_u8(&r);
      if (r.err)
        return r.err;
      /* Only strictly before the labels being read: positions decrease. */
      if (to >= seg || ++jumps > MSL_NETLOGON_DNAME_MAX_JUMPS)
        return MSL_ERR_NAME_LOOP;
      seg = to;
      msl_rd_seek(&r, to);
      continue;
    }
    if (b & 0xC0)
      return MSL_ERR_NAME;
    wire += 1u + b;
    if (wire + 1 > MSL_NETLOGON_DNAME_MAX)
      return MSL_ERR_NAME;
    const uint8_t *label = msl_rd_bytes(&r, b);
    if (!label)
      return r.err;
    if (out) {
      if (out < cap)
        buf[out] = '.';
      out++;
    }
    for (size_t i = 0; i < b; i++, out++)
      if (out < cap)
        buf[out] = (char)label[i];
  }
  if (out + 1 > cap)
    return MSL_ERR_BUFFER_TOO_SMALL;
  buf[out] = 0;
  return (int)out;
}

int msl_netlogon_dname_get(const msl_netlogon *m, const msl_netlogon_dname *d,
                           char *buf, size_t cap) {
  if (!m || !d)
    return MSL_ERR_ARG;
  return msl_netlogon_dname_expand(m->msg.ptr, m->msg.len, d->off, buf, cap);
}

/* Reads one name in place (its own bytes) and checks that it expands. */
static void rd_dname(msl_rd *r, msl_netlogon_dname *d) {
  char tmp[MSL_NETLOGON_DNAME_MAX + 1];
  size_t start = r->off;
  d->raw.ptr = NULL;
  d->raw.len = 0;
  d->off = start;
  for (;;) {
    uint8_t b = msl_rd_u8(r);
    if (r->err || b == 0)
      break;
    if ((b & 0xC0) == 0xC0) {
      msl_rd_skip(r, 1);
      break;
    }
    if (b & 0xC0) {
      msl_rd_fail(r, MSL_ERR_NAME);
      return;
    }
    msl_rd_skip(r, b);
  }
  if (r->err)
    return;
  size_t n = r->off - start;
  int rc = msl_netlogon_dname_expand(r->p, r->len, start, tmp, sizeof(tmp));
  if (rc < 0) {
    msl_rd_fail(r, rc);
    return;
  }
  msl_rd_seek(r, start);
  d->raw = rd_view(r, n);
}

/* ---- decoders ---- */

static void dec_primary_query(msl_rd *r, msl_netlogon_primary_query *q) {
  q->computer = rd_astr(r);
  /* Alignment before MailslotName (Microsoft's test suite): a zero byte at
   * an odd offset followed by the mailslot's leading backslash. */
  if ((r->off & 1) && rd_peek(r, 0) == 0 && rd_peek(r, 1) == '\\')
    q->pre_pad = rd_view(r, 1);
  q->mailslot = rd_astr(r);
  if (!r->err && msl_rd_left(r) == 2) {
    q->short_form = 1; /* Win9x: only the LM 2.0 token */
    q->lm20_token = msl_rd_u16le(r);
    return;
  }
  if ((r->off & 1) && (!q->pre_pad.len || rd_peek(r, 0) == 0))
    q->pad = rd_view(r, 1);
  q->unicode_computer = rd_ustr(r);
  q->nt_version = msl_rd_u32le(r);
  q->lmnt_token = msl_rd_u16le(r);
  q->lm20_token = msl_rd_u16le(r);
}

static void dec_primary_response(msl_rd *r, msl_netlogon_primary_response *m) {
  m->pdc_name = rd_astr(r);
  if (!r->err && msl_rd_left(r) == 0) {
    m->short_form = 1;
    return;
  }
  if (r->off & 1)
    m->pad = rd_view(r, 1);
  m->unicode_pdc_name = rd_ustr(r);
  m->unicode_domain = rd_ustr(r);
  /* Samba's NDR output aligns NtVersion to 4 with zero bytes. */
  size_t left = msl_rd_left(r), k = (4 - (r->off & 3)) & 3;
  if (k && left == 8 + k) {
    int zero = 1;
    for (size_t i = 0; i < k; i++)
      zero &= rd_peek(r, i) == 0;
    if (zero)
      m->nt_pad = rd_view(r, k);
  }
  m->nt_version = msl_rd_u32le(r);
  m->lmnt_token = msl_rd_u16le(r);
  m->lm20_token = msl_rd_u16le(r);
}

static void dec_sam_request(msl_rd *r, msl_netlogon_sam_request *q) {
  q->request_count = msl_rd_u16le(r);
  q->unicode_computer = rd_ustr(r);
  q->unicode_user = rd_ustr(r);
  q->mailslot = rd_astr(r);
  q->account_control = msl_rd_u32le(r);
  q->sid_size = msl_rd_u32le(r);
  if (!r->err && q->sid_size > 0) {
    q->sid_pad = rd_view(r, (4 - (r->off & 3)) & 3);
    if (q->sid_size > msl_rd_left(r))
      msl_rd_fail(r, MSL_ERR_TRUNCATED);
    q->sid = rd_view(r, q->sid_size);
  }
  q->nt_version = msl_rd_u32le(r);
  q->lmnt_token = msl_rd_u16le(r);
  q->lm20_token = msl_rd_u16le(r);
}

static void dec_sam_response(msl_rd *r, msl_netlogon_sam_response *m) {
  m->unicode_logon_server = rd_ustr(r);
  m->unicode_user = rd_ustr(r);
  m->unicode_domain = rd_ustr(r);
  if (!r->err && msl_rd_left(r) != 8) {
    const uint8_t *g;
    m->v5 = 1;
    if ((g = msl_rd_bytes(r, 16)) != NULL)
      memcpy(m->domain_guid, g, 16);
    if ((g = msl_rd_bytes(r, 16)) != NULL)
      memcpy(m->null_guid, g, 16);
    rd_dname(r, &m->dns_forest);
    rd_dname(r, &m->dns_domain);
    rd_dname(r, &m->dns_host);
    if ((g = msl_rd_bytes(r, 4)) != NULL)
      memcpy(m->dc_ip, g, 4);
    m->flags = msl_rd_u32le(r);
  }
  m->nt_version = msl_rd_u32le(r);
  m->lmnt_token = msl_rd_u16le(r);
  m->lm20_token = msl_rd_u16le(r);
}

static void dec_sam_response_ex(msl_rd *r, msl_netlogon_sam_response_ex *m) {
  const uint8_t *g;
  msl_rd body, tail;
  m->sbz = msl_rd_u16le(r);
  m->flags = msl_rd_u32le(r);
  if ((g = msl_rd_bytes(r, 16)) != NULL)
    memcpy(m->domain_guid, g, 16);
  if (!msl_rd_need(r, 8))
    return;
  /* NtVersion and the tokens are the last 8 bytes; NtVersion says which
   * optional fields come before them. Names keep the message as base. */
  tail = *r;
  msl_rd_seek(&tail, r->len - 8);
  m->nt_version = msl_rd_u32le(&tail);
  m->lmnt_token = msl_rd_u16le(&tail);
  m->lm20_token = msl_rd_u16le(&tail);
  body = *r;
  body.len = r->len - 8;
  for (int i = 0; i < MSL_NETLOGON_EX_NAMES; i++)
    rd_dname(&body, &m->names[i]);
  if (m->nt_version & MSL_NT_VERSION_5EX_WITH_IP) {
    m->has_sockaddr = 1;
    m->sockaddr_size = msl_rd_u8(&body);
    if (m->sockaddr_size > MSL_NETLOGON_SOCKADDR_IN_LEN)
      msl_rd_fail(&body, MSL_ERR_INVALID);
    m->sockaddr = rd_view(&body, m->sockaddr_size);
    if (!body.err && m->sockaddr_size >= 8) {
      msl_rd sa;
      msl_rd_init(&sa, m->sockaddr.ptr, m->sockaddr.len);
      m->sin_family = msl_rd_u16le(&sa);
      m->sin_port = msl_rd_u16le(&sa);
      if ((g = msl_rd_bytes(&sa, 4)) != NULL)
        memcpy(m->sin_addr, g, 4);
    }
  }
  if (m->nt_version & MSL_NT_VERSION_WITH_CLOSEST_SITE) {
    m->has_next_closest_site = 1;
    rd_dname(&body, &m->next_closest_site);
  }
  if (body.err) {
    msl_rd_fail(r, body.err);
    return;
  }
  if (msl_rd_left(&body) != 0) {
    msl_rd_fail(r, MSL_ERR_INVALID);
    return;
  }
  msl_rd_seek(r, r->len);
}

int msl_netlogon_decode(msl_netlogon *out, const uint8_t *p, size_t len) {
  msl_rd r;
  if (!out || (!p && len))
    return MSL_ERR_ARG;
  memset(out, 0, sizeof(*out));
  msl_rd_init(&r, p, len);
  out->msg.ptr = p;
  out->msg.len = r.len;
  out->opcode = msl_rd_u16le(&r);
  if (r.err)
    return r.err; /* err_off 0 */
  switch (out->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY:
    dec_primary_query(&r, &out->u.pq);
    break;
  case MSL_NETLOGON_PRIMARY_RESPONSE:
    dec_primary_response(&r, &out->u.pr);
    break;
  case MSL_NETLOGON_SAM_LOGON_REQUEST:
    dec_sam_request(&r, &out->u.sreq);
    break;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN:
    dec_sam_response(&r, &out->u.sresp);
    break;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE_EX:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX:
  case MSL_NETLOGON_SAM_USER_UNKNOWN_EX:
    dec_sam_response_ex(&r, &out->u.ex);
    break;
  default:
    return MSL_ERR_UNSUPPORTED; /* err_off 0: the opcode */
  }
  if (r.err) {
    out->err_off = r.off;
    return r.err;
  }
  out->trailer = rd_rest(&r);
  return r.err;
}

/* ---- encoder ---- */

static void wr_view(msl_wr *w, msl_view v) { msl_wr_bytes(w, v.ptr, v.len); }

static int ustr_ok(msl_view v) { return !(v.len & 1) && (v.ptr || !v.len); }
static int view_ok(msl_view v, size_t max) {
  return v.len <= max && (v.ptr || !v.len);
}

static void wr_ustr(msl_wr *w, msl_view v) {
  wr_view(w, v);
  msl_wr_u16le(w, 0);
}

static void wr_tail(msl_wr *w, uint32_t nt, unsigned lmnt, unsigned lm20) {
  msl_wr_u32le(w, nt);
  msl_wr_u16le(w, lmnt);
  msl_wr_u16le(w, lm20);
}

static int enc_primary_query(const msl_netlogon_primary_query *q,
                             msl_wr *w) {
  if (!view_ok(q->computer, SIZE_MAX) || !view_ok(q->mailslot, SIZE_MAX) ||
      !view_ok(q->pre_pad, 1) || !view_ok(q->pad, 1) ||
      !ustr_ok(q->unicode_computer))
    return MSL_ERR_ARG;
  msl_wr_cstr(w, q->computer.ptr, q->computer.len);
  wr_view(w, q->pre_pad);
  msl_wr_cstr(w, q->mailslot.ptr, q->mailslot.len);
  if (q->short_form) {
    msl_wr_u16le(w, q->lm20_token);
    return 0;
  }
  wr_view(w, q->pad);
  wr_ustr(w, q->unicode_computer);
  wr_tail(w, q->nt_version, q->lmnt_token, q->lm20_token);
  return 0;
}

static int enc_primary_response(const msl_netlogon_primary_response *q,
                                msl_wr *w) {
  if (!view_ok(q->pdc_name, SIZE_MAX) || !view_ok(q->pad, 1) ||
      !view_ok(q->nt_pad, 3) || !ustr_ok(q->unicode_pdc_name) ||
      !ustr_ok(q->unicode_domain))
    return MSL_ERR_ARG;
  msl_wr_cstr(w, q->pdc_name.ptr, q->pdc_name.len);
  if (q->short_form)
    return 0;
  wr_view(w, q->pad);
  wr_ustr(w, q->unicode_pdc_name);
  wr_ustr(w, q->unicode_domain);
  wr_view(w, q->nt_pad);
  wr_tail(w, q->nt_version, q->lmnt_token, q->lm20_token);
  return 0;
}

static int enc_sam_request(const msl_netlogon_sam_request *q, msl_wr *w) {
  if (!ustr_ok(q->unicode_computer) || !ustr_ok(q->unicode_user) ||
      !view_ok(q->mailslot, SIZE_MAX) || !view_ok(q->sid_pad, 3) ||
      !view_ok(q->sid, SIZE_MAX) || q->sid.len != q->sid_size)
    return MSL_ERR_ARG;
  msl_wr_u16le(w, q->request_count);
  wr_ustr(w, q->unicode_computer);
  wr_ustr(w, q->unicode_user);
  msl_wr_cstr(w, q->mailslot.ptr, q->mailslot.len);
  msl_wr_u32le(w, q->account_control);
  msl_wr_u32le(w, q->sid_size);
  wr_view(w, q->sid_pad);
  wr_view(w, q->sid);
  wr_tail(w, q->nt_version, q->lmnt_token, q->lm20_token);
  return 0;
}

static int enc_sam_response(const msl_netlogon_sam_response *q, msl_wr *w) {
  if (!ustr_ok(q->unicode_logon_server) || !ustr_ok(q->unicode_user) ||
      !ustr_ok(q->unicode_domain))
    return MSL_ERR_ARG;
  wr_ustr(w, q->unicode_logon_server);
  wr_ustr(w, q->unicode_user);
  wr_ustr(w, q->unicode_domain);
  if (q->v5) {
    if (!view_ok(q->dns_forest.raw, MSL_NETLOGON_DNAME_RAW_MAX) ||
        !view_ok(q->dns_domain.raw, MSL_NETLOGON_DNAME_RAW_MAX) ||
        !view_ok(q->dns_host.raw, MSL_NETLOGON_DNAME_RAW_MAX))
      return MSL_ERR_ARG;
    msl_wr_bytes(w, q->domain_guid, 16);
    msl_wr_bytes(w, q->null_guid, 16);
    wr_view(w, q->dns_forest.raw);
    wr_view(w, q->dns_domain.raw);
    wr_view(w, q->dns_host.raw);
    msl_wr_bytes(w, q->dc_ip, 4);
    msl_wr_u32le(w, q->flags);
  }
  wr_tail(w, q->nt_version, q->lmnt_token, q->lm20_token);
  return 0;
}

static int enc_sam_response_ex(const msl_netlogon_sam_response_ex *q,
                               msl_wr *w) {
  msl_wr_u16le(w, q->sbz);
  msl_wr_u32le(w, q->flags);
  msl_wr_bytes(w, q->domain_guid, 16);
  for (int i = 0; i < MSL_NETLOGON_EX_NAMES; i++) {
    if (!view_ok(q->names[i].raw, MSL_NETLOGON_DNAME_RAW_MAX))
      return MSL_ERR_ARG;
    wr_view(w, q->names[i].raw);
  }
  if (q->has_sockaddr) {
    if (!view_ok(q->sockaddr, MSL_NETLOGON_SOCKADDR_IN_LEN) ||
        q->sockaddr.len != q->sockaddr_size)
      return MSL_ERR_ARG;
    msl_wr_u8(w, q->sockaddr_size);
    wr_view(w, q->sockaddr);
  }
  if (q->has_next_closest_site) {
    if (!view_ok(q->next_closest_site.raw, MSL_NETLOGON_DNAME_RAW_MAX))
      return MSL_ERR_ARG;
    wr_view(w, q->next_closest_site.raw);
  }
  wr_tail(w, q->nt_version, q->lmnt_token, q->lm20_token);
  return 0;
}

static int enc_body(const msl_netlogon *m, msl_wr *w) {
  switch (m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY: return enc_primary_query(&m->u.pq, w);
  case MSL_NETLOGON_PRIMARY_RESPONSE:
    return enc_primary_response(&m->u.pr, w);
  case MSL_NETLOGON_SAM_LOGON_REQUEST: return enc_sam_request(&m->u.sreq, w);
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN: return enc_sam_response(&m->u.sresp, w);
  case MSL_NETLOGON_SAM_LOGON_RESPONSE_EX:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX:
  case MSL_NETLOGON_SAM_USER_UNKNOWN_EX:
    return enc_sam_response_ex(&m->u.ex, w);
  default: return MSL_ERR_ARG;
  }
}

int msl_netlogon_encode(const msl_netlogon *m, uint8_t *buf, size_t cap) {
  msl_wr w;
  int rc;
  if (!m || !view_ok(m->trailer, SIZE_MAX))
    return MSL_ERR_ARG;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16le(&w, m->opcode);
  if ((rc = enc_body(m, &w)) < 0)
    return rc;
  if (m->opcode != MSL_NETLOGON_SAM_LOGON_RESPONSE_EX &&
      m->opcode != MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX &&
      m->opcode != MSL_NETLOGON_SAM_USER_UNKNOWN_EX)
    wr_view(&w, m->trailer);
  return msl_wr_result(&w);
}

/* ---- equality ---- */

static int veq(msl_view a, msl_view b) {
  return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}

static int deq(const msl_netlogon_dname *a, const msl_netlogon_dname *b) {
  return a->off == b->off && veq(a->raw, b->raw);
}

static int eq_body(const msl_netlogon *a, const msl_netlogon *b) {
  switch (a->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY: {
    const msl_netlogon_primary_query *x = &a->u.pq, *y = &b->u.pq;
    return veq(x->computer, y->computer) && veq(x->pre_pad, y->pre_pad) &&
           veq(x->mailslot, y->mailslot) && x->short_form == y->short_form &&
           veq(x->pad, y->pad) &&
           veq(x->unicode_computer, y->unicode_computer) &&
           x->nt_version == y->nt_version && x->lmnt_token == y->lmnt_token &&
           x->lm20_token == y->lm20_token;
  }
  case MSL_NETLOGON_PRIMARY_RESPONSE: {
    const msl_netlogon_primary_response *x = &a->u.pr, *y = &b->u.pr;
    return veq(x->pdc_name, y->pdc_name) && x->short_form == y->short_form &&
           veq(x->pad, y->pad) &&
           veq(x->unicode_pdc_name, y->unicode_pdc_name) &&
           veq(x->unicode_domain, y->unicode_domain) &&
           veq(x->nt_pad, y->nt_pad) && x->nt_version == y->nt_version &&
           x->lmnt_token == y->lmnt_token && x->lm20_token == y->lm20_token;
  }
  case MSL_NETLOGON_SAM_LOGON_REQUEST: {
    const msl_netlogon_sam_request *x = &a->u.sreq, *y = &b->u.sreq;
    return x->request_count == y->request_count &&
           veq(x->unicode_computer, y->unicode_computer) &&
           veq(x->unicode_user, y->unicode_user) &&
           veq(x->mailslot, y->mailslot) &&
           x->account_control == y->account_control &&
           x->sid_size == y->sid_size && veq(x->sid_pad, y->sid_pad) &&
           veq(x->sid, y->sid) && x->nt_version == y->nt_version &&
           x->lmnt_token == y->lmnt_token && x->lm20_token == y->lm20_token;
  }
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN: {
    const msl_netlogon_sam_response *x = &a->u.sresp, *y = &b->u.sresp;
    if (x->v5 != y->v5 ||
        !veq(x->unicode_logon_server, y->unicode_logon_server) ||
        !veq(x->unicode_user, y->unicode_user) ||
        !veq(x->unicode_domain, y->unicode_domain) ||
        x->nt_version != y->nt_version || x->lmnt_token != y->lmnt_token ||
        x->lm20_token != y->lm20_token)
      return 0;
    return !x->v5 ||
           (!memcmp(x->domain_guid, y->domain_guid, 16) &&
            !memcmp(x->null_guid, y->null_guid, 16) &&
            deq(&x->dns_forest, &y->dns_forest) &&
            deq(&x->dns_domain, &y->dns_domain) &&
            deq(&x->dns_host, &y->dns_host) && !memcmp(x->dc_ip, y->dc_ip, 4) &&
            x->flags == y->flags);
  }
  case MSL_NETLOGON_SAM_LOGON_RESPONSE_EX:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX:
  case MSL_NETLOGON_SAM_USER_UNKNOWN_EX: {
    const msl_netlogon_sam_response_ex *x = &a->u.ex, *y = &b->u.ex;
    if (x->sbz != y->sbz || x->flags != y->flags ||
        memcmp(x->domain_guid, y->domain_guid, 16) ||
        x->has_sockaddr != y->has_sockaddr ||
        x->has_next_closest_site != y->has_next_closest_site ||
        x->nt_version != y->nt_version || x->lmnt_token != y->lmnt_token ||
        x->lm20_token != y->lm20_token)
      return 0;
    for (int i = 0; i < MSL_NETLOGON_EX_NAMES; i++)
      if (!deq(&x->names[i], &y->names[i]))
        return 0;
    if (x->has_sockaddr &&
        (x->sockaddr_size != y->sockaddr_size ||
         !veq(x->sockaddr, y->sockaddr) || x->sin_family != y->sin_family ||
         x->sin_port != y->sin_port || memcmp(x->sin_addr, y->sin_addr, 4)))
      return 0;
    return !x->has_next_closest_site ||
           deq(&x->next_closest_site, &y->next_closest_site);
  }
  default:
    return 1;
  }
}

int msl_netlogon_equal(const msl_netlogon *a, const msl_netlogon *b) {
  if (!a || !b)
    return 0;
  return a->opcode == b->opcode && veq(a->trailer, b->trailer) &&
         eq_body(a, b);
}

/* ---- UTF-16 to UTF-8 ---- */

static size_t put_utf8(uint32_t cp, uint8_t out[4]) {
  if (cp < 0x80) {
    out[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (uint8_t)(0xC0 | cp >> 6);
    out[1] = (uint8_t)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (uint8_t)(0xE0 | cp >> 12);
    out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (uint8_t)(0xF0 | cp >> 18);
  out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (uint8_t)(0x80 | (cp & 0x3F));
  return 4;
}

int msl_netlogon_utf16_to_utf8(msl_view s, char *buf, size_t cap,
                               int flags) {
  msl_rd r;
  size_t out = 0;
  if ((s.len & 1) || (!s.ptr && s.len) || (!buf && cap))
    return MSL_ERR_ARG;
  msl_rd_init(&r, s.ptr, s.len);
  while (msl_rd_left(&r)) {
    uint32_t cp = msl_rd_u16le(&r);
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      msl_rd t = r;
      uint32_t lo = msl_rd_left(&t) ? msl_rd_u16le(&t) : 0;
      if (cp <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        r = t;
      } else if (flags & MSL_UTF16_STRICT) {
        return MSL_ERR_INVALID;
      } else {
        cp = 0xFFFD;
      }
    }
    uint8_t u[4];
    size_t n = put_utf8(cp, u);
    for (size_t i = 0; i < n; i++, out++)
      if (out < cap)
        buf[out] = (char)u[i];
  }
  if (out > (size_t)INT32_MAX - 1)
    return MSL_ERR_MSG_TOO_BIG;
  if (out + 1 > cap)
    return MSL_ERR_BUFFER_TOO_SMALL;
  buf[out] = 0;
  return (int)out;
}

/* ---- names ---- */

struct bitname {
  uint32_t bit;
  const char *name;
};

static const struct bitname opcodes[] = {
    {0x07, "LOGON_PRIMARY_QUERY"},
    {0x08, "LOGON_PDC_STARTUP"},
    {0x0A, "NETLOGON_DB_CHANGE"},
    {0x0C, "LOGON_PRIMARY_RESPONSE"},
    {0x12, "LOGON_SAM_LOGON_REQUEST"},
    {0x13, "LOGON_SAM_LOGON_RESPONSE"},
    {0x14, "LOGON_SAM_PAUSE_RESPONSE"},
    {0x15, "LOGON_SAM_USER_UNKNOWN"},
    {0x17, "LOGON_SAM_LOGON_RESPONSE_EX"},
    {0x18, "LOGON_SAM_PAUSE_RESPONSE_EX"},
    {0x19, "LOGON_SAM_USER_UNKNOWN_EX"},
};

static const struct bitname ntversions[] = {
    {MSL_NT_VERSION_1, "V1"},
    {MSL_NT_VERSION_5, "V5"},
    {MSL_NT_VERSION_5EX, "V5EX"},
    {MSL_NT_VERSION_5EX_WITH_IP, "V5EX_WITH_IP"},
    {MSL_NT_VERSION_WITH_CLOSEST_SITE, "WITH_CLOSEST_SITE"},
    {MSL_NT_VERSION_AVOID_NT4EMUL, "AVOID_NT4EMUL"},
    {MSL_NT_VERSION_PDC, "PDC"},
    {MSL_NT_VERSION_IP, "IP"},
    {MSL_NT_VERSION_LOCAL, "LOCAL"},
    {MSL_NT_VERSION_GC, "GC"},
};

static const struct bitname dsflags[] = {
    {MSL_DS_PDC_FLAG, "DS_PDC_FLAG"},
    {MSL_DS_GC_FLAG, "DS_GC_FLAG"},
    {MSL_DS_LDAP_FLAG, "DS_LDAP_FLAG"},
    {MSL_DS_DS_FLAG, "DS_DS_FLAG"},
    {MSL_DS_KDC_FLAG, "DS_KDC_FLAG"},
    {MSL_DS_TIMESERV_FLAG, "DS_TIMESERV_FLAG"},
    {MSL_DS_CLOSEST_FLAG, "DS_CLOSEST_FLAG"},
    {MSL_DS_WRITABLE_FLAG, "DS_WRITABLE_FLAG"},
    {MSL_DS_GOOD_TIMESERV_FLAG, "DS_GOOD_TIMESERV_FLAG"},
    {MSL_DS_NDNC_FLAG, "DS_NDNC_FLAG"},
    {MSL_DS_SELECT_SECRET_DOMAIN_6_FLAG, "DS_SELECT_SECRET_DOMAIN_6_FLAG"},
    {MSL_DS_FULL_SECRET_DOMAIN_6_FLAG, "DS_FULL_SECRET_DOMAIN_6_FLAG"},
    {MSL_DS_WS_FLAG, "DS_WS_FLAG"},
    {MSL_DS_DS_8_FLAG, "DS_DS_8_FLAG"},
    {MSL_DS_DS_9_FLAG, "DS_DS_9_FLAG"},
    {MSL_DS_DNS_CONTROLLER_FLAG, "DS_DNS_CONTROLLER_FLAG"},
    {MSL_DS_DNS_DOMAIN_FLAG, "DS_DNS_DOMAIN_FLAG"},
    {MSL_DS_DNS_FOREST_FLAG, "DS_DNS_FOREST_FLAG"},
};

static const char *lookup(const struct bitname *t, size_t n, uint32_t v) {
  for (size_t i = 0; i < n; i++)
    if (t[i].bit == v)
      return t[i].name;
  return NULL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *msl_netlogon_opcode_name(unsigned opcode) {
  return lookup(opcodes, NELEM(opcodes), opcode);
}

const char *msl_netlogon_ntversion_name(uint32_t bit) {
  return lookup(ntversions, NELEM(ntversions), bit);
}

const char *msl_netlogon_dsflag_name(uint32_t bit) {
  return lookup(dsflags, NELEM(dsflags), bit);
}

/* ---- builders ---- */

/* Next code point of NUL-terminated UTF-8, or -1 when malformed. */
static int32_t utf8_next(const uint8_t **sp) {
  const uint8_t *s = *sp;
  uint32_t cp;
  int n;
  if (s[0] < 0x80) {
    cp = s[0];
    n = 0;
  } else if ((s[0] & 0xE0) == 0xC0) {
    cp = s[0] & 0x1Fu;
    n = 1;
  } else if ((s[0] & 0xF0) == 0xE0) {
    cp = s[0] & 0x0Fu;
    n = 2;
  } else if ((s[0] & 0xF8) == 0xF0) {
    cp = s[0] & 0x07u;
    n = 3;
  } else {
    return -1;
  }
  for (int i = 1; i <= n; i++) {
    if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
      return -1;
    cp = cp << 6 | (s[i] & 0x3Fu);
  }
  static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
  if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return -1;
  *sp = s + n + 1;
  return (int32_t)cp;
}

/* UTF-8 text as UTF-16LE plus the 0x0000 unit. */
static int wr_utf16z(msl_wr *w, const char *text) {
  const uint8_t *s = (const uint8_t *)text;
  if (!s)
    return MSL_ERR_ARG;
  while (*s) {
    int32_t cp = utf8_next(&s);
    if (cp < 0)
      return MSL_ERR_ARG;
    if (cp >= 0x10000) {
      msl_wr_u16le(w, 0xD800 + (((uint32_t)cp - 0x10000) >> 10));
      msl_wr_u16le(w, 0xDC00 + (((uint32_t)cp - 0x10000) & 0x3FF));
    } else {
      msl_wr_u16le(w, (unsigned)cp);
    }
  }
  msl_wr_u16le(w, 0);
  return 0;
}

#define ASTR_MAX 255

/* Local string helpers: proto/ links nothing but mem* (purity check). */
static size_t str_len(const char *s) {
  size_t n = 0;
  while (n <= ASTR_MAX && s[n])
    n++;
  return n;
}

static size_t label_len(const char *s) {
  size_t n = 0;
  while (s[n] && s[n] != '.')
    n++;
  return n;
}

static int str_eq(const char *a, const char *b) {
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

static int wr_astr(msl_wr *w, const char *s) {
  size_t n;
  if (!s || (n = str_len(s)) > ASTR_MAX)
    return MSL_ERR_ARG;
  msl_wr_cstr(w, s, n);
  return 0;
}

static int finish(const msl_wr *w, int rc) {
  return rc < 0 ? rc : msl_wr_result(w);
}

int msl_netlogon_build_primary_query(const char *computer, const char *mailslot,
                                     uint32_t nt_version, uint8_t *buf,
                                     size_t cap) {
  msl_wr w;
  int rc;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16le(&w, MSL_NETLOGON_PRIMARY_QUERY);
  if ((rc = wr_astr(&w, computer)) < 0 || (rc = wr_astr(&w, mailslot)) < 0)
    return rc;
  msl_wr_zeros(&w, w.off & 1);
  if ((rc = wr_utf16z(&w, computer)) < 0)
    return rc;
  wr_tail(&w, nt_version, MSL_NETLOGON_TOKEN, MSL_NETLOGON_TOKEN);
  return finish(&w, 0);
}

int msl_netlogon_build_primary_response(const char *pdc_name,
                                        const char *domain, unsigned flags,
                                        uint8_t *buf, size_t cap) {
  msl_wr w;
  int rc;
  if (flags & ~(unsigned)MSL_NETLOGON_BUILD_NDR_ALIGN)
    return MSL_ERR_ARG;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16le(&w, MSL_NETLOGON_PRIMARY_RESPONSE);
  if ((rc = wr_astr(&w, pdc_name)) < 0)
    return rc;
  msl_wr_zeros(&w, w.off & 1);
  if ((rc = wr_utf16z(&w, pdc_name)) < 0 || (rc = wr_utf16z(&w, domain)) < 0)
    return rc;
  if (flags & MSL_NETLOGON_BUILD_NDR_ALIGN)
    msl_wr_zeros(&w, (4 - (w.off & 3)) & 3);
  wr_tail(&w, MSL_NT_VERSION_1, MSL_NETLOGON_TOKEN, MSL_NETLOGON_TOKEN);
  return finish(&w, 0);
}

int msl_netlogon_build_sam_request(uint16_t request_count, const char *computer,
                                   const char *user, const char *mailslot,
                                   uint32_t account_control,
                                   const uint8_t *sid, size_t sid_len,
                                   uint32_t nt_version, uint8_t *buf,
                                   size_t cap) {
  msl_wr w;
  int rc;
  if ((sid_len && !sid) || sid_len > UINT32_MAX)
    return MSL_ERR_ARG;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16le(&w, MSL_NETLOGON_SAM_LOGON_REQUEST);
  msl_wr_u16le(&w, request_count);
  if ((rc = wr_utf16z(&w, computer)) < 0 || (rc = wr_utf16z(&w, user)) < 0 ||
      (rc = wr_astr(&w, mailslot)) < 0)
    return rc;
  msl_wr_u32le(&w, account_control);
  msl_wr_u32le(&w, (uint32_t)sid_len);
  if (sid_len) {
    msl_wr_zeros(&w, (4 - (w.off & 3)) & 3);
    msl_wr_bytes(&w, sid, sid_len);
  }
  wr_tail(&w, nt_version, MSL_NETLOGON_TOKEN, MSL_NETLOGON_TOKEN);
  return finish(&w, 0);
}

int msl_netlogon_build_sam_response_nt40(uint16_t opcode, const char *server,
                                         const char *user, const char *domain,
                                         uint8_t *buf, size_t cap) {
  msl_wr w;
  int rc;
  if (opcode < MSL_NETLOGON_SAM_LOGON_RESPONSE ||
      opcode > MSL_NETLOGON_SAM_USER_UNKNOWN)
    return MSL_ERR_ARG;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16le(&w, opcode);
  if ((rc = wr_utf16z(&w, server)) < 0 || (rc = wr_utf16z(&w, user)) < 0 ||
      (rc = wr_utf16z(&w, domain)) < 0)
    return rc;
  wr_tail(&w, MSL_NT_VERSION_1, MSL_NETLOGON_TOKEN, MSL_NETLOGON_TOKEN);
  return finish(&w, 0);
}

/* Where a label of an earlier name sits, and the dotted text from it on. */
struct dcand {
  size_t off;
  const char *text;
};
#define DCAND_MAX 64

struct dctx {
  struct dcand c[DCAND_MAX];
  size_t n;
};

/* Writes a dotted name, pointing at the longest earlier byte-equal tail. */
static int wr_dname(msl_wr *w, struct dctx *x, const char *name) {
  const char *cur = name ? name : "";
  size_t total = 1;
  for (const char *s = cur; *s;) { /* validate first: labels 1..63 */
    size_t n = label_len(s);
    if (n == 0 || n > 63)
      return MSL_ERR_ARG;
    total += n + 1;
    s += n;
    if (*s == '.' && !*++s)
      return MSL_ERR_ARG; /* trailing dot */
  }
  if (total > MSL_NETLOGON_DNAME_MAX)
    return MSL_ERR_ARG;
  while (*cur) {
    for (size_t i = 0; i < x->n; i++) {
      if (str_eq(x->c[i].text, cur)) {
        msl_wr_u16be(w, 0xC000u | (unsigned)x->c[i].off);
        return 0;
      }
    }
    size_t n = label_len(cur);
    if (x->n < DCAND_MAX && w->off < 0x4000) {
      x->c[x->n].off = w->off;
      x->c[x->n].text = cur;
      x->n++;
    }
    msl_wr_u8(w, (unsigned)n);
    msl_wr_bytes(w, cur, n);
    cur += n;
    if (*cur == '.')
      cur++;
  }
  msl_wr_u8(w, 0);
  return 0;
}

int msl_netlogon_build_sam_response_ex(const msl_netlogon_ex_args *a,
                                       uint8_t *buf, size_t cap) {
  msl_wr w;
  struct dctx x;
  int rc;
  if (!a || a->opcode < MSL_NETLOGON_SAM_LOGON_RESPONSE_EX ||
      a->opcode > MSL_NETLOGON_SAM_USER_UNKNOWN_EX ||
      !a->with_ip != !(a->nt_version & MSL_NT_VERSION_5EX_WITH_IP) ||
      !a->next_closest_site !=
          !(a->nt_version & MSL_NT_VERSION_WITH_CLOSEST_SITE))
    return MSL_ERR_ARG;
  x.n = 0;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16le(&w, a->opcode);
  msl_wr_u16le(&w, 0); /* Sbz */
  msl_wr_u32le(&w, a->flags);
  msl_wr_bytes(&w, a->domain_guid, 16);
  for (int i = 0; i < MSL_NETLOGON_EX_NAMES; i++)
    if ((rc = wr_dname(&w, &x, a->names[i])) < 0)
      return rc;
  if (a->with_ip) {
    msl_wr_u8(&w, MSL_NETLOGON_SOCKADDR_IN_LEN);
    msl_wr_u16le(&w, 2); /* AF_INET */
    msl_wr_u16le(&w, 0); /* port */
    msl_wr_bytes(&w, a->dc_ip, 4);
    msl_wr_zeros(&w, 8);
  }
  if (a->next_closest_site &&
      (rc = wr_dname(&w, &x, a->next_closest_site)) < 0)
    return rc;
  wr_tail(&w, a->nt_version, MSL_NETLOGON_TOKEN, MSL_NETLOGON_TOKEN);
  return finish(&w, 0);
}
