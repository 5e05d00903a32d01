/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - the library's one allocator (counted, so tests can prove nothing
 * leaked) and the fault injector that tests arm to make the N-th OS call or
 * allocation fail with a chosen error.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static atomic_long live_allocations;

int pmmf__fault_armed;
static const char *fault_call;   /* NULL: any call */
static unsigned fault_skip;
static int fault_kind;
static int fault_fired;
static const char *fault_fired_name;

void *pmmf__malloc(size_t size)
{
  void *ptr;
  if (PMMF__FAULT("malloc"))
    return NULL;
  ptr = malloc(size ? size : 1);
  if (ptr)
    atomic_fetch_add(&live_allocations, 1);
  return ptr;
}

void pmmf__free(void *ptr)
{
  if (!ptr)
    return;
  atomic_fetch_sub(&live_allocations, 1);
  free(ptr);
}

long pmmf__alloc_live(void)
{
  return atomic_load(&live_allocations);
}

void pmmf__fault_arm(const char *call, unsigned skip, int kind)
{
  fault_call = call;
  fault_skip = skip;
  fault_kind = kind;
  fault_fired = 0;
  fault_fired_name = NULL;
  pmmf__fault_armed = 1;
}

void pmmf__fault_disarm(void)
{
  pmmf__fault_armed = 0;
}

int pmmf__fault_fired(void)
{
  return fault_fired;
}

const char *pmmf__fault_fired_call(void)
{
  return fault_fired_name;
}

long pmmf__fault_check_slow(const char *call)
{
  if (!pmmf__fault_armed || fault_fired)
    return 0;
  if (fault_call && strcmp(fault_call, call) != 0)
    return 0;
  if (fault_skip > 0) {
    fault_skip--;
    return 0;
  }
  fault_fired = 1;
  fault_fired_name = call;
  pmmf__fault_armed = 0;
  return pmmf__os_fault_code(fault_kind);
}
