/* SPDX-License-Identifier: MIT */
/*
 * applog.c - an append-only log in a memory-mapped file that survives the
 * writer being killed (kill -9, TerminateProcess) or the machine going down:
 * each record is written through a view and made durable with
 * PMMF_FLUSH_SYNC before it is reported. The file grows in steps by mapping
 * it larger with PMMF_MAP_GROW; a restart scans for the end and appends on.
 * The in-place mode never remaps: one view, mapped inside an address-space
 * reservation (pmmf_view_map_reserve), is extended (pmmf_view_extend) after
 * each growth of its map (pmmf_map_grow), so every record is written through
 * the one pointer the log started with (POSIX; Windows has no in-place views
 * in libportmmf: PMMF_E_UNSUPPORTED, exit code 3).
 *
 *   applog append LOG [COUNT]   append COUNT records (default: until killed),
 *                               printing "flushed N" once record N is durable
 *   applog append-inplace LOG [COUNT]
 *                               the same through one pointer, the file growing
 *                               by 4 KiB at a time; prints "base P" at the
 *                               start and "grown to S at P" at each growth
 *   applog verify LOG           check every record; print "N records"
 *
 * Record (64 bytes): "PLOG", sequence number (8 bytes, little-endian, from 1),
 * text (48 bytes), FNV-1a of the first 60 bytes (4 bytes, little-endian). The
 * log ends at the first all-zero record. Exit codes: 0 ok, 1 a libportmmf call
 * failed or the log is corrupt, 2 usage, 3 append-inplace unsupported here.
 */
#include <portmmf.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD 64
#define FIRST_CAPACITY ((uint64_t)64 * 1024)
/* In-place mode: the first size and each growth; the most the one view may
 * grow to (address space only, reserved once). */
#define INPLACE_STEP ((uint64_t)4096)
#define INPLACE_RESERVE ((size_t)64 * 1024 * 1024)

struct log {
  pmmf_file *file;
  pmmf_map *map;
  pmmf_view *view;
  unsigned char *data;
  uint64_t capacity; /* bytes mapped: the file's size */
  uint64_t count;    /* records in the log */
  int inplace;       /* one view, extended in place */
};

static int report(int status, const char *what)
{
  if (status != PMMF_OK)
    fprintf(stderr, "applog: %s: %s (%s)\n", what, pmmf_strerror(status),
            pmmf_status_name(status));
  return status != PMMF_OK;
}

static uint32_t fnv1a(const unsigned char *p, size_t n)
{
  uint32_t h = 2166136261u;
  while (n--)
    h = (h ^ *p++) * 16777619u;
  return h;
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
  int i;
  for (i = 0; i < bytes; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
  uint64_t v = 0;
  int i;
  for (i = bytes - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static int all_zero(const unsigned char *p, size_t n)
{
  while (n--)
    if (*p++)
      return 0;
  return 1;
}

/* 1 if `rec` is record number `seq`, 0 if it is the all-zero end, -1 if it
 * is corrupt. */
static int record_check(const unsigned char *rec, uint64_t seq)
{
  if (all_zero(rec, RECORD))
    return 0;
  if (memcmp(rec, "PLOG", 4) != 0 || get_le(rec + 4, 8) != seq ||
      get_le(rec + 60, 4) != fnv1a(rec, 60))
    return -1;
  return 1;
}

/* Unmap the current view and map (the file stays open). */
static void log_unmap(struct log *log)
{
  pmmf_view_unmap(log->view);
  pmmf_map_close(log->map);
  log->view = NULL;
  log->map = NULL;
  log->data = NULL;
}

/* Map the file at `capacity` bytes, growing it if it is smaller. */
static int log_map(struct log *log, uint64_t capacity)
{
  int status = pmmf_map_file(&log->map, log->file, capacity, PMMF_ACCESS_WRITE, PMMF_MAP_GROW);
  if (report(status, "map"))
    return 1;
  if (capacity > (size_t)-1) {
    report(PMMF_E_TOO_LARGE, "view");
    return 1;
  }
  if (log->inplace && capacity > INPLACE_RESERVE) {
    report(PMMF_E_RANGE, "log larger than the in-place reservation");
    pmmf_map_close(log->map);
    log->map = NULL;
    return 1;
  }
  if (log->inplace)
    status = pmmf_view_map_reserve(&log->view, log->map, 0, (size_t)capacity, INPLACE_RESERVE,
                                   PMMF_ACCESS_WRITE, 0);
  else
    status = pmmf_view_map(&log->view, log->map, 0, (size_t)capacity, PMMF_ACCESS_WRITE, 0);
  if (log->inplace && status == PMMF_E_UNSUPPORTED) {
    fprintf(stderr, "applog: views that grow in place: %s\n", pmmf_status_name(status));
    pmmf_map_close(log->map);
    log->map = NULL;
    return 3;
  }
  if (report(status, "view")) {
    pmmf_map_close(log->map);
    log->map = NULL;
    return 1;
  }
  log->data = pmmf_view_data(log->view);
  log->capacity = capacity;
  return 0;
}

/* Open the log and find its end. */
static int log_open(struct log *log, const char *path, int writable, int inplace)
{
  uint64_t size, first = inplace ? INPLACE_STEP : FIRST_CAPACITY;
  unsigned flags = writable ? PMMF_OPEN_WRITE | PMMF_OPEN_CREATE : PMMF_OPEN_READ;
  int status;
  memset(log, 0, sizeof *log);
  log->inplace = inplace;
  if (report(pmmf_file_open(&log->file, path, flags), path) ||
      report(pmmf_file_size(log->file, &size), "size"))
    return 1;
  if (size == 0 && !writable)
    return 0; /* an empty log: nothing to map */
  if (size < first && writable)
    size = first;
  if (writable && (status = log_map(log, size - size % RECORD)) != 0)
    return status;
  if (!writable &&
      (report(pmmf_map_file(&log->map, log->file, 0, PMMF_ACCESS_READ, 0), "map") ||
       report(pmmf_view_map(&log->view, log->map, 0, 0, PMMF_ACCESS_READ, 0), "view")))
    return 1;
  if (!writable) {
    log->data = pmmf_view_data(log->view);
    log->capacity = size - size % RECORD;
  }
  for (log->count = 0; log->count * RECORD < log->capacity; log->count++) {
    int r = record_check(log->data + log->count * RECORD, log->count + 1);
    if (r < 0) {
      fprintf(stderr, "applog: record %llu is corrupt\n", (unsigned long long)log->count + 1);
      return 1;
    }
    if (r == 0)
      break;
  }
  /* Past the end, only zero bytes: a record after a gap would be lost data. */
  if (!all_zero(log->data + log->count * RECORD, (size_t)(log->capacity - log->count * RECORD))) {
    fprintf(stderr, "applog: data after the end of the log (record %llu)\n",
            (unsigned long long)log->count + 1);
    return 1;
  }
  return 0;
}

static void log_close(struct log *log)
{
  log_unmap(log);
  pmmf_file_close(log->file);
}

/* Append record number count + 1 and make it durable. */
static int log_append(struct log *log)
{
  unsigned char *rec;
  uint64_t seq = log->count + 1, at = log->count * RECORD;
  if (at + RECORD > log->capacity && log->inplace) {
    /* Full: grow the map (and the file), then the view, in place. */
    uint64_t capacity = log->capacity + INPLACE_STEP;
    if (report(pmmf_map_grow(log->map, capacity), "grow") ||
        report(pmmf_view_extend(log->view, (size_t)capacity), "extend"))
      return 1;
    if (pmmf_view_data(log->view) != log->data) {
      fprintf(stderr, "applog: the view moved\n");
      return 1;
    }
    log->capacity = capacity;
    printf("grown to %llu at %p\n", (unsigned long long)capacity, (void *)log->data);
  } else if (at + RECORD > log->capacity) {
    /* Full: map the file again, twice as large. */
    uint64_t capacity = log->capacity * 2;
    log_unmap(log);
    if (log_map(log, capacity))
      return 1;
  }
  rec = log->data + at;
  memcpy(rec, "PLOG", 4);
  put_le(rec + 4, seq, 8);
  snprintf((char *)rec + 12, 48, "record %llu of an append-only log", (unsigned long long)seq);
  put_le(rec + 60, fnv1a(rec, 60), 4);
  /* On stable storage when this returns: only now is the record reported. */
  if (report(pmmf_view_flush(log->view, (size_t)at, RECORD, PMMF_FLUSH_SYNC), "flush"))
    return 1;
  log->count = seq;
  return 0;
}

int main(int argc, char **argv)
{
  struct log log;
  int rc = 0;

  if (argc >= 3 && argc <= 4 &&
      (strcmp(argv[1], "append") == 0 || strcmp(argv[1], "append-inplace") == 0)) {
    unsigned long long n = argc == 4 ? strtoull(argv[3], NULL, 10) : 0, i;
    int inplace = strcmp(argv[1], "append-inplace") == 0;
    rc = log_open(&log, argv[2], 1, inplace);
    if (rc != 0) {
      log_close(&log);
      return rc;
    }
    printf("resuming after %llu records\n", (unsigned long long)log.count);
    if (inplace)
      printf("base %p\n", (void *)log.data);
    fflush(stdout);
    for (i = 0; (n == 0 || i < n) && rc == 0; i++) {
      rc = log_append(&log);
      if (rc == 0) {
        printf("flushed %llu\n", (unsigned long long)log.count);
        fflush(stdout);
      }
    }
    log_close(&log);
    return rc;
  }
  if (argc == 3 && strcmp(argv[1], "verify") == 0) {
    rc = log_open(&log, argv[2], 0, 0);
    if (rc == 0)
      printf("%llu records\n", (unsigned long long)log.count);
    log_close(&log);
    return rc;
  }
  fprintf(stderr, "usage: applog append LOG [COUNT]\n       applog append-inplace LOG [COUNT]\n"
                  "       applog verify LOG\n");
  return 2;
}
