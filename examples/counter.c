/* SPDX-License-Identifier: MIT */
/*
 * counter.c - processes sharing a counter in named shared memory
 * (pmmf_map_shared). Start PROCESSES copies with the same NAME: each adds 1
 * to the counter INCREMENTS times with an atomic add, then waits until every
 * copy is done and prints the total, which is PROCESSES * INCREMENTS. The
 * copy that created the object also removes its name (pmmf_shm_unlink; a
 * no-op on Windows, where the object goes with its last view).
 *
 *   counter NAME PROCESSES INCREMENTS
 *
 * Exit codes: 0 ok, 1 a libportmmf call failed (the message names the
 * status) or the other copies did not finish within a minute, 2 usage.
 */
#ifndef _WIN32
#  define _POSIX_C_SOURCE 200809L /* nanosleep */
#endif

#include <portmmf.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef _WIN32
#  include <windows.h>
static void sleep_ms(unsigned ms)
{
  Sleep(ms);
}
#else
#  include <time.h>
static void sleep_ms(unsigned ms)
{
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}
#endif

/* The shared object's layout. Lock-free atomics work across processes. */
struct shared {
  atomic_uint count; /* the counter */
  atomic_uint done;  /* copies that finished adding */
};

static int report(const char *what, int status)
{
  fprintf(stderr, "counter: %s: %s (%s)\n", what, pmmf_strerror(status),
          pmmf_status_name(status));
  return 1;
}

int main(int argc, char **argv)
{
  pmmf_map *map;
  pmmf_view *view;
  struct shared *shared;
  unsigned long processes, increments, i, waited;
  int created = 0, status, rc = 0;

  if (argc != 4 || (processes = strtoul(argv[2], NULL, 10)) == 0 ||
      (increments = strtoul(argv[3], NULL, 10)) == 0 || processes * increments > 1000000000ul) {
    fprintf(stderr, "usage: counter NAME PROCESSES INCREMENTS\n");
    return 2;
  }

  /* The first copy creates the object (zero-filled); the others open it. */
  status = pmmf_map_shared(&map, argv[1], pmmf_page_size(), PMMF_ACCESS_WRITE,
                           PMMF_SHM_OPEN_OR_CREATE, &created);
  if (status != PMMF_OK)
    return report("map_shared", status);
  status = pmmf_view_map(&view, map, 0, sizeof *shared, PMMF_ACCESS_WRITE, 0);
  pmmf_map_close(map); /* the view keeps the object */
  if (status != PMMF_OK)
    return report("view", status);
  shared = pmmf_view_data(view);

  for (i = 0; i < increments; i++)
    atomic_fetch_add(&shared->count, 1u);
  atomic_fetch_add(&shared->done, 1u);

  /* Stay until every copy is done: on Windows the object lives only while
   * some process has it mapped. */
  for (waited = 0; atomic_load(&shared->done) < processes; waited += 10) {
    if (waited >= 60000) {
      fprintf(stderr, "counter: only %u of %lu copies finished\n", atomic_load(&shared->done),
              processes);
      rc = 1;
      break;
    }
    sleep_ms(10);
  }
  printf("counter %s: %u (%s)\n", argv[1], atomic_load(&shared->count),
         created ? "created" : "opened");
  pmmf_view_unmap(view);
  if (created) {
    status = pmmf_shm_unlink(argv[1]);
    if (status != PMMF_OK)
      rc = report("unlink", status);
  }
  return rc;
}
