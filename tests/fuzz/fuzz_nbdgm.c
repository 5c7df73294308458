/*
 * libFuzzer target for msl_nbdgm_decode: a packet that decodes must
 * re-encode to exactly its own bytes, and decode again to the same fields.
 */
#include <stdlib.h>
#include <string.h>

#include "msl_nbdgm.h"

static void same(const msl_nbdgm *a, const msl_nbdgm *b) {
  if (a->type != b->type || a->flags != b->flags || a->id != b->id ||
      a->src_ip != b->src_ip || a->src_port != b->src_port ||
      a->length != b->length || a->offset != b->offset ||
      a->error_code != b->error_code || a->data.len != b->data.len ||
      a->trailing.len != b->trailing.len || a->missing != b->missing ||
      a->length_explicit != b->length_explicit)
    abort();
  if (!msl_nbname_equal(&a->src, &b->src) ||
      !msl_nbname_equal(&a->dst, &b->dst))
    abort();
  if (a->data.len && memcmp(a->data.ptr, b->data.ptr, a->data.len))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[70000];
  msl_nbdgm m, m2, ml;
  int rc = msl_nbdgm_decode(&m, data, size);
  /* Lenient names change nothing but MSL_ERR_NAME from a first label. */
  int lrc = msl_nbdgm_decode_ex(&ml, data, size, MSL_NBDGM_LENIENT_NAMES);
  if (rc != MSL_ERR_NAME && lrc != rc)
    abort();
  /* Receivers' reading of a short DGM_LENGTH: still byte-exact. */
  msl_nbdgm ms;
  if (msl_nbdgm_decode_ex(&ms, data, size, MSL_NBDGM_SHORT_LENGTH_OK) == 0) {
    int k = msl_nbdgm_encode(&ms, out, sizeof(out));
    if (k < 0 || (size_t)k != size || memcmp(out, data, size) ||
        (ms.short_by && ms.trailing.len))
      abort();
  }
  if (rc != 0)
    return 0;
  same(&m, &ml);
  if (ml.src.illegal || ml.dst.illegal)
    abort();
  int n = msl_nbdgm_encode(&m, out, sizeof(out));
  if (n < 0 || (size_t)n != size || msl_nbdgm_encoded_len(&m) != size ||
      memcmp(out, data, size))
    abort();
  if (msl_nbdgm_decode(&m2, out, (size_t)n) != 0)
    abort();
  same(&m, &m2);
  /* Fragment what decoded and check each piece decodes back. */
  if (m.type <= MSL_NBDGM_BROADCAST && size) {
    msl_nbdgm_frag it;
    size_t maxp = 14 + msl_nbname_wire_len(&m.src) +
                  msl_nbname_wire_len(&m.dst) + 1 + data[size - 1];
    if (msl_nbdgm_fragment_init(&it, &m, m.data.ptr, m.data.len, maxp) != 0)
      abort();
    size_t pos = 0;
    while ((n = msl_nbdgm_fragment(&it, out, sizeof(out))) > 0) {
      if ((size_t)n > maxp || msl_nbdgm_decode(&m2, out, (size_t)n) != 0 ||
          m2.offset != pos ||
          memcmp(m2.data.ptr, m.data.ptr + pos, m2.data.len))
        abort();
      pos += m2.data.len;
    }
    if (n != 0 || pos != m.data.len)
      abort();
  }
  return 0;
}
