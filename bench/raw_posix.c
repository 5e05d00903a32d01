/* SPDX-License-Identifier: MIT */
/*
 * raw_posix.c - the benchmark's POSIX baselines, written the way a careful
 * user of the raw calls writes them (open, mmap with the offset rounded down
 * to the page size, munmap, pread), plus the clock, getrusage fault counts,
 * posix_fadvise to empty the page cache, and uname for the machine report.
 */
#include "raw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

struct raw_file {
  int fd;
};

static size_t page_size(void)
{
  static size_t size;
  if (!size)
    size = (size_t)sysconf(_SC_PAGESIZE);
  return size;
}

int raw_open(struct raw_file **out, const char *path)
{
  struct raw_file *file = malloc(sizeof *file);
  if (!file)
    return -1;
  file->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (file->fd < 0) {
    fprintf(stderr, "bench: open %s: %s\n", path, strerror(errno));
    free(file);
    return -1;
  }
  *out = file;
  return 0;
}

void raw_close(struct raw_file *file)
{
  if (file) {
    close(file->fd);
    free(file);
  }
}

const char *raw_map(struct raw_file *file, uint64_t offset, size_t length, void **base,
                    size_t *span)
{
  uint64_t aligned = offset & ~(uint64_t)(page_size() - 1);
  size_t delta = (size_t)(offset - aligned);
  void *p = mmap(NULL, length + delta, PROT_READ, MAP_SHARED, file->fd, (off_t)aligned);
  if (p == MAP_FAILED) {
    fprintf(stderr, "bench: mmap: %s\n", strerror(errno));
    return NULL;
  }
  *base = p;
  *span = length + delta;
  return (const char *)p + delta;
}

void raw_unmap(void *base, size_t span)
{
  munmap(base, span);
}

int raw_pread(struct raw_file *file, void *dst, size_t length, uint64_t offset)
{
  ssize_t got = pread(file->fd, dst, length, (off_t)offset);
  if (got != (ssize_t)length) {
    fprintf(stderr, "bench: pread: %s\n", got < 0 ? strerror(errno) : "short read");
    return -1;
  }
  return 0;
}

long raw_grow(const char *path, size_t step, int steps)
{
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  size_t size = step;
  char *data;
  long moved = 0;
  int i;

  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
    perror("bench: raw_grow");
    if (fd >= 0)
      close(fd);
    return -1;
  }
  data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) {
    perror("bench: mmap");
    close(fd);
    return -1;
  }
  for (i = 0; i < steps; i++) {
    size_t next = size + step;
    char *moved_to;
    if (ftruncate(fd, (off_t)next) != 0) {
      perror("bench: ftruncate");
      break;
    }
#ifdef MREMAP_MAYMOVE
    moved_to = mremap(data, size, next, MREMAP_MAYMOVE);
#else
    munmap(data, size);
    moved_to = mmap(NULL, next, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
#endif
    if (moved_to == MAP_FAILED) {
      perror("bench: mremap");
      close(fd);
      return -1;
    }
    moved += moved_to != data;
    data = moved_to;
    size = next;
    data[size - 1] = 1;
  }
  munmap(data, size);
  close(fd);
  return i == steps ? moved : -1;
}

double raw_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void raw_faults(uint64_t *minor, uint64_t *major)
{
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  *minor = (uint64_t)usage.ru_minflt;
  *major = (uint64_t)usage.ru_majflt;
}

int raw_drop_cache(const char *path)
{
#if defined(POSIX_FADV_DONTNEED) && defined(__linux__)
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int r;
  if (fd < 0)
    return -1;
  /* Dirty pages are not dropped: write them back first. */
  r = fdatasync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0 ? 0 : -1;
  close(fd);
  return r;
#else
  /* Elsewhere POSIX_FADV_DONTNEED is only a hint (or absent). */
  (void)path;
  return -1;
#endif
}

double raw_resident(const char *path)
{
#if defined(__linux__)
  struct stat st;
  size_t pages, i, in = 0, length;
  unsigned char *vec;
  void *p;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -1;
  if (fstat(fd, &st) != 0 || st.st_size == 0 || (uint64_t)st.st_size > SIZE_MAX) {
    close(fd);
    return -1;
  }
  length = (size_t)st.st_size;
  p = mmap(NULL, length, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED)
    return -1;
  pages = (length + page_size() - 1) / page_size();
  vec = malloc(pages);
  if (!vec || mincore(p, length, vec) != 0) {
    free(vec);
    munmap(p, length);
    return -1;
  }
  for (i = 0; i < pages; i++)
    in += vec[i] & 1;
  free(vec);
  munmap(p, length);
  return (double)in / (double)pages;
#else
  (void)path;
  return -1;
#endif
}

int raw_sync_file(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int r;
  if (fd < 0)
    return -1;
  r = fsync(fd);
  close(fd);
  return r == 0 ? 0 : -1;
}

void *raw_anon_alloc(size_t length, int huge)
{
  void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  if (huge) {
#ifdef MADV_HUGEPAGE
    if (madvise(p, length, MADV_HUGEPAGE) == 0)
      return p;
#endif
    munmap(p, length);
    return NULL;
  }
  return p;
}

void raw_anon_free(void *base, size_t length)
{
  munmap(base, length);
}

unsigned long raw_pid(void)
{
  return (unsigned long)getpid();
}

void raw_machine(struct raw_machine *machine)
{
  struct utsname name;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  FILE *info;
  char line[512];

  machine->cpus = cpus > 0 ? (int)cpus : 0;
  if (uname(&name) == 0)
    snprintf(machine->os, sizeof machine->os, "%s %s %s %s", name.sysname, name.release,
             name.version, name.machine);
  else
    snprintf(machine->os, sizeof machine->os, "unknown POSIX");
  snprintf(machine->cpu, sizeof machine->cpu, "unknown");
  info = fopen("/proc/cpuinfo", "r");
  if (info) {
    while (fgets(line, sizeof line, info)) {
      char *colon = strchr(line, ':');
      if (strncmp(line, "model name", 10) == 0 && colon) {
        colon += 1 + (colon[1] == ' ');
        colon[strcspn(colon, "\n")] = '\0';
        snprintf(machine->cpu, sizeof machine->cpu, "%s", colon);
        break;
      }
    }
    fclose(info);
  }
}

int raw_map_whole(const char *path, uint64_t (*use)(const void *, size_t), uint64_t *sink)
{
  struct stat st;
  void *p;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return -1;
  }
  p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    close(fd);
    return -1;
  }
  *sink += use(p, (size_t)st.st_size);
  munmap(p, (size_t)st.st_size);
  close(fd);
  return 0;
}

/* What the library's SYNC flush amounts to on this OS: fdatasync, or on
 * macOS (which has no fdatasync) F_FULLFSYNC. */
static int data_sync(int fd)
{
#ifdef __APPLE__
  return fcntl(fd, F_FULLFSYNC);
#else
  return fdatasync(fd);
#endif
}

int raw_write_file_sync(const char *path, const void *data, size_t length)
{
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int ok;
  if (fd < 0)
    return -1;
  ok = write(fd, data, length) == (ssize_t)length && data_sync(fd) == 0;
  close(fd);
  return ok ? 0 : -1;
}

int raw_remove(const char *path)
{
  return unlink(path);
}
