/*
 * Internal to the printers (msl_print*.c): helpers shared by the summary,
 * tree and JSON printers. Not for use outside proto/msl_print*.c.
 */
#ifndef MSL_PRINT_INT_H
#define MSL_PRINT_INT_H

#include "msl_print.h"

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

/* Description of an NBNS opcode as Wireshark's Info column words it
 * ("Name query", "Registration", ...; NULL when unknown). */
const char *msl_pr_nbns_info_opcode(unsigned opcode);

/* Printer exit: rolls back to start on overflow; returns 0 or
 * MSL_ERR_OVERFLOW. */
int msl_pr_end(msl_out *o, size_t start);

#endif /* MSL_PRINT_INT_H */
