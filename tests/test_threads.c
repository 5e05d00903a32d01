/*
 * test_threads.c - conformance of concurrent use: several threads create,
 * write, read and unmap views of one map at the same time (file-backed and
 * anonymous), open and map distinct files concurrently, and each thread keeps
 * its own pmmf_last_os_error(). Includes internal.h for the allocation
 * count (leak check).
 */
#include "support.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define NTHREADS 6
#define ROUNDS 150
#define SLICE ((size_t)70000) /* each thread's region: straddles 64 KiB boundaries */

struct worker {
  pmmf_map *map;
  unsigned index;
  unsigned seed;
  int failures;   /* failed library calls */
  int mismatches; /* wrong bytes seen */
  long os_error;
};

static void note(struct worker *w, int rc) {
  if (rc != PMMF_OK)
    w->failures++;
}

/* Each round: map a view of this thread's slice at a varying offset, write a
 * pattern through it, read it back through a second, READ view and with
 * pmmf_view_read, and unmap both. */
static void views_worker(void *arg) {
  struct worker *w = arg;
  uint64_t base = (uint64_t)w->index * SLICE;
  unsigned round;
  for (round = 0; round < ROUNDS; round++) {
    pmmf_view *v = NULL, *r = NULL;
    size_t skew = (round * 4099u) % 1000u;
    size_t len = SLICE - skew - (round % 7);
    unsigned seed = w->seed + round;
    unsigned char probe[64];
    int rc = pmmf_view_map(&v, w->map, base + skew, len, PMMF_ACCESS_WRITE,
                           round % 5 == 0 ? PMMF_VIEW_POPULATE : 0);
    note(w, rc);
    if (rc != PMMF_OK)
      continue;
    support_fill(pmmf_view_data(v), len, base + skew, seed);
    rc = pmmf_view_map(&r, w->map, base + skew, len, PMMF_ACCESS_READ, 0);
    note(w, rc);
    if (rc == PMMF_OK) {
      if (support_check(pmmf_view_data(r), len, base + skew, seed) != -1)
        w->mismatches++;
      note(w, pmmf_view_unmap(r));
    }
    note(w, pmmf_view_read(v, len - sizeof probe, probe, sizeof probe));
    if (support_check(probe, sizeof probe, base + skew + len - sizeof probe, seed) != -1)
      w->mismatches++;
    if (round % 10 == 0)
      note(w, pmmf_view_flush(v, 0, 0, PMMF_FLUSH_ASYNC));
    note(w, pmmf_view_unmap(v));
  }
  /* Leave the final state: the whole slice with this thread's seed. */
  {
    pmmf_view *v = NULL;
    int rc = pmmf_view_map(&v, w->map, base, SLICE, PMMF_ACCESS_WRITE, 0);
    note(w, rc);
    if (rc == PMMF_OK) {
      support_fill(pmmf_view_data(v), SLICE, base, w->seed);
      note(w, pmmf_view_unmap(v));
    }
  }
}

static void run_view_workers(pmmf_map *m, unsigned seed) {
  struct worker workers[NTHREADS];
  support_thread *threads[NTHREADS];
  unsigned i;
  for (i = 0; i < NTHREADS; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].map = m;
    workers[i].index = i;
    workers[i].seed = seed + 100 * i;
  }
  for (i = 0; i < NTHREADS; i++) {
    threads[i] = support_thread_start(views_worker, &workers[i]);
    assert_non_null(threads[i]);
  }
  for (i = 0; i < NTHREADS; i++)
    support_thread_join(threads[i]);
  for (i = 0; i < NTHREADS; i++) {
    assert_int_equal(workers[i].failures, 0);
    assert_int_equal(workers[i].mismatches, 0);
  }
}

static void check_slices(const unsigned char *p, unsigned seed) {
  unsigned i;
  for (i = 0; i < NTHREADS; i++)
    assert_pattern(p + (size_t)i * SLICE, SLICE, (uint64_t)i * SLICE, seed + 100 * i);
}

static void test_concurrent_file_views(void **state) {
  const char *path = support_path("threads.bin");
  const size_t size = NTHREADS * SLICE;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  unsigned char *buf;
  size_t len = 0;
  long live = pmmf__alloc_live(), handles = support_count_handles();
  (void)state;
  assert_int_equal(support_write_pattern(path, size, 1), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  run_view_workers(m, 1000);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  buf = support_read_file(path, &len);
  assert_non_null(buf);
  assert_int_equal(len, size);
  check_slices(buf, 1000);
  free(buf);
  assert_int_equal(pmmf__alloc_live(), live);
  assert_int_equal(support_count_handles(), handles);
}

static void test_concurrent_anonymous_views(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  long live = pmmf__alloc_live();
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, NTHREADS * SLICE, 0));
  run_view_workers(m, 2000);
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
  check_slices(pmmf_view_data(v), 2000);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_int_equal(pmmf__alloc_live(), live);
}

/* The map is closed while the threads still map and unmap views of it: each
 * live view holds the map. */
struct holder {
  pmmf_view *view;
  unsigned seed;
  int failures;
  int mismatches;
};

static void view_holder_worker(void *arg) {
  struct holder *h = arg;
  unsigned round;
  /* Reads and writes through this thread's view while the other threads
   * unmap theirs, the map itself already closed. */
  for (round = 0; round < ROUNDS; round++) {
    unsigned char buf[256];
    size_t off = (round * 997u) % (pmmf_view_size(h->view) - sizeof buf);
    support_fill(buf, sizeof buf, off, h->seed + round);
    if (pmmf_view_write(h->view, off, buf, sizeof buf) != PMMF_OK)
      h->failures++;
    memset(buf, 0, sizeof buf);
    if (pmmf_view_read(h->view, off, buf, sizeof buf) != PMMF_OK)
      h->failures++;
    if (support_check(buf, sizeof buf, off, h->seed + round) != -1)
      h->mismatches++;
  }
  if (pmmf_view_unmap(h->view) != PMMF_OK)
    h->failures++;
}

static void test_views_outlive_closed_map_across_threads(void **state) {
  pmmf_map *m = NULL;
  struct holder holders[NTHREADS];
  support_thread *threads[NTHREADS];
  long live = pmmf__alloc_live();
  unsigned i;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, NTHREADS * SLICE, 0));
  for (i = 0; i < NTHREADS; i++) {
    memset(&holders[i], 0, sizeof holders[i]);
    holders[i].seed = 3000 + i;
    assert_ok(pmmf_view_map(&holders[i].view, m, (uint64_t)i * SLICE, SLICE, PMMF_ACCESS_WRITE, 0));
  }
  assert_ok(pmmf_map_close(m));
  for (i = 0; i < NTHREADS; i++) {
    threads[i] = support_thread_start(view_holder_worker, &holders[i]);
    assert_non_null(threads[i]);
  }
  for (i = 0; i < NTHREADS; i++)
    support_thread_join(threads[i]);
  for (i = 0; i < NTHREADS; i++) {
    assert_int_equal(holders[i].failures, 0);
    assert_int_equal(holders[i].mismatches, 0);
  }
  assert_int_equal(pmmf__alloc_live(), live);
}

/* Distinct objects in every thread: open, grow, map, write, close. */
struct file_worker {
  char path[1024];
  unsigned seed;
  int failures;
};

static void file_worker(void *arg) {
  struct file_worker *w = arg;
  unsigned round;
  for (round = 0; round < 20; round++) {
    pmmf_file *f = NULL;
    pmmf_map *m = NULL;
    pmmf_view *v = NULL;
    size_t size = 65536 + 1000 * round + 1;
    if (pmmf_file_open(&f, w->path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE) !=
        PMMF_OK) {
      w->failures++;
      continue;
    }
    if (pmmf_map_file(&m, f, size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW) != PMMF_OK)
      w->failures++;
    else if (pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
      w->failures++;
    else {
      support_fill(pmmf_view_data(v), size, 0, w->seed + round);
      if (pmmf_view_unmap(v) != PMMF_OK)
        w->failures++;
    }
    if (pmmf_map_close(m) != PMMF_OK)
      w->failures++;
    if (pmmf_file_close(f) != PMMF_OK)
      w->failures++;
  }
}

static void test_concurrent_distinct_files(void **state) {
  struct file_worker workers[NTHREADS];
  support_thread *threads[NTHREADS];
  long live = pmmf__alloc_live(), handles = support_count_handles();
  unsigned i;
  (void)state;
  for (i = 0; i < NTHREADS; i++) {
    char name[32];
    memset(&workers[i], 0, sizeof workers[i]);
    snprintf(name, sizeof name, "worker-%u.bin", i);
    snprintf(workers[i].path, sizeof workers[i].path, "%s", support_path(name));
    workers[i].seed = 4000 + 50 * i;
  }
  for (i = 0; i < NTHREADS; i++) {
    threads[i] = support_thread_start(file_worker, &workers[i]);
    assert_non_null(threads[i]);
  }
  for (i = 0; i < NTHREADS; i++)
    support_thread_join(threads[i]);
  for (i = 0; i < NTHREADS; i++) {
    assert_int_equal(workers[i].failures, 0);
    assert_true(support_file_is_pattern(workers[i].path, 65536 + 1000 * 19 + 1,
                                        workers[i].seed + 19));
  }
  assert_int_equal(pmmf__alloc_live(), live);
  assert_int_equal(support_count_handles(), handles);
}

/* pmmf_last_os_error() belongs to the calling thread. */
struct error_worker {
  char path[1024];
  long seen_before;
  long seen_after;
  int status;
};

static void error_worker(void *arg) {
  struct error_worker *w = arg;
  pmmf_file *f = NULL;
  w->seen_before = pmmf_last_os_error();
  w->status = pmmf_file_open(&f, w->path, PMMF_OPEN_READ);
  w->seen_after = pmmf_last_os_error();
}

static void test_last_error_is_per_thread(void **state) {
  struct error_worker w;
  support_thread *t;
  pmmf_file *f = NULL;
  (void)state;
  memset(&w, 0, sizeof w);
  snprintf(w.path, sizeof w.path, "%s", support_path("no-such-file-thread.bin"));
  /* This thread: a library-detected failure, so 0. */
  assert_status(pmmf_file_open(NULL, w.path, PMMF_OPEN_READ), PMMF_E_INVALID);
  assert_int_equal(pmmf_last_os_error(), 0);
  t = support_thread_start(error_worker, &w);
  assert_non_null(t);
  support_thread_join(t);
  assert_status(w.status, PMMF_E_NOT_FOUND);
  assert_int_equal(w.seen_before, 0);
  assert_int_not_equal(w.seen_after, 0);
  /* Still 0 here. */
  assert_int_equal(pmmf_last_os_error(), 0);
  assert_status(pmmf_file_open(&f, w.path, PMMF_OPEN_READ), PMMF_E_NOT_FOUND);
  assert_int_equal(pmmf_last_os_error(), w.seen_after);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_concurrent_file_views),
      cmocka_unit_test(test_concurrent_anonymous_views),
      cmocka_unit_test(test_views_outlive_closed_map_across_threads),
      cmocka_unit_test(test_concurrent_distinct_files),
      cmocka_unit_test(test_last_error_is_per_thread),
  };
  return cmocka_run_group_tests_name("threads", tests, support_group_setup, support_group_teardown);
}
