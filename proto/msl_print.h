/*
 * Printers for dissected packets (msl_dissect.h): a one-line summary, a
 * field tree (-V) and JSON Lines (--json, schema in docs/json.md).
 *
 * Pure like the rest of proto/: text goes into a caller buffer through
 * msl_out, a bounded string builder with its own number formatting (no
 * printf family, no allocation, no globals).
 *
 * msl_out keeps the buffer NUL-terminated (when cap > 0) and has a sticky
 * overflow flag. A printer appends whole packets: if the packet does not
 * fit, the printer rolls `len` back to where the packet started (so the
 * buffer holds only complete lines), leaves `overflow` set and returns
 * MSL_ERR_BUFFER_TOO_SMALL. The caller then writes out buf[0..len), calls
 * msl_out_reset and prints the packet again; MSL_PRINT_OUT_MAX bytes
 * always hold one packet of any printer.
 */
#ifndef MSL_PRINT_H
#define MSL_PRINT_H

#include <string.h>

#include "msl_dissect.h"

/*
 * Bytes that always hold the output of one printer call for one packet of
 * up to 65535 bytes of UDP payload (or a reassembled datagram of up to
 * MSL_REASM_MAX_DATAGRAM_LIMIT bytes of user data): the -V hex dump takes
 * about 5 bytes of text per data byte.
 */
#define MSL_PRINT_OUT_MAX (1024u * 1024u)

typedef struct msl_out {
  char *buf;    /* caller memory */
  size_t cap;   /* bytes in buf */
  size_t len;   /* bytes written (without the NUL) */
  int overflow; /* 1 once a write did not fit (sticky until reset) */
} msl_out;

/* ---- the string builder ---- */

/** Starts writing into buf (cap bytes; buf may be NULL when cap is 0). */
MSL_PROTO_API void msl_out_init(msl_out *o, char *buf, size_t cap);

/** Empties the buffer and clears the overflow flag. */
MSL_PROTO_API void msl_out_reset(msl_out *o);

/*
 * The fast path every append takes: when n more bytes (and the NUL) fit,
 * msl_out_room returns where to write them; the caller writes exactly n
 * bytes there and calls msl_out_commit(o, n). NULL when they do not fit or
 * the builder has overflowed: the caller then takes the bounded slow path
 * (msl_out_mem_slow), which stores what fits and sets `overflow`.
 */
static inline char *msl_out_room(msl_out *o, size_t n) {
  return !o->overflow && o->cap - o->len > n ? o->buf + o->len : NULL;
}

static inline void msl_out_commit(msl_out *o, size_t n) {
  o->len += n;
  o->buf[o->len] = '\0';
}

/** msl_out_mem when the bytes may not fit: stores what fits, then overflows. */
MSL_PROTO_API void msl_out_mem_slow(msl_out *o, const void *p, size_t n);

/*
 * Appends n bytes and returns 1 when they fit, without storing the NUL
 * after them (msl_out_mem does; the printers do once at their end).
 * Otherwise the bounded slow path stores what fits, sets `overflow`
 * (nothing more is written until a reset) and 0 is returned. Inline: a
 * constant n (a string literal through msl_out_str) becomes a few stores.
 */
static inline int msl_out_put(msl_out *o, const void *p, size_t n) {
  char *w = msl_out_room(o, n);
  if (!w) {
    msl_out_mem_slow(o, p, n);
    return 0;
  }
  if (n) /* p may be NULL when n is 0 */
    memcpy(w, p, n);
  o->len += n;
  return 1;
}

/** Appends n bytes (on overflow: as msl_out_put). */
static inline void msl_out_mem(msl_out *o, const void *p, size_t n) {
  if (msl_out_put(o, p, n))
    o->buf[o->len] = '\0';
}

/** NUL-terminated s (its strlen is folded when s is a literal). */
static inline void msl_out_str(msl_out *o, const char *s) {
  msl_out_mem(o, s, strlen(s));
}

static inline void msl_out_char(msl_out *o, char c) { msl_out_mem(o, &c, 1); }

/** n copies of c (indentation). */
MSL_PROTO_API void msl_out_repeat(msl_out *o, char c, size_t n);
/** Decimal. */
MSL_PROTO_API void msl_out_u64(msl_out *o, uint64_t v);
MSL_PROTO_API void msl_out_i64(msl_out *o, int64_t v);
/** Lower-case hex without "0x", at least `digits` digits (zero-padded). */
MSL_PROTO_API void msl_out_hex(msl_out *o, uint64_t v, unsigned digits);
/** "0x" then msl_out_hex. */
MSL_PROTO_API void msl_out_hex0x(msl_out *o, uint64_t v, unsigned digits);
/** Every byte as two lower-case hex digits, no separator. */
MSL_PROTO_API void msl_out_hexbytes(msl_out *o, const uint8_t *p, size_t n);
/** Dotted quad of a host-order IPv4 address. */
MSL_PROTO_API void msl_out_ipv4(msl_out *o, uint32_t addr);
/** Network-order address bytes as a dotted quad. */
MSL_PROTO_API void msl_out_ipv4_bytes(msl_out *o, const uint8_t a[4]);
/**
 * Bytes as display text: printable ASCII (0x20-0x7e) as is, other bytes as
 * <xx> (the way names are shown). `'<'` itself stays as is.
 */
MSL_PROTO_API void msl_out_text(msl_out *o, const uint8_t *p, size_t n);
/**
 * A JSON string: quotes around, `"` `\` and control bytes escaped (\n, \t,
 * ..., \u00xx), bytes >= 0x7f as \u00xx too, so the output is ASCII and
 * valid JSON whatever the input.
 */
MSL_PROTO_API void msl_out_json_str(msl_out *o, const uint8_t *p, size_t n);
/** The printable form of a NetBIOS name (msl_nbname_format). */
MSL_PROTO_API void msl_out_nbname(msl_out *o, const msl_nbname *n);

/** o->len, or MSL_ERR_BUFFER_TOO_SMALL when the overflow flag is set. */
MSL_PROTO_API int msl_out_result(const msl_out *o);

/* ---- the printers ---- */

/* `flags` of the printers. */
enum msl_print_flag {
  /* Tree: add a hex dump of the mailslot data / user data (-x). */
  MSL_PRINT_HEX = 0x01,
};

/**
 * Appends the one-line summary of a packet, ending in '\n':
 *   TIME SRC:SPORT -> DST:DPORT LAYER-SUMMARY...
 * e.g. `0.250000 198.18.0.1:138 -> 198.18.0.255:138 DIRECT_GROUP HOST1<00>
 * -> WG<1d> \MAILSLOT\BROWSE HostAnnouncement HOST1 os 6.1 type 0x00051003
 * "comment"`, `... Name query NB WG<1b>` for NBNS (tshark's Info wording),
 * and `[error: LAYER: sentence]` at the end when a layer failed.
 * @param o  output (appended to)
 * @param m  packet metadata; may be NULL (no time/address columns)
 * @param d  the dissection
 * @param flags  0 (reserved)
 * @return 0 or MSL_ERR_BUFFER_TOO_SMALL (o->len rolled back to its value at
 *         entry), MSL_ERR_ARG (NULL o or d).
 */
MSL_PROTO_API int msl_print_summary(msl_out *o, const msl_pkt_meta *m,
                              const msl_dissect *d, unsigned flags);

/**
 * Appends the field tree (-V): a "Frame N" line with the metadata, then one
 * indented section per layer with every field by name, value and meaning
 * (flag bits, server-type bits, NtVersion / DS_FLAG bits, node types), then
 * an error line if a layer failed, then an empty line.
 * Same parameters and returns as msl_print_summary; flags MSL_PRINT_HEX.
 */
MSL_PROTO_API int msl_print_tree(msl_out *o, const msl_pkt_meta *m,
                           const msl_dissect *d, unsigned flags);

/**
 * Appends one JSON object (docs/json.md) and '\n'. Always valid JSON,
 * ASCII only. A key is absent when its layer is. m may be NULL (no frame,
 * time or address keys).
 * Same returns as msl_print_summary; flags 0 (reserved).
 */
MSL_PROTO_API int msl_print_json(msl_out *o, const msl_pkt_meta *m,
                           const msl_dissect *d, unsigned flags);

/**
 * A sentence for the error of a dissection, e.g. "smb: the SMB is not a
 * mailslot write (SMB_COM_TRANSACTION)", or for names read leniently
 * (d->bad_names) which ones, e.g. "nbdgm: illegal NetBIOS name in source
 * name"; appended to o. Nothing when d->err is 0.
 */
MSL_PROTO_API void msl_print_error(msl_out *o, const msl_dissect *d);

#endif /* MSL_PRINT_H */
