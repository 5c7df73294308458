/* The slot namespace in the run directory (see msl_slotdir.h). */
#define _GNU_SOURCE
#include "msl_slotdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "msl_syserr.h"

#define LOCK_MODE 0644 /* everyone may read the metadata, only its owner
                          may change it */

int msl_slot_names_of(const msl_path *p, msl_slot_names *n) {
  if (!p || !n)
    return MSL_ERR_ARG;
  if (p->kind != MSL_PATH_LOCAL)
    return MSL_ERR_BAD_PATH;
  int r = msl_path_file_stem(p, n->stem, sizeof(n->stem));
  if (r < 0)
    return r;
  snprintf(n->sock, sizeof(n->sock), "%s.sock", n->stem);
  snprintf(n->lock, sizeof(n->lock), "%s.lock", n->stem);
  return 0;
}

/* 1 when fd is still the file at name in dirfd (a closing reader unlinks
 * its lock file while holding the lock: we may have locked a ghost). */
static int still_there(int dirfd, const char *name, int fd) {
  struct stat a, b;
  return fstat(fd, &a) == 0 &&
         fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A new lock file, ours from birth. Returns the locked fd, -EEXIST when
 * the name is taken, or a negative msl_err. */
static int lock_new(int dirfd, const msl_slot_names *n) {
  int fd = openat(dirfd, n->lock,
                  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  LOCK_MODE);
  if (fd < 0)
    return errno == EEXIST ? -EEXIST : msl_err_from_errno(errno);
  /* Readable by the writers whatever the umask. */
  if (fchmod(fd, LOCK_MODE) != 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close(fd);
    return e == EWOULDBLOCK ? -EEXIST : MSL_ERR_SYSTEM;
  }
  if (still_there(dirfd, n->lock, fd))
    return fd;
  close(fd);
  return -EEXIST; /* someone judged it stale and removed it: look again */
}

/* An existing lock file: EXISTS while a reader holds it; when it is stale,
 * removes it and the socket (0: try again), or says why it cannot. */
static int lock_stale(int dirfd, const msl_slot_names *n) {
  int fd = openat(dirfd, n->lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
                                      O_NONBLOCK);
  if (fd < 0)
    return errno == ENOENT ? 0 : msl_err_from_errno(errno);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return MSL_ERR_ACCESS; /* a fifo or device planted as a lock */
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close(fd);
    return e == EWOULDBLOCK ? MSL_ERR_EXISTS : MSL_ERR_SYSTEM;
  }
  int r = 0;
  /* Holding its lock, nobody else can be using it. In a sticky directory
   * only its owner (or the directory's) may remove it. */
  if (still_there(dirfd, n->lock, fd)) {
    if (unlinkat(dirfd, n->sock, 0) != 0 && errno != ENOENT)
      r = msl_err_from_errno(errno);
    else if (unlinkat(dirfd, n->lock, 0) != 0 && errno != ENOENT)
      r = msl_err_from_errno(errno);
  }
  close(fd);
  return r;
}

int msl_slot_lock(int dirfd, const msl_slot_names *n) {
  if (dirfd < 0 || !n)
    return MSL_ERR_ARG;
  for (int tries = 0; tries < 100; tries++) {
    int fd = lock_new(dirfd, n);
    if (fd != -EEXIST)
      return fd;
    int r = lock_stale(dirfd, n);
    if (r < 0)
      return r;
  }
  return MSL_ERR_SYSTEM;
}

/* The metadata lives in the lock file's attributes, not in its bytes, so
 * publishing it needs no data block: a full file system (anyone can fill
 * /run) does not keep a slot from being created. Size: the maximum
 * message size + 1 (0: not published yet; sparse, nothing allocated);
 * modification time: the read timeout in seconds, the reader's pid in
 * nanoseconds (pids stay below 2^22). */
int msl_slot_meta_write(int lock_fd, const msl_slot_meta *m) {
  struct timespec t[2] = {{0, UTIME_OMIT}, {(time_t)m->timeout, m->pid}};
  if (m->pid < 0 || m->pid >= 1000000000L ||
      ftruncate(lock_fd, (off_t)m->max_msg + 1) != 0 ||
      futimens(lock_fd, t) != 0)
    return MSL_ERR_SYSTEM;
  return 0;
}

int msl_slot_meta_read(int lock_fd, msl_slot_meta *m) {
  struct stat st;
  if (fstat(lock_fd, &st) != 0 || st.st_size < 1 ||
      st.st_size - 1 > (off_t)UINT32_MAX || st.st_mtim.tv_sec < 0 ||
      st.st_mtim.tv_sec > (time_t)UINT32_MAX)
    return MSL_ERR_NOT_FOUND;
  m->max_msg = (uint32_t)(st.st_size - 1);
  m->timeout = (uint32_t)st.st_mtim.tv_sec;
  m->pid = st.st_mtim.tv_nsec;
  return 0;
}

int msl_slot_live(int lock_fd) {
  if (flock(lock_fd, LOCK_SH | LOCK_NB) == 0) {
    flock(lock_fd, LOCK_UN);
    return 0;
  }
  return 1;
}

void msl_slot_ref_close(msl_slot_ref *ref) {
  if (!ref)
    return;
  if (ref->sock_fd >= 0)
    close(ref->sock_fd);
  if (ref->lock_fd >= 0)
    close(ref->lock_fd);
  ref->sock_fd = ref->lock_fd = -1;
}

int msl_slot_lookup(int dirfd, const msl_slot_names *n, msl_slot_ref *ref) {
  struct stat lk;
  if (dirfd < 0 || !n || !ref)
    return MSL_ERR_ARG;
  ref->sock_fd = ref->lock_fd = -1;
  ref->lock_fd = openat(dirfd, n->lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
                                            O_NONBLOCK);
  int r = ref->lock_fd < 0 ? msl_err_from_errno(errno) : 0;
  if (r == 0) {
    ref->sock_fd = openat(dirfd, n->sock, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    r = ref->sock_fd < 0 ? msl_err_from_errno(errno) : 0;
  }
  if (r == 0 && (fstat(ref->lock_fd, &lk) != 0 ||
                 fstat(ref->sock_fd, &ref->sock_st) != 0))
    r = MSL_ERR_SYSTEM;
  /* The lock names the slot's creator; the socket must be theirs, a
   * socket, and the metadata only theirs to write. */
  if (r == 0 && (!S_ISREG(lk.st_mode) || (lk.st_mode & 022) ||
                 !S_ISSOCK(ref->sock_st.st_mode) ||
                 ref->sock_st.st_uid != lk.st_uid))
    r = MSL_ERR_ACCESS;
  if (r < 0)
    msl_slot_ref_close(ref);
  return r;
}

int msl_connect_inode(int fd, int path_fd) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  /* The magic link reaches exactly the inode that was checked; connect
   * still checks write permission on it. */
  int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d",
                   path_fd);
  socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                             (size_t)n + 1);
  if (connect(fd, (struct sockaddr *)&sa, sl) == 0)
    return 0;
  return msl_err_from_errno(errno);
}

int msl_slot_connect(int fd, const msl_slot_ref *ref) {
  return msl_connect_inode(fd, ref->sock_fd);
}

int msl_slot_sock_allow_group(int dirfd, const char *sock) {
  struct stat st;
  if (fstatat(dirfd, sock, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISSOCK(st.st_mode) ||
      fchmodat(dirfd, sock, (st.st_mode & 07777) | 0220, 0) != 0)
    return MSL_ERR_SYSTEM;
  return 0;
}
