/*
 * Ancillary data on an outgoing message (SCM_RIGHTS for a passed
 * descriptor; IP_PKTINFO for the source address and UDP_SEGMENT), for
 * every sendmsg that carries some.
 */
#ifndef MSL_CMSG_H
#define MSL_CMSG_H

#include <string.h>
#include <sys/socket.h>

/* Appends one LEVEL/TYPE item carrying the LEN bytes at DATA to the
 * control data being built in BUF (CAP bytes, zeroed, aligned for a
 * cmsghdr), of which *USED are taken; *USED grows by its space. */
static inline void msl_cmsg_add(void *buf, size_t cap, size_t *used,
                                int level, int type, const void *data,
                                size_t len) {
  struct msghdr mh;
  memset(&mh, 0, sizeof(mh));
  mh.msg_control = (char *)buf + *used;
  mh.msg_controllen = cap - *used;
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(len);
  memcpy(CMSG_DATA(c), data, len);
  *used += CMSG_SPACE(len);
}

/* Points MH's control data at BUF (CAP bytes, aligned for a cmsghdr, at
 * least CMSG_SPACE(LEN)) and fills it with one LEVEL/TYPE item carrying the
 * LEN bytes at DATA. */
static inline void msl_cmsg_set(struct msghdr *mh, void *buf, size_t cap,
                                int level, int type, const void *data,
                                size_t len) {
  size_t used = 0;
  memset(buf, 0, cap);
  msl_cmsg_add(buf, cap, &used, level, type, data, len);
  mh->msg_control = buf;
  mh->msg_controllen = cap;
}

#endif /* MSL_CMSG_H */
