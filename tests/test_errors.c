/* SPDX-License-Identifier: MIT */
/*
 * test_errors.c - conformance of failures on bad input: every function with
 * NULL objects and outputs, unknown flag bits, bad access and advice values,
 * overflowing offsets and lengths, directories and missing files. Each
 * failure returns its documented status, leaves outputs and files untouched,
 * and a failure the library detects itself sets pmmf_last_os_error() to 0.
 * Also the status strings, the geometry and the version.
 */
#include "support.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const int bad_access[] = {0, 4, 5, -1, INT_MAX, INT_MIN};

/* Make this thread's last OS error non-zero with a real OS failure. */
static void prime_os_error(void) {
  pmmf_file *f = SENTINEL;
  assert_status(pmmf_file_open(&f, support_path("never-there.bin"), PMMF_OPEN_READ),
                PMMF_E_NOT_FOUND);
  assert_ptr_equal(f, SENTINEL);
  assert_int_not_equal(pmmf_last_os_error(), 0);
}

/* A failure detected by the library itself: the status, and no OS error. */
#define REJECT(expr, status)                     \
  do {                                           \
    prime_os_error();                            \
    assert_status((expr), (status));             \
    assert_int_equal(pmmf_last_os_error(), 0);   \
  } while (0)

static pmmf_file *open_file(const char *path, unsigned flags) {
  pmmf_file *f = NULL;
  assert_ok(pmmf_file_open(&f, path, flags));
  return f;
}

/* ------------------------------------------------------------------------- */

static const struct {
  int value;
  const char *name;
  const char *message;
} statuses[] = {
#define ROW(name, value, message) {value, "PMMF_" #name, message},
    PMMF_STATUS_MAP(ROW)
#undef ROW
};

static void test_status_strings(void **state) {
  static const int unknown[] = {1, 2, 100, -17, -100, INT_MAX, INT_MIN};
  size_t i, j;
  (void)state;
  assert_int_equal(SUPPORT_ARRAY_LEN(statuses), 17);
  for (i = 0; i < SUPPORT_ARRAY_LEN(statuses); i++) {
    const char *name = pmmf_status_name(statuses[i].value);
    const char *msg = pmmf_strerror(statuses[i].value);
    assert_int_equal(statuses[i].value, -(int)i);
    assert_non_null(name);
    assert_non_null(msg);
    assert_string_equal(name, statuses[i].name);
    assert_string_equal(msg, statuses[i].message);
    for (j = 0; j < i; j++) {
      assert_string_not_equal(msg, pmmf_strerror(statuses[j].value));
      assert_string_not_equal(name, pmmf_status_name(statuses[j].value));
    }
  }
  assert_string_equal(pmmf_status_name(PMMF_E_RANGE), "PMMF_E_RANGE");
  assert_string_equal(pmmf_strerror(PMMF_E_RANGE), "offset or length out of range");
  assert_string_equal(pmmf_status_name(PMMF_OK), "PMMF_OK");
  assert_int_equal(PMMF_STATUS_LAST_, PMMF_E_OS);
  for (i = 0; i < SUPPORT_ARRAY_LEN(unknown); i++) {
    const char *name = pmmf_status_name(unknown[i]);
    const char *msg = pmmf_strerror(unknown[i]);
    assert_non_null(name);
    assert_non_null(msg);
    assert_string_equal(name, "PMMF_E_UNKNOWN");
    assert_string_equal(msg, "unknown status");
  }
}

static void test_geometry_and_version(void **state) {
  size_t page = pmmf_page_size(), gran = pmmf_granularity();
  char expect[64];
  (void)state;
  assert_true(page >= 4096);
  assert_int_equal(page & (page - 1), 0);
  assert_true(gran >= page);
  assert_int_equal(gran & (gran - 1), 0);
  assert_int_equal(gran % page, 0);
  assert_int_equal(PMMF_PORTABLE_GRANULARITY, 65536);
  assert_int_equal(PMMF_PORTABLE_GRANULARITY % gran, 0);
  assert_int_equal(PMMF_PORTABLE_GRANULARITY % page, 0);
  assert_non_null(pmmf_backend());
#ifdef _WIN32
  assert_string_equal(pmmf_backend(), "win32");
#else
  assert_string_equal(pmmf_backend(), "posix");
#endif
  /* The backends differ by design: Windows maps views at its 64 KiB
   * allocation granularity, POSIX at the page size. */
  if (support_is_win32())
    assert_int_equal(gran, 65536);
  else
    assert_int_equal(gran, page);
  assert_non_null(pmmf_version());
  snprintf(expect, sizeof expect, "%d.%d.%d", PMMF_VERSION_MAJOR, PMMF_VERSION_MINOR,
           PMMF_VERSION_PATCH);
  assert_string_equal(pmmf_version(), expect);
  /* Stable across calls. */
  assert_int_equal(pmmf_page_size(), page);
  assert_int_equal(pmmf_granularity(), gran);
}

/* ------------------------------------------------------------------------- */

static void test_last_os_error(void **state) {
  pmmf_file *f = SENTINEL;
  uint64_t size = 0;
  long err;
  (void)state;
  /* ENOENT and ERROR_FILE_NOT_FOUND are both 2. */
  assert_status(pmmf_file_open(&f, support_path("absent.bin"), PMMF_OPEN_READ), PMMF_E_NOT_FOUND);
  err = pmmf_last_os_error();
  assert_int_equal(err, 2);
  /* Successful calls leave it unchanged. */
  assert_int_equal(support_write_pattern(support_path("present.bin"), 10, 1), 0);
  f = open_file(support_path("present.bin"), PMMF_OPEN_READ);
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(pmmf_last_os_error(), err);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(pmmf_last_os_error(), err);
  /* A failure the library detects: 0. */
  assert_status(pmmf_file_open(NULL, support_path("present.bin"), PMMF_OPEN_READ),
                PMMF_E_INVALID);
  assert_int_equal(pmmf_last_os_error(), 0);
  /* Then an OS failure again. */
  f = SENTINEL;
  assert_status(pmmf_file_open(&f, support_path("absent.bin"), PMMF_OPEN_WRITE), PMMF_E_NOT_FOUND);
  assert_int_equal(pmmf_last_os_error(), 2);
  assert_ptr_equal(f, SENTINEL);
}

static void test_file_null_arguments(void **state) {
  const char *path = support_path("nullargs.bin");
  pmmf_file *f = SENTINEL, *g;
  uint64_t size = 12345;
  (void)state;
  assert_int_equal(support_write_pattern(path, 100, 2), 0);
  REJECT(pmmf_file_open(NULL, path, PMMF_OPEN_READ), PMMF_E_INVALID);
  REJECT(pmmf_file_open(NULL, path, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE), PMMF_E_INVALID);
  REJECT(pmmf_file_open(&f, NULL, PMMF_OPEN_READ), PMMF_E_INVALID);
  REJECT(pmmf_file_open(&f, NULL, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE), PMMF_E_INVALID);
  assert_ptr_equal(f, SENTINEL);
  REJECT(pmmf_file_open(NULL, support_path("nullargs-new.bin"),
                        PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW),
         PMMF_E_INVALID);
  assert_false(support_file_exists(support_path("nullargs-new.bin")));
  REJECT(pmmf_file_size(NULL, &size), PMMF_E_INVALID);
  assert_int_equal(size, 12345);
  g = open_file(path, PMMF_OPEN_WRITE);
  REJECT(pmmf_file_size(g, NULL), PMMF_E_INVALID);
  REJECT(pmmf_file_resize(NULL, 0), PMMF_E_INVALID);
  REJECT(pmmf_file_resize(NULL, 200), PMMF_E_INVALID);
  assert_ok(pmmf_file_close(NULL));
  assert_ok(pmmf_file_close(g));
  assert_true(support_file_is_pattern(path, 100, 2));
}

static void test_file_bad_flags(void **state) {
  static const unsigned bad[] = {0,
                                 PMMF_OPEN_CREATE,
                                 PMMF_OPEN_TRUNCATE | PMMF_OPEN_WRITE | 0x80,
                                 PMMF_OPEN_READ | PMMF_OPEN_TRUNCATE,
                                 PMMF_OPEN_READ | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE,
                                 PMMF_OPEN_READ | 0x200,
                                 PMMF_OPEN_READ | 0x100,
                                 PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | 0x80000000u,
                                 0xffffffffu};
  const char *present = support_path("badflags.bin");
  const char *missing = support_path("badflags-missing.bin");
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(present, 65537, 3), 0);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad); i++) {
    pmmf_file *f = SENTINEL;
    REJECT(pmmf_file_open(&f, present, bad[i]), PMMF_E_INVALID);
    REJECT(pmmf_file_open(&f, missing, bad[i]), PMMF_E_INVALID);
    assert_ptr_equal(f, SENTINEL);
    assert_false(support_file_exists(missing));
    assert_true(support_file_is_pattern(present, 65537, 3));
  }
}

static void test_directories_and_missing(void **state) {
  const char *dir = support_path("errdir");
  const char *missing = support_path("errdir/missing.bin");
  pmmf_file *f = SENTINEL;
  (void)state;
  assert_int_equal(support_mkdir(dir), 0);
  assert_status(pmmf_file_open(&f, dir, PMMF_OPEN_READ), PMMF_E_INVALID);
  assert_status(pmmf_file_open(&f, dir, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE), PMMF_E_INVALID);
  assert_status(pmmf_file_open(&f, dir, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE), PMMF_E_INVALID);
  assert_ptr_equal(f, SENTINEL);
  assert_status(pmmf_file_open(&f, missing, PMMF_OPEN_READ), PMMF_E_NOT_FOUND);
  assert_int_not_equal(pmmf_last_os_error(), 0);
  assert_status(pmmf_file_open(&f, missing, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE),
                PMMF_E_NOT_FOUND);
  assert_int_not_equal(pmmf_last_os_error(), 0);
  assert_ptr_equal(f, SENTINEL);
  assert_false(support_file_exists(missing));
  /* Empty path: nothing by that name. */
  assert_int_not_equal(pmmf_file_open(&f, "", PMMF_OPEN_READ), PMMF_OK);
  assert_ptr_equal(f, SENTINEL);
}

static void test_resize_errors(void **state) {
  const char *path = support_path("resize-err.bin");
  pmmf_file *ro, *rw;
  pmmf_map *m = NULL;
  uint64_t size = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 4097, 4), 0);
  ro = open_file(path, PMMF_OPEN_READ);
  rw = open_file(path, PMMF_OPEN_WRITE);
  REJECT(pmmf_file_resize(ro, 0), PMMF_E_ACCESS);
  REJECT(pmmf_file_resize(ro, 100000), PMMF_E_ACCESS);
  /* Beyond what any OS takes (off_t / LARGE_INTEGER are signed 64-bit). */
  REJECT(pmmf_file_resize(rw, UINT64_MAX), PMMF_E_RANGE);
  REJECT(pmmf_file_resize(rw, (uint64_t)INT64_MAX + 1), PMMF_E_RANGE);
  assert_ok(pmmf_map_file(&m, rw, 0, PMMF_ACCESS_READ, 0));
  REJECT(pmmf_file_resize(rw, 1), PMMF_E_BUSY);
  REJECT(pmmf_file_resize(rw, 8192), PMMF_E_BUSY);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_size(rw, &size));
  assert_int_equal(size, 4097);
  assert_ok(pmmf_file_close(ro));
  assert_ok(pmmf_file_close(rw));
  assert_true(support_file_is_pattern(path, 4097, 4));
}

static void test_map_file_errors(void **state) {
  static const unsigned bad_flags[] = {4, 8, 0x80, 0x80000000u, 0xffffffffu};
  const char *path = support_path("map-err.bin");
  const char *empty = support_path("map-err-empty.bin");
  pmmf_file *ro, *rw, *e;
  pmmf_map *m = SENTINEL;
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 70000, 5), 0);
  assert_int_equal(support_write_file(empty, "", 0), 0);
  ro = open_file(path, PMMF_OPEN_READ);
  rw = open_file(path, PMMF_OPEN_WRITE);
  e = open_file(empty, PMMF_OPEN_WRITE);
  REJECT(pmmf_map_file(NULL, rw, 0, PMMF_ACCESS_READ, 0), PMMF_E_INVALID);
  REJECT(pmmf_map_file(NULL, rw, 100000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW), PMMF_E_INVALID);
  REJECT(pmmf_map_file(&m, NULL, 0, PMMF_ACCESS_READ, 0), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_access); i++) {
    REJECT(pmmf_map_file(&m, rw, 0, (pmmf_access)bad_access[i], 0), PMMF_E_INVALID);
    REJECT(pmmf_map_file(&m, rw, 100000, (pmmf_access)bad_access[i], PMMF_MAP_GROW),
           PMMF_E_INVALID);
  }
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_flags); i++) {
    REJECT(pmmf_map_file(&m, rw, 0, PMMF_ACCESS_WRITE, bad_flags[i]), PMMF_E_INVALID);
    REJECT(pmmf_map_file(&m, rw, 100000, PMMF_ACCESS_WRITE, bad_flags[i] | PMMF_MAP_GROW),
           PMMF_E_INVALID);
  }
  REJECT(pmmf_map_file(&m, rw, 100000, PMMF_ACCESS_READ, PMMF_MAP_GROW), PMMF_E_INVALID);
  /* SPARSE only qualifies GROW. */
  REJECT(pmmf_map_file(&m, rw, 0, PMMF_ACCESS_WRITE, PMMF_MAP_SPARSE), PMMF_E_INVALID);
  REJECT(pmmf_map_file(&m, rw, 100000, PMMF_ACCESS_READ, PMMF_MAP_GROW | PMMF_MAP_SPARSE),
         PMMF_E_INVALID);
  REJECT(pmmf_map_file(&m, rw, 100000, PMMF_ACCESS_COPY, PMMF_MAP_GROW), PMMF_E_INVALID);
  REJECT(pmmf_map_file(&m, ro, 0, PMMF_ACCESS_WRITE, 0), PMMF_E_ACCESS);
  REJECT(pmmf_map_file(&m, ro, 100000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW), PMMF_E_ACCESS);
  REJECT(pmmf_map_file(&m, rw, 70001, PMMF_ACCESS_WRITE, 0), PMMF_E_RANGE);
  REJECT(pmmf_map_file(&m, rw, UINT64_MAX, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
  REJECT(pmmf_map_file(&m, ro, 70001, PMMF_ACCESS_COPY, 0), PMMF_E_RANGE);
  assert_status(pmmf_map_file(&m, e, 0, PMMF_ACCESS_READ, 0), PMMF_E_EMPTY);
  assert_status(pmmf_map_file(&m, e, 0, PMMF_ACCESS_WRITE, 0), PMMF_E_EMPTY);
  assert_ptr_equal(m, SENTINEL);
  assert_ok(pmmf_file_close(ro));
  assert_ok(pmmf_file_close(rw));
  assert_ok(pmmf_file_close(e));
  assert_true(support_file_is_pattern(path, 70000, 5));
  assert_int_equal(support_file_size(empty), 0);
}

static void test_map_anonymous_errors(void **state) {
  pmmf_map *m = SENTINEL;
  (void)state;
  REJECT(pmmf_map_anonymous(NULL, 4096, 0), PMMF_E_INVALID);
  REJECT(pmmf_map_anonymous(&m, 0, 0), PMMF_E_INVALID);
  REJECT(pmmf_map_anonymous(&m, 4096, 1), PMMF_E_INVALID);
  REJECT(pmmf_map_anonymous(&m, 4096, 0x80000000u), PMMF_E_INVALID);
  assert_ptr_equal(m, SENTINEL);
  assert_int_equal(pmmf_map_size(NULL), 0);
  assert_ok(pmmf_map_close(NULL));
}

static void test_view_map_errors(void **state) {
  static const unsigned bad_flags[] = {2, 0x80, 0x80000000u, 0xffffffffu};
  static const struct {
    uint64_t offset;
    size_t length;
  } bad_ranges[] = {{70000, 0},
                    {70000, 1},
                    {69999, 2},
                    {UINT64_MAX, 0},
                    {UINT64_MAX, 1},
                    {UINT64_MAX - 1, 2},
                    {UINT64_MAX - 65535, 65536},
                    {1, SIZE_MAX},
                    {65536, SIZE_MAX},
                    {69999, SIZE_MAX},
                    {0, SIZE_MAX},
                    {(uint64_t)SIZE_MAX, 1}};
  const char *path = support_path("view-err.bin");
  pmmf_file *f;
  pmmf_map *mw = NULL, *mr = NULL, *mc = NULL;
  pmmf_view *v = SENTINEL;
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 70000, 6), 0);
  f = open_file(path, PMMF_OPEN_WRITE);
  assert_ok(pmmf_map_file(&mw, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_file(&mr, f, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_map_file(&mc, f, 0, PMMF_ACCESS_COPY, 0));
  REJECT(pmmf_view_map(NULL, mw, 0, 0, PMMF_ACCESS_READ, 0), PMMF_E_INVALID);
  REJECT(pmmf_view_map(&v, NULL, 0, 0, PMMF_ACCESS_READ, 0), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_access); i++)
    REJECT(pmmf_view_map(&v, mw, 0, 0, (pmmf_access)bad_access[i], 0), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_flags); i++)
    REJECT(pmmf_view_map(&v, mw, 0, 0, PMMF_ACCESS_READ, bad_flags[i]), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_ranges); i++) {
    REJECT(pmmf_view_map(&v, mw, bad_ranges[i].offset, bad_ranges[i].length, PMMF_ACCESS_WRITE,
                         0),
           PMMF_E_RANGE);
    REJECT(pmmf_view_map(&v, mr, bad_ranges[i].offset, bad_ranges[i].length, PMMF_ACCESS_READ,
                         PMMF_VIEW_POPULATE),
           PMMF_E_RANGE);
  }
  REJECT(pmmf_view_map(&v, mr, 0, 0, PMMF_ACCESS_WRITE, 0), PMMF_E_ACCESS);
  REJECT(pmmf_view_map(&v, mc, 0, 0, PMMF_ACCESS_WRITE, 0), PMMF_E_ACCESS);
  REJECT(pmmf_view_map_at(&v, mw, 0, 0, PMMF_ACCESS_READ, 0, NULL), PMMF_E_INVALID);
  REJECT(pmmf_view_map_at(NULL, mw, 0, 0, PMMF_ACCESS_READ, 0, (void *)(uintptr_t)0x10000000u),
         PMMF_E_INVALID);
  REJECT(pmmf_view_map_at(&v, mw, 0, 0, PMMF_ACCESS_READ, 0, (void *)(uintptr_t)0x10001000u),
         PMMF_E_ALIGNMENT);
  REJECT(pmmf_view_map_at(&v, mw, 4096, 0, PMMF_ACCESS_READ, 0, (void *)(uintptr_t)0x10000000u),
         PMMF_E_ALIGNMENT);
  assert_ptr_equal(v, SENTINEL);
  assert_null(pmmf_view_data(NULL));
  assert_int_equal(pmmf_view_size(NULL), 0);
  assert_int_equal(pmmf_view_offset(NULL), 0);
  assert_ok(pmmf_view_unmap(NULL));
  assert_ok(pmmf_map_close(mw));
  assert_ok(pmmf_map_close(mr));
  assert_ok(pmmf_map_close(mc));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, 70000, 6));
}

static void test_view_operation_errors(void **state) {
  static const int bad_advice[] = {5, 6, -1, INT_MAX, INT_MIN};
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *r = NULL;
  unsigned char buf[16];
  size_t i;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 8192, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&r, m, 0, 0, PMMF_ACCESS_READ, 0));
  support_fill(pmmf_view_data(v), 8192, 0, 7);
  REJECT(pmmf_view_flush(NULL, 0, 0, PMMF_FLUSH_SYNC), PMMF_E_INVALID);
  REJECT(pmmf_view_flush(v, 0, 0, 2), PMMF_E_INVALID);
  REJECT(pmmf_view_flush(v, 0, 0, 0xffffffffu), PMMF_E_INVALID);
  REJECT(pmmf_view_flush(v, 8192, 0, PMMF_FLUSH_SYNC), PMMF_E_RANGE);
  REJECT(pmmf_view_flush(v, 1, SIZE_MAX, PMMF_FLUSH_ASYNC), PMMF_E_RANGE);
  REJECT(pmmf_view_advise(NULL, 0, 0, PMMF_ADVICE_NORMAL), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_advice); i++)
    REJECT(pmmf_view_advise(v, 0, 0, (pmmf_advice)bad_advice[i]), PMMF_E_INVALID);
  REJECT(pmmf_view_advise(v, 8192, 0, PMMF_ADVICE_NORMAL), PMMF_E_RANGE);
  REJECT(pmmf_view_advise(v, SIZE_MAX, 2, PMMF_ADVICE_NORMAL), PMMF_E_RANGE);
  REJECT(pmmf_view_protect(NULL, PMMF_ACCESS_READ), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_access); i++)
    REJECT(pmmf_view_protect(v, (pmmf_access)bad_access[i]), PMMF_E_INVALID);
  REJECT(pmmf_view_protect(v, PMMF_ACCESS_COPY), PMMF_E_ACCESS);
  REJECT(pmmf_view_protect(r, PMMF_ACCESS_WRITE), PMMF_E_ACCESS);
  memset(buf, 0xEE, sizeof buf);
  REJECT(pmmf_view_read(NULL, 0, buf, 1), PMMF_E_INVALID);
  REJECT(pmmf_view_read(v, 0, NULL, 1), PMMF_E_INVALID);
  REJECT(pmmf_view_read(v, 8192, buf, 1), PMMF_E_RANGE);
  REJECT(pmmf_view_read(v, 8191, buf, 2), PMMF_E_RANGE);
  REJECT(pmmf_view_read(v, 1, buf, SIZE_MAX), PMMF_E_RANGE);
  assert_int_equal(support_check_byte(buf, sizeof buf, 0xEE), -1);
  REJECT(pmmf_view_write(NULL, 0, buf, 1), PMMF_E_INVALID);
  REJECT(pmmf_view_write(v, 0, NULL, 1), PMMF_E_INVALID);
  REJECT(pmmf_view_write(v, 8192, buf, 1), PMMF_E_RANGE);
  REJECT(pmmf_view_write(v, SIZE_MAX, buf, 2), PMMF_E_RANGE);
  REJECT(pmmf_view_write(r, 0, buf, 1), PMMF_E_ACCESS);
  assert_pattern(pmmf_view_data(v), 8192, 0, 7);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(r));
  assert_ok(pmmf_map_close(m));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_status_strings),
      cmocka_unit_test(test_geometry_and_version),
      cmocka_unit_test(test_last_os_error),
      cmocka_unit_test(test_file_null_arguments),
      cmocka_unit_test(test_file_bad_flags),
      cmocka_unit_test(test_directories_and_missing),
      cmocka_unit_test(test_resize_errors),
      cmocka_unit_test(test_map_file_errors),
      cmocka_unit_test(test_map_anonymous_errors),
      cmocka_unit_test(test_view_map_errors),
      cmocka_unit_test(test_view_operation_errors),
  };
  return cmocka_run_group_tests_name("errors", tests, support_group_setup, support_group_teardown);
}
