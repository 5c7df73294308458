/*
 * NetBIOS names [RFC 1001 §14, RFC 1002 §4.1, MS-NBTE §2.2.1].
 *
 * A raw name is 16 bytes: 15 name bytes padded with spaces (the wildcard "*"
 * is padded with NULs) and a suffix byte. On the wire it is first-level
 * encoded (each nibble + 'A': 32 bytes 'A'..'P') and written as DNS-style
 * labels: 0x20, the 32 bytes, then each scope label, then 0x00.
 *
 *   +------+-----------------+--------+---------+-----+------+
 *   | 0x20 | 32 x 'A'..'P'    | len    | label   | ... | 0x00 |
 *   +------+-----------------+--------+---------+-----+------+
 *
 * Label pointers (top bits 11) are allowed only in name-service packets; the
 * decoder follows them only when asked, backwards only, at most
 * MSL_NBNAME_MAX_JUMPS times.
 */
#ifndef MSL_NBNAME_H
#define MSL_NBNAME_H

#include "msl_buf.h"

#define MSL_NBNAME_RAW_LEN 16 /* 15 characters + suffix */
#define MSL_NBNAME_MAX_CHARS 15
/* RFC 1002 §4.1 / RFC 1035: a whole encoded name is at most 255 bytes:
 * 1 + 32 + (scope as labels: dotted length + 1) + 1 <= 255. */
#define MSL_NBNAME_WIRE_MAX 255
#define MSL_NBNAME_SCOPE_MAX 220
#define MSL_NBNAME_MAX_JUMPS 16
/* Longest printable form: 15 chars as "<xx>" + "<xx>" + "." + scope + NUL. */
#define MSL_NBNAME_FMT_MAX (16 * 4 + 1 + MSL_NBNAME_SCOPE_MAX + 1)

/*
 * What msl_nbname_decode_lenient found wrong with a name's first label
 * (msl_nbname.illegal). Wireshark's reading [packet-nbns.c get_nbns_name]:
 * pairs of 'A'..'Z' (not only 'A'..'P') give ((c1 - 'A') << 4 | (c2 - 'A'))
 * cut to 8 bits, and the first 16 pairs are the name. Kinds below
 * MSL_NBNAME_ILLEGAL_1ST still give a name (Wireshark shows it); the others
 * do not, and msl_nbname_format prints Wireshark's "Illegal NetBIOS name
 * (...)" sentence for them.
 */
enum msl_nbname_illegal {
  MSL_NBNAME_LEGAL = 0,     /* 32 x 'A'..'P' [RFC 1001 §14.1] */
  MSL_NBNAME_LETTERS_QZ,    /* letters 'Q'..'Z' in the pairs */
  MSL_NBNAME_LONG,          /* more than 32 letters: the first 32 are used */
  MSL_NBNAME_ILLEGAL_1ST,   /* a pair's 1st byte is not 'A'..'Z' */
  MSL_NBNAME_ILLEGAL_2ND,   /* a pair's 2nd byte is not 'A'..'Z' */
  MSL_NBNAME_ILLEGAL_ODD,   /* an odd number of letters */
  MSL_NBNAME_ILLEGAL_SHORT, /* fewer than 16 pairs (illegal_len says how many) */
};

typedef struct msl_nbname {
  uint8_t raw[MSL_NBNAME_RAW_LEN];           /* raw 16 bytes, raw[15] = suffix */
  uint8_t scope_len;                          /* bytes in scope, no NUL */
  char scope[MSL_NBNAME_SCOPE_MAX + 1];       /* dotted scope ID, NUL-terminated */
  /* 0 (MSL_NBNAME_LEGAL) except after msl_nbname_decode_lenient found the
   * name illegal: enum msl_nbname_illegal. Set by every function here that
   * fills a name; msl_nbname_format reads it. */
  uint8_t illegal;
  uint8_t illegal_len; /* ILLEGAL_SHORT: pairs decoded (0..15) */
} msl_nbname;

/* 1 when the name has no NetBIOS name to show (only Wireshark's "Illegal
 * NetBIOS name" sentence): raw[] is then meaningless. */
static inline int msl_nbname_unreadable(const msl_nbname *n) {
  return n->illegal >= MSL_NBNAME_ILLEGAL_1ST;
}

/* Common suffixes [MS-BRWS §2.1.1, MS-MAIL §3.2.3]. */
enum {
  MSL_NB_WORKSTATION = 0x00,
  MSL_NB_MESSENGER = 0x03,
  MSL_NB_DOMAIN_MASTER = 0x1b,
  MSL_NB_DOMAIN_CONTROLLERS = 0x1c,
  MSL_NB_MASTER_BROWSER = 0x1d,
  MSL_NB_BROWSER_ELECTION = 0x1e,
  MSL_NB_SERVER = 0x20,
};

static inline uint8_t msl_nbname_suffix(const msl_nbname *n) { return n->raw[15]; }

/*
 * Builds a name from text: up to 15 bytes, upper-cased (Windows registers
 * upper-case names), padded with spaces ("*" is padded with NULs), then the
 * suffix. `scope` may be NULL or "" for none; it is upper-cased too
 * (Windows and Samba send scope IDs upper-case).
 * Returns 0, or MSL_ERR_ARG for an empty or too long name, a name with a
 * '.' or control character, or a malformed scope (empty label, label over
 * 63 bytes, too long).
 */
MSL_PROTO_API int msl_nbname_make(msl_nbname *n, const char *name, uint8_t suffix,
                            const char *scope);

/* Builds a name from 16 raw bytes (no validation of the bytes). */
MSL_PROTO_API int msl_nbname_from_raw(msl_nbname *n, const uint8_t raw[16],
                                const char *scope);

/*
 * Reads an encoded name at the reader's cursor. With allow_ptr, label
 * pointers are followed (offsets are from r->p, the start of the packet);
 * otherwise a pointer fails with MSL_ERR_NAME_PTR. The cursor ends after the
 * name (after the first pointer when one was followed).
 * Returns 0 or MSL_ERR_TRUNCATED, MSL_ERR_NAME (first label not 32 bytes of
 * 'A'..'P', bad label, too long), MSL_ERR_NAME_PTR, MSL_ERR_NAME_LOOP.
 */
MSL_PROTO_API int msl_nbname_decode(msl_nbname *n, msl_rd *r, int allow_ptr);

/*
 * The same walk as msl_nbname_decode (same labels, pointers, bounds, scope
 * checks, same cursor movement), but the first label is read as Wireshark
 * reads it instead of being refused: any length, 'A'..'Z' pairs, see enum
 * msl_nbname_illegal. For showing captured packets only (a dissector that
 * keeps going past a bad name); protocol code uses msl_nbname_decode.
 * Returns 0 when the label structure was read, the cursor after the name:
 * n->illegal then says whether the first label was a legal encoding (0) and
 * if not why; raw[] holds the pairs decoded before the fault. Otherwise the
 * errors of msl_nbname_decode: MSL_ERR_TRUNCATED, MSL_ERR_NAME (reserved
 * label type, bad scope label, over 255 bytes), MSL_ERR_NAME_PTR,
 * MSL_ERR_NAME_LOOP.
 */
MSL_PROTO_API int msl_nbname_decode_lenient(msl_nbname *n, msl_rd *r,
                                            int allow_ptr);

/* Writes the encoded name (never compressed). Errors are left in w. */
MSL_PROTO_API void msl_nbname_encode(const msl_nbname *n, msl_wr *w);

/* Bytes msl_nbname_encode writes: 34 without a scope. */
MSL_PROTO_API size_t msl_nbname_wire_len(const msl_nbname *n);

/*
 * Printable form, as Wireshark shows names: NAME<xx> with the suffix in two
 * lower-case hex digits, trailing spaces (and the wildcard's NUL padding)
 * dropped, bytes that are not printable ASCII written <xx>, then ".scope".
 * Example: "<01><02>__MSBROWSE__<02><01>". A name msl_nbname_unreadable()
 * prints as Wireshark does: "Illegal NetBIOS name (1st character not
 * between A and Z in first-level encoding)", "(2nd character ...)", "(odd
 * number of bytes)" or "(N bytes long)", without the scope. Writes at most
 * cap bytes including the NUL; returns the length it needs (without the
 * NUL).
 */
MSL_PROTO_API size_t msl_nbname_format(const msl_nbname *n, char *buf, size_t cap);

/*
 * A name as a user types it (what nmblookup takes), for clients:
 *   NAME       up to 15 bytes, letters upper-cased, padded with spaces;
 *              \xNN (two hex digits) is the raw byte NN, kept as is, so
 *              any byte can be named ('.' and '\' only this way);
 *   NAME<xx>   with the suffix byte (two hex digits); without it, dflt;
 *   16 bytes   (with escapes) and no <xx>: the 16th is the suffix, as
 *              nmblookup reads "\x01\x02__MSBROWSE__\x02\x01";
 *   "*"        the wildcard, padded with NULs [RFC 1002 §4.1];
 *   "-" or "__MSBROWSE__"  the master browsers' group name
 *              \x01\x02__MSBROWSE__\x02<01> [MS-BRWS §2.1.1] (nmblookup -M
 *              -), suffix <01> unless one is given.
 * scope as for msl_nbname_make. Returns 0, or MSL_ERR_ARG (NULL, empty,
 * too long, a bad escape or suffix, a '.' or control byte typed as is,
 * 16 bytes and a <xx> too, a bad scope).
 */
MSL_PROTO_API int msl_nbname_parse_text(msl_nbname *n, const char *text,
                                        uint8_t dflt, const char *scope);

/*
 * The form msl_nbname_parse_text reads back: NAME<xx>, trailing spaces
 * (and the wildcard's NUL padding) dropped, every byte that is not
 * printable ASCII, and '\' and '.', written \xNN; then ".scope" when
 * there is one (for reading: the scope goes apart, e.g. --scope).
 * Example: "\x01\x02__MSBROWSE__\x02<01>". Writes at most cap bytes with
 * the NUL; returns the length it needs (without the NUL).
 */
MSL_PROTO_API size_t msl_nbname_format_escaped(const msl_nbname *n, char *buf,
                                               size_t cap);

/* Longest msl_nbname_format_escaped text: 15 x "\xNN", "<xx>", ".scope". */
#define MSL_NBNAME_ESC_MAX (15 * 4 + 4 + 1 + MSL_NBNAME_SCOPE_MAX + 1)

/* 1 when both names have the same 16 bytes and (case-insensitively) scope. */
MSL_PROTO_API int msl_nbname_equal(const msl_nbname *a, const msl_nbname *b);

#endif /* MSL_NBNAME_H */
