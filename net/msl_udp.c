/* The datagram service's UDP socket (see msl_udp.h). */
#define _GNU_SOURCE
#include "msl_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msl_cmsg.h"
#include "msl_syserr.h"

#define BATCH_MAX 64
/* UDP segmentation offload: a segment fits an Ethernet frame (1500 - IP
 * and UDP headers), at most 64 segments [UDP_MAX_SEGMENTS] and one IP
 * packet's worth of bytes per send. */
#define GSO_SEG_MAX 1472
#define GSO_SEGS_MAX 64
#define GSO_BYTES_MAX 65000

/* The errors of a send the kernel would not segment: the device cannot
 * checksum for it (EIO), the segment exceeds the path's MTU (EINVAL), or
 * the kernel predates UDP_SEGMENT (ENOPROTOOPT, EOPNOTSUPP). */
static int gso_refused(int e) {
  return e == EIO || e == EINVAL || e == ENOPROTOOPT || e == EOPNOTSUPP;
}

static void sin_set(struct sockaddr_in *sa, uint32_t ip, uint16_t port) {
  memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  sa->sin_addr.s_addr = htonl(ip);
  sa->sin_port = htons(port);
}

int msl_udp_open(msl_udp *u, uint32_t ip, uint16_t port) {
  struct sockaddr_in sa;
  socklen_t sl = sizeof(sa);
  int one = 1, rb = MSL_UDP_RCVBUF, r = MSL_ERR_SYSTEM;
  if (!u)
    return MSL_ERR_ARG;
  u->kdrops = 0;
  u->gso_off = 0;
  u->port = 0;
  u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (u->fd < 0)
    return MSL_ERR_SYSTEM;
  if (setsockopt(u->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) != 0 ||
      setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) != 0)
    goto fail;
  /* Best effort: older kernels lack SO_RXQ_OVFL, rmem_max caps RCVBUF. */
  (void)setsockopt(u->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
  if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof(rb)) != 0)
    (void)setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
  sin_set(&sa, ip, port);
  if (bind(u->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    r = msl_err_from_errno(errno);
    goto fail;
  }
  if (getsockname(u->fd, (struct sockaddr *)&sa, &sl) != 0)
    goto fail;
  u->port = ntohs(sa.sin_port);
  return 0;
fail: {
  int e = errno;
  close(u->fd);
  u->fd = -1;
  errno = e;
  return r;
}
}

void msl_udp_close(msl_udp *u) {
  if (u && u->fd >= 0) {
    close(u->fd);
    u->fd = -1;
  }
}

int msl_udp_recv(msl_udp *u, msl_udp_msg *m, size_t n) {
  struct mmsghdr mh[BATCH_MAX];
  struct iovec iov[BATCH_MAX];
  struct sockaddr_in from[BATCH_MAX];
  union {
    char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(4)];
    struct cmsghdr align;
  } cb[BATCH_MAX];
  if (!u || !m || u->fd < 0)
    return MSL_ERR_ARG;
  if (n > BATCH_MAX)
    n = BATCH_MAX;
  for (size_t i = 0; i < n; i++) {
    iov[i].iov_base = m[i].buf;
    iov[i].iov_len = m[i].cap;
    memset(&mh[i], 0, sizeof(mh[i]));
    mh[i].msg_hdr.msg_name = &from[i];
    mh[i].msg_hdr.msg_namelen = sizeof(from[i]);
    mh[i].msg_hdr.msg_iov = &iov[i];
    mh[i].msg_hdr.msg_iovlen = 1;
    mh[i].msg_hdr.msg_control = cb[i].buf;
    mh[i].msg_hdr.msg_controllen = sizeof(cb[i].buf);
  }
  int got;
  do
    got = recvmmsg(u->fd, mh, (unsigned)n, MSG_DONTWAIT, NULL);
  while (got < 0 && errno == EINTR);
  if (got < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : MSL_ERR_SYSTEM;
  for (int i = 0; i < got; i++) {
    msl_udp_msg *o = &m[i];
    o->len = mh[i].msg_len < o->cap ? mh[i].msg_len : o->cap;
    o->truncated = (mh[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    o->src_ip = ntohl(from[i].sin_addr.s_addr);
    o->src_port = ntohs(from[i].sin_port);
    o->dst_ip = 0;
    o->ifindex = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh[i].msg_hdr); c;
         c = CMSG_NXTHDR(&mh[i].msg_hdr, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        o->dst_ip = ntohl(pi.ipi_addr.s_addr);
        o->ifindex = (unsigned)pi.ipi_ifindex;
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        memcpy(&u->kdrops, CMSG_DATA(c), sizeof(u->kdrops));
      }
    }
  }
  return got;
}

/* The IP_PKTINFO that picks src and ifindex (when either is set) and the
 * UDP_SEGMENT size (when seg is not 0), into cb; the bytes used. */
static size_t control(void *cb, size_t cap, const msl_udp_out *o,
                      uint16_t seg) {
  size_t used = 0;
  memset(cb, 0, cap);
  if (o->src || o->ifindex) {
    struct in_pktinfo pi;
    memset(&pi, 0, sizeof(pi));
    pi.ipi_ifindex = (int)o->ifindex;
    pi.ipi_spec_dst.s_addr = htonl(o->src);
    msl_cmsg_add(cb, cap, &used, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
  }
#ifdef UDP_SEGMENT
  if (seg)
    msl_cmsg_add(cb, cap, &used, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
#endif
  return used;
}

int msl_udp_send(msl_udp *u, const void *p, size_t len, uint32_t dst,
                 uint16_t port, uint32_t src, unsigned ifindex) {
  struct sockaddr_in sa;
  struct iovec iov;
  struct msghdr mh;
  union {
    char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct cmsghdr align;
  } cb;
  if (!u || u->fd < 0 || (!p && len))
    return MSL_ERR_ARG;
  const msl_udp_out o = {p, len, dst, port, src, ifindex};
  sin_set(&sa, dst, port);
  iov.iov_base = (void *)(uintptr_t)p;
  iov.iov_len = len;
  memset(&mh, 0, sizeof(mh));
  mh.msg_name = &sa;
  mh.msg_namelen = sizeof(sa);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_controllen = control(cb.buf, sizeof(cb.buf), &o, 0);
  mh.msg_control = mh.msg_controllen ? cb.buf : NULL;
  for (;;) {
    if (sendmsg(u->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
      return 0;
    if (errno == EINTR)
      continue;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS
               ? MSL_ERR_QUEUE_FULL
               : MSL_ERR_SYSTEM;
  }
}

/* How many datagrams from v[0] on go as one send with UDP segmentation
 * offload [Linux UDP_SEGMENT]: the kernel cuts one buffer into datagrams
 * of v[0].len, so a run needs the same route and length (its last may be
 * shorter), each fitting an Ethernet frame. One send then crosses the
 * stack, a bridge or a broadcast's loopback once instead of once each. */
static size_t gso_run(const msl_udp *u, const msl_udp_out *v, size_t n) {
  size_t k = 1, total = v[0].len;
#ifdef UDP_SEGMENT
  if (u->gso_off || v[0].len > GSO_SEG_MAX || !v[0].len)
    return 1;
  while (k < n && k < GSO_SEGS_MAX && v[k].dst == v[0].dst &&
         v[k].port == v[0].port && v[k].src == v[0].src &&
         v[k].ifindex == v[0].ifindex && v[k].len && v[k].len <= v[0].len &&
         total + v[k].len <= GSO_BYTES_MAX) {
    total += v[k].len;
    if (v[k++].len < v[0].len) /* a shorter one must be the last */
      break;
  }
#else
  (void)u, (void)v, (void)n;
#endif
  return k;
}

int msl_udp_send_many(msl_udp *u, const msl_udp_out *v, size_t n) {
  struct mmsghdr mh[MSL_UDP_OUT_MAX];
  struct sockaddr_in sa[MSL_UDP_OUT_MAX];
  struct iovec iov[MSL_UDP_OUT_MAX];
  size_t first[MSL_UDP_OUT_MAX + 1]; /* entry j: v[first[j]..first[j+1]) */
  union {
    char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) +
             CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } cb[MSL_UDP_OUT_MAX];
  if (!u || u->fd < 0 || (!v && n) || n > MSL_UDP_OUT_MAX)
    return MSL_ERR_ARG;
  size_t m = 0;
  memset(mh, 0, n * sizeof(mh[0]));
  for (size_t i = 0; i < n; m++) {
    size_t k = gso_run(u, v + i, n - i);
    first[m] = i;
    sin_set(&sa[m], v[i].dst, v[i].port);
    for (size_t j = 0; j < k; j++) {
      iov[i + j].iov_base = (void *)(uintptr_t)v[i + j].p;
      iov[i + j].iov_len = v[i + j].len;
    }
    mh[m].msg_hdr.msg_name = &sa[m];
    mh[m].msg_hdr.msg_namelen = sizeof(sa[m]);
    mh[m].msg_hdr.msg_iov = &iov[i];
    mh[m].msg_hdr.msg_iovlen = k;
    mh[m].msg_hdr.msg_controllen = control(cb[m].buf, sizeof(cb[m].buf),
                                           &v[i], k > 1 ? (uint16_t)v[i].len
                                                        : 0);
    mh[m].msg_hdr.msg_control = mh[m].msg_hdr.msg_controllen ? cb[m].buf
                                                             : NULL;
    i += k;
  }
  first[m] = n;
  size_t sent = 0; /* entries */
  while (sent < m) {
    int r = sendmmsg(u->fd, mh + sent, (unsigned)(m - sent),
                     MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && first[sent + 1] - first[sent] > 1 && gso_refused(errno)) {
      u->gso_off = 1; /* no offload here (or a smaller MTU): one by one */
      int rest = msl_udp_send_many(u, v + first[sent], n - first[sent]);
      return (int)first[sent] + (rest > 0 ? rest : 0);
    }
    if (r <= 0)
      break;
    sent += (size_t)r;
  }
  return (int)first[sent];
}

uint32_t msl_udp_source_for(uint32_t dst) {
  struct sockaddr_in sa;
  socklen_t sl = sizeof(sa);
  uint32_t r = 0;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;
  sin_set(&sa, dst, 9); /* no packet is sent: connect only routes */
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
      getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
    r = ntohl(sa.sin_addr.s_addr);
  close(fd);
  return r;
}
