/* SPDX-License-Identifier: MIT */
/*
 * test_grow.c - conformance of growth against another party: PMMF_MAP_GROW
 * only ever extends. Another pmmf_file on the same path (as another process
 * would) grows the file and SYNC-flushes data beyond our old size between
 * our size read and our growth; the window is opened deterministically by
 * swapping the size call (fstat / GetFileSizeEx) in the OS-call table for a
 * wrapper that runs the other party once, right after the real call. The
 * other party's size and bytes must survive our growth, and our failed growth
 * too (an injected failure of the growth call: a rollback to the stale size
 * would cut them). Also the sparse flags: PMMF_MAP_SPARSE, PMMF_OPEN_SPARSE.
 */
#include "support.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#  include <windows.h>
#  define SIZE_CALL "GetFileSizeEx"
#else
#  include <sys/stat.h>
#  define SIZE_CALL "fstat"
#endif

#define KIB64 ((uint64_t)65536)
#define FIRST_SIZE 8192u  /* the file's size when we read it */
#define OUR_SIZE KIB64    /* the size our GROW asks for */
#define DATA_LEN 100u

/* The other party's part, run from inside our size call. */
static struct {
  const char *path;
  uint64_t size;          /* it grows the file to this size */
  uint64_t data_at;       /* and SYNC-writes DATA_LEN bytes of pattern 77 here */
  const char *fail_call;  /* then arms a failure of this call (NULL: none) */
  int armed;              /* the next size call runs it */
  int ran;
  int status;             /* its first failure */
} other;

static pmmf__syscall_ptr real_size_call;

static void other_party_run(void) {
  pmmf_file *g = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  int rc;

  other.armed = 0;
  other.ran = 1;
  rc = pmmf_file_open(&g, other.path, PMMF_OPEN_WRITE);
  if (rc == PMMF_OK)
    rc = pmmf_map_file(&m, g, other.size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW);
  if (rc == PMMF_OK)
    rc = pmmf_view_map(&v, m, other.data_at, DATA_LEN, PMMF_ACCESS_WRITE, 0);
  if (rc == PMMF_OK) {
    support_fill(pmmf_view_data(v), DATA_LEN, other.data_at, 77);
    rc = pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC);
  }
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  pmmf_file_close(g);
  other.status = rc;
  if (other.fail_call)
    pmmf__fault_arm(other.fail_call, 0, PMMF__FAULT_NO_SPACE);
}

#ifdef _WIN32
static BOOL WINAPI size_wrapper(HANDLE handle, PLARGE_INTEGER size) {
  BOOL ok = ((BOOL(WINAPI *)(HANDLE, PLARGE_INTEGER))real_size_call)(handle, size);
  if (other.armed)
    other_party_run();
  return ok;
}
#else
static int size_wrapper(int fd, struct stat *st) {
  int r = ((int (*)(int, struct stat *))real_size_call)(fd, st);
  if (other.armed)
    other_party_run();
  return r;
}
#endif

static void wrapper_install(void) {
  real_size_call = pmmf__os_syscall_get(SIZE_CALL);
  assert_non_null(real_size_call);
  assert_int_equal(pmmf__os_syscall_set(SIZE_CALL, (pmmf__syscall_ptr)size_wrapper), PMMF_OK);
}

static void wrapper_remove(void) {
  pmmf__fault_disarm();
  assert_int_equal(pmmf__os_syscall_set(SIZE_CALL, NULL), PMMF_OK);
}

/* The call that grows the file: fallocate where the library has it (older
 * builds: ftruncate); on Windows the section's creation (older builds set
 * the end of file first and then created the section). */
static const char *growth_call(void) {
  if (support_is_win32())
    return "CreateFileMappingW";
  return pmmf__os_syscall_get("fallocate") ? "fallocate" : "ftruncate";
}

/* The file holds FIRST_SIZE bytes of pattern 5 (except where the other party
 * wrote), is `size` bytes long, and has the other party's bytes. */
static void check_file(const char *path, uint64_t size) {
  unsigned char buf[DATA_LEN];
  unsigned char *head;
  size_t len = 0;
  assert_true(support_file_size(path) == (int64_t)size);
  head = support_read_file(path, &len);
  assert_non_null(head);
  assert_pattern(head, FIRST_SIZE, 0, 5);
  free(head);
  assert_int_equal(support_read_at(path, other.data_at, buf, DATA_LEN), 0);
  assert_pattern(buf, DATA_LEN, other.data_at, 77);
}

static pmmf_file *race_setup(const char *path, uint64_t other_size, uint64_t data_at,
                             const char *fail_call) {
  pmmf_file *f = NULL;
  assert_int_equal(support_write_pattern(path, FIRST_SIZE, 5), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  memset(&other, 0, sizeof other);
  other.path = path;
  other.size = other_size;
  other.data_at = data_at;
  other.fail_call = fail_call;
  wrapper_install();
  other.armed = 1;
  return f;
}

/* The other party grows the file beyond our size: our GROW leaves it so. */
static void test_grow_keeps_larger_file(void **state) {
  const char *path = support_path("grow-race.bin");
  const uint64_t other_size = 200000;
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  int rc;
  (void)state;
  f = race_setup(path, other_size, 100000, NULL);
  rc = pmmf_map_file(&m, f, OUR_SIZE, PMMF_ACCESS_WRITE, PMMF_MAP_GROW);
  wrapper_remove();
  assert_true(other.ran);
  assert_ok(other.status);
  assert_ok(rc);
  assert_int_equal(pmmf_map_size(m), OUR_SIZE);
  /* Our map works over the whole of its size. */
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_pattern(pmmf_view_data(v), FIRST_SIZE, 0, 5);
  assert_int_equal(support_check_byte((char *)pmmf_view_data(v) + FIRST_SIZE,
                                      (size_t)OUR_SIZE - FIRST_SIZE, 0),
                   -1);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  check_file(path, other_size);
}

/* The other party grows the file, but less than we ask for; then our growth
 * fails: the file keeps the other party's size and bytes, nothing of ours. */
static void test_failed_grow_keeps_other_growth(void **state) {
  const char *path = support_path("grow-fail.bin");
  const uint64_t other_size = 50000;
  pmmf_file *f;
  pmmf_map *m = SENTINEL;
  int rc;
  (void)state;
  f = race_setup(path, other_size, 20000, growth_call());
  rc = pmmf_map_file(&m, f, OUR_SIZE, PMMF_ACCESS_WRITE, PMMF_MAP_GROW);
  wrapper_remove();
  assert_true(other.ran);
  assert_ok(other.status);
  assert_status(rc, PMMF_E_NO_SPACE);
  assert_ptr_equal(m, SENTINEL);
  assert_ok(pmmf_file_close(f));
  check_file(path, other_size);
}

/* The same through pmmf_file_resize: growth racing a larger growth keeps
 * the larger file. */
static void test_resize_keeps_larger_file(void **state) {
  const char *path = support_path("resize-race.bin");
  const uint64_t other_size = 300000;
  uint64_t size = 0;
  pmmf_file *f;
  int rc;
  (void)state;
  f = race_setup(path, other_size, 250000, NULL);
  rc = pmmf_file_resize(f, OUR_SIZE);
  wrapper_remove();
  assert_ok(rc);
  assert_true(other.ran);
  assert_ok(other.status);
  assert_ok(pmmf_file_size(f, &size));
  assert_true(size == other_size);
  assert_ok(pmmf_file_close(f));
  check_file(path, other_size);
}

/* The sparse flags: growth as asked, zero-filled, usable; SPARSE without
 * GROW is refused (test_errors), and with GROW of a smaller size changes
 * nothing. */
static void test_sparse_flags(void **state) {
  const char *path = support_path("grow-sparse.bin");
  const char *path2 = support_path("grow-sparse-open.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1000, 6), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 3 * KIB64 + 1, PMMF_ACCESS_WRITE,
                          PMMF_MAP_GROW | PMMF_MAP_SPARSE));
  assert_true(support_file_size(path) == (int64_t)(3 * KIB64 + 1));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_pattern(pmmf_view_data(v), 1000, 0, 6);
  assert_int_equal(support_check_byte((char *)pmmf_view_data(v) + 1000, 3 * KIB64 + 1 - 1000, 0),
                   -1);
  memset(pmmf_view_data(v), 0xAB, (size_t)(3 * KIB64 + 1));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  m = NULL;
  assert_ok(pmmf_map_file(&m, f, 100, PMMF_ACCESS_WRITE, PMMF_MAP_GROW | PMMF_MAP_SPARSE));
  assert_int_equal(pmmf_map_size(m), 100);
  assert_ok(pmmf_map_close(m));
  assert_true(support_file_size(path) == (int64_t)(3 * KIB64 + 1));
  assert_ok(pmmf_file_close(f));

  /* PMMF_OPEN_SPARSE: resize and GROW of that file. */
  support_remove_file(path2);
  f = NULL;
  assert_ok(pmmf_file_open(&f, path2, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_SPARSE));
  assert_ok(pmmf_file_resize(f, 200000));
  assert_true(support_file_size(path2) == 200000);
  m = NULL;
  assert_ok(pmmf_map_file(&m, f, 300000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_true(support_file_size(path2) == 300000);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));

  /* A sparse anonymous map is zero-filled and writable like any other. */
  m = NULL;
  assert_ok(pmmf_map_anonymous(&m, 5 * KIB64, PMMF_MAP_SPARSE));
  v = NULL;
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(support_check_byte(pmmf_view_data(v), (size_t)(5 * KIB64), 0), -1);
  memset(pmmf_view_data(v), 1, (size_t)(5 * KIB64));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grow_keeps_larger_file),
      cmocka_unit_test(test_failed_grow_keeps_other_growth),
      cmocka_unit_test(test_resize_keeps_larger_file),
      cmocka_unit_test(test_sparse_flags),
  };
  return cmocka_run_group_tests_name("grow", tests, support_group_setup, support_group_teardown);
}
