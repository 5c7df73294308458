/*
 * The public network service (include/mailslot.h): sets up the run
 * directory (the slots, shared with the service's group) and the control
 * directory, installs the sink that delivers to this host's slots
 * (local/msl_deliver.h) and runs the service (net/msl_service.h), in a
 * thread of its own (msl_service_start) or in the caller's
 * (msl_service_create + msl_service_run, as mailslotd does so that it can
 * drop its privileges before anything runs).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailslot.h"
#include "msl_ctl.h"
#include "msl_ctl_client.h"
#include "msl_deliver.h"
#include "msl_proto_err.h"
#include "msl_rundir.h"
#include "msl_service.h"
#include "msl_service_config_int.h"

struct msl_service {
  msl_svc *svc;
  msl_deliver *dl;
  int run_fd, ctl_fd; /* run and control directories */
  int threaded;
  pthread_t th;
};

static void logf_err(const msl_svc_config *cfg, const char *what,
                     const char *path, int r) {
  char msg[512];
  if (!cfg->log)
    return;
  snprintf(msg, sizeof(msg), "%s %.400s: %s", what, path, msl_strerror(r));
  cfg->log(cfg->log_user, MSL_LOG_ERR, msg);
}

/* The directories: the run directory shared with run_gid, the control
 * directory made run_uid's (unless there is no control socket). */
static int prepare_dirs(const msl_svc_config *cfg, msl_service *s,
                        char *ctl, size_t cap) {
  char run[MSL_RUNDIR_PATH_MAX];
  int r = msl_rundir_prepare((gid_t)cfg->run_gid, &s->run_fd, run,
                             sizeof(run));
  if (r < 0) {
    logf_err(cfg, "run directory", run, r);
    return r;
  }
  if (cfg->flags & MSL_SERVICE_NO_CTL)
    return 0;
  r = msl_rundir_ctl_prepare((uid_t)cfg->run_uid, &s->ctl_fd, ctl, cap);
  if (r < 0)
    logf_err(cfg, "control directory", ctl, r);
  return r;
}

int msl_service_create(const msl_service_config *cfg, msl_service **out) {
  char ctl[MSL_RUNDIR_PATH_MAX];
  msl_service_env env;
  if (!out)
    return MSL_ERR_ARG;
  *out = NULL;
  if (!cfg)
    return MSL_ERR_ARG;
  msl_cfg_view *v = malloc(sizeof(*v));
  msl_service *s = calloc(1, sizeof(*s));
  if (!s || !v) {
    free(s);
    free(v);
    return MSL_ERR_NOMEM;
  }
  s->run_fd = s->ctl_fd = -1;
  msl_service_config_view(cfg, v);
  const char *missing = msl_cfg_relay_missing(cfg);
  int r = missing ? MSL_ERR_ARG : prepare_dirs(&v->svc, s, ctl, sizeof(ctl));
  if (missing && v->svc.log) {
    char msg[80];
    snprintf(msg, sizeof(msg), "the relay needs %s", missing);
    v->svc.log(v->svc.log_user, MSL_LOG_ERR, msg);
  }
  msl_deliver_config dc = {.dir_fd = s->run_fd};
  if (r == 0)
    r = msl_deliver_new(&dc, &s->dl);
  if (r == 0) {
    env.sink = msl_deliver_sink(s->dl);
    env.ctl_dir_fd = s->ctl_fd;
    env.ctl_dir = ctl;
    r = msl_svc_new(&v->svc, &env, &s->svc);
  }
  free(v);
  if (r < 0) {
    msl_service_stop(s);
    return msl_err_public(r);
  }
  *out = s;
  return 0;
}

int msl_service_run(msl_service *s) {
  return s ? msl_svc_run(s->svc) : MSL_ERR_ARG;
}

void msl_service_request_stop(msl_service *s) {
  if (s)
    msl_svc_request_stop(s->svc);
}

static void *thread_main(void *arg) {
  msl_service_run(arg);
  return NULL;
}

int msl_service_start(const msl_service_config *cfg, msl_service **out) {
  int r = msl_service_create(cfg, out);
  if (r < 0)
    return r;
  if (pthread_create(&(*out)->th, NULL, thread_main, *out) != 0) {
    msl_service_stop(*out);
    *out = NULL;
    return MSL_ERR_SYSTEM;
  }
  (*out)->threaded = 1;
  return 0;
}

void msl_service_stop(msl_service *s) {
  if (!s)
    return;
  if (s->threaded) {
    msl_svc_request_stop(s->svc);
    pthread_join(s->th, NULL);
  }
  msl_svc_free(s->svc);
  msl_deliver_free(s->dl);
  if (s->run_fd >= 0)
    close(s->run_fd);
  if (s->ctl_fd >= 0)
    close(s->ctl_fd);
  free(s);
}

void msl_service_rescan(msl_service *s) {
  if (s)
    msl_svc_request_rescan(s->svc);
}

int msl_service_status(msl_service *s, char *buf, size_t cap) {
  return s ? msl_svc_status(s->svc, buf, cap) : MSL_ERR_ARG;
}

int msl_service_query_status(char *buf, size_t cap) {
  enum { REPLY_MAX = 65536 + 4 }; /* the service's status buffer, "ok\n" */
  if (!buf || cap == 0)
    return MSL_ERR_ARG;
  int fd = msl_ctl_connect();
  if (fd < 0)
    return fd;
  char *rep = malloc(REPLY_MAX);
  int n = rep ? msl_ctl_call(fd, "status", 6, -1, rep, REPLY_MAX, 2000)
              : MSL_ERR_NOMEM;
  close(fd);
  if (n >= 0 && strncmp(rep, "ok\n", 3) != 0)
    n = msl_ctl_reply_err(rep);
  else if (n >= 0 && (size_t)n - 3 >= cap)
    n = MSL_ERR_BUFFER_TOO_SMALL;
  else if (n >= 0) {
    memcpy(buf, rep + 3, (size_t)n - 3 + 1);
    n -= 3;
  }
  free(rep);
  return n;
}

/* Copies the next space-separated word of *p into dst[cap], undoing the
 * daemon's \xNN escapes; advances *p. 0, or -1 when it does not fit or
 * an escape is bad (or would put a NUL in the string). */
static int take_word(const char **p, char *dst, size_t cap) {
  const char *s = *p;
  size_t k = 0;
  while (*s && *s != ' ' && *s != '\n') {
    unsigned c = (unsigned char)*s++;
    if (c == '\\') {
      if (s[0] != 'x' || !isxdigit((unsigned char)s[1]) ||
          !isxdigit((unsigned char)s[2]))
        return -1;
      char hex[3] = {s[1], s[2], '\0'};
      c = (unsigned)strtoul(hex, NULL, 16);
      if (c == 0)
        return -1;
      s += 3;
    }
    if (k + 1 >= cap)
      return -1;
    dst[k++] = (char)c;
  }
  dst[k] = '\0';
  *p = *s == ' ' ? s + 1 : s;
  return 0;
}

int msl_service_query_identity(msl_service_identity *out) {
  char rep[512];
  if (!out)
    return MSL_ERR_ARG;
  memset(out, 0, sizeof(*out));
  int fd = msl_ctl_connect();
  if (fd < 0)
    return fd;
  int n = msl_ctl_call(fd, "identity", 8, -1, rep, sizeof(rep), 2000);
  close(fd);
  if (n < 0)
    return n;
  if (strncmp(rep, "err ", 4) == 0)
    return MSL_ERR_UNSUPPORTED; /* a daemon without this request */
  const char *p = rep + 3;
  if (strncmp(rep, "ok ", 3) != 0 ||
      take_word(&p, out->name, sizeof(out->name)) < 0 ||
      take_word(&p, out->workgroup, sizeof(out->workgroup)) < 0 ||
      take_word(&p, out->scope, sizeof(out->scope)) < 0 || !out->name[0] ||
      !out->workgroup[0] || (*p && *p != '\n')) {
    memset(out, 0, sizeof(*out));
    return MSL_ERR_INVALID;
  }
  return 0;
}
