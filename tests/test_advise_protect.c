/* SPDX-License-Identifier: MIT */
/*
 * test_advise_protect.c - conformance of pmmf_view_advise (every advice is OK
 * or UNSUPPORTED and never changes contents; DONTNEED on COPY is UNSUPPORTED;
 * bad values and ranges), pmmf_view_protect (exactly the allowed transitions),
 * and the guarded copies pmmf_view_read / pmmf_view_write (ranges, length 0,
 * PMMF_E_ACCESS with memory untouched on a view that is currently READ).
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#define FSIZE ((size_t)200000)

static const pmmf_advice all_advice[] = {PMMF_ADVICE_NORMAL, PMMF_ADVICE_SEQUENTIAL,
                                         PMMF_ADVICE_RANDOM, PMMF_ADVICE_WILLNEED,
                                         PMMF_ADVICE_DONTNEED};

static pmmf_file *open_file(const char *path, unsigned flags) {
  pmmf_file *f = NULL;
  assert_ok(pmmf_file_open(&f, path, flags));
  return f;
}

/*
 * The status an advice gives on a view that is not COPY. The backends differ
 * here by design: POSIX has madvise for all five; Windows has no
 * SEQUENTIAL/RANDOM/DONTNEED equivalent for a view, and WILLNEED needs
 * PrefetchVirtualMemory (Windows 8+), which may be missing (e.g. under Wine).
 */
static void check_advice_status(int rc, pmmf_advice advice) {
  if (!support_is_win32()) {
    assert_status(rc, PMMF_OK);
    return;
  }
  switch (advice) {
  case PMMF_ADVICE_NORMAL:
    assert_status(rc, PMMF_OK);
    break;
  case PMMF_ADVICE_WILLNEED:
    if (rc != PMMF_OK)
      assert_status(rc, PMMF_E_UNSUPPORTED);
    break;
  default:
    assert_status(rc, PMMF_E_UNSUPPORTED);
    break;
  }
}

static void advise_all(pmmf_view *v, size_t offset, size_t length, int is_copy) {
  size_t i;
  for (i = 0; i < SUPPORT_ARRAY_LEN(all_advice); i++) {
    int rc = pmmf_view_advise(v, offset, length, all_advice[i]);
    if (is_copy && all_advice[i] == PMMF_ADVICE_DONTNEED)
      assert_status(rc, PMMF_E_UNSUPPORTED);
    else
      check_advice_status(rc, all_advice[i]);
  }
}

static void test_advise_file_views(void **state) {
  const char *path = support_path("advise.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *w = NULL, *r = NULL, *c = NULL;
  unsigned char *pw, *pc;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 80), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&w, m, 4097, 150000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&r, m, 65537, 0, PMMF_ACCESS_READ, 0));
  /* c covers [1, 60001) of the file, away from the WRITE view's writes. */
  assert_ok(pmmf_view_map(&c, m, 1, 60000, PMMF_ACCESS_COPY, 0));
  pw = pmmf_view_data(w);
  pc = pmmf_view_data(c);
  /* Unflushed writes in a WRITE view and private writes in a COPY view. */
  memset(pw + 70000, 0x5C, 5000);
  memset(pc + 10000, 0x6D, 5000);

  advise_all(w, 0, 0, 0);
  advise_all(w, 1, 4096, 0);
  advise_all(w, 69999, 6000, 0);
  advise_all(r, 0, 0, 0);
  advise_all(r, 100, 1, 0);
  advise_all(c, 0, 0, 1);
  advise_all(c, 10000, 10, 1);

  /* Contents never change. */
  assert_pattern(pw, 70000, 4097, 80);
  assert_int_equal(support_check_byte(pw + 70000, 5000, 0x5C), -1);
  assert_pattern(pw + 75000, 150000 - 75000, 4097 + 75000, 80);
  assert_pattern(pc, 10000, 1, 80);
  assert_int_equal(support_check_byte(pc + 10000, 5000, 0x6D), -1);
  assert_pattern(pc + 15000, 60000 - 15000, 15001, 80);
  {
    /* r covers [65537, 200000): the WRITE view's bytes at [74097, 79097) show there. */
    unsigned char *pr = pmmf_view_data(r);
    assert_pattern(pr, 74097 - 65537, 65537, 80);
    assert_int_equal(support_check_byte(pr + 74097 - 65537, 5000, 0x5C), -1);
    assert_pattern(pr + 79097 - 65537, FSIZE - 79097, 79097, 80);
  }
  assert_ok(pmmf_view_unmap(w));
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

static void test_advise_anonymous(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *c = NULL;
  unsigned char *p;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 300000, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 65536, 65536, PMMF_ACCESS_COPY, 0));
  p = pmmf_view_data(v);
  support_fill(p, 300000, 0, 81);
  advise_all(v, 0, 0, 0);
  advise_all(v, 12345, 70000, 0);
  advise_all(c, 0, 0, 1);
  assert_pattern(p, 300000, 0, 81);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_map_close(m));
}

static void test_advise_bad_arguments(void **state) {
  static const int bad[] = {5, 6, -1, 100, 0x7fffffff};
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  const size_t vs = 70000;
  size_t i;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, vs, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  support_fill(pmmf_view_data(v), vs, 0, 82);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad); i++)
    assert_status(pmmf_view_advise(v, 0, 0, (pmmf_advice)bad[i]), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(all_advice); i++) {
    assert_status(pmmf_view_advise(NULL, 0, 0, all_advice[i]), PMMF_E_INVALID);
    assert_status(pmmf_view_advise(v, vs, 0, all_advice[i]), PMMF_E_RANGE);
    assert_status(pmmf_view_advise(v, vs, 1, all_advice[i]), PMMF_E_RANGE);
    assert_status(pmmf_view_advise(v, 0, vs + 1, all_advice[i]), PMMF_E_RANGE);
    assert_status(pmmf_view_advise(v, vs - 1, 2, all_advice[i]), PMMF_E_RANGE);
    assert_status(pmmf_view_advise(v, 1, SIZE_MAX, all_advice[i]), PMMF_E_RANGE);
    assert_status(pmmf_view_advise(v, SIZE_MAX, 1, all_advice[i]), PMMF_E_RANGE);
  }
  assert_pattern(pmmf_view_data(v), vs, 0, 82);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
}

/* Created WRITE: WRITE <-> READ only. */
static void test_protect_write_view(void **state) {
  const char *path = support_path("protw.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *p, before[16];
  (void)state;
  assert_int_equal(support_write_pattern(path, 70000, 83), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 4097, 0, PMMF_ACCESS_WRITE, 0));
  p = pmmf_view_data(v);
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_WRITE));
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_READ));
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_READ));
  /* Currently READ: pmmf_view_write refuses and touches nothing. */
  memcpy(before, p + 100, sizeof before);
  assert_status(pmmf_view_write(v, 100, "0123456789abcdef", 16), PMMF_E_ACCESS);
  assert_memory_equal(p + 100, before, sizeof before);
  assert_pattern(p, 70000 - 4097, 4097, 83);
  /* WRITE <-> COPY never. */
  assert_status(pmmf_view_protect(v, PMMF_ACCESS_COPY), PMMF_E_ACCESS);
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_WRITE));
  assert_status(pmmf_view_protect(v, PMMF_ACCESS_COPY), PMMF_E_ACCESS);
  /* Writable again, and the write reaches the file. */
  assert_ok(pmmf_view_write(v, 100, "0123456789abcdef", 16));
  p[0] = 0x10;
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  {
    size_t len = 0;
    unsigned char *buf = support_read_file(path, &len);
    assert_non_null(buf);
    assert_int_equal(len, 70000);
    assert_int_equal(buf[4097], 0x10);
    assert_memory_equal(buf + 4197, "0123456789abcdef", 16);
    free(buf);
  }
}

/* Created COPY: COPY <-> READ only; private writes survive the round trip. */
static void test_protect_copy_view(void **state) {
  const char *path = support_path("protc.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *p;
  (void)state;
  assert_int_equal(support_write_pattern(path, 65537, 84), 0);
  f = open_file(path, PMMF_OPEN_READ);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_COPY, 0));
  p = pmmf_view_data(v);
  p[65536] = 0x21;
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_COPY));
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_READ));
  assert_int_equal(p[65536], 0x21);
  assert_status(pmmf_view_write(v, 65536, "x", 1), PMMF_E_ACCESS);
  assert_int_equal(p[65536], 0x21);
  assert_status(pmmf_view_protect(v, PMMF_ACCESS_WRITE), PMMF_E_ACCESS);
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_COPY));
  assert_status(pmmf_view_protect(v, PMMF_ACCESS_WRITE), PMMF_E_ACCESS);
  assert_int_equal(p[65536], 0x21);
  assert_ok(pmmf_view_write(v, 0, "yz", 2));
  assert_memory_equal(p, "yz", 2);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 65537, 84));
}

/* Created READ: it can never gain WRITE or COPY, even on a WRITE map. */
static void test_protect_read_view(void **state) {
  const char *path = support_path("protr.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1, 85), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_READ));
  assert_status(pmmf_view_protect(v, PMMF_ACCESS_WRITE), PMMF_E_ACCESS);
  assert_status(pmmf_view_protect(v, PMMF_ACCESS_COPY), PMMF_E_ACCESS);
  assert_status(pmmf_view_write(v, 0, "q", 1), PMMF_E_ACCESS);
  assert_pattern(pmmf_view_data(v), 1, 0, 85);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 1, 85));
}

static void test_protect_bad_arguments(void **state) {
  static const int bad[] = {0, 4, -1, 0x7fffffff};
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  size_t i;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 4096, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad); i++)
    assert_status(pmmf_view_protect(v, (pmmf_access)bad[i]), PMMF_E_INVALID);
  assert_status(pmmf_view_protect(NULL, PMMF_ACCESS_READ), PMMF_E_INVALID);
  /* Still WRITE. */
  assert_ok(pmmf_view_write(v, 0, "ok", 2));
  assert_memory_equal(pmmf_view_data(v), "ok", 2);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
}

static void test_view_read_write(void **state) {
  const char *path = support_path("rw.bin");
  pmmf_file *f;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *r = NULL;
  unsigned char buf[70000], guard[16];
  const size_t vs = 131072;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 86), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 65535, vs, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&r, m, 65535, vs, PMMF_ACCESS_READ, 0));

  /* Reads: exact bytes, across 64 KiB boundaries. */
  assert_ok(pmmf_view_read(v, 0, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 65535, 86);
  assert_ok(pmmf_view_read(r, vs - 10, buf, 10));
  assert_pattern(buf, 10, 65535 + vs - 10, 86);
  /* Length 0 copies nothing. */
  memset(buf, 0xAB, 16);
  assert_ok(pmmf_view_read(v, 5, buf, 0));
  assert_ok(pmmf_view_write(v, 5, "zzzz", 0));
  assert_int_equal(support_check_byte(buf, 16, 0xAB), -1);
  assert_pattern((char *)pmmf_view_data(v) + 5, 4, 65540, 86);

  /* Out of range or wrapping: PMMF_E_RANGE, nothing copied. */
  memset(guard, 0xCD, sizeof guard);
  assert_status(pmmf_view_read(v, vs, guard, 1), PMMF_E_RANGE);
  assert_status(pmmf_view_read(v, vs - 1, guard, 2), PMMF_E_RANGE);
  assert_status(pmmf_view_read(v, 0, guard, SIZE_MAX), PMMF_E_RANGE);
  assert_status(pmmf_view_read(v, 2, guard, SIZE_MAX - 1), PMMF_E_RANGE);
  assert_status(pmmf_view_read(v, SIZE_MAX, guard, 1), PMMF_E_RANGE);
  assert_status(pmmf_view_read(v, vs + 1, guard, 1), PMMF_E_RANGE);
  assert_int_equal(support_check_byte(guard, sizeof guard, 0xCD), -1);
  assert_status(pmmf_view_write(v, vs, guard, 1), PMMF_E_RANGE);
  assert_status(pmmf_view_write(v, vs - 1, guard, 2), PMMF_E_RANGE);
  assert_status(pmmf_view_write(v, 1, guard, SIZE_MAX), PMMF_E_RANGE);
  assert_status(pmmf_view_write(v, SIZE_MAX, guard, 1), PMMF_E_RANGE);
  assert_pattern(pmmf_view_data(v), vs, 65535, 86);

  /* NULL buffers with a length, NULL views. */
  assert_status(pmmf_view_read(v, 0, NULL, 1), PMMF_E_INVALID);
  assert_status(pmmf_view_write(v, 0, NULL, 1), PMMF_E_INVALID);
  assert_status(pmmf_view_read(NULL, 0, buf, 1), PMMF_E_INVALID);
  assert_status(pmmf_view_write(NULL, 0, buf, 1), PMMF_E_INVALID);

  /* Writes: exact bytes, seen by the READ view and the file. */
  support_fill(buf, sizeof buf, 0, 87);
  assert_ok(pmmf_view_write(v, 1, buf, sizeof buf));
  assert_pattern((char *)pmmf_view_data(r) + 1, sizeof buf, 0, 87);
  assert_int_equal(((unsigned char *)pmmf_view_data(r))[0], support_pattern(65535, 86));
  assert_int_equal(((unsigned char *)pmmf_view_data(r))[1 + sizeof buf],
                   support_pattern(65535 + 1 + sizeof buf, 86));
  assert_ok(pmmf_view_write(v, vs - 1, "!", 1));
  assert_status(pmmf_view_write(r, 0, "!", 1), PMMF_E_ACCESS);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  {
    size_t len = 0;
    unsigned char *file = support_read_file(path, &len);
    assert_non_null(file);
    assert_int_equal(len, FSIZE);
    assert_pattern(file, 65536, 0, 86);
    assert_pattern(file + 65536, sizeof buf, 0, 87);
    assert_int_equal(file[65535 + vs - 1], '!');
    free(file);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_advise_file_views),
      cmocka_unit_test(test_advise_anonymous),
      cmocka_unit_test(test_advise_bad_arguments),
      cmocka_unit_test(test_protect_write_view),
      cmocka_unit_test(test_protect_copy_view),
      cmocka_unit_test(test_protect_read_view),
      cmocka_unit_test(test_protect_bad_arguments),
      cmocka_unit_test(test_view_read_write),
  };
  return cmocka_run_group_tests_name("advise_protect", tests, support_group_setup,
                                     support_group_teardown);
}
