/* NetBIOS names: first-level encoding, labels, scope, printing.
 * [RFC 1001 §14.1, RFC 1002 §4.1] */
#include "msl_nbname.h"

#define LABEL_MAX 63
#define PTR_MASK 0xC0

static uint8_t ascii_upper(uint8_t c) {
  return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
}

/* A scope label byte: printable, not the separator. */
static int scope_byte_ok(uint8_t c) { return c > 0x20 && c < 0x7f && c != '.'; }

static int set_scope(msl_nbname *n, const char *scope) {
  size_t len = scope ? strlen(scope) : 0;
  n->scope_len = 0;
  n->scope[0] = '\0';
  if (len == 0)
    return 0;
  if (len > MSL_NBNAME_SCOPE_MAX)
    return MSL_ERR_ARG;
  size_t label = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = (uint8_t)scope[i];
    if (c == '.') {
      if (label == 0)
        return MSL_ERR_ARG;
      label = 0;
    } else if (!scope_byte_ok(c) || ++label > LABEL_MAX) {
      return MSL_ERR_ARG;
    }
    n->scope[i] = (char)ascii_upper(c);
  }
  if (label == 0)
    return MSL_ERR_ARG;
  n->scope[len] = '\0';
  n->scope_len = (uint8_t)len;
  return 0;
}

int msl_nbname_make(msl_nbname *n, const char *name, uint8_t suffix,
                    const char *scope) {
  if (!n || !name)
    return MSL_ERR_ARG;
  size_t len = strlen(name);
  if (len == 0 || len > MSL_NBNAME_MAX_CHARS)
    return MSL_ERR_ARG;
  int wildcard = len == 1 && name[0] == '*';
  memset(n->raw, wildcard ? 0x00 : ' ', MSL_NBNAME_MAX_CHARS);
  for (size_t i = 0; i < len; i++) {
    uint8_t c = (uint8_t)name[i];
    if (c < 0x20 || c == 0x7f || c == '.')
      return MSL_ERR_ARG;
    n->raw[i] = ascii_upper(c);
  }
  n->raw[15] = suffix;
  n->illegal = n->illegal_len = 0;
  return set_scope(n, scope);
}

int msl_nbname_from_raw(msl_nbname *n, const uint8_t raw[16],
                        const char *scope) {
  if (!n || !raw)
    return MSL_ERR_ARG;
  memcpy(n->raw, raw, MSL_NBNAME_RAW_LEN);
  n->illegal = n->illegal_len = 0;
  return set_scope(n, scope);
}

/* The 32-byte first-level label: two 'A'..'P' characters per raw byte. */
static int decode_first_label_bytes(msl_nbname *n, const uint8_t *enc) {
  unsigned bad = 0;
  for (size_t i = 0; i < MSL_NBNAME_RAW_LEN; i++) {
    unsigned hi = (unsigned)enc[2 * i] - 'A';
    unsigned lo = (unsigned)enc[2 * i + 1] - 'A';
    bad |= hi | lo; /* any value above 15 sets a bit above the low four */
    n->raw[i] = (uint8_t)(hi << 4 | (lo & 15));
  }
  return bad > 15 ? MSL_ERR_NAME : 0;
}

/* Eight bytes as a little-endian number (one load where the compiler
 * sees it: written out, not as a loop). */
static uint64_t le64(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
         (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
         (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

#define ONES 0x0101010101010101u

/*
 * The same, eight characters at a time: every name a packet carries is
 * decoded here (a fifth of `mailslot decode -q`). A label with any byte
 * outside 'A'..'P' goes to the byte loop, which says which.
 */
static int decode_first_label(msl_nbname *n, const uint8_t *enc) {
  uint64_t w[4], bad = 0;
  for (int k = 0; k < 4; k++) {
    uint64_t x = le64(enc + 8 * k);
    /* a byte below 'A', or above 'P' (0x80 and up included) */
    bad |= ((x - ONES * 'A') & ~x) | ((x + ONES * (127 - 'P')) | x);
    w[k] = x - ONES * 'A'; /* each byte 0..15 when none is bad */
  }
  if (bad & ONES * 0x80)
    return decode_first_label_bytes(n, enc);
  for (int k = 0; k < 4; k++) {
    /* byte 2j: hi << 4 | lo of pair j; then the even bytes together */
    uint64_t v = ((w[k] << 4) | (w[k] >> 8)) & 0x00ff00ff00ff00ffu;
    v = (v | v >> 8) & 0x0000ffff0000ffffu;
    v = v | v >> 16;
    n->raw[4 * k] = (uint8_t)v;
    n->raw[4 * k + 1] = (uint8_t)(v >> 8);
    n->raw[4 * k + 2] = (uint8_t)(v >> 16);
    n->raw[4 * k + 3] = (uint8_t)(v >> 24);
  }
  return 0;
}

/* Wireshark's reading of a first label [packet-nbns.c get_nbns_name]: see
 * enum msl_nbname_illegal. Stops at the first fault, as it does. */
static void decode_first_lenient(msl_nbname *n, const uint8_t *enc,
                                 size_t len) {
  size_t idx = 0;
  unsigned qz = 0;
  memset(n->raw, 0, sizeof n->raw);
  for (size_t i = 0; i < len; i += 2) {
    unsigned hi = (unsigned)enc[i] - 'A';
    if (hi > 25) {
      n->illegal = MSL_NBNAME_ILLEGAL_1ST;
      return;
    }
    if (i + 1 == len) {
      n->illegal = MSL_NBNAME_ILLEGAL_ODD;
      return;
    }
    unsigned lo = (unsigned)enc[i + 1] - 'A';
    if (lo > 25) {
      n->illegal = MSL_NBNAME_ILLEGAL_2ND;
      return;
    }
    qz |= hi | lo;
    if (idx < MSL_NBNAME_RAW_LEN) /* 'Q'..'Z' overflow 4 bits: cut to 8 */
      n->raw[idx++] = (uint8_t)(hi << 4 | lo);
  }
  if (idx != MSL_NBNAME_RAW_LEN) {
    n->illegal = MSL_NBNAME_ILLEGAL_SHORT;
    n->illegal_len = (uint8_t)idx;
  } else if (len > 2 * MSL_NBNAME_RAW_LEN) {
    n->illegal = MSL_NBNAME_LONG;
  } else if (qz > 15) {
    n->illegal = MSL_NBNAME_LETTERS_QZ;
  }
}

static int decode_walk(msl_nbname *n, msl_rd *r, int allow_ptr, int lenient);

int msl_nbname_decode(msl_nbname *n, msl_rd *r, int allow_ptr) {
  if (r->err)
    return r->err;
  n->illegal = n->illegal_len = 0;
  /* Fast path, the form nearly every packet has: one 32-byte label, no
   * scope. Same checks as the general loop below. */
  if (r->len - r->off >= 34 && r->p[r->off] == 32 && r->p[r->off + 33] == 0) {
    if (decode_first_label(n, r->p + r->off + 1))
      return r->err = MSL_ERR_NAME;
    n->scope_len = 0;
    n->scope[0] = '\0';
    r->off += 34;
    return 0;
  }
  return decode_walk(n, r, allow_ptr, 0);
}

int msl_nbname_decode_lenient(msl_nbname *n, msl_rd *r, int allow_ptr) {
  if (r->err)
    return r->err;
  n->illegal = n->illegal_len = 0;
  /* The strict fast path first: a legal name is read the same either way. */
  if (r->len - r->off >= 34 && r->p[r->off] == 32 && r->p[r->off + 33] == 0 &&
      !decode_first_label(n, r->p + r->off + 1)) {
    n->scope_len = 0;
    n->scope[0] = '\0';
    r->off += 34;
    return 0;
  }
  return decode_walk(n, r, allow_ptr, 1);
}

/* The general label walk. lenient: the first label as Wireshark reads it. */
static int decode_walk(msl_nbname *n, msl_rd *r, int allow_ptr, int lenient) {
  msl_rd cur = *r;      /* where labels are read now (moves on jumps) */
  size_t resume = 0;    /* caller's cursor after the first pointer */
  int jumped = 0, jumps = 0, first = 1;
  size_t wire = 0;      /* uncompressed length, for the 255-byte bound */
  size_t low_water = cur.off; /* pointers must go strictly below this */
  n->scope_len = 0;
  n->scope[0] = '\0';

  for (;;) {
    size_t at = cur.off;
    uint8_t len = msl_rd_u8(&cur);
    if (cur.err)
      return r->err = cur.err;
    if ((len & PTR_MASK) == PTR_MASK) {
      uint8_t lo = msl_rd_u8(&cur);
      if (cur.err)
        return r->err = cur.err;
      if (!allow_ptr)
        return r->err = MSL_ERR_NAME_PTR;
      size_t target = (size_t)(len & 0x3F) << 8 | lo;
      /* Only strictly backward jumps, each below the last: no loop can form. */
      if (target >= low_water || target >= at || ++jumps > MSL_NBNAME_MAX_JUMPS)
        return r->err = MSL_ERR_NAME_LOOP;
      if (!jumped) {
        resume = cur.off;
        jumped = 1;
      }
      low_water = target;
      msl_rd_seek(&cur, target);
      continue;
    }
    if (len & PTR_MASK)
      return r->err = MSL_ERR_NAME; /* 0x40/0x80: reserved label types */
    wire += 1u + len;
    if (wire + (len ? 1 : 0) > MSL_NBNAME_WIRE_MAX) /* + the final 0 */
      return r->err = MSL_ERR_NAME;
    if (len == 0) {
      if (first && !lenient)
        return r->err = MSL_ERR_NAME;
      if (first) { /* the root name: Wireshark reads "<Root>" */
        memset(n->raw, 0, sizeof n->raw);
        n->illegal = MSL_NBNAME_ILLEGAL_1ST;
      }
      break;
    }
    const uint8_t *label = msl_rd_bytes(&cur, len);
    if (!label)
      return r->err = cur.err;
    if (first) {
      /* a legal label reads the same leniently: the fast decoder first */
      int legal = len == 32 && !decode_first_label(n, label);
      if (!legal && lenient)
        decode_first_lenient(n, label, len);
      else if (!legal)
        return r->err = MSL_ERR_NAME;
      first = 0;
      continue;
    }
    size_t sl = n->scope_len;
    size_t need = (sl ? sl + 1 : 0) + len;
    if (need > MSL_NBNAME_SCOPE_MAX)
      return r->err = MSL_ERR_NAME;
    for (size_t i = 0; i < len; i++)
      if (!scope_byte_ok(label[i]))
        return r->err = MSL_ERR_NAME;
    if (sl)
      n->scope[sl++] = '.';
    memcpy(n->scope + sl, label, len);
    n->scope_len = (uint8_t)need;
    n->scope[need] = '\0';
  }
  r->off = jumped ? resume : cur.off;
  return 0;
}

size_t msl_nbname_wire_len(const msl_nbname *n) {
  return 1 + 32 + (n->scope_len ? (size_t)n->scope_len + 1 : 0) + 1;
}

void msl_nbname_encode(const msl_nbname *n, msl_wr *w) {
  uint8_t *q = msl_wr_reserve(w, 33);
  if (q) {
    q[0] = 32;
    for (size_t i = 0; i < MSL_NBNAME_RAW_LEN; i++) {
      q[1 + 2 * i] = (uint8_t)('A' + (n->raw[i] >> 4));
      q[2 + 2 * i] = (uint8_t)('A' + (n->raw[i] & 0x0F));
    }
  }
  size_t start = 0;
  for (size_t i = 0; i <= n->scope_len; i++) {
    if (i == n->scope_len || n->scope[i] == '.') {
      if (i > start) {
        msl_wr_u8(w, (unsigned)(i - start));
        msl_wr_bytes(w, n->scope + start, i - start);
      }
      start = i + 1;
    }
  }
  msl_wr_u8(w, 0);
}

/* Appends to buf (bounded by cap) and always counts the length. */
static void put(char *buf, size_t cap, size_t *pos, char c) {
  if (*pos + 1 < cap)
    buf[*pos] = c;
  (*pos)++;
}

static void put_hex(char *buf, size_t cap, size_t *pos, uint8_t b) {
  static const char hex[] = "0123456789abcdef";
  put(buf, cap, pos, '<');
  put(buf, cap, pos, hex[b >> 4]);
  put(buf, cap, pos, hex[b & 15]);
  put(buf, cap, pos, '>');
}

static void put_str(char *buf, size_t cap, size_t *pos, const char *s) {
  while (*s)
    put(buf, cap, pos, *s++);
}

/* Wireshark's sentences for a name it cannot read [get_nbns_name]. */
/* Terminates the text at pos (or at the end of buf); returns pos. */
static size_t put_nul(char *buf, size_t cap, size_t pos) {
  if (cap)
    buf[pos < cap ? pos : cap - 1] = '\0';
  return pos;
}

/* How both text forms end: the suffix byte in hex, ".scope", the NUL. */
static size_t put_end(const msl_nbname *n, char *buf, size_t cap, size_t pos) {
  put_hex(buf, cap, &pos, n->raw[15]);
  if (n->scope_len) {
    put(buf, cap, &pos, '.');
    for (size_t i = 0; i < n->scope_len; i++)
      put(buf, cap, &pos, n->scope[i]);
  }
  return put_nul(buf, cap, pos);
}

/* The end of the name's characters without their padding: spaces, or for
 * "*" NULs. */
static size_t chars_end(const msl_nbname *n) {
  size_t end = MSL_NBNAME_MAX_CHARS;
  int wildcard = n->raw[0] == '*';
  while (end > 0 && (n->raw[end - 1] == ' ' ||
                     (wildcard && end > 1 && n->raw[end - 1] == 0x00)))
    end--;
  return end;
}

static size_t format_illegal(const msl_nbname *n, char *buf, size_t cap) {
  size_t pos = 0;
  put_str(buf, cap, &pos, "Illegal NetBIOS name (");
  switch (n->illegal) {
  case MSL_NBNAME_ILLEGAL_1ST:
  case MSL_NBNAME_ILLEGAL_2ND:
    put_str(buf, cap, &pos,
            n->illegal == MSL_NBNAME_ILLEGAL_1ST ? "1st" : "2nd");
    put_str(buf, cap, &pos,
            " character not between A and Z in first-level encoding");
    break;
  case MSL_NBNAME_ILLEGAL_ODD:
    put_str(buf, cap, &pos, "odd number of bytes");
    break;
  default: /* MSL_NBNAME_ILLEGAL_SHORT: 0..15 */
    if (n->illegal_len >= 10)
      put(buf, cap, &pos, (char)('0' + n->illegal_len / 10 % 10));
    put(buf, cap, &pos, (char)('0' + n->illegal_len % 10));
    put_str(buf, cap, &pos, " bytes long");
    break;
  }
  put(buf, cap, &pos, ')');
  return put_nul(buf, cap, pos);
}

size_t msl_nbname_format(const msl_nbname *n, char *buf, size_t cap) {
  if (msl_nbname_unreadable(n))
    return format_illegal(n, buf, cap);
  size_t end = chars_end(n), pos = 0;
  if (cap >= MSL_NBNAME_FMT_MAX) {
    /* Room for any name: the printable start (all of most names) copied
     * in one move. */
    memcpy(buf, n->raw, MSL_NBNAME_RAW_LEN);
    while (pos < end && n->raw[pos] >= 0x20 && n->raw[pos] < 0x7f)
      pos++;
  }
  for (size_t i = pos; i < end; i++) {
    uint8_t c = n->raw[i];
    if (c >= 0x20 && c < 0x7f)
      put(buf, cap, &pos, (char)c);
    else
      put_hex(buf, cap, &pos, c);
  }
  return put_end(n, buf, cap, pos);
}

/* ---- names as users type them (msl_nbname_parse_text) ---- */

static int hex_val(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Two hex digits at s: their byte, or -1. */
static int hex2(const char *s) {
  int hi = hex_val(s[0]);
  int lo = hi < 0 ? -1 : hex_val(s[1]);
  return lo < 0 ? -1 : hi << 4 | lo;
}

/* Length of the text before a final "<xx>", and that suffix in *sfx
 * (-1 when there is none). */
static size_t split_suffix(const char *t, size_t len, int *sfx) {
  *sfx = -1;
  if (len >= 4 && t[len - 4] == '<' && t[len - 1] == '>' &&
      (*sfx = hex2(t + len - 3)) >= 0)
    return len - 4;
  return len;
}

/* Unescapes t[0..len) into raw (at most 16 bytes); the count, or -1. */
static int unescape(const char *t, size_t len, uint8_t raw[16]) {
  size_t n = 0;
  for (size_t i = 0; i < len; n++) {
    if (n == MSL_NBNAME_RAW_LEN)
      return -1;
    uint8_t c = (uint8_t)t[i];
    if (c == '\\') {
      int b = len - i >= 4 && t[i + 1] == 'x' ? hex2(t + i + 2) : -1;
      if (b < 0)
        return -1;
      raw[n] = (uint8_t)b;
      i += 4;
      continue;
    }
    if (c < 0x20 || c == 0x7f || c == '.')
      return -1;
    raw[n] = ascii_upper(c);
    i++;
  }
  return (int)n;
}

static const uint8_t msbrowse[16] = {0x01, 0x02, '_', '_', 'M', 'S',
                                     'B',  'R',  'O', 'W', 'S', 'E',
                                     '_',  '_',  0x02, 0x01};

/* "__MSBROWSE__" in any case (names are typed upper-cased anyway). */
static int is_msbrowse(const char *t, size_t len) {
  if (len != 12)
    return 0;
  for (size_t i = 0; i < 12; i++)
    if (ascii_upper((uint8_t)t[i]) != msbrowse[i + 2])
      return 0;
  return 1;
}

int msl_nbname_parse_text(msl_nbname *n, const char *text, uint8_t dflt,
                          const char *scope) {
  uint8_t raw[MSL_NBNAME_RAW_LEN];
  int sfx;
  if (!n || !text)
    return MSL_ERR_ARG;
  size_t len = split_suffix(text, strlen(text), &sfx);
  if (len == 0)
    return MSL_ERR_ARG;
  if ((len == 1 && text[0] == '-') || is_msbrowse(text, len)) {
    memcpy(raw, msbrowse, sizeof(raw));
    if (sfx >= 0)
      raw[15] = (uint8_t)sfx;
    return msl_nbname_from_raw(n, raw, scope);
  }
  int k = unescape(text, len, raw);
  if (k < 0 || (k == MSL_NBNAME_RAW_LEN && sfx >= 0))
    return MSL_ERR_ARG;
  int wildcard = k == 1 && raw[0] == '*';
  if (k < MSL_NBNAME_RAW_LEN) {
    memset(raw + k, wildcard ? 0x00 : ' ', MSL_NBNAME_MAX_CHARS - (size_t)k);
    raw[15] = sfx >= 0 ? (uint8_t)sfx : dflt;
  }
  return msl_nbname_from_raw(n, raw, scope);
}

static void put_esc(char *buf, size_t cap, size_t *pos, uint8_t c) {
  static const char hex[] = "0123456789abcdef";
  put(buf, cap, pos, '\\');
  put(buf, cap, pos, 'x');
  put(buf, cap, pos, hex[c >> 4]);
  put(buf, cap, pos, hex[c & 15]);
}

size_t msl_nbname_format_escaped(const msl_nbname *n, char *buf, size_t cap) {
  size_t end = chars_end(n), pos = 0;
  int wildcard = n->raw[0] == '*';
  /* "*" reads back NUL-padded: any other padding is written out. */
  for (size_t i = 1; wildcard && end == 1 && i < MSL_NBNAME_MAX_CHARS; i++)
    if (n->raw[i] != 0x00)
      end = MSL_NBNAME_MAX_CHARS;
  for (size_t i = 0; i < end; i++) {
    uint8_t c = n->raw[i];
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '.')
      put(buf, cap, &pos, (char)c);
    else
      put_esc(buf, cap, &pos, c);
  }
  return put_end(n, buf, cap, pos);
}

int msl_nbname_equal(const msl_nbname *a, const msl_nbname *b) {
  if (memcmp(a->raw, b->raw, MSL_NBNAME_RAW_LEN) || a->scope_len != b->scope_len)
    return 0;
  for (size_t i = 0; i < a->scope_len; i++)
    if (ascii_upper((uint8_t)a->scope[i]) != ascii_upper((uint8_t)b->scope[i]))
      return 0;
  return 1;
}
