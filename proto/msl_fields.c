/*
 * The interpreters of the field tables (msl_fields.h): -V lines and
 * summary words from a layout and the struct it describes, and the parts
 * of the JSON writer that are not inlined into the tables
 * (msl_fields_json.h).
 */
#include "msl_fields_json.h"

const msl_field_table *const msl_field_tables[] = {
    &msl_ft_frame,    &msl_ft_nbdgm, &msl_ft_smb, &msl_ft_browse,
    &msl_ft_netlogon, &msl_ft_nbns,  NULL};

uint64_t msl_fields_uint(const msl_field *f, const void *base) {
  return msl_fields_masked(f, msl_fields_raw(f, base));
}

size_t msl_fields_key_text(const msl_field *f, int second, char *buf,
                           size_t cap) {
  const char *k = second ? f->key2 : f->key;
  size_t n = second ? f->k2len : f->klen;
  n = n >= 3 ? n - 3 : 0; /* the quotes and the colon */
  if (!cap)
    return n;
  size_t c = n < cap ? n : cap - 1;
  memcpy(buf, k + (n ? 1 : 0), c);
  buf[c] = '\0';
  return n;
}

const char *msl_fields_type_name(const msl_field *f) {
  static const char *const uints[4][3] = {
      {"uint8", "uint8 hex", "uint8 enum"},
      {"uint16", "uint16 hex", "uint16 enum"},
      {"uint32", "uint32 hex", "uint32 enum"},
      {"uint64", "uint64 hex", "uint64 enum"}};
  static const char *const names[] = {
      [MSL_FT_BOOL] = "bool",       [MSL_FT_TRUE] = "true",
      [MSL_FT_IPV4] = "ipv4",       [MSL_FT_ETHER] = "ether",
      [MSL_FT_GUID] = "guid",       [MSL_FT_NBNAME] = "nbname",
      [MSL_FT_ASCII] = "string",    [MSL_FT_UTF16] = "string (UTF-16)",
      [MSL_FT_DNAME] = "dns name",  [MSL_FT_BYTES] = "bytes",
      [MSL_FT_VERSION] = "version", [MSL_FT_STRLIST] = "strings",
      [MSL_FT_LIST] = "list",       [MSL_FT_OBJECT] = "object",
      [MSL_FT_RELTIME] = "time",    [MSL_FT_STR] = "name"};
  if (f->type == MSL_FT_UINT) {
    unsigned size = f->size ? f->size : 4; /* a getter's: 32 bits */
    unsigned w = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
    if (f->k2bits || (f->flags & MSL_FF_BITLIST))
      return w == 0 ? "uint8 bits" : w == 1 ? "uint16 bits" : "uint32 bits";
    return uints[w][f->name || f->vals ? 2 : (f->flags & MSL_FF_HEX) ? 1 : 0];
  }
  return f->type < sizeof(names) / sizeof(*names) && names[f->type]
             ? names[f->type]
             : "?";
}

/* 1 when name() names bits, not values. */
static int names_bits(const msl_field *f) {
  return f->k2bits || (f->flags & MSL_FF_BITLIST);
}

/* A sub-struct's context: the same packet, another base. */
static msl_field_ctx sub_ctx(const msl_field_ctx *c, const void *base,
                             unsigned ind) {
  msl_field_ctx s = *c;
  s.base = base;
  s.got = SIZE_MAX;
  s.ind = ind;
  return s;
}

/* ---- the -V tree ---- */

static void nl(msl_out *o) { msl_pr_char(o, '\n'); }

/* "<indent>label: " */
static void ln(msl_out *o, unsigned ind, const char *label) {
  msl_out_repeat(o, ' ', (size_t)ind * 4);
  msl_pr_str(o, label);
  if (*label)
    msl_pr_str(o, ": ");
}

/* Wireshark's bit pattern of mask over a width-bit word: "..1. ....". */
static void dots(msl_out *o, unsigned ind, uint64_t v, uint32_t mask,
                 int width) {
  msl_out_repeat(o, ' ', (size_t)ind * 4);
  for (int i = width - 1; i >= 0; i--) {
    uint32_t b = (uint32_t)1 << i;
    msl_pr_char(o, (mask & b) ? ((v & b) ? '1' : '0') : '.');
    if (i && i % 4 == 0)
      msl_pr_char(o, ' ');
  }
  msl_pr_str(o, " = ");
}

/* One flag bit: "..1. .... = label: yes" (value NULL: yes/no). */
static void bit_line(msl_out *o, unsigned ind, uint64_t v, uint32_t mask,
                     int width, const char *label, const char *value) {
  dots(o, ind, v, mask, width);
  msl_pr_str(o, label);
  msl_pr_str(o, ": ");
  msl_pr_str(o, value ? value : ((v & mask) ? "yes" : "no"));
  nl(o);
}

static void num(msl_out *o, const msl_field *f, uint64_t v) {
  if (f->flags & MSL_FF_HEX)
    msl_out_hex0x(o, v, f->digits);
  else
    msl_out_u64(o, v);
}

/* A number with its name, as f->style says. */
static void num_text(msl_out *o, const msl_field *f, uint64_t v) {
  const char *nm;
  if ((!f->name && !f->vals && !f->nul) || names_bits(f)) {
    num(o, f, v);
    return;
  }
  nm = msl_fields_name(f, v);
  switch (f->style) {
  case MSL_FN_NAME_NUM:
    msl_pr_str(o, nm ? nm : "");
    msl_pr_str(o, " (");
    num(o, f, v);
    msl_pr_char(o, ')');
    break;
  case MSL_FN_NUM_PNAME:
    num(o, f, v);
    msl_pr_str(o, " (");
    msl_pr_str(o, nm ? nm : "");
    msl_pr_char(o, ')');
    break;
  case MSL_FN_NAME:
    msl_pr_str(o, nm ? nm : "");
    break;
  default:
    num(o, f, v);
    if (nm) {
      msl_pr_char(o, ' ');
      msl_pr_str(o, nm);
    }
  }
}

/* A value of text or bytes: OEM or UTF-16 text, a DNS name, bytes as hex;
 * json: as a JSON string. 0 for the other types. */
static int string_value(msl_out *o, const msl_field *f, const void *b,
                        int json) {
  msl_view v;
  switch (f->type) {
  case MSL_FT_ASCII:
    msl_pr_ascii(o, msl_fields_view(f, b), json);
    return 1;
  case MSL_FT_UTF16:
    msl_pr_utf16(o, msl_fields_view(f, b), json);
    return 1;
  case MSL_FT_DNAME:
    msl_pr_dname(
        o, b, (const msl_netlogon_dname *)(const void *)msl_fields_bytes(f, b),
        json);
    return 1;
  case MSL_FT_BYTES:
    v = msl_fields_view(f, b);
    if (json)
      msl_pr_char(o, '"');
    msl_out_hexbytes(o, v.ptr, v.len);
    if (json)
      msl_pr_char(o, '"');
    return 1;
  }
  return 0;
}

/* The value of a field as text: no quotes, unit or tail (the summary's
 * words; the tree adds those). Lists and objects have none. */
static void value_text(msl_out *o, const msl_field *f, const msl_field_ctx *c) {
  const void *b = c->base;
  if (f->type == MSL_FT_UINT) {
    num_text(o, f, msl_fields_uint(f, b));
    return;
  }
  if (string_value(o, f, b, 0))
    return;
  switch (f->type) {
  case MSL_FT_IPV4:
    msl_pr_ipv4(o,
                (f->flags & MSL_FF_NET) ? msl_pr_be32(msl_fields_bytes(f, b))
                                        : (uint32_t)msl_fields_raw(f, b),
                0);
    break;
  case MSL_FT_ETHER: {
    char t[17];
    msl_pr_mem(o, t, msl_pr_put_ether(t, msl_fields_bytes(f, b)));
    break;
  }
  case MSL_FT_GUID:
    msl_pr_guid(o, msl_fields_bytes(f, b));
    break;
  case MSL_FT_NBNAME:
    msl_out_nbname(o, (const msl_nbname *)(const void *)msl_fields_bytes(f, b));
    break;
  case MSL_FT_RELTIME:
    msl_pr_time(o, b);
    break;
  case MSL_FT_STR: {
    const char *nm = msl_fields_name(f, msl_fields_uint(f, b));
    msl_pr_str(o, nm ? nm : "");
    break;
  }
  case MSL_FT_VERSION:
    msl_out_u64(o, msl_fields_bytes(f, b)[0]);
    msl_pr_char(o, '.');
    msl_out_u64(o, msl_fields_bytes(f, b)[1]);
    break;
  }
}

static void hexdump(msl_out *o, unsigned ind, msl_view v) {
  for (size_t off = 0; off < v.len; off += 16) {
    size_t n = v.len - off < 16 ? v.len - off : 16;
    msl_out_repeat(o, ' ', (size_t)ind * 4);
    msl_out_hex(o, off, 4);
    msl_pr_str(o, "  ");
    for (size_t i = 0; i < 16; i++) {
      if (i < n)
        msl_out_hex(o, v.ptr[off + i], 2);
      else
        msl_pr_str(o, "  ");
      msl_pr_char(o, ' ');
    }
    msl_pr_char(o, ' ');
    for (size_t i = 0; i < n; i++) {
      uint8_t ch = v.ptr[off + i];
      msl_pr_char(o, ch >= 0x20 && ch < 0x7f ? (char)ch : '.');
    }
    nl(o);
  }
}

/* A number: its line (or bit line), then its set bits' lines. */
static void tree_uint(msl_out *o, const msl_field *f, const msl_field_ctx *c,
                      unsigned ind) {
  uint64_t raw = msl_fields_raw(f, c->base), v = msl_fields_masked(f, raw);
  if (f->flags & MSL_FF_DOTTED) {
    dots(o, ind, raw, f->mask, f->width);
    msl_pr_str(o, f->label);
    msl_pr_str(o, ": ");
  } else {
    ln(o, ind, f->label);
  }
  num_text(o, f, v);
  if (f->unit)
    msl_pr_str(o, f->unit);
  if (f->tail)
    f->tail(o, c);
  nl(o);
  if (!(f->flags & MSL_FF_BITLIST))
    return;
  for (int i = 0; i < 32; i++) {
    uint32_t b = (uint32_t)1 << i;
    if (!(v & b))
      continue;
    const char *s = msl_fields_name(f, b);
    bit_line(o, ind + 1, v, b, 32, s ? s : "unassigned bit", "set");
  }
}

static void tree_items(msl_out *o, const msl_field_layout *l,
                       const msl_field_ctx *c);

/* Entries of a list, or the strings of a string list. */
static void tree_list(msl_out *o, const msl_field *f, const msl_field_ctx *c,
                      unsigned ind) {
  msl_field_iter it;
  it.i = 0;
  for (; f->next(c, f, &it); it.i++) {
    if (f->type == MSL_FT_STRLIST) {
      ln(o, ind, f->label);
      msl_pr_char(o, '"');
      msl_pr_ascii(o, *(const msl_view *)it.elem, 0);
      msl_pr_char(o, '"');
      nl(o);
      continue;
    }
    unsigned sub = ind;
    if (f->flags & MSL_FF_HEADING) {
      ln(o, ind, f->label);
      nl(o);
      sub++;
    }
    msl_field_ctx e = sub_ctx(c, it.elem, sub);
    tree_items(o, f->sub, &e);
  }
}

static void tree_item(msl_out *o, const msl_field_item *it,
                      const msl_field_ctx *c) {
  const msl_field *f = it->f;
  unsigned ind = c->ind + it->ind;
  switch (f->type) {
  case MSL_FT_UINT:
    tree_uint(o, f, c, ind);
    return;
  case MSL_FT_BOOL:
    bit_line(o, ind, msl_fields_raw(f, c->base), f->mask, f->width, f->label,
             (f->flags & MSL_FF_SET) ? "set" : NULL);
    return;
  case MSL_FT_TRUE:
    return;
  case MSL_FT_BYTES:
    if (!(f->flags & MSL_FF_DUMP))
      break;
    if (c->flags & MSL_PRINT_HEX)
      hexdump(o, ind, msl_fields_view(f, c->base));
    return;
  case MSL_FT_STRLIST:
  case MSL_FT_LIST:
    tree_list(o, f, c, ind);
    return;
  case MSL_FT_OBJECT: {
    msl_field_ctx e = sub_ctx(c, msl_fields_bytes(f, c->base), ind);
    tree_items(o, f->sub, &e);
    return;
  }
  }
  ln(o, ind, f->label);
  int quote = f->type == MSL_FT_ASCII || f->type == MSL_FT_UTF16 ||
              f->type == MSL_FT_DNAME;
  if (quote)
    msl_pr_char(o, '"');
  if (f->type == MSL_FT_BYTES && !msl_fields_view(f, c->base).len)
    msl_pr_str(o, "(none)");
  value_text(o, f, c);
  if (quote)
    msl_pr_char(o, '"');
  if (f->unit)
    msl_pr_str(o, f->unit);
  if (f->tail)
    f->tail(o, c);
  nl(o);
}

static void tree_items(msl_out *o, const msl_field_layout *l,
                       const msl_field_ctx *c) {
  for (; l; l = l->next)
    for (size_t i = 0; i < l->n; i++)
      if (l->items[i].in != MSL_FIN_JSON && msl_fields_shown(&l->items[i], c))
        tree_item(o, &l->items[i], c);
}

void msl_fields_tree(msl_out *o, const msl_field_layout *l,
                     const msl_field_ctx *c) {
  tree_items(o, l, c);
}

/* ---- JSON, out of line ---- */

void msl_fields_json_escaped(msl_out *o, char *w, const char *name) {
  o->len = (size_t)(w - o->buf);
  msl_out_json_str(o, (const uint8_t *)name, strlen(name));
}

void msl_fields_json_bits(msl_out *o, const msl_field *f, uint64_t v, int *n) {
  char t[MSL_FIELDS_JKEY_MAX + 1];
  int first = 1;
  if (f->bmask)
    v &= f->bmask;
  msl_pr_mem(o, t, (size_t)(msl_fields_put_key(t, f->key2, f->k2len, n) - t));
  msl_pr_char(o, '[');
  for (; v; v &= v - 1) {
    uint32_t b = (uint32_t)(v & (0 - v));
    const char *nm = msl_fields_name(f, b);
    char *w, *e;
    if (!first)
      msl_pr_char(o, ',');
    first = 0;
    if (nm && (w = msl_out_room(o, MSL_FIELDS_JNAME_MAX + 2)) &&
        (e = msl_fields_put_name(w, nm))) {
      o->len = (size_t)(e - o->buf);
      continue;
    }
    if (nm) {
      msl_out_json_str(o, (const uint8_t *)nm, strlen(nm));
      continue;
    }
    msl_pr_mem(o, "\"0x", 3);
    msl_out_hex(o, b, 8);
    msl_pr_char(o, '"');
  }
  msl_pr_char(o, ']');
}

void msl_fields_json_small_checked(msl_out *o, const msl_field *f,
                                   const void *base, int *n) {
  /* Room for any: a number and its name, or 32 bit names (ours are short
   * and need no escaping). */
  char t[4096];
  msl_out s;
  msl_out_init(&s, t, sizeof(t));
  char *e = msl_fields_json_small(&s, t, f, base, n);
  if (e)
    s.len = (size_t)(e - t);
  msl_pr_mem(o, t, s.len);
}

/* A NetBIOS name as a JSON string: formatted in place when it needs no
 * escaping (a name of our own never does). */
static void json_nbname(msl_out *o, const msl_nbname *nm) {
  char t[MSL_NBNAME_FMT_MAX];
  char *w = msl_out_room(o, MSL_NBNAME_FMT_MAX + 2);
  size_t k;
  if (w) {
    k = msl_nbname_format(nm, w + 1, MSL_NBNAME_FMT_MAX);
    size_t i = 0;
    while (i < k && msl_pr_plain[1][(uint8_t)w[1 + i]])
      i++;
    if (i == k && k < MSL_NBNAME_FMT_MAX) {
      w[0] = '"';
      w[k + 1] = '"';
      o->len += k + 2;
      return;
    }
  }
  k = msl_nbname_format(nm, t, sizeof(t));
  msl_out_json_str(o, (const uint8_t *)t, k < sizeof(t) ? k : sizeof(t) - 1);
}

static void json_list(msl_out *o, const msl_field *f, const msl_field_ctx *c) {
  msl_field_iter it;
  it.i = 0;
  msl_pr_char(o, '[');
  for (; f->next(c, f, &it); it.i++) {
    if (it.i)
      msl_pr_char(o, ',');
    if (f->type == MSL_FT_STRLIST) {
      msl_pr_ascii(o, *(const msl_view *)it.elem, 1);
      continue;
    }
    int k = 0;
    msl_field_ctx e = sub_ctx(c, it.elem, 0);
    msl_pr_char(o, '{');
    msl_fields_json(o, f->sub, &e, &k);
    msl_pr_char(o, '}');
  }
  msl_pr_char(o, ']');
}

void msl_fields_json_big(msl_out *o, const msl_field *f, const msl_field_ctx *c,
                         int *n) {
  const void *b = c->base;
  char *w = msl_out_room(o, MSL_FIELDS_JKEY_MAX);
  char t[MSL_FIELDS_JKEY_MAX];
  if (w)
    o->len = (size_t)(msl_fields_put_key(w, f->key, f->klen, n) - o->buf);
  else
    msl_pr_mem(o, t, (size_t)(msl_fields_put_key(t, f->key, f->klen, n) - t));
  if (string_value(o, f, b, 1))
    return;
  switch (f->type) {
  case MSL_FT_NBNAME:
    json_nbname(o, (const msl_nbname *)(const void *)msl_fields_bytes(f, b));
    break;
  case MSL_FT_STRLIST:
  case MSL_FT_LIST:
    json_list(o, f, c);
    break;
  case MSL_FT_OBJECT: {
    int k = 0;
    msl_field_ctx e = sub_ctx(c, msl_fields_bytes(f, b), 0);
    msl_pr_char(o, '{');
    msl_fields_json(o, f->sub, &e, &k);
    msl_pr_char(o, '}');
    break;
  }
  }
}

void msl_fields_json(msl_out *o, const msl_field_layout *l,
                     const msl_field_ctx *c, int *n) {
  for (; l; l = l->next)
    if (l->json)
      l->json(o, c, n);
}

/* ---- the summary ---- */

static void text_item(msl_out *o, const msl_field_item *it,
                      const msl_field_ctx *c) {
  const msl_field *f = it->f;
  if (f->type == MSL_FT_STRLIST) {
    msl_field_iter i;
    i.i = 0;
    for (; f->next(c, f, &i); i.i++) {
      if (i.i)
        msl_pr_char(o, ',');
      else if (it->pre)
        msl_pr_str(o, it->pre);
      msl_pr_ascii(o, *(const msl_view *)i.elem, 0);
    }
    return;
  }
  if (it->style == MSL_FS_FLAG) {
    if (msl_fields_uint(f, c->base) && it->pre)
      msl_pr_str(o, it->pre);
    return;
  }
  if (it->pre)
    msl_pr_str(o, it->pre);
  if (it->style == MSL_FS_NAME) {
    const char *nm = msl_fields_name(f, msl_fields_uint(f, c->base));
    msl_pr_str(o, nm ? nm : "");
  } else if (it->style == MSL_FS_NUM) {
    num(o, f, msl_fields_uint(f, c->base));
  } else {
    value_text(o, f, c);
  }
  if (it->post)
    msl_pr_str(o, it->post);
}

void msl_fields_text(msl_out *o, const msl_field_layout *l,
                     const msl_field_ctx *c) {
  for (; l; l = l->next)
    for (size_t i = 0; i < l->ntext; i++)
      if (msl_fields_shown(&l->text[i], c))
        text_item(o, &l->text[i], c);
}
