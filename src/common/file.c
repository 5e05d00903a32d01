/*
 * file.c - pmmf_file_*: flag checks, truncation after a successful open (so
 * an exclusive-access conflict truncates nothing), and the file's lifetime:
 * maps keep it open after pmmf_file_close until they are gone too.
 */
#include "rules.h"

#define PMMF__OPEN_KNOWN                                                                   \
  (PMMF_OPEN_READ | PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_CREATE_NEW |           \
   PMMF_OPEN_TRUNCATE | PMMF_OPEN_EXCLUSIVE)

int pmmf_file_open(pmmf_file **out, const char *path_utf8, unsigned flags)
{
  pmmf_file *file;
  pmmf__handle handle;
  int created = 0;
  int status;

  if (!out || !path_utf8 || !*path_utf8 || (flags & ~(unsigned)PMMF__OPEN_KNOWN))
    return pmmf__reject(PMMF_E_INVALID);
  if (!(flags & (PMMF_OPEN_READ | PMMF_OPEN_WRITE)))
    return pmmf__reject(PMMF_E_INVALID);
  if ((flags & PMMF_OPEN_TRUNCATE) && !(flags & PMMF_OPEN_WRITE))
    return pmmf__reject(PMMF_E_INVALID);

  file = pmmf__malloc(sizeof *file);
  if (!file)
    return pmmf__no_memory();

  status = pmmf__os_file_open(&handle, path_utf8, flags, &created);
  if (status != PMMF_OK) {
    pmmf__free(file);
    return status;
  }
  if ((flags & PMMF_OPEN_TRUNCATE) && !created) {
    status = pmmf__os_file_resize(handle, 0);
    if (status != PMMF_OK) {
      long first = pmmf__last_error_get();
      pmmf__os_file_close(handle);
      pmmf__last_error_set(first);
      pmmf__free(file);
      return status;
    }
  }

  file->handle = handle;
  file->flags = flags;
  atomic_init(&file->refs, 1);
  atomic_init(&file->maps, 0);
  *out = file;
  return PMMF_OK;
}

int pmmf_file_size(pmmf_file *file, uint64_t *size)
{
  uint64_t value;
  int status;

  if (!file || !size)
    return pmmf__reject(PMMF_E_INVALID);
  status = pmmf__os_file_size(file->handle, &value);
  if (status == PMMF_OK)
    *size = value;
  return status;
}

int pmmf_file_resize(pmmf_file *file, uint64_t size)
{
  if (!file)
    return pmmf__reject(PMMF_E_INVALID);
  if (!(file->flags & PMMF_OPEN_WRITE))
    return pmmf__reject(PMMF_E_ACCESS);
  if (atomic_load(&file->maps) > 0)
    return pmmf__reject(PMMF_E_BUSY);
  if (size > (uint64_t)INT64_MAX)
    return pmmf__reject(PMMF_E_RANGE);
  return pmmf__os_file_resize(file->handle, size);
}

int pmmf__file_release(pmmf_file *file)
{
  int status = PMMF_OK;

  if (atomic_fetch_sub(&file->refs, 1) == 1) {
    status = pmmf__os_file_close(file->handle);
    pmmf__free(file);
  }
  return status;
}

int pmmf_file_close(pmmf_file *file)
{
  return file ? pmmf__file_release(file) : PMMF_OK;
}
