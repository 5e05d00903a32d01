/* SPDX-License-Identifier: MIT */
/*
 * sharing.c - the code of docs/sharing.md, compiled and run: a counter in a
 * named shared object that several processes add to with atomics, created by
 * whoever comes first; a stale POSIX object from a crashed run is replaced;
 * one instance only through an exclusive file open. main() plays two
 * processes with two maps of one name, and exits 0 if everything worked.
 *
 *   sharing [NAME [LOCK-FILE]]
 */
#include <portmmf.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* What lives in the shared object: only lock-free atomics work between
 * processes (a lock-based one would use a lock private to each process). */
struct counters {
  atomic_uint hits;
  atomic_uint ready;
};

/* Create the object, or open it if another process was first. */
int counters_open(pmmf_map **map, pmmf_view **view, const char *name)
{
  int created = 0;
  int rc = pmmf_map_shared(map, name, sizeof(struct counters), PMMF_ACCESS_WRITE,
                           PMMF_SHM_OPEN_OR_CREATE, &created);
  if (rc != PMMF_OK)
    return rc;
  /* An opener's map may be larger (Windows rounds up to a page): map only
   * what we use. New objects are zero-filled: no initialisation needed. */
  rc = pmmf_view_map(view, *map, 0, sizeof(struct counters), PMMF_ACCESS_WRITE, 0);
  if (rc != PMMF_OK)
    pmmf_map_close(*map);
  return rc;
}

unsigned counters_hit(pmmf_view *view)
{
  struct counters *c = pmmf_view_data(view);
  return atomic_fetch_add(&c->hits, 1) + 1;
}

/* A reader that must find the object: PMMF_E_NOT_FOUND if nobody made it. */
int counters_peek(const char *name, unsigned *hits)
{
  pmmf_map *map;
  pmmf_view *view;
  int rc = pmmf_map_shared(&map, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL);
  if (rc != PMMF_OK)
    return rc;
  rc = pmmf_view_map(&view, map, 0, sizeof(struct counters), PMMF_ACCESS_READ, 0);
  if (rc == PMMF_OK) {
    *hits = atomic_load(&((struct counters *)pmmf_view_data(view))->hits);
    pmmf_view_unmap(view);
  }
  pmmf_map_close(map);
  return rc;
}

/* Start from a fresh object even if a crashed run left one behind (POSIX
 * keeps objects until unlinked; on Windows unlink has nothing to do). */
int counters_create_fresh(pmmf_map **map, const char *name)
{
  int rc = pmmf_map_shared(map, name, sizeof(struct counters), PMMF_ACCESS_WRITE,
                           PMMF_SHM_CREATE_ONLY, NULL);
  if (rc == PMMF_E_EXISTS) {
    pmmf_shm_unlink(name);
    rc = pmmf_map_shared(map, name, sizeof(struct counters), PMMF_ACCESS_WRITE,
                         PMMF_SHM_CREATE_ONLY, NULL);
  }
  return rc;
}

/* One instance at a time: hold an exclusive open of a lock file. */
int single_instance(pmmf_file **lock, const char *path)
{
  int rc = pmmf_file_open(lock, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE);
  if (rc == PMMF_E_SHARING)
    fprintf(stderr, "another instance is running\n");
  return rc;
}

/* ------------------------------------------------------------------------- */

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "sharing: line %d: %s is false\n", __LINE__, #cond); \
      return 1;                                                             \
    }                                                                       \
  } while (0)

int main(int argc, char **argv)
{
  const char *name = argc > 1 ? argv[1] : "pmmf-sharing-example";
  const char *lock_path = argc > 2 ? argv[2] : "sharing-example.lock";
  pmmf_map *a, *b, *fresh;
  pmmf_view *va, *vb;
  pmmf_file *lock, *second;
  unsigned hits = 0;

  CHECK(single_instance(&lock, lock_path) == PMMF_OK);
  CHECK(single_instance(&second, lock_path) == PMMF_E_SHARING);

  /* A run that ends without unlinking leaves a stale object on POSIX (none
   * on Windows); the next run starts from a fresh, zero-filled one. */
  CHECK(counters_open(&a, &va, name) == PMMF_OK);
  counters_hit(va);
  pmmf_view_unmap(va);
  pmmf_map_close(a);
  CHECK(counters_create_fresh(&fresh, name) == PMMF_OK);
  CHECK(counters_peek(name, &hits) == PMMF_OK && hits == 0);
  pmmf_map_close(fresh);
  CHECK(pmmf_shm_unlink(name) == PMMF_OK);

  /* Two "processes": the first creates, the second opens. */
  CHECK(counters_open(&a, &va, name) == PMMF_OK);
  CHECK(counters_open(&b, &vb, name) == PMMF_OK);
  CHECK(counters_hit(va) == 1);
  CHECK(counters_hit(vb) == 2);
  CHECK(counters_peek(name, &hits) == PMMF_OK && hits == 2);
  pmmf_view_unmap(va);
  pmmf_view_unmap(vb);
  pmmf_map_close(a);
  pmmf_map_close(b);
  CHECK(pmmf_shm_unlink(name) == PMMF_OK);
  CHECK(counters_peek(name, &hits) == PMMF_E_NOT_FOUND);

  pmmf_file_close(lock);
  printf("sharing: ok\n");
  return 0;
}
