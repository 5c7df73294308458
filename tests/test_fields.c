/*
 * Tests of the field tables (proto/msl_fields*.c): every field is well
 * formed (its JSON key, its tshark name, its width and mask, its names),
 * and every layout a packet can reach shows, in each printer, only fields
 * that printer can show (a tree line needs a label, a JSON member a key).
 * What the printers print from them is tested by test_print and the golden
 * outputs.
 */
#define _DEFAULT_SOURCE 1

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msl_fields.h"

/* tshark's field names of each table start with one of these. */
static const char *const prefixes[][5] = {
    {"frame", "frame.", "ip.", "udp.", "icmp."},
    {"nbdgm", "nbdgm.", NULL, NULL, NULL},
    {"smb", "smb.", "mailslot.", NULL, NULL},
    {"browser", "browser.", NULL, NULL, NULL},
    {"smb_netlogon", "smb_netlogon.", NULL, NULL, NULL},
    {"nbns", "nbns.", NULL, NULL, NULL},
};

static const char *const *prefixes_of(const char *proto) {
  for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
    if (!strcmp(prefixes[i][0], proto))
      return prefixes[i] + 1;
  fail_msg("table %s has no tshark prefixes here", proto);
  return NULL;
}

/* A name JSON holds as it is, short enough for the writer's fast path. */
static int plain_name(const char *s) {
  size_t n = strlen(s);
  if (n > 64)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
      return 0;
  return 1;
}

static void check_key(const msl_field *f, int second, const char *proto) {
  char k[MSL_FIELD_KEY_MAX];
  const char *raw = second ? f->key2 : f->key;
  size_t len = second ? f->k2len : f->klen;
  size_t n = msl_fields_key_text(f, second, k, sizeof k);
  if (!len)
    return;
  if (len != strlen(raw) || raw[0] != '"' || raw[len - 2] != '"' ||
      raw[len - 1] != ':' || n == 0)
    fail_msg("%s: bad key %s", proto, raw);
  for (size_t i = 0; i < n; i++)
    if (!islower((unsigned char)k[i]) && !isdigit((unsigned char)k[i]) &&
        k[i] != '_')
      fail_msg("%s: key %s is not [a-z0-9_]", proto, k);
}

static void check_names(const msl_field *f, const char *proto) {
  int bits = f->k2bits || (f->flags & MSL_FF_BITLIST);
  if (f->vals)
    for (const msl_field_val *e = f->vals; e->name; e++)
      if (!plain_name(e->name) || (bits && (e->v & (e->v - 1))))
        fail_msg("%s %s: name %s", proto, f->label, e->name);
  if (f->nul && !plain_name(f->nul))
    fail_msg("%s %s: %s", proto, f->label, f->nul);
  if (!f->name)
    return;
  /* every bit of a set; every value of a byte-wide value, and around */
  for (uint32_t i = 0; i < (bits ? 32u : 0x10000u); i++) {
    const char *s = f->name(bits ? (uint32_t)1 << i : i);
    if (s && !plain_name(s))
      fail_msg("%s %s: name of %u is %s", proto, f->label, i, s);
  }
}

static void check_field(const msl_field *f, const char *proto) {
  const char *const *pre = prefixes_of(proto);
  assert_true(f->label || f->klen);
  if (f->label)
    assert_true(plain_name(f->label));
  check_key(f, 0, proto);
  check_key(f, 1, proto);
  if (f->k2len) {
    char k[MSL_FIELD_KEY_MAX], k2[MSL_FIELD_KEY_MAX];
    msl_fields_key_text(f, 0, k, sizeof k);
    msl_fields_key_text(f, 1, k2, sizeof k2);
    assert_int_equal(strncmp(k2, k, strlen(k)), 0);
    assert_string_equal(k2 + strlen(k), f->k2bits ? "_names" : "_name");
    assert_true(f->type == MSL_FT_UINT && (f->name || f->vals || f->nul));
  }
  if (f->abbrev) {
    int ok = 0;
    for (int i = 0; i < 4 && pre[i]; i++)
      ok |= !strncmp(f->abbrev, pre[i], strlen(pre[i]));
    for (const char *c = f->abbrev; *c; c++)
      ok &= islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
            *c == '_' || *c == '.';
    if (!ok)
      fail_msg("%s: tshark name %s", proto, f->abbrev);
  }
  if ((f->type == MSL_FT_UINT || f->type == MSL_FT_BOOL) && !f->get &&
      f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8)
    fail_msg("%s %s: size %u", proto, f->label, f->size);
  if (f->mask && f->size && f->size < 4)
    assert_int_equal(f->mask >> (8 * f->size), 0);
  if ((f->flags & MSL_FF_DOTTED) || (f->type == MSL_FT_BOOL && f->width)) {
    assert_true(f->width == 8 || f->width == 16 || f->width == 32);
    assert_true(f->mask != 0);
  }
  if (f->flags & MSL_FF_DUMP)
    assert_int_equal(f->type, MSL_FT_BYTES);
  if (f->flags & MSL_FF_HEX)
    assert_true(f->digits >= 2 && f->digits <= 16);
  if (f->type == MSL_FT_LIST || f->type == MSL_FT_STRLIST)
    assert_non_null(f->next);
  if (f->type == MSL_FT_LIST || f->type == MSL_FT_OBJECT)
    assert_non_null(f->sub);
  assert_string_not_equal(msl_fields_type_name(f), "?");
  check_names(f, proto);
}

static void test_fields(void **state) {
  (void)state;
  size_t n = 0;
  for (size_t t = 0; msl_field_tables[t]; t++) {
    const msl_field_table *tab = msl_field_tables[t];
    for (size_t i = 0; i < tab->n; i++)
      check_field(&tab->fields[i], tab->proto);
    n += tab->n;
  }
  assert_true(n > 200);
}

/* The table a field is in (NULL: none). */
static const msl_field_table *table_of(const msl_field *f) {
  for (size_t t = 0; msl_field_tables[t]; t++) {
    const msl_field_table *tab = msl_field_tables[t];
    if (f >= tab->fields && f < tab->fields + tab->n)
      return tab;
  }
  return NULL;
}

static void check_items(const msl_field_item *it, size_t n, int text) {
  for (size_t i = 0; i < n; i++) {
    const msl_field *f = it[i].f;
    assert_non_null(table_of(f));
    if (text)
      continue;
    if (it[i].in != MSL_FIN_JSON && f->type != MSL_FT_TRUE)
      assert_non_null(f->label);
    if (it[i].in != MSL_FIN_TREE && f->type != MSL_FT_VERSION && !f->klen)
      fail_msg("JSON item %s has no key", f->label);
    assert_true(it[i].ind <= 2);
  }
}

/* A layout and what it leads to (its next ones, the entries of its lists
 * and objects); depth bounds the walk. */
static void check_layout(const msl_field_layout *l, int depth) {
  assert_true(depth < 8);
  for (; l; l = l->next) {
    assert_true(l->n || l->ntext);
    assert_true(!l->n || l->json); /* compiled */
    check_items(l->items, l->n, 0);
    check_items(l->text, l->ntext, 1);
    for (size_t i = 0; i < l->n; i++)
      if (l->items[i].f->sub)
        check_layout(l->items[i].f->sub, depth + 1);
  }
}

static void test_layouts(void **state) {
  (void)state;
  const msl_field_layout *const top[] = {
      &msl_fl_frame,  &msl_fl_frame_quoted,   &msl_fl_nbdgm,
      &msl_fl_smb,    &msl_fl_mailslot,       &msl_fl_browse_command,
      &msl_fl_lanman, &msl_fl_lanman_command, &msl_fl_netlogon_command,
      &msl_fl_nbns};
  for (size_t i = 0; i < sizeof(top) / sizeof(*top); i++)
    check_layout(top[i], 0);
  /* the body of every opcode, known or not */
  for (unsigned op = 0; op < 256; op++) {
    msl_browse b;
    msl_netlogon m;
    memset(&b, 0, sizeof b);
    memset(&m, 0, sizeof m);
    b.opcode = (uint8_t)op;
    m.opcode = (uint16_t)op;
    check_layout(msl_fields_browse_body(&b), 0);
    check_layout(msl_fields_netlogon_body(&m, 0), 0);
    check_layout(msl_fields_netlogon_body(&m, 1), 0);
    m.u.pq.short_form = m.u.pr.short_form = 1;
    check_layout(msl_fields_netlogon_body(&m, 0), 0);
  }
}

/* The descriptions mailslot decode --fields prints. */
static void test_describe(void **state) {
  (void)state;
  const msl_field *type = NULL;
  const msl_field_table *t = &msl_ft_nbdgm;
  char k[MSL_FIELD_KEY_MAX], small[3];
  for (size_t i = 0; i < t->n; i++)
    if (t->fields[i].abbrev && !strcmp(t->fields[i].abbrev, "nbdgm.type"))
      type = &t->fields[i];
  assert_non_null(type);
  assert_int_equal(msl_fields_key_text(type, 0, k, sizeof k), 4);
  assert_string_equal(k, "type");
  assert_int_equal(msl_fields_key_text(type, 1, k, sizeof k), 9);
  assert_string_equal(k, "type_name");
  assert_int_equal(msl_fields_key_text(type, 1, small, sizeof small), 9);
  assert_string_equal(small, "ty");
  assert_string_equal(msl_fields_type_name(type), "uint8 enum");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_layouts),
      cmocka_unit_test(test_describe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
