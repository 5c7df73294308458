/* Every UDP 137 payload of every capture: decode, re-encode, memcmp.
 * Well-formed captures must round-trip byte for byte, both with RDATA copied
 * verbatim and with RDATA rebuilt from the decoded fields. For malformed-*
 * and truncated-* captures the number of decode failures is pinned.
 * Captures: pcap_captures_dir (pcap_walk.h), else captures/. */
#define _DEFAULT_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "msl_nbns.h"
#include "nbns_canonical.h"
#include "pcap_walk.h"

/* Counts per file: `packets` from `tshark -r F -Y nbns | wc -l` (tshark
 * 4.0.17; equal to its udp.port==137 count for every file), `failures` the
 * payloads our decoder rejects, `truncated` those cut by the snap length. */
struct expect {
  const char *file;
  unsigned packets;
  unsigned failures;
  unsigned truncated;
};

static const struct expect expected[] = {
    {"browse-becomebackup-2016-suricata.pcap", 84, 0, 0},
    {"browse-election-honeynet-2010-netbios-only.pcap", 80, 0, 0},
    {"browse-getbackuplist-2005-lan-suricata.pcap", 111, 0, 0},
    {"browse-getbackuplist-lmg-puzzle1.pcap", 33, 0, 0},
    {"browse-hnode-ics-beckhoff-addroute1.pcapng", 26, 0, 0},
    {"browse-unicast-backuplist-ad-lab-share-traversal.pcap", 14, 0, 0},
    {"browse-win98-dos-netbeui-ndpi.pcap", 46, 0, 0},
    /* 47 rejected: 14 MSL_ERR_TRUNCATED + 33 MSL_ERR_NAME. tshark marks 23
     * frames malformed (all among our 47) and 26 "Illegal NetBIOS name"
     * (union 43); the other 4 (frames 1, 27, 469, 655) have encoded-name
     * bytes 'S'/'T' outside 'A'..'P' that tshark decodes without comment.
     * 10 payloads are shorter than their (corrupted) UDP length. */
    {"malformed-fuzzed-2005-lan-ndpi.pcap", 102, 47, 10},
    {"malformed-smb-trans-oobr2.pcap", 0, 0, 0},
    {"nbns-nodestatus-win2003-lma-dissector.pcap", 9, 0, 0},
    {"nbns-queries-nodestatus-2015-ndpi.pcap", 256, 0, 0},
    {"nbns-refresh-win10-suricata.pcap", 9, 0, 0},
    {"nbns-release-anyconnect-ndpi.pcap", 15, 0, 0},
    {"netlogon-samlogon-pause-ex-ad-lab-signin.pcap", 41, 0, 0},
    {"netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap", 4, 0, 0},
    {"samba-nmbd-lan.pcap", 44, 0, 0},
    {"samba-nmbd-scope.pcap", 36, 0, 0},
    /* One query cut at 26 of its 50 bytes: MSL_ERR_TRUNCATED. */
    {"truncated-nbns-valgrind.pcap", 1, 1, 1},
    {"windows-xp-browse-eapon1.pcap", 36, 0, 0},
};

struct tally {
  unsigned packets, failures, truncated, roundtrips, typed, err_truncated;
  int must_roundtrip;
  const char *file;
};

static char dir[4096];

static void clear_rdata(msl_nbns_rr *rr, size_t n, uint16_t flags, int *all) {
  for (size_t i = 0; i < n; i++) {
    if (nbns_rr_canonical(&rr[i], flags)) {
      rr[i].rdata.ptr = NULL;
      rr[i].rdata.len = 0;
    } else {
      *all = 0;
    }
  }
}

static int on_packet(const struct walk_pkt *pkt, void *user) {
  struct tally *t = user;
  if (pkt->sport != MSL_NBNS_PORT && pkt->dport != MSL_NBNS_PORT)
    return 0;
  t->packets++;
  if (pkt->truncated)
    t->truncated++;
  static msl_nbns m;
  int rc = msl_nbns_decode(&m, pkt->payload, pkt->len);
  if (rc) {
    t->failures++;
    if (rc == MSL_ERR_TRUNCATED)
      t->err_truncated++;
    if (t->must_roundtrip)
      fprintf(stderr, "%s frame %lu: %s\n", t->file, pkt->frame,
              msl_strerror(rc));
    return 0;
  }
  uint8_t out[2048];
  int n = msl_nbns_encode(&m, out, sizeof out);
  if (n == (int)pkt->len && memcmp(out, pkt->payload, pkt->len) == 0)
    t->roundtrips++;
  else
    fprintf(stderr, "%s frame %lu: re-encoding differs (%d)\n", t->file,
            pkt->frame, n);

  /* Rebuild RDATA from the decoded fields where it was canonical. */
  int all = 1;
  clear_rdata(m.an, m.ancount, m.flags, &all);
  clear_rdata(m.ns, m.nscount, m.flags, &all);
  clear_rdata(m.ar, m.arcount, m.flags, &all);
  n = msl_nbns_encode(&m, out, sizeof out);
  if (n == (int)pkt->len && memcmp(out, pkt->payload, pkt->len) == 0)
    t->typed++;
  else if (all)
    fprintf(stderr, "%s frame %lu: typed re-encoding differs (%d)\n", t->file,
            pkt->frame, n);
  return 0;
}

static int starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void run_file(const char *name, struct tally *t) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  memset(t, 0, sizeof *t);
  t->file = name;
  t->must_roundtrip =
      !starts_with(name, "malformed-") && !starts_with(name, "truncated-");
  assert_int_equal(pcap_walk(path, on_packet, t), 0);
}

/* Each pinned file: tshark's packet count, our failure count, and a byte
 * exact round trip of everything we accept. */
static void test_pinned_files(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
    const struct expect *e = &expected[i];
    struct tally t;
    run_file(e->file, &t);
    fprintf(stderr, "%-60s packets %3u failures %2u roundtrip %3u typed %3u\n",
            e->file, t.packets, t.failures, t.roundtrips, t.typed);
    assert_int_equal(t.packets, e->packets);
    assert_int_equal(t.failures, e->failures);
    assert_int_equal(t.truncated, e->truncated);
    assert_int_equal(t.roundtrips, t.packets - t.failures);
    if (t.must_roundtrip)
      assert_int_equal(t.typed, t.packets);
  }
}

/* Any capture in the directory, listed or not: no crash, and files that are
 * not marked malformed/truncated decode and round-trip completely. */
static void test_every_file(void **state) {
  (void)state;
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *de;
  unsigned files = 0;
  while ((de = readdir(d)) != NULL) {
    const char *dot = strrchr(de->d_name, '.');
    if (!dot || (strcmp(dot, ".pcap") && strcmp(dot, ".pcapng")))
      continue;
    struct tally t;
    run_file(de->d_name, &t);
    files++;
    assert_int_equal(t.roundtrips, t.packets - t.failures);
    if (t.must_roundtrip)
      assert_int_equal(t.failures, 0);
  }
  closedir(d);
  assert_true(files >= sizeof expected / sizeof expected[0]);
}

/* The snap-length-truncated query fails as truncated, not as a bad name
 * (its 20 captured name bytes include a corrupted '@'). */
static void test_truncated_capture(void **state) {
  (void)state;
  struct tally t;
  run_file("truncated-nbns-valgrind.pcap", &t);
  assert_int_equal(t.failures, 1);
  assert_int_equal(t.err_truncated, 1);
  run_file("malformed-fuzzed-2005-lan-ndpi.pcap", &t);
  assert_int_equal(t.err_truncated, 14);
}

int main(void) {
  if (!pcap_captures_dir(dir, sizeof dir))
    snprintf(dir, sizeof dir, "captures");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pinned_files),
      cmocka_unit_test(test_every_file),
      cmocka_unit_test(test_truncated_capture),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
