/*
 * Bounded reader and writer used by every decoder and encoder in proto/.
 *
 * The reader is a cursor over (p, len) with a sticky error flag: a read past
 * the end sets err = MSL_ERR_TRUNCATED, returns 0 / NULL, and every later read
 * fails too, so a decoder can read a whole fixed layout and check once.
 * Length checks are written as `n > len - off` (never `p + n > end`).
 *
 * The writer mirrors it over a caller buffer: a write past the capacity sets
 * err = MSL_ERR_BUFFER_TOO_SMALL but still advances `off`, so after encoding
 * `off` is the number of bytes the message needs.
 */
#ifndef MSL_BUF_H
#define MSL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mailslot.h"
#include "msl_proto_err.h"

/* The codec is linked into the library and the tools but its ABI is not
 * public yet: its functions stay hidden in libmailslot.so. */
#define MSL_PROTO_API

/* A view into the input: valid while the decoded buffer is. */
typedef struct msl_view {
  const uint8_t *ptr;
  size_t len;
} msl_view;

typedef struct msl_rd {
  const uint8_t *p; /* start of the whole buffer (base for offsets) */
  size_t len;       /* total bytes in p */
  size_t off;       /* next byte to read */
  int err;          /* 0 or the first error (sticky) */
} msl_rd;

typedef struct msl_wr {
  uint8_t *p;  /* caller buffer (may be NULL when cap == 0: size query) */
  size_t cap;  /* bytes available in p */
  size_t off;  /* bytes written, or needed when err is set */
  int err;     /* 0 or MSL_ERR_BUFFER_TOO_SMALL (sticky) */
} msl_wr;

/* ---- byte order: the one place each width and order is spelled out ---- */

static inline uint16_t msl_get_u16be(const uint8_t *q) {
  return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}

static inline uint16_t msl_get_u16le(const uint8_t *q) {
  return (uint16_t)((unsigned)q[1] << 8 | q[0]);
}

static inline uint32_t msl_get_u32be(const uint8_t *q) {
  return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 |
         q[3];
}

static inline uint32_t msl_get_u32le(const uint8_t *q) {
  return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 |
         q[0];
}

static inline void msl_put_u16be(uint8_t *q, unsigned v) {
  q[0] = (uint8_t)(v >> 8);
  q[1] = (uint8_t)v;
}

static inline void msl_put_u16le(uint8_t *q, unsigned v) {
  q[0] = (uint8_t)v;
  q[1] = (uint8_t)(v >> 8);
}

static inline void msl_put_u32be(uint8_t *q, uint32_t v) {
  msl_put_u16be(q, (unsigned)(v >> 16));
  msl_put_u16be(q + 2, (unsigned)(v & 0xffff));
}

static inline void msl_put_u32le(uint8_t *q, uint32_t v) {
  msl_put_u16le(q, (unsigned)(v & 0xffff));
  msl_put_u16le(q + 2, (unsigned)(v >> 16));
}

/* ---- reader ---- */

static inline void msl_rd_init(msl_rd *r, const uint8_t *p, size_t len) {
  r->p = p;
  r->len = p ? len : 0;
  r->off = 0;
  r->err = 0;
}

static inline size_t msl_rd_left(const msl_rd *r) {
  return r->err ? 0 : r->len - r->off;
}

/* Returns 1 when n more bytes are available; else marks the reader failed. */
static inline int msl_rd_need(msl_rd *r, size_t n) {
  if (r->err)
    return 0;
  if (n > r->len - r->off) {
    r->err = MSL_ERR_TRUNCATED;
    return 0;
  }
  return 1;
}

static inline void msl_rd_fail(msl_rd *r, int err) {
  if (!r->err)
    r->err = err;
}

/* A view of the next n bytes (valid while the input is), or NULL. */
static inline const uint8_t *msl_rd_bytes(msl_rd *r, size_t n) {
  if (!msl_rd_need(r, n))
    return NULL;
  const uint8_t *q = r->p + r->off;
  r->off += n;
  return q;
}

static inline uint8_t msl_rd_u8(msl_rd *r) {
  if (!msl_rd_need(r, 1))
    return 0;
  return r->p[r->off++];
}

static inline uint16_t msl_rd_u16be(msl_rd *r) {
  const uint8_t *q = msl_rd_bytes(r, 2);
  return q ? msl_get_u16be(q) : 0;
}

static inline uint16_t msl_rd_u16le(msl_rd *r) {
  const uint8_t *q = msl_rd_bytes(r, 2);
  return q ? msl_get_u16le(q) : 0;
}

static inline uint32_t msl_rd_u32be(msl_rd *r) {
  const uint8_t *q = msl_rd_bytes(r, 4);
  return q ? msl_get_u32be(q) : 0;
}

static inline uint32_t msl_rd_u32le(msl_rd *r) {
  const uint8_t *q = msl_rd_bytes(r, 4);
  return q ? msl_get_u32le(q) : 0;
}

static inline void msl_rd_skip(msl_rd *r, size_t n) { (void)msl_rd_bytes(r, n); }

/* Moves the cursor to an absolute offset within the buffer. */
static inline void msl_rd_seek(msl_rd *r, size_t off) {
  if (r->err)
    return;
  if (off > r->len)
    r->err = MSL_ERR_TRUNCATED;
  else
    r->off = off;
}

/* Skips to the next multiple of `align` (a power of two) counted from base. */
static inline void msl_rd_align(msl_rd *r, size_t base, size_t align) {
  size_t rel = r->off - base;
  size_t pad = (align - (rel & (align - 1))) & (align - 1);
  msl_rd_skip(r, pad);
}

/*
 * A nested reader over the next n bytes; the parent moves past them.
 * The child's offsets start at 0. Returns 0 or the reader's error.
 */
static inline int msl_rd_sub(msl_rd *r, size_t n, msl_rd *sub) {
  const uint8_t *q = msl_rd_bytes(r, n);
  msl_rd_init(sub, q, q ? n : 0);
  return r->err;
}

/*
 * A NUL-terminated string of at most max bytes before the NUL.
 * Returns a view of the string (without the NUL) and stores its length;
 * the cursor moves past the NUL. A missing NUL within max+1 bytes or the
 * buffer fails with MSL_ERR_TRUNCATED (end of input) or MSL_ERR_INVALID.
 */
static inline const uint8_t *msl_rd_cstr(msl_rd *r, size_t max, size_t *slen) {
  *slen = 0;
  if (r->err)
    return NULL;
  size_t left = r->len - r->off;
  size_t scan = left < max + 1 ? left : max + 1;
  const uint8_t *q = r->p + r->off;
  const uint8_t *nul = scan ? memchr(q, 0, scan) : NULL;
  if (!nul) {
    r->err = scan == left ? MSL_ERR_TRUNCATED : MSL_ERR_INVALID;
    return NULL;
  }
  *slen = (size_t)(nul - q);
  r->off += *slen + 1;
  return q;
}

/* ---- writer ---- */

static inline void msl_wr_init(msl_wr *w, uint8_t *p, size_t cap) {
  w->p = p;
  w->cap = p ? cap : 0;
  w->off = 0;
  w->err = 0;
}

/* Returns a place for n bytes, or NULL (then only the size is counted). */
static inline uint8_t *msl_wr_reserve(msl_wr *w, size_t n) {
  if (w->err || n > w->cap - w->off) {
    w->err = MSL_ERR_BUFFER_TOO_SMALL;
    w->off = (n > SIZE_MAX - w->off) ? SIZE_MAX : w->off + n;
    return NULL;
  }
  uint8_t *q = w->p + w->off;
  w->off += n;
  return q;
}

static inline void msl_wr_u8(msl_wr *w, unsigned v) {
  uint8_t *q = msl_wr_reserve(w, 1);
  if (q)
    q[0] = (uint8_t)v;
}

static inline void msl_wr_u16be(msl_wr *w, unsigned v) {
  uint8_t *q = msl_wr_reserve(w, 2);
  if (q)
    msl_put_u16be(q, v);
}

static inline void msl_wr_u16le(msl_wr *w, unsigned v) {
  uint8_t *q = msl_wr_reserve(w, 2);
  if (q)
    msl_put_u16le(q, v);
}

static inline void msl_wr_u32be(msl_wr *w, uint32_t v) {
  uint8_t *q = msl_wr_reserve(w, 4);
  if (q)
    msl_put_u32be(q, v);
}

static inline void msl_wr_u32le(msl_wr *w, uint32_t v) {
  uint8_t *q = msl_wr_reserve(w, 4);
  if (q)
    msl_put_u32le(q, v);
}

static inline void msl_wr_bytes(msl_wr *w, const void *src, size_t n) {
  uint8_t *q = msl_wr_reserve(w, n);
  if (q && n)
    memcpy(q, src, n);
}

static inline void msl_wr_zeros(msl_wr *w, size_t n) {
  uint8_t *q = msl_wr_reserve(w, n);
  if (q && n)
    memset(q, 0, n);
}

/* Writes a string and its terminating NUL. */
static inline void msl_wr_cstr(msl_wr *w, const void *s, size_t n) {
  msl_wr_bytes(w, s, n);
  msl_wr_u8(w, 0);
}

/* Overwrites a big/little-endian u16 at an earlier offset (length fix-ups). */
static inline void msl_wr_put_u16be_at(msl_wr *w, size_t at, unsigned v) {
  if (!w->err && at <= w->off && 2 <= w->off - at)
    msl_put_u16be(w->p + at, v);
}

static inline void msl_wr_put_u16le_at(msl_wr *w, size_t at, unsigned v) {
  if (!w->err && at <= w->off && 2 <= w->off - at)
    msl_put_u16le(w->p + at, v);
}

/* Length written (fits an int: proto messages are < 64 KiB) or the error. */
static inline int msl_wr_result(const msl_wr *w) {
  if (w->err)
    return w->err;
  if (w->off > (size_t)INT32_MAX)
    return MSL_ERR_BUFFER_TOO_SMALL;
  return (int)w->off;
}

#endif /* MSL_BUF_H */
