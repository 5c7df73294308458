/*
 * The slot namespace in the run directory (docs/local-mailslots.md,
 * "Where they live" and "Permissions"): a slot NAME is two files,
 * STEM.lock (the reader's flock()ed lock, publishing the slot's metadata
 * in its size and modification time) and
 * STEM.sock (the reader's bound AF_UNIX datagram socket).
 *
 * The directory is shared by every local user (sticky, world-writable), so
 * nothing in it is trusted by name alone:
 *  - a reader creates its lock file with O_EXCL | O_NOFOLLOW and mode
 *    0644, never adopting a file someone else made;
 *  - a writer (and the daemon) accepts a slot only when the lock file is a
 *    regular file only its owner can write, and the socket is a socket
 *    (not a symlink) owned by that same user; it connects to the inode it
 *    checked (through /proc/self/fd), so a file swapped in between the
 *    check and the connect is never reached.
 */
#ifndef MSL_SLOTDIR_H
#define MSL_SLOTDIR_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "mailslot.h"
#include "msl_path.h"

#define MSL_SLOT_FILE_CAP (MSL_PATH_FILE_MAX + 8) /* STEM + ".lock" + NUL */

/* The file names of one slot. */
typedef struct msl_slot_names {
  char stem[MSL_PATH_FILE_MAX + 1];
  char sock[MSL_SLOT_FILE_CAP];
  char lock[MSL_SLOT_FILE_CAP];
} msl_slot_names;

/* What a reader publishes in its lock file. */
typedef struct msl_slot_meta {
  uint32_t max_msg;  /* as given to msl_create (0: any) */
  uint32_t timeout;  /* read timeout, kept current by msl_set_timeout */
  long pid;          /* the creating process */
} msl_slot_meta;

/* A slot found by a writer: both files checked, still open. */
typedef struct msl_slot_ref {
  int sock_fd;        /* O_PATH descriptor of the socket inode */
  int lock_fd;        /* the lock file, read-only */
  struct stat sock_st;
} msl_slot_ref;

/**
 * The file names of a parsed local path.
 * @return 0, MSL_ERR_BAD_PATH (not a local path, or its stem is too long).
 */
int msl_slot_names_of(const msl_path *p, msl_slot_names *n);

/**
 * Reader: takes the slot's lock in directory dirfd. The lock file is
 * created exclusively; an existing one whose lock nobody holds is a dead
 * reader's: it is removed (with its socket) and created again -- unless it
 * belongs to another user and the sticky directory keeps us from removing
 * it (MSL_ERR_ACCESS: the name stays taken until its owner or root removes
 * the stale files).
 * @return the locked descriptor, or MSL_ERR_EXISTS (a live reader holds
 *         the name), MSL_ERR_ACCESS (a stale or planted file of another
 *         user, a symlink, not a regular file), MSL_ERR_NOT_FOUND,
 *         MSL_ERR_SYSTEM.
 */
int msl_slot_lock(int dirfd, const msl_slot_names *n);

/** Publishes meta on the locked file (in its size and time stamps: no
 *  data block needed, see msl_slotdir.c). 0 or MSL_ERR_SYSTEM. */
int msl_slot_meta_write(int lock_fd, const msl_slot_meta *m);

/** Reads meta from an open lock file. 0 or MSL_ERR_NOT_FOUND (not
 *  published). */
int msl_slot_meta_read(int lock_fd, msl_slot_meta *m);

/** 1 while a reader holds the lock of an open lock file, else 0. */
int msl_slot_live(int lock_fd);

/**
 * Writer: finds the slot's files and checks them (see above).
 * @return 0 and *ref (close it with msl_slot_ref_close), or
 *         MSL_ERR_NOT_FOUND (no such slot), MSL_ERR_ACCESS (a file that
 *         fails the checks: symlink, wrong type, owners differ, lock file
 *         writable by others; or no search permission), MSL_ERR_SYSTEM.
 */
int msl_slot_lookup(int dirfd, const msl_slot_names *n, msl_slot_ref *ref);

/** Closes what msl_slot_lookup opened (safe twice). */
void msl_slot_ref_close(msl_slot_ref *ref);

/**
 * Connects socket fd to the socket inode that the O_PATH descriptor
 * path_fd refers to (through /proc/self/fd: no path is looked up again).
 * @return 0, or MSL_ERR_NOT_FOUND (nobody bound), MSL_ERR_ACCESS,
 *         MSL_ERR_QUEUE_FULL, MSL_ERR_SYSTEM.
 */
int msl_connect_inode(int fd, int path_fd);

/**
 * Connects datagram socket fd to the checked socket inode of ref.
 * @return 0, or MSL_ERR_NOT_FOUND (no reader bound: dead),
 *         MSL_ERR_ACCESS (no write permission), MSL_ERR_QUEUE_FULL,
 *         MSL_ERR_SYSTEM.
 */
int msl_slot_connect(int fd, const msl_slot_ref *ref);

/**
 * Reader: after bind, adds owner and group write to the socket's mode
 * (which bind made 0777 minus the umask), so that the slot directory's
 * group -- the network service, docs/local-mailslots.md -- can deliver to
 * it; the umask keeps deciding for others.
 * @return 0 or MSL_ERR_SYSTEM.
 */
int msl_slot_sock_allow_group(int dirfd, const char *sock);

#endif /* MSL_SLOTDIR_H */
