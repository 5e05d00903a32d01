/* SPDX-License-Identifier: MIT */
/*
 * error.c - the POSIX backend's one translation from errno to status, the
 * errno behind each abstract fault kind, and the page size.
 */
#include "posix.h"

#ifdef PMMF__TEST_PAGE_SIZE
#include <stdio.h>
#include <stdlib.h>
#endif

int pmmf__os_translate_error(long os_code)
{
  switch (os_code) {
  case ENOENT:
  case ENOTDIR:
    return PMMF_E_NOT_FOUND;
  case EEXIST:
    return PMMF_E_EXISTS;
  case EACCES:
  case EPERM:
  case EROFS:
    return PMMF_E_ACCESS;
  case EISDIR:
  case EINVAL:
  case ENAMETOOLONG:
  case ELOOP:
  case EBADF:
    return PMMF_E_INVALID;
  case ENOMEM:
  case EMFILE:
  case ENFILE:
    return PMMF_E_NO_MEMORY;
  case ENOSPC:
#ifdef EDQUOT
  case EDQUOT:
#endif
    return PMMF_E_NO_SPACE;
  case EFBIG:
    return PMMF_E_RANGE;
  case EOVERFLOW:
    return PMMF_E_TOO_LARGE;
  case EBUSY:
  case ETXTBSY:
    return PMMF_E_BUSY;
  case ENODEV:
  case ENOSYS:
  case EOPNOTSUPP:
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
  case ENOTSUP:
#endif
    return PMMF_E_UNSUPPORTED;
  case EIO:
  case ENXIO:
    return PMMF_E_IO;
  default:
    return PMMF_E_OS;
  }
}

int pmmf__posix_fail(int err)
{
  return pmmf__fail(err, pmmf__os_translate_error(err));
}

long pmmf__os_fault_code(int kind)
{
  switch (kind) {
  case PMMF__FAULT_NO_SPACE:
    return ENOSPC;
  case PMMF__FAULT_NO_MEMORY:
    return ENOMEM;
  case PMMF__FAULT_IO:
    return EIO;
  case PMMF__FAULT_ACCESS:
    return EACCES;
  case PMMF__FAULT_INTR:
    return EINTR;
  default:
    return EIO;
  }
}

#ifdef PMMF__TEST_PAGE_SIZE
/* A test build (meson -Dtest_page_size=N) reports N, which must be a multiple
 * of the real page size: every address and offset the library then computes
 * is also a multiple of the real one, as on a system whose pages are N bytes.
 * Any other N would make the OS refuse what the library asks: stop at once,
 * saying why, rather than test something else. */
static size_t test_page_size(size_t real)
{
  if (PMMF__TEST_PAGE_SIZE % real != 0) {
    fprintf(stderr, "libportmmf: test_page_size %lu is not a multiple of the page size %lu\n",
            (unsigned long)PMMF__TEST_PAGE_SIZE, (unsigned long)real);
    abort();
  }
  return PMMF__TEST_PAGE_SIZE;
}
#endif

size_t pmmf__os_page_size(void)
{
  static atomic_size_t page_size;
  size_t size = atomic_load_explicit(&page_size, memory_order_relaxed);
  if (!size) {
    long value = sysconf(_SC_PAGESIZE);
    size = value > 0 ? (size_t)value : 4096;
#ifdef PMMF__TEST_PAGE_SIZE
    size = test_page_size(size);
#endif
    atomic_store_explicit(&page_size, size, memory_order_relaxed);
  }
  return size;
}

size_t pmmf__os_granularity(void)
{
  return pmmf__os_page_size();
}

const char *pmmf__os_backend_name(void)
{
  return "posix";
}
