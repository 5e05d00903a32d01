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

int support_protect_none(void *addr, size_t len) {
  DWORD old;
  return VirtualProtect(addr, len, PAGE_NOACCESS, &old) ? 0 : -1;
}

int support_protect_read(void *addr, size_t len) {
  DWORD old;
  return VirtualProtect(addr, len, PAGE_READONLY, &old) ? 0 : -1;
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
