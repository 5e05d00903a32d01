/* SPDX-License-Identifier: MIT */
/*
 * test_flush.c - conformance of pmmf_view_flush: ASYNC and SYNC, ranges
 * relative to the view (length 0 = to the end, offset at the view's size and
 * wrapping ranges are PMMF_E_RANGE), flushed data read back with stdio, and
 * the successful no-op on COPY and anonymous views.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static pmmf_file *open_file(const char *path, unsigned flags) {
  pmmf_file *f = NULL;
  assert_ok(pmmf_file_open(&f, path, flags));
  return f;
}

static void test_flush_sync_reaches_file(void **state) {
  const char *path = support_path("sync.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *buf;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 200000, 70), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 65537, 100000, PMMF_ACCESS_WRITE, 0));
  memset((char *)pmmf_view_data(v) + 100, 0xEE, 10);
  assert_ok(pmmf_view_flush(v, 100, 10, PMMF_FLUSH_SYNC));
  /* Read back with stdio while the view is still mapped. */
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 200000);
  assert_int_equal(support_check_byte(buf + 65637, 10, 0xEE), -1);
  assert_pattern(buf, 65637, 0, 70);
  assert_pattern(buf + 65647, 200000 - 65647, 65647, 70);
  free(buf);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

static void test_flush_async(void **state) {
  const char *path = support_path("async.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *buf;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 65536, 71), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 1, 0, PMMF_ACCESS_WRITE, 0));
  memset(pmmf_view_data(v), 0x33, 65535);
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_ASYNC));
  assert_ok(pmmf_view_flush(v, 4095, 2, PMMF_FLUSH_ASYNC));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 65536);
  assert_pattern(buf, 1, 0, 71);
  assert_int_equal(support_check_byte(buf + 1, 65535, 0x33), -1);
  free(buf);
}

static void test_flush_ranges(void **state) {
  const char *path = support_path("ranges.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  const size_t vs = 100000;
  unsigned flags;
  (void)state;
  assert_int_equal(support_write_pattern(path, 200000, 72), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 4097, vs, PMMF_ACCESS_WRITE, 0));
  for (flags = PMMF_FLUSH_ASYNC; flags <= PMMF_FLUSH_SYNC; flags++) {
    assert_ok(pmmf_view_flush(v, 0, 0, flags));
    assert_ok(pmmf_view_flush(v, 0, vs, flags));
    assert_ok(pmmf_view_flush(v, 1, vs - 1, flags));
    assert_ok(pmmf_view_flush(v, vs - 1, 0, flags));
    assert_ok(pmmf_view_flush(v, vs - 1, 1, flags));
    assert_ok(pmmf_view_flush(v, 61439, 4098, flags));
    assert_status(pmmf_view_flush(v, vs, 0, flags), PMMF_E_RANGE);
    assert_status(pmmf_view_flush(v, vs, 1, flags), PMMF_E_RANGE);
    assert_status(pmmf_view_flush(v, vs + 1, 0, flags), PMMF_E_RANGE);
    assert_status(pmmf_view_flush(v, 0, vs + 1, flags), PMMF_E_RANGE);
    assert_status(pmmf_view_flush(v, vs - 1, 2, flags), PMMF_E_RANGE);
    assert_status(pmmf_view_flush(v, 1, SIZE_MAX, flags), PMMF_E_RANGE);
    assert_status(pmmf_view_flush(v, SIZE_MAX, 1, flags), PMMF_E_RANGE);
    assert_status(pmmf_view_flush(v, SIZE_MAX, 0, flags), PMMF_E_RANGE);
    assert_status(pmmf_view_flush(v, SIZE_MAX - 1, 2, flags), PMMF_E_RANGE);
  }
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 200000, 72));
}

static void test_flush_bad_arguments(void **state) {
  const char *path = support_path("badflush.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1000, 73), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_status(pmmf_view_flush(NULL, 0, 0, PMMF_FLUSH_SYNC), PMMF_E_INVALID);
  assert_status(pmmf_view_flush(NULL, 0, 0, PMMF_FLUSH_ASYNC), PMMF_E_INVALID);
  assert_status(pmmf_view_flush(v, 0, 0, 2), PMMF_E_INVALID);
  assert_status(pmmf_view_flush(v, 0, 0, 0x80000000u), PMMF_E_INVALID);
  assert_status(pmmf_view_flush(v, 0, 0, 0xffffffffu), PMMF_E_INVALID);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

static void test_flush_copy_is_noop(void **state) {
  const char *path = support_path("copyflush.bin");
  pmmf_file *f;
  pmmf_map *m = NULL, *mc = NULL;
  pmmf_view *v = NULL, *vc = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 70000, 74), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  /* A COPY view of a WRITE map, and a COPY view of a COPY map. */
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_file(&mc, f, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&v, m, 65535, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&vc, mc, 0, 0, PMMF_ACCESS_COPY, 0));
  memset(pmmf_view_data(v), 0x01, pmmf_view_size(v));
  memset(pmmf_view_data(vc), 0x02, pmmf_view_size(vc));
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_ASYNC));
  assert_ok(pmmf_view_flush(vc, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_flush(vc, 1, 1, PMMF_FLUSH_ASYNC));
  /* The no-op still checks its range. */
  assert_status(pmmf_view_flush(v, pmmf_view_size(v), 0, PMMF_FLUSH_SYNC), PMMF_E_RANGE);
  assert_status(pmmf_view_flush(vc, 1, SIZE_MAX, PMMF_FLUSH_SYNC), PMMF_E_RANGE);
  assert_true(support_file_is_pattern(path, 70000, 74));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(vc));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_map_close(mc));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 70000, 74));
}

static void test_flush_anonymous_is_noop(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *c = NULL;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 100000, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 4097, 0, PMMF_ACCESS_COPY, 0));
  memset(pmmf_view_data(v), 0x7E, 100000);
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_flush(v, 4097, 1, PMMF_FLUSH_ASYNC));
  assert_ok(pmmf_view_flush(c, 0, 0, PMMF_FLUSH_SYNC));
  assert_status(pmmf_view_flush(v, 100000, 0, PMMF_FLUSH_SYNC), PMMF_E_RANGE);
  assert_int_equal(support_check_byte(pmmf_view_data(v), 100000, 0x7E), -1);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_map_close(m));
}

static void test_flush_read_view(void **state) {
  const char *path = support_path("readflush.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 5000, 75), 0);
  f = open_file(path, PMMF_OPEN_READ);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&v, m, 3, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_ASYNC));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 5000, 75));
}

/* SYNC works on a view whose map and file are already closed. */
static void test_flush_after_map_and_file_closed(void **state) {
  const char *path = support_path("lateflush.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *buf;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 99999, 76), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 65536, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_map_close(m));
  memcpy(pmmf_view_data(v), "late", 4);
  assert_ok(pmmf_view_flush(v, 0, 4, PMMF_FLUSH_SYNC));
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 99999);
  assert_memory_equal(buf + 65536, "late", 4);
  free(buf);
  assert_ok(pmmf_view_unmap(v));
}

/* A GROW map written at its far end and flushed SYNC: the size and the data are in the file. */
static void test_flush_after_grow(void **state) {
  const char *path = support_path("growflush.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *buf;
  size_t len = 0;
  (void)state;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW));
  assert_ok(pmmf_map_file(&m, f, 262145, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_view_map(&v, m, 262140, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_view_size(v), 5);
  memcpy(pmmf_view_data(v), "tail!", 5);
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 262145);
  assert_memory_equal(buf + 262140, "tail!", 5);
  assert_int_equal(support_check_byte(buf, 262140, 0), -1);
  free(buf);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flush_sync_reaches_file),
      cmocka_unit_test(test_flush_async),
      cmocka_unit_test(test_flush_ranges),
      cmocka_unit_test(test_flush_bad_arguments),
      cmocka_unit_test(test_flush_copy_is_noop),
      cmocka_unit_test(test_flush_anonymous_is_noop),
      cmocka_unit_test(test_flush_read_view),
      cmocka_unit_test(test_flush_after_map_and_file_closed),
      cmocka_unit_test(test_flush_after_grow),
  };
  return cmocka_run_group_tests_name("flush", tests, support_group_setup, support_group_teardown);
}
