/*
 * A progress bar on standard error for long capture files: shown only when
 * stderr is a terminal, the input is a regular file of known size, and the
 * run has lasted more than half a second (short files never flash a bar).
 * Redrawn at most 10 times a second; erased when done so it never mixes
 * with the output.
 */
#ifndef MSL_TOOLS_PROGRESS_H
#define MSL_TOOLS_PROGRESS_H

#include <stdint.h>

typedef struct progress {
  int enabled;
  int drawn;
  uint64_t total;
  double start, last;
  const char *name;
} progress;

/** Starts a bar for input `name` of total bytes (0: unknown, no bar).
 * allow 0 disables it (--no-progress). */
void progress_start(progress *p, const char *name, uint64_t total, int allow);

/** Reports done bytes; cheap enough to call every few thousand packets. */
void progress_update(progress *p, uint64_t done);

/** Erases the bar. */
void progress_done(progress *p);

#endif /* MSL_TOOLS_PROGRESS_H */
