/* SPDX-License-Identifier: MIT */
/*
 * posix.h - what the POSIX backend's files share: the replaceable OS-call
 * table (every OS call goes through it, so tests can swap a call or inject a
 * failure) and the errno egress point.
 */
#ifndef PMMF_POSIX_H
#define PMMF_POSIX_H

#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

enum pmmf__posix_call {
  POSIX_OPEN,
  POSIX_CLOSE,
  POSIX_FSTAT,
  POSIX_FTRUNCATE,
  POSIX_FDATASYNC,
  POSIX_FLOCK,
  POSIX_UNLINK,
  POSIX_MMAP,
  POSIX_MUNMAP,
  POSIX_MSYNC,
  POSIX_MPROTECT,
  POSIX_MADVISE,
  POSIX_MEMFD_CREATE,
  POSIX_SHM_OPEN,
  POSIX_SHM_UNLINK,
  POSIX_FCHMOD,
  POSIX_NANOSLEEP,
  POSIX_SYNC_FILE_RANGE,
  POSIX_FALLOCATE,
  POSIX_GETRLIMIT,
  POSIX_MEMORY_TOTAL,
  POSIX_FSTATVFS,
  POSIX_DLADDR,
  POSIX_DLOPEN,
  POSIX_DLERROR,
  POSIX_GETEUID,
  POSIX_FCNTL,
  POSIX_MLOCK,
  POSIX_MUNLOCK,
  POSIX_HUGETLB,
  POSIX_THP_SHMEM,
  POSIX_PWRITE,
  POSIX_FSTATFS_TYPE,
  POSIX_CALL_COUNT
};

extern struct pmmf__syscall pmmf__posix_syscalls[POSIX_CALL_COUNT];

/* Whether an armed fault makes call `index` fail now (errno is then set). */
int pmmf__posix_fault(int index);

/* Call OS function `index` (of pointer type `type`) through the table, unless
 * an armed fault fails it: then the result is `failed` with errno set. */
#define POSIX_CALL(index, type, failed, ...)                     \
  ((pmmf__fault_armed && pmmf__posix_fault(index)) ? (failed)    \
     : ((type)pmmf__posix_syscalls[index].current)(__VA_ARGS__))

#define os_open(path, flags, mode) \
  POSIX_CALL(POSIX_OPEN, int (*)(const char *, int, ...), -1, path, flags, mode)
/* The releasing calls release even when a fault is injected (close and unmap
 * release all the same, as the contract says); the fault is then reported. */
int pmmf__posix_close(int fd);
int pmmf__posix_munmap(void *addr, size_t length);
#define os_close(fd) pmmf__posix_close(fd)
#define os_fstat(fd, st) POSIX_CALL(POSIX_FSTAT, int (*)(int, struct stat *), -1, fd, st)
#define os_ftruncate(fd, size) \
  POSIX_CALL(POSIX_FTRUNCATE, int (*)(int, off_t), -1, fd, size)
#define os_fdatasync(fd) POSIX_CALL(POSIX_FDATASYNC, int (*)(int), -1, fd)
#define os_flock(fd, op) POSIX_CALL(POSIX_FLOCK, int (*)(int, int), -1, fd, op)
#define os_unlink(path) POSIX_CALL(POSIX_UNLINK, int (*)(const char *), -1, path)
#define os_mmap(addr, len, prot, flags, fd, off)                                              \
  POSIX_CALL(POSIX_MMAP, void *(*)(void *, size_t, int, int, int, off_t), MAP_FAILED, addr, \
             len, prot, flags, fd, off)
#define os_munmap(addr, len) pmmf__posix_munmap(addr, len)
#define os_msync(addr, len, flags) \
  POSIX_CALL(POSIX_MSYNC, int (*)(void *, size_t, int), -1, addr, len, flags)
#define os_mprotect(addr, len, prot) \
  POSIX_CALL(POSIX_MPROTECT, int (*)(void *, size_t, int), -1, addr, len, prot)
#define os_madvise(addr, len, advice) \
  POSIX_CALL(POSIX_MADVISE, int (*)(void *, size_t, int), -1, addr, len, advice)
#define os_memfd_create(name, flags) \
  POSIX_CALL(POSIX_MEMFD_CREATE, int (*)(const char *, unsigned), -1, name, flags)
#define os_shm_open(name, flags, mode) \
  POSIX_CALL(POSIX_SHM_OPEN, int (*)(const char *, int, mode_t), -1, name, flags, mode)
#define os_shm_unlink(name) POSIX_CALL(POSIX_SHM_UNLINK, int (*)(const char *), -1, name)
#define os_fchmod(fd, mode) POSIX_CALL(POSIX_FCHMOD, int (*)(int, mode_t), -1, fd, mode)
/* Start write-back of a file range without waiting (Linux sync_file_range
 * with SYNC_FILE_RANGE_WRITE; ENOSYS elsewhere). */
#define os_sync_file_range(fd, offset, length)                                    \
  POSIX_CALL(POSIX_SYNC_FILE_RANGE, int (*)(int, off_t, off_t), -1, fd, offset, length)
/* Linux fallocate(2) (elsewhere: ENOSYS). */
#define os_fallocate(fd, mode, off, len) \
  POSIX_CALL(POSIX_FALLOCATE, int (*)(int, int, off_t, off_t), -1, fd, mode, off, len)
#define os_fstatvfs(fd, st) \
  POSIX_CALL(POSIX_FSTATVFS, int (*)(int, struct statvfs *), -1, fd, st)
/* getrlimit(RLIMIT_FSIZE): the largest size this process may make a file,
 * UINT64_MAX without a limit. Asking cannot fail in a way that matters: no
 * fault check. */
#define os_file_size_limit() \
  ((uint64_t (*)(void))pmmf__posix_syscalls[POSIX_GETRLIMIT].current)()
/* RAM and swap together in bytes (Linux sysinfo), UINT64_MAX where unknown;
 * no fault check either. */
#define os_memory_total() \
  ((uint64_t (*)(void))pmmf__posix_syscalls[POSIX_MEMORY_TOTAL].current)()

/* Extend `fd` as pmmf__os_file_grow does; `memory` marks a memory object
 * (memfd, shm), whose reservation is refused beyond RAM and swap. */
int pmmf__posix_grow(int fd, uint64_t from, uint64_t size, int sparse, int memory);

/* Sleeping cannot fail in a way that matters (EINTR only shortens it): no
 * fault check. */
#define os_nanosleep(req, rem)                                                  \
  ((int (*)(const struct timespec *, struct timespec *))                        \
     pmmf__posix_syscalls[POSIX_NANOSLEEP].current)(req, rem)

/* The loader calls that pin the library (guard.c): best effort, a failure
 * only leaves it unpinned, so they can be failed like any other call. */
#define os_dladdr(addr, info) \
  POSIX_CALL(POSIX_DLADDR, int (*)(const void *, Dl_info *), 0, addr, info)
#define os_dlopen(path, flags) \
  POSIX_CALL(POSIX_DLOPEN, void *(*)(const char *, int), NULL, path, flags)
#define os_dlerror() ((char *(*)(void))pmmf__posix_syscalls[POSIX_DLERROR].current)()
/* The effective uid cannot fail either: no fault check. */
#define os_geteuid() ((uid_t (*)(void))pmmf__posix_syscalls[POSIX_GETEUID].current)()

/* fcntl with one int argument (F_DUPFD_CLOEXEC, F_GETFL). */
#define os_fcntl(fd, cmd, arg) \
  POSIX_CALL(POSIX_FCNTL, int (*)(int, int, ...), -1, fd, cmd, arg)
#define os_mlock(addr, len) POSIX_CALL(POSIX_MLOCK, int (*)(const void *, size_t), -1, addr, len)
#define os_munlock(addr, len) \
  POSIX_CALL(POSIX_MUNLOCK, int (*)(const void *, size_t), -1, addr, len)

/* Linux hugetlb: the default huge page size in bytes (0: none) and the free
 * pages of its pool (/proc/meminfo). Reading it cannot fail in a way that
 * matters (unreadable: 0): no fault check. */
#define os_hugetlb(free_pages) \
  ((uint64_t (*)(uint64_t *))pmmf__posix_syscalls[POSIX_HUGETLB].current)(free_pages)
/* Linux transparent huge pages on shmem: their size when MADV_HUGEPAGE can
 * get them (shmem_enabled not never or deny), else 0; no fault check. */
#define os_thp_shmem() ((uint64_t (*)(void))pmmf__posix_syscalls[POSIX_THP_SHMEM].current)()
#define os_pwrite(fd, buf, len, off) \
  POSIX_CALL(POSIX_PWRITE, ssize_t (*)(int, const void *, size_t, off_t), -1, fd, buf, len, off)
/* The file system type of `fd` (Linux statfs f_type) into *type; ENOSYS
 * where the system has no such number. */
#define os_fstatfs_type(fd, type) \
  POSIX_CALL(POSIX_FSTATFS_TYPE, int (*)(int, unsigned long *), -1, fd, type)

/* The egress point: errno becomes a status, the raw code is kept. */
int pmmf__posix_fail(int err);

#endif /* PMMF_POSIX_H */
