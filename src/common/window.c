/*
 * window.c - sliding windows over maps of any size: pmmf_window_*. The
 * arguments are checked here as the finished functions will check them;
 * until implemented, valid calls answer PMMF_E_UNSUPPORTED (documented in
 * docs/behavior.md).
 */
#include "rules.h"

int pmmf_window_open(pmmf_window **out, pmmf_map *map, size_t window_size, pmmf_access access)
{
  if (!out || !map || window_size == 0 || !pmmf__access_valid(access))
    return pmmf__reject(PMMF_E_INVALID);
  if (!pmmf__access_allows(map->access, access))
    return pmmf__reject(PMMF_E_ACCESS);
  return pmmf__reject(PMMF_E_UNSUPPORTED);
}

int pmmf_window_get(pmmf_window *window, uint64_t offset, size_t length, void **ptr)
{
  (void)offset;
  if (!window || !ptr || length == 0)
    return pmmf__reject(PMMF_E_INVALID);
  return pmmf__reject(PMMF_E_UNSUPPORTED);
}

int pmmf_window_close(pmmf_window *window)
{
  if (!window)
    return PMMF_OK;
  return pmmf__reject(PMMF_E_UNSUPPORTED);
}
