/*
 * shm.c - named shared memory on POSIX: shm_open("/<name>") objects, created
 * with O_EXCL, mode 0600 whatever the umask, sized with ftruncate (and removed
 * again if that fails), opened read-only for READ and COPY maps, close-on-exec
 * always; shm_unlink; and the sleep the common layer's bounded wait uses.
 */
#include "posix.h"

#include <string.h>

/* The common layer allows at most 30 characters: with the slash and the
 * terminator the OS name fits 32 bytes (and macOS's PSHMNAMLEN, 31). */
static void object_path(char path[32], const char *name)
{
  path[0] = '/';
  strncpy(path + 1, name, 30);
  path[31] = '\0';
}

/* Finish a creation: owner-only mode, then the size. On failure the object
 * is closed and removed, so nobody can open a half-made one any more. */
static int finish_create(struct pmmf__os_map *out, int fd, const char *path, uint64_t size)
{
  struct stat st;
  int status;

  if (os_fstat(fd, &st) != 0) {
    status = pmmf__posix_fail(errno);
    goto fail;
  }
  /* The umask can only have taken bits away from 0600: put them back. */
  if ((st.st_mode & 07777) != 0600 && os_fchmod(fd, 0600) != 0) {
    status = pmmf__posix_fail(errno);
    goto fail;
  }
  status = pmmf__posix_grow(fd, 0, size, 0, 1); /* reserved: no SIGBUS later */
  if (status != PMMF_OK)
    goto fail;
  out->handle = fd;
  out->owns_handle = 1;
  return PMMF_OK;

fail:
  /* Neither call records an error: the first failure's stays. */
  os_shm_unlink(path);
  os_close(fd);
  return status;
}

int pmmf__os_shm_open(struct pmmf__os_map *out, uint64_t *size_out, const char *name,
                      uint64_t size, pmmf_access access, int mode, int *created)
{
  int open_flags = (access == PMMF_ACCESS_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC;
  char path[32];
  int fd, status;

  object_path(path, name);
  for (;;) {
    if (mode != PMMF_SHM_OPEN_ONLY) {
      fd = os_shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) {
        status = finish_create(out, fd, path, size);
        if (status == PMMF_OK) {
          *created = 1;
          *size_out = size;
        }
        return status;
      }
      if (errno == EINTR)
        continue;
      if (errno != EEXIST || mode == PMMF_SHM_CREATE_ONLY)
        return pmmf__posix_fail(errno);
    }
    fd = os_shm_open(path, open_flags, 0);
    if (fd >= 0)
      break;
    /* EINTR, or (OPEN_OR_CREATE) removed since the creation failed: again. */
    if (errno == EINTR || (errno == ENOENT && mode == PMMF_SHM_OPEN_OR_CREATE))
      continue;
    return pmmf__posix_fail(errno);
  }

  /* The size; 0 while the creator has not set it yet. */
  status = pmmf__os_file_size(fd, size_out);
  if (status != PMMF_OK) {
    os_close(fd); /* leaves the recorded error alone */
    return status;
  }
  out->handle = fd;
  out->owns_handle = 1;
  *created = 0;
  return PMMF_OK;
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
