/*
 * SMB_COM_TRANSACTION mailslot write [MS-MAIL §2.2.1, MS-CIFS §2.2.4.33,
 * MS-SMB §2.2.3.1]: the USER_DATA of a NetBIOS datagram carrying a mailslot
 * message. Every integer is little-endian. Offsets are from the start of the
 * SMB header (byte 0 below), never from the datagram.
 *
 *   off  size  field                    off  size  field
 *   ---  ----  -----------------------  ---  ----  ----------------------
 *     0     4  FF 'S' 'M' 'B'            33     2  TotalParameterCount
 *     4     1  Command (0x25)            35     2  TotalDataCount
 *     5     4  Status                    37     2  MaxParameterCount
 *     9     1  Flags                     39     2  MaxDataCount
 *    10     2  Flags2                    41     1  MaxSetupCount
 *    12     2  PIDHigh                   42     1  Reserved
 *    14     8  SecurityFeatures          43     2  Flags (transaction)
 *    22     2  Reserved                  45     4  Timeout
 *    24     2  TID                       49     2  Reserved2
 *    26     2  PIDLow                    51     2  ParameterCount
 *    28     2  UID                       53     2  ParameterOffset
 *    30     2  MID                       55     2  DataCount
 *    32     1  WordCount (17)            57     2  DataOffset
 *                                        59     1  SetupCount (3)
 *                                        60     1  Reserved3
 *                                        61     2  Setup[0] opcode (1)
 *                                        63     2  Setup[1] Priority
 *                                        65     2  Setup[2] Class
 *                                        67     2  ByteCount
 *
 *   69                     name_end             DataOffset
 *   +----------------------+--------------------+------------+----------+
 *   | "\MAILSLOT\name" NUL  | Padding (0..3)     | Databytes  | trailing |
 *   +----------------------+--------------------+------------+----------+
 *
 * A receiver locates the message with DataOffset and DataCount only
 * (MS-MAIL §3.2.5.1); ByteCount, Priority, Class and Timeout are ignored on
 * receipt (MS-MAIL <8>-<11>) but kept here so that a decoded packet
 * re-encodes byte for byte.
 */
#ifndef MSL_SMBTR_H
#define MSL_SMBTR_H

#include "msl_buf.h"

#define MSL_SMBTR_HDR_LEN 32  /* SMB header */
#define MSL_SMBTR_CMD 0x25    /* SMB_COM_TRANSACTION */
#define MSL_SMBTR_WORDS 17    /* WordCount of a mailslot write */
#define MSL_SMBTR_SETUP 3     /* SetupCount */
#define MSL_SMBTR_OP_WRITE 1  /* MailSlotOpcode: write */
#define MSL_SMBTR_NAME_OFF 69 /* 32 + 1 + 2 * 17 + 2: first name byte */
#define MSL_SMBTR_PREFIX "\\MAILSLOT\\"
#define MSL_SMBTR_PREFIX_LEN 10

/*
 * Windows caps a mailslot write over NBT at 512 bytes of SMB (header,
 * transaction words, name, pad and data) [MS-MAIL §2.1, <2>].
 */
#define MSL_SMBTR_MAX_LEN 512
/* With MSL_SMBTR_F_NOLIMIT: DataOffset and DataCount are 16-bit fields. */
#define MSL_SMBTR_MAX_LEN_NOLIMIT 65535
/*
 * Longest mailslot name, "\MAILSLOT\" included, NUL excluded. MS-MAIL sets no
 * bound of its own; §2.1 limits MailslotName + Databytes to 443 bytes over
 * UDP (512 - 69), so a name never exceeds 442 bytes plus its NUL. Decoding
 * and encoding both enforce it.
 */
#define MSL_SMBTR_NAME_MAX 442

/* Setup[2] Class [MS-MAIL §2.2.1]. */
enum { MSL_SMBTR_CLASS_RELIABLE = 1, MSL_SMBTR_CLASS_UNRELIABLE = 2 };

/* msl_smbtr.flags: options of the encoder (not on the wire). */
enum {
  /* Allow an SMB longer than MSL_SMBTR_MAX_LEN (up to 65535 bytes), e.g. for
   * a datagram that will be fragmented. The decoder sets it when the
   * received SMB was longer, so that the message re-encodes as received. */
  MSL_SMBTR_F_NOLIMIT = 0x1,
};

/*
 * A decoded (or to-be-sent) mailslot write. Fields hold the values as read;
 * the constant fields (protocol, command 0x25, WordCount 17, SetupCount 3,
 * opcode 1) are implied. Views point into the decoded buffer ("valid while
 * p is") or, after msl_smbtr_init_write, into the caller's name and data.
 */
typedef struct msl_smbtr {
  /* SMB header [MS-SMB §2.2.3.1] */
  uint32_t status;
  uint8_t smb_flags;
  uint16_t smb_flags2;
  uint16_t pid_high;
  uint8_t security[8];
  uint16_t reserved;
  uint16_t tid;
  uint16_t pid_low;
  uint16_t uid;
  uint16_t mid;
  /* SMB_COM_TRANSACTION words [MS-CIFS §2.2.4.33.1] */
  uint16_t total_param_count;
  uint16_t total_data_count;
  uint16_t max_param_count;
  uint16_t max_data_count;
  uint8_t max_setup_count;
  uint8_t reserved1;
  uint16_t trans_flags;
  uint32_t timeout;
  uint16_t reserved2;
  uint16_t param_count;
  uint16_t param_offset;
  uint16_t data_count;  /* == data.len */
  uint16_t data_offset; /* == 69 + name.len + 1 + pad.len */
  uint8_t reserved3;
  uint16_t priority;       /* Setup[1] */
  uint16_t mailslot_class; /* Setup[2] */
  uint16_t byte_count;     /* as read; not checked */
  /* SMB_Data */
  msl_view name;     /* "\MAILSLOT\...", without the NUL */
  msl_view pad;      /* bytes between the NUL and DataOffset; ptr NULL = 0s */
  msl_view data;     /* the message: DataCount bytes at DataOffset */
  msl_view trailing; /* bytes after the data, up to the end of the SMB */
  unsigned flags;    /* MSL_SMBTR_F_* */
  /* Decode only: the fields that are constant in a mailslot write, as
   * read (a write has 0x25, 17, 3, 1), which parts were read
   * (MSL_SMBTR_HAVE_*), also after an error, and on error the offset (from
   * the SMB's start) of the field that could not be read or was refused. */
  uint8_t command, word_count, setup_count;
  uint16_t opcode; /* Setup[0] */
  uint8_t have;
  size_t err_off;
} msl_smbtr;

/* msl_smbtr.have bits. */
enum {
  MSL_SMBTR_HAVE_HEADER = 0x01, /* the 32-byte SMB header and WordCount */
  MSL_SMBTR_HAVE_WORDS = 0x02,  /* the transaction words, Setup, ByteCount */
  MSL_SMBTR_HAVE_NAME = 0x04,   /* the transaction name (name), a mailslot
                                   name or not */
};

/* Sender profiles for msl_smbtr_init_write (checked against captures). */
enum msl_smbtr_style {
  /*
   * A Windows client writing through the redirector [MS-MAIL §2.2.1, §4]:
   * Flags 0x18, Flags2 0x0004, PIDLow 0xFEFF, MaxParameterCount 2, Timeout 0,
   * Priority 0, data 4-aligned from the SMB start with zero padding and
   * ParameterOffset = DataOffset. (No capture we hold has this style.)
   */
  MSL_SMBTR_WINDOWS_CLIENT,
  /*
   * Windows system services (browser, netlogon) [MS-BRWS §4.1]: header all
   * zero, Timeout 1000, Priority 0, no pad, ParameterOffset 0. Seen in
   * windows-xp-browse-eapon1.pcap and netlogon-*.pcap (those set Priority 1
   * on elections, requests and netlogon; set m->priority after init).
   */
  MSL_SMBTR_BROWSER,
  /*
   * Samba nmbd: header all zero, Timeout 0, Priority 1, no pad,
   * ParameterOffset 0 (samba-nmbd-lan.pcap frames from 198.18.5.1).
   */
  MSL_SMBTR_SAMBA,
};

/*
 * Decodes a mailslot write from the SMB bytes p[0..len) (the datagram's
 * USER_DATA). The name is read NUL-terminated from offset 69; the data is
 * taken from DataOffset/DataCount alone, after checking (in size_t) that
 * 69 + name + NUL <= DataOffset and DataOffset + DataCount <= len. Bytes
 * between the NUL and DataOffset are `pad`, bytes after the data are
 * `trailing`. ByteCount may disagree; padding need not align.
 * Views in *out point into p and are valid while p is; after an error
 * *out holds what was read before it: `have` says which parts, err_off
 * where the decoder stopped (for a dissector; nothing else may use it).
 * A name without the "\MAILSLOT\" prefix is still read (HAVE_NAME) before
 * MSL_ERR_NOT_MAILSLOT.
 * Returns 0 or: MSL_ERR_ARG (NULL out, or NULL p with len > 0),
 * MSL_ERR_TRUNCATED (input ends inside the header, words or name),
 * MSL_ERR_NOT_SMB (no FF 'S' 'M' 'B'), MSL_ERR_NOT_MAILSLOT (command not
 * 0x25, WordCount not 17, SetupCount not 3, opcode not 1, name without a
 * case-insensitive "\MAILSLOT\" prefix or with nothing after it),
 * MSL_ERR_INVALID (DataOffset before the end of the name, data beyond len,
 * name longer than MSL_SMBTR_NAME_MAX).
 */
MSL_PROTO_API int msl_smbtr_decode(msl_smbtr *out, const uint8_t *p, size_t len);

/*
 * Writes the message described by *m into buf[0..cap). Fields are written
 * as stored; the constant fields are written with their fixed values.
 * The layout must be consistent: data_count == data.len, data_offset ==
 * 69 + name.len + 1 + pad.len, and the name must pass the decoder's checks.
 * Returns the length written (the SMB length), or: MSL_ERR_ARG (NULL m, a
 * NULL view pointer with a non-zero length other than pad),
 * MSL_ERR_INVALID (inconsistent counts or offsets, bad name),
 * MSL_ERR_MSG_TOO_BIG (longer than MSL_SMBTR_MAX_LEN without
 * MSL_SMBTR_F_NOLIMIT, or longer than 65535), MSL_ERR_BUFFER_TOO_SMALL (cap too
 * small; buf may be NULL with cap 0 to ask for nothing but this error).
 */
MSL_PROTO_API int msl_smbtr_encode(const msl_smbtr *m, uint8_t *buf, size_t cap);

/*
 * Fills *m for sending `len` bytes of `data` to `mailslot_name` (e.g.
 * "\\MAILSLOT\\BROWSE"; kept as given, compared case-insensitively) in the
 * given style. m->name and m->data point to the caller's strings: they must
 * stay valid until the message is encoded. The pad view points to a static
 * zero table. Returns 0 or: MSL_ERR_ARG (NULL m or name, NULL data with
 * len > 0, unknown style, name without the "\MAILSLOT\" prefix, nothing
 * after it, a control byte in it, or longer than MSL_SMBTR_NAME_MAX),
 * MSL_ERR_MSG_TOO_BIG (the SMB would exceed 65535 bytes). A message over the
 * 512-byte Windows cap is accepted here but refused by msl_smbtr_encode
 * unless the caller sets MSL_SMBTR_F_NOLIMIT in m->flags.
 */
MSL_PROTO_API int msl_smbtr_init_write(msl_smbtr *m, const char *mailslot_name,
                                 const uint8_t *data, size_t len,
                                 enum msl_smbtr_style style);

/*
 * Largest message Windows sends to this mailslot in one 512-byte SMB
 * [MS-MAIL <2>]: 432 - ROUND_UP_4(length of the name after "\MAILSLOT\"),
 * e.g. 424 for "\MAILSLOT\BROWSE". It assumes 4-aligned data (the
 * Windows client style, the tightest); the unpadded styles fit up to 3
 * bytes more. Returns the size, or MSL_ERR_ARG for a NULL name, a name
 * without the prefix or nothing after it, or longer than
 * MSL_SMBTR_NAME_MAX (or too long to leave room for any data).
 */
MSL_PROTO_API int msl_smbtr_max_data(const char *mailslot_name);

/*
 * Largest message whose mailslot write, in the Windows client layout
 * (4-aligned data, the tightest), takes at most `room` bytes of SMB, and
 * never more than msl_smbtr_max_data: e.g. the room a 576-byte UDP payload
 * leaves after the datagram header and names (MSL_NBDGM_SAMBA_MAX_PAYLOAD).
 * Returns the size, or MSL_ERR_ARG (as msl_smbtr_max_data), MSL_ERR_MSG_TOO_BIG
 * (not even an empty message fits).
 */
MSL_PROTO_API int msl_smbtr_max_data_in(const char *mailslot_name,
                                        size_t room);

/* 1 when the n bytes at s start with "\MAILSLOT\" (any case) and go on. */
MSL_PROTO_API int msl_smbtr_is_mailslot_name(const uint8_t *s, size_t n);

#endif /* MSL_SMBTR_H */
