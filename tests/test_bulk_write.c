/* SPDX-License-Identifier: MIT */
/*
 * test_bulk_write.c - conformance of large pmmf_view_write calls (issue 15:
 * from 256 KiB on, a shared file view may be written with the file I/O call
 * where the OS keeps it coherent with the mapping): whatever path the
 * backend takes, the view's pointer, other views of the file, guarded reads
 * and the file read back with stdio all see the bytes at once; writes through
 * the pointer and through pmmf_view_write mix in either order; the file
 * never grows; COPY views keep their bytes private and anonymous maps work.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#define FILE_SIZE (2u << 20)
#define BULK (1u << 20)

static unsigned char *pattern(size_t len, unsigned seed) {
  unsigned char *b = malloc(len);
  size_t i;
  assert_non_null(b);
  for (i = 0; i < len; i++)
    b[i] = (unsigned char)((i * 131u + seed * 7u + (i >> 9)) & 0xFF);
  return b;
}

/* A fresh file grown by the map, a WRITE view at an unaligned offset: 1 MiB
 * written through pmmf_view_write is in the pointer, in a second view of
 * another map of another open of the file, in a guarded read, and in the
 * file (stdio) after a SYNC flush; the size never changes. */
static void test_bulk_write_coherent(void **state) {
  const char *path = support_path("bulk.bin");
  pmmf_file *f = NULL, *g = NULL;
  pmmf_map *m = NULL, *m2 = NULL;
  pmmf_view *v = NULL, *w = NULL;
  unsigned char *src = pattern(BULK, 3), *back = malloc(BULK), *file;
  size_t len = 0;
  uint64_t size = 0;
  (void)state;
  assert_non_null(back);
  support_remove_file(path);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  assert_ok(pmmf_map_file(&m, f, FILE_SIZE, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_view_map(&v, m, 4097, FILE_SIZE - 8192, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_file_open(&g, path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&m2, g, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&w, m2, 0, 0, PMMF_ACCESS_READ, 0));
  /* Touch the pages of the view first: the mapping is live before the write. */
  assert_int_equal(((volatile unsigned char *)pmmf_view_data(v))[5000], 0);
  assert_int_equal(((volatile unsigned char *)pmmf_view_data(w))[4097 + 5000], 0);

  assert_ok(pmmf_view_write(v, 1000, src, BULK));
  assert_memory_equal((char *)pmmf_view_data(v) + 1000, src, BULK);
  assert_memory_equal((char *)pmmf_view_data(w) + 4097 + 1000, src, BULK);
  assert_ok(pmmf_view_read(v, 1000, back, BULK));
  assert_memory_equal(back, src, BULK);
  assert_int_equal(support_check_byte((char *)pmmf_view_data(v), 1000, 0), -1);
  assert_int_equal(support_check_byte((char *)pmmf_view_data(v) + 1000 + BULK, 4096, 0), -1);
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, FILE_SIZE);

  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  file = support_read_file(path, &len);
  assert_non_null(file);
  assert_int_equal(len, FILE_SIZE);
  assert_memory_equal(file + 4097 + 1000, src, BULK);
  assert_int_equal(support_check_byte(file, 4097 + 1000, 0), -1);
  free(file);

  assert_ok(pmmf_view_unmap(w));
  assert_ok(pmmf_map_close(m2));
  assert_ok(pmmf_file_close(g));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path), FILE_SIZE);
  free(src);
  free(back);
  support_remove_file(path);
}

/* Pointer writes and bulk writes mix: pointer, then an overlapping bulk
 * write, then the pointer again inside it; each later write wins where it
 * wrote, nothing else moves. The last byte of the view is reachable. */
static void test_bulk_write_mixed_with_pointer(void **state) {
  const char *path = support_path("bulk-mix.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *src = pattern(BULK, 9), *expect = calloc(1, FILE_SIZE), *file;
  char *p;
  size_t len = 0;
  (void)state;
  assert_non_null(expect);
  assert_int_equal(support_write_file(path, expect, FILE_SIZE), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, PMMF_VIEW_POPULATE));
  p = pmmf_view_data(v);

  memset(p + 100000, 0xAA, 300000);
  memset(expect + 100000, 0xAA, 300000);
  assert_ok(pmmf_view_write(v, 200000, src, BULK));
  memcpy(expect + 200000, src, BULK);
  memset(p + 250000, 0x55, 1000);
  memset(expect + 250000, 0x55, 1000);
  /* To the view's very end. */
  assert_ok(pmmf_view_write(v, FILE_SIZE - 300000, src, 300000));
  memcpy(expect + FILE_SIZE - 300000, src, 300000);
  assert_memory_equal(p, expect, FILE_SIZE);
  /* One byte past the end: PMMF_E_RANGE, nothing written. */
  assert_status(pmmf_view_write(v, FILE_SIZE - 300000 + 1, src, 300000), PMMF_E_RANGE);
  assert_memory_equal(p, expect, FILE_SIZE);

  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  file = support_read_file(path, &len);
  assert_non_null(file);
  assert_int_equal(len, FILE_SIZE);
  assert_memory_equal(file, expect, FILE_SIZE);
  free(file);
  free(src);
  free(expect);
  support_remove_file(path);
}

/* A COPY view keeps a bulk write to itself (the file and other views do not
 * see it); a READ-protected WRITE view refuses it (PMMF_E_ACCESS, nothing
 * written); an anonymous map takes it. */
static void test_bulk_write_copy_read_anonymous(void **state) {
  const char *path = support_path("bulk-copy.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL, *a = NULL;
  pmmf_view *c = NULL, *v = NULL, *av = NULL;
  unsigned char *src = pattern(BULK, 5);
  (void)state;
  assert_int_equal(support_write_pattern(path, FILE_SIZE, 21), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 0, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_write(c, 4096, src, BULK));
  assert_memory_equal((char *)pmmf_view_data(c) + 4096, src, BULK);
  assert_pattern((unsigned char *)pmmf_view_data(v), FILE_SIZE, 0, 21);

  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_READ));
  assert_status(pmmf_view_write(v, 0, src, BULK), PMMF_E_ACCESS);
  assert_pattern((unsigned char *)pmmf_view_data(v), FILE_SIZE, 0, 21);
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_is_pattern(path, FILE_SIZE, 21), 1);

  assert_ok(pmmf_map_anonymous(&a, FILE_SIZE, 0));
  assert_ok(pmmf_view_map(&av, a, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_write(av, 65536, src, BULK));
  assert_memory_equal((char *)pmmf_view_data(av) + 65536, src, BULK);
  assert_ok(pmmf_view_unmap(av));
  assert_ok(pmmf_map_close(a));
  free(src);
  support_remove_file(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bulk_write_coherent),
      cmocka_unit_test(test_bulk_write_mixed_with_pointer),
      cmocka_unit_test(test_bulk_write_copy_read_anonymous),
  };
  return cmocka_run_group_tests_name("bulk_write", tests, support_group_setup,
                                     support_group_teardown);
}
