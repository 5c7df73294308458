/* mailslotd's status lines as JSON (see status_json.h). */
#include "status_json.h"
#include "json_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define KEYS_MAX 1024
#define TOKEN_MAX 1024

static int is_number(const char *s, size_t n) {
  if (n == 0 || n > 20)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return 0;
  return 1;
}

/* A value: a number, a quoted string (escapes \" and \\) or a word. */
static void json_value(FILE *f, const char *s, size_t n) {
  char buf[TOKEN_MAX];
  size_t k = 0;
  if (is_number(s, n)) {
    fwrite(s, 1, n, f);
    return;
  }
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    for (size_t i = 1; i + 1 < n && k < sizeof(buf); i++) {
      if (s[i] == '\\' && i + 2 < n)
        i++;
      buf[k++] = s[i];
    }
    json_text(f, (const uint8_t *)buf, k, 1);
    return;
  }
  json_text(f, (const uint8_t *)s, n, 1);
}

/* The next token of s at *pos: a word, or k="quoted text". */
static int next_token(const char *s, size_t len, size_t *pos, size_t *start,
                      size_t *tlen) {
  size_t i = *pos;
  while (i < len && s[i] == ' ')
    i++;
  if (i >= len)
    return 0;
  *start = i;
  int quoted = 0;
  for (; i < len && (quoted || s[i] != ' '); i++) {
    if (s[i] == '\\' && quoted && i + 1 < len)
      i++;
    else if (s[i] == '"')
      quoted = !quoted;
  }
  *tlen = i - *start;
  *pos = i;
  return 1;
}

/* "ID k=v ..." as an object. */
static void json_object(FILE *f, const char *s, size_t len) {
  size_t pos = 0, st, tl;
  int first = 1;
  fputc('{', f);
  while (next_token(s, len, &pos, &st, &tl)) {
    const char *t = s + st;
    const char *eq = memchr(t, '=', tl);
    fputs(first ? "" : ",", f);
    if (first || !eq) {
      fputs(first ? "\"id\":" : "\"value\":", f);
      json_value(f, t, tl);
    } else {
      json_text(f, (const uint8_t *)t, (size_t)(eq - t), 1);
      fputc(':', f);
      json_value(f, eq + 1, tl - (size_t)(eq - t) - 1);
    }
    first = 0;
  }
  fputc('}', f);
}

/* Whether the value part of a line makes it an array member. */
static int is_multi(const char *v, size_t n, int *object) {
  size_t pos = 0, st, tl, count = 0;
  *object = 0;
  while (next_token(v, n, &pos, &st, &tl)) {
    if (count && memchr(v + st, '=', tl))
      *object = 1;
    count++;
  }
  return count > 1;
}

typedef struct line {
  const char *key, *val;
  size_t klen, vlen;
} line;

static void emit_key(FILE *f, const line *ls, size_t n, size_t k) {
  int object, multi = is_multi(ls[k].val, ls[k].vlen, &object);
  json_text(f, (const uint8_t *)ls[k].key, ls[k].klen, 1);
  fputc(':', f);
  if (!multi) {
    json_value(f, ls[k].val, ls[k].vlen);
    return;
  }
  fputc('[', f);
  for (size_t i = k, m = 0; i < n; i++) {
    if (ls[i].klen != ls[k].klen || memcmp(ls[i].key, ls[k].key, ls[k].klen))
      continue;
    fputs(m++ ? "," : "", f);
    if (object)
      json_object(f, ls[i].val, ls[i].vlen);
    else
      json_text(f, (const uint8_t *)ls[i].val, ls[i].vlen, 1);
  }
  fputc(']', f);
}

int status_to_json(const char *text, FILE *f) {
  line *ls = calloc(KEYS_MAX, sizeof(*ls));
  size_t n = 0;
  if (!ls)
    return -1;
  for (const char *p = text; *p && n < KEYS_MAX;) {
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *sp = memchr(p, ' ', len);
    if (sp && sp != p)
      ls[n++] = (line){p, sp + 1, (size_t)(sp - p), len - (size_t)(sp - p) - 1};
    p += len + (end != NULL);
  }
  fputc('{', f);
  for (size_t k = 0, out = 0; k < n; k++) {
    size_t j = 0; /* a key is written at its first line only */
    while (j < k && (ls[j].klen != ls[k].klen ||
                     memcmp(ls[j].key, ls[k].key, ls[k].klen)))
      j++;
    if (j < k)
      continue;
    fputs(out++ ? "," : "", f);
    emit_key(f, ls, n, k);
  }
  fputs("}\n", f);
  free(ls);
  return 0;
}
