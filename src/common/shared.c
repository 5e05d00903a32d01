/*
 * shared.c - named shared memory: pmmf_map_shared and pmmf_shm_unlink. The
 * name and mode rules are checked here, once, for every backend; until the
 * backends implement the objects, valid calls answer PMMF_E_UNSUPPORTED
 * (documented in docs/behavior.md).
 */
#include "rules.h"

/* 1 to 30 characters of [A-Za-z0-9._-], other than "." and "..". */
static int shm_name_valid(const char *name)
{
  size_t n = 0;

  if (!name)
    return 0;
  for (; name[n]; n++) {
    char c = name[n];
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    if (!ok || n >= 30)
      return 0;
  }
  if (n == 0 || (n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
    return 0;
  return 1;
}

int pmmf_map_shared(pmmf_map **out, const char *name, uint64_t size, pmmf_access access,
                    int mode, int *created)
{
  (void)created;
  if (!out || !shm_name_valid(name) || !pmmf__access_valid(access))
    return pmmf__reject(PMMF_E_INVALID);
  if (mode != PMMF_SHM_CREATE_ONLY && mode != PMMF_SHM_OPEN_ONLY &&
      mode != PMMF_SHM_OPEN_OR_CREATE)
    return pmmf__reject(PMMF_E_INVALID);
  if (mode == PMMF_SHM_CREATE_ONLY && size == 0)
    return pmmf__reject(PMMF_E_INVALID);
  return pmmf__reject(PMMF_E_UNSUPPORTED);
}

int pmmf_shm_unlink(const char *name)
{
  if (!shm_name_valid(name))
    return pmmf__reject(PMMF_E_INVALID);
  return pmmf__reject(PMMF_E_UNSUPPORTED);
}
