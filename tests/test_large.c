/* SPDX-License-Identifier: MIT */
/*
 * test_large.c - conformance beyond 4 GiB, on every build (32-bit ones
 * included, compiled like any user's code: without _FILE_OFFSET_BITS):
 * sparse files (PMMF_OPEN_SPARSE) of 5 GiB and more that occupy almost no
 * disk, views at offsets above 4 GiB and straddling it, windows walking across the 4 GiB boundary
 * with random requests checked against a pattern, growth past 4 GiB through
 * PMMF_MAP_GROW, and a whole-file view that does not fit size_t
 * (PMMF_E_TOO_LARGE on 32-bit builds, a plain view on 64-bit ones).
 *
 * Only a few MiB are ever written. The tests skip if the temporary
 * directory's file system has less than MIN_FREE bytes free.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#  include <sys/types.h>
#  if defined(_FILE_OFFSET_BITS)
#    error "test_large.c must be compiled without _FILE_OFFSET_BITS, as a user's code may be"
#  endif
#  if defined(__GLIBC__) && !defined(__LP64__)
/* 32-bit glibc: this file really has the 32-bit off_t a user gets by default. */
_Static_assert(sizeof(off_t) == 4, "off_t is 32-bit here");
#  endif
#endif

#define GIB ((uint64_t)1 << 30)
#define MIB ((uint64_t)1 << 20)
#define FOUR_GIB (4 * GIB)
#define LARGE (5 * GIB + 12345)
#define MIN_FREE (1 * GIB)
/* A sparse 5 GiB file may occupy at most this much (metadata, a few blocks). */
#define MOST_ALLOCATED (64 * MIB)
#define SEED 23u

static uint64_t rng_state;
static uint64_t rng_below(uint64_t n) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (rng_state * UINT64_C(0x2545F4914F6CDD1D)) % n;
}

static int group_setup(void **state) {
  int64_t avail;
  if (support_group_setup(state) != 0)
    return -1;
  avail = support_disk_free(support_tmpdir());
  if (avail >= 0 && avail < (int64_t)MIN_FREE)
    *state = (void *)"skip";
  return 0;
}

#define SKIP_IF_NO_ROOM(state)                                                         \
  do {                                                                                 \
    if (*(state) != NULL) {                                                            \
      print_message("skipped: less than %llu bytes free in %s\n",                      \
                    (unsigned long long)MIN_FREE, support_tmpdir());                   \
      skip();                                                                          \
    }                                                                                  \
  } while (0)

/* A new sparse file of `size` bytes, grown by the library. */
static pmmf_file *sparse_file(const char *path, uint64_t size) {
  pmmf_file *f = NULL;
  uint64_t got = 0;
  int64_t allocated;
  support_remove_file(path);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW | PMMF_OPEN_SPARSE));
  assert_ok(pmmf_file_resize(f, size));
  assert_ok(pmmf_file_size(f, &got));
  assert_true(got == size);
  assert_true(support_file_size(path) == (int64_t)size);
  allocated = support_file_allocated(path);
  if (allocated >= 0 && allocated > (int64_t)MOST_ALLOCATED)
    fail_msg("%s: %lld bytes allocated for a sparse file of %llu: the file system does not "
             "grow files sparsely",
             path, (long long)allocated, (unsigned long long)size);
  return f;
}

/* Write the pattern at [offset, offset + len) through a view of its own. */
static void write_through_view(pmmf_map *m, uint64_t offset, size_t len) {
  pmmf_view *v = NULL;
  unsigned char *buf = malloc(len);
  assert_non_null(buf);
  support_fill(buf, len, offset, SEED);
  assert_ok(pmmf_view_map(&v, m, offset, len, PMMF_ACCESS_WRITE, 0));
  assert_true(pmmf_view_offset(v) == offset);
  assert_int_equal(pmmf_view_size(v), len);
  assert_ok(pmmf_view_write(v, 0, buf, len));
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_ASYNC));
  assert_ok(pmmf_view_unmap(v));
  free(buf);
}

/* The file holds the pattern at [offset, offset + len), read with stdio. */
static void assert_file_pattern(const char *path, uint64_t offset, size_t len) {
  unsigned char *buf = malloc(len);
  assert_non_null(buf);
  assert_int_equal(support_read_at(path, offset, buf, len), 0);
  if (support_check(buf, len, offset, SEED) != -1)
    fail_msg("%s: no pattern at %llu (+%lu)", path, (unsigned long long)offset,
             (unsigned long)len);
  free(buf);
}

static void assert_file_zero(const char *path, uint64_t offset, size_t len) {
  unsigned char buf[256];
  assert_true(len <= sizeof buf);
  assert_int_equal(support_read_at(path, offset, buf, len), 0);
  assert_int_equal(support_check_byte(buf, len, 0), -1);
}

/* Views above 4 GiB and across it, on every build: offsets are 64-bit, the
 * views themselves small. */
static void test_large_views(void **state) {
  const char *path = support_path("large-views.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char buf[64];
  (void)state;
  SKIP_IF_NO_ROOM(state);
  f = sparse_file(path, LARGE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_true(pmmf_map_size(m) == LARGE);
  write_through_view(m, FOUR_GIB - 5000, 10000);          /* straddling 4 GiB */
  write_through_view(m, FOUR_GIB, 4096);                  /* at 4 GiB exactly */
  write_through_view(m, FOUR_GIB + 3 * 65536 + 7, 100000); /* above, unaligned */
  write_through_view(m, LARGE - 777, 777);                /* the very end */
  write_through_view(m, 2 * GIB - 10, 20);                /* straddling 2 GiB */
  /* Read back through READ views, with pointers and guarded copies. */
  assert_ok(pmmf_view_map(&v, m, FOUR_GIB - 1, 2, PMMF_ACCESS_READ, 0));
  assert_pattern(pmmf_view_data(v), 2, FOUR_GIB - 1, SEED);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_map(&v, m, FOUR_GIB + 3 * 65536, 65536, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_read(v, 7, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, FOUR_GIB + 3 * 65536 + 7, SEED);
  assert_ok(pmmf_view_read(v, 0, buf, 7));
  assert_int_equal(support_check_byte(buf, 7, 0), -1);
  assert_ok(pmmf_view_unmap(v));
  /* A view whose length is 0 ("to the end") from above 4 GiB. */
  assert_ok(pmmf_view_map(&v, m, LARGE - 1000, 0, PMMF_ACCESS_READ, 0));
  assert_int_equal(pmmf_view_size(v), 1000);
  assert_pattern((unsigned char *)pmmf_view_data(v) + 223, 777, LARGE - 777, SEED);
  assert_ok(pmmf_view_unmap(v));
  /* Beyond the end, above 4 GiB. */
  v = SENTINEL;
  assert_status(pmmf_view_map(&v, m, LARGE, 1, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
  assert_status(pmmf_view_map(&v, m, LARGE - 10, 11, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
  assert_ptr_equal(v, SENTINEL);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  /* What reached the file, read with stdio at 64-bit offsets. */
  assert_file_pattern(path, FOUR_GIB - 5000, 10000);
  assert_file_pattern(path, FOUR_GIB, 4096);
  assert_file_pattern(path, FOUR_GIB + 3 * 65536 + 7, 100000);
  assert_file_pattern(path, LARGE - 777, 777);
  assert_file_pattern(path, 2 * GIB - 10, 20);
  assert_file_zero(path, FOUR_GIB - 5100, 100);
  assert_file_zero(path, 3 * GIB, 100);
  assert_true(support_file_size(path) == (int64_t)LARGE);
  assert_int_equal(support_remove_file(path), 0);
}

/* A view of the whole 5 GiB file: fine where size_t has 64 bits; on a 32-bit
 * build PMMF_E_TOO_LARGE, output untouched, and so is a window whose view
 * would not fit. Not a backend difference: the width of size_t. */
static void test_large_whole_view(void **state) {
  const char *path = support_path("large-whole.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = SENTINEL;
  pmmf_window *w = NULL;
  (void)state;
  SKIP_IF_NO_ROOM(state);
  f = sparse_file(path, LARGE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  if (sizeof(size_t) < sizeof(uint64_t)) {
    assert_status(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0), PMMF_E_TOO_LARGE);
    assert_status(pmmf_view_map(&v, m, 1, 0, PMMF_ACCESS_READ, 0), PMMF_E_TOO_LARGE);
    assert_status(pmmf_view_map(&v, m, 100, SIZE_MAX, PMMF_ACCESS_READ, 0), PMMF_E_TOO_LARGE);
    assert_ptr_equal(v, SENTINEL);
    assert_int_equal(pmmf_last_os_error(), 0);
    /* A window whose view would not fit size_t either. */
    w = SENTINEL;
    assert_status(pmmf_window_open(&w, m, SIZE_MAX, PMMF_ACCESS_READ), PMMF_E_TOO_LARGE);
    assert_ptr_equal(w, SENTINEL);
  } else {
    unsigned char *p;
    assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
    assert_true((uint64_t)pmmf_view_size(v) == LARGE);
    p = pmmf_view_data(v);
    assert_int_equal(p[0], 0);
    assert_int_equal(p[FOUR_GIB], 0);
    assert_int_equal(p[LARGE - 1], 0);
    assert_ok(pmmf_view_unmap(v));
    /* A window as large as size_t allows: its view is the whole map. */
    assert_ok(pmmf_window_open(&w, m, SIZE_MAX, PMMF_ACCESS_READ));
    assert_ok(pmmf_window_get(w, LARGE - 1, 1, (void **)&p));
    assert_int_equal(*p, 0);
    assert_ok(pmmf_window_close(w));
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_remove_file(path), 0);
}

/* Windows walk across the 4 GiB boundary: a WRITE window fills 6 MiB around it
 * sequentially, a READ window then serves random requests there (many of them
 * straddling 4 GiB) and a few far away, all checked against the pattern. */
static void test_large_window_walk(void **state) {
  const char *path = support_path("large-window.bin");
  const uint64_t lo = FOUR_GIB - 3 * MIB, hi = FOUR_GIB + 3 * MIB;
  const size_t wsize = 1048576 + 3, chunk = 300001;
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_window *w = NULL;
  uint64_t pos;
  void *ptr = NULL;
  int i;
  (void)state;
  SKIP_IF_NO_ROOM(state);
  f = sparse_file(path, LARGE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_window_open(&w, m, wsize, PMMF_ACCESS_WRITE));
  for (pos = lo; pos < hi; pos += chunk) {
    size_t len = hi - pos < chunk ? (size_t)(hi - pos) : chunk;
    assert_ok(pmmf_window_get(w, pos, len, &ptr));
    support_fill(ptr, len, pos, SEED);
  }
  assert_ok(pmmf_window_close(w));

  w = NULL;
  assert_ok(pmmf_window_open(&w, m, wsize, PMMF_ACCESS_READ));
  rng_state = 0x5EED;
  for (i = 0; i < 300; i++) {
    size_t len = 1 + (size_t)rng_below(wsize);
    uint64_t offset;
    if (i % 3 == 0) /* straddling 4 GiB */
      offset = FOUR_GIB - 1 - rng_below(len - 1 < 1 ? 1 : len - 1);
    else
      offset = lo + rng_below(hi - lo - len);
    if (len < 2)
      offset = FOUR_GIB - 1;
    assert_ok(pmmf_window_get(w, offset, len, &ptr));
    if (support_check(ptr, len, offset, SEED) != -1)
      fail_msg("get(%llu, %lu): no pattern", (unsigned long long)offset, (unsigned long)len);
  }
  /* Far away, on both sides, and back: zeros where nothing was written. */
  assert_ok(pmmf_window_get(w, 0, wsize, &ptr));
  assert_int_equal(support_check_byte(ptr, wsize, 0), -1);
  assert_ok(pmmf_window_get(w, LARGE - wsize, wsize, &ptr));
  assert_int_equal(support_check_byte(ptr, wsize, 0), -1);
  assert_ok(pmmf_window_get(w, FOUR_GIB - 2, 4, &ptr));
  assert_pattern(ptr, 4, FOUR_GIB - 2, SEED);
  assert_ok(pmmf_window_close(w));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_file_pattern(path, lo, (size_t)(hi - lo));
  assert_file_zero(path, lo - 100, 100);
  assert_file_zero(path, hi, 100);
  assert_int_equal(support_remove_file(path), 0);
}

/* PMMF_MAP_GROW past 4 GiB: the file (opened SPARSE) grows sparsely to the
 * map's size, and its last byte is reachable through a window. */
static void test_large_map_grow(void **state) {
  const char *path = support_path("large-grow.bin");
  const uint64_t size = FOUR_GIB + 65536 + 1;
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_window *w = NULL;
  unsigned char *p = NULL;
  int64_t allocated;
  (void)state;
  SKIP_IF_NO_ROOM(state);
  f = sparse_file(path, 0);
  assert_ok(pmmf_map_file(&m, f, size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_true(support_file_size(path) == (int64_t)size);
  allocated = support_file_allocated(path);
  assert_true(allocated < 0 || allocated <= (int64_t)MOST_ALLOCATED);
  assert_ok(pmmf_window_open(&w, m, 1, PMMF_ACCESS_WRITE));
  assert_ok(pmmf_window_get(w, size - 1, 1, (void **)&p));
  *p = 0x77;
  assert_ok(pmmf_window_get(w, 0, 1, (void **)&p));
  *p = 0x78;
  assert_ok(pmmf_window_close(w));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  {
    unsigned char b = 0;
    assert_int_equal(support_read_at(path, size - 1, &b, 1), 0);
    assert_int_equal(b, 0x77);
    assert_int_equal(support_read_at(path, 0, &b, 1), 0);
    assert_int_equal(b, 0x78);
  }
  assert_int_equal(support_remove_file(path), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_large_views),
      cmocka_unit_test(test_large_whole_view),
      cmocka_unit_test(test_large_window_walk),
      cmocka_unit_test(test_large_map_grow),
  };
  return cmocka_run_group_tests_name("large", tests, group_setup, support_group_teardown);
}
