/*
 * make bench (issue 3): `mailslot decode --json` against tshark -T json and
 * against a bare libpcap read loop, on one file, in one run.
 *
 * Builds, in a temporary directory, a pcap of MSL_BENCH_PACKETS (default
 * 1,000,000) frames by repeating the UDP 137/138 frames of every capture
 * in MSL_CAPTURES_DIR (Ethernet ones; time stamps renumbered 1 ms apart),
 * then times:
 *   bare   pcap_open_offline + pcap_next_ex over every record (best of 3);
 *   ours   `MAILSLOT decode --json FILE > /dev/null` (best of 3), MAILSLOT
 *          being $MSL_BUILDDIR/tools/mailslot;
 *   tshark `tshark -r SLICE -T json > /dev/null` on the first 50,000
 *          packets (tshark needs minutes for a million), scaled linearly
 *          to the full count, and said so; skipped when tshark is absent.
 * Prints packets/s of each and the ratios against the targets (ours >= 100x
 * tshark, ours >= 0.5x the bare loop). Exit 0 whatever the figures (they
 * are reported, not enforced: machines differ), 1 on a setup error.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msl_linklayer.h"
#include "../mono_clock.h"

#define MAX_FRAMES 8192
#define TSHARK_SLICE 50000

struct frame {
  uint8_t *p;
  uint32_t len;
};

static struct frame frames[MAX_FRAMES];
static size_t nframes;

static int is_netbios(const uint8_t *p, size_t n) {
  msl_view l3;
  msl_ipv4 ip;
  msl_udp u;
  if (msl_link_ipv4(MSL_DLT_EN10MB, p, n, &l3) ||
      msl_ipv4_parse(&ip, l3.ptr, l3.len) || ip.proto != 17 || ip.cut ||
      ip.more_frags || ip.frag_off ||
      msl_udp_parse(&u, ip.payload.ptr, ip.payload.len))
    return 0;
  return u.sport == 137 || u.sport == 138 || u.dport == 137 || u.dport == 138;
}

static void collect(const char *path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline(path, err);
  struct pcap_pkthdr *h;
  const u_char *d;
  if (!pc)
    return;
  if (pcap_datalink(pc) == DLT_EN10MB)
    while (nframes < MAX_FRAMES && pcap_next_ex(pc, &h, &d) == 1)
      if (h->caplen == h->len && is_netbios(d, h->caplen)) {
        frames[nframes].p = malloc(h->caplen);
        if (!frames[nframes].p)
          break;
        memcpy(frames[nframes].p, d, h->caplen);
        frames[nframes++].len = h->caplen;
      }
  pcap_close(pc);
}

static int write_file(const char *path, size_t count, uint64_t *bytes) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  uint32_t hdr[6] = {0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, 1};
  fwrite(hdr, sizeof hdr, 1, f);
  *bytes = sizeof hdr;
  for (size_t i = 0; i < count; i++) {
    const struct frame *fr = &frames[i % nframes];
    uint32_t rec[4] = {(uint32_t)(1500000000u + i / 1000),
                       (uint32_t)(i % 1000 * 1000), fr->len, fr->len};
    fwrite(rec, sizeof rec, 1, f);
    fwrite(fr->p, fr->len, 1, f);
    *bytes += sizeof rec + fr->len;
  }
  return fclose(f);
}

static volatile size_t sink;

static double bare_loop(const char *path, size_t *count) {
  char err[PCAP_ERRBUF_SIZE];
  double t0 = now_s();
  pcap_t *pc = pcap_open_offline(path, err);
  struct pcap_pkthdr *h;
  const u_char *d;
  *count = 0;
  if (!pc)
    return -1;
  while (pcap_next_ex(pc, &h, &d) == 1) {
    sink += h->caplen; /* touch every record, as a reader would */
    (*count)++;
  }
  pcap_close(pc);
  return now_s() - t0;
}

static double run(const char *cmd) {
  double t0 = now_s();
  int rc = system(cmd);
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    fprintf(stderr, "bench: `%s` failed (%d)\n", cmd, rc);
    return -1;
  }
  return now_s() - t0;
}

static double best_of(int n, const char *cmd) {
  double best = -1;
  for (int i = 0; i < n; i++) {
    double t = run(cmd);
    if (t < 0)
      return -1;
    if (best < 0 || t < best)
      best = t;
  }
  return best;
}

int main(void) {
  const char *caps = getenv("MSL_CAPTURES_DIR");
  const char *build = getenv("MSL_BUILDDIR");
  const char *np = getenv("MSL_BENCH_PACKETS");
  size_t count = np ? strtoul(np, NULL, 10) : 1000000;
  char tool[4096], dir[] = "/tmp/msl-bench-XXXXXX", file[4200], slice[4200],
                   cmd[16384];
  if (!caps)
    caps = "captures";
  snprintf(tool, sizeof tool, "%s/tools/mailslot", build ? build : ".");
  if (access(tool, X_OK)) {
    fprintf(stderr, "bench: %s not built\n", tool);
    return 1;
  }
  DIR *dp = opendir(caps);
  struct dirent *e;
  if (!dp) {
    fprintf(stderr, "bench: cannot open %s\n", caps);
    return 1;
  }
  while ((e = readdir(dp))) {
    if (e->d_name[0] == '.' || !strstr(e->d_name, ".pcap"))
      continue;
    snprintf(file, sizeof file, "%s/%s", caps, e->d_name);
    collect(file);
  }
  closedir(dp);
  if (!nframes || count < 1 || !mkdtemp(dir)) {
    fprintf(stderr, "bench: no NetBIOS frames in %s\n", caps);
    return 1;
  }
  snprintf(file, sizeof file, "%s/bench.pcap", dir);
  snprintf(slice, sizeof slice, "%s/slice.pcap", dir);
  uint64_t bytes, sbytes;
  size_t nslice = count < TSHARK_SLICE ? count : TSHARK_SLICE;
  if (write_file(file, count, &bytes) || write_file(slice, nslice, &sbytes)) {
    fprintf(stderr, "bench: cannot write %s\n", dir);
    return 1;
  }
  printf("bench-decode: %zu packets (%zu distinct UDP 137/138 frames from "
         "%s repeated), %.1f MB\n",
         count, nframes, caps, (double)bytes / 1e6);

  size_t seen = 0;
  double bare = -1;
  for (int i = 0; i < 3; i++) {
    double t = bare_loop(file, &seen);
    if (t >= 0 && (bare < 0 || t < bare))
      bare = t;
  }
  snprintf(cmd, sizeof cmd, "'%s' decode --json --no-progress '%s' >/dev/null",
           tool, file);
  double ours = best_of(3, cmd);
  if (bare <= 0 || ours <= 0 || seen != count) {
    fprintf(stderr, "bench: timing failed\n");
    return 1;
  }
  printf("  bare libpcap loop        %8.3f s  %12.0f packets/s\n", bare,
         (double)count / bare);
  printf("  mailslot decode --json   %8.3f s  %12.0f packets/s\n", ours,
         (double)count / ours);
  printf("  ratio ours/bare loop     %8.2f   (target >= 0.5) %s\n", bare / ours,
         bare / ours >= 0.5 ? "met" : "MISSED");
  /* Where the time goes: the same decode with the text printer, and with
   * no printing at all (capture + dissection + reassembly only). */
  snprintf(cmd, sizeof cmd, "'%s' decode --no-progress '%s' >/dev/null", tool,
           file);
  double text = best_of(3, cmd);
  snprintf(cmd, sizeof cmd, "'%s' decode -q --no-progress '%s' >/dev/null",
           tool, file);
  double quiet = best_of(3, cmd);
  if (text > 0 && quiet > 0) {
    printf("  mailslot decode (text)   %8.3f s  %12.0f packets/s  "
           "ours/bare %.2f\n",
           text, (double)count / text, bare / text);
    printf("  mailslot decode -q       %8.3f s  %12.0f packets/s  "
           "ours/bare %.2f (read + dissect, no output)\n",
           quiet, (double)count / quiet, bare / quiet);
  }
  /* Issue 13's yardstick: a whole tcpdump process copying the file. */
  if (quiet > 0 && system("command -v tcpdump >/dev/null 2>&1") == 0) {
    snprintf(cmd, sizeof cmd,
             "tcpdump -Z root -r '%s' -w /dev/null 2>/dev/null", file);
    double td = best_of(3, cmd);
    if (td > 0)
      printf("  tcpdump -r FILE -w /dev/null %4.3f s  %12.0f packets/s  "
             "decode -q/tcpdump %.2f\n",
             td, (double)count / td, td / quiet);
  }
  if (system("command -v tshark >/dev/null 2>&1") == 0) {
    snprintf(cmd, sizeof cmd, "tshark -r '%s' -T json >/dev/null 2>&1", slice);
    double ts = run(cmd);
    if (ts > 0) {
      double scaled = ts * (double)count / (double)nslice;
      printf("  tshark -T json           %8.3f s  on %zu packets, scaled "
             "x%.0f to %.1f s (%0.f packets/s)\n",
             ts, nslice, (double)count / (double)nslice, scaled,
             (double)nslice / ts);
      printf("  ratio tshark/ours        %8.1f   (target >= 100) %s\n",
             scaled / ours, scaled / ours >= 100 ? "met" : "MISSED");
    }
  } else {
    printf("  tshark not installed: comparison skipped\n");
  }
  unlink(file);
  unlink(slice);
  rmdir(dir);
  return 0;
}
