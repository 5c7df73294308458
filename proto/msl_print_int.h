/*
 * Internal to the printers (msl_print*.c): helpers shared by the summary,
 * tree and JSON printers. Not for use outside proto/msl_print*.c.
 */
#ifndef MSL_PRINT_INT_H
#define MSL_PRINT_INT_H

#include "msl_print.h"

/*
 * Appends for the printers: msl_out_mem/str/char without the NUL store
 * after each append (a tenth of the JSON printer's time). Only between a
 * printer's entry and its msl_pr_end, which stores the NUL once; the room
 * check still keeps a byte free for it.
 */
static inline void msl_pr_mem(msl_out *o, const void *p, size_t n) {
  char *w = msl_out_room(o, n);
  if (!w) {
    msl_out_mem_slow(o, p, n);
    return;
  }
  if (n) /* p may be NULL when n is 0 */
    memcpy(w, p, n);
  o->len += n;
}

/* s is NUL-terminated; its strlen is folded when it is a literal. */
static inline void msl_pr_str(msl_out *o, const char *s) {
  msl_pr_mem(o, s, strlen(s));
}

static inline void msl_pr_char(msl_out *o, char c) {
  char *w = msl_out_room(o, 1);
  if (!w) {
    msl_out_mem_slow(o, &c, 1);
    return;
  }
  *w = c;
  o->len++;
}

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

/* A dotted quad of a host-order IPv4 address; json: in quotes. */
void msl_pr_ipv4(msl_out *o, uint32_t addr, int json);

/* Four network-order bytes as a host-order address. */
static inline uint32_t msl_pr_be32(const uint8_t a[4]) {
  return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 |
         a[3];
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

/* Bit names of a 32-bit mask joined by sep; unknown bits as 0x%08x.
 * name(bit) returns NULL for an unknown bit. json: each as a JSON string. */
void msl_pr_bits(msl_out *o, uint32_t v, const char *(*name)(uint32_t),
                 const char *sep, int json);

/* Name wrappers with the signature msl_pr_bits wants. */
const char *msl_pr_sv_name(uint32_t bit);
const char *msl_pr_role_name(uint32_t bit);
const char *msl_pr_ntver_name(uint32_t bit);
const char *msl_pr_dsflag_name(uint32_t bit);
const char *msl_pr_nbns_hflag_name(uint32_t bit);

/*
 * How many entries of each NBNS section the printers show (n[0] questions,
 * n[1] answer, n[2] authority, n[3] additional records), at most what the
 * struct stores per section: every entry when the packet decoded, else the
 * first nbns.decoded in wire order, which the lenient decoder filled before
 * its error; Wireshark shows those too [RFC 1002 §4.2.1.1].
 */
void msl_pr_nbns_shown(const msl_dissect *d, size_t n[4]);

/* Description of an NBNS opcode as Wireshark's Info column words it
 * ("Name query", "Registration", ...; NULL when unknown). */
const char *msl_pr_nbns_info_opcode(unsigned opcode);

/* Printer exit: NUL-terminates the buffer, rolls back to start on
 * overflow; returns 0 or MSL_ERR_BUFFER_TOO_SMALL. */
int msl_pr_end(msl_out *o, size_t start);

#endif /* MSL_PRINT_INT_H */
