// SPDX-License-Identifier: MIT
/*
 * peer_boost.cpp - the benchmark's Boost.Interprocess peer (case 7): map a
 * whole file with file_mapping + mapped_region, as a Boost user would, and
 * hand its bytes to the C side. Built only when Boost's headers are found.
 */
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int bench_boost_map_whole(const char *path, uint64_t (*use)(const void *, size_t),
                                     uint64_t *sink)
{
  namespace bip = boost::interprocess;
  try {
    bip::file_mapping file(path, bip::read_only);
    bip::mapped_region region(file, bip::read_only);
    *sink += use(region.get_address(), region.get_size());
    return 0;
  } catch (...) {
    return -1;
  }
}
