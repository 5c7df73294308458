/*
 * libFuzzer target for msl_smbtr_decode: decode; when it succeeds, the
 * encoding must reproduce the input byte for byte (the decoder keeps pad
 * and trailing bytes), and decoding that again must give the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msl_smbtr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_view(msl_view a, msl_view b) {
  return a.len == b.len && (!a.len || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[65536 + 16];
  msl_smbtr a, b;
  if (msl_smbtr_decode(&a, data, size) != 0)
    return 0;
  int n = msl_smbtr_encode(&a, out, sizeof(out));
  if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
    abort();
  if (msl_smbtr_decode(&b, out, (size_t)n) != 0)
    abort();
  if (!same_view(a.name, b.name) || !same_view(a.pad, b.pad) ||
      !same_view(a.data, b.data) || !same_view(a.trailing, b.trailing))
    abort();
#define EQ(f)                                                                  \
  if (a.f != b.f)                                                              \
  abort()
  EQ(status);
  EQ(smb_flags);
  EQ(smb_flags2);
  EQ(pid_high);
  EQ(reserved);
  EQ(tid);
  EQ(pid_low);
  EQ(uid);
  EQ(mid);
  EQ(total_param_count);
  EQ(total_data_count);
  EQ(max_param_count);
  EQ(max_data_count);
  EQ(max_setup_count);
  EQ(reserved1);
  EQ(trans_flags);
  EQ(timeout);
  EQ(reserved2);
  EQ(param_count);
  EQ(param_offset);
  EQ(data_count);
  EQ(data_offset);
  EQ(reserved3);
  EQ(priority);
  EQ(mailslot_class);
  EQ(byte_count);
  EQ(flags);
#undef EQ
  if (memcmp(a.security, b.security, sizeof(a.security)) != 0)
    abort();
  return 0;
}
