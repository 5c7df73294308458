/*
 * Whether this host (this network namespace) runs a server on a TCP port:
 * a socket in LISTEN state on it, any address, IPv4 or IPv6, read from the
 * kernel's tables (/proc/self/net/tcp and tcp6: the process's own network
 * namespace, readable by every user, and still there under systemd's
 * ProcSubset=pid). The service asks it once, at start, for TCP 445 and 139:
 * an SMB server there is what HOST<20> advertises (msl_service.h).
 */
#ifndef MSL_TCPLISTEN_H
#define MSL_TCPLISTEN_H

#include <stdint.h>

/**
 * 1 when a socket listens on TCP `port`, 0 when none does, or
 * MSL_ERR_SYSTEM when neither table could be read.
 */
int msl_tcp_listening(uint16_t port);

#endif /* MSL_TCPLISTEN_H */
