/*
 * test_guarded.c - conformance of guarded access: pmmf_view_read and
 * pmmf_view_write return PMMF_E_IO instead of killing the process when a page
 * of the view cannot be read or written because another handle truncated the
 * file (POSIX); Windows refuses to shrink a mapped file from any handle.
 *
 * All fault checks sit in one test function on purpose: CMocka installs its
 * own SIGSEGV/SIGBUS handlers with signal() around every test and restores the
 * previous ones afterwards, which removes a handler the library installed
 * during an earlier test. A fault the library fails to recover lands in
 * CMocka's handler and fails the test instead of crashing.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#define FSIZE ((size_t)200000)

static void test_truncated_by_other_handle(void **state) {
  const char *path = support_path("guarded.bin");
  size_t page = pmmf_page_size();
  pmmf_file *f = NULL, *g = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *c = NULL;
  unsigned char buf[512], src[512];
  uint64_t size = 0;
  int rc;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 7), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_file_open(&g, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 0, 0, PMMF_ACCESS_READ, 0));
  /* Valid pages copy normally. */
  assert_ok(pmmf_view_read(v, 100000, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 100000, 7);
  memset(src, 0x5A, sizeof src);

  /* Shrink the file to one page through another handle: g has no maps, so it
   * is not BUSY. Backends differ by design here: POSIX lets any handle shrink
   * a mapped file (the view's pages beyond the end then fault); Windows
   * refuses to shrink a mapped file from any handle. */
  rc = pmmf_file_resize(g, page);
  if (support_is_win32()) {
    /* ERROR_USER_MAPPED_FILE (Windows, Wine 8) or ERROR_ACCESS_DENIED (older
     * Wine): PMMF_E_BUSY either way. */
    assert_status(rc, PMMF_E_BUSY);
    assert_int_equal(support_file_size(path), FSIZE);
    assert_ok(pmmf_view_read(v, 150000, buf, sizeof buf));
    assert_pattern(buf, sizeof buf, 150000, 7);
  } else {
    assert_status(rc, PMMF_OK);
    assert_int_equal(support_file_size(path), (int64_t)page);
    /* Wholly beyond the end, and straddling it: PMMF_E_IO, the process lives. */
    assert_status(pmmf_view_read(v, 100000, buf, sizeof buf), PMMF_E_IO);
    assert_status(pmmf_view_read(v, page - 100, buf, sizeof buf), PMMF_E_IO);
    assert_status(pmmf_view_read(c, FSIZE - 10, buf, 10), PMMF_E_IO);
    assert_status(pmmf_view_write(v, 150000, src, sizeof src), PMMF_E_IO);
    assert_status(pmmf_view_write(v, page - 1, src, 2), PMMF_E_IO);
    /* Again, to show the recovery is not one-shot. */
    assert_status(pmmf_view_read(v, 2 * page, buf, 1), PMMF_E_IO);
    /* The first page is still fine. */
    assert_ok(pmmf_view_read(v, 0, buf, 100));
    assert_pattern(buf, 100, 0, 7);
    assert_ok(pmmf_view_write(v, page - 1, "!", 1));
    /* Grow it back: the pages read as zeros again. */
    assert_ok(pmmf_file_resize(g, FSIZE));
    assert_ok(pmmf_view_read(v, 100000, buf, sizeof buf));
    assert_int_equal(support_check_byte(buf, sizeof buf, 0), -1);
    assert_ok(pmmf_view_write(v, 150000, src, sizeof src));
    assert_ok(pmmf_view_read(c, 150000, buf, sizeof buf));
    assert_memory_equal(buf, src, sizeof src);
  }

  /* On every backend: a page of the view made inaccessible behind the
   * library's back faults (SIGSEGV; an access violation on Windows), and the
   * guarded copy recovers it. The view starts at offset 0, so page-aligned. */
  {
    char *data = pmmf_view_data(c);
    assert_int_equal(support_protect_none(data + page, page), 0);
    assert_status(pmmf_view_read(c, page + 5, buf, 10), PMMF_E_IO);
    assert_int_not_equal(pmmf_last_os_error(), 0);
    /* Straddling into the bad page from a good one. */
    assert_status(pmmf_view_read(c, page - 5, buf, 10), PMMF_E_IO);
    assert_status(pmmf_view_read(c, page + 5, buf, 10), PMMF_E_IO);
    assert_ok(pmmf_view_read(c, 0, buf, 10));
    assert_int_equal(support_protect_read(data + page, page), 0);
    assert_ok(pmmf_view_read(c, page + 5, buf, 10));
  }

  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_size(g, &size));
  assert_int_equal(size, FSIZE);
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_file_close(g));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_truncated_by_other_handle),
  };
  return cmocka_run_group_tests_name("guarded", tests, support_group_setup,
                                     support_group_teardown);
}
