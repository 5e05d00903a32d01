/* SPDX-License-Identifier: MIT */
/*
 * shared.c - named shared memory: pmmf_map_shared and pmmf_shm_unlink. The
 * rules are said here, once, for every backend: the name, mode and access
 * checks, the size rules (a new object has the size asked for; an existing
 * object's size wins, a larger request is PMMF_E_RANGE; OPEN_OR_CREATE with
 * size 0 only opens) and the bounded wait for an object whose creator has not
 * set its size yet. The backends only create, open and remove the objects.
 */
#include "rules.h"

/* How long an opener waits for a half-created object (POSIX: a creator between
 * shm_open and ftruncate), in steps of SHM_WAIT_STEP_MS: about a second. */
#define SHM_WAIT_STEP_MS 10u
#define SHM_WAIT_STEPS 100u

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

/* Open or create the OS object. An existing object of size 0 is still being
 * created by another process (the backend has already dealt with one whose
 * creator is gone: POSIX takes it over, or answers PMMF_E_NOT_FOUND): it is
 * closed again and the whole open retried
 * (the creator may also fail and remove it, and then this call may create it),
 * for a bounded time, after which the answer is PMMF_E_BUSY. */
static int shm_open_settled(struct pmmf__os_map *os, uint64_t *object_size, const char *name,
                            uint64_t size, pmmf_access access, int mode, int *created)
{
  unsigned step;
  int status;

  for (step = 0;; step++) {
    status = pmmf__os_shm_open(os, object_size, name, size, access, mode, created);
    if (status != PMMF_OK || *created || *object_size > 0)
      return status;
    pmmf__os_map_close(os);
    if (step == SHM_WAIT_STEPS)
      return pmmf__reject(PMMF_E_BUSY);
    pmmf__os_sleep_ms(SHM_WAIT_STEP_MS);
  }
}

int pmmf_map_shared(pmmf_map **out, const char *name, uint64_t size, pmmf_access access,
                    int mode, int *created)
{
  uint64_t object_size = 0;
  pmmf_map *map;
  int was_created = 0;
  int status;

  if (!out || !shm_name_valid(name) || !pmmf__access_valid(access))
    return pmmf__reject(PMMF_E_INVALID);
  if (mode != PMMF_SHM_CREATE_ONLY && mode != PMMF_SHM_OPEN_ONLY &&
      mode != PMMF_SHM_OPEN_OR_CREATE)
    return pmmf__reject(PMMF_E_INVALID);
  if (mode == PMMF_SHM_CREATE_ONLY && size == 0)
    return pmmf__reject(PMMF_E_INVALID);
  /* No object can be that large (as for anonymous maps). */
  if (size > (uint64_t)INT64_MAX)
    return pmmf__reject(PMMF_E_TOO_LARGE);
  /* Nothing to create without a size: open only. */
  if (mode == PMMF_SHM_OPEN_OR_CREATE && size == 0)
    mode = PMMF_SHM_OPEN_ONLY;

  status = pmmf__map_new(&map, size, access, PMMF__MAP_SHARED);
  if (status != PMMF_OK)
    return status;
  status = shm_open_settled(&map->os, &object_size, name, size, access, mode, &was_created);
  if (status != PMMF_OK) {
    pmmf__free(map);
    return status;
  }
  /* An existing object keeps its size: a smaller request gets all of it. */
  if (!was_created) {
    if (size > object_size) {
      pmmf__os_map_close(&map->os);
      pmmf__free(map);
      return pmmf__reject(PMMF_E_RANGE);
    }
    map->size = object_size;
  }

  if (created)
    *created = was_created;
  *out = map;
  return PMMF_OK;
}

int pmmf_shm_unlink(const char *name)
{
  if (!shm_name_valid(name))
    return pmmf__reject(PMMF_E_INVALID);
  return pmmf__os_shm_unlink(name);
}
