/*
 * One ancillary-data item on an outgoing message (SCM_RIGHTS for a passed
 * descriptor, IP_PKTINFO for the source address), for every sendmsg that
 * carries one.
 */
#ifndef MSL_CMSG_H
#define MSL_CMSG_H

#include <string.h>
#include <sys/socket.h>

/* Points MH's control data at BUF (CAP bytes, aligned for a cmsghdr, at
 * least CMSG_SPACE(LEN)) and fills it with one LEVEL/TYPE item carrying the
 * LEN bytes at DATA. */
static inline void msl_cmsg_set(struct msghdr *mh, void *buf, size_t cap,
                                int level, int type, const void *data,
                                size_t len) {
  memset(buf, 0, cap);
  mh->msg_control = buf;
  mh->msg_controllen = cap;
  struct cmsghdr *c = CMSG_FIRSTHDR(mh);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(len);
  memcpy(CMSG_DATA(c), data, len);
}

#endif /* MSL_CMSG_H */
