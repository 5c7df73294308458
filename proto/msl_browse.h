/*
 * Browser protocol frames: the mailslot data of \MAILSLOT\BROWSE [MS-BRWS
 * §2.2] and the LAN Manager 2.x announcement on \MAILSLOT\LANMAN.
 *
 * All multi-byte fields are little-endian. The first byte is the opcode:
 *
 *   0x01 HostAnnouncement        0x0A GetBackupListResponse
 *   0x02 AnnouncementRequest     0x0B BecomeBackup
 *   0x08 RequestElection         0x0C DomainAnnouncement
 *   0x09 GetBackupListRequest    0x0D MasterAnnouncement
 *                                0x0E ResetStateRequest
 *                                0x0F LocalMasterAnnouncement
 *
 * Strings are ASCII. Names in variable fields are NUL-terminated, at most 15
 * characters (16 bytes with the NUL, §2.2.2-§2.2.8). A string whose NUL is
 * missing is rejected (MSL_ERR_TRUNCATED when the input ends first): on the
 * wire an unterminated string cannot be told apart from a cut datagram, and
 * every sender seen (Windows 98/XP/2003/8.1/10, Samba 3 and 4) terminates.
 * Bytes after a complete frame are kept in `trailing` and re-emitted by the
 * encoder, so that every captured frame round-trips byte for byte (Samba's
 * AnnouncementRequest has its name after an empty NUL-terminated field).
 */
#ifndef MSL_BROWSE_H
#define MSL_BROWSE_H

#include "msl_buf.h"

/* Opcodes [MS-BRWS §2.2]. */
enum msl_browse_opcode {
  MSL_BROWSE_HOST_ANNOUNCEMENT = 0x01,
  MSL_BROWSE_ANNOUNCEMENT_REQUEST = 0x02,
  MSL_BROWSE_REQUEST_ELECTION = 0x08,
  MSL_BROWSE_GET_BACKUP_LIST_REQUEST = 0x09,
  MSL_BROWSE_GET_BACKUP_LIST_RESPONSE = 0x0a,
  MSL_BROWSE_BECOME_BACKUP = 0x0b,
  MSL_BROWSE_DOMAIN_ANNOUNCEMENT = 0x0c,
  MSL_BROWSE_MASTER_ANNOUNCEMENT = 0x0d,
  MSL_BROWSE_RESET_STATE_REQUEST = 0x0e,
  MSL_BROWSE_LOCAL_MASTER_ANNOUNCEMENT = 0x0f,
};

#define MSL_BROWSE_MAILSLOT "\\MAILSLOT\\BROWSE"
#define MSL_BROWSE_LANMAN_MAILSLOT "\\MAILSLOT\\LANMAN"

#define MSL_BROWSE_SIGNATURE 0xaa55   /* sent as the bytes 55 AA */
#define MSL_BROWSE_VERSION_MAJOR 0x0f /* BrowserVersionMajor, §2.2.1 */
#define MSL_BROWSE_VERSION_MINOR 0x01
#define MSL_BROWSE_ELECTION_VERSION 1 /* RequestElection Version, §2.2.3 */
#define MSL_BROWSE_NAME_LEN 16        /* fixed ServerName/MachineGroup field */
#define MSL_BROWSE_NAME_MAX 15        /* characters in a NUL-terminated name */
#define MSL_BROWSE_COMMENT_MAX 42     /* §2.2.1: 43 bytes with the NUL */
/* Longest comment the decoder accepts: more than the spec's 42, since
 * Samba announces "server string" up to MAX_SERVER_STRING_LENGTH (48)
 * characters ("otherwise NT will not honour the announce packets"). */
#define MSL_BROWSE_COMMENT_DECODE_MAX 255
#define MSL_BROWSE_ANNOUNCE_FIXED 32 /* bytes before the Comment */
#define MSL_BROWSE_BACKUP_LIST_MAX 255

/* What Windows sends [MS-BRWS <15>, <16>, <17>, <18>; captures]. */
#define MSL_BROWSE_BACKUP_COUNT_DEFAULT 4
#define MSL_BROWSE_BACKUP_TOKEN_DEFAULT 1
#define MSL_BROWSE_DOMAIN_CONFIG_MAJOR 0x03
#define MSL_BROWSE_DOMAIN_CONFIG_MINOR 0x0a
#define MSL_BROWSE_PERIOD_MAX_MS 720000u /* 12 minutes, §3.2.6, §4.1 */

/* ResetStateRequest Type [MS-BRWS §2.2.9]. */
enum msl_browse_reset_type {
  MSL_BROWSE_RESET_STOP_MASTER = 0x01,
  MSL_BROWSE_RESET_CLEAR_ALL = 0x02,
  MSL_BROWSE_RESET_STOP = 0x04,
};

/*
 * ServerType bits [MS-RAP §2.5.5.2.1; lmserver.h SV_TYPE_*]. Bit 27
 * (0x08000000) is unassigned.
 */
#define MSL_SV_WORKSTATION 0x00000001u
#define MSL_SV_SERVER 0x00000002u
#define MSL_SV_SQLSERVER 0x00000004u
#define MSL_SV_DOMAIN_CTRL 0x00000008u
#define MSL_SV_DOMAIN_BAKCTRL 0x00000010u
#define MSL_SV_TIME_SOURCE 0x00000020u
#define MSL_SV_AFP 0x00000040u
#define MSL_SV_NOVELL 0x00000080u
#define MSL_SV_DOMAIN_MEMBER 0x00000100u
#define MSL_SV_PRINTQ_SERVER 0x00000200u
#define MSL_SV_DIALIN_SERVER 0x00000400u
#define MSL_SV_SERVER_UNIX 0x00000800u /* also XENIX_SERVER */
#define MSL_SV_NT 0x00001000u
#define MSL_SV_WFW 0x00002000u
#define MSL_SV_SERVER_MFPN 0x00004000u
#define MSL_SV_SERVER_NT 0x00008000u
#define MSL_SV_POTENTIAL_BROWSER 0x00010000u
#define MSL_SV_BACKUP_BROWSER 0x00020000u
#define MSL_SV_MASTER_BROWSER 0x00040000u
#define MSL_SV_DOMAIN_MASTER 0x00080000u
#define MSL_SV_SERVER_OSF 0x00100000u
#define MSL_SV_SERVER_VMS 0x00200000u
#define MSL_SV_WINDOWS 0x00400000u /* Windows 95 and later */
#define MSL_SV_DFS 0x00800000u
#define MSL_SV_CLUSTER_NT 0x01000000u
#define MSL_SV_TERMINALSERVER 0x02000000u
#define MSL_SV_CLUSTER_VS_NT 0x04000000u
#define MSL_SV_DCE 0x10000000u
#define MSL_SV_ALTERNATE_XPORT 0x20000000u
#define MSL_SV_LOCAL_LIST_ONLY 0x40000000u /* never announced */
#define MSL_SV_DOMAIN_ENUM 0x80000000u

/*
 * Election Criteria, a u32 [MS-BRWS §2.2.3, <14>]:
 *
 *   31      24 23            8 7        0
 *  +----------+---------------+----------+
 *  |    OS    | version 010F  |   role   |
 *  +----------+---------------+----------+
 *
 * Windows clients use OS 0x10, PDCs 0x20 (Wireshark: 0x01 WfW, 0x10 NT
 * workstation, 0x20 NT server); Samba puts its "os level" there (0x14 by
 * default, 0x41 in samba-nmbd-lan.pcap). Browsers compare the whole u32.
 * Wireshark names role 0x02 "standby" and 0x08 "domain master".
 */
#define MSL_BROWSE_ELECT_OS_WFW 0x01u
#define MSL_BROWSE_ELECT_OS_NTW 0x10u /* Windows clients */
#define MSL_BROWSE_ELECT_OS_NTS 0x20u /* Windows PDCs */
#define MSL_BROWSE_ELECT_VERSION 0x00010f00u
enum msl_browse_elect_role {
  MSL_BROWSE_ROLE_BACKUP = 0x01,    /* running backup browser */
  MSL_BROWSE_ROLE_DC = 0x02,        /* domain controller */
  MSL_BROWSE_ROLE_MASTER = 0x04,    /* running master browser */
  MSL_BROWSE_ROLE_PREFERRED = 0x08, /* preferred master */
  MSL_BROWSE_ROLE_WINS = 0x20,      /* uses NBNS/WINS */
  MSL_BROWSE_ROLE_PDC = 0x80,       /* primary domain controller */
};

static inline uint8_t msl_browse_criteria_os(uint32_t c) {
  return (uint8_t)(c >> 24);
}
static inline uint16_t msl_browse_criteria_version(uint32_t c) {
  return (uint16_t)(c >> 8);
}
static inline uint8_t msl_browse_criteria_role(uint32_t c) {
  return (uint8_t)c;
}
static inline uint32_t msl_browse_criteria_make(uint8_t os, uint8_t role) {
  return (uint32_t)os << 24 | MSL_BROWSE_ELECT_VERSION | role;
}

/*
 * HostAnnouncement 0x01 [§2.2.1], LocalMasterAnnouncement 0x0F [§2.2.10]
 * and DomainAnnouncement 0x0C [§2.2.7] share one layout:
 *
 *   0      1       2           6                22    23    24
 *  +------+-------+-----------+----------------+-----+-----+------------+
 *  |opcode|UpdCnt |Periodicity| ServerName[16] |OSmaj|OSmin| ServerType |
 *  +------+-------+-----------+----------------+-----+-----+------------+
 *   28    29    30         32
 *  +-----+-----+-----------+-------------------------+
 *  |BVmaj|BVmin| Signature | Comment, NUL-terminated |
 *  +-----+-----+-----------+-------------------------+
 *
 * 0x0C: ServerName is the MachineGroup, OS is BrowserConfigVersion (Windows
 * 03 0A), the Comment is the LocalMasterBrowserName, and bytes 28..31 are
 * left uninitialised by Windows (<19>-<21>; Wireshark's "mysterious field").
 * 0x0F: bytes 28..29 are called BrowserConfigVersion; Windows sends 0F 01
 * (not 01 0F as <25>/<26> say). Periodicity is in milliseconds and, from
 * Windows, the delay until the sender's next announcement.
 */
typedef struct msl_browse_announce {
  uint8_t update_count;
  uint32_t periodicity_ms;
  /* Raw 16 bytes: the name, a NUL, then whatever the sender left there
   * (Windows XP/2003 leave stack bytes); msl_browse_name16_len(). */
  uint8_t name[MSL_BROWSE_NAME_LEN];
  uint8_t os_major, os_minor;
  uint32_t server_type;
  uint8_t browser_major, browser_minor;
  uint16_t signature; /* not validated: Windows 98's 0x0C sends 0 */
  msl_view comment;   /* without the NUL */
} msl_browse_announce;

/* AnnouncementRequest 0x02 [§2.2.2]: opcode, Reserved, ResponseName. */
typedef struct msl_browse_announce_req {
  uint8_t reserved; /* 0 from Windows; Samba sends its workgroup token */
  msl_view response_name;
} msl_browse_announce_req;

/*
 * RequestElection 0x08 [§2.2.3]:
 *   opcode, Version u8, Criteria u32, Uptime u32, Unused u32, ServerName.
 * Uptime is in milliseconds in every capture (Windows 98/XP, Samba),
 * although §2.2.3 says seconds.
 */
typedef struct msl_browse_election {
  uint8_t version;
  uint32_t criteria;
  uint32_t uptime_ms;
  uint32_t unused;
  msl_view server_name;
} msl_browse_election;

/* GetBackupListRequest 0x09 [§2.2.4]: opcode, RequestedCount u8, Token. */
typedef struct msl_browse_backup_req {
  uint8_t count;
  uint32_t token;
} msl_browse_backup_req;

/*
 * GetBackupListResponse 0x0A [§2.2.5]: opcode, BackupServerCount u8,
 * Token u32, then `count` NUL-terminated names. `list` covers exactly those
 * names with their NULs; walk it with msl_browse_names_*().
 */
typedef struct msl_browse_backup_resp {
  uint8_t count;
  uint32_t token;
  msl_view list;
} msl_browse_backup_resp;

/* One decoded \MAILSLOT\BROWSE frame. Views point into the decoded buffer
 * ("valid while p is"), or into caller memory for built frames. */
typedef struct msl_browse {
  uint8_t opcode;
  union {
    msl_browse_announce announce;       /* 0x01, 0x0C, 0x0F */
    msl_browse_announce_req req;        /* 0x02 */
    msl_browse_election election;       /* 0x08 */
    msl_browse_backup_req backup_req;   /* 0x09 */
    msl_browse_backup_resp backup_resp; /* 0x0A */
    msl_view name; /* 0x0B BrowserToPromote, 0x0D MasterBrowserServerName */
    uint8_t reset_type; /* 0x0E */
  } u;
  msl_view trailing; /* bytes after the frame (usually empty) */
  /* After an error: the offset where decoding stopped. The fields wholly
   * before it are filled (strings: those whose view is set), for a
   * dissector to show; nothing else may use them. 0 otherwise. */
  size_t err_off;
} msl_browse;

/*
 * LAN Manager 2.x announcement on \MAILSLOT\LANMAN (samba
 * nmbd_sendannounce.c send_lm_announcement; Wireshark
 * dissect_mailslot_lanman; no public capture has one):
 *
 *   0        2            6     7     8          10
 *  +--------+------------+-----+-----+----------+------------+---------+
 *  | opcode | ServerType |OSmaj|OSmin| interval | ServerName | Comment |
 *  |  u16   |    u32     | u8  | u8  | u16, s   |  NUL-term  | NUL-term|
 *  +--------+------------+-----+-----+----------+------------+---------+
 *
 * The u16 opcode is 0x0001 (Wireshark reads it as opcode u8 + update count
 * u8); the decoder accepts low bytes 0x01, 0x0C and 0x0F.
 */
typedef struct msl_browse_lanman {
  uint16_t opcode;
  uint32_t server_type;
  uint8_t os_major, os_minor;
  uint16_t interval_s; /* seconds, not ms */
  msl_view name;       /* at most 15 characters */
  msl_view comment;    /* at most MSL_BROWSE_COMMENT_DECODE_MAX */
  msl_view trailing;
  size_t err_off; /* as in msl_browse */
} msl_browse_lanman;

/* Iterator over a GetBackupListResponse's names. */
typedef struct msl_browse_names {
  msl_rd rd;
  unsigned left;
} msl_browse_names;

/* ---- decode / encode ---- */

/**
 * Decodes the mailslot data of a \MAILSLOT\BROWSE message.
 * @param out  filled in; zeroed first. Views point into p (valid while p
 *             is). On MSL_ERR_UNSUPPORTED, out->opcode holds the unknown
 *             opcode and out->trailing the bytes after it. On another
 *             error, what was read before err_off stays (see msl_browse).
 * @param p    the mailslot data (SMB Data bytes), may be NULL when len is 0
 * @param len  its length
 * @return 0, or MSL_ERR_ARG (out NULL), MSL_ERR_TRUNCATED (input ends inside
 *         a field, or a string has no NUL before the end, or fewer backup
 *         names than BackupServerCount), MSL_ERR_INVALID (a name over 15 or
 *         a comment over MSL_BROWSE_COMMENT_DECODE_MAX characters),
 *         MSL_ERR_UNSUPPORTED (unknown opcode).
 */
MSL_PROTO_API int msl_browse_decode(msl_browse *out, const uint8_t *p, size_t len);

/**
 * Encodes a frame (the inverse of msl_browse_decode, trailing bytes
 * included): a decoded frame is reproduced byte for byte.
 * @return the length written, or MSL_ERR_BUFFER_TOO_SMALL (cap too small; buf
 *         may be NULL with cap 0 to get nothing written), MSL_ERR_ARG (m NULL,
 *         a view with a NULL pointer, a variable name over 15 characters or
 *         holding a NUL, a comment over MSL_BROWSE_COMMENT_DECODE_MAX, a
 *         backup list that does not hold `count` names), MSL_ERR_UNSUPPORTED
 *         (unknown opcode).
 */
MSL_PROTO_API int msl_browse_encode(const msl_browse *m, uint8_t *buf, size_t cap);

/**
 * Decodes an LM 2.x announcement from \MAILSLOT\LANMAN.
 * @return 0, or MSL_ERR_ARG, MSL_ERR_TRUNCATED, MSL_ERR_INVALID (as
 *         msl_browse_decode), MSL_ERR_UNSUPPORTED (opcode low byte not
 *         0x01/0x0C/0x0F; out->opcode is still set).
 */
MSL_PROTO_API int msl_browse_decode_lanman(msl_browse_lanman *out, const uint8_t *p,
                                     size_t len);

/** Encodes an LM 2.x announcement. Returns the length or an error as
 * msl_browse_encode. */
MSL_PROTO_API int msl_browse_encode_lanman(const msl_browse_lanman *m, uint8_t *buf,
                                     size_t cap);

/**
 * Which layout data received on \MAILSLOT\LANMAN uses: 1 for the
 * MS-BRWS layout (Windows servers announce there too, MS-BRWS <9>), 0 for
 * LM 2.x. Both start 01 00; the MS-BRWS layout is recognised by its
 * opcode and the signature bytes 55 AA at offset 30.
 */
MSL_PROTO_API int msl_browse_lanman_is_brws(const uint8_t *p, size_t len);

/** 1 when both frames hold the same fields and view contents. */
MSL_PROTO_API int msl_browse_equal(const msl_browse *a, const msl_browse *b);

/* ---- backup list names ---- */

/** Starts walking r->list. */
MSL_PROTO_API void msl_browse_names_init(msl_browse_names *it,
                                   const msl_browse_backup_resp *r);

/**
 * Next name (a view without its NUL). Returns 1 with *name set, 0 after
 * the last of `count` names, or MSL_ERR_TRUNCATED / MSL_ERR_INVALID for a
 * list that does not hold that many well-formed names (only for lists not
 * produced by msl_browse_decode).
 */
MSL_PROTO_API int msl_browse_names_next(msl_browse_names *it, msl_view *name);

/* ---- builders: fill a frame to pass to msl_browse_encode ---- */
/*
 * String arguments are kept as views: they must outlive the frame. Names
 * are at most 15 characters, sent as given (Windows sends upper case).
 * Each returns 0 or MSL_ERR_ARG (NULL argument, name empty or too long,
 * comment over MSL_BROWSE_COMMENT_MAX).
 */

/**
 * HostAnnouncement (0x01) or LocalMasterAnnouncement (0x0F) as Windows
 * sends it: UpdateCount 0, the name NUL-padded to 16 bytes, browser
 * version 0F 01, signature AA55, comment NULL or "" for the single NUL
 * Windows sends (<13>). periodicity_ms: see msl_browse_host_period_ms().
 */
MSL_PROTO_API int msl_browse_build_host_announcement(
    msl_browse *m, const char *name, uint32_t periodicity_ms, uint8_t os_major,
    uint8_t os_minor, uint32_t server_type, const char *comment);
MSL_PROTO_API int msl_browse_build_local_master_announcement(
    msl_browse *m, const char *name, uint32_t periodicity_ms, uint8_t os_major,
    uint8_t os_minor, uint32_t server_type, const char *comment);

/**
 * DomainAnnouncement (0x0C): BrowserConfigVersion 03 0A as Windows, bytes
 * 28..31 as the spec's SHOULD (0F 01 55 AA, as Samba) since Windows leaves
 * them uninitialised. Windows uses server_type DOMAIN_ENUM|NT (0x80001000).
 */
MSL_PROTO_API int msl_browse_build_domain_announcement(msl_browse *m,
                                                 const char *group,
                                                 uint32_t periodicity_ms,
                                                 uint32_t server_type,
                                                 const char *master_name);

/** AnnouncementRequest (0x02): Reserved 0, ResponseName. */
MSL_PROTO_API int msl_browse_build_announcement_request(msl_browse *m,
                                                  const char *response_name);

/** RequestElection (0x08): Version 1, Unused 0. */
MSL_PROTO_API int msl_browse_build_election(msl_browse *m, uint32_t criteria,
                                      uint32_t uptime_ms,
                                      const char *server_name);

/** GetBackupListRequest (0x09); Windows: count 4, token 1. */
MSL_PROTO_API int msl_browse_build_backup_list_request(msl_browse *m, uint8_t count,
                                                 uint32_t token);

/**
 * GetBackupListResponse (0x0A). The n names (n <= 255) are packed into the
 * caller's scratch buffer, which m->u.backup_resp.list then points to.
 * @return 0, MSL_ERR_ARG, or MSL_ERR_BUFFER_TOO_SMALL when scratch is too small
 *         (n * 16 bytes always suffice).
 */
MSL_PROTO_API int msl_browse_build_backup_list_response(msl_browse *m, uint32_t token,
                                                  const char *const *names,
                                                  unsigned n, uint8_t *scratch,
                                                  size_t scratch_cap);

/** BecomeBackup (0x0B) and MasterAnnouncement (0x0D). */
MSL_PROTO_API int msl_browse_build_become_backup(msl_browse *m, const char *name);
MSL_PROTO_API int msl_browse_build_master_announcement(msl_browse *m,
                                                 const char *name);

/** ResetStateRequest (0x0E); type from enum msl_browse_reset_type. */
MSL_PROTO_API int msl_browse_build_reset_state(msl_browse *m, uint8_t type);

/** LM 2.x HostAnnouncement (opcode 0x0001) with the interval in seconds. */
MSL_PROTO_API int msl_browse_build_lanman(msl_browse_lanman *m, const char *name,
                                    uint32_t server_type, uint8_t os_major,
                                    uint8_t os_minor, uint16_t interval_s,
                                    const char *comment);

/* ---- helpers ---- */

/** Length of the name in a 16-byte field: up to the first NUL, else 16. */
MSL_PROTO_API size_t msl_browse_name16_len(const uint8_t name[MSL_BROWSE_NAME_LEN]);

/** DomainAnnouncement bytes 28..31 as one u32, as Wireshark shows them. */
MSL_PROTO_API uint32_t msl_browse_mysterious(const msl_browse_announce *a);

/**
 * Windows' HostAnnouncement timer [MS-BRWS §3.2.6]: after the timer has
 * fired `count` times, the next delay (and Periodicity) in ms: 1, 1, 2, 4,
 * 8 minutes, then 12. (Windows 10 in browse-becomebackup-2016-suricata.pcap
 * sends 60000, 120000, 120000, 240000, 480000.)
 */
MSL_PROTO_API uint32_t msl_browse_host_period_ms(unsigned count);

/** "HostAnnouncement", ... or NULL for an unknown opcode. */
MSL_PROTO_API const char *msl_browse_opcode_name(unsigned opcode);

/** "WORKSTATION", "SERVER", ... for one ServerType bit; NULL when the
 * argument is not a single assigned bit. */
MSL_PROTO_API const char *msl_browse_sv_type_name(uint32_t bit);

/** "BACKUP", "DC", "MASTER", "PREFERRED", "WINS", "PDC" for one role bit,
 * NULL otherwise. */
MSL_PROTO_API const char *msl_browse_role_name(uint8_t bit);

/** "WFW", "NTW", "NTS" for the criteria OS byte, NULL otherwise. */
MSL_PROTO_API const char *msl_browse_elect_os_name(uint8_t os);

/** "STOP_MASTER", "CLEAR_ALL", "STOP" or NULL. */
MSL_PROTO_API const char *msl_browse_reset_name(uint8_t type);

/**
 * Renders ServerType bits as text, lowest bit first, joined by "|"
 * ("WORKSTATION|SERVER|NT"), an unassigned bit as 0x08000000,
 * and 0 as "". Writes at most cap bytes including the NUL (buf may be NULL
 * when cap is 0); returns the length it needs, without the NUL, like
 * snprintf.
 */
MSL_PROTO_API size_t msl_browse_sv_type_format(uint32_t type, char *buf, size_t cap);

/** The same for election role bits ("MASTER|WINS"; unknown bits as 0x40). */
MSL_PROTO_API size_t msl_browse_role_format(uint8_t role, char *buf, size_t cap);

#endif /* MSL_BROWSE_H */
