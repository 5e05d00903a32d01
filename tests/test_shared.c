/* SPDX-License-Identifier: MIT */
/*
 * test_shared.c - conformance of named shared memory within one process
 * (pmmf_map_shared, pmmf_shm_unlink): name rules, the three modes and the
 * created flag, size rules (the existing object's size wins, a larger request
 * is PMMF_E_RANGE), zero fill, access of READ and COPY maps, coherence between
 * maps of one name, lifetime and unlink on each backend, the bounded wait for
 * a half-created POSIX object, and the POSIX mode 0600. Every test uses names
 * unique to this process, and its teardown fails if it left an object behind.
 * Behaviour across processes is in test_process.c.
 */
#include "support.h"

#include <limits.h>
#include <string.h>

#define KIB64 ((uint64_t)65536)

static const char *const bad_names[] = {
    "",
    ".",
    "..",
    "a/b",
    "/abc",
    "a\\b",
    "a b",
    "a:b",
    "Local\\x",
    "Global\\x",
    "../x",
    "caf\xc3\xa9",
    "\xff\xfe",
    "tab\t",
    "star*",
    "0123456789012345678901234567890", /* 31 characters */
    "abcdefghijklmnopqrstuvwxyz0123456789",
};

static const int all_modes[] = {PMMF_SHM_CREATE_ONLY, PMMF_SHM_OPEN_ONLY,
                                PMMF_SHM_OPEN_OR_CREATE};
static const pmmf_access all_access[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};

/* The size the system reports to an opener for an object created with
 * `size` bytes: Windows rounds up to the page size (docs/behavior.md). */
static uint64_t opened_size(uint64_t size) {
  uint64_t page = pmmf_page_size();
  if (support_is_win32())
    return (size + page - 1) / page * page;
  return size;
}

static pmmf_map *create(const char *name, uint64_t size) {
  pmmf_map *m = NULL;
  int created = 7;
  assert_ok(pmmf_map_shared(&m, name, size, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, &created));
  assert_int_equal(created, 1);
  assert_int_equal(pmmf_map_size(m), size);
  return m;
}

/* Close a map and remove its name (POSIX; nothing to do on Windows). */
static void close_and_unlink(pmmf_map *m, const char *name) {
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_shm_unlink(name));
}

static void write_bytes(pmmf_map *m, uint64_t offset, const void *src, size_t len) {
  pmmf_view *v = NULL;
  assert_ok(pmmf_view_map(&v, m, offset, len, PMMF_ACCESS_WRITE, 0));
  memcpy(pmmf_view_data(v), src, len);
  assert_ok(pmmf_view_unmap(v));
}

static void read_bytes(pmmf_map *m, uint64_t offset, void *dst, size_t len) {
  pmmf_view *v = NULL;
  assert_ok(pmmf_view_map(&v, m, offset, len, PMMF_ACCESS_READ, 0));
  memcpy(dst, pmmf_view_data(v), len);
  assert_ok(pmmf_view_unmap(v));
}

/* ------------------------------------------------------------------------- */

static void test_bad_names(void **state) {
  size_t i, j;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_names); i++) {
    for (j = 0; j < SUPPORT_ARRAY_LEN(all_modes); j++) {
      pmmf_map *m = SENTINEL;
      int created = 7;
      assert_status(pmmf_map_shared(&m, bad_names[i], 4096, PMMF_ACCESS_WRITE, all_modes[j],
                                    &created),
                    PMMF_E_INVALID);
      assert_ptr_equal(m, SENTINEL);
      assert_int_equal(created, 7);
    }
    assert_status(pmmf_shm_unlink(bad_names[i]), PMMF_E_INVALID);
  }
  assert_status(pmmf_shm_unlink(NULL), PMMF_E_INVALID);
}

/* Every character allowed, the longest name, and names that look special. */
static void test_good_names(void **state) {
  static const char *const tails[] = {"...", ".a", "a.", "-", "_", "Az09._-"};
  char name[64];
  size_t i;
  pmmf_map *m;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(tails); i++) {
    snprintf(name, sizeof name, "%s%s", support_shm_name("good"), tails[i]);
    m = create(name, 1);
    close_and_unlink(m, name);
    assert_false(support_shm_exists(name));
  }
  /* 30 characters exactly. */
  snprintf(name, sizeof name, "%s", support_shm_name("good"));
  while (strlen(name) < 30)
    strcat(name, "x");
  m = create(name, 1);
  assert_true(support_shm_exists(name));
  close_and_unlink(m, name);
  assert_false(support_shm_exists(name));
}

static void test_bad_arguments(void **state) {
  static const int bad_modes[] = {0, 4, -1, INT_MAX};
  static const int bad_access[] = {0, 4, -1};
  const char *name = support_shm_name("badarg");
  pmmf_map *m = SENTINEL;
  int created = 7;
  size_t i;
  (void)state;
  assert_status(pmmf_map_shared(NULL, name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                                &created),
                PMMF_E_INVALID);
  assert_status(pmmf_map_shared(&m, NULL, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                                &created),
                PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_modes); i++)
    assert_status(pmmf_map_shared(&m, name, 4096, PMMF_ACCESS_WRITE, bad_modes[i], &created),
                  PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_access); i++)
    assert_status(pmmf_map_shared(&m, name, 4096, (pmmf_access)bad_access[i],
                                  PMMF_SHM_OPEN_OR_CREATE, &created),
                  PMMF_E_INVALID);
  /* CREATE_ONLY needs a size. */
  assert_status(pmmf_map_shared(&m, name, 0, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, &created),
                PMMF_E_INVALID);
  /* No object can be larger than INT64_MAX bytes. */
  assert_status(pmmf_map_shared(&m, name, (uint64_t)INT64_MAX + 1, PMMF_ACCESS_WRITE,
                                PMMF_SHM_OPEN_OR_CREATE, &created),
                PMMF_E_TOO_LARGE);
  assert_status(pmmf_map_shared(&m, name, UINT64_MAX, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY,
                                &created),
                PMMF_E_TOO_LARGE);
  assert_ptr_equal(m, SENTINEL);
  assert_int_equal(created, 7);
  /* None of that created anything. */
  assert_false(support_shm_exists(name));
}

/* ------------------------------------------------------------------------- */

static void test_create_only(void **state) {
  const char *name = support_shm_name("create");
  pmmf_map *m, *m2 = SENTINEL;
  size_t i;
  int created = 7;
  (void)state;
  assert_false(support_shm_exists(name));
  m = create(name, 3 * KIB64);
  assert_true(support_shm_exists(name));
  /* A second creation fails in every access, outputs untouched. */
  for (i = 0; i < SUPPORT_ARRAY_LEN(all_access); i++) {
    assert_status(pmmf_map_shared(&m2, name, 3 * KIB64, all_access[i], PMMF_SHM_CREATE_ONLY,
                                  &created),
                  PMMF_E_EXISTS);
    assert_status(pmmf_map_shared(&m2, name, 1, all_access[i], PMMF_SHM_CREATE_ONLY, NULL),
                  PMMF_E_EXISTS);
  }
  assert_ptr_equal(m2, SENTINEL);
  assert_int_equal(created, 7);
  /* The failed creations did not disturb the object. */
  assert_int_equal(pmmf_map_size(m), 3 * KIB64);
  close_and_unlink(m, name);
  assert_false(support_shm_exists(name));
}

static void test_open_only(void **state) {
  const char *name = support_shm_name("openonly");
  pmmf_map *m, *o = SENTINEL;
  size_t i;
  int created = 7;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(all_access); i++) {
    assert_status(pmmf_map_shared(&o, name, 0, all_access[i], PMMF_SHM_OPEN_ONLY, &created),
                  PMMF_E_NOT_FOUND);
    assert_status(pmmf_map_shared(&o, name, 4096, all_access[i], PMMF_SHM_OPEN_ONLY, NULL),
                  PMMF_E_NOT_FOUND);
  }
  assert_ptr_equal(o, SENTINEL);
  assert_int_equal(created, 7);
  assert_false(support_shm_exists(name));

  m = create(name, KIB64);
  for (i = 0; i < SUPPORT_ARRAY_LEN(all_access); i++) {
    o = NULL;
    created = 7;
    assert_ok(pmmf_map_shared(&o, name, 0, all_access[i], PMMF_SHM_OPEN_ONLY, &created));
    assert_int_equal(created, 0);
    assert_int_equal(pmmf_map_size(o), KIB64);
    assert_ok(pmmf_map_close(o));
    /* `created` may be NULL. */
    assert_ok(pmmf_map_shared(&o, name, 0, all_access[i], PMMF_SHM_OPEN_ONLY, NULL));
    assert_ok(pmmf_map_close(o));
  }
  close_and_unlink(m, name);
}

static void test_open_or_create(void **state) {
  const char *name = support_shm_name("either");
  pmmf_map *m = NULL, *o = NULL, *x = SENTINEL;
  int created = 7;
  (void)state;
  /* Size 0 cannot create: a missing object stays missing. */
  assert_status(pmmf_map_shared(&x, name, 0, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE, &created),
                PMMF_E_NOT_FOUND);
  assert_ptr_equal(x, SENTINEL);
  assert_int_equal(created, 7);
  assert_false(support_shm_exists(name));

  assert_ok(pmmf_map_shared(&m, name, 2 * KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                            &created));
  assert_int_equal(created, 1);
  assert_int_equal(pmmf_map_size(m), 2 * KIB64);

  created = 7;
  assert_ok(pmmf_map_shared(&o, name, 2 * KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                            &created));
  assert_int_equal(created, 0);
  assert_ok(pmmf_map_close(o));
  /* Size 0 opens an existing object. */
  created = 7;
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_OR_CREATE, &created));
  assert_int_equal(created, 0);
  assert_int_equal(pmmf_map_size(o), 2 * KIB64);
  assert_ok(pmmf_map_close(o));
  /* A READ map may create: the object itself is read-write. */
  close_and_unlink(m, name);
  created = 7;
  assert_ok(pmmf_map_shared(&m, name, 100, PMMF_ACCESS_READ, PMMF_SHM_OPEN_OR_CREATE, &created));
  assert_int_equal(created, 1);
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_ONLY, NULL));
  write_bytes(o, 99, "!", 1);
  {
    char c = 0;
    read_bytes(m, 99, &c, 1);
    assert_int_equal(c, '!');
  }
  assert_ok(pmmf_map_close(o));
  close_and_unlink(m, name);
}

/* Names are case-sensitive on every backend. */
static void test_names_case_sensitive(void **state) {
  const char *lower = support_shm_name("case");
  const char *upper = support_shm_name("CASE");
  pmmf_map *a, *b;
  unsigned char x = 0, y = 0;
  (void)state;
  a = create(lower, KIB64);
  b = create(upper, KIB64);
  write_bytes(a, 0, "a", 1);
  write_bytes(b, 0, "b", 1);
  read_bytes(a, 0, &x, 1);
  read_bytes(b, 0, &y, 1);
  assert_int_equal(x, 'a');
  assert_int_equal(y, 'b');
  close_and_unlink(a, lower);
  close_and_unlink(b, upper);
}

/* ------------------------------------------------------------------------- */

static void test_sizes(void **state) {
  static const uint64_t sizes[] = {1, 4095, 4096, 100000, KIB64, 3 * KIB64 + 1};
  const char *name = support_shm_name("sizes");
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(sizes); i++) {
    uint64_t size = sizes[i], reported = opened_size(sizes[i]);
    pmmf_map *m = create(name, size), *o = NULL, *x = SENTINEL;
    pmmf_view *v = SENTINEL;
    int created = 7;
    /* The creator's map has exactly the size asked for. */
    assert_status(pmmf_view_map(&v, m, size, 1, PMMF_ACCESS_READ, 0), PMMF_E_RANGE);
    assert_ptr_equal(v, SENTINEL);
    /* Size 0, or any smaller size: the object's size. */
    assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_ONLY, NULL));
    assert_int_equal(pmmf_map_size(o), reported);
    assert_ok(pmmf_map_close(o));
    assert_ok(pmmf_map_shared(&o, name, 1, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
    assert_int_equal(pmmf_map_size(o), reported);
    assert_ok(pmmf_map_close(o));
    assert_ok(pmmf_map_shared(&o, name, reported, PMMF_ACCESS_READ, PMMF_SHM_OPEN_OR_CREATE,
                              &created));
    assert_int_equal(created, 0);
    assert_int_equal(pmmf_map_size(o), reported);
    /* A view of the whole map of the opener works. */
    assert_ok(pmmf_view_map(&v, o, 0, 0, PMMF_ACCESS_READ, 0));
    assert_int_equal(pmmf_view_size(v), reported);
    assert_ok(pmmf_view_unmap(v));
    assert_ok(pmmf_map_close(o));
    /* Larger than the object: PMMF_E_RANGE in both opening modes. */
    created = 7;
    assert_status(pmmf_map_shared(&x, name, reported + 1, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY,
                                  &created),
                  PMMF_E_RANGE);
    assert_status(pmmf_map_shared(&x, name, reported + KIB64, PMMF_ACCESS_WRITE,
                                  PMMF_SHM_OPEN_OR_CREATE, &created),
                  PMMF_E_RANGE);
    assert_ptr_equal(x, SENTINEL);
    assert_int_equal(created, 7);
    close_and_unlink(m, name);
  }
}

/* An object beyond 4 GiB: the size crosses the 32-bit halves (Windows) and
 * the offsets need a 64-bit off_t (i386). Sparse on both. */
static void test_large_object(void **state) {
  const char *name = support_shm_name("large");
  const uint64_t size = ((uint64_t)1 << 32) + KIB64;
  pmmf_map *m = NULL, *o = NULL;
  unsigned char b[4] = {0};
  int rc;
  (void)state;
  rc = pmmf_map_shared(&m, name, size, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL);
  if (rc == PMMF_E_NO_MEMORY || rc == PMMF_E_NO_SPACE) {
    /* A page file or /dev/shm too small to commit 4 GiB: nothing to test. */
    assert_false(support_shm_exists(name));
    skip();
  }
  assert_ok(rc);
  write_bytes(m, size - 4, "\x01\x02\x03\x04", 4);
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
  assert_int_equal(pmmf_map_size(o), size);
  read_bytes(o, size - 4, b, 4);
  assert_memory_equal(b, "\x01\x02\x03\x04", 4);
  read_bytes(o, (uint64_t)1 << 32, b, 4);
  assert_int_equal(support_check_byte(b, 4, 0), -1);
  assert_ok(pmmf_map_close(o));
  close_and_unlink(m, name);
}

/* An existing object larger than 4 GiB, never touched, opened by name: its
 * size is found without mapping it (a 32-bit process could not map it all)
 * and crosses the 32-bit halves. Every way of opening it agrees, and a view of
 * its last bytes works. */
static void test_large_object_opened(void **state) {
  const char *name = support_shm_name("bigopen");
  const uint64_t size = ((uint64_t)5 << 30) + KIB64;
  pmmf_map *m = NULL, *o = NULL, *x = SENTINEL;
  unsigned char b[4] = {1, 1, 1, 1};
  int created = 7;
  int rc;
  (void)state;
  rc = pmmf_map_shared(&m, name, size, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL);
  if (rc == PMMF_E_NO_MEMORY || rc == PMMF_E_NO_SPACE) {
    /* A page file or /dev/shm too small to reserve 5 GiB: nothing to test. */
    assert_false(support_shm_exists(name));
    skip();
  }
  assert_ok(rc);
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
  assert_int_equal(pmmf_map_size(o), size);
  assert_ok(pmmf_map_close(o));
  assert_ok(pmmf_map_shared(&o, name, size, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                            &created));
  assert_int_equal(created, 0);
  assert_int_equal(pmmf_map_size(o), size);
  read_bytes(o, size - 4, b, 4);
  assert_int_equal(support_check_byte(b, 4, 0), -1);
  assert_ok(pmmf_map_close(o));
  /* One byte more than the object: PMMF_E_RANGE, not a truncated size. */
  assert_status(pmmf_map_shared(&x, name, size + 1, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL),
                PMMF_E_RANGE);
  assert_ptr_equal(x, SENTINEL);
  close_and_unlink(m, name);
}

static void test_zero_filled(void **state) {
  const char *name = support_shm_name("zero");
  const uint64_t size = 3 * KIB64 + 5;
  pmmf_map *m;
  pmmf_view *v = NULL;
  int round;
  (void)state;
  /* Twice: a new object under a name used before starts from zeros too. */
  for (round = 0; round < 2; round++) {
    m = create(name, size);
    assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
    assert_int_equal(support_check_byte(pmmf_view_data(v), (size_t)size, 0), -1);
    memset(pmmf_view_data(v), 0xA5, (size_t)size);
    assert_ok(pmmf_view_unmap(v));
    close_and_unlink(m, name);
  }
}

/* ------------------------------------------------------------------------- */

/* Maps of one name share their bytes, in every direction. */
static void test_coherent(void **state) {
  const char *name = support_shm_name("coherent");
  pmmf_map *m, *o = NULL;
  pmmf_view *a = NULL, *b = NULL;
  (void)state;
  m = create(name, 3 * KIB64);
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_ONLY, NULL));
  assert_ok(pmmf_view_map(&a, m, 70001, 1000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&b, o, 70001, 1000, PMMF_ACCESS_WRITE, 0));
  support_fill(pmmf_view_data(a), 1000, 0, 21);
  assert_pattern(pmmf_view_data(b), 1000, 0, 21);
  support_fill(pmmf_view_data(b), 500, 0, 22);
  assert_pattern(pmmf_view_data(a), 500, 0, 22);
  /* Flush of a named map's view is a successful no-op. */
  assert_ok(pmmf_view_flush(a, 0, 0, PMMF_FLUSH_ASYNC));
  assert_ok(pmmf_view_flush(b, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_unmap(a));
  assert_ok(pmmf_view_unmap(b));
  assert_ok(pmmf_map_close(o));
  close_and_unlink(m, name);
}

/* A READ map allows READ and COPY views; COPY writes stay private. A COPY
 * map likewise. Creator or opener alike. */
static void test_read_and_copy_maps(void **state) {
  static const pmmf_access limited[] = {PMMF_ACCESS_READ, PMMF_ACCESS_COPY};
  const char *name = support_shm_name("access");
  pmmf_map *m, *r = NULL;
  pmmf_view *w = NULL, *v = NULL, *c = NULL, *x = SENTINEL;
  size_t i;
  (void)state;
  m = create(name, 2 * KIB64);
  assert_ok(pmmf_view_map(&w, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  support_fill(pmmf_view_data(w), 2 * KIB64, 0, 23);
  for (i = 0; i < SUPPORT_ARRAY_LEN(limited); i++) {
    assert_ok(pmmf_map_shared(&r, name, 0, limited[i], PMMF_SHM_OPEN_ONLY, NULL));
    assert_status(pmmf_view_map(&x, r, 0, 0, PMMF_ACCESS_WRITE, 0), PMMF_E_ACCESS);
    assert_ptr_equal(x, SENTINEL);
    assert_ok(pmmf_view_map(&v, r, 4097, 100, PMMF_ACCESS_READ, 0));
    assert_pattern(pmmf_view_data(v), 100, 4097, 23);
    /* READ cannot be protected up to WRITE. */
    assert_status(pmmf_view_protect(v, PMMF_ACCESS_WRITE), PMMF_E_ACCESS);
    assert_ok(pmmf_view_map(&c, r, 4097, 100, PMMF_ACCESS_COPY, 0));
    memset(pmmf_view_data(c), 0x5A, 100);
    /* Private: neither the object nor other views see it. */
    assert_pattern(pmmf_view_data(v), 100, 4097, 23);
    assert_pattern((char *)pmmf_view_data(w) + 4097, 100, 4097, 23);
    /* And a later write to the object reaches the READ view. */
    ((unsigned char *)pmmf_view_data(w))[4097] ^= 0xFF;
    assert_int_equal(((unsigned char *)pmmf_view_data(v))[0],
                     support_pattern(4097, 23) ^ 0xFF);
    ((unsigned char *)pmmf_view_data(w))[4097] ^= 0xFF;
    assert_ok(pmmf_view_flush(c, 0, 0, PMMF_FLUSH_SYNC));
    assert_ok(pmmf_view_unmap(c));
    assert_ok(pmmf_view_unmap(v));
    assert_ok(pmmf_map_close(r));
  }
  assert_ok(pmmf_view_unmap(w));
  close_and_unlink(m, name);

  /* A READ creator: the object is zero-filled and its map READ. */
  assert_ok(pmmf_map_shared(&r, name, KIB64, PMMF_ACCESS_READ, PMMF_SHM_CREATE_ONLY, NULL));
  assert_status(pmmf_view_map(&x, r, 0, 0, PMMF_ACCESS_WRITE, 0), PMMF_E_ACCESS);
  assert_ok(pmmf_view_map(&v, r, 0, 0, PMMF_ACCESS_READ, 0));
  assert_int_equal(support_check_byte(pmmf_view_data(v), KIB64, 0), -1);
  assert_ok(pmmf_view_unmap(v));
  close_and_unlink(r, name);
}

/* ------------------------------------------------------------------------- */

/* Lifetime differs (docs/behavior.md): Windows removes the object with its
 * last handle, the library's maps and views; POSIX keeps it until unlink. */
static void test_lifetime(void **state) {
  const char *name = support_shm_name("life");
  pmmf_map *m, *o = SENTINEL;
  pmmf_view *v = NULL;
  unsigned char b = 0;
  (void)state;
  m = create(name, KIB64);
  write_bytes(m, 10, "L", 1);
  /* A view keeps its map, and so the object, alive. */
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  assert_ok(pmmf_map_close(m));
  assert_true(support_shm_exists(name));
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
  read_bytes(o, 10, &b, 1);
  assert_int_equal(b, 'L');
  assert_ok(pmmf_map_close(o));
  assert_ok(pmmf_view_unmap(v));
  o = SENTINEL;
  if (support_is_win32()) {
    /* The last handle closed: the name is gone. */
    assert_false(support_shm_exists(name));
    assert_status(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL),
                  PMMF_E_NOT_FOUND);
    assert_ptr_equal(o, SENTINEL);
    /* Unlinking is nothing to do, whether the object exists or not. */
    assert_ok(pmmf_shm_unlink(name));
  } else {
    /* Still there with its bytes, until unlinked. */
    assert_true(support_shm_exists(name));
    assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL));
    read_bytes(o, 10, &b, 1);
    assert_int_equal(b, 'L');
    assert_ok(pmmf_map_close(o));
    assert_ok(pmmf_shm_unlink(name));
    assert_false(support_shm_exists(name));
    o = SENTINEL;
    assert_status(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL),
                  PMMF_E_NOT_FOUND);
    assert_ptr_equal(o, SENTINEL);
    assert_status(pmmf_shm_unlink(name), PMMF_E_NOT_FOUND);
  }
}

/* Unlinking a name while maps are alive: they keep working on the old object,
 * and a new object under the name is a different one (POSIX). On Windows
 * unlink does nothing: the object stays reachable while it is open. */
static void test_unlink_while_mapped(void **state) {
  const char *name = support_shm_name("unlinkmap");
  pmmf_map *m, *n = NULL, *o = NULL;
  pmmf_view *v = NULL;
  unsigned char b = 0;
  int created = 7;
  (void)state;
  m = create(name, KIB64);
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  ((unsigned char *)pmmf_view_data(v))[0] = 'O';
  assert_ok(pmmf_shm_unlink(name));
  if (support_is_win32()) {
    assert_true(support_shm_exists(name));
    assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_OR_CREATE, &created));
    assert_int_equal(created, 0);
    read_bytes(o, 0, &b, 1);
    assert_int_equal(b, 'O');
    assert_ok(pmmf_map_close(o));
  } else {
    assert_false(support_shm_exists(name));
    assert_ok(pmmf_map_shared(&n, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                              &created));
    assert_int_equal(created, 1);
    read_bytes(n, 0, &b, 1);
    assert_int_equal(b, 0);
    write_bytes(n, 0, "N", 1);
    /* The old view still sees the old object. */
    assert_int_equal(((unsigned char *)pmmf_view_data(v))[0], 'O');
    assert_ok(pmmf_map_close(n));
    assert_ok(pmmf_shm_unlink(name));
  }
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_false(support_shm_exists(name));
}

/* ------------------------------------------------------------------------- */
/* A half-created POSIX object: shm_open(O_CREAT) done, ftruncate not yet, its
 * creator alive (holding its lock). An opener waits a bounded time, then
 * fails with PMMF_E_BUSY (a creator that died: tests/posix). Windows has no
 * such state (a section's size is set when it is created, and cannot be 0):
 * support_shm_create_empty fails there and the test only checks that. */

struct sleeps {
  unsigned calls, total_ms;
  unsigned act_at;                /* call number at which to act, 0: never */
  int (*act)(const char *name);   /* what to do then */
  const char *name;
};

static void count_sleep(void *arg, unsigned ms) {
  struct sleeps *s = arg;
  s->calls++;
  s->total_ms += ms;
  if (s->act != NULL && s->calls == s->act_at)
    assert_int_equal(s->act(s->name), 0);
}

static int set_size_64k(const char *name) {
  return support_shm_set_size(name, KIB64);
}

/* Make the library's sleeps count into `s`, running `act` at sleep number
 * `act_at` (0: never). */
static void fake_sleeps(struct sleeps *s, const char *name, unsigned act_at,
                        int (*act)(const char *name)) {
  memset(s, 0, sizeof *s);
  s->act_at = act_at;
  s->act = act;
  s->name = name;
  support_fake_sleep(count_sleep, s);
}

/* Make `name` a half-created object and fake the sleeps: 1; or 0 on Windows,
 * which has no such state. */
static int half_created(const char *name, struct sleeps *s, unsigned act_at,
                        int (*act)(const char *name)) {
  if (support_shm_create_empty(name) != 0) {
    assert_true(support_is_win32());
    return 0;
  }
  fake_sleeps(s, name, act_at, act);
  return 1;
}

static void test_half_created_busy(void **state) {
  const char *name = support_shm_name("half");
  struct sleeps s;
  pmmf_map *o = SENTINEL;
  int created = 7;
  (void)state;
  if (!half_created(name, &s, 0, NULL))
    return;
  assert_status(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, &created),
                PMMF_E_BUSY);
  /* It did wait, a bounded time: about a second in all. */
  assert_true(s.calls > 1);
  assert_true(s.total_ms >= 500 && s.total_ms <= 5000);
  /* OPEN_OR_CREATE waits too and never creates over it. */
  fake_sleeps(&s, name, 0, NULL);
  assert_status(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                                &created),
                PMMF_E_BUSY);
  assert_true(s.calls > 1);
  support_fake_sleep(NULL, NULL);
  /* CREATE_ONLY needs no wait: the name exists. */
  assert_status(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY,
                                &created),
                PMMF_E_EXISTS);
  /* The real sleep too (about a second). */
  assert_status(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_ONLY, &created),
                PMMF_E_BUSY);
  assert_ptr_equal(o, SENTINEL);
  assert_int_equal(created, 7);
  assert_int_equal(support_shm_mode(name), 0600);
  assert_int_equal(support_shm_remove(name), 0);
}

/* The creator finishes while the opener waits: the opener gets the object. */
static void test_half_created_then_ready(void **state) {
  const char *name = support_shm_name("ready");
  struct sleeps s;
  pmmf_map *o = NULL;
  int created = 7;
  (void)state;
  if (!half_created(name, &s, 3, set_size_64k))
    return;
  assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, &created));
  support_fake_sleep(NULL, NULL);
  assert_int_equal(s.calls, 3);
  assert_int_equal(created, 0);
  assert_int_equal(pmmf_map_size(o), KIB64);
  assert_ok(pmmf_map_close(o));
  assert_ok(pmmf_shm_unlink(name));
}

/* The creator fails and removes the object while the opener waits: OPEN_ONLY
 * finds nothing, OPEN_OR_CREATE creates it. */
static void test_half_created_then_removed(void **state) {
  const char *name = support_shm_name("removed");
  struct sleeps s;
  pmmf_map *o = SENTINEL;
  int created = 7;
  (void)state;
  if (!half_created(name, &s, 2, support_shm_remove))
    return;
  assert_status(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, &created),
                PMMF_E_NOT_FOUND);
  assert_ptr_equal(o, SENTINEL);
  assert_int_equal(s.calls, 2);

  assert_int_equal(half_created(name, &s, 2, support_shm_remove), 1);
  assert_ok(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                            &created));
  support_fake_sleep(NULL, NULL);
  assert_int_equal(created, 1);
  assert_int_equal(pmmf_map_size(o), KIB64);
  close_and_unlink(o, name);
}

/* ------------------------------------------------------------------------- */

/* POSIX: new objects are 0600 whatever the umask (it can take bits away:
 * they are put back). Windows objects get a DACL for the token's user alone
 * (no mode bits to check here: tests/win32/test_win32_native.c). Squatters:
 * tests/posix/test_posix_security.c, tests/win32/test_win32_native.c. */
static void test_mode_owner_only(void **state) {
  static const unsigned masks[] = {0, 022, 077, 0277, 0677};
  const char *name = support_shm_name("mode");
  unsigned old;
  size_t i;
  (void)state;
  if (support_is_win32()) {
    assert_int_equal(support_shm_mode(name), -1);
    return;
  }
  for (i = 0; i < SUPPORT_ARRAY_LEN(masks); i++) {
    pmmf_map *m = NULL;
    int rc;
    old = support_umask(masks[i]);
    rc = pmmf_map_shared(&m, name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL);
    support_umask(old);
    assert_ok(rc);
    assert_int_equal(support_shm_mode(name), 0600);
    /* And usable: writes reach an opener. */
    write_bytes(m, 0, "M", 1);
    close_and_unlink(m, name);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      SUPPORT_SHM_TEST(test_bad_names),
      SUPPORT_SHM_TEST(test_good_names),
      SUPPORT_SHM_TEST(test_bad_arguments),
      SUPPORT_SHM_TEST(test_create_only),
      SUPPORT_SHM_TEST(test_open_only),
      SUPPORT_SHM_TEST(test_open_or_create),
      SUPPORT_SHM_TEST(test_names_case_sensitive),
      SUPPORT_SHM_TEST(test_sizes),
      SUPPORT_SHM_TEST(test_large_object),
      SUPPORT_SHM_TEST(test_large_object_opened),
      SUPPORT_SHM_TEST(test_zero_filled),
      SUPPORT_SHM_TEST(test_coherent),
      SUPPORT_SHM_TEST(test_read_and_copy_maps),
      SUPPORT_SHM_TEST(test_lifetime),
      SUPPORT_SHM_TEST(test_unlink_while_mapped),
      SUPPORT_SHM_TEST(test_half_created_busy),
      SUPPORT_SHM_TEST(test_half_created_then_ready),
      SUPPORT_SHM_TEST(test_half_created_then_removed),
      SUPPORT_SHM_TEST(test_mode_owner_only),
      cmocka_unit_test(support_shm_nothing_left),
  };
  return cmocka_run_group_tests_name("shared", tests, support_group_setup,
                                     support_group_teardown);
}
