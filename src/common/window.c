/* SPDX-License-Identifier: MIT */
/*
 * window.c - sliding windows over maps of any size: pmmf_window_*. A window
 * keeps one view of its map and moves it only when a request leaves it. Views
 * start on granularity boundaries and are the window's size rounded up plus
 * one granule long, so every request of up to window_size bytes is served
 * whole from one view, wherever it starts.
 */
#include "rules.h"

/* The length of a window's views over a map of `map_size` bytes now:
 * `granules` granules, never more than the map (rounded up to a granule).
 * Counted in granules: no overflow. */
static uint64_t window_span(uint64_t granules, uint64_t map_size)
{
  uint64_t granularity = pmmf__os_granularity();
  uint64_t limit = pmmf__align_up(map_size, granularity);
  return granules > limit / granularity ? limit : granules * granularity;
}

int pmmf_window_open(pmmf_window **out, pmmf_map *map, size_t window_size, pmmf_access access)
{
  uint64_t granularity = pmmf__os_granularity();
  uint64_t granules;
  pmmf_window *window;

  if (!out || !map || window_size == 0 || !pmmf__access_valid(access))
    return pmmf__reject(PMMF_E_INVALID);
  if (!pmmf__access_allows(map->access, access))
    return pmmf__reject(PMMF_E_ACCESS);
  /* The largest request, rounded up, plus the granule in which it may start;
   * never more than the whole map. */
  granules = window_size / granularity + (window_size % granularity != 0) + 1;
  if (window_span(granules, pmmf__map_size(map)) > (uint64_t)SIZE_MAX)
    return pmmf__reject(PMMF_E_TOO_LARGE);

  window = pmmf__malloc(sizeof *window);
  if (!window)
    return pmmf__no_memory();
  window->map = map;
  window->mapped = 0;
  window->window_size = window_size;
  window->granules = granules;
  window->access = access;
  atomic_fetch_add(&map->refs, 1);
  *out = window;
  return PMMF_OK;
}

/* Whether the current view holds [offset, offset + length) whole. */
static int covers(const pmmf_window *window, uint64_t offset, size_t length)
{
  const pmmf_view *view = &window->view;
  return window->mapped && offset >= view->offset && length <= view->length &&
         offset - view->offset <= view->length - length;
}

/* Where the view serving [offset, offset + length) starts: at the request's
 * granule; but when the request lies below the current view (a walk going
 * backwards), as low as the request's end allows, so that such a walk too
 * remaps about once per window. */
static uint64_t placement(const pmmf_window *window, uint64_t offset, size_t length,
                          uint64_t span)
{
  uint64_t granularity = pmmf__os_granularity();
  uint64_t end = offset + length;

  if (window->mapped && offset < window->view.offset)
    return end > span ? pmmf__align_up(end - span, granularity) : 0;
  return pmmf__align_down(offset, granularity);
}

/* Out of address space while holding two views: give the current one back
 * (released whatever the OS reports) and map the new one in its place, or
 * anywhere if something else took the place meanwhile. If this fails too,
 * the window is left empty. */
static int remap_in_place(pmmf_window *window, uint64_t start, size_t length, pmmf_view *fresh)
{
  void *base = window->view.base;
  size_t room = window->view.mapped;
  int status = PMMF_E_ADDRESS_IN_USE;

  window->mapped = 0;
  (void)pmmf__view_close(&window->view);
  if (length <= room)
    status = pmmf__view_open(fresh, window->map, start, length, window->access, 0, base);
  if (status == PMMF_E_ADDRESS_IN_USE)
    status = pmmf__view_open(fresh, window->map, start, length, window->access, 0, NULL);
  return status;
}

int pmmf_window_get(pmmf_window *window, uint64_t offset, size_t length, void **ptr)
{
  uint64_t range = length, start, map_size, whole;
  size_t span;
  pmmf_view fresh;
  long last_error;
  int status;

  if (!window || !ptr || length == 0 || length > window->window_size)
    return pmmf__reject(PMMF_E_INVALID);
  map_size = pmmf__map_size(window->map);
  if (pmmf__range_check(map_size, offset, &range, 0) != PMMF_OK)
    return pmmf__reject(PMMF_E_RANGE);

  if (!covers(window, offset, length)) {
    /* The views' length from the map's size now: a map may have grown
     * (pmmf_map_grow) since the window was opened on it. */
    whole = window_span(window->granules, map_size);
    if (whole > (uint64_t)SIZE_MAX)
      return pmmf__reject(PMMF_E_TOO_LARGE);
    start = placement(window, offset, length, whole);
    span = map_size - start < whole ? (size_t)(map_size - start) : (size_t)whole;
    /* The new view first: if it cannot be made, the window and the pointer
     * of the previous get stay as they were. */
    last_error = pmmf__last_error_get();
    status = pmmf__view_open(&fresh, window->map, start, span, window->access, 0, NULL);
    if (status == PMMF_E_NO_MEMORY && window->mapped) {
      /* Success restores the last error as it was before this call; failure
       * reports the first one, as PMMF_E_NO_MEMORY whatever the retry said. */
      long first = pmmf__last_error_get();
      if (remap_in_place(window, start, span, &fresh) == PMMF_OK) {
        pmmf__last_error_set(last_error);
        status = PMMF_OK;
      } else {
        pmmf__last_error_set(first);
      }
    }
    if (status != PMMF_OK)
      return status;
    /* The old view is gone whatever its unmapping reports, and the request
     * has been served: nothing to report. */
    if (window->mapped)
      (void)pmmf__view_close(&window->view);
    window->view = fresh;
    window->mapped = 1;
  }
  *ptr = window->view.data + (size_t)(offset - window->view.offset);
  return PMMF_OK;
}

int pmmf_window_close(pmmf_window *window)
{
  int status = PMMF_OK, released;

  if (!window)
    return PMMF_OK;
  if (window->mapped)
    status = pmmf__view_close(&window->view);
  released = pmmf__map_release(window->map);
  pmmf__free(window);
  return status != PMMF_OK ? status : released;
}
