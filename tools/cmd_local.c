/*
 * mailslot listen / send / info: local mailslots from the shell
 * (docs/local-mailslots.md). Everything here goes through the public API
 * in include/mailslot.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json_text.h"
#include "tool_sys.h"
#include "mailslot.h"

#define EXIT_TIMEOUT 4 /* listen: no message within --timeout */

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static int parse_u32(const char *s, uint32_t *out) {
  char *end;
  if (!s || !*s || *s == '-')
    return -1;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v > UINT32_MAX)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

/* An option of a command (not -h) with its argument into ctx: 0, or -1
 * (a bad value or an unknown option). */
typedef int (*take_opt_fn)(int c, const char *arg, void *ctx);

/* The options of argv (getopt_long over opts and shorts), each given to
 * take, then the operands: with path, exactly one, stored there; without,
 * they start at optind. 0, 1 (-h: usage on stdout) or -1 (bad: usage on
 * stderr). */
static int parse_opts(int argc, char **argv, const struct option *opts,
                      const char *shorts, void (*usage)(FILE *),
                      take_opt_fn take, void *ctx, const char **path) {
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return 1;
    }
    if (take(c, optarg, ctx) < 0)
      break;
  }
  if (c == -1 && (!path || optind == argc - 1)) {
    if (path)
      *path = argv[optind];
    return 0;
  }
  usage(stderr);
  return -1;
}

/* The exit status of a command whose parse_opts gave rc (not 0). */
static int parse_exit(int rc) { return rc < 0 ? EXIT_USAGE : EXIT_OK; }

/* ---- output ---- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0. */
static size_t utf8_seq(const uint8_t *p, size_t n) {
  if (p[0] < 0x80)
    return 1;
  size_t len = (p[0] & 0xe0) == 0xc0   ? 2
               : (p[0] & 0xf0) == 0xe0 ? 3
               : (p[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
  if (!len || len > n)
    return 0;
  uint32_t c = p[0] & (0x7f >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    c = c << 6 | (p[i] & 0x3f);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    return 0;
  return len;
}

static int is_utf8(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t l = utf8_seq(p + i, n - i);
    if (!l)
      return 0;
    i += l;
  }
  return 1;
}

/* Text mode: one line per message; bytes that would break the line or are
 * not UTF-8 are written as C escapes. */
static void print_text(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t l = utf8_seq(p + i, n - i);
    if (l > 1) {
      fwrite(p + i, 1, l, stdout);
      i += l;
      continue;
    }
    uint8_t c = p[i++];
    if (c == '\\')
      fputs("\\\\", stdout);
    else if (c == '\n')
      fputs("\\n", stdout);
    else if (c == '\t')
      fputs("\\t", stdout);
    else if (c < 0x20 || c >= 0x7f)
      printf("\\x%02x", c);
    else
      putchar(c);
  }
  putchar('\n');
}

/* A raw NetBIOS name as "NAME<xx>" (trailing spaces dropped). */
static void json_nbname(const uint8_t raw[16]) {
  char s[16 * 4 + 8];
  size_t n = 15, o = 0;
  while (n > 0 && raw[n - 1] == ' ')
    n--;
  for (size_t i = 0; i < n; i++) {
    if (raw[i] >= 0x21 && raw[i] < 0x7f && raw[i] != '"' && raw[i] != '\\' &&
        raw[i] != '<')
      s[o++] = (char)raw[i];
    else
      o += (size_t)snprintf(s + o, sizeof(s) - o, "<%02x>", raw[i]);
  }
  snprintf(s + o, sizeof(s) - o, "<%02x>", raw[15]);
  printf("\"%s\"", s);
}

static void print_json(const uint8_t *p, size_t n, const msl_msg_info *mi) {
  printf("{\"length\":%zu,\"data\":", n);
  if (is_utf8(p, n))
    json_text(stdout, p, n, 1);
  else
    fputs("null", stdout);
  fputs(",\"data_hex\":\"", stdout);
  for (size_t i = 0; i < n; i++)
    printf("%02x", p[i]);
  putchar('"');
  if (mi->origin == MSL_ORIGIN_NETWORK) {
    printf(",\"origin\":\"network\",\"source_ip\":\"%u.%u.%u.%u\","
           "\"source_port\":%u,\"dgram_type\":%u,\"source_name\":",
           mi->src_ip[0], mi->src_ip[1], mi->src_ip[2], mi->src_ip[3],
           mi->src_port, mi->dgram_type);
    json_nbname(mi->src_name);
    fputs(",\"destination_name\":", stdout);
    json_nbname(mi->dst_name);
  } else {
    fputs(",\"origin\":\"local\"", stdout);
  }
  /* The writing process (for a network message: the network service). */
  printf(",\"uid\":%lu,\"pid\":%ld", (unsigned long)mi->uid, (long)mi->pid);
  puts("}");
}

/* ---- listen ---- */

static void listen_usage(FILE *f) {
  fprintf(f, "usage: mailslot listen PATH [--max-size N] [--timeout MS] "
             "[-c COUNT] [--json]\n"
             "Creates the mailslot PATH (\\\\.\\mailslot\\NAME) and prints "
             "each message, one per line.\n"
             "  --max-size N  refuse messages over N bytes (0 = any)\n"
             "  --timeout MS  exit with status 4 when no message arrives "
             "within MS ms\n"
             "  -c COUNT      exit with status 0 after COUNT messages\n"
             "  --json        one JSON object per message\n");
}

/* What mailslot listen was asked for. */
typedef struct listen_opts {
  uint32_t max, timeout, count;
  int json;
  const char *path;
} listen_opts;

static int listen_take(int c, const char *arg, void *ctx) {
  listen_opts *o = ctx;
  o->json |= c == 'j';
  if (c == 'c')
    return parse_u32(arg, &o->count) < 0 || o->count == 0 ? -1 : 0;
  if (c == 'm' || c == 't')
    return parse_u32(arg, c == 'm' ? &o->max : &o->timeout);
  return c == 'j' ? 0 : -1;
}

/* Parses listen's arguments into *o as parse_opts does. */
static int listen_parse(int argc, char **argv, listen_opts *o) {
  static const struct option opts[] = {
      {"max-size", required_argument, NULL, 'm'},
      {"timeout", required_argument, NULL, 't'},
      {"count", required_argument, NULL, 'c'},
      {"json", no_argument, NULL, 'j'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  *o = (listen_opts){0, MSL_WAIT_FOREVER, 0, 0, NULL};
  return parse_opts(argc, argv, opts, "c:h", listen_usage, listen_take, o,
                    &o->path);
}

/* Stop cleanly on signals, so the name is removed. */
static void listen_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
}

/* Prints what h receives until count messages, a signal, an error or
 * timeout ms without a message; the exit status. */
static int listen_loop(msl_handle *h, const listen_opts *o) {
  static uint8_t buf[MSL_LOCAL_MSG_MAX];
  uint32_t timeout = o->timeout, count = o->count;
  int json = o->json, fd = msl_fd(h), status = EXIT_OK;
  unsigned long got = 0;
  long long deadline =
      timeout == MSL_WAIT_FOREVER ? -1 : (long long)tool_now_ms() + timeout;
  while (!g_stop && (count == 0 || got < count)) {
    msl_msg_info mi;
    int n = msl_read_ex(h, buf, sizeof(buf), &mi, 0);
    if (n == MSL_ERR_TIMEOUT) {
      int wait = -1;
      if (deadline >= 0) {
        long long left = deadline - (long long)tool_now_ms();
        if (left <= 0) {
          fprintf(stderr,
                  "mailslot listen: timeout: no message in %lu ms "
                  "(%lu received)\n",
                  (unsigned long)timeout, got);
          status = EXIT_TIMEOUT;
          break;
        }
        wait = left > INT_MAX ? INT_MAX : (int)left;
      }
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, wait) < 0 && errno != EINTR) {
        perror("mailslot listen: poll");
        status = EXIT_FAILED;
        break;
      }
      continue;
    }
    if (n < 0) {
      fprintf(stderr, "mailslot listen: %s\n", msl_strerror(n));
      status = EXIT_FAILED;
      break;
    }
    got++;
    if (json)
      print_json(buf, (size_t)n, &mi);
    else
      print_text(buf, (size_t)n);
    fflush(stdout);
    if (deadline >= 0)
      deadline = (long long)tool_now_ms() + timeout;
  }
  if (g_stop)
    fprintf(stderr, "mailslot listen: interrupted (%lu received)\n", got);
  return status;
}

int cmd_listen(int argc, char **argv) {
  listen_opts o;
  msl_handle *h;
  int rc = listen_parse(argc, argv, &o);
  if (rc)
    return parse_exit(rc);
  rc = msl_create(o.path, o.max, o.timeout, &h);
  if (rc < 0) {
    fprintf(stderr, "mailslot listen: %s: %s\n", o.path, msl_strerror(rc));
    return EXIT_FAILED;
  }
  listen_signals();
  fprintf(stderr, "mailslot listen: listening on %s\n", o.path);
  int status = listen_loop(h, &o);
  msl_close(h);
  return status;
}

/* ---- send ---- */

static void send_usage(FILE *f) {
  fprintf(f, "usage: mailslot send PATH [MESSAGE | --file F] [--wait MS] "
             "[--fragment] [--fit576]\n"
             "Writes one message to the mailslot PATH: MESSAGE, the file F, "
             "or standard input.\n"
             "PATH: \\\\.\\mailslot\\NAME (this host), "
             "\\\\HOST\\mailslot\\NAME (a host: NetBIOS name,\n"
             "DNS name or IPv4 address), \\\\DOMAIN\\mailslot\\NAME or "
             "\\\\*\\mailslot\\NAME (broadcast).\n"
             "  --wait MS     wait up to MS ms while the slot's queue is full "
             "(default 1000)\n"
             "  --fragment    network paths: allow messages over the Windows "
             "limit (424 bytes\n"
             "                for a 5-8 character name), sent as RFC 1002 "
             "fragments\n"
             "  --fit576      network paths: refuse a message whose datagram "
             "would exceed 576\n"
             "                bytes of UDP payload (406 bytes of message for a "
             "5-8 character\n"
             "                name): Samba's nmbd drops longer ones; with "
             "--fragment, fragment\n"
             "                them instead\n");
}

/* A network message Samba would drop: say so (mailslot info shows the
 * limits). Nothing for local paths, or when --fit576 already refused. */
static void warn_fit576(const char *path, size_t len, unsigned oflags) {
  if (oflags & (MSL_OPEN_FIT576 | MSL_OPEN_FRAGMENT))
    return;
  int fit = msl_remote_max_message(path, MSL_OPEN_FIT576);
  if (fit >= 0 && len > (size_t)fit)
    fprintf(stderr,
            "mailslot send: warning: %s: %zu bytes is over the %d bytes that "
            "fit a 576-byte datagram: Samba (nmbd) receivers drop it "
            "(--fit576 refuses such messages)\n",
            path, len, fit);
}

/* Reads a whole stream, up to MSL_LOCAL_MSG_MAX + 1 bytes. */
static int slurp(FILE *f, uint8_t *buf, size_t cap, size_t *len) {
  size_t n = 0, r;
  while (n < cap && (r = fread(buf + n, 1, cap - n, f)) > 0)
    n += r;
  *len = n;
  return ferror(f) ? -1 : 0;
}

/* The message from file (NULL: standard input) into buf: 0, or -1
 * (reported). */
static int read_message(const char *file, uint8_t *buf, size_t cap,
                        size_t *len) {
  FILE *f = file ? fopen(file, "rb") : stdin;
  if (!f) {
    fprintf(stderr, "mailslot send: %s: %s\n", file, strerror(errno));
    return -1;
  }
  int r = slurp(f, buf, cap, len);
  if (f != stdin)
    fclose(f);
  if (r < 0)
    fprintf(stderr, "mailslot send: read error\n");
  return r < 0 ? -1 : 0;
}

/* Reports the result rc of sending len bytes to path; the exit status. */
static int send_outcome(const char *path, size_t len, unsigned oflags,
                        int rc) {
  int max = msl_remote_max_message(path, oflags);
  if (rc == MSL_ERR_MSG_TOO_BIG && max >= 0) {
    if (oflags & MSL_OPEN_FIT576)
      fprintf(stderr,
              "mailslot send: %s: %zu bytes is over the %d bytes that fit a "
              "576-byte datagram (--fit576)\n",
              path, len, max);
    else
      fprintf(stderr,
              "mailslot send: %s: %zu bytes is over the %d-byte limit Windows "
              "sets for this name; --fragment sends it as RFC 1002 fragments "
              "(only libmailslot receivers reassemble them)\n",
              path, len, max);
    return EXIT_FAILED;
  }
  if (rc == 0)
    warn_fit576(path, len, oflags);
  if (rc < 0) {
    fprintf(stderr, "mailslot send: %s: %s\n", path, msl_strerror(rc));
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

/* What mailslot send was asked for, besides the operands. */
typedef struct send_opts {
  const char *file;
  uint32_t wait;
  unsigned oflags;
} send_opts;

static int send_take(int c, const char *arg, void *ctx) {
  send_opts *o = ctx;
  if (c == 'F' || c == '5')
    o->oflags |= c == 'F' ? MSL_OPEN_FRAGMENT : MSL_OPEN_FIT576;
  else if (c == 'f')
    o->file = arg;
  else if (c != 'w' || parse_u32(arg, &o->wait) < 0)
    return -1;
  return 0;
}

int cmd_send(int argc, char **argv) {
  static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                       {"wait", required_argument, NULL, 'w'},
                                       {"fragment", no_argument, NULL, 'F'},
                                       {"fit576", no_argument, NULL, '5'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  send_opts o = {NULL, 1000, 0};
  int rc =
      parse_opts(argc, argv, opts, "f:h", send_usage, send_take, &o, NULL);
  if (rc)
    return parse_exit(rc);
  int nargs = argc - optind;
  if (nargs < 1 || nargs > 2 || (nargs == 2 && o.file)) {
    send_usage(stderr);
    return EXIT_USAGE;
  }
  const char *path = argv[optind];
  static uint8_t buf[MSL_LOCAL_MSG_MAX + 1];
  const uint8_t *msg = buf;
  size_t len = 0;
  if (nargs == 2) {
    msg = (const uint8_t *)argv[optind + 1];
    len = strlen(argv[optind + 1]);
  } else if (read_message(o.file, buf, sizeof(buf), &len) < 0) {
    return EXIT_INPUT;
  }
  msl_handle *h;
  rc = msl_open_ex(path, o.oflags, &h);
  if (rc == 0) {
    rc = msl_write_wait(h, msg, len, o.wait);
    msl_close(h);
  }
  return send_outcome(path, len, o.oflags, rc);
}

/* ---- info ---- */

#define EXIT_NO_ANSWER 4 /* info: the reader did not answer in time */

static void info_usage(FILE *f) {
  fprintf(f, "usage: mailslot info PATH [--timeout MS]\n"
             "Prints the local mailslot's maximum message size, next message "
             "size, number of\nmessages waiting and read timeout, as its "
             "reader reports them.\n"
             "For a network path (\\\\HOST, \\\\DOMAIN, \\\\*): the "
             "largest message Windows\nsends to it, the largest that fits a "
             "576-byte datagram (what Samba's nmbd\nreceives) and the "
             "fragmented limit; nothing is sent.\n"
             "  --timeout MS  wait up to MS ms for the reader's answer "
             "(default 1000)\n"
             "Exit status: 0, 1 no such mailslot or error, 2 usage, 4 the "
             "reader did not\nanswer (what the slot publishes is still "
             "printed).\n");
}

/* A network path: its message limits (msl_remote_max_message). */
static int info_network(const char *path) {
  int win = msl_remote_max_message(path, 0);
  int fit = msl_remote_max_message(path, MSL_OPEN_FIT576);
  int frag = msl_remote_max_message(path, MSL_OPEN_FRAGMENT);
  if (frag < 0) {
    fprintf(stderr, "mailslot info: %s: %s\n", path, msl_strerror(frag));
    return EXIT_FAILED;
  }
  printf("path:              %s\n", path);
  printf("kind:              network (a NetBIOS datagram per message)\n");
  if (win >= 0)
    printf("windows limit:     %d bytes (512-byte SMB, MS-MAIL <2>)\n", win);
  else
    printf("windows limit:     none (the name leaves no room)\n");
  if (fit >= 0)
    printf("576-byte fit:      %d bytes (Samba's nmbd drops longer; "
           "--fit576)\n",
           fit);
  else
    printf("576-byte fit:      none (the name leaves no room)\n");
  printf("fragmented limit:  %d bytes (--fragment; libmailslot receivers "
         "only)\n",
         frag);
  return EXIT_OK;
}

static int info_take(int c, const char *arg, void *ctx) {
  return c == 't' && parse_u32(arg, ctx) == 0 ? 0 : -1;
}

/* Parses info's arguments as parse_opts does. */
static int info_parse(int argc, char **argv, const char **path,
                      uint32_t *wait) {
  static const struct option opts[] = {
      {"timeout", required_argument, NULL, 't'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  return parse_opts(argc, argv, opts, "h", info_usage, info_take, wait,
                    path);
}

/* What a local slot's reader says about it (q: msl_query's result). */
typedef struct slot_facts {
  uint32_t max, timeout, next, count;
  long pid;
  int q;
} slot_facts;

static void info_print(const char *path, const slot_facts *f) {
  char dir[4096];
  if (msl_rundir(dir, sizeof(dir)) < 0)
    dir[0] = '\0';
  printf("path:              %s\n", path);
  if (f->max == 0)
    printf("max message size:  0 (any, up to %u)\n", MSL_LOCAL_MSG_MAX);
  else
    printf("max message size:  %lu\n", (unsigned long)f->max);
  if (f->q < 0) {
    printf("next message size: unknown (no answer from the reader)\n");
    printf("messages waiting:  unknown (no answer from the reader)\n");
  } else {
    if (f->next == MSL_NO_MESSAGE)
      printf("next message size: no message\n");
    else
      printf("next message size: %lu\n", (unsigned long)f->next);
    printf("messages waiting:  %lu\n", (unsigned long)f->count);
  }
  if (f->timeout == MSL_WAIT_FOREVER)
    printf("read timeout:      forever\n");
  else
    printf("read timeout:      %lu ms\n", (unsigned long)f->timeout);
  printf("reader pid:        %ld\n", f->pid);
  printf("run directory:     %s\n", dir);
  fflush(stdout);
}

int cmd_info(int argc, char **argv) {
  const char *path = NULL;
  uint32_t wait = 1000;
  int rc = info_parse(argc, argv, &path, &wait);
  if (rc)
    return parse_exit(rc);
  if (msl_remote_max_message(path, MSL_OPEN_FRAGMENT) >= 0)
    return info_network(path); /* a network path */
  /* What the reader publishes in its lock file (any process may read it),
   * then the queue, which only the reader can see: ask it. */
  slot_facts f = {0, 0, 0, 0, 0, 0};
  rc = msl_stat(path, &f.max, &f.timeout, &f.pid);
  if (rc < 0) {
    fprintf(stderr, "mailslot info: %s: %s\n", path, msl_strerror(rc));
    return EXIT_FAILED;
  }
  f.q = msl_query(path, wait, &f.max, &f.next, &f.count, &f.timeout);
  info_print(path, &f);
  if (f.q == MSL_ERR_TIMEOUT) {
    fprintf(stderr,
            "mailslot info: %s: the reader (pid %ld) did not answer within "
            "%lu ms (it is busy, stopped, or not reading)\n",
            path, f.pid, (unsigned long)wait);
    return EXIT_NO_ANSWER;
  }
  if (f.q < 0) {
    fprintf(stderr, "mailslot info: %s: %s\n", path, msl_strerror(f.q));
    return EXIT_FAILED;
  }
  return EXIT_OK;
}
