/* SPDX-License-Identifier: MIT */
/*
 * test_process.c - conformance across processes: the test executable starts
 * itself as a child (tests/support: posix_spawn; CreateProcessW, under Wine
 * too) in a role named on the command line. Named objects opened by name in
 * another process, coherence of file views between processes, data flushed
 * before the writer is killed, PMMF_OPEN_EXCLUSIVE between processes, atomic
 * counters in one named object, create/open races, lifetime after the creator
 * exits, handles that children do not inherit, and EXCLUSIVE creations
 * racing on one path (a loser never removes the winner's file). Parent and children signal
 * each other with files in the temporary directory; children report through
 * their exit code and print nothing on stdout (the parent's TAP stream).
 */
#include "support.h"

#include "internal.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <fcntl.h>
#endif

#define KIB64 ((uint64_t)65536)
/* Bound on every wait for the other side (not a timing assertion: it only
 * keeps a broken test from hanging). */
#define WAIT_MS 60000u

/* Atomics in shared memory must be lock-free to work between processes. */
#if ATOMIC_INT_LOCK_FREE != 2
#error "atomic_uint is not lock-free on this target"
#endif

static char *num(char *buf, size_t cap, long long value) {
  snprintf(buf, cap, "%lld", value);
  return buf;
}

static long long arg_num(const char *s) {
  return strtoll(s, NULL, 0);
}

/* ------------------------------------------------------------------------- */
/* Child roles. Exit codes: 0 success, small numbers name the step that
 * failed (children have no cmocka to report through). */

#define CHILD_CHECK(cond, code)                                                  \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "child %s: step %d failed: %s (last OS error %ld)\n",      \
              argv[0], (code), #cond, pmmf_last_os_error());                     \
      return (code);                                                             \
    }                                                                            \
  } while (0)

/* Open NAME (argv[1]) with `access` and map LEN (argv[3]) bytes from OFFSET
 * (argv[2]) with the same access. */
static int named_view(char **argv, pmmf_access access, pmmf_map **m, pmmf_view **v) {
  CHILD_CHECK(pmmf_map_shared(m, argv[1], 0, access, PMMF_SHM_OPEN_ONLY, NULL) == PMMF_OK, 1);
  CHILD_CHECK(pmmf_view_map(v, *m, (uint64_t)arg_num(argv[2]), (size_t)arg_num(argv[3]), access,
                            0) == PMMF_OK,
              2);
  return 0;
}

/* shm-write NAME OFFSET LEN SEED: open by name, write a pattern, exit. */
static int role_shm_write(int argc, char **argv) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  int rc;
  CHILD_CHECK(argc == 5, 90);
  rc = named_view(argv, PMMF_ACCESS_WRITE, &m, &v);
  if (rc != 0)
    return rc;
  support_fill(pmmf_view_data(v), pmmf_view_size(v), pmmf_view_offset(v),
               (unsigned)arg_num(argv[4]));
  CHILD_CHECK(pmmf_view_unmap(v) == PMMF_OK, 3);
  CHILD_CHECK(pmmf_map_close(m) == PMMF_OK, 4);
  return 0;
}

/* shm-check NAME OFFSET LEN SEED: open by name READ, check a pattern. */
static int role_shm_check(int argc, char **argv) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  int rc, matches;
  CHILD_CHECK(argc == 5, 90);
  rc = named_view(argv, PMMF_ACCESS_READ, &m, &v);
  if (rc != 0)
    return rc;
  /* Released before the verdict: the failing check is expected (a wrong
   * seed), and under ASan a leak at exit would change the exit code. */
  matches = support_check(pmmf_view_data(v), pmmf_view_size(v), pmmf_view_offset(v),
                          (unsigned)arg_num(argv[4])) == -1;
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  CHILD_CHECK(matches, 3);
  return 0;
}

/* shm-create NAME SIZE SEED: create, fill with a pattern, close, exit. */
static int role_shm_create(int argc, char **argv) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  uint64_t size;
  CHILD_CHECK(argc == 4, 90);
  size = (uint64_t)arg_num(argv[2]);
  CHILD_CHECK(pmmf_map_shared(&m, argv[1], size, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL) ==
                  PMMF_OK,
              1);
  CHILD_CHECK(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 2);
  support_fill(pmmf_view_data(v), (size_t)size, 0, (unsigned)arg_num(argv[3]));
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  return 0;
}

/* Map PATH WRITE and write LEN bytes of pattern SEED at OFFSET; the view is
 * left mapped in *view. */
static int write_file_view(char **argv, pmmf_file **f, pmmf_map **m, pmmf_view **v) {
  uint64_t offset = (uint64_t)arg_num(argv[2]);
  size_t len = (size_t)arg_num(argv[3]);
  CHILD_CHECK(pmmf_file_open(f, argv[1], PMMF_OPEN_WRITE) == PMMF_OK, 1);
  CHILD_CHECK(pmmf_map_file(m, *f, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 2);
  CHILD_CHECK(pmmf_view_map(v, *m, offset, len, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 3);
  support_fill(pmmf_view_data(*v), len, offset, (unsigned)arg_num(argv[4]));
  return 0;
}

/* file-write PATH OFFSET LEN SEED READY GO: write through a view (no flush),
 * signal READY, wait for GO, close everything. */
static int role_file_write(int argc, char **argv) {
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  int rc;
  CHILD_CHECK(argc == 7, 90);
  rc = write_file_view(argv, &f, &m, &v);
  if (rc != 0)
    return rc;
  CHILD_CHECK(support_touch(argv[5]) == 0, 4);
  CHILD_CHECK(support_wait_for_file(argv[6], NULL, WAIT_MS) == 0, 5);
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  pmmf_file_close(f);
  return 0;
}

/* file-write-sync PATH OFFSET LEN SEED READY: write through a view, flush
 * SYNC, signal READY, then wait to be killed. */
static int role_file_write_sync(int argc, char **argv) {
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  int rc;
  CHILD_CHECK(argc == 6, 90);
  rc = write_file_view(argv, &f, &m, &v);
  if (rc != 0)
    return rc;
  CHILD_CHECK(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC) == PMMF_OK, 4);
  CHILD_CHECK(support_touch(argv[5]) == 0, 5);
  /* The parent kills this process while it sleeps here. */
  support_sleep_ms(WAIT_MS);
  return 6;
}

/* exclusive-hold PATH READY GO: hold an EXCLUSIVE open until GO. */
static int role_exclusive_hold(int argc, char **argv) {
  pmmf_file *f = NULL;
  CHILD_CHECK(argc == 4, 90);
  CHILD_CHECK(pmmf_file_open(&f, argv[1], PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE) == PMMF_OK, 1);
  CHILD_CHECK(support_touch(argv[2]) == 0, 2);
  CHILD_CHECK(support_wait_for_file(argv[3], NULL, WAIT_MS) == 0, 3);
  CHILD_CHECK(pmmf_file_close(f) == PMMF_OK, 4);
  return 0;
}

/* open-try PATH FLAGS: exit code = -(status of pmmf_file_open). */
static int role_open_try(int argc, char **argv) {
  pmmf_file *f = NULL;
  int rc;
  CHILD_CHECK(argc == 3, 90);
  rc = pmmf_file_open(&f, argv[1], (unsigned)arg_num(argv[2]));
  if (rc == PMMF_OK)
    pmmf_file_close(f);
  return -rc;
}

/* increment NAME COUNT READY GO: open by name; after GO, add 1 to the counter
 * at offset 0 and 2 to the one at offset 64, COUNT times each. */
static int role_increment(int argc, char **argv) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  atomic_uint *one, *two;
  long long i, count;
  CHILD_CHECK(argc == 5, 90);
  count = arg_num(argv[2]);
  CHILD_CHECK(pmmf_map_shared(&m, argv[1], 0, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_ONLY, NULL) ==
                  PMMF_OK,
              1);
  CHILD_CHECK(pmmf_view_map(&v, m, 0, 128, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 2);
  one = (atomic_uint *)pmmf_view_data(v);
  two = (atomic_uint *)((char *)pmmf_view_data(v) + 64);
  CHILD_CHECK(support_touch(argv[3]) == 0, 3);
  CHILD_CHECK(support_wait_for_file(argv[4], NULL, WAIT_MS) == 0, 4);
  for (i = 0; i < count; i++) {
    atomic_fetch_add_explicit(one, 1u, memory_order_relaxed);
    atomic_fetch_add_explicit(two, 2u, memory_order_relaxed);
  }
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  return 0;
}

/* race NAME SIZE INDEX GO OPENED DONE: after GO, OPEN_OR_CREATE; count this
 * opener in the object, signal OPENED, hold the map until DONE. Exit 10 if
 * this process created the object, 20 if it opened it. */
static int role_race(int argc, char **argv) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  uint64_t size;
  int created = -1;
  long long index;
  CHILD_CHECK(argc == 7, 90);
  size = (uint64_t)arg_num(argv[2]);
  index = arg_num(argv[3]);
  CHILD_CHECK(support_wait_for_file(argv[4], NULL, WAIT_MS) == 0, 1);
  CHILD_CHECK(pmmf_map_shared(&m, argv[1], size, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                              &created) == PMMF_OK,
              2);
  CHILD_CHECK(created == 0 || created == 1, 3);
  CHILD_CHECK(pmmf_map_size(m) == size, 4);
  CHILD_CHECK(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 5);
  atomic_fetch_add((atomic_uint *)pmmf_view_data(v), 1u);
  ((unsigned char *)pmmf_view_data(v))[64 + index] = (unsigned char)(index + 1);
  CHILD_CHECK(support_touch(argv[5]) == 0, 6);
  CHILD_CHECK(support_wait_for_file(argv[6], NULL, WAIT_MS) == 0, 7);
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  return created ? 10 : 20;
}

/* probe COOKIE HANDLE...: bit i of the exit code is set if HANDLE i is valid
 * here and reads the COOKIE. Runs before this process opens anything. */
static int role_probe(int argc, char **argv) {
  size_t len;
  char buf[64];
  int i, bits = 0;
  CHILD_CHECK(argc >= 3 && argc <= 8, 90);
  len = strlen(argv[1]);
  CHILD_CHECK(len < sizeof buf, 91);
  for (i = 2; i < argc; i++) {
    memset(buf, 0, sizeof buf);
    if (support_handle_read((intptr_t)arg_num(argv[i]), buf, len) == 0 &&
        memcmp(buf, argv[1], len) == 0)
      bits |= 1 << (i - 2);
  }
  return bits;
}

/* The file of round R of an exclusive race: PREFIX-R.SUFFIX (SUFFIX "bin"
 * for the raced file). */
static const char *race_file(char *buf, size_t cap, const char *prefix, long long round,
                             const char *suffix) {
  snprintf(buf, cap, "%s-%lld.%s", prefix, round, suffix);
  return buf;
}

/* The record a winner writes at the start of the raced file. */
static void race_record(char *buf, size_t cap, long long round, long long index) {
  memset(buf, 0, cap);
  snprintf(buf, cap, "round %lld won by child %lld", round, index);
}

#ifndef _WIN32
/* POSIX: the window between creating a file (O_CREAT|O_EXCL) and locking it
 * (flock) is widened to 10 ms through the OS-call table, so that another
 * opener's open and flock fall into it in most rounds, as they do now and
 * then when nothing slows the creator down. */
static pmmf__syscall_ptr race_real_open, race_real_flock;
static int race_just_created;

static int race_open(const char *path, int flags, ...) {
  unsigned mode = 0;
  int fd;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, unsigned);
    va_end(ap);
  }
  fd = ((int (*)(const char *, int, ...))race_real_open)(path, flags, mode);
  if (fd >= 0 && (flags & O_CREAT))
    race_just_created = 1;
  return fd;
}

static int race_flock(int fd, int op) {
  if (race_just_created) {
    race_just_created = 0;
    support_sleep_ms(10);
  }
  return ((int (*)(int, int))race_real_flock)(fd, op);
}
#endif

static void race_widen_window(void) {
#ifndef _WIN32
  race_real_open = pmmf__os_syscall_get("open");
  race_real_flock = pmmf__os_syscall_get("flock");
  if (race_real_open != NULL && race_real_flock != NULL) {
    pmmf__os_syscall_set("open", (pmmf__syscall_ptr)race_open);
    pmmf__os_syscall_set("flock", (pmmf__syscall_ptr)race_flock);
  }
#endif
}

/* excl-race PREFIX ROUNDS INDEX: for each round R, wait for PREFIX-R.go, then
 * open PREFIX-R.bin WRITE|EXCLUSIVE with CREATE or CREATE_NEW (by R and
 * INDEX). A winner writes its record, flushes it SYNC, signals
 * PREFIX-R.won<INDEX>, holds the file until PREFIX-R.done and signals
 * PREFIX-R.closed<INDEX> once it has let go; a loser (PMMF_E_SHARING,
 * PMMF_E_EXISTS) signals PREFIX-R.lost<INDEX>. Any other status ends the
 * child with 10 - status. */
static int role_excl_race(int argc, char **argv) {
  static const unsigned flag_sets[] = {
      PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE,
      PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW | PMMF_OPEN_EXCLUSIVE,
      PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE,
  };
  char path[512], sig[512], record[64], suffix[32];
  long long round, rounds, index;
  CHILD_CHECK(argc == 4, 90);
  rounds = arg_num(argv[2]);
  index = arg_num(argv[3]);
  race_widen_window();
  for (round = 0; round < rounds; round++) {
    pmmf_file *f = NULL;
    pmmf_map *m = NULL;
    pmmf_view *v = NULL;
    int rc;
    race_file(path, sizeof path, argv[1], round, "bin");
    CHILD_CHECK(support_wait_for_file(race_file(sig, sizeof sig, argv[1], round, "go"), NULL,
                                      WAIT_MS) == 0,
                1);
    rc = pmmf_file_open(&f, path, flag_sets[(size_t)(round + index) % 3]);
    if (rc == PMMF_E_SHARING || rc == PMMF_E_EXISTS) {
      snprintf(suffix, sizeof suffix, "lost%lld", index);
      CHILD_CHECK(support_touch(race_file(sig, sizeof sig, argv[1], round, suffix)) == 0, 2);
      continue;
    }
    if (rc != PMMF_OK)
      return 10 - rc;
    CHILD_CHECK(pmmf_map_file(&m, f, 4096, PMMF_ACCESS_WRITE, PMMF_MAP_GROW) == PMMF_OK, 3);
    CHILD_CHECK(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 4);
    race_record(record, sizeof record, round, index);
    memcpy(pmmf_view_data(v), record, sizeof record);
    CHILD_CHECK(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC) == PMMF_OK, 5);
    snprintf(suffix, sizeof suffix, "won%lld", index);
    CHILD_CHECK(support_touch(race_file(sig, sizeof sig, argv[1], round, suffix)) == 0, 6);
    CHILD_CHECK(support_wait_for_file(race_file(sig, sizeof sig, argv[1], round, "done"), NULL,
                                      WAIT_MS) == 0,
                7);
    CHILD_CHECK(pmmf_view_unmap(v) == PMMF_OK, 8);
    CHILD_CHECK(pmmf_map_close(m) == PMMF_OK, 9);
    CHILD_CHECK(pmmf_file_close(f) == PMMF_OK, 10);
    snprintf(suffix, sizeof suffix, "closed%lld", index);
    CHILD_CHECK(support_touch(race_file(sig, sizeof sig, argv[1], round, suffix)) == 0, 11);
  }
  return 0;
}

static const struct support_role roles[] = {
    {"shm-write", role_shm_write},
    {"shm-check", role_shm_check},
    {"shm-create", role_shm_create},
    {"file-write", role_file_write},
    {"file-write-sync", role_file_write_sync},
    {"exclusive-hold", role_exclusive_hold},
    {"open-try", role_open_try},
    {"increment", role_increment},
    {"race", role_race},
    {"probe", role_probe},
    {"excl-race", role_excl_race},
};

/* ------------------------------------------------------------------------- */
/* Parent side. */

static support_child *start_checked(support_child *child) {
  if (child == NULL)
    fail_msg("could not start a child process");
  return child;
}

static void expect_exit(support_child *child, int code) {
  int got = support_child_wait(child);
  if (got != code)
    fail_msg("child exited with %d, expected %d", got, code);
}

static void wait_file(const char *path, support_child *child) {
  if (support_wait_for_file(path, child, WAIT_MS) != 0)
    fail_msg("the child did not signal %s", path);
}

/* A child opens the object by name and writes; the parent's live view and a
 * new map both see the bytes. And the other way round. */
static void test_named_across_processes(void **state) {
  const char *name = support_shm_name("byname");
  pmmf_map *m = NULL, *o = NULL;
  pmmf_view *v = NULL, *w = NULL;
  char a[32], b[32];
  (void)state;
  assert_ok(pmmf_map_shared(&m, name, 3 * KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  expect_exit(start_checked(support_child_start("shm-write", name, num(a, sizeof a, 70001),
                                                num(b, sizeof b, 5000), "41", NULL)),
              0);
  assert_pattern((char *)pmmf_view_data(v) + 70001, 5000, 70001, 41);
  assert_int_equal(support_check_byte(pmmf_view_data(v), 70001, 0), -1);
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
  assert_ok(pmmf_view_map(&w, o, 70001, 5000, PMMF_ACCESS_READ, 0));
  assert_pattern(pmmf_view_data(w), 5000, 70001, 41);
  assert_ok(pmmf_view_unmap(w));
  assert_ok(pmmf_map_close(o));
  /* The parent writes, a child checks. */
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_map(&v, m, 99, 1000, PMMF_ACCESS_WRITE, 0));
  support_fill(pmmf_view_data(v), 1000, 99, 42);
  expect_exit(start_checked(support_child_start("shm-check", name, "99", "1000", "42", NULL)), 0);
  /* The check can fail: a wrong seed is refused. */
  expect_exit(start_checked(support_child_start("shm-check", name, "99", "1000", "43", NULL)), 3);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_shm_unlink(name));
}

/* The creator exits: on Windows the object goes with its last handle; on
 * POSIX it stays, with its bytes, until unlinked. */
static void test_lifetime_after_creator_exits(void **state) {
  const char *name = support_shm_name("orphan");
  pmmf_map *o = SENTINEL;
  pmmf_view *v = NULL;
  (void)state;
  expect_exit(start_checked(support_child_start("shm-create", name, "65536", "44", NULL)), 0);
  if (support_is_win32()) {
    assert_false(support_shm_exists(name));
    assert_status(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL),
                  PMMF_E_NOT_FOUND);
    assert_ptr_equal(o, SENTINEL);
    assert_ok(pmmf_shm_unlink(name));
    return;
  }
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
  assert_int_equal(pmmf_map_size(o), KIB64);
  assert_ok(pmmf_view_map(&v, o, 0, 0, PMMF_ACCESS_READ, 0));
  assert_pattern(pmmf_view_data(v), KIB64, 0, 44);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(o));
  assert_ok(pmmf_shm_unlink(name));
  assert_status(pmmf_shm_unlink(name), PMMF_E_NOT_FOUND);
}

/* A child maps the same file: the parent's view, mapped before the child
 * started, sees the child's write while the child is still running. */
static void test_file_views_coherent(void **state) {
  const char *path = support_path("coherent.bin");
  const char *ready = support_path("coherent.ready");
  const char *go = support_path("coherent.go");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  support_child *child;
  (void)state;
  assert_int_equal(support_write_pattern(path, 200000, 1), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  child = start_checked(
      support_child_start("file-write", path, "99999", "1000", "45", ready, go, NULL));
  wait_file(ready, child);
  assert_true(support_child_running(child));
  assert_pattern((char *)pmmf_view_data(v) + 99999, 1000, 99999, 45);
  assert_pattern(pmmf_view_data(v), 99999, 0, 1);
  assert_int_equal(support_touch(go), 0);
  expect_exit(child, 0);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

/* A child writes through a view, flushes SYNC and is killed: the bytes are
 * in the file. */
static void test_killed_after_sync_flush(void **state) {
  const char *path = support_path("killed.bin");
  const char *ready = support_path("killed.ready");
  support_child *child;
  unsigned char *data;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 3 * KIB64, 2), 0);
  child = start_checked(
      support_child_start("file-write-sync", path, "65537", "70000", "46", ready, NULL));
  wait_file(ready, child);
  support_child_kill(child);
  data = support_read_file(path, &len);
  assert_non_null(data);
  assert_int_equal(len, 3 * KIB64);
  assert_pattern(data, 65537, 0, 2);
  assert_pattern(data + 65537, 70000, 65537, 46);
  assert_pattern(data + 65537 + 70000, 3 * KIB64 - 65537 - 70000, 65537 + 70000, 2);
  free(data);
}

static int try_open_in_child(const char *path, unsigned flags) {
  char f[16];
  return support_child_wait(
      start_checked(support_child_start("open-try", path, num(f, sizeof f, flags), NULL)));
}

/* EXCLUSIVE held by a child: the parent's opens fail with PMMF_E_SHARING
 * (TRUNCATE truncating nothing), and work once the child lets go. */
static void test_exclusive_held_by_child(void **state) {
  const char *path = support_path("excl1.bin");
  const char *ready = support_path("excl1.ready");
  const char *go = support_path("excl1.go");
  pmmf_file *f = SENTINEL;
  support_child *child;
  (void)state;
  assert_int_equal(support_write_pattern(path, 5000, 3), 0);
  child = start_checked(support_child_start("exclusive-hold", path, ready, go, NULL));
  wait_file(ready, child);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE), PMMF_E_SHARING);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE), PMMF_E_SHARING);
  assert_ptr_equal(f, SENTINEL);
  assert_int_equal(support_touch(go), 0);
  expect_exit(child, 0);
  assert_true(support_file_is_pattern(path, 5000, 3));
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE));
  assert_ok(pmmf_file_close(f));
}

/* EXCLUSIVE held by the parent, by its file and then by a view alone: the
 * child's open fails with PMMF_E_SHARING, and works once all are closed. */
static void test_exclusive_held_by_parent(void **state) {
  const char *path = support_path("excl2.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 5000, 4), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
  assert_int_equal(try_open_in_child(path, PMMF_OPEN_READ), -PMMF_E_SHARING);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_map_close(m));
  assert_int_equal(try_open_in_child(path, PMMF_OPEN_READ), -PMMF_E_SHARING);
  assert_ok(pmmf_view_unmap(v));
  assert_int_equal(try_open_in_child(path, PMMF_OPEN_READ), 0);
  assert_int_equal(try_open_in_child(path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE), 0);
}

/* A plain open in the parent keeps a child's EXCLUSIVE open out, while other
 * plain opens share. */
static void test_exclusive_blocked_by_parent(void **state) {
  const char *path = support_path("excl3.bin");
  pmmf_file *f = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 5000, 5), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_int_equal(try_open_in_child(path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE),
                   -PMMF_E_SHARING);
  assert_int_equal(try_open_in_child(path, PMMF_OPEN_WRITE), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(try_open_in_child(path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE), 0);
  assert_true(support_file_is_pattern(path, 5000, 5));
}

/* Several processes add to two counters in one named object with atomics,
 * the parent too, all at once: the totals are exact. */
static void test_atomic_counters(void **state) {
  enum { CHILDREN = 4, COUNT = 20000 };
  const char *name = support_shm_name("atomic");
  const char *go = support_path("atomic.go");
  support_child *children[CHILDREN];
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  atomic_uint *one, *two;
  char count[16], ready[32];
  int i;
  (void)state;
  assert_ok(pmmf_map_shared(&m, name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL));
  assert_ok(pmmf_view_map(&v, m, 0, 128, PMMF_ACCESS_WRITE, 0));
  one = (atomic_uint *)pmmf_view_data(v);
  two = (atomic_uint *)((char *)pmmf_view_data(v) + 64);
  for (i = 0; i < CHILDREN; i++) {
    snprintf(ready, sizeof ready, "atomic.ready%d", i);
    children[i] = start_checked(support_child_start("increment", name,
                                                    num(count, sizeof count, COUNT),
                                                    support_path(ready), go, NULL));
  }
  for (i = 0; i < CHILDREN; i++) {
    snprintf(ready, sizeof ready, "atomic.ready%d", i);
    wait_file(support_path(ready), children[i]);
  }
  assert_int_equal(support_touch(go), 0);
  for (i = 0; i < COUNT; i++) {
    atomic_fetch_add_explicit(one, 1u, memory_order_relaxed);
    atomic_fetch_add_explicit(two, 2u, memory_order_relaxed);
  }
  for (i = 0; i < CHILDREN; i++)
    expect_exit(children[i], 0);
  assert_int_equal(atomic_load(one), (CHILDREN + 1) * COUNT);
  assert_int_equal(atomic_load(two), 2 * (CHILDREN + 1) * COUNT);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_shm_unlink(name));
}

/* N processes call OPEN_OR_CREATE at once: exactly one creates, all get the
 * same size and the same object. (They hold it until all have opened: on
 * Windows an object nobody holds is gone, and a later opener would create a
 * new one.) */
static void test_create_race(void **state) {
  enum { CHILDREN = 5 };
  const char *name = support_shm_name("race");
  const char *go = support_path("race.go");
  const char *done = support_path("race.done");
  support_child *children[CHILDREN];
  pmmf_map *o = NULL;
  pmmf_view *v = NULL;
  char index[16], opened[32], size[32];
  int i, creators = 0, openers = 0;
  (void)state;
  for (i = 0; i < CHILDREN; i++) {
    snprintf(opened, sizeof opened, "race.opened%d", i);
    children[i] = start_checked(support_child_start(
        "race", name, num(size, sizeof size, (long long)(2 * KIB64)),
        num(index, sizeof index, i), go, support_path(opened), done, NULL));
  }
  assert_int_equal(support_touch(go), 0);
  for (i = 0; i < CHILDREN; i++) {
    snprintf(opened, sizeof opened, "race.opened%d", i);
    wait_file(support_path(opened), children[i]);
  }
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
  assert_int_equal(pmmf_map_size(o), 2 * KIB64);
  assert_ok(pmmf_view_map(&v, o, 0, 128, PMMF_ACCESS_READ, 0));
  assert_int_equal(atomic_load((atomic_uint *)pmmf_view_data(v)), CHILDREN);
  for (i = 0; i < CHILDREN; i++)
    assert_int_equal(((unsigned char *)pmmf_view_data(v))[64 + i], i + 1);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(o));
  assert_int_equal(support_touch(done), 0);
  for (i = 0; i < CHILDREN; i++) {
    int code = support_child_wait(children[i]);
    if (code == 10)
      creators++;
    else if (code == 20)
      openers++;
    else
      fail_msg("race child %d exited with %d", i, code);
  }
  assert_int_equal(creators, 1);
  assert_int_equal(openers, CHILDREN - 1);
  assert_ok(pmmf_shm_unlink(name));
}

/* Children never inherit the library's handles: a child started with every
 * inheritable handle passed on finds the numeric values of a file's, a named
 * map's and an anonymous map's handle invalid (or something else), while
 * inheritable duplicates of the same handles work there. */
static void test_handles_not_inherited(void **state) {
  const char *path = support_path("inherit.bin");
  const char *name = support_shm_name("inherit");
  pmmf_file *f = NULL;
  pmmf_map *shm = NULL, *anon = NULL;
  pmmf_view *v = NULL;
  char cookie[48], h[6][32];
  intptr_t handles[6];
  int i, code;
  (void)state;
  snprintf(cookie, sizeof cookie, "pmmf-cookie-%lu", support_os_pid());
  assert_int_equal(support_write_file(path, cookie, strlen(cookie)), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_shared(&shm, name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL));
  assert_ok(pmmf_view_map(&v, shm, 0, 0, PMMF_ACCESS_WRITE, 0));
  memcpy(pmmf_view_data(v), cookie, strlen(cookie));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_anonymous(&anon, 4096, 0));
  assert_ok(pmmf_view_map(&v, anon, 0, 0, PMMF_ACCESS_WRITE, 0));
  memcpy(pmmf_view_data(v), cookie, strlen(cookie));
  assert_ok(pmmf_view_unmap(v));
  handles[0] = f->handle;
  handles[1] = shm->os.handle;
  handles[2] = anon->os.handle;
  for (i = 0; i < 3; i++) {
    handles[3 + i] = support_handle_dup_inheritable(handles[i]);
    assert_int_not_equal(handles[3 + i], -1);
  }
  /* Every one of them reads the cookie here. */
  for (i = 0; i < 6; i++) {
    char buf[48] = {0};
    assert_int_equal(support_handle_read(handles[i], buf, strlen(cookie)), 0);
    assert_memory_equal(buf, cookie, strlen(cookie));
    num(h[i], sizeof h[i], (long long)handles[i]);
  }
  code = support_child_wait(start_checked(
      support_child_start("probe", cookie, h[0], h[1], h[2], h[3], h[4], h[5], NULL)));
  /* Bits 0-2: the library's handles (never), 3-5: the duplicates (always). */
  assert_int_equal(code, 070);
  for (i = 3; i < 6; i++)
    support_handle_close(handles[i]);
  assert_ok(pmmf_map_close(anon));
  assert_ok(pmmf_map_close(shm));
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_shm_unlink(name));
}

/* Three processes race to open one new path WRITE|EXCLUSIVE, with CREATE or
 * CREATE_NEW, round after round (on POSIX with the creator slowed down
 * between its O_CREAT and its flock, so that another opener locks the new
 * file first). In every round exactly one wins; while it holds the file, a
 * fourth EXCLUSIVE open (the parent's) is refused; and once the winner has
 * let go, the file at the path is the winner's, with its SYNC-flushed record.
 * A loser must never have removed the winner's file. */
static void test_exclusive_create_race(void **state) {
  enum { CHILDREN = 3 };
  const char *prefix = support_path("xrace");
  support_child *children[CHILDREN];
  long long rounds = support_is_win32() ? 30 : 60;
  char path[512], sig[512], suffix[32], record[64], n[2][16];
  long long round;
  int i;
  (void)state;
  for (i = 0; i < CHILDREN; i++)
    children[i] = start_checked(support_child_start(
        "excl-race", prefix, num(n[0], sizeof n[0], rounds), num(n[1], sizeof n[1], i), NULL));
  for (round = 0; round < rounds; round++) {
    pmmf_file *f = SENTINEL;
    unsigned char *data;
    size_t len = 0;
    int rc, winner = -1, winners = 0;
    race_file(path, sizeof path, prefix, round, "bin");
    assert_int_equal(support_touch(race_file(sig, sizeof sig, prefix, round, "go")), 0);
    for (i = 0; i < CHILDREN; i++) {
      char won[512], lost[512];
      uint64_t start = support_os_ms();
      snprintf(suffix, sizeof suffix, "won%d", i);
      race_file(won, sizeof won, prefix, round, suffix);
      snprintf(suffix, sizeof suffix, "lost%d", i);
      race_file(lost, sizeof lost, prefix, round, suffix);
      while (!support_file_exists(won) && !support_file_exists(lost)) {
        if (!support_child_running(children[i]) || support_os_ms() - start > WAIT_MS)
          fail_msg("round %lld: child %d ended or hung (exit %d)", round, i,
                   support_child_running(children[i]) ? -2 : support_child_wait(children[i]));
        support_sleep_ms(1);
      }
      if (support_file_exists(won)) {
        winners++;
        winner = i;
      }
    }
    if (winners != 1)
      fail_msg("round %lld: %d processes hold the file EXCLUSIVE", round, winners);
    /* While the winner holds it, nobody else gets it: not by a new file at
     * the path either. */
    rc = pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE);
    if (rc == PMMF_OK)
      pmmf_file_close(f);
    if (rc != PMMF_E_SHARING)
      fail_msg("round %lld: while child %d holds the file EXCLUSIVE, another EXCLUSIVE open "
               "returned %s", round, winner, pmmf_status_name(rc));
    assert_int_equal(support_touch(race_file(sig, sizeof sig, prefix, round, "done")), 0);
    snprintf(suffix, sizeof suffix, "closed%d", winner);
    wait_file(race_file(sig, sizeof sig, prefix, round, suffix), children[winner]);
    data = support_read_file(path, &len);
    if (data == NULL)
      fail_msg("round %lld: the winner's file is gone from the path", round);
    race_record(record, sizeof record, round, winner);
    if (len != 4096 || memcmp(data, record, sizeof record) != 0)
      fail_msg("round %lld: the file at the path is not the winner's (%lu bytes: \"%.40s\")",
               round, (unsigned long)len, (const char *)data);
    free(data);
  }
  for (i = 0; i < CHILDREN; i++)
    expect_exit(children[i], 0);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      SUPPORT_SHM_TEST(test_named_across_processes),
      SUPPORT_SHM_TEST(test_lifetime_after_creator_exits),
      SUPPORT_SHM_TEST(test_file_views_coherent),
      SUPPORT_SHM_TEST(test_killed_after_sync_flush),
      SUPPORT_SHM_TEST(test_exclusive_held_by_child),
      SUPPORT_SHM_TEST(test_exclusive_held_by_parent),
      SUPPORT_SHM_TEST(test_exclusive_blocked_by_parent),
      SUPPORT_SHM_TEST(test_atomic_counters),
      SUPPORT_SHM_TEST(test_create_race),
      SUPPORT_SHM_TEST(test_handles_not_inherited),
      SUPPORT_SHM_TEST(test_exclusive_create_race),
      cmocka_unit_test(support_shm_nothing_left),
  };
  int role = support_child_dispatch(argc, argv, roles, SUPPORT_ARRAY_LEN(roles));
  if (role >= 0)
    return role;
  return cmocka_run_group_tests_name("process", tests, support_group_setup,
                                     support_group_teardown);
}
