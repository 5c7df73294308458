/* msl_out, the bounded string builder, and helpers shared by the printers. */
#include "msl_print_int.h"

static const char hexd[] = "0123456789abcdef";

/* "00" "01" ... "99": decimal numbers are written two digits at a time. */
static const char dec2[200] = {
#define D10(t)                                                                 \
  t, '0', t, '1', t, '2', t, '3', t, '4', t, '5', t, '6', t, '7', t, '8', t, '9'
    D10('0'), D10('1'), D10('2'), D10('3'), D10('4'),
    D10('5'), D10('6'), D10('7'), D10('8'), D10('9')
#undef D10
};

void msl_out_init(msl_out *o, char *buf, size_t cap) {
  o->buf = buf;
  o->cap = buf ? cap : 0;
  msl_out_reset(o);
}

void msl_out_reset(msl_out *o) {
  o->len = 0;
  o->overflow = 0;
  if (o->cap)
    o->buf[0] = '\0';
}

void msl_out_mem_slow(msl_out *o, const void *p, size_t n) {
  if (o->overflow)
    return;
  /* One byte always stays free for the NUL. */
  size_t room = o->cap ? o->cap - 1 - o->len : 0;
  if (n > room) {
    if (room)
      memcpy(o->buf + o->len, p, room);
    o->len += room;
    if (o->cap)
      o->buf[o->len] = '\0';
    o->overflow = 1;
    return;
  }
  if (!n)
    return;
  memcpy(o->buf + o->len, p, n);
  o->len += n;
  o->buf[o->len] = '\0';
}

void msl_out_repeat(msl_out *o, char c, size_t n) {
  char *w = msl_out_room(o, n);
  if (w) {
    memset(w, c, n);
    msl_out_commit(o, n);
    return;
  }
  char sp[32];
  memset(sp, c, sizeof(sp));
  while (n && !o->overflow) {
    size_t k = n < sizeof(sp) ? n : sizeof(sp);
    msl_out_mem(o, sp, k);
    n -= k;
  }
}

/* Digits of v in decimal (1..20). */
static size_t dec_len(uint64_t v) {
  size_t n = 1;
  while (v >= 100) {
    v /= 100;
    n += 2;
  }
  return n + (v >= 10);
}

/* Writes the n = dec_len(v) digits of v ending at end. */
static void put_dec(char *end, uint64_t v) {
  while (v >= 100) {
    end -= 2;
    memcpy(end, dec2 + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10)
    memcpy(end - 2, dec2 + 2 * v, 2);
  else
    end[-1] = (char)('0' + v);
}

void msl_out_u64(msl_out *o, uint64_t v) {
  size_t n = dec_len(v);
  char *w = msl_out_room(o, n);
  if (w) {
    put_dec(w + n, v);
    msl_out_commit(o, n);
    return;
  }
  char t[20];
  put_dec(t + n, v);
  msl_out_mem_slow(o, t, n);
}

void msl_out_i64(msl_out *o, int64_t v) {
  if (v < 0) {
    msl_out_char(o, '-');
    /* Negate in unsigned arithmetic: -INT64_MIN does not fit int64_t. */
    msl_out_u64(o, 0 - (uint64_t)v);
  } else {
    msl_out_u64(o, (uint64_t)v);
  }
}

/* Writes the low n hex digits of v ending at end. */
static void put_hex(char *end, uint64_t v, size_t n) {
  while (n--) {
    *--end = hexd[v & 0xf];
    v >>= 4;
  }
}

void msl_out_hex(msl_out *o, uint64_t v, unsigned digits) {
  size_t n = 1;
  if (digits > 16)
    digits = 16;
  while (n < 16 && v >> (4 * n))
    n++;
  if (n < digits)
    n = digits;
  char *w = msl_out_room(o, n);
  if (w) {
    put_hex(w + n, v, n);
    msl_out_commit(o, n);
    return;
  }
  char t[16];
  put_hex(t + n, v, n);
  msl_out_mem_slow(o, t, n);
}

void msl_out_hex0x(msl_out *o, uint64_t v, unsigned digits) {
  msl_out_mem(o, "0x", 2);
  msl_out_hex(o, v, digits);
}

void msl_out_hexbytes(msl_out *o, const uint8_t *p, size_t n) {
  char *w = n <= SIZE_MAX / 2 ? msl_out_room(o, 2 * n) : NULL;
  if (w) {
    for (size_t i = 0; i < n; i++) {
      w[2 * i] = hexd[p[i] >> 4];
      w[2 * i + 1] = hexd[p[i] & 0xf];
    }
    msl_out_commit(o, 2 * n);
    return;
  }
  char t[64];
  size_t k = 0;
  for (size_t i = 0; i < n && !o->overflow; i++) {
    t[k++] = hexd[p[i] >> 4];
    t[k++] = hexd[p[i] & 0xf];
    if (k == sizeof(t)) {
      msl_out_mem(o, t, k);
      k = 0;
    }
  }
  msl_out_mem(o, t, k);
}

/* The dotted quad of a at t (at most 15 bytes); returns its length. */
static size_t put_ipv4(char *t, uint32_t a) {
  size_t k = 0;
  for (int s = 24; s >= 0; s -= 8) {
    uint32_t b = (a >> s) & 0xff;
    size_t n = dec_len(b);
    put_dec(t + k + n, b);
    k += n;
    if (s)
      t[k++] = '.';
  }
  return k;
}

void msl_out_ipv4(msl_out *o, uint32_t a) {
  char t[15]; /* 255.255.255.255 */
  msl_out_mem(o, t, put_ipv4(t, a));
}

void msl_out_ipv4_bytes(msl_out *o, const uint8_t a[4]) {
  msl_out_ipv4(o, msl_pr_be32(a));
}

static int printable(uint8_t c) { return c >= 0x20 && c < 0x7f; }

/* c as <xx> at w (4 bytes). */
static void put_xx(char *w, uint8_t c) {
  w[0] = '<';
  w[1] = hexd[c >> 4];
  w[2] = hexd[c & 0xf];
  w[3] = '>';
}

static void out_xx(msl_out *o, uint8_t c) {
  char t[4];
  put_xx(t, c);
  msl_out_mem(o, t, 4);
}

void msl_out_text(msl_out *o, const uint8_t *p, size_t n) {
  /* Fast path: room for the worst case, every byte as <xx>. */
  char *w = n <= SIZE_MAX / 4 ? msl_out_room(o, 4 * n) : NULL;
  if (w) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
      if (printable(p[i])) {
        w[k++] = (char)p[i];
      } else {
        put_xx(w + k, p[i]);
        k += 4;
      }
    }
    msl_out_commit(o, k);
    return;
  }
  size_t run = 0; /* printable bytes not yet copied, ending at i */
  for (size_t i = 0; i < n; i++) {
    if (printable(p[i])) {
      run++;
      continue;
    }
    msl_out_mem(o, p + i - run, run);
    run = 0;
    out_xx(o, p[i]);
  }
  msl_out_mem(o, p + n - run, run);
}

/* Longest JSON escape of one byte: \u00xx. */
#define JSON_ESC_MAX 6

/* The JSON escape of c at w; returns its length (2 or 6). */
static size_t put_json_esc(char *w, uint8_t c) {
  char e = 0;
  switch (c) {
  case '"': e = '"'; break;
  case '\\': e = '\\'; break;
  case '\n': e = 'n'; break;
  case '\r': e = 'r'; break;
  case '\t': e = 't'; break;
  }
  w[0] = '\\';
  if (e) {
    w[1] = e;
    return 2;
  }
  w[1] = 'u';
  w[2] = '0';
  w[3] = '0';
  w[4] = hexd[c >> 4];
  w[5] = hexd[c & 0xf];
  return 6;
}

static void json_esc(msl_out *o, uint8_t c) {
  char t[JSON_ESC_MAX];
  msl_out_mem(o, t, put_json_esc(t, c));
}

static int json_plain(uint8_t c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void msl_out_json_str(msl_out *o, const uint8_t *p, size_t n) {
  /* Fast path: room for the quotes and every byte escaped. */
  char *w = n <= (SIZE_MAX - 2) / JSON_ESC_MAX
                ? msl_out_room(o, JSON_ESC_MAX * n + 2)
                : NULL;
  if (w) {
    size_t k = 0;
    w[k++] = '"';
    for (size_t i = 0; i < n; i++) {
      if (json_plain(p[i]))
        w[k++] = (char)p[i];
      else
        k += put_json_esc(w + k, p[i]);
    }
    w[k++] = '"';
    msl_out_commit(o, k);
    return;
  }
  size_t run = 0;
  msl_out_char(o, '"');
  for (size_t i = 0; i < n; i++) {
    if (json_plain(p[i])) {
      run++;
      continue;
    }
    msl_out_mem(o, p + i - run, run);
    run = 0;
    json_esc(o, p[i]);
  }
  msl_out_mem(o, p + n - run, run);
  msl_out_char(o, '"');
}

void msl_out_nbname(msl_out *o, const msl_nbname *n) {
  char t[MSL_NBNAME_FMT_MAX];
  size_t k = msl_nbname_format(n, t, sizeof(t));
  msl_out_mem(o, t, k < sizeof(t) ? k : sizeof(t) - 1);
}

int msl_out_result(const msl_out *o) {
  return o->overflow ? MSL_ERR_BUFFER_TOO_SMALL : (int)o->len;
}

/* ---- shared by the printers ---- */

void msl_pr_time(msl_out *o, const msl_pkt_meta *m) {
  int64_t s = m->rel_sec;
  uint32_t us = m->rel_usec % 1000000u;
  if (s < 0 && us) {
    /* -1 s + 750000 us is -0.250000 */
    msl_pr_char(o, '-');
    msl_out_u64(o, (uint64_t)(-(s + 1)));
    us = 1000000u - us;
  } else {
    msl_out_i64(o, s);
  }
  char t[7] = {'.'}; /* six digits, zero-padded */
  memcpy(t + 1, dec2 + 2 * (us / 10000), 2);
  memcpy(t + 3, dec2 + 2 * (us / 100 % 100), 2);
  memcpy(t + 5, dec2 + 2 * (us % 100), 2);
  msl_pr_mem(o, t, 7);
}

void msl_pr_ipv4(msl_out *o, uint32_t addr, int json) {
  char t[17] = {'"'}; /* "255.255.255.255" */
  if (!json) {
    msl_pr_mem(o, t, put_ipv4(t, addr));
    return;
  }
  size_t k = 1 + put_ipv4(t + 1, addr);
  t[k++] = '"';
  msl_pr_mem(o, t, k);
}

void msl_pr_ascii(msl_out *o, msl_view v, int json) {
  if (!json) {
    msl_out_text(o, v.ptr, v.len);
    return;
  }
  /* The display form has only printable ASCII; escape it for JSON. The
   * fast path has room for the quotes and every byte as <xx>. */
  char *w = v.len <= (SIZE_MAX - 2) / 4 ? msl_out_room(o, 4 * v.len + 2)
                                        : NULL;
  if (w) {
    size_t k = 0;
    w[k++] = '"';
    for (size_t i = 0; i < v.len; i++) {
      uint8_t c = v.ptr[i];
      if (json_plain(c)) {
        w[k++] = (char)c;
      } else if (c == '"' || c == '\\') {
        w[k++] = '\\';
        w[k++] = (char)c;
      } else {
        put_xx(w + k, c);
        k += 4;
      }
    }
    w[k++] = '"';
    msl_out_commit(o, k);
    return;
  }
  msl_pr_char(o, '"');
  for (size_t i = 0; i < v.len; i++) {
    uint8_t c = v.ptr[i];
    if (json_plain(c))
      msl_pr_char(o, (char)c);
    else if (c == '"' || c == '\\')
      json_esc(o, c);
    else
      out_xx(o, c);
  }
  msl_pr_char(o, '"');
}

static void utf8(msl_out *o, uint32_t cp) {
  char t[4];
  size_t n;
  if (cp < 0x80) {
    t[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    t[0] = (char)(0xc0 | cp >> 6);
    t[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    t[0] = (char)(0xe0 | cp >> 12);
    t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    t[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    t[0] = (char)(0xf0 | cp >> 18);
    t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    t[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  msl_pr_mem(o, t, n);
}

static void json_u(msl_out *o, uint32_t u) {
  msl_pr_mem(o, "\\u", 2);
  msl_out_hex(o, u, 4);
}

void msl_pr_utf16(msl_out *o, msl_view v, int json) {
  msl_rd r;
  msl_rd_init(&r, v.ptr, v.len);
  if (json)
    msl_pr_char(o, '"');
  while (msl_rd_left(&r) >= 2 && !o->overflow) {
    uint32_t u = msl_rd_u16le(&r);
    uint32_t lo = 0;
    int pair = 0;
    if (u >= 0xd800 && u < 0xdc00 && msl_rd_left(&r) >= 2) {
      size_t save = r.off;
      lo = msl_rd_u16le(&r);
      if (lo >= 0xdc00 && lo < 0xe000)
        pair = 1;
      else
        msl_rd_seek(&r, save);
    }
    if (!pair && u >= 0xd800 && u < 0xe000)
      u = 0xfffd; /* unpaired surrogate */
    if (json) {
      if (u < 0x80 && json_plain((uint8_t)u))
        msl_pr_char(o, (char)u);
      else if (u < 0x80)
        json_esc(o, (uint8_t)u);
      else
        json_u(o, u);
      if (pair)
        json_u(o, lo);
    } else if (u < 0x20 || u == 0x7f) {
      out_xx(o, (uint8_t)u);
    } else {
      utf8(o, pair ? 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00) : u);
    }
  }
  if (msl_rd_left(&r))
    out_xx(o, msl_rd_u8(&r));
  if (json)
    msl_pr_char(o, '"');
}

void msl_pr_dname(msl_out *o, const msl_netlogon *m,
                  const msl_netlogon_dname *n, int json) {
  char t[MSL_NETLOGON_DNAME_MAX + 1];
  int k = msl_netlogon_dname_get(m, n, t, sizeof(t));
  msl_view v;
  v.ptr = (const uint8_t *)t;
  v.len = k < 0 ? 0 : (size_t)k;
  if (k < 0) {
    t[0] = '?';
    v.len = 1;
  }
  msl_pr_ascii(o, v, json);
}

void msl_pr_guid(msl_out *o, const uint8_t g[16]) {
  /* Data1..3 little-endian, Data4 as bytes. */
  static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6,
                                    8, 9, 10, 11, 12, 13, 14, 15};
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      msl_pr_char(o, '-');
    msl_out_hex(o, g[order[i]], 2);
  }
}

void msl_pr_bits(msl_out *o, uint32_t v, const char *(*name)(uint32_t),
                 const char *sep, int json) {
  int first = 1;
  for (int i = 0; i < 32; i++) {
    uint32_t bit = (uint32_t)1 << i;
    if (!(v & bit))
      continue;
    if (!first)
      msl_pr_str(o, sep);
    first = 0;
    const char *s = name(bit);
    if (json)
      msl_pr_char(o, '"');
    if (s) {
      msl_pr_str(o, s);
    } else {
      msl_out_hex0x(o, bit, 8);
    }
    if (json)
      msl_pr_char(o, '"');
  }
}

const char *msl_pr_sv_name(uint32_t bit) {
  return msl_browse_sv_type_name(bit);
}

const char *msl_pr_role_name(uint32_t bit) {
  return bit > 0xff ? NULL : msl_browse_role_name((uint8_t)bit);
}

const char *msl_pr_ntver_name(uint32_t bit) {
  return msl_netlogon_ntversion_name(bit);
}

const char *msl_pr_dsflag_name(uint32_t bit) {
  return msl_netlogon_dsflag_name(bit);
}

const char *msl_pr_nbns_hflag_name(uint32_t bit) {
  switch (bit) {
  case MSL_NBNS_F_RESPONSE: return "R";
  case MSL_NBNS_F_AA: return "AA";
  case MSL_NBNS_F_TC: return "TC";
  case MSL_NBNS_F_RD: return "RD";
  case MSL_NBNS_F_RA: return "RA";
  case MSL_NBNS_F_B: return "B";
  }
  return NULL;
}

void msl_pr_nbns_shown(const msl_dissect *d, size_t n[4]) {
  const msl_nbns *m = &d->nbns;
  const size_t count[4] = {m->qdcount, m->ancount, m->nscount, m->arcount};
  size_t left = d->nbns_ok ? SIZE_MAX : m->decoded;
  for (int s = 0; s < 4; s++) {
    size_t c = count[s] < left ? count[s] : left;
    size_t cap = s ? MSL_NBNS_MAX_RR : MSL_NBNS_MAX_QD;
    left -= c;
    n[s] = c < cap ? c : cap;
  }
}

const char *msl_pr_nbns_info_opcode(unsigned opcode) {
  switch (opcode) {
  case MSL_NBNS_OP_QUERY: return "Name query";
  case MSL_NBNS_OP_REGISTER: return "Registration";
  case MSL_NBNS_OP_RELEASE: return "Release";
  case MSL_NBNS_OP_WACK: return "Wait for acknowledgment";
  case MSL_NBNS_OP_REFRESH: return "Refresh";
  case MSL_NBNS_OP_REFRESH_ALT: return "Refresh (alternate opcode)";
  case MSL_NBNS_OP_MULTIHOMED: return "Multi-homed registration";
  }
  return NULL;
}

/* Why a layer failed, in words: the layer decides what an error means. */
static const char *why(unsigned layer, int err) {
  switch (err) {
  case MSL_ERR_TRUNCATED:
    return layer == MSL_LAYER_UDP
               ? "the packet was cut short by the capture (snap length)"
               : "the packet ends inside a field (truncated)";
  case MSL_ERR_UNSUPPORTED:
    switch (layer) {
    case MSL_LAYER_UDP: return "not a NetBIOS port";
    case MSL_LAYER_NBDGM: return "unknown datagram message type";
    case MSL_LAYER_BROWSE: return "unknown browser command";
    case MSL_LAYER_LANMAN: return "unknown LAN Manager announcement opcode";
    case MSL_LAYER_NETLOGON: return "netlogon opcode not decoded";
    }
    break;
  case MSL_ERR_INVALID:
    if (layer == MSL_LAYER_NBDGM)
      return "DGM_LENGTH is shorter than the two names";
    if (layer == MSL_LAYER_SMB)
      return "DataOffset/DataCount point outside the SMB or into the name";
    break;
  case MSL_ERR_NOT_SMB: return "the user data is not an SMB message";
  case MSL_ERR_NOT_MAILSLOT:
    return "the SMB is not a mailslot write (SMB_COM_TRANSACTION, opcode 1)";
  }
  return msl_strerror(err);
}

/* Where the first illegal name of an NBNS packet is (the lenient decoder
 * counted it in illegal_names); "" when not among the entries stored. */
static const char *nbns_bad_where(const msl_dissect *d) {
  static const char *const where[4] = {" in a question", " in an answer",
                                       " in an authority record",
                                       " in an additional record"};
  const msl_nbns *m = &d->nbns;
  const msl_nbns_rr *sec[4] = {NULL, m->an, m->ns, m->ar};
  size_t n[4];
  msl_pr_nbns_shown(d, n);
  for (size_t i = 0; i < n[0]; i++)
    if (m->qd[i].name.nb.illegal)
      return where[0];
  for (int s = 1; s < 4; s++)
    for (size_t i = 0; i < n[s]; i++)
      if (sec[s][i].name.nb.illegal)
        return where[s];
  return "";
}

/*
 * An MSL_ERR_NAME that stands for names the dissector read leniently
 * (bad_names) names them: "illegal NetBIOS name in source name". Returns 0
 * when the error is another one (a name that could not be read at all).
 */
static int illegal_names(msl_out *o, const msl_dissect *d) {
  if (d->err != MSL_ERR_NAME)
    return 0;
  if (d->err_layer == MSL_LAYER_NBDGM) {
    switch (d->bad_names & (MSL_DISSECT_BAD_SRC | MSL_DISSECT_BAD_DST)) {
    case MSL_DISSECT_BAD_SRC:
      msl_pr_str(o, "illegal NetBIOS name in source name");
      return 1;
    case MSL_DISSECT_BAD_DST:
      msl_pr_str(o, "illegal NetBIOS name in destination name");
      return 1;
    case MSL_DISSECT_BAD_SRC | MSL_DISSECT_BAD_DST:
      msl_pr_str(o, "illegal NetBIOS names in source and destination names");
      return 1;
    }
    return 0;
  }
  /* Only a packet that decoded has MSL_ERR_NAME for its illegal names;
   * otherwise the decoder failed on a name it could not read. */
  if (d->err_layer != MSL_LAYER_NBNS || !d->nbns_ok ||
      !(d->bad_names & MSL_DISSECT_BAD_NBNS) || !d->nbns.illegal_names)
    return 0;
  /* "... name in a question", "... names in 3 entries, the first in an
   * answer" */
  size_t k = d->nbns.illegal_names;
  const char *w = nbns_bad_where(d);
  if (k == 1) {
    msl_pr_str(o, "illegal NetBIOS name");
  } else {
    msl_pr_str(o, "illegal NetBIOS names in ");
    msl_out_u64(o, k);
    msl_pr_str(o, " entries");
    if (*w)
      msl_pr_str(o, ", the first");
  }
  msl_pr_str(o, w);
  return 1;
}

void msl_print_error(msl_out *o, const msl_dissect *d) {
  static const char quote_cut[] = "the ICMP error quotes only part of the "
                                  "packet";
  int quoted = (d->flags & MSL_DISSECT_QUOTED) != 0;
  if (!d->err)
    return;
  msl_pr_str(o, msl_dissect_layer_name(d->err_layer));
  msl_pr_str(o, ": ");
  if (quoted && d->err_layer == MSL_LAYER_UDP && d->err == MSL_ERR_TRUNCATED)
    msl_pr_str(o, quote_cut);
  else if (!illegal_names(o, d))
    msl_pr_str(o, why(d->err_layer, d->err));
  if ((d->flags & MSL_DISSECT_TRUNCATED) && d->err_layer != MSL_LAYER_UDP) {
    msl_pr_str(o, " (");
    msl_pr_str(o, quoted ? quote_cut : "the capture cut the packet short");
    msl_pr_char(o, ')');
  }
  if (o->len < o->cap) /* public: terminated as msl_out_* leave it */
    o->buf[o->len] = '\0';
}

int msl_pr_end(msl_out *o, size_t start) {
  if (!o->overflow) {
    if (o->cap)
      o->buf[o->len] = '\0';
    return 0;
  }
  o->len = start;
  if (o->cap)
    o->buf[start] = '\0';
  return MSL_ERR_BUFFER_TOO_SMALL;
}
