/* SPDX-License-Identifier: MIT */
/*
 * bench.c - libportmmf's benchmark: each case does the same work on the same
 * data twice, once with the raw OS calls (raw_posix.c / raw_win32.c, or GLib's
 * GMappedFile for case 7) and once through libportmmf, in one process,
 * interleaved over several rounds, and reports medians, spreads and the ratio
 * raw time / library time (above 1: the library is faster), or for page
 * faults raw faults / library faults. It prints a table, writes JSON, and
 * describes the machine. See docs/performance.md for what each case means.
 */
#include <portmmf.h>

#include "raw.h"

#ifdef BENCH_HAVE_GLIB
#include <glib.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BENCH_BUILDTYPE
#define BENCH_BUILDTYPE "unknown"
#endif

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

#define KIB ((uint64_t)1024)
#define MIB (KIB * 1024)
#define MAX_ROUNDS 1001
#define MAX_ROWS 32
#define CHUNK (64 * KIB)     /* case 4's copy size and case 5's view size */
#define READ_SIZE (4 * KIB)  /* case 6's read size */
#define WINDOW_STEP MIB      /* case 3's window_get length */

/* A run failed outside libportmmf (a raw call, or setup); never a status. */
#define RAW_FAILED (-1000)

struct options {
  uint64_t size;      /* the big file of cases 1 to 6 */
  size_t window;      /* case 3's window size */
  int rounds;
  long views;         /* case 5: views per sample */
  long reads;         /* case 6: reads per sample */
  long touches;       /* case 2: random touches per sample */
  long files;         /* case 7: files per sample */
  size_t file_size;   /* case 7: size of each file */
  long sync_files;    /* case 11: files per sample */
  size_t sync_size;   /* cases 10 and 11: size of the fresh file */
  const char *json;
  const char *dir;
  unsigned cases;     /* bit n: case n selected */
};

/* One measurement: the time of the whole sample, and the page faults taken
 * during the part that the case says (the scan, for case 2). */
struct sample {
  double seconds;
  double minor, major;
  int faults_set;     /* the run counted its own faults (else: the whole run) */
};

struct row {
  int number;          /* the case's number in issue 6 */
  char id[24];         /* "1", "2-faults-hot", ... */
  char what[128];
  int faults;          /* metric: 0 seconds, 1 page faults */
  const char *op;      /* what one operation is, for per-operation times */
  double ops;          /* operations per sample */
  double goal;         /* minimum median ratio; 0: reported only */
  char skipped[64];    /* why the row has no figures, or "" */
  char note[160];
  int n;
  double raw[MAX_ROUNDS], lib[MAX_ROUNDS], ratio[MAX_ROUNDS];
  /* page faults (minor + major) and major faults, whatever the metric */
  double raw_faults[MAX_ROUNDS], lib_faults[MAX_ROUNDS];
  double raw_major[MAX_ROUNDS], lib_major[MAX_ROUNDS];
};

struct bench {
  struct options opt;
  char big_path[1024];
  int big_created;
  struct raw_file *raw;
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;     /* the whole big file, populated: cases 4 and 6 */
  uint64_t *offsets;   /* cases 2 (random), 5 and 6 */
  unsigned char *buffer;
  char **small_paths;
  long small_created;
  int populate_small;  /* case 7: the library's views use PMMF_VIEW_POPULATE */
  long random_count;   /* case 2: offsets used by the random touches */
  char sync_path[1024]; /* cases 10 and 11 */
  unsigned char *sync_data;
  const char *cold_path;
  double resident_after_drop;
  uint64_t sink;
  /* case 8: two memories of the same size, the raw side's and the library
   * side's, read at the same random 8-byte positions */
  const unsigned char *mem_raw, *mem_lib;
  size_t mem_size;
  long mem_reads;
};

static struct row rows[MAX_ROWS];
static int row_count;

/* ------------------------------------------------------------------------
 * Work both sides share.
 * ------------------------------------------------------------------------ */

/* Read every byte: a sum of 64-bit words (and the tail bytes). */
static NOINLINE uint64_t scan(const void *data, size_t length)
{
  const unsigned char *p = data;
  uint64_t sum = 0, word;
  size_t i = 0;

  for (; i + 8 <= length; i += 8) {
    memcpy(&word, p + i, 8);
    sum += word;
  }
  for (; i < length; i++)
    sum += p[i];
  return sum;
}

/* Read one byte per page of [data, data + length), and the last byte. */
static NOINLINE uint64_t touch(const void *data, size_t length)
{
  const volatile unsigned char *p = data;
  size_t page = pmmf_page_size(), i;
  uint64_t sum = 0;

  for (i = 0; i < length; i += page)
    sum += p[i];
  return sum + p[length - 1];
}

static uint64_t random_next(uint64_t *state)
{
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static int report(const char *what, int status)
{
  if (status != PMMF_E_UNSUPPORTED)
    fprintf(stderr, "bench: %s: %s (%s, OS error %ld)\n", what, pmmf_strerror(status),
            pmmf_status_name(status), pmmf_last_os_error());
  return status;
}

#define CHECK(call)                            \
  do {                                         \
    int check_status_ = (call);                \
    if (check_status_ != PMMF_OK)              \
      return report(#call, check_status_);     \
  } while (0)

static void faults_now(double *minor, double *major)
{
  uint64_t mi, ma;
  raw_faults(&mi, &ma);
  *minor = (double)mi;
  *major = (double)ma;
}

/* ------------------------------------------------------------------------
 * Case 1: map, scan and unmap a whole view of the big file (hot).
 * Case 2: the same, with the page faults taken during the scan: the library
 * maps with PMMF_VIEW_POPULATE, the raw side lazily.
 * ------------------------------------------------------------------------ */

static int scan_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now(), m0, j0, m1, j1;
  void *base;
  size_t span;
  const char *p = raw_map(b->raw, 0, (size_t)b->opt.size, &base, &span);

  if (!p)
    return RAW_FAILED;
  faults_now(&m0, &j0);
  b->sink += scan(p, (size_t)b->opt.size);
  faults_now(&m1, &j1);
  raw_unmap(base, span);
  s->seconds = raw_now() - t0;
  s->minor = m1 - m0;
  s->major = j1 - j0;
  s->faults_set = 1;
  return 0;
}

static int scan_lib_flags(struct bench *b, struct sample *s, unsigned flags)
{
  double t0 = raw_now(), m0, j0, m1, j1;
  pmmf_view *view;

  CHECK(pmmf_view_map(&view, b->map, 0, 0, PMMF_ACCESS_READ, flags));
  faults_now(&m0, &j0);
  b->sink += scan(pmmf_view_data(view), pmmf_view_size(view));
  faults_now(&m1, &j1);
  CHECK(pmmf_view_unmap(view));
  s->seconds = raw_now() - t0;
  s->minor = m1 - m0;
  s->major = j1 - j0;
  s->faults_set = 1;
  return 0;
}

static int scan_lib(struct bench *b, struct sample *s)
{
  return scan_lib_flags(b, s, 0);
}

static int scan_lib_populate(struct bench *b, struct sample *s)
{
  return scan_lib_flags(b, s, PMMF_VIEW_POPULATE);
}

/* Before each cold sample: the big file leaves the page cache. */
static int drop_cache(struct bench *b)
{
  if (raw_drop_cache(b->cold_path) != 0)
    return PMMF_E_UNSUPPORTED;
  if (b->resident_after_drop < 0)
    b->resident_after_drop = raw_resident(b->cold_path);
  return 0;
}

/* Where populating pays: random page touches of a whole-file view, raw
 * lazy vs PMMF_VIEW_POPULATE; faults and time include the map. */
static int random_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now(), m0, j0, m1, j1;
  void *base;
  size_t span;
  const char *p;
  uint64_t sum = 0;
  long i;

  faults_now(&m0, &j0);
  p = raw_map(b->raw, 0, (size_t)b->opt.size, &base, &span);
  if (!p)
    return RAW_FAILED;
  for (i = 0; i < b->random_count; i++)
    sum += ((const volatile unsigned char *)p)[b->offsets[i]];
  faults_now(&m1, &j1);
  raw_unmap(base, span);
  s->seconds = raw_now() - t0;
  s->minor = m1 - m0;
  s->major = j1 - j0;
  s->faults_set = 1;
  b->sink += sum;
  return 0;
}

static int random_lib(struct bench *b, struct sample *s)
{
  double t0 = raw_now(), m0, j0, m1, j1;
  const volatile unsigned char *p;
  pmmf_view *view;
  uint64_t sum = 0;
  long i;

  faults_now(&m0, &j0);
  CHECK(pmmf_view_map(&view, b->map, 0, 0, PMMF_ACCESS_READ, PMMF_VIEW_POPULATE));
  p = pmmf_view_data(view);
  for (i = 0; i < b->random_count; i++)
    sum += p[b->offsets[i]];
  faults_now(&m1, &j1);
  CHECK(pmmf_view_unmap(view));
  s->seconds = raw_now() - t0;
  s->minor = m1 - m0;
  s->major = j1 - j0;
  s->faults_set = 1;
  b->sink += sum;
  return 0;
}

/* ------------------------------------------------------------------------
 * Case 3: scan the big file through a window of --window bytes, 1 MiB per
 * pmmf_window_get, vs one whole raw mapping scanned in the same steps.
 * ------------------------------------------------------------------------ */

static size_t window_step(const struct bench *b)
{
  return b->opt.window < WINDOW_STEP ? b->opt.window : (size_t)WINDOW_STEP;
}

static int window_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  size_t step = window_step(b), length;
  uint64_t offset;
  void *base;
  size_t span;
  const char *p = raw_map(b->raw, 0, (size_t)b->opt.size, &base, &span);

  if (!p)
    return RAW_FAILED;
  for (offset = 0; offset < b->opt.size; offset += length) {
    length = b->opt.size - offset < step ? (size_t)(b->opt.size - offset) : step;
    b->sink += scan(p + offset, length);
  }
  raw_unmap(base, span);
  s->seconds = raw_now() - t0;
  return 0;
}

static int window_lib(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  size_t step = window_step(b), length;
  uint64_t offset;
  pmmf_window *window;
  void *p;

  CHECK(pmmf_window_open(&window, b->map, b->opt.window, PMMF_ACCESS_READ));
  for (offset = 0; offset < b->opt.size; offset += length) {
    length = b->opt.size - offset < step ? (size_t)(b->opt.size - offset) : step;
    CHECK(pmmf_window_get(window, offset, length, &p));
    b->sink += scan(p, length);
  }
  CHECK(pmmf_window_close(window));
  s->seconds = raw_now() - t0;
  return 0;
}

/* ------------------------------------------------------------------------
 * Case 4: copy the whole (populated) view out in 64 KiB chunks: memcpy from
 * pmmf_view_data vs the guarded pmmf_view_read.
 * ------------------------------------------------------------------------ */

static int copy_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  const unsigned char *data = pmmf_view_data(b->view);
  uint64_t offset, sum = 0;

  for (offset = 0; offset + CHUNK <= b->opt.size; offset += CHUNK) {
    memcpy(b->buffer, data + offset, CHUNK);
    sum += b->buffer[offset % CHUNK];
  }
  s->seconds = raw_now() - t0;
  b->sink += sum;
  return 0;
}

static int copy_lib(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  uint64_t offset, sum = 0;

  for (offset = 0; offset + CHUNK <= b->opt.size; offset += CHUNK) {
    CHECK(pmmf_view_read(b->view, (size_t)offset, b->buffer, CHUNK));
    sum += b->buffer[offset % CHUNK];
  }
  s->seconds = raw_now() - t0;
  b->sink += sum;
  return 0;
}

/* Case 4's second row: random 4 KiB copies (the offsets of case 6), where
 * the guard's fixed cost per call shows: memcpy from the view's pointer vs
 * pmmf_view_read. */
static int copy4k_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  const unsigned char *data = pmmf_view_data(b->view);
  uint64_t sum = 0;
  long i;

  for (i = 0; i < b->opt.reads; i++) {
    memcpy(b->buffer, data + b->offsets[i], READ_SIZE);
    sum += b->buffer[i % READ_SIZE];
  }
  s->seconds = raw_now() - t0;
  b->sink += sum;
  return 0;
}

static int copy4k_lib(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  uint64_t sum = 0;
  long i;

  for (i = 0; i < b->opt.reads; i++) {
    CHECK(pmmf_view_read(b->view, (size_t)b->offsets[i], b->buffer, READ_SIZE));
    sum += b->buffer[i % READ_SIZE];
  }
  s->seconds = raw_now() - t0;
  b->sink += sum;
  return 0;
}

/* ------------------------------------------------------------------------
 * Case 5: 64 KiB views at random unaligned offsets, mapped, touched (one
 * byte per page) and unmapped, vs raw maps rounded by the caller.
 * ------------------------------------------------------------------------ */

static int views_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  void *base;
  size_t span;
  long i;

  for (i = 0; i < b->opt.views; i++) {
    const char *p = raw_map(b->raw, b->offsets[i], CHUNK, &base, &span);
    if (!p)
      return RAW_FAILED;
    b->sink += touch(p, CHUNK);
    raw_unmap(base, span);
  }
  s->seconds = raw_now() - t0;
  return 0;
}

static int views_lib(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  pmmf_view *view;
  long i;

  for (i = 0; i < b->opt.views; i++) {
    CHECK(pmmf_view_map(&view, b->map, b->offsets[i], CHUNK, PMMF_ACCESS_READ, 0));
    b->sink += touch(pmmf_view_data(view), CHUNK);
    CHECK(pmmf_view_unmap(view));
  }
  s->seconds = raw_now() - t0;
  return 0;
}

/* ------------------------------------------------------------------------
 * Case 6: random 4 KiB reads (page-aligned offsets): pread / ReadFile vs the
 * guarded pmmf_view_read from the populated whole-file view.
 * ------------------------------------------------------------------------ */

static int reads_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  uint64_t sum = 0;
  long i;

  for (i = 0; i < b->opt.reads; i++) {
    if (raw_pread(b->raw, b->buffer, READ_SIZE, b->offsets[i]) != 0)
      return RAW_FAILED;
    sum += b->buffer[i % READ_SIZE];
  }
  s->seconds = raw_now() - t0;
  b->sink += sum;
  return 0;
}

static int reads_lib(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  uint64_t sum = 0;
  long i;

  for (i = 0; i < b->opt.reads; i++) {
    CHECK(pmmf_view_read(b->view, (size_t)b->offsets[i], b->buffer, READ_SIZE));
    sum += b->buffer[i % READ_SIZE];
  }
  s->seconds = raw_now() - t0;
  b->sink += sum;
  return 0;
}

/* ------------------------------------------------------------------------
 * Case 7: open, map, scan and close each of many small files: GLib's
 * GMappedFile vs libportmmf.
 * ------------------------------------------------------------------------ */

#ifdef BENCH_HAVE_GLIB
static int small_glib(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  long i;

  for (i = 0; i < b->opt.files; i++) {
    GError *error = NULL;
    GMappedFile *mapped = g_mapped_file_new(b->small_paths[i], FALSE, &error);
    if (!mapped) {
      fprintf(stderr, "bench: g_mapped_file_new: %s\n", error->message);
      g_error_free(error);
      return RAW_FAILED;
    }
    b->sink += scan(g_mapped_file_get_contents(mapped), g_mapped_file_get_length(mapped));
    g_mapped_file_unref(mapped);
  }
  s->seconds = raw_now() - t0;
  return 0;
}
#endif

#ifdef BENCH_HAVE_BOOST
/* bench/peer_boost.cpp: Boost.Interprocess file_mapping + mapped_region. */
int bench_boost_map_whole(const char *path, uint64_t (*use)(const void *, size_t),
                          uint64_t *sink);

static int small_boost(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  long i;

  for (i = 0; i < b->opt.files; i++)
    if (bench_boost_map_whole(b->small_paths[i], scan, &b->sink) != 0)
      return RAW_FAILED;
  s->seconds = raw_now() - t0;
  return 0;
}
#endif

static uint64_t scan_fn(const void *data, size_t length)
{
  return scan(data, length);
}

static int small_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  long i;

  for (i = 0; i < b->opt.files; i++)
    if (raw_map_whole(b->small_paths[i], scan_fn, &b->sink) != 0)
      return RAW_FAILED;
  s->seconds = raw_now() - t0;
  return 0;
}

static int small_lib_flags(struct bench *b, struct sample *s, unsigned open_flags)
{
  double t0 = raw_now();
  unsigned flags = b->populate_small ? PMMF_VIEW_POPULATE : 0;
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  long i;

  for (i = 0; i < b->opt.files; i++) {
    CHECK(pmmf_file_open(&file, b->small_paths[i], PMMF_OPEN_READ | open_flags));
    CHECK(pmmf_map_file(&map, file, 0, PMMF_ACCESS_READ, 0));
    CHECK(pmmf_view_map(&view, map, 0, 0, PMMF_ACCESS_READ, flags));
    b->sink += scan(pmmf_view_data(view), pmmf_view_size(view));
    CHECK(pmmf_view_unmap(view));
    CHECK(pmmf_map_close(map));
    CHECK(pmmf_file_close(file));
  }
  s->seconds = raw_now() - t0;
  return 0;
}

static int small_lib(struct bench *b, struct sample *s)
{
  return small_lib_flags(b, s, 0);
}

static int small_lib_nolock(struct bench *b, struct sample *s)
{
  return small_lib_flags(b, s, PMMF_OPEN_NOLOCK);
}

/* The one-call form: pmmf_map_path with PMMF_OPEN_NOLOCK. */
static int small_lib_path(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  pmmf_view *view;
  long i;

  for (i = 0; i < b->opt.files; i++) {
    CHECK(pmmf_map_path(&view, b->small_paths[i], PMMF_ACCESS_READ, PMMF_OPEN_NOLOCK, 0));
    b->sink += scan(pmmf_view_data(view), pmmf_view_size(view));
    CHECK(pmmf_view_unmap(view));
  }
  s->seconds = raw_now() - t0;
  return 0;
}

/* ------------------------------------------------------------------------
 * Case 11: a fresh file of --sync-size bytes written and made durable:
 * write() + fdatasync (WriteFile + FlushFileBuffers) vs a grown map whose
 * view is written with pmmf_view_write (11-api) or through the pointer
 * (11-pointer), then flushed SYNC. --sync-files files per sample.
 * Case 10: page faults taken writing a fresh file's view, lazy vs
 * PMMF_VIEW_POPULATE (both through the library).
 * ------------------------------------------------------------------------ */

static int sync_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  long i;

  for (i = 0; i < b->opt.sync_files; i++)
    if (raw_write_file_sync(b->sync_path, b->sync_data, b->opt.sync_size) != 0)
      return RAW_FAILED;
  s->seconds = raw_now() - t0;
  return 0;
}

static int sync_lib_how(struct bench *b, struct sample *s, int pointer)
{
  double t0 = raw_now();
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  long i;

  for (i = 0; i < b->opt.sync_files; i++) {
    CHECK(pmmf_file_open(&file, b->sync_path,
                         PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE));
    CHECK(pmmf_map_file(&map, file, b->opt.sync_size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
    CHECK(pmmf_view_map(&view, map, 0, 0, PMMF_ACCESS_WRITE, 0));
    if (pointer)
      memcpy(pmmf_view_data(view), b->sync_data, b->opt.sync_size);
    else
      CHECK(pmmf_view_write(view, 0, b->sync_data, b->opt.sync_size));
    CHECK(pmmf_view_flush(view, 0, 0, PMMF_FLUSH_SYNC));
    CHECK(pmmf_view_unmap(view));
    CHECK(pmmf_map_close(map));
    CHECK(pmmf_file_close(file));
  }
  s->seconds = raw_now() - t0;
  return 0;
}

static int sync_lib_api(struct bench *b, struct sample *s)
{
  return sync_lib_how(b, s, 0);
}

static int sync_lib_pointer(struct bench *b, struct sample *s)
{
  return sync_lib_how(b, s, 1);
}

/* Write one byte per page of a fresh file's WRITE view (mapped with
 * `flags`), counting the faults of the writes alone. */
static int write_faults_flags(struct bench *b, struct sample *s, unsigned flags)
{
  double t0 = raw_now(), m0, j0, m1, j1;
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  size_t i, page = pmmf_page_size();
  volatile char *p;

  raw_remove(b->sync_path);
  CHECK(pmmf_file_open(&file, b->sync_path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  CHECK(pmmf_map_file(&map, file, b->opt.sync_size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  CHECK(pmmf_view_map(&view, map, 0, 0, PMMF_ACCESS_WRITE, flags));
  p = pmmf_view_data(view);
  faults_now(&m0, &j0);
  for (i = 0; i < b->opt.sync_size; i += page)
    p[i] = (char)i;
  faults_now(&m1, &j1);
  CHECK(pmmf_view_unmap(view));
  CHECK(pmmf_map_close(map));
  CHECK(pmmf_file_close(file));
  s->seconds = raw_now() - t0;
  s->minor = m1 - m0;
  s->major = j1 - j0;
  s->faults_set = 1;
  return 0;
}

static int write_faults_lazy(struct bench *b, struct sample *s)
{
  return write_faults_flags(b, s, 0);
}

static int write_faults_populate(struct bench *b, struct sample *s)
{
  return write_faults_flags(b, s, PMMF_VIEW_POPULATE);
}

/* ------------------------------------------------------------------------
 * Rows, measuring, statistics.
 * ------------------------------------------------------------------------ */

typedef int (*run_fn)(struct bench *b, struct sample *s);
typedef int (*prepare_fn)(struct bench *b);

static struct row *row_add(int number, const char *id, const char *what, int faults,
                           const char *op, double ops, double goal)
{
  struct row *row;
  if (row_count == MAX_ROWS) {
    fprintf(stderr, "bench: more than %d rows\n", MAX_ROWS);
    abort();
  }
  row = &rows[row_count++];
  memset(row, 0, sizeof *row);
  row->number = number;
  snprintf(row->id, sizeof row->id, "%s", id);
  snprintf(row->what, sizeof row->what, "%s", what);
  row->faults = faults;
  row->op = op;
  row->ops = ops;
  row->goal = goal;
  return row;
}

static void row_skip(struct row *row, const char *why)
{
  if (row)
    snprintf(row->skipped, sizeof row->skipped, "%s", why);
}

static void row_record(struct row *row, const struct sample *raw, const struct sample *lib)
{
  int i;
  if (!row)
    return;
  i = row->n++;
  row->raw_faults[i] = raw->minor + raw->major;
  row->lib_faults[i] = lib->minor + lib->major;
  row->raw_major[i] = raw->major;
  row->lib_major[i] = lib->major;
  if (row->faults) {
    row->raw[i] = row->raw_faults[i];
    row->lib[i] = row->lib_faults[i];
    row->ratio[i] = row->raw[i] / (row->lib[i] > 1 ? row->lib[i] : 1);
  } else {
    row->raw[i] = raw->seconds;
    row->lib[i] = lib->seconds;
    row->ratio[i] = raw->seconds / (lib->seconds > 1e-12 ? lib->seconds : 1e-12);
  }
}

/* Run raw and lib once each unrecorded (warm-up), then --rounds rounds of
 * both, alternating which goes first (raw lib, lib raw, raw lib, ...), so
 * neither side always runs in the other's wake. `prepare` runs untimed
 * before every sample. Fills the time row and the fault row given. Returns
 * 0, PMMF_E_UNSUPPORTED (the rows are then skipped), or a failure. */
static int measure(struct bench *b, struct row *time_row, struct row *fault_row,
                   prepare_fn prepare, run_fn raw, run_fn lib)
{
  struct sample samples[2];
  double minor, major;
  int round, k, status = 0;

  for (round = -1; round < b->opt.rounds; round++) {
    for (k = 0; k < 2; k++) {
      int side = round % 2 == 0 ? 1 - k : k;
      if (prepare && (status = prepare(b)) != 0)
        goto stop;
      memset(&samples[side], 0, sizeof samples[side]);
      faults_now(&minor, &major);
      status = (side == 0 ? raw : lib)(b, &samples[side]);
      if (status != 0)
        goto stop;
      if (!samples[side].faults_set) {
        faults_now(&samples[side].minor, &samples[side].major);
        samples[side].minor -= minor;
        samples[side].major -= major;
      }
    }
    if (round >= 0) {
      row_record(time_row, &samples[0], &samples[1]);
      row_record(fault_row, &samples[0], &samples[1]);
    }
  }
  return 0;

stop:
  if (status == PMMF_E_UNSUPPORTED) {
    row_skip(time_row, "PMMF_E_UNSUPPORTED");
    row_skip(fault_row, "PMMF_E_UNSUPPORTED");
    return 0;
  }
  return status;
}

struct stats {
  double median, min, max, q1, q3;
};

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double quantile(const double *sorted, int n, double q)
{
  double at = q * (n - 1);
  int i = (int)at;
  if (i + 1 >= n)
    return sorted[n - 1];
  return sorted[i] + (at - i) * (sorted[i + 1] - sorted[i]);
}

static struct stats stats_of(const double *values, int n)
{
  double sorted[MAX_ROUNDS];
  struct stats st;
  memcpy(sorted, values, sizeof *values * (size_t)n);
  qsort(sorted, (size_t)n, sizeof *sorted, compare_doubles);
  st.min = sorted[0];
  st.max = sorted[n - 1];
  st.median = quantile(sorted, n, 0.5);
  st.q1 = quantile(sorted, n, 0.25);
  st.q3 = quantile(sorted, n, 0.75);
  return st;
}

/* ------------------------------------------------------------------------
 * Files.
 * ------------------------------------------------------------------------ */

/* Fill `path` with `size` pseudo-random bytes (no holes, nothing to
 * compress) and flush it to disk, so that dropping it from the cache works. */
static int create_file(const char *path, uint64_t size, uint64_t seed)
{
  unsigned char block[64 * 1024];
  uint64_t written = 0, state = seed | 1;
  FILE *f = fopen(path, "wb");

  if (!f) {
    fprintf(stderr, "bench: cannot create %s\n", path);
    return RAW_FAILED;
  }
  while (written < size) {
    size_t i, n = size - written < sizeof block ? (size_t)(size - written) : sizeof block;
    for (i = 0; i + 8 <= n; i += 8) {
      uint64_t x = random_next(&state);
      memcpy(block + i, &x, 8);
    }
    for (; i < n; i++)
      block[i] = (unsigned char)random_next(&state);
    if (fwrite(block, 1, n, f) != n) {
      fclose(f);
      fprintf(stderr, "bench: cannot write %s\n", path);
      return RAW_FAILED;
    }
    written += n;
  }
  if (fclose(f) != 0 || raw_sync_file(path) != 0) {
    fprintf(stderr, "bench: cannot write %s\n", path);
    return RAW_FAILED;
  }
  return 0;
}

/* Bring the big file into the page cache (hot cases). */
static int warm(struct bench *b)
{
  struct sample s;
  return scan_raw(b, &s);
}

static void cleanup(struct bench *b)
{
  long i;

  pmmf_view_unmap(b->view);
  pmmf_map_close(b->map);
  pmmf_file_close(b->file);
  raw_close(b->raw);
  b->view = NULL;
  b->map = NULL;
  b->file = NULL;
  b->raw = NULL;
  if (b->big_created)
    remove(b->big_path);
  for (i = 0; i < b->small_created; i++)
    remove(b->small_paths[i]);
  for (i = 0; b->small_paths && i < b->opt.files; i++)
    free(b->small_paths[i]);
  free(b->small_paths);
  free(b->offsets);
  free(b->buffer);
  if (b->sync_data)
    remove(b->sync_path);
  free(b->sync_data);
}

/* ------------------------------------------------------------------------
 * The cases.
 * ------------------------------------------------------------------------ */

static int selected(const struct bench *b, int number)
{
  return (b->opt.cases >> number) & 1u;
}

static void size_text(char *out, size_t n, uint64_t bytes)
{
  if (bytes >= MIB && bytes % MIB == 0)
    snprintf(out, n, "%llu MiB", (unsigned long long)(bytes / MIB));
  else if (bytes >= KIB && bytes % KIB == 0)
    snprintf(out, n, "%llu KiB", (unsigned long long)(bytes / KIB));
  else
    snprintf(out, n, "%llu B", (unsigned long long)bytes);
}

/* Case 2's rows: fault counts and times of a sequential scan, then the
 * time of random touches, with a hot or a cold page cache. */
static int run_populate_case(struct bench *b, const char *size, const char *cache,
                             prepare_fn prepare)
{
  struct row *time_row, *fault_row;
  char what[128], id[24];
  int status;

  snprintf(id, sizeof id, "2-faults-%s", cache);
  snprintf(what, sizeof what, "faults in the scan: POPULATE vs lazy, %s (%s)", size, cache);
  fault_row = row_add(2, id, what, 1, "pass", 1, 100);
  snprintf(id, sizeof id, "2-time-%s", cache);
  snprintf(what, sizeof what, "populate+scan vs lazy map+scan, %s (%s)", size, cache);
  time_row = row_add(2, id, what, 0, "pass", 1, 0);
  if ((status = measure(b, time_row, fault_row, prepare, scan_raw, scan_lib_populate)) != 0)
    return status;

  snprintf(id, sizeof id, "2-random-%s", cache);
  snprintf(what, sizeof what, "populate+%ld random touches vs lazy, %s (%s)", b->random_count,
           size, cache);
  time_row = row_add(2, id, what, 0, "pass", 1, 0);
  return measure(b, time_row, NULL, prepare, random_raw, random_lib);
}

static void cold_note(struct bench *b)
{
  int i;
  if (b->resident_after_drop < 0)
    return;
  for (i = 0; i < row_count; i++)
    if (strstr(rows[i].id, "-cold") && !rows[i].skipped[0])
      snprintf(rows[i].note, sizeof rows[i].note,
               "%.1f%% of the file in the page cache after each drop",
               100 * b->resident_after_drop);
}

static int run_big_cases(struct bench *b)
{
  char size[24], window[24], what[128];
  struct row *time_row;
  uint64_t state = 0x9E3779B97F4A7C15ULL, pages = b->opt.size / READ_SIZE;
  long i, count;
  int status;

  size_text(size, sizeof size, b->opt.size);
  snprintf(b->big_path, sizeof b->big_path, "%s/pmmf-bench-%lu-big.dat", b->opt.dir, raw_pid());
  b->big_created = 1;
  if ((status = create_file(b->big_path, b->opt.size, 1)) != 0)
    return status;
  if (raw_open(&b->raw, b->big_path) != 0)
    return RAW_FAILED;
  CHECK(pmmf_file_open(&b->file, b->big_path, PMMF_OPEN_READ));
  CHECK(pmmf_map_file(&b->map, b->file, 0, PMMF_ACCESS_READ, 0));
  b->buffer = malloc(CHUNK);
  count = b->opt.views;
  if (b->opt.reads > count)
    count = b->opt.reads;
  if (b->opt.touches > count)
    count = b->opt.touches;
  b->offsets = malloc(sizeof *b->offsets * (size_t)count);
  if (!b->buffer || !b->offsets)
    return RAW_FAILED;
  memset(b->buffer, 0, CHUNK);

  if (selected(b, 1)) {
    if ((status = warm(b)) != 0)
      return status;
    snprintf(what, sizeof what, "map, scan, unmap a whole %s view (hot)", size);
    time_row = row_add(1, "1", what, 0, "pass", 1, 0.97);
    if ((status = measure(b, time_row, NULL, NULL, scan_raw, scan_lib)) != 0)
      return status;
  }

  if (selected(b, 2)) {
    /* Random page-aligned bytes of the file, the same on both sides. */
    b->random_count = b->opt.touches;
    for (i = 0; i < b->random_count; i++)
      b->offsets[i] = pages ? random_next(&state) % pages * READ_SIZE : 0;
    if ((status = warm(b)) != 0)
      return status;
    if ((status = run_populate_case(b, size, "hot", NULL)) != 0)
      return status;
    b->cold_path = b->big_path;
    b->resident_after_drop = -1;
    if (raw_drop_cache(b->cold_path) != 0) {
      row_skip(row_add(2, "2-faults-cold", "faults in the scan: POPULATE vs lazy (cold)", 1,
                       "pass", 1, 100), "no page-cache drop on this platform");
      row_skip(row_add(2, "2-time-cold", "populate+scan vs lazy map+scan (cold)", 0, "pass", 1,
                       0), "no page-cache drop on this platform");
      row_skip(row_add(2, "2-random-cold", "populate+random touches vs lazy (cold)", 0, "pass",
                       1, 0), "no page-cache drop on this platform");
    } else {
      if ((status = run_populate_case(b, size, "cold", drop_cache)) != 0)
        return status;
      cold_note(b);
    }
  }

  if (selected(b, 3)) {
    if ((status = warm(b)) != 0)
      return status;
    size_text(window, sizeof window, b->opt.window);
    snprintf(what, sizeof what, "scan %s through a %s window vs one raw map (hot)", size, window);
    time_row = row_add(3, "3", what, 0, "pass", 1, 0.90);
    if ((status = measure(b, time_row, NULL, NULL, window_raw, window_lib)) != 0)
      return status;
  }

  if (!selected(b, 4) && !selected(b, 5) && !selected(b, 6))
    return 0;
  if ((status = warm(b)) != 0)
    return status;
  /* Cases 4 and 6 read one whole populated view; case 5 maps its own. */
  CHECK(pmmf_view_map(&b->view, b->map, 0, 0, PMMF_ACCESS_READ, PMMF_VIEW_POPULATE));

  if (selected(b, 4)) {
    snprintf(what, sizeof what, "pmmf_view_read vs memcpy, 64 KiB chunks of %s", size);
    time_row = row_add(4, "4", what, 0, "64 KiB copy", (double)(b->opt.size / CHUNK), 0.90);
    if (b->opt.size < CHUNK)
      row_skip(time_row, "--size below 64 KiB");
    else if ((status = measure(b, time_row, NULL, NULL, copy_raw, copy_lib)) != 0)
      return status;
    for (i = 0; i < b->opt.reads; i++)
      b->offsets[i] = pages ? random_next(&state) % pages * READ_SIZE : 0;
    snprintf(what, sizeof what, "pmmf_view_read vs memcpy, random 4 KiB copies of %s", size);
    time_row = row_add(4, "4-4k", what, 0, "4 KiB copy", (double)b->opt.reads, 0.97);
    if (pages == 0)
      row_skip(time_row, "--size below 4 KiB");
    else if ((status = measure(b, time_row, NULL, NULL, copy4k_raw, copy4k_lib)) != 0)
      return status;
  }

  if (selected(b, 5)) {
    for (i = 0; i < b->opt.views && b->opt.size >= CHUNK; i++)
      b->offsets[i] = random_next(&state) % (b->opt.size - CHUNK + 1);
    snprintf(what, sizeof what, "64 KiB views at random unaligned offsets: map, touch, unmap");
    time_row = row_add(5, "5", what, 0, "view", (double)b->opt.views, 0.90);
    if (b->opt.size < CHUNK)
      row_skip(time_row, "--size below 64 KiB");
    else if ((status = measure(b, time_row, NULL, NULL, views_raw, views_lib)) != 0)
      return status;
  }

  if (selected(b, 6)) {
    for (i = 0; i < b->opt.reads; i++)
      b->offsets[i] = pages ? random_next(&state) % pages * READ_SIZE : 0;
    snprintf(what, sizeof what, "random 4 KiB reads: pmmf_view_read vs pread, %s", size);
    time_row = row_add(6, "6", what, 0, "read", (double)b->opt.reads, 1.5);
    if (pages == 0)
      row_skip(time_row, "--size below 4 KiB");
    else if ((status = measure(b, time_row, NULL, NULL, reads_raw, reads_lib)) != 0)
      return status;
  }
  return 0;
}

/* ------------------------------------------------------------------------
 * Case 8: random 8-byte reads over --size bytes of memory, normal pages vs
 * large ones (issue 14 item 5, issue 15 item 6): an anonymous map without
 * and with PMMF_MAP_LARGE_PAGES, and private memory without and with
 * transparent huge pages (MADV_HUGEPAGE). The memory is written once before
 * the rounds, so only the reads (TLB misses, cache misses) are timed.
 * ------------------------------------------------------------------------ */

static NOINLINE uint64_t random_words(const unsigned char *p, size_t size, long reads)
{
  uint64_t state = 0x2545F4914F6CDD1DULL, sum = 0, word, words = size / 8;
  long i;
  for (i = 0; i < reads; i++) {
    memcpy(&word, p + random_next(&state) % words * 8, 8);
    sum += word;
  }
  return sum;
}

static int words_side(struct bench *b, struct sample *s, const unsigned char *p)
{
  double t0 = raw_now();
  b->sink += random_words(p, b->mem_size, b->mem_reads);
  s->seconds = raw_now() - t0;
  return 0;
}

static int words_raw(struct bench *b, struct sample *s)
{
  return words_side(b, s, b->mem_raw);
}

static int words_lib(struct bench *b, struct sample *s)
{
  return words_side(b, s, b->mem_lib);
}

static int run_large_case(struct bench *b)
{
  static const char *const got[] = {"normal pages", "reserved large pages",
                                    "transparent huge pages"};
  char size[24], what[128];
  pmmf_map *maps[2] = {NULL, NULL};
  pmmf_view *views[2] = {NULL, NULL};
  unsigned char *priv[2] = {NULL, NULL};
  struct row *row;
  size_t large = pmmf_large_page_size(); /* before the map takes the pool */
  int status = 0, k;

  size_text(size, sizeof size, b->opt.size);
  b->mem_size = (size_t)b->opt.size;
  b->mem_reads = b->opt.reads * 64;
  snprintf(what, sizeof what, "random 8-byte reads over %s: anonymous map, LARGE_PAGES vs not",
           size);
  row = row_add(8, "8", what, 0, "read", (double)b->mem_reads, 0);
  for (k = 0; k < 2 && status == 0; k++) {
    status = pmmf_map_anonymous(&maps[k], b->opt.size, k ? PMMF_MAP_LARGE_PAGES : 0);
    if (status == 0)
      status = pmmf_view_map(&views[k], maps[k], 0, 0, PMMF_ACCESS_WRITE, 0);
    if (status == 0)
      memset(pmmf_view_data(views[k]), 1 + k, b->mem_size);
  }
  if (status == 0) {
    snprintf(row->note, sizeof row->note, "raw: normal pages; lib: PMMF_MAP_LARGE_PAGES got %s "
             "(large page size %zu)", got[pmmf_map_large_pages(maps[1])], large);
    b->mem_raw = pmmf_view_data(views[0]);
    b->mem_lib = pmmf_view_data(views[1]);
    status = measure(b, row, NULL, NULL, words_raw, words_lib);
  } else {
    row_skip(row, pmmf_status_name(status));
    status = 0;
  }
  for (k = 0; k < 2; k++) {
    pmmf_view_unmap(views[k]);
    pmmf_map_close(maps[k]);
  }
  if (status != 0)
    return status;

  snprintf(what, sizeof what, "the same over private memory: MADV_HUGEPAGE (THP) vs not");
  row = row_add(8, "8-thp", what, 0, "read", (double)b->mem_reads, 0);
  priv[0] = raw_anon_alloc(b->mem_size, 0);
  priv[1] = raw_anon_alloc(b->mem_size, 1);
  if (!priv[0] || !priv[1]) {
    row_skip(row, "no transparent huge pages here");
  } else {
    memset(priv[0], 1, b->mem_size);
    memset(priv[1], 2, b->mem_size);
    snprintf(row->note, sizeof row->note, "raw: private normal pages; lib: private, "
             "MADV_HUGEPAGE (raw calls on both sides)");
    b->mem_raw = priv[0];
    b->mem_lib = priv[1];
    status = measure(b, row, NULL, NULL, words_raw, words_lib);
  }
  for (k = 0; k < 2; k++)
    if (priv[k])
      raw_anon_free(priv[k], b->mem_size);
  return status;
}

/* ------------------------------------------------------------------------
 * Case 9: grow a mapped file step by step, keeping one mapping of all of
 * it: raw ftruncate + mremap (Linux) / a new section and view (Windows) vs
 * pmmf_map_grow + pmmf_view_extend of one reserved view (its pointer never
 * moves), or, where views cannot grow in place (Windows), pmmf_map_grow + a
 * new view of the whole map. Both sides grow sparsely (the library's file is
 * opened PMMF_OPEN_SPARSE, as ftruncate is), so the work is the same.
 * ------------------------------------------------------------------------ */

#define GROW_STEP_BYTES ((size_t)(64 * KIB))
#define GROW_STEPS 64

static char grow_path[1100];

static int grow_raw(struct bench *b, struct sample *s)
{
  double t0 = raw_now();
  long moved = raw_grow(grow_path, GROW_STEP_BYTES, GROW_STEPS);
  (void)b;
  s->seconds = raw_now() - t0;
  return moved < 0 ? RAW_FAILED : 0;
}

static int grow_lib(struct bench *b, struct sample *s)
{
  const size_t reserve = GROW_STEP_BYTES * (GROW_STEPS + 1);
  double t0 = raw_now();
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  size_t size = GROW_STEP_BYTES;
  int i, status, inplace = 1;

  (void)b;
  CHECK(pmmf_file_open(&file, grow_path, PMMF_OPEN_READ | PMMF_OPEN_WRITE | PMMF_OPEN_CREATE |
                                           PMMF_OPEN_TRUNCATE | PMMF_OPEN_SPARSE));
  CHECK(pmmf_map_file(&map, file, size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  status = pmmf_view_map_reserve(&view, map, 0, size, reserve, PMMF_ACCESS_WRITE, 0);
  if (status == PMMF_E_UNSUPPORTED) {
    inplace = 0;
    status = pmmf_view_map(&view, map, 0, size, PMMF_ACCESS_WRITE, 0);
  }
  CHECK(status);
  for (i = 0; i < GROW_STEPS; i++) {
    size += GROW_STEP_BYTES;
    CHECK(pmmf_map_grow(map, size));
    if (inplace) {
      CHECK(pmmf_view_extend(view, size));
    } else {
      pmmf_view *whole;
      CHECK(pmmf_view_map(&whole, map, 0, size, PMMF_ACCESS_WRITE, 0));
      CHECK(pmmf_view_unmap(view));
      view = whole;
    }
    ((char *)pmmf_view_data(view))[size - 1] = 1;
  }
  CHECK(pmmf_view_unmap(view));
  CHECK(pmmf_map_close(map));
  CHECK(pmmf_file_close(file));
  s->seconds = raw_now() - t0;
  return 0;
}

static int run_grow_case(struct bench *b)
{
  struct row *row;
  char what[128];
  int status;

  snprintf(grow_path, sizeof grow_path, "%s/pmmf-bench-grow-%lu.bin", b->opt.dir, raw_pid());
  snprintf(what, sizeof what, "grow a mapped file %d x 64 KiB: raw calls vs pmmf_map_grow",
           GROW_STEPS);
  row = row_add(9, "9", what, 0, "growth", GROW_STEPS, 0);
  status = measure(b, row, NULL, NULL, grow_raw, grow_lib);
  remove(grow_path);
  return status;
}

static int run_small_case(struct bench *b)
{
  char size[24], what[128];
  struct row *row;
  int status = 0;
  long i;

  size_text(size, sizeof size, b->opt.file_size);
  b->small_paths = calloc((size_t)b->opt.files, sizeof *b->small_paths);
  if (!b->small_paths)
    return RAW_FAILED;
  for (i = 0; i < b->opt.files; i++) {
    b->small_paths[i] = malloc(strlen(b->opt.dir) + 64);
    if (!b->small_paths[i])
      return RAW_FAILED;
    sprintf(b->small_paths[i], "%s/pmmf-bench-%lu-small-%05ld.dat", b->opt.dir, raw_pid(), i);
    b->small_created = i + 1;
    if ((status = create_file(b->small_paths[i], b->opt.file_size, (uint64_t)i + 2)) != 0)
      return status;
  }

  b->populate_small = 0;
  snprintf(what, sizeof what, "open, map, scan, close %ld files of %s vs GMappedFile",
           b->opt.files, size);
  row = row_add(7, "7", what, 0, "file", (double)b->opt.files, 1.0);
#ifdef BENCH_HAVE_GLIB
  if ((status = measure(b, row, NULL, NULL, small_glib, small_lib)) != 0)
    return status;
  snprintf(what, sizeof what, "the same, libportmmf opening with PMMF_OPEN_NOLOCK");
  row = row_add(7, "7-nolock", what, 0, "file", (double)b->opt.files, 1.0);
  if ((status = measure(b, row, NULL, NULL, small_glib, small_lib_nolock)) != 0)
    return status;
#else
  row_skip(row, "built without GLib");
#endif
  snprintf(what, sizeof what, "the same vs raw open, fstat, mmap, munmap, close");
  row = row_add(7, "7-raw", what, 0, "file", (double)b->opt.files, 0);
  if ((status = measure(b, row, NULL, NULL, small_raw, small_lib)) != 0)
    return status;
  snprintf(what, sizeof what, "the same vs raw, libportmmf with PMMF_OPEN_NOLOCK");
  row = row_add(7, "7-raw-nolock", what, 0, "file", (double)b->opt.files, 1.0);
  if ((status = measure(b, row, NULL, NULL, small_raw, small_lib_nolock)) != 0)
    return status;
  snprintf(what, sizeof what, "the same vs Boost.Interprocess, with PMMF_OPEN_NOLOCK");
  row = row_add(7, "7-boost-nolock", what, 0, "file", (double)b->opt.files, 1.0);
#ifdef BENCH_HAVE_BOOST
  if ((status = measure(b, row, NULL, NULL, small_boost, small_lib_nolock)) != 0)
    return status;
#else
  row_skip(row, "built without Boost");
#endif

#ifdef BENCH_HAVE_GLIB
  snprintf(what, sizeof what, "the same vs GMappedFile, pmmf_map_path with NOLOCK");
  row = row_add(7, "7-path", what, 0, "file", (double)b->opt.files, 1.0);
  if ((status = measure(b, row, NULL, NULL, small_glib, small_lib_path)) != 0)
    return status;
#endif
  snprintf(what, sizeof what, "the same vs raw, pmmf_map_path with NOLOCK");
  row = row_add(7, "7-path-raw", what, 0, "file", (double)b->opt.files, 1.0);
  if ((status = measure(b, row, NULL, NULL, small_raw, small_lib_path)) != 0)
    return status;
  snprintf(what, sizeof what, "the same vs Boost.Interprocess, pmmf_map_path with NOLOCK");
  row = row_add(7, "7-path-boost", what, 0, "file", (double)b->opt.files, 1.0);
#ifdef BENCH_HAVE_BOOST
  if ((status = measure(b, row, NULL, NULL, small_boost, small_lib_path)) != 0)
    return status;
#else
  row_skip(row, "built without Boost");
#endif

#ifdef BENCH_HAVE_GLIB
  snprintf(what, sizeof what, "the same as 7, the views with PMMF_VIEW_POPULATE");
  row = row_add(7, "7-populate", what, 0, "file", (double)b->opt.files, 0);
  b->populate_small = 1;
  status = measure(b, row, NULL, NULL, small_glib, small_lib);
  b->populate_small = 0;
#endif
  return status;
}

static int run_write_cases(struct bench *b)
{
  char size[24], what[128];
  struct row *row, *fault_row;
  size_t i;
  int status;

  size_text(size, sizeof size, b->opt.sync_size);
  snprintf(b->sync_path, sizeof b->sync_path, "%s/pmmf-bench-%lu-sync.dat", b->opt.dir,
           raw_pid());
  b->sync_data = malloc(b->opt.sync_size);
  if (!b->sync_data)
    return RAW_FAILED;
  for (i = 0; i < b->opt.sync_size; i++)
    b->sync_data[i] = (unsigned char)(i * 7 + (i >> 12));

  if (selected(b, 11)) {
    snprintf(what, sizeof what, "fresh %s file, durable: pmmf_view_write+SYNC vs write+fdatasync",
             size);
    row = row_add(11, "11-api", what, 0, "file", (double)b->opt.sync_files, 0.90);
    if ((status = measure(b, row, NULL, NULL, sync_raw, sync_lib_api)) != 0)
      return status;
    snprintf(what, sizeof what, "the same, written through the pointer (memcpy)");
    row = row_add(11, "11-pointer", what, 0, "file", (double)b->opt.sync_files, 0);
    if ((status = measure(b, row, NULL, NULL, sync_raw, sync_lib_pointer)) != 0)
      return status;
  }
  if (selected(b, 10)) {
    snprintf(what, sizeof what, "faults writing a fresh %s WRITE view: POPULATE vs lazy", size);
    fault_row = row_add(10, "10-faults", what, 1, "pass", 1, 100);
    snprintf(what, sizeof what, "populate+write vs lazy map+write, fresh %s", size);
    row = row_add(10, "10-time", what, 0, "pass", 1, 0);
    if ((status = measure(b, row, fault_row, NULL, write_faults_lazy, write_faults_populate)) !=
        0)
      return status;
  }
  return 0;
}

/* ------------------------------------------------------------------------
 * Output.
 * ------------------------------------------------------------------------ */

static void value_text(char *out, size_t n, const struct row *row, double value)
{
  if (row->faults) {
    snprintf(out, n, "%.0f", value);
    return;
  }
  value /= row->ops;
  if (value >= 1)
    snprintf(out, n, "%.3g s", value);
  else if (value >= 1e-3)
    snprintf(out, n, "%.3g ms", value * 1e3);
  else if (value >= 1e-6)
    snprintf(out, n, "%.3g us", value * 1e6);
  else
    snprintf(out, n, "%.3g ns", value * 1e9);
}

static void cell(char *out, size_t n, const struct row *row, const double *values, int ratio)
{
  struct stats st = stats_of(values, row->n);
  char median[24], lo[24], hi[24];

  if (ratio) {
    snprintf(out, n, "%.3g [%.3g-%.3g]", st.median, st.min, st.max);
    return;
  }
  value_text(median, sizeof median, row, st.median);
  value_text(lo, sizeof lo, row, st.min);
  value_text(hi, sizeof hi, row, st.max);
  snprintf(out, n, "%s [%s-%s]", median, lo, hi);
}

static int goal_met(const struct row *row)
{
  return stats_of(row->ratio, row->n).median >= row->goal;
}

static void print_table(const struct bench *b, const struct raw_machine *machine)
{
  int i;

  printf("\nlibportmmf %s (%s backend), %d rounds, raw and library interleaved\n",
         pmmf_version(), pmmf_backend(), b->opt.rounds);
  printf("machine: %d CPUs, %s, page %zu B, granularity %zu B\n", machine->cpus, machine->cpu,
         pmmf_page_size(), pmmf_granularity());
  printf("os: %s\n", machine->os);
  printf("times per operation (per pass for scans); page faults per pass; medians [min-max];\n"
         "ratio = raw time / library time (faults: raw / library), per round;\n"
         "faults = median page faults per sample, raw/library\n\n");
  printf("%-14s %-62s %-28s %-28s %-22s %-6s %-4s %s\n", "case", "what", "raw", "libportmmf",
         "ratio", "goal", "met", "faults");
  for (i = 0; i < row_count; i++) {
    const struct row *row = &rows[i];
    char raw[96], lib[96], ratio[96], goal[16], faults[48];
    snprintf(goal, sizeof goal, row->goal > 0 ? ">=%g" : "-", row->goal);
    if (row->skipped[0] || row->n == 0) {
      printf("%-14s %-62s skipped: %s\n", row->id, row->what,
             row->skipped[0] ? row->skipped : "not run");
      continue;
    }
    cell(raw, sizeof raw, row, row->raw, 0);
    cell(lib, sizeof lib, row, row->lib, 0);
    cell(ratio, sizeof ratio, row, row->ratio, 1);
    snprintf(faults, sizeof faults, "%.0f/%.0f", stats_of(row->raw_faults, row->n).median,
             stats_of(row->lib_faults, row->n).median);
    printf("%-14s %-62s %-28s %-28s %-22s %-6s %-4s %s\n", row->id, row->what, raw, lib, ratio,
           goal, row->goal > 0 ? (goal_met(row) ? "yes" : "NO") : "-", faults);
    if (row->note[0])
      printf("%-14s   (%s)\n", "", row->note);
  }
}

static void json_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void json_series(FILE *f, const char *name, const double *values, int n, int last)
{
  struct stats st = stats_of(values, n);
  int i;
  fprintf(f, "      \"%s\": {\"median\": %.9g, \"min\": %.9g, \"max\": %.9g, \"q1\": %.9g, "
             "\"q3\": %.9g, \"samples\": [", name, st.median, st.min, st.max, st.q1, st.q3);
  for (i = 0; i < n; i++)
    fprintf(f, "%s%.9g", i ? ", " : "", values[i]);
  fprintf(f, "]}%s\n", last ? "" : ",");
}

static int write_json(const struct bench *b, const struct raw_machine *machine,
                      const char *command)
{
  FILE *f = fopen(b->opt.json, "w");
  int i;

  if (!f) {
    fprintf(stderr, "bench: cannot write %s\n", b->opt.json);
    return RAW_FAILED;
  }
  fprintf(f, "{\n  \"tool\": \"pmmf-bench\",\n  \"command\": ");
  json_string(f, command);
  fprintf(f, ",\n  \"library\": {\"version\": \"%s\", \"backend\": \"%s\"},\n", pmmf_version(),
          pmmf_backend());
  fprintf(f, "  \"build\": {\"buildtype\": ");
  json_string(f, BENCH_BUILDTYPE);
#ifdef __VERSION__
  fprintf(f, ", \"compiler\": ");
  json_string(f, __VERSION__);
#endif
  fprintf(f, ", \"glib\": %s},\n",
#ifdef BENCH_HAVE_GLIB
          "true"
#else
          "false"
#endif
  );
  fprintf(f, "  \"machine\": {\"cpus\": %d, \"page_size\": %zu, \"granularity\": %zu, \"os\": ",
          machine->cpus, pmmf_page_size(), pmmf_granularity());
  json_string(f, machine->os);
  fprintf(f, ", \"cpu\": ");
  json_string(f, machine->cpu);
  fprintf(f, "},\n");
  fprintf(f, "  \"options\": {\"size\": %llu, \"rounds\": %d, \"window\": %llu, \"views\": %ld, "
             "\"reads\": %ld, \"touches\": %ld, \"files\": %ld, \"file_size\": %llu},\n",
          (unsigned long long)b->opt.size, b->opt.rounds, (unsigned long long)b->opt.window,
          b->opt.views, b->opt.reads, b->opt.touches, b->opt.files,
          (unsigned long long)b->opt.file_size);
  fprintf(f, "  \"cases\": [\n");
  for (i = 0; i < row_count; i++) {
    const struct row *row = &rows[i];
    fprintf(f, "    {\"case\": %d, \"id\": \"%s\", \"what\": ", row->number, row->id);
    json_string(f, row->what);
    fprintf(f, ", \"metric\": \"%s\", \"op\": \"%s\", \"ops_per_sample\": %.9g",
            row->faults ? "faults" : "seconds", row->op, row->ops);
    if (row->goal > 0)
      fprintf(f, ", \"goal\": %.9g", row->goal);
    else
      fprintf(f, ", \"goal\": null");
    if (row->skipped[0] || row->n == 0) {
      fprintf(f, ", \"skipped\": ");
      json_string(f, row->skipped[0] ? row->skipped : "not run");
      fprintf(f, "}%s\n", i + 1 < row_count ? "," : "");
      continue;
    }
    if (row->goal > 0)
      fprintf(f, ", \"goal_met\": %s", goal_met(row) ? "true" : "false");
    else
      fprintf(f, ", \"goal_met\": null");
    if (row->note[0]) {
      fprintf(f, ", \"note\": ");
      json_string(f, row->note);
    }
    fprintf(f, ",\n");
    json_series(f, "raw", row->raw, row->n, 0);
    json_series(f, "lib", row->lib, row->n, 0);
    json_series(f, "raw_faults", row->raw_faults, row->n, 0);
    json_series(f, "lib_faults", row->lib_faults, row->n, 0);
    json_series(f, "raw_major", row->raw_major, row->n, 0);
    json_series(f, "lib_major", row->lib_major, row->n, 0);
    json_series(f, "ratio", row->ratio, row->n, 1);
    fprintf(f, "    }%s\n", i + 1 < row_count ? "," : "");
  }
  fprintf(f, "  ]\n}\n");
  if (fclose(f) != 0) {
    fprintf(stderr, "bench: cannot write %s\n", b->opt.json);
    return RAW_FAILED;
  }
  return 0;
}

/* ------------------------------------------------------------------------
 * Options.
 * ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
  fprintf(f,
          "usage: pmmf-bench [options]\n"
          "  --size BYTES       big file for cases 1-6 (default 512M; K, M, G suffixes)\n"
          "  --rounds N         rounds of raw and library runs (default 11)\n"
          "  --case N[,N...]    cases to run, 1-11 (default all; may repeat)\n"
          "  --json FILE        write the results as JSON\n"
          "  --dir DIR          where to create the test files (default .; use a real disk)\n"
          "  --window BYTES     case 3's window size (default 16M)\n"
          "  --views N          case 5's views per sample (default 4096)\n"
          "  --reads N          case 6's reads per sample (default 65536; case 8: 64 times\n"
          "                     as many 8-byte reads)\n"
          "  --touches N        case 2's random page touches per sample (default 4096)\n"
          "  --files N          case 7's files (default 1000)\n"
          "  --file-size BYTES  case 7's file size (default 16K)\n"
          "  --sync-files N     case 11's files per sample (default 4)\n"
          "  --sync-size BYTES  cases 10 and 11's fresh file size (default 1M)\n");
}

static int parse_size(const char *text, uint64_t *out)
{
  char *end;
  unsigned long long value = strtoull(text, &end, 10);
  uint64_t scale = 1;

  if (end == text)
    return -1;
  switch (*end) {
  case 'k': case 'K': scale = KIB; end++; break;
  case 'm': case 'M': scale = MIB; end++; break;
  case 'g': case 'G': scale = MIB * 1024; end++; break;
  default: break;
  }
  if (*end || value == 0 || value > UINT64_MAX / scale)
    return -1;
  *out = value * scale;
  return 0;
}

static int parse_count(const char *text, long max, long *out)
{
  uint64_t value;
  if (parse_size(text, &value) != 0 || value > (uint64_t)max)
    return -1;
  *out = (long)value;
  return 0;
}

static int parse_cases(const char *text, unsigned *mask)
{
  char *end;
  for (;;) {
    long n = strtol(text, &end, 10);
    if (end == text || n < 1 || n > 11)
      return -1;
    *mask |= 1u << n;
    if (*end == '\0')
      return 0;
    if (*end != ',')
      return -1;
    text = end + 1;
  }
}

static int parse_options(struct options *opt, int argc, char **argv)
{
  int i;
  long value = 0;
  uint64_t size = 0;

  opt->size = 512 * MIB;
  opt->window = (size_t)(16 * MIB);
  opt->rounds = 11;
  opt->views = 4096;
  opt->reads = 65536;
  opt->touches = 4096;
  opt->files = 1000;
  opt->sync_files = 4;
  opt->sync_size = MIB;
  opt->file_size = (size_t)(16 * KIB);
  opt->json = NULL;
  opt->dir = ".";
  opt->cases = 0;

  for (i = 1; i < argc; i++) {
    const char *name = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
    int bad = 0;

    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
      usage(stdout);
      exit(0);
    }
    if (!arg) {
      fprintf(stderr, "bench: %s needs a value\n", name);
      return -1;
    }
    i++;
    if (strcmp(name, "--size") == 0) {
      bad = parse_size(arg, &opt->size) != 0 || (uint64_t)(size_t)opt->size != opt->size;
    } else if (strcmp(name, "--window") == 0) {
      bad = parse_size(arg, &size) != 0 || (uint64_t)(size_t)size != size;
      opt->window = (size_t)size;
    } else if (strcmp(name, "--file-size") == 0) {
      bad = parse_size(arg, &size) != 0 || size > 1024 * MIB;
      opt->file_size = (size_t)size;
    } else if (strcmp(name, "--rounds") == 0) {
      bad = parse_count(arg, MAX_ROUNDS, &value) != 0;
      opt->rounds = (int)value;
    }
    else if (strcmp(name, "--views") == 0)
      bad = parse_count(arg, 1L << 24, &opt->views) != 0;
    else if (strcmp(name, "--reads") == 0)
      bad = parse_count(arg, 1L << 24, &opt->reads) != 0;
    else if (strcmp(name, "--touches") == 0)
      bad = parse_count(arg, 1L << 24, &opt->touches) != 0;
    else if (strcmp(name, "--files") == 0)
      bad = parse_count(arg, 100000, &opt->files) != 0;
    else if (strcmp(name, "--sync-files") == 0)
      bad = parse_count(arg, 100000, &opt->sync_files) != 0;
    else if (strcmp(name, "--sync-size") == 0) {
      bad = parse_size(arg, &size) != 0 || size == 0 || size > 1024 * MIB;
      opt->sync_size = (size_t)size;
    }
    else if (strcmp(name, "--case") == 0)
      bad = parse_cases(arg, &opt->cases) != 0;
    else if (strcmp(name, "--json") == 0)
      opt->json = arg;
    else if (strcmp(name, "--dir") == 0)
      opt->dir = arg;
    else {
      fprintf(stderr, "bench: unknown option %s\n", name);
      usage(stderr);
      return -1;
    }
    if (bad) {
      fprintf(stderr, "bench: bad value for %s: %s\n", name, arg);
      return -1;
    }
  }
  if (!opt->cases)
    opt->cases = 0xFFEu;
  return 0;
}

int main(int argc, char **argv)
{
  static struct bench b;
  struct raw_machine machine;
  char command[1024] = "pmmf-bench";
  size_t used = strlen(command);
  int i, status = 0;

  if (parse_options(&b.opt, argc, argv) != 0)
    return 2;
  for (i = 1; i < argc && used + strlen(argv[i]) + 2 < sizeof command; i++)
    used += (size_t)sprintf(command + used, " %s", argv[i]);
  raw_machine(&machine);
  printf("pmmf-bench: libportmmf %s, %s backend, %s; %d CPUs; %s\n", pmmf_version(),
         pmmf_backend(), BENCH_BUILDTYPE, machine.cpus, machine.os);
  fflush(stdout);

  if (selected(&b, 1) || selected(&b, 2) || selected(&b, 3) || selected(&b, 4) ||
      selected(&b, 5) || selected(&b, 6))
    status = run_big_cases(&b);
  if (status == 0 && selected(&b, 7))
    status = run_small_case(&b);
  if (status == 0 && selected(&b, 8))
    status = run_large_case(&b);
  if (status == 0 && selected(&b, 9))
    status = run_grow_case(&b);
  if (status == 0 && (selected(&b, 10) || selected(&b, 11)))
    status = run_write_cases(&b);
  cleanup(&b);
  if (status != 0) {
    fprintf(stderr, "bench: failed (%s)\n",
            status == RAW_FAILED ? "raw call or setup" : pmmf_status_name(status));
    return 1;
  }
  print_table(&b, &machine);
  printf("(checksum %llu)\n", (unsigned long long)(b.sink & 0xFFFF));
  if (b.opt.json && write_json(&b, &machine, command) != 0)
    return 1;
  return 0;
}
