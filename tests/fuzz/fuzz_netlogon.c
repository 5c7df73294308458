/*
 * libFuzzer target for msl_netlogon_decode: decode; when it succeeds,
 * encode (which must give the input back byte for byte), decode that again
 * and require the same message. Names and UTF-16 strings are converted too,
 * so their walkers run on hostile bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msl_netlogon.h"

static void touch_u16(msl_view v) {
  char buf[1024];
  if (msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), 0) < 0 &&
      v.len * 3 / 2 + 1 < sizeof(buf))
    abort(); /* lenient mode fails only on size */
  (void)msl_netlogon_utf16_to_utf8(v, buf, sizeof(buf), MSL_UTF16_STRICT);
}

static void touch_name(const msl_netlogon *m, const msl_netlogon_dname *d) {
  char buf[MSL_NETLOGON_DNAME_MAX + 1];
  if (msl_netlogon_dname_get(m, d, buf, sizeof(buf)) < 0)
    abort(); /* the decoder already checked every name */
}

static void touch(const msl_netlogon *m) {
  switch (m->opcode) {
  case MSL_NETLOGON_PRIMARY_QUERY:
    touch_u16(m->u.pq.unicode_computer);
    break;
  case MSL_NETLOGON_PRIMARY_RESPONSE:
    touch_u16(m->u.pr.unicode_pdc_name);
    touch_u16(m->u.pr.unicode_domain);
    break;
  case MSL_NETLOGON_SAM_LOGON_REQUEST:
    touch_u16(m->u.sreq.unicode_computer);
    touch_u16(m->u.sreq.unicode_user);
    break;
  case MSL_NETLOGON_SAM_LOGON_RESPONSE:
  case MSL_NETLOGON_SAM_PAUSE_RESPONSE:
  case MSL_NETLOGON_SAM_USER_UNKNOWN:
    touch_u16(m->u.sresp.unicode_logon_server);
    touch_u16(m->u.sresp.unicode_user);
    touch_u16(m->u.sresp.unicode_domain);
    if (m->u.sresp.v5) {
      touch_name(m, &m->u.sresp.dns_forest);
      touch_name(m, &m->u.sresp.dns_domain);
      touch_name(m, &m->u.sresp.dns_host);
    }
    break;
  default:
    for (int i = 0; i < MSL_NETLOGON_EX_NAMES; i++)
      touch_name(m, &m->u.ex.names[i]);
    if (m->u.ex.has_next_closest_site)
      touch_name(m, &m->u.ex.next_closest_site);
    break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  msl_netlogon a, b;
  if (msl_netlogon_decode(&a, data, size) != 0)
    return 0;
  touch(&a);
  uint8_t *out = malloc(size ? size : 1);
  if (!out)
    return 0;
  int n = msl_netlogon_encode(&a, out, size);
  if (n < 0 || (size_t)n != size || memcmp(out, data, size))
    abort();
  if (size &&
      msl_netlogon_encode(&a, out, size - 1) != MSL_ERR_BUFFER_TOO_SMALL)
    abort();
  if (msl_netlogon_decode(&b, out, size) != 0 || !msl_netlogon_equal(&a, &b))
    abort();
  free(out);
  return 0;
}
