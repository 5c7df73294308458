/*
 * Internal to the printers (msl_print*.c): helpers shared by the summary,
 * tree and JSON printers. Not for use outside proto/msl_print*.c.
 */
#ifndef MSL_PRINT_INT_H
#define MSL_PRINT_INT_H

#include "msl_print.h"

/*
 * Appends for the printers: msl_out_mem/str/char without the NUL store
 * after each append (a tenth of the JSON printer's time). Only inside a
 * printer's body (msl_pr_run stores the NUL once at its end); the room
 * check still keeps a byte free for it.
 */
static inline void msl_pr_mem(msl_out *o, const void *p, size_t n) {
  (void)msl_out_put(o, p, n);
}

/* s is NUL-terminated; its strlen is folded when it is a literal. */
static inline void msl_pr_str(msl_out *o, const char *s) {
  msl_pr_mem(o, s, strlen(s));
}

static inline void msl_pr_char(msl_out *o, char c) { msl_pr_mem(o, &c, 1); }

/* Decimal; the one-digit numbers most fields hold take no call. */
static inline void msl_pr_u64(msl_out *o, uint64_t v) {
  char *w;
  if (v < 10 && (w = msl_out_room(o, 1))) {
    *w = (char)('0' + v);
    o->len++;
    return;
  }
  msl_out_u64(o, v);
}

/*
 * Raw writers: the text of a value at w, which has room for it (the most
 * each can write is in its comment); return the bytes written. The
 * msl_out appends and the field interpreters use them after one room check.
 */
/* Bytes shown as they are: [0] in display text (printable ASCII), [1] in a
 * JSON string (the same but '"' and '\\'). */
extern const uint8_t msl_pr_plain[2][256];

/* "00" "01" ... "99" */
extern const char msl_pr_dec2[200];
/* Decimal, up to 20 bytes (MSL_PR_PUT_U64_MAX). */
size_t msl_pr_put_dec(char *w, uint64_t v);
static inline size_t msl_pr_put_u64(char *w, uint64_t v) {
  if (v < 10) {
    *w = (char)('0' + v);
    return 1;
  }
  if (v < 100) {
    memcpy(w, msl_pr_dec2 + 2 * v, 2);
    return 2;
  }
  if (v < 1000) {
    w[0] = (char)('0' + v / 100);
    memcpy(w + 1, msl_pr_dec2 + 2 * (v % 100), 2);
    return 3;
  }
  return msl_pr_put_dec(w, v);
}
/* Lower-case hex, at least `digits` (at most 16) digits, up to 16 bytes. */
size_t msl_pr_put_hex(char *w, uint64_t v, unsigned digits);
/* Dotted quad of a host-order address, up to 15 bytes. */
size_t msl_pr_put_ipv4(char *w, uint32_t a);
/* Relative time with 6 decimals, up to 28 bytes ("-9223372036854775808.000000"). */
size_t msl_pr_put_time(char *w, const msl_pkt_meta *m);
/* GUID in its registry form (mixed endian, as Windows shows it), 36 bytes. */
size_t msl_pr_put_guid(char *w, const uint8_t g[16]);
/* Six bytes as "00:0c:29:3d:23:fd", 17 bytes. */
size_t msl_pr_put_ether(char *w, const uint8_t a[6]);

#define MSL_PR_PUT_U64_MAX 20
#define MSL_PR_PUT_TIME_MAX 28

/* A dotted quad of a host-order IPv4 address; json: in quotes. */
void msl_pr_ipv4(msl_out *o, uint32_t addr, int json);

/* Four network-order bytes as a host-order address. */
static inline uint32_t msl_pr_be32(const uint8_t a[4]) {
  return msl_get_u32be(a);
}

/* Relative time, 6 decimals ("0.250000", "-1.500000"). */
void msl_pr_time(msl_out *o, const msl_pkt_meta *m);

/* A NUL-terminated ASCII field of the wire (view without its NUL) in
 * display form: printable bytes as is, others <xx>. json: as a JSON string
 * of that display form. */
void msl_pr_ascii(msl_out *o, msl_view v, int json);

/* UTF-16LE code units: text as UTF-8 (controls as <xx>), JSON as a quoted
 * ASCII string with \uXXXX escapes. An odd last byte is shown as <xx>. */
void msl_pr_utf16(msl_out *o, msl_view v, int json);

/* The expanded DNS name of a netlogon message ("?" when it cannot be
 * expanded, which a decoded message never has). */
void msl_pr_dname(msl_out *o, const msl_netlogon *m,
                  const msl_netlogon_dname *n, int json);

/* 16-byte GUID in its registry form (mixed endian, as Windows shows it). */
void msl_pr_guid(msl_out *o, const uint8_t g[16]);

/*
 * How many entries of each NBNS section the printers show (n[0] questions,
 * n[1] answer, n[2] authority, n[3] additional records), at most what the
 * struct stores per section: every entry when the packet decoded, else the
 * first nbns.decoded in wire order, which the lenient decoder filled before
 * its error; Wireshark shows those too [RFC 1002 §4.2.1.1].
 */
void msl_pr_nbns_shown(const msl_dissect *d, size_t n[4]);

/* Where a dissection stopped, "at byte N" between before and after; nothing
 * when it has no offset (d->err_at 0). */
void msl_pr_err_at(msl_out *o, const msl_dissect *d, const char *before,
                   const char *after);

/* "a -> b" of two host-order addresses. */
void msl_pr_ipv4_pair(msl_out *o, uint32_t a, uint32_t b);

/* The body of a printer: appends one packet. */
typedef void msl_pr_body(msl_out *o, const msl_pkt_meta *m,
                         const msl_dissect *d, unsigned flags);

/*
 * A printer: checks the arguments, runs body, then NUL-terminates the
 * buffer, or rolls it back to where the packet started on overflow.
 * Returns 0, MSL_ERR_BUFFER_TOO_SMALL or MSL_ERR_ARG.
 */
int msl_pr_run(msl_out *o, const msl_pkt_meta *m, const msl_dissect *d,
               unsigned flags, msl_pr_body *body);

#endif /* MSL_PRINT_INT_H */
