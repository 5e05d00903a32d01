/* SPDX-License-Identifier: MIT */
/*
 * test_window.c - conformance of sliding windows (pmmf_window_*): any request
 * of up to the window's size is served whole (straddling granules and the
 * current view), at random offsets and lengths checked against a pattern;
 * the window remaps only when a request leaves its view and holds one view of
 * about its size; writes through a WRITE window reach the file, a COPY
 * window's do not; access follows the view rules; bad input changes nothing;
 * short of address space the window reuses its own.
 */
#include "support.h"

#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define FSIZE ((size_t)3 * 1024 * 1024 + 4321)
#define SEED 11u

/* A small deterministic PRNG (xorshift64*): the same sequence everywhere. */
static uint64_t rng_state;
static void rng_seed(uint64_t seed) {
  rng_state = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
}
static uint64_t rng_next(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * UINT64_C(0x2545F4914F6CDD1D);
}
static uint64_t rng_below(uint64_t n) {
  return rng_next() % n;
}

struct fixture {
  const char *path;
  pmmf_file *f;
  pmmf_map *m;
};

static void open_pattern(struct fixture *x, const char *name, unsigned open_flags,
                         pmmf_access access) {
  x->path = support_path(name);
  assert_int_equal(support_write_pattern(x->path, FSIZE, SEED), 0);
  x->f = NULL;
  x->m = NULL;
  assert_ok(pmmf_file_open(&x->f, x->path, open_flags));
  assert_ok(pmmf_map_file(&x->m, x->f, 0, access, 0));
}

static void close_fixture(struct fixture *x) {
  assert_ok(pmmf_map_close(x->m));
  assert_ok(pmmf_file_close(x->f));
}

/* The address space a window holds: its view is never longer than the window
 * size rounded up to the granularity plus one granule. */
static void assert_bounded(const pmmf_window *w) {
  size_t g = pmmf_granularity();
  size_t most = (w->window_size + g - 1) / g * g + g;
  assert_true(w->granules * g <= most);
  if (w->mapped)
    assert_true(w->view.mapped <= most);
}

/* A get inside the current view makes no OS call: any call would fire the
 * armed fault. */
static void assert_served_without_remap(pmmf_window *w, uint64_t offset, size_t length,
                                        void *expected) {
  void *ptr = NULL;
  pmmf__fault_arm(NULL, 0, PMMF__FAULT_IO);
  assert_ok(pmmf_window_get(w, offset, length, &ptr));
  assert_false(pmmf__fault_fired());
  pmmf__fault_disarm();
  assert_ptr_equal(ptr, expected);
}

static void test_window_bad_input(void **state) {
  static const int bad_access[] = {0, 4, -1, INT_MAX};
  struct fixture x;
  pmmf_window *w = SENTINEL, *ok = NULL;
  pmmf_map *ro = NULL, *cow = NULL;
  void *ptr = SENTINEL, *first = NULL;
  uint64_t size;
  size_t i;
  (void)state;
  open_pattern(&x, "window-bad.bin", PMMF_OPEN_WRITE, PMMF_ACCESS_WRITE);
  size = pmmf_map_size(x.m);

  assert_status(pmmf_window_open(NULL, x.m, 65536, PMMF_ACCESS_READ), PMMF_E_INVALID);
  assert_status(pmmf_window_open(&w, NULL, 65536, PMMF_ACCESS_READ), PMMF_E_INVALID);
  assert_status(pmmf_window_open(&w, x.m, 0, PMMF_ACCESS_READ), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_access); i++)
    assert_status(pmmf_window_open(&w, x.m, 65536, (pmmf_access)bad_access[i]), PMMF_E_INVALID);
  /* Access against the map, as for views. */
  assert_ok(pmmf_map_file(&ro, x.f, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_map_file(&cow, x.f, 0, PMMF_ACCESS_COPY, 0));
  assert_status(pmmf_window_open(&w, ro, 65536, PMMF_ACCESS_WRITE), PMMF_E_ACCESS);
  assert_status(pmmf_window_open(&w, cow, 65536, PMMF_ACCESS_WRITE), PMMF_E_ACCESS);
  assert_ptr_equal(w, SENTINEL);
  assert_ok(pmmf_map_close(ro));
  assert_ok(pmmf_map_close(cow));
  /* A window larger than the whole map is fine: its view is the map. */
  assert_ok(pmmf_window_open(&ok, x.m, SIZE_MAX, PMMF_ACCESS_READ));
  assert_ok(pmmf_window_get(ok, 0, FSIZE, &first));
  assert_pattern(first, FSIZE, 0, SEED);
  assert_ok(pmmf_window_close(ok));

  ok = NULL;
  assert_ok(pmmf_window_open(&ok, x.m, 100000, PMMF_ACCESS_READ));
  assert_ok(pmmf_window_get(ok, 5000, 100, &first));
  assert_status(pmmf_window_get(NULL, 0, 1, &ptr), PMMF_E_INVALID);
  assert_status(pmmf_window_get(ok, 0, 1, NULL), PMMF_E_INVALID);
  assert_status(pmmf_window_get(ok, 0, 0, &ptr), PMMF_E_INVALID);
  assert_status(pmmf_window_get(ok, 0, 100001, &ptr), PMMF_E_INVALID);
  assert_status(pmmf_window_get(ok, 0, SIZE_MAX, &ptr), PMMF_E_INVALID);
  assert_status(pmmf_window_get(ok, size, 1, &ptr), PMMF_E_RANGE);
  assert_status(pmmf_window_get(ok, size - 1, 2, &ptr), PMMF_E_RANGE);
  assert_status(pmmf_window_get(ok, size + 100000, 1, &ptr), PMMF_E_RANGE);
  assert_status(pmmf_window_get(ok, UINT64_MAX, 1, &ptr), PMMF_E_RANGE);
  assert_status(pmmf_window_get(ok, UINT64_MAX - 10, 100, &ptr), PMMF_E_RANGE);
  assert_int_equal(pmmf_last_os_error(), 0);
  assert_ptr_equal(ptr, SENTINEL);
  /* Nothing changed: the previous pointer is still valid, without a remap. */
  assert_pattern(first, 100, 5000, SEED);
  assert_served_without_remap(ok, 5000, 100, first);
  /* The last byte and a request ending exactly at the end are fine. */
  assert_ok(pmmf_window_get(ok, size - 1, 1, &ptr));
  assert_pattern(ptr, 1, size - 1, SEED);
  assert_ok(pmmf_window_get(ok, size - 100000, 100000, &ptr));
  assert_pattern(ptr, 100000, size - 100000, SEED);
  assert_ok(pmmf_window_close(ok));
  assert_ok(pmmf_window_close(NULL));
  close_fixture(&x);
}

/* Random requests against the pattern, for several window sizes: each is
 * served whole, a sub-range of it again without any OS call, and the window
 * never holds more than about its size. */
static void test_window_random(void **state) {
  static const size_t sizes[] = {1, 4095, 4097, 65536, 65537, 300000};
  struct fixture x;
  size_t s;
  (void)state;
  open_pattern(&x, "window-random.bin", PMMF_OPEN_READ, PMMF_ACCESS_READ);
  rng_seed(1);
  for (s = 0; s < SUPPORT_ARRAY_LEN(sizes); s++) {
    size_t wsize = sizes[s];
    pmmf_window *w = NULL;
    int i;
    assert_ok(pmmf_window_open(&w, x.m, wsize, PMMF_ACCESS_READ));
    for (i = 0; i < 400; i++) {
      uint64_t offset = rng_below(FSIZE);
      size_t most = FSIZE - (size_t)offset < wsize ? FSIZE - (size_t)offset : wsize;
      size_t length = 1 + (size_t)rng_below(most);
      size_t skip = (size_t)rng_below(length);
      void *ptr = NULL;
      assert_ok(pmmf_window_get(w, offset, length, &ptr));
      if (support_check(ptr, length, offset, SEED) != -1)
        fail_msg("window %lu: get(%llu, %lu) does not hold the pattern", (unsigned long)wsize,
                 (unsigned long long)offset, (unsigned long)length);
      assert_bounded(w);
      assert_served_without_remap(w, offset + skip, length - skip, (char *)ptr + skip);
    }
    assert_ok(pmmf_window_close(w));
  }
  close_fixture(&x);
}

/* Requests that straddle a granule, the 64 KiB boundary and the end of the
 * current view are served whole, never split; the largest request fits from
 * the worst starting place (the last byte of a granule). */
static void test_window_straddle(void **state) {
  struct fixture x;
  pmmf_window *w = NULL;
  size_t g = pmmf_granularity(), wsize = 65536;
  void *ptr = NULL;
  uint64_t end;
  (void)state;
  open_pattern(&x, "window-straddle.bin", PMMF_OPEN_READ, PMMF_ACCESS_READ);
  assert_ok(pmmf_window_open(&w, x.m, wsize, PMMF_ACCESS_READ));
  assert_ok(pmmf_window_get(w, 0, 100, &ptr));
  assert_pattern(ptr, 100, 0, SEED);
  /* Across the end of the current view: a new view holds all of it. */
  end = w->view.offset + w->view.length;
  assert_ok(pmmf_window_get(w, end - 50, 100, &ptr));
  assert_pattern(ptr, 100, end - 50, SEED);
  assert_true(w->view.offset <= end - 50 && end + 50 <= w->view.offset + w->view.length);
  /* The whole window size from the last byte of a granule. */
  assert_ok(pmmf_window_get(w, 7 * g - 1, wsize, &ptr));
  assert_pattern(ptr, wsize, 7 * g - 1, SEED);
  /* Across 64 KiB boundaries. */
  assert_ok(pmmf_window_get(w, 65536 * 5 - 3, 10, &ptr));
  assert_pattern(ptr, 10, 65536 * 5 - 3, SEED);
  assert_ok(pmmf_window_get(w, 65536 * 9 - 40000, wsize, &ptr));
  assert_pattern(ptr, wsize, 65536 * 9 - 40000, SEED);
  assert_bounded(w);
  assert_ok(pmmf_window_close(w));
  close_fixture(&x);
}

/* Walking forwards or backwards, the window remaps about once per window's
 * worth of bytes, not at every step. */
static void test_window_walks(void **state) {
  struct fixture x;
  pmmf_window *w = NULL;
  size_t wsize = 200000, step = 10000, remaps = 0, most;
  uint64_t pos, last = UINT64_MAX;
  void *ptr = NULL;
  (void)state;
  open_pattern(&x, "window-walk.bin", PMMF_OPEN_READ, PMMF_ACCESS_READ);
  most = FSIZE / wsize + 2;
  assert_ok(pmmf_window_open(&w, x.m, wsize, PMMF_ACCESS_READ));
  for (pos = 0; pos + step <= FSIZE; pos += step) {
    assert_ok(pmmf_window_get(w, pos, step, &ptr));
    assert_pattern(ptr, step, pos, SEED);
    if (w->view.offset != last)
      remaps++;
    last = w->view.offset;
  }
  assert_true(remaps <= most);
  remaps = 0;
  for (pos = FSIZE - step; pos >= step; pos -= step) {
    assert_ok(pmmf_window_get(w, pos, step, &ptr));
    assert_pattern(ptr, step, pos, SEED);
    if (w->view.offset != last)
      remaps++;
    last = w->view.offset;
  }
  assert_true(remaps <= most);
  assert_ok(pmmf_window_close(w));
  close_fixture(&x);
}

/* Writes through a WRITE window reach the file; a READ window over the same
 * map sees them at once; a COPY window sees its own writes while its view
 * stays, and they never reach the file. */
static void test_window_write(void **state) {
  struct fixture x;
  pmmf_window *w = NULL, *r = NULL, *c = NULL;
  unsigned char *shadow;
  void *ptr = NULL;
  int i;
  (void)state;
  open_pattern(&x, "window-write.bin", PMMF_OPEN_WRITE, PMMF_ACCESS_WRITE);
  shadow = malloc(FSIZE);
  assert_non_null(shadow);
  support_fill(shadow, FSIZE, 0, SEED);
  assert_ok(pmmf_window_open(&w, x.m, 150000, PMMF_ACCESS_WRITE));
  assert_ok(pmmf_window_open(&r, x.m, 150000, PMMF_ACCESS_READ));
  assert_ok(pmmf_window_open(&c, x.m, 150000, PMMF_ACCESS_COPY));
  rng_seed(2);
  for (i = 0; i < 300; i++) {
    uint64_t offset = rng_below(FSIZE);
    size_t most = FSIZE - (size_t)offset < 150000 ? FSIZE - (size_t)offset : 150000;
    size_t length = 1 + (size_t)rng_below(most);
    unsigned seed = 100u + (unsigned)i;
    assert_ok(pmmf_window_get(w, offset, length, &ptr));
    support_fill(ptr, length, offset, seed);
    support_fill(shadow + offset, length, offset, seed);
    assert_ok(pmmf_window_get(r, offset, length, &ptr));
    assert_memory_equal(ptr, shadow + offset, length);
    assert_ok(pmmf_window_get(c, offset, length, &ptr));
    memset(ptr, 0xC0, length);
    assert_ok(pmmf_window_get(c, offset + length - 1, 1, &ptr));
    assert_int_equal(*(unsigned char *)ptr, 0xC0);
  }
  assert_ok(pmmf_window_close(c));
  assert_ok(pmmf_window_close(r));
  assert_ok(pmmf_window_close(w));
  close_fixture(&x);
  assert_true(support_file_equals(x.path, shadow, FSIZE));
  free(shadow);
}

/* A READ window refuses nothing it should not: READ and COPY windows over a
 * file opened READ only, at every granule boundary and the very end. */
static void test_window_read_only_file(void **state) {
  struct fixture x;
  pmmf_window *w = NULL, *c = NULL;
  size_t g = pmmf_granularity();
  uint64_t pos;
  void *ptr = NULL;
  (void)state;
  open_pattern(&x, "window-read.bin", PMMF_OPEN_READ, PMMF_ACCESS_READ);
  assert_ok(pmmf_window_open(&w, x.m, 4096, PMMF_ACCESS_READ));
  assert_ok(pmmf_window_open(&c, x.m, 4096, PMMF_ACCESS_COPY));
  for (pos = 0; pos < FSIZE; pos += g) {
    size_t length = FSIZE - pos < 4096 ? (size_t)(FSIZE - pos) : 4096;
    assert_ok(pmmf_window_get(w, pos, length, &ptr));
    assert_pattern(ptr, length, pos, SEED);
    assert_ok(pmmf_window_get(c, pos + length - 1, 1, &ptr));
    assert_pattern(ptr, 1, pos + length - 1, SEED);
    *(unsigned char *)ptr ^= 0xFF; /* private to the COPY window */
  }
  assert_ok(pmmf_window_close(w));
  assert_ok(pmmf_window_close(c));
  close_fixture(&x);
  assert_true(support_file_is_pattern(x.path, FSIZE, SEED));
}

/* Windows over anonymous memory see each other's writes; the map may be closed
 * while windows are open; closing releases everything. */
static void test_window_anonymous_lifetime(void **state) {
  pmmf_map *m = NULL;
  pmmf_window *a = NULL, *b = NULL;
  void *pa = NULL, *pb = NULL;
  long allocs = pmmf__alloc_live(), maps = support_count_mappings();
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 5u << 20, 0));
  assert_ok(pmmf_window_open(&a, m, 70000, PMMF_ACCESS_WRITE));
  assert_ok(pmmf_window_open(&b, m, 70000, PMMF_ACCESS_READ));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_window_get(a, 4u << 20, 70000, &pa));
  support_fill(pa, 70000, 4u << 20, 3);
  assert_ok(pmmf_window_get(b, (4u << 20) + 1, 69999, &pb));
  assert_pattern(pb, 69999, (4u << 20) + 1, 3);
  assert_ok(pmmf_window_get(b, 0, 1, &pb));
  assert_int_equal(*(unsigned char *)pb, 0);
  assert_ok(pmmf_window_close(a));
  assert_ok(pmmf_window_close(b));
  assert_int_equal(pmmf__alloc_live(), allocs);
  assert_int_equal(support_count_mappings(), maps);
}

/* Short of address space for a second view, the window gives its view back
 * and maps the new one in its place; if even that fails, PMMF_E_NO_MEMORY,
 * *ptr untouched, and the window still works once there is room again. */
static void test_window_no_address_space(void **state) {
  struct fixture x;
  pmmf_window *w = NULL;
  const char *view_call = support_is_win32() ? "MapViewOfFileEx" : "mmap";
  void *ptr = NULL, *old_base;
  long allocs;
  (void)state;
  open_pattern(&x, "window-nomem.bin", PMMF_OPEN_READ, PMMF_ACCESS_READ);
  assert_ok(pmmf_window_open(&w, x.m, 100000, PMMF_ACCESS_READ));
  assert_ok(pmmf_window_get(w, 0, 100000, &ptr));
  old_base = w->view.base;
  /* One failure: the second view cannot be made, the first one's place is
   * reused. */
  pmmf__fault_arm(view_call, 0, PMMF__FAULT_NO_MEMORY);
  assert_ok(pmmf_window_get(w, 2000000, 100000, &ptr));
  assert_true(pmmf__fault_fired());
  pmmf__fault_disarm();
  assert_pattern(ptr, 100000, 2000000, SEED);
  assert_ptr_equal(w->view.base, old_base);
  /* No room at all. */
  allocs = pmmf__alloc_live();
  support_views_fail(1);
  ptr = SENTINEL;
  assert_status(pmmf_window_get(w, 100, 100000, &ptr), PMMF_E_NO_MEMORY);
  assert_int_not_equal(pmmf_last_os_error(), 0);
  assert_ptr_equal(ptr, SENTINEL);
  assert_false(w->mapped);
  assert_status(pmmf_window_get(w, 50, 10, &ptr), PMMF_E_NO_MEMORY);
  support_views_fail(0);
  assert_int_equal(pmmf__alloc_live(), allocs);
  assert_ok(pmmf_window_get(w, 100, 100000, &ptr));
  assert_pattern(ptr, 100000, 100, SEED);
  assert_ok(pmmf_window_close(w));
  close_fixture(&x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_window_bad_input),
      cmocka_unit_test(test_window_random),
      cmocka_unit_test(test_window_straddle),
      cmocka_unit_test(test_window_walks),
      cmocka_unit_test(test_window_write),
      cmocka_unit_test(test_window_read_only_file),
      cmocka_unit_test(test_window_anonymous_lifetime),
      cmocka_unit_test(test_window_no_address_space),
  };
  return cmocka_run_group_tests_name("window", tests, support_group_setup,
                                     support_group_teardown);
}
