/* SPDX-License-Identifier: MIT */
/*
 * test_inject.c - failure injection through internal.h's pmmf__fault_arm:
 * for each operation, fail its 1st, 2nd, 3rd... OS call (or allocation) in
 * turn until the operation completes without the fault firing. After every
 * injected failure: the status matches the fault's kind, outputs are
 * untouched, files keep their size and bytes, a file or named object the call
 * created is gone, pmmf_last_os_error() is set, and no allocation, handle or mapping leaked.
 * An EINTR sweep may succeed (backends retry) and must still leak nothing;
 * where POSIX calls can be interrupted (open, flock, ftruncate, fdatasync)
 * the backend must retry. The release calls (unmap, map and file close) are
 * swept the same way: they report the failure and release all the same.
 * The last test prints how many failure points were injected on this backend
 * ("# report: ..." lines, repeated by scripts/test.sh).
 */
#include "support.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SKIP 200u
#define SMALL ((size_t)70000)
#define BIG ((size_t)140000)

/* ------------------------------------------------------------------------- */

struct snapshot {
  long allocs, handles, mappings;
};

static void take(struct snapshot *s) {
  s->allocs = pmmf__alloc_live();
  s->handles = support_count_handles();
  s->mappings = support_count_mappings();
}

static void same(const struct snapshot *a, const struct snapshot *b, const char *what,
                 const char *op, unsigned skip, const char *call) {
  if (a->allocs != b->allocs || a->handles != b->handles || a->mappings != b->mappings)
    fail_msg("%s leaked (%s, skip %u, fault in %s): allocations %ld -> %ld, handles %ld -> %ld, "
             "mappings %ld -> %ld",
             op, what, skip, call, a->allocs, b->allocs, a->handles, b->handles, a->mappings,
             b->mappings);
}

static int expected_status(int kind, const char *call) {
  if (strcmp(call, "malloc") == 0)
    return PMMF_E_NO_MEMORY;
  switch (kind) {
  case PMMF__FAULT_NO_SPACE:
    return PMMF_E_NO_SPACE;
  case PMMF__FAULT_NO_MEMORY:
    return PMMF_E_NO_MEMORY;
  case PMMF__FAULT_IO:
    return PMMF_E_IO;
  case PMMF__FAULT_ACCESS:
    /* Setting the end of a file through a handle opened for writing is
     * denied only because the file is mapped (older Wine answers
     * ERROR_ACCESS_DENIED where Windows answers ERROR_USER_MAPPED_FILE):
     * docs/behavior.md, Resize. */
    if (strcmp(call, "SetFileInformationByHandle") == 0)
      return PMMF_E_BUSY;
    return PMMF_E_ACCESS;
  default:
    return PMMF_OK;
  }
}

/* Failure points injected (faults that fired), per fault kind, and the
 * operations swept. */
static unsigned long points[PMMF__FAULT_INTR + 1];
static unsigned long release_points;
static unsigned operations_swept;

/* POSIX calls that EINTR can interrupt here: the backend retries them, so an
 * injected EINTR there never fails the operation. (Windows has no EINTR; its
 * stand-in, ERROR_OPERATION_ABORTED, is a failure like any other.) */
static int retried_on_eintr(const char *call) {
  static const char *const calls[] = {"open", "flock", "ftruncate", "fdatasync"};
  size_t i;
  if (support_is_win32())
    return 0;
  for (i = 0; i < SUPPORT_ARRAY_LEN(calls); i++)
    if (strcmp(call, calls[i]) == 0)
      return 1;
  return 0;
}

/* What is being injected now, for failure messages. */
static const char *cur_op = "";
static unsigned cur_skip;
static char cur_call[64];
static int cur_kind;

#define CHECK(cond)                                                                         \
  do {                                                                                      \
    if (!(cond))                                                                            \
      fail_msg("%s: after fault kind %d in %s (skip %u): %s is false", cur_op, cur_kind,    \
               cur_call, cur_skip, #cond);                                                  \
  } while (0)

/* ------------------------------------------------------------------------- */

struct ctx {
  const char *path;
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  pmmf_file *out_file;
  pmmf_map *out_map;
  pmmf_view *out_view;
  uint64_t out_size;
  pmmf_map *probe;       /* view_map_at: an anonymous map to find free addresses */
  void *base;            /* view_map_at: the address */
  int check_after_close; /* the file still holds its pattern once closed */
  const char *name;      /* named shared memory */
  int created;
  pmmf_window *window;
  pmmf_window *out_window;
  void *out_ptr;
  void *first_ptr;       /* what the window's previous get returned */
};

/* An operation that is a hint: without a fault it returns PMMF_OK or
 * PMMF_E_UNSUPPORTED, and on a backend without the hint it makes no OS call
 * at all (then nothing can be injected there). */
#define OP_HINT 1u

struct op {
  const char *name;
  void (*prepare)(struct ctx *c);
  int (*call)(struct ctx *c);
  void (*check_failed)(struct ctx *c);
  void (*check_succeeded)(struct ctx *c);
  void (*cleanup)(struct ctx *c);
  unsigned flags;
  /* Run after the "before" counts are taken, just before the call (not
   * failed by the injection): what must happen as late as possible. */
  void (*before_call)(struct ctx *c);
};


static void file_unlocked(const char *path) {
  /* No lock or handle left behind: an EXCLUSIVE open succeeds. */
  pmmf_file *x = NULL;
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
  assert_ok(pmmf_file_close(x));
}

static void prepare_missing(struct ctx *c) {
  c->path = support_path("inject-new.bin");
  support_remove_file(c->path);
  assert_false(support_file_exists(c->path));
  c->out_file = SENTINEL;
}

static void prepare_existing(struct ctx *c) {
  c->path = support_path("inject-existing.bin");
  assert_int_equal(support_write_pattern(c->path, SMALL, 1), 0);
  c->out_file = SENTINEL;
}

static void failed_missing(struct ctx *c) {
  CHECK(c->out_file == SENTINEL);
  /* The file the call created is gone again. */
  CHECK(!support_file_exists(c->path));
}

static void failed_existing(struct ctx *c) {
  CHECK(c->out_file == SENTINEL);
  CHECK(support_file_is_pattern(c->path, SMALL, 1));
  file_unlocked(c->path);
}

static void succeeded_empty(struct ctx *c) {
  uint64_t size = 1;
  assert_ptr_not_equal(c->out_file, SENTINEL);
  assert_ok(pmmf_file_size(c->out_file, &size));
  assert_int_equal(size, 0);
  assert_int_equal(support_file_size(c->path), 0);
}

static void succeeded_unchanged(struct ctx *c) {
  uint64_t size = 0;
  assert_ptr_not_equal(c->out_file, SENTINEL);
  assert_ok(pmmf_file_size(c->out_file, &size));
  assert_int_equal(size, SMALL);
  /* Read back after the close: an EXCLUSIVE open keeps stdio out on Windows. */
  c->check_after_close = 1;
}

static void cleanup_out_file(struct ctx *c) {
  if (c->out_file != SENTINEL)
    assert_ok(pmmf_file_close(c->out_file));
  c->out_file = NULL;
  if (c->check_after_close)
    CHECK(support_file_is_pattern(c->path, SMALL, 1));
}

static int call_open_create(struct ctx *c) {
  return pmmf_file_open(&c->out_file, c->path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE);
}
static int call_open_create_new(struct ctx *c) {
  return pmmf_file_open(&c->out_file, c->path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW);
}
static int call_open_create_truncate(struct ctx *c) {
  return pmmf_file_open(&c->out_file, c->path,
                        PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE);
}
static int call_open_exclusive_create_new(struct ctx *c) {
  return pmmf_file_open(&c->out_file, c->path,
                        PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW | PMMF_OPEN_EXCLUSIVE);
}
static int call_open_read(struct ctx *c) {
  return pmmf_file_open(&c->out_file, c->path, PMMF_OPEN_READ);
}
static int call_open_write(struct ctx *c) {
  return pmmf_file_open(&c->out_file, c->path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE);
}
static int call_open_truncate(struct ctx *c) {
  return pmmf_file_open(&c->out_file, c->path, PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE);
}
static int call_open_exclusive(struct ctx *c) {
  return pmmf_file_open(&c->out_file, c->path, PMMF_OPEN_WRITE | PMMF_OPEN_EXCLUSIVE);
}

/* --- resize --------------------------------------------------------------- */

static void prepare_open_file(struct ctx *c) {
  c->path = support_path("inject-file.bin");
  assert_int_equal(support_write_pattern(c->path, SMALL, 2), 0);
  c->file = NULL;
  assert_ok(pmmf_file_open(&c->file, c->path, PMMF_OPEN_WRITE));
  c->out_map = SENTINEL;
}

static void file_as_prepared(struct ctx *c) {
  uint64_t size = 0;
  assert_ok(pmmf_file_size(c->file, &size));
  CHECK(size == SMALL);
  CHECK(support_file_is_pattern(c->path, SMALL, 2));
}

static void failed_resize(struct ctx *c) {
  file_as_prepared(c);
}

static int call_resize_grow(struct ctx *c) {
  return pmmf_file_resize(c->file, BIG);
}

static int call_resize_shrink(struct ctx *c) {
  return pmmf_file_resize(c->file, 65537);
}

static void grown(const char *path, size_t old, size_t now, unsigned seed) {
  size_t len = 0;
  unsigned char *buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, now);
  assert_pattern(buf, old, 0, seed);
  assert_int_equal(support_check_byte(buf + old, now - old, 0), -1);
  free(buf);
}

static void succeeded_grow(struct ctx *c) {
  uint64_t size = 0;
  assert_ok(pmmf_file_size(c->file, &size));
  assert_int_equal(size, BIG);
  grown(c->path, SMALL, BIG, 2);
}

static void succeeded_shrink(struct ctx *c) {
  assert_true(support_file_is_pattern(c->path, 65537, 2));
}

static void cleanup_file(struct ctx *c) {
  assert_ok(pmmf_file_close(c->file));
  c->file = NULL;
}

/* --- map_file / map_anonymous --------------------------------------------- */

static void failed_map(struct ctx *c) {
  CHECK(c->out_map == SENTINEL);
  file_as_prepared(c);
  /* No map was left counted against the file: resizing is not BUSY. */
  assert_ok(pmmf_file_resize(c->file, SMALL));
}

static int call_map_read(struct ctx *c) {
  return pmmf_map_file(&c->out_map, c->file, 0, PMMF_ACCESS_READ, 0);
}
static int call_map_write(struct ctx *c) {
  return pmmf_map_file(&c->out_map, c->file, 65536, PMMF_ACCESS_WRITE, 0);
}
static int call_map_copy(struct ctx *c) {
  return pmmf_map_file(&c->out_map, c->file, 0, PMMF_ACCESS_COPY, 0);
}
static int call_map_grow(struct ctx *c) {
  return pmmf_map_file(&c->out_map, c->file, BIG, PMMF_ACCESS_WRITE, PMMF_MAP_GROW);
}

static void check_map_bytes(pmmf_map *m, size_t len, size_t pattern_len, unsigned seed) {
  pmmf_view *v = NULL;
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  assert_int_equal(pmmf_view_size(v), len);
  assert_pattern(pmmf_view_data(v), pattern_len, 0, seed);
  assert_int_equal(support_check_byte((char *)pmmf_view_data(v) + pattern_len, len - pattern_len, 0),
                   -1);
  assert_ok(pmmf_view_unmap(v));
}

static void succeeded_map_whole(struct ctx *c) {
  assert_ptr_not_equal(c->out_map, SENTINEL);
  assert_int_equal(pmmf_map_size(c->out_map), SMALL);
  check_map_bytes(c->out_map, SMALL, SMALL, 2);
  assert_status(pmmf_file_resize(c->file, 1), PMMF_E_BUSY);
}

static void succeeded_map_64k(struct ctx *c) {
  assert_ptr_not_equal(c->out_map, SENTINEL);
  assert_int_equal(pmmf_map_size(c->out_map), 65536);
  check_map_bytes(c->out_map, 65536, 65536, 2);
}

static void succeeded_map_grow(struct ctx *c) {
  assert_ptr_not_equal(c->out_map, SENTINEL);
  assert_int_equal(pmmf_map_size(c->out_map), BIG);
  grown(c->path, SMALL, BIG, 2);
  check_map_bytes(c->out_map, BIG, SMALL, 2);
}

static void cleanup_out_map_and_file(struct ctx *c) {
  if (c->out_map != SENTINEL)
    assert_ok(pmmf_map_close(c->out_map));
  c->out_map = NULL;
  cleanup_file(c);
}

static void prepare_nothing(struct ctx *c) {
  c->out_map = SENTINEL;
}

static int call_map_anonymous(struct ctx *c) {
  return pmmf_map_anonymous(&c->out_map, BIG, 0);
}

static void failed_anonymous(struct ctx *c) {
  CHECK(c->out_map == SENTINEL);
}

static void succeeded_anonymous(struct ctx *c) {
  assert_ptr_not_equal(c->out_map, SENTINEL);
  assert_int_equal(pmmf_map_size(c->out_map), BIG);
  check_map_bytes(c->out_map, BIG, 0, 0);
}

static void cleanup_out_map(struct ctx *c) {
  if (c->out_map != SENTINEL)
    assert_ok(pmmf_map_close(c->out_map));
  c->out_map = NULL;
}

/* --- view_map ------------------------------------------------------------- */

static void prepare_file_map(struct ctx *c) {
  prepare_open_file(c);
  c->map = NULL;
  assert_ok(pmmf_map_file(&c->map, c->file, 0, PMMF_ACCESS_WRITE, 0));
  c->out_view = SENTINEL;
}

static void prepare_anonymous_map(struct ctx *c) {
  c->map = NULL;
  assert_ok(pmmf_map_anonymous(&c->map, SMALL, 0));
  c->out_view = SENTINEL;
}

static int call_view_map(struct ctx *c) {
  return pmmf_view_map(&c->out_view, c->map, 4097, 65536, PMMF_ACCESS_WRITE, 0);
}
static int call_view_map_populate(struct ctx *c) {
  return pmmf_view_map(&c->out_view, c->map, 4097, 65536, PMMF_ACCESS_READ, PMMF_VIEW_POPULATE);
}
static int call_view_map_copy(struct ctx *c) {
  return pmmf_view_map(&c->out_view, c->map, 65537, 0, PMMF_ACCESS_COPY, PMMF_VIEW_POPULATE);
}

static void failed_view(struct ctx *c) {
  CHECK(c->out_view == SENTINEL);
  if (c->file != NULL)
    file_as_prepared(c);
  check_map_bytes(c->map, SMALL, c->file != NULL ? SMALL : 0, 2);
}

static void succeeded_view(struct ctx *c) {
  uint64_t off;
  assert_ptr_not_equal(c->out_view, SENTINEL);
  off = pmmf_view_offset(c->out_view);
  assert_true(off == 4097 || off == 65537);
  if (c->file != NULL)
    assert_pattern(pmmf_view_data(c->out_view), pmmf_view_size(c->out_view), off, 2);
  else
    assert_int_equal(support_check_byte(pmmf_view_data(c->out_view), pmmf_view_size(c->out_view), 0),
                     -1);
}

static void cleanup_view_map(struct ctx *c) {
  if (c->out_view != SENTINEL)
    assert_ok(pmmf_view_unmap(c->out_view));
  c->out_view = NULL;
  assert_ok(pmmf_map_close(c->map));
  c->map = NULL;
  if (c->file != NULL)
    cleanup_file(c);
}

/* --- flush, protect ------------------------------------------------------- */

/* A two-byte view straddling 64 KiB, created `access` (WRITE or COPY), its
 * first byte written through the pointer; then made READ if asked. */
static void prepare_view_as(struct ctx *c, pmmf_access access, int then_read) {
  prepare_file_map(c);
  c->view = NULL;
  assert_ok(pmmf_view_map(&c->view, c->map, 65535, 2, access, 0));
  ((unsigned char *)pmmf_view_data(c->view))[0] = 0xFA;
  if (then_read)
    assert_ok(pmmf_view_protect(c->view, PMMF_ACCESS_READ));
}

static void prepare_view(struct ctx *c) {
  prepare_view_as(c, PMMF_ACCESS_WRITE, 0);
}

static void prepare_view_read(struct ctx *c) {
  prepare_view_as(c, PMMF_ACCESS_WRITE, 1);
}

static int call_flush_sync(struct ctx *c) {
  return pmmf_view_flush(c->view, 0, 0, PMMF_FLUSH_SYNC);
}
static int call_flush_async(struct ctx *c) {
  return pmmf_view_flush(c->view, 0, 0, PMMF_FLUSH_ASYNC);
}

static void view_still_intact(struct ctx *c) {
  unsigned char b[2];
  assert_ok(pmmf_view_read(c->view, 0, b, 2));
  assert_int_equal(b[0], 0xFA);
  assert_int_equal(b[1], support_pattern(65536, 2));
}

static void flushed(struct ctx *c) {
  size_t len = 0;
  unsigned char *buf = support_read_file(c->path, &len);
  view_still_intact(c);
  assert_non_null(buf);
  assert_int_equal(len, SMALL);
  assert_int_equal(buf[65535], 0xFA);
  free(buf);
}

static int call_protect_read(struct ctx *c) {
  return pmmf_view_protect(c->view, PMMF_ACCESS_READ);
}
static int call_protect_write(struct ctx *c) {
  return pmmf_view_protect(c->view, PMMF_ACCESS_WRITE);
}

static void is_writable(struct ctx *c) {
  view_still_intact(c);
  assert_ok(pmmf_view_write(c->view, 0, "\xFA", 1));
}

static void is_read_only(struct ctx *c) {
  view_still_intact(c);
  assert_status(pmmf_view_write(c->view, 0, "\x01", 1), PMMF_E_ACCESS);
  view_still_intact(c);
}

static void cleanup_view(struct ctx *c) {
  assert_ok(pmmf_view_unmap(c->view));
  c->view = NULL;
  assert_ok(pmmf_map_close(c->map));
  c->map = NULL;
  cleanup_file(c);
}

/* --- map_shared, shm_unlink ----------------------------------------------- */

/* The size an opener sees for an object created with `size` bytes (Windows
 * rounds up to the page size). */
static uint64_t shm_opened_size(uint64_t size) {
  uint64_t page = pmmf_page_size();
  return support_is_win32() ? (size + page - 1) / page * page : size;
}

static void prepare_shm_missing(struct ctx *c) {
  c->name = support_shm_name("inject-new");
  assert_false(support_shm_exists(c->name));
  c->out_map = SENTINEL;
  c->created = 7;
}

/* An existing object holding pattern 6, kept open by c->map (on Windows an
 * object nobody holds is gone). */
static void prepare_shm_existing(struct ctx *c) {
  pmmf_view *v = NULL;
  c->name = support_shm_name("inject-old");
  c->map = NULL;
  assert_ok(pmmf_map_shared(&c->map, c->name, SMALL, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY,
                            NULL));
  assert_ok(pmmf_view_map(&v, c->map, 0, 0, PMMF_ACCESS_WRITE, 0));
  support_fill(pmmf_view_data(v), SMALL, 0, 6);
  assert_ok(pmmf_view_unmap(v));
  c->out_map = SENTINEL;
  c->created = 7;
}

static int call_shm_create_only(struct ctx *c) {
  return pmmf_map_shared(&c->out_map, c->name, BIG, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY,
                         &c->created);
}
static int call_shm_open_or_create(struct ctx *c) {
  return pmmf_map_shared(&c->out_map, c->name, BIG, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                         &c->created);
}
static int call_shm_open_only(struct ctx *c) {
  return pmmf_map_shared(&c->out_map, c->name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY,
                         &c->created);
}
static int call_shm_open_or_create_existing(struct ctx *c) {
  return pmmf_map_shared(&c->out_map, c->name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                         &c->created);
}

static void failed_shm_missing(struct ctx *c) {
  CHECK(c->out_map == SENTINEL);
  CHECK(c->created == 7);
  /* The object the call created is gone again. */
  CHECK(!support_shm_exists(c->name));
}

static void failed_shm_existing(struct ctx *c) {
  CHECK(c->out_map == SENTINEL);
  CHECK(c->created == 7);
  CHECK(support_shm_exists(c->name));
  check_map_bytes(c->map, SMALL, SMALL, 6);
}

static void succeeded_shm_created(struct ctx *c) {
  assert_ptr_not_equal(c->out_map, SENTINEL);
  assert_int_equal(c->created, 1);
  assert_int_equal(pmmf_map_size(c->out_map), BIG);
  check_map_bytes(c->out_map, BIG, 0, 0);
}

static void succeeded_shm_opened(struct ctx *c) {
  uint64_t size = shm_opened_size(SMALL);
  assert_ptr_not_equal(c->out_map, SENTINEL);
  assert_int_equal(c->created, 0);
  assert_int_equal(pmmf_map_size(c->out_map), size);
  check_map_bytes(c->out_map, (size_t)size, SMALL, 6);
}

static void cleanup_shm(struct ctx *c) {
  if (c->out_map != SENTINEL && c->out_map != NULL)
    assert_ok(pmmf_map_close(c->out_map));
  c->out_map = NULL;
  if (c->map != NULL)
    assert_ok(pmmf_map_close(c->map));
  c->map = NULL;
  /* POSIX: remove the name (absent after a failed creation); Windows: gone. */
  if (support_shm_exists(c->name))
    assert_ok(pmmf_shm_unlink(c->name));
  assert_false(support_shm_exists(c->name));
}

/* An object that exists with nobody holding it (POSIX only: on Windows it is
 * gone at once, and unlink has nothing to do). */
static void prepare_shm_closed(struct ctx *c) {
  pmmf_map *m = NULL;
  c->name = support_shm_name("inject-unl");
  assert_ok(pmmf_map_shared(&m, c->name, SMALL, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL));
  assert_ok(pmmf_map_close(m));
}

static int call_shm_unlink(struct ctx *c) {
  return pmmf_shm_unlink(c->name);
}

static void failed_shm_unlink(struct ctx *c) {
  CHECK(support_shm_exists(c->name));
}

static void succeeded_shm_unlink(struct ctx *c) {
  assert_false(support_shm_exists(c->name));
}

/* --- windows -------------------------------------------------------------- */

/* A file several views long on every backend, so that a get can leave the
 * current view; the window's requests straddle a 64 KiB boundary. */
#define WINDOW_FILE ((size_t)400000)
#define WINDOW_SIZE ((size_t)20000)
#define WINDOW_AT ((uint64_t)5 * 65536 - 7)

static void prepare_window_map(struct ctx *c) {
  c->path = support_path("inject-window.bin");
  assert_int_equal(support_write_pattern(c->path, WINDOW_FILE, 4), 0);
  c->file = NULL;
  c->map = NULL;
  assert_ok(pmmf_file_open(&c->file, c->path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&c->map, c->file, 0, PMMF_ACCESS_WRITE, 0));
  c->out_window = SENTINEL;
  c->out_view = SENTINEL;
}

static void window_file_as_prepared(struct ctx *c) {
  uint64_t size = 0;
  assert_ok(pmmf_file_size(c->file, &size));
  CHECK(size == WINDOW_FILE);
  CHECK(pmmf_map_size(c->map) == WINDOW_FILE);
}

static int call_window_open(struct ctx *c) {
  return pmmf_window_open(&c->out_window, c->map, WINDOW_SIZE, PMMF_ACCESS_WRITE);
}

static void failed_window_open(struct ctx *c) {
  CHECK(c->out_window == SENTINEL);
  window_file_as_prepared(c);
}

static void succeeded_window_open(struct ctx *c) {
  void *ptr = NULL;
  assert_ptr_not_equal(c->out_window, SENTINEL);
  assert_ok(pmmf_window_get(c->out_window, WINDOW_AT, 12, &ptr));
  assert_pattern(ptr, 12, WINDOW_AT, 4);
}

static void cleanup_window_open(struct ctx *c) {
  if (c->out_window != SENTINEL && c->out_window != NULL)
    assert_ok(pmmf_window_close(c->out_window));
  c->out_window = NULL;
  cleanup_view_map(c);
  CHECK(support_file_is_pattern(c->path, WINDOW_FILE, 4));
}

/* A window with no view yet (the get maps its first), or with one far from
 * the request (the get remaps: the new view first, then the old one goes). */
static void prepare_window(struct ctx *c) {
  prepare_window_map(c);
  c->window = NULL;
  assert_ok(pmmf_window_open(&c->window, c->map, WINDOW_SIZE, PMMF_ACCESS_WRITE));
  c->out_ptr = SENTINEL;
  c->first_ptr = NULL;
}

static void prepare_window_mapped(struct ctx *c) {
  prepare_window(c);
  assert_ok(pmmf_window_get(c->window, 10, 100, &c->first_ptr));
}

static int call_window_get(struct ctx *c) {
  return pmmf_window_get(c->window, WINDOW_AT, WINDOW_SIZE, &c->out_ptr);
}

static void window_gets_again(struct ctx *c) {
  void *ptr = NULL;
  assert_ok(pmmf_window_get(c->window, WINDOW_AT, WINDOW_SIZE, &ptr));
  assert_pattern(ptr, WINDOW_SIZE, WINDOW_AT, 4);
}

static void failed_window_get(struct ctx *c) {
  CHECK(c->out_ptr == SENTINEL);
  window_file_as_prepared(c);
  /* The previous get's pointer is still valid, and the window still works. */
  if (c->first_ptr != NULL)
    CHECK(support_check(c->first_ptr, 100, 10, 4) == -1);
  window_gets_again(c);
}

static void succeeded_window_get(struct ctx *c) {
  assert_ptr_not_equal(c->out_ptr, SENTINEL);
  assert_pattern(c->out_ptr, WINDOW_SIZE, WINDOW_AT, 4);
  window_gets_again(c);
}

static void cleanup_window(struct ctx *c) {
  assert_ok(pmmf_window_close(c->window));
  c->window = NULL;
  cleanup_window_open(c);
}

/* ------------------------------------------------------------------------- */

/* --- file_size -------------------------------------------------------------- */

#define SIZE_UNTOUCHED UINT64_C(0xDEADBEEF)

static void prepare_file_size(struct ctx *c) {
  prepare_open_file(c);
  c->out_size = SIZE_UNTOUCHED;
}

static int call_file_size(struct ctx *c) {
  return pmmf_file_size(c->file, &c->out_size);
}

static void failed_file_size(struct ctx *c) {
  CHECK(c->out_size == SIZE_UNTOUCHED);
  file_as_prepared(c);
}

static void succeeded_file_size(struct ctx *c) {
  assert_int_equal(c->out_size, SMALL);
}

/* --- view_map_at ------------------------------------------------------------ */

#define G ((uintptr_t)PMMF_PORTABLE_GRANULARITY)
#define AT_LENGTH ((size_t)65536)

static void prepare_file_map_at(struct ctx *c) {
  prepare_file_map(c);
  assert_ok(pmmf_map_anonymous(&c->probe, AT_LENGTH + 2 * G, 0));
}

static void prepare_anonymous_map_at(struct ctx *c) {
  prepare_anonymous_map(c);
  assert_ok(pmmf_map_anonymous(&c->probe, AT_LENGTH + 2 * G, 0));
}

/* A free, 64 KiB-aligned address: map a larger view, round its address up,
 * unmap it. Done right before the call, so nothing else takes the range. */
static void find_free_address(struct ctx *c) {
  pmmf_view *probe = NULL;
  assert_ok(pmmf_view_map(&probe, c->probe, 0, 0, PMMF_ACCESS_READ, 0));
  c->base = (void *)(((uintptr_t)pmmf_view_data(probe) + G - 1) & ~(G - 1));
  assert_ok(pmmf_view_unmap(probe));
}

static int call_view_map_at(struct ctx *c) {
  return pmmf_view_map_at(&c->out_view, c->map, 0, AT_LENGTH, PMMF_ACCESS_WRITE, 0, c->base);
}

static int call_view_map_at_copy(struct ctx *c) {
  return pmmf_view_map_at(&c->out_view, c->map, 0, AT_LENGTH, PMMF_ACCESS_COPY,
                          PMMF_VIEW_POPULATE, c->base);
}

static void succeeded_view_at(struct ctx *c) {
  assert_ptr_not_equal(c->out_view, SENTINEL);
  assert_ptr_equal(pmmf_view_data(c->out_view), c->base);
  assert_int_equal(pmmf_view_size(c->out_view), AT_LENGTH);
  if (c->file != NULL)
    assert_pattern(pmmf_view_data(c->out_view), AT_LENGTH, 0, 2);
  else
    assert_int_equal(support_check_byte(pmmf_view_data(c->out_view), AT_LENGTH, 0), -1);
}

static void cleanup_view_map_at(struct ctx *c) {
  assert_ok(pmmf_map_close(c->probe));
  c->probe = NULL;
  cleanup_view_map(c);
}

/* --- advise ----------------------------------------------------------------- */

static int advise(struct ctx *c, pmmf_advice advice) {
  /* A range in the middle, so the span the library computes is not the whole
   * view. */
  return pmmf_view_advise(c->view, 1, 1, advice);
}
static int call_advise_normal(struct ctx *c) {
  return advise(c, PMMF_ADVICE_NORMAL);
}
static int call_advise_sequential(struct ctx *c) {
  return advise(c, PMMF_ADVICE_SEQUENTIAL);
}
static int call_advise_random(struct ctx *c) {
  return advise(c, PMMF_ADVICE_RANDOM);
}
static int call_advise_willneed(struct ctx *c) {
  return advise(c, PMMF_ADVICE_WILLNEED);
}
static int call_advise_dontneed(struct ctx *c) {
  return advise(c, PMMF_ADVICE_DONTNEED);
}

/* --- protect a COPY view ---------------------------------------------------- */

static void prepare_copy_view(struct ctx *c) {
  prepare_view_as(c, PMMF_ACCESS_COPY, 0);
}

static void prepare_copy_view_read(struct ctx *c) {
  prepare_view_as(c, PMMF_ACCESS_COPY, 1);
}

static int call_protect_copy(struct ctx *c) {
  return pmmf_view_protect(c->view, PMMF_ACCESS_COPY);
}

/* The private byte is there, and it never reached the file. */
static void copy_is_writable(struct ctx *c) {
  is_writable(c);
  file_as_prepared(c);
}

static void copy_is_read_only(struct ctx *c) {
  is_read_only(c);
  file_as_prepared(c);
}

/* --- flush of a view of a file opened READ (msync only) --------------------- */

static void prepare_read_view(struct ctx *c) {
  c->path = support_path("inject-file.bin");
  assert_int_equal(support_write_pattern(c->path, SMALL, 2), 0);
  c->file = NULL;
  c->map = NULL;
  c->view = NULL;
  assert_ok(pmmf_file_open(&c->file, c->path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&c->map, c->file, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_view_map(&c->view, c->map, 4097, 0, PMMF_ACCESS_READ, 0));
}

static int call_flush_sync_range(struct ctx *c) {
  return pmmf_view_flush(c->view, 60000, 100, PMMF_FLUSH_SYNC);
}

static void read_view_intact(struct ctx *c) {
  unsigned char b[16];
  assert_ok(pmmf_view_read(c->view, 60000, b, sizeof b));
  assert_pattern(b, sizeof b, 4097 + 60000, 2);
  file_as_prepared(c);
}

/* ------------------------------------------------------------------------- */

static const struct op ops[] = {
    {"open WRITE|CREATE (missing)", prepare_missing, call_open_create, failed_missing,
     succeeded_empty, cleanup_out_file, 0, NULL},
    {"open WRITE|CREATE_NEW", prepare_missing, call_open_create_new, failed_missing,
     succeeded_empty, cleanup_out_file, 0, NULL},
    {"open WRITE|CREATE|TRUNCATE (missing)", prepare_missing, call_open_create_truncate,
     failed_missing, succeeded_empty, cleanup_out_file, 0, NULL},
    {"open WRITE|CREATE_NEW|EXCLUSIVE", prepare_missing, call_open_exclusive_create_new,
     failed_missing, succeeded_empty, cleanup_out_file, 0, NULL},
    {"open READ", prepare_existing, call_open_read, failed_existing, succeeded_unchanged,
     cleanup_out_file, 0, NULL},
    {"open WRITE|CREATE (existing)", prepare_existing, call_open_write, failed_existing,
     succeeded_unchanged, cleanup_out_file, 0, NULL},
    {"open WRITE|TRUNCATE", prepare_existing, call_open_truncate, failed_existing,
     succeeded_empty, cleanup_out_file, 0, NULL},
    {"open WRITE|EXCLUSIVE", prepare_existing, call_open_exclusive, failed_existing,
     succeeded_unchanged, cleanup_out_file, 0, NULL},
    {"resize grow", prepare_open_file, call_resize_grow, failed_resize, succeeded_grow,
     cleanup_file, 0, NULL},
    {"resize shrink", prepare_open_file, call_resize_shrink, failed_resize, succeeded_shrink,
     cleanup_file, 0, NULL},
    {"map_file READ", prepare_open_file, call_map_read, failed_map, succeeded_map_whole,
     cleanup_out_map_and_file, 0, NULL},
    {"map_file WRITE", prepare_open_file, call_map_write, failed_map, succeeded_map_64k,
     cleanup_out_map_and_file, 0, NULL},
    {"map_file COPY", prepare_open_file, call_map_copy, failed_map, succeeded_map_whole,
     cleanup_out_map_and_file, 0, NULL},
    {"map_file WRITE GROW", prepare_open_file, call_map_grow, failed_map, succeeded_map_grow,
     cleanup_out_map_and_file, 0, NULL},
    {"map_anonymous", prepare_nothing, call_map_anonymous, failed_anonymous, succeeded_anonymous,
     cleanup_out_map, 0, NULL},
    {"view_map file WRITE", prepare_file_map, call_view_map, failed_view, succeeded_view,
     cleanup_view_map, 0, NULL},
    {"view_map file READ POPULATE", prepare_file_map, call_view_map_populate, failed_view,
     succeeded_view, cleanup_view_map, 0, NULL},
    {"view_map file COPY POPULATE", prepare_file_map, call_view_map_copy, failed_view,
     succeeded_view, cleanup_view_map, 0, NULL},
    {"view_map anonymous WRITE", prepare_anonymous_map, call_view_map, failed_view, succeeded_view,
     cleanup_view_map, 0, NULL},
    {"view_map anonymous READ POPULATE", prepare_anonymous_map, call_view_map_populate,
     failed_view, succeeded_view, cleanup_view_map, 0, NULL},
    {"view_flush SYNC", prepare_view, call_flush_sync, view_still_intact, flushed, cleanup_view, 0, NULL},
    {"view_flush ASYNC", prepare_view, call_flush_async, view_still_intact, view_still_intact,
     cleanup_view, 0, NULL},
    {"view_protect WRITE->READ", prepare_view, call_protect_read, is_writable, is_read_only,
     cleanup_view, 0, NULL},
    {"view_protect READ->WRITE", prepare_view_read, call_protect_write, is_read_only, is_writable,
     cleanup_view, 0, NULL},
    {"map_shared CREATE_ONLY", prepare_shm_missing, call_shm_create_only, failed_shm_missing,
     succeeded_shm_created, cleanup_shm, 0, NULL},
    {"map_shared OPEN_OR_CREATE (missing)", prepare_shm_missing, call_shm_open_or_create,
     failed_shm_missing, succeeded_shm_created, cleanup_shm, 0, NULL},
    {"map_shared OPEN_ONLY", prepare_shm_existing, call_shm_open_only, failed_shm_existing,
     succeeded_shm_opened, cleanup_shm, 0, NULL},
    {"map_shared OPEN_OR_CREATE (existing)", prepare_shm_existing,
     call_shm_open_or_create_existing, failed_shm_existing, succeeded_shm_opened, cleanup_shm, 0, NULL},
    {"shm_unlink", prepare_shm_closed, call_shm_unlink, failed_shm_unlink, succeeded_shm_unlink,
     cleanup_shm, 0, NULL},
    {"window_open", prepare_window_map, call_window_open, failed_window_open,
     succeeded_window_open, cleanup_window_open, 0, NULL},
    {"window_get (first view)", prepare_window, call_window_get, failed_window_get,
     succeeded_window_get, cleanup_window, 0, NULL},
    {"window_get (remap)", prepare_window_mapped, call_window_get, failed_window_get,
     succeeded_window_get, cleanup_window, 0, NULL},
    {"file_size", prepare_file_size, call_file_size, failed_file_size, succeeded_file_size,
     cleanup_file, 0, NULL},
    {"view_map_at file WRITE", prepare_file_map_at, call_view_map_at, failed_view,
     succeeded_view_at, cleanup_view_map_at, 0, find_free_address},
    {"view_map_at file COPY POPULATE", prepare_file_map_at, call_view_map_at_copy, failed_view,
     succeeded_view_at, cleanup_view_map_at, 0, find_free_address},
    {"view_map_at anonymous WRITE", prepare_anonymous_map_at, call_view_map_at, failed_view,
     succeeded_view_at, cleanup_view_map_at, 0, find_free_address},
    {"view_advise NORMAL", prepare_view, call_advise_normal, view_still_intact, view_still_intact,
     cleanup_view, OP_HINT, NULL},
    {"view_advise SEQUENTIAL", prepare_view, call_advise_sequential, view_still_intact,
     view_still_intact, cleanup_view, OP_HINT, NULL},
    {"view_advise RANDOM", prepare_view, call_advise_random, view_still_intact, view_still_intact,
     cleanup_view, OP_HINT, NULL},
    {"view_advise WILLNEED", prepare_view, call_advise_willneed, view_still_intact,
     view_still_intact, cleanup_view, OP_HINT, NULL},
    {"view_advise DONTNEED", prepare_view, call_advise_dontneed, view_still_intact,
     view_still_intact, cleanup_view, OP_HINT, NULL},
    {"view_protect COPY->READ", prepare_copy_view, call_protect_read, copy_is_writable,
     copy_is_read_only, cleanup_view, 0, NULL},
    {"view_protect READ->COPY", prepare_copy_view_read, call_protect_copy, copy_is_read_only,
     copy_is_writable, cleanup_view, 0, NULL},
    {"view_flush SYNC range (file opened READ)", prepare_read_view, call_flush_sync_range,
     read_view_intact, read_view_intact, cleanup_view, 0, NULL},
};

/* Returns the number of injected faults that fired. */
static unsigned sweep(const struct op *op, int kind) {
  unsigned skip, fired_count = 0;
  for (skip = 0; skip < MAX_SKIP; skip++) {
    struct ctx c;
    struct snapshot s0, s1, s2, s3;
    char call[64];
    int rc, fired;
    memset(&c, 0, sizeof c);
    take(&s0);
    op->prepare(&c);
    take(&s1);
    if (op->before_call != NULL)
      op->before_call(&c);
    pmmf__fault_arm(NULL, skip, kind);
    rc = op->call(&c);
    fired = pmmf__fault_fired();
    snprintf(call, sizeof call, "%s", fired && pmmf__fault_fired_call() ? pmmf__fault_fired_call()
                                                                        : "(none)");
    pmmf__fault_disarm();
    cur_op = op->name;
    cur_skip = skip;
    cur_kind = kind;
    snprintf(cur_call, sizeof cur_call, "%s", call);
    if (!fired) {
      /* Past the last OS call: the operation simply works (a hint may be
       * unsupported on this backend). */
      if (rc != PMMF_OK && !((op->flags & OP_HINT) && rc == PMMF_E_UNSUPPORTED))
        fail_msg("%s: no fault fired at skip %u but the call returned %s", op->name, skip,
                 pmmf_status_name(rc));
      op->check_succeeded(&c);
      op->cleanup(&c);
      take(&s3);
      same(&s0, &s3, "after success and cleanup", op->name, skip, call);
      return fired_count;
    }
    fired_count++;
    if (kind == PMMF__FAULT_INTR && retried_on_eintr(call) && rc != PMMF_OK)
      fail_msg("%s: EINTR in %s at skip %u was not retried: %s", op->name, call, skip,
               pmmf_status_name(rc));
    if (rc == PMMF_OK) {
      /* The fault hit a call whose failure is tolerated (a retried EINTR, or a
       * best-effort hint): the operation must then have fully succeeded. */
      op->check_succeeded(&c);
    } else {
      take(&s2);
      same(&s1, &s2, "after the failed call", op->name, skip, call);
      if (kind != PMMF__FAULT_INTR) {
        int want = expected_status(kind, call);
        if (rc != want)
          fail_msg("%s: fault (kind %d) in %s at skip %u gave %s, expected %s", op->name, kind,
                   call, skip, pmmf_status_name(rc), pmmf_status_name(want));
      }
      if (strcmp(call, "malloc") != 0 && pmmf_last_os_error() == 0)
        fail_msg("%s: fault in %s at skip %u gave %s with pmmf_last_os_error() == 0", op->name,
                 call, skip, pmmf_status_name(rc));
      op->check_failed(&c);
    }
    op->cleanup(&c);
    take(&s3);
    same(&s0, &s3, "after cleanup", op->name, skip, call);
  }
  fail_msg("%s: still faulting after %u skips", op->name, MAX_SKIP);
  return fired_count;
}

static void sweep_all(int kind) {
  size_t i;
  for (i = 0; i < SUPPORT_ARRAY_LEN(ops); i++) {
    unsigned n = sweep(&ops[i], kind);
    if (getenv("PMMF_TEST_VERBOSE") != NULL)
      fprintf(stderr, "kind %d: %-40s %u faults injected\n", kind, ops[i].name, n);
    /* Every operation makes at least one OS call the backend can fail;
     * except unlinking on Windows, where there is nothing to do, and hints
     * a backend does not have. */
    if (n == 0 && !(ops[i].call == call_shm_unlink && support_is_win32()) &&
        !(ops[i].flags & OP_HINT))
      fail_msg("%s: no injected fault ever fired (kind %d)", ops[i].name, kind);
    points[kind] += n;
  }
}

static void test_inject_no_space(void **state) {
  (void)state;
  operations_swept = (unsigned)SUPPORT_ARRAY_LEN(ops);
  sweep_all(PMMF__FAULT_NO_SPACE);
}

static void test_inject_no_memory(void **state) {
  (void)state;
  sweep_all(PMMF__FAULT_NO_MEMORY);
}

static void test_inject_io(void **state) {
  (void)state;
  sweep_all(PMMF__FAULT_IO);
}

static void test_inject_access(void **state) {
  (void)state;
  sweep_all(PMMF__FAULT_ACCESS);
}

static void test_inject_intr(void **state) {
  (void)state;
  sweep_all(PMMF__FAULT_INTR);
}

/* Only the named call fails. */
static void test_inject_by_name(void **state) {
  pmmf_map *m = SENTINEL;
  struct snapshot a, b;
  (void)state;
  take(&a);
  pmmf__fault_arm("malloc", 0, PMMF__FAULT_NO_MEMORY);
  assert_status(pmmf_map_anonymous(&m, 4096, 0), PMMF_E_NO_MEMORY);
  assert_true(pmmf__fault_fired());
  assert_string_equal(pmmf__fault_fired_call(), "malloc");
  pmmf__fault_disarm();
  assert_ptr_equal(m, SENTINEL);
  take(&b);
  same(&a, &b, "malloc failure", "map_anonymous", 0, "malloc");
  /* A name no backend uses never fires. */
  m = NULL;
  pmmf__fault_arm("no-such-call", 0, PMMF__FAULT_IO);
  assert_ok(pmmf_map_anonymous(&m, 4096, 0));
  assert_false(pmmf__fault_fired());
  pmmf__fault_disarm();
  assert_ok(pmmf_map_close(m));
}

/* Unmap, map_close and file_close of the last reference release everything
 * even when an OS call they make fails: the failure is reported (the status
 * of the fault's kind), and afterwards no allocation, handle or mapping is
 * left, the file is not locked, and what was written through the view is in
 * the file (unmapping is not a flush, but the bytes are in the file's cache
 * all the same). Each release is swept over every fault kind. */
enum {
  RELEASE_VIEW,      /* the view is the last reference: munmap, then the file */
  RELEASE_MAP,       /* the map is */
  RELEASE_FILE,      /* the file is */
  RELEASE_ANON_VIEW, /* an anonymous map's last view: munmap, then the memory object */
  RELEASE_ANON_MAP   /* an anonymous map without views */
};

static const char *const release_names[] = {"view_unmap (last reference)",
                                            "map_close (last reference)",
                                            "file_close (last reference)",
                                            "view_unmap (anonymous, last reference)",
                                            "map_close (anonymous, last reference)"};

static unsigned release_sweep(int which, int kind) {
  unsigned skip, fired_count = 0;
  int anonymous = which == RELEASE_ANON_VIEW || which == RELEASE_ANON_MAP;
  for (skip = 0; skip < MAX_SKIP; skip++) {
    const char *path = support_path("inject-release.bin");
    pmmf_file *f = NULL;
    pmmf_map *m = NULL;
    pmmf_view *v = NULL;
    struct snapshot s0, s1;
    char call[64];
    int fired, rc;
    assert_int_equal(support_write_pattern(path, SMALL, 3), 0);
    take(&s0);
    if (anonymous) {
      assert_ok(pmmf_map_anonymous(&m, SMALL, 0));
    } else {
      assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
      assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
    }
    assert_ok(pmmf_view_map(&v, m, 1, 0, PMMF_ACCESS_WRITE, 0));
    memcpy(pmmf_view_data(v), "released", 8);
    /* Release the others first, so the one under test is the last reference. */
    if (f != NULL && which != RELEASE_FILE)
      assert_ok(pmmf_file_close(f));
    if (which == RELEASE_VIEW || which == RELEASE_ANON_VIEW)
      assert_ok(pmmf_map_close(m));
    else
      assert_ok(pmmf_view_unmap(v));
    if (which == RELEASE_FILE)
      assert_ok(pmmf_map_close(m));
    pmmf__fault_arm(NULL, skip, kind);
    if (which == RELEASE_VIEW || which == RELEASE_ANON_VIEW)
      rc = pmmf_view_unmap(v);
    else if (which == RELEASE_MAP || which == RELEASE_ANON_MAP)
      rc = pmmf_map_close(m);
    else
      rc = pmmf_file_close(f);
    fired = pmmf__fault_fired();
    snprintf(call, sizeof call, "%s", fired ? pmmf__fault_fired_call() : "(none)");
    pmmf__fault_disarm();
    take(&s1);
    same(&s0, &s1, "after the release", release_names[which], skip, call);
    if (!anonymous) {
      size_t len = 0;
      unsigned char *buf = support_read_file(path, &len);
      assert_non_null(buf);
      assert_int_equal(len, SMALL);
      assert_memory_equal(buf + 1, "released", 8);
      free(buf);
      file_unlocked(path);
    }
    if (!fired) {
      assert_ok(rc);
      return fired_count;
    }
    fired_count++;
    if (rc != PMMF_OK && pmmf_last_os_error() == 0)
      fail_msg("%s: fault in %s at skip %u gave %s with pmmf_last_os_error() == 0",
               release_names[which], call, skip, pmmf_status_name(rc));
    if (kind != PMMF__FAULT_INTR && rc != expected_status(kind, call))
      fail_msg("%s: fault (kind %d) in %s at skip %u gave %s, expected %s", release_names[which],
               kind, call, skip, pmmf_status_name(rc),
               pmmf_status_name(expected_status(kind, call)));
    /* An interrupted close is not retried (the descriptor is gone either
     * way), so EINTR is reported too. */
    if (kind == PMMF__FAULT_INTR && rc == PMMF_OK)
      fail_msg("%s: EINTR in %s at skip %u was not reported", release_names[which], call, skip);
  }
  fail_msg("%s: still faulting after %u skips", release_names[which], MAX_SKIP);
  return fired_count;
}

static void test_inject_release_always(void **state) {
  int kind, which;
  (void)state;
  for (kind = PMMF__FAULT_NO_SPACE; kind <= PMMF__FAULT_INTR; kind++)
    for (which = RELEASE_VIEW; which <= RELEASE_ANON_MAP; which++) {
      unsigned n = release_sweep(which, kind);
      if (n == 0)
        fail_msg("%s: no injected fault ever fired (kind %d)", release_names[which], kind);
      release_points += n;
    }
}

/* The count, for the note: every (operation, OS call, fault kind) that was
 * made to fail. */
static void test_inject_report(void **state) {
  unsigned long total = release_points;
  int kind;
  (void)state;
  for (kind = PMMF__FAULT_NO_SPACE; kind <= PMMF__FAULT_INTR; kind++)
    total += points[kind];
  assert_true(operations_swept > 0);
  assert_true(total > 0);
  printf("# report: injected failure points (%s backend): %lu = %lu+%lu+%lu+%lu+%lu over %u "
         "operations (no space, no memory, I/O, access, interrupted) + %lu in 5 release "
         "paths\n",
         pmmf_backend(), total, points[PMMF__FAULT_NO_SPACE], points[PMMF__FAULT_NO_MEMORY],
         points[PMMF__FAULT_IO], points[PMMF__FAULT_ACCESS], points[PMMF__FAULT_INTR],
         operations_swept, release_points);
  fflush(stdout);
}

/* The OS-call table (common lookup over the backend's entries): every call
 * is listed once, can be read, replaced and restored; unknown names are
 * refused. (That a replaced call is the one the backend makes is shown by
 * tests/posix/test_posix_native.c, which counts msync and fdatasync.) */
static void replaced_page(void) {
}

static void test_syscall_table(void **state) {
  const char *name, *seen[64];
  size_t count = 0, i;
  (void)state;
  for (name = pmmf__os_syscall_next(NULL); name; name = pmmf__os_syscall_next(name)) {
    pmmf__syscall_ptr original = pmmf__os_syscall_get(name);
    assert_non_null(original);
    for (i = 0; i < count; i++)
      assert_string_not_equal(seen[i], name);
    assert_true(count < 64);
    seen[count++] = name;
    assert_int_equal(pmmf__os_syscall_set(name, (pmmf__syscall_ptr)replaced_page), PMMF_OK);
    assert_ptr_equal(pmmf__os_syscall_get(name), (pmmf__syscall_ptr)replaced_page);
    assert_int_equal(pmmf__os_syscall_set(name, NULL), PMMF_OK);
    assert_ptr_equal(pmmf__os_syscall_get(name), original);
  }
  /* Both backends route at least open, close, map, unmap, flush and protect. */
  assert_true(count >= 6);
  assert_int_equal(pmmf__os_syscall_set("no-such-call", NULL), PMMF_E_NOT_FOUND);
  assert_null(pmmf__os_syscall_get("no-such-call"));
  assert_null(pmmf__os_syscall_get(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inject_no_space),
      cmocka_unit_test(test_inject_no_memory),
      cmocka_unit_test(test_inject_io),
      cmocka_unit_test(test_inject_access),
      cmocka_unit_test(test_inject_intr),
      cmocka_unit_test(test_inject_by_name),
      cmocka_unit_test(test_inject_release_always),
      cmocka_unit_test(test_syscall_table),
      cmocka_unit_test(test_inject_report),
      cmocka_unit_test(support_shm_nothing_left),
  };
  return cmocka_run_group_tests_name("inject", tests, support_group_setup, support_group_teardown);
}
