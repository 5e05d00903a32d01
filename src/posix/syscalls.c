/* SPDX-License-Identifier: MIT */
/*
 * syscalls.c - the POSIX backend's OS-call table, after SQLite's aSyscall[]:
 * each entry names a call, its current function and its original, so test
 * builds can replace any call (pmmf__os_syscall_set, in the common layer) or
 * make it fail (pmmf__fault_arm) without touching the code that calls it.
 */
#include "posix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#  include <sys/sysinfo.h>
#  include <sys/vfs.h>
#endif

/* Calls that libc may not declare everywhere are reached through wrappers. */
static int memfd_create_call(const char *name, unsigned flags)
{
#ifdef MFD_CLOEXEC
  return memfd_create(name, flags);
#else
  (void)name;
  (void)flags;
  errno = ENOSYS;
  return -1;
#endif
}

static int fdatasync_call(int fd)
{
#if defined(__APPLE__) && defined(F_FULLFSYNC)
  /* macOS: fsync does not reach stable storage; F_FULLFSYNC does. */
  return fcntl(fd, F_FULLFSYNC);
#elif defined(__APPLE__)
  return fsync(fd);
#else
  return fdatasync(fd);
#endif
}

/* sync_file_range's flags are fixed here: start write-back, do not wait. */
static int sync_file_range_call(int fd, off_t offset, off_t length)
{
#ifdef SYNC_FILE_RANGE_WRITE
  return sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
#else
  (void)fd;
  (void)offset;
  (void)length;
  errno = ENOSYS;
  return -1;
#endif
}

static int fallocate_call(int fd, int mode, off_t offset, off_t length)
{
#ifdef __linux__
  return fallocate(fd, mode, offset, length);
#else
  (void)fd;
  (void)mode;
  (void)offset;
  (void)length;
  errno = ENOSYS;
  return -1;
#endif
}

static uint64_t file_size_limit_call(void)
{
  struct rlimit limit;
  if (getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      (uint64_t)limit.rlim_cur >= (uint64_t)INT64_MAX)
    return UINT64_MAX;
  return (uint64_t)limit.rlim_cur;
}

static uint64_t memory_total_call(void)
{
#ifdef __linux__
  struct sysinfo info;
  if (sysinfo(&info) != 0 || info.mem_unit == 0)
    return UINT64_MAX;
  return ((uint64_t)info.totalram + (uint64_t)info.totalswap) * info.mem_unit;
#else
  return UINT64_MAX;
#endif
}

/* The first unsigned number after `key` in the text file `path`, or 0. */
static uint64_t read_number(const char *path, const char *key)
{
#ifdef __linux__
  char line[256];
  uint64_t value = 0;
  size_t keylen = strlen(key);
  FILE *file = fopen(path, "re");

  if (!file)
    return 0;
  while (fgets(line, sizeof line, file)) {
    if (strncmp(line, key, keylen) == 0) {
      value = strtoull(line + keylen, NULL, 10);
      break;
    }
  }
  fclose(file);
  return value;
#else
  (void)path;
  (void)key;
  return 0;
#endif
}

static uint64_t hugetlb_call(uint64_t *free_pages)
{
  *free_pages = read_number("/proc/meminfo", "HugePages_Free:");
  return read_number("/proc/meminfo", "Hugepagesize:") * 1024u;
}

/* shmem_enabled reads like "always within_size advise [never] deny force":
 * the bracketed word is the mode. */
static uint64_t thp_shmem_call(void)
{
#ifdef __linux__
  char text[128] = "";
  FILE *file = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "re");
  const char *mode;

  if (!file)
    return 0;
  if (!fgets(text, sizeof text, file))
    text[0] = 0;
  fclose(file);
  mode = strchr(text, '[');
  if (!mode || strncmp(mode, "[never]", 7) == 0 || strncmp(mode, "[deny]", 6) == 0)
    return 0;
  return read_number("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "");
#else
  return 0;
#endif
}

static int fstatfs_type_call(int fd, unsigned long *type)
{
#ifdef __linux__
  struct statfs st;
  if (fstatfs(fd, &st) != 0)
    return -1;
  *type = (unsigned long)st.f_type;
  return 0;
#else
  (void)fd;
  (void)type;
  errno = ENOSYS;
  return -1;
#endif
}

#define ENTRY(name, fn) { name, (pmmf__syscall_ptr)(fn), (pmmf__syscall_ptr)(fn) }

struct pmmf__syscall pmmf__posix_syscalls[POSIX_CALL_COUNT] = {
  [POSIX_OPEN] = ENTRY("open", open),
  [POSIX_CLOSE] = ENTRY("close", close),
  [POSIX_FSTAT] = ENTRY("fstat", fstat),
  [POSIX_FTRUNCATE] = ENTRY("ftruncate", ftruncate),
  [POSIX_FDATASYNC] = ENTRY("fdatasync", fdatasync_call),
  [POSIX_FLOCK] = ENTRY("flock", flock),
  [POSIX_UNLINK] = ENTRY("unlink", unlink),
  [POSIX_MMAP] = ENTRY("mmap", mmap),
  [POSIX_MUNMAP] = ENTRY("munmap", munmap),
  [POSIX_MSYNC] = ENTRY("msync", msync),
  [POSIX_MPROTECT] = ENTRY("mprotect", mprotect),
  [POSIX_MADVISE] = ENTRY("madvise", madvise),
  [POSIX_MEMFD_CREATE] = ENTRY("memfd_create", memfd_create_call),
  [POSIX_SHM_OPEN] = ENTRY("shm_open", shm_open),
  [POSIX_SHM_UNLINK] = ENTRY("shm_unlink", shm_unlink),
  [POSIX_FCHMOD] = ENTRY("fchmod", fchmod),
  [POSIX_NANOSLEEP] = ENTRY("nanosleep", nanosleep),
  [POSIX_SYNC_FILE_RANGE] = ENTRY("sync_file_range", sync_file_range_call),
  [POSIX_FALLOCATE] = ENTRY("fallocate", fallocate_call),
  [POSIX_GETRLIMIT] = ENTRY("getrlimit", file_size_limit_call),
  [POSIX_MEMORY_TOTAL] = ENTRY("sysinfo", memory_total_call),
  [POSIX_FSTATVFS] = ENTRY("fstatvfs", fstatvfs),
  [POSIX_DLADDR] = ENTRY("dladdr", dladdr),
  [POSIX_DLOPEN] = ENTRY("dlopen", dlopen),
  [POSIX_DLERROR] = ENTRY("dlerror", dlerror),
  [POSIX_GETEUID] = ENTRY("geteuid", geteuid),
  [POSIX_FCNTL] = ENTRY("fcntl", fcntl),
  [POSIX_MLOCK] = ENTRY("mlock", mlock),
  [POSIX_MUNLOCK] = ENTRY("munlock", munlock),
  [POSIX_HUGETLB] = ENTRY("hugetlb", hugetlb_call),
  [POSIX_THP_SHMEM] = ENTRY("thp_shmem", thp_shmem_call),
  [POSIX_PWRITE] = ENTRY("pwrite", pwrite),
  [POSIX_FSTATFS_TYPE] = ENTRY("fstatfs", fstatfs_type_call),
};

int pmmf__posix_fault(int index)
{
  long code = pmmf__fault_check_slow(pmmf__posix_syscalls[index].name);
  if (!code)
    return 0;
  errno = (int)code;
  return 1;
}

int pmmf__posix_close(int fd)
{
  long fault = PMMF__FAULT("close");
  int r = ((int (*)(int))pmmf__posix_syscalls[POSIX_CLOSE].current)(fd);
  if (fault) {
    errno = (int)fault;
    return -1;
  }
  return r;
}

int pmmf__posix_munmap(void *addr, size_t length)
{
  long fault = PMMF__FAULT("munmap");
  int r = ((int (*)(void *, size_t))pmmf__posix_syscalls[POSIX_MUNMAP].current)(addr, length);
  if (fault) {
    errno = (int)fault;
    return -1;
  }
  return r;
}

struct pmmf__syscall *pmmf__os_syscall_table(size_t *count)
{
  *count = POSIX_CALL_COUNT;
  return pmmf__posix_syscalls;
}
