/* SPDX-License-Identifier: MIT */
/*
 * syscost_posix.c - pmmf-syscost: what the raw POSIX calls behind a view cost
 * on this machine, one figure per call or sequence (median of several runs of
 * many calls each). It gives docs/performance.md its cost model: the price of
 * a syscall, of the flock and fstat that pmmf_file_open and pmmf_map_file make
 * and GLib does not, of mapping, of a page fault and of MAP_POPULATE. Raw
 * calls only; libportmmf is not involved.
 *
 *   pmmf-syscost [--dir DIR]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* MAP_POPULATE is Linux's: elsewhere the "populate" lines measure a plain
 * mapping, which faults in as the scan touches it. */
#ifndef MAP_POPULATE
#  define MAP_POPULATE 0
#endif

#define RUNS 9
#define CALLS 2000
#define SMALL (16 * 1024)
#define LARGE (64 * 1024 * 1024)

static const char *small_path, *large_path;
static int small_fd, large_fd;
static volatile unsigned char sink;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void null_call(void)
{
  (void)getppid();
}

static void open_close(void)
{
  close(open(small_path, O_RDONLY | O_CLOEXEC));
}

static void open_flock_close(void)
{
  int fd = open(small_path, O_RDONLY | O_CLOEXEC);
  flock(fd, LOCK_SH | LOCK_NB);
  close(fd);
}

static void do_fstat(void)
{
  struct stat st;
  fstat(small_fd, &st);
}

static void map_unmap(void)
{
  void *p = mmap(NULL, SMALL, PROT_READ, MAP_SHARED, small_fd, 0);
  munmap(p, SMALL);
}

static void map_touch_unmap(void)
{
  unsigned char *p = mmap(NULL, SMALL, PROT_READ, MAP_SHARED, small_fd, 0);
  size_t i;
  for (i = 0; i < SMALL; i += 4096)
    sink = p[i];
  munmap(p, SMALL);
}

static void map_populate_unmap(void)
{
  unsigned char *p = mmap(NULL, SMALL, PROT_READ, MAP_SHARED | MAP_POPULATE, small_fd, 0);
  size_t i;
  for (i = 0; i < SMALL; i += 4096)
    sink = p[i];
  munmap(p, SMALL);
}

static void pread_4k(void)
{
  unsigned char buffer[4096];
  if (pread(small_fd, buffer, sizeof buffer, 4096) == (ssize_t)sizeof buffer)
    sink = buffer[0];
}

static int compare(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median over RUNS runs of the time per call of `fn`, in nanoseconds. */
static double per_call(void (*fn)(void))
{
  double runs[RUNS];
  int r, i;
  for (r = 0; r < RUNS; r++) {
    double t0 = now();
    for (i = 0; i < CALLS; i++)
      fn();
    runs[r] = (now() - t0) / CALLS * 1e9;
  }
  qsort(runs, RUNS, sizeof *runs, compare);
  return runs[RUNS / 2];
}

/* A lazy 64 MiB mapping touched once per page: time and faults per fault
 * (each fault maps the neighbouring pages too: fault-around). */
static void faults(double *ns_per_fault, double *pages_per_fault, double *populate_ns_per_page)
{
  double best = 0, best_pages = 0, best_populate = 0;
  int r;
  for (r = 0; r < RUNS; r++) {
    struct rusage a, b;
    double t0, t1;
    size_t i;
    unsigned char *p = mmap(NULL, LARGE, PROT_READ, MAP_SHARED, large_fd, 0);
    getrusage(RUSAGE_SELF, &a);
    t0 = now();
    for (i = 0; i < LARGE; i += 4096)
      sink = p[i];
    t1 = now();
    getrusage(RUSAGE_SELF, &b);
    munmap(p, LARGE);
    if (b.ru_minflt > a.ru_minflt) {
      double per = (t1 - t0) * 1e9 / (double)(b.ru_minflt - a.ru_minflt);
      if (r == 0 || per < best) {
        best = per;
        best_pages = (double)(LARGE / 4096) / (double)(b.ru_minflt - a.ru_minflt);
      }
    }
    t0 = now();
    p = mmap(NULL, LARGE, PROT_READ, MAP_SHARED | MAP_POPULATE, large_fd, 0);
    t1 = now();
    munmap(p, LARGE);
    if (r == 0 || (t1 - t0) * 1e9 / (LARGE / 4096) < best_populate)
      best_populate = (t1 - t0) * 1e9 / (LARGE / 4096);
  }
  *ns_per_fault = best;
  *pages_per_fault = best_pages;
  *populate_ns_per_page = best_populate;
}

static int make_file(const char *path, size_t size)
{
  unsigned char block[65536];
  FILE *f = fopen(path, "wb");
  size_t done;
  if (!f)
    return -1;
  memset(block, 0xA5, sizeof block);
  for (done = 0; done < size; done += sizeof block)
    fwrite(block, 1, size - done < sizeof block ? size - done : sizeof block, f);
  return fclose(f);
}

int main(int argc, char **argv)
{
  const char *dir = argc == 3 && strcmp(argv[1], "--dir") == 0 ? argv[2] : ".";
  static char small[1024], large[1024];
  double fault_ns, fault_pages, populate_ns;
  size_t i;

  if (argc != 1 && argc != 3) {
    fprintf(stderr, "usage: pmmf-syscost [--dir DIR]\n");
    return 2;
  }
  snprintf(small, sizeof small, "%s/pmmf-syscost-%ld-small.dat", dir, (long)getpid());
  snprintf(large, sizeof large, "%s/pmmf-syscost-%ld-large.dat", dir, (long)getpid());
  small_path = small;
  large_path = large;
  if (make_file(small, SMALL) != 0 || make_file(large, LARGE) != 0) {
    fprintf(stderr, "pmmf-syscost: cannot create files in %s\n", dir);
    remove(small);
    remove(large);
    return 1;
  }
  small_fd = open(small, O_RDONLY | O_CLOEXEC);
  large_fd = open(large, O_RDONLY | O_CLOEXEC);
  {
    /* Both files in the page cache. */
    unsigned char *p = mmap(NULL, LARGE, PROT_READ, MAP_SHARED, large_fd, 0);
    for (i = 0; i < LARGE; i += 4096)
      sink = p[i];
    munmap(p, LARGE);
  }

  printf("raw POSIX call costs, ns (median of %d runs of %d calls; page cache hot)\n", RUNS,
         CALLS);
  printf("  getppid (a null syscall)                 %8.0f\n", per_call(null_call));
  printf("  open + close                             %8.0f\n", per_call(open_close));
  printf("  open + flock(LOCK_SH) + close            %8.0f\n", per_call(open_flock_close));
  printf("  fstat                                    %8.0f\n", per_call(do_fstat));
  printf("  pread 4 KiB                              %8.0f\n", per_call(pread_4k));
  printf("  mmap + munmap 16 KiB, untouched          %8.0f\n", per_call(map_unmap));
  printf("  mmap + touch 4 pages + munmap 16 KiB     %8.0f\n", per_call(map_touch_unmap));
  printf("  mmap(MAP_POPULATE) + touch + munmap      %8.0f\n", per_call(map_populate_unmap));
  faults(&fault_ns, &fault_pages, &populate_ns);
  printf("  minor fault, 64 MiB lazy scan (best of %d) %7.0f per fault (%.0f pages each)\n",
         RUNS, fault_ns, fault_pages);
  printf("  MAP_POPULATE of 64 MiB (best of %d)       %8.1f per page\n", RUNS, populate_ns);

  close(small_fd);
  close(large_fd);
  remove(small);
  remove(large);
  return 0;
}
