/* SPDX-License-Identifier: MIT */
/*
 * geometry.c - page size, allocation granularity, backend name and version:
 * the backend answers, this file only publishes.
 */
#include "internal.h"

#define PMMF_STR2_(x) #x
#define PMMF_STR_(x) PMMF_STR2_(x)

size_t pmmf_page_size(void)
{
  return pmmf__os_page_size();
}

size_t pmmf_granularity(void)
{
  return pmmf__os_granularity();
}

const char *pmmf_backend(void)
{
  return pmmf__os_backend_name();
}

const char *pmmf_version(void)
{
  return PMMF_STR_(PMMF_VERSION_MAJOR) "." PMMF_STR_(PMMF_VERSION_MINOR) "." PMMF_STR_(
    PMMF_VERSION_PATCH);
}
