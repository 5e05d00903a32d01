/* SPDX-License-Identifier: MIT */
/*
 * file.c - POSIX files: open (close-on-exec, regular files only, never
 * blocking on a FIFO yet waiting out a lease like a plain open), size,
 * resize, extend-only growth that reserves its storage (fallocate), sync and
 * close, and PMMF_OPEN_EXCLUSIVE through flock: every open
 * holds a shared lock, an exclusive open an exclusive one, so they conflict
 * the way Windows share modes do (advisory: only between libportmmf users).
 */
#include "posix.h"

#include <stdio.h>

/* How often a creation may lose to a file that is gone again by the next
 * open, before the name counts as taken (see open_path). */
#define CREATE_RACES 64

/* How often an open may find the file it locked unlinked (by a creator whose
 * open failed, see discard) before it gives up. */
#define UNLINKED_RETRIES 64

/* A lease (F_SETLEASE: Samba oplocks, NFS server delegations) makes an open
 * with O_NONBLOCK fail with EWOULDBLOCK where a plain open would wait for the
 * lease to be broken. Wait as a plain open would, without ever blocking on a
 * FIFO: open the path with O_PATH (no open of the file itself, so no lease
 * break and no FIFO wait), check that this inode is a regular file, and open
 * that same inode again through /proc/self/fd without O_NONBLOCK (the path is
 * not looked up again, so it cannot have become a FIFO meanwhile). Without
 * O_PATH or a mounted /proc the lease cannot be waited for safely: the open
 * fails with PMMF_E_SHARING, EWOULDBLOCK kept. A non-regular inode is
 * PMMF_E_INVALID (EWOULDBLOCK kept). */
static int open_leased(int *out, const char *path, int flags)
{
#ifdef O_PATH
  char proc[48];
  struct stat st;
  int pfd, fd, err;

  do
    pfd = os_open(path, O_PATH | O_CLOEXEC, 0);
  while (pfd < 0 && errno == EINTR);
  if (pfd < 0)
    return pmmf__posix_fail(errno);
  if (os_fstat(pfd, &st) != 0) {
    err = errno;
    os_close(pfd);
    return pmmf__posix_fail(err);
  }
  if (!S_ISREG(st.st_mode)) {
    os_close(pfd);
    return pmmf__fail(EWOULDBLOCK, PMMF_E_INVALID);
  }
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
  /* Blocks until the lease holder lets go (or the kernel's lease-break-time
   * runs out), as a plain open does; a signal only restarts the wait. */
  do
    fd = os_open(proc, flags & ~O_NONBLOCK, 0);
  while (fd < 0 && errno == EINTR);
  err = errno;
  os_close(pfd);
  if (fd >= 0) {
    *out = fd;
    return PMMF_OK;
  }
  if (err != ENOENT)
    return pmmf__posix_fail(err);
  /* ENOENT: no /proc. */
#else
  (void)out;
  (void)path;
  (void)flags;
#endif
  return pmmf__fail(EWOULDBLOCK, PMMF_E_SHARING);
}

/* A failed open(2) in the open path. ENXIO there means the path is no
 * regular file: a socket, a device without its hardware, /dev/tty without a
 * controlling terminal. */
static int open_failure(int err)
{
  if (err == ENXIO)
    return pmmf__fail(err, PMMF_E_INVALID);
  return pmmf__posix_fail(err);
}

/* Open `path` into *out, creating it if asked; *created says whether this
 * call did. Files are created with O_EXCL only, so never through a symbolic
 * link: a link to nothing is followed by the plain open (ENOENT) but not by
 * the exclusive create (EEXIST). Once that has repeated CREATE_RACES times it
 * is no race but such a link, and the answer is EEXIST (PMMF_E_EXISTS). A
 * file this call creates is new: no FIFO, no lease. */
static int open_path(int *out, const char *path, unsigned flags, int *created)
{
  int base = O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
             ((flags & PMMF_OPEN_WRITE) ? O_RDWR : O_RDONLY);
  int fd, races = 0;

  *created = 0;
  for (;;) {
    if (!(flags & PMMF_OPEN_CREATE_NEW)) {
      fd = os_open(path, base, 0);
      if (fd >= 0) {
        *out = fd;
        return PMMF_OK;
      }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return open_leased(out, path, base);
      if (errno != ENOENT || !(flags & PMMF_OPEN_CREATE))
        return open_failure(errno);
    }
    fd = os_open(path, base | O_CREAT | O_EXCL, 0666);
    if (fd >= 0) {
      *created = 1;
      *out = fd;
      return PMMF_OK;
    }
    /* EINTR, or a race lost to another creator: try again. */
    if (errno == EINTR)
      continue;
    if (errno == EEXIST && !(flags & PMMF_OPEN_CREATE_NEW) && ++races < CREATE_RACES)
      continue;
    return open_failure(errno);
  }
}

/* An open on its way: the descriptor, whether this open created the file,
 * the flock it holds (0, LOCK_SH or LOCK_EX), and whether another open had
 * locked the new file before this one tried (it is then that open's file as
 * much as this one's). */
struct opening {
  int fd;
  int created;
  int held;
  int contended;
};

/* Take the open's lock, never waiting: LOCK_EX for an exclusive open, else
 * LOCK_SH. A file system without flock is fine for a shared open (nothing
 * held); an exclusive one then fails with PMMF_E_UNSUPPORTED. */
static int lock_file(struct opening *o, unsigned flags)
{
  int op = (flags & PMMF_OPEN_EXCLUSIVE) ? LOCK_EX : LOCK_SH;

  /* PMMF_OPEN_NOLOCK: no part in EXCLUSIVE conflicts, no flock. */
  if (flags & PMMF_OPEN_NOLOCK)
    return PMMF_OK;
  while (os_flock(o->fd, op | LOCK_NB) != 0) {
    if (errno == EINTR)
      continue;
    if (errno == EWOULDBLOCK) {
      o->contended = 1;
      return pmmf__fail(errno, PMMF_E_SHARING);
    }
    if ((errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS) &&
        !(flags & PMMF_OPEN_EXCLUSIVE))
      return PMMF_OK;
    return pmmf__fail(errno, errno == ENOLCK ? PMMF_E_UNSUPPORTED
                                               : pmmf__os_translate_error(errno));
  }
  o->held = op;
  return PMMF_OK;
}

/* Close an open that failed. A file it created is removed again only when
 * that cannot take it from anyone else: while this open holds LOCK_EX on it
 * (taken now if it held less), so no other libportmmf open holds it; no other
 * open had locked it first; and it is still linked (the path is still this
 * file) and still empty (nobody wrote to it in between). An open that had
 * opened the file but not locked it yet gets its lock once this one closes,
 * finds the file unlinked and opens the path again (pmmf__os_file_open).
 * Anything else - another open was first, flock does not work on this file
 * system, the file changed - leaves the new, empty file in place rather than
 * risk removing someone else's. */
static void discard(struct opening *o, const char *path)
{
  long first = pmmf__last_error_get();
  struct stat st;
  int r;

  if (o->created && !o->contended) {
    if (o->held != LOCK_EX) {
      do
        r = os_flock(o->fd, LOCK_EX | LOCK_NB);
      while (r != 0 && errno == EINTR);
      o->held = r == 0 ? LOCK_EX : 0;
    }
    if (o->held == LOCK_EX && os_fstat(o->fd, &st) == 0 && st.st_nlink > 0 &&
        st.st_size == 0)
      os_unlink(path);
  }
  os_close(o->fd);
  pmmf__last_error_set(first);
}

int pmmf__os_file_open(pmmf__handle *out, const char *path_utf8, unsigned flags, int *created_out)
{
  uint64_t size;
  return pmmf__os_file_open_sized(out, path_utf8, flags, created_out, &size);
}

int pmmf__os_file_open_sized(pmmf__handle *out, const char *path_utf8, unsigned flags,
                             int *created_out, uint64_t *size)
{
  struct opening o;
  struct stat st;
  dev_t gone_dev = 0;
  ino_t gone_ino = 0;
  int status, gone = 0;

  for (;;) {
    o.fd = -1;
    o.created = o.held = o.contended = 0;
    status = open_path(&o.fd, path_utf8, flags, &o.created);
    if (status != PMMF_OK)
      return status;

    status = lock_file(&o, flags);
    if (status != PMMF_OK) {
      /* Something that is no regular file says so, whatever its lock did. */
      if (os_fstat(o.fd, &st) == 0 && !S_ISREG(st.st_mode))
        status = pmmf__reject(PMMF_E_INVALID);
      goto fail;
    }

    /* One fstat, once the lock is held, for both checks. O_NONBLOCK only
     * kept a FIFO from blocking the open; regular files ignore it. */
    if (os_fstat(o.fd, &st) != 0) {
      status = pmmf__posix_fail(errno);
      goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
      status = pmmf__reject(PMMF_E_INVALID);
      goto fail;
    }
    if (st.st_nlink > 0)
      break;
    /* The file was unlinked between the open and the lock: by a creator
     * whose open failed (discard), or by anyone. It is no longer the file at
     * the path: open the path again. Only a path that names an unlinked file
     * itself (/proc/self/fd/N) gives the same one twice: it is then that
     * file. */
    if (gone && st.st_dev == gone_dev && st.st_ino == gone_ino)
      break;
    if (gone++ == UNLINKED_RETRIES) {
      status = pmmf__fail(ENOENT, PMMF_E_NOT_FOUND);
      goto fail;
    }
    gone_dev = st.st_dev;
    gone_ino = st.st_ino;
    os_close(o.fd);
  }

  *out = o.fd;
  *created_out = o.created;
  *size = (uint64_t)st.st_size;
  return PMMF_OK;

fail:
  discard(&o, path_utf8);
  return status;
}

/* An adopted descriptor: every check is made on the caller's descriptor
 * before anything is created, so a refusal leaves nothing to undo but the
 * duplicate's lock. EBADF (not an open descriptor) is bad input. */
int pmmf__os_file_adopt(pmmf__handle *out, pmmf__handle native, unsigned flags)
{
  struct opening o;
  struct stat st;
  int fd = (int)native, mode, status;

  if ((pmmf__handle)fd != native || fd < 0)
    return pmmf__reject(PMMF_E_INVALID);
  if (os_fstat(fd, &st) != 0)
    return errno == EBADF ? pmmf__fail(errno, PMMF_E_INVALID) : pmmf__posix_fail(errno);
  mode = os_fcntl(fd, F_GETFL, 0);
  if (mode < 0)
    return errno == EBADF ? pmmf__fail(errno, PMMF_E_INVALID) : pmmf__posix_fail(errno);
#ifdef O_PATH
  /* A path-only descriptor: no I/O at all, so no access to map with. */
  if (mode & O_PATH)
    return pmmf__fail(EBADF, PMMF_E_ACCESS);
#endif
  if (!S_ISREG(st.st_mode))
    return pmmf__reject(PMMF_E_INVALID);
  /* Mapping reads even for WRITE access: a write-only descriptor serves
   * neither. */
  mode &= O_ACCMODE;
  if (mode == O_WRONLY || ((flags & PMMF_OPEN_WRITE) && mode != O_RDWR))
    return pmmf__fail(EACCES, PMMF_E_ACCESS);

  do
    o.fd = os_fcntl(fd, F_DUPFD_CLOEXEC, 0);
  while (o.fd < 0 && errno == EINTR);
  if (o.fd < 0)
    return errno == EMFILE || errno == ENFILE ? pmmf__fail(errno, PMMF_E_NO_MEMORY)
                                              : pmmf__posix_fail(errno);
  if (flags & PMMF_OPEN_EXCLUSIVE) {
    o.created = o.held = o.contended = 0;
    status = lock_file(&o, flags);
    if (status != PMMF_OK) {
      long first = pmmf__last_error_get();
      os_close(o.fd);
      pmmf__last_error_set(first);
      return status;
    }
  }
  *out = o.fd;
  return PMMF_OK;
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
 * own size gives them back). Only where fallocate can reserve (Linux). */
#ifdef FALLOC_FL_KEEP_SIZE
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
#endif

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

/* Local Linux file systems whose mapped pages are the page cache that pwrite
 * writes (statfs f_type): ext2/3/4, XFS, Btrfs, tmpfs, F2FS. Not FUSE (a
 * direct-I/O open bypasses the cache), nor network file systems (NFS, SMB,
 * 9p, Ceph: the server's copy is not the mapped one), nor anything unknown. */
static int coherent_file_system(unsigned long type)
{
  switch (type) {
  case 0xEF53UL:     /* EXT2/3/4_SUPER_MAGIC */
  case 0x58465342UL: /* XFS_SUPER_MAGIC */
  case 0x9123683EUL: /* BTRFS_SUPER_MAGIC */
  case 0x01021994UL: /* TMPFS_MAGIC */
  case 0xF2F52010UL: /* F2FS_SUPER_MAGIC */
    return 1;
  default:
    return 0;
  }
}

int pmmf__os_file_write_mapped(pmmf__handle file, uint64_t offset, const void *src,
                               size_t length)
{
  int fd = (int)file;
  unsigned long type = 0;
  struct stat st;
  const char *p = src;

  if (offset + length > (uint64_t)INT64_MAX)
    return PMMF_E_UNSUPPORTED;
  if (os_fstatfs_type(fd, &type) != 0 || !coherent_file_system(type))
    return PMMF_E_UNSUPPORTED;
  /* Never extend: a file shrunk under the view (by another handle) is left
   * to the copy, which faults there (PMMF_E_IO). */
  if (os_fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size < offset + length)
    return PMMF_E_UNSUPPORTED;
  while (length > 0) {
    ssize_t n = os_pwrite(fd, p, length, (off_t)offset);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return pmmf__fail(errno, PMMF_E_IO);
    }
    if (n == 0)
      return pmmf__fail(EIO, PMMF_E_IO);
    p += n;
    offset += (uint64_t)n;
    length -= (size_t)n;
  }
  return PMMF_OK;
}
