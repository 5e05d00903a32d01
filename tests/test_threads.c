/* SPDX-License-Identifier: MIT */
/*
 * test_threads.c - conformance of concurrent use: several threads create,
 * write, read and unmap views of one map at the same time (file-backed and
 * anonymous), with every view access, protect, advise and flush mixed in;
 * open and map distinct files concurrently; race the releases of the last
 * references to a map (view_unmap in several threads against map_close and
 * file_close) so each object is closed exactly once; walk one map through a
 * window per thread; each thread keeps its own pmmf_last_os_error(); and
 * every combination the header promises may run concurrently on one object:
 * pmmf_file_resize against pmmf_map_file and pmmf_file_size (refused or
 * serialised, never a map beyond its file), resizes against each other,
 * every map call, every view call (pmmf_view_protect against all but
 * writes).
 * Includes internal.h for the allocation count (leak check). The suite
 * 'threads' runs these under ThreadSanitizer (scripts/test.sh, leg tsan).
 */
#include "support.h"

#include "internal.h"

#include <stdatomic.h>
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

/* Start `n` threads, each running `fn` on its own element of `args` (an
 * array of elements of `stride` bytes), and wait for all of them. */
static void run_threads(support_thread_fn fn, void *args, size_t stride, unsigned n) {
  support_thread *threads[16];
  unsigned i;
  assert_true(n <= SUPPORT_ARRAY_LEN(threads));
  for (i = 0; i < n; i++) {
    threads[i] = support_thread_start(fn, (char *)args + i * stride);
    assert_non_null(threads[i]);
  }
  for (i = 0; i < n; i++)
    support_thread_join(threads[i]);
}

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

/* `n` workers running `fn` over map `m`, worker i with seed + step * i;
 * none may have seen a failure or a wrong byte. */
static void run_workers(support_thread_fn fn, pmmf_map *m, unsigned n, unsigned seed,
                        unsigned step) {
  struct worker workers[16];
  unsigned i;
  assert_true(n <= SUPPORT_ARRAY_LEN(workers));
  for (i = 0; i < n; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].map = m;
    workers[i].index = i;
    workers[i].seed = seed + step * i;
  }
  run_threads(fn, workers, sizeof workers[0], n);
  for (i = 0; i < n; i++) {
    assert_int_equal(workers[i].failures, 0);
    assert_int_equal(workers[i].mismatches, 0);
  }
}

static void run_view_workers(pmmf_map *m, unsigned seed) {
  run_workers(views_worker, m, NTHREADS, seed, 100);
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
  run_threads(view_holder_worker, holders, sizeof holders[0], NTHREADS);
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
  run_threads(file_worker, workers, sizeof workers[0], NTHREADS);
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

/* ------------------------------------------------------------------------- */
/* A reusable barrier: spins a little, then yields (so that it also makes
 * progress where threads are serialised, as under valgrind). */
struct barrier {
  atomic_int arrived;
  atomic_int generation;
  int parties;
};

static void barrier_init(struct barrier *b, int parties) {
  atomic_init(&b->arrived, 0);
  atomic_init(&b->generation, 0);
  b->parties = parties;
}

static void barrier_wait(struct barrier *b) {
  int generation = atomic_load(&b->generation);
  unsigned spins = 0;
  if (atomic_fetch_add(&b->arrived, 1) == b->parties - 1) {
    atomic_store(&b->arrived, 0);
    atomic_fetch_add(&b->generation, 1);
    return;
  }
  while (atomic_load(&b->generation) == generation)
    if (++spins > 1000)
      support_sleep_ms(0);
}

/* Many threads, every kind of view of one map: each round a thread maps a
 * view of its own slice with WRITE, READ or COPY access, and uses it with
 * the calls that view allows (writes, protect back and forth, advise,
 * flush, guarded copies); COPY writes must stay private. */
#define MIXED_THREADS 8
#define MIXED_ROUNDS 90

static void mixed_worker(void *arg) {
  struct worker *w = arg;
  uint64_t base = (uint64_t)w->index * SLICE;
  unsigned round;
  for (round = 0; round < MIXED_ROUNDS; round++) {
    static const pmmf_access kinds[] = {PMMF_ACCESS_WRITE, PMMF_ACCESS_READ, PMMF_ACCESS_COPY};
    pmmf_access access = kinds[round % 3];
    /* WRITE rounds cover the whole slice; the others start anywhere in it. */
    size_t skew = access == PMMF_ACCESS_WRITE ? 0 : (round * 7919u) % 5000u, len = SLICE - skew;
    unsigned seed = w->seed + round;
    unsigned char probe[32];
    pmmf_view *v = NULL;
    int rc = pmmf_view_map(&v, w->map, base + skew, len, access,
                           round % 4 == 0 ? PMMF_VIEW_POPULATE : 0);
    note(w, rc);
    if (rc != PMMF_OK)
      continue;
    /* Hints never change the bytes; some are unsupported on some systems. */
    rc = pmmf_view_advise(v, 0, 0, round % 2 ? PMMF_ADVICE_WILLNEED : PMMF_ADVICE_NORMAL);
    if (rc != PMMF_OK && rc != PMMF_E_UNSUPPORTED)
      w->failures++;
    if (access == PMMF_ACCESS_READ) {
      /* The slice holds what the last WRITE round of this thread left. */
      if (support_check(pmmf_view_data(v), len, base + skew, w->seed + round - 1) != -1)
        w->mismatches++;
    } else {
      unsigned write_seed = access == PMMF_ACCESS_WRITE ? seed : seed + 100000;
      support_fill(pmmf_view_data(v), len, base + skew, write_seed);
      note(w, pmmf_view_protect(v, PMMF_ACCESS_READ));
      if (pmmf_view_write(v, 0, "x", 1) != PMMF_E_ACCESS)
        w->failures++;
      note(w, pmmf_view_protect(v, access));
      note(w, pmmf_view_read(v, len - sizeof probe, probe, sizeof probe));
      if (support_check(probe, sizeof probe, base + skew + len - sizeof probe, write_seed) != -1)
        w->mismatches++;
      note(w, pmmf_view_flush(v, 0, 0, PMMF_FLUSH_ASYNC));
    }
    note(w, pmmf_view_unmap(v));
    if (access == PMMF_ACCESS_COPY) {
      /* The private writes went with the view: a READ view shows the shared
       * bytes of the last WRITE round. */
      note(w, pmmf_view_map(&v, w->map, base + skew, len, PMMF_ACCESS_READ, 0));
      if (v != NULL) {
        if (support_check(pmmf_view_data(v), len, base + skew, seed - 2) != -1)
          w->mismatches++;
        note(w, pmmf_view_unmap(v));
      }
    }
  }
}

static void test_concurrent_mixed_views(void **state) {
  const char *path = support_path("threads-mixed.bin");
  const size_t size = MIXED_THREADS * SLICE;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL, *a = NULL;
  long live = pmmf__alloc_live(), handles = support_count_handles();
  long mappings = support_count_mappings();
  (void)state;
  assert_int_equal(support_write_pattern(path, size, 1), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  run_workers(mixed_worker, m, MIXED_THREADS, 5000, 1000);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_map_anonymous(&a, size, 0));
  run_workers(mixed_worker, a, MIXED_THREADS, 7000, 1000);
  assert_ok(pmmf_map_close(a));
  assert_int_equal(pmmf__alloc_live(), live);
  assert_int_equal(support_count_handles(), handles);
  assert_int_equal(support_count_mappings(), mappings);
}

/* The last references to a map and its file, released at the same moment
 * from several threads: NVIEW threads unmap one view each, the main thread
 * closes the map and one more thread closes the file. Whoever drops the last
 * reference closes the OS objects, exactly once: every call succeeds, and
 * nothing is left. */
#define RACE_VIEWS 4
#define RACE_ROUNDS 150

struct race {
  struct barrier start, done;
  atomic_int stop; /* set by the main thread before a start: the racers leave */
  pmmf_file *file;
  pmmf_view *views[RACE_VIEWS];
  int status[RACE_VIEWS + 1];
};

struct racer {
  struct race *race;
  int index; /* < RACE_VIEWS: unmaps that view; RACE_VIEWS: closes the file */
};

static void racer_main(void *arg) {
  struct racer *r = arg;
  struct race *race = r->race;
  for (;;) {
    barrier_wait(&race->start);
    if (atomic_load(&race->stop))
      return;
    if (r->index < RACE_VIEWS)
      race->status[r->index] = pmmf_view_unmap(race->views[r->index]);
    else
      race->status[r->index] = race->file ? pmmf_file_close(race->file) : PMMF_OK;
    barrier_wait(&race->done);
  }
}

/* One round: the objects made, the race run, its results. Returns a
 * description of the first thing that went wrong, or NULL. Never leaves the
 * racers waiting (the caller stops them). */
static const char *race_round(struct race *race, const char *path, unsigned round, long live,
                              long handles) {
  pmmf_map *m = NULL;
  int i, map_status;
  /* Alternately a file map (the file is closed in the race too) and an
   * anonymous one. */
  race->file = NULL;
  if (round % 2 == 0) {
    if (pmmf_file_open(&race->file, path, PMMF_OPEN_WRITE) != PMMF_OK)
      return "pmmf_file_open";
    if (pmmf_map_file(&m, race->file, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
      return "pmmf_map_file";
  } else if (pmmf_map_anonymous(&m, 4 * SLICE, 0) != PMMF_OK) {
    return "pmmf_map_anonymous";
  }
  for (i = 0; i < RACE_VIEWS; i++) {
    if (pmmf_view_map(&race->views[i], m, (uint64_t)i * SLICE + (round % 100), SLICE / 2,
                      i % 2 ? PMMF_ACCESS_READ : PMMF_ACCESS_WRITE, 0) != PMMF_OK)
      return "pmmf_view_map";
    if (i % 2 == 0)
      memset(pmmf_view_data(race->views[i]), (int)round, 16);
  }
  barrier_wait(&race->start);
  map_status = pmmf_map_close(m);
  barrier_wait(&race->done);
  if (map_status != PMMF_OK)
    return "pmmf_map_close failed";
  for (i = 0; i <= RACE_VIEWS; i++)
    if (race->status[i] != PMMF_OK)
      return i < RACE_VIEWS ? "pmmf_view_unmap failed" : "pmmf_file_close failed";
  if (pmmf__alloc_live() != live)
    return "allocations left";
  if (support_count_handles() != handles)
    return "handles left";
  return NULL;
}

static void test_race_last_references(void **state) {
  const char *path = support_path("threads-race.bin");
  struct race race;
  struct racer racers[RACE_VIEWS + 1];
  support_thread *threads[RACE_VIEWS + 1];
  long live = pmmf__alloc_live(), handles_before = support_count_handles(), handles;
  long mappings = support_count_mappings();
  const char *failure = NULL;
  unsigned round;
  int i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 4 * SLICE, 9), 0);
  memset(&race, 0, sizeof race);
  atomic_init(&race.stop, 0);
  barrier_init(&race.start, RACE_VIEWS + 2);
  barrier_init(&race.done, RACE_VIEWS + 2);
  for (i = 0; i <= RACE_VIEWS; i++) {
    racers[i].race = &race;
    racers[i].index = i;
    threads[i] = support_thread_start(racer_main, &racers[i]);
    assert_non_null(threads[i]);
  }
  /* The threads hold handles of their own (Windows). */
  handles = support_count_handles();
  for (round = 0; round < RACE_ROUNDS && failure == NULL; round++)
    failure = race_round(&race, path, round, live, handles);
  atomic_store(&race.stop, 1);
  barrier_wait(&race.start);
  for (i = 0; i <= RACE_VIEWS; i++)
    support_thread_join(threads[i]);
  if (failure != NULL)
    fail_msg("round %u: %s", round - 1, failure);
  assert_int_equal(support_count_handles(), handles_before);
  assert_int_equal(support_count_mappings(), mappings);
  /* Every descriptor of the file is gone: an exclusive open succeeds. */
  {
    pmmf_file *f = NULL;
    assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
    assert_ok(pmmf_file_close(f));
  }
}

/* Windows over one map, one per thread, each walking the whole map in
 * steps that force it to slide. While windows are not implemented,
 * pmmf_window_open must answer PMMF_E_UNSUPPORTED and there is nothing to
 * race (a note says so; CMocka's TAP "not ok # SKIP" would count as a
 * failure in Meson). */
#define WINDOW_THREADS 4
#define WINDOW_SIZE ((size_t)65536)

struct window_worker {
  pmmf_map *map;
  uint64_t size;
  unsigned index;
  int failures, mismatches;
};

static void window_walker(void *arg) {
  struct window_worker *w = arg;
  pmmf_window *win = NULL;
  uint64_t offset;
  size_t step = 4096 + 977 * w->index;
  if (pmmf_window_open(&win, w->map, WINDOW_SIZE, PMMF_ACCESS_READ) != PMMF_OK) {
    w->failures++;
    return;
  }
  for (offset = w->index; offset + 1000 <= w->size; offset += step) {
    void *p = NULL;
    if (pmmf_window_get(win, offset, 1000, &p) != PMMF_OK) {
      w->failures++;
      break;
    }
    if (support_check(p, 1000, offset, 11) != -1)
      w->mismatches++;
  }
  if (pmmf_window_close(win) != PMMF_OK)
    w->failures++;
}

static void test_concurrent_windows(void **state) {
  const char *path = support_path("threads-windows.bin");
  const size_t size = 8 * WINDOW_SIZE + 12345;
  struct window_worker workers[WINDOW_THREADS];
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_window *probe = NULL;
  long live = pmmf__alloc_live();
  unsigned i;
  int rc;
  (void)state;
  assert_int_equal(support_write_pattern(path, size, 11), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  rc = pmmf_window_open(&probe, m, WINDOW_SIZE, PMMF_ACCESS_READ);
  if (rc == PMMF_E_UNSUPPORTED) {
    assert_ok(pmmf_map_close(m));
    assert_ok(pmmf_file_close(f));
    printf("# windows are not implemented yet (PMMF_E_UNSUPPORTED): nothing to race\n");
    assert_int_equal(pmmf__alloc_live(), live);
    return;
  }
  assert_ok(rc);
  assert_ok(pmmf_window_close(probe));
  for (i = 0; i < WINDOW_THREADS; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].map = m;
    workers[i].size = size;
    workers[i].index = i;
  }
  run_threads(window_walker, workers, sizeof workers[0], WINDOW_THREADS);
  for (i = 0; i < WINDOW_THREADS; i++) {
    assert_int_equal(workers[i].failures, 0);
    assert_int_equal(workers[i].mismatches, 0);
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(pmmf__alloc_live(), live);
}

/* ------------------------------------------------------------------------- */
/* pmmf_file_resize racing pmmf_map_file (and pmmf_file_size) on one
 * pmmf_file. The promise: a resize is refused (PMMF_E_BUSY) while a map of
 * the file is alive or being made, or the map waits and sees the new size;
 * never a map larger than its file. One thread resizes the file back and
 * forth, two map the whole file (size 0) and check, while their map lives,
 * that the file is as large as the map and its last byte reads; the resizer
 * checks that no resize succeeded while a map was alive the whole time, and
 * that the file keeps the size it gave it (a map made from a stale size must
 * not grow it back, as Windows' CreateFileMapping would). A first phase
 * widens the window between reading the size and counting the map (the
 * size-reading OS call sleeps 1 ms); a second runs at full speed. */
#define RESIZE_MAPPERS 2
#define RESIZE_SMALL ((uint64_t)4096 + 17)
#define RESIZE_LARGE ((uint64_t)3 * 65536 + 5)

struct resize_race {
  pmmf_file *file;
  atomic_int stop;
  atomic_ulong alive[RESIZE_MAPPERS]; /* id of the mapper's live map, or 0 */
  /* resizer */
  unsigned long resized, busy;
  int failures;
  char what[160];
};

struct resize_mapper {
  struct resize_race *race;
  unsigned index, rounds, pause_ms;
  unsigned long maps, waited;
  int failures;
  char what[160];
};

static void resize_mapper_main(void *arg) {
  struct resize_mapper *w = arg;
  struct resize_race *race = w->race;
  uint64_t last = 0;
  unsigned round;
  for (round = 0; round < w->rounds && w->failures == 0; round++) {
    pmmf_access access = round % 2 ? PMMF_ACCESS_WRITE : PMMF_ACCESS_READ;
    pmmf_map *m = NULL;
    pmmf_view *v = NULL;
    uint64_t size = 0, file_size = 0;
    unsigned char byte = 0;
    int rc = pmmf_map_file(&m, race->file, 0, access, 0);
    if (rc != PMMF_OK) {
      w->failures++;
      snprintf(w->what, sizeof w->what, "pmmf_map_file: %s", pmmf_status_name(rc));
      break;
    }
    atomic_store(&race->alive[w->index], (unsigned long)round + 1);
    size = pmmf_map_size(m);
    w->maps++;
    if (last != 0 && size != last)
      w->waited++; /* a resize came between two maps */
    last = size;
    rc = pmmf_file_size(race->file, &file_size);
    if (rc != PMMF_OK || file_size != size) {
      w->failures++;
      snprintf(w->what, sizeof w->what, "a live map of %llu bytes, its file %llu bytes (%s)",
               (unsigned long long)size, (unsigned long long)file_size, pmmf_status_name(rc));
    }
    /* The last byte reads (a guarded read: E_IO if it lay beyond the file;
     * not tried after a failure, which CMocka's own signal handlers, set
     * around each test, would make a crash). */
    rc = w->failures ? PMMF_OK : pmmf_view_map(&v, m, size - 1, 1, PMMF_ACCESS_READ, 0);
    if (rc == PMMF_OK && v != NULL) {
      rc = pmmf_view_read(v, 0, &byte, 1);
      if (pmmf_view_unmap(v) != PMMF_OK && rc == PMMF_OK)
        rc = PMMF_E_OS;
    }
    if (rc != PMMF_OK && w->failures == 0) {
      w->failures++;
      snprintf(w->what, sizeof w->what, "last byte of a %llu-byte map: %s",
               (unsigned long long)size, pmmf_status_name(rc));
    }
    rc = pmmf_file_size(race->file, &file_size);
    if ((rc != PMMF_OK || file_size != size) && w->failures == 0) {
      w->failures++;
      snprintf(w->what, sizeof w->what, "a live map of %llu bytes, its file then %llu bytes",
               (unsigned long long)size, (unsigned long long)file_size);
    }
    atomic_store(&race->alive[w->index], 0);
    if (pmmf_map_close(m) != PMMF_OK && w->failures == 0) {
      w->failures++;
      snprintf(w->what, sizeof w->what, "pmmf_map_close");
    }
    /* Slow phase: a pause, so the resizer finds moments with no map. */
    if (w->pause_ms)
      support_sleep_ms(w->pause_ms);
  }
}

static void resize_note(struct resize_race *race, const char *what, uint64_t a, uint64_t b) {
  if (race->failures++ == 0)
    snprintf(race->what, sizeof race->what, "%s (%llu, %llu)", what, (unsigned long long)a,
             (unsigned long long)b);
}

static void resizer_main(void *arg) {
  struct resize_race *race = arg;
  uint64_t expected = RESIZE_LARGE;
  unsigned long turn = 0;
  while (!atomic_load(&race->stop) && race->failures == 0) {
    uint64_t size = turn++ % 2 ? RESIZE_LARGE : RESIZE_SMALL, now = 0;
    unsigned long before[RESIZE_MAPPERS];
    unsigned i;
    int rc;
    /* Only this thread changes the size. */
    if (pmmf_file_size(race->file, &now) != PMMF_OK || now != expected) {
      resize_note(race, "the file lost the size its last resize gave it", expected, now);
      break;
    }
    for (i = 0; i < RESIZE_MAPPERS; i++)
      before[i] = atomic_load(&race->alive[i]);
    rc = pmmf_file_resize(race->file, size);
    if (rc == PMMF_E_BUSY) {
      race->busy++;
      continue;
    }
    if (rc != PMMF_OK) {
      resize_note(race, pmmf_status_name(rc), size, 0);
      break;
    }
    race->resized++;
    expected = size;
    for (i = 0; i < RESIZE_MAPPERS; i++)
      if (before[i] != 0 && atomic_load(&race->alive[i]) == before[i])
        resize_note(race, "a resize succeeded while a map was alive", i, before[i]);
  }
  /* No map is left: a last resize succeeds. */
  if (race->failures == 0 && pmmf_file_resize(race->file, RESIZE_LARGE) != PMMF_OK)
    resize_note(race, "the last resize failed", RESIZE_LARGE, 0);
}

static void resize_race_phase(pmmf_file *f, unsigned slow_ms, unsigned rounds) {
  struct resize_race race;
  struct resize_mapper mappers[RESIZE_MAPPERS];
  support_thread *resizer, *threads[RESIZE_MAPPERS];
  unsigned long maps = 0, waited = 0;
  unsigned i;
  memset(&race, 0, sizeof race);
  race.file = f;
  atomic_init(&race.stop, 0);
  for (i = 0; i < RESIZE_MAPPERS; i++)
    atomic_init(&race.alive[i], 0);
  support_slow_file_size(slow_ms);
  resizer = support_thread_start(resizer_main, &race);
  assert_non_null(resizer);
  for (i = 0; i < RESIZE_MAPPERS; i++) {
    memset(&mappers[i], 0, sizeof mappers[i]);
    mappers[i].race = &race;
    mappers[i].index = i;
    mappers[i].rounds = rounds;
    mappers[i].pause_ms = slow_ms * (2 + i);
    threads[i] = support_thread_start(resize_mapper_main, &mappers[i]);
    assert_non_null(threads[i]);
  }
  for (i = 0; i < RESIZE_MAPPERS; i++)
    support_thread_join(threads[i]);
  atomic_store(&race.stop, 1);
  support_thread_join(resizer);
  support_slow_file_size(0);
  for (i = 0; i < RESIZE_MAPPERS; i++) {
    maps += mappers[i].maps;
    waited += mappers[i].waited;
  }
  printf("# resize vs map (size read %u ms slow): %lu maps, %lu saw a new size; "
         "%lu resizes, %lu refused busy\n",
         slow_ms, maps, waited, race.resized, race.busy);
  for (i = 0; i < RESIZE_MAPPERS; i++)
    if (mappers[i].failures != 0)
      fail_msg("mapper %u, after %lu maps: %s", i, mappers[i].maps, mappers[i].what);
  if (race.failures != 0)
    fail_msg("resizer, after %lu resizes: %s", race.resized, race.what);
}

static void test_race_resize_against_map(void **state) {
  const char *path = support_path("threads-resize.bin");
  pmmf_file *f = NULL;
  long live = pmmf__alloc_live(), handles = support_count_handles();
  uint64_t size = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, (size_t)RESIZE_LARGE, 12), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  /* Under valgrind, which runs one thread at a time, a tenth of the rounds
   * (the slowed phase still widens the window to certain hits). */
  if (getenv("PMMF_TEST_VALGRIND") != NULL) {
    resize_race_phase(f, 1, 30);
    resize_race_phase(f, 0, 300);
  } else {
    resize_race_phase(f, 1, 300);
    resize_race_phase(f, 0, 3000);
  }
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, RESIZE_LARGE);
  assert_ok(pmmf_file_close(f));
  assert_int_equal(pmmf__alloc_live(), live);
  assert_int_equal(support_count_handles(), handles);
}

/* Several pmmf_file_resize calls on one file at the same moment, with no map:
 * each succeeds (they take turns), and pmmf_file_size in another thread
 * always answers a size one of them set. */
#define SIZERS 3
#define SIZER_ROUNDS 200

struct sizer {
  pmmf_file *file;
  atomic_int *stop;
  unsigned index; /* SIZERS: the thread that only reads the size */
  int failures;
  uint64_t bad;
};

static uint64_t sizer_size(unsigned index, unsigned round) {
  return 1000 + 4096 * (uint64_t)index + round % 5;
}

static int sizer_size_known(uint64_t size) {
  return size >= 1000 && (size - 1000) / 4096 < SIZERS && (size - 1000) % 4096 < 5;
}

static void sizer_main(void *arg) {
  struct sizer *w = arg;
  unsigned round;
  if (w->index == SIZERS) {
    while (!atomic_load(w->stop)) {
      uint64_t size = 0;
      /* Wine grows a file by writing a byte just past the new end and then
       * truncating the file back (wineserver's grow_file): meanwhile the
       * size reads one byte more. Windows sets the end in one step. */
      if (pmmf_file_size(w->file, &size) != PMMF_OK ||
          !(sizer_size_known(size) || (support_is_win32() && sizer_size_known(size - 1)))) {
        w->failures++;
        w->bad = size;
      }
    }
    return;
  }
  for (round = 0; round < SIZER_ROUNDS; round++)
    if (pmmf_file_resize(w->file, sizer_size(w->index, round)) != PMMF_OK)
      w->failures++;
}

static void test_concurrent_resizes(void **state) {
  const char *path = support_path("threads-resizes.bin");
  struct sizer workers[SIZERS + 1];
  support_thread *threads[SIZERS + 1];
  atomic_int stop;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  uint64_t size = 0;
  long live = pmmf__alloc_live(), handles = support_count_handles();
  unsigned i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1000, 13), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  atomic_init(&stop, 0);
  for (i = 0; i <= SIZERS; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].file = f;
    workers[i].stop = &stop;
    workers[i].index = i;
  }
  threads[SIZERS] = support_thread_start(sizer_main, &workers[SIZERS]);
  assert_non_null(threads[SIZERS]);
  for (i = 0; i < SIZERS; i++) {
    threads[i] = support_thread_start(sizer_main, &workers[i]);
    assert_non_null(threads[i]);
  }
  for (i = 0; i < SIZERS; i++)
    support_thread_join(threads[i]);
  atomic_store(&stop, 1);
  support_thread_join(threads[SIZERS]);
  for (i = 0; i < SIZERS; i++)
    assert_int_equal(workers[i].failures, 0);
  if (workers[SIZERS].failures != 0)
    fail_msg("pmmf_file_size answered %llu", (unsigned long long)workers[SIZERS].bad);
  assert_ok(pmmf_file_size(f, &size));
  assert_true(sizer_size_known(size));
  /* The file is whole: a map of it reads to its end. */
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  assert_int_equal(pmmf_map_size(m), size);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(pmmf__alloc_live(), live);
  assert_int_equal(support_count_handles(), handles);
}

/* Every call that may run concurrently on one pmmf_map, at once: views
 * mapped anywhere and at a chosen address (pmmf_view_map_at: success, or
 * PMMF_E_ADDRESS_IN_USE if another thread took the place first),
 * pmmf_map_size, and a window per thread. */
#define MAPCALL_THREADS 4
#define MAPCALL_ROUNDS 60
#define G64 ((uint64_t)PMMF_PORTABLE_GRANULARITY)
#define MAPCALL_SIZE ((size_t)(8 * G64 + 123))

struct map_caller {
  pmmf_map *map;
  unsigned index;
  unsigned long placed, taken;
  int failures, mismatches;
};

static void map_caller_main(void *arg) {
  struct map_caller *w = arg;
  unsigned round;
  for (round = 0; round < MAPCALL_ROUNDS; round++) {
    uint64_t offset = ((w->index + round) % 5) * G64;
    pmmf_view *v = NULL;
    pmmf_window *win = NULL;
    uintptr_t place;
    void *p = NULL;
    int rc;
    if (pmmf_map_size(w->map) != MAPCALL_SIZE)
      w->failures++;
    /* A free 64 KiB-aligned place: a larger view's range, rounded up. */
    rc = pmmf_view_map(&v, w->map, offset, (size_t)(3 * G64), PMMF_ACCESS_READ, 0);
    if (rc != PMMF_OK) {
      w->failures++;
      continue;
    }
    if (support_check(pmmf_view_data(v), (size_t)(3 * G64), offset, 14) != -1)
      w->mismatches++;
    place = ((uintptr_t)pmmf_view_data(v) + (uintptr_t)G64 - 1) & ~((uintptr_t)G64 - 1);
    if (pmmf_view_unmap(v) != PMMF_OK)
      w->failures++;
    rc = pmmf_view_map_at(&v, w->map, offset, (size_t)G64, PMMF_ACCESS_READ, 0, (void *)place);
    if (rc == PMMF_OK) {
      w->placed++;
      if ((uintptr_t)pmmf_view_data(v) != place ||
          support_check(pmmf_view_data(v), (size_t)G64, offset, 14) != -1)
        w->mismatches++;
      if (pmmf_view_unmap(v) != PMMF_OK)
        w->failures++;
    } else if (rc == PMMF_E_ADDRESS_IN_USE) {
      w->taken++;
    } else {
      w->failures++;
    }
    rc = pmmf_window_open(&win, w->map, 4096, PMMF_ACCESS_READ);
    if (rc == PMMF_E_UNSUPPORTED)
      continue;
    if (rc != PMMF_OK) {
      w->failures++;
      continue;
    }
    if (pmmf_window_get(win, offset + round * 977u, 4096, &p) != PMMF_OK)
      w->failures++;
    else if (support_check(p, 4096, offset + round * 977u, 14) != -1)
      w->mismatches++;
    if (pmmf_window_close(win) != PMMF_OK)
      w->failures++;
  }
}

static void test_concurrent_map_calls(void **state) {
  const char *path = support_path("threads-mapcalls.bin");
  struct map_caller workers[MAPCALL_THREADS];
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  unsigned long placed = 0, taken = 0;
  long live = pmmf__alloc_live(), handles = support_count_handles();
  long mappings = support_count_mappings();
  unsigned i;
  (void)state;
  assert_int_equal(support_write_pattern(path, MAPCALL_SIZE, 14), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  for (i = 0; i < MAPCALL_THREADS; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].map = m;
    workers[i].index = i;
  }
  run_threads(map_caller_main, workers, sizeof workers[0], MAPCALL_THREADS);
  for (i = 0; i < MAPCALL_THREADS; i++) {
    assert_int_equal(workers[i].failures, 0);
    assert_int_equal(workers[i].mismatches, 0);
    placed += workers[i].placed;
    taken += workers[i].taken;
  }
  printf("# pmmf_view_map_at: %lu placed, %lu found the place taken\n", placed, taken);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(pmmf__alloc_live(), live);
  assert_int_equal(support_count_handles(), handles);
  assert_int_equal(support_count_mappings(), mappings);
}

/* Every call that may run concurrently on one pmmf_view, at once, each
 * thread on its own part of the view: pmmf_view_write, pmmf_view_read,
 * pmmf_view_flush, pmmf_view_advise and pmmf_view_data/size/offset; then
 * pmmf_view_protect (READ and back) in one thread while the others read,
 * flush, advise and ask the view's data, size and offset. */
#define VIEWCALL_THREADS 4
#define VIEWCALL_ROUNDS 150
#define VIEWCALL_SLICE ((size_t)20000)

struct view_caller {
  pmmf_view *view;
  unsigned index, seed;
  int writes; /* phase 1: write; phase 2: no writes (a protect runs) */
  atomic_int *stop; /* workers that have finished: the protector stops when all have */
  int failures, mismatches;
};

static void view_caller_common(struct view_caller *w, unsigned round, char *data) {
  static const pmmf_advice advice[] = {PMMF_ADVICE_NORMAL, PMMF_ADVICE_WILLNEED,
                                       PMMF_ADVICE_SEQUENTIAL, PMMF_ADVICE_RANDOM};
  size_t base = w->index * VIEWCALL_SLICE;
  int rc;
  if (pmmf_view_data(w->view) != data || pmmf_view_size(w->view) != VIEWCALL_THREADS * VIEWCALL_SLICE ||
      pmmf_view_offset(w->view) != 0)
    w->failures++;
  if (pmmf_view_flush(w->view, base, VIEWCALL_SLICE, round % 8 ? PMMF_FLUSH_ASYNC : PMMF_FLUSH_SYNC) !=
      PMMF_OK)
    w->failures++;
  rc = pmmf_view_advise(w->view, base, VIEWCALL_SLICE, advice[round % 4]);
  if (rc != PMMF_OK && rc != PMMF_E_UNSUPPORTED)
    w->failures++;
}

static void view_caller_main(void *arg) {
  struct view_caller *w = arg;
  char *data = pmmf_view_data(w->view);
  size_t base = w->index * VIEWCALL_SLICE;
  unsigned round;
  for (round = 0; round < VIEWCALL_ROUNDS; round++) {
    unsigned char buf[512];
    size_t off = base + (round * 1543u) % (VIEWCALL_SLICE - sizeof buf);
    unsigned seed = w->writes ? w->seed + round : w->seed;
    if (w->writes) {
      support_fill(buf, sizeof buf, off, seed);
      if (pmmf_view_write(w->view, off, buf, sizeof buf) != PMMF_OK)
        w->failures++;
    }
    memset(buf, 0, sizeof buf);
    if (pmmf_view_read(w->view, off, buf, sizeof buf) != PMMF_OK)
      w->failures++;
    else if (support_check(buf, sizeof buf, off, seed) != -1)
      w->mismatches++;
    view_caller_common(w, round, data);
  }
  atomic_fetch_add(w->stop, 1);
}

/* Toggles until every worker has finished, without waiting for the main
 * thread, and sleeps a millisecond every VIEWCALL_TOGGLES toggles. Under
 * valgrind, which runs one thread at a time under its own lock, mprotect is
 * a system call it makes without letting go of that lock: a loop of nothing
 * else keeps it for a whole time slice (about 100000 blocks: thousands of
 * mprotect calls, each slow there), and each worker, which gives the lock up
 * at every blocking call (msync, fdatasync, sync_file_range), waits a slice
 * to get it back: the test did not end within minutes, with or without
 * --fair-sched (seen with vgdb: the protector runnable in mprotect, every
 * worker back from fdatasync waiting for the lock, one worker 16 rounds
 * further after 90 s). The sleep hands the lock over; natively it changes
 * only how many toggles the race sees. */
#define VIEWCALL_TOGGLES 16
static void view_protector_main(void *arg) {
  struct view_caller *w = arg;
  unsigned toggles = 0;
  while (atomic_load(w->stop) < VIEWCALL_THREADS) {
    if (pmmf_view_protect(w->view, PMMF_ACCESS_READ) != PMMF_OK)
      w->failures++;
    if (pmmf_view_protect(w->view, PMMF_ACCESS_WRITE) != PMMF_OK)
      w->failures++;
    if (++toggles % VIEWCALL_TOGGLES == 0)
      support_sleep_ms(1);
  }
}

static void test_concurrent_view_calls(void **state) {
  const char *path = support_path("threads-viewcalls.bin");
  const size_t size = VIEWCALL_THREADS * VIEWCALL_SLICE;
  struct view_caller workers[VIEWCALL_THREADS + 1];
  support_thread *protector;
  atomic_int stop;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  long live = pmmf__alloc_live(), handles = support_count_handles();
  unsigned i;
  (void)state;
  assert_int_equal(support_write_pattern(path, size, 15), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  atomic_init(&stop, 0);
  for (i = 0; i <= VIEWCALL_THREADS; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].view = v;
    workers[i].index = i;
    workers[i].stop = &stop;
  }
  /* Phase 1: writes too. */
  for (i = 0; i < VIEWCALL_THREADS; i++) {
    workers[i].writes = 1;
    workers[i].seed = 16000 + 1000 * i;
  }
  run_threads(view_caller_main, workers, sizeof workers[0], VIEWCALL_THREADS);
  for (i = 0; i < VIEWCALL_THREADS; i++) {
    assert_int_equal(workers[i].failures, 0);
    assert_int_equal(workers[i].mismatches, 0);
  }
  /* Phase 2: a protect back and forth; each slice holds one pattern. */
  for (i = 0; i < VIEWCALL_THREADS; i++) {
    workers[i].writes = 0;
    workers[i].seed = 17000 + i;
    support_fill((char *)pmmf_view_data(v) + i * VIEWCALL_SLICE, VIEWCALL_SLICE,
                 i * VIEWCALL_SLICE, workers[i].seed);
  }
  atomic_store(&stop, 0);
  protector = support_thread_start(view_protector_main, &workers[VIEWCALL_THREADS]);
  assert_non_null(protector);
  run_threads(view_caller_main, workers, sizeof workers[0], VIEWCALL_THREADS);
  support_thread_join(protector);
  for (i = 0; i <= VIEWCALL_THREADS; i++) {
    assert_int_equal(workers[i].failures, 0);
    assert_int_equal(workers[i].mismatches, 0);
  }
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  {
    size_t len = 0;
    unsigned char *buf = support_read_file(path, &len);
    assert_non_null(buf);
    assert_int_equal(len, size);
    for (i = 0; i < VIEWCALL_THREADS; i++)
      assert_pattern(buf + i * VIEWCALL_SLICE, VIEWCALL_SLICE, i * VIEWCALL_SLICE, 17000 + i);
    free(buf);
  }
  assert_int_equal(pmmf__alloc_live(), live);
  assert_int_equal(support_count_handles(), handles);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_concurrent_file_views),
      cmocka_unit_test(test_concurrent_anonymous_views),
      cmocka_unit_test(test_views_outlive_closed_map_across_threads),
      cmocka_unit_test(test_concurrent_distinct_files),
      cmocka_unit_test(test_last_error_is_per_thread),
      cmocka_unit_test(test_concurrent_mixed_views),
      cmocka_unit_test(test_race_last_references),
      cmocka_unit_test(test_concurrent_windows),
      cmocka_unit_test(test_race_resize_against_map),
      cmocka_unit_test(test_concurrent_resizes),
      cmocka_unit_test(test_concurrent_map_calls),
      cmocka_unit_test(test_concurrent_view_calls),
  };
  return cmocka_run_group_tests_name("threads", tests, support_group_setup, support_group_teardown);
}
