/* SPDX-License-Identifier: MIT */
/*
 * test_access.c - conformance of access rules: file open mode against map
 * access, the map-access by view-access matrix, COPY views staying private
 * (invisible to other views and to the file), and WRITE views of one map or of
 * two maps of the same file seeing each other's writes.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#define FSIZE ((size_t)140000)

static const pmmf_access all_access[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};

static pmmf_file *open_file(const char *path, unsigned flags) {
  pmmf_file *f = NULL;
  assert_ok(pmmf_file_open(&f, path, flags));
  return f;
}

static void test_file_mode_vs_map_access(void **state) {
  const char *path = support_path("mode.bin");
  pmmf_file *ro, *rw;
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 60), 0);
  ro = open_file(path, PMMF_OPEN_READ);
  rw = open_file(path, PMMF_OPEN_WRITE);
  for (i = 0; i < SUPPORT_ARRAY_LEN(all_access); i++) {
    pmmf_map *m = SENTINEL;
    if (all_access[i] == PMMF_ACCESS_WRITE) {
      /* A file opened for reading only cannot back a WRITE map. */
      assert_status(pmmf_map_file(&m, ro, 0, all_access[i], 0), PMMF_E_ACCESS);
      assert_status(pmmf_map_file(&m, ro, 100, all_access[i], 0), PMMF_E_ACCESS);
      assert_ptr_equal(m, SENTINEL);
    } else {
      m = NULL;
      assert_ok(pmmf_map_file(&m, ro, 0, all_access[i], 0));
      assert_int_equal(pmmf_map_size(m), FSIZE);
      assert_ok(pmmf_map_close(m));
    }
    /* PMMF_OPEN_WRITE is read and write: every access works. */
    m = NULL;
    assert_ok(pmmf_map_file(&m, rw, 0, all_access[i], 0));
    assert_ok(pmmf_map_close(m));
  }
  assert_ok(pmmf_file_close(ro));
  assert_ok(pmmf_file_close(rw));
  assert_true(support_file_is_pattern(path, FSIZE, 60));
}

/* READ map: READ and COPY views. WRITE map: all three. COPY map: READ and COPY. */
static int view_allowed(pmmf_access map, pmmf_access view) {
  return map == PMMF_ACCESS_WRITE || view != PMMF_ACCESS_WRITE;
}

static void test_map_view_matrix(void **state) {
  const char *path = support_path("matrix.bin");
  pmmf_file *f;
  size_t i, j;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 61), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  for (i = 0; i < SUPPORT_ARRAY_LEN(all_access); i++) {
    pmmf_map *m = NULL;
    assert_ok(pmmf_map_file(&m, f, 0, all_access[i], 0));
    for (j = 0; j < SUPPORT_ARRAY_LEN(all_access); j++) {
      pmmf_view *v = SENTINEL;
      int rc = pmmf_view_map(&v, m, 65537, 1000, all_access[j], 0);
      if (view_allowed(all_access[i], all_access[j])) {
        assert_status(rc, PMMF_OK);
        assert_pattern(pmmf_view_data(v), 1000, 65537, 61);
        assert_ok(pmmf_view_unmap(v));
      } else {
        assert_status(rc, PMMF_E_ACCESS);
        assert_ptr_equal(v, SENTINEL);
      }
    }
    assert_ok(pmmf_map_close(m));
  }
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, FSIZE, 61));
}

/* The anonymous map is WRITE: all three view accesses. */
static void test_anonymous_view_matrix(void **state) {
  pmmf_map *m = NULL;
  size_t j;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 70000, 0));
  for (j = 0; j < SUPPORT_ARRAY_LEN(all_access); j++) {
    pmmf_view *v = NULL;
    assert_ok(pmmf_view_map(&v, m, 1, 0, all_access[j], 0));
    assert_int_equal(pmmf_view_size(v), 69999);
    assert_ok(pmmf_view_unmap(v));
  }
  assert_ok(pmmf_map_close(m));
}

static void test_copy_view_is_private(void **state) {
  const char *path = support_path("private.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *c = NULL, *c2 = NULL, *w = NULL, *r = NULL;
  unsigned char *pc;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 62), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 4097, 100000, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&c2, m, 4097, 100000, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&w, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&r, m, 0, 0, PMMF_ACCESS_READ, 0));
  pc = pmmf_view_data(c);
  memset(pc + 60000, 0xC1, 8000);
  assert_int_equal(support_check_byte(pc + 60000, 8000, 0xC1), -1);
  /* Not in the other COPY view, the WRITE view, the READ view or the file. */
  assert_pattern(pmmf_view_data(c2), 100000, 4097, 62);
  assert_pattern(pmmf_view_data(w), FSIZE, 0, 62);
  assert_pattern(pmmf_view_data(r), FSIZE, 0, 62);
  assert_ok(pmmf_view_flush(c, 0, 0, PMMF_FLUSH_SYNC));
  assert_true(support_file_is_pattern(path, FSIZE, 62));
  /* pmmf_view_write on a COPY view is private too. */
  assert_ok(pmmf_view_write(c2, 10, "private", 7));
  assert_memory_equal((char *)pmmf_view_data(c2) + 10, "private", 7);
  assert_pattern((char *)pmmf_view_data(c) + 10, 7, 4107, 62);
  assert_pattern((unsigned char *)pmmf_view_data(w) + 4107, 7, 4107, 62);
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_view_unmap(c2));
  assert_pattern(pmmf_view_data(r), FSIZE, 0, 62);
  assert_ok(pmmf_view_unmap(w));
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, FSIZE, 62));
}

/* A COPY map's COPY views are private; a READ view of it sees the file. */
static void test_copy_map(void **state) {
  const char *path = support_path("copymap.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *c = NULL, *r = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 65537, 63), 0);
  f = open_file(path, PMMF_OPEN_READ);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&c, m, 0, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&r, m, 0, 0, PMMF_ACCESS_READ, 0));
  memset((char *)pmmf_view_data(c) + 65000, 0x11, 537);
  assert_int_equal(support_check_byte((char *)pmmf_view_data(c) + 65000, 537, 0x11), -1);
  assert_pattern(pmmf_view_data(r), 65537, 0, 63);
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 65537, 63));
}

/* A COPY view sees the file's bytes at creation; its own writes survive
 * writes by others to other pages. */
static void test_copy_view_keeps_own_writes(void **state) {
  const char *path = support_path("copyown.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *c = NULL, *w = NULL;
  unsigned char *pc, *pw;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 64), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 0, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&w, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  pc = pmmf_view_data(c);
  pw = pmmf_view_data(w);
  pc[70000] = 0xAA;
  pw[70001] = 0xBB;
  assert_int_equal(pc[70000], 0xAA);
  assert_int_equal(pw[70000], support_pattern(70000, 64));
  assert_int_equal(pw[70001], 0xBB);
  /* The page this COPY view wrote is its own now: it sees its writes only. */
  assert_int_equal(pc[70001], support_pattern(70001, 64));
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_view_unmap(w));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  {
    size_t len = 0;
    unsigned char *buf = support_read_file(path, &len);
    assert_non_null(buf);
    assert_int_equal(len, FSIZE);
    assert_int_equal(buf[70000], support_pattern(70000, 64));
    assert_int_equal(buf[70001], 0xBB);
    free(buf);
  }
}

static void test_write_views_of_one_map_share(void **state) {
  const char *path = support_path("share1.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *a = NULL, *b = NULL, *r = NULL;
  unsigned char *pa, *pb, *pr;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 65), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  /* Overlapping views at different offsets: a [1000, 101000), b [65537, 140000). */
  assert_ok(pmmf_view_map(&a, m, 1000, 100000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&b, m, 65537, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&r, m, 65536, 100, PMMF_ACCESS_READ, 0));
  pa = pmmf_view_data(a);
  pb = pmmf_view_data(b);
  pr = pmmf_view_data(r);
  pa[65537 - 1000] = 0x42;
  assert_int_equal(pb[0], 0x42);
  assert_int_equal(pr[1], 0x42);
  pb[10] = 0x43;
  assert_int_equal(pa[65547 - 1000], 0x43);
  assert_int_equal(pr[11], 0x43);
  assert_ok(pmmf_view_write(b, 20, "xyz", 3));
  assert_memory_equal(pa + 65557 - 1000, "xyz", 3);
  assert_ok(pmmf_view_unmap(a));
  assert_ok(pmmf_view_unmap(b));
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  {
    size_t len = 0;
    unsigned char *buf = support_read_file(path, &len);
    assert_non_null(buf);
    assert_int_equal(buf[65537], 0x42);
    assert_int_equal(buf[65547], 0x43);
    assert_memory_equal(buf + 65557, "xyz", 3);
    free(buf);
  }
}

static void test_write_views_of_two_maps_share(void **state) {
  const char *path = support_path("share2.bin");
  pmmf_file *f1, *f2;
  pmmf_map *m1 = NULL, *m2 = NULL, *m3 = NULL;
  pmmf_view *a = NULL, *b = NULL, *r = NULL;
  unsigned char *pa, *pb, *pr;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 66), 0);
  f1 = open_file(path, PMMF_OPEN_WRITE);
  f2 = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m1, f1, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_file(&m2, f2, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_file(&m3, f1, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&a, m1, 99999, 1000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&b, m2, 65536, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&r, m3, 99999, 1000, PMMF_ACCESS_READ, 0));
  pa = pmmf_view_data(a);
  pb = pmmf_view_data(b);
  pr = pmmf_view_data(r);
  pa[0] = 0x99;
  assert_int_equal(pb[99999 - 65536], 0x99);
  assert_int_equal(pr[0], 0x99);
  pb[99999 - 65536 + 999] = 0x98;
  assert_int_equal(pa[999], 0x98);
  assert_int_equal(pr[999], 0x98);
  assert_ok(pmmf_view_unmap(a));
  assert_ok(pmmf_view_unmap(b));
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_map_close(m1));
  assert_ok(pmmf_map_close(m2));
  assert_ok(pmmf_map_close(m3));
  assert_ok(pmmf_file_close(f1));
  assert_ok(pmmf_file_close(f2));
  {
    size_t len = 0;
    unsigned char *buf = support_read_file(path, &len);
    assert_non_null(buf);
    assert_int_equal(buf[99999], 0x99);
    assert_int_equal(buf[99999 + 999], 0x98);
    buf[99999] = support_pattern(99999, 66);
    buf[99999 + 999] = support_pattern(99999 + 999, 66);
    assert_pattern(buf, len, 0, 66);
    free(buf);
  }
}

static void test_bad_view_access(void **state) {
  const char *path = support_path("badaccess.bin");
  static const int bad[] = {0, 4, 5, -1, 0x7fffffff};
  pmmf_file *f;
  pmmf_map *m = NULL;
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 100, 67), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad); i++) {
    pmmf_view *v = SENTINEL;
    pmmf_map *m2 = SENTINEL;
    assert_status(pmmf_view_map(&v, m, 0, 0, (pmmf_access)bad[i], 0), PMMF_E_INVALID);
    assert_ptr_equal(v, SENTINEL);
    assert_status(pmmf_map_file(&m2, f, 0, (pmmf_access)bad[i], 0), PMMF_E_INVALID);
    assert_ptr_equal(m2, SENTINEL);
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_file_mode_vs_map_access),
      cmocka_unit_test(test_map_view_matrix),
      cmocka_unit_test(test_anonymous_view_matrix),
      cmocka_unit_test(test_copy_view_is_private),
      cmocka_unit_test(test_copy_map),
      cmocka_unit_test(test_copy_view_keeps_own_writes),
      cmocka_unit_test(test_write_views_of_one_map_share),
      cmocka_unit_test(test_write_views_of_two_maps_share),
      cmocka_unit_test(test_bad_view_access),
  };
  return cmocka_run_group_tests_name("access", tests, support_group_setup, support_group_teardown);
}
