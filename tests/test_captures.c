/*
 * Capture round trip: every UDP port-138 payload of every file in the
 * captures directory is decoded (datagram, then the SMB mailslot write for
 * DIRECT_UNIQUE / DIRECT_GROUP / BROADCAST), re-encoded (SMB first, then the
 * datagram around the re-encoded SMB) and compared with the original bytes.
 * A byte-identical result for every real packet is the wire-compatibility
 * proof of the two codecs (style-notes §14).
 *
 * Files named malformed-* or truncated-* must not crash; their decode
 * errors are counted and must equal the numbers in `expect` below. Every
 * other file must decode and round-trip every datagram.
 *
 * Where the captures are: $MSL_CAPTURES_DIR when set; else the first of
 * $srcdir/captures (automake sets srcdir to the top source directory for a
 * non-recursive Makefile.am), $srcdir/../captures (recursive tests/
 * Makefile), ./captures and ../captures that holds a readable directory.
 */
#define _DEFAULT_SOURCE 1 /* opendir/readdir under -std=c11 */

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msl_nbdgm.h"
#include "msl_smbtr.h"
#include "pcap_walk.h"

/*
 * Expected results per file. dgrams: UDP port-138 packets, equal to
 * `tshark -r F -Y nbdgm | wc -l` (tshark 4.0.17; also in
 * captures/SOURCES.md). errors: packets whose datagram or SMB decode fails.
 * For the malformed files the errors were measured and checked against
 * tshark one frame at a time (see the comments).
 */
struct expect {
  const char *file;
  int dgrams;
  int errors;
};

static const struct expect expect[] = {
    {"browse-becomebackup-2016-suricata.pcap", 15, 0},
    {"browse-election-honeynet-2010-netbios-only.pcap", 45, 0},
    {"browse-getbackuplist-2005-lan-suricata.pcap", 8, 0},
    {"browse-getbackuplist-lmg-puzzle1.pcap", 4, 0},
    {"browse-hnode-ics-beckhoff-addroute1.pcapng", 5, 0},
    {"browse-unicast-backuplist-ad-lab-share-traversal.pcap", 2, 0},
    {"browse-win98-dos-netbeui-ndpi.pcap", 15, 0},
    /* MALFORMED_FUZZED_NOTE */
    {"malformed-fuzzed-2005-lan-ndpi.pcap", 7, MALFORMED_FUZZED_ERRORS},
    /* MALFORMED_OOBR2_NOTE */
    {"malformed-smb-trans-oobr2.pcap", 1, MALFORMED_OOBR2_ERRORS},
    {"nbns-nodestatus-win2003-lma-dissector.pcap", 1, 0},
    {"nbns-queries-nodestatus-2015-ndpi.pcap", 2, 0},
    {"nbns-refresh-win10-suricata.pcap", 0, 0},
    {"nbns-release-anyconnect-ndpi.pcap", 0, 0},
    {"netlogon-samlogon-pause-ex-ad-lab-signin.pcap", 30, 0},
    {"netlogon-samlogon-unique-ad-lab-netshare-netbios-only.pcap", 4, 0},
    {"samba-nmbd-lan.pcap", 12, 0},
    {"samba-nmbd-scope.pcap", 8, 0},
    {"truncated-nbns-valgrind.pcap", 0, 0},
    {"windows-xp-browse-eapon1.pcap", 17, 0},
};
#define NEXPECT (sizeof(expect) / sizeof(expect[0]))

struct tally {
  const char *file;
  int tolerant;  /* malformed-* / truncated-*: errors are counted */
  int dgrams;    /* UDP 138 payloads */
  int mailslot;  /* SMB mailslot writes decoded */
  int roundtrip; /* byte-identical re-encodings */
  int errors;    /* decode failures (datagram or SMB) */
  int truncated; /* packets cut by the capture */
};

static char dir[4096];
static int verbose; /* MSL_CAPTURES_VERBOSE=1: list every decode error */

static int is_dir(const char *path) {
  DIR *d = opendir(path);
  if (!d)
    return 0;
  closedir(d);
  return 1;
}

static int find_dir(void) {
  const char *env = getenv("MSL_CAPTURES_DIR");
  if (env && *env) {
    snprintf(dir, sizeof(dir), "%s", env);
    return is_dir(dir);
  }
  const char *src = getenv("srcdir");
  const char *cands[4][2] = {{src, "/captures"},
                             {src, "/../captures"},
                             {".", "/captures"},
                             {"..", "/captures"}};
  for (size_t i = 0; i < 4; i++) {
    if (!cands[i][0])
      continue;
    snprintf(dir, sizeof(dir), "%s%s", cands[i][0], cands[i][1]);
    if (is_dir(dir))
      return 1;
  }
  return 0;
}

static int has_prefix(const char *s, const char *p) {
  return strncmp(s, p, strlen(p)) == 0;
}

static int is_capture(const char *name) {
  size_t n = strlen(name);
  return (n > 5 && strcmp(name + n - 5, ".pcap") == 0) ||
         (n > 7 && strcmp(name + n - 7, ".pcapng") == 0);
}

static void count_error(struct tally *t, const struct walk_pkt *pkt, const char *what,
                int rc) {
  t->errors++;
  if (!t->tolerant || verbose)
    fprintf(stderr, "  %s frame %lu: %s: %s\n", t->file, pkt->frame, what,
            msl_strerror(rc));
}

static int on_packet(const struct walk_pkt *pkt, void *user) {
  struct tally *t = user;
  static uint8_t smb_buf[70000], dgm_buf[70000];
  if (pkt->sport != MSL_NBDGM_PORT && pkt->dport != MSL_NBDGM_PORT)
    return 0;
  t->dgrams++;
  t->truncated += pkt->truncated;

  /* Exact-size copy so that ASan catches any read past the payload. */
  uint8_t *p = malloc(pkt->len ? pkt->len : 1);
  assert_non_null(p);
  memcpy(p, pkt->payload, pkt->len);

  msl_nbdgm d;
  int rc = msl_nbdgm_decode(&d, p, pkt->len);
  if (rc != 0) {
    count_error(t, pkt, "datagram", rc);
    goto done;
  }
  msl_nbdgm out = d;
  if (d.type == MSL_NBDGM_DIRECT_UNIQUE || d.type == MSL_NBDGM_DIRECT_GROUP ||
      d.type == MSL_NBDGM_BROADCAST) {
    msl_smbtr s;
    rc = msl_smbtr_decode(&s, d.data.ptr, d.data.len);
    if (rc != 0) {
      count_error(t, pkt, "SMB", rc);
      goto done;
    }
    t->mailslot++;
    int n = msl_smbtr_encode(&s, smb_buf, sizeof(smb_buf));
    assert_int_equal(n, (int)d.data.len);
    assert_memory_equal(smb_buf, d.data.ptr, d.data.len);
    out.data.ptr = smb_buf;
    out.data.len = (size_t)n;
  }
  rc = msl_nbdgm_encode(&out, dgm_buf, sizeof(dgm_buf));
  if (rc != (int)pkt->len || memcmp(dgm_buf, p, pkt->len) != 0) {
    fprintf(stderr, "  %s frame %lu: re-encoding differs (%d bytes, %zu in)\n",
            t->file, pkt->frame, rc, pkt->len);
    fail_msg("round trip mismatch");
  }
  t->roundtrip++;
done:
  free(p);
  return 0;
}

static const struct expect *lookup(const char *file) {
  for (size_t i = 0; i < NEXPECT; i++)
    if (strcmp(expect[i].file, file) == 0)
      return &expect[i];
  return NULL;
}

static void test_all_captures(void **state) {
  (void)state;
  verbose = getenv("MSL_CAPTURES_VERBOSE") != NULL;
  if (!find_dir()) {
    fprintf(stderr, "no captures directory (set MSL_CAPTURES_DIR)\n");
    fail();
  }
  DIR *dp = opendir(dir);
  assert_non_null(dp);
  struct dirent *e;
  int files = 0, seen[NEXPECT] = {0};
  while ((e = readdir(dp)) != NULL) {
    if (!is_capture(e->d_name))
      continue;
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    struct tally t = {0};
    t.file = e->d_name;
    t.tolerant =
        has_prefix(e->d_name, "malformed-") || has_prefix(e->d_name, "truncated-");
    assert_int_equal(pcap_walk(path, on_packet, &t), 0);
    printf("%-58s dgrams %3d mailslot %3d roundtrip %3d errors %2d cut %d\n",
           e->d_name, t.dgrams, t.mailslot, t.roundtrip, t.errors,
           t.truncated);
    files++;
    const struct expect *x = lookup(e->d_name);
    if (x) {
      seen[x - expect] = 1;
      assert_int_equal(t.dgrams, x->dgrams);
      assert_int_equal(t.errors, x->errors);
    }
    if (!t.tolerant) {
      /* Every datagram of a clean capture decodes and round-trips. */
      assert_int_equal(t.errors, 0);
      assert_int_equal(t.roundtrip, t.dgrams);
    } else {
      assert_int_equal(t.roundtrip + t.errors, t.dgrams);
    }
  }
  closedir(dp);
  /* A capture listed above but missing is a packaging error. */
  for (size_t i = 0; i < NEXPECT; i++) {
    if (!seen[i])
      fprintf(stderr, "missing capture: %s\n", expect[i].file);
    assert_true(seen[i]);
  }
  assert_true(files >= (int)NEXPECT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_captures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
