/* msl_out, the bounded string builder, and helpers shared by the printers. */
#include "msl_print_int.h"

static const char hexd[] = "0123456789abcdef";

/* "00" "01" ... "99": decimal numbers are written two digits at a time. */
const char msl_pr_dec2[200] = {
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
    memcpy(end, msl_pr_dec2 + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10)
    memcpy(end - 2, msl_pr_dec2 + 2 * v, 2);
  else
    end[-1] = (char)('0' + v);
}

/* The four digits of v < 10000 at w. */
static void put_dec4(char *w, uint32_t v) {
  memcpy(w, msl_pr_dec2 + 2 * (v / 100), 2);
  memcpy(w + 2, msl_pr_dec2 + 2 * (v % 100), 2);
}

size_t msl_pr_put_dec(char *w, uint64_t v) {
  /* Most numbers are 16-bit fields: up to five digits without a loop. */
  if (v >= 100 && v < 1000) {
    w[0] = (char)('0' + v / 100);
    memcpy(w + 1, msl_pr_dec2 + 2 * (v % 100), 2);
    return 3;
  }
  if (v >= 1000 && v < 10000) {
    put_dec4(w, (uint32_t)v);
    return 4;
  }
  if (v >= 10000 && v < 100000) {
    w[0] = (char)('0' + v / 10000);
    put_dec4(w + 1, (uint32_t)(v % 10000));
    return 5;
  }
  if (v >= 100000 && v < 100000000) { /* 6-8: two groups of four */
    size_t k = msl_pr_put_u64(w, v / 10000);
    put_dec4(w + k, (uint32_t)(v % 10000));
    return k + 4;
  }
  size_t n = dec_len(v);
  put_dec(w + n, v);
  return n;
}

void msl_out_u64(msl_out *o, uint64_t v) {
  char *w = msl_out_room(o, MSL_PR_PUT_U64_MAX);
  if (w) {
    msl_out_commit(o, msl_pr_put_u64(w, v));
    return;
  }
  char t[MSL_PR_PUT_U64_MAX];
  msl_out_mem_slow(o, t, msl_pr_put_u64(t, v));
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

size_t msl_pr_put_hex(char *w, uint64_t v, unsigned digits) {
  size_t n = 1;
  if (digits > 16)
    digits = 16;
  while (n < 16 && v >> (4 * n))
    n++;
  if (n < digits)
    n = digits;
  put_hex(w + n, v, n);
  return n;
}

void msl_out_hex(msl_out *o, uint64_t v, unsigned digits) {
  char *w = msl_out_room(o, 16);
  if (w) {
    msl_out_commit(o, msl_pr_put_hex(w, v, digits));
    return;
  }
  char t[16];
  msl_out_mem_slow(o, t, msl_pr_put_hex(t, v, digits));
}

void msl_out_hex0x(msl_out *o, uint64_t v, unsigned digits) {
  msl_out_mem(o, "0x", 2);
  msl_out_hex(o, v, digits);
}

/* Every byte's two hex digits: "000102...ff". */
static const char hex2[512] = {
#define H16(h)                                                                 \
  h, '0', h, '1', h, '2', h, '3', h, '4', h, '5', h, '6', h, '7', h, '8', h,   \
      '9', h, 'a', h, 'b', h, 'c', h, 'd', h, 'e', h, 'f'
    H16('0'), H16('1'), H16('2'), H16('3'), H16('4'), H16('5'),
    H16('6'), H16('7'), H16('8'), H16('9'), H16('a'), H16('b'),
    H16('c'), H16('d'), H16('e'), H16('f')
#undef H16
};

void msl_out_hexbytes(msl_out *o, const uint8_t *p, size_t n) {
  char *w = n <= SIZE_MAX / 2 ? msl_out_room(o, 2 * n) : NULL;
  if (w) {
    for (size_t i = 0; i < n; i++)
      memcpy(w + 2 * i, hex2 + 2 * p[i], 2);
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

/* One byte in decimal at w; returns its length (1-3). */
static size_t put_octet(char *w, uint32_t b) {
  if (b < 10) {
    *w = (char)('0' + b);
    return 1;
  }
  if (b < 100) {
    memcpy(w, msl_pr_dec2 + 2 * b, 2);
    return 2;
  }
  *w = (char)('0' + b / 100);
  memcpy(w + 1, msl_pr_dec2 + 2 * (b % 100), 2);
  return 3;
}

size_t msl_pr_put_ipv4(char *w, uint32_t a) {
  size_t k = put_octet(w, a >> 24);
  w[k++] = '.';
  k += put_octet(w + k, (a >> 16) & 0xff);
  w[k++] = '.';
  k += put_octet(w + k, (a >> 8) & 0xff);
  w[k++] = '.';
  return k + put_octet(w + k, a & 0xff);
}

void msl_out_ipv4(msl_out *o, uint32_t a) {
  char t[15]; /* 255.255.255.255 */
  msl_out_mem(o, t, msl_pr_put_ipv4(t, a));
}

void msl_out_ipv4_bytes(msl_out *o, const uint8_t a[4]) {
  msl_out_ipv4(o, msl_pr_be32(a));
}

/*
 * Bytes shown as themselves, or escaped: as display text (ESC_TEXT:
 * printable ASCII as is, others <xx>), as a JSON string (ESC_JSON: \", \\,
 * \n, \r, \t, \u00xx), or as a JSON string of display text (ESC_JSON_TEXT:
 * \" and \\, others <xx>).
 */
enum esc { ESC_TEXT, ESC_JSON, ESC_JSON_TEXT };

/* Longest escape of one byte: \u00xx. */
#define ESC_MAX 6

/* [0]: printable ASCII, shown as is in display text; [1]: the same but
 * the quote and the backslash, what a JSON string holds as is. */
const uint8_t msl_pr_plain[2][256] = {
    {[0x20] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* DEL */},
    {[0x20] = 1, 1, 0 /* " */, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* \ */, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* DEL */}};

static int plain(uint8_t c, enum esc kind) {
  return msl_pr_plain[kind != ESC_TEXT][c];
}

/* The escape of c at w (any c: ESC_TEXT writes even a printable byte as
 * <xx>); returns its length (2 to 6). */
static size_t put_esc(char *w, uint8_t c, enum esc kind) {
  char e = 0;
  if (kind != ESC_TEXT && (c == '"' || c == '\\'))
    e = (char)c;
  else if (kind == ESC_JSON)
    e = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;
  if (kind != ESC_JSON && !e) { /* <xx> */
    w[0] = '<';
    w[1] = hexd[c >> 4];
    w[2] = hexd[c & 0xf];
    w[3] = '>';
    return 4;
  }
  w[0] = '\\';
  if (e) {
    w[1] = e;
    return 2;
  }
  memcpy(w + 1, "u00", 3);
  w[4] = hexd[c >> 4];
  w[5] = hexd[c & 0xf];
  return 6;
}

static void out_esc(msl_out *o, uint8_t c, enum esc kind) {
  char t[ESC_MAX];
  msl_out_mem(o, t, put_esc(t, c, kind));
}

/* p[0..n) escaped as kind says, in quotes when quote. */
static void escaped(msl_out *o, const uint8_t *p, size_t n, enum esc kind,
                    int quote) {
  /* Fast path: room for the quotes and every byte escaped. */
  char *w = n <= (SIZE_MAX - 2) / ESC_MAX ? msl_out_room(o, ESC_MAX * n + 2)
                                          : NULL;
  if (w) {
    const uint8_t *as_is = msl_pr_plain[kind != ESC_TEXT];
    size_t k = 0;
    if (quote)
      w[k++] = '"';
    for (size_t i = 0; i < n; i++) {
      if (as_is[p[i]])
        w[k++] = (char)p[i];
      else
        k += put_esc(w + k, p[i], kind);
    }
    if (quote)
      w[k++] = '"';
    msl_out_commit(o, k);
    return;
  }
  size_t run = 0; /* plain bytes not yet copied, ending at i */
  if (quote)
    msl_out_char(o, '"');
  for (size_t i = 0; i < n; i++) {
    if (plain(p[i], kind)) {
      run++;
      continue;
    }
    msl_out_mem(o, p + i - run, run);
    run = 0;
    out_esc(o, p[i], kind);
  }
  msl_out_mem(o, p + n - run, run);
  if (quote)
    msl_out_char(o, '"');
}

void msl_out_text(msl_out *o, const uint8_t *p, size_t n) {
  escaped(o, p, n, ESC_TEXT, 0);
}

void msl_out_json_str(msl_out *o, const uint8_t *p, size_t n) {
  escaped(o, p, n, ESC_JSON, 1);
}

void msl_out_nbname(msl_out *o, const msl_nbname *n) {
  char t[MSL_NBNAME_FMT_MAX];
  char *w = msl_out_room(o, MSL_NBNAME_FMT_MAX);
  if (w) { /* formatted in place (it stores the NUL) */
    size_t k = msl_nbname_format(n, w, MSL_NBNAME_FMT_MAX);
    o->len += k < MSL_NBNAME_FMT_MAX ? k : MSL_NBNAME_FMT_MAX - 1;
    return;
  }
  size_t k = msl_nbname_format(n, t, sizeof(t));
  msl_out_mem(o, t, k < sizeof(t) ? k : sizeof(t) - 1);
}

int msl_out_result(const msl_out *o) {
  return o->overflow ? MSL_ERR_BUFFER_TOO_SMALL : (int)o->len;
}

/* ---- shared by the printers ---- */

size_t msl_pr_put_time(char *w, const msl_pkt_meta *m) {
  int64_t s = m->rel_sec;
  uint32_t us = m->rel_usec % 1000000u;
  size_t k = 0;
  if (s < 0) {
    /* -1 s + 750000 us is -0.250000; negated in unsigned arithmetic
     * (-INT64_MIN does not fit int64_t) */
    w[k++] = '-';
    uint64_t a = 0 - (uint64_t)s;
    if (us) {
      a--;
      us = 1000000u - us;
    }
    k += msl_pr_put_u64(w + k, a);
  } else {
    k += msl_pr_put_u64(w + k, (uint64_t)s);
  }
  w[k] = '.'; /* six digits, zero-padded */
  memcpy(w + k + 1, msl_pr_dec2 + 2 * (us / 10000), 2);
  memcpy(w + k + 3, msl_pr_dec2 + 2 * (us / 100 % 100), 2);
  memcpy(w + k + 5, msl_pr_dec2 + 2 * (us % 100), 2);
  return k + 7;
}

void msl_pr_time(msl_out *o, const msl_pkt_meta *m) {
  char t[MSL_PR_PUT_TIME_MAX];
  msl_pr_mem(o, t, msl_pr_put_time(t, m));
}

void msl_pr_ipv4(msl_out *o, uint32_t addr, int json) {
  char t[17] = {'"'}; /* "255.255.255.255" */
  if (!json) {
    msl_pr_mem(o, t, msl_pr_put_ipv4(t, addr));
    return;
  }
  size_t k = 1 + msl_pr_put_ipv4(t + 1, addr);
  t[k++] = '"';
  msl_pr_mem(o, t, k);
}

void msl_pr_ascii(msl_out *o, msl_view v, int json) {
  /* JSON: the display form, which has only printable ASCII, escaped. */
  escaped(o, v.ptr, v.len, json ? ESC_JSON_TEXT : ESC_TEXT, json);
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
      if (u < 0x80 && plain((uint8_t)u, ESC_JSON))
        msl_pr_char(o, (char)u);
      else if (u < 0x80)
        out_esc(o, (uint8_t)u, ESC_JSON);
      else
        json_u(o, u);
      if (pair)
        json_u(o, lo);
    } else if (u < 0x20 || u == 0x7f) {
      out_esc(o, (uint8_t)u, ESC_TEXT);
    } else {
      utf8(o, pair ? 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00) : u);
    }
  }
  if (msl_rd_left(&r))
    out_esc(o, msl_rd_u8(&r), ESC_TEXT);
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

size_t msl_pr_put_guid(char *w, const uint8_t g[16]) {
  /* Data1..3 little-endian, Data4 as bytes. */
  static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6,
                                    8, 9, 10, 11, 12, 13, 14, 15};
  size_t k = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      w[k++] = '-';
    w[k++] = hexd[g[order[i]] >> 4];
    w[k++] = hexd[g[order[i]] & 0xf];
  }
  return k;
}

void msl_pr_guid(msl_out *o, const uint8_t g[16]) {
  char t[36];
  msl_pr_mem(o, t, msl_pr_put_guid(t, g));
}

size_t msl_pr_put_ether(char *w, const uint8_t a[6]) {
  for (int i = 0; i < 6; i++) {
    w[3 * i] = hexd[a[i] >> 4];
    w[3 * i + 1] = hexd[a[i] & 0xf];
    if (i < 5)
      w[3 * i + 2] = ':';
  }
  return 17;
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

void msl_pr_err_at(msl_out *o, const msl_dissect *d, const char *before,
                   const char *after) {
  if (!d->err_at)
    return;
  msl_pr_str(o, before);
  msl_pr_str(o, "at byte ");
  msl_out_u64(o, d->err_off);
  msl_pr_str(o, after);
}

void msl_pr_ipv4_pair(msl_out *o, uint32_t a, uint32_t b) {
  char t[15 + 4 + 15];
  size_t k = msl_pr_put_ipv4(t, a);
  memcpy(t + k, " -> ", 4);
  k += 4;
  msl_pr_mem(o, t, k + msl_pr_put_ipv4(t + k, b));
}

int msl_pr_run(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
               unsigned flags, msl_pr_body *body) {
  if (!o || !d)
    return MSL_ERR_ARG;
  if (o->overflow)
    return MSL_ERR_BUFFER_TOO_SMALL;
  size_t start = o->len;
  body(o, m, d, flags);
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
