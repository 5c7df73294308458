/*
 * A small JSON validator for the tests (RFC 8259 grammar; strings must be
 * ASCII, as our printer promises): test_print.c and fuzz_dissect.c check
 * every JSON line the printer makes with it. Header-only (static).
 */
#ifndef MSL_JSON_CHECK_H
#define MSL_JSON_CHECK_H

#include <stddef.h>
#include <string.h>

static size_t jvalue(const char *s, size_t i, size_t n, int depth);

static size_t jws(const char *s, size_t i, size_t n) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    i++;
  return i;
}

static int ishex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

static size_t jstring(const char *s, size_t i, size_t n) {
  if (i >= n || s[i] != '"')
    return 0;
  for (i++; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"')
      return i + 1;
    if (c < 0x20 || c >= 0x7f)
      return 0;
    if (c == '\\') {
      if (++i >= n)
        return 0;
      if (s[i] == 'u') {
        for (int k = 0; k < 4; k++)
          if (++i >= n || !ishex(s[i]))
            return 0;
      } else if (!s[i] || !strchr("\"\\/bfnrt", s[i])) {
        return 0;
      }
    }
  }
  return 0;
}

static size_t jnumber(const char *s, size_t i, size_t n) {
  size_t st = i;
  if (i < n && s[i] == '-')
    i++;
  if (i >= n || s[i] < '0' || s[i] > '9')
    return 0;
  if (s[i] == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
    return 0; /* no leading zeros */
  while (i < n && s[i] >= '0' && s[i] <= '9')
    i++;
  if (i < n && s[i] == '.') {
    i++;
    if (i >= n || s[i] < '0' || s[i] > '9')
      return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
  }
  return i > st ? i : 0;
}

static size_t jvalue(const char *s, size_t i, size_t n, int depth) {
  if (depth > 64)
    return 0;
  i = jws(s, i, n);
  if (i >= n)
    return 0;
  if (s[i] == '{' || s[i] == '[') {
    int obj = s[i] == '{';
    char close = obj ? '}' : ']';
    i = jws(s, i + 1, n);
    if (i < n && s[i] == close)
      return i + 1;
    for (;;) {
      if (obj) {
        i = jstring(s, jws(s, i, n), n);
        if (!i)
          return 0;
        i = jws(s, i, n);
        if (i >= n || s[i] != ':')
          return 0;
        i++;
      }
      i = jvalue(s, i, n, depth + 1);
      if (!i)
        return 0;
      i = jws(s, i, n);
      if (i < n && s[i] == ',') {
        i++;
        continue;
      }
      return i < n && s[i] == close ? i + 1 : 0;
    }
  }
  if (s[i] == '"')
    return jstring(s, i, n);
  if (n - i >= 4 && !memcmp(s + i, "true", 4))
    return i + 4;
  if (n - i >= 5 && !memcmp(s + i, "false", 5))
    return i + 5;
  if (n - i >= 4 && !memcmp(s + i, "null", 4))
    return i + 4;
  return jnumber(s, i, n);
}

/* 1 when s[0..n) is exactly one JSON object followed by one '\n'. */
static int json_line_ok(const char *s, size_t n) {
  if (n < 3 || s[n - 1] != '\n' || s[0] != '{')
    return 0;
  if (memchr(s, '\n', n - 1))
    return 0;
  return jvalue(s, 0, n - 1, 0) == n - 1;
}

#endif
