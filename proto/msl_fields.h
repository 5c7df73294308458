/*
 * Field tables: every field the printers show, described once, as
 * Wireshark's hf arrays describe them: its -V label, its tshark field name,
 * its JSON key, its type (with the width and base of a number, the names
 * of its values or bits) and where it is in the decoded struct (an offset,
 * or a getter). The -V tree, the JSON Lines and the one-line summary are
 * three interpreters of these tables (msl_fields.c); the printers
 * (msl_print_*.c) only choose the tables of a packet's layers.
 *
 * Two levels, as in a Wireshark dissector:
 *   msl_field         what a field is (the hf entry): one per field, in the
 *                     protocol's array (proto/msl_fields_<proto>.c);
 *   msl_field_layout  which fields a message shows, in which order, under
 *                     which condition and in which printers: a list of
 *                     msl_field_item, each pointing to a field. A field may
 *                     stand in a layout twice where the tree and JSON order
 *                     differ (the JSON keys keep the order docs/json.md and
 *                     the golden files have).
 *
 * Internal to proto/ (the printers and their tests); pure like the rest of
 * proto/: no allocation, no I/O, no globals but const tables.
 */
#ifndef MSL_FIELDS_H
#define MSL_FIELDS_H

#include <stddef.h>

#include "msl_print.h"

/* Field types [the FT_* of Wireshark, as far as we need them]. */
enum msl_ftype {
  MSL_FT_UINT,    /* unsigned integer (size bytes at off, or get), mask */
  MSL_FT_BOOL,    /* one bit (mask) of an integer: tree bit line, JSON bool */
  MSL_FT_TRUE,    /* JSON `true` (whether it is shown says it) */
  MSL_FT_IPV4,    /* uint32_t, host order; MSL_FF_NET: 4 bytes, network order */
  MSL_FT_ETHER,   /* 6 bytes, "00:0c:29:3d:23:fd" */
  MSL_FT_GUID,    /* 16 bytes in the registry form Windows shows */
  MSL_FT_NBNAME,  /* msl_nbname (msl_nbname_format) */
  MSL_FT_ASCII,   /* msl_view of OEM text: printable as is, others <xx> */
  MSL_FT_UTF16,   /* msl_view of UTF-16LE text */
  MSL_FT_DNAME,   /* msl_netlogon_dname; the layout's struct is msl_netlogon */
  MSL_FT_BYTES,   /* msl_view as hex (MSL_FF_DUMP: the tree's -x dump) */
  MSL_FT_VERSION, /* two bytes at off: "major.minor" (tree and summary) */
  MSL_FT_STRLIST, /* ASCII strings from `next`: JSON array, tree lines */
  MSL_FT_LIST,    /* structs from `next`, each shown by `sub` */
  MSL_FT_OBJECT,  /* the struct at off, shown by `sub` (JSON object) */
  MSL_FT_RELTIME, /* the msl_pkt_meta at base: seconds, 6 decimals */
  MSL_FT_STR,     /* a number shown by its name only (JSON: a string) */
};

/* msl_field.flags */
enum msl_fflag {
  MSL_FF_HEX = 0x01,     /* number in hex: "0x" and `digits` digits */
  MSL_FF_BITLIST = 0x02, /* tree: a line per set bit below the value, named
                            by name() ("unassigned bit" when NULL) */
  MSL_FF_DOTTED = 0x04,  /* tree: Wireshark's bit line "..1. .... = label:
                            value" over the `width`-bit word, mask shown */
  MSL_FF_SET = 0x08,     /* MSL_FT_BOOL: the tree says "set", not yes/no */
  MSL_FF_NET = 0x10,     /* MSL_FT_IPV4: 4 network-order bytes at off */
  MSL_FF_HEADING = 0x20, /* MSL_FT_LIST: a "label: " line before each entry,
                            its fields one level deeper */
  MSL_FF_DUMP = 0x40,    /* MSL_FT_BYTES: the tree shows them only as a hex
                            dump, and only with MSL_PRINT_HEX (-x) */
};

/* How the tree (and the summary) shows a number with a name. */
enum msl_fname_style {
  MSL_FN_NUM_NAME = 0, /* "0x10 DIRECT_UNIQUE", "5 registration" */
  MSL_FN_NAME_NUM,     /* "NB (32)" */
  MSL_FN_NUM_PNAME,    /* "2 (unreliable & broadcast)" */
  MSL_FN_NAME,         /* "H" */
};

typedef struct msl_field msl_field;
typedef struct msl_field_val msl_field_val;
typedef struct msl_field_item msl_field_item;
typedef struct msl_field_layout msl_field_layout;
typedef struct msl_field_ctx msl_field_ctx;
typedef struct msl_field_iter msl_field_iter;

/* A value and its name [Wireshark: value_string]; a table ends with a
 * NULL name. For a set of bits, v is one bit. */
struct msl_field_val {
  uint32_t v;
  const char *name;
};

/* A JSON key as written: `"id":` (the comma before a member is the
 * printer's); fixed size so that it is copied in one move. */
#define MSL_FIELD_KEY_MAX 32

/* One field [Wireshark: header_field_info]. */
struct msl_field {
  const char *label;  /* -V label; NULL: the tree has no line of it */
  const char *abbrev; /* tshark's field name; NULL: tshark has none */
  char key[MSL_FIELD_KEY_MAX];  /* JSON `"key":`; "" : not in JSON */
  char key2[MSL_FIELD_KEY_MAX]; /* JSON `"key_name":` of a value's name, or
                                   `"key_names":` of the set bits' names */
  uint8_t klen, k2len;
  uint8_t k2bits; /* 1: key2 lists the set bits' names (MSL_FKEYS) */
  uint8_t type;   /* msl_ftype */
  uint8_t flags;  /* msl_fflag */
  uint8_t size;   /* bytes of the member at off: 1, 2, 4 or 8 */
  uint8_t digits; /* MSL_FF_HEX: hex digits at least */
  uint8_t width;  /* MSL_FF_DOTTED, MSL_FT_BOOL: bits of the word (8-32) */
  uint8_t style;  /* msl_fname_style */
  uint16_t off;   /* offset of the member in the layout's struct */
  uint32_t mask;  /* bits of the member that hold the value (0: all) */
  uint32_t bmask; /* bits named in key2 (0: all) */
  /* Names of the values, or of the bits of a set of bits (MSL_FF_BITLIST
   * or k2bits): a table, or a function (NULL when unknown) where the
   * protocol module has one. */
  const msl_field_val *vals;
  const char *(*name)(uint32_t v);
  /* For an unknown value: the tree shows nul (nothing when NULL), JSON
   * shows nul or "". */
  const char *nul;
  const char *unit; /* tree: after the value (" ms") */
  /* Getters, instead of off: a number, or a view. */
  uint64_t (*get)(const void *base);
  msl_view (*getv)(const void *base);
  /* Tree: more text after the value on its line. */
  void (*tail)(msl_out *o, const msl_field_ctx *c);
  /* MSL_FT_LIST, MSL_FT_OBJECT: the layout of an entry. MSL_FT_LIST,
   * MSL_FT_STRLIST: the entries, one per call (1, or 0 at the end). */
  const msl_field_layout *sub;
  int (*next)(const msl_field_ctx *c, const msl_field *f, msl_field_iter *it);
  unsigned arg; /* for next (e.g. which NBNS section) */
};

/* msl_field_item.in: the printers an item is for. */
enum msl_fin {
  MSL_FIN_BOTH = 0, /* tree and JSON */
  MSL_FIN_TREE,     /* the -V tree only */
  MSL_FIN_JSON,     /* JSON only */
};

/* msl_field_item.when: when an item is shown (pred, when set, too). */
enum msl_fwhen {
  MSL_FW_ALWAYS = 0,
  MSL_FW_NONZERO, /* the value (a view: its length) is not 0 */
  MSL_FW_SET,     /* the view was read (ptr not NULL) */
  MSL_FW_UPTO,    /* the frame was read up to arg bytes (msl_field_ctx.got) */
  MSL_FW_NE,      /* the value is not arg */
};

/* msl_field_item.style in a summary. */
enum msl_fsum {
  MSL_FS_VALUE = 0, /* the value as the tree shows it (no unit, no tail) */
  MSL_FS_NAME,      /* the value's name only */
  MSL_FS_NUM,       /* the number only */
  MSL_FS_FLAG,      /* pre alone, when the value is not 0 */
};

/* One place a field is shown [the proto_tree_add_item call of a
 * dissector]. */
struct msl_field_item {
  const msl_field *f;
  uint8_t in;    /* msl_fin; unused in a summary */
  uint8_t ind;   /* tree: levels below the layout's own */
  uint8_t when;  /* msl_fwhen */
  uint8_t style; /* summary: msl_fsum */
  uint16_t arg;  /* MSL_FW_UPTO, MSL_FW_NE */
  int (*pred)(const msl_field_ctx *c); /* and shown only when it says 1 */
  const char *pre, *post;              /* summary: around the value */
};

/* Fields of a message, in order; then those of `next`. Defined with
 * MSL_FIELD_LAYOUT_DEF (msl_fields_json.h), which compiles `json`. */
struct msl_field_layout {
  const msl_field_item *items; /* tree and JSON */
  size_t n;
  const msl_field_item *text; /* the one-line summary */
  size_t ntext;
  const msl_field_layout *next;
  /* The JSON members of items: msl_fields_json_items compiled for this
   * layout. */
  void (*json)(msl_out *o, const msl_field_ctx *c, int *n);
};

/*
 * Writing layouts: each table file names its field array F, and lists
 * items as MSL_FI(X) (field X, shown always, in the tree and JSON) or
 * MSL_FIW(X, properties...) with these properties:
 */
#define MSL_FI(x) {.f = &F[x]}
#define MSL_FIW(x, ...) {.f = &F[x], __VA_ARGS__}
#define MSL_ONLY_TREE .in = MSL_FIN_TREE
#define MSL_ONLY_JSON .in = MSL_FIN_JSON
#define MSL_NESTED .ind = 1 /* tree: one level below */
#define MSL_IF_NONZERO .when = MSL_FW_NONZERO
#define MSL_IF_SET .when = MSL_FW_SET
#define MSL_IF_UPTO(end) .when = MSL_FW_UPTO, .arg = (end)
#define MSL_IF_NE(v) .when = MSL_FW_NE, .arg = (v)
#define MSL_IF(fn) .pred = (fn)
/* and summary items: words before (and after) the value, or its style */
#define MSL_SAY(before) .pre = (before)
#define MSL_SAY2(before, after) .pre = (before), .post = (after)
#define MSL_AS_NAME .style = MSL_FS_NAME
#define MSL_AS_NUM .style = MSL_FS_NUM
#define MSL_AS_FLAG .style = MSL_FS_FLAG

/* What the interpreters read from. */
struct msl_field_ctx {
  const void *base;       /* the struct the layout describes */
  const msl_dissect *d;   /* the packet */
  size_t got;             /* bytes of a frame read before an error
                             (MSL_FW_UPTO); SIZE_MAX: all */
  unsigned flags;         /* MSL_PRINT_* */
  unsigned ind;           /* tree: indentation of the layout's items */
};

/* A node-status name entry as the tables show it [RFC 1002 4.2.18]. */
typedef struct msl_field_node_name {
  msl_nbname name;
  uint16_t flags;
} msl_field_node_name;

/* The state of an iteration (MSL_FT_LIST, MSL_FT_STRLIST). `next` sets
 * elem to the entry (for a STRLIST: to a msl_view, e.g. &v); i counts the
 * entries before. */
struct msl_field_iter {
  size_t i;
  size_t n; /* for next: e.g. how many there are, found when i is 0 */
  const void *elem;
  msl_view v;
  union {
    msl_browse_names names;
    msl_nbns_nb nb;
    msl_field_node_name nn;
  } u;
};

/* Helpers for the tables. */
#define MSL_FAT(type, member)                                                  \
  .off = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define MSL_FKEY(k) .key = "\"" k "\":", .klen = sizeof("\"" k "\":") - 1
/* The key of the value's name ("type_name" for "type"). */
#define MSL_FNAMEKEY(k)                                                        \
  .key2 = "\"" k "_name\":", .k2len = sizeof("\"" k "_name\":") - 1
/* The key of the set bits' names ("flags_names" for "flags"). */
#define MSL_FBITSKEY(k)                                                        \
  .key2 = "\"" k "_names\":", .k2len = sizeof("\"" k "_names\":") - 1,       \
  .k2bits = 1
#define MSL_FKEYN(k) MSL_FKEY(k), MSL_FNAMEKEY(k)
#define MSL_FKEYS(k) MSL_FKEY(k), MSL_FBITSKEY(k)
/* A field: label, tshark name, JSON key, type, member of struct st; and
 * more designators (MSL_FDEFX). */
#define MSL_FDEF(label, abbrev, key, ft, st, member)                           \
  {label, abbrev, MSL_FKEY(key), .type = (ft), MSL_FAT(st, member)}
#define MSL_FDEFX(label, abbrev, key, ft, st, member, ...)                     \
  {label, abbrev, MSL_FKEY(key), .type = (ft), MSL_FAT(st, member),            \
   __VA_ARGS__}
/* The same for the struct a table file names MSL_FST, and the common
 * kinds: a number (decimal or hex), an ASCII string, a flag bit. */
#define MSL_F(label, abbrev, key, ft, member)                                  \
  MSL_FDEF(label, abbrev, key, ft, MSL_FST, member)
#define MSL_FX(label, abbrev, key, ft, member, ...)                            \
  MSL_FDEFX(label, abbrev, key, ft, MSL_FST, member, __VA_ARGS__)
#define MSL_FNUM(label, abbrev, key, member)                                   \
  MSL_F(label, abbrev, key, MSL_FT_UINT, member)
#define MSL_FHEX(label, abbrev, key, member, n)                                \
  MSL_FX(label, abbrev, key, MSL_FT_UINT, member, .flags = MSL_FF_HEX,         \
         .digits = (n))
#define MSL_FSTR(label, abbrev, key, member)                                   \
  MSL_F(label, abbrev, key, MSL_FT_ASCII, member)
/* A flag bit of a `bits`-bit word (no JSON key: add MSL_FKEY if shown). */
#define MSL_FBIT(label, abbrev, member, bit, bits)                             \
  {label, abbrev, .type = MSL_FT_BOOL, MSL_FAT(MSL_FST, member),               \
   .mask = (bit), .width = (bits)}

/* ---- the interpreters (msl_fields.c) ---- */

/** -V lines of the items of l (and its next layouts) for c. */
void msl_fields_tree(msl_out *o, const msl_field_layout *l,
                     const msl_field_ctx *c);

/**
 * JSON members of the items of l (and its next layouts) for c, each
 * preceded by a comma unless it is the first of its object (*n members
 * written so far, updated).
 */
void msl_fields_json(msl_out *o, const msl_field_layout *l,
                     const msl_field_ctx *c, int *n);

/** The summary items of l (and its next layouts) for c. */
void msl_fields_text(msl_out *o, const msl_field_layout *l,
                     const msl_field_ctx *c);

/** The value of f in the struct at base, masked and shifted down. */
uint64_t msl_fields_uint(const msl_field *f, const void *base);

/* ---- describing the fields (mailslot decode --fields, tests) ---- */

/**
 * f's JSON key (second: the key of its value's or bits' names), without
 * quotes and colon, into buf (NUL-terminated, cut to cap); returns its
 * length, 0 when f has no such key.
 */
size_t msl_fields_key_text(const msl_field *f, int second, char *buf,
                           size_t cap);

/** f's type in words: "uint16", "uint8 hex", "uint32 bits", "bool",
 * "ipv4", "nbname", "string", ... */
const char *msl_fields_type_name(const msl_field *f);

/* ---- the tables (msl_fields_<proto>.c) ---- */

/* A protocol's field array, for listings and tests. */
typedef struct msl_field_table {
  const char *proto; /* "frame", "nbdgm", "smb", "browser", ... */
  const msl_field *fields;
  size_t n;
} msl_field_table;
extern const msl_field_table msl_ft_frame, msl_ft_nbdgm, msl_ft_smb,
    msl_ft_browse, msl_ft_netlogon, msl_ft_nbns;
/* All of them, NULL-terminated. */
extern const msl_field_table *const msl_field_tables[];

/* The packet: frame number, time, addresses (msl_pkt_meta). */
extern const msl_field_layout msl_fl_frame;
extern const msl_field_layout msl_fl_frame_quoted; /* an ICMP error's */

/* NetBIOS datagram header [RFC 1002 4.4] (msl_nbdgm). */
extern const msl_field_layout msl_fl_nbdgm;

/* SMB header and transaction words (msl_smbtr), and the mailslot write
 * [MS-MAIL 2.2.1] when msl_fields_smb_is_mailslot. */
extern const msl_field_layout msl_fl_smb;
extern const msl_field_layout msl_fl_mailslot;
int msl_fields_smb_is_mailslot(const msl_smbtr *s);

/* Browser frames [MS-BRWS 2.2] (msl_browse): the command, then the body of
 * its opcode (which ends with the bytes after the frame). */
extern const msl_field_layout msl_fl_browse_command;
const msl_field_layout *msl_fields_browse_body(const msl_browse *b);
/* LAN Manager 2.x announcement (msl_browse_lanman); the summary's command
 * word is msl_fl_lanman_command's, the rest msl_fl_lanman's. */
extern const msl_field_layout msl_fl_lanman;
extern const msl_field_layout msl_fl_lanman_command;

/* Netlogon [MS-ADTS 6.3.1] (msl_netlogon): the command, then the body of
 * its opcode (only the bytes after it when partial). */
extern const msl_field_layout msl_fl_netlogon_command;
const msl_field_layout *msl_fields_netlogon_body(const msl_netlogon *m,
                                                 int partial);

/* NetBIOS name service [RFC 1002 4.2] (msl_nbns). */
extern const msl_field_layout msl_fl_nbns;

#endif /* MSL_FIELDS_H */
