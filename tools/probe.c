/* SPDX-License-Identifier: MIT */
/*
 * probe.c - `pmmf probe [DIR]`: measures, on this machine and on the file
 * system of DIR, the native facts that docs/behavior.md's Windows and POSIX
 * columns state (page size and allocation granularity, sparse files and what
 * the library's growth allocates, fallocate, MAP_POPULATE,
 * MAP_FIXED_NOREPLACE, huge pages, what shrinking a mapped file does, the
 * shared-memory namespace, PrefetchVirtualMemory, placeholders) and prints
 * them as a Markdown table for a bug report. The OS calls the library does
 * not make live here, in the tool, not in src/: they are measurements, not
 * behaviour. Every probe cleans up after itself (its files in DIR, its
 * shared-memory names).
 */
#ifndef _WIN32
#  define _GNU_SOURCE
#endif

#include <portmmf.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <fcntl.h>
#  include <signal.h>
#  include <sys/mman.h>
#  include <sys/resource.h>
#  include <sys/stat.h>
#  include <sys/statvfs.h>
#  include <sys/utsname.h>
#  include <sys/wait.h>
#  include <unistd.h>
#  ifdef __linux__
#    include <sys/vfs.h>
#  endif
#endif

#include "probe.h"

#define MIB ((uint64_t)1 << 20)
#define SPARSE_SIZE (16 * MIB)

static void row(const char *fact, const char *fmt, ...)
{
  char value[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(value, sizeof value, fmt, ap);
  va_end(ap);
  printf("| %s | %s |\n", fact, value);
}

/* A scratch path in DIR, unique to this process. */
static void scratch(char *out, size_t cap, const char *dir, const char *tag)
{
#ifdef _WIN32
  snprintf(out, cap, "%s\\pmmf-probe-%lu-%s.tmp", dir, (unsigned long)GetCurrentProcessId(), tag);
#else
  snprintf(out, cap, "%s/pmmf-probe-%ld-%s.tmp", dir, (long)getpid(), tag);
#endif
}

/* What the library's own growth of a file to 16 MiB allocates: reserving
 * (the default) and PMMF_OPEN_SPARSE. */
static void library_growth(const char *dir, unsigned flags, const char *fact,
                           uint64_t (*allocated)(const char *path))
{
  char path[1024];
  pmmf_file *file = NULL;
  int status;

  scratch(path, sizeof path, dir, flags ? "lsparse" : "lgrow");
  status = pmmf_file_open(&file, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW |
                                         flags);
  if (status == PMMF_OK)
    status = pmmf_file_resize(file, SPARSE_SIZE);
  if (status == PMMF_OK)
    row(fact, "%" PRIu64 " of %" PRIu64 " bytes allocated", allocated(path), SPARSE_SIZE);
  else
    row(fact, "failed: %s", pmmf_status_name(status));
  pmmf_file_close(file);
  remove(path);
}

#ifndef _WIN32
/* ------------------------------------------------------------------------
 * POSIX
 * ------------------------------------------------------------------------ */

static uint64_t allocated_posix(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? (uint64_t)st.st_blocks * 512u : 0;
}

static void read_line(const char *path, char *out, size_t cap)
{
  FILE *f = fopen(path, "r");
  out[0] = 0;
  if (f) {
    if (fgets(out, (int)cap, f))
      out[strcspn(out, "\n")] = 0;
    fclose(f);
  }
  if (!out[0])
    snprintf(out, cap, "unknown (no %s)", path);
}

static uint64_t meminfo(const char *key)
{
  char line[256];
  uint64_t value = 0;
  FILE *f = fopen("/proc/meminfo", "r");
  if (!f)
    return 0;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, strlen(key)) == 0) {
      value = strtoull(line + strlen(key), NULL, 10);
      break;
    }
  fclose(f);
  return value;
}

static const char *fs_name(const char *dir)
{
#ifdef __linux__
  static char other[32];
  struct statfs st;
  if (statfs(dir, &st) != 0)
    return "unknown";
  switch ((unsigned long)st.f_type) {
  case 0xEF53: return "ext2/3/4";
  case 0x01021994: return "tmpfs";
  case 0x58465342: return "xfs";
  case 0x9123683E: return "btrfs";
  case 0x794C7630: return "overlayfs";
  case 0x6969: return "nfs";
  case 0x65735546: return "fuse";
  case 0x2FC12FC1: return "zfs";
  case 0x4d44: return "vfat";
  case 0x5346544e: return "ntfs";
  case 0x958458f6: return "hugetlbfs";
  default:
    snprintf(other, sizeof other, "f_type 0x%lx", (unsigned long)st.f_type);
    return other;
  }
#else
  (void)dir;
  return "unknown";
#endif
}

static void probe_sparse(const char *dir)
{
  char path[1024];
  int fd;
  scratch(path, sizeof path, dir, "sparse");
  fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    row("sparse files", "unknown: cannot create a file in %s (%s)", dir, strerror(errno));
    return;
  }
  if (ftruncate(fd, (off_t)SPARSE_SIZE) != 0)
    row("sparse files", "unknown: ftruncate failed (%s)", strerror(errno));
  else {
    uint64_t used = allocated_posix(path);
    row("sparse files", "%s (ftruncate to 16 MiB allocates %" PRIu64 " bytes)",
        used < SPARSE_SIZE / 2 ? "yes" : "no", used);
  }
#ifdef __linux__
  if (fallocate(fd, 0, 0, (off_t)MIB) == 0)
    row("fallocate", "yes (1 MiB reserved)");
  else
    row("fallocate", "no (%s)", strerror(errno));
#else
  row("fallocate", "no (not Linux; posix_fallocate is emulated by writes)");
#endif
  close(fd);
  unlink(path);
}

static void probe_mmap_flags(void)
{
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  void *first, *second;
#ifdef MAP_POPULATE
  first = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1,
               0);
  row("MAP_POPULATE", first != MAP_FAILED ? "yes" : "no (%s)", strerror(errno));
  if (first != MAP_FAILED)
    munmap(first, page);
#else
  row("MAP_POPULATE", "no (not defined; the library uses MADV_WILLNEED)");
#endif
  first = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (first == MAP_FAILED) {
    row("MAP_FIXED_NOREPLACE", "unknown (mmap failed: %s)", strerror(errno));
    return;
  }
#ifdef MAP_FIXED_NOREPLACE
  second = mmap(first, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (second == MAP_FAILED && errno == EEXIST)
    row("MAP_FIXED_NOREPLACE", "yes (an occupied address fails with EEXIST)");
  else if (second == MAP_FAILED)
    row("MAP_FIXED_NOREPLACE", "no (%s)", strerror(errno));
  else {
    row("MAP_FIXED_NOREPLACE", "no (taken as a hint: mapped elsewhere; the library checks)");
    munmap(second, page);
  }
#else
  (void)second;
  row("MAP_FIXED_NOREPLACE", "no (not defined; the library maps with a hint and checks)");
#endif
  munmap(first, page);
}

static void probe_huge_pages(void)
{
  char mode[256], shmem[256];
  uint64_t size = meminfo("Hugepagesize:"), total = meminfo("HugePages_Total:"),
           free_pages = meminfo("HugePages_Free:");
  read_line("/sys/kernel/mm/transparent_hugepage/enabled", mode, sizeof mode);
  read_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled", shmem, sizeof shmem);
  row("huge pages (hugetlb)", "%" PRIu64 " KiB pages, %" PRIu64 " reserved, %" PRIu64 " free",
      size, total, free_pages);
  row("transparent huge pages", "enabled: %s; shmem_enabled: %s", mode, shmem);
}

/* The child's fault handlers: the signal, as an exit code (a sanitizer's
 * own handler would otherwise turn it into a report and exit 1). */
static void on_bus(int sig)
{
  (void)sig;
  _exit(70);
}

static void on_segv(int sig)
{
  (void)sig;
  _exit(71);
}

/* Shrink a mapped file in a child and touch the page beyond the new end. */
static void probe_shrink(const char *dir)
{
  char path[1024];
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  int status = 0;
  pid_t child;

  scratch(path, sizeof path, dir, "shrink");
  fflush(stdout);
  child = fork();
  if (child == 0) {
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    volatile char *p;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_bus;
    sigaction(SIGBUS, &sa, NULL);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    if (fd < 0 || ftruncate(fd, (off_t)(2 * page)) != 0)
      _exit(10);
    p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
      _exit(11);
    if (ftruncate(fd, (off_t)page) != 0)
      _exit(12); /* refused */
    unlink(path);
    p[page] = 1;
    _exit(0);
  }
  if (child < 0 || waitpid(child, &status, 0) != child)
    row("shrinking a mapped file", "unknown (fork failed)");
  else if (WIFSIGNALED(status))
    row("shrinking a mapped file", "allowed; a touch beyond the new end: %s",
        WTERMSIG(status) == SIGBUS ? "SIGBUS" : WTERMSIG(status) == SIGSEGV ? "SIGSEGV"
                                                                            : "another signal");
  else if (WEXITSTATUS(status) == 70 || WEXITSTATUS(status) == 71)
    row("shrinking a mapped file", "allowed; a touch beyond the new end: %s",
        WEXITSTATUS(status) == 70 ? "SIGBUS" : "SIGSEGV");
  else if (WEXITSTATUS(status) == 12)
    row("shrinking a mapped file", "refused");
  else if (WEXITSTATUS(status) == 0)
    row("shrinking a mapped file", "allowed; a touch beyond the new end: no fault");
  else
    row("shrinking a mapped file", "unknown (child exit %d)", WEXITSTATUS(status));
  unlink(path);
}

static void probe_shm(void)
{
  struct statvfs st;
  char name[64];
  int fd;
  if (statvfs("/dev/shm", &st) == 0)
    row("shared-memory namespace", "/dev/shm (%s, %" PRIu64 " MiB free); names are machine-wide",
        fs_name("/dev/shm"), (uint64_t)st.f_bavail * st.f_frsize / MIB);
  else
    row("shared-memory namespace", "no /dev/shm (%s); names are machine-wide", strerror(errno));
  snprintf(name, sizeof name, "/pmmf-probe-%ld", (long)getpid());
  fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    close(fd);
    shm_unlink(name);
    row("shm_open", "yes");
  } else {
    row("shm_open", "no (%s)", strerror(errno));
  }
#ifdef MFD_CLOEXEC
  fd = memfd_create("pmmf-probe", MFD_CLOEXEC);
  row("memfd_create", fd >= 0 ? "yes" : "no (%s)", strerror(errno));
  if (fd >= 0)
    close(fd);
#else
  row("memfd_create", "no (not defined; anonymous maps use unlinked shm objects)");
#endif
}

static void probe_system(const char *dir)
{
  struct utsname u;
  struct rlimit rl;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (uname(&u) == 0)
    row("system", "%s %s %s", u.sysname, u.release, u.machine);
  row("page size", "%zu", page);
  row("allocation granularity", "%zu (mmap offsets: multiples of the page size)", page);
  row("file system of DIR", "%s", fs_name(dir));
  if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
    if (rl.rlim_cur == RLIM_INFINITY)
      row("RLIMIT_MEMLOCK", "unlimited%s", geteuid() == 0 ? " (root: CAP_IPC_LOCK)" : "");
    else
      row("RLIMIT_MEMLOCK", "%" PRIu64 " KiB%s", (uint64_t)rl.rlim_cur / 1024,
          geteuid() == 0 ? " (root: CAP_IPC_LOCK ignores it)" : "");
  }
}

static int probe_dir_ok(const char *dir)
{
  struct stat st;
  return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static void probe_native(const char *dir)
{
  probe_system(dir);
  probe_sparse(dir);
  probe_mmap_flags();
  probe_huge_pages();
  probe_shrink(dir);
  probe_shm();
  row("PrefetchVirtualMemory", "n/a (POSIX: MAP_POPULATE, MADV_WILLNEED)");
  row("placeholders (VirtualAlloc2, MapViewOfFile3)",
      "n/a (POSIX: MAP_FIXED inside a PROT_NONE reservation)");
}

#else
/* ------------------------------------------------------------------------
 * Windows
 * ------------------------------------------------------------------------ */

static wchar_t *widen(const char *utf8)
{
  int n = MultiByteToWideChar(CP_UTF8, 0, utf8, -1, NULL, 0);
  wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
  if (w && MultiByteToWideChar(CP_UTF8, 0, utf8, -1, w, n) != n) {
    free(w);
    w = NULL;
  }
  return w;
}

static uint64_t allocated_win32(const char *path)
{
  wchar_t *w = widen(path);
  DWORD high = 0, low;
  if (!w)
    return 0;
  low = GetCompressedFileSizeW(w, &high);
  free(w);
  if (low == INVALID_FILE_SIZE && GetLastError() != NO_ERROR)
    return 0;
  return ((uint64_t)high << 32) | low;
}

static FARPROC lookup(const wchar_t *module, const char *name)
{
  HMODULE m = GetModuleHandleW(module);
  if (!m)
    m = LoadLibraryW(module);
  return m ? GetProcAddress(m, name) : NULL;
}

static HANDLE create_scratch(const char *path)
{
  wchar_t *w = widen(path);
  HANDLE h = w ? CreateFileW(w, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                             FILE_ATTRIBUTE_NORMAL | FILE_FLAG_DELETE_ON_CLOSE, NULL)
               : INVALID_HANDLE_VALUE;
  free(w);
  return h;
}

static int set_size(HANDLE h, uint64_t size)
{
  FILE_END_OF_FILE_INFO end;
  end.EndOfFile.QuadPart = (LONGLONG)size;
  return SetFileInformationByHandle(h, FileEndOfFileInfo, &end, sizeof end) != 0;
}

static void probe_system(const char *dir)
{
  typedef const char *(CDECL * wine_version_fn)(void);
  typedef LONG(WINAPI * rtl_version_fn)(OSVERSIONINFOW *);
  wine_version_fn wine = (wine_version_fn)(void (*)(void))lookup(L"ntdll.dll", "wine_get_version");
  rtl_version_fn rtl = (rtl_version_fn)(void (*)(void))lookup(L"ntdll.dll", "RtlGetVersion");
  OSVERSIONINFOW v;
  SYSTEM_INFO si;
  wchar_t root[MAX_PATH], fs[64];
  wchar_t *w = widen(dir);
  char fsname[64] = "unknown";

  memset(&v, 0, sizeof v);
  v.dwOSVersionInfoSize = sizeof v;
  if (rtl && rtl(&v) == 0)
    row("system", "Windows %lu.%lu build %lu%s%s", v.dwMajorVersion, v.dwMinorVersion,
        v.dwBuildNumber, wine ? ", Wine " : "", wine ? wine() : "");
  GetSystemInfo(&si);
  row("page size", "%lu", (unsigned long)si.dwPageSize);
  row("allocation granularity", "%lu (MapViewOfFile offsets and bases)",
      (unsigned long)si.dwAllocationGranularity);
  if (w && GetVolumePathNameW(w, root, MAX_PATH) &&
      GetVolumeInformationW(root, NULL, 0, NULL, NULL, NULL, fs, 64))
    WideCharToMultiByte(CP_UTF8, 0, fs, -1, fsname, sizeof fsname, NULL, NULL);
  free(w);
  row("file system of DIR", "%s", fsname);
}

static void probe_sparse(const char *dir)
{
  char path[1024];
  HANDLE h;
  DWORD returned;
  FILE_ALLOCATION_INFO alloc;

  scratch(path, sizeof path, dir, "sparse");
  h = create_scratch(path);
  if (h == INVALID_HANDLE_VALUE) {
    row("sparse files", "unknown: cannot create a file in %s (error %lu)", dir, GetLastError());
    return;
  }
  if (!DeviceIoControl(h, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &returned, NULL))
    row("sparse files", "no (FSCTL_SET_SPARSE: error %lu)", GetLastError());
  else if (!set_size(h, SPARSE_SIZE))
    row("sparse files", "unknown (SetFileInformationByHandle: error %lu)", GetLastError());
  else {
    uint64_t used = allocated_win32(path);
    row("sparse files", "%s (FSCTL_SET_SPARSE, 16 MiB end of file: %" PRIu64
        " bytes allocated)", used < SPARSE_SIZE / 2 ? "yes" : "no", used);
  }
  alloc.AllocationSize.QuadPart = (LONGLONG)MIB;
  row("fallocate", "n/a; FileAllocationInfo (1 MiB): %s",
      SetFileInformationByHandle(h, FileAllocationInfo, &alloc, sizeof alloc) ? "yes" : "no");
  CloseHandle(h);
}

static void probe_views(void)
{
  HANDLE section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
  void *first = section ? MapViewOfFile(section, FILE_MAP_READ, 0, 0, 65536) : NULL;
  row("MAP_POPULATE", "n/a (PrefetchVirtualMemory below)");
  if (first) {
    void *second = MapViewOfFileEx(section, FILE_MAP_READ, 0, 0, 65536, first);
    if (second) {
      row("MAP_FIXED_NOREPLACE", "n/a; MapViewOfFileEx at an occupied address: mapped (!)");
      UnmapViewOfFile(second);
    } else {
      row("MAP_FIXED_NOREPLACE", "n/a; MapViewOfFileEx at an occupied address fails (error %lu)",
          GetLastError());
    }
    UnmapViewOfFile(first);
  }
  if (section)
    CloseHandle(section);
}

static void probe_huge_pages(void)
{
  typedef SIZE_T(WINAPI * minimum_fn)(void);
  minimum_fn minimum = (minimum_fn)(void (*)(void))lookup(L"kernel32.dll", "GetLargePageMinimum");
  HANDLE token = NULL;
  TOKEN_PRIVILEGES tp;
  const char *privilege = "unknown";
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token)) {
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    if (LookupPrivilegeValueW(NULL, L"SeLockMemoryPrivilege", &tp.Privileges[0].Luid) &&
        AdjustTokenPrivileges(token, FALSE, &tp, 0, NULL, NULL))
      privilege = GetLastError() == ERROR_SUCCESS ? "held" : "not held";
    CloseHandle(token);
  }
  row("huge pages (large pages)", "GetLargePageMinimum: %lu; SeLockMemoryPrivilege: %s",
      minimum ? (unsigned long)minimum() : 0ul, privilege);
  if (minimum && minimum() && strcmp(privilege, "held") == 0) {
    SIZE_T size = minimum();
    HANDLE s = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                  PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES, 0, (DWORD)size,
                                  NULL);
    row("SEC_LARGE_PAGES section", s ? "yes" : "no (error %lu)", GetLastError());
    if (s)
      CloseHandle(s);
  }
}

static void probe_shrink(const char *dir)
{
  char path[1024];
  HANDLE h, section;
  void *view;
  scratch(path, sizeof path, dir, "shrink");
  h = create_scratch(path);
  if (h == INVALID_HANDLE_VALUE || !set_size(h, 2 * 65536)) {
    row("shrinking a mapped file", "unknown (error %lu)", GetLastError());
    if (h != INVALID_HANDLE_VALUE)
      CloseHandle(h);
    return;
  }
  section = CreateFileMappingW(h, NULL, PAGE_READWRITE, 0, 0, NULL);
  view = section ? MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0) : NULL;
  if (!view)
    row("shrinking a mapped file", "unknown (mapping failed: error %lu)", GetLastError());
  else if (set_size(h, 65536))
    row("shrinking a mapped file", "allowed (!)");
  else
    row("shrinking a mapped file", "refused (error %lu)", GetLastError());
  if (view)
    UnmapViewOfFile(view);
  if (section)
    CloseHandle(section);
  CloseHandle(h);
}

static void probe_shm(void)
{
  wchar_t name[64];
  HANDLE local, global;
  swprintf(name, 64, L"Local\\pmmf-probe-%lu", (unsigned long)GetCurrentProcessId());
  local = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, name);
  swprintf(name, 64, L"Global\\pmmf-probe-%lu", (unsigned long)GetCurrentProcessId());
  global = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, name);
  row("shared-memory namespace", "Local\\ (this session): %s; Global\\: %s%s",
      local ? "yes" : "no", global ? "yes" : "no",
      global ? "" : " (needs SeCreateGlobalPrivilege)");
  if (local)
    CloseHandle(local);
  if (global)
    CloseHandle(global);
}

static int probe_dir_ok(const char *dir)
{
  wchar_t *w = widen(dir);
  DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
  free(w);
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

static void probe_native(const char *dir)
{
  probe_system(dir);
  probe_sparse(dir);
  probe_views();
  probe_huge_pages();
  probe_shrink(dir);
  probe_shm();
  row("PrefetchVirtualMemory", lookup(L"kernel32.dll", "PrefetchVirtualMemory") ? "yes" : "no");
  row("placeholders (VirtualAlloc2, MapViewOfFile3)", "%s",
      (lookup(L"kernelbase.dll", "VirtualAlloc2") || lookup(L"kernel32.dll", "VirtualAlloc2")) &&
          (lookup(L"kernelbase.dll", "MapViewOfFile3") ||
           lookup(L"kernel32.dll", "MapViewOfFile3"))
        ? "yes"
        : "no");
}
#endif

int pmmf_tool_probe(int argc, char **argv)
{
  const char *dir = argc > 0 ? argv[0] : ".";
#ifdef _WIN32
  uint64_t (*allocated)(const char *) = allocated_win32;
#else
  uint64_t (*allocated)(const char *) = allocated_posix;
#endif

  if (argc > 1) {
    fprintf(stderr, "pmmf: probe: takes at most one argument, a directory\n");
    return 2;
  }
  if (!probe_dir_ok(dir)) {
    fprintf(stderr, "pmmf: probe: %s: file or named mapping not found (PMMF_E_NOT_FOUND): not a "
                    "directory\n", dir);
    return 1;
  }
  printf("pmmf probe of %s: libportmmf %s, backend %s\n\n", dir, pmmf_version(), pmmf_backend());
  printf("| Fact | This system |\n|---|---|\n");
  row("backend", "%s", pmmf_backend());
  probe_native(dir);
  row("pmmf_page_size()", "%zu", pmmf_page_size());
  row("pmmf_granularity()", "%zu", pmmf_granularity());
  row("pmmf_large_page_size()", "%zu", pmmf_large_page_size());
  library_growth(dir, 0, "library growth (pmmf_file_resize, reserving)", allocated);
  library_growth(dir, PMMF_OPEN_SPARSE, "library growth (PMMF_OPEN_SPARSE)", allocated);
  {
    pmmf_map *map = NULL;
    int status = pmmf_map_anonymous(&map, 4 * MIB, PMMF_MAP_LARGE_PAGES);
    if (status == PMMF_OK)
      row("PMMF_MAP_LARGE_PAGES (4 MiB anonymous)", "%s",
          pmmf_map_large_pages(map) == PMMF_LARGE_PAGES_RESERVED      ? "reserved large pages"
          : pmmf_map_large_pages(map) == PMMF_LARGE_PAGES_TRANSPARENT ? "transparent huge pages"
                                                                      : "normal pages");
    else
      row("PMMF_MAP_LARGE_PAGES (4 MiB anonymous)", "failed: %s", pmmf_status_name(status));
    pmmf_map_close(map);
  }
  return fflush(stdout) == 0 ? 0 : 3;
}
