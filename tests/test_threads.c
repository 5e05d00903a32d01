/*
 * test_threads.c - conformance of concurrent use: several threads create,
 * write, read and unmap views of one map at the same time (file-backed and
 * anonymous), with every view access, protect, advise and flush mixed in;
 * open and map distinct files concurrently; race the releases of the last
 * references to a map (view_unmap in several threads against map_close and
 * file_close) so each object is closed exactly once; walk one map through a
 * window per thread; and each thread keeps its own pmmf_last_os_error().
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
  };
  return cmocka_run_group_tests_name("threads", tests, support_group_setup, support_group_teardown);
}
