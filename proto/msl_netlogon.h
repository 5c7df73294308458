/*
 * Netlogon "mailslot ping" payloads [MS-ADTS §6.3.1, §6.3.5; MS-NRPC §1.9].
 *
 * These are the bytes a mailslot message carries on \MAILSLOT\NET\NETLOGON,
 * \MAILSLOT\NET\NTLOGON and the reply mailslots (\MAILSLOT\NET\GETDCxxx).
 * Everything is little-endian, except the IPv4 addresses (network order).
 * Every message starts with a u16 opcode [MS-ADTS §6.3.1.3]:
 *
 *   +--------+--------+--------------------------------------------+
 *   | opcode (u16 LE)  | body, laid out per opcode (below)          |
 *   +--------+--------+--------------------------------------------+
 *
 * Strings come in three encodings: ASCII/OEM NUL-terminated ("a"), UTF-16LE
 * terminated by a 0x0000 unit ("u"), and RFC 1035 §4.1.4 compressed UTF-8
 * labels ("d"), whose pointers count from the first byte of the opcode
 * (netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap frame 5:
 * 0xC018 is the DnsForestName at offset 24).
 *
 * Decoding keeps every variable field as a view into the input, and keeps
 * pads and alignment bytes, so msl_netlogon_encode(msl_netlogon_decode(x))
 * gives x back byte for byte. To build new messages use the builders.
 */
#ifndef MSL_NETLOGON_H
#define MSL_NETLOGON_H

#include "msl_buf.h"

/* Opcodes [MS-ADTS §6.3.1.3; MS-NRPC §2.2.1.5.1 for 0x0A]. */
enum {
  MSL_NETLOGON_PRIMARY_QUERY = 0x07,
  MSL_NETLOGON_PDC_STARTUP = 0x08,    /* LanMan; reported unsupported */
  MSL_NETLOGON_DB_CHANGE = 0x0A,      /* NETLOGON_DB_CHANGE; unsupported */
  MSL_NETLOGON_PRIMARY_RESPONSE = 0x0C,
  MSL_NETLOGON_SAM_LOGON_REQUEST = 0x12,
  MSL_NETLOGON_SAM_LOGON_RESPONSE = 0x13,
  MSL_NETLOGON_SAM_PAUSE_RESPONSE = 0x14,
  MSL_NETLOGON_SAM_USER_UNKNOWN = 0x15,
  MSL_NETLOGON_SAM_LOGON_RESPONSE_EX = 0x17,
  MSL_NETLOGON_SAM_PAUSE_RESPONSE_EX = 0x18,
  MSL_NETLOGON_SAM_USER_UNKNOWN_EX = 0x19,
};

/* NtVersion bits [MS-ADTS §6.3.1.1]. */
#define MSL_NT_VERSION_1 0x00000001u
#define MSL_NT_VERSION_5 0x00000002u
#define MSL_NT_VERSION_5EX 0x00000004u
#define MSL_NT_VERSION_5EX_WITH_IP 0x00000008u
#define MSL_NT_VERSION_WITH_CLOSEST_SITE 0x00000010u
#define MSL_NT_VERSION_AVOID_NT4EMUL 0x01000000u
#define MSL_NT_VERSION_PDC 0x10000000u
#define MSL_NT_VERSION_IP 0x20000000u
#define MSL_NT_VERSION_LOCAL 0x40000000u
#define MSL_NT_VERSION_GC 0x80000000u

/* DS_FLAG bits of the responses' Flags [MS-ADTS §6.3.1.2]. */
#define MSL_DS_PDC_FLAG 0x00000001u
#define MSL_DS_GC_FLAG 0x00000004u
#define MSL_DS_LDAP_FLAG 0x00000008u
#define MSL_DS_DS_FLAG 0x00000010u
#define MSL_DS_KDC_FLAG 0x00000020u
#define MSL_DS_TIMESERV_FLAG 0x00000040u
#define MSL_DS_CLOSEST_FLAG 0x00000080u
#define MSL_DS_WRITABLE_FLAG 0x00000100u
#define MSL_DS_GOOD_TIMESERV_FLAG 0x00000200u
#define MSL_DS_NDNC_FLAG 0x00000400u
#define MSL_DS_SELECT_SECRET_DOMAIN_6_FLAG 0x00000800u
#define MSL_DS_FULL_SECRET_DOMAIN_6_FLAG 0x00001000u
#define MSL_DS_WS_FLAG 0x00002000u
#define MSL_DS_DS_8_FLAG 0x00004000u
#define MSL_DS_DS_9_FLAG 0x00008000u
#define MSL_DS_DNS_CONTROLLER_FLAG 0x20000000u
#define MSL_DS_DNS_DOMAIN_FLAG 0x40000000u
#define MSL_DS_DNS_FOREST_FLAG 0x80000000u

#define MSL_NETLOGON_TOKEN 0xFFFF /* LmNtToken and Lm20Token */
/* RFC 1035 §2.3.4: 255 bytes on the wire, so at most 253 in dotted form. */
#define MSL_NETLOGON_DNAME_MAX 255
/* A name's own bytes in a message: up to 254 of labels, then a 2-byte
 * pointer to an empty name, so one more than the expanded maximum. */
#define MSL_NETLOGON_DNAME_RAW_MAX (MSL_NETLOGON_DNAME_MAX + 1)
#define MSL_NETLOGON_DNAME_MAX_JUMPS 16
#define MSL_NETLOGON_SOCKADDR_IN_LEN 16

/*
 * A compressed DNS name as it sits in the message: `raw` is its own bytes
 * (labels, then a 0x00 or a 2-byte pointer); `off` is where it starts,
 * counted from the opcode. Expand it with msl_netlogon_dname_expand().
 */
typedef struct msl_netlogon_dname {
  msl_view raw;
  size_t off;
} msl_netlogon_dname;

/*
 * LOGON_PRIMARY_QUERY 0x07 [MS-ADTS §6.3.1.4]
 *
 *   | opcode | ComputerName a | [pre_pad] MailslotName a | pad (to even) |
 *   | UnicodeComputerName u | NtVersion u32 | LmNtToken u16 | Lm20Token u16 |
 *
 * The pad puts the UTF-16 name on an even offset from the opcode (Samba
 * nbt.idl, Wireshark). Tolerated too: the alignment before MailslotName
 * (pre_pad, as Microsoft's test suite writes it) and the Win9x short form
 * (short_form: only Lm20Token follows MailslotName).
 */
typedef struct msl_netlogon_primary_query {
  msl_view computer;         /* ASCII, no NUL */
  msl_view pre_pad;          /* 0 or 1 byte before MailslotName */
  msl_view mailslot;         /* ASCII, no NUL */
  int short_form;            /* 1: Win9x, only lm20_token below is set */
  msl_view pad;              /* 0 or 1 byte */
  msl_view unicode_computer; /* UTF-16LE, no terminator */
  uint32_t nt_version;
  uint16_t lmnt_token;
  uint16_t lm20_token;
} msl_netlogon_primary_query;

/*
 * LOGON_PRIMARY_RESPONSE 0x0C [MS-ADTS §6.3.1.5]
 *
 *   | opcode | PrimaryDCName a | pad (to even) | UnicodePrimaryDCName u |
 *   | UnicodeDomainName u | [nt_pad] | NtVersion u32 | LmNt u16 | Lm20 u16 |
 *
 * nt_pad is not in the spec: Samba 4.17 nmbd aligns NtVersion to 4 (NDR)
 * and sends two zero bytes there (samba-nmbd-lan.pcap frames 55, 56).
 * short_form: a LanMan reply with nothing after PrimaryDCName.
 */
typedef struct msl_netlogon_primary_response {
  msl_view pdc_name; /* ASCII, no NUL */
  int short_form;
  msl_view pad;
  msl_view unicode_pdc_name;
  msl_view unicode_domain;
  msl_view nt_pad; /* 0..3 bytes */
  uint32_t nt_version;
  uint16_t lmnt_token;
  uint16_t lm20_token;
} msl_netlogon_primary_response;

/*
 * LOGON_SAM_LOGON_REQUEST 0x12 [MS-ADTS §6.3.1.6]
 *
 *   | opcode | RequestCount u16 | UnicodeComputerName u | UnicodeUserName u |
 *   | MailslotName a | AllowableAccountControlBits u32 | DomainSidSize u32 |
 *   | [pad to 4, SID: only when DomainSidSize > 0] | NtVersion u32 |
 *   | LmNtToken u16 | Lm20Token u16 |
 *
 * No other alignment: the fields after MailslotName may be at odd offsets.
 */
typedef struct msl_netlogon_sam_request {
  uint16_t request_count;
  msl_view unicode_computer;
  msl_view unicode_user;
  msl_view mailslot;
  uint32_t account_control;
  uint32_t sid_size;
  msl_view sid_pad; /* 0..3 bytes, only when sid_size > 0 */
  msl_view sid;     /* sid_size bytes (a binary SID, not checked) */
  uint32_t nt_version;
  uint16_t lmnt_token;
  uint16_t lm20_token;
} msl_netlogon_sam_request;

/*
 * LOGON_SAM_LOGON_RESPONSE / PAUSE / USER_UNKNOWN 0x13 0x14 0x15.
 * NT40 form [MS-ADTS §6.3.1.7]:
 *
 *   | opcode | UnicodeLogonServer u | UnicodeUserName u | UnicodeDomainName u |
 *   | NtVersion u32 | LmNtToken u16 | Lm20Token u16 |
 *
 * V5 form [MS-ADTS §6.3.1.8] inserts after UnicodeDomainName:
 *
 *   | DomainGuid 16 | NullGuid 16 | DnsForestName d | DnsDomainName d |
 *   | DnsHostName d | DcIpAddress 4 (network order) | Flags u32 (DS_FLAG) |
 *
 * The decoder takes the NT40 form when exactly 8 bytes follow
 * UnicodeDomainName, else the V5 form (which may have a trailer).
 */
typedef struct msl_netlogon_sam_response {
  int v5;
  msl_view unicode_logon_server;
  msl_view unicode_user;
  msl_view unicode_domain;
  uint8_t domain_guid[16]; /* V5 only */
  uint8_t null_guid[16];   /* V5 only */
  msl_netlogon_dname dns_forest, dns_domain, dns_host; /* V5 only */
  uint8_t dc_ip[4];                                    /* V5 only */
  uint32_t flags;                                      /* V5 only */
  uint32_t nt_version;
  uint16_t lmnt_token;
  uint16_t lm20_token;
} msl_netlogon_sam_response;

/* Indexes of the eight names of the EX response, in wire order. */
enum {
  MSL_NETLOGON_EX_DNS_FOREST = 0,
  MSL_NETLOGON_EX_DNS_DOMAIN,
  MSL_NETLOGON_EX_DNS_HOST,
  MSL_NETLOGON_EX_NB_DOMAIN,
  MSL_NETLOGON_EX_NB_COMPUTER,
  MSL_NETLOGON_EX_USER,
  MSL_NETLOGON_EX_DC_SITE,
  MSL_NETLOGON_EX_CLIENT_SITE,
  MSL_NETLOGON_EX_NAMES
};

/*
 * LOGON_SAM_LOGON_RESPONSE_EX / PAUSE_EX / USER_UNKNOWN_EX 0x17 0x18 0x19
 * [MS-ADTS §6.3.1.9]
 *
 *   | opcode | Sbz u16 | Flags u32 (DS_FLAG) | DomainGuid 16 |
 *   | DnsForestName d | DnsDomainName d | DnsHostName d | NetbiosDomainName d |
 *   | NetbiosComputerName d | UserName d | DcSiteName d | ClientSiteName d |
 *   | [DcSockAddrSize u8 = 16 | DcSockAddr 16]     (NtVersion & 5EX_WITH_IP) |
 *   | [NextClosestSiteName d]           (NtVersion & WITH_CLOSEST_SITE) |
 *   | NtVersion u32 | LmNtToken u16 | Lm20Token u16 |
 *
 * DcSockAddr is a sockaddr_in: family u16 LE (2), port u16 LE (0), address
 * in network order, 8 zero bytes. The optional parts are chosen by the
 * NtVersion of the message itself (its last 8 bytes), as Windows' parser
 * does; the optional parts must end exactly where NtVersion starts.
 */
typedef struct msl_netlogon_sam_response_ex {
  uint16_t sbz;
  uint32_t flags;
  uint8_t domain_guid[16];
  msl_netlogon_dname names[MSL_NETLOGON_EX_NAMES];
  int has_sockaddr;
  uint8_t sockaddr_size;     /* 0..16 */
  msl_view sockaddr;         /* sockaddr_size raw bytes */
  uint16_t sin_family;       /* valid when sockaddr_size >= 8 */
  uint16_t sin_port;         /* valid when sockaddr_size >= 8 */
  uint8_t sin_addr[4];       /* network order; valid when size >= 8 */
  int has_next_closest_site;
  msl_netlogon_dname next_closest_site;
  uint32_t nt_version;
  uint16_t lmnt_token;
  uint16_t lm20_token;
} msl_netlogon_sam_response_ex;

/* A decoded netlogon message. Views are valid while the input is. */
typedef struct msl_netlogon {
  uint16_t opcode;
  msl_view msg; /* the whole payload: the base of DNS-name pointers */
  union {
    msl_netlogon_primary_query pq;   /* 0x07 */
    msl_netlogon_primary_response pr; /* 0x0C */
    msl_netlogon_sam_request sreq;   /* 0x12 */
    msl_netlogon_sam_response sresp; /* 0x13..0x15 */
    msl_netlogon_sam_response_ex ex; /* 0x17..0x19 */
  } u;
  msl_view trailer; /* bytes after the message (0x07, 0x0C, 0x12, V5) */
  size_t err_off;   /* after an error: where decoding stopped (else 0) */
} msl_netlogon;

/*
 * Decodes a netlogon payload (the mailslot message's data).
 * out: filled on success (and its opcode/msg also on MSL_ERR_UNSUPPORTED).
 * Views point into p and are valid while p is. Never reads past len.
 * Returns 0 or: MSL_ERR_ARG (NULL out, or NULL p with len > 0),
 * MSL_ERR_TRUNCATED (input ends inside a field, a string without its
 * terminator, DomainSidSize beyond the input), MSL_ERR_INVALID
 * (DcSockAddrSize > 16, EX fields not ending where NtVersion starts),
 * MSL_ERR_NAME (bad DNS label or name over 255 bytes),
 * MSL_ERR_NAME_LOOP (DNS pointer forward or looping, too many jumps),
 * MSL_ERR_UNSUPPORTED (other opcodes, e.g. 0x08, 0x0A; opcode is kept).
 */
MSL_PROTO_API int msl_netlogon_decode(msl_netlogon *out, const uint8_t *p,
                                size_t len);

/*
 * Writes m back to the wire: every view (pads, raw DNS names, trailer) is
 * copied as is, so a decoded message is reproduced byte for byte. DNS names
 * are copied raw, so their pointers stay valid only if the bytes before them
 * keep their length (edit decoded messages with care; build new ones with the
 * builders). Returns the length, or MSL_ERR_BUFFER_TOO_SMALL (cap too small),
 * MSL_ERR_ARG (NULL m, odd UTF-16 length, a pad longer than 3 bytes,
 * sockaddr longer than 16, opcode without an encoder).
 */
MSL_PROTO_API int msl_netlogon_encode(const msl_netlogon *m, uint8_t *buf,
                                size_t cap);

/* 1 when a and b hold the same opcode, numbers and view contents. */
MSL_PROTO_API int msl_netlogon_equal(const msl_netlogon *a, const msl_netlogon *b);

/*
 * Expands the compressed name starting at offset `off` of msg (the whole
 * netlogon payload) into buf as dotted UTF-8 ("picklesworth.local"; "" for
 * the root). Pointers must go strictly before the start of the labels being
 * read (so every jump moves backwards), at most MSL_NETLOGON_DNAME_MAX_JUMPS
 * times; labels are 1..63 bytes; the whole name at most 255 wire bytes.
 * Label bytes are copied unchanged (a '.' inside a label is not escaped).
 * Writes a NUL. Returns the dotted length, or MSL_ERR_ARG, MSL_ERR_TRUNCATED,
 * MSL_ERR_NAME (label type 01/10, name too long), MSL_ERR_NAME_LOOP,
 * MSL_ERR_BUFFER_TOO_SMALL (cap < length + 1).
 */
MSL_PROTO_API int msl_netlogon_dname_expand(const uint8_t *msg, size_t msg_len,
                                      size_t off, char *buf, size_t cap);

/* msl_netlogon_dname_expand() for a name of a decoded message. */
MSL_PROTO_API int msl_netlogon_dname_get(const msl_netlogon *m,
                                   const msl_netlogon_dname *d, char *buf,
                                   size_t cap);

#define MSL_UTF16_STRICT 1 /* fail on unpaired surrogates */

/*
 * Converts UTF-16LE code units (a decoded view, no terminator) to UTF-8 in
 * buf and writes a NUL. An unpaired surrogate becomes U+FFFD (EF BF BD), or
 * fails with MSL_ERR_INVALID under MSL_UTF16_STRICT. Returns the UTF-8
 * length (without the NUL), or MSL_ERR_ARG (odd length, NULL buf with
 * cap > 0), MSL_ERR_INVALID, MSL_ERR_BUFFER_TOO_SMALL (cap < length + 1; 3
 * bytes per 2-byte unit + 1 is always enough).
 */
MSL_PROTO_API int msl_netlogon_utf16_to_utf8(msl_view s, char *buf, size_t cap,
                                       int flags);

/* ---- names for printers ---- */

/* "LOGON_PRIMARY_QUERY", ...; NULL for an unknown opcode. */
MSL_PROTO_API const char *msl_netlogon_opcode_name(unsigned opcode);
/* "V5EX_WITH_IP", ... for one NtVersion bit; NULL if not a known bit. */
MSL_PROTO_API const char *msl_netlogon_ntversion_name(uint32_t bit);
/* "DS_PDC_FLAG", ... for one DS_FLAG bit; NULL if not a known bit. */
MSL_PROTO_API const char *msl_netlogon_dsflag_name(uint32_t bit);

/* ---- builders (what our tools send) ----
 * Strings are NUL-terminated UTF-8 (ASCII fields: bytes copied as is, must
 * not be longer than 255). Each returns the length written, or
 * MSL_ERR_BUFFER_TOO_SMALL (cap too small), MSL_ERR_ARG (NULL string, invalid
 * UTF-8, bad option).
 */

/*
 * LOGON_PRIMARY_QUERY as Windows and Samba send it (to DOMAIN<1B>): the
 * ASCII computer name, the reply mailslot, pad to even, the computer name in
 * UTF-16LE, nt_version, 0xFFFF, 0xFFFF.
 */
MSL_PROTO_API int msl_netlogon_build_primary_query(const char *computer,
                                             const char *mailslot,
                                             uint32_t nt_version,
                                             uint8_t *buf, size_t cap);

#define MSL_NETLOGON_BUILD_NDR_ALIGN 1 /* Samba: align NtVersion to 4 */

/*
 * LOGON_PRIMARY_RESPONSE: PDC name in ASCII, pad, PDC name and domain in
 * UTF-16LE, NtVersion 1, tokens. With MSL_NETLOGON_BUILD_NDR_ALIGN, zero
 * bytes align NtVersion to 4 as Samba's nmbd does.
 */
MSL_PROTO_API int msl_netlogon_build_primary_response(const char *pdc_name,
                                                const char *domain,
                                                unsigned flags, uint8_t *buf,
                                                size_t cap);

/*
 * LOGON_SAM_LOGON_REQUEST; sid may be NULL when sid_len is 0 (then no pad).
 * Windows sends request_count 0, user "" and nt_version 0x0000000B or
 * 0x2000000B (netlogon-samlogon-pause-ex-ad-lab-signin.pcap).
 */
MSL_PROTO_API int msl_netlogon_build_sam_request(uint16_t request_count,
                                           const char *computer,
                                           const char *user,
                                           const char *mailslot,
                                           uint32_t account_control,
                                           const uint8_t *sid, size_t sid_len,
                                           uint32_t nt_version, uint8_t *buf,
                                           size_t cap);

/*
 * The NT40 response (opcode 0x13, 0x14 or 0x15): server, user and domain
 * in UTF-16LE, NtVersion 1, tokens.
 */
MSL_PROTO_API int msl_netlogon_build_sam_response_nt40(uint16_t opcode,
                                                 const char *server,
                                                 const char *user,
                                                 const char *domain,
                                                 uint8_t *buf, size_t cap);

/* What a responder puts in an EX response. */
typedef struct msl_netlogon_ex_args {
  uint16_t opcode; /* 0x17, 0x18 or 0x19 */
  uint32_t flags;  /* DS_FLAG bits */
  uint8_t domain_guid[16];
  const char *names[MSL_NETLOGON_EX_NAMES]; /* dotted UTF-8; NULL = "" */
  int with_ip;                  /* add DcSockAddr (and set 5EX_WITH_IP) */
  uint8_t dc_ip[4];             /* network order */
  const char *next_closest_site; /* NULL: absent */
  uint32_t nt_version;           /* written as is */
} msl_netlogon_ex_args;

/*
 * The EX response. Names are compressed as Windows does: a name (or its
 * tail) byte-equal to one written before becomes a pointer to it; the empty
 * name is a lone 0x00. Labels must be 1..63 bytes and names at most 255
 * wire bytes; with_ip must match nt_version's 5EX_WITH_IP bit and
 * next_closest_site its WITH_CLOSEST_SITE bit; else MSL_ERR_ARG.
 */
MSL_PROTO_API int msl_netlogon_build_sam_response_ex(const msl_netlogon_ex_args *a,
                                               uint8_t *buf, size_t cap);

#endif /* MSL_NETLOGON_H */
