/* SPDX-License-Identifier: MIT */
/*
 * test_native.c - conformance of native handles: pmmf_file_open_native
 * duplicates the caller's descriptor or HANDLE (the caller keeps and closes
 * its own), applies every rule of files (regular files only, access checked
 * against the handle's mode, bad handles and flags refused, nothing leaked),
 * PMMF_OPEN_EXCLUSIVE as documented per backend; pmmf_file_native_handle and
 * pmmf_map_native_handle give borrowed handles; failures of the new OS calls
 * (injected through the OS-call table) leak nothing.
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
#  include <fcntl.h>
#  include <sys/socket.h>
#  include <unistd.h>
#endif

#define FSIZE ((size_t)100000)

static const char *fresh(const char *name, unsigned seed) {
  const char *path = support_path(name);
  assert_int_equal(support_write_pattern(path, FSIZE, seed), 0);
  return path;
}

static pmmf_native_handle native_of(pmmf_file *f) {
  pmmf_native_handle h = PMMF_NATIVE_HANDLE_INVALID;
  assert_ok(pmmf_file_native_handle(f, &h));
  assert_true(h != PMMF_NATIVE_HANDLE_INVALID);
  return h;
}

/* Adopt the handle of an open pmmf_file: the adopted file maps the same bytes,
 * writes through it reach the file, and closing either leaves the other
 * working (each has its own handle). */
static void test_native_adopt_roundtrip(void **state) {
  const char *path = fresh("roundtrip.bin", 3);
  pmmf_file *owner = NULL, *adopted = SENTINEL;
  pmmf_map *map = NULL;
  pmmf_view *view = NULL;
  pmmf_native_handle h, mine;
  uint64_t size = 0;
  long handles = support_count_handles();
  (void)state;

  assert_ok(pmmf_file_open(&owner, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  h = native_of(owner);
  assert_ok(pmmf_file_open_native(&adopted, h, PMMF_OPEN_WRITE));
  assert_ptr_not_equal(adopted, SENTINEL);
  /* The library works on a duplicate, never on the caller's handle. */
  mine = native_of(adopted);
  assert_true(mine != h);
  assert_ok(pmmf_file_size(adopted, &size));
  assert_int_equal(size, FSIZE);

  assert_ok(pmmf_map_file(&map, adopted, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_file_close(adopted));
  assert_ok(pmmf_view_map(&view, map, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_pattern(pmmf_view_data(view), FSIZE, 0, 3);
  memset(pmmf_view_data(view), 0x5a, 16);
  assert_ok(pmmf_view_flush(view, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_unmap(view));
  assert_ok(pmmf_map_close(map));

  /* The caller's handle is still open and usable. */
  assert_ok(pmmf_file_size(owner, &size));
  assert_int_equal(size, FSIZE);
  assert_ok(pmmf_file_close(owner));
  {
    size_t len = 0;
    unsigned char *bytes = support_read_file(path, &len);
    assert_non_null(bytes);
    assert_int_equal(len, FSIZE);
    assert_int_equal(support_check_byte(bytes, 16, 0x5a), -1);
    free(bytes);
  }
  if (handles >= 0)
    assert_int_equal(support_count_handles(), handles);
}

/* The caller may close its own handle first: the library's duplicate keeps
 * the file. */
static void test_native_caller_closes_first(void **state) {
  const char *path = fresh("first.bin", 4);
  pmmf_file *owner = NULL, *adopted = NULL;
  pmmf_map *map = NULL;
  pmmf_view *view = NULL;
  (void)state;

  assert_ok(pmmf_file_open(&owner, path, PMMF_OPEN_READ));
  assert_ok(pmmf_file_open_native(&adopted, native_of(owner), PMMF_OPEN_READ));
  assert_ok(pmmf_file_close(owner));
  assert_ok(pmmf_map_file(&map, adopted, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&view, map, 0, 0, PMMF_ACCESS_READ, 0));
  assert_pattern(pmmf_view_data(view), FSIZE, 0, 4);
  assert_ok(pmmf_view_unmap(view));
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(adopted));
}

static void test_native_bad_arguments(void **state) {
  const char *path = fresh("bad.bin", 5);
  pmmf_file *owner = NULL, *out = SENTINEL;
  pmmf_native_handle h, got = 77;
  static const unsigned bad_flags[] = {
    0u, PMMF_OPEN_CREATE | PMMF_OPEN_READ, PMMF_OPEN_CREATE_NEW | PMMF_OPEN_WRITE,
    PMMF_OPEN_TRUNCATE | PMMF_OPEN_WRITE, 0x1000u | PMMF_OPEN_READ, PMMF_OPEN_SPARSE,
  };
  size_t i;
  long handles = support_count_handles();
  (void)state;

  assert_ok(pmmf_file_open(&owner, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  h = native_of(owner);
  assert_status(pmmf_file_open_native(NULL, h, PMMF_OPEN_READ), PMMF_E_INVALID);
  assert_status(pmmf_file_open_native(&out, PMMF_NATIVE_HANDLE_INVALID, PMMF_OPEN_READ),
                PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_flags); i++)
    assert_status(pmmf_file_open_native(&out, h, bad_flags[i]), PMMF_E_INVALID);
  assert_ptr_equal(out, SENTINEL);

  assert_status(pmmf_file_native_handle(NULL, &got), PMMF_E_INVALID);
  assert_status(pmmf_file_native_handle(owner, NULL), PMMF_E_INVALID);
  assert_status(pmmf_map_native_handle(NULL, &got), PMMF_E_INVALID);
  assert_true(got == 77);
  assert_ok(pmmf_file_close(owner));

  /* A handle that is not open (the one just closed, or a number no open
   * gave): bad input, never a crash. */
  assert_status(pmmf_file_open_native(&out, h, PMMF_OPEN_READ), PMMF_E_INVALID);
#ifdef _WIN32
  assert_status(pmmf_file_open_native(&out, (pmmf_native_handle)0x7ffc, PMMF_OPEN_READ),
                PMMF_E_INVALID);
#else
  assert_status(pmmf_file_open_native(&out, 1000000, PMMF_OPEN_READ), PMMF_E_INVALID);
#endif
  assert_ptr_equal(out, SENTINEL);
  if (handles >= 0)
    assert_int_equal(support_count_handles(), handles);
}

/* WRITE needs a handle open for writing; READ is always possible with a
 * handle that can read. */
static void test_native_access_checked(void **state) {
  const char *path = fresh("access.bin", 6);
  pmmf_file *ro = NULL, *out = SENTINEL, *ok = NULL;
  (void)state;

  assert_ok(pmmf_file_open(&ro, path, PMMF_OPEN_READ));
  assert_status(pmmf_file_open_native(&out, native_of(ro), PMMF_OPEN_WRITE), PMMF_E_ACCESS);
  assert_ptr_equal(out, SENTINEL);
  assert_ok(pmmf_file_open_native(&ok, native_of(ro), PMMF_OPEN_READ));
  /* The adopted file is READ: its maps follow the rules of such a file. */
  {
    pmmf_map *m = SENTINEL;
    assert_status(pmmf_map_file(&m, ok, 0, PMMF_ACCESS_WRITE, 0), PMMF_E_ACCESS);
    assert_status(pmmf_file_resize(ok, 10), PMMF_E_ACCESS);
  }
  assert_ok(pmmf_file_close(ok));
  assert_ok(pmmf_file_close(ro));

#ifndef _WIN32
  {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_status(pmmf_file_open_native(&out, fd, PMMF_OPEN_READ), PMMF_E_ACCESS);
    assert_status(pmmf_file_open_native(&out, fd, PMMF_OPEN_WRITE), PMMF_E_ACCESS);
    close(fd);
#  ifdef O_PATH
    fd = open(path, O_PATH | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_status(pmmf_file_open_native(&out, fd, PMMF_OPEN_READ), PMMF_E_ACCESS);
    close(fd);
#  endif
  }
#else
  {
    wchar_t *wide = support_wide_path(path);
    HANDLE h = CreateFileW(wide, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    free(wide);
    assert_true(h != INVALID_HANDLE_VALUE);
    /* Write-only: no FILE_READ_DATA. Where NtQueryObject cannot answer the
     * handle is adopted and the map is refused instead. */
    {
      int rc = pmmf_file_open_native(&out, (pmmf_native_handle)h, PMMF_OPEN_READ);
      if (rc == PMMF_OK) {
        pmmf_map *m = NULL;
        assert_status(pmmf_map_file(&m, out, 0, PMMF_ACCESS_READ, 0), PMMF_E_ACCESS);
        assert_ok(pmmf_file_close(out));
        out = SENTINEL;
      } else {
        assert_status(rc, PMMF_E_ACCESS);
      }
    }
    CloseHandle(h);
  }
#endif
  assert_ptr_equal(out, SENTINEL);
}

/* Regular files only. */
static void test_native_not_regular(void **state) {
  pmmf_file *out = SENTINEL;
  long handles = support_count_handles();
  (void)state;

#ifndef _WIN32
  {
    int fds[2];
    int dir = open(support_tmpdir(), O_RDONLY | O_CLOEXEC);
    assert_true(dir >= 0);
    assert_status(pmmf_file_open_native(&out, dir, PMMF_OPEN_READ), PMMF_E_INVALID);
    close(dir);
    assert_int_equal(pipe(fds), 0);
    assert_status(pmmf_file_open_native(&out, fds[0], PMMF_OPEN_READ), PMMF_E_INVALID);
    assert_status(pmmf_file_open_native(&out, fds[1], PMMF_OPEN_READ), PMMF_E_INVALID);
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    assert_status(pmmf_file_open_native(&out, fds[0], PMMF_OPEN_READ | PMMF_OPEN_WRITE),
                  PMMF_E_INVALID);
    close(fds[0]);
    close(fds[1]);
  }
#else
  {
    HANDLE r, w, dir;
    wchar_t *wide = support_wide_path(support_tmpdir());
    dir = CreateFileW(wide, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                      NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(wide);
    assert_true(dir != INVALID_HANDLE_VALUE);
    assert_status(pmmf_file_open_native(&out, (pmmf_native_handle)dir, PMMF_OPEN_READ),
                  PMMF_E_INVALID);
    CloseHandle(dir);
    assert_true(CreatePipe(&r, &w, NULL, 0));
    assert_status(pmmf_file_open_native(&out, (pmmf_native_handle)r, PMMF_OPEN_READ),
                  PMMF_E_INVALID);
    assert_status(pmmf_file_open_native(&out, (pmmf_native_handle)w, PMMF_OPEN_READ),
                  PMMF_E_INVALID);
    CloseHandle(r);
    CloseHandle(w);
  }
#endif
  assert_ptr_equal(out, SENTINEL);
  if (handles >= 0)
    assert_int_equal(support_count_handles(), handles);
}

/* PMMF_OPEN_EXCLUSIVE: POSIX locks the shared open file description
 * (LOCK_EX, conflicting with other opens' locks); Windows cannot change a
 * handle's sharing: PMMF_E_UNSUPPORTED. */
static void test_native_exclusive(void **state) {
  const char *path = fresh("exclusive.bin", 7);
  pmmf_file *a = NULL, *b = NULL, *adopted = SENTINEL, *other = SENTINEL;
  (void)state;

  assert_ok(pmmf_file_open(&a, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  if (support_is_win32()) {
    assert_status(pmmf_file_open_native(&adopted, native_of(a),
                                        PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE),
                  PMMF_E_UNSUPPORTED);
    assert_ptr_equal(adopted, SENTINEL);
    assert_ok(pmmf_file_close(a));
    return;
  }
  assert_ok(pmmf_file_open(&b, path, PMMF_OPEN_READ));
  /* b holds its shared lock: no exclusive adoption of a's handle. */
  assert_status(pmmf_file_open_native(&adopted, native_of(a),
                                      PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE),
                PMMF_E_SHARING);
  assert_ptr_equal(adopted, SENTINEL);
  assert_ok(pmmf_file_close(b));
  assert_ok(pmmf_file_open_native(&adopted, native_of(a), PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE));
  /* Other opens are kept out ... */
  assert_status(pmmf_file_open(&other, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_ptr_equal(other, SENTINEL);
  /* ... while the lock is the description's: closing the adopted file does
   * not release it while the caller's descriptor (a's) is open. */
  assert_ok(pmmf_file_close(adopted));
  assert_status(pmmf_file_open(&other, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_ok(pmmf_file_close(a));
  assert_ok(pmmf_file_open(&other, path, PMMF_OPEN_READ));
  assert_ok(pmmf_file_close(other));
}

/* The duplicate is never inheritable, even when the caller's handle is. */
static void test_native_duplicate_not_inherited(void **state) {
  const char *path = fresh("inherit.bin", 11);
  pmmf_file *owner = NULL, *adopted = NULL;
  intptr_t inheritable;
  pmmf_native_handle mine;
  (void)state;

  assert_ok(pmmf_file_open(&owner, path, PMMF_OPEN_READ));
  inheritable = support_handle_dup_inheritable(native_of(owner));
  assert_true(inheritable != -1);
  assert_ok(pmmf_file_open_native(&adopted, (pmmf_native_handle)inheritable, PMMF_OPEN_READ));
  mine = native_of(adopted);
#ifdef _WIN32
  {
    DWORD info = 0;
    assert_true(GetHandleInformation((HANDLE)inheritable, &info));
    assert_true(info & HANDLE_FLAG_INHERIT);
    assert_true(GetHandleInformation((HANDLE)mine, &info));
    assert_false(info & HANDLE_FLAG_INHERIT);
  }
#else
  assert_false(fcntl((int)inheritable, F_GETFD) & FD_CLOEXEC);
  assert_true(fcntl((int)mine, F_GETFD) & FD_CLOEXEC);
#endif
  support_handle_close(inheritable);
  assert_ok(pmmf_file_close(adopted));
  assert_ok(pmmf_file_close(owner));
}

#ifdef _WIN32
/* Windows: the caller's CreateFile fixed the sharing. A handle opened with
 * share mode 0 is adopted as it is, and keeps every other open out. */
static void test_native_windows_share_mode(void **state) {
  const char *path = fresh("share.bin", 12);
  wchar_t *wide = support_wide_path(path);
  HANDLE h = CreateFileW(wide, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  pmmf_file *adopted = NULL, *other = SENTINEL;
  (void)state;
  free(wide);
  assert_true(h != INVALID_HANDLE_VALUE);
  assert_ok(pmmf_file_open_native(&adopted, (pmmf_native_handle)h, PMMF_OPEN_WRITE));
  assert_status(pmmf_file_open(&other, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_ptr_equal(other, SENTINEL);
  CloseHandle(h);
  /* The duplicate still holds the file object, with its sharing. */
  assert_status(pmmf_file_open(&other, path, PMMF_OPEN_READ), PMMF_E_SHARING);
  assert_ok(pmmf_file_close(adopted));
  assert_ok(pmmf_file_open(&other, path, PMMF_OPEN_READ));
  assert_ok(pmmf_file_close(other));
}
#endif

/* The native handle of each kind of map. */
static void test_native_map_handles(void **state) {
  const char *path = fresh("maps.bin", 8);
  pmmf_file *f = NULL;
  pmmf_map *fm = NULL, *am = NULL;
  pmmf_native_handle fh = PMMF_NATIVE_HANDLE_INVALID, mh = PMMF_NATIVE_HANDLE_INVALID,
                     ah = PMMF_NATIVE_HANDLE_INVALID;
  unsigned char buf[16];
  (void)state;

  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&fm, f, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_file_native_handle(f, &fh));
  assert_ok(pmmf_map_native_handle(fm, &mh));
  assert_true(mh != PMMF_NATIVE_HANDLE_INVALID);
  /* POSIX: views of a file map come from the file's descriptor; Windows:
   * the section is a handle of its own. */
  if (support_is_win32())
    assert_true(mh != fh);
  else
    assert_true(mh == fh);
  /* The handle reaches the map's bytes. */
  assert_int_equal(support_handle_read(mh, buf, sizeof buf), 0);
  assert_pattern(buf, sizeof buf, 0, 8);

  assert_ok(pmmf_map_anonymous(&am, 65536, 0));
  assert_ok(pmmf_map_native_handle(am, &ah));
  assert_true(ah != PMMF_NATIVE_HANDLE_INVALID && ah != mh);
  assert_int_equal(support_handle_read(ah, buf, sizeof buf), 0);
  assert_int_equal(support_check_byte(buf, sizeof buf, 0), -1);
  assert_ok(pmmf_map_close(am));
  assert_ok(pmmf_map_close(fm));
  assert_ok(pmmf_file_close(f));
}

/* Each OS call of the adoption failed in turn: the status is the fault's,
 * the output untouched, nothing leaked, the caller's handle still open. */
static void test_native_inject(void **state) {
  const char *path = fresh("inject.bin", 9);
  pmmf_file *owner = NULL, *out;
  unsigned skip;
  int fired = 0;
  (void)state;

  assert_ok(pmmf_file_open(&owner, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  for (skip = 0; skip < 20; skip++) {
    long allocs = pmmf__alloc_live(), handles = support_count_handles();
    unsigned flags = support_is_win32() ? PMMF_OPEN_WRITE : PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE;
    int rc;
    out = SENTINEL;
    pmmf__fault_arm(NULL, skip, PMMF__FAULT_NO_MEMORY);
    rc = pmmf_file_open_native(&out, native_of(owner), flags);
    if (!pmmf__fault_fired()) {
      pmmf__fault_disarm();
      assert_ok(rc);
      assert_ok(pmmf_file_close(out));
      break;
    }
    fired++;
    print_message("# fault in %s\n", pmmf__fault_fired_call());
    pmmf__fault_disarm();
    assert_status(rc, PMMF_E_NO_MEMORY);
    assert_ptr_equal(out, SENTINEL);
    assert_int_equal(pmmf__alloc_live(), allocs);
    if (handles >= 0)
      assert_int_equal(support_count_handles(), handles);
  }
  assert_true(fired >= 3);
  {
    uint64_t size = 0;
    assert_ok(pmmf_file_size(owner, &size));
  }
  assert_ok(pmmf_file_close(owner));
}

#ifdef _WIN32
static BOOL WINAPI query_object_absent(HANDLE h, DWORD c, LPVOID info, DWORD len) {
  (void)h;
  (void)c;
  (void)info;
  (void)len;
  SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
  return FALSE;
}
#endif

/* Windows: without NtQueryObject the adoption goes on (the access shows at
 * the map). */
static void test_native_no_query(void **state) {
#ifdef _WIN32
  const char *path = fresh("noquery.bin", 10);
  pmmf_file *owner = NULL, *out = NULL;
  pmmf_map *m = NULL;
  (void)state;
  assert_ok(pmmf_file_open(&owner, path, PMMF_OPEN_READ));
  assert_ok(pmmf__os_syscall_set("NtQueryObject", (pmmf__syscall_ptr)query_object_absent));
  assert_ok(pmmf_file_open_native(&out, native_of(owner), PMMF_OPEN_WRITE));
  assert_ok(pmmf__os_syscall_set("NtQueryObject", NULL));
  assert_status(pmmf_map_file(&m, out, 0, PMMF_ACCESS_WRITE, 0), PMMF_E_ACCESS);
  assert_ok(pmmf_file_close(out));
  assert_ok(pmmf_file_close(owner));
#else
  (void)state; /* POSIX asks fcntl, which always answers */
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_native_adopt_roundtrip),
    cmocka_unit_test(test_native_caller_closes_first),
    cmocka_unit_test(test_native_bad_arguments),
    cmocka_unit_test(test_native_access_checked),
    cmocka_unit_test(test_native_not_regular),
    cmocka_unit_test(test_native_exclusive),
    cmocka_unit_test(test_native_duplicate_not_inherited),
#ifdef _WIN32
    cmocka_unit_test(test_native_windows_share_mode),
#endif
    cmocka_unit_test(test_native_map_handles),
    cmocka_unit_test(test_native_inject),
    cmocka_unit_test(test_native_no_query),
  };
  return cmocka_run_group_tests_name("native", tests, support_group_setup,
                                     support_group_teardown);
}
