/* JSON string output for the tools' --json modes, in one place. */
#ifndef JSON_TEXT_H
#define JSON_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints p[0..n) as a JSON string to f. utf8: p is valid UTF-8 (the
 * caller checked), its multi-byte sequences pass through; else each byte
 * is one character (OEM names and comments: bytes over 0x7e become
 * \u00XX). Control characters are escaped either way. */
void json_text(FILE *f, const uint8_t *p, size_t n, int utf8);

#endif /* JSON_TEXT_H */
