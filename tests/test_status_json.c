/*
 * Tests for mailslotd's status as JSON (tools/status_json.c): numbers,
 * words, quoted strings, "name ID k=v" lines as arrays of objects, and
 * several-word lines as arrays of strings; the result parses as JSON
 * (checked by tests/json_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_check.h"
#include "status_json.h"

static char *to_json(const char *text) {
  static char out[8192];
  FILE *f = fmemopen(out, sizeof(out), "w");
  assert_non_null(f);
  assert_int_equal(status_to_json(text, f), 0);
  fclose(f);
  return out;
}

static void test_values(void **state) {
  (void)state;
  const char *j = to_json("received 12\nrelay_site A\nrelay_listen -\n"
                          "relay_subject \"CN=a,O=Ex \\\"Corp\\\"\"\n");
  assert_string_equal(j, "{\"received\":12,\"relay_site\":\"A\","
                         "\"relay_listen\":\"-\",\"relay_subject\":"
                         "\"CN=a,O=Ex \\\"Corp\\\"\"}\n");
  assert_true(json_line_ok(j, strlen(j)));
}

static void test_arrays(void **state) {
  (void)state;
  const char *j = to_json(
      "ns_name H1<00> registered\nns_name WG<00> registered\n"
      "relay_peer 198.18.2.3:4455 dir=out state=up subject=\"CN=site b\" "
      "in=3\nrelay_peer in:198.18.3.5:1 dir=in state=hello in=0\n");
  assert_string_equal(
      j, "{\"ns_name\":[\"H1<00> registered\",\"WG<00> registered\"],"
         "\"relay_peer\":[{\"id\":\"198.18.2.3:4455\",\"dir\":\"out\","
         "\"state\":\"up\",\"subject\":\"CN=site b\",\"in\":3},"
         "{\"id\":\"in:198.18.3.5:1\",\"dir\":\"in\",\"state\":\"hello\","
         "\"in\":0}]}\n");
  assert_true(json_line_ok(j, strlen(j)));
  /* One peer is still an array. */
  j = to_json("relay_peer x:1 state=down\n");
  assert_string_equal(j, "{\"relay_peer\":[{\"id\":\"x:1\",\"state\":"
                         "\"down\"}]}\n");
  assert_string_equal(to_json(""), "{}\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_arrays),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
