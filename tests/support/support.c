/* SPDX-License-Identifier: MIT */
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

/* ------------------------------------------------------------------------- */
/* Child processes: the portable half (roles, the registry of live children
 * that teardown kills, waiting for a signal file). */

static const char *self_argv0 = "";

int support_child_dispatch(int argc, char **argv, const struct support_role *roles, size_t count) {
  size_t i;
  if (argc >= 3 && strcmp(argv[1], SUPPORT_CHILD_FLAG) == 0) {
    for (i = 0; i < count; i++)
      if (strcmp(roles[i].name, argv[2]) == 0)
        return roles[i].fn(argc - 2, argv + 2);
    fprintf(stderr, "child: unknown role '%s'\n", argv[2]);
    return 126;
  }
  self_argv0 = argc > 0 ? argv[0] : "";
  return -1;
}

const char *support_self_argv0(void) {
  return self_argv0;
}

static support_child *live_children[64];

static void child_forget(support_child *child) {
  size_t i;
  for (i = 0; i < SUPPORT_ARRAY_LEN(live_children); i++)
    if (live_children[i] == child)
      live_children[i] = NULL;
}

support_child *support_child_start(const char *role, ...) {
  const char *args[34];
  size_t n = 0, i;
  support_child *child;
  va_list ap;
  args[n++] = role;
  va_start(ap, role);
  for (;;) {
    const char *arg = va_arg(ap, const char *);
    if (arg == NULL)
      break;
    if (n == SUPPORT_ARRAY_LEN(args) - 1) {
      va_end(ap);
      return NULL;
    }
    args[n++] = arg;
  }
  va_end(ap);
  args[n] = NULL;
  child = support_os_child_spawn(args);
  if (child == NULL)
    return NULL;
  for (i = 0; i < SUPPORT_ARRAY_LEN(live_children); i++) {
    if (live_children[i] == NULL) {
      live_children[i] = child;
      return child;
    }
  }
  support_os_child_kill(child);
  return NULL;
}

int support_child_wait(support_child *child) {
  child_forget(child);
  return support_os_child_wait(child);
}

void support_child_kill(support_child *child) {
  child_forget(child);
  support_os_child_kill(child);
}

int support_children_reap(void) {
  size_t i;
  int n = 0;
  for (i = 0; i < SUPPORT_ARRAY_LEN(live_children); i++) {
    if (live_children[i] != NULL) {
      support_child_kill(live_children[i]);
      n++;
    }
  }
  return n;
}

int support_wait_for_file(const char *path, support_child *child, unsigned timeout_ms) {
  uint64_t start = support_os_ms();
  for (;;) {
    if (support_file_exists(path))
      return 0;
    if (child != NULL && !support_child_running(child))
      return support_file_exists(path) ? 0 : -1;
    if (support_os_ms() - start >= timeout_ms)
      return -1;
    support_sleep_ms(2);
  }
}

int support_touch(const char *path) {
  return support_write_file(path, "", 0);
}

/* ------------------------------------------------------------------------- */
/* Named objects: unique names, registered so that nothing is left behind. */

static struct shm_entry {
  char tag[16];
  char name[32];
} shm_names[256];
static size_t n_shm_names;
static int shm_atexit_done;

static void shm_prefix(char *buf, size_t cap) {
  snprintf(buf, cap, "pmmft-%lu-", support_os_pid());
}

/* Remove every registered object and every other one with this process's
 * prefix; the number that existed. */
static long shm_remove_all(void) {
  char prefix[32];
  long left = 0, scanned;
  size_t i;
  for (i = 0; i < n_shm_names; i++) {
    if (support_shm_exists(shm_names[i].name)) {
      left++;
      support_shm_remove(shm_names[i].name);
    }
  }
  shm_prefix(prefix, sizeof prefix);
  scanned = support_os_shm_scan(prefix, 1);
  return scanned > 0 ? left + scanned : left;
}

static void shm_at_exit(void) {
  support_children_reap();
  shm_remove_all();
}

const char *support_shm_name(const char *tag) {
  char prefix[32];
  size_t i;
  for (i = 0; i < n_shm_names; i++)
    if (strcmp(shm_names[i].tag, tag) == 0)
      return shm_names[i].name;
  if (n_shm_names == SUPPORT_ARRAY_LEN(shm_names) || strlen(tag) > 12)
    fail_msg("support_shm_name: too many names, or tag '%s' too long", tag);
  shm_prefix(prefix, sizeof prefix);
  snprintf(shm_names[n_shm_names].tag, sizeof shm_names[0].tag, "%s", tag);
  snprintf(shm_names[n_shm_names].name, sizeof shm_names[0].name, "%s%s", prefix, tag);
  if (!shm_atexit_done) {
    support_os_shm_reap_stale();
    atexit(shm_at_exit);
    shm_atexit_done = 1;
  }
  return shm_names[n_shm_names++].name;
}

long support_shm_count_left(void) {
  char prefix[32];
  long left = 0, scanned;
  size_t i;
  shm_prefix(prefix, sizeof prefix);
  scanned = support_os_shm_scan(prefix, 0);
  if (scanned >= 0)
    return scanned;
  for (i = 0; i < n_shm_names; i++)
    if (support_shm_exists(shm_names[i].name))
      left++;
  return left;
}

void support_shm_nothing_left(void **state) {
  (void)state;
  assert_int_equal(support_shm_count_left(), 0);
}

int support_shm_teardown(void **state) {
  int killed;
  long left;
  (void)state;
  support_fake_sleep(NULL, NULL);
  killed = support_children_reap();
  left = shm_remove_all();
  if (killed > 0)
    fprintf(stderr, "teardown: %d child process(es) were still running\n", killed);
  if (left > 0)
    fprintf(stderr, "teardown: the test left %ld named object(s) behind\n", left);
  return killed > 0 || left > 0 ? -1 : 0;
}
