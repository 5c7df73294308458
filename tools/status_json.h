/*
 * mailslotd's status as JSON (mailslotd --status --json, mailslot status
 * --json; docs/relay.md, "Status"). The status is "name value" lines; each
 * line becomes a member of one object:
 *   name 12                   "name": 12
 *   name word / name "a b"    "name": "word" / "name": "a b"
 *   name ID k=v k="v w" ...   "name": [{"id": "ID", "k": v, ...}, ...]
 *   name several words        "name": ["several words", ...]
 * The last two are arrays whatever their count, so a reader need not ask.
 */
#ifndef MSL_TOOLS_STATUS_JSON_H
#define MSL_TOOLS_STATUS_JSON_H

#include <stdio.h>

/** Writes text's lines as one JSON object and a newline to f. 0 or -1. */
int status_to_json(const char *text, FILE *f);

#endif /* MSL_TOOLS_STATUS_JSON_H */
