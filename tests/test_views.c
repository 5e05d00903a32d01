/* SPDX-License-Identifier: MIT */
/*
 * test_views.c - conformance of pmmf_view_map and the view getters: any byte
 * offset (around pages and 64 KiB boundaries) lands pmmf_view_data on exactly
 * that byte, length 0 means to the end, out-of-range and wrapping requests
 * are PMMF_E_RANGE, and views outlive their map and file with their writes
 * still reaching the file.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#define FILE_SIZE ((size_t)300000)
#define SEED 50u

static pmmf_file *file;
static pmmf_map *map_r, *map_w;

static int group_setup(void **state) {
  const char *path;
  if (support_group_setup(state) != 0)
    return -1;
  path = support_path("views.bin");
  if (support_write_pattern(path, FILE_SIZE, SEED) != 0)
    return -1;
  if (pmmf_file_open(&file, path, PMMF_OPEN_WRITE) != PMMF_OK)
    return -1;
  if (pmmf_map_file(&map_r, file, 0, PMMF_ACCESS_READ, 0) != PMMF_OK)
    return -1;
  if (pmmf_map_file(&map_w, file, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
    return -1;
  return 0;
}

static int group_teardown(void **state) {
  pmmf_map_close(map_r);
  pmmf_map_close(map_w);
  pmmf_file_close(file);
  return support_group_teardown(state);
}

static void check_view(pmmf_map *m, uint64_t offset, size_t length, pmmf_access access) {
  pmmf_view *v = NULL;
  size_t expect = length ? length : (size_t)(FILE_SIZE - offset);
  assert_ok(pmmf_view_map(&v, m, offset, length, access, 0));
  assert_non_null(v);
  assert_int_equal(pmmf_view_offset(v), offset);
  assert_int_equal(pmmf_view_size(v), expect);
  assert_non_null(pmmf_view_data(v));
  assert_pattern(pmmf_view_data(v), expect, offset, SEED);
  assert_ok(pmmf_view_unmap(v));
}

static void test_offsets(void **state) {
  static const uint64_t offsets[] = {0, 1, 4095, 4096, 4097, 65535, 65536, 65537, 99999,
                                     131071, 131072, 196609, FILE_SIZE - 1};
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(offsets); i++) {
    size_t rest = (size_t)(FILE_SIZE - offsets[i]);
    check_view(map_r, offsets[i], 1, PMMF_ACCESS_READ);
    check_view(map_r, offsets[i], 0, PMMF_ACCESS_READ);
    check_view(map_r, offsets[i], rest, PMMF_ACCESS_READ);
    check_view(map_w, offsets[i], rest < 5000 ? rest : 5000, PMMF_ACCESS_WRITE);
    check_view(map_w, offsets[i], rest < 3 ? rest : 3, PMMF_ACCESS_COPY);
  }
}

/* Around this system's page and granularity boundaries (the page16k and
 * page64k legs of scripts/test.sh report 16 and 64 KiB). */
static void test_offsets_around_pages(void **state) {
  const uint64_t units[] = {pmmf_page_size(), pmmf_granularity()};
  size_t i, j;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(units); i++) {
    const uint64_t u = units[i];
    const uint64_t offsets[] = {u - 1, u, u + 1, 2 * u - 1, 2 * u, 2 * u + 1};
    for (j = 0; j < SUPPORT_ARRAY_LEN(offsets); j++) {
      size_t rest;
      if (offsets[j] >= FILE_SIZE)
        continue;
      rest = (size_t)(FILE_SIZE - offsets[j]);
      check_view(map_r, offsets[j], 1, PMMF_ACCESS_READ);
      check_view(map_r, offsets[j], 0, PMMF_ACCESS_READ);
      /* Across the next boundary. */
      check_view(map_w, offsets[j], rest < u + 2 ? rest : (size_t)u + 2, PMMF_ACCESS_WRITE);
      check_view(map_w, offsets[j], rest < 3 ? rest : 3, PMMF_ACCESS_COPY);
    }
  }
}

static void test_straddling_64k(void **state) {
  static const struct {
    uint64_t offset;
    size_t length;
  } ranges[] = {{65530, 12}, {65535, 2}, {131000, 2000}, {4000, 65536 + 200},
                {65536 - 4096, 8192}, {1, 196608}, {196607, FILE_SIZE - 196607}};
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(ranges); i++) {
    check_view(map_r, ranges[i].offset, ranges[i].length, PMMF_ACCESS_READ);
    check_view(map_w, ranges[i].offset, ranges[i].length, PMMF_ACCESS_WRITE);
  }
}

/* Writes at an unaligned offset land exactly at that byte of the file. */
static void test_write_at_exact_byte(void **state) {
  static const uint64_t offsets[] = {1, 4097, 65535, 65537, 99999};
  const char *path = support_path("exact.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  unsigned char *buf;
  size_t len = 0, i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 150000, 51), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  for (i = 0; i < SUPPORT_ARRAY_LEN(offsets); i++) {
    pmmf_view *v = NULL;
    unsigned char *p;
    assert_ok(pmmf_view_map(&v, m, offsets[i], 2, PMMF_ACCESS_WRITE, 0));
    p = pmmf_view_data(v);
    p[0] = (unsigned char)(0xF0 + i);
    p[1] = (unsigned char)(0xE0 + i);
    assert_ok(pmmf_view_unmap(v));
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 150000);
  for (i = 0; i < SUPPORT_ARRAY_LEN(offsets); i++) {
    size_t o = (size_t)offsets[i];
    assert_int_equal(buf[o], 0xF0 + i);
    assert_int_equal(buf[o + 1], 0xE0 + i);
    buf[o] = support_pattern(o, 51);
    buf[o + 1] = support_pattern(o + 1, 51);
  }
  /* Nothing else changed. */
  assert_pattern(buf, len, 0, 51);
  free(buf);
}

static void test_small_file(void **state) {
  const char *path = support_path("one.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_file(path, "q", 1), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_map_size(m), 1);
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_view_size(v), 1);
  assert_int_equal(pmmf_view_offset(v), 0);
  assert_memory_equal(pmmf_view_data(v), "q", 1);
  ((char *)pmmf_view_data(v))[0] = 'w';
  {
    pmmf_view *bad = SENTINEL;
    assert_status(pmmf_view_map(&bad, m, 1, 0, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
    assert_status(pmmf_view_map(&bad, m, 0, 2, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
    assert_ptr_equal(bad, SENTINEL);
  }
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  /* The file did not grow to a page. */
  assert_true(support_file_equals(path, "w", 1));
}

static void test_out_of_range(void **state) {
  static const struct {
    uint64_t offset;
    size_t length;
  } ranges[] = {
      {FILE_SIZE, 0},
      {FILE_SIZE, 1},
      {FILE_SIZE + 1, 0},
      {FILE_SIZE + 65536, 0},
      {FILE_SIZE - 1, 2},
      {0, FILE_SIZE + 1},
      {65536, FILE_SIZE - 65536 + 1},
      {UINT64_MAX, 0},
      {UINT64_MAX, 1},
      {UINT64_MAX - 1, 2},
      {1, SIZE_MAX},
      {FILE_SIZE - 1, SIZE_MAX},
      {0, SIZE_MAX},
      {(uint64_t)1 << 63, 0},
  };
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(ranges); i++) {
    pmmf_view *v = SENTINEL;
    assert_status(pmmf_view_map(&v, map_r, ranges[i].offset, ranges[i].length, PMMF_ACCESS_READ, 0),
                  PMMF_E_RANGE);
    assert_ptr_equal(v, SENTINEL);
    assert_status(
        pmmf_view_map(&v, map_w, ranges[i].offset, ranges[i].length, PMMF_ACCESS_WRITE, 0),
        PMMF_E_RANGE);
    assert_ptr_equal(v, SENTINEL);
  }
}

static void test_getters(void **state) {
  pmmf_view *v = NULL;
  (void)state;
  assert_null(pmmf_view_data(NULL));
  assert_int_equal(pmmf_view_size(NULL), 0);
  assert_int_equal(pmmf_view_offset(NULL), 0);
  assert_int_equal(pmmf_map_size(NULL), 0);
  assert_ok(pmmf_view_unmap(NULL));
  assert_ok(pmmf_map_close(NULL));
  assert_int_equal(pmmf_map_size(map_r), FILE_SIZE);
  assert_ok(pmmf_view_map(&v, map_r, 70000, 123, PMMF_ACCESS_READ, 0));
  assert_int_equal(pmmf_view_offset(v), 70000);
  assert_int_equal(pmmf_view_size(v), 123);
  assert_int_equal(((unsigned char *)pmmf_view_data(v))[0], support_pattern(70000, SEED));
  assert_int_equal(((unsigned char *)pmmf_view_data(v))[122], support_pattern(70122, SEED));
  assert_ok(pmmf_view_unmap(v));
}

static void test_many_views_at_once(void **state) {
  pmmf_view *views[24];
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(views); i++) {
    uint64_t off = (uint64_t)i * 12345u;
    views[i] = NULL;
    assert_ok(pmmf_view_map(&views[i], i % 2 ? map_r : map_w, off, 7000,
                            i % 2 ? PMMF_ACCESS_READ : PMMF_ACCESS_WRITE, 0));
  }
  for (i = 0; i < SUPPORT_ARRAY_LEN(views); i++) {
    assert_pattern(pmmf_view_data(views[i]), 7000, (uint64_t)i * 12345u, SEED);
    if (i > 0)
      assert_ptr_not_equal(pmmf_view_data(views[i]), pmmf_view_data(views[i - 1]));
  }
  for (i = 0; i < SUPPORT_ARRAY_LEN(views); i++)
    assert_ok(pmmf_view_unmap(views[i]));
}

static void test_populate(void **state) {
  pmmf_view *v = NULL;
  (void)state;
  assert_ok(pmmf_view_map(&v, map_r, 4097, 200000, PMMF_ACCESS_READ, PMMF_VIEW_POPULATE));
  assert_int_equal(pmmf_view_size(v), 200000);
  assert_pattern(pmmf_view_data(v), 200000, 4097, SEED);
  assert_ok(pmmf_view_unmap(v));
  v = NULL;
  assert_ok(pmmf_view_map(&v, map_w, 65537, 0, PMMF_ACCESS_COPY, PMMF_VIEW_POPULATE));
  assert_pattern(pmmf_view_data(v), FILE_SIZE - 65537, 65537, SEED);
  assert_ok(pmmf_view_unmap(v));
}

/* Close the map and the file first: the view still reads and writes, and its
 * writes reach the file. */
static void test_view_outlives_map_and_file(void **state) {
  const char *path = support_path("outlive.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *w = NULL;
  unsigned char *p, *buf;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 140000, 52), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 65537, 1000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&w, m, 65000, 2000, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  p = pmmf_view_data(v);
  assert_pattern(p, 1000, 65537, 52);
  memset(p, 0x5A, 1000);
  /* The other view sees it, and a fresh open of the file sees it. */
  assert_int_equal(support_check_byte((unsigned char *)pmmf_view_data(w) + 537, 1000, 0x5A), -1);
  assert_int_equal(pmmf_view_size(v), 1000);
  assert_int_equal(pmmf_view_offset(v), 65537);
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_unmap(w));
  assert_ok(pmmf_view_unmap(v));
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 140000);
  assert_int_equal(support_check_byte(buf + 65537, 1000, 0x5A), -1);
  assert_pattern(buf, 65537, 0, 52);
  assert_pattern(buf + 66537, 140000 - 66537, 66537, 52);
  free(buf);
}

/* Without a flush, unmapping still leaves the data visible to readers of the file. */
static void test_unmap_without_flush_reaches_file(void **state) {
  const char *path = support_path("noflush.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *buf;
  size_t len = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 65536, 53), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_view_map(&v, m, 65535, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_close(m));
  ((unsigned char *)pmmf_view_data(v))[0] = 0x77;
  assert_ok(pmmf_view_unmap(v));
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, 65536);
  assert_int_equal(buf[65535], 0x77);
  assert_pattern(buf, 65535, 0, 53);
  free(buf);
}

/* A sparse file beyond 4 GiB: 64-bit offsets work on every build; a whole-file
 * view that does not fit size_t is PMMF_E_TOO_LARGE. The branch is on the
 * build's pointer width, not the backend. */
static void test_beyond_4gib(void **state) {
  const char *path = support_path("huge.bin");
  const uint64_t huge = ((uint64_t)5 << 30) + 10;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *w = NULL, *r = NULL;
  (void)state;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW));
  assert_ok(pmmf_file_resize(f, huge));
  assert_int_equal(support_file_size(path), huge);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_map_size(m), huge);
  assert_ok(pmmf_view_map(&w, m, ((uint64_t)4 << 30) + 1, 100, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_view_offset(w), ((uint64_t)4 << 30) + 1);
  memcpy(pmmf_view_data(w), "far", 3);
  assert_ok(pmmf_view_map(&r, m, ((uint64_t)4 << 30) - 1, 10, PMMF_ACCESS_READ, 0));
  assert_memory_equal((char *)pmmf_view_data(r) + 2, "far", 3);
  assert_int_equal(((char *)pmmf_view_data(r))[0], 0);
  assert_int_equal(((char *)pmmf_view_data(r))[1], 0);
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_view_unmap(w));
  if (sizeof(size_t) < 8) {
    pmmf_view *v = SENTINEL;
    assert_status(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0), PMMF_E_TOO_LARGE);
    assert_status(pmmf_view_map(&v, m, 1, 0, PMMF_ACCESS_READ, 0), PMMF_E_TOO_LARGE);
    assert_ptr_equal(v, SENTINEL);
  } else {
    r = NULL;
    assert_ok(pmmf_view_map(&r, m, 7, 0, PMMF_ACCESS_READ, 0));
    assert_int_equal(pmmf_view_size(r), huge - 7);
    assert_int_equal(((char *)pmmf_view_data(r))[huge - 8], 0);
    assert_memory_equal((char *)pmmf_view_data(r) + ((uint64_t)4 << 30) + 1 - 7, "far", 3);
    assert_ok(pmmf_view_unmap(r));
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_resize(f, 0));
  assert_ok(pmmf_file_close(f));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_offsets),
      cmocka_unit_test(test_offsets_around_pages),
      cmocka_unit_test(test_straddling_64k),
      cmocka_unit_test(test_write_at_exact_byte),
      cmocka_unit_test(test_small_file),
      cmocka_unit_test(test_out_of_range),
      cmocka_unit_test(test_getters),
      cmocka_unit_test(test_many_views_at_once),
      cmocka_unit_test(test_populate),
      cmocka_unit_test(test_view_outlives_map_and_file),
      cmocka_unit_test(test_unmap_without_flush_reaches_file),
      cmocka_unit_test(test_beyond_4gib),
  };
  return cmocka_run_group_tests_name("views", tests, group_setup, group_teardown);
}
