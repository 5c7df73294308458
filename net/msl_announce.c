/* Host announcements from the service (see msl_announce.h). */
#define _GNU_SOURCE
#include "msl_announce.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "msl_browse.h"
#include "msl_nbdgm.h"
#include "msl_smbtr.h"

static void copy(char *dst, size_t cap, const char *src) {
  size_t n = src ? strlen(src) : 0;
  if (n >= cap)
    n = cap - 1;
  if (n)
    memcpy(dst, src, n);
  dst[n] = '\0';
}

int msl_announce_init(msl_announce *a, const char *name, const char *workgroup,
                      const char *scope, const char *comment, uint16_t port,
                      unsigned scale, uint64_t now_ms) {
  if (!a || !name || !workgroup || strlen(name) > MSL_BROWSE_NAME_MAX ||
      strlen(workgroup) > MSL_BROWSE_NAME_MAX)
    return MSL_ERR_ARG;
  memset(a, 0, sizeof(*a));
  copy(a->name, sizeof(a->name), name);
  copy(a->workgroup, sizeof(a->workgroup), workgroup);
  copy(a->comment, MSL_BROWSE_COMMENT_MAX + 1, comment);
  for (char *c = a->name; *c; c++) /* Windows announces upper case */
    if (*c >= 'a' && *c <= 'z')
      *c = (char)(*c - 'a' + 'A');
  if (msl_nbname_make(&a->dst, a->workgroup, MSL_NB_MASTER_BROWSER,
                      scope && *scope ? scope : NULL) != 0)
    return MSL_ERR_ARG;
  if (!scale) {
    const char *e = getenv(MSL_ANNOUNCE_SCALE_ENV);
    long v = e ? strtol(e, NULL, 10) : 1;
    scale = v > 0 && v < 100000 ? (unsigned)v : 1;
  }
  a->scale = scale;
  a->port = port;
  a->next_ms = now_ms + msl_browse_host_period_ms(0) / a->scale;
  return 0;
}

int msl_announce_input(msl_announce *a, const uint8_t *p, size_t len,
                       uint64_t now_ms) {
  msl_nbdgm d;
  msl_smbtr t;
  msl_browse b;
  static const char slot[] = MSL_BROWSE_MAILSLOT;
  if (!a || msl_nbdgm_decode_ex(&d, p, len, MSL_NBDGM_SHORT_LENGTH_OK) != 0)
    return 0;
  if (d.type < MSL_NBDGM_DIRECT_UNIQUE || d.type > MSL_NBDGM_BROADCAST ||
      (d.flags & (MSL_NBDGM_FLAG_FIRST | MSL_NBDGM_FLAG_MORE)) !=
          MSL_NBDGM_FLAG_FIRST ||
      d.offset != 0)
    return 0;
  if (msl_smbtr_decode(&t, d.data.ptr, d.data.len) != 0 ||
      t.name.len != sizeof(slot) - 1 ||
      strncasecmp((const char *)t.name.ptr, slot, t.name.len) != 0)
    return 0;
  if (msl_browse_decode(&b, t.data.ptr, t.data.len) != 0 ||
      b.opcode != MSL_BROWSE_ANNOUNCEMENT_REQUEST)
    return 0;
  a->requests++;
  if (a->reply_ms) /* one already scheduled answers this one too */
    return 0;
  uint32_t r = 0;
  if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
    r = (uint32_t)now_ms;
  a->reply_ms = now_ms + 1 + (r % MSL_ANNOUNCE_REPLY_MAX_MS) / a->scale;
  return 1;
}

static void send_one(msl_announce *a, msl_dgram_sender *s, uint32_t period) {
  msl_browse m;
  uint8_t buf[MSL_BROWSE_ANNOUNCE_FIXED + MSL_BROWSE_COMMENT_MAX + 8];
  msl_dgram_dest dest;
  if (msl_browse_build_host_announcement(&m, a->name, period,
                                         MSL_ANNOUNCE_OS_MAJOR,
                                         MSL_ANNOUNCE_OS_MINOR,
                                         MSL_ANNOUNCE_TYPE, a->comment) != 0) {
    a->errors++;
    return;
  }
  int n = msl_browse_encode(&m, buf, sizeof(buf));
  if (n < 0) {
    a->errors++;
    return;
  }
  memset(&dest, 0, sizeof(dest));
  dest.group = 1;
  dest.port = a->port;
  dest.name = a->dst;
  memcpy(dest.mailslot, MSL_BROWSE_MAILSLOT, sizeof(MSL_BROWSE_MAILSLOT));
  if (msl_dgram_send(s, &dest, buf, (size_t)n) == 0)
    a->sent++;
  else
    a->errors++;
}

uint64_t msl_announce_tick(msl_announce *a, msl_dgram_sender *s,
                           uint64_t now_ms) {
  uint32_t period = msl_browse_host_period_ms(a->count);
  if (now_ms >= a->next_ms) {
    a->count++;
    period = msl_browse_host_period_ms(a->count);
    send_one(a, s, period);
    a->next_ms = now_ms + period / a->scale;
    a->reply_ms = 0; /* this one answers a pending request too */
  } else if (a->reply_ms && now_ms >= a->reply_ms) {
    /* Periodicity: the time left until our next periodic announcement. */
    send_one(a, s, (uint32_t)((a->next_ms - now_ms) * a->scale));
    a->reply_ms = 0;
  }
  uint64_t next = a->next_ms;
  if (a->reply_ms && a->reply_ms < next)
    next = a->reply_ms;
  return next > now_ms ? next - now_ms : 0;
}

void msl_announce_soon(msl_announce *a, uint64_t now_ms) {
  if (a && (!a->reply_ms || a->reply_ms > now_ms))
    a->reply_ms = now_ms ? now_ms : 1; /* 0 means none */
}
