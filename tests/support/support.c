/*
 * support.c - the portable half of the test helpers: status assertions, the
 * temporary directory's lifetime, path joining, stdio file access and byte
 * patterns. Everything OS specific is in support_posix.c / support_win32.c.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#define SUPPORT_SEP "\\"
#else
#define SUPPORT_SEP "/"
#endif

void support_check_status(int got, int expected, const char *expr, const char *file, int line) {
  if (got != expected) {
    print_error("%s:%d: %s returned %s (%d), expected %s (%d); last OS error %ld\n", file, line,
                expr, pmmf_status_name(got), got, pmmf_status_name(expected), expected,
                pmmf_last_os_error());
    _fail(file, line);
  }
}

/* ------------------------------------------------------------------------- */

static char tmpdir[1024];
static int tmpdir_made;
static int atexit_done;

static void forget_paths(void);

static void remove_tmpdir(void) {
  forget_paths();
  if (tmpdir_made) {
    support_remove_tree(tmpdir);
    tmpdir_made = 0;
  }
}

int support_group_setup(void **state) {
  (void)state;
  if (tmpdir_made)
    return 0;
  if (support_make_tmpdir(tmpdir, sizeof tmpdir) != 0) {
    fprintf(stderr, "cannot create a temporary directory\n");
    return -1;
  }
  tmpdir_made = 1;
  if (!atexit_done) {
    atexit(remove_tmpdir);
    atexit_done = 1;
  }
  return 0;
}

int support_group_teardown(void **state) {
  (void)state;
  remove_tmpdir();
  return 0;
}

const char *support_tmpdir(void) {
  return tmpdir;
}

char *support_join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *s = malloc(a + b + 2);
  if (s == NULL)
    return NULL;
  memcpy(s, dir, a);
  memcpy(s + a, SUPPORT_SEP, 1);
  memcpy(s + a + 1, name, b + 1);
  return s;
}

/* Paths are interned: the same name gives the same, stable pointer until the
 * group teardown. */
static struct interned {
  char *name;
  char *path;
} interned[1024];
static size_t n_interned;

static void forget_paths(void) {
  size_t i;
  for (i = 0; i < n_interned; i++) {
    free(interned[i].name);
    free(interned[i].path);
  }
  n_interned = 0;
}

const char *support_path(const char *name) {
  size_t i;
  char *path, *copy;
  for (i = 0; i < n_interned; i++)
    if (strcmp(interned[i].name, name) == 0)
      return interned[i].path;
  if (n_interned == SUPPORT_ARRAY_LEN(interned))
    fail_msg("too many distinct paths");
  path = support_join(tmpdir, name);
  copy = malloc(strlen(name) + 1);
  if (path == NULL || copy == NULL)
    fail_msg("out of memory");
  strcpy(copy, name);
  interned[n_interned].name = copy;
  interned[n_interned].path = path;
  n_interned++;
  return path;
}

/* ------------------------------------------------------------------------- */

int support_write_file(const char *path, const void *data, size_t len) {
  FILE *f = support_fopen(path, "wb");
  int rc = 0;
  if (f == NULL)
    return -1;
  if (len > 0 && fwrite(data, 1, len, f) != len)
    rc = -1;
  if (fclose(f) != 0)
    rc = -1;
  return rc;
}

int support_write_pattern(const char *path, size_t len, unsigned seed) {
  unsigned char *buf = malloc(len ? len : 1);
  int rc;
  if (buf == NULL)
    return -1;
  support_fill(buf, len, 0, seed);
  rc = support_write_file(path, buf, len);
  free(buf);
  return rc;
}

unsigned char *support_read_file(const char *path, size_t *len) {
  int64_t size = support_file_size(path);
  unsigned char *buf;
  FILE *f;
  size_t got;
  int extra;
  if (size < 0 || (uint64_t)size > SIZE_MAX - 1)
    return NULL;
  f = support_fopen(path, "rb");
  if (f == NULL)
    return NULL;
  buf = malloc((size_t)size + 1);
  if (buf == NULL) {
    fclose(f);
    return NULL;
  }
  got = fread(buf, 1, (size_t)size, f);
  extra = fgetc(f);
  fclose(f);
  if (got != (size_t)size || extra != EOF) {
    free(buf);
    return NULL;
  }
  *len = got;
  return buf;
}

int support_file_equals(const char *path, const void *data, size_t len) {
  size_t got = 0;
  unsigned char *buf = support_read_file(path, &got);
  int same;
  if (buf == NULL)
    return 0;
  same = got == len && (len == 0 || memcmp(buf, data, len) == 0);
  free(buf);
  return same;
}

int support_file_is_pattern(const char *path, size_t len, unsigned seed) {
  size_t got = 0;
  unsigned char *buf = support_read_file(path, &got);
  int same;
  if (buf == NULL)
    return 0;
  same = got == len && support_check(buf, len, 0, seed) == -1;
  free(buf);
  return same;
}

int support_file_exists(const char *path) {
  return support_file_size(path) >= 0;
}

/* ------------------------------------------------------------------------- */

unsigned char support_pattern(uint64_t pos, unsigned seed) {
  uint64_t x = pos * UINT64_C(0x9E3779B97F4A7C15) + (uint64_t)seed * UINT64_C(0xD1B54A32D192ED03) +
               UINT64_C(0x632BE59BD9B4E019);
  x ^= x >> 29;
  x *= UINT64_C(0xBF58476D1CE4E5B9);
  x ^= x >> 32;
  return (unsigned char)(x >> 24);
}

void support_fill(void *buf, size_t len, uint64_t pos, unsigned seed) {
  unsigned char *p = buf;
  size_t i;
  for (i = 0; i < len; i++)
    p[i] = support_pattern(pos + i, seed);
}

long long support_check(const void *buf, size_t len, uint64_t pos, unsigned seed) {
  const unsigned char *p = buf;
  size_t i;
  for (i = 0; i < len; i++)
    if (p[i] != support_pattern(pos + i, seed))
      return (long long)i;
  return -1;
}

long long support_check_byte(const void *buf, size_t len, unsigned char value) {
  const unsigned char *p = buf;
  size_t i;
  for (i = 0; i < len; i++)
    if (p[i] != value)
      return (long long)i;
  return -1;
}

char support_sentinel_byte;

int support_is_win32(void) {
  return strcmp(pmmf_backend(), "win32") == 0;
}
