/* libFuzzer target for msl_nbns_decode: decode; if accepted, the encoding
 * must reproduce the input byte for byte and decode to the same packet; then
 * RDATA rebuilt from the typed fields (where the record was canonical) must
 * decode to the same typed values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../nbns_canonical.h"
#include "msl_nbns.h"

static msl_nbns a, b, c;
static uint8_t out[70000], out2[70000];

#define CHECK(x)                                                               \
  do {                                                                         \
    if (!(x))                                                                  \
      abort();                                                                 \
  } while (0)

static void same_name(const msl_nbns_name *x, const msl_nbns_name *y) {
  CHECK(msl_nbname_equal(&x->nb, &y->nb));
  CHECK(x->nb.scope_len == y->nb.scope_len &&
        memcmp(x->nb.scope, y->nb.scope, x->nb.scope_len) == 0);
  CHECK(x->compressed == y->compressed);
  CHECK(x->inline_labels == y->inline_labels && x->ptr == y->ptr);
}

static void same_view(msl_view x, msl_view y) {
  CHECK(x.len == y.len);
  CHECK(x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0);
}

/* Typed content of two records (RDATA views may differ in origin). */
static void same_rr(const msl_nbns_rr *x, const msl_nbns_rr *y, int raw) {
  same_name(&x->name, &y->name);
  CHECK(x->type == y->type && x->rrclass == y->rrclass && x->ttl == y->ttl);
  if (raw)
    same_view(x->rdata, y->rdata);
  CHECK(x->nb_count == y->nb_count && x->wack_flags == y->wack_flags);
  for (size_t i = 0; i < x->nb_count; i++) {
    msl_nbns_nb e, f;
    CHECK(msl_nbns_rr_nb(x, i, &e) && msl_nbns_rr_nb(y, i, &f));
    CHECK(e.flags == f.flags && e.addr == f.addr);
  }
  CHECK(x->num_names == y->num_names);
  for (size_t i = 0; i < x->num_names; i++) {
    msl_nbns_node_name e, f;
    CHECK(msl_nbns_rr_node_name(x, i, &e) && msl_nbns_rr_node_name(y, i, &f));
    CHECK(memcmp(e.name, f.name, 16) == 0 && e.flags == f.flags);
  }
  if (x->type == MSL_NBNS_T_NBSTAT)
    CHECK(memcmp(&x->stats, &y->stats, sizeof x->stats) == 0);
  CHECK(x->a_addr == y->a_addr);
}

static void same(const msl_nbns *x, const msl_nbns *y, int raw) {
  CHECK(x->trn_id == y->trn_id && x->flags == y->flags);
  CHECK(x->qdcount == y->qdcount && x->ancount == y->ancount &&
        x->nscount == y->nscount && x->arcount == y->arcount);
  CHECK(x->over == y->over);
  for (size_t i = 0; i < x->qdcount; i++) {
    same_name(&x->qd[i].name, &y->qd[i].name);
    CHECK(x->qd[i].type == y->qd[i].type && x->qd[i].qclass == y->qd[i].qclass);
  }
  const msl_nbns_rr *sx[3] = {x->an, x->ns, x->ar};
  const msl_nbns_rr *sy[3] = {y->an, y->ns, y->ar};
  uint16_t n[3] = {x->ancount, x->nscount, x->arcount};
  for (size_t s = 0; s < 3; s++)
    for (size_t i = 0; i < n[s]; i++)
      same_rr(&sx[s][i], &sy[s][i], raw);
  same_view(x->trailer, y->trailer);
}

static msl_nbns l;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int rc = msl_nbns_decode(&a, data, size);
  /* Lenient: only MSL_ERR_NAME (a first label) and the up-front count
   * check (MSL_ERR_TRUNCATED) may turn out differently. */
  int lrc = msl_nbns_decode_ex(&l, data, size, MSL_NBNS_LENIENT);
  if (rc != 0 && rc != MSL_ERR_NAME && rc != MSL_ERR_TRUNCATED && lrc != rc)
    abort();
  CHECK(l.decoded <= (size_t)l.qdcount + l.ancount + l.nscount + l.arcount);
  if (rc)
    return 0;
  CHECK(lrc == 0 && l.illegal_names == 0);
  CHECK(a.decoded == (size_t)a.qdcount + a.ancount + a.nscount + a.arcount);
  CHECK(a.trailer.len <= size);
  int n = msl_nbns_encode(&a, out, sizeof out);
  if (n == MSL_ERR_TOO_MANY) {
    CHECK(a.over > 0);
    return 0;
  }
  same(&a, &l, 1); /* every section within the caps from here on */
  CHECK(n == (int)size && memcmp(out, data, size) == 0);
  CHECK(msl_nbns_decode(&b, out, (size_t)n) == 0);
  same(&a, &b, 1);

  /* Typed re-encoding of the canonical records. */
  msl_nbns_rr *sec[3] = {b.an, b.ns, b.ar};
  uint16_t cnt[3] = {b.ancount, b.nscount, b.arcount};
  for (size_t s = 0; s < 3; s++)
    for (size_t i = 0; i < cnt[s]; i++)
      if (nbns_rr_canonical(&sec[s][i], b.flags)) {
        sec[s][i].rdata.ptr = NULL;
        sec[s][i].rdata.len = 0;
      }
  int m = msl_nbns_encode(&b, out2, sizeof out2);
  CHECK(m == n && memcmp(out2, data, size) == 0);
  CHECK(msl_nbns_decode(&c, out2, (size_t)m) == 0);
  same(&a, &c, 1);
  return 0;
}
