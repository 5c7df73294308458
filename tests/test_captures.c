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
 * other file must decode and round-trip every datagram. Also: the
 * in-place reader of classic pcap files (capture/msl_pcapmem.c).
 *
 * Where the captures are: $MSL_CAPTURES_DIR when set; else the first of
 * $srcdir/captures (automake sets srcdir to the top source directory for a
 * non-recursive Makefile.am), $srcdir/../captures (recursive tests/
 * Makefile), ./captures and ../captures that holds a readable directory.
 */
#define _DEFAULT_SOURCE 1 /* opendir/readdir under -std=c11 */

#include <dirent.h>
#include <pcap/pcap.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msl_nbdgm.h"
#include "msl_pcapmem.h"
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
    /* All 7 fail. tshark's _ws.malformed flags 3 of them (frames 34, 468,
     * 472); its expert info says "Illegal NetBIOS name" (a first-level
     * byte outside 'A'..'P') for 368, 468, 472, 486 and 661, which our
     * name decoder rejects (MSL_ERR_NAME) along with 34; frame 464 is a
     * clean datagram whose SMB DataOffset 193 points past its 92-byte SMB
     * (MSL_ERR_INVALID; tshark shows "Data Offset: 193" without a flag). */
    {"malformed-fuzzed-2005-lan-ndpi.pcap", 7, 7},
    /* Frame 1: destination name byte 0x46 -> 0xb7; tshark: "Illegal
     * NetBIOS name (1st character not between A and Z ...)"; MSL_ERR_NAME.
     * libpcap cuts it to the file's 195-byte snap length (tshark does
     * not), so it is also counted as truncated. */
    {"malformed-smb-trans-oobr2.pcap", 1, 1},
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

static int has_prefix(const char *s, const char *p) {
  return strncmp(s, p, strlen(p)) == 0;
}

static int is_capture(const char *name) {
  size_t n = strlen(name);
  return (n > 5 && strcmp(name + n - 5, ".pcap") == 0) ||
         (n > 7 && strcmp(name + n - 7, ".pcapng") == 0);
}

static void count_error(struct tally *t, const struct walk_pkt *pkt,
                        const char *what, int rc) {
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

#define MAX_FILES 256

static void test_all_captures(void **state) {
  (void)state;
  static struct tally tallies[MAX_FILES];
  static char names[MAX_FILES][256];
  int files = 0;
  verbose = getenv("MSL_CAPTURES_VERBOSE") != NULL;
  if (!pcap_captures_dir(dir, sizeof dir)) {
    fprintf(stderr, "no captures directory (set MSL_CAPTURES_DIR)\n");
    fail();
  }
  /* Walk everything first, print one line per file, then assert: a failure
   * still shows the whole picture. */
  DIR *dp = opendir(dir);
  assert_non_null(dp);
  struct dirent *e;
  while ((e = readdir(dp)) != NULL && files < MAX_FILES) {
    if (!is_capture(e->d_name) || strlen(e->d_name) >= sizeof(names[0]))
      continue;
    char path[8192];
    struct tally *t = &tallies[files];
    snprintf(names[files], sizeof(names[0]), "%s", e->d_name);
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    t->file = names[files];
    t->tolerant =
        has_prefix(t->file, "malformed-") || has_prefix(t->file, "truncated-");
    int rc = pcap_walk(path, on_packet, t);
    printf("%-58s dgrams %3d mailslot %3d roundtrip %3d errors %2d cut %d%s\n",
           t->file, t->dgrams, t->mailslot, t->roundtrip, t->errors,
           t->truncated, rc ? " (unreadable)" : "");
    t->errors += rc ? 1000 : 0;
    files++;
  }
  closedir(dp);

  int seen[NEXPECT] = {0};
  for (int i = 0; i < files; i++) {
    const struct tally *t = &tallies[i];
    const struct expect *x = lookup(t->file);
    if (x) {
      seen[x - expect] = 1;
      if (t->dgrams != x->dgrams || t->errors != x->errors)
        fprintf(stderr, "%s: want %d datagrams, %d errors\n", t->file,
                x->dgrams, x->errors);
      assert_int_equal(t->dgrams, x->dgrams);
      assert_int_equal(t->errors, x->errors);
    }
    if (!t->tolerant) {
      /* Every datagram of a clean capture decodes and round-trips. */
      assert_int_equal(t->errors, 0);
      assert_int_equal(t->roundtrip, t->dgrams);
    } else {
      assert_int_equal(t->roundtrip + t->errors, t->dgrams);
    }
  }
  /* A capture listed above but missing is a packaging error. */
  for (size_t i = 0; i < NEXPECT; i++) {
    if (!seen[i])
      fprintf(stderr, "missing capture: %s\n", expect[i].file);
    assert_true(seen[i]);
  }
}

/* ---- pcap_walk on synthetic files, one per link type ---- */

static const uint8_t udp_payload[12] = {0x11, 0x02, 0xab, 0xcd, 0xc0, 0xa8,
                                        0x01, 0x02, 0x00, 0x8a, 0x00, 0x00};

/* IPv4 + UDP 138 -> 138 + udp_payload at p; returns the length. */
static size_t put_ip_udp(uint8_t *p, unsigned frag) {
  size_t ulen = 8 + sizeof(udp_payload), iplen = 20 + ulen;
  memset(p, 0, 28);
  p[0] = 0x45;
  p[2] = (uint8_t)(iplen >> 8);
  p[3] = (uint8_t)iplen;
  p[6] = (uint8_t)(frag >> 8);
  p[7] = (uint8_t)frag;
  p[8] = 64;
  p[9] = 17;
  memcpy(p + 12, "\xc0\xa8\x01\x02\xc0\xa8\x01\xff", 8);
  p[20] = 0;
  p[21] = 138;
  p[22] = 0;
  p[23] = 138;
  p[24] = (uint8_t)(ulen >> 8);
  p[25] = (uint8_t)ulen;
  memcpy(p + 28, udp_payload, sizeof(udp_payload));
  return iplen;
}

struct walk_log {
  int n;
  unsigned long frames[8];
  int truncated[8];
  size_t len[8];
};

static int log_pkt(const struct walk_pkt *pkt, void *user) {
  struct walk_log *l = user;
  assert_true(l->n < 8);
  assert_int_equal(pkt->sport, 138);
  assert_int_equal(pkt->dport, 138);
  assert_memory_equal(pkt->src, "\xc0\xa8\x01\x02", 4);
  assert_memory_equal(pkt->dst, "\xc0\xa8\x01\xff", 4);
  assert_int_equal(pkt->udp_len, sizeof(udp_payload));
  assert_memory_equal(pkt->payload, udp_payload, pkt->len);
  l->frames[l->n] = pkt->frame;
  l->truncated[l->n] = pkt->truncated;
  l->len[l->n] = pkt->len;
  l->n++;
  return 0;
}

/* Writes frames (link header `hdr` of hlen bytes + IP/UDP) to a temporary
 * file of link type dlt and walks it. */
static void walk_synthetic(int dlt, const uint8_t *hdr, size_t hlen,
                           struct walk_log *log) {
  char path[] = "/tmp/msl_pcap_walk_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  pcap_t *dead = pcap_open_dead(dlt, 65535);
  assert_non_null(dead);
  pcap_dumper_t *dump = pcap_dump_open(dead, path);
  assert_non_null(dump);
  uint8_t frame[128];
  struct pcap_pkthdr h;
  memset(&h, 0, sizeof(h));
  /* 1: plain, with 6 bytes of link padding after the IP datagram. */
  if (hlen)
    memcpy(frame, hdr, hlen);
  size_t n = hlen + put_ip_udp(frame + hlen, 0);
  memset(frame + n, 0xee, 6);
  h.caplen = h.len = (bpf_u_int32)(n + 6);
  pcap_dump((u_char *)dump, &h, frame);
  /* 2: first fragment (MF) and 3: later fragment: skipped. */
  put_ip_udp(frame + hlen, 0x2000);
  h.caplen = h.len = (bpf_u_int32)n;
  pcap_dump((u_char *)dump, &h, frame);
  put_ip_udp(frame + hlen, 0x0003);
  pcap_dump((u_char *)dump, &h, frame);
  /* 4: cut 5 bytes short by the snap length. */
  put_ip_udp(frame + hlen, 0);
  h.caplen = (bpf_u_int32)(n - 5);
  h.len = (bpf_u_int32)n;
  pcap_dump((u_char *)dump, &h, frame);
  pcap_dump_close(dump);
  pcap_close(dead);
  memset(log, 0, sizeof(*log));
  assert_int_equal(pcap_walk(path, log_pkt, log), 0);
  unlink(path);
}

static void test_walk_link_types(void **state) {
  (void)state;
  static const uint8_t eth[14] = {1, 2, 3,  4,  5,  6,    7,
                                  8, 9, 10, 11, 12, 0x08, 0x00};
  static const uint8_t qinq[22] = {1,    2,    3,  4,  5,    6,    7, 8,
                                   9,    10,   11, 12, 0x88, 0xa8, 0, 10,
                                   0x81, 0x00, 0,  20, 0x08, 0x00};
  static const uint8_t sll[16] = {0, 0, 0, 1, 0, 6, 1,    2,
                                  3, 4, 5, 6, 0, 0, 0x08, 0x00};
  static const uint8_t sll2[20] = {0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1,
                                   0,    6,    1, 2, 3, 4, 5, 6, 0, 0};
  static const uint8_t null_le[4] = {2, 0, 0, 0};
  static const uint8_t loop_be[4] = {0, 0, 0, 2};
  const struct {
    int dlt;
    const uint8_t *hdr;
    size_t hlen;
  } cases[] = {
      {DLT_EN10MB, eth, sizeof(eth)},
      {DLT_EN10MB, qinq, sizeof(qinq)},
      {DLT_LINUX_SLL, sll, sizeof(sll)},
      {276 /* SLL2 */, sll2, sizeof(sll2)},
      {DLT_RAW, NULL, 0},
      {228 /* IPV4 */, NULL, 0},
      {DLT_NULL, null_le, sizeof(null_le)},
      {DLT_LOOP, loop_be, sizeof(loop_be)},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct walk_log log;
    walk_synthetic(cases[i].dlt, cases[i].hdr, cases[i].hlen, &log);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.frames[0], 1);
    assert_int_equal(log.truncated[0], 0);
    assert_int_equal(log.len[0], sizeof(udp_payload));
    assert_int_equal(log.frames[1], 4);
    assert_int_equal(log.truncated[1], 1);
    assert_int_equal(log.len[1], sizeof(udp_payload) - 5);
  }
  /* An 802.3 length field (LLC, e.g. NetBEUI) is not IP. */
  uint8_t llc[14];
  memcpy(llc, eth, 14);
  llc[12] = 0x00;
  llc[13] = 0x40;
  struct walk_log log;
  walk_synthetic(DLT_EN10MB, llc, sizeof(llc), &log);
  assert_int_equal(log.n, 0);
  /* Unreadable file. */
  assert_int_equal(pcap_walk("/nonexistent/x.pcap", log_pkt, &log), -1);
}

/* ---- capture/msl_pcapmem.c: classic pcap records read in place: the
 * headers it takes and leaves to libpcap, records cut to the snap
 * length, and the two ways a file can be cut short. ---- */

static uint8_t file[256]; /* a classic pcap file being built */

static void put32(size_t off, uint32_t v) { memcpy(file + off, &v, 4); }
static void put16(size_t off, uint16_t v) { memcpy(file + off, &v, 2); }

/* A file header (host order) with magic, snap length and link type. */
static size_t header(uint32_t magic, uint32_t snaplen, uint32_t linktype) {
  memset(file, 0, sizeof file);
  put32(0, magic);
  put16(4, 2);
  put16(6, 4);
  put32(16, snaplen);
  put32(20, linktype);
  return MSL_PCAPMEM_HDR;
}

/* A record at off: its header and caplen bytes of value fill. */
static size_t record(size_t off, uint32_t sec, uint32_t frac, uint32_t caplen,
                     uint32_t len, uint8_t fill) {
  put32(off, sec);
  put32(off + 4, frac);
  put32(off + 8, caplen);
  put32(off + 12, len);
  memset(file + off + MSL_PCAPMEM_REC, fill, caplen);
  return off + MSL_PCAPMEM_REC + caplen;
}

static void test_pcapmem_headers(void **state) {
  (void)state;
  msl_pcapmem m;
  header(0xa1b2c3d4u, 65535, 1);
  assert_int_equal(msl_pcapmem_open(&m, file, MSL_PCAPMEM_HDR), 0);
  assert_false(m.nano);
  assert_int_equal(m.linktype, 1);
  assert_int_equal(m.snaplen, 65535);
  header(0xa1b23c4du, 0, 113); /* nanoseconds; snap length 0: the most */
  assert_int_equal(msl_pcapmem_open(&m, file, MSL_PCAPMEM_HDR), 0);
  assert_true(m.nano);
  assert_int_equal(m.snaplen, MSL_PCAPMEM_MAXSNAP);
  /* For libpcap: the other byte order, another version, pcapng, short. */
  header(0xd4c3b2a1u, 65535, 1);
  assert_int_equal(msl_pcapmem_open(&m, file, MSL_PCAPMEM_HDR), -1);
  header(0xa1b2c3d4u, 65535, 1);
  put16(6, 3);
  assert_int_equal(msl_pcapmem_open(&m, file, MSL_PCAPMEM_HDR), -1);
  header(0x0a0d0d0au, 65535, 1);
  assert_int_equal(msl_pcapmem_open(&m, file, MSL_PCAPMEM_HDR), -1);
  header(0xa1b2c3d4u, 65535, 1);
  assert_int_equal(msl_pcapmem_open(&m, file, MSL_PCAPMEM_HDR - 1), -1);
  assert_int_equal(msl_pcapmem_open(&m, NULL, 100), -1);
}

static void test_pcapmem_records(void **state) {
  (void)state;
  msl_pcapmem m;
  msl_pcaprec r;
  const char *why = NULL;
  size_t end = header(0xa1b2c3d4u, 20, 1);
  end = record(end, 7, 999999, 10, 60, 0x11);
  end = record(end, 8, 1, 30, 30, 0x22); /* over the snap length of 20 */
  assert_int_equal(msl_pcapmem_open(&m, file, end), 0);
  assert_int_equal(msl_pcapmem_next(&m, &r, &why), 1);
  assert_int_equal(r.sec, 7);
  assert_int_equal(r.frac, 999999);
  assert_int_equal(r.caplen, 10);
  assert_int_equal(r.len, 60);
  assert_ptr_equal(r.data, file + MSL_PCAPMEM_HDR + MSL_PCAPMEM_REC);
  assert_int_equal(msl_pcapmem_next(&m, &r, &why), 1);
  assert_int_equal(r.caplen, 20); /* cut to the snap length, as libpcap */
  assert_int_equal(r.data[19], 0x22);
  assert_int_equal(msl_pcapmem_next(&m, &r, &why), 0);
  assert_int_equal(msl_pcapmem_next(&m, &r, &why), 0);
}

static void test_pcapmem_cut_short(void **state) {
  (void)state;
  msl_pcapmem m;
  msl_pcaprec r;
  const char *why = NULL;
  size_t end = record(header(0xa1b2c3d4u, 65535, 1), 1, 2, 40, 40, 0x33);
  /* Inside the record's data, inside its header. */
  assert_int_equal(msl_pcapmem_open(&m, file, end - 1), 0);
  assert_int_equal(msl_pcapmem_next(&m, &r, &why), -1);
  assert_non_null(strstr(why, "cut short"));
  assert_int_equal(msl_pcapmem_open(&m, file, MSL_PCAPMEM_HDR + 15), 0);
  assert_int_equal(msl_pcapmem_next(&m, &r, &why), -1);
  assert_non_null(strstr(why, "record header"));
  /* A length no capture has. */
  record(MSL_PCAPMEM_HDR, 1, 2, 0, 0, 0);
  put32(MSL_PCAPMEM_HDR + 8, MSL_PCAPMEM_MAXSNAP + 1);
  assert_int_equal(msl_pcapmem_open(&m, file, sizeof file), 0);
  assert_int_equal(msl_pcapmem_next(&m, &r, &why), -1);
  assert_non_null(strstr(why, "longer"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_walk_link_types),
      cmocka_unit_test(test_all_captures),
      cmocka_unit_test(test_pcapmem_headers),
      cmocka_unit_test(test_pcapmem_records),
      cmocka_unit_test(test_pcapmem_cut_short),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
