/*
 * Replays a fuzz target's corpus without libFuzzer, so `make check` runs
 * every saved input (seeds from captures/ and past crashes) through the
 * decoder under the test build's sanitizers.
 *
 * Usage: replay_NAME [FILE...]; with no files it reads every file in
 * $MSL_FUZZ_CORPUS/NAME/. Each input is copied into an exact-size
 * allocation so any over-read is caught (c-ares ares-fuzz.c does the same).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 4096;
      if (cap > (1u << 20)) /* corpus inputs are capped at 64 KiB */
        break;
      uint8_t *nb = realloc(buf, cap);
      if (!nb)
        break;
      buf = nb;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    if (got == 0)
      break;
    len += got;
  }
  fclose(f);
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) {
    free(buf);
    return 1;
  }
  if (len)
    memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  return 0;
}

int main(int argc, char **argv) {
  int bad = 0, count = 0;
  if (argc > 1) {
    for (int i = 1; i < argc; i++, count++)
      bad |= run_file(argv[i]);
    printf("replayed %d inputs\n", count);
    return bad;
  }
  const char *base = getenv("MSL_FUZZ_CORPUS");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/%s", base ? base : "tests/fuzz/corpus", FUZZ_NAME);
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "replay %s: no corpus directory %s\n", FUZZ_NAME, dir);
    return 1;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    bad |= run_file(path);
    count++;
  }
  closedir(d);
  printf("replay %s: %d inputs from %s\n", FUZZ_NAME, count, dir);
  if (count == 0) {
    fprintf(stderr, "replay %s: the corpus is empty\n", FUZZ_NAME);
    return 1;
  }
  return bad;
}
