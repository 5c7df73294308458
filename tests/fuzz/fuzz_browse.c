/* libFuzzer target: browser frames [MS-BRWS §2.2] and LM 2.x announcements.
 * decode -> encode must reproduce the input byte for byte (the codec keeps
 * every byte, junk and trailing bytes included), and decoding the encoding
 * must give an equal frame. The first input byte picks the layout. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msl_browse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int view_eq(msl_view a, msl_view b) {
  return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}

static void check_browse(const uint8_t *p, size_t len) {
  msl_browse a, b;
  uint8_t out[1024];
  if (msl_browse_decode(&a, p, len) != 0)
    return;
  int n = msl_browse_encode(&a, out, sizeof out);
  if (n != (int)len || memcmp(out, p, len))
    abort();
  if (msl_browse_decode(&b, out, (size_t)n) != 0 || !msl_browse_equal(&a, &b))
    abort();
  if (a.opcode == MSL_BROWSE_GET_BACKUP_LIST_RESPONSE) {
    msl_browse_names it;
    msl_view v;
    unsigned k = 0;
    int rc;
    msl_browse_names_init(&it, &a.u.backup_resp);
    while ((rc = msl_browse_names_next(&it, &v)) == 1)
      k++;
    if (rc != 0 || k != a.u.backup_resp.count)
      abort();
  }
  char t[512];
  if (a.opcode == MSL_BROWSE_HOST_ANNOUNCEMENT ||
      a.opcode == MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT ||
      a.opcode == MSL_BROWSE_DOMAIN_ANNOUNCEMENT) {
    size_t need = msl_browse_sv_type_format(a.u.announce.server_type, t, 17);
    if (strlen(t) != (need < 16 ? need : 16))
      abort();
  }
}

static void check_lanman(const uint8_t *p, size_t len) {
  msl_browse_lanman a, b;
  uint8_t out[1024];
  if (msl_browse_decode_lanman(&a, p, len) != 0)
    return;
  int n = msl_browse_encode_lanman(&a, out, sizeof out);
  if (n != (int)len || memcmp(out, p, len))
    abort();
  if (msl_browse_decode_lanman(&b, out, (size_t)n) != 0 ||
      a.opcode != b.opcode || a.server_type != b.server_type ||
      a.os_major != b.os_major || a.os_minor != b.os_minor ||
      a.interval_s != b.interval_s || !view_eq(a.name, b.name) ||
      !view_eq(a.comment, b.comment) || !view_eq(a.trailing, b.trailing))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1024) /* the encoder's buffer; mailslot data is < 600 bytes */
    return 0;
  /* The whole input as a BROWSE frame (capture payloads are seeds)... */
  check_browse(data, size);
  /* ...and as a LANMAN frame, or both layouts on the tail. */
  check_lanman(data, size);
  if (size > 0) {
    check_browse(data + 1, size - 1);
    (void)msl_browse_lanman_is_brws(data + 1, size - 1);
  }
  return 0;
}
