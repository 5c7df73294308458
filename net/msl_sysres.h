/*
 * The system resolver (getaddrinfo, IPv4: /etc/hosts, DNS) for a host
 * name, blocking (a client's call) or off the caller's thread (the
 * service's loop, which must never wait for a DNS server).
 *
 * A lookup runs getaddrinfo in its own detached thread and reports
 * through an eventfd the loop polls. The job is shared by the thread and
 * the caller and freed by whichever lets go last (a reference count), so
 * the caller may cancel at any time, even while getaddrinfo runs.
 */
#ifndef MSL_SYSRES_H
#define MSL_SYSRES_H

#include <stdint.h>

#define MSL_SYSRES_HOST_MAX 253 /* a DNS name's longest text form */
/* Lookup threads alive at once in the process, those whose caller let go
 * included (a client can hang up and ask again faster than an unanswered
 * DNS server times out). */
#define MSL_SYSRES_THREADS_MAX 64

/**
 * Looks host up with getaddrinfo (AF_INET, blocking): the first address,
 * host order, in *ip.
 * @return 0, MSL_ERR_ARG, or MSL_ERR_NAME_NOT_FOUND (no such host, or the
 *         resolver failed).
 */
int msl_sysres_lookup(const char *host, uint32_t *ip);

typedef struct msl_sysres msl_sysres;

/**
 * Starts msl_sysres_lookup(host) in a new thread (signals blocked in it).
 * host is copied.
 * @return 0 (*out set: poll msl_sysres_fd, then msl_sysres_result;
 *         msl_sysres_free in any case), MSL_ERR_ARG (NULL, or host too
 *         long), MSL_ERR_TOO_MANY (MSL_SYSRES_THREADS_MAX running),
 *         MSL_ERR_NOMEM, MSL_ERR_SYSTEM (no eventfd or thread).
 */
int msl_sysres_start(const char *host, msl_sysres **out);

/** Becomes readable (POLLIN) when the lookup has ended. */
int msl_sysres_fd(const msl_sysres *j);

/** The host asked for (valid while j is). */
const char *msl_sysres_host(const msl_sysres *j);

/**
 * Never blocks. @return 1 (still running), 0 (found: *ip, host order),
 * MSL_ERR_NAME_NOT_FOUND or MSL_ERR_ARG.
 */
int msl_sysres_result(const msl_sysres *j, uint32_t *ip);

/** Lets go of j (NULL ignored): freed now, or by its thread when it ends. */
void msl_sysres_free(msl_sysres *j);

#endif /* MSL_SYSRES_H */
