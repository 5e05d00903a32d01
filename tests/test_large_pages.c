/* SPDX-License-Identifier: MIT */
/*
 * test_large_pages.c - conformance of PMMF_MAP_LARGE_PAGES: a map is made
 * whether or not the system can give large pages, and pmmf_map_large_pages
 * says what it got (normal pages here when no pool exists and shmem THP is
 * off); pmmf_large_page_size agrees with it. Through the OS-call table, a
 * system that HAS large pages (a hugetlb pool; SeLockMemoryPrivilege and
 * SEC_LARGE_PAGES) is played so that the common rules are proven on every
 * leg: views placed on large-page boundaries and mapped in whole large
 * pages, spans of lock and advise in whole large pages, pmmf_view_map_at
 * bases and offsets multiples of the large page; a refusal at any step falls
 * back to normal pages and leaves no trace (not even the last OS error).
 */
#ifndef _WIN32
#  define _GNU_SOURCE
#endif
#include "support.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#  include <windows.h>
/* Windows 10 1703's flag; older SDKs and Wine's headers lack it. */
#  ifndef FILE_MAP_LARGE_PAGES
#    define FILE_MAP_LARGE_PAGES 0x20000000
#  endif
#else
#  include <errno.h>
#  include <sys/mman.h>
#endif

#define BIG ((size_t)2 * 1024 * 1024)
#define MSIZE (BIG + BIG / 2 + 1)

/* Views of `m` share its bytes, zero-filled, at any offset. */
static void exercise(pmmf_map *m) {
  pmmf_view *a = NULL, *b = NULL;
  unsigned char buf[32];

  assert_ok(pmmf_view_map(&a, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(support_check_byte(pmmf_view_data(a), MSIZE, 0), -1);
  assert_ok(pmmf_view_map(&b, m, BIG / 2 + 5, 1000, PMMF_ACCESS_READ, 0));
  support_fill((char *)pmmf_view_data(a) + BIG / 2 + 5, 1000, 0, 21);
  assert_pattern(pmmf_view_data(b), 1000, 0, 21);
  assert_ok(pmmf_view_read(b, 10, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 10, 21);
  assert_ok(pmmf_view_write(a, MSIZE - 1, "z", 1));
  assert_ok(pmmf_view_advise(a, 7, 100, PMMF_ADVICE_NORMAL));
  assert_ok(pmmf_view_flush(a, 0, 0, PMMF_FLUSH_SYNC));
  /* Protection changes (no fault taken here: CMocka's per-test signal
   * handlers would replace the library's; test_lock covers the faults). */
  assert_ok(pmmf_view_protect(b, PMMF_ACCESS_NONE));
  assert_ok(pmmf_view_protect(b, PMMF_ACCESS_READ));
  assert_ok(pmmf_view_unmap(b));
  /* A window slides over it. */
  {
    pmmf_window *w = NULL;
    void *p = NULL;
    uint64_t at[] = {0, BIG / 2 + 5, BIG - 3, BIG + 1, MSIZE - 100, 7};
    size_t i;
    assert_ok(pmmf_window_open(&w, m, 100, PMMF_ACCESS_READ));
    for (i = 0; i < SUPPORT_ARRAY_LEN(at); i++) {
      assert_ok(pmmf_window_get(w, at[i], 100, &p));
      assert_memory_equal(p, (char *)pmmf_view_data(a) + at[i], 100);
    }
    assert_ok(pmmf_window_close(w));
  }
  assert_ok(pmmf_view_unmap(a));
}

static void test_large_pages_as_available(void **state) {
  pmmf_map *m = NULL;
  size_t size = pmmf_large_page_size();
  int got;
  (void)state;

  assert_ok(pmmf_map_anonymous(&m, MSIZE, PMMF_MAP_LARGE_PAGES));
  got = pmmf_map_large_pages(m);
  print_message("# large page size %lu; an anonymous map got %s\n", (unsigned long)size,
                got == PMMF_LARGE_PAGES_RESERVED      ? "reserved large pages"
                : got == PMMF_LARGE_PAGES_TRANSPARENT ? "transparent huge pages"
                                                      : "normal pages");
  assert_int_equal(pmmf_map_size(m), MSIZE);
  if (size == 0)
    assert_int_equal(got, PMMF_LARGE_PAGES_NONE);
  else
    assert_true(got == PMMF_LARGE_PAGES_RESERVED || got == PMMF_LARGE_PAGES_TRANSPARENT ||
                support_is_win32());
  exercise(m);
  assert_ok(pmmf_map_close(m));

  /* SPARSE combines with it. */
  assert_ok(pmmf_map_anonymous(&m, MSIZE, PMMF_MAP_LARGE_PAGES | PMMF_MAP_SPARSE));
  exercise(m);
  assert_ok(pmmf_map_close(m));
}

static void test_large_pages_arguments(void **state) {
  const char *path = support_path("file.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = SENTINEL;
  (void)state;

  assert_int_equal(pmmf_map_large_pages(NULL), PMMF_LARGE_PAGES_NONE);
  assert_status(pmmf_map_anonymous(&m, MSIZE, PMMF_MAP_LARGE_PAGES | 0x200), PMMF_E_INVALID);
  assert_status(pmmf_map_anonymous(&m, 0, PMMF_MAP_LARGE_PAGES), PMMF_E_INVALID);
  assert_status(pmmf_map_anonymous(NULL, MSIZE, PMMF_MAP_LARGE_PAGES), PMMF_E_INVALID);
  /* Only anonymous maps take it. */
  assert_int_equal(support_write_pattern(path, 10000, 1), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  assert_status(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, PMMF_MAP_LARGE_PAGES), PMMF_E_INVALID);
  assert_ptr_equal(m, SENTINEL);
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_map_large_pages(m), PMMF_LARGE_PAGES_NONE);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_map_anonymous(&m, MSIZE, 0));
  assert_int_equal(pmmf_map_large_pages(m), PMMF_LARGE_PAGES_NONE);
  assert_ok(pmmf_map_close(m));
}

/* ---- a system with large pages, played through the OS-call table ---- */

static int asked_large;   /* the large-page request reached the OS */
static int refuse_large;  /* ... and the OS refused it */
static int pool_pages;    /* POSIX: free hugetlb pages; Windows: 1 = privilege held */
static void *lock_addr;
static size_t lock_len;

#ifdef _WIN32
static SIZE_T WINAPI fake_minimum(void) {
  return BIG;
}
static BOOL WINAPI fake_adjust(HANDLE t, BOOL d, PTOKEN_PRIVILEGES p, DWORD l, PTOKEN_PRIVILEGES o,
                               PDWORD r) {
  (void)t, (void)d, (void)p, (void)l, (void)o, (void)r;
  SetLastError(pool_pages ? ERROR_SUCCESS : ERROR_NOT_ALL_ASSIGNED);
  return TRUE;
}
static HANDLE WINAPI fake_section(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD protect, DWORD hi,
                                  DWORD lo, LPCWSTR name) {
  if (protect & SEC_LARGE_PAGES) {
    asked_large = 1;
    if (refuse_large) {
      SetLastError(ERROR_PRIVILEGE_NOT_HELD);
      return NULL;
    }
    /* Old Windows: views of large-page sections refuse the view flag. */
    protect &= ~(DWORD)SEC_LARGE_PAGES;
  }
  return CreateFileMappingW(file, sa, protect, hi, lo, name);
}
static LPVOID WINAPI fake_view(HANDLE section, DWORD access, DWORD hi, DWORD lo, SIZE_T len,
                               LPVOID base) {
  if (access & FILE_MAP_LARGE_PAGES) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  return MapViewOfFileEx(section, access, hi, lo, len, base);
}
static BOOL WINAPI fake_lock(LPVOID addr, SIZE_T len) {
  lock_addr = addr;
  lock_len = len;
  return TRUE;
}
static void play_large_pages(int on) {
  assert_ok(pmmf__os_syscall_set("GetLargePageMinimum", on ? (pmmf__syscall_ptr)fake_minimum : NULL));
  assert_ok(pmmf__os_syscall_set("AdjustTokenPrivileges", on ? (pmmf__syscall_ptr)fake_adjust : NULL));
  assert_ok(pmmf__os_syscall_set("CreateFileMappingW", on ? (pmmf__syscall_ptr)fake_section : NULL));
  assert_ok(pmmf__os_syscall_set("MapViewOfFileEx", on ? (pmmf__syscall_ptr)fake_view : NULL));
  assert_ok(pmmf__os_syscall_set("VirtualLock", on ? (pmmf__syscall_ptr)fake_lock : NULL));
}
#  define TRANSPARENT_EXPECTED 0
#else
static uint64_t fake_hugetlb(uint64_t *free_pages) {
  *free_pages = (uint64_t)pool_pages;
  return BIG;
}
static uint64_t fake_thp_none(void) {
  return 0;
}
static uint64_t fake_thp_on(void) {
  return BIG;
}
static int fake_memfd(const char *name, unsigned flags) {
#  ifdef MFD_HUGETLB
  if (flags & MFD_HUGETLB) {
    asked_large = 1;
    if (refuse_large) {
      errno = ENOMEM;
      return -1;
    }
    flags &= ~(unsigned)MFD_HUGETLB;
  }
  return memfd_create(name, flags);
#  else
  (void)name;
  (void)flags;
  errno = ENOSYS;
  return -1;
#  endif
}
static int fake_lock(const void *addr, size_t len) {
  lock_addr = (void *)addr;
  lock_len = len;
  return 0;
}
static int thp_on;
static void play_large_pages(int on) {
  assert_ok(pmmf__os_syscall_set("hugetlb", on ? (pmmf__syscall_ptr)fake_hugetlb : NULL));
  assert_ok(pmmf__os_syscall_set("thp_shmem", !on ? NULL
                                             : thp_on ? (pmmf__syscall_ptr)fake_thp_on
                                                      : (pmmf__syscall_ptr)fake_thp_none));
  assert_ok(pmmf__os_syscall_set("memfd_create", on ? (pmmf__syscall_ptr)fake_memfd : NULL));
  assert_ok(pmmf__os_syscall_set("mlock", on ? (pmmf__syscall_ptr)fake_lock : NULL));
}
#  ifdef MFD_HUGETLB
#    define TRANSPARENT_EXPECTED 1
#  else
#    define TRANSPARENT_EXPECTED 0
#  endif
#endif

static void test_large_pages_reserved(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *at = SENTINEL;
  (void)state;

#ifdef _WIN32
  pool_pages = 1;
#else
  pool_pages = 16;
  thp_on = 0;
#  ifndef MFD_HUGETLB
  return; /* no hugetlb memfd on this system: nothing to play */
#  endif
#endif
  asked_large = refuse_large = 0;
  play_large_pages(1);
  assert_int_equal(pmmf_large_page_size(), BIG);
  assert_ok(pmmf_map_anonymous(&m, MSIZE, PMMF_MAP_LARGE_PAGES));
  assert_true(asked_large);
  assert_int_equal(pmmf_map_large_pages(m), PMMF_LARGE_PAGES_RESERVED);
  assert_int_equal(pmmf_map_size(m), MSIZE);
  exercise(m);

  /* The lock span is whole large pages from the view's mapping. */
  assert_ok(pmmf_view_map(&v, m, BIG + 3, 10, PMMF_ACCESS_WRITE, 0));
  lock_len = 0;
  assert_ok(pmmf_view_lock(v, 1, 1));
  assert_ptr_equal(lock_addr, (char *)pmmf_view_data(v) - 3);
  assert_int_equal(lock_len, BIG);
  assert_ok(pmmf_view_unmap(v));

  /* Fixed views: multiples of the large page only. */
  assert_status(pmmf_view_map_at(&at, m, PMMF_PORTABLE_GRANULARITY, 0, PMMF_ACCESS_WRITE, 0,
                                 (void *)(uintptr_t)(BIG * 64)),
                PMMF_E_ALIGNMENT);
  assert_status(pmmf_view_map_at(&at, m, 0, 0, PMMF_ACCESS_WRITE, 0,
                                 (void *)(uintptr_t)(BIG * 64 + PMMF_PORTABLE_GRANULARITY)),
                PMMF_E_ALIGNMENT);
  assert_ptr_equal(at, SENTINEL);

  /* A map of reserved large pages neither grows nor takes reserved views
   * (their reservations are counted in normal pages); nothing changes. */
  assert_status(pmmf_map_grow(m, MSIZE + BIG), PMMF_E_UNSUPPORTED);
  assert_int_equal(pmmf_map_size(m), MSIZE);
  at = SENTINEL;
  assert_status(pmmf_view_map_reserve(&at, m, 0, BIG, 4 * BIG, PMMF_ACCESS_WRITE, 0),
                PMMF_E_UNSUPPORTED);
  assert_ptr_equal(at, SENTINEL);
  assert_ok(pmmf_map_close(m));
  play_large_pages(0);
}

static void test_large_pages_fallback(void **state) {
  pmmf_map *m = NULL;
  long before;
  (void)state;

  /* The OS refuses the large pages: normal pages, no trace. */
#ifdef _WIN32
  pool_pages = 1;
#else
  pool_pages = 16;
  thp_on = 0;
#endif
  asked_large = 0;
  refuse_large = 1;
  play_large_pages(1);
  pmmf__last_error_set(1234);
  assert_ok(pmmf_map_anonymous(&m, MSIZE, PMMF_MAP_LARGE_PAGES));
  before = pmmf_last_os_error();
  assert_int_equal(before, 1234);
  assert_true(asked_large || !TRANSPARENT_EXPECTED);
  assert_int_equal(pmmf_map_large_pages(m), PMMF_LARGE_PAGES_NONE);
  exercise(m);
  assert_ok(pmmf_map_close(m));

  /* No pool (POSIX) / no privilege (Windows): nothing is asked; the size is 0. */
  pool_pages = 0;
  asked_large = 0;
  play_large_pages(1);
  assert_int_equal(pmmf_large_page_size(), 0);
  assert_ok(pmmf_map_anonymous(&m, MSIZE, PMMF_MAP_LARGE_PAGES));
  assert_false(asked_large);
  assert_int_equal(pmmf_map_large_pages(m), PMMF_LARGE_PAGES_NONE);
  assert_ok(pmmf_map_close(m));

#ifndef _WIN32
  /* POSIX without a pool but with shmem THP: transparent huge pages. */
  thp_on = 1;
  play_large_pages(1);
  assert_int_equal(pmmf_large_page_size(), BIG);
  assert_ok(pmmf_map_anonymous(&m, MSIZE, PMMF_MAP_LARGE_PAGES));
  assert_int_equal(pmmf_map_large_pages(m), PMMF_LARGE_PAGES_TRANSPARENT);
  exercise(m);
  assert_ok(pmmf_map_close(m));
  thp_on = 0;
#endif
  refuse_large = 0;
  play_large_pages(0);
}

/* Every OS call of a large-page request failed in turn (on the real system:
 * the look-ups of the pool or the privilege, the object's creation): the
 * call fails with the fault's status or falls back to normal pages; nothing
 * leaks either way. */
static void test_large_pages_inject(void **state) {
  unsigned skip;
  int fired = 0;
  (void)state;

  for (skip = 0; skip < 40; skip++) {
    long allocs = pmmf__alloc_live(), handles = support_count_handles();
    pmmf_map *m = SENTINEL;
    int rc;
    pmmf__fault_arm(NULL, skip, PMMF__FAULT_NO_MEMORY);
    rc = pmmf_map_anonymous(&m, MSIZE, PMMF_MAP_LARGE_PAGES);
    if (!pmmf__fault_fired()) {
      pmmf__fault_disarm();
      assert_ok(rc);
      assert_ok(pmmf_map_close(m));
      break;
    }
    fired++;
    pmmf__fault_disarm();
    if (rc == PMMF_OK) {
      assert_ok(pmmf_map_close(m));
    } else {
      assert_status(rc, PMMF_E_NO_MEMORY);
      assert_ptr_equal(m, SENTINEL);
    }
    assert_int_equal(pmmf__alloc_live(), allocs);
    if (handles >= 0)
      assert_int_equal(support_count_handles(), handles);
  }
  assert_true(fired >= 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_large_pages_as_available),
    cmocka_unit_test(test_large_pages_arguments),
    cmocka_unit_test(test_large_pages_reserved),
    cmocka_unit_test(test_large_pages_fallback),
    cmocka_unit_test(test_large_pages_inject),
  };
  return cmocka_run_group_tests_name("large_pages", tests, support_group_setup,
                                     support_group_teardown);
}
