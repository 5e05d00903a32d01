/* SPDX-License-Identifier: MIT */
/*
 * test_crash.c - durability when the writer dies: a child process writes
 * records through a view, flushing each one SYNC, and is killed at a
 * different point in every trial (SIGKILL / TerminateProcess); every record
 * whose flush returned is in the file, records never written are untouched,
 * and the one in flight holds only old or new bytes. Also: writes a killed
 * process never flushed are still in the file (page cache / system cache),
 * on both OSes, because users ask.
 */
#include "support.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Records straddle page and 64 KiB boundaries. */
#define RECORD ((size_t)4096 + 123)
#define RECORDS 200u
#define DATA_SEED 61u
#define WAIT_MS 60000u

#if ATOMIC_INT_LOCK_FREE != 2
#error "atomic_uint is not lock-free on this target"
#endif

#define CHILD_CHECK(cond, code)                                                            \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      fprintf(stderr, "child: step %d failed: %s (last OS error %ld)\n", (code), #cond,   \
              pmmf_last_os_error());                                                       \
      return (code);                                                                       \
    }                                                                                      \
  } while (0)

/* writer DATA PROGRESS: write record i, flush it SYNC, then publish i + 1 in
 * the progress file's first word; loop until killed (or all are written). */
static int role_writer(int argc, char **argv) {
  pmmf_file *f = NULL, *p = NULL;
  pmmf_map *m = NULL, *pm = NULL;
  pmmf_view *v = NULL, *pv = NULL;
  atomic_uint *progress;
  unsigned i;
  CHILD_CHECK(argc == 3, 90);
  CHILD_CHECK(pmmf_file_open(&f, argv[1], PMMF_OPEN_WRITE) == PMMF_OK, 1);
  CHILD_CHECK(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 2);
  CHILD_CHECK(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 3);
  CHILD_CHECK(pmmf_file_open(&p, argv[2], PMMF_OPEN_WRITE) == PMMF_OK, 4);
  CHILD_CHECK(pmmf_map_file(&pm, p, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 5);
  CHILD_CHECK(pmmf_view_map(&pv, pm, 0, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 6);
  progress = pmmf_view_data(pv);
  for (i = 0; i < RECORDS; i++) {
    size_t at = (size_t)i * RECORD;
    support_fill((char *)pmmf_view_data(v) + at, RECORD, at, DATA_SEED);
    CHILD_CHECK(pmmf_view_flush(v, at, RECORD, PMMF_FLUSH_SYNC) == PMMF_OK, 7);
    atomic_store(progress, i + 1);
  }
  /* All written: wait to be killed like the others. */
  support_sleep_ms(WAIT_MS);
  return 8;
}

/* unflushed DATA READY: write a pattern through a view, never flush, signal
 * READY, wait to be killed. */
static int role_unflushed(int argc, char **argv) {
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  CHILD_CHECK(argc == 3, 90);
  CHILD_CHECK(pmmf_file_open(&f, argv[1], PMMF_OPEN_WRITE) == PMMF_OK, 1);
  CHILD_CHECK(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 2);
  CHILD_CHECK(pmmf_view_map(&v, m, 99999, 100000, PMMF_ACCESS_WRITE, 0) == PMMF_OK, 3);
  support_fill(pmmf_view_data(v), 100000, 99999, 77);
  CHILD_CHECK(support_touch(argv[2]) == 0, 4);
  support_sleep_ms(WAIT_MS);
  return 5;
}

static const struct support_role roles[] = {
    {"writer", role_writer},
    {"unflushed", role_unflushed},
};

/* ------------------------------------------------------------------------- */

static support_child *start_checked(support_child *child) {
  if (child == NULL)
    fail_msg("could not start a child process");
  return child;
}

/* A small deterministic generator: the kill points differ per trial and are
 * the same in every run (reproducible failures). */
static unsigned next_random(unsigned *state) {
  *state = *state * 1103515245u + 12345u;
  return (*state >> 16) & 0x7fffu;
}

/* One trial: kill the writer once it has published `target` flushed records
 * (it goes on writing until the kill lands), then check the file. Returns the
 * number of records flushed before the kill. */
static unsigned trial(const char *data, const char *progress_path, unsigned target) {
  const size_t size = (size_t)RECORDS * RECORD;
  unsigned char *zero = calloc(1, size);
  unsigned char *bytes;
  pmmf_file *pf = NULL;
  pmmf_map *pm = NULL;
  pmmf_view *pv = NULL;
  const atomic_uint *progress;
  support_child *child;
  unsigned flushed, i;
  uint64_t start;
  size_t len = 0, at;

  assert_non_null(zero);
  assert_int_equal(support_write_file(data, zero, size), 0);
  assert_int_equal(support_write_file(progress_path, zero, 4096), 0);
  assert_ok(pmmf_file_open(&pf, progress_path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&pm, pf, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&pv, pm, 0, 0, PMMF_ACCESS_READ, 0));
  progress = pmmf_view_data(pv);

  child = start_checked(support_child_start("writer", data, progress_path, NULL));
  start = support_os_ms();
  while (atomic_load(progress) < target) {
    if (!support_child_running(child))
      fail_msg("the writer ended early with %d", support_child_wait(child));
    if (support_os_ms() - start > WAIT_MS)
      fail_msg("the writer made no progress");
    support_sleep_ms(1);
  }
  support_child_kill(child);
  flushed = atomic_load(progress);
  assert_ok(pmmf_view_unmap(pv));
  assert_ok(pmmf_map_close(pm));
  assert_ok(pmmf_file_close(pf));

  bytes = support_read_file(data, &len);
  assert_non_null(bytes);
  assert_int_equal(len, size);
  /* Every record whose flush returned is there, whole. */
  assert_pattern(bytes, (size_t)flushed * RECORD, 0, DATA_SEED);
  /* After it: each byte is either untouched (0) or the new pattern byte, and
   * records two past the last flushed one were never begun. */
  for (at = (size_t)flushed * RECORD; at < size; at++) {
    unsigned char want = support_pattern(at, DATA_SEED);
    if (bytes[at] != 0 && bytes[at] != want)
      fail_msg("byte %lu after the last flushed record is %u (neither 0 nor %u)",
               (unsigned long)at, bytes[at], want);
  }
  i = flushed + 2;
  if (i < RECORDS)
    assert_memory_equal(bytes + (size_t)i * RECORD, zero, size - (size_t)i * RECORD);
  free(bytes);
  free(zero);
  return flushed;
}

static void test_killed_at_random_points(void **state) {
  const char *data = support_path("crash.bin");
  const char *progress = support_path("crash.progress");
  const unsigned trials = 30;
  unsigned seed = 20261126u, t, total = 0;
  (void)state;
  for (t = 0; t < trials; t++) {
    unsigned target = 1 + next_random(&seed) % (RECORDS - 1);
    total += trial(data, progress, target);
  }
  print_message("# report: %u kills at random points, %u flushed records checked\n", trials,
                total);
}

static void test_unflushed_writes_survive_kill(void **state) {
  const char *data = support_path("unflushed.bin");
  const char *ready = support_path("unflushed.ready");
  support_child *child;
  unsigned char *bytes;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(data, 300000, 5), 0);
  child = start_checked(support_child_start("unflushed", data, ready, NULL));
  if (support_wait_for_file(ready, child, WAIT_MS) != 0)
    fail_msg("the child did not signal %s", ready);
  support_child_kill(child);
  /* The killed process's dirty pages belong to the file's cache, not to the
   * process: they are in the file, and reach the disk in due course. */
  bytes = support_read_file(data, &len);
  assert_non_null(bytes);
  assert_int_equal(len, 300000);
  assert_pattern(bytes, 99999, 0, 5);
  assert_pattern(bytes + 99999, 100000, 99999, 77);
  assert_pattern(bytes + 199999, 300000 - 199999, 199999, 5);
  free(bytes);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_killed_at_random_points),
      cmocka_unit_test(test_unflushed_writes_survive_kill),
  };
  int role = support_child_dispatch(argc, argv, roles, SUPPORT_ARRAY_LEN(roles));
  if (role >= 0)
    return role;
  return cmocka_run_group_tests_name("crash", tests, support_group_setup,
                                     support_group_teardown);
}
