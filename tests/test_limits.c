/* SPDX-License-Identifier: MIT */
/*
 * test_limits.c - conformance at the limits of a process: 100 000 view
 * map/unmap cycles of one map, and a few thousand whole open/map/view/close
 * cycles, leave the descriptor or handle count, the mapping count and the
 * library's allocation count exactly as they were; and a view larger than
 * the address space is a status (PMMF_E_NO_MEMORY, or PMMF_E_TOO_LARGE where
 * it does not fit size_t), not a crash, with nothing left behind. The
 * descriptor limit (RLIMIT_NOFILE) and a small address-space limit
 * (RLIMIT_AS) are POSIX matters: tests/posix/test_posix_limits.c.
 */
#include "support.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define VIEW_CYCLES 100000u
#define FULL_CYCLES 2000u
#define FSIZE ((size_t)300000)

struct counts {
  long allocs, handles, mappings;
};

static void take(struct counts *c) {
  c->allocs = pmmf__alloc_live();
  c->handles = support_count_handles();
  c->mappings = support_count_mappings();
}

static void assert_same(const struct counts *a, const char *when) {
  struct counts b;
  take(&b);
  if (a->allocs != b.allocs || a->handles != b.handles || a->mappings != b.mappings)
    fail_msg("%s: allocations %ld -> %ld, handles %ld -> %ld, mappings %ld -> %ld", when,
             a->allocs, b.allocs, a->handles, b.handles, a->mappings, b.mappings);
}

/* One view of `m`, by cycle number: offsets and lengths vary (straddling
 * 64 KiB boundaries), access goes round READ, WRITE and COPY, and one cycle
 * in 16 prefaults. The first byte is checked each time. */
static void view_cycle(pmmf_map *m, uint64_t size, unsigned i, unsigned seed) {
  static const pmmf_access access[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};
  uint64_t offset = ((uint64_t)i * 40009u) % (size - 1);
  size_t length = 1 + (size_t)(((uint64_t)i * 7u) % (size - offset));
  pmmf_view *v = NULL;
  unsigned char byte;
  int rc = pmmf_view_map(&v, m, offset, length, access[i % 3], i % 16 == 0 ? PMMF_VIEW_POPULATE : 0);
  if (rc != PMMF_OK)
    fail_msg("cycle %u: pmmf_view_map(%llu, %llu) returned %s", i, (unsigned long long)offset,
             (unsigned long long)length, pmmf_status_name(rc));
  byte = *(unsigned char *)pmmf_view_data(v);
  if (byte != (seed == 0 ? 0 : support_pattern(offset, seed)))
    fail_msg("cycle %u: byte at %llu is 0x%02x", i, (unsigned long long)offset, byte);
  rc = pmmf_view_unmap(v);
  if (rc != PMMF_OK)
    fail_msg("cycle %u: pmmf_view_unmap returned %s", i, pmmf_status_name(rc));
}

static void test_view_cycles(void **state) {
  const char *path = support_path("limits-views.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL, *a = NULL;
  struct counts before;
  unsigned i;
  (void)state;
  assert_int_equal(support_write_pattern(path, FSIZE, 21), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_anonymous(&a, FSIZE, 0));
  take(&before);
  /* Half of the cycles on the file map, half on the anonymous one. */
  for (i = 0; i < VIEW_CYCLES; i++) {
    if (i % 2 == 0)
      view_cycle(m, FSIZE, i, 21);
    else
      view_cycle(a, FSIZE, i, 0);
    if (i % 25000 == 24999)
      assert_same(&before, "after view cycles");
  }
  assert_same(&before, "after 100 000 view cycles");
  assert_ok(pmmf_map_close(a));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_is_pattern(path, FSIZE, 21));
}

/* Whole lifecycles: open (creating), map with growth, view, write, unmap,
 * close; and anonymous maps made and dropped. */
static void test_full_cycles(void **state) {
  const char *path = support_path("limits-full.bin");
  struct counts before;
  unsigned i;
  (void)state;
  support_remove_file(path);
  take(&before);
  for (i = 0; i < FULL_CYCLES; i++) {
    pmmf_file *f = NULL;
    pmmf_map *m = NULL;
    pmmf_view *v = NULL;
    size_t size = 4096 + (size_t)(i % 50) * 1000;
    unsigned flags = PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE |
                     (i % 3 == 0 ? PMMF_OPEN_EXCLUSIVE : 0);
    int rc = pmmf_file_open(&f, path, flags);
    if (rc != PMMF_OK)
      fail_msg("cycle %u: pmmf_file_open returned %s", i, pmmf_status_name(rc));
    assert_ok(pmmf_map_file(&m, f, size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
    assert_ok(pmmf_view_map(&v, m, i % 4000, 0, PMMF_ACCESS_WRITE, 0));
    memset(pmmf_view_data(v), (int)(i & 0xFF), 16);
    /* Close in a different order each time. */
    switch (i % 3) {
    case 0:
      assert_ok(pmmf_view_unmap(v));
      assert_ok(pmmf_map_close(m));
      assert_ok(pmmf_file_close(f));
      break;
    case 1:
      assert_ok(pmmf_file_close(f));
      assert_ok(pmmf_map_close(m));
      assert_ok(pmmf_view_unmap(v));
      break;
    default:
      assert_ok(pmmf_map_close(m));
      assert_ok(pmmf_file_close(f));
      assert_ok(pmmf_view_unmap(v));
      break;
    }
    if (i % 2 == 0) {
      m = NULL;
      assert_ok(pmmf_map_anonymous(&m, size, 0));
      assert_ok(pmmf_map_close(m));
    }
  }
  assert_same(&before, "after the open/map/view/close cycles");
  assert_int_equal(support_file_size(path), 4096 + (FULL_CYCLES - 1) % 50 * 1000);
}

/* A map far larger than any address space (256 TiB, sparse): Windows
 * commits page-file space for it up front and refuses it with
 * PMMF_E_NO_MEMORY; POSIX makes the memory object (sparse). Mapping all of
 * it is then PMMF_E_NO_MEMORY (no room in the address space) or
 * PMMF_E_TOO_LARGE (32-bit: the length does not fit size_t). Nothing is left
 * behind, and a small view still works. */
static void test_view_beyond_address_space(void **state) {
  const uint64_t huge = (uint64_t)1 << 48;
  struct counts before;
  pmmf_map *m = SENTINEL;
  pmmf_view *v = SENTINEL;
  int rc;
  (void)state;
  take(&before);
  rc = pmmf_map_anonymous(&m, huge, 0);
  if (rc != PMMF_OK) {
    printf("# a 256 TiB anonymous map: %s\n", pmmf_status_name(rc));
    assert_status(rc, PMMF_E_NO_MEMORY);
    assert_ptr_equal(m, SENTINEL);
    assert_same(&before, "after the refused map");
    return;
  }
  rc = pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0);
  printf("# a 256 TiB view: %s\n", pmmf_status_name(rc));
  /* Under valgrind the mapping goes to its address-space manager, which
   * refuses a length beyond what it manages with EINVAL where the kernel
   * says ENOMEM: the tool's answer, not the library's (still a status,
   * outputs untouched, nothing leaked). */
  if (rc == PMMF_E_INVALID && getenv("PMMF_TEST_VALGRIND") != NULL)
    printf("# (valgrind: EINVAL from its own mmap)\n");
  else if (rc != PMMF_E_NO_MEMORY && rc != PMMF_E_TOO_LARGE)
    fail_msg("a %llu-byte view returned %s", (unsigned long long)huge, pmmf_status_name(rc));
  assert_ptr_equal(v, SENTINEL);
  rc = pmmf_view_map(&v, m, huge - ((uint64_t)1 << 40), (size_t)1 << 20, PMMF_ACCESS_WRITE, 0);
  if (sizeof(void *) == 4 && !support_is_win32()) {
    /* 32-bit Linux maps through mmap2, which cannot reach offsets from
     * 16 TiB on (docs/behavior.md, Resource limits). */
    assert_status(rc, PMMF_E_TOO_LARGE);
    assert_ptr_equal(v, SENTINEL);
  } else {
    /* A small view far into it: zeros, writable. */
    assert_ok(rc);
    assert_int_equal(support_check_byte(pmmf_view_data(v), (size_t)1 << 20, 0), -1);
    memset(pmmf_view_data(v), 1, 4096);
    assert_ok(pmmf_view_unmap(v));
  }
  assert_ok(pmmf_map_close(m));
  assert_same(&before, "after the huge map");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_view_cycles),
      cmocka_unit_test(test_full_cycles),
      cmocka_unit_test(test_view_beyond_address_space),
  };
  return cmocka_run_group_tests_name("limits", tests, support_group_setup, support_group_teardown);
}
