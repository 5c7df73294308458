/*
 * mailslot verify FILE...: the codec's own acceptance run on real traffic.
 * Every NetBIOS datagram (UDP 138) and name-service packet (UDP 137) is
 * decoded layer by layer (datagram, SMB mailslot write, browser or netlogon
 * payload; NBNS), re-encoded from the decoded fields and compared byte for
 * byte with what was captured.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "msl_capture.h"
#include "msl_proto.h"

struct tally {
  unsigned long dgm, mailslot, browse, netlogon, nbns;
  unsigned long checked, identical, errors;
  int verbose;
  const char *file;
};

static uint8_t scratch[65536 + 1024];

static void report_error(struct tally *t, unsigned long frame, const char *layer,
                         int rc) {
  t->errors++;
  if (t->verbose)
    printf("  frame %lu: %s: %s\n", frame, layer, msl_strerror(rc));
}

/* Compares an encoding with the bytes it came from. */
static void compare(struct tally *t, unsigned long frame, const char *layer,
                    int enc_len, const uint8_t *orig, size_t orig_len) {
  t->checked++;
  if (enc_len >= 0 && (size_t)enc_len == orig_len &&
      memcmp(scratch, orig, orig_len) == 0) {
    t->identical++;
    return;
  }
  printf("  frame %lu: %s re-encodes differently (%d bytes, captured %zu)\n",
         frame, layer, enc_len, orig_len);
}

static int has_prefix(msl_view v, const char *prefix) {
  size_t n = strlen(prefix);
  return v.len >= n && strncasecmp((const char *)v.ptr, prefix, n) == 0;
}

/* Decodes in into *out and re-encodes it into scratch: the encoded
 * length, or the decoder's error (negative, with *decoded 0). */
typedef int (*round_trip_fn)(const msl_view *in, void *out, int *decoded);

#define ROUND_TRIP(fn, type, decode, encode)                               \
  static int fn(const msl_view *in, void *out, int *decoded) {             \
    type *m = out;                                                         \
    int rc = decode(m, in->ptr, in->len);                                  \
    *decoded = rc == 0;                                                    \
    return rc ? rc : encode(m, scratch, sizeof scratch);                   \
  }
ROUND_TRIP(rt_nbdgm, msl_nbdgm, msl_nbdgm_decode, msl_nbdgm_encode)
ROUND_TRIP(rt_smbtr, msl_smbtr, msl_smbtr_decode, msl_smbtr_encode)
ROUND_TRIP(rt_nbns, msl_nbns, msl_nbns_decode, msl_nbns_encode)
ROUND_TRIP(rt_browse, msl_browse, msl_browse_decode, msl_browse_encode)
ROUND_TRIP(rt_lanman, msl_browse_lanman, msl_browse_decode_lanman,
           msl_browse_encode_lanman)
ROUND_TRIP(rt_netlogon, msl_netlogon, msl_netlogon_decode,
           msl_netlogon_encode)

/* The round trip of data as layer, decoded into *out; 1 when it decoded
 * (then compared), 0 (an error, reported). */
static int verify_one(struct tally *t, unsigned long frame, const char *layer,
                      round_trip_fn rt, const msl_view *data, void *out) {
  int decoded;
  int n = rt(data, out, &decoded);
  if (!decoded)
    report_error(t, frame, layer, n);
  else
    compare(t, frame, layer, n, data->ptr, data->len);
  return decoded;
}

static void verify_payload(struct tally *t, unsigned long frame,
                           const msl_smbtr *s) {
  union {
    msl_browse b;
    msl_browse_lanman l;
    msl_netlogon n;
  } u;
  if (has_prefix(s->name, "\\MAILSLOT\\BROWSE") ||
      (has_prefix(s->name, "\\MAILSLOT\\LANMAN") &&
       msl_browse_lanman_is_brws(s->data.ptr, s->data.len))) {
    t->browse++;
    verify_one(t, frame, "browse", rt_browse, &s->data, &u);
  } else if (has_prefix(s->name, "\\MAILSLOT\\LANMAN")) {
    t->browse++;
    verify_one(t, frame, "lanman", rt_lanman, &s->data, &u);
  } else if (has_prefix(s->name, "\\MAILSLOT\\NET\\")) {
    t->netlogon++;
    verify_one(t, frame, "netlogon", rt_netlogon, &s->data, &u);
  }
}

static void verify_datagram(struct tally *t, const msl_capture_pkt *pkt) {
  const msl_view p = {pkt->payload, pkt->plen};
  msl_nbdgm d;
  msl_smbtr s;
  t->dgm++;
  if (!verify_one(t, pkt->frame, "datagram", rt_nbdgm, &p, &d) ||
      d.type < MSL_NBDGM_DIRECT_UNIQUE || d.type > MSL_NBDGM_BROADCAST)
    return;
  if (!verify_one(t, pkt->frame, "smb", rt_smbtr, &d.data, &s))
    return;
  t->mailslot++;
  verify_payload(t, pkt->frame, &s);
}

static void verify_nbns(struct tally *t, const msl_capture_pkt *pkt) {
  const msl_view p = {pkt->payload, pkt->plen};
  msl_nbns n;
  t->nbns++;
  verify_one(t, pkt->frame, "name service", rt_nbns, &p, &n);
}

static void on_packet(struct tally *t, const msl_capture_pkt *pkt) {
  if (pkt->sport == 138 || pkt->dport == 138)
    verify_datagram(t, pkt);
  else if (pkt->sport == 137 || pkt->dport == 137)
    verify_nbns(t, pkt);
}

/* Walks one capture file; 0, or -1 when it cannot be read to its end. */
static int verify_file(struct tally *t, const char *path) {
  char errbuf[MSL_CAPTURE_ERRBUF_SIZE];
  msl_capture_opts opts;
  msl_capture_opts_default(&opts);
  msl_capture *c = msl_capture_open_file(path, &opts, errbuf);
  if (!c) {
    fprintf(stderr, "mailslot verify: %s\n", errbuf);
    return -1;
  }
  msl_capture_pkt pkt;
  int rc;
  while ((rc = msl_capture_next(c, &pkt)) == 1)
    on_packet(t, &pkt);
  if (rc < 0)
    fprintf(stderr, "mailslot verify: %s: %s\n", path, msl_capture_error(c));
  msl_capture_close(c);
  return rc < 0 ? -1 : 0;
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: mailslot verify [-v] FILE...\n"
          "Decodes every NetBIOS datagram and name-service packet in each "
          "pcap/pcapng FILE,\nre-encodes it and checks the bytes are "
          "identical. -v lists every decode error.\n"
          "Exit status: 0 all re-encodings identical, 1 some differ, "
          "3 a file could not be read.\n");
}

int cmd_verify(int argc, char **argv) {
  int verbose = 0, status = EXIT_OK, files = 0;
  struct tally all = {0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage(stdout);
      return EXIT_OK;
    }
    if (!strcmp(argv[i], "-v")) {
      verbose = 1;
      continue;
    }
    struct tally t = {.verbose = verbose, .file = argv[i]};
    const char *base = strrchr(argv[i], '/');
    printf("%s\n", base ? base + 1 : argv[i]);
    files++;
    if (verify_file(&t, argv[i]) != 0) {
      status = EXIT_INPUT;
      continue;
    }
    printf("  datagrams %lu (mailslot %lu: browse %lu, netlogon %lu), name "
           "service %lu; re-encoded identical %lu of %lu; decode errors %lu\n",
           t.dgm, t.mailslot, t.browse, t.netlogon, t.nbns, t.identical,
           t.checked, t.errors);
    if (t.identical != t.checked && status == EXIT_OK)
      status = EXIT_FAILED;
    all.dgm += t.dgm, all.mailslot += t.mailslot, all.nbns += t.nbns;
    all.checked += t.checked, all.identical += t.identical;
    all.errors += t.errors;
  }
  if (!files) {
    usage(stderr);
    return EXIT_USAGE;
  }
  printf("total: %d files, %lu datagrams (%lu mailslot), %lu name-service "
         "packets; %lu of %lu layers re-encoded identical; %lu decode "
         "errors\n",
         files, all.dgm, all.mailslot, all.nbns, all.identical, all.checked,
         all.errors);
  return status;
}
