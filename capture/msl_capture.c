/* Capture input through libpcap (see msl_capture.h). */
/* pcap.h needs the BSD u_char/u_int types, hidden by -std=c11. */
#define _DEFAULT_SOURCE 1

#include "msl_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msl_ipreasm.h"
#include "msl_linklayer.h"
#include "msl_pcapmem.h"

/* stdio buffer of a capture file: libpcap reads each record with two
 * freads, which the default 4 KiB buffer turns into a read(2) per few
 * records. */
#define READ_BUF_SIZE (1u << 20)

struct msl_capture {
  pcap_t *pc;       /* NULL: a classic pcap file read from memory (mem) */
  msl_pcapmem mem;
  void *map;        /* the mapped file behind mem (size bytes), or NULL */
  int stop;         /* msl_capture_break on a file read from memory */
  pcap_dumper_t *dump;
  FILE *fp; /* the stream of an offline capture (for progress) */
  char *rbuf; /* its stdio buffer (READ_BUF_SIZE), freed after pcap_close */
  int live;
  int dlt;
  uint64_t size; /* bytes of a regular input file, else 0 */
  msl_capture_opts opts;
  msl_ipreasm *ipr;
  msl_capture_counts n;
  int nano; /* time stamps in nanoseconds (else microseconds) */
  int64_t origin_sec;
  uint32_t origin_nsec;
  char err[MSL_CAPTURE_ERRBUF_SIZE];
};

void msl_capture_opts_default(msl_capture_opts *opts) {
  memset(opts, 0, sizeof *opts);
}

/* "[what ]name: why" into errbuf; libpcap messages that already start
 * with the name are not prefixed twice. */
static void seterr(char *errbuf, const char *what, const char *name,
                   const char *why) {
  if (!errbuf)
    return;
  size_t nl = strlen(name);
  if (!strncmp(why, name, nl) && why[nl] == ':')
    snprintf(errbuf, MSL_CAPTURE_ERRBUF_SIZE, "%s%s", what, why);
  else
    snprintf(errbuf, MSL_CAPTURE_ERRBUF_SIZE, "%s%s: %s", what, name, why);
}

/* A capture of link type dlt (NULL, reported, when it is not one we
 * decode or memory runs out). */
static msl_capture *capture_new(int dlt, const msl_capture_opts *opts,
                                const char *name, char *errbuf) {
  if (!msl_link_supported(dlt)) {
    char why[128];
    const char *dn = pcap_datalink_val_to_name(dlt);
    snprintf(why, sizeof why, "unsupported link type %d (%s)", dlt,
             dn ? dn : "unknown");
    seterr(errbuf, "", name, why);
    return NULL;
  }
  msl_capture *c = calloc(1, sizeof *c);
  if (c)
    c->ipr = msl_ipreasm_new(opts ? opts->ip_frag_pending : 0, 0);
  if (!c || !c->ipr) {
    seterr(errbuf, "", name, "out of memory");
    free(c);
    return NULL;
  }
  c->dlt = dlt;
  if (opts)
    c->opts = *opts;
  if (c->opts.nports > MSL_CAPTURE_MAX_PORTS)
    c->opts.nports = MSL_CAPTURE_MAX_PORTS;
  return c;
}

/* Takes over pc and rbuf (the stdio buffer of pc's file, or NULL). */
static msl_capture *setup(pcap_t *pc, char *rbuf, const msl_capture_opts *opts,
                          const char *name, int live, char *errbuf) {
  msl_capture *c = capture_new(pcap_datalink(pc), opts, name, errbuf);
  if (!c) {
    pcap_close(pc);
    free(rbuf);
    return NULL;
  }
  c->pc = pc;
  c->rbuf = rbuf;
  c->live = live;
  c->nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
  if (!live) {
    c->fp = pcap_file(pc);
    struct stat st;
    if (c->fp && fstat(fileno(c->fp), &st) == 0 && S_ISREG(st.st_mode))
      c->size = (uint64_t)st.st_size;
  }
  return c;
}

/* Link types whose pcap LINKTYPE_ value is the DLT_ value on every
 * system: Ethernet, Linux cooked v1 and v2. Others go through libpcap,
 * which maps them. */
static int same_as_dlt(uint32_t linktype) {
  return linktype == 1 || linktype == 113 || linktype == 276;
}

msl_capture *msl_capture_open_mem(const void *buf, size_t len,
                                  const char *name,
                                  const msl_capture_opts *opts,
                                  char *errbuf) {
  msl_pcapmem m;
  if (errbuf)
    errbuf[0] = 0;
  if (msl_pcapmem_open(&m, buf, len) < 0 || !same_as_dlt(m.linktype)) {
    seterr(errbuf, "", name, "not a classic pcap file read from memory");
    return NULL;
  }
  msl_capture *c = capture_new((int)m.linktype, opts, name, errbuf);
  if (!c)
    return NULL;
  c->mem = m;
  c->nano = m.nano;
  c->size = len;
  return c;
}

/* path mapped and read from memory when it is a classic pcap file we take
 * that way; NULL (nothing reported) for libpcap to open it. */
static msl_capture *open_mapped(const char *path,
                                const msl_capture_opts *opts) {
  struct stat st;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  void *map = MAP_FAILED;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_size >= MSL_PCAPMEM_HDR)
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED)
    return NULL;
  msl_capture *c = msl_capture_open_mem(map, (size_t)st.st_size, path, opts,
                                        NULL);
  if (!c) {
    munmap(map, (size_t)st.st_size);
    return NULL;
  }
  (void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
  c->map = map;
  return c;
}

msl_capture *msl_capture_open_file(const char *path,
                                   const msl_capture_opts *opts, char *errbuf) {
  char pe[PCAP_ERRBUF_SIZE] = "";
  if (errbuf)
    errbuf[0] = 0;
  /* What pcap_open_offline does ("-" is standard input), plus a large
   * stdio buffer for a file (standard input keeps its own). */
  int is_stdin = !strcmp(path, "-");
  msl_capture *mc = is_stdin ? NULL : open_mapped(path, opts);
  if (mc)
    return mc;
  FILE *fp = is_stdin ? stdin : fopen(path, "rb");
  if (!fp) {
    seterr(errbuf, "", path, strerror(errno));
    return NULL;
  }
  char *rbuf = is_stdin ? NULL : malloc(READ_BUF_SIZE);
  if (rbuf && setvbuf(fp, rbuf, _IOFBF, READ_BUF_SIZE)) {
    free(rbuf);
    rbuf = NULL;
  }
  pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(
      fp, PCAP_TSTAMP_PRECISION_NANO, pe);
  if (!pc) {
    seterr(errbuf, "", path, pe);
    if (!is_stdin)
      fclose(fp);
    free(rbuf);
    return NULL;
  }
  return setup(pc, rbuf, opts, path, 0, errbuf);
}

msl_capture *msl_capture_open_fp(FILE *fp, const char *name,
                                 const msl_capture_opts *opts, char *errbuf) {
  char pe[PCAP_ERRBUF_SIZE] = "";
  if (errbuf)
    errbuf[0] = 0;
  pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(
      fp, PCAP_TSTAMP_PRECISION_NANO, pe);
  if (!pc) {
    seterr(errbuf, "", name, pe);
    fclose(fp); /* pcap closes it only once it has taken it */
    return NULL;
  }
  return setup(pc, NULL, opts, name, 0, errbuf);
}

msl_capture *msl_capture_open_live(const char *iface,
                                   const msl_capture_opts *opts, char *errbuf) {
  char pe[PCAP_ERRBUF_SIZE] = "";
  char filter[sizeof MSL_CAPTURE_FILTER + MSL_CAPTURE_MAX_PORTS * 20];
  struct bpf_program prog;
  msl_capture_opts def;
  if (errbuf)
    errbuf[0] = 0;
  if (!opts) {
    msl_capture_opts_default(&def);
    opts = &def;
  }
  pcap_t *pc = pcap_create(iface, pe);
  if (!pc) {
    seterr(errbuf, "", iface, pe);
    return NULL;
  }
  pcap_set_snaplen(pc, opts->snaplen > 0 ? opts->snaplen : 65535);
  pcap_set_promisc(pc, opts->promisc);
  pcap_set_timeout(pc, opts->timeout_ms > 0 ? opts->timeout_ms : 200);
  (void)pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
  int rc = pcap_activate(pc);
  if (rc < 0) {
    seterr(errbuf, "", iface, pcap_geterr(pc));
    if (rc == PCAP_ERROR_PERM_DENIED)
      seterr(errbuf, "", iface,
             "permission denied (capturing needs root or CAP_NET_RAW)");
    pcap_close(pc);
    return NULL;
  }
  size_t n = strlen(MSL_CAPTURE_FILTER);
  memcpy(filter, MSL_CAPTURE_FILTER, n + 1);
  for (size_t i = 0; i < opts->nports && i < MSL_CAPTURE_MAX_PORTS; i++)
    n += (size_t)snprintf(filter + n, sizeof filter - n, " or udp port %u",
                          (unsigned)opts->ports[i]);
  if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
      pcap_setfilter(pc, &prog) < 0) {
    seterr(errbuf, "filter on ", iface, pcap_geterr(pc));
    pcap_close(pc);
    return NULL;
  }
  pcap_freecode(&prog);
  return setup(pc, NULL, opts, iface, 1, errbuf);
}

int msl_capture_dump_open(msl_capture *c, const char *path, char *errbuf) {
  if (!c->pc) { /* only live captures are saved */
    seterr(errbuf, "", path, "not a live capture");
    return -1;
  }
  c->dump = pcap_dump_open(c->pc, path);
  if (!c->dump) {
    seterr(errbuf, "", path, pcap_geterr(c->pc));
    return -1;
  }
  return 0;
}

static uint32_t ts_nsec(const msl_capture *c, const struct pcap_pkthdr *h) {
  uint32_t frac = (uint32_t)h->ts.tv_usec; /* ns when the handle is nano */
  return c->nano ? frac : frac * 1000u;
}

/* Kind of a packet between sport and dport, or -1 when no port is ours. */
static int port_kind(const msl_capture *c, uint16_t sport, uint16_t dport) {
  if (sport == 137 || sport == 138 || dport == 137 || dport == 138)
    return MSL_CAPTURE_KIND_AUTO;
  for (size_t i = 0; i < c->opts.nports; i++)
    if (c->opts.ports[i] == sport || c->opts.ports[i] == dport)
      return c->opts.kinds[i] == MSL_CAPTURE_KIND_NBNS ? MSL_CAPTURE_KIND_NBNS
                                                       : MSL_CAPTURE_KIND_NBDGM;
  return -1;
}

/* Fills the parts of pkt every matching packet has. */
static void pkt_common(msl_capture *c, const struct pcap_pkthdr *h,
                       msl_capture_pkt *pkt) {
  memset(pkt, 0, sizeof *pkt);
  pkt->frame = c->n.frames;
  pkt->ts_sec = (int64_t)h->ts.tv_sec;
  pkt->ts_nsec = ts_nsec(c, h);
  pkt->origin_sec = c->origin_sec;
  pkt->origin_nsec = c->origin_nsec;
  pkt->caplen = h->caplen;
  pkt->len = h->len;
}

/* Fills pkt from the UDP packet u in ip when its ports are ours; 0 when
 * they are not. The caller says whether it is truncated. */
static int udp_to_pkt(msl_capture *c, const struct pcap_pkthdr *h,
                      const msl_ipv4 *ip, const msl_udp *u,
                      msl_capture_pkt *pkt) {
  int kind = port_kind(c, u->sport, u->dport);
  if (kind < 0)
    return 0;
  pkt_common(c, h, pkt);
  pkt->src_ip = ip->src;
  pkt->dst_ip = ip->dst;
  pkt->sport = u->sport;
  pkt->dport = u->dport;
  pkt->kind = (unsigned)kind;
  pkt->payload = u->payload.ptr;
  pkt->plen = u->payload.len;
  pkt->udp_len = u->payload_len;
  return 1;
}

/* An ICMP error quoting a UDP packet of ours (the first fragment of it:
 * later ones have no ports); 1 when it matches. The quoted packet's end
 * is usually not there (Linux quotes 548 bytes at most). */
static int quoted_to_pkt(msl_capture *c, const struct pcap_pkthdr *h,
                         const msl_ipv4 *outer, msl_capture_pkt *pkt) {
  msl_icmp ic;
  msl_ipv4 ip;
  msl_udp u;
  if (outer->more_frags || outer->frag_off ||
      msl_icmp_parse(&ic, outer->payload.ptr, outer->payload.len) ||
      !ic.quote.len || msl_ipv4_parse(&ip, ic.quote.ptr, ic.quote.len) ||
      ip.proto != MSL_IPV4_PROTO_UDP || ip.frag_off ||
      msl_udp_parse(&u, ip.payload.ptr, ip.payload.len))
    return 0;
  if (!udp_to_pkt(c, h, &ip, &u, pkt))
    return 0;
  pkt->truncated = h->caplen < h->len || outer->cut;
  pkt->quote_cut = ip.cut || u.cut;
  pkt->quoted = 1;
  pkt->icmp_type = ic.type;
  pkt->icmp_code = ic.code;
  pkt->outer_src = outer->src;
  pkt->outer_dst = outer->dst;
  c->n.matched++;
  c->n.quoted++;
  return 1;
}

/* Parses one frame; 1 when it is a matching UDP packet. */
static int frame_to_pkt(msl_capture *c, const struct pcap_pkthdr *h,
                        const uint8_t *data, msl_capture_pkt *pkt) {
  msl_view l3, l4;
  msl_ipv4 ip;
  msl_udp u;
  int rc = msl_link_ipv4(c->dlt, data, h->caplen, &l3);
  if (rc) {
    if (rc == MSL_ERR_UNSUPPORTED)
      c->n.not_ip++;
    else
      c->n.malformed++;
    return 0;
  }
  if (msl_ipv4_parse(&ip, l3.ptr, l3.len)) {
    c->n.malformed++;
    return 0;
  }
  if (ip.proto == MSL_IPV4_PROTO_ICMP)
    return quoted_to_pkt(c, h, &ip, pkt);
  if (ip.proto != MSL_IPV4_PROTO_UDP)
    return 0;
  int reassembled = 0;
  l4 = ip.payload;
  uint64_t now = (uint64_t)h->ts.tv_sec * 1000000u + ts_nsec(c, h) / 1000u;
  if (ip.more_frags || ip.frag_off) {
    c->n.ip_frags++;
    rc = msl_ipreasm_add(c->ipr, &ip, now, &l4);
    if (rc < 0)
      c->n.ip_frag_dropped++;
    if (rc != 1)
      return 0;
    c->n.ip_reassembled++;
    reassembled = 1;
    ip.cut = 0;
  }
  if (msl_udp_parse(&u, l4.ptr, l4.len)) {
    if (!ip.cut || l4.len >= 8)
      c->n.malformed++;
    return 0;
  }
  if (!udp_to_pkt(c, h, &ip, &u, pkt))
    return 0;
  pkt->truncated = (!reassembled && h->caplen < h->len) || ip.cut || u.cut;
  pkt->ip_reassembled = reassembled;
  c->n.matched++;
  return 1;
}

/* The next frame into *h and *data: 1, 0 (the end, or a break) or -1
 * (c->err says why). */
static int next_frame(msl_capture *c, struct pcap_pkthdr *h,
                      const u_char **data) {
  if (!c->pc) {
    msl_pcaprec r;
    const char *why = "";
    int rc = c->stop ? 0 : msl_pcapmem_next(&c->mem, &r, &why);
    if (rc < 0)
      snprintf(c->err, sizeof c->err, "%s", why);
    if (rc == 1) {
      h->ts.tv_sec = (time_t)r.sec;
      h->ts.tv_usec = (suseconds_t)r.frac; /* ns when c->nano */
      h->caplen = r.caplen;
      h->len = r.len;
      *data = r.data;
    }
    return rc;
  }
  for (;;) {
    struct pcap_pkthdr *ph;
    int rc = pcap_next_ex(c->pc, &ph, data);
    if (rc == 0)
      continue; /* live read timeout */
    if (rc == PCAP_ERROR_BREAK)
      return 0;
    if (rc < 0) {
      snprintf(c->err, sizeof c->err, "%s", pcap_geterr(c->pc));
      return -1;
    }
    *h = *ph;
    return 1;
  }
}

int msl_capture_next(msl_capture *c, msl_capture_pkt *pkt) {
  struct pcap_pkthdr h;
  const u_char *data;
  for (;;) {
    int rc = next_frame(c, &h, &data);
    if (rc <= 0)
      return rc;
    if (++c->n.frames == 1) {
      c->origin_sec = (int64_t)h.ts.tv_sec;
      c->origin_nsec = ts_nsec(c, &h);
    }
    if (c->dump)
      pcap_dump((u_char *)c->dump, &h, data);
    if (frame_to_pkt(c, &h, data, pkt))
      return 1;
  }
}

void msl_capture_break(msl_capture *c) {
  if (c->pc)
    pcap_breakloop(c->pc);
  else
    c->stop = 1;
}

const char *msl_capture_error(const msl_capture *c) { return c->err; }

int msl_capture_dlt(const msl_capture *c) { return c->dlt; }

const char *msl_capture_dlt_name(const msl_capture *c) {
  const char *n = pcap_datalink_val_to_name(c->dlt);
  return n ? n : "unknown";
}

void msl_capture_get_counts(const msl_capture *c, msl_capture_counts *out) {
  msl_ipreasm_stats st;
  *out = c->n;
  msl_ipreasm_get_stats(c->ipr, &st);
  out->ip_frag_dropped = st.dropped + st.expired + st.evicted;
}

int msl_capture_live_stats(msl_capture *c, uint64_t *received,
                           uint64_t *dropped) {
  struct pcap_stat ps;
  if (!c->live || pcap_stats(c->pc, &ps) < 0)
    return -1;
  *received = ps.ps_recv;
  *dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
  return 0;
}

void msl_capture_progress(msl_capture *c, uint64_t *done, uint64_t *total) {
  *done = c->pc ? 0 : c->mem.off;
  *total = c->size;
  if (c->size && c->fp) {
    long pos = ftell(c->fp);
    *done = pos > 0 ? (uint64_t)pos : 0;
  }
}

void msl_capture_close(msl_capture *c) {
  if (!c)
    return;
  if (c->dump) {
    pcap_dump_flush(c->dump);
    pcap_dump_close(c->dump);
  }
  if (c->pc)
    pcap_close(c->pc); /* closes the file, which used rbuf */
  if (c->map)
    munmap(c->map, (size_t)c->size);
  free(c->rbuf);
  msl_ipreasm_free(c->ipr);
  free(c);
}
