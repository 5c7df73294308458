/*
 * What a browse client heard, merged: one entry per host and per
 * workgroup, built from browser announcements [MS-BRWS §2.2]. Pure and
 * bounded (caller storage, a fixed table, no allocation).
 *
 * A host announces itself every few minutes, answers an
 * AnnouncementRequest at once, and a multi-homed host (or one heard on two
 * of our interfaces, from two addresses) is heard once per path: so the
 * same host arrives several times. Entries are keyed by (kind, name,
 * workgroup) and the newest announcement wins, as a browser's own list
 * keeps one entry per server:
 *
 *   frame                        entry
 *   HostAnnouncement 0x01        host NAME in the workgroup it was sent to
 *   LocalMasterAnnouncement 0x0F (destination WG<1D> or WG<1E>), and for
 *                                0x0F also the workgroup WG, master NAME
 *   DomainAnnouncement 0x0C      workgroup NAME, master = its MB server
 *   anything else                nothing
 *
 * local_master stays set once a LocalMasterAnnouncement was heard from
 * the host (a master also sends plain HostAnnouncements); every other
 * field is the newest frame's.
 */
#ifndef MSL_BROWSELIST_H
#define MSL_BROWSELIST_H

#include "msl_browse.h"

#define MSL_BROWSE_LIST_MAX 256   /* entries; more are counted, not kept */
#define MSL_BROWSE_LIST_TEXT 48   /* bytes kept of a comment */

enum msl_browse_entry_kind {
  MSL_BROWSE_ENTRY_HOST = 1,
  MSL_BROWSE_ENTRY_WORKGROUP = 2,
};

typedef struct msl_browse_entry {
  uint8_t kind;                  /* enum msl_browse_entry_kind */
  uint8_t name_len;
  uint8_t name[MSL_BROWSE_NAME_MAX]; /* host or workgroup, as announced */
  uint8_t wg_len;                /* 0: not known (heard without its
                                    destination name) */
  uint8_t wg[MSL_BROWSE_NAME_MAX];   /* host: the workgroup it announced
                                        to; workgroup: its own name */
  uint8_t opcode;                /* the newest frame's MS-BRWS opcode */
  uint32_t ip;                   /* its sender (host order) */
  uint8_t has_type;              /* server_type and os_* are known */
  uint32_t server_type;
  uint8_t os_major, os_minor;
  uint8_t text_len;              /* host: comment; workgroup: master */
  uint8_t text[MSL_BROWSE_LIST_TEXT];
  uint8_t text_cut;              /* the comment was longer than kept */
  uint8_t local_master;          /* a LocalMasterAnnouncement was heard */
  uint32_t heard;                /* frames merged into this entry */
  uint64_t seq;                  /* arrival number of the newest */
} msl_browse_entry;

typedef struct msl_browse_list {
  msl_browse_entry e[MSL_BROWSE_LIST_MAX]; /* in order of first arrival */
  size_t n;
  uint64_t seq;     /* frames added so far */
  uint64_t dropped; /* new entries refused: the table was full */
} msl_browse_list;

/** Empties l. */
MSL_PROTO_API void msl_browse_list_init(msl_browse_list *l);

/**
 * Adds what frame b (sent by ip, host order, to the raw 16-byte NetBIOS
 * name dst, or NULL when not known) announces. Returns the number of
 * entries it added or refreshed (0, 1 or 2), or MSL_ERR_ARG (NULL l or b).
 */
MSL_PROTO_API int msl_browse_list_add(msl_browse_list *l, const msl_browse *b,
                                      uint32_t ip, const uint8_t *dst);

#endif /* MSL_BROWSELIST_H */
