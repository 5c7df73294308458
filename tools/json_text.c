/* JSON string output (json_text.h). */
#include "json_text.h"

void json_text(FILE *f, const uint8_t *p, size_t n, int utf8) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    unsigned c = p[i];
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", f);
    else if (c == '\r')
      fputs("\\r", f);
    else if (c == '\t')
      fputs("\\t", f);
    else if (c < 0x20 || c == 0x7f || (c > 0x7f && !utf8))
      fprintf(f, "\\u%04x", c);
    else
      fputc((int)c, f);
  }
  fputc('"', f);
}
