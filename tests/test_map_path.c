/* SPDX-License-Identifier: MIT */
/*
 * test_map_path.c - conformance of pmmf_map_path (issue 15): a whole file in
 * one call, READ, WRITE and COPY; the file and its map belong to the view
 * (an EXCLUSIVE open is held until the view is unmapped); empty, missing and
 * non-regular files and bad arguments fail cleanly with nothing left open or
 * allocated; every failure injected into its OS calls does too; NOLOCK as
 * pmmf_file_open has it.
 */
#include "support.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define SIZE 100001

static void test_map_path_read_write_copy(void **state) {
  const char *path = support_path("mappath.bin");
  pmmf_view *v = NULL, *c = NULL;
  pmmf_file *f;
  unsigned char *file;
  size_t len = 0;
  long live = pmmf__alloc_live();
  (void)state;
  assert_int_equal(support_write_pattern(path, SIZE, 31), 0);

  assert_ok(pmmf_map_path(&v, path, PMMF_ACCESS_READ, 0, 0));
  assert_int_equal(pmmf_view_size(v), SIZE);
  assert_int_equal(pmmf_view_offset(v), 0);
  assert_pattern((unsigned char *)pmmf_view_data(v), SIZE, 0, 31);
  assert_status(pmmf_view_write(v, 0, "x", 1), PMMF_E_ACCESS);
  assert_ok(pmmf_view_unmap(v));
  assert_int_equal(pmmf__alloc_live(), live);

  /* COPY: private; the file stays as it was. */
  assert_ok(pmmf_map_path(&c, path, PMMF_ACCESS_COPY, 0, PMMF_VIEW_POPULATE));
  memset(pmmf_view_data(c), 0x11, 1000);
  assert_ok(pmmf_view_unmap(c));
  assert_true(support_file_is_pattern(path, SIZE, 31));

  /* WRITE: reaches the file. */
  assert_ok(pmmf_map_path(&v, path, PMMF_ACCESS_WRITE, 0, 0));
  memset((char *)pmmf_view_data(v) + 500, 0x77, 100);
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_unmap(v));
  file = support_read_file(path, &len);
  assert_non_null(file);
  assert_int_equal(len, SIZE);
  assert_int_equal(support_check_byte(file + 500, 100, 0x77), -1);
  assert_pattern(file, 500, 0, 31);
  assert_pattern(file + 600, SIZE - 600, 600, 31);
  free(file);

  /* EXCLUSIVE is held by the view alone, until it is unmapped. */
  assert_ok(pmmf_map_path(&v, path, PMMF_ACCESS_READ, PMMF_OPEN_EXCLUSIVE, 0));
  f = SENTINEL;
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_ptr_equal(f, SENTINEL);
  assert_ok(pmmf_view_unmap(v));
  f = NULL;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
  /* NOLOCK against that EXCLUSIVE holder: POSIX takes no part, Windows'
   * share modes refuse it. */
  v = SENTINEL;
  if (support_is_win32()) {
    assert_status(pmmf_map_path(&v, path, PMMF_ACCESS_READ, PMMF_OPEN_NOLOCK, 0),
                  PMMF_E_SHARING);
    assert_ptr_equal(v, SENTINEL);
  } else {
    assert_ok(pmmf_map_path(&v, path, PMMF_ACCESS_READ, PMMF_OPEN_NOLOCK, 0));
    assert_ok(pmmf_view_unmap(v));
  }
  assert_ok(pmmf_file_close(f));
  assert_int_equal(pmmf__alloc_live(), live);
  support_remove_file(path);
}

static void test_map_path_errors(void **state) {
  const char *path = support_path("mappath-err.bin");
  const char *empty = support_path("mappath-empty.bin");
  const char *missing = support_path("mappath-missing.bin");
  char dir[1024];
  pmmf_view *v = SENTINEL;
  long live = pmmf__alloc_live();
  (void)state;
  assert_int_equal(support_write_pattern(path, 5000, 32), 0);
  assert_int_equal(support_write_file(empty, "", 0), 0);

  assert_status(pmmf_map_path(NULL, path, PMMF_ACCESS_READ, 0, 0), PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, NULL, PMMF_ACCESS_READ, 0, 0), PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, "", PMMF_ACCESS_READ, 0, 0), PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, path, (pmmf_access)99, 0, 0), PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, path, PMMF_ACCESS_READ, PMMF_OPEN_CREATE, 0), PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, path, PMMF_ACCESS_READ, PMMF_OPEN_WRITE, 0), PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, path, PMMF_ACCESS_READ, PMMF_OPEN_TRUNCATE, 0), PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, path, PMMF_ACCESS_READ, PMMF_OPEN_NOLOCK | PMMF_OPEN_EXCLUSIVE,
                              0),
                PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, path, PMMF_ACCESS_READ, 0, 0x80), PMMF_E_INVALID);
  assert_status(pmmf_map_path(&v, empty, PMMF_ACCESS_READ, 0, 0), PMMF_E_EMPTY);
  assert_status(pmmf_map_path(&v, empty, PMMF_ACCESS_WRITE, 0, 0), PMMF_E_EMPTY);
  assert_status(pmmf_map_path(&v, missing, PMMF_ACCESS_READ, 0, 0), PMMF_E_NOT_FOUND);
  assert_false(support_file_exists(missing));
  snprintf(dir, sizeof dir, "%s", support_path("mappath-dir"));
  assert_int_equal(support_mkdir(dir), 0);
  assert_true(pmmf_map_path(&v, dir, PMMF_ACCESS_READ, 0, 0) != PMMF_OK);
  assert_ptr_equal(v, SENTINEL);
  assert_int_equal(support_file_size(empty), 0);
  assert_true(support_file_is_pattern(path, 5000, 32));
  assert_int_equal(pmmf__alloc_live(), live);
  support_remove_tree(dir);
  support_remove_file(empty);
  support_remove_file(path);
}

/* Every OS call and allocation of the call failed in turn (fault kinds I/O
 * and no memory): a clean failure each time, nothing left allocated or open
 * (an EXCLUSIVE open succeeds afterwards), the file unchanged. */
static void test_map_path_injected(void **state) {
  const char *path = support_path("mappath-inject.bin");
  static const int kinds[] = {PMMF__FAULT_IO, PMMF__FAULT_NO_MEMORY};
  long live = pmmf__alloc_live();
  unsigned skip, fired = 0;
  size_t k;
  (void)state;
  assert_int_equal(support_write_pattern(path, 70000, 33), 0);
  for (k = 0; k < SUPPORT_ARRAY_LEN(kinds); k++) {
    for (skip = 0; skip < 64; skip++) {
      pmmf_view *v = SENTINEL;
      pmmf_file *x = NULL;
      int rc;
      pmmf__fault_arm(NULL, skip, kinds[k]);
      rc = pmmf_map_path(&v, path, PMMF_ACCESS_WRITE, 0, 0);
      if (!pmmf__fault_fired()) {
        pmmf__fault_disarm();
        assert_ok(rc);
        assert_ok(pmmf_view_unmap(v));
        break;
      }
      pmmf__fault_disarm();
      fired++;
      if (rc == PMMF_OK) { /* a failed release call reported nothing to fail */
        assert_ok(pmmf_view_unmap(v));
      } else {
        assert_ptr_equal(v, SENTINEL);
      }
      assert_int_equal(pmmf__alloc_live(), live);
      assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
      assert_ok(pmmf_file_close(x));
    }
    assert_true(skip < 64);
  }
  print_message("# %u failure points injected\n", fired);
  assert_true(fired >= 4);
  assert_true(support_file_is_pattern(path, 70000, 33));
  support_remove_file(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_map_path_read_write_copy),
      cmocka_unit_test(test_map_path_errors),
      cmocka_unit_test(test_map_path_injected),
  };
  return cmocka_run_group_tests_name("map_path", tests, support_group_setup,
                                     support_group_teardown);
}
