/*
 * The records of a classic pcap file [draft-ietf-opsawg-pcap §4-5] that is
 * in memory (a mapped file): each record's bytes are handed out where
 * they lie, with no copy and no system call, where libpcap reads each one
 * with two freads. Only files in this host's byte order, version 2.4,
 * microsecond or nanosecond time stamps: anything else is for libpcap.
 */
#ifndef MSL_PCAPMEM_H
#define MSL_PCAPMEM_H

#include <stddef.h>
#include <stdint.h>

#define MSL_PCAPMEM_HDR 24     /* the file header */
#define MSL_PCAPMEM_REC 16     /* a record header */
#define MSL_PCAPMEM_MAXSNAP 262144u /* the largest record libpcap takes */

typedef struct msl_pcapmem {
  const uint8_t *p;
  size_t len, off;
  uint32_t linktype, snaplen;
  int nano; /* time stamps in nanoseconds, else microseconds */
} msl_pcapmem;

typedef struct msl_pcaprec {
  uint32_t sec, frac; /* frac: us or ns (msl_pcapmem.nano) */
  uint32_t caplen, len;
  const uint8_t *data; /* caplen bytes */
} msl_pcaprec;

/* 0 when p[0..len) starts with a header this reader takes (m then reads
 * its records), -1 when it does not (another format or byte order). */
int msl_pcapmem_open(msl_pcapmem *m, const uint8_t *p, size_t len);

/* The next record into *r: 1, 0 at the end of the file, or -1 with *why
 * when the file is cut inside a record or a record claims more than a
 * capture can hold. Like libpcap, a record longer than the file's snap
 * length is cut to it. */
int msl_pcapmem_next(msl_pcapmem *m, msl_pcaprec *r, const char **why);

#endif /* MSL_PCAPMEM_H */
