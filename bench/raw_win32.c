/* SPDX-License-Identifier: MIT */
/*
 * raw_win32.c - the benchmark's Windows baselines, written the way a careful
 * user of the raw calls writes them (CreateFileW, one read-only section made
 * with CreateFileMappingW, MapViewOfFile with the offset rounded down to the
 * 64 KiB allocation granularity, UnmapViewOfFile, ReadFile at an offset),
 * plus the clock, GetProcessMemoryInfo fault counts and the machine report.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <psapi.h>

#include "raw.h"

#include <stdio.h>
#include <stdlib.h>

struct raw_file {
  HANDLE file;
  HANDLE section;
};

static DWORD granularity(void)
{
  static DWORD value;
  if (!value) {
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    value = info.dwAllocationGranularity;
  }
  return value;
}

static HANDLE open_read(const char *path, DWORD flags)
{
  return CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                     NULL, OPEN_EXISTING, flags, NULL);
}

int raw_open(struct raw_file **out, const char *path)
{
  struct raw_file *file = malloc(sizeof *file);
  if (!file)
    return -1;
  file->file = open_read(path, FILE_ATTRIBUTE_NORMAL);
  if (file->file == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "bench: CreateFile %s: error %lu\n", path, (unsigned long)GetLastError());
    free(file);
    return -1;
  }
  file->section = CreateFileMappingW(file->file, NULL, PAGE_READONLY, 0, 0, NULL);
  if (!file->section) {
    fprintf(stderr, "bench: CreateFileMapping: error %lu\n", (unsigned long)GetLastError());
    CloseHandle(file->file);
    free(file);
    return -1;
  }
  *out = file;
  return 0;
}

void raw_close(struct raw_file *file)
{
  if (file) {
    CloseHandle(file->section);
    CloseHandle(file->file);
    free(file);
  }
}

const char *raw_map(struct raw_file *file, uint64_t offset, size_t length, void **base,
                    size_t *span)
{
  uint64_t aligned = offset - offset % granularity();
  size_t delta = (size_t)(offset - aligned);
  void *p = MapViewOfFile(file->section, FILE_MAP_READ, (DWORD)(aligned >> 32),
                          (DWORD)(aligned & 0xFFFFFFFFu), length + delta);
  if (!p) {
    fprintf(stderr, "bench: MapViewOfFile: error %lu\n", (unsigned long)GetLastError());
    return NULL;
  }
  *base = p;
  *span = length + delta;
  return (const char *)p + delta;
}

void raw_unmap(void *base, size_t span)
{
  (void)span;
  UnmapViewOfFile(base);
}

int raw_pread(struct raw_file *file, void *dst, size_t length, uint64_t offset)
{
  OVERLAPPED at;
  DWORD got = 0;

  ZeroMemory(&at, sizeof at);
  at.Offset = (DWORD)(offset & 0xFFFFFFFFu);
  at.OffsetHigh = (DWORD)(offset >> 32);
  if (!ReadFile(file->file, dst, (DWORD)length, &got, &at) || got != length) {
    fprintf(stderr, "bench: ReadFile: error %lu\n", (unsigned long)GetLastError());
    return -1;
  }
  return 0;
}

long raw_grow(const char *path, size_t step, int steps)
{
  HANDLE file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                            FILE_ATTRIBUTE_NORMAL, NULL);
  HANDLE section = NULL;
  char *data = NULL;
  uint64_t size = 0;
  long moved = 0;
  int i;

  if (file == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "bench: CreateFileA: %lu\n", GetLastError());
    return -1;
  }
  for (i = -1; i < steps; i++) {
    uint64_t next = size + step;
    HANDLE bigger = CreateFileMappingW(file, NULL, PAGE_READWRITE, (DWORD)(next >> 32),
                                       (DWORD)next, NULL);
    char *view = bigger ? MapViewOfFile(bigger, FILE_MAP_WRITE, 0, 0, (SIZE_T)next) : NULL;
    if (!view) {
      fprintf(stderr, "bench: growing the section: %lu\n", GetLastError());
      if (bigger)
        CloseHandle(bigger);
      break;
    }
    if (data) {
      moved += view != data;
      UnmapViewOfFile(data);
      CloseHandle(section);
    }
    data = view;
    section = bigger;
    size = next;
    data[size - 1] = 1;
  }
  if (data) {
    UnmapViewOfFile(data);
    CloseHandle(section);
  }
  CloseHandle(file);
  return i == steps ? moved : -1;
}

double raw_now(void)
{
  static LARGE_INTEGER frequency;
  LARGE_INTEGER now;
  if (!frequency.QuadPart)
    QueryPerformanceFrequency(&frequency);
  QueryPerformanceCounter(&now);
  return (double)now.QuadPart / (double)frequency.QuadPart;
}

void raw_faults(uint64_t *minor, uint64_t *major)
{
  PROCESS_MEMORY_COUNTERS counters;
  ZeroMemory(&counters, sizeof counters);
  counters.cb = sizeof counters;
  GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters);
  *minor = counters.PageFaultCount;
  *major = 0;
}

int raw_drop_cache(const char *path)
{
  /* No per-file way to empty the system cache without privileges. */
  (void)path;
  return -1;
}

double raw_resident(const char *path)
{
  (void)path;
  return -1;
}

int raw_sync_file(const char *path)
{
  HANDLE file = CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                            OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  BOOL ok;
  if (file == INVALID_HANDLE_VALUE)
    return -1;
  ok = FlushFileBuffers(file);
  CloseHandle(file);
  return ok ? 0 : -1;
}

void *raw_anon_alloc(size_t length, int huge)
{
  /* Windows has no transparent huge pages. */
  if (huge)
    return NULL;
  return VirtualAlloc(NULL, length, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void raw_anon_free(void *base, size_t length)
{
  (void)length;
  VirtualFree(base, 0, MEM_RELEASE);
}

unsigned long raw_pid(void)
{
  return (unsigned long)GetCurrentProcessId();
}

void raw_machine(struct raw_machine *machine)
{
  typedef LONG(WINAPI * get_version_fn)(OSVERSIONINFOW *);
  typedef const char *(CDECL * wine_version_fn)(void);
  SYSTEM_INFO info;
  OSVERSIONINFOW version;
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  get_version_fn get_version = NULL;
  wine_version_fn wine_version = NULL;
  const char *id = getenv("PROCESSOR_IDENTIFIER");
  int n;

  GetSystemInfo(&info);
  machine->cpus = (int)info.dwNumberOfProcessors;
  ZeroMemory(&version, sizeof version);
  version.dwOSVersionInfoSize = sizeof version;
  /* RtlGetVersion tells the truth where GetVersionEx is shimmed. */
  if (ntdll) {
    get_version = (get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion");
    wine_version = (wine_version_fn)(void (*)(void))GetProcAddress(ntdll, "wine_get_version");
  }
  if (get_version)
    get_version(&version);
  n = snprintf(machine->os, sizeof machine->os, "Windows %lu.%lu.%lu",
               (unsigned long)version.dwMajorVersion, (unsigned long)version.dwMinorVersion,
               (unsigned long)version.dwBuildNumber);
  if (wine_version && n > 0 && (size_t)n < sizeof machine->os)
    snprintf(machine->os + n, sizeof machine->os - (size_t)n, " (Wine %s)", wine_version());
  snprintf(machine->cpu, sizeof machine->cpu, "%s", id ? id : "unknown");
}

int raw_map_whole(const char *path, uint64_t (*use)(const void *, size_t), uint64_t *sink)
{
  HANDLE file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                            OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  LARGE_INTEGER size;
  HANDLE section;
  void *p;
  if (file == INVALID_HANDLE_VALUE)
    return -1;
  if (!GetFileSizeEx(file, &size) || size.QuadPart <= 0) {
    CloseHandle(file);
    return -1;
  }
  section = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
  if (!section) {
    CloseHandle(file);
    return -1;
  }
  p = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
  if (!p) {
    CloseHandle(section);
    CloseHandle(file);
    return -1;
  }
  *sink += use(p, (size_t)size.QuadPart);
  UnmapViewOfFile(p);
  CloseHandle(section);
  CloseHandle(file);
  return 0;
}

int raw_write_file_sync(const char *path, const void *data, size_t length)
{
  HANDLE file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL,
                            CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  DWORD written = 0;
  BOOL ok;
  if (file == INVALID_HANDLE_VALUE)
    return -1;
  ok = WriteFile(file, data, (DWORD)length, &written, NULL) && written == length &&
       FlushFileBuffers(file);
  CloseHandle(file);
  return ok ? 0 : -1;
}

int raw_remove(const char *path)
{
  return DeleteFileA(path) ? 0 : -1;
}
