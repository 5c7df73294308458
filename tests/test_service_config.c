/* The service's opaque configuration (api/msl_service_config*.c): every
 * kind of setting, its checks and reasons, and what the net layer gets. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "msl_service_config_int.h"

static msl_service_config *cfg_new(void) {
  msl_service_config *c = NULL;
  assert_int_equal(msl_service_config_new(&c), 0);
  assert_non_null(c);
  return c;
}

static void assert_error_has(const msl_service_config *c, const char *part) {
  if (!strstr(msl_service_config_error(c), part))
    fail_msg("error '%s' lacks '%s'", msl_service_config_error(c), part);
}

/* One setting to make, what msl_service_config_set answers, and a part
 * of the reason it gives (NULL: the reason is not checked). */
typedef struct setting {
  const char *key, *value;
  int rc;
  const char *reason;
} setting;

/* Makes the settings in order, each checked as its row says. */
static void set_all(msl_service_config *c, const setting *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = msl_service_config_set(c, s[i].key, s[i].value);
    if (rc != s[i].rc)
      fail_msg("%s=%s: %d, not %d", s[i].key,
               s[i].value ? s[i].value : "(null)", rc, s[i].rc);
    if (s[i].reason)
      assert_error_has(c, s[i].reason);
  }
}

static void test_defaults_and_args(void **state) {
  (void)state;
  msl_cfg_view v;
  assert_int_equal(msl_service_config_new(NULL), MSL_ERR_ARG);
  msl_service_config_free(NULL);
  msl_service_config *c = cfg_new();
  assert_int_equal(msl_service_config_set(NULL, "name", "X"), MSL_ERR_ARG);
  assert_int_equal(msl_service_config_set(c, NULL, "X"), MSL_ERR_ARG);
  assert_int_equal(msl_service_config_set_log(NULL, NULL, NULL), MSL_ERR_ARG);
  assert_int_equal(msl_service_config_set_run_ids(c, -2, 0), MSL_ERR_ARG);
  msl_service_config_view(c, &v);
  assert_null(v.svc.name);
  assert_int_equal(v.svc.dgram_port, 0);  /* 138 */
  assert_int_equal(v.svc.name_port, 0);   /* no name service */
  assert_int_equal(v.svc.log_level, MSL_LOG_WARN);
  assert_int_equal(v.svc.run_uid, -1);
  assert_null(v.svc.interfaces);
  assert_null(v.svc.relay);
  assert_int_equal(msl_service_config_check(c), 0);
  msl_service_config_free(c);
}

static void test_unknown_and_bad_values(void **state) {
  (void)state;
  static const setting bad[] = {
      {"nmae", "X", MSL_ERR_ARG, "unknown setting 'nmae'"},
      {"name", "SIXTEENCHARSXXXX", MSL_ERR_INVALID, "1 to 15 characters"},
      {"name", "", MSL_ERR_INVALID, NULL},
      {"dgram-port", "0", MSL_ERR_INVALID, NULL},
      {"dgram-port", "65536", MSL_ERR_INVALID, NULL},
      {"dgram-port", "13x", MSL_ERR_INVALID, NULL},
      {"dgram-port", "-1", MSL_ERR_INVALID, NULL},
      {"name-port", "0", 0, NULL},
      {"wins", "10.0.0", MSL_ERR_INVALID, "IPv4 address"},
      {"messenger", "maybe", MSL_ERR_INVALID, NULL},
      {"log-level", "loud", MSL_ERR_INVALID, NULL},
      {"comment", NULL, MSL_ERR_INVALID, NULL},
  };
  msl_service_config *c = cfg_new();
  set_all(c, bad, sizeof(bad) / sizeof(*bad));
  /* A good setting clears the reason. */
  assert_int_equal(msl_service_config_set(c, "name", "HOSTA"), 0);
  assert_string_equal(msl_service_config_error(c), "");
  msl_service_config_free(c);
}

static void test_values_reach_the_view(void **state) {
  (void)state;
  msl_cfg_view v;
  char name[16] = "HOSTA";
  msl_service_config *c = cfg_new();
  assert_int_equal(msl_service_config_set(c, "name", name), 0);
  strcpy(name, "CHANGED"); /* the value was copied */
  assert_int_equal(msl_service_config_set(c, "workgroup", "LAB"), 0);
  assert_int_equal(msl_service_config_set(c, "dgram-port", "1138"), 0);
  assert_int_equal(msl_service_config_set(c, "name-port", "1137"), 0);
  assert_int_equal(msl_service_config_set(c, "log-level", "debug"), 0);
  assert_int_equal(msl_service_config_set(c, "messenger", NULL), 0);
  assert_int_equal(msl_service_config_set(c, "no-announce", "on"), 0);
  assert_int_equal(msl_service_config_set(c, "wins", "198.18.0.1"), 0);
  assert_int_equal(msl_service_config_set(c, "wins", "198.18.0.2"), 0);
  assert_int_equal(msl_service_config_set_run_ids(c, 65534, 65533), 0);
  msl_service_config_view(c, &v);
  assert_string_equal(v.svc.name, "HOSTA");
  assert_string_equal(v.svc.workgroup, "LAB");
  assert_int_equal(v.svc.dgram_port, 1138);
  assert_int_equal(v.svc.name_port, 1137);
  assert_int_equal(v.svc.log_level, MSL_LOG_DEBUG);
  assert_int_equal(v.svc.flags,
                   MSL_SERVICE_MESSENGER | MSL_SERVICE_NO_ANNOUNCE);
  assert_int_equal(v.svc.n_wins_servers, 2);
  assert_string_equal(v.svc.wins_servers[1], "198.18.0.2");
  assert_int_equal(v.svc.run_gid, 65533);
  /* Flags off again; server and no-server exclude each other. */
  assert_int_equal(msl_service_config_set(c, "messenger", "no"), 0);
  assert_int_equal(msl_service_config_set(c, "server", "yes"), 0);
  assert_int_equal(msl_service_config_set(c, "no-server", "yes"), 0);
  assert_int_equal(msl_service_config_unset(c, "no-announce"), 0);
  assert_int_equal(msl_service_config_unset(c, "name"), 0);
  msl_service_config_view(c, &v);
  assert_int_equal(v.svc.flags, MSL_SERVICE_NO_SERVER);
  assert_null(v.svc.name);
  msl_service_config_free(c);
}

static void test_lists_are_bounded(void **state) {
  (void)state;
  msl_cfg_view v;
  msl_service_config *c = cfg_new();
  for (int i = 0; i < CFG_IFACES_MAX; i++)
    assert_int_equal(msl_service_config_set(c, "interface", "eth0"), 0);
  assert_int_equal(msl_service_config_set(c, "interface", "eth1"),
                   MSL_ERR_TOO_MANY);
  assert_error_has(c, "at most 16 'interface' entries");
  for (int i = 0; i < MSL_NS_WINS_MAX; i++)
    assert_int_equal(msl_service_config_set(c, "wins", "198.18.0.9"), 0);
  assert_int_equal(msl_service_config_set(c, "wins", "198.18.0.9"),
                   MSL_ERR_TOO_MANY);
  msl_service_config_view(c, &v);
  assert_int_equal(v.svc.n_interfaces, CFG_IFACES_MAX);
  assert_int_equal(msl_service_config_unset(c, "interface"), 0);
  assert_int_equal(msl_service_config_set(c, "interface", "eth1"), 0);
  msl_service_config_view(c, &v);
  assert_int_equal(v.svc.n_interfaces, 1);
  assert_string_equal(v.svc.interfaces[0], "eth1");
  msl_service_config_free(c);
}

/* A file of mode `mode` in dir: its path in out. */
static void make_file(const char *dir, const char *name, mode_t mode,
                      char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", dir, name);
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "x\n", 2), 2);
  close(fd);
  assert_int_equal(chmod(out, mode), 0);
}

static void test_relay_settings(void **state) {
  (void)state;
  msl_cfg_view v;
  char dir[] = "/tmp/msl-cfg-XXXXXX", cert[64], key[64], open_key[64];
  assert_non_null(mkdtemp(dir));
  make_file(dir, "cert.pem", 0644, cert, sizeof(cert));
  make_file(dir, "key.pem", 0600, key, sizeof(key));
  make_file(dir, "open-key.pem", 0644, open_key, sizeof(open_key));
  msl_service_config *c = cfg_new();
  assert_int_equal(msl_service_config_set(c, "site", "bad site"),
                   MSL_ERR_INVALID);
  assert_int_equal(msl_service_config_check(c), 0); /* nothing taken */
  assert_int_equal(msl_service_config_set(c, "site", "site-a"), 0);
  assert_int_equal(msl_service_config_check(c), MSL_ERR_ARG);
  assert_error_has(c, "the relay needs relay-cert");
  assert_int_equal(msl_service_config_set(c, "relay-cert", cert), 0);
  assert_int_equal(msl_service_config_set(c, "relay-key", open_key),
                   MSL_ERR_ACCESS);
  assert_error_has(c, "chmod 600");
  assert_int_equal(msl_service_config_set(c, "relay-key", key), 0);
  assert_int_equal(msl_service_config_set(c, "relay-ca", "/nonexistent"),
                   MSL_ERR_ACCESS);
  assert_int_equal(msl_service_config_set(c, "relay-ca", cert), 0);
  assert_int_equal(msl_service_config_check(c), MSL_ERR_ARG);
  assert_error_has(c, "relay-listen or relay-peer");
  static const setting peer_and_limits[] = {
      {"relay-peer", "hostonly", MSL_ERR_INVALID, NULL},
      {"relay-peer", "h:0", MSL_ERR_INVALID, NULL},
      {"relay-peer", "[::1]:4455", 0, NULL},
      {"relay-allow", "NET\\*", 0, NULL},
      {"relay-allow", "bad\x01", MSL_ERR_INVALID, NULL},
      {"relay-pin", "sha256:abc", MSL_ERR_INVALID, NULL},
      {"relay-queue", "1M", 0, NULL},
      {"relay-queue", "1K", MSL_ERR_INVALID, NULL}, /* under 4096 */
      {"relay-hub", "yes", 0, NULL},
  };
  set_all(c, peer_and_limits,
          sizeof(peer_and_limits) / sizeof(*peer_and_limits));
  assert_int_equal(msl_service_config_check(c), 0);
  msl_service_config_view(c, &v);
  assert_non_null(v.svc.relay);
  assert_string_equal(v.relay.site, "site-a");
  assert_string_equal(v.relay.key, key);
  assert_int_equal(v.relay.n_peers, 1);
  assert_string_equal(v.relay.peers[0], "[::1]:4455");
  assert_int_equal(v.relay.n_allow, 1);
  assert_int_equal(v.relay.queue_bytes, 1u << 20);
  assert_int_equal(v.relay.hub, 1);
  assert_int_equal(msl_service_config_unset(c, "relay-peer"), 0);
  assert_int_equal(msl_service_config_check(c), MSL_ERR_ARG);
  assert_int_equal(msl_service_config_unset(c, "relay-queue"), 0);
  assert_int_equal(msl_service_config_unset(c, "relay-hub"), 0);
  assert_int_equal(msl_service_config_unset(c, "site"), 0);
  msl_service_config_view(c, &v);
  assert_int_equal(v.relay.queue_bytes, 0); /* the default */
  assert_int_equal(v.relay.hub, 0);
  assert_null(v.relay.site);
  assert_int_equal(msl_service_config_check(c), MSL_ERR_ARG);
  assert_error_has(c, "the relay needs site");
  msl_service_config_free(c);
  unlink(cert);
  unlink(key);
  unlink(open_key);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_and_args),
      cmocka_unit_test(test_unknown_and_bad_values),
      cmocka_unit_test(test_values_reach_the_view),
      cmocka_unit_test(test_lists_are_bounded),
      cmocka_unit_test(test_relay_settings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
