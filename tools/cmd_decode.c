/*
 * mailslot decode FILE... and mailslot sniff -i IFACE: NetBIOS datagrams and
 * name-service packets from capture files or a live interface, one line
 * per packet (default), a field tree (-V) or JSON Lines (--json), and an
 * optional summary (--stats). The work is in capture/ (capture, link layers,
 * reassembly: msl_capture.h, msl_decoder.h) and proto/ (dissector and
 * printers); this file parses arguments and moves text to stdout.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "decode_stats.h"
#include "msl_capture.h"
#include "msl_decoder.h"
#include "msl_fields.h"
#include "msl_print.h"
#include "progress.h"

enum mode { MODE_SUMMARY, MODE_TREE, MODE_JSON };

struct run {
  enum mode mode;
  unsigned print_flags;
  int quiet, stats, progress, live;
  msl_out out;
  decode_stats *st;
  const char *prog;
};

static volatile sig_atomic_t interrupted;
static msl_capture *live_cap;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
  if (live_cap)
    msl_capture_break(live_cap);
}

static void flush_out(struct run *r) {
  if (r->out.len)
    fwrite(r->out.buf, 1, r->out.len, stdout);
  msl_out_reset(&r->out);
}

static int print_one(struct run *r, const msl_pkt_meta *m,
                     const msl_dissect *d) {
  switch (r->mode) {
  case MODE_TREE:
    return msl_print_tree(&r->out, m, d, r->print_flags);
  case MODE_JSON:
    return msl_print_json(&r->out, m, d, 0);
  default:
    return msl_print_summary(&r->out, m, d, 0);
  }
}

static void on_line(const msl_pkt_meta *m, const msl_dissect *d, void *user) {
  struct run *r = user;
  if (r->st)
    decode_stats_add(r->st, m, d);
  if (r->quiet)
    return;
  if (print_one(r, m, d) == MSL_ERR_BUFFER_TOO_SMALL) {
    /* The printer rolled back: write out what is complete, try again in
     * the empty buffer, which MSL_PRINT_OUT_MAX bytes always suffice. */
    flush_out(r);
    print_one(r, m, d);
  }
  if (r->live) { /* a person is watching: every packet at once */
    flush_out(r);
    fflush(stdout);
  } else if (r->out.len >= MSL_PRINT_OUT_MAX) {
    flush_out(r);
  }
}

/* Reads every packet of an open capture. Returns 0, or -1 on a read
 * error (the message is printed). */
static int run_capture(struct run *r, msl_capture *cap, msl_decoder *dec,
                       const char *name, uint64_t limit) {
  msl_capture_pkt pkt;
  progress pb;
  uint64_t done, total, n = 0;
  int rc;
  msl_capture_progress(cap, &done, &total);
  progress_start(&pb, name, total, r->progress && !r->live);
  msl_decoder_reset(dec);
  while ((rc = msl_capture_next(cap, &pkt)) == 1) {
    msl_decoder_packet(dec, &pkt, on_line, r);
    if ((++n & 1023) == 0 && pb.enabled) {
      msl_capture_progress(cap, &done, &total);
      progress_update(&pb, done);
    }
    if (limit && n >= limit)
      break;
  }
  progress_done(&pb);
  flush_out(r);
  msl_capture_counts cn;
  msl_capture_get_counts(cap, &cn);
  if (r->st)
    decode_stats_add_file(r->st, cn.frames);
  if (rc < 0) {
    fflush(stdout);
    fprintf(stderr, "mailslot %s: %s: %s (after %llu frames)\n", r->prog, name,
            msl_capture_error(cap), (unsigned long long)cn.frames);
    return -1;
  }
  return 0;
}

/* --port N[:dgm|:ns]. Returns 0 or -1. */
static int add_port(msl_capture_opts *o, const char *arg) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(arg, &end, 10);
  if (errno || end == arg || v == 0 || v > 65535 ||
      o->nports == MSL_CAPTURE_MAX_PORTS)
    return -1;
  uint8_t kind = MSL_CAPTURE_KIND_AUTO;
  if (!strcmp(end, ":dgm"))
    kind = MSL_CAPTURE_KIND_NBDGM;
  else if (!strcmp(end, ":ns"))
    kind = MSL_CAPTURE_KIND_NBNS;
  else if (*end)
    return -1;
  o->ports[o->nports] = (uint16_t)v;
  o->kinds[o->nports++] = kind;
  return 0;
}

static const char OUTPUT_HELP[] =
    "  -V, --verbose     every field as an indented tree\n"
    "  -x, --hex         with -V: hex dump of the user data\n"
    "  --json            JSON Lines, one object per packet (docs/json.md)\n"
    "  --stats           after the packets: counts per message type,\n"
    "                    mailslot, browse and netlogon command, errors,\n"
    "                    and the hosts table (name, IP, OS, server type)\n"
    "  -q, --quiet       no per-packet output (with --stats)\n"
    "  --port N[:dgm|:ns]  also decode UDP port N (repeatable, at most 16)\n"
    "                    as the datagram (default) or name service\n";

/*
 * --fields: every field the printers show, from the field tables, as
 * tab-separated columns: table, JSON key, tshark field name, -V label,
 * type. A value's or bits' names under their own key are a row too (type
 * "names"). "-" where a field has none.
 */
static void list_fields(FILE *out) {
  fprintf(out, "# table\tjson_key\ttshark_field\tlabel\ttype\n");
  for (size_t t = 0; msl_field_tables[t]; t++) {
    const msl_field_table *tab = msl_field_tables[t];
    for (size_t i = 0; i < tab->n; i++) {
      const msl_field *f = &tab->fields[i];
      char key[MSL_FIELD_KEY_MAX];
      msl_fields_key_text(f, 0, key, sizeof key);
      fprintf(out, "%s\t%s\t%s\t%s\t%s\n", tab->proto, *key ? key : "-",
              f->abbrev ? f->abbrev : "-", f->label ? f->label : "-",
              msl_fields_type_name(f));
      if (msl_fields_key_text(f, 1, key, sizeof key))
        fprintf(out, "%s\t%s\t-\t-\tnames\n", tab->proto, key);
    }
  }
}

static void decode_usage(FILE *out) {
  fprintf(out,
          "usage: mailslot decode [OPTIONS] FILE...\n"
          "Decodes the NetBIOS datagrams (UDP 138: browser, netlogon and "
          "other mailslot\nmessages) and name-service packets (UDP 137) of "
          "pcap/pcapng FILEs; - reads\nstandard input. Link types: "
          "Ethernet (+802.1Q/802.1ad tags), Linux cooked\n(SLL, SLL2), raw "
          "IPv4, BSD loopback. IPv4 fragments and NetBIOS datagram\n"
          "fragments are reassembled. Frame numbers count every record of "
          "the file from 1;\ntimes are seconds since its first record.\n\n"
          "options:\n%s"
          "  --no-progress     no progress bar (shown on a terminal for long "
          "files)\n"
          "  --fields          list the fields the output shows (table, JSON "
          "key, tshark\n"
          "                    field name, -V label, type) and exit\n"
          "  -h, --help        this text\n\n"
          "Exit status: 0 every file was read to its end (malformed or "
          "truncated packets\nare reported in the output and do not count), "
          "2 bad arguments, 3 a file could\nnot be opened, is not a capture "
          "of a supported link type, or could not be read\nto its end (the "
          "packets before the problem are still shown).\n",
          OUTPUT_HELP);
}

static void sniff_usage(FILE *out) {
  fprintf(out,
          "usage: mailslot sniff -i IFACE [OPTIONS]\n"
          "Captures and decodes NetBIOS traffic live (BPF filter: udp port "
          "137 or 138, IPv4\nfragments, and --port extras) until Ctrl-C "
          "or -c packets; then prints the\ncounts of packets captured and "
          "dropped on stderr.\n\n"
          "options:\n"
          "  -i IFACE          interface to capture on (required)\n"
          "  -c N              stop after N NetBIOS packets\n"
          "  -w FILE           also save every captured frame to FILE "
          "(pcap)\n"
          "  -p                do not put the interface in promiscuous mode\n"
          "  -s SNAPLEN        bytes captured per frame (default 65535)\n"
          "%s"
          "  -h, --help        this text\n\n"
          "Exit status: 0 ok, 2 bad arguments, 3 the interface could not be "
          "opened or read,\nor FILE could not be written.\n",
          OUTPUT_HELP);
}

/* Parses an output option at argv[*i]. 1 if consumed, 0 if not ours, -1
 * on error. */
static int output_opt(struct run *r, msl_capture_opts *o, int argc, char **argv,
                      int *i) {
  const char *a = argv[*i];
  if (!strcmp(a, "-V") || !strcmp(a, "--verbose"))
    r->mode = MODE_TREE;
  else if (!strcmp(a, "-x") || !strcmp(a, "--hex"))
    r->print_flags |= MSL_PRINT_HEX;
  else if (!strcmp(a, "--json"))
    r->mode = MODE_JSON;
  else if (!strcmp(a, "--stats"))
    r->stats = 1;
  else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
    r->quiet = 1;
  else if (!strncmp(a, "--port=", 7)) {
    if (add_port(o, a + 7) < 0)
      return -1;
  } else if (!strcmp(a, "--port")) {
    if (*i + 1 >= argc || add_port(o, argv[++*i]) < 0)
      return -1;
  } else
    return 0;
  return 1;
}

/* The output buffer, the statistics (if asked for) and a decoder for a
 * run: the decoder, or NULL (reported, nothing left allocated). */
static msl_decoder *setup_run(struct run *r) {
  size_t cap = 2 * (size_t)MSL_PRINT_OUT_MAX;
  char *buf = malloc(cap);
  static char stdout_buf[1 << 16];
  msl_decoder *dec = msl_decoder_new();
  if (buf && dec && (!r->stats || (r->st = decode_stats_new()))) {
    msl_out_init(&r->out, buf, cap);
    setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
    return dec;
  }
  fprintf(stderr, "mailslot %s: out of memory\n", r->prog);
  free(buf);
  msl_decoder_free(dec);
  return NULL;
}

static void finish_run(struct run *r) {
  flush_out(r);
  if (r->st) {
    decode_stats_print(r->st, stdout);
    decode_stats_free(r->st);
  }
  fflush(stdout);
  free(r->out.buf);
}

int cmd_decode(int argc, char **argv) {
  struct run r = {.mode = MODE_SUMMARY, .progress = 1, .prog = "decode"};
  msl_capture_opts opts;
  int nfiles = 0, status = EXIT_OK;
  msl_capture_opts_default(&opts);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      decode_usage(stdout);
      return EXIT_OK;
    }
    if (!strcmp(a, "--fields")) {
      list_fields(stdout);
      return EXIT_OK;
    }
    if (!strcmp(a, "--no-progress")) {
      r.progress = 0;
      continue;
    }
    if (!strcmp(a, "--")) {
      nfiles += argc - i - 1;
      break;
    }
    int rc = output_opt(&r, &opts, argc, argv, &i);
    if (rc < 0) {
      fprintf(stderr, "mailslot decode: bad value for %s\n", a);
      return EXIT_USAGE;
    }
    if (rc)
      continue;
    if (a[0] == '-' && a[1]) {
      fprintf(stderr, "mailslot decode: unknown option %s\n", a);
      decode_usage(stderr);
      return EXIT_USAGE;
    }
    nfiles++;
  }
  if (!nfiles) {
    decode_usage(stderr);
    return EXIT_USAGE;
  }
  msl_decoder *dec = setup_run(&r);
  if (!dec)
    return EXIT_FAILED;
  signal(SIGPIPE, SIG_DFL);
  int files_only = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!files_only) {
      if (!strcmp(a, "--")) {
        files_only = 1;
        continue;
      }
      if (!strcmp(a, "--port")) {
        i++;
        continue;
      }
      if (a[0] == '-' && a[1])
        continue;
    }
    char err[MSL_CAPTURE_ERRBUF_SIZE];
    msl_capture *cap = msl_capture_open_file(a, &opts, err);
    if (!cap) {
      flush_out(&r);
      fflush(stdout);
      fprintf(stderr, "mailslot decode: %s\n", err);
      status = EXIT_INPUT;
      continue;
    }
    if (run_capture(&r, cap, dec, a, 0) < 0)
      status = EXIT_INPUT;
    msl_capture_close(cap);
  }
  finish_run(&r);
  msl_decoder_free(dec);
  return status;
}

/* What mailslot sniff was asked for, besides r and opts. */
struct sniff_args {
  const char *iface, *wfile;
  uint64_t limit;
};

/* One of sniff's own options at argv[*i] into o (its value consumed):
 * 1, 0 (not one of them) or -1 (bad value, reported). */
static int sniff_opt(int argc, char **argv, int *i, msl_capture_opts *opts,
                     struct sniff_args *o) {
  const char *a = argv[*i];
  if (!strcmp(a, "-p")) {
    opts->promisc = 0;
    return 1;
  }
  if ((strcmp(a, "-i") && strcmp(a, "-c") && strcmp(a, "-w") &&
       strcmp(a, "-s")) ||
      *i + 1 >= argc)
    return 0;
  const char *v = argv[++*i];
  char *end;
  unsigned long long n = 0;
  if (a[1] == 'c' || a[1] == 's') {
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno || end == v || *end || !n || (a[1] == 's' && n > INT_MAX)) {
      fprintf(stderr, "mailslot sniff: bad value for %s\n", a);
      return -1;
    }
  }
  if (a[1] == 'i')
    o->iface = v;
  else if (a[1] == 'w')
    o->wfile = v;
  else if (a[1] == 'c')
    o->limit = n;
  else
    opts->snaplen = (int)n;
  return 1;
}

/* Parses sniff's arguments: 0, 1 (help shown) or -1 (reported). */
static int sniff_parse(int argc, char **argv, struct run *r,
                       msl_capture_opts *opts, struct sniff_args *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      sniff_usage(stdout);
      return 1;
    }
    int rc = output_opt(r, opts, argc, argv, &i);
    if (rc < 0)
      fprintf(stderr, "mailslot sniff: bad value for %s\n", a);
    if (rc == 0)
      rc = sniff_opt(argc, argv, &i, opts, o);
    if (rc < 0)
      return -1;
    if (rc == 0) {
      fprintf(stderr, "mailslot sniff: unknown or incomplete option %s\n", a);
      sniff_usage(stderr);
      return -1;
    }
  }
  if (!o->iface) {
    sniff_usage(stderr);
    return -1;
  }
  return 0;
}

/* The closing counts, on stderr. */
static void sniff_counts(msl_capture *cap) {
  uint64_t recv, drop;
  msl_capture_counts cn;
  msl_capture_get_counts(cap, &cn);
  if (msl_capture_live_stats(cap, &recv, &drop) == 0)
    fprintf(stderr,
            "%llu NetBIOS packets, %llu frames captured, %llu received by "
            "filter, %llu dropped\n",
            (unsigned long long)cn.matched, (unsigned long long)cn.frames,
            (unsigned long long)recv, (unsigned long long)drop);
  else
    fprintf(stderr, "%llu NetBIOS packets, %llu frames captured\n",
            (unsigned long long)cn.matched, (unsigned long long)cn.frames);
}

int cmd_sniff(int argc, char **argv) {
  struct run r = {.mode = MODE_SUMMARY, .live = 1, .prog = "sniff"};
  struct sniff_args o = {NULL, NULL, 0};
  msl_capture_opts opts;
  msl_capture_opts_default(&opts);
  opts.promisc = 1;
  int rc = sniff_parse(argc, argv, &r, &opts, &o);
  if (rc)
    return rc < 0 ? EXIT_USAGE : EXIT_OK;
  char err[MSL_CAPTURE_ERRBUF_SIZE];
  msl_capture *cap = msl_capture_open_live(o.iface, &opts, err);
  if (!cap) {
    fprintf(stderr, "mailslot sniff: %s\n", err);
    return EXIT_INPUT;
  }
  if (o.wfile && msl_capture_dump_open(cap, o.wfile, err) < 0) {
    fprintf(stderr, "mailslot sniff: %s\n", err);
    msl_capture_close(cap);
    return EXIT_INPUT;
  }
  msl_decoder *dec = setup_run(&r);
  if (!dec) {
    msl_capture_close(cap);
    return EXIT_FAILED;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: the read must return */
  sigemptyset(&sa.sa_mask);
  live_cap = cap;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  fprintf(stderr, "mailslot sniff: listening on %s (%s)\n", o.iface,
          msl_capture_dlt_name(cap));
  int status =
      run_capture(&r, cap, dec, o.iface, o.limit) < 0 ? EXIT_INPUT : EXIT_OK;
  finish_run(&r);
  sniff_counts(cap);
  live_cap = NULL;
  msl_capture_close(cap);
  msl_decoder_free(dec);
  return status;
}
