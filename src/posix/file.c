/*
 * file.c - POSIX files: open (close-on-exec, regular files only), size,
 * resize, extend-only growth that reserves its storage (fallocate), sync and
 * close, and PMMF_OPEN_EXCLUSIVE through flock: every open
 * holds a shared lock, an exclusive open an exclusive one, so they conflict
 * the way Windows share modes do (advisory: only between libportmmf users).
 */
#include "posix.h"

/* How often a creation may lose to a file that is gone again by the next
 * open, before the name counts as taken (see open_path). */
#define CREATE_RACES 64

/* Open `path`, creating it if asked; *created says whether this call did.
 * Files are created with O_EXCL only, so never through a symbolic link: a
 * link to nothing is followed by the plain open (ENOENT) but not by the
 * exclusive create (EEXIST). Once that has repeated CREATE_RACES times it is
 * no race but such a link, and the answer is EEXIST (PMMF_E_EXISTS). */
static int open_path(const char *path, unsigned flags, int *created)
{
  int base = O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
             ((flags & PMMF_OPEN_WRITE) ? O_RDWR : O_RDONLY);
  int fd, races = 0;

  *created = 0;
  for (;;) {
    if (!(flags & PMMF_OPEN_CREATE_NEW)) {
      fd = os_open(path, base, 0);
      if (fd >= 0)
        return fd;
      if (errno == EINTR)
        continue;
      if (errno != ENOENT || !(flags & PMMF_OPEN_CREATE))
        return -1;
    }
    fd = os_open(path, base | O_CREAT | O_EXCL, 0666);
    if (fd >= 0) {
      *created = 1;
      return fd;
    }
    /* EINTR, or a race lost to another creator: try again. */
    if (errno == EINTR)
      continue;
    if (errno == EEXIST && !(flags & PMMF_OPEN_CREATE_NEW) && ++races < CREATE_RACES)
      continue;
    return -1;
  }
}

int pmmf__os_file_open(pmmf__handle *out, const char *path_utf8, unsigned flags, int *created_out)
{
  struct stat st;
  int created, fd, status, lock;

  fd = open_path(path_utf8, flags, &created);
  if (fd < 0)
    return pmmf__posix_fail(errno);

  /* O_NONBLOCK only kept a FIFO from blocking the open; regular files ignore it. */
  if (os_fstat(fd, &st) != 0) {
    status = pmmf__posix_fail(errno);
    goto fail;
  }
  if (!S_ISREG(st.st_mode)) {
    status = pmmf__reject(PMMF_E_INVALID);
    goto fail;
  }

  lock = ((flags & PMMF_OPEN_EXCLUSIVE) ? LOCK_EX : LOCK_SH) | LOCK_NB;
  while (os_flock(fd, lock) != 0) {
    if (errno == EINTR)
      continue;
    if (errno == EWOULDBLOCK) {
      status = pmmf__fail(errno, PMMF_E_SHARING);
      goto fail;
    }
    /* A file system without flock: only an exclusive open needs the lock. */
    if ((errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS) &&
        !(flags & PMMF_OPEN_EXCLUSIVE))
      break;
    status = pmmf__fail(errno, errno == ENOLCK ? PMMF_E_UNSUPPORTED
                                                : pmmf__os_translate_error(errno));
    goto fail;
  }

  *out = fd;
  *created_out = created;
  return PMMF_OK;

fail:
  {
    long first = pmmf__last_error_get();
    os_close(fd);
    if (created)
      os_unlink(path_utf8);
    pmmf__last_error_set(first);
  }
  return status;
}

int pmmf__os_file_close(pmmf__handle file)
{
  /* No retry on EINTR: the descriptor is released either way on Linux. */
  if (os_close((int)file) != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}

int pmmf__os_file_size(pmmf__handle file, uint64_t *size)
{
  struct stat st;
  if (os_fstat((int)file, &st) != 0)
    return pmmf__posix_fail(errno);
  *size = (uint64_t)st.st_size;
  return PMMF_OK;
}

int pmmf__os_file_resize(pmmf__handle file, uint64_t size)
{
  int r;
  if ((uint64_t)(off_t)size != size || (off_t)size < 0)
    return pmmf__fail(EFBIG, PMMF_E_RANGE);
  do
    r = os_ftruncate((int)file, (off_t)size);
  while (r != 0 && errno == EINTR);
  if (r != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}

/* Whether fallocate failed only because the file system (or the OS) has no
 * such operation. */
static int fallocate_unsupported(int err)
{
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
  if (err == ENOTSUP)
    return 1;
#endif
  return err == EOPNOTSUPP || err == ENOSYS || err == ENODEV;
}

static int fallocate_retried(int fd, int mode, uint64_t offset, uint64_t length)
{
  int r;
  do
    r = os_fallocate(fd, mode, (off_t)offset, (off_t)length);
  while (r != 0 && errno == EINTR);
  return r;
}

/* Whether the file system says it has fewer than `need` bytes free for
 * unprivileged use (f_bavail; an unlimited tmpfs reports no blocks at all:
 * unknown). Asked first so that a growth bound to fail does not take every
 * free block, even for a moment, from other programs. */
static int clearly_too_little_space(int fd, uint64_t need)
{
  struct statvfs st;
  if (os_fstatvfs(fd, &st) != 0 || st.f_blocks == 0)
    return 0;
  return (uint64_t)st.f_bavail * (uint64_t)st.f_frsize < need;
}

/* A reservation that failed may have kept what it got, beyond the end of
 * file where nothing shows it but the free space: punch it out (whole blocks
 * past the current end only; a window remains if someone else extends the
 * file and writes there between the two calls). ext4 cannot punch beyond the
 * end of file and keeps the blocks until the file is next truncated: a
 * truncation to the size read here could cut a file that someone else grew
 * meanwhile, so it is left to the caller (pmmf_file_resize to the file's
 * own size gives them back). */
static void release_reservation(int fd, uint64_t from, uint64_t size)
{
#if defined(FALLOC_FL_PUNCH_HOLE) && defined(FALLOC_FL_KEEP_SIZE)
  struct stat st;
  uint64_t start, block;
  if (os_fstat(fd, &st) != 0)
    return;
  block = st.st_blksize > 0 ? (uint64_t)st.st_blksize : 4096u;
  start = (uint64_t)st.st_size > from ? (uint64_t)st.st_size : from;
  start = (start + block - 1) / block * block;
  if (start < size)
    (void)fallocate_retried(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, start,
                            size - start);
#else
  (void)fd;
  (void)from;
  (void)size;
#endif
}

int pmmf__posix_grow(int fd, uint64_t from, uint64_t size, int sparse, int memory)
{
  struct stat st;
  int r;

  if ((uint64_t)(off_t)size != size || (off_t)size < 0 || size == 0)
    return pmmf__fail(EFBIG, PMMF_E_RANGE);
  /* Beyond RLIMIT_FSIZE the kernel would send SIGXFSZ, which kills by
   * default: refused before any call that could grow the file. */
  if (size > os_file_size_limit())
    return pmmf__fail(EFBIG, PMMF_E_RANGE);
  if (from > size)
    from = size;

  /* 1. Reserve the new range without changing the size (KEEP_SIZE), so that
   *    a full disk fails here with the size as it was. A memory object
   *    (tmpfs pages) larger than RAM and swap could only end in the OOM
   *    killer: refused, as Windows refuses such a commit. */
  if (!sparse && size > from) {
    if (memory && size > os_memory_total())
      return pmmf__fail(ENOMEM, PMMF_E_NO_MEMORY);
    if (clearly_too_little_space(fd, size - from))
      return pmmf__fail(ENOSPC, PMMF_E_NO_SPACE);
#ifdef FALLOC_FL_KEEP_SIZE
    if (fallocate_retried(fd, FALLOC_FL_KEEP_SIZE, from, size - from) != 0 &&
        !fallocate_unsupported(errno)) {
      int err = errno;
      release_reservation(fd, from, size);
      return pmmf__posix_fail(err);
    }
#endif
  }

  /* 2. Extend, extend-only and atomically: fallocate of the last byte sets
   *    the size to `size` if it is smaller and never shrinks the file (a file
   *    grown meanwhile by someone else keeps its size and bytes). */
  if (fallocate_retried(fd, 0, size - 1, 1) == 0)
    return PMMF_OK;
  if (!fallocate_unsupported(errno))
    return pmmf__posix_fail(errno);

  /* 3. No fallocate here: ftruncate, only if the file is still smaller. A
   *    window remains between the two calls (docs/behavior.md). */
  if (os_fstat(fd, &st) != 0)
    return pmmf__posix_fail(errno);
  if ((uint64_t)st.st_size >= size)
    return PMMF_OK;
  do
    r = os_ftruncate(fd, (off_t)size);
  while (r != 0 && errno == EINTR);
  if (r != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}

int pmmf__os_file_grow(pmmf__handle file, uint64_t from, uint64_t size, int sparse)
{
  return pmmf__posix_grow((int)file, from, size, sparse, 0);
}

int pmmf__os_file_sync(pmmf__handle file)
{
  int r;
  do
    r = os_fdatasync((int)file);
  while (r != 0 && errno == EINTR);
  if (r != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}
