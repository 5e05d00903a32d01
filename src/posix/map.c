/* SPDX-License-Identifier: MIT */
/*
 * map.c - POSIX map objects and views: a file map borrows the file's
 * descriptor, an anonymous map is a memfd (or an unlinked shm object) so that
 * several views share its bytes, its pages reserved unless sparse; views are mmap'd MAP_SHARED (READ, WRITE) or
 * MAP_PRIVATE (COPY), and a fixed address never replaces a mapping, except
 * inside a view's own address-space reservation (PROT_NONE, mapped over with
 * MAP_FIXED). Maps grow in place: the descriptor stays, the file or memory
 * object grows.
 */
#include "posix.h"

#include <stdio.h>

int pmmf__os_map_file(struct pmmf__os_map *out, pmmf__handle file, uint64_t size,
                      pmmf_access access)
{
  (void)size;
  (void)access;
  out->handle = file;
  out->owns_handle = 0;
  return PMMF_OK;
}

int pmmf__os_map_file_grow(struct pmmf__os_map *out, pmmf__handle file, uint64_t from,
                           uint64_t size, int sparse)
{
  int status = pmmf__os_file_grow(file, from, size, sparse);
  if (status != PMMF_OK)
    return status;
  return pmmf__os_map_file(out, file, size, PMMF_ACCESS_WRITE);
}

/* A memory object with no name: memfd, or a shm object unlinked at once. */
static int anonymous_fd(void)
{
  static atomic_uint counter;
  char name[64];
  int fd;

#ifdef MFD_CLOEXEC
  fd = os_memfd_create("portmmf", MFD_CLOEXEC);
  if (fd >= 0 || (errno != ENOSYS && errno != EINVAL))
    return fd;
#endif
  do {
    snprintf(name, sizeof name, "/portmmf-anon-%ld-%u", (long)getpid(),
             atomic_fetch_add(&counter, 1));
    fd = os_shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  } while (fd < 0 && errno == EEXIST);
  if (fd >= 0)
    os_shm_unlink(name);
  return fd;
}

int pmmf__os_map_anonymous(struct pmmf__os_map *out, uint64_t size, int sparse)
{
  int fd = anonymous_fd();
  int status;

  if (fd < 0)
    return pmmf__posix_fail(errno);
  status = pmmf__posix_grow(fd, 0, size, sparse, 1);
  if (status != PMMF_OK) {
    long first = pmmf__last_error_get();
    os_close(fd);
    pmmf__last_error_set(first);
    return status;
  }
  out->handle = fd;
  out->owns_handle = 1;
  return PMMF_OK;
}

/* Views of the descriptor stay as they are; new views reach the new range. */
int pmmf__os_map_grow(struct pmmf__os_map *map, int kind, pmmf__handle file, uint64_t from,
                      uint64_t size, int sparse)
{
  if (kind == PMMF__MAP_FILE)
    return size > from ? pmmf__os_file_grow(file, from, size, sparse) : PMMF_OK;
  return pmmf__posix_grow((int)map->handle, from, size, sparse, 1);
}

size_t pmmf__os_large_page_size(void)
{
  uint64_t free_pages = 0, page = os_hugetlb(&free_pages);
  if (page && free_pages)
    return (size_t)page;
  return (size_t)os_thp_shmem();
}

/* hugetlb where its pool has pages: a memfd of huge pages, rounded up to
 * whole ones and reserved (fallocate; a pool too small fails there, ENOSPC).
 * Else the plain memory object, with transparent huge pages asked for on
 * each view where shmem may have them. */
int pmmf__os_map_anonymous_large(struct pmmf__os_map *out, uint64_t size, int sparse)
{
  int status;
#ifdef MFD_HUGETLB
  uint64_t free_pages = 0, page = os_hugetlb(&free_pages);
  long saved = pmmf__last_error_get();

  if (page && free_pages && size <= (uint64_t)INT64_MAX - page &&
      (uint64_t)(size_t)page == page) {
    int fd = os_memfd_create("portmmf", MFD_CLOEXEC | MFD_HUGETLB);
    if (fd >= 0) {
      if (pmmf__posix_grow(fd, 0, pmmf__align_up(size, page), sparse, 1) == PMMF_OK) {
        out->handle = fd;
        out->owns_handle = 1;
        out->page = (size_t)page;
        out->large = PMMF_LARGE_PAGES_RESERVED;
        return PMMF_OK;
      }
      os_close(fd);
    }
    pmmf__last_error_set(saved);
  }
#endif
  status = pmmf__os_map_anonymous(out, size, sparse);
  if (status == PMMF_OK && os_thp_shmem() != 0)
    out->large = PMMF_LARGE_PAGES_TRANSPARENT;
  return status;
}

int pmmf__os_map_close(struct pmmf__os_map *map)
{
  if (map->owns_handle)
    return pmmf__os_file_close(map->handle);
  return PMMF_OK;
}

static int protection(pmmf_access access)
{
  if (access == PMMF_ACCESS_NONE)
    return PROT_NONE;
  return access == PMMF_ACCESS_READ ? PROT_READ : PROT_READ | PROT_WRITE;
}

/* Whether mmap can take `offset`. */
static int offset_mappable(uint64_t offset)
{
  if ((uint64_t)(off_t)offset != offset)
    return 0;
#if defined(__linux__) && UINTPTR_MAX == 0xFFFFFFFFu
  /* 32-bit Linux maps through mmap2, whose offset counts 4096-byte units in
   * 32 bits: nothing from 16 TiB on can be mapped (the C library would say
   * EINVAL, as if the argument were bad). */
  if (offset >> 44)
    return 0;
#endif
  return 1;
}

/* Linux 5.14's MADV_POPULATE_WRITE, where the C library's headers predate it. */
#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#  define MADV_POPULATE_WRITE 23
#endif

#ifdef MADV_POPULATE_WRITE
/* Prefault a shared writable view for writing: MAP_POPULATE only read-faults
 * a shared mapping (its page-table entries stay read-only, so every first
 * write still takes a fault to make the page writable and dirty); the
 * madvise call makes each page writable up front (and dirty: it is written
 * back at the next flush, as if written, with the same bytes). Best effort,
 * as MAP_POPULATE is: a page it cannot bring in (a full disk for a hole, a
 * file truncated meanwhile) is left to fault later. Returns 0 when the
 * kernel does not know the advice (before 5.14: EINVAL), so the caller falls
 * back; asked again each time (one failed call on such kernels, against a
 * populate's page-table walk). */
static int populate_write(void *base, size_t length)
{
  return os_madvise(base, length, MADV_POPULATE_WRITE) == 0 || errno != EINVAL;
}
#endif

int pmmf__os_view_map(void **out_base, const struct pmmf__os_map *map, uint64_t offset,
                      size_t length, pmmf_access access, int populate, void *fixed)
{
  int flags = access == PMMF_ACCESS_COPY ? MAP_PRIVATE : MAP_SHARED;
  int populate_later = 0; /* populate for writing after the mmap */
  void *base;

  (void)populate_later; /* systems with neither populate call */
#ifdef MADV_POPULATE_WRITE
  populate_later = populate && access == PMMF_ACCESS_WRITE;
#endif
#ifdef MAP_POPULATE
  if (populate && !populate_later)
    flags |= MAP_POPULATE;
#endif
#ifdef MAP_FIXED_NOREPLACE
  if (fixed)
    flags |= MAP_FIXED_NOREPLACE;
#endif
  if (!offset_mappable(offset))
    return pmmf__fail(EOVERFLOW, PMMF_E_TOO_LARGE);

  base = os_mmap(fixed, length, protection(access), flags, (int)map->handle, (off_t)offset);
  if (base == MAP_FAILED) {
    if (fixed && errno == EEXIST)
      return pmmf__fail(EEXIST, PMMF_E_ADDRESS_IN_USE);
    return pmmf__posix_fail(errno);
  }
  /* Kernels without MAP_FIXED_NOREPLACE take the address as a hint only. */
  if (fixed && base != fixed) {
    os_munmap(base, length);
    return pmmf__fail(EEXIST, PMMF_E_ADDRESS_IN_USE);
  }
#ifdef MADV_POPULATE_WRITE
  /* A kernel without the advice: populate as for the other views, by mapping
   * the same pages again over this fresh mapping (nobody else knows of it)
   * with MAP_POPULATE. */
  if (populate_later && !populate_write(base, length)) {
    int again_flags = (flags | MAP_FIXED | MAP_POPULATE);
    void *again;
#  ifdef MAP_FIXED_NOREPLACE
    again_flags &= ~MAP_FIXED_NOREPLACE; /* it would refuse our own mapping */
#  endif
    again = os_mmap(base, length, protection(access), again_flags, (int)map->handle,
                    (off_t)offset);
    if (again == MAP_FAILED) {
      int err = errno;
      os_munmap(base, length);
      return pmmf__posix_fail(err);
    }
  }
#endif
#ifndef MAP_POPULATE
  if (populate)
    os_madvise(base, length, MADV_WILLNEED);
#endif
#ifdef MADV_HUGEPAGE
  /* A hint: a kernel that cannot follow it leaves normal pages. */
  if (map->large == PMMF_LARGE_PAGES_TRANSPARENT)
    (void)os_madvise(base, length, MADV_HUGEPAGE);
#endif
  *out_base = base;
  return PMMF_OK;
}

/* No access and no commitment: the pages are only address space. */
static int reserve_flags(void)
{
#ifdef MAP_NORESERVE
  return MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
#else
  return MAP_PRIVATE | MAP_ANONYMOUS;
#endif
}

int pmmf__os_view_reserve(void **out_base, size_t length)
{
  void *base = os_mmap(NULL, length, PROT_NONE, reserve_flags(), -1, 0);
  if (base == MAP_FAILED)
    return pmmf__posix_fail(errno);
  *out_base = base;
  return PMMF_OK;
}

/* MAP_FIXED replaces, atomically, the reservation's pages at `at`: the
 * common layer passes only ranges inside the view's own reservation. */
int pmmf__os_view_map_over(const struct pmmf__os_map *map, uint64_t offset, size_t length,
                           pmmf_access access, pmmf_access now, int populate, void *at)
{
  int flags = (access == PMMF_ACCESS_COPY ? MAP_PRIVATE : MAP_SHARED) | MAP_FIXED;
  void *base;

#ifdef MAP_POPULATE
  if (populate)
    flags |= MAP_POPULATE;
#endif
  if (!offset_mappable(offset))
    return pmmf__fail(EOVERFLOW, PMMF_E_TOO_LARGE);
  base = os_mmap(at, length, protection(now), flags, (int)map->handle, (off_t)offset);
  if (base == MAP_FAILED) {
    /* Linux may have unmapped the reservation's pages before failing: plug
     * the range again with reserved pages, so that nothing else can be
     * mapped into the view's reservation (its unmap releases all of it). */
    int err = errno;
    (void)os_mmap(at, length, PROT_NONE, reserve_flags() | MAP_FIXED, -1, 0);
    return pmmf__posix_fail(err);
  }
#ifndef MAP_POPULATE
  if (populate)
    os_madvise(base, length, MADV_WILLNEED);
#endif
  return PMMF_OK;
}

int pmmf__os_view_unmap(void *base, size_t length)
{
  if (os_munmap(base, length) != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}

int pmmf__os_view_flush(const struct pmmf__os_map *map, uint64_t offset, void *addr,
                        size_t length, int sync)
{
  /* ASYNC: on Linux msync(MS_ASYNC) has started nothing since 2.6.19 (the
   * page cache already knows which pages of a shared mapping are dirty), so
   * write-back of the range is started on the file itself, without waiting
   * for it. Where sync_file_range is missing (ENOSYS: other systems, or a
   * descriptor it does not apply to), msync(MS_ASYNC) schedules it. */
  if (!sync) {
    int r;
    do
      r = os_sync_file_range((int)map->handle, (off_t)offset, (off_t)length);
    while (r != 0 && errno == EINTR);
    if (r == 0)
      return PMMF_OK;
    if (errno != ENOSYS && errno != EINVAL && errno != ESPIPE)
      return pmmf__posix_fail(errno);
  }
  if (os_msync(addr, length, sync ? MS_SYNC : MS_ASYNC) != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}

/* Linux: msync(MS_SYNC) calls vfs_fsync_range(file, start, end, 1) for each
 * shared file mapping in the range (mm/msync.c), the call fdatasync makes
 * (do_fsync: vfs_fsync_range(file, 0, LLONG_MAX, 1)) limited to the range:
 * the range's data, the metadata needed to read it back (the size, the
 * allocation) and the file's write-back error (the mapping's file is the
 * descriptor's own open file) are all there, so an fdatasync after it would
 * write nothing more. Views of a file opened read-only have no VM_SHARED (the
 * kernel drops it without FMODE_WRITE), but the common layer syncs nothing
 * for such files either. Elsewhere: msync then fdatasync (macOS: F_FULLFSYNC,
 * as msync does not reach the disk's cache). */
int pmmf__os_view_flush_durable(void)
{
#ifdef __linux__
  return 1;
#else
  return 0;
#endif
}

int pmmf__os_view_protect(void *addr, size_t length, pmmf_access access)
{
  if (os_mprotect(addr, length, protection(access)) != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}

/* mlock: ENOMEM beyond RLIMIT_MEMLOCK, EPERM where that limit is 0 (older
 * kernels) and EAGAIN when some pages could not be locked: all three are a
 * lack of lockable memory. munlock of unlocked pages succeeds. */
int pmmf__os_view_lock(void *addr, size_t length, int lock)
{
  int r = lock ? os_mlock(addr, length) : os_munlock(addr, length);
  if (r != 0) {
    if (errno == ENOMEM || errno == EPERM || errno == EAGAIN)
      return pmmf__fail(errno, PMMF_E_NO_MEMORY);
    return pmmf__posix_fail(errno);
  }
  return PMMF_OK;
}

int pmmf__os_view_advise(void *addr, size_t length, pmmf_advice advice)
{
  static const int native[] = {
    [PMMF_ADVICE_NORMAL] = MADV_NORMAL,
    [PMMF_ADVICE_SEQUENTIAL] = MADV_SEQUENTIAL,
    [PMMF_ADVICE_RANDOM] = MADV_RANDOM,
    [PMMF_ADVICE_WILLNEED] = MADV_WILLNEED,
    [PMMF_ADVICE_DONTNEED] = MADV_DONTNEED,
  };
  if (os_madvise(addr, length, native[advice]) != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}
