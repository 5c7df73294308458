/* NetBIOS name service packets [RFC 1002 §4.2]. */
#include "msl_nbns.h"

#define PTR_BITS 0xC0
#define PTR_MAX 0x3FFFu
#define RDLEN_MAX 0xFFFFu
/* Smallest question: a 2-byte pointer + type + class; smallest record: a
 * pointer + type, class, TTL, RDLENGTH. Used to reject impossible counts. */
#define MIN_QUESTION 6
#define MIN_RR 12

static int is_wack(uint16_t flags) {
  return (flags & MSL_NBNS_F_RESPONSE) &&
         ((flags & MSL_NBNS_F_OPCODE) >> 11) == MSL_NBNS_OP_WACK;
}

/* A name, then a second walk over its (already bounds-checked) labels to
 * learn where compression started, so the encoder can repeat it. */
static int read_name(msl_rd *r, msl_nbns_name *n, unsigned flags) {
  size_t start = r->off;
  int rc = (flags & MSL_NBNS_LENIENT) ? msl_nbname_decode_lenient(&n->nb, r, 1)
                                      : msl_nbname_decode(&n->nb, r, 1);
  if (rc)
    return rc;
  msl_rd s = *r;
  msl_rd_seek(&s, start);
  n->compressed = 0;
  n->inline_labels = 0;
  n->ptr = 0;
  for (;;) {
    uint8_t len = msl_rd_u8(&s);
    if (s.err)
      return s.err;
    if ((len & PTR_BITS) == PTR_BITS) {
      n->ptr = (uint16_t)((len & 0x3Fu) << 8 | msl_rd_u8(&s));
      n->compressed = 1;
      break;
    }
    if (len == 0)
      break;
    msl_rd_skip(&s, len);
    n->inline_labels++;
  }
  return s.err;
}

static void read_stats(msl_rd *d, msl_nbns_rr *rr) {
  /* Senders disagree on how much of the block RDLENGTH covers: read what is
   * there into a zeroed copy so missing counters are 0. */
  uint8_t blk[MSL_NBNS_STATS_LEN] = {0};
  size_t left = msl_rd_left(d);
  size_t n = left < sizeof blk ? left : sizeof blk;
  rr->stats_len = left;
  const uint8_t *src = msl_rd_bytes(d, n);
  if (src && n)
    memcpy(blk, src, n);
  msl_rd s;
  msl_rd_init(&s, blk, sizeof blk);
  msl_nbns_stats *st = &rr->stats;
  memcpy(st->unit_id, msl_rd_bytes(&s, 6), 6);
  st->jumpers = msl_rd_u8(&s);
  st->test_result = msl_rd_u8(&s);
  st->version_number = msl_rd_u16be(&s);
  st->period_of_statistics = msl_rd_u16be(&s);
  st->number_of_crcs = msl_rd_u16be(&s);
  st->number_alignment_errors = msl_rd_u16be(&s);
  st->number_of_collisions = msl_rd_u16be(&s);
  st->number_send_aborts = msl_rd_u16be(&s);
  st->number_good_sends = msl_rd_u32be(&s);
  st->number_good_receives = msl_rd_u32be(&s);
  st->number_retransmits = msl_rd_u16be(&s);
  st->number_no_resource_conditions = msl_rd_u16be(&s);
  st->number_free_command_blocks = msl_rd_u16be(&s);
  st->total_number_command_blocks = msl_rd_u16be(&s);
  st->max_total_number_command_blocks = msl_rd_u16be(&s);
  st->number_pending_sessions = msl_rd_u16be(&s);
  st->max_number_pending_sessions = msl_rd_u16be(&s);
  st->max_total_sessions_possible = msl_rd_u16be(&s);
  st->session_data_packet_size = msl_rd_u16be(&s);
}

static int read_rdata(msl_nbns_rr *rr, uint16_t msg_flags) {
  msl_rd d;
  msl_rd_init(&d, rr->rdata.ptr, rr->rdata.len);
  switch (rr->type) {
  case MSL_NBNS_T_NB:
    if (is_wack(msg_flags)) {
      rr->wack_flags = msl_rd_u16be(&d);
      return 0; /* a short WACK RDATA just leaves wack_flags 0 */
    }
    rr->nb_count = rr->rdata.len / MSL_NBNS_NB_LEN;
    rr->nb_extra = rr->rdata.len % MSL_NBNS_NB_LEN;
    rr->nb_raw.ptr = rr->rdata.ptr;
    rr->nb_raw.len = rr->nb_count * MSL_NBNS_NB_LEN;
    if (rr->nb_count) {
      rr->nb_first.flags = msl_rd_u16be(&d);
      rr->nb_first.addr = msl_rd_u32be(&d);
    }
    return 0;
  case MSL_NBNS_T_NBSTAT:
    if (rr->rdata.len == 0)
      return 0;
    rr->num_names = msl_rd_u8(&d);
    rr->names_raw.len = (size_t)rr->num_names * MSL_NBNS_NODE_NAME_LEN;
    rr->names_raw.ptr = msl_rd_bytes(&d, rr->names_raw.len);
    if (d.err)
      return MSL_ERR_INVALID; /* the names alone overrun RDLENGTH */
    read_stats(&d, rr);
    return 0;
  case MSL_NBNS_T_A:
    if (rr->rdata.len >= 4)
      rr->a_addr = msl_rd_u32be(&d);
    return 0;
  default:
    return 0;
  }
}

/* Zeroes a record's fields but its name, which read_name fills: most of a
 * record is the name's scope buffer, and clearing the whole ~12 KB struct
 * per packet cost more than decoding it. */
static void clear_rr(msl_nbns_rr *rr) {
  memset(&rr->type, 0, sizeof *rr - offsetof(msl_nbns_rr, type));
}

static int read_rr(msl_rd *r, msl_nbns_rr *rr, uint16_t msg_flags,
                   unsigned flags) {
  clear_rr(rr);
  int rc = read_name(r, &rr->name, flags);
  if (rc)
    return rc;
  rr->type = msl_rd_u16be(r);
  rr->rrclass = msl_rd_u16be(r);
  rr->ttl = msl_rd_u32be(r);
  uint16_t rdlen = msl_rd_u16be(r);
  rr->rdata.ptr = msl_rd_bytes(r, rdlen);
  rr->rdata.len = rdlen;
  if (r->err)
    return r->err;
  return read_rdata(rr, msg_flags);
}

int msl_nbns_decode(msl_nbns *out, const uint8_t *p, size_t len) {
  return msl_nbns_decode_ex(out, p, len, 0);
}

/* Notes where decoding stopped: the reader's position for a cut, else
 * `at` (the entry whose name or data was refused). Returns err. */
static int stopped(msl_nbns *out, const msl_rd *r, int err, size_t at) {
  out->err_off = r->err == MSL_ERR_TRUNCATED ? r->off : at;
  return err;
}

int msl_nbns_decode_ex(msl_nbns *out, const uint8_t *p, size_t len,
                       unsigned flags) {
  if (!out || !p)
    return MSL_ERR_ARG;
  /* Only the header and the entries read are written (see clear_rr). */
  out->over = 0;
  out->trailer.ptr = NULL;
  out->trailer.len = 0;
  out->decoded = 0;
  out->illegal_names = 0;
  out->err_off = 0;
  msl_rd r;
  msl_rd_init(&r, p, len);
  out->trn_id = msl_rd_u16be(&r);
  out->flags = msl_rd_u16be(&r);
  out->qdcount = msl_rd_u16be(&r);
  out->ancount = msl_rd_u16be(&r);
  out->nscount = msl_rd_u16be(&r);
  out->arcount = msl_rd_u16be(&r);
  if (r.err)
    return stopped(out, &r, r.err, 0);
  size_t nrr = (size_t)out->ancount + out->nscount + out->arcount;
  if (!(flags & MSL_NBNS_LENIENT) &&
      (size_t)out->qdcount * MIN_QUESTION + nrr * MIN_RR > msl_rd_left(&r))
    return stopped(out, &r, MSL_ERR_TRUNCATED, len);

  for (size_t i = 0; i < out->qdcount; i++) {
    msl_nbns_question spare;
    msl_nbns_question *q = i < MSL_NBNS_MAX_QD ? &out->qd[i] : &spare;
    size_t at = r.off;
    int rc = read_name(&r, &q->name, flags);
    if (rc)
      return stopped(out, &r, rc, at);
    q->type = msl_rd_u16be(&r);
    q->qclass = msl_rd_u16be(&r);
    if (r.err)
      return stopped(out, &r, r.err, at);
    if (q == &spare)
      out->over++;
    out->decoded++;
    if (q->name.nb.illegal)
      out->illegal_names++;
  }

  msl_nbns_rr *sec[3] = {out->an, out->ns, out->ar};
  uint16_t cnt[3] = {out->ancount, out->nscount, out->arcount};
  for (size_t s = 0; s < 3; s++) {
    for (size_t i = 0; i < cnt[s]; i++) {
      msl_nbns_rr spare;
      msl_nbns_rr *rr = i < MSL_NBNS_MAX_RR ? &sec[s][i] : &spare;
      size_t at = r.off;
      int rc = read_rr(&r, rr, out->flags, flags);
      if (rc)
        return stopped(out, &r, rc, at);
      if (rr == &spare)
        out->over++;
      out->decoded++;
      if (rr->name.nb.illegal)
        out->illegal_names++;
    }
  }

  size_t rest = msl_rd_left(&r);
  out->trailer.ptr = msl_rd_bytes(&r, rest);
  out->trailer.len = rest;
  return r.err;
}

/* ---- encoder ---- */

/* Writes a name, compressed exactly as recorded. */
static int write_name(msl_wr *w, const msl_nbns_name *n) {
  if (n->nb.scope_len > MSL_NBNAME_SCOPE_MAX)
    return MSL_ERR_NAME; /* msl_nbname_encode would read past scope[] */
  if (!n->compressed) {
    msl_nbname_encode(&n->nb, w);
    return 0;
  }
  /* Backward only, as the decoder requires. */
  if (n->ptr > PTR_MAX || n->ptr >= w->off)
    return MSL_ERR_NAME_PTR;
  if (n->inline_labels) {
    uint8_t full[MSL_NBNAME_WIRE_MAX + 2];
    msl_wr t;
    msl_wr_init(&t, full, sizeof full);
    msl_nbname_encode(&n->nb, &t);
    if (t.err)
      return MSL_ERR_NAME;
    size_t end = 0;
    for (unsigned k = 0; k < n->inline_labels; k++) {
      if (end >= t.off || full[end] == 0)
        return MSL_ERR_ARG; /* more inline labels than the name has */
      end += 1u + full[end];
    }
    msl_wr_bytes(w, full, end);
  }
  msl_wr_u16be(w, 0xC000u | n->ptr);
  return 0;
}

static int write_stats(msl_wr *w, const msl_nbns_stats *st) {
  msl_wr_bytes(w, st->unit_id, 6);
  msl_wr_u8(w, st->jumpers);
  msl_wr_u8(w, st->test_result);
  msl_wr_u16be(w, st->version_number);
  msl_wr_u16be(w, st->period_of_statistics);
  msl_wr_u16be(w, st->number_of_crcs);
  msl_wr_u16be(w, st->number_alignment_errors);
  msl_wr_u16be(w, st->number_of_collisions);
  msl_wr_u16be(w, st->number_send_aborts);
  msl_wr_u32be(w, st->number_good_sends);
  msl_wr_u32be(w, st->number_good_receives);
  msl_wr_u16be(w, st->number_retransmits);
  msl_wr_u16be(w, st->number_no_resource_conditions);
  msl_wr_u16be(w, st->number_free_command_blocks);
  msl_wr_u16be(w, st->total_number_command_blocks);
  msl_wr_u16be(w, st->max_total_number_command_blocks);
  msl_wr_u16be(w, st->number_pending_sessions);
  msl_wr_u16be(w, st->max_number_pending_sessions);
  msl_wr_u16be(w, st->max_total_sessions_possible);
  msl_wr_u16be(w, st->session_data_packet_size);
  return 0;
}

/* RDATA from the typed fields (built records). */
static int write_typed_rdata(msl_wr *w, const msl_nbns_rr *rr,
                             uint16_t msg_flags) {
  switch (rr->type) {
  case MSL_NBNS_T_NB:
    if (is_wack(msg_flags)) {
      msl_wr_u16be(w, rr->wack_flags);
      return 0;
    }
    if (rr->nb_count > RDLEN_MAX / MSL_NBNS_NB_LEN)
      return MSL_ERR_MSG_TOO_BIG;
    for (size_t i = 0; i < rr->nb_count; i++) {
      msl_nbns_nb e;
      if (!msl_nbns_rr_nb(rr, i, &e))
        return MSL_ERR_ARG;
      msl_wr_u16be(w, e.flags);
      msl_wr_u32be(w, e.addr);
    }
    return 0;
  case MSL_NBNS_T_NBSTAT:
    msl_wr_u8(w, rr->num_names);
    for (size_t i = 0; i < rr->num_names; i++) {
      msl_nbns_node_name e;
      if (!msl_nbns_rr_node_name(rr, i, &e))
        return MSL_ERR_ARG;
      msl_wr_bytes(w, e.name, sizeof e.name);
      msl_wr_u16be(w, e.flags);
    }
    return write_stats(w, &rr->stats);
  case MSL_NBNS_T_A:
    msl_wr_u32be(w, rr->a_addr);
    return 0;
  default:
    return 0; /* NULL, NS and unknown types: no RDATA unless given raw */
  }
}

static int write_rr(msl_wr *w, const msl_nbns_rr *rr, uint16_t msg_flags) {
  int rc = write_name(w, &rr->name);
  if (rc)
    return rc;
  msl_wr_u16be(w, rr->type);
  msl_wr_u16be(w, rr->rrclass);
  msl_wr_u32be(w, rr->ttl);
  if (rr->rdata.ptr) {
    if (rr->rdata.len > RDLEN_MAX)
      return MSL_ERR_MSG_TOO_BIG;
    msl_wr_u16be(w, (unsigned)rr->rdata.len);
    msl_wr_bytes(w, rr->rdata.ptr, rr->rdata.len);
    return 0;
  }
  size_t at = w->off;
  msl_wr_u16be(w, 0);
  rc = write_typed_rdata(w, rr, msg_flags);
  if (rc)
    return rc;
  size_t rdlen = w->off - at - 2;
  if (rdlen > RDLEN_MAX)
    return MSL_ERR_MSG_TOO_BIG;
  msl_wr_put_u16be_at(w, at, (unsigned)rdlen);
  return 0;
}

int msl_nbns_encode(const msl_nbns *m, uint8_t *buf, size_t cap) {
  if (!m)
    return MSL_ERR_ARG;
  if (m->qdcount > MSL_NBNS_MAX_QD || m->ancount > MSL_NBNS_MAX_RR ||
      m->nscount > MSL_NBNS_MAX_RR || m->arcount > MSL_NBNS_MAX_RR)
    return MSL_ERR_TOO_MANY;
  if (m->trailer.len && !m->trailer.ptr)
    return MSL_ERR_ARG;
  msl_wr w;
  msl_wr_init(&w, buf, cap);
  msl_wr_u16be(&w, m->trn_id);
  msl_wr_u16be(&w, m->flags);
  msl_wr_u16be(&w, m->qdcount);
  msl_wr_u16be(&w, m->ancount);
  msl_wr_u16be(&w, m->nscount);
  msl_wr_u16be(&w, m->arcount);
  for (size_t i = 0; i < m->qdcount; i++) {
    int rc = write_name(&w, &m->qd[i].name);
    if (rc)
      return rc;
    msl_wr_u16be(&w, m->qd[i].type);
    msl_wr_u16be(&w, m->qd[i].qclass);
  }
  const msl_nbns_rr *sec[3] = {m->an, m->ns, m->ar};
  uint16_t cnt[3] = {m->ancount, m->nscount, m->arcount};
  for (size_t s = 0; s < 3; s++) {
    for (size_t i = 0; i < cnt[s]; i++) {
      int rc = write_rr(&w, &sec[s][i], m->flags);
      if (rc)
        return rc;
    }
  }
  msl_wr_bytes(&w, m->trailer.ptr, m->trailer.len);
  return msl_wr_result(&w);
}

/* ---- iterators ---- */

int msl_nbns_rr_nb(const msl_nbns_rr *rr, size_t i, msl_nbns_nb *out) {
  if (!rr || !out || i >= rr->nb_count)
    return 0;
  if (rr->nb_list) {
    *out = rr->nb_list[i];
    return 1;
  }
  if (!rr->nb_raw.ptr) {
    if (i != 0)
      return 0;
    *out = rr->nb_first;
    return 1;
  }
  if (i >= rr->nb_raw.len / MSL_NBNS_NB_LEN)
    return 0;
  msl_rd r;
  msl_rd_init(&r, rr->nb_raw.ptr, rr->nb_raw.len);
  msl_rd_seek(&r, i * MSL_NBNS_NB_LEN);
  out->flags = msl_rd_u16be(&r);
  out->addr = msl_rd_u32be(&r);
  return r.err == 0;
}

int msl_nbns_rr_node_name(const msl_nbns_rr *rr, size_t i,
                          msl_nbns_node_name *out) {
  if (!rr || !out || i >= rr->num_names)
    return 0;
  if (rr->names_list) {
    *out = rr->names_list[i];
    return 1;
  }
  if (!rr->names_raw.ptr || i >= rr->names_raw.len / MSL_NBNS_NODE_NAME_LEN)
    return 0;
  msl_rd r;
  msl_rd_init(&r, rr->names_raw.ptr, rr->names_raw.len);
  msl_rd_seek(&r, i * MSL_NBNS_NODE_NAME_LEN);
  const uint8_t *name = msl_rd_bytes(&r, MSL_NBNAME_RAW_LEN);
  if (!name)
    return 0;
  memcpy(out->name, name, MSL_NBNAME_RAW_LEN);
  out->flags = msl_rd_u16be(&r);
  return r.err == 0;
}

/* ---- builders ---- */

static int begin(msl_nbns *m, uint16_t trn_id, uint16_t flags,
                 const msl_nbname *name) {
  if (!m || !name)
    return MSL_ERR_ARG;
  memset(m, 0, sizeof *m);
  m->trn_id = trn_id;
  m->flags = flags;
  return 0;
}

static void add_question(msl_nbns *m, const msl_nbname *name, uint16_t type) {
  msl_nbns_question *q = &m->qd[m->qdcount++];
  q->name.nb = *name;
  q->type = type;
  q->qclass = MSL_NBNS_CLASS_IN;
}

static msl_nbns_rr *add_rr(msl_nbns_rr *rr, const msl_nbname *name,
                           uint16_t type, uint32_t ttl) {
  rr->name.nb = *name;
  rr->type = type;
  rr->rrclass = MSL_NBNS_CLASS_IN;
  rr->ttl = ttl;
  return rr;
}

static void set_one_nb(msl_nbns_rr *rr, uint16_t nb_flags, uint32_t addr) {
  rr->nb_count = 1;
  rr->nb_first.flags = nb_flags;
  rr->nb_first.addr = addr;
}

/* Question + additional NB record whose name points at the question
 * (0xC00C) [§4.2.2-4, §4.2.9]. */
static int request_with_rr(msl_nbns *m, uint16_t trn_id, uint16_t flags,
                           const msl_nbname *name, uint16_t nb_flags,
                           uint32_t addr, uint32_t ttl) {
  int rc = begin(m, trn_id, flags, name);
  if (rc)
    return rc;
  add_question(m, name, MSL_NBNS_T_NB);
  msl_nbns_rr *rr = add_rr(&m->ar[0], name, MSL_NBNS_T_NB, ttl);
  m->arcount = 1;
  rr->name.compressed = 1;
  rr->name.ptr = MSL_NBNS_HDR_LEN;
  set_one_nb(rr, nb_flags, addr);
  return 0;
}

#define OP(x) ((uint16_t)((x) << 11))

int msl_nbns_build_query(msl_nbns *m, uint16_t trn_id, const msl_nbname *name,
                         int broadcast) {
  int rc =
      begin(m, trn_id,
            (uint16_t)(MSL_NBNS_F_RD | (broadcast ? MSL_NBNS_F_B : 0)), name);
  if (rc)
    return rc;
  add_question(m, name, MSL_NBNS_T_NB);
  return 0;
}

int msl_nbns_build_query_response(msl_nbns *m, uint16_t trn_id,
                                  const msl_nbname *name, uint32_t ttl,
                                  const msl_nbns_nb *entries, size_t n) {
  if (!entries || n == 0 || n > RDLEN_MAX / MSL_NBNS_NB_LEN)
    return MSL_ERR_ARG;
  int rc = begin(m, trn_id, MSL_NBNS_F_RESPONSE | MSL_NBNS_F_AA | MSL_NBNS_F_RD,
                 name);
  if (rc)
    return rc;
  msl_nbns_rr *rr = add_rr(&m->an[0], name, MSL_NBNS_T_NB, ttl);
  m->ancount = 1;
  rr->nb_count = n;
  rr->nb_first = entries[0];
  rr->nb_list = entries;
  return 0;
}

int msl_nbns_build_query_negative(msl_nbns *m, uint16_t trn_id,
                                  const msl_nbname *name, unsigned rcode) {
  if (rcode == 0 || rcode > MSL_NBNS_F_RCODE)
    return MSL_ERR_ARG;
  int rc = begin(
      m, trn_id,
      (uint16_t)(MSL_NBNS_F_RESPONSE | MSL_NBNS_F_AA | MSL_NBNS_F_RD | rcode),
      name);
  if (rc)
    return rc;
  add_rr(&m->an[0], name, MSL_NBNS_T_NULL, 0);
  m->ancount = 1;
  return 0;
}

int msl_nbns_build_registration(msl_nbns *m, uint16_t trn_id,
                                const msl_nbname *name, uint16_t nb_flags,
                                uint32_t addr, uint32_t ttl, int broadcast) {
  uint16_t f = OP(MSL_NBNS_OP_REGISTER) | MSL_NBNS_F_RD;
  if (broadcast)
    f |= MSL_NBNS_F_B;
  return request_with_rr(m, trn_id, f, name, nb_flags, addr, ttl);
}

int msl_nbns_build_overwrite(msl_nbns *m, uint16_t trn_id,
                             const msl_nbname *name, uint16_t nb_flags,
                             uint32_t addr, uint32_t ttl) {
  return request_with_rr(m, trn_id, OP(MSL_NBNS_OP_REGISTER) | MSL_NBNS_F_B,
                         name, nb_flags, addr, ttl);
}

int msl_nbns_build_refresh(msl_nbns *m, uint16_t trn_id, const msl_nbname *name,
                           uint16_t nb_flags, uint32_t addr, uint32_t ttl,
                           int broadcast) {
  uint16_t f = OP(MSL_NBNS_OP_REFRESH);
  if (broadcast)
    f |= MSL_NBNS_F_B;
  return request_with_rr(m, trn_id, f, name, nb_flags, addr, ttl);
}

int msl_nbns_build_release(msl_nbns *m, uint16_t trn_id, const msl_nbname *name,
                           uint16_t nb_flags, uint32_t addr, int broadcast) {
  uint16_t f = OP(MSL_NBNS_OP_RELEASE);
  if (broadcast)
    f |= MSL_NBNS_F_B;
  return request_with_rr(m, trn_id, f, name, nb_flags, addr, 0);
}

int msl_nbns_build_registration_response(msl_nbns *m, uint16_t trn_id,
                                         const msl_nbname *name, unsigned rcode,
                                         uint16_t nb_flags, uint32_t addr,
                                         uint32_t ttl) {
  if (rcode > MSL_NBNS_F_RCODE)
    return MSL_ERR_ARG;
  uint16_t f =
      (uint16_t)(MSL_NBNS_F_RESPONSE | OP(MSL_NBNS_OP_REGISTER) |
                 MSL_NBNS_F_AA | MSL_NBNS_F_RD | MSL_NBNS_F_RA | rcode);
  int rc = begin(m, trn_id, f, name);
  if (rc)
    return rc;
  set_one_nb(add_rr(&m->an[0], name, MSL_NBNS_T_NB, ttl), nb_flags, addr);
  m->ancount = 1;
  return 0;
}

int msl_nbns_build_conflict(msl_nbns *m, uint16_t trn_id,
                            const msl_nbname *name, uint16_t nb_flags,
                            uint32_t addr) {
  return msl_nbns_build_registration_response(m, trn_id, name, MSL_NBNS_RC_CFT,
                                              nb_flags, addr, 0);
}

int msl_nbns_build_wack(msl_nbns *m, uint16_t trn_id, const msl_nbname *name,
                        uint32_t ttl, uint16_t request_flags) {
  int rc =
      begin(m, trn_id,
            MSL_NBNS_F_RESPONSE | OP(MSL_NBNS_OP_WACK) | MSL_NBNS_F_AA, name);
  if (rc)
    return rc;
  add_rr(&m->an[0], name, MSL_NBNS_T_NB, ttl)->wack_flags = request_flags;
  m->ancount = 1;
  return 0;
}

int msl_nbns_build_node_status(msl_nbns *m, uint16_t trn_id,
                               const msl_nbname *name, int broadcast) {
  int rc = begin(m, trn_id, broadcast ? MSL_NBNS_F_B : 0, name);
  if (rc)
    return rc;
  add_question(m, name, MSL_NBNS_T_NBSTAT);
  return 0;
}

int msl_nbns_build_node_status_response(msl_nbns *m, uint16_t trn_id,
                                        const msl_nbname *name,
                                        const msl_nbns_node_name *names,
                                        size_t n, const msl_nbns_stats *stats) {
  if (n > 255 || (n && !names))
    return MSL_ERR_ARG;
  int rc = begin(m, trn_id, MSL_NBNS_F_RESPONSE | MSL_NBNS_F_AA, name);
  if (rc)
    return rc;
  msl_nbns_rr *rr = add_rr(&m->an[0], name, MSL_NBNS_T_NBSTAT, 0);
  m->ancount = 1;
  rr->num_names = (uint8_t)n;
  rr->names_list = n ? names : NULL;
  if (stats)
    rr->stats = *stats;
  rr->stats_len = MSL_NBNS_STATS_LEN;
  return 0;
}

/* ---- names for printing ---- */

const char *msl_nbns_opcode_name(unsigned opcode) {
  static const char *const names[16] = {
      "query",     "opcode-1",     "opcode-2",  "opcode-3",
      "opcode-4",  "registration", "release",   "WACK",
      "refresh",   "refresh(9)",   "opcode-10", "opcode-11",
      "opcode-12", "opcode-13",    "opcode-14", "multi-homed registration"};
  return opcode < 16 ? names[opcode] : "opcode-?";
}

const char *msl_nbns_rcode_name(unsigned rcode) {
  static const char *const names[16] = {
      "OK",       "FMT_ERR",  "SRV_ERR",  "NAM_ERR", "IMP_ERR",  "RFS_ERR",
      "ACT_ERR",  "CFT_ERR",  "rcode-8",  "rcode-9", "rcode-10", "rcode-11",
      "rcode-12", "rcode-13", "rcode-14", "rcode-15"};
  return rcode < 16 ? names[rcode] : "rcode-?";
}

const char *msl_nbns_type_name(unsigned type) {
  switch (type) {
  case MSL_NBNS_T_A:
    return "A";
  case MSL_NBNS_T_NS:
    return "NS";
  case MSL_NBNS_T_NULL:
    return "NULL";
  case MSL_NBNS_T_NB:
    return "NB";
  case MSL_NBNS_T_NBSTAT:
    return "NBSTAT";
  default:
    return "unknown";
  }
}

const char *msl_nbns_ont_name(uint16_t nb_flags) {
  static const char *const names[4] = {"B", "P", "M", "H"};
  return names[(nb_flags & MSL_NBNS_NB_ONT) >> 13];
}

size_t msl_nbns_flags_format(uint16_t flags, char *buf, size_t cap) {
  static const struct {
    uint16_t bit;
    char text[3];
  } bits[] = {{MSL_NBNS_F_RESPONSE, "R"}, {MSL_NBNS_F_AA, "AA"},
              {MSL_NBNS_F_TC, "TC"},      {MSL_NBNS_F_RD, "RD"},
              {MSL_NBNS_F_RA, "RA"},      {MSL_NBNS_F_B, "B"}};
  size_t pos = 0;
  for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
    if (!(flags & bits[i].bit))
      continue;
    for (const char *s = pos ? " " : ""; *s; s++, pos++)
      if (pos + 1 < cap)
        buf[pos] = *s;
    for (const char *s = bits[i].text; *s; s++, pos++)
      if (pos + 1 < cap)
        buf[pos] = *s;
  }
  if (cap)
    buf[pos < cap ? pos : cap - 1] = '\0';
  return pos;
}
