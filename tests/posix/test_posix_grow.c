/* SPDX-License-Identifier: MIT */
/*
 * test_posix_grow.c - POSIX-only checks of views that grow in place: the
 * reservation is one PROT_NONE range that the view's file ranges are mapped
 * over (MAP_FIXED) and that nothing else may enter; when the MAP_FIXED
 * mapping of an extension fails after the kernel unmapped the reserved pages
 * (Linux may: a wrapper swapped into the OS-call table does exactly that),
 * the range is reserved again, so an mmap of it with MAP_FIXED_NOREPLACE
 * still finds it taken; unmap releases the whole reservation.
 */
#define _GNU_SOURCE

#include "support.h"

#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define KIB64 ((uint64_t)65536)

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
static mmap_fn real_mmap;
static int unmap_then_fail; /* the next MAP_FIXED file mapping: munmap, ENOMEM */

static void *mmap_wrapper(void *addr, size_t length, int prot, int flags, int fd, off_t off) {
  if (unmap_then_fail && (flags & MAP_FIXED) && fd >= 0) {
    unmap_then_fail = 0;
    munmap(addr, length);
    errno = ENOMEM;
    return MAP_FAILED;
  }
  return real_mmap(addr, length, prot, flags, fd, off);
}

/* Whether [addr, addr + length) is free: a MAP_FIXED_NOREPLACE mapping
 * there succeeds (and is undone) or fails with EEXIST. */
static int range_free(void *addr, size_t length) {
#ifdef MAP_FIXED_NOREPLACE
  void *p = mmap(addr, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED)
    return 0;
  munmap(p, length);
  return p == addr;
#else
  void *p = mmap(addr, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p != MAP_FAILED)
    munmap(p, length);
  return p == addr;
#endif
}

static void test_failed_extension_keeps_reservation(void **state) {
  const char *path = support_path("posix-grow.bin");
  const size_t page = pmmf_page_size();
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  char *data;
  (void)state;

  assert_int_equal(support_write_pattern(path, (size_t)(4 * KIB64), 2), 0);
  assert_ok(pmmf_file_open(&file, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&map, file, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map_reserve(&view, map, 0, page, (size_t)(8 * KIB64), PMMF_ACCESS_WRITE, 0));
  data = pmmf_view_data(view);
  /* The reservation past the view is taken. */
  assert_false(range_free(data + page, page));

  real_mmap = (mmap_fn)pmmf__os_syscall_get("mmap");
  assert_ok(pmmf__os_syscall_set("mmap", (pmmf__syscall_ptr)mmap_wrapper));
  unmap_then_fail = 1;
  assert_status(pmmf_view_extend(view, 3 * page), PMMF_E_NO_MEMORY);
  assert_ok(pmmf__os_syscall_set("mmap", NULL));
  assert_int_equal(unmap_then_fail, 0);
  assert_int_equal(pmmf_view_size(view), page);
  /* Plugged again: still taken. */
  assert_false(range_free(data + page, 2 * page));

  assert_ok(pmmf_view_extend(view, 3 * page));
  assert_ptr_equal(pmmf_view_data(view), data);
  assert_int_equal(support_check(data, 3 * page, 0, 2), -1);
  assert_ok(pmmf_view_unmap(view));
  /* All of it released. */
  assert_true(range_free(data, (size_t)(8 * KIB64)));
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_failed_extension_keeps_reservation),
  };
  return cmocka_run_group_tests_name("posix_grow", tests, support_group_setup,
                                     support_group_teardown);
}
