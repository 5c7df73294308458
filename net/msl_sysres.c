/* The system resolver, blocking or in a worker thread (msl_sysres.h). */
#define _GNU_SOURCE
#include "msl_sysres.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mailslot.h"

struct msl_sysres {
  atomic_int refs; /* the caller and the thread */
  atomic_int done; /* release: rc and ip are written */
  int efd;
  int rc;
  uint32_t ip;
  char host[MSL_SYSRES_HOST_MAX + 1];
};

int msl_sysres_lookup(const char *host, uint32_t *ip) {
  struct addrinfo hints, *ai = NULL;
  if (!host || !ip)
    return MSL_ERR_ARG;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(host, NULL, &hints, &ai) != 0 || !ai)
    return MSL_ERR_NAME_NOT_FOUND;
  const struct sockaddr_in *sin = (const void *)ai->ai_addr;
  *ip = ntohl(sin->sin_addr.s_addr);
  freeaddrinfo(ai);
  return 0;
}

static atomic_int live; /* lookup threads running */

static void job_unref(msl_sysres *j) {
  if (atomic_fetch_sub(&j->refs, 1) != 1)
    return;
  close(j->efd);
  free(j);
}

static void *job_main(void *arg) {
  msl_sysres *j = arg;
  uint64_t one = 1;
  j->rc = msl_sysres_lookup(j->host, &j->ip);
  atomic_store_explicit(&j->done, 1, memory_order_release);
  ssize_t w = write(j->efd, &one, sizeof(one));
  (void)w; /* cannot fail short of a bug: the counter is far from full */
  job_unref(j);
  atomic_fetch_sub(&live, 1);
  return NULL;
}

int msl_sysres_start(const char *host, msl_sysres **out) {
  pthread_attr_t at;
  pthread_t th;
  sigset_t all, old;
  if (!out)
    return MSL_ERR_ARG;
  *out = NULL;
  if (!host || strlen(host) > MSL_SYSRES_HOST_MAX)
    return MSL_ERR_ARG;
  if (atomic_fetch_add(&live, 1) >= MSL_SYSRES_THREADS_MAX) {
    atomic_fetch_sub(&live, 1);
    return MSL_ERR_TOO_MANY;
  }
  msl_sysres *j = calloc(1, sizeof(*j));
  if (!j) {
    atomic_fetch_sub(&live, 1);
    return MSL_ERR_NOMEM;
  }
  strcpy(j->host, host);
  atomic_init(&j->refs, 2);
  atomic_init(&j->done, 0);
  j->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (j->efd < 0) {
    free(j);
    atomic_fetch_sub(&live, 1);
    return MSL_ERR_SYSTEM;
  }
  /* Signals stay with the threads that handle them. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int r = pthread_attr_init(&at);
  if (r == 0) {
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    r = pthread_create(&th, &at, job_main, j);
    pthread_attr_destroy(&at);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (r != 0) {
    close(j->efd);
    free(j);
    atomic_fetch_sub(&live, 1);
    return MSL_ERR_SYSTEM;
  }
  *out = j;
  return 0;
}

int msl_sysres_fd(const msl_sysres *j) { return j ? j->efd : -1; }

const char *msl_sysres_host(const msl_sysres *j) { return j ? j->host : ""; }

int msl_sysres_result(const msl_sysres *j, uint32_t *ip) {
  if (!j)
    return MSL_ERR_ARG;
  if (!atomic_load_explicit(&j->done, memory_order_acquire))
    return 1;
  if (j->rc == 0 && ip)
    *ip = j->ip;
  return j->rc;
}

void msl_sysres_free(msl_sysres *j) {
  if (j)
    job_unref(j);
}
