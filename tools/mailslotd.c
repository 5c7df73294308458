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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "mailslot.h"
#include "mailslotd_relay.h"
#include "status_json.h"

#define MAX_IFACES 16
#define MAX_WINS 4 /* the service's limit (primary + 3) */
#define MAX_OWNED 256 /* config file values kept */

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
  msl_service_config cfg;
  const char *ifaces[MAX_IFACES];
  size_t nif;
  const char *wins[MAX_WINS];
  size_t nwins;
  int cli_ifaces, cli_wins; /* the command line replaced the file's list */
  const char *user, *group;
  int no_drop, status, json;
  relay_opts relay;
  int from_cli;          /* applying the command line (else a file) */
  char where[300];       /* "FILE:LINE" of the value being applied */
  char *owned[MAX_OWNED]; /* config file values */
  size_t nowned;
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

static int parse_port(const char *s, uint16_t *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < 1 || v > 65535)
    return -1;
  *out = (uint16_t)v;
  return 0;
}

static int parse_level(const char *s) {
  static const char *n[] = {"error", "warning", "info", "debug"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, n[i]) == 0 || (s[0] == '0' + i && !s[1]))
      return i;
  if (strcmp(s, "warn") == 0 || strcmp(s, "err") == 0)
    return s[0] == 'w' ? 1 : 0;
  return -1;
}

enum {
  O_NAME = 256, O_WG, O_IF, O_SCOPE, O_DPORT, O_NPORT, O_FG, O_LEVEL, O_USER,
  O_NODROP, O_CONFIG, O_STATUS, O_MESSENGER, O_SERVER, O_HELP, O_VERSION,
  O_NOANN, O_COMMENT, O_WINS, O_GROUP, O_NOSERVER, O_JSON
};

static const struct option long_opts[] = {
    {"name", required_argument, NULL, O_NAME},
    {"workgroup", required_argument, NULL, O_WG},
    {"interface", required_argument, NULL, O_IF},
    {"scope", required_argument, NULL, O_SCOPE},
    {"dgram-port", required_argument, NULL, O_DPORT},
    {"name-port", required_argument, NULL, O_NPORT},
    {"foreground", no_argument, NULL, O_FG},
    {"log-level", required_argument, NULL, O_LEVEL},
    {"user", required_argument, NULL, O_USER},
    {"group", required_argument, NULL, O_GROUP},
    {"no-drop", no_argument, NULL, O_NODROP},
    {"config", required_argument, NULL, O_CONFIG},
    {"status", no_argument, NULL, O_STATUS},
    {"messenger", no_argument, NULL, O_MESSENGER},
    {"server", no_argument, NULL, O_SERVER},
    {"no-server", no_argument, NULL, O_NOSERVER},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {"no-announce", no_argument, NULL, O_NOANN},
    {"comment", required_argument, NULL, O_COMMENT},
    {"wins", required_argument, NULL, O_WINS},
    {"json", no_argument, NULL, O_JSON},
    {"site", required_argument, NULL, O_SITE},
    {"relay-listen", required_argument, NULL, O_RLISTEN},
    {"relay-peer", required_argument, NULL, O_RPEER},
    {"relay-cert", required_argument, NULL, O_RCERT},
    {"relay-key", required_argument, NULL, O_RKEY},
    {"relay-ca", required_argument, NULL, O_RCA},
    {"relay-pin", required_argument, NULL, O_RPIN},
    {"relay-hub", no_argument, NULL, O_RHUB},
    {"relay-allow", required_argument, NULL, O_RALLOW},
    {"relay-rate", required_argument, NULL, O_RRATE},
    {"relay-burst", required_argument, NULL, O_RBURST},
    {"relay-queue", required_argument, NULL, O_RQUEUE},
    {"relay-proxy-ttl", required_argument, NULL, O_RPROXY_TTL},
    {"relay-max-hops", required_argument, NULL, O_RHOPS},
    {"relay-keepalive", required_argument, NULL, O_RKEEPALIVE},
    {"relay-handshake-timeout", required_argument, NULL, O_RHANDSHAKE},
    {"relay-reconnect-max", required_argument, NULL, O_RRECONNECT},
    {NULL, 0, NULL, 0}};

/* Applies one option; returns 0, 1 (exit 0: help/version) or -1. */
static int apply(opts *o, int id, const char *arg) {
  int l;
  char why[400];
  if (id >= O_SITE && id < O_RELAY_LAST) {
    if (relay_opt_apply(&o->relay, id, arg, o->from_cli,
                        o->from_cli ? "the command line" : o->where, why,
                        sizeof(why)) == 0)
      return 0;
    opt_error(o, "%s", why);
    return -1;
  }
  switch (id) {
  case O_NAME: o->cfg.name = arg; break;
  case O_WG: o->cfg.workgroup = arg; break;
  case O_SCOPE: o->cfg.scope = arg; break;
  case O_IF:
    if (o->from_cli && !o->cli_ifaces) { /* the file's list is replaced */
      o->cli_ifaces = 1;
      o->nif = 0;
    }
    if (o->nif == MAX_IFACES) {
      opt_error(o, "at most %d --interface", MAX_IFACES);
      return -1;
    }
    o->ifaces[o->nif++] = arg;
    break;
  case O_DPORT:
  case O_NPORT:
    if (parse_port(arg, id == O_DPORT ? &o->cfg.dgram_port
                                      : &o->cfg.name_port) < 0) {
      opt_error(o, "bad port '%s'", arg);
      return -1;
    }
    break;
  case O_FG: g_foreground = 1; break;
  case O_LEVEL:
    if ((l = parse_level(arg)) < 0) {
      opt_error(o, "bad log level '%s'", arg);
      return -1;
    }
    o->cfg.log_level = l;
    break;
  case O_USER: o->user = arg; break;
  case O_GROUP: o->group = arg; break;
  case O_NODROP: o->no_drop = 1; break;
  case O_CONFIG: break; /* read before the other options */
  case O_STATUS: o->status = 1; break;
  case O_JSON: o->json = 1; break;
  case O_MESSENGER: o->cfg.flags |= MSL_SERVICE_MESSENGER; break;
  case O_SERVER:
    o->cfg.flags = (o->cfg.flags & ~MSL_SERVICE_NO_SERVER) | MSL_SERVICE_SERVER;
    break;
  case O_NOSERVER:
    o->cfg.flags = (o->cfg.flags & ~MSL_SERVICE_SERVER) | MSL_SERVICE_NO_SERVER;
    break;
  case O_NOANN: o->cfg.flags |= MSL_SERVICE_NO_ANNOUNCE; break;
  case O_COMMENT: o->cfg.comment = arg; break;
  case O_WINS:
    if (o->from_cli && !o->cli_wins) { /* the file's list is replaced */
      o->cli_wins = 1;
      o->nwins = 0;
    }
    if (o->nwins == MAX_WINS) {
      opt_error(o, "at most %d --wins", MAX_WINS);
      return -1;
    }
    o->wins[o->nwins++] = arg;
    break;
  case O_HELP: usage(stdout); return 1;
  case O_VERSION: printf("mailslotd %s\n", msl_version()); return 1;
  default: return -1;
  }
  return 0;
}

/* A flag set to "no" in a config file (a flag option set to "yes" is
 * applied as on the command line). 0, or -1: not a flag we can clear. */
static int flag_off(opts *o, int id) {
  switch (id) {
  case O_FG: g_foreground = 0; return 0;
  case O_NODROP: o->no_drop = 0; return 0;
  case O_MESSENGER: o->cfg.flags &= ~MSL_SERVICE_MESSENGER; return 0;
  case O_SERVER: o->cfg.flags &= ~MSL_SERVICE_SERVER; return 0;
  case O_NOANN: o->cfg.flags &= ~MSL_SERVICE_NO_ANNOUNCE; return 0;
  default: return -1;
  }
}

static char *trim(char *s) {
  s += strspn(s, " \t");
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

/* A flag option's value in a file: none, yes/no (relay-hub checks its
 * own). 0, or -1 (reported). */
static int config_flag(opts *o, const struct option *opt, const char *v) {
  if (opt->val == O_RHUB || !v || !*v || !strcmp(v, "yes") ||
      !strcmp(v, "true") || !strcmp(v, "1"))
    return apply(o, opt->val, opt->val == O_RHUB && v && *v ? v : NULL);
  if ((!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) &&
      flag_off(o, opt->val) == 0)
    return 0;
  opt_error(o, "'%s': yes or no expected, not '%s'", opt->name, v);
  return -1;
}

/* One "key = value" line (comment and newline cut off). 0 or -1. */
static int config_line(opts *o, char *s) {
  char *eq = strchr(s, '=');
  char *v = eq ? trim(eq + 1) : NULL, *k;
  if (eq)
    *eq = '\0';
  k = trim(s);
  const struct option *opt = long_opts;
  while (opt->name && strcmp(opt->name, k) != 0)
    opt++;
  if (!opt->name) {
    opt_error(o, "unknown key '%s' (the keys are mailslotd's long option "
              "names: mailslotd.conf(5))", k);
    return -1;
  }
  if (opt->val == O_CONFIG || opt->val == O_STATUS || opt->val == O_JSON ||
      opt->val == O_HELP || opt->val == O_VERSION) {
    opt_error(o, "'%s' has no place in a config file", k);
    return -1;
  }
  if (opt->has_arg && (!v || !*v)) {
    opt_error(o, "'%s' needs a value ('%s = ...')", k, k);
    return -1;
  }
  char *val = v && *v && o->nowned < MAX_OWNED ? strdup(v) : NULL;
  if (v && *v && !val) {
    opt_error(o, "too many values (at most %d)", MAX_OWNED);
    return -1;
  }
  if (val)
    o->owned[o->nowned++] = val;
  if (!opt->has_arg)
    return config_flag(o, opt, val);
  return apply(o, opt->val, val) < 0 ? -1 : 0;
}

/* "key = value" lines, '#' comments; keys are the long option names
 * (docs/mailslotd.conf.5). Values are kept in o->owned until exit. Any
 * bad line is refused with the file, the line and the reason. */
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
  for (size_t i = 0; i < o->nowned; i++)
    free(o->owned[i]);
  o->nowned = 0;
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
  int c, r = 0;
  opterr = 0; /* the second pass reports unknown options */
  while (r == 0 && (c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1)
    if (c == O_CONFIG)
      r = read_config(o, optarg);
  if (r < 0)
    return -1;
  opterr = 1;
  optind = 0; /* getopt starts over */
  o->from_cli = 1;
  while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
    if (c == '?') {
      usage(stderr);
      return -1;
    }
    if ((r = apply(o, c == 'h' ? O_HELP : c, optarg)) != 0)
      return r;
  }
  if (optind != argc) {
    usage(stderr);
    return -1;
  }
  char why[400];
  if (relay_opts_finish(&o->relay, &o->cfg, why, sizeof(why)) < 0) {
    fprintf(stderr, "mailslotd: %s\n", why);
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
            n == MSL_ERR_NOT_FOUND ? "not running (no control socket in "
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
  msl_service_config_init(&o.cfg);
  o.cfg.log_level = MSL_LOG_INFO;
  o.cfg.name_port = 137; /* the daemon runs the name service */
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
  o.cfg.interfaces = o.nif ? o.ifaces : NULL;
  o.cfg.n_interfaces = o.nif;
  o.cfg.wins_servers = o.nwins ? o.wins : NULL;
  o.cfg.n_wins_servers = o.nwins;
  o.cfg.log = log_sink;
  identity id;
  int dropping = !o.no_drop && geteuid() == 0;
  if (dropping && find_identity(o.user, o.group, &id) < 0) {
    free_opts(&o);
    return 1;
  }
  if (dropping) { /* the control directory is theirs, the slots shared */
    o.cfg.run_uid = (long)id.uid;
    o.cfg.run_gid = (long)id.gid;
  }
  if (!g_foreground)
    openlog("mailslotd", LOG_PID, LOG_DAEMON);
  int r = msl_service_create(&o.cfg, &g_svc);
  if (r < 0) {
    /* The reason was logged; the code alone would read as a local-slot
     * error. */
    fprintf(stderr, "mailslotd: cannot start\n");
    free_opts(&o);
    return 1;
  }
  if ((!o.no_drop && drop_privileges(dropping ? &id : NULL) < 0) ||
      (!g_foreground && (g_detached = 1, daemonize() < 0))) {
    msl_service_stop(g_svc);
    free_opts(&o);
    return 1;
  }
  install_signals();
  r = msl_service_run(g_svc);
  msl_service_stop(g_svc);
  free_opts(&o);
  if (o.cfg.log_level >= MSL_LOG_INFO)
    log_sink(NULL, MSL_LOG_INFO, "stopped");
  /* A name conflict is no reason to stop (the name is given up, logged,
   * shown by --status): no exit status of its own any more. */
  return r < 0 ? 1 : 0;
}
