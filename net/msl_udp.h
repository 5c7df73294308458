/*
 * The datagram service's UDP socket [RFC 1002 §4.4, port 138]: bound to
 * INADDR_ANY so subnet broadcasts arrive too (a socket bound to a unicast
 * address never sees them), SO_BROADCAST for sending to broadcast
 * addresses, IP_PKTINFO to learn the arrival interface and to pick the
 * source address per interface, SO_RXQ_OVFL for the kernel's drop count.
 * Non-blocking, close-on-exec.
 */
#ifndef MSL_UDP_H
#define MSL_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "mailslot.h"

/* Largest UDP payload over IPv4 (65535 - 20 - 8). */
#define MSL_UDP_MAX_PAYLOAD 65507
/* Receive buffer asked of the kernel (capped by net.core.rmem_max unless
 * the process may force it). */
#define MSL_UDP_RCVBUF (4 << 20)

typedef struct msl_udp {
  int fd;
  uint16_t port;      /* bound port (host order) */
  uint32_t kdrops;    /* last SO_RXQ_OVFL value: datagrams the kernel
                         dropped on this socket (queue full) */
  int gso_off;        /* the kernel refused a segmented send: msl_udp_send_many
                         sends one datagram per message from then on */
} msl_udp;

/** One received datagram (filled by msl_udp_recv). */
typedef struct msl_udp_msg {
  uint8_t *buf;      /* caller's buffer */
  size_t cap;        /* its size (MSL_UDP_MAX_PAYLOAD + 1 detects all) */
  size_t len;        /* bytes received (at most cap) */
  int truncated;     /* the datagram was longer than cap */
  uint32_t src_ip;   /* UDP source, host order */
  uint16_t src_port;
  uint32_t dst_ip;   /* header destination (a broadcast address for a
                        broadcast), host order; 0 if unknown */
  unsigned ifindex;  /* arrival interface, 0 if unknown */
} msl_udp_msg;

/**
 * Opens a UDP socket bound to ip:port (host order; ip 0 = INADDR_ANY,
 * port 0 = an ephemeral port, stored in u->port). No SO_REUSEADDR: a
 * second service on the same port fails instead of silently sharing it.
 * @return 0, or MSL_ERR_ARG, MSL_ERR_ACCESS (a privileged port without
 *         the privilege), MSL_ERR_EXISTS (port in use), MSL_ERR_NOMEM,
 *         MSL_ERR_SYSTEM.
 *         On error u->fd is -1.
 */
int msl_udp_open(msl_udp *u, uint32_t ip, uint16_t port);

/** Closes the socket (u->fd = -1); safe to call twice. */
void msl_udp_close(msl_udp *u);

/**
 * Receives up to n datagrams without blocking (recvmmsg). Each m[i].buf /
 * cap must be set. Updates u->kdrops.
 * @return the number received (0: none waiting), or MSL_ERR_ARG /
 *         MSL_ERR_SYSTEM.
 */
int msl_udp_recv(msl_udp *u, msl_udp_msg *m, size_t n);

/**
 * Sends p[0..len) to dst:port (host order) without blocking. src (host
 * order, 0 = the kernel's choice) and ifindex (0 = by route) select the
 * source address and outgoing interface (IP_PKTINFO), so a broadcast
 * leaves on the interface it is meant for, from that interface's address.
 * @return 0, or MSL_ERR_ARG, MSL_ERR_QUEUE_FULL (socket buffer full),
 *         MSL_ERR_SYSTEM (errno tells).
 */
int msl_udp_send(msl_udp *u, const void *p, size_t len, uint32_t dst,
                 uint16_t port, uint32_t src, unsigned ifindex);

/* One datagram for msl_udp_send_many (fields as msl_udp_send's). */
typedef struct msl_udp_out {
  const void *p;
  size_t len;
  uint32_t dst;
  uint16_t port;
  uint32_t src;
  unsigned ifindex;
} msl_udp_out;
#define MSL_UDP_OUT_MAX 64

/**
 * Sends v[0..n) (n <= MSL_UDP_OUT_MAX) as msl_udp_send would, in one
 * system call (sendmmsg), without blocking.
 * @return how many were sent, from the first (fewer: the socket's buffer
 *         is full or a send failed; the rest were not sent), or MSL_ERR_ARG.
 */
int msl_udp_send_many(msl_udp *u, const msl_udp_out *v, size_t n);

/**
 * The source address the kernel would use to reach dst (host order), by
 * connecting a throwaway UDP socket; 0 when there is no route.
 */
uint32_t msl_udp_source_for(uint32_t dst);

#endif /* MSL_UDP_H */
