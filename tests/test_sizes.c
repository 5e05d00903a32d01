/* SPDX-License-Identifier: MIT */
/*
 * test_sizes.c - conformance of file and map sizes: pmmf_file_size,
 * pmmf_file_resize (grow with zeros, shrink, needs WRITE, PMMF_E_BUSY while a
 * map or view made from the file is alive), and the size rules of
 * pmmf_map_file (0 = file size, EMPTY, RANGE without GROW, GROW with WRITE
 * extends with zeros before returning, GROW with READ or COPY is INVALID).
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static uint64_t size_of(pmmf_file *f) {
  uint64_t size = UINT64_MAX;
  assert_ok(pmmf_file_size(f, &size));
  return size;
}

static pmmf_file *open_file(const char *path, unsigned flags) {
  pmmf_file *f = NULL;
  assert_ok(pmmf_file_open(&f, path, flags));
  assert_non_null(f);
  return f;
}

static void test_file_size(void **state) {
  static const size_t sizes[] = {0, 1, 4095, 4096, 65535, 65536, 65537, 300001};
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(sizes); i++) {
    const char *path = support_path("size.bin");
    pmmf_file *f;
    assert_int_equal(support_write_pattern(path, sizes[i], 30), 0);
    f = open_file(path, PMMF_OPEN_READ);
    assert_int_equal(size_of(f), sizes[i]);
    assert_ok(pmmf_file_close(f));
  }
}

static void test_resize_grow_zero_fills(void **state) {
  const char *path = support_path("grow.bin");
  pmmf_file *f;
  unsigned char *buf;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1, 31), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_file_resize(f, 65537));
  assert_int_equal(size_of(f), 65537);
  assert_int_equal(support_file_size(path), 65537);
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 65537);
  assert_pattern(buf, 1, 0, 31);
  assert_int_equal(support_check_byte(buf + 1, len - 1, 0), -1);
  free(buf);

  /* Grow again, far: zeros through a view too. */
  assert_ok(pmmf_file_resize(f, 400000));
  assert_int_equal(size_of(f), 400000);
  {
    pmmf_map *m = NULL;
    pmmf_view *v = NULL;
    assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
    assert_int_equal(pmmf_map_size(m), 400000);
    assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
    assert_pattern(pmmf_view_data(v), 1, 0, 31);
    assert_int_equal(support_check_byte((char *)pmmf_view_data(v) + 1, 399999, 0), -1);
    assert_ok(pmmf_view_unmap(v));
    assert_ok(pmmf_map_close(m));
  }
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path), 400000);
}

static void test_resize_shrink(void **state) {
  const char *path = support_path("shrink.bin");
  pmmf_file *f;
  (void)state;
  assert_int_equal(support_write_pattern(path, 200000, 32), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_file_resize(f, 65535));
  assert_int_equal(size_of(f), 65535);
  assert_true(support_file_is_pattern(path, 65535, 32));
  assert_ok(pmmf_file_resize(f, 1));
  assert_true(support_file_is_pattern(path, 1, 32));
  assert_ok(pmmf_file_resize(f, 0));
  assert_int_equal(size_of(f), 0);
  assert_int_equal(support_file_size(path), 0);
  /* Shrink then grow: the old bytes do not come back. */
  assert_ok(pmmf_file_resize(f, 100));
  {
    unsigned char zeros[100];
    memset(zeros, 0, sizeof zeros);
    assert_true(support_file_equals(path, zeros, sizeof zeros));
  }
  /* Same size: nothing changes. */
  assert_ok(pmmf_file_resize(f, 100));
  assert_int_equal(size_of(f), 100);
  assert_ok(pmmf_file_close(f));
}

/* Sizes beyond 4 GiB are exact (sparse: PMMF_OPEN_SPARSE). */
static void test_resize_beyond_4gib(void **state) {
  const char *path = support_path("big.bin");
  const uint64_t big = ((uint64_t)4 << 30) + 65537;
  pmmf_file *f;
  (void)state;
  assert_int_equal(support_write_pattern(path, 100, 41), 0);
  f = open_file(path, PMMF_OPEN_WRITE | PMMF_OPEN_SPARSE);
  assert_ok(pmmf_file_resize(f, big));
  assert_int_equal(size_of(f), big);
  assert_int_equal(support_file_size(path), big);
  assert_ok(pmmf_file_resize(f, 100));
  assert_int_equal(size_of(f), 100);
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 100, 41));
}

static void test_resize_needs_write(void **state) {
  const char *path = support_path("resize-ro.bin");
  pmmf_file *f;
  (void)state;
  assert_int_equal(support_write_pattern(path, 5000, 33), 0);
  f = open_file(path, PMMF_OPEN_READ);
  assert_status(pmmf_file_resize(f, 10000), PMMF_E_ACCESS);
  assert_status(pmmf_file_resize(f, 10), PMMF_E_ACCESS);
  assert_status(pmmf_file_resize(f, 5000), PMMF_E_ACCESS);
  assert_int_equal(size_of(f), 5000);
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 5000, 33));
  assert_status(pmmf_file_resize(NULL, 10), PMMF_E_INVALID);
}

static void test_resize_busy(void **state) {
  const char *path = support_path("busy.bin");
  pmmf_file *f;
  pmmf_map *m = NULL, *m2 = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 70000, 34), 0);
  f = open_file(path, PMMF_OPEN_WRITE);

  /* A map alone. */
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  assert_status(pmmf_file_resize(f, 100000), PMMF_E_BUSY);
  assert_status(pmmf_file_resize(f, 100), PMMF_E_BUSY);
  assert_int_equal(size_of(f), 70000);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_resize(f, 80000));
  assert_int_equal(size_of(f), 80000);

  /* A map and its view; then the view alone. */
  m = NULL;
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 65536, 0, PMMF_ACCESS_WRITE, 0));
  assert_status(pmmf_file_resize(f, 90000), PMMF_E_BUSY);
  assert_ok(pmmf_map_close(m));
  assert_status(pmmf_file_resize(f, 90000), PMMF_E_BUSY);
  assert_status(pmmf_file_resize(f, 0), PMMF_E_BUSY);
  assert_int_equal(size_of(f), 80000);
  assert_int_equal(support_file_size(path), 80000);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_file_resize(f, 90000));
  assert_int_equal(size_of(f), 90000);

  /* Two maps: busy until both are gone. */
  m = NULL;
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_map_file(&m2, f, 100, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_close(m));
  assert_status(pmmf_file_resize(f, 1), PMMF_E_BUSY);
  assert_ok(pmmf_map_close(m2));
  assert_ok(pmmf_file_resize(f, 1));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 1, 34));
}

static void test_map_size_zero_is_file_size(void **state) {
  static const size_t sizes[] = {1, 4097, 65536, 65537, 262145};
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(sizes); i++) {
    const char *path = support_path("mapsize.bin");
    pmmf_file *f;
    pmmf_map *m = NULL;
    pmmf_view *v = NULL;
    assert_int_equal(support_write_pattern(path, sizes[i], 35), 0);
    f = open_file(path, PMMF_OPEN_READ);
    assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
    assert_int_equal(pmmf_map_size(m), sizes[i]);
    assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
    assert_int_equal(pmmf_view_size(v), sizes[i]);
    assert_pattern(pmmf_view_data(v), sizes[i], 0, 35);
    assert_ok(pmmf_view_unmap(v));
    assert_ok(pmmf_map_close(m));
    assert_ok(pmmf_file_close(f));
  }
}

static void test_map_smaller_than_file(void **state) {
  const char *path = support_path("mapsmall.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = SENTINEL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 200000, 36), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 65537, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_map_size(m), 65537);
  assert_status(pmmf_view_map(&v, m, 65537, 0, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
  assert_status(pmmf_view_map(&v, m, 65536, 2, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
  assert_ptr_equal(v, SENTINEL);
  assert_ok(pmmf_view_map(&v, m, 65536, 0, PMMF_ACCESS_READ, 0));
  assert_int_equal(pmmf_view_size(v), 1);
  assert_pattern(pmmf_view_data(v), 1, 65536, 36);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  /* GROW with a size below the file's never shrinks it. */
  m = NULL;
  assert_ok(pmmf_map_file(&m, f, 100, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_int_equal(pmmf_map_size(m), 100);
  assert_int_equal(support_file_size(path), 200000);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 200000, 36));
}

static void test_map_empty_file(void **state) {
  static const pmmf_access accesses[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};
  const char *path = support_path("empty.bin");
  pmmf_file *f;
  size_t i;
  (void)state;
  assert_int_equal(support_write_file(path, "", 0), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  for (i = 0; i < SUPPORT_ARRAY_LEN(accesses); i++) {
    pmmf_map *m = SENTINEL;
    assert_status(pmmf_map_file(&m, f, 0, accesses[i], 0), PMMF_E_EMPTY);
    assert_ptr_equal(m, SENTINEL);
  }
  {
    /* GROW with size 0 of an empty file is still an empty mapping. */
    pmmf_map *m = SENTINEL;
    assert_status(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, PMMF_MAP_GROW), PMMF_E_EMPTY);
    assert_ptr_equal(m, SENTINEL);
    /* A size beyond the empty file without GROW. */
    assert_status(pmmf_map_file(&m, f, 1, PMMF_ACCESS_WRITE, 0), PMMF_E_RANGE);
    assert_status(pmmf_map_file(&m, f, 1, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
    assert_ptr_equal(m, SENTINEL);
  }
  assert_int_equal(size_of(f), 0);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path), 0);
}

static void test_map_larger_without_grow(void **state) {
  static const pmmf_access accesses[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};
  const char *path = support_path("nogrow.bin");
  pmmf_file *f;
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 65535, 37), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  for (i = 0; i < SUPPORT_ARRAY_LEN(accesses); i++) {
    pmmf_map *m = SENTINEL;
    assert_status(pmmf_map_file(&m, f, 65536, accesses[i], 0), PMMF_E_RANGE);
    assert_status(pmmf_map_file(&m, f, 1u << 30, accesses[i], 0), PMMF_E_RANGE);
    assert_status(pmmf_map_file(&m, f, UINT64_MAX, accesses[i], 0), PMMF_E_RANGE);
    assert_ptr_equal(m, SENTINEL);
  }
  assert_int_equal(size_of(f), 65535);
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 65535, 37));
}

static void test_map_grow_extends_with_zeros(void **state) {
  const char *path = support_path("mapgrow.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *buf;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 4097, 38), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 300000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  /* Extended before the call returned: visible to stdio and to file_size. */
  assert_int_equal(support_file_size(path), 300000);
  assert_int_equal(size_of(f), 300000);
  assert_int_equal(pmmf_map_size(m), 300000);
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 300000);
  assert_pattern(buf, 4097, 0, 38);
  assert_int_equal(support_check_byte(buf + 4097, 300000 - 4097, 0), -1);
  free(buf);
  /* The new tail is usable. */
  assert_ok(pmmf_view_map(&v, m, 299999, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_view_size(v), 1);
  assert_int_equal(((unsigned char *)pmmf_view_data(v))[0], 0);
  ((unsigned char *)pmmf_view_data(v))[0] = 0xA5;
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 300000);
  assert_int_equal(buf[299999], 0xA5);
  free(buf);
}

static void test_map_grow_empty_file(void **state) {
  const char *path = support_path("growempty.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW));
  assert_ok(pmmf_map_file(&m, f, 1, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_int_equal(support_file_size(path), 1);
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_view_size(v), 1);
  assert_int_equal(((unsigned char *)pmmf_view_data(v))[0], 0);
  ((unsigned char *)pmmf_view_data(v))[0] = 'Z';
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_equals(path, "Z", 1));
}

static void test_map_grow_needs_write_access(void **state) {
  const char *path = support_path("growro.bin");
  pmmf_file *f;
  pmmf_map *m = SENTINEL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1000, 39), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  /* GROW with READ or COPY is invalid whatever the size. */
  assert_status(pmmf_map_file(&m, f, 5000, PMMF_ACCESS_READ, PMMF_MAP_GROW), PMMF_E_INVALID);
  assert_status(pmmf_map_file(&m, f, 5000, PMMF_ACCESS_COPY, PMMF_MAP_GROW), PMMF_E_INVALID);
  assert_status(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, PMMF_MAP_GROW), PMMF_E_INVALID);
  assert_status(pmmf_map_file(&m, f, 10, PMMF_ACCESS_COPY, PMMF_MAP_GROW), PMMF_E_INVALID);
  assert_ptr_equal(m, SENTINEL);
  assert_int_equal(size_of(f), 1000);
  assert_ok(pmmf_file_close(f));
  /* WRITE + GROW on a file opened for reading only: ACCESS, no growth. */
  f = open_file(path, PMMF_OPEN_READ);
  assert_status(pmmf_map_file(&m, f, 5000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW), PMMF_E_ACCESS);
  assert_ptr_equal(m, SENTINEL);
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 1000, 39));
}

static void test_map_size_fixed_for_life(void **state) {
  const char *path = support_path("fixedsize.bin");
  pmmf_file *f, *g;
  pmmf_map *m = NULL;
  pmmf_view *v = SENTINEL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 65536, 40), 0);
  f = open_file(path, PMMF_OPEN_READ);
  g = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  /* Another handle grows the file: this map keeps its size. */
  assert_ok(pmmf_file_resize(g, 131072));
  assert_int_equal(pmmf_map_size(m), 65536);
  assert_status(pmmf_view_map(&v, m, 65536, 1, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
  assert_ptr_equal(v, SENTINEL);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_file_close(g));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_file_size),
      cmocka_unit_test(test_resize_grow_zero_fills),
      cmocka_unit_test(test_resize_shrink),
      cmocka_unit_test(test_resize_beyond_4gib),
      cmocka_unit_test(test_resize_needs_write),
      cmocka_unit_test(test_resize_busy),
      cmocka_unit_test(test_map_size_zero_is_file_size),
      cmocka_unit_test(test_map_smaller_than_file),
      cmocka_unit_test(test_map_empty_file),
      cmocka_unit_test(test_map_larger_without_grow),
      cmocka_unit_test(test_map_grow_extends_with_zeros),
      cmocka_unit_test(test_map_grow_empty_file),
      cmocka_unit_test(test_map_grow_needs_write_access),
      cmocka_unit_test(test_map_size_fixed_for_life),
  };
  return cmocka_run_group_tests_name("sizes", tests, support_group_setup, support_group_teardown);
}
