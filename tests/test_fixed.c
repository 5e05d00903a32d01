/* SPDX-License-Identifier: MIT */
/*
 * test_fixed.c - conformance of pmmf_view_map_at: NULL base is
 * PMMF_E_INVALID, a base or offset that is not a multiple of
 * PMMF_PORTABLE_GRANULARITY is PMMF_E_ALIGNMENT, success puts the data at
 * exactly the base, and an occupied range is PMMF_E_ADDRESS_IN_USE with the
 * existing mapping left as it was.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#define FSIZE ((size_t)400000)
#define SEED 100u
#define G ((uintptr_t)PMMF_PORTABLE_GRANULARITY)

static pmmf_file *file;
static pmmf_map *map;
static pmmf_map *probe_map; /* anonymous, large enough to probe for free ranges */
#define PROBE_SIZE ((uint64_t)4 << 20)

static int group_setup(void **state) {
  const char *path;
  if (support_group_setup(state) != 0)
    return -1;
  path = support_path("fixed.bin");
  if (support_write_pattern(path, FSIZE, SEED) != 0)
    return -1;
  if (pmmf_file_open(&file, path, PMMF_OPEN_WRITE) != PMMF_OK)
    return -1;
  if (pmmf_map_file(&map, file, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
    return -1;
  if (pmmf_map_anonymous(&probe_map, PROBE_SIZE, 0) != PMMF_OK)
    return -1;
  return 0;
}

static int group_teardown(void **state) {
  pmmf_map_close(map);
  pmmf_map_close(probe_map);
  pmmf_file_close(file);
  return support_group_teardown(state);
}

static uintptr_t round_up(uintptr_t p) {
  return (p + G - 1) & ~(G - 1);
}

/* A free, 64 KiB-aligned address with room for `length` bytes: map a larger
 * view, remember its address rounded up to 64 KiB, unmap it. */
static void *find_free_address(size_t length) {
  pmmf_view *probe = NULL;
  uintptr_t p;
  assert_true(length + 2 * G <= PROBE_SIZE);
  assert_ok(pmmf_view_map(&probe, probe_map, 0, length + 2 * G, PMMF_ACCESS_READ, 0));
  p = round_up((uintptr_t)pmmf_view_data(probe));
  assert_ok(pmmf_view_unmap(probe));
  return (void *)p;
}

static void test_null_base(void **state) {
  pmmf_view *v = SENTINEL;
  (void)state;
  assert_status(pmmf_view_map_at(&v, map, 0, G, PMMF_ACCESS_READ, 0, NULL), PMMF_E_INVALID);
  assert_status(pmmf_view_map_at(&v, map, 0, 0, PMMF_ACCESS_WRITE, 0, NULL), PMMF_E_INVALID);
  assert_ptr_equal(v, SENTINEL);
}

static void test_misaligned(void **state) {
  char *base = find_free_address(2 * G);
  pmmf_view *v = SENTINEL;
  static const uintptr_t bad_deltas[] = {1, 4096, G / 2, G - 4096};
  static const uint64_t bad_offsets[] = {1, 4096, 4097, 65535, 65537, 98304};
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_deltas); i++) {
    /* A page-aligned base is still misaligned on every backend. */
    assert_status(pmmf_view_map_at(&v, map, 0, G, PMMF_ACCESS_READ, 0, base + bad_deltas[i]),
                  PMMF_E_ALIGNMENT);
    assert_ptr_equal(v, SENTINEL);
  }
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_offsets); i++) {
    assert_status(pmmf_view_map_at(&v, map, bad_offsets[i], 100, PMMF_ACCESS_READ, 0, base),
                  PMMF_E_ALIGNMENT);
    assert_ptr_equal(v, SENTINEL);
  }
  /* The address stayed free: it works with aligned arguments. */
  v = NULL;
  assert_ok(pmmf_view_map_at(&v, map, G, G, PMMF_ACCESS_READ, 0, base));
  assert_ptr_equal(pmmf_view_data(v), base);
  assert_ok(pmmf_view_unmap(v));
}

/* Where the native granularity is larger than the portable one (pages above
 * 64 KiB: none of scripts/test.sh's legs, but -Dtest_page_size=131072), a
 * base or offset that is a multiple of 64 KiB only is PMMF_E_ALIGNMENT: the
 * OS mapping would start below the offset and the data not be at the base.
 * Elsewhere (every leg) the portable granularity is a multiple of the native
 * one and there is nothing more to check. */
static void test_misaligned_native(void **state) {
  const uintptr_t gran = pmmf_granularity();
  pmmf_view *v = SENTINEL;
  char *base;
  (void)state;
  if (gran <= G) {
    assert_int_equal(G % gran, 0);
    return;
  }
  assert_true(3 * gran < FSIZE);
  base = find_free_address(3 * gran);
  base = (char *)(((uintptr_t)base + gran - 1) & ~(gran - 1));
  assert_status(pmmf_view_map_at(&v, map, G, 100, PMMF_ACCESS_READ, 0, base), PMMF_E_ALIGNMENT);
  assert_status(pmmf_view_map_at(&v, map, gran, 100, PMMF_ACCESS_READ, 0, base + G),
                PMMF_E_ALIGNMENT);
  assert_ptr_equal(v, SENTINEL);
  v = NULL;
  assert_ok(pmmf_view_map_at(&v, map, gran, G, PMMF_ACCESS_READ, 0, base));
  assert_ptr_equal(pmmf_view_data(v), base);
  assert_pattern(base, G, gran, SEED);
  assert_ok(pmmf_view_unmap(v));
}

static void test_success_at_base(void **state) {
  static const struct {
    uint64_t offset;
    size_t length;
    pmmf_access access;
  } cases[] = {{0, 1, PMMF_ACCESS_READ},
               {0, 3 * 65536, PMMF_ACCESS_WRITE},
               {65536, 100, PMMF_ACCESS_COPY},
               {131072, 0, PMMF_ACCESS_READ},
               {393216, 0, PMMF_ACCESS_WRITE}};
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(cases); i++) {
    size_t length = cases[i].length ? cases[i].length : (size_t)(FSIZE - cases[i].offset);
    void *base = find_free_address(length);
    pmmf_view *v = NULL;
    assert_ok(pmmf_view_map_at(&v, map, cases[i].offset, cases[i].length, cases[i].access, 0, base));
    assert_ptr_equal(pmmf_view_data(v), base);
    assert_int_equal(pmmf_view_size(v), length);
    assert_int_equal(pmmf_view_offset(v), cases[i].offset);
    assert_pattern(base, length, cases[i].offset, SEED);
    assert_ok(pmmf_view_unmap(v));
  }
}

/* A fixed WRITE view shares bytes with an ordinary view of the same map. */
static void test_fixed_view_shares(void **state) {
  void *base = find_free_address(G);
  pmmf_view *v = NULL, *w = NULL;
  (void)state;
  assert_ok(pmmf_view_map_at(&v, map, 2 * G, G, PMMF_ACCESS_WRITE, PMMF_VIEW_POPULATE, base));
  assert_ptr_equal(pmmf_view_data(v), base);
  assert_ok(pmmf_view_map(&w, map, 2 * G + 10, 1, PMMF_ACCESS_READ, 0));
  ((unsigned char *)base)[10] = 0x9F;
  assert_int_equal(((unsigned char *)pmmf_view_data(w))[0], 0x9F);
  ((unsigned char *)base)[10] = support_pattern(2 * G + 10, SEED);
  assert_ok(pmmf_view_unmap(w));
  assert_ok(pmmf_view_unmap(v));
}

static void test_occupied_by_view(void **state) {
  pmmf_view *big = NULL, *v = SENTINEL;
  unsigned char *p;
  uintptr_t inside;
  (void)state;
  assert_ok(pmmf_view_map(&big, map, 0, 4 * G, PMMF_ACCESS_WRITE, 0));
  p = pmmf_view_data(big);
  inside = round_up((uintptr_t)p);
  memset(p, 0x61, 4 * G);
  /* The range starting inside the view, and one that ends inside it. */
  assert_status(pmmf_view_map_at(&v, map, 0, G, PMMF_ACCESS_READ, 0, (void *)inside),
                PMMF_E_ADDRESS_IN_USE);
  assert_status(pmmf_view_map_at(&v, map, 0, 2 * G, PMMF_ACCESS_WRITE, 0, (void *)(inside + G)),
                PMMF_E_ADDRESS_IN_USE);
  if (inside >= 2 * G)
    assert_status(
        pmmf_view_map_at(&v, map, 0, 2 * G + 1, PMMF_ACCESS_READ, 0, (void *)(inside - 2 * G)),
        PMMF_E_ADDRESS_IN_USE);
  assert_ptr_equal(v, SENTINEL);
  /* The existing mapping is untouched, still this view's memory. */
  assert_int_equal(support_check_byte(p, 4 * G, 0x61), -1);
  memset(p, 0x62, 4 * G);
  assert_ok(pmmf_view_flush(big, 0, 0, PMMF_FLUSH_SYNC));
  {
    size_t len = 0;
    unsigned char *buf = support_read_file(support_path("fixed.bin"), &len);
    assert_non_null(buf);
    assert_int_equal(support_check_byte(buf, 4 * G, 0x62), -1);
    free(buf);
  }
  support_fill(p, 4 * G, 0, SEED);
  assert_ok(pmmf_view_unmap(big));
}

static void test_occupied_by_heap(void **state) {
  size_t size = 8 * G;
  unsigned char *heap = malloc(size);
  uintptr_t inside;
  pmmf_view *v = SENTINEL;
  (void)state;
  assert_non_null(heap);
  memset(heap, 0x71, size);
  inside = round_up((uintptr_t)heap);
  assert_status(pmmf_view_map_at(&v, map, 0, G, PMMF_ACCESS_WRITE, 0, (void *)inside),
                PMMF_E_ADDRESS_IN_USE);
  assert_ptr_equal(v, SENTINEL);
  assert_int_equal(support_check_byte(heap, size, 0x71), -1);
  free(heap);
}

/* The other errors of pmmf_view_map still apply. */
static void test_fixed_other_errors(void **state) {
  void *base = find_free_address(2 * G);
  pmmf_view *v = SENTINEL;
  pmmf_map *ro = NULL;
  (void)state;
  assert_status(pmmf_view_map_at(&v, map, 7 * G, 0, PMMF_ACCESS_READ, 0, base), PMMF_E_RANGE);
  assert_status(pmmf_view_map_at(&v, map, 6 * G, G, PMMF_ACCESS_READ, 0, base), PMMF_E_RANGE);
  assert_status(pmmf_view_map_at(&v, map, 0, 0, (pmmf_access)0, 0, base), PMMF_E_INVALID);
  assert_status(pmmf_view_map_at(&v, map, 0, 0, PMMF_ACCESS_READ, 0x80, base), PMMF_E_INVALID);
  assert_status(pmmf_view_map_at(&v, NULL, 0, 0, PMMF_ACCESS_READ, 0, base), PMMF_E_INVALID);
  assert_status(pmmf_view_map_at(NULL, map, 0, G, PMMF_ACCESS_READ, 0, base), PMMF_E_INVALID);
  assert_ok(pmmf_map_file(&ro, file, 0, PMMF_ACCESS_READ, 0));
  assert_status(pmmf_view_map_at(&v, ro, 0, G, PMMF_ACCESS_WRITE, 0, base), PMMF_E_ACCESS);
  assert_ok(pmmf_map_close(ro));
  assert_ptr_equal(v, SENTINEL);
  /* Still free. */
  v = NULL;
  assert_ok(pmmf_view_map_at(&v, map, 0, 2 * G, PMMF_ACCESS_READ, 0, base));
  assert_ptr_equal(pmmf_view_data(v), base);
  assert_ok(pmmf_view_unmap(v));
}

/* An anonymous map at a fixed address. */
static void test_fixed_anonymous(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *a = NULL, *b = NULL;
  void *base = find_free_address(3 * G);
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 3 * G, 0));
  assert_ok(pmmf_view_map_at(&a, m, G, 0, PMMF_ACCESS_WRITE, 0, base));
  assert_ptr_equal(pmmf_view_data(a), base);
  assert_int_equal(pmmf_view_size(a), 2 * G);
  assert_int_equal(support_check_byte(base, 2 * G, 0), -1);
  assert_ok(pmmf_view_map(&b, m, 0, 0, PMMF_ACCESS_READ, 0));
  ((unsigned char *)base)[5] = 0x55;
  assert_int_equal(((unsigned char *)pmmf_view_data(b))[G + 5], 0x55);
  assert_ok(pmmf_view_unmap(a));
  assert_ok(pmmf_view_unmap(b));
  assert_ok(pmmf_map_close(m));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_base),
      cmocka_unit_test(test_misaligned),
      cmocka_unit_test(test_misaligned_native),
      cmocka_unit_test(test_success_at_base),
      cmocka_unit_test(test_fixed_view_shares),
      cmocka_unit_test(test_occupied_by_view),
      cmocka_unit_test(test_occupied_by_heap),
      cmocka_unit_test(test_fixed_other_errors),
      cmocka_unit_test(test_fixed_anonymous),
  };
  return cmocka_run_group_tests_name("fixed", tests, group_setup, group_teardown);
}
