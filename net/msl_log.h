/*
 * One log line from a format, for the services' log callbacks (relay,
 * service): their variadic log functions hand their arguments here.
 */
#ifndef MSL_LOG_H
#define MSL_LOG_H

#include <stdarg.h>
#include <stdio.h>

typedef void (*msl_log_fn)(void *user, int level, const char *msg);

static inline void msl_vlog(msl_log_fn log, void *user, int max_level,
                            int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/* Unless log is NULL or level above max_level: formats fmt and ap into a
 * line of at most 511 bytes and passes it to log. */
static inline void msl_vlog(msl_log_fn log, void *user, int max_level,
                            int level, const char *fmt, va_list ap) {
  char msg[512];
  if (!log || level > max_level)
    return;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  log(user, level, msg);
}

#endif /* MSL_LOG_H */
