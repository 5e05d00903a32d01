/* SPDX-License-Identifier: MIT */
/*
 * raw.h - what the benchmark needs from the OS directly: the raw OS-call
 * baselines libportmmf is measured against (mmap/munmap/pread on POSIX,
 * CreateFileMapping/MapViewOfFile/ReadFile on Windows, with the caller's own
 * rounding), and the platform services around them (clock, page-fault
 * counters, dropping a file from the page cache, a description of the
 * machine). raw_posix.c and raw_win32.c implement it; bench.c uses only this
 * and the public API.
 */
#ifndef PMMF_BENCH_RAW_H
#define PMMF_BENCH_RAW_H

#include <stddef.h>
#include <stdint.h>

/* A file opened read-only for raw mapping and positional reads (on Windows
 * with its read-only section, made once). */
struct raw_file;

int raw_open(struct raw_file **out, const char *path); /* 0, or -1 with a message printed */
void raw_close(struct raw_file *file);

/* Map [offset, offset + length) read-only and lazily, rounding `offset` down
 * to the native granularity the way a caller of the raw calls must. Returns
 * the address of the byte at `offset` and sets *base and *span for
 * raw_unmap; NULL on failure. */
const char *raw_map(struct raw_file *file, uint64_t offset, size_t length, void **base,
                    size_t *span);
void raw_unmap(void *base, size_t span);

/* Read `length` bytes at `offset` (pread / ReadFile with an offset): 0 or -1. */
int raw_pread(struct raw_file *file, void *dst, size_t length, uint64_t offset);

/* Growth baseline (case 9): create `path` of `step` bytes, map all of it
 * read-write, then `steps` times grow the file by `step` bytes and keep one
 * mapping of the whole file, writing its last byte each time; unmap, close.
 * POSIX: ftruncate + mremap(MREMAP_MAYMOVE) on Linux (munmap + mmap
 * elsewhere); Windows: a new, larger CreateFileMappingW (which extends the
 * file) + MapViewOfFile of all of it, then the old view and section go.
 * Returns the number of times the mapping moved, or -1 with a message. */
long raw_grow(const char *path, size_t step, int steps);

/* Seconds on a monotonic clock. */
double raw_now(void);

/* Page faults this process has taken so far: minor and major (Windows has
 * one count, PageFaultCount, reported as minor). */
void raw_faults(uint64_t *minor, uint64_t *major);

/* Write back and then drop `path` from the page cache, so the next access
 * reads the disk. 0 on success, -1 where the platform cannot (then the cold
 * measurements are skipped). */
int raw_drop_cache(const char *path);

/* Fraction of `path`'s pages in the page cache (0..1), or -1 if unknown. */
double raw_resident(const char *path);

/* Flush a written file to stable storage: 0 or -1. */
int raw_sync_file(const char *path);

/* Private anonymous memory of `length` bytes, read-write (mmap MAP_PRIVATE |
 * MAP_ANONYMOUS; VirtualAlloc). `huge`: ask for transparent huge pages
 * (Linux MADV_HUGEPAGE); NULL where that cannot be asked (elsewhere, or if
 * the advice fails) or on failure. */
void *raw_anon_alloc(size_t length, int huge);
void raw_anon_free(void *base, size_t length);

/* This process's id (to name the benchmark's files). */
unsigned long raw_pid(void);

/* Case 7's raw side: open the file, size it, map it whole, hand the bytes to
 * `use`, unmap, close (POSIX: open, fstat, mmap, munmap, close). 0 or -1. */
int raw_map_whole(const char *path, uint64_t (*use)(const void *, size_t), uint64_t *sink);

/* Case 8's raw side: create (or truncate) `path`, write `length` bytes with
 * one write call, sync data and size (fdatasync; FlushFileBuffers), close.
 * 0 or -1. */
int raw_write_file_sync(const char *path, const void *data, size_t length);

/* Remove a file; 0 or -1. */
int raw_remove(const char *path);

/* The machine: number of CPUs online, the OS and kernel, the CPU model. */
struct raw_machine {
  int cpus;
  char os[400];
  char cpu[128];
};
void raw_machine(struct raw_machine *machine);

#endif /* PMMF_BENCH_RAW_H */
