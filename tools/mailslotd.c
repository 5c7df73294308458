/*
 * mailslotd: the NetBIOS datagram service (UDP 138) for this host
 * (docs/mailslotd.8, docs/network.md). Argument parsing, daemon plumbing
 * and privileges; the service itself is net/msl_service.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "mailslot.h"
#include "status_json.h"


static msl_service *g_svc;
static int g_foreground;
static int g_detached; /* logs go to syslog once detached */

static void on_signal(int sig) {
  if (sig == SIGHUP)
    msl_service_rescan(g_svc); /* interfaces read again, as every 60 s */
  else
    msl_service_request_stop(g_svc);
}

static const char *level_name(int l) {
  static const char *n[] = {"error", "warning", "info", "debug"};
  return l >= 0 && l <= 3 ? n[l] : "log";
}

static void log_sink(void *user, int level, const char *msg) {
  (void)user;
  if (!g_detached)
    fprintf(stderr, "mailslotd: %s: %s\n", level_name(level), msg);
  else
    syslog(level == 0 ? LOG_ERR : level == 1 ? LOG_WARNING
                                 : level == 2 ? LOG_INFO
                                              : LOG_DEBUG,
           "%s", msg);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: mailslotd [options]\n"
          "The NetBIOS datagram service: receives mailslot messages on UDP "
          "138 for\nthis host's names and delivers them to local mailslots; "
          "sends for clients.\n"
          "  --name NAME        NetBIOS computer name (default: host name)\n"
          "  --workgroup WG     workgroup or domain (default: WORKGROUP)\n"
          "  --interface IF     interface name or IPv4 address; repeatable\n"
          "                     (default: every up IPv4 interface but lo)\n"
          "  --scope ID         NetBIOS scope ID (default: none)\n"
          "  --dgram-port N     datagram service port (default: 138)\n"
          "  --name-port N      name service port (default: 137)\n"
          "  --wins IP          WINS server: our names are registered there\n"
          "                     and queries ask it first (H-node); repeat\n"
          "                     for more (primary first, at most 4)\n"
          "  --messenger        also receive for NAME<03>\n"
          "  --server           always register NAME<20> (default: only when\n"
          "                     an SMB server listens on TCP 445 or 139)\n"
          "  --no-server        never register NAME<20>\n"
          "  --no-announce      send no host announcements (BROWSE)\n"
          "  --comment TEXT     host announcement comment (<= 42 chars)\n"
          "  --foreground       stay in the foreground, log to stderr\n"
          "  --log-level L      error, warning, info or debug (or 0-3)\n"
          "  --user USER        run as USER after binding (default: mailslot\n"
          "                     if that user exists, else nobody)\n"
          "  --group GROUP      the group slots admit network messages through\n"
          "                     (default: mailslot if it exists, else USER's)\n"
          "  --no-drop          keep the starting user's privileges\n"
          "  --config FILE      read 'option = value' lines (long names; the\n"
          "                     command line overrides them): mailslotd.conf(5)\n"
          "  --status [--json]  print the running daemon's counters, exit\n"
          "The relay between sites (docs/relay.md): it needs --site, --relay-cert,\n"
          "--relay-key, --relay-ca and --relay-listen or --relay-peer:\n"
          "  --site ID          this site's ID (1-32 of A-Z a-z 0-9 . _ -)\n"
          "  --relay-listen ADDR:PORT  accept relay peers there\n"
          "  --relay-peer HOST:PORT    connect to a relay peer; repeatable\n"
          "  --relay-cert FILE  this site's certificate chain (PEM)\n"
          "  --relay-key FILE   its private key (PEM, mode 0600)\n"
          "  --relay-ca FILE    the CA peers' certificates must chain to\n"
          "  --relay-pin PIN    sha256:HEX or subject a peer must match; repeatable\n"
          "  --relay-hub        reflect between peers (hub of spokes)\n"
          "  --relay-allow SLOT mailslot that may cross (default: all); repeatable\n"
          "  --relay-rate N, --relay-burst N, --relay-queue BYTES,\n"
          "  --relay-proxy-ttl S, --relay-max-hops N, --relay-keepalive S,\n"
          "  --relay-handshake-timeout S, --relay-reconnect-max S: limits\n"
          "                     (mailslotd.conf(5))\n"
          "Environment: MAILSLOT_RUNDIR (run directory: local mailslots), "
          "MAILSLOT_CTLDIR\n(control directory: mailslotd.ctl; default: the "
          "run directory + \"d\").\n");
}

typedef struct opts {
  msl_service_config *cfg;
  const char *user, *group;
  int no_drop, status, json;
  unsigned cli_lists; /* bit per list key: the command line replaced it */
  int from_cli;       /* applying the command line (else a file) */
  char where[300];    /* "FILE:LINE" of the value being applied */
  char relay_where[300]; /* where the first relay setting was given */
} opts;

/* A bad value: "mailslotd: FILE:LINE: why" or "mailslotd: why". */
static void opt_error(const opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void opt_error(const opts *o, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "mailslotd: %s%s", o->from_cli ? "" : o->where,
          o->from_cli ? "" : ": ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* mailslotd's own options; every other one is a setting of the service
 * (msl_service_config_set, keyed by its long name: O_SVC). */
enum {
  O_SVC = 256, O_FG, O_USER, O_GROUP, O_NODROP, O_CONFIG, O_STATUS, O_JSON,
  O_HELP, O_VERSION
};

static const struct option long_opts[] = {
    {"name", required_argument, NULL, O_SVC},
    {"workgroup", required_argument, NULL, O_SVC},
    {"interface", required_argument, NULL, O_SVC},
    {"scope", required_argument, NULL, O_SVC},
    {"dgram-port", required_argument, NULL, O_SVC},
    {"name-port", required_argument, NULL, O_SVC},
    {"log-level", required_argument, NULL, O_SVC},
    {"messenger", no_argument, NULL, O_SVC},
    {"server", no_argument, NULL, O_SVC},
    {"no-server", no_argument, NULL, O_SVC},
    {"no-announce", no_argument, NULL, O_SVC},
    {"comment", required_argument, NULL, O_SVC},
    {"wins", required_argument, NULL, O_SVC},
    {"site", required_argument, NULL, O_SVC},
    {"relay-listen", required_argument, NULL, O_SVC},
    {"relay-peer", required_argument, NULL, O_SVC},
    {"relay-cert", required_argument, NULL, O_SVC},
    {"relay-key", required_argument, NULL, O_SVC},
    {"relay-ca", required_argument, NULL, O_SVC},
    {"relay-pin", required_argument, NULL, O_SVC},
    {"relay-hub", no_argument, NULL, O_SVC},
    {"relay-allow", required_argument, NULL, O_SVC},
    {"relay-rate", required_argument, NULL, O_SVC},
    {"relay-burst", required_argument, NULL, O_SVC},
    {"relay-queue", required_argument, NULL, O_SVC},
    {"relay-proxy-ttl", required_argument, NULL, O_SVC},
    {"relay-max-hops", required_argument, NULL, O_SVC},
    {"relay-keepalive", required_argument, NULL, O_SVC},
    {"relay-handshake-timeout", required_argument, NULL, O_SVC},
    {"relay-reconnect-max", required_argument, NULL, O_SVC},
    {"foreground", no_argument, NULL, O_FG},
    {"user", required_argument, NULL, O_USER},
    {"group", required_argument, NULL, O_GROUP},
    {"no-drop", no_argument, NULL, O_NODROP},
    {"config", required_argument, NULL, O_CONFIG},
    {"status", no_argument, NULL, O_STATUS},
    {"json", no_argument, NULL, O_JSON},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {NULL, 0, NULL, 0}};

/* The list settings: the command line's first entry replaces the file's
 * list (bit i of cli_lists for lists[i]). */
static const char *const lists[] = {"interface", "wins", "relay-peer",
                                    "relay-pin", "relay-allow"};

/* One setting of the service. 0 or -1 (reported). */
static int apply_setting(opts *o, const char *key, const char *arg) {
  for (unsigned i = 0; o->from_cli && i < sizeof(lists) / sizeof(*lists);
       i++)
    if (strcmp(key, lists[i]) == 0 && !(o->cli_lists & (1u << i))) {
      o->cli_lists |= 1u << i;
      msl_service_config_unset(o->cfg, key);
    }
  if (msl_service_config_set(o->cfg, key, arg) < 0) {
    opt_error(o, "%s", msl_service_config_error(o->cfg));
    return -1;
  }
  if (!o->relay_where[0] &&
      (strcmp(key, "site") == 0 || strncmp(key, "relay-", 6) == 0))
    snprintf(o->relay_where, sizeof(o->relay_where), "%s",
             o->from_cli ? "the command line" : o->where);
  return 0;
}

/* Applies one of mailslotd's own options (on: a flag's value); returns
 * 0, 1 (exit 0: help/version) or -1. */
static int apply(opts *o, int id, const char *arg, int on) {
  switch (id) {
  case O_FG: g_foreground = on; break;
  case O_USER: o->user = arg; break;
  case O_GROUP: o->group = arg; break;
  case O_NODROP: o->no_drop = on; break;
  case O_CONFIG: break; /* read before the other options */
  case O_STATUS: o->status = 1; break;
  case O_JSON: o->json = 1; break;
  case O_HELP: usage(stdout); return 1;
  case O_VERSION: printf("mailslotd %s\n", msl_version()); return 1;
  default: return -1;
  }
  return 0;
}

static char *trim(char *s) {
  s += strspn(s, " \t");
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

/* "yes"/"no" (and friends) of a flag in a file: 1, 0, or -1. */
static int yes_no(const char *v) {
  static const char *yes[] = {"", "yes", "true", "on", "1"};
  static const char *no[] = {"no", "false", "off", "0"};
  for (size_t i = 0; i < 5; i++)
    if (!v || strcasecmp(v, yes[i]) == 0)
      return 1;
  for (size_t i = 0; i < 4; i++)
    if (strcasecmp(v, no[i]) == 0)
      return 0;
  return -1;
}

/* One "key = value" line (comment and newline cut off). 0 or -1. Keys
 * mailslotd does not know go to the service (its embedded-only settings
 * too, such as no-browser). */
static int config_line(opts *o, char *s) {
  char *eq = strchr(s, '=');
  char *v = eq ? trim(eq + 1) : NULL, *k;
  if (eq)
    *eq = '\0';
  k = trim(s);
  const struct option *opt = long_opts;
  while (opt->name && strcmp(opt->name, k) != 0)
    opt++;
  if (!opt->name || opt->val == O_SVC)
    return apply_setting(o, k, v);
  if (opt->val == O_CONFIG || opt->val == O_STATUS || opt->val == O_JSON ||
      opt->val == O_HELP || opt->val == O_VERSION) {
    opt_error(o, "'%s' has no place in a config file", k);
    return -1;
  }
  if (opt->has_arg && (!v || !*v)) {
    opt_error(o, "'%s' needs a value ('%s = ...')", k, k);
    return -1;
  }
  int on = opt->has_arg ? 1 : yes_no(v);
  if (on < 0) {
    opt_error(o, "'%s': yes or no expected, not '%s'", k, v);
    return -1;
  }
  /* user and group outlive the file's lines: kept until exit. */
  const char *arg = opt->has_arg ? strdup(v) : NULL;
  if (opt->has_arg && !arg)
    return -1;
  return apply(o, opt->val, arg, on) < 0 ? -1 : 0;
}

/* "key = value" lines, '#' comments; keys are the long option names
 * (docs/mailslotd.conf.5). Any bad line is refused with the file, the
 * line and the reason. */
static int read_config(opts *o, const char *file) {
  char line[1024];
  FILE *f = fopen(file, "r");
  if (!f) {
    fprintf(stderr, "mailslotd: %s: %s\n", file, strerror(errno));
    return -1;
  }
  int lineno = 0, rc = 0;
  o->from_cli = 0;
  while (rc == 0 && fgets(line, sizeof(line), f)) {
    lineno++;
    snprintf(o->where, sizeof(o->where), "%.250s:%d", file, lineno);
    size_t n = strlen(line);
    if (n == sizeof(line) - 1 && line[n - 1] != '\n' && !feof(f)) {
      opt_error(o, "line longer than %zu bytes", sizeof(line) - 2);
      rc = -1;
      break;
    }
    line[strcspn(line, "#\r\n")] = '\0';
    char *s = trim(line);
    if (*s)
      rc = config_line(o, s);
  }
  fclose(f);
  o->from_cli = 1;
  return rc;
}

/* Who the daemon runs as once its ports are bound. */
typedef struct identity {
  uid_t uid;
  gid_t gid; /* the slot group: the run directory's, our only group */
} identity;

/* --user (default: "mailslot" when that user exists, else "nobody") and
 * --group (default: "mailslot" when it exists, else the user's group). */
static int find_identity(const char *user, const char *group, identity *id) {
  struct passwd *pw = getpwnam(user ? user : "mailslot");
  if (!pw && !user)
    pw = getpwnam("nobody");
  if (!pw) {
    fprintf(stderr, "mailslotd: no user '%s' (use --user or --no-drop)\n",
            user ? user : "nobody");
    return -1;
  }
  id->uid = pw->pw_uid;
  id->gid = pw->pw_gid;
  struct group *gr = getgrnam(group ? group : "mailslot");
  if (gr)
    id->gid = gr->gr_gid;
  else if (group) {
    fprintf(stderr, "mailslotd: no group '%s'\n", group);
    return -1;
  }
  return 0;
}

/* No capability left in any set: what setuid from root already cleared,
 * and what an unprivileged start was given (systemd's ambient
 * CAP_NET_BIND_SERVICE), now that the ports are bound. The sockets are
 * bound to every address, so new interfaces need no new bind. */
static int clear_capabilities(void) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
      errno != EINVAL)
    return -1;
  return (int)syscall(SYS_capset, &hdr, data);
}

/* Becomes id (when root), then holds no capability and can gain none
 * (no_new_privs: no setuid program or file capability can give any back).
 * Nothing but this thread runs yet, so every thread is covered. */
static int drop_privileges(const identity *id) {
  if (id && geteuid() == 0 && id->uid != 0 &&
      (setgroups(1, &id->gid) != 0 || setgid(id->gid) != 0 ||
       setuid(id->uid) != 0)) {
    fprintf(stderr, "mailslotd: cannot become uid %lu: %s\n",
            (unsigned long)id->uid, strerror(errno));
    return -1;
  }
  if ((geteuid() != 0 && clear_capabilities() != 0) ||
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fprintf(stderr, "mailslotd: cannot drop capabilities: %s\n",
            strerror(errno));
    return -1;
  }
  return 0;
}

static void free_opts(opts *o) {
  msl_service_config_free(o->cfg);
  o->cfg = NULL;
}

static int daemonize(void) {
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid > 0)
    _exit(0);
  if (setsid() < 0)
    return -1;
  int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  return chdir("/");
}

/* Reads every --config file first, then the other options (so the
 * command line overrides the files). 0, 1 (exit 0: help, version) or -1
 * (exit 2). */
static int parse_args(opts *o, int argc, char **argv) {
  int c, r = 0, idx = 0;
  opterr = 0; /* the second pass reports unknown options */
  while (r == 0 && (c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1)
    if (c == O_CONFIG)
      r = read_config(o, optarg);
  if (r < 0)
    return -1;
  opterr = 1;
  optind = 0; /* getopt starts over */
  o->from_cli = 1;
  while ((c = getopt_long(argc, argv, "h", long_opts, &idx)) != -1) {
    if (c == '?') {
      usage(stderr);
      return -1;
    }
    r = c == O_SVC ? apply_setting(o, long_opts[idx].name, optarg)
                   : apply(o, c == 'h' ? O_HELP : c, optarg, 1);
    if (r != 0)
      return r;
  }
  if (optind != argc) {
    usage(stderr);
    return -1;
  }
  if (msl_service_config_check(o->cfg) < 0) {
    fprintf(stderr, "mailslotd: %s: %s\n", o->relay_where,
            msl_service_config_error(o->cfg));
    return -1;
  }
  return 0;
}

/* --status [--json]: the running daemon's counters. The exit status. */
static int show_status(const opts *o) {
  enum { STATUS_MAX = 65536 };
  char *buf = malloc(STATUS_MAX);
  if (!buf)
    return 1;
  int n = msl_service_query_status(buf, STATUS_MAX);
  if (n < 0) {
    fprintf(stderr, "mailslotd: %s\n",
            n == MSL_ERR_NO_SERVICE ? "not running (no control socket in "
                                     "the run directory)"
                                   : msl_strerror(n));
    free(buf);
    return 1;
  }
  if (o->json)
    status_to_json(buf, stdout);
  else
    fputs(buf, stdout);
  free(buf);
  return 0;
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv) {
  opts o;
  memset(&o, 0, sizeof(o));
  if (msl_service_config_new(&o.cfg) < 0)
    return 1;
  /* The daemon logs what it does and runs the name service. */
  if (msl_service_config_set(o.cfg, "log-level", "info") < 0 ||
      msl_service_config_set(o.cfg, "name-port", "137") < 0) {
    free_opts(&o);
    return 1;
  }
  int pr = parse_args(&o, argc, argv);
  if (pr != 0) {
    free_opts(&o);
    return pr > 0 ? 0 : 2;
  }
  if (o.status) {
    int rc = show_status(&o);
    free_opts(&o);
    return rc;
  }
  msl_service_config_set_log(o.cfg, log_sink, NULL);
  identity id;
  int dropping = !o.no_drop && geteuid() == 0;
  if (dropping && find_identity(o.user, o.group, &id) < 0) {
    free_opts(&o);
    return 1;
  }
  if (dropping) /* the control directory is theirs, the slots shared */
    msl_service_config_set_run_ids(o.cfg, (long)id.uid, (long)id.gid);
  if (!g_foreground)
    openlog("mailslotd", LOG_PID, LOG_DAEMON);
  int r = msl_service_create(o.cfg, &g_svc);
  free_opts(&o); /* the service keeps what it needs */
  if (r < 0) {
    /* The reason was logged; the code alone would read as a local-slot
     * error. */
    fprintf(stderr, "mailslotd: cannot start\n");
    return 1;
  }
  if ((!o.no_drop && drop_privileges(dropping ? &id : NULL) < 0) ||
      (!g_foreground && (g_detached = 1, daemonize() < 0))) {
    msl_service_stop(g_svc);
    return 1;
  }
  install_signals();
  r = msl_service_run(g_svc);
  msl_service_stop(g_svc);
  /* A name conflict is no reason to stop (the name is given up, logged,
   * shown by --status): no exit status of its own any more. */
  return r < 0 ? 1 : 0;
}
