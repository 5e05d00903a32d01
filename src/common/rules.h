/* SPDX-License-Identifier: MIT */
/*
 * rules.h - the behaviour rules shared by every public function, said once:
 * access values and their compatibility, range checks that cannot overflow,
 * and rounding to the native granularity.
 */
#ifndef PMMF_RULES_H
#define PMMF_RULES_H

#include "internal.h"

static inline int pmmf__access_valid(int access)
{
  return access == PMMF_ACCESS_READ || access == PMMF_ACCESS_WRITE ||
         access == PMMF_ACCESS_COPY;
}

/* Which view access a map access allows: READ map -> READ, COPY; WRITE map ->
 * all three; COPY map -> READ, COPY. */
static inline int pmmf__access_allows(pmmf_access map, pmmf_access view)
{
  if (map == PMMF_ACCESS_WRITE)
    return 1;
  return view == PMMF_ACCESS_READ || view == PMMF_ACCESS_COPY;
}

/* Check [offset, offset + *length) against a span of `size` bytes. A zero
 * *length means "to the end" when `zero_to_end` is set, and is replaced by
 * that length. Returns PMMF_OK, or PMMF_E_RANGE (offset at or beyond the end,
 * range beyond the end, or wrapping around). */
static inline int pmmf__range_check(uint64_t size, uint64_t offset, uint64_t *length,
                                    int zero_to_end)
{
  if (offset >= size)
    return PMMF_E_RANGE;
  if (*length == 0 && zero_to_end)
    *length = size - offset;
  if (*length > size - offset)
    return PMMF_E_RANGE;
  return PMMF_OK;
}

/* The page-aligned span that covers [addr, addr + length) inside the OS
 * mapping that starts at `base`: pages are counted from `base`, never from
 * address 0. The two agree where mappings start on page boundaries; where the
 * reported page is a multiple of the one mmap aligns to (a test build's, see
 * pmmf__os_page_size), rounding the address itself could start the span below
 * the mapping, and on a file offset that is not a page boundary. */
static inline void pmmf__page_span(void *addr, size_t length, const void *base, void **start,
                                   size_t *span)
{
  size_t page = pmmf__os_page_size();
  size_t into = (size_t)((const char *)addr - (const char *)base);
  size_t first = into - into % page;
  *start = (char *)base + first;
  *span = into + length - first;
}

/* Two release steps that both run: the first failure is the one reported,
 * with its OS error (`first_error`, read right after the first step). */
static inline int pmmf__first_failure(int first, long first_error, int second)
{
  if (first == PMMF_OK)
    return second;
  pmmf__last_error_set(first_error);
  return first;
}

/* Out of memory in the library itself: reported with the native ENOMEM. */
static inline int pmmf__no_memory(void)
{
  return pmmf__fail(pmmf__os_fault_code(PMMF__FAULT_NO_MEMORY), PMMF_E_NO_MEMORY);
}

#endif /* PMMF_RULES_H */
