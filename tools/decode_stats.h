/*
 * `mailslot decode --stats`: counts per message type, per mailslot, per
 * browse and netlogon command, errors per layer, and the hosts table (who
 * announced itself: name, IP, OS version, server type, workgroup,
 * comment), printed after the packets.
 *
 * Memory is taken once (decode_stats_new); tables are bounded: past their
 * capacity new keys are counted under "(other)" and new hosts are counted
 * but not listed.
 */
#ifndef MSL_TOOLS_DECODE_STATS_H
#define MSL_TOOLS_DECODE_STATS_H

#include <stdio.h>

#include "msl_dissect.h"

typedef struct decode_stats decode_stats;

/** NULL when out of memory. */
decode_stats *decode_stats_new(void);
void decode_stats_free(decode_stats *s);

/** Counts one dissected packet (or reassembled datagram). */
void decode_stats_add(decode_stats *s, const msl_pkt_meta *m,
                      const msl_dissect *d);

/** Counts one input file (and its frames) for the header line. */
void decode_stats_add_file(decode_stats *s, unsigned long long frames);

/** Prints the summary. */
void decode_stats_print(const decode_stats *s, FILE *out);

#endif /* MSL_TOOLS_DECODE_STATS_H */
