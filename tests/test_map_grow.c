/* SPDX-License-Identifier: MIT */
/*
 * test_map_grow.c - conformance of growing maps (pmmf_map_grow) and of views
 * that grow in place (pmmf_view_map_reserve, pmmf_view_extend): views made
 * before a growth keep their addresses and bytes, views made after it reach
 * the new range, the file grows (never shrinks) and a map never shrinks;
 * every OS call of a growth failing in turn leaves the map, its views and the
 * file's size as they were; a reserved view extended step by step keeps its
 * pointer; growers, view makers and size readers run at once on one map
 * (suite 'threads': ThreadSanitizer). Windows: anonymous and named maps and
 * reserved views are PMMF_E_UNSUPPORTED (docs/behavior.md).
 */
#include "support.h"

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#  include <windows.h>
#  define PROCESS_ID() ((long)GetCurrentProcessId())
#else
#  include <unistd.h>
#  define PROCESS_ID() ((long)getpid())
#endif

#define KIB64 ((uint64_t)65536)

/* A file of `size` bytes of pattern `seed`, opened for writing, mapped WRITE. */
static void open_mapped(const char *path, uint64_t size, unsigned seed, pmmf_file **file,
                        pmmf_map **map) {
  assert_int_equal(support_write_pattern(path, (size_t)size, seed), 0);
  assert_ok(pmmf_file_open(file, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(map, *file, 0, PMMF_ACCESS_WRITE, 0));
}

/* Views made before the growth keep their address and bytes; the file grows;
 * new views cover the new range and share bytes with the old ones. */
static void test_file_map_grows_under_views(void **state) {
  const char *path = support_path("grow-views.bin");
  const uint64_t first = KIB64 + 1000, grown = 4 * KIB64 + 123;
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *old_view, *tail, *whole;
  unsigned char *old_data;
  size_t len;
  unsigned char *bytes;
  (void)state;

  open_mapped(path, first, 5, &file, &map);
  assert_ok(pmmf_view_map(&old_view, map, 0, 0, PMMF_ACCESS_WRITE, 0));
  old_data = pmmf_view_data(old_view);

  assert_ok(pmmf_map_grow(map, grown));
  assert_int_equal(pmmf_map_size(map), grown);
  assert_int_equal(support_file_size(path), (int64_t)grown);
  /* The old view: same address, same length, same bytes, still writable. */
  assert_ptr_equal(pmmf_view_data(old_view), old_data);
  assert_int_equal(pmmf_view_size(old_view), (size_t)first);
  assert_int_equal(support_check(old_data, (size_t)first, 0, 5), -1);
  old_data[10] = 0xA5;

  /* A view of the new range only, at an offset that is not aligned. */
  assert_ok(pmmf_view_map(&tail, map, first, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(pmmf_view_size(tail), (size_t)(grown - first));
  assert_int_equal(support_check_byte(pmmf_view_data(tail), (size_t)(grown - first), 0), -1);
  support_fill(pmmf_view_data(tail), (size_t)(grown - first), first, 5);
  assert_ok(pmmf_view_flush(tail, 0, 0, PMMF_FLUSH_SYNC));

  /* A view of everything sees both. */
  assert_ok(pmmf_view_map(&whole, map, 0, 0, PMMF_ACCESS_READ, 0));
  assert_int_equal(((unsigned char *)pmmf_view_data(whole))[10], 0xA5);
  old_data[10] = support_pattern(10, 5);
  assert_ok(pmmf_view_flush(old_view, 0, 0, PMMF_FLUSH_SYNC));
  assert_int_equal(support_check(pmmf_view_data(whole), (size_t)grown, 0, 5), -1);

  assert_ok(pmmf_view_unmap(whole));
  assert_ok(pmmf_view_unmap(tail));
  assert_ok(pmmf_view_unmap(old_view));
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
  bytes = support_read_file(path, &len);
  assert_non_null(bytes);
  assert_int_equal(len, (size_t)grown);
  assert_int_equal(support_check(bytes, len, 0, 5), -1);
  free(bytes);
}

/* Several growths in a row, each seen by the views made after it; the file
 * is closed first (the map keeps it open). */
static void test_repeated_growth(void **state) {
  const char *path = support_path("grow-repeat.bin");
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *views[8];
  uint64_t size = 4096;
  unsigned i;
  (void)state;

  open_mapped(path, size, 9, &file, &map);
  assert_ok(pmmf_file_close(file));
  for (i = 0; i < SUPPORT_ARRAY_LEN(views); i++) {
    uint64_t next = size * 2 + 7;
    assert_ok(pmmf_map_grow(map, next));
    assert_ok(pmmf_view_map(&views[i], map, size, 0, PMMF_ACCESS_WRITE, 0));
    support_fill(pmmf_view_data(views[i]), (size_t)(next - size), size, 9);
    size = next;
  }
  assert_int_equal(support_file_size(path), (int64_t)size);
  for (i = 0; i < SUPPORT_ARRAY_LEN(views); i++) {
    assert_int_equal(support_check(pmmf_view_data(views[i]), pmmf_view_size(views[i]),
                                   pmmf_view_offset(views[i]), 9),
                     -1);
    assert_ok(pmmf_view_unmap(views[i]));
  }
  assert_ok(pmmf_map_close(map));
  assert_int_equal(support_file_is_pattern(path, (size_t)size, 9), 1);
}

/* Bad input changes nothing: NULL, READ and COPY maps, a smaller size (a map
 * never shrinks), too large; the same size does nothing. */
static void test_grow_rules(void **state) {
  const char *path = support_path("grow-rules.bin");
  pmmf_file *file;
  pmmf_map *map, *read_map, *copy_map;
  (void)state;

  open_mapped(path, 3 * KIB64, 2, &file, &map);
  assert_status(pmmf_map_grow(NULL, KIB64), PMMF_E_INVALID);
  assert_ok(pmmf_map_file(&read_map, file, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_map_file(&copy_map, file, 0, PMMF_ACCESS_COPY, 0));
  assert_status(pmmf_map_grow(read_map, 4 * KIB64), PMMF_E_ACCESS);
  assert_status(pmmf_map_grow(copy_map, 4 * KIB64), PMMF_E_ACCESS);
  assert_status(pmmf_map_grow(map, 2 * KIB64), PMMF_E_RANGE);
  assert_status(pmmf_map_grow(map, 0), PMMF_E_RANGE);
  assert_status(pmmf_map_grow(map, (uint64_t)INT64_MAX + 1), PMMF_E_RANGE);
  assert_status(pmmf_map_grow(map, UINT64_MAX), PMMF_E_RANGE);
  assert_ok(pmmf_map_grow(map, 3 * KIB64));
  assert_int_equal(pmmf_map_size(map), 3 * KIB64);
  assert_int_equal(pmmf_map_size(read_map), 3 * KIB64);
  assert_int_equal(support_file_size(path), (int64_t)(3 * KIB64));
  assert_int_equal(support_file_is_pattern(path, (size_t)(3 * KIB64), 2), 1);

  /* While the map lives the file cannot be resized; growing goes through
   * the map. */
  assert_status(pmmf_file_resize(file, 8 * KIB64), PMMF_E_BUSY);
  assert_ok(pmmf_map_close(copy_map));
  assert_ok(pmmf_map_close(read_map));
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
}

/* A map of part of a file grows inside the file: the file keeps its size and
 * bytes (extend-only), and the map's new range shows them. */
static void test_grow_within_larger_file(void **state) {
  const char *path = support_path("grow-within.bin");
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  (void)state;

  assert_int_equal(support_write_pattern(path, (size_t)(8 * KIB64), 4), 0);
  assert_ok(pmmf_file_open(&file, path, PMMF_OPEN_READ | PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&map, file, KIB64, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_map_grow(map, 3 * KIB64 + 5));
  assert_int_equal(support_file_size(path), (int64_t)(8 * KIB64));
  assert_ok(pmmf_view_map(&view, map, KIB64 - 3, 0, PMMF_ACCESS_READ, 0));
  assert_int_equal(pmmf_view_size(view), (size_t)(2 * KIB64 + 8));
  assert_int_equal(support_check(pmmf_view_data(view), pmmf_view_size(view), KIB64 - 3, 4), -1);
  assert_status(pmmf_view_map(&view, map, 3 * KIB64 + 5, 1, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
  assert_ok(pmmf_view_unmap(view));
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
  assert_int_equal(support_file_is_pattern(path, (size_t)(8 * KIB64), 4), 1);
}

/* Anonymous memory: POSIX grows the memory object (old bytes kept, new ones
 * zero, views share them); Windows cannot grow a page-file-backed section. */
static void test_anonymous_grow(void **state) {
  pmmf_map *map;
  pmmf_view *first, *second;
  unsigned char *data;
  (void)state;

  assert_ok(pmmf_map_anonymous(&map, KIB64, 0));
  assert_ok(pmmf_view_map(&first, map, 0, 0, PMMF_ACCESS_WRITE, 0));
  data = pmmf_view_data(first);
  support_fill(data, (size_t)KIB64, 0, 3);
  assert_status(pmmf_map_grow(map, 1), PMMF_E_RANGE);
  assert_status(pmmf_map_grow(map, (uint64_t)INT64_MAX + 1), PMMF_E_TOO_LARGE);
  if (support_is_win32()) {
    assert_status(pmmf_map_grow(map, 2 * KIB64), PMMF_E_UNSUPPORTED);
    assert_int_equal(pmmf_map_size(map), KIB64);
    assert_ok(pmmf_map_grow(map, KIB64)); /* the same size: nothing to do */
  } else {
    assert_ok(pmmf_map_grow(map, 3 * KIB64));
    assert_int_equal(pmmf_map_size(map), 3 * KIB64);
    assert_ok(pmmf_view_map(&second, map, 0, 0, PMMF_ACCESS_WRITE, 0));
    assert_int_equal(support_check(pmmf_view_data(second), (size_t)KIB64, 0, 3), -1);
    assert_int_equal(
      support_check_byte((char *)pmmf_view_data(second) + KIB64, (size_t)(2 * KIB64), 0), -1);
    ((unsigned char *)pmmf_view_data(second))[5] = 0x11;
    assert_int_equal(data[5], 0x11);
    assert_ok(pmmf_view_unmap(second));
  }
  assert_int_equal(support_check(data + 6, (size_t)KIB64 - 6, 6, 3), -1);
  assert_ok(pmmf_view_unmap(first));
  assert_ok(pmmf_map_close(map));
}

/* A window opened on a small map serves requests of its whole window size
 * once the map has grown: its views' length follows the map's size at each
 * remap, not the size at the window's opening (before, a request longer than
 * the old map got a pointer into a view that short: reads ran off its end). */
static void test_window_after_growth(void **state) {
  const char *path = support_path("grow-window.bin");
  const uint64_t first = 4096 + 100, grown = 16 * KIB64;
  const size_t want = (size_t)(4 * KIB64);
  pmmf_file *file;
  pmmf_map *map;
  pmmf_window *window;
  unsigned char *p;
  (void)state;

  open_mapped(path, first, 9, &file, &map);
  assert_ok(pmmf_window_open(&window, map, want, PMMF_ACCESS_READ));
  assert_ok(pmmf_window_get(window, 0, 100, (void **)&p)); /* a view of the small map */
  assert_int_equal(support_check(p, 100, 0, 9), -1);
  assert_ok(pmmf_map_grow(map, grown));
  assert_ok(pmmf_window_get(window, 0, want, (void **)&p));
  assert_int_equal(support_check(p, (size_t)first, 0, 9), -1);
  assert_int_equal(support_check_byte(p + first, want - (size_t)first, 0), -1);
  assert_ok(pmmf_window_get(window, grown - want, want, (void **)&p));
  assert_int_equal(support_check_byte(p, want, 0), -1);
  assert_status(pmmf_window_get(window, grown - want + 1, want, (void **)&p), PMMF_E_RANGE);
  assert_ok(pmmf_window_close(window));
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
  assert_int_equal(support_remove_file(path), 0);
}

/* Named memory: POSIX grows the shm object (another open sees the new
 * size); Windows: PMMF_E_UNSUPPORTED. */
static void test_shared_grow(void **state) {
  char name[40];
  pmmf_map *map, *other;
  pmmf_view *view;
  (void)state;

  snprintf(name, sizeof name, "pmmf-mapgrow-%ld", PROCESS_ID());
  (void)pmmf_shm_unlink(name);
  assert_ok(pmmf_map_shared(&map, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL));
  assert_ok(pmmf_view_map(&view, map, 0, 0, PMMF_ACCESS_WRITE, 0));
  support_fill(pmmf_view_data(view), (size_t)KIB64, 0, 8);
  if (support_is_win32()) {
    assert_status(pmmf_map_grow(map, 2 * KIB64), PMMF_E_UNSUPPORTED);
    assert_int_equal(pmmf_map_size(map), KIB64);
  } else {
    assert_ok(pmmf_map_grow(map, 2 * KIB64));
    assert_ok(pmmf_map_shared(&other, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
    assert_int_equal(pmmf_map_size(other), 2 * KIB64);
    assert_ok(pmmf_map_close(other));
  }
  assert_int_equal(support_check(pmmf_view_data(view), (size_t)KIB64, 0, 8), -1);
  assert_ok(pmmf_view_unmap(view));
  assert_ok(pmmf_map_close(map));
  (void)pmmf_shm_unlink(name);
}

/* Every OS call of a growth fails in turn (a full disk): the call fails or
 * shrugs the failure off; when it fails, the map's size, its view's bytes
 * and the file's size are as they were. */
static void test_grow_failures_change_nothing(void **state) {
  const char *path = support_path("grow-fail.bin");
  const uint64_t first = KIB64 + 17, grown = 5 * KIB64;
  unsigned skip;
  int failures = 0;
  (void)state;

  for (skip = 0; skip < 64; skip++) {
    pmmf_file *file;
    pmmf_map *map;
    pmmf_view *view;
    long mappings;
    int rc, fired;

    open_mapped(path, first, 6, &file, &map);
    assert_ok(pmmf_view_map(&view, map, 0, 0, PMMF_ACCESS_WRITE, 0));
    mappings = support_count_mappings();
    pmmf__fault_arm(NULL, skip, PMMF__FAULT_NO_SPACE);
    rc = pmmf_map_grow(map, grown);
    fired = pmmf__fault_fired();
    pmmf__fault_disarm();
    if (rc != PMMF_OK) {
      assert_true(fired);
      failures++;
      assert_true(rc == PMMF_E_NO_SPACE || rc == PMMF_E_OS);
      assert_int_equal(pmmf_map_size(map), first);
      assert_int_equal(support_file_size(path), (int64_t)first);
      assert_int_equal(support_count_mappings(), mappings);
      assert_status(pmmf_view_map(&view, map, first, 1, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
    } else {
      assert_int_equal(pmmf_map_size(map), grown);
      assert_int_equal(support_file_size(path), (int64_t)grown);
    }
    assert_int_equal(support_check(pmmf_view_data(view), (size_t)first, 0, 6), -1);
    assert_ok(pmmf_view_unmap(view));
    assert_ok(pmmf_map_close(map));
    assert_ok(pmmf_file_close(file));
    if (!fired)
      break;
  }
  assert_true(skip < 64);
  assert_true(failures > 0);
}

#ifndef _WIN32
static uint64_t small_file_limit(void) {
  return 3 * KIB64;
}
#endif

/* POSIX: a growth beyond RLIMIT_FSIZE (swapped in the OS-call table) is
 * PMMF_E_RANGE before anything changes, never SIGXFSZ; up to it, fine.
 * Windows has no such limit. */
static void test_grow_beyond_file_size_limit(void **state) {
#ifdef _WIN32
  (void)state;
#else
  const char *path = support_path("grow-limit.bin");
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  (void)state;

  open_mapped(path, KIB64, 1, &file, &map);
  assert_ok(pmmf_view_map(&view, map, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf__os_syscall_set("getrlimit", (pmmf__syscall_ptr)small_file_limit));
  assert_status(pmmf_map_grow(map, 3 * KIB64 + 1), PMMF_E_RANGE);
  assert_int_equal(pmmf_map_size(map), KIB64);
  assert_int_equal(support_file_size(path), (int64_t)KIB64);
  assert_ok(pmmf_map_grow(map, 3 * KIB64));
  assert_ok(pmmf__os_syscall_set("getrlimit", NULL));
  assert_int_equal(support_file_size(path), (int64_t)(3 * KIB64));
  assert_int_equal(support_check(pmmf_view_data(view), (size_t)KIB64, 0, 1), -1);
  assert_ok(pmmf_view_unmap(view));
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
#endif
}

/* Views that grow in place: the pointer never moves, the bytes stay; the
 * map is grown first. Windows: PMMF_E_UNSUPPORTED, nothing left behind. */
static void test_reserved_view_extends_in_place(void **state) {
  const char *path = support_path("grow-reserve.bin");
  const uint64_t offset = 100; /* not aligned: rounded down by the library */
  const size_t reserve = (size_t)(16 * KIB64 + 300);
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view, *plain;
  unsigned char *data;
  size_t length = 1000;
  long mappings;
  (void)state;

  open_mapped(path, KIB64, 7, &file, &map);
  mappings = support_count_mappings();
  if (support_is_win32()) {
    view = NULL;
    assert_status(pmmf_view_map_reserve(&view, map, offset, length, reserve, PMMF_ACCESS_WRITE, 0),
                  PMMF_E_UNSUPPORTED);
    assert_null(view);
    assert_int_equal(support_count_mappings(), mappings);
    assert_ok(pmmf_map_close(map));
    assert_ok(pmmf_file_close(file));
    return;
  }
  assert_status(pmmf_view_map_reserve(&view, map, offset, length, length - 1, PMMF_ACCESS_WRITE, 0),
                PMMF_E_RANGE);
  assert_status(pmmf_view_map_reserve(&view, map, offset, length, SIZE_MAX, PMMF_ACCESS_WRITE, 0),
                PMMF_E_TOO_LARGE);
  assert_status(pmmf_view_map_reserve(&view, map, KIB64, 1, reserve, PMMF_ACCESS_WRITE, 0),
                PMMF_E_RANGE);
  assert_status(pmmf_view_map_reserve(NULL, map, 0, 1, reserve, PMMF_ACCESS_WRITE, 0),
                PMMF_E_INVALID);
  assert_ok(pmmf_view_map_reserve(&view, map, offset, length, reserve, PMMF_ACCESS_WRITE, 0));
  data = pmmf_view_data(view);
  assert_int_equal(pmmf_view_size(view), length);
  assert_true(pmmf_view_capacity(view) >= reserve);
  assert_int_equal(support_check(data, length, offset, 7), -1);

  /* Beyond the map, shorter, beyond the capacity: refused, nothing changes. */
  assert_status(pmmf_view_extend(view, (size_t)(KIB64 - offset + 1)), PMMF_E_RANGE);
  assert_status(pmmf_view_extend(view, length - 1), PMMF_E_RANGE);
  assert_status(pmmf_view_extend(NULL, length), PMMF_E_INVALID);
  assert_ok(pmmf_view_extend(view, length));

  /* To the map's end, then grow the map and follow it, 16 times past the
   * first size, writing each new range through the one pointer. */
  assert_ok(pmmf_view_extend(view, (size_t)(KIB64 - offset)));
  assert_ptr_equal(pmmf_view_data(view), data);
  length = (size_t)(KIB64 - offset);
  while (length < reserve - 5000) {
    size_t next = length + 12345 < reserve - 5000 ? length + 12345 : reserve - 5000;
    assert_ok(pmmf_map_grow(map, offset + next));
    assert_ok(pmmf_view_extend(view, next));
    assert_ptr_equal(pmmf_view_data(view), data);
    assert_int_equal(pmmf_view_size(view), next);
    support_fill(data + length, next - length, offset + length, 7);
    assert_ok(pmmf_view_write(view, next - 1, data + next - 1, 1));
    length = next;
  }
  assert_status(pmmf_view_extend(view, pmmf_view_capacity(view) + 1), PMMF_E_RANGE);
  assert_ok(pmmf_view_flush(view, 0, 0, PMMF_FLUSH_SYNC));
  assert_int_equal(support_check(data, length, offset, 7), -1);

  /* A protected view's new range has its current access; back to WRITE. */
  assert_ok(pmmf_view_protect(view, PMMF_ACCESS_READ));
  assert_ok(pmmf_map_grow(map, offset + length + 5000));
  assert_ok(pmmf_view_extend(view, length + 5000));
  assert_status(pmmf_view_write(view, length, data, 1), PMMF_E_ACCESS);
  assert_ok(pmmf_view_protect(view, PMMF_ACCESS_WRITE));
  support_fill(data + length, 5000, offset + length, 7);
  length += 5000;

  /* A view without a reservation has its length as capacity. */
  assert_ok(pmmf_view_map(&plain, map, 0, 10, PMMF_ACCESS_READ, 0));
  assert_int_equal(pmmf_view_capacity(plain), 10);
  assert_status(pmmf_view_extend(plain, 11), PMMF_E_RANGE);
  assert_ok(pmmf_view_unmap(plain));

  assert_ok(pmmf_view_flush(view, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_unmap(view));
  assert_int_equal(support_count_mappings(), mappings);
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
  {
    size_t len;
    unsigned char *bytes = support_read_file(path, &len);
    assert_non_null(bytes);
    assert_int_equal(len, (size_t)(offset + length));
    assert_int_equal(support_check(bytes, len, 0, 7), -1);
    free(bytes);
  }
}

/* A reserved COPY view of anonymous memory extends too, privately. */
static void test_reserved_copy_view(void **state) {
  pmmf_map *map;
  pmmf_view *shared, *copy;
  unsigned char *data;
  (void)state;

  assert_ok(pmmf_map_anonymous(&map, KIB64, 0));
  if (support_is_win32()) {
    assert_status(pmmf_view_map_reserve(&copy, map, 0, 0, (size_t)(4 * KIB64), PMMF_ACCESS_COPY, 0),
                  PMMF_E_UNSUPPORTED);
    assert_ok(pmmf_map_close(map));
    return;
  }
  assert_ok(pmmf_view_map(&shared, map, 0, 0, PMMF_ACCESS_WRITE, 0));
  support_fill(pmmf_view_data(shared), (size_t)KIB64, 0, 1);
  assert_ok(pmmf_view_map_reserve(&copy, map, 0, 0, (size_t)(4 * KIB64), PMMF_ACCESS_COPY, 0));
  data = pmmf_view_data(copy);
  assert_ok(pmmf_map_grow(map, 3 * KIB64));
  assert_ok(pmmf_view_extend(copy, (size_t)(3 * KIB64)));
  assert_ptr_equal(pmmf_view_data(copy), data);
  assert_int_equal(support_check(data, (size_t)KIB64, 0, 1), -1);
  assert_int_equal(support_check_byte(data + KIB64, (size_t)(2 * KIB64), 0), -1);
  data[KIB64 + 1] = 0x77; /* private */
  assert_ok(pmmf_view_unmap(shared));
  assert_ok(pmmf_view_map(&shared, map, KIB64, 10, PMMF_ACCESS_READ, 0));
  assert_int_equal(((unsigned char *)pmmf_view_data(shared))[1], 0);
  assert_ok(pmmf_view_unmap(shared));
  assert_ok(pmmf_view_unmap(copy));
  assert_ok(pmmf_map_close(map));
}

/* Failures of the reservation's OS calls, each in turn: no view, nothing
 * mapped left behind; of an extension: the view as it was. */
static void test_reserved_view_failures(void **state) {
  const char *path = support_path("grow-reserve-fail.bin");
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  unsigned skip;
  long mappings;
  int rc, fired;
  unsigned char *data;
  (void)state;

  if (support_is_win32())
    return; /* no reservations (test_reserved_view_extends_in_place) */
  open_mapped(path, 4 * KIB64, 3, &file, &map);
  mappings = support_count_mappings();
  for (skip = 0; skip < 16; skip++) {
    view = NULL;
    pmmf__fault_arm(NULL, skip, PMMF__FAULT_NO_MEMORY);
    rc = pmmf_view_map_reserve(&view, map, 5, KIB64, (size_t)(8 * KIB64), PMMF_ACCESS_WRITE, 0);
    fired = pmmf__fault_fired();
    pmmf__fault_disarm();
    if (!fired) {
      assert_ok(rc);
      break;
    }
    assert_status(rc, PMMF_E_NO_MEMORY);
    assert_null(view);
    assert_int_equal(support_count_mappings(), mappings);
  }
  assert_true(skip > 0 && skip < 16);
  data = pmmf_view_data(view);
  for (skip = 0; skip < 16; skip++) {
    pmmf__fault_arm(NULL, skip, PMMF__FAULT_NO_MEMORY);
    rc = pmmf_view_extend(view, (size_t)(3 * KIB64));
    fired = pmmf__fault_fired();
    pmmf__fault_disarm();
    if (!fired) {
      assert_ok(rc);
      break;
    }
    assert_status(rc, PMMF_E_NO_MEMORY);
    assert_int_equal(pmmf_view_size(view), (size_t)KIB64);
  }
  assert_true(skip > 0 && skip < 16);
  assert_ptr_equal(pmmf_view_data(view), data);
  assert_int_equal(support_check(data, (size_t)(3 * KIB64), 5, 3), -1);
  assert_ok(pmmf_view_unmap(view));
  assert_int_equal(support_count_mappings(), mappings);
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
}

/* Concurrency: two growers, view makers and size readers on one map. Every
 * view made sees a size the map really had, and the bytes of the first part
 * (written before the threads start) through any view; the growers' sizes
 * are all reached in order; pmmf_file_resize is refused all along. */
#define GROW_STEPS 40
#define GROW_STEP ((uint64_t)4096 + 17)
#define GROW_FIRST KIB64

struct grow_worker {
  pmmf_map *map;
  pmmf_file *file;
  int role;      /* 0: grower, 1: view maker, 2: size reader and resizer */
  int failures;
};

static void grow_worker_run(void *arg) {
  struct grow_worker *w = arg;
  unsigned i;

  for (i = 0; i < GROW_STEPS * 3; i++) {
    if (w->role == 0) {
      int rc = pmmf_map_grow(w->map, GROW_FIRST + (uint64_t)(i / 3 + 1) * GROW_STEP);
      if (rc != PMMF_OK && rc != PMMF_E_RANGE)
        w->failures++;
    } else if (w->role == 1) {
      pmmf_view *view;
      uint64_t size = pmmf_map_size(w->map);
      if (pmmf_view_map(&view, w->map, 0, 0, PMMF_ACCESS_READ, 0) != PMMF_OK) {
        w->failures++;
        continue;
      }
      if (pmmf_view_size(view) < size ||
          (pmmf_view_size(view) - GROW_FIRST) % GROW_STEP != 0 ||
          support_check(pmmf_view_data(view), (size_t)GROW_FIRST, 0, 4) != -1 ||
          support_check_byte((char *)pmmf_view_data(view) + GROW_FIRST,
                             pmmf_view_size(view) - (size_t)GROW_FIRST, 0) != -1)
        w->failures++;
      if (pmmf_view_unmap(view) != PMMF_OK)
        w->failures++;
    } else {
      uint64_t size = pmmf_map_size(w->map);
      if (size < GROW_FIRST || (size - GROW_FIRST) % GROW_STEP != 0)
        w->failures++;
      if (pmmf_file_resize(w->file, 1) != PMMF_E_BUSY)
        w->failures++;
    }
  }
}

static void test_concurrent_growth(void **state) {
  const char *path = support_path("grow-threads.bin");
  struct grow_worker workers[6];
  support_thread *threads[6];
  pmmf_file *file;
  pmmf_map *map;
  unsigned i;
  long live = pmmf__alloc_live();
  (void)state;

  open_mapped(path, GROW_FIRST, 4, &file, &map);
  for (i = 0; i < 6; i++) {
    workers[i].map = map;
    workers[i].file = file;
    workers[i].role = i < 2 ? 0 : i < 5 ? 1 : 2;
    workers[i].failures = 0;
  }
  for (i = 0; i < 6; i++) {
    threads[i] = support_thread_start(grow_worker_run, &workers[i]);
    assert_non_null(threads[i]);
  }
  for (i = 0; i < 6; i++)
    support_thread_join(threads[i]);
  for (i = 0; i < 6; i++)
    assert_int_equal(workers[i].failures, 0);
  assert_int_equal(pmmf_map_size(map), GROW_FIRST + GROW_STEPS * GROW_STEP);
  assert_int_equal(support_file_size(path), (int64_t)(GROW_FIRST + GROW_STEPS * GROW_STEP));
  assert_ok(pmmf_map_close(map));
  assert_ok(pmmf_file_close(file));
  assert_int_equal(pmmf__alloc_live(), live);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_file_map_grows_under_views),
      cmocka_unit_test(test_repeated_growth),
      cmocka_unit_test(test_grow_rules),
      cmocka_unit_test(test_grow_within_larger_file),
      cmocka_unit_test(test_anonymous_grow),
      cmocka_unit_test(test_shared_grow),
      cmocka_unit_test(test_window_after_growth),
      cmocka_unit_test(test_grow_failures_change_nothing),
      cmocka_unit_test(test_grow_beyond_file_size_limit),
      cmocka_unit_test(test_reserved_view_extends_in_place),
      cmocka_unit_test(test_reserved_copy_view),
      cmocka_unit_test(test_reserved_view_failures),
      cmocka_unit_test(test_concurrent_growth),
  };
  return cmocka_run_group_tests_name("map_grow", tests, support_group_setup,
                                     support_group_teardown);
}
