/* SPDX-License-Identifier: MIT */
/*
 * header_c.c - the public header compiles alone (no other include first) as
 * strict C99 with -pedantic, and its declarations link.
 */
#include <portmmf.h>

int main(void)
{
  return pmmf_version()[0] == '\0' || PMMF_PORTABLE_GRANULARITY != 65536u;
}
