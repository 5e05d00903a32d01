/* SPDX-License-Identifier: MIT */
/*
 * support_win32.c - the Win32 half of the test helpers: UTF-8 paths converted
 * to UTF-16 (with the \\?\ prefix for long absolute paths), temporary
 * directory creation and recursive removal, handle counts
 * (GetProcessHandleCount), mapped-view counts (VirtualQuery) and threads
 * (CreateThread).
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "support.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

wchar_t *support_wide_path(const char *utf8) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
  wchar_t *w, *out;
  size_t len, i;
  if (n <= 0)
    return NULL;
  w = malloc(((size_t)n + 8) * sizeof *w);
  if (w == NULL)
    return NULL;
  wcscpy(w, L"\\\\?\\");
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w + 4, n) <= 0) {
    free(w);
    return NULL;
  }
  len = wcslen(w + 4);
  for (i = 4; i < len + 4; i++)
    if (w[i] == L'/')
      w[i] = L'\\';
  /* Absolute drive paths get the long-path prefix; others are left alone. */
  if (len >= 3 && w[5] == L':' && w[6] == L'\\')
    return w;
  out = w + 4;
  memmove(w, out, (len + 1) * sizeof *w);
  return w;
}

FILE *support_fopen(const char *path_utf8, const char *mode) {
  wchar_t *w = support_wide_path(path_utf8);
  wchar_t wmode[8];
  size_t i;
  FILE *f;
  if (w == NULL)
    return NULL;
  for (i = 0; mode[i] != '\0' && i < 7; i++)
    wmode[i] = (wchar_t)mode[i];
  wmode[i] = 0;
  f = _wfopen(w, wmode);
  free(w);
  return f;
}

int support_make_tmpdir(char *buf, size_t cap) {
  wchar_t base[MAX_PATH + 1], dir[MAX_PATH + 64];
  static unsigned counter;
  DWORD n = GetTempPathW(MAX_PATH + 1, base);
  int tries;
  if (n == 0 || n > MAX_PATH)
    return -1;
  for (tries = 0; tries < 100; tries++) {
    _snwprintf(dir, sizeof dir / sizeof dir[0], L"%lspmmf-test-%lu-%u-%u", base,
               (unsigned long)GetCurrentProcessId(), (unsigned)GetTickCount(), counter++);
    dir[sizeof dir / sizeof dir[0] - 1] = 0;
    if (CreateDirectoryW(dir, NULL)) {
      /* Resolve 8.3 short names so paths compare and print as expected. */
      wchar_t full[1024];
      DWORD m = GetLongPathNameW(dir, full, 1024);
      const wchar_t *use = (m > 0 && m < 1024) ? full : dir;
      int len = WideCharToMultiByte(CP_UTF8, 0, use, -1, buf, (int)cap, NULL, NULL);
      if (len <= 0) {
        RemoveDirectoryW(dir);
        return -1;
      }
      return 0;
    }
    if (GetLastError() != ERROR_ALREADY_EXISTS)
      return -1;
  }
  return -1;
}

int64_t support_file_size(const char *path) {
  WIN32_FILE_ATTRIBUTE_DATA data;
  wchar_t *w = support_wide_path(path);
  BOOL ok;
  if (w == NULL)
    return -1;
  ok = GetFileAttributesExW(w, GetFileExInfoStandard, &data);
  free(w);
  if (!ok)
    return -1;
  if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
    return 0;
  return (int64_t)(((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow);
}

int support_mkdir(const char *path) {
  wchar_t *w = support_wide_path(path);
  BOOL ok;
  if (w == NULL)
    return -1;
  ok = CreateDirectoryW(w, NULL);
  free(w);
  return ok ? 0 : -1;
}

int support_remove_file(const char *path) {
  wchar_t *w = support_wide_path(path);
  BOOL ok;
  if (w == NULL)
    return -1;
  ok = DeleteFileW(w);
  free(w);
  return ok ? 0 : -1;
}

static int remove_tree_w(const wchar_t *path) {
  DWORD attr = GetFileAttributesW(path);
  size_t len = wcslen(path);
  wchar_t *pattern;
  WIN32_FIND_DATAW fd;
  HANDLE h;
  int rc = 0;
  if (attr == INVALID_FILE_ATTRIBUTES)
    return -1;
  if (!(attr & FILE_ATTRIBUTE_DIRECTORY)) {
    if (attr & FILE_ATTRIBUTE_READONLY)
      SetFileAttributesW(path, attr & ~(DWORD)FILE_ATTRIBUTE_READONLY);
    return DeleteFileW(path) ? 0 : -1;
  }
  pattern = malloc((len + 3) * sizeof *pattern);
  if (pattern == NULL)
    return -1;
  wcscpy(pattern, path);
  wcscat(pattern, L"\\*");
  h = FindFirstFileW(pattern, &fd);
  free(pattern);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      wchar_t *child;
      if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
        continue;
      child = malloc((len + wcslen(fd.cFileName) + 2) * sizeof *child);
      if (child == NULL) {
        rc = -1;
        continue;
      }
      wcscpy(child, path);
      wcscat(child, L"\\");
      wcscat(child, fd.cFileName);
      if (remove_tree_w(child) != 0)
        rc = -1;
      free(child);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
  }
  if (!RemoveDirectoryW(path))
    rc = -1;
  return rc;
}

int support_remove_tree(const char *path) {
  wchar_t *w = support_wide_path(path);
  int rc;
  if (w == NULL)
    return -1;
  rc = remove_tree_w(w);
  free(w);
  return rc;
}

/* Declared here too: Wine's headers (the msvc leg) lack it. */
WINBASEAPI BOOL WINAPI GetProcessHandleCount(HANDLE process, PDWORD count);

long support_count_handles(void) {
  DWORD n = 0;
  uintptr_t value, last_valid = 0;
  long count = 0;
  DWORD flags;
  if (GetProcessHandleCount(GetCurrentProcess(), &n) && n > 0)
    return (long)n;
  /* Wine answers 0. Its handle values are small multiples of 4, given out
   * lowest-free first, so probe upwards until a long run of invalid ones. */
  for (value = 4; value < last_valid + 4 * 64 && value < (uintptr_t)1 << 24; value += 4) {
    if (GetHandleInformation((HANDLE)value, &flags)) {
      count++;
      last_valid = value;
    }
  }
  return count;
}

long support_count_mappings(void) {
  MEMORY_BASIC_INFORMATION mbi;
  SYSTEM_INFO si;
  char *p;
  void *last_base = NULL;
  long n = 0;
  GetSystemInfo(&si);
  p = si.lpMinimumApplicationAddress;
  while (p < (char *)si.lpMaximumApplicationAddress) {
    if (VirtualQuery(p, &mbi, sizeof mbi) == 0)
      break;
    if (mbi.State != MEM_FREE && mbi.Type == MEM_MAPPED && mbi.AllocationBase != last_base) {
      n++;
      last_base = mbi.AllocationBase;
    }
    p = (char *)mbi.BaseAddress + mbi.RegionSize;
  }
  return n;
}

struct support_thread {
  HANDLE handle;
  support_thread_fn fn;
  void *arg;
};

static DWORD WINAPI thread_main(LPVOID p) {
  struct support_thread *t = p;
  t->fn(t->arg);
  return 0;
}

support_thread *support_thread_start(support_thread_fn fn, void *arg) {
  struct support_thread *t = malloc(sizeof *t);
  if (t == NULL)
    return NULL;
  t->fn = fn;
  t->arg = arg;
  t->handle = CreateThread(NULL, 0, thread_main, t, 0, NULL);
  if (t->handle == NULL) {
    free(t);
    return NULL;
  }
  return t;
}

void support_thread_join(support_thread *thread) {
  if (thread == NULL)
    return;
  WaitForSingleObject(thread->handle, INFINITE);
  CloseHandle(thread->handle);
  free(thread);
}

void support_sleep_ms(unsigned ms) {
  Sleep(ms);
}

int support_bus_fault_addr_ok(void) {
  return 1;
}

int support_protect_none(void *addr, size_t len) {
  DWORD old;
  return VirtualProtect(addr, len, PAGE_NOACCESS, &old) ? 0 : -1;
}

int support_protect_read(void *addr, size_t len) {
  DWORD old;
  return VirtualProtect(addr, len, PAGE_READONLY, &old) ? 0 : -1;
}

/* ------------------------------------------------------------------------- */
/* Child processes: CreateProcessW of this executable (under Wine the child
 * is started by Wine itself), with bInheritHandles TRUE so that every
 * inheritable handle reaches the child. */

struct support_child {
  HANDLE process;
};

/* Append `arg` (UTF-8) to the command line `cmd` (capacity `cap`), quoted so
 * that the child's C runtime splits it back into the same argument. */
static int append_arg(wchar_t *cmd, size_t cap, const char *arg) {
  size_t len = wcslen(cmd), i, slashes = 0;
  int n = MultiByteToWideChar(CP_UTF8, 0, arg, -1, NULL, 0);
  wchar_t *w;
  if (n <= 0)
    return -1;
  w = malloc((size_t)n * sizeof *w);
  if (w == NULL)
    return -1;
  MultiByteToWideChar(CP_UTF8, 0, arg, -1, w, n);
#define PUT(c)                  \
  do {                          \
    if (len + 2 >= cap) {       \
      free(w);                  \
      return -1;                \
    }                           \
    cmd[len++] = (c);           \
  } while (0)
  if (len > 0)
    PUT(L' ');
  PUT(L'"');
  for (i = 0; w[i] != 0; i++) {
    if (w[i] == L'\\') {
      slashes++;
    } else if (w[i] == L'"') {
      /* Backslashes before a quote are doubled, and the quote escaped. */
      for (; slashes > 0; slashes--)
        PUT(L'\\');
      PUT(L'\\');
    } else {
      slashes = 0;
    }
    PUT(w[i]);
  }
  /* Backslashes before the closing quote are doubled. */
  for (; slashes > 0; slashes--)
    PUT(L'\\');
  PUT(L'"');
#undef PUT
  cmd[len] = 0;
  free(w);
  return 0;
}

support_child *support_os_child_spawn(const char *const *args) {
  static wchar_t exe[32768];
  size_t cap = 32768;
  wchar_t *cmd = malloc(cap * sizeof *cmd);
  struct support_child *child = malloc(sizeof *child);
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  DWORD n = GetModuleFileNameW(NULL, exe, 32768);
  char *exe8 = NULL;
  int len8, ok = cmd != NULL && child != NULL && n > 0 && n < 32768;
  size_t i;
  if (ok) {
    cmd[0] = 0;
    len8 = WideCharToMultiByte(CP_UTF8, 0, exe, -1, NULL, 0, NULL, NULL);
    exe8 = len8 > 0 ? malloc((size_t)len8) : NULL;
    ok = exe8 != NULL && WideCharToMultiByte(CP_UTF8, 0, exe, -1, exe8, len8, NULL, NULL) > 0 &&
         append_arg(cmd, cap, exe8) == 0 && append_arg(cmd, cap, SUPPORT_CHILD_FLAG) == 0;
  }
  for (i = 0; ok && args[i] != NULL; i++)
    ok = append_arg(cmd, cap, args[i]) == 0;
  if (ok) {
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    fflush(NULL);
    ok = CreateProcessW(exe, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi) != 0;
  }
  free(exe8);
  free(cmd);
  if (!ok) {
    free(child);
    return NULL;
  }
  CloseHandle(pi.hThread);
  child->process = pi.hProcess;
  return child;
}

int support_os_child_wait(support_child *child) {
  DWORD code = (DWORD)-1;
  WaitForSingleObject(child->process, INFINITE);
  if (!GetExitCodeProcess(child->process, &code))
    code = (DWORD)-1;
  CloseHandle(child->process);
  free(child);
  /* TerminateProcess's code (support_os_child_kill) and crashes are not
   * ordinary exit codes (0..126). */
  return code <= 126 ? (int)code : -1;
}

void support_os_child_kill(support_child *child) {
  TerminateProcess(child->process, 137);
  WaitForSingleObject(child->process, INFINITE);
  CloseHandle(child->process);
  free(child);
}

int support_child_running(support_child *child) {
  return WaitForSingleObject(child->process, 0) == WAIT_TIMEOUT;
}

unsigned long support_os_pid(void) {
  return (unsigned long)GetCurrentProcessId();
}

uint64_t support_os_ms(void) {
  return (uint64_t)GetTickCount64();
}

intptr_t support_handle_dup_inheritable(intptr_t handle) {
  HANDLE out = NULL;
  if (!DuplicateHandle(GetCurrentProcess(), (HANDLE)handle, GetCurrentProcess(), &out, 0, TRUE,
                       DUPLICATE_SAME_ACCESS))
    return -1;
  return (intptr_t)out;
}

void support_handle_close(intptr_t handle) {
  CloseHandle((HANDLE)handle);
}

int support_handle_read(intptr_t handle, void *buf, size_t len) {
  HANDLE h = (HANDLE)handle;
  DWORD flags, got = 0;
  OVERLAPPED at;
  void *view;
  if (!GetHandleInformation(h, &flags))
    return -1;
  /* A section: look through a view. */
  view = MapViewOfFile(h, FILE_MAP_READ, 0, 0, len);
  if (view != NULL) {
    memcpy(buf, view, len);
    UnmapViewOfFile(view);
    return 0;
  }
  /* A file on disk (never a console or pipe: ReadFile could block). */
  if (GetFileType(h) != FILE_TYPE_DISK)
    return -1;
  memset(&at, 0, sizeof at);
  if (!ReadFile(h, buf, (DWORD)len, &got, &at) || got != len)
    return -1;
  return 0;
}

/* ------------------------------------------------------------------------- */
/* Named objects: sections named Local\<name>. */

static void object_name(wchar_t *buf, size_t cap, const char *name) {
  _snwprintf(buf, cap, L"Local\\%hs", name);
  buf[cap - 1] = 0;
}

int support_shm_exists(const char *name) {
  wchar_t w[64];
  HANDLE h;
  object_name(w, SUPPORT_ARRAY_LEN(w), name);
  h = OpenFileMappingW(FILE_MAP_READ, FALSE, w);
  if (h != NULL) {
    CloseHandle(h);
    return 1;
  }
  return GetLastError() != ERROR_FILE_NOT_FOUND;
}

int support_shm_remove(const char *name) {
  /* A section goes with its last handle: nothing to remove. */
  (void)name;
  return -1;
}

long support_os_shm_scan(const char *prefix, int remove) {
  /* Named objects cannot be listed without the native NT API. */
  (void)prefix;
  (void)remove;
  return -1;
}

void support_os_shm_reap_stale(void) {
  /* Sections die with the processes that held them. */
}

int support_shm_create_empty(const char *name) {
  /* A section cannot have size 0 (ERROR_INVALID_PARAMETER). */
  (void)name;
  return -1;
}

int support_shm_create_abandoned(const char *name) {
  (void)name;
  return -1;
}

int support_shm_set_size(const char *name, uint64_t size) {
  (void)name;
  (void)size;
  return -1;
}

int support_shm_mode(const char *name) {
  (void)name;
  return -1;
}

unsigned support_umask(unsigned mask) {
  (void)mask;
  return 0;
}

static void (*fake_sleep_fn)(void *arg, unsigned ms);
static void *fake_sleep_arg;

static void WINAPI fake_sleep(DWORD ms) {
  fake_sleep_fn(fake_sleep_arg, (unsigned)ms);
}

void support_fake_sleep(void (*fn)(void *arg, unsigned ms), void *arg) {
  fake_sleep_fn = fn;
  fake_sleep_arg = arg;
  pmmf__os_syscall_set("Sleep", fn ? (pmmf__syscall_ptr)fake_sleep : NULL);
}

static unsigned slow_size_ms;

static BOOL WINAPI slow_get_file_size(HANDLE file, PLARGE_INTEGER size) {
  BOOL r = GetFileSizeEx(file, size);
  DWORD saved = GetLastError();
  Sleep(slow_size_ms);
  SetLastError(saved);
  return r;
}

void support_slow_file_size(unsigned ms) {
  slow_size_ms = ms;
  pmmf__os_syscall_set("GetFileSizeEx", ms ? (pmmf__syscall_ptr)slow_get_file_size : NULL);
}

/* --- guarded access, windows and large files ------------------------------ */

#include "internal.h"

void *support_pages_alloc(size_t len) {
  return VirtualAlloc(NULL, len, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void support_pages_free(void *addr, size_t len) {
  (void)len;
  if (addr != NULL)
    VirtualFree(addr, 0, MEM_RELEASE);
}

static char *volatile catch_lo, *volatile catch_hi;
static volatile LONG catch_count;
static void *catch_handler;

static LONG CALLBACK catcher(EXCEPTION_POINTERS *pointers) {
  const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
  char *lo = catch_lo, *hi = catch_hi, *addr;
  DWORD old;
  if (record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || record->NumberParameters < 2)
    return EXCEPTION_CONTINUE_SEARCH;
  addr = (char *)record->ExceptionInformation[1];
  if (addr < lo || addr >= hi)
    return EXCEPTION_CONTINUE_SEARCH;
  VirtualProtect(lo, (SIZE_T)(hi - lo), PAGE_READWRITE, &old);
  InterlockedIncrement(&catch_count);
  return EXCEPTION_CONTINUE_EXECUTION;
}

int support_catch_begin(void *addr, size_t len) {
  support_catch_range(addr, len);
  InterlockedExchange(&catch_count, 0);
  catch_handler = AddVectoredExceptionHandler(0, catcher);
  return catch_handler != NULL ? 0 : -1;
}

void support_catch_range(void *addr, size_t len) {
  catch_lo = NULL;
  catch_hi = (char *)addr + len;
  catch_lo = (char *)addr;
}

long support_catch_count(void) {
  return InterlockedCompareExchange(&catch_count, 0, 0);
}

void support_catch_end(void) {
  if (catch_handler != NULL)
    RemoveVectoredExceptionHandler(catch_handler);
  catch_handler = NULL;
}

static LPVOID WINAPI map_no_memory(HANDLE section, DWORD access, DWORD high, DWORD low, SIZE_T len,
                                   LPVOID base) {
  (void)section;
  (void)access;
  (void)high;
  (void)low;
  (void)len;
  (void)base;
  SetLastError(ERROR_NOT_ENOUGH_MEMORY);
  return NULL;
}

void support_views_fail(int on) {
  pmmf__os_syscall_set("MapViewOfFileEx", on ? (pmmf__syscall_ptr)map_no_memory : NULL);
}

int64_t support_file_allocated(const char *path) {
  wchar_t *w = support_wide_path(path);
  FILE_STANDARD_INFO info;
  HANDLE h;
  BOOL ok;
  if (w == NULL)
    return -1;
  h = CreateFileW(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                  NULL, OPEN_EXISTING, 0, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE)
    return -1;
  ok = GetFileInformationByHandleEx(h, FileStandardInfo, &info, sizeof info);
  CloseHandle(h);
  return ok ? (int64_t)info.AllocationSize.QuadPart : -1;
}

int64_t support_disk_free(const char *path) {
  wchar_t *w = support_wide_path(path);
  ULARGE_INTEGER avail;
  BOOL ok;
  if (w == NULL)
    return -1;
  ok = GetDiskFreeSpaceExW(w, &avail, NULL, NULL);
  free(w);
  return ok ? (int64_t)avail.QuadPart : -1;
}

int support_read_at(const char *path, uint64_t offset, void *buf, size_t len) {
  FILE *f = support_fopen(path, "rb");
  int rc = -1;
  if (f == NULL)
    return -1;
  if (_fseeki64(f, (__int64)offset, SEEK_SET) == 0 && fread(buf, 1, len, f) == len)
    rc = 0;
  fclose(f);
  return rc;
}
