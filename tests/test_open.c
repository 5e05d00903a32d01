/* SPDX-License-Identifier: MIT */
/*
 * test_open.c - conformance of pmmf_file_open and pmmf_file_close: the open
 * flags, CREATE / CREATE_NEW / TRUNCATE, missing files and directories, and
 * PMMF_OPEN_EXCLUSIVE within one process (conflicts both ways, held by maps
 * and views, a refused TRUNCATE truncates nothing).
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static uint64_t size_of(pmmf_file *f) {
  uint64_t size = UINT64_MAX;
  assert_ok(pmmf_file_size(f, &size));
  return size;
}

static void test_open_read_existing(void **state) {
  const char *path = support_path("read1.bin");
  pmmf_file *f = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1, 11), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_non_null(f);
  assert_int_equal(size_of(f), 1);
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 1, 11));
}

static void test_open_write_keeps_contents(void **state) {
  const char *path = support_path("keep.bin");
  pmmf_file *f = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 70000, 12), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_int_equal(size_of(f), 70000);
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  assert_int_equal(size_of(f), 70000);
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 70000, 12));
}

static void test_open_missing(void **state) {
  static const unsigned flag_sets[] = {PMMF_OPEN_READ, PMMF_OPEN_WRITE,
                                       PMMF_OPEN_READ | PMMF_OPEN_WRITE,
                                       PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE,
                                       PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE};
  const char *path = support_path("missing.bin");
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(flag_sets); i++) {
    pmmf_file *f = SENTINEL;
    assert_status(pmmf_file_open(&f, path, flag_sets[i]), PMMF_E_NOT_FOUND);
    assert_ptr_equal(f, SENTINEL);
    assert_false(support_file_exists(path));
  }
}

static void test_open_missing_directory_component(void **state) {
  const char *path = support_path("no-such-dir/file.bin");
  pmmf_file *f = SENTINEL;
  (void)state;
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE), PMMF_E_NOT_FOUND);
  assert_ptr_equal(f, SENTINEL);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ), PMMF_E_NOT_FOUND);
  assert_ptr_equal(f, SENTINEL);
  assert_false(support_file_exists(support_path("no-such-dir")));
}

static void test_open_create(void **state) {
  const char *path = support_path("create.bin");
  const char *path_ro = support_path("create-ro.bin");
  pmmf_file *f = NULL;
  (void)state;
  /* Missing: created empty. */
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  assert_int_equal(size_of(f), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path), 0);
  /* Existing: opened as it is. */
  assert_int_equal(support_write_pattern(path, 65537, 13), 0);
  f = NULL;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  assert_int_equal(size_of(f), 65537);
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 65537, 13));
  /* CREATE with READ only creates too. */
  f = NULL;
  assert_ok(pmmf_file_open(&f, path_ro, PMMF_OPEN_READ | PMMF_OPEN_CREATE));
  assert_int_equal(size_of(f), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path_ro), 0);
}

static void test_open_create_new(void **state) {
  const char *path = support_path("create-new.bin");
  pmmf_file *f = NULL;
  (void)state;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW));
  assert_int_equal(size_of(f), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path), 0);

  /* Present: PMMF_E_EXISTS, contents untouched, whatever else is asked. */
  assert_int_equal(support_write_pattern(path, 300, 14), 0);
  f = SENTINEL;
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW), PMMF_E_EXISTS);
  assert_ptr_equal(f, SENTINEL);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_CREATE_NEW), PMMF_E_EXISTS);
  assert_status(pmmf_file_open(&f, path,
                               PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW | PMMF_OPEN_TRUNCATE),
                PMMF_E_EXISTS);
  assert_status(pmmf_file_open(&f, path,
                               PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW | PMMF_OPEN_CREATE),
                PMMF_E_EXISTS);
  assert_ptr_equal(f, SENTINEL);
  assert_true(support_file_is_pattern(path, 300, 14));
}

static void test_open_truncate(void **state) {
  const char *path = support_path("truncate.bin");
  const char *path2 = support_path("truncate-create.bin");
  pmmf_file *f = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 200000, 15), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE));
  assert_int_equal(size_of(f), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path), 0);

  /* TRUNCATE with CREATE on a missing file. */
  f = NULL;
  assert_ok(pmmf_file_open(&f, path2, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE));
  assert_int_equal(size_of(f), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path2), 0);

  /* TRUNCATE with CREATE on an existing file truncates it. */
  assert_int_equal(support_write_pattern(path2, 65537, 15), 0);
  f = NULL;
  assert_ok(pmmf_file_open(&f, path2, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE));
  assert_int_equal(size_of(f), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path2), 0);
  /* And with EXCLUSIVE. */
  assert_int_equal(support_write_pattern(path2, 1, 15), 0);
  f = NULL;
  assert_ok(pmmf_file_open(&f, path2, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE | PMMF_OPEN_EXCLUSIVE));
  assert_int_equal(size_of(f), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path2), 0);

  /* TRUNCATE without WRITE: PMMF_E_INVALID, nothing truncated. */
  assert_int_equal(support_write_pattern(path, 4097, 16), 0);
  f = SENTINEL;
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_TRUNCATE), PMMF_E_INVALID);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_TRUNCATE | PMMF_OPEN_CREATE),
                PMMF_E_INVALID);
  assert_ptr_equal(f, SENTINEL);
  assert_true(support_file_is_pattern(path, 4097, 16));
}

static void test_open_directory(void **state) {
  static const unsigned flag_sets[] = {PMMF_OPEN_READ, PMMF_OPEN_WRITE,
                                       PMMF_OPEN_READ | PMMF_OPEN_CREATE,
                                       PMMF_OPEN_WRITE | PMMF_OPEN_CREATE,
                                       PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE,
                                       PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE};
  const char *dir = support_path("a-directory");
  const char *inner = support_path("a-directory/inside.bin");
  size_t i;
  (void)state;
  assert_int_equal(support_mkdir(dir), 0);
  assert_int_equal(support_write_pattern(inner, 10, 17), 0);
  for (i = 0; i < SUPPORT_ARRAY_LEN(flag_sets); i++) {
    pmmf_file *f = SENTINEL;
    assert_status(pmmf_file_open(&f, dir, flag_sets[i]), PMMF_E_INVALID);
    assert_ptr_equal(f, SENTINEL);
  }
  assert_true(support_file_is_pattern(inner, 10, 17));
}

static void test_open_bad_flags(void **state) {
  static const unsigned flag_sets[] = {0,
                                       PMMF_OPEN_CREATE,
                                       PMMF_OPEN_CREATE_NEW,
                                       PMMF_OPEN_TRUNCATE,
                                       PMMF_OPEN_EXCLUSIVE,
                                       PMMF_OPEN_READ | 0x100,
                                       PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | 0x80,
                                       PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | 0x80000000u,
                                       0xffffffffu};
  const char *missing = support_path("bad-flags-missing.bin");
  const char *present = support_path("bad-flags-present.bin");
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(present, 5, 18), 0);
  for (i = 0; i < SUPPORT_ARRAY_LEN(flag_sets); i++) {
    pmmf_file *f = SENTINEL;
    assert_status(pmmf_file_open(&f, missing, flag_sets[i]), PMMF_E_INVALID);
    assert_ptr_equal(f, SENTINEL);
    assert_false(support_file_exists(missing));
    assert_status(pmmf_file_open(&f, present, flag_sets[i]), PMMF_E_INVALID);
    assert_ptr_equal(f, SENTINEL);
    assert_true(support_file_is_pattern(present, 5, 18));
  }
}

static void test_close_null(void **state) {
  (void)state;
  assert_ok(pmmf_file_close(NULL));
}

static void test_open_twice_shared(void **state) {
  const char *path = support_path("twice.bin");
  pmmf_file *a = NULL, *b = NULL, *c = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1000, 19), 0);
  assert_ok(pmmf_file_open(&a, path, PMMF_OPEN_READ));
  assert_ok(pmmf_file_open(&b, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_file_open(&c, path, PMMF_OPEN_READ));
  assert_ptr_not_equal(a, b);
  assert_ok(pmmf_file_resize(b, 2000));
  assert_int_equal(size_of(a), 2000);
  assert_int_equal(size_of(c), 2000);
  assert_ok(pmmf_file_close(a));
  assert_ok(pmmf_file_close(b));
  assert_ok(pmmf_file_close(c));
  assert_int_equal(support_file_size(path), 2000);
}

/* EXCLUSIVE held: every other open fails, TRUNCATE included (truncating nothing). */
static void test_exclusive_blocks_others(void **state) {
  static const unsigned others[] = {PMMF_OPEN_READ, PMMF_OPEN_WRITE,
                                    PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE,
                                    PMMF_OPEN_WRITE | PMMF_OPEN_CREATE,
                                    PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE,
                                    PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE,
                                    PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE | PMMF_OPEN_TRUNCATE};
  const char *path = support_path("excl1.bin");
  pmmf_file *x = NULL, *f;
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 65536, 20), 0);
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
  for (i = 0; i < SUPPORT_ARRAY_LEN(others); i++) {
    f = SENTINEL;
    assert_status(pmmf_file_open(&f, path, others[i]), PMMF_E_SHARING);
    assert_ptr_equal(f, SENTINEL);
    /* (Reading it back with stdio must wait: on Windows the exclusive open
     * shuts stdio out too.) */
    assert_int_equal(support_file_size(path), 65536);
  }
  assert_ok(pmmf_file_close(x));
  assert_true(support_file_is_pattern(path, 65536, 20));
  /* Works again after close. */
  f = NULL;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path), 0);
  x = NULL;
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE));
  assert_ok(pmmf_file_close(x));
}

/* Any other open held: an EXCLUSIVE open fails, TRUNCATE truncates nothing. */
static void test_exclusive_blocked_by_others(void **state) {
  const char *path = support_path("excl2.bin");
  pmmf_file *a = NULL, *b = NULL, *x;
  (void)state;
  assert_int_equal(support_write_pattern(path, 131073, 21), 0);
  assert_ok(pmmf_file_open(&a, path, PMMF_OPEN_READ));
  assert_ok(pmmf_file_open(&b, path, PMMF_OPEN_WRITE));
  x = SENTINEL;
  assert_status(pmmf_file_open(&x, path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE), PMMF_E_SHARING);
  assert_status(pmmf_file_open(&x, path,
                               PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE | PMMF_OPEN_TRUNCATE),
                PMMF_E_SHARING);
  assert_ptr_equal(x, SENTINEL);
  assert_true(support_file_is_pattern(path, 131073, 21));
  assert_ok(pmmf_file_close(a));
  /* Still one other open. */
  assert_status(pmmf_file_open(&x, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE), PMMF_E_SHARING);
  assert_ptr_equal(x, SENTINEL);
  assert_ok(pmmf_file_close(b));
  x = NULL;
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
  assert_ok(pmmf_file_close(x));
  assert_true(support_file_is_pattern(path, 131073, 21));
}

/* EXCLUSIVE is held until the file and every map and view made from it close. */
static void test_exclusive_held_by_maps_and_views(void **state) {
  const char *path = support_path("excl3.bin");
  pmmf_file *x = NULL, *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 100000, 22), 0);
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE));
  assert_ok(pmmf_map_file(&m, x, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 65537, 1000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_file_close(x));
  f = SENTINEL;
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE), PMMF_E_SHARING);
  assert_ptr_equal(f, SENTINEL);
  assert_ok(pmmf_map_close(m));
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE), PMMF_E_SHARING);
  assert_ptr_equal(f, SENTINEL);
  assert_int_equal(support_file_size(path), 100000);
  assert_pattern(pmmf_view_data(v), 1000, 65537, 22);
  assert_ok(pmmf_view_unmap(v));
  f = NULL;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 100000, 22));
}

/* A plain open's maps and views also keep an EXCLUSIVE open out. */
static void test_exclusive_blocked_by_views(void **state) {
  const char *path = support_path("excl4.bin");
  pmmf_file *a = NULL, *x;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 4096, 23), 0);
  assert_ok(pmmf_file_open(&a, path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&m, a, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_file_close(a));
  assert_ok(pmmf_map_close(m));
  x = SENTINEL;
  assert_status(pmmf_file_open(&x, path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE |
                                             PMMF_OPEN_TRUNCATE),
                PMMF_E_SHARING);
  assert_ptr_equal(x, SENTINEL);
  assert_true(support_file_is_pattern(path, 4096, 23));
  assert_ok(pmmf_view_unmap(v));
  x = NULL;
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE | PMMF_OPEN_TRUNCATE));
  assert_int_equal(size_of(x), 0);
  assert_ok(pmmf_file_close(x));
  assert_int_equal(support_file_size(path), 0);
}

static void test_exclusive_create_new(void **state) {
  const char *path = support_path("excl5.bin");
  pmmf_file *x = NULL, *f = SENTINEL;
  (void)state;
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW | PMMF_OPEN_EXCLUSIVE));
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_ptr_equal(f, SENTINEL);
  assert_ok(pmmf_file_resize(x, 10));
  assert_ok(pmmf_file_close(x));
  assert_int_equal(support_file_size(path), 10);
}

/* PMMF_OPEN_NOLOCK: not with EXCLUSIVE; opens, maps and reads like any open;
 * takes no part in EXCLUSIVE conflicts on POSIX (no flock), while on Windows
 * the share modes still apply both ways. */
static void test_nolock_open(void **state) {
  const char *path = support_path("nolock.bin");
  pmmf_file *n = NULL, *x = NULL, *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  int rc;
  (void)state;
  assert_int_equal(support_write_pattern(path, 65536, 23), 0);
  f = SENTINEL;
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_NOLOCK | PMMF_OPEN_EXCLUSIVE),
                PMMF_E_INVALID);
  assert_ptr_equal(f, SENTINEL);

  assert_ok(pmmf_file_open(&n, path, PMMF_OPEN_READ | PMMF_OPEN_NOLOCK));
  assert_ok(pmmf_map_file(&m, n, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  assert_pattern((unsigned char *)pmmf_view_data(v), 65536, 0, 23);
  /* An EXCLUSIVE open while the NOLOCK one is open (with its map and view). */
  rc = pmmf_file_open(&x, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE);
  if (support_is_win32()) {
    assert_status(rc, PMMF_E_SHARING);
  } else {
    assert_ok(rc);
    /* ... and a NOLOCK open while the EXCLUSIVE one is held. */
    f = NULL;
    assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_NOLOCK));
    assert_ok(pmmf_file_close(f));
    /* A plain open is still refused. */
    f = SENTINEL;
    assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ), PMMF_E_SHARING);
    assert_ptr_equal(f, SENTINEL);
    assert_ok(pmmf_file_close(x));
  }
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(n));

  /* Windows: an EXCLUSIVE holder refuses a NOLOCK open. */
  x = NULL;
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
  f = SENTINEL;
  rc = pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_NOLOCK);
  if (support_is_win32()) {
    assert_status(rc, PMMF_E_SHARING);
    assert_ptr_equal(f, SENTINEL);
  } else {
    assert_ok(rc);
    assert_ok(pmmf_file_close(f));
  }
  assert_ok(pmmf_file_close(x));
  assert_true(support_file_is_pattern(path, 65536, 23));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_read_existing),
      cmocka_unit_test(test_open_write_keeps_contents),
      cmocka_unit_test(test_open_missing),
      cmocka_unit_test(test_open_missing_directory_component),
      cmocka_unit_test(test_open_create),
      cmocka_unit_test(test_open_create_new),
      cmocka_unit_test(test_open_truncate),
      cmocka_unit_test(test_open_directory),
      cmocka_unit_test(test_open_bad_flags),
      cmocka_unit_test(test_close_null),
      cmocka_unit_test(test_open_twice_shared),
      cmocka_unit_test(test_exclusive_blocks_others),
      cmocka_unit_test(test_exclusive_blocked_by_others),
      cmocka_unit_test(test_exclusive_held_by_maps_and_views),
      cmocka_unit_test(test_exclusive_blocked_by_views),
      cmocka_unit_test(test_exclusive_create_new),
      cmocka_unit_test(test_nolock_open),
  };
  return cmocka_run_group_tests_name("open", tests, support_group_setup, support_group_teardown);
}
