/*
 * Mailslot path parsing and normalisation [MS-MAIL §2.2, Win32
 * CreateMailslot]:
 *
 *   \\<host>\mailslot\<name>[\<name>...]
 *
 * host "." is this machine, "*" the primary domain (broadcast), anything
 * else a computer or domain NetBIOS name (at most 15 characters). '/' is
 * accepted for '\'. The name is upper-cased (names are case-insensitive)
 * and stored with '\' separators, without the "\mailslot\" prefix.
 */
#ifndef MSL_PATH_H
#define MSL_PATH_H

#include <stddef.h>

#include "mailslot.h"

#define MSL_PATH_NAME_MAX 255 /* bytes of NAME (after "\mailslot\") */
#define MSL_PATH_HOST_MAX 15  /* a NetBIOS name's characters */
/* Longest local file name stem; keeps sun_path (108 bytes) in reach with
 * a "/proc/self/fd/N/" prefix and a ".sock" suffix. */
#define MSL_PATH_FILE_MAX 80

enum msl_path_kind {
  MSL_PATH_LOCAL = 0,  /* "\\.\mailslot\..." */
  MSL_PATH_HOST = 1,   /* "\\NAME\mailslot\..." */
  MSL_PATH_DOMAIN = 2, /* "\\*\mailslot\..." */
};

typedef struct msl_path {
  int kind;                         /* enum msl_path_kind */
  char host[MSL_PATH_HOST_MAX + 1]; /* upper-cased, "" unless HOST */
  char name[MSL_PATH_NAME_MAX + 1]; /* e.g. "APP\EVENTS" */
  size_t name_len;
} msl_path;

/**
 * Parses and normalises `path` into *out.
 * @return 0, or MSL_ERR_ARG (NULL argument) or MSL_ERR_BAD_PATH (missing
 *         "\\host\mailslot\" prefix, empty host or name, empty component,
 *         trailing separator, a name over MSL_PATH_NAME_MAX bytes, a host
 *         over 15 characters, or a character outside 0x20..0x7e or one of
 *         : * ? " < > |).
 */
int msl_path_parse(msl_path *out, const char *path);

/**
 * Writes the file-name stem of a parsed local name into buf (NUL included):
 * letters, digits, '_', '.', '-' unchanged, '\' as '+', every other byte
 * as %XX, so different names give different stems.
 * @return the stem length, MSL_ERR_BAD_PATH when it would exceed
 *         MSL_PATH_FILE_MAX, or MSL_ERR_OVERFLOW when cap is too small.
 */
int msl_path_file_stem(const msl_path *p, char *buf, size_t cap);

#endif /* MSL_PATH_H */
