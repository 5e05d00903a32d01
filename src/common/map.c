/* SPDX-License-Identifier: MIT */
/*
 * map.c - pmmf_map_file and pmmf_map_anonymous: the size rules (0 = the
 * file's size, empty file -> PMMF_E_EMPTY, larger only with PMMF_MAP_GROW on
 * WRITE, extend-only and reserving storage unless sparse, with nothing that can
 * fail after the growth), access against the file's open mode, the map's
 * lifetime (its views keep it alive), and pmmf_map_grow with the small state
 * machine (map->users) that keeps it apart from views being made.
 */
#include "rules.h"

/* Every field of a new map, whether allocated alone or inside a
 * pmmf_map_path block (`embedded`). */
static void map_init(pmmf_map *map, uint64_t size, pmmf_access access, int kind, int embedded)
{
  map->file = NULL;
  map->size = size;
  map->access = access;
  map->kind = kind;
  map->embedded = embedded;
  map->sparse = 0;
  map->os.page = 0;
  map->os.large = PMMF_LARGE_PAGES_NONE;
  atomic_init(&map->refs, 1);
  atomic_init(&map->users, 0);
}

int pmmf__map_new(pmmf_map **out, uint64_t size, pmmf_access access, int kind)
{
  pmmf_map *map = pmmf__malloc(sizeof *map);
  if (!map)
    return pmmf__no_memory();
  map_init(map, size, access, kind, 0);
  *out = map;
  return PMMF_OK;
}

static int map_file_counted(pmmf_map **out, pmmf_file *file, uint64_t size,
                            pmmf_access access, unsigned flags, const uint64_t *known,
                            pmmf_map *storage);

/* The map is counted in file->maps before the file's size is read (so no
 * pmmf_file_resize can change it meanwhile) and uncounted if it fails. */
int pmmf_map_file(pmmf_map **out, pmmf_file *file, uint64_t size, pmmf_access access,
                  unsigned flags)
{
  int status;

  if (!out || !file || !pmmf__access_valid(access) ||
      (flags & ~(unsigned)(PMMF_MAP_GROW | PMMF_MAP_SPARSE)))
    return pmmf__reject(PMMF_E_INVALID);
  if ((flags & PMMF_MAP_GROW) && access != PMMF_ACCESS_WRITE)
    return pmmf__reject(PMMF_E_INVALID);
  if ((flags & PMMF_MAP_SPARSE) && !(flags & PMMF_MAP_GROW))
    return pmmf__reject(PMMF_E_INVALID);
  if (access == PMMF_ACCESS_WRITE && !(file->flags & PMMF_OPEN_WRITE))
    return pmmf__reject(PMMF_E_ACCESS);
  if (size > (uint64_t)INT64_MAX)
    return pmmf__reject(PMMF_E_RANGE);

  pmmf__file_maps_enter(file);
  status = map_file_counted(out, file, size, access, flags, NULL, NULL);
  if (status != PMMF_OK)
    pmmf__file_maps_leave(file);
  return status;
}

/* The caller (pmmf_map_path) made `file` itself a moment ago and nobody else
 * holds it, so no resize can have run in between: the open's size is the
 * size now. */
int pmmf__map_file_whole(pmmf_map *storage, pmmf_file *file, uint64_t known_size,
                         pmmf_access access)
{
  pmmf_map *map;
  int status;

  if (access == PMMF_ACCESS_WRITE && !(file->flags & PMMF_OPEN_WRITE))
    return pmmf__reject(PMMF_E_ACCESS);
  pmmf__file_maps_enter(file);
  status = map_file_counted(&map, file, 0, access, 0, &known_size, storage);
  if (status != PMMF_OK)
    pmmf__file_maps_leave(file);
  return status;
}

static int map_file_counted(pmmf_map **out, pmmf_file *file, uint64_t size,
                            pmmf_access access, unsigned flags, const uint64_t *known,
                            pmmf_map *storage)
{
  pmmf_map *map;
  uint64_t file_size;
  int grown = 0;
  int status;

  if (known)
    file_size = *known;
  else if ((status = pmmf__os_file_size(file->handle, &file_size)) != PMMF_OK)
    return status;
  if (size == 0) {
    if (file_size == 0)
      return pmmf__reject(PMMF_E_EMPTY);
    size = file_size;
  } else if (size > file_size) {
    if (!(flags & PMMF_MAP_GROW))
      return pmmf__reject(PMMF_E_RANGE);
    grown = 1;
  }

  if (storage) {
    map = storage;
    map_init(map, size, access, PMMF__MAP_FILE, 1);
  } else if ((status = pmmf__map_new(&map, size, access, PMMF__MAP_FILE)) != PMMF_OK) {
    return status;
  }
  map->sparse = (flags & PMMF_MAP_SPARSE) != 0;
  /* The growth comes last and nothing can fail after it, so there is never
   * a size to restore (restoring the stale file_size would cut a file that
   * someone else grew meanwhile). */
  if (grown)
    status = pmmf__os_map_file_grow(&map->os, file->handle, file_size, size,
                                    (flags & PMMF_MAP_SPARSE) ||
                                      (file->flags & PMMF_OPEN_SPARSE));
  else
    status = pmmf__os_map_file(&map->os, file->handle, size, access);
  if (status != PMMF_OK) {
    if (!storage)
      pmmf__free(map);
    return status;
  }

  map->file = file;
  atomic_fetch_add(&file->refs, 1);
  *out = map;
  return PMMF_OK;
}

int pmmf_map_anonymous(pmmf_map **out, uint64_t size, unsigned flags)
{
  pmmf_map *map;
  int status;

  if (!out || size == 0 || (flags & ~(unsigned)(PMMF_MAP_SPARSE | PMMF_MAP_LARGE_PAGES)))
    return pmmf__reject(PMMF_E_INVALID);
  if (size > (uint64_t)INT64_MAX)
    return pmmf__reject(PMMF_E_TOO_LARGE);

  status = pmmf__map_new(&map, size, PMMF_ACCESS_WRITE, PMMF__MAP_ANONYMOUS);
  if (status != PMMF_OK)
    return status;
  map->sparse = (flags & PMMF_MAP_SPARSE) != 0;
  if (flags & PMMF_MAP_LARGE_PAGES)
    status = pmmf__os_map_anonymous_large(&map->os, size, (flags & PMMF_MAP_SPARSE) != 0);
  else
    status = pmmf__os_map_anonymous(&map->os, size, (flags & PMMF_MAP_SPARSE) != 0);
  if (status != PMMF_OK) {
    pmmf__free(map);
    return status;
  }
  *out = map;
  return PMMF_OK;
}

/* map->users is a small state machine, as file->maps is: n >= 0 calls
 * reading the map's size or OS object (a view being made or extended), or
 * PMMF__MAP_GROWING while one pmmf_map_grow changes them. Each side waits
 * for the other (a bounded wait: one or two OS calls), so a view never sees a
 * size whose OS object is not there yet, and a growth never replaces the OS
 * object under a view being mapped from it. */
void pmmf__map_enter(pmmf_map *map)
{
  long count = atomic_load(&map->users);

  for (;;) {
    if (count == PMMF__MAP_GROWING) {
      pmmf__os_sleep_ms(0);
      count = atomic_load(&map->users);
    } else if (atomic_compare_exchange_weak(&map->users, &count, count + 1)) {
      return;
    }
  }
}

void pmmf__map_leave(pmmf_map *map)
{
  atomic_fetch_sub(&map->users, 1);
}

uint64_t pmmf__map_size(pmmf_map *map)
{
  uint64_t size;

  pmmf__map_enter(map);
  size = map->size;
  pmmf__map_leave(map);
  return size;
}

/* Claim the map for a growth: waits for the calls counted in it to leave,
 * and for another growth to end. */
static void map_grow_claim(pmmf_map *map)
{
  long count = 0;

  while (!atomic_compare_exchange_weak(&map->users, &count, PMMF__MAP_GROWING)) {
    pmmf__os_sleep_ms(0);
    count = 0;
  }
}

/* The growth itself, with the map claimed: a file map grows its file from
 * its size now (extend-only: a file already large enough keeps its size), a
 * memory map its object from the map's size. The new size is recorded only
 * once the OS object has it. */
static int map_grow_claimed(pmmf_map *map, uint64_t size)
{
  uint64_t from = map->size;
  pmmf__handle file = -1;
  int sparse = map->sparse;
  int status;

  if (map->kind == PMMF__MAP_FILE) {
    file = map->file->handle;
    sparse = sparse || (map->file->flags & PMMF_OPEN_SPARSE);
    status = pmmf__os_file_size(file, &from);
    if (status != PMMF_OK)
      return status;
  }
  status = pmmf__os_map_grow(&map->os, map->kind, file, from, size, sparse);
  if (status == PMMF_OK)
    map->size = size;
  return status;
}

int pmmf_map_grow(pmmf_map *map, uint64_t size)
{
  int status;

  if (!map)
    return pmmf__reject(PMMF_E_INVALID);
  if (map->access != PMMF_ACCESS_WRITE)
    return pmmf__reject(PMMF_E_ACCESS);
  if (size > (uint64_t)INT64_MAX)
    return pmmf__reject(map->kind == PMMF__MAP_ANONYMOUS ? PMMF_E_TOO_LARGE : PMMF_E_RANGE);
  /* A map of reserved large pages holds whole large pages from a pool: it
   * does not grow (PMMF_MAP_LARGE_PAGES' rows in docs/behavior.md). */
  if (map->os.page)
    return pmmf__reject(PMMF_E_UNSUPPORTED);

  map_grow_claim(map);
  if (size < map->size)
    status = pmmf__reject(PMMF_E_RANGE); /* a map never shrinks */
  else if (size == map->size)
    status = PMMF_OK;
  else
    status = map_grow_claimed(map, size);
  atomic_store(&map->users, 0);
  return status;
}

/* The map's size can change (pmmf_map_grow) while this reads it: counted as
 * a user like the calls that make views. The count is the map's mutable
 * bookkeeping, not its state: the const is kept for every other field. */
uint64_t pmmf_map_size(const pmmf_map *map)
{
  return map ? pmmf__map_size((pmmf_map *)(uintptr_t)map) : 0;
}

enum pmmf_large_pages pmmf_map_large_pages(const pmmf_map *map)
{
  return map ? (enum pmmf_large_pages)map->os.large : PMMF_LARGE_PAGES_NONE;
}

size_t pmmf_large_page_size(void)
{
  return pmmf__os_large_page_size();
}

int pmmf_map_native_handle(const pmmf_map *map, pmmf_native_handle *handle)
{
  if (!map || !handle)
    return pmmf__reject(PMMF_E_INVALID);
  *handle = (pmmf_native_handle)map->os.handle;
  return PMMF_OK;
}

int pmmf__map_release(pmmf_map *map)
{
  int status = PMMF_OK;

  if (atomic_fetch_sub(&map->refs, 1) == 1) {
    status = pmmf__os_map_close(&map->os);
    if (map->file) {
      long error = status == PMMF_OK ? 0 : pmmf__last_error_get();
      pmmf__file_maps_leave(map->file);
      /* The last map of a closed file closes it: a failure there (close()
       * reporting a failed write-back) is this call's to report, after a
       * failure of the map's own. */
      status = pmmf__first_failure(status, error, pmmf__file_release(map->file));
    }
    if (!map->embedded)
      pmmf__free(map);
  }
  return status;
}

int pmmf_map_close(pmmf_map *map)
{
  return map ? pmmf__map_release(map) : PMMF_OK;
}
