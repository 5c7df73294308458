/*
 * Mailslot path parsing and normalisation, for every layer [MS-MAIL §2.2,
 * Win32 CreateMailslot / CreateFile]:
 *
 *   \\<host>\mailslot\<name>[\<name>...]
 *
 * host "." is this machine (a local slot), "*" the primary domain
 * (broadcast); anything else names a computer or a domain: a NetBIOS name
 * (at most 15 characters, no '.'), an IPv4 address or a DNS name (letters,
 * digits, '-' and '.', at most 253 characters; its first label stands for
 * the NetBIOS name). '/' is accepted for '\'. The name is upper-cased
 * (names are case-insensitive) and stored with '\' separators, without the
 * "\mailslot\" prefix; network sends keep the case as written (name_raw).
 */
#ifndef MSL_PATH_H
#define MSL_PATH_H

#include <stddef.h>

#include "mailslot.h"

#define MSL_PATH_NAME_MAX 255   /* bytes of NAME (after "\mailslot\") */
#define MSL_PATH_NBNAME_MAX 15  /* a NetBIOS host name's characters */
#define MSL_PATH_HOST_MAX 253   /* an IPv4 address or a DNS name */
/* Longest local file name stem; keeps sun_path (108 bytes) in reach with
 * a "/proc/self/fd/N/" prefix and a ".sock" suffix. */
#define MSL_PATH_FILE_MAX 80

enum msl_path_kind {
  MSL_PATH_LOCAL = 0,  /* "\\.\mailslot\..." */
  MSL_PATH_HOST = 1,   /* "\\NAME\mailslot\...", IPv4 or DNS name too */
  MSL_PATH_DOMAIN = 2, /* "\\*\mailslot\..." */
};

typedef struct msl_path {
  int kind;                         /* enum msl_path_kind */
  char host[MSL_PATH_HOST_MAX + 1]; /* as written; "" for "." and "*" */
  int host_dotted;                  /* host holds a '.': IPv4 or DNS */
  char name[MSL_PATH_NAME_MAX + 1]; /* e.g. "APP\EVENTS" */
  size_t name_len;
  const char *name_raw; /* the name as written, in the caller's string */
} msl_path;

/**
 * Parses and normalises `path` into *out.
 * @return 0, or MSL_ERR_ARG (NULL argument) or MSL_ERR_BAD_PATH (missing
 *         "\\host\mailslot\" prefix, empty host or name, empty component,
 *         trailing separator, a name over MSL_PATH_NAME_MAX bytes, a
 *         NetBIOS host over 15 characters or a dotted one over 253, a
 *         dotted host with other characters than letters, digits, '-' and
 *         '.', or a character outside 0x20..0x7e or one of : * ? " < > |).
 */
int msl_path_parse(msl_path *out, const char *path);

/**
 * Writes the file-name stem of a parsed local name into buf (NUL included):
 * letters, digits, '_', '.', '-' unchanged, '\' as '+', every other byte
 * as %XX, so different names give different stems.
 * @return the stem length, MSL_ERR_BAD_PATH when it would exceed
 *         MSL_PATH_FILE_MAX, or MSL_ERR_BUFFER_TOO_SMALL when cap is too small.
 */
int msl_path_file_stem(const msl_path *p, char *buf, size_t cap);

#endif /* MSL_PATH_H */
