/*
 * JSON Lines printer: one object per packet, its members from the field
 * tables (msl_fields.h). Schema: docs/json.md.
 */
#include "msl_fields.h"
#include "msl_print_int.h"

/* A layer's object: `"key":{...}` from first and body (may be NULL).
 * Inline: the key, a literal, is copied in a few stores. */
static inline void object(msl_out *o, const char *key, size_t klen,
                          const msl_field_layout *first,
                          const msl_field_layout *body, const msl_field_ctx *c,
                          int *n) {
  int k = 0;
  if ((*n)++)
    msl_pr_char(o, ',');
  msl_pr_mem(o, key, klen); /* with the brace */
  msl_fields_json(o, first, c, &k);
  if (body)
    msl_fields_json(o, body, c, &k);
  msl_pr_char(o, '}');
}

#define KEY(k) "\"" k "\":{", sizeof("\"" k "\":{") - 1

/* Bytes of a payload read before its error (SIZE_MAX: all of it). */
static size_t got(const msl_dissect *d, unsigned layer, size_t err_off) {
  return d->partial == layer ? err_off : SIZE_MAX;
}

static void smb(msl_out *o, const msl_dissect *d, int *n) {
  msl_field_ctx c = {&d->smb, d, SIZE_MAX, 0, 0};
  object(o, KEY("smb"), &msl_fl_smb, NULL, &c, n);
  if (msl_fields_smb_is_mailslot(&d->smb))
    object(o, KEY("mailslot"), &msl_fl_mailslot, NULL, &c, n);
}

static void payload(msl_out *o, const msl_dissect *d, int *n) {
  if (d->layers & MSL_LAYER_BROWSE) {
    const msl_browse *b = &d->u.browse;
    msl_field_ctx c = {b, d, got(d, MSL_LAYER_BROWSE, b->err_off), 0, 0};
    object(o, KEY("browse"), &msl_fl_browse_command, msl_fields_browse_body(b),
           &c, n);
  }
  if (d->layers & MSL_LAYER_LANMAN) {
    const msl_browse_lanman *l = &d->u.lanman;
    msl_field_ctx c = {l, d, got(d, MSL_LAYER_LANMAN, l->err_off), 0, 0};
    object(o, KEY("browse"), &msl_fl_lanman, NULL, &c, n);
  }
  if (d->layers & MSL_LAYER_NETLOGON) {
    const msl_netlogon *m = &d->u.netlogon;
    msl_field_ctx c = {m, d, SIZE_MAX, 0, 0};
    object(o, KEY("netlogon"), &msl_fl_netlogon_command,
           msl_fields_netlogon_body(m, d->partial == MSL_LAYER_NETLOGON), &c,
           n);
  }
}

static void error(msl_out *o, const msl_dissect *d, int n) {
  if (n)
    msl_pr_char(o, ',');
  msl_pr_str(o, "\"error_layer\":");
  msl_out_json_str(o, (const uint8_t *)msl_dissect_layer_name(d->err_layer),
                   strlen(msl_dissect_layer_name(d->err_layer)));
  if (d->err_at) {
    msl_pr_str(o, ",\"error_offset\":");
    msl_out_u64(o, d->err_off);
  }
  msl_pr_str(o, ",\"error\":\"");
  msl_print_error(o, d); /* plain ASCII, no quotes or backslashes */
  msl_pr_char(o, '"');
}

static void json(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                 unsigned flags) {
  int n = 0;
  (void)flags;
  msl_pr_char(o, '{');
  if (m) {
    msl_field_ctx c = {m, d, SIZE_MAX, 0, 0};
    msl_fields_json(
        o, (m->flags & MSL_PKT_QUOTED) ? &msl_fl_frame_quoted : &msl_fl_frame,
        &c, &n);
  }
  if (d->layers & MSL_LAYER_NBDGM) {
    msl_field_ctx c = {&d->nbdgm, d, SIZE_MAX, 0, 0};
    object(o, KEY("nbdgm"), &msl_fl_nbdgm, NULL, &c, &n);
  }
  if (d->layers & MSL_LAYER_SMB)
    smb(o, d, &n);
  payload(o, d, &n);
  if (d->layers & MSL_LAYER_NBNS) {
    msl_field_ctx c = {&d->nbns, d, SIZE_MAX, 0, 0};
    object(o, KEY("nbns"), &msl_fl_nbns, NULL, &c, &n);
  }
  if (d->err)
    error(o, d, n);
  msl_pr_mem(o, "}\n", 2);
}

int msl_print_json(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
                   unsigned flags) {
  return msl_pr_run(o, m, d, flags, json);
}
