/*
 * libmailslot: Windows mailslots (MS-MAIL) for POSIX hosts.
 *
 * This is the one installed header. It defines the error codes shared by the
 * wire codec and the library, and (as the library grows) the msl_* API.
 */
#ifndef MAILSLOT_H
#define MAILSLOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BUILDING_MSL) && defined(__GNUC__)
#  define MSL_API __attribute__((visibility("default")))
#else
#  define MSL_API
#endif

/*
 * Error codes. 0 is success; errors are negative, in [-599, -500], so a
 * function can return a length or an error in one int.
 */
typedef enum msl_err {
  MSL_OK = 0,
  MSL_ERR_TRUNCATED = -500,   /* input ended inside a field */
  MSL_ERR_OVERFLOW = -501,    /* output buffer too small */
  MSL_ERR_INVALID = -502,     /* a field holds a value the format forbids */
  MSL_ERR_NAME = -503,        /* malformed NetBIOS name */
  MSL_ERR_NAME_LOOP = -504,   /* name compression pointer loop or forward jump */
  MSL_ERR_NAME_PTR = -505,    /* compression pointer where none is allowed */
  MSL_ERR_UNSUPPORTED = -506, /* well-formed but of a kind not handled */
  MSL_ERR_NOT_SMB = -507,     /* user data is not an SMB */
  MSL_ERR_NOT_MAILSLOT = -508,/* SMB is not a mailslot write */
  MSL_ERR_LIMIT = -509,       /* a configured cap would be exceeded */
  MSL_ERR_ARG = -510,         /* invalid argument from the caller */
  MSL_ERR_TOO_BIG = -511,     /* message larger than the format allows */
  MSL_ERR_NOMEM = -512,       /* allocation failed */
  MSL_ERR_SYSTEM = -513,      /* a system call failed; see errno */
} msl_err;

/* The library's version, "MAJOR.MINOR.PATCH" (see mailslot_version.h). */
MSL_API const char *msl_version(void);

/* A static English sentence for an msl_err value (never NULL). */
MSL_API const char *msl_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* MAILSLOT_H */
