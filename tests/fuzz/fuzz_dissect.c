/*
 * Fuzz target: arbitrary bytes -> dissector -> all three printers, into a
 * small buffer (overflow paths, rollback) and a large one (JSON must then
 * be valid). The first byte chooses the path:
 *   bit 0: name service (else datagram service);
 *   bit 1: mark the packet truncated by the capture;
 *   bit 2: treat the rest as reassembled user data (msl_dissect_user_data).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msl_print.h"

/* A minimal JSON validator: returns the position after one value, or 0. */
static size_t jv(const char *s, size_t i, size_t n, int depth);

static size_t ws(const char *s, size_t i, size_t n) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    i++;
  return i;
}

static size_t jstr(const char *s, size_t i, size_t n) {
  if (i >= n || s[i] != '"')
    return 0;
  for (i++; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"')
      return i + 1;
    if (c < 0x20 || c >= 0x7f)
      return 0; /* our printer promises ASCII */
    if (c == '\\') {
      if (++i >= n)
        return 0;
      if (s[i] == 'u') {
        for (int k = 0; k < 4; k++)
          if (++i >= n || !strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
            return 0;
      } else if (!strchr("\"\\/bfnrt", s[i]) || !s[i]) {
        return 0;
      }
    }
  }
  return 0;
}

static size_t jv(const char *s, size_t i, size_t n, int depth) {
  if (depth > 64)
    return 0;
  i = ws(s, i, n);
  if (i >= n)
    return 0;
  if (s[i] == '{' || s[i] == '[') {
    char close = s[i] == '{' ? '}' : ']';
    int obj = s[i] == '{';
    i = ws(s, i + 1, n);
    if (i < n && s[i] == close)
      return i + 1;
    for (;;) {
      if (obj) {
        i = jstr(s, ws(s, i, n), n);
        if (!i)
          return 0;
        i = ws(s, i, n);
        if (i >= n || s[i] != ':')
          return 0;
        i++;
      }
      i = jv(s, i, n, depth + 1);
      if (!i)
        return 0;
      i = ws(s, i, n);
      if (i < n && s[i] == ',') {
        i++;
        continue;
      }
      return i < n && s[i] == close ? i + 1 : 0;
    }
  }
  if (s[i] == '"')
    return jstr(s, i, n);
  if (n - i >= 4 && !memcmp(s + i, "true", 4))
    return i + 4;
  if (n - i >= 5 && !memcmp(s + i, "false", 5))
    return i + 5;
  if (n - i >= 4 && !memcmp(s + i, "null", 4))
    return i + 4;
  size_t st = i;
  if (s[i] == '-')
    i++;
  while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
                   s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-'))
    i++;
  return i > st ? i : 0;
}

static char big[MSL_PRINT_OUT_MAX];
static char small[64];

static void print_all(const msl_pkt_meta *m, const msl_dissect *d) {
  msl_out o;
  for (int p = 0; p < 3; p++) {
    msl_out_init(&o, small, sizeof(small));
    int rc = p == 0   ? msl_print_summary(&o, m, d, 0)
             : p == 1 ? msl_print_tree(&o, m, d, MSL_PRINT_HEX)
                      : msl_print_json(&o, m, d, 0);
    /* On overflow the buffer rolls back to empty. */
    if (rc == MSL_ERR_OVERFLOW && (o.len != 0 || small[0] != '\0'))
      abort();
    if (rc != 0 && rc != MSL_ERR_OVERFLOW)
      abort();
    msl_out_init(&o, big, sizeof(big));
    rc = p == 0   ? msl_print_summary(&o, m, d, 0)
         : p == 1 ? msl_print_tree(&o, m, d, MSL_PRINT_HEX)
                  : msl_print_json(&o, m, d, 0);
    if (rc != 0 || o.len == 0 || o.buf[o.len - 1] != '\n' ||
        strlen(o.buf) != o.len)
      abort();
    if (p == 2) {
      size_t end = jv(o.buf, 0, o.len - 1, 0);
      if (end != o.len - 1 || memchr(o.buf, '\n', o.len - 1))
        abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static msl_dissect d;
  msl_pkt_meta m;
  if (size < 1)
    return 0;
  unsigned sel = data[0];
  data++;
  size--;
  memset(&m, 0, sizeof(m));
  m.frame = size;
  m.rel_sec = (int64_t)size - 100;
  m.rel_usec = (uint32_t)(size * 7919u) % 1000000u;
  m.src_ip = 0xc0a80001;
  m.dst_ip = 0xffffffff;
  m.sport = m.dport = (sel & 1) ? 137 : 138;
  m.truncated = (sel & 2) != 0;
  unsigned fl = (sel & 2) ? MSL_DISSECT_TRUNCATED : 0;
  if (sel & 4) {
    msl_nbdgm g;
    memset(&g, 0, sizeof(g));
    g.type = MSL_NBDGM_DIRECT_GROUP;
    g.flags = MSL_NBDGM_FLAG_FIRST;
    msl_nbname_make(&g.src, "FUZZ\x01", 0, NULL);
    msl_nbname_make(&g.dst, "WG", 0x1d, "A.B");
    g.data.ptr = data;
    g.data.len = size;
    m.flags = MSL_PKT_DGM_REASSEMBLED;
    if (msl_dissect_user_data(&d, &g, fl) != d.err)
      abort();
  } else {
    int rc = msl_dissect_udp(&d, m.sport, m.dport, data, size,
                             fl | ((sel & 1) ? MSL_DISSECT_NBNS : 0));
    if (rc != d.err || (rc && !d.err_layer))
      abort();
  }
  print_all(&m, &d);
  print_all(NULL, &d);
  return 0;
}
