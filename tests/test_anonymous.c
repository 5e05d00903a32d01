/* SPDX-License-Identifier: MIT */
/*
 * test_anonymous.c - conformance of pmmf_map_anonymous: size 0 and unknown
 * flags are PMMF_E_INVALID, the memory is zero-filled, every WRITE or READ view
 * of one map sees the same bytes, COPY views are private, and views outlive
 * the map.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static void test_anonymous_bad_arguments(void **state) {
  static const unsigned bad_flags[] = {1, 4, 0x80, 0x80000000u, 0xffffffffu};
  pmmf_map *m = SENTINEL;
  size_t i;
  (void)state;
  assert_status(pmmf_map_anonymous(&m, 0, 0), PMMF_E_INVALID);
  assert_ptr_equal(m, SENTINEL);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_flags); i++) {
    assert_status(pmmf_map_anonymous(&m, 4096, bad_flags[i]), PMMF_E_INVALID);
    assert_ptr_equal(m, SENTINEL);
  }
  assert_status(pmmf_map_anonymous(NULL, 4096, 0), PMMF_E_INVALID);
}

static void test_anonymous_zero_filled(void **state) {
  static const size_t sizes[] = {1, 4095, 65536, 65537, 300001};
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(sizes); i++) {
    pmmf_map *m = NULL;
    pmmf_view *v = NULL;
    assert_ok(pmmf_map_anonymous(&m, sizes[i], 0));
    assert_non_null(m);
    assert_int_equal(pmmf_map_size(m), sizes[i]);
    assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
    assert_int_equal(pmmf_view_size(v), sizes[i]);
    assert_int_equal(support_check_byte(pmmf_view_data(v), sizes[i], 0), -1);
    /* The whole size is writable. */
    memset(pmmf_view_data(v), 0xFF, sizes[i]);
    assert_ok(pmmf_view_unmap(v));
    {
      pmmf_view *bad = SENTINEL;
      assert_status(pmmf_view_map(&bad, m, sizes[i], 0, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
      assert_status(pmmf_view_map(&bad, m, 0, sizes[i] + 1, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
      assert_ptr_equal(bad, SENTINEL);
    }
    assert_ok(pmmf_map_close(m));
  }
}

static void test_anonymous_views_share(void **state) {
  const size_t size = 200000;
  pmmf_map *m = NULL;
  pmmf_view *a = NULL, *b = NULL, *r = NULL;
  unsigned char *pa, *pb, *pr;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, size, 0));
  assert_ok(pmmf_view_map(&a, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&b, m, 65537, 100000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&r, m, 4097, 0, PMMF_ACCESS_READ, 0));
  pa = pmmf_view_data(a);
  pb = pmmf_view_data(b);
  pr = pmmf_view_data(r);
  assert_ptr_not_equal(pa + 65537, pb);
  support_fill(pa, size, 0, 90);
  assert_pattern(pb, 100000, 65537, 90);
  assert_pattern(pr, size - 4097, 4097, 90);
  support_fill(pb, 100000, 65537, 91);
  assert_pattern(pa + 65537, 100000, 65537, 91);
  assert_pattern(pa, 65537, 0, 90);
  assert_pattern(pr + 65537 - 4097, 100000, 65537, 91);
  assert_ok(pmmf_view_write(b, 0, "shared", 6));
  assert_memory_equal(pa + 65537, "shared", 6);
  assert_ok(pmmf_view_unmap(a));
  assert_ok(pmmf_view_unmap(b));
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_map_close(m));
}

/* Two anonymous maps are distinct objects. */
static void test_anonymous_maps_distinct(void **state) {
  pmmf_map *m1 = NULL, *m2 = NULL;
  pmmf_view *a = NULL, *b = NULL;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m1, 8192, 0));
  assert_ok(pmmf_map_anonymous(&m2, 8192, 0));
  assert_ok(pmmf_view_map(&a, m1, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&b, m2, 0, 0, PMMF_ACCESS_WRITE, 0));
  memset(pmmf_view_data(a), 0x44, 8192);
  assert_int_equal(support_check_byte(pmmf_view_data(b), 8192, 0), -1);
  assert_ok(pmmf_view_unmap(a));
  assert_ok(pmmf_view_unmap(b));
  assert_ok(pmmf_map_close(m1));
  assert_ok(pmmf_map_close(m2));
}

static void test_anonymous_copy_view_private(void **state) {
  const size_t size = 140000;
  pmmf_map *m = NULL;
  pmmf_view *w = NULL, *c = NULL, *c2 = NULL;
  unsigned char *pw, *pc;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, size, 0));
  assert_ok(pmmf_view_map(&w, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  pw = pmmf_view_data(w);
  support_fill(pw, size, 0, 92);
  assert_ok(pmmf_view_map(&c, m, 1, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&c2, m, 1, 0, PMMF_ACCESS_COPY, 0));
  pc = pmmf_view_data(c);
  assert_pattern(pc, size - 1, 1, 92);
  memset(pc + 70000, 0x3C, 1000);
  assert_int_equal(support_check_byte(pc + 70000, 1000, 0x3C), -1);
  assert_pattern(pw, size, 0, 92);
  assert_pattern(pmmf_view_data(c2), size - 1, 1, 92);
  assert_ok(pmmf_view_unmap(c));
  assert_pattern(pw, size, 0, 92);
  assert_ok(pmmf_view_unmap(c2));
  assert_ok(pmmf_view_unmap(w));
  assert_ok(pmmf_map_close(m));
}

static void test_anonymous_views_outlive_map(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *a = NULL, *b = NULL;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 100000, 0));
  assert_ok(pmmf_view_map(&a, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&b, m, 99999, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_close(m));
  ((unsigned char *)pmmf_view_data(a))[99999] = 0x12;
  assert_int_equal(((unsigned char *)pmmf_view_data(b))[0], 0x12);
  assert_ok(pmmf_view_unmap(a));
  assert_int_equal(((unsigned char *)pmmf_view_data(b))[0], 0x12);
  assert_ok(pmmf_view_unmap(b));
}

/* Far too large: it does not fit, and nothing is returned. */
static void test_anonymous_too_large(void **state) {
  pmmf_map *m = SENTINEL;
  int rc;
  (void)state;
  rc = pmmf_map_anonymous(&m, UINT64_MAX, 0);
  /* Either status is a correct description of "does not fit": TOO_LARGE when
   * the size exceeds size_t or the backend's limit, NO_MEMORY when the OS
   * refuses the reservation. */
  if (rc != PMMF_E_TOO_LARGE)
    assert_status(rc, PMMF_E_NO_MEMORY);
  assert_ptr_equal(m, SENTINEL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_anonymous_bad_arguments),
      cmocka_unit_test(test_anonymous_zero_filled),
      cmocka_unit_test(test_anonymous_views_share),
      cmocka_unit_test(test_anonymous_maps_distinct),
      cmocka_unit_test(test_anonymous_copy_view_private),
      cmocka_unit_test(test_anonymous_views_outlive_map),
      cmocka_unit_test(test_anonymous_too_large),
  };
  return cmocka_run_group_tests_name("anonymous", tests, support_group_setup,
                                     support_group_teardown);
}
