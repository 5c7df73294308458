/*
 * The JSON interpreter of the field tables, inline: each table file
 * (msl_fields_<proto>.c) instantiates it once per layout
 * (MSL_FIELD_LAYOUT_DEF), where the layout is a `static const` array the
 * compiler can read. GCC and Clang then unroll the walk and fold every
 * read of the tables, so that a layout becomes straight-line code: the
 * keys as immediate stores, the members' offsets and widths as constants,
 * the items for the tree alone gone. `mailslot decode --json` is the hot
 * path; the tree and the summary interpret the same tables at run time
 * (msl_fields.c).
 *
 * A member of bounded size (a number and its name, a boolean, an address,
 * a GUID, the time) is written straight into the output after one room
 * check for all that follow it in the layout; the others (strings, bytes,
 * lists) go through the bounds-checked appends (msl_fields_json_big).
 *
 * Internal to proto/msl_fields*.c.
 */
#ifndef MSL_FIELDS_JSON_H
#define MSL_FIELDS_JSON_H

#include "msl_fields.h"
#include "msl_print_int.h"

#if defined(__GNUC__)
#  define MSL_FIELDS_INLINE static inline __attribute__((always_inline))
#  define MSL_FIELDS_UNROLL _Pragma("GCC unroll 64")
#else
#  define MSL_FIELDS_INLINE static inline
#  define MSL_FIELDS_UNROLL
#endif

#define MSL_FIELDS_JKEY_MAX (1 + MSL_FIELD_KEY_MAX)
/* Longest name copied without escaping (ours are shorter). */
#define MSL_FIELDS_JNAME_MAX 64
/* Most a member of bounded size takes: a number and its name. */
#define MSL_FIELDS_JSMALL_MAX                                                  \
  (2 * MSL_FIELDS_JKEY_MAX + MSL_PR_PUT_U64_MAX + MSL_FIELDS_JNAME_MAX + 2)

/* ---- out of line (msl_fields.c) ---- */

/* `"key":` and a value of unbounded size (strings, bytes, lists,
 * objects), through the checked appends. */
void msl_fields_json_big(msl_out *o, const msl_field *f, const msl_field_ctx *c,
                         int *n);
/* `"key_names":[...]`, through the checked appends. */
void msl_fields_json_bits(msl_out *o, const msl_field *f, uint64_t v, int *n);
/* A name that must be escaped, from w (o->len set there first). */
void msl_fields_json_escaped(msl_out *o, char *w, const char *name);
/* A member of bounded size when the output has no room left for it
 * (written aside, then through the checked append). */
void msl_fields_json_small_checked(msl_out *o, const msl_field *f,
                                   const void *base, int *n);

/* ---- values ---- */

/* The lowest set bit of a mask that is not 0. */
MSL_FIELDS_INLINE unsigned msl_fields_shift(uint32_t mask) {
#if defined(__GNUC__)
  return (unsigned)__builtin_ctz(mask);
#else
  unsigned s = 0;
  while (!(mask >> s & 1))
    s++;
  return s;
#endif
}

/* The member as stored (not masked). */
MSL_FIELDS_INLINE uint64_t msl_fields_raw(const msl_field *f,
                                          const void *base) {
  const uint8_t *p = (const uint8_t *)base + f->off;
  if (f->get)
    return f->get(base);
  switch (f->size) {
  case 1:
    return *p;
  case 2: {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  case 4: {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  default: {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  }
}

MSL_FIELDS_INLINE uint64_t msl_fields_masked(const msl_field *f, uint64_t raw) {
  return f->mask ? (raw & f->mask) >> msl_fields_shift(f->mask) : raw;
}

MSL_FIELDS_INLINE msl_view msl_fields_view(const msl_field *f,
                                           const void *base) {
  msl_view v;
  if (f->getv)
    return f->getv(base);
  memcpy(&v, (const uint8_t *)base + f->off, sizeof(v));
  return v;
}

MSL_FIELDS_INLINE const uint8_t *msl_fields_bytes(const msl_field *f,
                                                  const void *base) {
  return (const uint8_t *)base + f->off;
}

/* The name of v (nul, or NULL, when it has none). */
MSL_FIELDS_INLINE const char *msl_fields_name(const msl_field *f, uint64_t v) {
  const char *s = NULL;
  if (f->vals) {
    const msl_field_val *e = f->vals;
    while (e->name && e->v != v)
      e++;
    s = e->name;
  } else if (f->name) {
    s = f->name((uint32_t)v);
  }
  return s ? s : f->nul;
}

/* Whether an item is shown for c (msl_fwhen, then pred). */
MSL_FIELDS_INLINE int msl_fields_shown(const msl_field_item *it,
                                       const msl_field_ctx *c) {
  const msl_field *f = it->f;
  switch (it->when) {
  case MSL_FW_NONZERO:
    if (f->type == MSL_FT_UINT || f->type == MSL_FT_BOOL ||
        f->type == MSL_FT_TRUE || f->type == MSL_FT_STR) {
      if (!msl_fields_masked(f, msl_fields_raw(f, c->base)))
        return 0;
    } else if (!msl_fields_view(f, c->base).len) {
      return 0;
    }
    break;
  case MSL_FW_SET:
    if (!msl_fields_view(f, c->base).ptr)
      return 0;
    break;
  case MSL_FW_UPTO:
    if (c->got < it->arg)
      return 0;
    break;
  case MSL_FW_NE:
    if (msl_fields_masked(f, msl_fields_raw(f, c->base)) == it->arg)
      return 0;
    break;
  }
  return !it->pred || it->pred(c);
}

/* ---- JSON ---- */

/* Comma (unless first) and key at w; returns the end. */
MSL_FIELDS_INLINE char *msl_fields_put_key(char *w,
                                           const char key[MSL_FIELD_KEY_MAX],
                                           size_t klen, int *n) {
  *w = ',';
  w += (*n)++ != 0;
  memcpy(w, key, MSL_FIELD_KEY_MAX);
  return w + klen;
}

/* A name from our tables as a JSON string at w; returns the end, or NULL
 * when it has a byte JSON must escape or is too long. */
MSL_FIELDS_INLINE char *msl_fields_put_name(char *w, const char *nm) {
  *w++ = '"';
  for (size_t i = 0; nm[i]; i++) {
    uint8_t ch = (uint8_t)nm[i];
    if (i == MSL_FIELDS_JNAME_MAX || !msl_pr_plain[1][ch])
      return NULL;
    *w++ = (char)ch;
  }
  *w++ = '"';
  return w;
}

/* The name of v at w: the end, or NULL when it went through o. */
MSL_FIELDS_INLINE char *msl_fields_json_name(msl_out *o, char *w,
                                             const msl_field *f, uint64_t v) {
  const char *nm = msl_fields_name(f, v);
  char *e = msl_fields_put_name(w, nm ? nm : "");
  if (!e)
    msl_fields_json_escaped(o, w, nm);
  return e;
}

/* 1 for the types of bounded size (msl_fields_json_small). */
MSL_FIELDS_INLINE int msl_fields_json_is_small(unsigned type) {
  return type == MSL_FT_UINT || type == MSL_FT_STR || type == MSL_FT_BOOL ||
         type == MSL_FT_TRUE || type == MSL_FT_IPV4 || type == MSL_FT_ETHER ||
         type == MSL_FT_GUID || type == MSL_FT_RELTIME;
}

/*
 * A member of bounded size at w, which is in o's buffer past o->len with
 * MSL_FIELDS_JSMALL_MAX bytes of room. Returns the end, or NULL when the
 * member went on through o (names to escape, bit names: o->len is then
 * its end).
 */
MSL_FIELDS_INLINE char *msl_fields_json_small(msl_out *o, char *w,
                                              const msl_field *f, const void *b,
                                              int *n) {
  uint64_t v;
  w = msl_fields_put_key(w, f->key, f->klen, n);
  switch (f->type) {
  case MSL_FT_UINT:
    v = msl_fields_masked(f, msl_fields_raw(f, b));
    w += msl_pr_put_u64(w, v);
    if (!f->k2len)
      return w;
    if (f->k2bits) {
      o->len = (size_t)(w - o->buf);
      msl_fields_json_bits(o, f, v, n);
      return NULL;
    }
    return msl_fields_json_name(o, msl_fields_put_key(w, f->key2, f->k2len, n),
                                f, v);
  case MSL_FT_STR:
    return msl_fields_json_name(o, w, f,
                                msl_fields_masked(f, msl_fields_raw(f, b)));
  case MSL_FT_BOOL:
  case MSL_FT_TRUE:
    if (f->type == MSL_FT_TRUE || msl_fields_masked(f, msl_fields_raw(f, b))) {
      memcpy(w, "true", 4);
      return w + 4;
    }
    memcpy(w, "false", 5);
    return w + 5;
  case MSL_FT_IPV4:
    *w++ = '"';
    w += msl_pr_put_ipv4(w, (f->flags & MSL_FF_NET)
                                ? msl_pr_be32(msl_fields_bytes(f, b))
                                : (uint32_t)msl_fields_raw(f, b));
    *w++ = '"';
    return w;
  case MSL_FT_ETHER:
  case MSL_FT_GUID:
    *w++ = '"';
    w += f->type == MSL_FT_GUID ? msl_pr_put_guid(w, msl_fields_bytes(f, b))
                                : msl_pr_put_ether(w, msl_fields_bytes(f, b));
    *w++ = '"';
    return w;
  }
  return w + msl_pr_put_time(w, b); /* MSL_FT_RELTIME */
}

/* The members of the `count` items for c. */
MSL_FIELDS_INLINE void msl_fields_json_items(msl_out *o,
                                             const msl_field_item *items,
                                             size_t count,
                                             const msl_field_ctx *c, int *np) {
  int n = *np;
  char *w = NULL; /* in o's buffer, past o->len, with room */
  MSL_FIELDS_UNROLL
  for (size_t i = 0; i < count; i++) {
    const msl_field_item *it = &items[i];
    const msl_field *f = it->f;
    if (it->in == MSL_FIN_TREE || f->type == MSL_FT_VERSION ||
        !msl_fields_shown(it, c))
      continue;
    if (!msl_fields_json_is_small(f->type)) {
      if (w)
        o->len = (size_t)(w - o->buf);
      w = NULL;
      msl_fields_json_big(o, f, c, &n);
      continue;
    }
    if (!w && !(w = msl_out_room(o, (count - i) * MSL_FIELDS_JSMALL_MAX))) {
      msl_fields_json_small_checked(o, f, c->base, &n);
      continue;
    }
    w = msl_fields_json_small(o, w, f, c->base, &n);
  }
  if (w)
    o->len = (size_t)(w - o->buf);
  *np = n;
}

/* Defines a layout `name` (storage: static or nothing) with its compiled
 * JSON writer. text: an array of summary items, or use the _NOTEXT form. */
#define MSL_FIELDS_JSON_FN(name, items)                                        \
  static void name##_json(msl_out *o, const msl_field_ctx *c, int *n) {        \
    msl_fields_json_items(o, items, sizeof(items) / sizeof(*(items)), c, n);   \
  }
#define MSL_FIELD_LAYOUT_DEF(storage, name, items, text, next)                 \
  MSL_FIELDS_JSON_FN(name, items)                                              \
  storage const msl_field_layout name = {                                      \
      items, sizeof(items) / sizeof(*(items)),                                 \
      text,  sizeof(text) / sizeof(*(text)),                                   \
      next,  name##_json}
#define MSL_FIELD_LAYOUT_DEF_NOTEXT(storage, name, items, next)                \
  MSL_FIELDS_JSON_FN(name, items)                                              \
  storage const msl_field_layout name = {                                      \
      items, sizeof(items) / sizeof(*(items)), NULL, 0, next, name##_json}

/* The layout `name` of a payload's command field: the field, and its name
 * as the summary's word (all a summary shows of a frame cut short). */
#define MSL_FIELD_COMMAND_LAYOUT(name, field)                                  \
  static const msl_field_item name##_items[] = {MSL_FI(field)};                \
  static const msl_field_item name##_text[] = {                                \
      MSL_FIW(field, MSL_AS_NAME, MSL_SAY(" "))};                              \
  MSL_FIELD_LAYOUT_DEF(, name, name##_items, name##_text, NULL)

#endif /* MSL_FIELDS_JSON_H */
