/* SPDX-License-Identifier: MIT */
/*
 * file.c - pmmf_file_*: flag checks, truncation after a successful open (so
 * an exclusive-access conflict truncates nothing), the file's lifetime (maps
 * keep it open after pmmf_file_close until they are gone too), and the count
 * of its maps that keeps pmmf_file_resize and pmmf_map_file apart.
 */
#include "rules.h"

#define PMMF__OPEN_KNOWN                                                                   \
  (PMMF_OPEN_READ | PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_CREATE_NEW |           \
   PMMF_OPEN_TRUNCATE | PMMF_OPEN_EXCLUSIVE | PMMF_OPEN_SPARSE | PMMF_OPEN_NOLOCK)

int pmmf_file_open(pmmf_file **out, const char *path_utf8, unsigned flags)
{
  return pmmf__file_open(out, path_utf8, flags, NULL, NULL);
}

int pmmf__file_open(pmmf_file **out, const char *path_utf8, unsigned flags, uint64_t *size,
                    pmmf_file *storage)
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
  if ((flags & PMMF_OPEN_NOLOCK) && (flags & PMMF_OPEN_EXCLUSIVE))
    return pmmf__reject(PMMF_E_INVALID);

  file = storage ? storage : pmmf__malloc(sizeof *file);
  if (!file)
    return pmmf__no_memory();

  status = size ? pmmf__os_file_open_sized(&handle, path_utf8, flags, &created, size)
              : pmmf__os_file_open(&handle, path_utf8, flags, &created);
  if (status != PMMF_OK) {
    if (!storage)
      pmmf__free(file);
    return status;
  }
  if ((flags & PMMF_OPEN_TRUNCATE) && !created) {
    status = pmmf__os_file_resize(handle, 0);
    if (status != PMMF_OK) {
      long first = pmmf__last_error_get();
      pmmf__os_file_close(handle);
      pmmf__last_error_set(first);
      if (!storage)
        pmmf__free(file);
      return status;
    }
    if (size)
      *size = 0;
  }

  file->handle = handle;
  file->flags = flags;
  atomic_init(&file->refs, 1);
  atomic_init(&file->maps, 0);
  file->embedded = storage != NULL;
  *out = file;
  return PMMF_OK;
}

/* An adopted handle: the open already happened, so CREATE, CREATE_NEW and
 * TRUNCATE do not apply; the backend duplicates it. */
int pmmf_file_open_native(pmmf_file **out, pmmf_native_handle native, unsigned flags)
{
  pmmf_file *file;
  pmmf__handle handle;
  int status;

  if (!out || native == PMMF_NATIVE_HANDLE_INVALID ||
      (flags & ~(unsigned)(PMMF_OPEN_READ | PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE |
                           PMMF_OPEN_SPARSE)) ||
      !(flags & (PMMF_OPEN_READ | PMMF_OPEN_WRITE)))
    return pmmf__reject(PMMF_E_INVALID);

  file = pmmf__malloc(sizeof *file);
  if (!file)
    return pmmf__no_memory();
  status = pmmf__os_file_adopt(&handle, (pmmf__handle)native, flags);
  if (status != PMMF_OK) {
    pmmf__free(file);
    return status;
  }
  file->handle = handle;
  file->flags = flags;
  atomic_init(&file->refs, 1);
  atomic_init(&file->maps, 0);
  file->embedded = 0;
  *out = file;
  return PMMF_OK;
}

int pmmf_file_native_handle(const pmmf_file *file, pmmf_native_handle *handle)
{
  if (!file || !handle)
    return pmmf__reject(PMMF_E_INVALID);
  *handle = (pmmf_native_handle)file->handle;
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

/* file->maps is a small state machine: n >= 0 maps alive or being made, or
 * PMMF__FILE_RESIZING while one pmmf_file_resize runs its OS call. A map is
 * counted before it reads the file's size, and a resize claims the file only
 * when the count is 0, so a map never sees a size that a resize is about to
 * change: the resize is refused (PMMF_E_BUSY) or the map waits for it (one
 * OS call) and sees the new size. */
void pmmf__file_maps_enter(pmmf_file *file)
{
  long count = atomic_load(&file->maps);

  for (;;) {
    if (count == PMMF__FILE_RESIZING) {
      pmmf__os_sleep_ms(0);
      count = atomic_load(&file->maps);
    } else if (atomic_compare_exchange_weak(&file->maps, &count, count + 1)) {
      return;
    }
  }
}

void pmmf__file_maps_leave(pmmf_file *file)
{
  atomic_fetch_sub(&file->maps, 1);
}

/* Claim the file for a resize: PMMF_E_BUSY while a map is alive or being
 * made; another resize in progress is waited for (one OS call). */
static int file_resize_claim(pmmf_file *file)
{
  long count = 0;

  while (!atomic_compare_exchange_weak(&file->maps, &count, PMMF__FILE_RESIZING)) {
    if (count > 0)
      return PMMF_E_BUSY;
    if (count == PMMF__FILE_RESIZING) {
      pmmf__os_sleep_ms(0);
      count = 0;
    }
  }
  return PMMF_OK;
}

int pmmf_file_resize(pmmf_file *file, uint64_t size)
{
  uint64_t current;
  int status;

  if (!file)
    return pmmf__reject(PMMF_E_INVALID);
  if (!(file->flags & PMMF_OPEN_WRITE))
    return pmmf__reject(PMMF_E_ACCESS);
  if (file_resize_claim(file) != PMMF_OK)
    return pmmf__reject(PMMF_E_BUSY);
  if (size > (uint64_t)INT64_MAX)
    status = pmmf__reject(PMMF_E_RANGE);
  else
    status = pmmf__os_file_size(file->handle, &current);
  /* Growth reserves its storage (unless the file was opened SPARSE) and
   * only extends; shrinking is the plain resize. */
  if (status == PMMF_OK && size > current)
    status = pmmf__os_file_grow(file->handle, current, size,
                                (file->flags & PMMF_OPEN_SPARSE) != 0);
  else if (status == PMMF_OK)
    status = pmmf__os_file_resize(file->handle, size);
  atomic_store(&file->maps, 0);
  return status;
}

int pmmf__file_release(pmmf_file *file)
{
  int status = PMMF_OK;

  if (atomic_fetch_sub(&file->refs, 1) == 1) {
    status = pmmf__os_file_close(file->handle);
    if (!file->embedded)
      pmmf__free(file);
  }
  return status;
}

int pmmf_file_close(pmmf_file *file)
{
  return file ? pmmf__file_release(file) : PMMF_OK;
}
