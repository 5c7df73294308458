/* libFuzzer target: NetBIOS name decoding, with and without compression.
 * decode -> encode -> decode must give the same name; the lenient decoder
 * must agree with the strict one wherever that one accepts the name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msl_nbname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  /* First byte: where in the input the name starts, and pointer mode. */
  int allow_ptr = data[0] & 1;
  size_t start = (size_t)(data[0] >> 1);
  msl_rd r;
  msl_rd_init(&r, data + 1, size - 1);
  msl_rd_seek(&r, start);
  msl_nbname a, b, l;
  /* The lenient decoder walks the same labels: it differs only where the
   * strict one refuses the first label (MSL_ERR_NAME). */
  msl_rd rl = r;
  int lrc = msl_nbname_decode_lenient(&l, &rl, allow_ptr);
  int src = msl_nbname_decode(&a, &r, allow_ptr);
  if (lrc == 0) {
    if (rl.off > size - 1 || (!l.illegal && src != 0))
      abort();
    char t[MSL_NBNAME_FMT_MAX];
    size_t k = msl_nbname_format(&l, t, sizeof t);
    if (k >= sizeof t || strlen(t) != k)
      abort();
  }
  if (src != 0) {
    if (src != MSL_ERR_NAME && lrc != src)
      abort();
    return 0;
  }
  if (lrc != 0 || l.illegal || !msl_nbname_equal(&a, &l) || rl.off != r.off)
    abort();
  if (r.off > size - 1)
    abort();
  uint8_t wire[MSL_NBNAME_WIRE_MAX];
  msl_wr w;
  msl_wr_init(&w, wire, sizeof wire);
  msl_nbname_encode(&a, &w);
  if (w.err || w.off != msl_nbname_wire_len(&a))
    abort();
  msl_rd_init(&r, wire, w.off);
  if (msl_nbname_decode(&b, &r, 0) != 0 || !msl_nbname_equal(&a, &b) ||
      r.off != w.off)
    abort();
  char text[MSL_NBNAME_FMT_MAX];
  size_t n = msl_nbname_format(&a, text, sizeof text);
  if (n >= sizeof text || strlen(text) != n)
    abort();
  return 0;
}
