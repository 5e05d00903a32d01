/* SPDX-License-Identifier: MIT */
/*
 * test_lock.c - conformance of pmmf_view_lock / pmmf_view_unlock (any offset
 * and length, rounded out to pages by the library; ranges checked; unlocking
 * unlocked pages is OK; a limit on locked memory - RLIMIT_MEMLOCK, the
 * working set - is PMMF_E_NO_MEMORY, replayed through the OS-call table) and
 * of PMMF_ACCESS_NONE guard views (only pmmf_view_protect accepts it;
 * guarded copies over such a view return PMMF_E_IO and touch nothing; the
 * bytes come back when the view is protected again).
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
#else
#  include <errno.h>
#  include <sys/resource.h>
#  include <unistd.h>
#endif

#define FSIZE ((size_t)300000)

static void test_lock_ranges(void **state) {
  const char *path = support_path("lock.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;

  assert_int_equal(support_write_pattern(path, FSIZE, 11), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  /* A view that starts inside a page: the library rounds. */
  assert_ok(pmmf_view_map(&v, m, 4097, 100000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_lock(v, 0, 0));
  assert_ok(pmmf_view_lock(v, 1, 1));
  assert_ok(pmmf_view_lock(v, 99999, 1));
  assert_ok(pmmf_view_lock(v, 12345, 54321));
  assert_pattern(pmmf_view_data(v), 100000, 4097, 11);
  assert_ok(pmmf_view_unlock(v, 12345, 54321));
  assert_ok(pmmf_view_unlock(v, 0, 0));
  /* Unlocking what is not locked (any more) is fine. */
  assert_ok(pmmf_view_unlock(v, 0, 0));
  assert_ok(pmmf_view_unlock(v, 777, 3));

  assert_status(pmmf_view_lock(NULL, 0, 0), PMMF_E_INVALID);
  assert_status(pmmf_view_unlock(NULL, 0, 0), PMMF_E_INVALID);
  assert_status(pmmf_view_lock(v, 100000, 0), PMMF_E_RANGE);
  assert_status(pmmf_view_lock(v, 99999, 2), PMMF_E_RANGE);
  assert_status(pmmf_view_lock(v, 1, SIZE_MAX), PMMF_E_RANGE);
  assert_status(pmmf_view_unlock(v, SIZE_MAX, 1), PMMF_E_RANGE);
  /* Locked pages stay locked until unmap: unmapping a locked view is fine. */
  assert_ok(pmmf_view_lock(v, 0, 0));
  assert_ok(pmmf_view_unmap(v));

  /* READ and COPY views and anonymous memory lock too. */
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_lock(v, 0, 0));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_view_lock(v, 0, 0));
  assert_pattern(pmmf_view_data(v), FSIZE, 0, 11);
  assert_ok(pmmf_view_unlock(v, 0, 0));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));

  assert_ok(pmmf_map_anonymous(&m, 65536, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_lock(v, 0, 0));
  assert_ok(pmmf_view_unlock(v, 0, 0));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
}

/* The lock call is given the page-aligned span of the range, counted from
 * the view's mapping. */
static void *seen_addr;
static size_t seen_len;
static int seen_calls;
static int lock_error;

#ifdef _WIN32
static BOOL WINAPI fake_lock(LPVOID addr, SIZE_T len) {
  seen_addr = addr;
  seen_len = len;
  seen_calls++;
  if (lock_error) {
    SetLastError((DWORD)lock_error);
    return FALSE;
  }
  return TRUE;
}
#  define LOCK_CALL "VirtualLock"
#  define UNLOCK_CALL "VirtualUnlock"
#else
static int fake_lock(const void *addr, size_t len) {
  seen_addr = (void *)addr;
  seen_len = len;
  seen_calls++;
  if (lock_error) {
    errno = lock_error;
    return -1;
  }
  return 0;
}
#  define LOCK_CALL "mlock"
#  define UNLOCK_CALL "munlock"
#endif

static void test_lock_span_and_limits(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  size_t page = pmmf_page_size();
  char *data;
  (void)state;

  assert_ok(pmmf_map_anonymous(&m, 8 * page, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  data = pmmf_view_data(v);
  assert_ok(pmmf__os_syscall_set(LOCK_CALL, (pmmf__syscall_ptr)fake_lock));
  seen_calls = 0;
  assert_ok(pmmf_view_lock(v, page + 1, page));
  assert_int_equal(seen_calls, 1);
  /* From the page's start; the end is the range's (the OS rounds it up). */
  assert_ptr_equal(seen_addr, data + page);
  assert_int_equal(seen_len, page + 1);

  /* The limits on locked memory: POSIX RLIMIT_MEMLOCK (ENOMEM; EPERM where
   * the limit is 0 on older kernels; EAGAIN), Windows the working set. */
  {
#ifdef _WIN32
    static const int codes[] = {ERROR_WORKING_SET_QUOTA, ERROR_NOT_ENOUGH_MEMORY,
                                ERROR_NOT_ENOUGH_QUOTA};
#else
    static const int codes[] = {ENOMEM, EPERM, EAGAIN};
#endif
    size_t i;
    for (i = 0; i < SUPPORT_ARRAY_LEN(codes); i++) {
      lock_error = codes[i];
      assert_status(pmmf_view_lock(v, 0, 0), PMMF_E_NO_MEMORY);
      assert_int_equal(pmmf_last_os_error(), codes[i]);
    }
    lock_error = 0;
  }
  assert_ok(pmmf__os_syscall_set(LOCK_CALL, NULL));

  /* Injected failures of both calls. */
  pmmf__fault_arm(LOCK_CALL, 0, PMMF__FAULT_NO_MEMORY);
  assert_status(pmmf_view_lock(v, 0, 0), PMMF_E_NO_MEMORY);
  assert_true(pmmf__fault_fired());
  pmmf__fault_disarm();
  pmmf__fault_arm(UNLOCK_CALL, 0, PMMF__FAULT_IO);
  assert_status(pmmf_view_unlock(v, 0, 0), PMMF_E_IO);
  assert_true(pmmf__fault_fired());
  pmmf__fault_disarm();
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
}

#ifndef _WIN32
/* A child with a real RLIMIT_MEMLOCK: without CAP_IPC_LOCK (root gives it
 * up by becoming nobody), locking more than the limit is PMMF_E_NO_MEMORY. */
static int role_memlock(int argc, char **argv) {
  struct rlimit limit;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  int rc;
  (void)argc;
  (void)argv;
  limit.rlim_cur = limit.rlim_max = 64 * 1024;
  if (setrlimit(RLIMIT_MEMLOCK, &limit) != 0)
    return 10;
  if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
    return 11;
  if (pmmf_map_anonymous(&m, 4 * 1024 * 1024, 0) != PMMF_OK)
    return 12;
  if (pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
    return 13;
  rc = pmmf_view_lock(v, 0, 0);
  if (rc == PMMF_OK)
    rc = 50; /* mlock did nothing: AddressSanitizer's interceptor is a no-op */
  else if (rc != PMMF_E_NO_MEMORY)
    rc = 20 + (rc < 0 ? -rc : rc);
  else if (pmmf_view_lock(v, 0, 4096) != PMMF_OK) /* within the limit it works */
    rc = 40;
  else
    rc = 0;
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  return rc;
}
#endif

/* Whether this build runs under AddressSanitizer, whose mlock interceptor
 * does nothing and succeeds. */
#if defined(__SANITIZE_ADDRESS__)
#  define ASAN_BUILD 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define ASAN_BUILD 1
#  endif
#endif
#ifndef ASAN_BUILD
#  define ASAN_BUILD 0
#endif

static void test_lock_rlimit_child(void **state) {
  (void)state;
#ifndef _WIN32
  {
    support_child *child = support_child_start("memlock", NULL);
    int code;
    assert_non_null(child);
    code = support_child_wait(child);
    if (ASAN_BUILD && code == 50)
      print_message("# mlock is a no-op under AddressSanitizer: limit not exercised\n");
    else
      assert_int_equal(code, 0);
  }
#endif
}

/* PMMF_ACCESS_NONE: a guard view. The only test of this file that takes
 * faults: CMocka swaps SIGSEGV handlers around each test without chaining,
 * removing a handler the library installed in an earlier test (see
 * test_guarded.c). */
static void test_guard_none(void **state) {
  const char *path = support_path("guard.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *bad = SENTINEL;
  pmmf_window *w = SENTINEL;
  unsigned char buf[64];
  (void)state;

  assert_int_equal(support_write_pattern(path, FSIZE, 12), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  /* Nothing is created NONE. */
  {
    pmmf_map *m2 = SENTINEL;
    assert_status(pmmf_map_file(&m2, f, 0, PMMF_ACCESS_NONE, 0), PMMF_E_INVALID);
    assert_ptr_equal(m2, SENTINEL);
  }
  assert_status(pmmf_view_map(&bad, m, 0, 0, PMMF_ACCESS_NONE, 0), PMMF_E_INVALID);
  assert_ptr_equal(bad, SENTINEL);
  assert_status(pmmf_window_open(&w, m, 4096, PMMF_ACCESS_NONE), PMMF_E_INVALID);
  assert_ptr_equal(w, SENTINEL);

  assert_ok(pmmf_view_map(&v, m, 70000, 100000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_NONE));
  memset(buf, 0xEE, sizeof buf);
  assert_status(pmmf_view_read(v, 0, buf, sizeof buf), PMMF_E_IO);
  assert_status(pmmf_view_read(v, 99999, buf, 1), PMMF_E_IO);
  assert_int_equal(support_check_byte(buf, sizeof buf, 0xEE), -1);
  assert_status(pmmf_view_write(v, 5000, buf, sizeof buf), PMMF_E_IO);
  assert_status(pmmf_view_lock(v, 0, 0), PMMF_E_ACCESS);
  assert_ok(pmmf_view_unlock(v, 0, 0));
  /* NONE -> READ -> NONE -> WRITE: the bytes were kept and not written. */
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_READ));
  assert_ok(pmmf_view_read(v, 5000, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 75000, 12);
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_NONE));
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_NONE));
  assert_status(pmmf_view_write(v, 0, buf, 1), PMMF_E_IO);
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_WRITE));
  assert_pattern(pmmf_view_data(v), 100000, 70000, 12);
  assert_ok(pmmf_view_write(v, 0, "x", 1));
  assert_ok(pmmf_view_unmap(v));

  /* A COPY view goes to NONE and back to COPY; its private bytes survive. */
  assert_ok(pmmf_view_map(&v, m, 0, 4096, PMMF_ACCESS_COPY, 0));
  ((char *)pmmf_view_data(v))[1] = 'p';
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_NONE));
  assert_status(pmmf_view_read(v, 0, buf, 2), PMMF_E_IO);
  assert_status(pmmf_view_protect(v, PMMF_ACCESS_WRITE), PMMF_E_ACCESS);
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_COPY));
  assert_int_equal(((char *)pmmf_view_data(v))[1], 'p');
  assert_ok(pmmf_view_unmap(v));

  /* A guard page next to data: a one-page view of its own, NONE. */
  {
    pmmf_map *anon = NULL;
    pmmf_view *data = NULL, *guard = NULL;
    size_t g = pmmf_granularity() > PMMF_PORTABLE_GRANULARITY ? pmmf_granularity()
                                                               : PMMF_PORTABLE_GRANULARITY;
    assert_ok(pmmf_map_anonymous(&anon, 2 * g, 0));
    assert_ok(pmmf_view_map(&data, anon, 0, 2 * g, PMMF_ACCESS_WRITE, 0));
    assert_ok(pmmf_view_map(&guard, anon, g, g, PMMF_ACCESS_WRITE, 0));
    assert_ok(pmmf_view_protect(guard, PMMF_ACCESS_NONE));
    assert_ok(pmmf_view_write(data, g - 1, "ab", 2));
    assert_status(pmmf_view_write(guard, 0, "c", 1), PMMF_E_IO);
    assert_ok(pmmf_view_unmap(guard));
    assert_ok(pmmf_view_unmap(data));
    assert_ok(pmmf_map_close(anon));
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  {
    size_t len = 0;
    unsigned char *bytes = support_read_file(path, &len);
    assert_non_null(bytes);
    assert_int_equal(len, FSIZE);
    /* Only the one byte written while the view was WRITE changed. */
    assert_pattern(bytes, 70000, 0, 12);
    assert_int_equal(bytes[70000], 'x');
    assert_pattern(bytes + 70001, FSIZE - 70001, 70001, 12);
    free(bytes);
  }
}

int main(int argc, char **argv) {
#ifndef _WIN32
  static const struct support_role roles[] = {{"memlock", role_memlock}};
  int code = support_child_dispatch(argc, argv, roles, SUPPORT_ARRAY_LEN(roles));
#else
  int code = support_child_dispatch(argc, argv, NULL, 0);
#endif
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_lock_ranges),
    cmocka_unit_test(test_lock_span_and_limits),
    cmocka_unit_test(test_lock_rlimit_child),
    cmocka_unit_test(test_guard_none),
  };
  if (code >= 0)
    return code;
  return cmocka_run_group_tests_name("lock", tests, support_group_setup, support_group_teardown);
}
