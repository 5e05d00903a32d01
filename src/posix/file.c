/*
 * file.c - POSIX files: open (close-on-exec, regular files only), size,
 * resize, sync and close, and PMMF_OPEN_EXCLUSIVE through flock: every open
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
