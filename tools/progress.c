/* Progress bar on stderr (see progress.h). */
#define _POSIX_C_SOURCE 200809L

#include "progress.h"
#include "tool_sys.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BAR_WIDTH 40

static double now_s(void) { return (double)tool_now_ms() / 1e3; }

void progress_start(progress *p, const char *name, uint64_t total, int allow) {
  memset(p, 0, sizeof *p);
  p->enabled = allow && total > 0 && isatty(STDERR_FILENO);
  p->total = total;
  p->name = name;
  if (p->enabled)
    p->start = p->last = now_s();
}

void progress_update(progress *p, uint64_t done) {
  if (!p->enabled)
    return;
  double t = now_s();
  if (t - p->start < 0.5 || t - p->last < 0.1)
    return;
  p->last = t;
  if (done > p->total)
    done = p->total;
  double frac = (double)done / (double)p->total;
  int fill = (int)(frac * BAR_WIDTH);
  char bar[BAR_WIDTH + 1];
  memset(bar, '#', (size_t)fill);
  memset(bar + fill, '.', (size_t)(BAR_WIDTH - fill));
  bar[BAR_WIDTH] = 0;
  const char *base = strrchr(p->name, '/');
  fprintf(stderr, "\r%.30s [%s] %5.1f%% %.1f/%.1f MB",
          base ? base + 1 : p->name, bar, frac * 100.0, (double)done / 1e6,
          (double)p->total / 1e6);
  fflush(stderr);
  p->drawn = 1;
}

void progress_done(progress *p) {
  if (p->drawn)
    fprintf(stderr, "\r\033[K");
  p->drawn = 0;
  p->enabled = 0;
}
