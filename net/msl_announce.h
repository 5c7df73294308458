/*
 * Host announcements [MS-BRWS §3.2.6] from the service: this host appears
 * in Windows' network neighbourhood (and in Samba nmbd's browse list) as
 * Samba's nmbd makes its host appear. A HostAnnouncement (0x01) on
 * \MAILSLOT\BROWSE, DIRECT_GROUP to WORKGROUP<1D> by broadcast (as nmbd
 * sends it), after 1, 1, 2, 4, 8 minutes, then every 12
 * (msl_browse_host_period_ms); Periodicity is the delay until the next.
 * When a master browser broadcasts AnnouncementRequest (0x02) we answer
 * after a random delay (0-MSL_ANNOUNCE_REPLY_MAX_MS, as §3.2.5.2 asks, so
 * that a LAN does not answer at once). No elections.
 *
 * Timers are driven by the caller (net/msl_service.c): msl_announce_tick
 * sends what is due and says when to call again.
 */
#ifndef MSL_ANNOUNCE_H
#define MSL_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "msl_dgram_service.h"

#define MSL_ANNOUNCE_REPLY_MAX_MS 2000
/* Test-only: divides every interval (and the reply delay) by this
 * positive number. Not for production use. */
#define MSL_ANNOUNCE_SCALE_ENV "MSL_ANNOUNCE_SCALE"
/* What we say we are: a workstation and server running NT (Samba
 * announces WORKSTATION|SERVER|NT|SERVER_UNIX...; Windows 10 0x00051003). */
#define MSL_ANNOUNCE_TYPE 0x00001003u
#define MSL_ANNOUNCE_OS_MAJOR 6
#define MSL_ANNOUNCE_OS_MINOR 1

typedef struct msl_announce {
  char name[16];
  char workgroup[16];
  char comment[44];
  msl_nbname dst;      /* WORKGROUP<1D> in our scope */
  uint16_t port;       /* destination UDP port (our datagram port) */
  unsigned count;      /* timer firings so far */
  unsigned scale;      /* >= 1 */
  uint64_t next_ms;    /* periodic announcement due */
  uint64_t reply_ms;   /* requested announcement due; 0: none */
  uint64_t sent, requests, errors;
} msl_announce;

/**
 * Sets a up; the first announcement is due one period after now_ms.
 * name, workgroup: our NetBIOS names (<= 15 chars); comment may be NULL
 * (at most MSL_BROWSE_COMMENT_MAX characters, longer is cut); scope may
 * be NULL. scale: 0 reads MSL_ANNOUNCE_SCALE_ENV (default 1).
 * @return 0 or MSL_ERR_ARG.
 */
int msl_announce_init(msl_announce *a, const char *name, const char *workgroup,
                      const char *scope, const char *comment, uint16_t port,
                      unsigned scale, uint64_t now_ms);

/**
 * Looks at one received UDP payload: an AnnouncementRequest on
 * \MAILSLOT\BROWSE (unfragmented) schedules an announcement after a
 * random delay. Anything else is ignored; p is not kept. Returns 1 when
 * one was scheduled, else 0.
 */
int msl_announce_input(msl_announce *a, const uint8_t *p, size_t len,
                       uint64_t now_ms);

/**
 * Schedules an announcement at now_ms (the next msl_announce_tick sends
 * it, on every interface, without moving the periodic schedule): the
 * service calls it when interfaces appear, so that their segment learns
 * of us at once rather than at the next period.
 */
void msl_announce_soon(msl_announce *a, uint64_t now_ms);

/**
 * Sends the announcements due at now_ms through s (group send: one per
 * interface). Returns ms until the next is due.
 */
uint64_t msl_announce_tick(msl_announce *a, msl_dgram_sender *s,
                           uint64_t now_ms);

#endif /* MSL_ANNOUNCE_H */
