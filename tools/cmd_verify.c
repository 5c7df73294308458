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

/* Decodes a payload and re-encodes it into scratch: the encoded length,
 * or the decoder's error (negative, with *decoded 0). */
typedef int (*round_trip_fn)(const msl_view *in, int *decoded);

static int rt_browse(const msl_view *in, int *decoded) {
  msl_browse b;
  int rc = msl_browse_decode(&b, in->ptr, in->len);
  *decoded = rc == 0;
  return rc ? rc : msl_browse_encode(&b, scratch, sizeof scratch);
}

static int rt_lanman(const msl_view *in, int *decoded) {
  msl_browse_lanman l;
  int rc = msl_browse_decode_lanman(&l, in->ptr, in->len);
  *decoded = rc == 0;
  return rc ? rc : msl_browse_encode_lanman(&l, scratch, sizeof scratch);
}

static int rt_netlogon(const msl_view *in, int *decoded) {
  msl_netlogon n;
  int rc = msl_netlogon_decode(&n, in->ptr, in->len);
  *decoded = rc == 0;
  return rc ? rc : msl_netlogon_encode(&n, scratch, sizeof scratch);
}

/* The payload's round trip, counted in *count under layer. */
static void verify_one(struct tally *t, unsigned long frame, const char *layer,
                       unsigned long *count, round_trip_fn rt,
                       const msl_view *data) {
  int decoded;
  int n = rt(data, &decoded);
  (*count)++;
  if (!decoded)
    report_error(t, frame, layer, n);
  else
    compare(t, frame, layer, n, data->ptr, data->len);
}

static void verify_payload(struct tally *t, unsigned long frame,
                           const msl_smbtr *s) {
  if (has_prefix(s->name, "\\MAILSLOT\\BROWSE") ||
      (has_prefix(s->name, "\\MAILSLOT\\LANMAN") &&
       msl_browse_lanman_is_brws(s->data.ptr, s->data.len)))
    verify_one(t, frame, "browse", &t->browse, rt_browse, &s->data);
  else if (has_prefix(s->name, "\\MAILSLOT\\LANMAN"))
    verify_one(t, frame, "lanman", &t->browse, rt_lanman, &s->data);
  else if (has_prefix(s->name, "\\MAILSLOT\\NET\\"))
    verify_one(t, frame, "netlogon", &t->netlogon, rt_netlogon, &s->data);
}

static void verify_datagram(struct tally *t, const msl_capture_pkt *pkt) {
  msl_nbdgm d;
  msl_smbtr s;
  t->dgm++;
  int rc = msl_nbdgm_decode(&d, pkt->payload, pkt->plen);
  if (rc)
    return report_error(t, pkt->frame, "datagram", rc);
  compare(t, pkt->frame, "datagram",
          msl_nbdgm_encode(&d, scratch, sizeof scratch), pkt->payload,
          pkt->plen);
  if (d.type < MSL_NBDGM_DIRECT_UNIQUE || d.type > MSL_NBDGM_BROADCAST)
    return;
  rc = msl_smbtr_decode(&s, d.data.ptr, d.data.len);
  if (rc)
    return report_error(t, pkt->frame, "smb", rc);
  t->mailslot++;
  compare(t, pkt->frame, "smb", msl_smbtr_encode(&s, scratch, sizeof scratch),
          d.data.ptr, d.data.len);
  verify_payload(t, pkt->frame, &s);
}

static void verify_nbns(struct tally *t, const msl_capture_pkt *pkt) {
  msl_nbns n;
  t->nbns++;
  int rc = msl_nbns_decode(&n, pkt->payload, pkt->plen);
  if (rc)
    return report_error(t, pkt->frame, "name service", rc);
  compare(t, pkt->frame, "name service",
          msl_nbns_encode(&n, scratch, sizeof scratch), pkt->payload, pkt->plen);
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
