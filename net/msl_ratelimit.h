/*
 * Token buckets, alone and per source address, for answers a LAN host can
 * make us send to a spoofed address (node status answers are ~2.8 times
 * the request: a reflector). Pure: no I/O, no clock, no allocation; time
 * (ms, any monotonic base) is passed in.
 *
 * A bucket holds up to `burst` tokens and gains `per_s` tokens a second;
 * each allowed event takes one. Tokens are counted in thousandths, so a
 * rate of 2/s refills exactly one token every 500 ms and 50,000/s fifty
 * every millisecond, in integers.
 */
#ifndef MSL_RATELIMIT_H
#define MSL_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define MSL_RL_SOURCES 256 /* sources a table tracks at once */

typedef struct msl_rl_rate {
  uint32_t per_s; /* tokens gained per second (0: none, only the burst) */
  uint32_t burst; /* bucket size (0: everything refused) */
} msl_rl_rate;

typedef struct msl_rl_bucket {
  uint64_t milli; /* tokens x 1000 */
  uint64_t last;  /* ms of the last refill */
} msl_rl_bucket;

/** A full bucket at now. */
void msl_rl_init(msl_rl_bucket *b, const msl_rl_rate *r, uint64_t now);

/**
 * Refills b for the time since its last call (a clock going backwards
 * refills nothing) and takes one token.
 * @return 1 (allowed) or 0 (refused: empty).
 */
int msl_rl_take(msl_rl_bucket *b, const msl_rl_rate *r, uint64_t now);

/* One source's bucket. */
typedef struct msl_rl_source {
  uint32_t ip;
  msl_rl_bucket b;
} msl_rl_source;

/* Buckets per source address, at most MSL_RL_SOURCES: a new source past
 * that replaces the one seen least recently (an attacker cycling spoofed
 * sources gets fresh buckets, so pair a table with a global bucket where
 * the total matters). */
typedef struct msl_rl_table {
  msl_rl_rate rate;
  size_t n;
  uint64_t evictions; /* sources replaced while the table was full */
  msl_rl_source e[MSL_RL_SOURCES];
} msl_rl_table;

/** An empty table whose sources each get rate. */
void msl_rl_table_init(msl_rl_table *t, const msl_rl_rate *rate);

/**
 * Takes one token from ip's bucket (a new source starts full).
 * @return 1 (allowed) or 0 (refused).
 */
int msl_rl_table_take(msl_rl_table *t, uint32_t ip, uint64_t now);

#endif /* MSL_RATELIMIT_H */
