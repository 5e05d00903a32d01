/* SPDX-License-Identifier: MIT */
/*
 * syscall.c - lookup by name in the backend's replaceable OS-call table, so
 * tests can swap any OS call (pmmf__os_syscall_set) without touching the code
 * that makes it. Each backend only lists its entries.
 */
#include "internal.h"

#include <string.h>

static struct pmmf__syscall *find(const char *name)
{
  size_t count, i;
  struct pmmf__syscall *table = pmmf__os_syscall_table(&count);

  for (i = 0; name && i < count; i++)
    if (strcmp(table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

int pmmf__os_syscall_set(const char *name, pmmf__syscall_ptr fn)
{
  struct pmmf__syscall *entry = find(name);
  if (!entry)
    return PMMF_E_NOT_FOUND;
  entry->current = fn ? fn : entry->original;
  return PMMF_OK;
}

pmmf__syscall_ptr pmmf__os_syscall_get(const char *name)
{
  struct pmmf__syscall *entry = find(name);
  return entry ? entry->current : NULL;
}

const char *pmmf__os_syscall_next(const char *name)
{
  size_t count;
  struct pmmf__syscall *table = pmmf__os_syscall_table(&count);
  struct pmmf__syscall *entry;

  if (!name)
    return count ? table[0].name : NULL;
  entry = find(name);
  if (!entry || entry + 1 == table + count)
    return NULL;
  return entry[1].name;
}
