/* SPDX-License-Identifier: MIT */
/*
 * shm.c - named shared memory on POSIX: shm_open("/<name>") objects, created
 * with O_EXCL, mode 0600 whatever the umask, sized with their storage
 * reserved (pmmf__posix_grow; removed again if that fails), opened read-only for READ and COPY maps, close-on-exec
 * always; shm_unlink; and the sleep the common layer's bounded wait uses.
 * An object found under the name is used only if it is a regular object of
 * the caller's effective uid with no group or other permission bits (the
 * name space is world-writable: anyone can plant a name first). A creator
 * holds flock(LOCK_EX) on a new object from shm_open until it is sized, so an
 * unsized object nobody holds locked is one whose creator died: it counts as
 * missing, and creating over it takes it over.
 */
#include "posix.h"

#include <string.h>

/* An internal answer (statuses are 0 or negative): the name changed under
 * the call (an object vanished, or another process took over or finished the
 * one being looked at): start again. */
#define SHM_AGAIN 1
/* At most that many new starts (each needs another process to change the
 * name in between), then PMMF_E_BUSY. */
#define SHM_MAX_STARTS 100

/* Linux's shm_open is open() on /dev/shm, where a co-tenant can plant a FIFO
 * under the name: O_NONBLOCK keeps an open for reading from blocking (glibc
 * passes it through to open; musl adds it itself). Other systems keep their
 * objects in a name space of their own and may refuse the flag. */
#ifdef __linux__
#  define SHM_NONBLOCK O_NONBLOCK
#else
#  define SHM_NONBLOCK 0
#endif

/* The common layer allows at most 30 characters: with the slash and the
 * terminator the OS name fits 32 bytes (and macOS's PSHMNAMLEN, 31). */
static void object_path(char path[32], const char *name)
{
  path[0] = '/';
  strncpy(path + 1, name, 30);
  path[31] = '\0';
}

/* flock, retrying EINTR: 0, or the errno. */
static int lock(int fd, int operation)
{
  int r;
  do
    r = os_flock(fd, operation);
  while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : errno;
}

/* Errors of a system that cannot lock these objects (macOS shm): the
 * half-created state is then only waited for, never recovered. */
static int lock_unsupported(int err)
{
  return err == EOPNOTSUPP || err == ENOTSUP || err == ENOSYS || err == EINVAL;
}

/* What may be used: a regular object (macOS reports shm objects with no file
 * type at all) of the caller's effective uid, readable and writable only by
 * it. Anything else under the name was put there by someone else. */
static int object_check(struct stat *st, int fd)
{
  mode_t type;

  if (os_fstat(fd, st) != 0)
    return pmmf__posix_fail(errno);
  type = st->st_mode & S_IFMT;
#ifdef __APPLE__
  if (type != S_IFREG && type != 0)
#else
  if (type != S_IFREG)
#endif
    return pmmf__reject(PMMF_E_INVALID);
  if (st->st_uid != os_geteuid() || (st->st_mode & 077) != 0)
    return pmmf__reject(PMMF_E_ACCESS);
  return PMMF_OK;
}

/* Another process holds the object's lock: its creator, or another process
 * taking it over (`fd` is left open). */
#define SHM_LOCKED 2

/* Finish a creation on `fd` (read-write), a new object (O_EXCL) or one found
 * empty that is taken over if nobody holds its lock: lock it (held by
 * another: SHM_LOCKED), make sure it is still unsized and named (else another
 * process took it over and sized it, or removed it: SHM_AGAIN, `fd` closed,
 * nothing removed), owner-only mode, then the size, then unlock. On failure
 * the object is closed and removed, so nobody can open a half-made one any
 * more. Where objects cannot be locked, nothing is ever taken over. */
static int finish_create(struct pmmf__os_map *out, int fd, const char *path, uint64_t size,
                         int take_over)
{
  struct stat st;
  int err, locked, status;

  err = lock(fd, LOCK_EX | LOCK_NB);
  if (err == EWOULDBLOCK || err == EAGAIN || (take_over && err != 0 && lock_unsupported(err)))
    return SHM_LOCKED;
  if (err != 0 && !lock_unsupported(err)) {
    status = pmmf__posix_fail(err);
    goto fail;
  }
  locked = err == 0;
  if (os_fstat(fd, &st) != 0) {
    status = pmmf__posix_fail(errno);
    goto fail;
  }
  if (locked && (st.st_size != 0 || st.st_nlink == 0)) {
    os_close(fd); /* taken over and sized, or removed, meanwhile */
    return SHM_AGAIN;
  }
  /* The umask can only have taken bits away from 0600: put them back. */
  if ((st.st_mode & 07777) != 0600 && os_fchmod(fd, 0600) != 0) {
    status = pmmf__posix_fail(errno);
    goto fail;
  }
  status = pmmf__posix_grow(fd, 0, size, 0, 1); /* reserved: no SIGBUS later */
  if (status != PMMF_OK)
    goto fail;
  /* Sized: the lock has done its work (closing the map would drop it too). */
  if (locked)
    (void)lock(fd, LOCK_UN);
  out->handle = fd;
  out->owns_handle = 1;
  return PMMF_OK;

fail:
  /* Neither call records an error: the first failure's stays. */
  os_shm_unlink(path);
  os_close(fd);
  return status;
}

/* An object of size 0 under the name, found by OPEN_ONLY: is its creator
 * still at work? Its lock says: held, it is (or this system cannot tell): 0,
 * the caller waits. Free, and still unsized and named: 1, abandoned. Sized
 * meanwhile: 0 with *size set. Removed meanwhile: SHM_AGAIN. */
static int creator_gone(int fd, uint64_t *size)
{
  struct stat st;
  int err, status = 1;

  err = lock(fd, LOCK_SH | LOCK_NB);
  if (err == EWOULDBLOCK || err == EAGAIN || (err != 0 && lock_unsupported(err)))
    return 0;
  if (err != 0)
    return pmmf__posix_fail(err);
  if (os_fstat(fd, &st) != 0)
    status = pmmf__posix_fail(errno);
  else if (st.st_nlink == 0)
    status = SHM_AGAIN;
  else if (st.st_size != 0) {
    *size = (uint64_t)st.st_size;
    status = 0;
  }
  (void)lock(fd, LOCK_UN);
  return status;
}

/* A half-created object, waited for by the common layer: hand it over with
 * size 0 (it closes it again). */
static int half_created(struct pmmf__os_map *out, uint64_t *size_out, int fd, int *created)
{
  out->handle = fd;
  out->owns_handle = 1;
  *size_out = 0;
  *created = 0;
  return PMMF_OK;
}

/* One attempt: PMMF_OK, a failure, or SHM_AGAIN. */
static int shm_open_once(struct pmmf__os_map *out, uint64_t *size_out, const char *path,
                         uint64_t size, pmmf_access access, int mode, int *created)
{
  int open_flags = (access == PMMF_ACCESS_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC | SHM_NONBLOCK;
  uint64_t found;
  struct stat st;
  int fd, status;

  if (mode != PMMF_SHM_OPEN_ONLY) {
    fd = os_shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      status = finish_create(out, fd, path, size, 0);
      if (status == SHM_LOCKED) {
        /* Taken over already (it found the object before this call locked
         * it): it is the other process's now. */
        os_close(fd);
        return SHM_AGAIN;
      }
      if (status == PMMF_OK) {
        *created = 1;
        *size_out = size;
      }
      return status;
    }
    if (errno == EINTR)
      return SHM_AGAIN;
    if (errno != EEXIST)
      return pmmf__posix_fail(errno);
  }
  /* The creating modes may have to take over an empty object: read-write.
   * CREATE_ONLY looks for nothing else (whatever else is there is
   * PMMF_E_EXISTS). */
  if (mode == PMMF_SHM_CREATE_ONLY)
    open_flags = O_RDWR | O_CLOEXEC | SHM_NONBLOCK;
  fd = os_shm_open(path, open_flags, 0);
  if (fd < 0) {
    /* EINTR, or removed since the creation failed: again. */
    if (errno == EINTR || (errno == ENOENT && mode != PMMF_SHM_OPEN_ONLY))
      return SHM_AGAIN;
    if (mode == PMMF_SHM_CREATE_ONLY)
      return pmmf__fail(EEXIST, PMMF_E_EXISTS);
    /* A socket under the name. */
    if (errno == ENXIO)
      return pmmf__fail(ENXIO, PMMF_E_INVALID);
    return pmmf__posix_fail(errno);
  }
  status = object_check(&st, fd);
  found = (uint64_t)st.st_size;
  if (status == PMMF_OK && found == 0 && mode == PMMF_SHM_OPEN_ONLY) {
    /* Abandoned: as if missing. */
    status = creator_gone(fd, &found);
    if (status == 1) {
      os_close(fd);
      return pmmf__fail(ENOENT, PMMF_E_NOT_FOUND);
    }
  } else if (status == PMMF_OK && found == 0) {
    /* The creating modes take it over if nobody holds its lock (its creator
     * died before sizing it), else wait for its creator. */
    if ((open_flags & O_ACCMODE) != O_RDWR) {
      os_close(fd);
      fd = os_shm_open(path, O_RDWR | O_CLOEXEC | SHM_NONBLOCK, 0);
      if (fd < 0)
        return errno == EINTR || errno == ENOENT ? SHM_AGAIN : pmmf__posix_fail(errno);
      status = object_check(&st, fd);
      if (status != PMMF_OK) {
        os_close(fd);
        return status;
      }
    }
    status = finish_create(out, fd, path, size, 1);
    if (status == PMMF_OK) {
      *created = 1;
      *size_out = size;
      return PMMF_OK;
    }
    if (status != SHM_LOCKED)
      return status; /* fd closed */
    if (mode == PMMF_SHM_OPEN_OR_CREATE)
      return half_created(out, size_out, fd, created);
    status = PMMF_OK; /* CREATE_ONLY: a live creator's */
  }
  /* CREATE_ONLY: a live creator's object, a sized one, or one that is not
   * ours is simply there. */
  if (mode == PMMF_SHM_CREATE_ONLY &&
      (status == PMMF_OK || status == PMMF_E_INVALID || status == PMMF_E_ACCESS)) {
    os_close(fd);
    return pmmf__fail(EEXIST, PMMF_E_EXISTS);
  }
  if (status != PMMF_OK) {
    os_close(fd); /* leaves the recorded error alone */
    return status;
  }
  /* The size; 0 while a live creator has not set it yet (the common layer
   * waits). */
  out->handle = fd;
  out->owns_handle = 1;
  *size_out = found;
  *created = 0;
  return PMMF_OK;
}

int pmmf__os_shm_open(struct pmmf__os_map *out, uint64_t *size_out, const char *name,
                      uint64_t size, pmmf_access access, int mode, int *created)
{
  char path[32];
  int starts, status;

  object_path(path, name);
  for (starts = 0; starts < SHM_MAX_STARTS; starts++) {
    status = shm_open_once(out, size_out, path, size, access, mode, created);
    if (status != SHM_AGAIN)
      return status;
  }
  return pmmf__reject(PMMF_E_BUSY);
}

int pmmf__os_shm_unlink(const char *name)
{
  char path[32];

  object_path(path, name);
  if (os_shm_unlink(path) != 0)
    return pmmf__posix_fail(errno);
  return PMMF_OK;
}

void pmmf__os_sleep_ms(unsigned ms)
{
  struct timespec ts;

  ts.tv_sec = (time_t)(ms / 1000u);
  ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
  (void)os_nanosleep(&ts, NULL);
}
