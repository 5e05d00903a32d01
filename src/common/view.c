/* SPDX-License-Identifier: MIT */
/*
 * view.c - pmmf_view_*: any byte offset is accepted and rounded down to the
 * native granularity here (the user's pointer is the exact byte asked for),
 * ranges are checked without overflow, access follows the map's, and flush,
 * advise, protect and the copying calls work on ranges relative to the view;
 * views with an address-space reservation (pmmf_view_map_reserve) grow in
 * place inside it (pmmf_view_extend). Every call that reads the map's size
 * or OS object is counted in map->users, so pmmf_map_grow waits for it.
 */
#include "rules.h"

#define PMMF__VIEW_KNOWN ((unsigned)PMMF_VIEW_POPULATE)

/* The rules every view follows: access within the map's, the range inside
 * the map (length 0: to its end), and the rounded mapping within size_t. On
 * success *aligned is the granularity-aligned start and *delta the distance
 * from it to `offset`. */
static int view_check(const pmmf_map *map, uint64_t offset, size_t length, pmmf_access access,
                      uint64_t *aligned, size_t *delta, size_t *wanted)
{
  uint64_t granularity = pmmf__os_granularity();
  uint64_t range = length;
  int status;

  /* Views of a large-page map start on large-page boundaries. */
  if (map->os.page > granularity)
    granularity = map->os.page;

  if (!pmmf__access_allows(map->access, access))
    return pmmf__reject(PMMF_E_ACCESS);
  status = pmmf__range_check(map->size, offset, &range, 1);
  if (status != PMMF_OK)
    return pmmf__reject(status);
  *aligned = pmmf__align_down(offset, granularity);
  *delta = (size_t)(offset - *aligned);
  if (range > (uint64_t)SIZE_MAX - *delta)
    return pmmf__reject(PMMF_E_TOO_LARGE);
  *wanted = (size_t)range;
  return PMMF_OK;
}

/* Every field of a view just mapped at `base` (`mapped` bytes; `reserved`:
 * the address-space reservation around it, or 0), which holds its map. */
static void view_fill(pmmf_view *view, pmmf_map *map, void *base, size_t mapped,
                      size_t reserved, size_t delta, size_t wanted, uint64_t offset,
                      pmmf_access access)
{
  view->map = map;
  view->base = base;
  view->mapped = mapped;
  view->reserved = reserved;
  view->data = (char *)base + delta;
  view->length = wanted;
  view->offset = offset;
  view->created = access;
  view->current = access;
  atomic_fetch_add(&map->refs, 1);
}

/* Map a checked range: `aligned` is the granularity-aligned offset, `delta`
 * the distance from it to the user's byte, `wanted` the user's length. */
static int view_map_checked(pmmf_view *view, pmmf_map *map, uint64_t offset, uint64_t aligned,
                            size_t delta, size_t wanted, pmmf_access access, unsigned flags,
                            void *fixed)
{
  void *base;
  size_t mapped = delta + wanted;
  int status;

  /* A large-page map is mapped in whole large pages (the object has them:
   * it was rounded up when made). */
  if (map->os.page) {
    if (mapped > SIZE_MAX - map->os.page)
      return pmmf__reject(PMMF_E_TOO_LARGE);
    mapped = (size_t)pmmf__align_up(mapped, map->os.page);
  }
  status = pmmf__os_view_map(&base, &map->os, aligned, mapped, access,
                             (flags & PMMF_VIEW_POPULATE) != 0, fixed);
  if (status != PMMF_OK)
    return status;

  view_fill(view, map, base, mapped, 0, delta, wanted, offset, access);
  return PMMF_OK;
}

int pmmf__view_open(pmmf_view *view, pmmf_map *map, uint64_t offset, size_t length,
                    pmmf_access access, unsigned flags, void *fixed)
{
  uint64_t aligned;
  size_t delta, wanted;
  int status;

  pmmf__map_enter(map);
  status = view_check(map, offset, length, access, &aligned, &delta, &wanted);
  if (status == PMMF_OK)
    status = view_map_checked(view, map, offset, aligned, delta, wanted, access, flags, fixed);
  pmmf__map_leave(map);
  return status;
}

int pmmf__view_close(pmmf_view *view)
{
  int status = pmmf__os_view_unmap(view->base, view->reserved ? view->reserved : view->mapped);
  long error = status == PMMF_OK ? 0 : pmmf__last_error_get();
  return pmmf__first_failure(status, error, pmmf__map_release(view->map));
}

/* A view of its own: checked, then allocated, then mapped (so a failure to
 * allocate comes before any OS call). */
static int view_create_entered(pmmf_view **out, pmmf_map *map, uint64_t offset, size_t length,
                               pmmf_access access, unsigned flags, void *fixed)
{
  uint64_t aligned;
  size_t delta, wanted;
  pmmf_view *view;
  int status = view_check(map, offset, length, access, &aligned, &delta, &wanted);

  if (status != PMMF_OK)
    return status;
  view = pmmf__malloc(sizeof *view);
  if (!view)
    return pmmf__no_memory();
  status = view_map_checked(view, map, offset, aligned, delta, wanted, access, flags, fixed);
  if (status != PMMF_OK) {
    pmmf__free(view);
    return status;
  }
  *out = view;
  return PMMF_OK;
}

static int view_create(pmmf_view **out, pmmf_map *map, uint64_t offset, size_t length,
                       pmmf_access access, unsigned flags, void *fixed)
{
  int status;

  pmmf__map_enter(map);
  status = view_create_entered(out, map, offset, length, access, flags, fixed);
  pmmf__map_leave(map);
  return status;
}

/* A view inside a reservation of `reserve` bytes from `offset`: the
 * reservation (the granularity delta plus `reserve`, rounded up to the page)
 * first, then the map's range over its start. A failure releases the
 * reservation. */
static int view_reserve_entered(pmmf_view **out, pmmf_map *map, uint64_t offset, size_t length,
                                size_t reserve, pmmf_access access, unsigned flags)
{
  uint64_t aligned;
  size_t delta, wanted, total, page = pmmf__os_page_size();
  pmmf_view *view;
  void *base;
  int status = view_check(map, offset, length, access, &aligned, &delta, &wanted);

  if (status != PMMF_OK)
    return status;
  /* Reservations are counted in normal pages: not for large-page maps. */
  if (map->os.page)
    return pmmf__reject(PMMF_E_UNSUPPORTED);
  if (reserve < wanted)
    return pmmf__reject(PMMF_E_RANGE);
  if (reserve > SIZE_MAX - delta || delta + reserve > SIZE_MAX - (page - 1))
    return pmmf__reject(PMMF_E_TOO_LARGE);
  total = (size_t)pmmf__align_up(delta + reserve, page);
  view = pmmf__malloc(sizeof *view);
  if (!view)
    return pmmf__no_memory();
  status = pmmf__os_view_reserve(&base, total);
  if (status == PMMF_OK) {
    /* Whole pages (of pmmf__os_page_size, which a test build may report
     * larger than the pages mmap rounds to), so that an extension starts
     * where this mapping ends; inside the reservation, which is rounded so. */
    status = pmmf__os_view_map_over(&map->os, aligned,
                                    (size_t)pmmf__align_up(delta + wanted, page), access, access,
                                    (flags & PMMF_VIEW_POPULATE) != 0, base);
    if (status != PMMF_OK) {
      long first = pmmf__last_error_get();
      (void)pmmf__os_view_unmap(base, total);
      pmmf__last_error_set(first);
    }
  }
  if (status != PMMF_OK) {
    pmmf__free(view);
    return status;
  }
  view_fill(view, map, base, delta + wanted, total, delta, wanted, offset, access);
  *out = view;
  return PMMF_OK;
}

int pmmf_view_map_reserve(pmmf_view **out, pmmf_map *map, uint64_t offset, size_t length,
                          size_t reserve, pmmf_access access, unsigned flags)
{
  int status;

  if (!out || !map || !pmmf__access_valid(access) || (flags & ~PMMF__VIEW_KNOWN))
    return pmmf__reject(PMMF_E_INVALID);
  pmmf__map_enter(map);
  status = view_reserve_entered(out, map, offset, length, reserve, access, flags);
  pmmf__map_leave(map);
  return status;
}

/* The new range [old end, new end) is mapped in whole pages at the page
 * that follows the pages already mapped (the tail of the last one is already
 * there), from the file position that page stands for, up to the page that
 * holds the new end (inside the reservation, which is rounded so). */
static int view_extend_entered(pmmf_view *view, size_t length)
{
  size_t page = pmmf__os_page_size();
  size_t delta = (size_t)(view->data - (char *)view->base);
  uint64_t aligned = view->offset - delta;
  uint64_t range = length;
  size_t mapped_end, new_end;
  int status;

  if (length < view->length || view->reserved == 0 || length > view->reserved - delta)
    return pmmf__reject(PMMF_E_RANGE);
  if (pmmf__range_check(view->map->size, view->offset, &range, 0) != PMMF_OK)
    return pmmf__reject(PMMF_E_RANGE);
  mapped_end = (size_t)pmmf__align_up(view->mapped, page);
  new_end = delta + length;
  if (new_end > mapped_end) {
    status = pmmf__os_view_map_over(&view->map->os, aligned + mapped_end,
                                    (size_t)pmmf__align_up(new_end, page) - mapped_end,
                                    view->created, view->current, 0,
                                    (char *)view->base + mapped_end);
    if (status != PMMF_OK)
      return status;
  }
  view->mapped = new_end;
  view->length = length;
  return PMMF_OK;
}

int pmmf_view_extend(pmmf_view *view, size_t length)
{
  int status;

  if (!view)
    return pmmf__reject(PMMF_E_INVALID);
  if (length == view->length)
    return PMMF_OK;
  pmmf__map_enter(view->map);
  status = view_extend_entered(view, length);
  pmmf__map_leave(view->map);
  return status;
}

size_t pmmf_view_capacity(const pmmf_view *view)
{
  if (!view)
    return 0;
  if (!view->reserved)
    return view->length;
  return view->reserved - (size_t)(view->data - (char *)view->base);
}

int pmmf_view_map(pmmf_view **out, pmmf_map *map, uint64_t offset, size_t length,
                  pmmf_access access, unsigned flags)
{
  if (!out || !map || !pmmf__access_valid(access) || (flags & ~PMMF__VIEW_KNOWN))
    return pmmf__reject(PMMF_E_INVALID);
  return view_create(out, map, offset, length, access, flags, NULL);
}

int pmmf_view_map_at(pmmf_view **out, pmmf_map *map, uint64_t offset, size_t length,
                     pmmf_access access, unsigned flags, void *base)
{
  if (!out || !map || !base || !pmmf__access_valid(access) || (flags & ~PMMF__VIEW_KNOWN))
    return pmmf__reject(PMMF_E_INVALID);
  /* 64 KiB, or the native granularity where it is larger (pages above
   * 64 KiB): else the OS mapping at `base` would start below `offset`, and
   * the data would not be at `base`. Both are powers of two. */
  {
    uint64_t alignment = pmmf__os_granularity() > PMMF_PORTABLE_GRANULARITY
                           ? pmmf__os_granularity()
                           : PMMF_PORTABLE_GRANULARITY;
    if (map->os.page > alignment)
      alignment = map->os.page;
    if ((uintptr_t)base % alignment != 0 || offset % alignment != 0)
      return pmmf__reject(PMMF_E_ALIGNMENT);
  }
  return view_create(out, map, offset, length, access, flags, base);
}

/* Open, map whole, view whole, in one allocation: the view first (so that
 * pmmf_view_unmap's free frees the block), the map and the file after it,
 * marked embedded so that their releases do not free them. The view holds
 * the only reference to the map, the map the only one to the file. */
struct path_block {
  pmmf_view view;
  pmmf_map map;
  pmmf_file file;
};

int pmmf_map_path(pmmf_view **out, const char *path_utf8, pmmf_access access,
                  unsigned open_flags, unsigned view_flags)
{
  struct path_block *block;
  pmmf_file *file;
  uint64_t size = 0, aligned;
  size_t delta, wanted;
  long error;
  int status;

  if (!out || !path_utf8 || !*path_utf8 || !pmmf__access_valid(access) ||
      (open_flags & ~(unsigned)(PMMF_OPEN_NOLOCK | PMMF_OPEN_EXCLUSIVE)) ||
      (view_flags & ~PMMF__VIEW_KNOWN))
    return pmmf__reject(PMMF_E_INVALID);
  block = pmmf__malloc(sizeof *block);
  if (!block)
    return pmmf__no_memory();
  status = pmmf__file_open(&file, path_utf8,
                           (access == PMMF_ACCESS_WRITE ? PMMF_OPEN_WRITE : PMMF_OPEN_READ) |
                             open_flags,
                           &size, &block->file);
  if (status != PMMF_OK) {
    pmmf__free(block);
    return status;
  }
  status = pmmf__map_file_whole(&block->map, file, size, access);
  if (status == PMMF_OK) {
    status = view_check(&block->map, 0, 0, access, &aligned, &delta, &wanted);
    if (status == PMMF_OK)
      status = view_map_checked(&block->view, &block->map, 0, aligned, delta, wanted, access,
                                view_flags, NULL);
    error = status == PMMF_OK ? 0 : pmmf__last_error_get();
    /* Drop the map's first reference: the view's keeps it, or (failure) it
     * closes, and with it the file's reference it held. */
    pmmf__map_release(&block->map);
  } else {
    error = pmmf__last_error_get();
  }
  pmmf__file_release(&block->file);
  /* A failed release on the success path (a close that reports a deferred
   * write-back error) leaves nothing of the view's: the view stands. */
  if (status != PMMF_OK) {
    pmmf__free(block);
    pmmf__last_error_set(error);
    return status;
  }
  *out = &block->view;
  return PMMF_OK;
}

void *pmmf_view_data(const pmmf_view *view)
{
  return view ? view->data : NULL;
}

size_t pmmf_view_size(const pmmf_view *view)
{
  return view ? view->length : 0;
}

uint64_t pmmf_view_offset(const pmmf_view *view)
{
  return view ? view->offset : 0;
}

int pmmf_view_unmap(pmmf_view *view)
{
  int status;

  if (!view)
    return PMMF_OK;
  status = pmmf__view_close(view);
  pmmf__free(view);
  return status;
}

/* A range relative to the view; for flush and advise a zero length means to
 * the end. On success *addr and *span are the page-aligned span to pass on,
 * inside the view's OS mapping. */
static int view_span(pmmf_view *view, size_t offset, size_t length, void **addr, size_t *span)
{
  uint64_t wanted = length;
  int status = pmmf__range_check(view->length, offset, &wanted, 1);
  if (status != PMMF_OK)
    return pmmf__reject(status);
  pmmf__page_span(view->data + offset, (size_t)wanted, view->base, addr, span);
  /* Large pages are split by nothing: whole ones, which the mapping has. */
  if (view->map->os.page) {
    size_t page = view->map->os.page;
    size_t into = (size_t)((char *)*addr - (char *)view->base);
    size_t first = into - into % page;
    size_t end = (size_t)pmmf__align_up(into + *span, page);
    *addr = (char *)view->base + first;
    *span = end - first;
  }
  return PMMF_OK;
}

int pmmf_view_flush(pmmf_view *view, size_t offset, size_t length, unsigned flags)
{
  void *addr = NULL;
  size_t span = 0;
  uint64_t mapped_at;
  int status;

  if (!view || (flags != PMMF_FLUSH_ASYNC && flags != PMMF_FLUSH_SYNC))
    return pmmf__reject(PMMF_E_INVALID);
  status = view_span(view, offset, length, &addr, &span);
  if (status != PMMF_OK)
    return status;
  /* Copy-on-write and memory-only views have nothing to write back. */
  if (view->created == PMMF_ACCESS_COPY || view->map->kind != PMMF__MAP_FILE)
    return PMMF_OK;
  /* The file position of `addr`, counted from the OS mapping's start. */
  mapped_at = view->offset - (uint64_t)(view->data - (char *)view->base);
  status = pmmf__os_view_flush(&view->map->os,
                               mapped_at + (uint64_t)((char *)addr - (char *)view->base), addr,
                               span, flags == PMMF_FLUSH_SYNC);
  if (status == PMMF_OK && flags == PMMF_FLUSH_SYNC &&
      (view->map->file->flags & PMMF_OPEN_WRITE) && !pmmf__os_view_flush_durable())
    status = pmmf__os_file_sync(view->map->file->handle);
  return status;
}

int pmmf_view_advise(pmmf_view *view, size_t offset, size_t length, pmmf_advice advice)
{
  void *addr = NULL;
  size_t span = 0;
  int status;

  if (!view || (int)advice < (int)PMMF_ADVICE_NORMAL || (int)advice > (int)PMMF_ADVICE_DONTNEED)
    return pmmf__reject(PMMF_E_INVALID);
  status = view_span(view, offset, length, &addr, &span);
  if (status != PMMF_OK)
    return status;
  /* Dropping private copy-on-write pages would change the view's contents. */
  if (advice == PMMF_ADVICE_DONTNEED && view->created == PMMF_ACCESS_COPY)
    return pmmf__reject(PMMF_E_UNSUPPORTED);
  return pmmf__os_view_advise(addr, span, advice);
}

int pmmf_view_protect(pmmf_view *view, pmmf_access access)
{
  int status;

  if (!view || !(pmmf__access_valid(access) || access == PMMF_ACCESS_NONE))
    return pmmf__reject(PMMF_E_INVALID);
  /* READ and NONE always; otherwise only back to what the view was created
   * with. */
  if (access != PMMF_ACCESS_READ && access != PMMF_ACCESS_NONE && access != view->created)
    return pmmf__reject(PMMF_E_ACCESS);
  if (access == view->current)
    return PMMF_OK;
  status = pmmf__os_view_protect(view->base, view->mapped, access);
  if (status == PMMF_OK)
    view->current = access;
  return status;
}

static int view_lock(pmmf_view *view, size_t offset, size_t length, int lock)
{
  void *addr = NULL;
  size_t span = 0;
  int status;

  if (!view)
    return pmmf__reject(PMMF_E_INVALID);
  status = view_span(view, offset, length, &addr, &span);
  if (status != PMMF_OK)
    return status;
  /* Pages nobody may touch cannot be brought in (Windows refuses, Linux
   * would lock nothing): said once, here. */
  if (lock && view->current == PMMF_ACCESS_NONE)
    return pmmf__reject(PMMF_E_ACCESS);
  return pmmf__os_view_lock(addr, span, lock);
}

int pmmf_view_lock(pmmf_view *view, size_t offset, size_t length)
{
  return view_lock(view, offset, length, 1);
}

int pmmf_view_unlock(pmmf_view *view, size_t offset, size_t length)
{
  return view_lock(view, offset, length, 0);
}

/* A copy range relative to the view: zero length is valid and copies nothing. */
static int copy_check(pmmf_view *view, size_t offset, const void *buffer, size_t length)
{
  uint64_t wanted = length;
  if (!view || (!buffer && length))
    return pmmf__reject(PMMF_E_INVALID);
  if (length == 0)
    return PMMF_OK;
  if (pmmf__range_check(view->length, offset, &wanted, 0) != PMMF_OK)
    return pmmf__reject(PMMF_E_RANGE);
  return PMMF_OK;
}

/* The guarded range is the whole OS mapping, not just [data, data + length):
 * the copy touches nothing else of it, and some systems report only the page
 * of a fault (s390x Linux: si_addr rounded down to the page), which for a
 * view at an offset that is not page-aligned lies before `data`. */
int pmmf_view_read(pmmf_view *view, size_t offset, void *dst, size_t length)
{
  int status = copy_check(view, offset, dst, length);
  if (status != PMMF_OK || length == 0)
    return status;
  return pmmf__os_guarded_copy(dst, view->data + offset, length, view->base,
                               (char *)view->base + view->mapped);
}

/* From this length on, pmmf_view_write of a file view writes with the file
 * I/O call where the backend says that is coherent with the view: no page
 * fault per page (a fresh page written through a mapping faults once; 256
 * per MiB), one system call. Below it the copy is cheaper. */
#define PMMF__BULK_WRITE ((size_t)256 * 1024)

int pmmf_view_write(pmmf_view *view, size_t offset, const void *src, size_t length)
{
  int status = copy_check(view, offset, src, length);
  if (status != PMMF_OK || length == 0)
    return status;
  if (view->current == PMMF_ACCESS_READ)
    return pmmf__reject(PMMF_E_ACCESS);
  if (length >= PMMF__BULK_WRITE && view->created == PMMF_ACCESS_WRITE &&
      view->map->kind == PMMF__MAP_FILE) {
    status = pmmf__os_file_write_mapped(view->map->file->handle, view->offset + offset, src,
                                        length);
    if (status != PMMF_E_UNSUPPORTED)
      return status;
  }
  return pmmf__os_guarded_copy(view->data + offset, src, length, view->base,
                               (char *)view->base + view->mapped);
}
