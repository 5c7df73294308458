/* Mailslot path parsing (see msl_path.h): the one parser of every layer. */
#include "msl_path.h"

#include <string.h>

static int is_sep(char c) { return c == '\\' || c == '/'; }

static char upper(char c) {
  return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Win32 forbids these in file names; mailslot names follow the same rule. */
static int bad_char(char c) {
  unsigned char u = (unsigned char)c;
  return u < 0x20 || u > 0x7e || strchr(":*?\"<>|", c) != NULL;
}

/* A dotted host: an IPv4 address or a DNS name (RFC 1123 characters). */
static int dns_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* The host part, hl bytes at s, into out. */
static int parse_host(msl_path *out, const char *s, size_t hl) {
  if (hl == 0)
    return MSL_ERR_BAD_PATH;
  if (hl == 1 && (s[0] == '.' || s[0] == '*')) {
    out->kind = s[0] == '.' ? MSL_PATH_LOCAL : MSL_PATH_DOMAIN;
    return 0;
  }
  out->kind = MSL_PATH_HOST;
  out->host_dotted = memchr(s, '.', hl) != NULL;
  if (hl > (out->host_dotted ? MSL_PATH_HOST_MAX : MSL_PATH_NBNAME_MAX))
    return MSL_ERR_BAD_PATH;
  for (size_t i = 0; i < hl; i++)
    if (out->host_dotted ? !dns_char(s[i]) : bad_char(s[i]))
      return MSL_ERR_BAD_PATH;
  memcpy(out->host, s, hl);
  out->host[hl] = '\0';
  return 0;
}

/* The name after "\mailslot\": upper-cased, '\' separated, no empty
 * component. */
static int parse_name(msl_path *out, const char *s) {
  size_t n = 0;
  int comp = 0; /* bytes in the current component */
  out->name_raw = s;
  for (; *s; s++) {
    if (n >= MSL_PATH_NAME_MAX)
      return MSL_ERR_BAD_PATH;
    if (is_sep(*s)) {
      if (comp == 0)
        return MSL_ERR_BAD_PATH;
      out->name[n++] = '\\';
      comp = 0;
      continue;
    }
    if (bad_char(*s))
      return MSL_ERR_BAD_PATH;
    out->name[n++] = upper(*s);
    comp++;
  }
  if (comp == 0) /* empty name or trailing separator */
    return MSL_ERR_BAD_PATH;
  out->name[n] = '\0';
  out->name_len = n;
  return 0;
}

int msl_path_parse(msl_path *out, const char *path) {
  static const char slot[] = "mailslot";
  if (!out || !path)
    return MSL_ERR_ARG;
  memset(out, 0, sizeof(*out));
  const char *s = path;
  if (!is_sep(s[0]) || !is_sep(s[1]))
    return MSL_ERR_BAD_PATH;
  s += 2;
  size_t hl = 0;
  while (s[hl] && !is_sep(s[hl]))
    hl++;
  int r = parse_host(out, s, hl);
  if (r < 0 || s[hl] == '\0')
    return MSL_ERR_BAD_PATH;
  s += hl + 1;
  for (size_t i = 0; i < sizeof(slot) - 1; i++)
    if (upper(s[i]) != upper(slot[i]))
      return MSL_ERR_BAD_PATH;
  s += sizeof(slot) - 1;
  if (!is_sep(*s))
    return MSL_ERR_BAD_PATH;
  return parse_name(out, s + 1);
}

static int keep(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

int msl_path_file_stem(const msl_path *p, char *buf, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  char tmp[MSL_PATH_FILE_MAX + 1];
  size_t n = 0;
  if (!p || (!buf && cap))
    return MSL_ERR_ARG;
  for (size_t i = 0; i < p->name_len; i++) {
    unsigned char c = (unsigned char)p->name[i];
    size_t need = keep((char)c) || c == '\\' ? 1 : 3;
    if (need > MSL_PATH_FILE_MAX - n)
      return MSL_ERR_BAD_PATH;
    if (c == '\\') {
      tmp[n++] = '+';
    } else if (need == 1) {
      tmp[n++] = (char)c;
    } else {
      tmp[n++] = '%';
      tmp[n++] = hex[c >> 4];
      tmp[n++] = hex[c & 15];
    }
  }
  if (n == 0)
    return MSL_ERR_BAD_PATH;
  if (n + 1 > cap)
    return MSL_ERR_BUFFER_TOO_SMALL;
  memcpy(buf, tmp, n);
  buf[n] = '\0';
  return (int)n;
}
