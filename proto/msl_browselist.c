/* Browse entries merged by (kind, name, workgroup) (msl_browselist.h). */
#include "msl_browselist.h"

void msl_browse_list_init(msl_browse_list *l) {
  if (!l)
    return;
  l->n = 0;
  l->seq = 0;
  l->dropped = 0;
}

/* Copies a name of at most 15 bytes, up to its NUL or padding. */
static uint8_t copy_name(uint8_t dst[MSL_BROWSE_NAME_MAX], const uint8_t *p,
                         size_t n) {
  size_t k = 0;
  while (k < n && k < MSL_BROWSE_NAME_MAX && p[k])
    k++;
  while (k && p[k - 1] == ' ')
    k--;
  memcpy(dst, p, k);
  return (uint8_t)k;
}

/* The entry for (kind, name, wg): found, or a new one (NULL when full). */
static msl_browse_entry *slot(msl_browse_list *l, const msl_browse_entry *key) {
  for (size_t i = 0; i < l->n; i++) {
    msl_browse_entry *e = &l->e[i];
    if (e->kind == key->kind && e->name_len == key->name_len &&
        e->wg_len == key->wg_len && !memcmp(e->name, key->name, e->name_len) &&
        !memcmp(e->wg, key->wg, e->wg_len))
      return e;
  }
  if (l->n == MSL_BROWSE_LIST_MAX) {
    l->dropped++;
    return NULL;
  }
  msl_browse_entry *e = &l->e[l->n++];
  memset(e, 0, sizeof(*e));
  return e;
}

/* Stores the newest frame's fields over the entry (keeps its history). */
static int store(msl_browse_list *l, const msl_browse_entry *v) {
  msl_browse_entry *e = slot(l, v);
  if (!e)
    return 0;
  uint8_t lm = e->local_master | v->local_master;
  uint32_t heard = e->heard + 1;
  *e = *v;
  e->local_master = lm;
  e->heard = heard;
  e->seq = ++l->seq;
  return 1;
}

static void set_text(msl_browse_entry *e, msl_view v) {
  size_t n = v.len < MSL_BROWSE_LIST_TEXT ? v.len : MSL_BROWSE_LIST_TEXT;
  if (n)
    memcpy(e->text, v.ptr, n);
  e->text_len = (uint8_t)n;
  e->text_cut = v.len > n;
}

/* What every announcement (host or domain) says of its sender: opcode,
 * address, type, OS version and comment. */
static void set_announced(msl_browse_entry *e, const msl_browse *b,
                          uint32_t ip) {
  const msl_browse_announce *a = &b->u.announce;
  e->opcode = b->opcode;
  e->ip = ip;
  e->has_type = 1;
  e->server_type = a->server_type;
  e->os_major = a->os_major;
  e->os_minor = a->os_minor;
  set_text(e, a->comment);
}

/* A host's own announcement (0x01, 0x0F) and, for 0x0F, its workgroup. */
static int add_host(msl_browse_list *l, const msl_browse *b, uint32_t ip,
                    const uint8_t *dst) {
  const msl_browse_announce *a = &b->u.announce;
  msl_browse_entry v;
  memset(&v, 0, sizeof(v));
  v.kind = MSL_BROWSE_ENTRY_HOST;
  v.name_len = copy_name(v.name, a->name, MSL_BROWSE_NAME_LEN);
  if (dst)
    v.wg_len = copy_name(v.wg, dst, MSL_BROWSE_NAME_MAX);
  set_announced(&v, b, ip);
  v.local_master = b->opcode == MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT;
  int k = store(l, &v);
  if (!v.local_master || !v.wg_len)
    return k;
  /* The workgroup whose master browser it is: its destination (WG<1E>). */
  msl_browse_entry w;
  memset(&w, 0, sizeof(w));
  w.kind = MSL_BROWSE_ENTRY_WORKGROUP;
  w.name_len = w.wg_len = v.wg_len;
  memcpy(w.name, v.wg, v.wg_len);
  memcpy(w.wg, v.wg, v.wg_len);
  w.opcode = b->opcode;
  w.ip = ip;
  w.text_len = v.name_len;
  memcpy(w.text, v.name, v.name_len);
  return k + store(l, &w);
}

/* A DomainAnnouncement (0x0C): the workgroup and its master browser. */
static int add_domain(msl_browse_list *l, const msl_browse *b, uint32_t ip) {
  const msl_browse_announce *a = &b->u.announce;
  msl_browse_entry v;
  memset(&v, 0, sizeof(v));
  v.kind = MSL_BROWSE_ENTRY_WORKGROUP;
  v.name_len = v.wg_len = copy_name(v.name, a->name, MSL_BROWSE_NAME_LEN);
  memcpy(v.wg, v.name, v.name_len);
  set_announced(&v, b, ip);
  return store(l, &v);
}

int msl_browse_list_add(msl_browse_list *l, const msl_browse *b, uint32_t ip,
                        const uint8_t *dst) {
  if (!l || !b)
    return MSL_ERR_ARG;
  switch (b->opcode) {
  case MSL_BROWSE_HOST_ANNOUNCEMENT:
  case MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT:
    return add_host(l, b, ip, dst);
  case MSL_BROWSE_DOMAIN_ANNOUNCEMENT:
    return add_domain(l, b, ip);
  default:
    return 0;
  }
}
