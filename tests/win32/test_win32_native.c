/* SPDX-License-Identifier: MIT */
/*
 * test_win32_native.c - Win32-only checks of the backend's OS-level choices:
 * the 64 KiB granularity, UTF-8 paths converted to the right UTF-16 names,
 * invalid UTF-8 rejected, paths longer than MAX_PATH, forward slashes,
 * handles that child processes do not inherit, a failed creation that
 * removes its new file only when nobody else holds it or wrote to it, the
 * installation of the guarded copies' exception handler failing at each of
 * its calls (the first test: nothing may have installed it before), and named
 * sections safe from squatters: a file-backed section planted under the name
 * is refused, a new section's DACL grants its user alone, and an existing
 * section's size comes from NtQuerySection (no temporary view), with the view
 * as the fallback (PMMF_E_TOO_LARGE for a section beyond the address space of
 * a 32-bit process).
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <aclapi.h>

#include "support.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static wchar_t *wide_tmp_path(const wchar_t *name) {
  wchar_t *dir = support_wide_path(support_tmpdir());
  wchar_t *out;
  assert_non_null(dir);
  out = malloc((wcslen(dir) + wcslen(name) + 2) * sizeof *out);
  assert_non_null(out);
  wcscpy(out, dir);
  wcscat(out, L"\\");
  wcscat(out, name);
  free(dir);
  return out;
}

static long count_dir_entries(void) {
  wchar_t *pattern = wide_tmp_path(L"*");
  WIN32_FIND_DATAW fd;
  HANDLE h = FindFirstFileW(pattern, &fd);
  long n = 0;
  free(pattern);
  if (h == INVALID_HANDLE_VALUE)
    return 0;
  do
    n++;
  while (FindNextFileW(h, &fd));
  FindClose(h);
  return n;
}

static void test_granularity(void **state) {
  SYSTEM_INFO si;
  (void)state;
  GetSystemInfo(&si);
  assert_int_equal(pmmf_granularity(), 65536);
  assert_int_equal(si.dwAllocationGranularity, 65536);
  assert_int_equal(pmmf_page_size(), si.dwPageSize);
  assert_string_equal(pmmf_backend(), "win32");
}

static void test_utf8_name(void **state) {
  const char *path = support_path("caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac.bin");
  const wchar_t *expect = L"caf\x00e9-\x65e5\x672c.bin";
  wchar_t *wpath = wide_tmp_path(expect);
  wchar_t *wpattern = wide_tmp_path(L"caf*");
  WIN32_FIND_DATAW fd;
  HANDLE h;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  uint64_t size = 0;
  (void)state;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW));
  assert_ok(pmmf_map_file(&m, f, 5, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  memcpy(pmmf_view_data(v), "utf-8", 5);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  /* On disk under exactly the UTF-16 name. */
  assert_int_not_equal(GetFileAttributesW(wpath), INVALID_FILE_ATTRIBUTES);
  h = FindFirstFileW(wpattern, &fd);
  assert_true(h != INVALID_HANDLE_VALUE);
  assert_true(wcscmp(fd.cFileName, expect) == 0);
  assert_false(FindNextFileW(h, &fd));
  FindClose(h);
  /* Reopened by the same UTF-8 name; stdio through the wide name agrees. */
  f = NULL;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 5);
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_equals(path, "utf-8", 5));
  free(wpath);
  free(wpattern);
}

static void test_invalid_utf8(void **state) {
  static const char *const names[] = {"\xff\xfe", "bad-\xff.bin", "\xc0\xaf.bin",
                                      "\xed\xa0\x80.bin", "trunc-\xe6\x97"};
  static const unsigned flag_sets[] = {PMMF_OPEN_READ, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE,
                                       PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW};
  long before = count_dir_entries();
  size_t i, j;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(names); i++) {
    for (j = 0; j < SUPPORT_ARRAY_LEN(flag_sets); j++) {
      pmmf_file *f = SENTINEL;
      assert_status(pmmf_file_open(&f, support_path(names[i]), flag_sets[j]), PMMF_E_INVALID);
      assert_ptr_equal(f, SENTINEL);
    }
  }
  assert_int_equal(count_dir_entries(), before);
}

static void test_long_path(void **state) {
  char comp[121], *dir1, *dir2, *dir3, *file;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  memset(comp, 'a', 120);
  comp[120] = '\0';
  dir1 = support_join(support_tmpdir(), comp);
  memset(comp, 'b', 120);
  dir2 = support_join(dir1, comp);
  memset(comp, 'c', 120);
  dir3 = support_join(dir2, comp);
  file = support_join(dir3, "long-path-file.bin");
  assert_true(strlen(file) > 300);
  assert_int_equal(support_mkdir(dir1), 0);
  assert_int_equal(support_mkdir(dir2), 0);
  assert_int_equal(support_mkdir(dir3), 0);
  assert_ok(pmmf_file_open(&f, file, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW));
  assert_ok(pmmf_map_file(&m, f, 65537, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_view_map(&v, m, 65536, 0, PMMF_ACCESS_WRITE, 0));
  memcpy(pmmf_view_data(v), "L", 1);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(file), 65537);
  {
    size_t len = 0;
    unsigned char *buf = support_read_file(file, &len);
    assert_non_null(buf);
    assert_int_equal(len, 65537);
    assert_int_equal(buf[65536], 'L');
    assert_int_equal(support_check_byte(buf, 65536, 0), -1);
    free(buf);
  }
  /* Missing files under a long path are NOT_FOUND, not a path error. */
  {
    char *missing = support_join(dir3, "missing.bin");
    pmmf_file *g = SENTINEL;
    assert_status(pmmf_file_open(&g, missing, PMMF_OPEN_READ), PMMF_E_NOT_FOUND);
    assert_ptr_equal(g, SENTINEL);
    free(missing);
  }
  free(dir1);
  free(dir2);
  free(dir3);
  free(file);
}

static void test_forward_slashes(void **state) {
  char *path = malloc(strlen(support_tmpdir()) + 16);
  pmmf_file *f = NULL;
  (void)state;
  assert_non_null(path);
  strcpy(path, support_tmpdir());
  strcat(path, "/fwd.bin");
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_exists(support_path("fwd.bin")));
  free(path);
}

static int inheritable(intptr_t handle) {
  DWORD flags = 0;
  assert_true(GetHandleInformation((HANDLE)handle, &flags));
  return (flags & HANDLE_FLAG_INHERIT) != 0;
}

static void test_handles_not_inheritable(void **state) {
  const char *path = support_path("inherit.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL, *a = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 4096, 1), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_false(inheritable(f->handle));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_false(inheritable(m->os.handle));
  assert_ok(pmmf_map_anonymous(&a, 65536, 0));
  assert_false(inheritable(a->os.handle));
  assert_ok(pmmf_map_close(a));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

/* A view maps at a 64 KiB boundary: the data pointer is the offset's distance past it. */
static void test_offset_rounding(void **state) {
  static const uint64_t offsets[] = {1, 4097, 65535, 65537, 99999};
  const char *path = support_path("round.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 140000, 3), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  for (i = 0; i < SUPPORT_ARRAY_LEN(offsets); i++) {
    pmmf_view *v = NULL;
    size_t delta = (size_t)(offsets[i] % 65536);
    assert_ok(pmmf_view_map(&v, m, offsets[i], 100, PMMF_ACCESS_READ, 0));
    assert_int_equal((uintptr_t)v->base % 65536, 0);
    assert_ptr_equal(pmmf_view_data(v), (char *)v->base + delta);
    assert_pattern(pmmf_view_data(v), 100, offsets[i], 3);
    assert_ok(pmmf_view_unmap(v));
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}


/* ------------------------------------------------------------------------- */
/* Named sections. */

#define KIB64 ((uint64_t)65536)

static wchar_t *section_name(const char *name) {
  static wchar_t out[64];
  size_t i;
  wcscpy(out, L"Local\\");
  for (i = 0; name[i] && i < 40; i++)
    out[6 + i] = (wchar_t)(unsigned char)name[i];
  out[6 + i] = L'\0';
  return out;
}

/* A co-tenant plants a section backed by its own file under the name: the
 * victim's data would go to that file. Every open is refused, and nothing is
 * written to the file. */
static void test_shm_file_backed_refused(void **state) {
  static const int modes[] = {PMMF_SHM_OPEN_ONLY, PMMF_SHM_OPEN_OR_CREATE};
  static const pmmf_access accesses[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};
  const char *name = support_shm_name("planted");
  wchar_t *path = wide_tmp_path(L"planted-section.bin");
  HANDLE file, section;
  unsigned char buf[16];
  DWORD got = 0;
  size_t m, a;
  (void)state;
  file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                     CREATE_ALWAYS, 0, NULL);
  assert_true(file != INVALID_HANDLE_VALUE);
  section = CreateFileMappingW(file, NULL, PAGE_READWRITE, 0, (DWORD)KIB64, section_name(name));
  assert_non_null(section);
  for (m = 0; m < SUPPORT_ARRAY_LEN(modes); m++)
    for (a = 0; a < SUPPORT_ARRAY_LEN(accesses); a++) {
      pmmf_map *o = SENTINEL;
      int created = 7;
      assert_status(pmmf_map_shared(&o, name, modes[m] == PMMF_SHM_OPEN_ONLY ? 0 : 4096,
                                    accesses[a], modes[m], &created),
                    PMMF_E_ACCESS);
      assert_ptr_equal(o, SENTINEL);
      assert_int_equal(created, 7);
    }
  {
    pmmf_map *o = SENTINEL;
    assert_status(pmmf_map_shared(&o, name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL),
                  PMMF_E_EXISTS);
    assert_ptr_equal(o, SENTINEL);
  }
  /* The file holds only the zeros the planter's size gave it. */
  memset(buf, 0xAA, sizeof buf);
  assert_true(ReadFile(file, buf, sizeof buf, &got, NULL));
  assert_int_equal(got, sizeof buf);
  for (m = 0; m < sizeof buf; m++)
    assert_int_equal(buf[m], 0);
  CloseHandle(section);
  CloseHandle(file);
  assert_true(DeleteFileW(path));
  free(path);
}

/* A new section's DACL has one entry: its user's (POSIX: mode 0600). */
static void test_shm_owner_only_dacl(void **state) {
  const char *name = support_shm_name("dacl");
  union {
    TOKEN_USER user;
    BYTE bytes[256];
  } token_user;
  pmmf_map *m = NULL;
  HANDLE token, section;
  PACL dacl = NULL;
  PSECURITY_DESCRIPTOR sd = NULL;
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD got = 0, revision = 0;
  ACCESS_ALLOWED_ACE *ace = NULL;
  (void)state;
  assert_ok(pmmf_map_shared(&m, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL));
  section = OpenFileMappingW(READ_CONTROL, FALSE, section_name(name));
  assert_non_null(section);
  assert_int_equal(GetSecurityInfo(section, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                                   NULL, &dacl, NULL, &sd),
                   ERROR_SUCCESS);
  assert_non_null(dacl); /* a NULL DACL would let everyone in */
  assert_int_equal(dacl->AceCount, 1);
  assert_true(GetAce(dacl, 0, (void **)&ace));
  assert_int_equal(ace->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
  assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
  assert_true(GetTokenInformation(token, TokenUser, &token_user, sizeof token_user, &got));
  CloseHandle(token);
  assert_true(EqualSid((PSID)&ace->SidStart, token_user.user.User.Sid));
  assert_true(GetSecurityDescriptorControl(sd, &control, &revision));
  assert_true(control & SE_DACL_PROTECTED);
  LocalFree(sd);
  CloseHandle(section);
  /* And usable: an opener of the same user gets it. */
  {
    pmmf_map *o = NULL;
    assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
    assert_int_equal(pmmf_map_size(o), KIB64);
    assert_ok(pmmf_map_close(o));
  }
  assert_ok(pmmf_map_close(m));
}

/* An existing section's size comes from NtQuerySection: no view is mapped to
 * find it (a view of a section larger than the free address space would
 * fail); without the query, a temporary view of the whole section. */
static unsigned views_mapped;
static LPVOID WINAPI counting_map_view(HANDLE h, DWORD access, DWORD hi, DWORD lo, SIZE_T len,
                                        LPVOID at) {
  views_mapped++;
  return MapViewOfFileEx(h, access, hi, lo, len, at);
}
static BOOL WINAPI no_query(HANDLE h, DWORD cls, LPVOID info, DWORD len) {
  (void)h;
  (void)cls;
  (void)info;
  (void)len;
  SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
  return FALSE;
}

static void test_shm_size_from_query(void **state) {
  const char *name = support_shm_name("qsize");
  pmmf_map *m = NULL, *o = NULL;
  int pass;
  (void)state;
  assert_ok(pmmf_map_shared(&m, name, 100000, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL));
  for (pass = 0; pass < 2; pass++) {
    views_mapped = 0;
    assert_ok(pmmf__os_syscall_set("MapViewOfFileEx", (pmmf__syscall_ptr)counting_map_view));
    if (pass == 1)
      assert_ok(pmmf__os_syscall_set("NtQuerySection", (pmmf__syscall_ptr)no_query));
    assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
    pmmf__os_syscall_set("MapViewOfFileEx", NULL);
    pmmf__os_syscall_set("NtQuerySection", NULL);
    /* 100000 rounded up to the page size, either way. */
    assert_int_equal(pmmf_map_size(o), 102400);
    assert_int_equal(views_mapped, pass == 0 ? 0 : 1);
    assert_ok(pmmf_map_close(o));
  }
  assert_ok(pmmf_map_close(m));
}

/* A section larger than 4 GiB, reserved and never touched (SEC_RESERVE: no
 * commit charge, on Windows as under Wine): its size comes from the query in
 * every process. The fallback maps all of it, which a 64-bit process can and
 * a 32-bit one cannot: there it fails with PMMF_E_TOO_LARGE (the object does
 * not fit this process's address space), leaving nothing open. */
static void test_shm_large_size_without_query(void **state) {
  const char *name = support_shm_name("qlarge");
  const uint64_t size = ((uint64_t)5 << 30) + KIB64;
  pmmf_map *o = NULL;
  HANDLE section;
  int rc;
  (void)state;
  SetLastError(ERROR_SUCCESS);
  section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE,
                               (DWORD)(size >> 32), (DWORD)(size & 0xFFFFFFFFu),
                               section_name(name));
  assert_non_null(section);
  assert_int_not_equal(GetLastError(), ERROR_ALREADY_EXISTS);
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
  assert_int_equal(pmmf_map_size(o), size);
  assert_ok(pmmf_map_close(o));

  o = NULL;
  assert_ok(pmmf__os_syscall_set("NtQuerySection", (pmmf__syscall_ptr)no_query));
  rc = pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL);
  pmmf__os_syscall_set("NtQuerySection", NULL);
  if (sizeof(void *) >= 8) {
    assert_ok(rc);
    assert_int_equal(pmmf_map_size(o), size);
    assert_ok(pmmf_map_close(o));
  } else {
    assert_status(rc, PMMF_E_TOO_LARGE);
    assert_int_equal(pmmf_last_os_error(), ERROR_NOT_ENOUGH_MEMORY);
    assert_null(o);
  }
  CloseHandle(section);
}

/* The first guarded copy adds the exception handler: a TLS slot, the
 * vectored handler, the pin of this module. Each failing leaves nothing
 * behind (the copy fails with that call's status, its destination untouched)
 * and the next copy tries again. A build with structured exception handling
 * (PMMF__HAVE_SEH: MSVC, clang-cl, clang) installs nothing: none of these
 * calls is made, and every copy succeeds. */
static void test_guard_install_failures(void **state) {
  static const char *const calls[] = {"TlsAlloc", "AddVectoredExceptionHandler",
                                      "GetModuleHandleExW"};
  unsigned char buf[8];
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  size_t i;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 65536, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  memset(pmmf_view_data(v), 0x5A, 65536);
  for (i = 0; i < SUPPORT_ARRAY_LEN(calls); i++) {
    memset(buf, 0, sizeof buf);
    pmmf__fault_arm(calls[i], 0, PMMF__FAULT_NO_MEMORY);
#if PMMF__HAVE_SEH
    assert_ok(pmmf_view_read(v, 0, buf, sizeof buf));
    assert_false(pmmf__fault_fired());
    pmmf__fault_disarm();
    assert_int_equal(buf[0], 0x5A);
#else
    assert_status(pmmf_view_read(v, 0, buf, sizeof buf), PMMF_E_NO_MEMORY);
    assert_true(pmmf__fault_fired());
    assert_string_equal(pmmf__fault_fired_call(), calls[i]);
    pmmf__fault_disarm();
    assert_int_equal(buf[0], 0);
#endif
  }
  assert_ok(pmmf_view_read(v, 0, buf, sizeof buf));
  assert_int_equal(buf[0], 0x5A);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
}

/* A creation that fails after CreateFileW (GetFileType cannot tell the type,
 * through the OS-call table) while another open - sharing deletion, as a
 * non-exclusive libportmmf open does - already holds the new file, or after
 * someone wrote to it: the file stays (DeleteFileW would have removed it from
 * under the holder). Nobody there and still empty: it is removed. */
static const wchar_t *neighbour_path;
static HANDLE neighbour = INVALID_HANDLE_VALUE;
static int neighbour_writes, neighbour_keeps;

static DWORD WINAPI type_unknown_after_neighbour(HANDLE handle) {
  (void)handle;
  if (neighbour_path != NULL) {
    neighbour = CreateFileW(neighbour_path, GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                            OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (neighbour != INVALID_HANDLE_VALUE && neighbour_writes) {
      DWORD written = 0;
      WriteFile(neighbour, "theirs", 6, &written, NULL);
    }
    if (neighbour != INVALID_HANDLE_VALUE && !neighbour_keeps) {
      CloseHandle(neighbour);
      neighbour = INVALID_HANDLE_VALUE;
    }
  }
  SetLastError(ERROR_IO_DEVICE);
  return FILE_TYPE_UNKNOWN;
}

static void test_failed_create_spares_others(void **state) {
  static const struct {
    int writes, keeps, removed;
  } cases[] = {{0, 1, 0}, {1, 1, 0}, {1, 0, 0}, {0, 0, 1}};
  const char *path = support_path("spare.bin");
  wchar_t *wide = support_wide_path(path);
  size_t i;
  (void)state;
  assert_non_null(wide);
  for (i = 0; i < SUPPORT_ARRAY_LEN(cases); i++) {
    pmmf_file *f = SENTINEL;
    support_remove_file(path);
    neighbour_path = wide;
    neighbour_writes = cases[i].writes;
    neighbour_keeps = cases[i].keeps;
    assert_int_equal(pmmf__os_syscall_set("GetFileType",
                                          (pmmf__syscall_ptr)type_unknown_after_neighbour),
                     PMMF_OK);
    assert_status(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE), PMMF_E_IO);
    assert_int_equal(pmmf__os_syscall_set("GetFileType", NULL), PMMF_OK);
    assert_ptr_equal(f, SENTINEL);
    if (neighbour != INVALID_HANDLE_VALUE)
      CloseHandle(neighbour);
    neighbour = INVALID_HANDLE_VALUE;
    if (cases[i].removed)
      assert_false(support_file_exists(path));
    else if (!cases[i].writes)
      assert_int_equal(support_file_size(path), 0);
    else
      assert_true(support_file_equals(path, "theirs", 6));
  }
  neighbour_path = NULL;
  free(wide);
}

/* Bulk pmmf_view_write (issue 15): from 256 KiB on, a WRITE view of a local
 * file is written with one WriteFile at the view's file offset; a remote
 * file (one that answers FileRemoteProtocolInfo), shorter writes and COPY
 * views keep the copy. */
static int writefile_calls;
static ULONGLONG writefile_last_offset;
static BOOL WINAPI counting_write_file(HANDLE h, LPCVOID buf, DWORD len, LPDWORD written,
                                       LPOVERLAPPED at) {
  writefile_calls++;
  writefile_last_offset = at ? ((ULONGLONG)at->OffsetHigh << 32) | at->Offset : ~0ull;
  return WriteFile(h, buf, len, written, at);
}
static BOOL WINAPI remote_file_info(HANDLE h, FILE_INFO_BY_HANDLE_CLASS cls, LPVOID out,
                                    DWORD size) {
  (void)h;
  if (cls != FileRemoteProtocolInfo)
    return GetFileInformationByHandleEx(h, cls, out, size);
  memset(out, 0, size);
  return TRUE;
}

static void test_bulk_write_uses_writefile(void **state) {
  const char *path = support_path("bulk-writefile.bin");
  const size_t size = 2u << 20, bulk = 1u << 20;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL, *c = NULL;
  unsigned char *src = malloc(bulk);
  (void)state;
  assert_non_null(src);
  memset(src, 0x5D, bulk);
  assert_int_equal(support_write_pattern(path, size, 16), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 65536 + 4097, size - 131072, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 0, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf__os_syscall_set("WriteFile", (pmmf__syscall_ptr)counting_write_file));
  writefile_calls = 0;
  assert_ok(pmmf_view_write(v, 1000, src, bulk));
  assert_int_equal(writefile_calls, 1);
  assert_int_equal(writefile_last_offset, 65536 + 4097 + 1000);
  assert_int_equal(support_check_byte((char *)pmmf_view_data(v) + 1000, bulk, 0x5D), -1);

  writefile_calls = 0;
  assert_ok(pmmf_view_write(v, 0, src, 256 * 1024 - 1));
  assert_ok(pmmf_view_write(c, 0, src, bulk));
  assert_ok(pmmf__os_syscall_set("GetFileInformationByHandleEx",
                                 (pmmf__syscall_ptr)remote_file_info));
  assert_ok(pmmf_view_write(v, 0, src, bulk));
  assert_int_equal(writefile_calls, 0);
  assert_ok(pmmf__os_syscall_set("GetFileInformationByHandleEx", NULL));

  pmmf__fault_arm("WriteFile", 0, PMMF__FAULT_IO);
  assert_status(pmmf_view_write(v, 0, src, bulk), PMMF_E_IO);
  assert_true(pmmf__fault_fired());
  pmmf__fault_disarm();

  assert_ok(pmmf__os_syscall_set("WriteFile", NULL));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(support_file_size(path), (int64_t)size);
  free(src);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_guard_install_failures),
      cmocka_unit_test(test_bulk_write_uses_writefile),
      cmocka_unit_test(test_granularity),
      cmocka_unit_test(test_utf8_name),
      cmocka_unit_test(test_invalid_utf8),
      cmocka_unit_test(test_long_path),
      cmocka_unit_test(test_forward_slashes),
      cmocka_unit_test(test_handles_not_inheritable),
      cmocka_unit_test(test_offset_rounding),
      cmocka_unit_test(test_failed_create_spares_others),
      SUPPORT_SHM_TEST(test_shm_file_backed_refused),
      SUPPORT_SHM_TEST(test_shm_owner_only_dacl),
      SUPPORT_SHM_TEST(test_shm_size_from_query),
      SUPPORT_SHM_TEST(test_shm_large_size_without_query),
  };
  return cmocka_run_group_tests_name("win32", tests, support_group_setup, support_group_teardown);
}
