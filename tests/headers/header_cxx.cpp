/* SPDX-License-Identifier: MIT */
/*
 * header_cxx.cpp - the public header compiles alone as C++11 (extern "C",
 * no C-only constructs) and its declarations link.
 */
#include <portmmf.h>

int main()
{
  pmmf_access access = PMMF_ACCESS_READ;
  return pmmf_status_name(PMMF_E_RANGE)[0] != 'P' || access != 1;
}
