/* Unpredictable bytes from the kernel's CSPRNG, for what a LAN attacker
 * must not guess: the TRN_IDs of our name-service requests (a guessed
 * TRN_ID lets a spoofed answer into the name cache or fake a defence of
 * our names). */
#ifndef MSL_RANDOM_H
#define MSL_RANDOM_H

#include <stddef.h>

/**
 * Fills buf with len bytes from getrandom(2) (flags 0: blocks until the
 * pool is seeded, once per boot; short reads and EINTR are retried).
 * @return 0, MSL_ERR_ARG (buf NULL with len > 0), MSL_ERR_SYSTEM (errno
 *         tells; e.g. ENOSYS before Linux 3.17).
 */
int msl_random_bytes(void *buf, size_t len);

#endif /* MSL_RANDOM_H */
