/* The tools' clock and random bytes, in one place: tools see the public
 * API, proto/ and capture/, not net/'s msl_clock.h or msl_random.h. */
#ifndef TOOL_SYS_H
#define TOOL_SYS_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock, for deadlines. */
uint64_t tool_now_ms(void);

/* Fills buf with len bytes from getrandom(2), for IDs a LAN host must not
 * guess; exits (EXIT_FAILED, with a message) when the kernel has none. */
void tool_random(void *buf, size_t len);

#endif /* TOOL_SYS_H */
