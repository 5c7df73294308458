/*
 * libFuzzer target for the relay frame codec (proto/msl_relay_frame.c):
 * the first frame of a peer's stream that decodes must re-encode to exactly
 * its own bytes and decode again to the same fields.
 */
#include <stdlib.h>
#include <string.h>

#include "msl_relay_frame.h"

static void same(const msl_relay_frame *a, const msl_relay_frame *b) {
  if (a->type != b->type)
    abort();
  if (a->type == MSL_RELAY_DGRAM) {
    const msl_relay_dgram *x = &a->u.dg, *y = &b->u.dg;
    if (x->kind != y->kind || x->msg_type != y->msg_type ||
        x->hops != y->hops || strcmp(x->origin, y->origin) ||
        x->origin_id != y->origin_id || x->origin_ip != y->origin_ip ||
        x->origin_port != y->origin_port || strcmp(x->target, y->target) ||
        x->target_ip != y->target_ip || x->target_port != y->target_port ||
        !msl_nbname_equal(&x->src, &y->src) ||
        !msl_nbname_equal(&x->dst, &y->dst) || x->data.len != y->data.len ||
        memcmp(x->data.ptr, y->data.ptr, x->data.len))
      abort();
  } else if (a->type == MSL_RELAY_HELLO) {
    if (a->u.hello.version != b->u.hello.version ||
        a->u.hello.flags != b->u.hello.flags ||
        strcmp(a->u.hello.site, b->u.hello.site))
      abort();
  } else if (memcmp(a->u.cookie, b->u.cookie, MSL_RELAY_COOKIE_LEN)) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[MSL_RELAY_FRAME_MAX];
  msl_relay_frame f, g;
  size_t fl;
  int rc = msl_relay_frame_size(data, size, &fl);
  if (rc != 1)
    return 0;
  if (fl > size || fl > MSL_RELAY_FRAME_MAX)
    abort();
  if (msl_relay_frame_decode(&f, data, fl) != 0)
    return 0;
  int n = msl_relay_frame_encode(&f, out, sizeof(out));
  if (n < 0 || (size_t)n != fl || memcmp(out, data, fl))
    abort();
  if (msl_relay_frame_decode(&g, out, (size_t)n) != 0)
    abort();
  same(&f, &g);
  return 0;
}
