/* SPDX-License-Identifier: MIT */
/*
 * test_posix_native.c - POSIX-only checks of the backend's OS-level choices:
 * descriptors are close-on-exec, file views are MAP_SHARED (a plain pread of
 * the file sees a view's writes without a flush), anonymous maps are backed by
 * a memory object with a descriptor (not bare MAP_ANONYMOUS) that survives
 * fork(), unaligned offsets are rounded down to the page size, SYNC flushes
 * are msync(MS_SYNC) (+ fdatasync, except on Linux) and ASYNC ones sync_file_range on Linux
 * (through internal.h's OS-call table; ASYNC really starts write-back), and
 * the shm_open fallback for anonymous maps works; named objects' descriptors
 * (close-on-exec, read-only for READ and COPY openers) and their mode 0600
 * restored with fchmod under a restrictive umask.
 */
#define _GNU_SOURCE

#include "support.h"

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int is_cloexec(intptr_t fd) {
  int flags = fcntl((int)fd, F_GETFD);
  assert_int_not_equal(flags, -1);
  return (flags & FD_CLOEXEC) != 0;
}

static void test_file_descriptor_cloexec(void **state) {
  static const unsigned flag_sets[] = {PMMF_OPEN_READ, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE,
                                       PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE,
                                       PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE};
  const char *path = support_path("cloexec.bin");
  size_t i;
  (void)state;
  assert_int_equal(support_write_pattern(path, 100, 1), 0);
  for (i = 0; i < SUPPORT_ARRAY_LEN(flag_sets); i++) {
    pmmf_file *f = NULL;
    pmmf_map *m = NULL;
    assert_ok(pmmf_file_open(&f, path, flag_sets[i]));
    assert_true(is_cloexec(f->handle));
    if (flag_sets[i] & PMMF_OPEN_TRUNCATE)
      assert_ok(pmmf_file_resize(f, 100));
    assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
    assert_true(is_cloexec(m->os.handle));
    assert_ok(pmmf_map_close(m));
    assert_ok(pmmf_file_close(f));
  }
}

static void test_anonymous_descriptor_cloexec(void **state) {
  pmmf_map *m = NULL;
  struct stat st;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 65537, 0));
  /* A real memory object: a descriptor of at least the map's size. */
  assert_true(m->os.handle >= 0);
  assert_true(is_cloexec(m->os.handle));
  assert_int_equal(fstat((int)m->os.handle, &st), 0);
  assert_true((uint64_t)st.st_size >= 65537);
  assert_ok(pmmf_map_close(m));
}

static void test_view_is_map_shared(void **state) {
  const char *path = support_path("shared.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char buf[8];
  int fd;
  (void)state;
  assert_int_equal(support_write_pattern(path, 200000, 2), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 99999, 8, PMMF_ACCESS_WRITE, 0));
  memcpy(pmmf_view_data(v), "SHARED!!", 8);
  /* No flush: the page cache is shared with read()/pread(). */
  fd = open(path, O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(pread(fd, buf, 8, 99999), 8);
  assert_memory_equal(buf, "SHARED!!", 8);
  /* And the other way round: a pwrite is seen by the view. */
  close(fd);
  fd = open(path, O_WRONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(pwrite(fd, "pw", 2, 100001), 2);
  close(fd);
  assert_memory_equal((char *)pmmf_view_data(v) + 2, "pw", 2);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

static void test_unaligned_offset_rounding(void **state) {
  static const uint64_t offsets[] = {1, 4097, 65535, 65537, 99999};
  const char *path = support_path("round.bin");
  size_t real = (size_t)sysconf(_SC_PAGESIZE), page = pmmf_page_size();
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  size_t i;
  (void)state;
#ifdef PMMF__TEST_PAGE_SIZE
  /* A test build reporting larger pages (meson -Dtest_page_size). */
  assert_int_equal(page, PMMF__TEST_PAGE_SIZE);
  assert_int_equal(page % real, 0);
#else
  assert_int_equal(page, real);
#endif
  assert_int_equal(pmmf_granularity(), page);
  assert_int_equal(support_write_pattern(path, 140000, 3), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_READ));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_READ, 0));
  for (i = 0; i < SUPPORT_ARRAY_LEN(offsets); i++) {
    pmmf_view *v = NULL;
    size_t delta = (size_t)(offsets[i] % page);
    assert_ok(pmmf_view_map(&v, m, offsets[i], 100, PMMF_ACCESS_READ, 0));
    /* The OS mapping starts at the offset rounded down to the page size
     * (its address: a multiple of the real page size). */
    assert_int_equal((uintptr_t)v->base % real, 0);
    assert_ptr_equal(v->data, (char *)v->base + delta);
    assert_ptr_equal(pmmf_view_data(v), v->data);
    assert_true(v->mapped >= delta + 100);
    assert_true(v->mapped < delta + 100 + page);
    assert_pattern(pmmf_view_data(v), 100, offsets[i], 3);
    assert_ok(pmmf_view_unmap(v));
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

/* Views stay mapped in a fork()ed child; anonymous memory is a shared object. */
static void test_views_survive_fork(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char *p;
  pid_t pid;
  int status = 0;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 65536, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  p = pmmf_view_data(v);
  support_fill(p, 65536, 0, 4);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int ok = support_check(p, 65536, 0, 4) == -1;
    p[12345] = 0x5A;
    _exit(ok ? 0 : 1);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  /* MAP_SHARED of a memory object: the child's write is visible here. */
  assert_int_equal(p[12345], 0x5A);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
}

/* EXCLUSIVE uses flock: a plain flock by another open file description sees it. */
static void test_exclusive_is_flock(void **state) {
  const char *path = support_path("flock.bin");
  pmmf_file *x = NULL;
  int fd;
  (void)state;
  assert_int_equal(support_write_pattern(path, 10, 5), 0);
  assert_ok(pmmf_file_open(&x, path, PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE));
  fd = open(path, O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), -1);
  assert_ok(pmmf_file_close(x));
  assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), 0);
  close(fd);
}

/* Character devices and FIFOs are not regular files; opening a FIFO must not block. */
static void test_non_regular_files(void **state) {
  const char *fifo = support_path("a-fifo");
  pmmf_file *f = SENTINEL;
  (void)state;
  assert_status(pmmf_file_open(&f, "/dev/null", PMMF_OPEN_READ), PMMF_E_INVALID);
  assert_status(pmmf_file_open(&f, "/dev/zero", PMMF_OPEN_WRITE), PMMF_E_INVALID);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_status(pmmf_file_open(&f, fifo, PMMF_OPEN_READ), PMMF_E_INVALID);
  assert_status(pmmf_file_open(&f, fifo, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE), PMMF_E_INVALID);
  assert_ptr_equal(f, SENTINEL);
}

/* A symbolic link to a regular file is followed. */
static void test_symlink_followed(void **state) {
  const char *target = support_path("link-target.bin");
  const char *link = support_path("a-link.bin");
  pmmf_file *f = NULL;
  uint64_t size = 0;
  (void)state;
  assert_int_equal(support_write_pattern(target, 1234, 6), 0);
  assert_int_equal(symlink(target, link), 0);
  assert_ok(pmmf_file_open(&f, link, PMMF_OPEN_READ));
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 1234);
  assert_ok(pmmf_file_close(f));
}

/* Counting stand-ins for the OS-call table (internal.h). */
static int msync_calls, msync_last_flags, fdatasync_calls, fdatasync_last_fd, madvise_calls;
static int madvise_last_advice;
static void *msync_last_addr, *madvise_last_addr;
static size_t msync_last_len, madvise_last_len;

static int counting_msync(void *addr, size_t len, int flags) {
  msync_calls++;
  msync_last_addr = addr;
  msync_last_len = len;
  msync_last_flags = flags;
  return msync(addr, len, flags);
}

static int counting_fdatasync(int fd) {
  fdatasync_calls++;
  fdatasync_last_fd = fd;
  return fsync(fd);   /* as strong; fdatasync is not declared on macOS */
}

static int counting_madvise(void *addr, size_t len, int advice) {
  madvise_calls++;
  madvise_last_addr = addr;
  madvise_last_len = len;
  madvise_last_advice = advice;
  return madvise(addr, len, advice);
}

static int sfr_calls, sfr_last_fd;

#ifdef __linux__   /* sync_file_range: MS_ASYNC's stand-in there only */
static int (*counting_real_sfr)(int, off_t, off_t);
static off_t sfr_last_offset, sfr_last_length;

static int counting_sync_file_range(int fd, off_t offset, off_t length) {
  sfr_calls++;
  sfr_last_fd = fd;
  sfr_last_offset = offset;
  sfr_last_length = length;
  return counting_real_sfr(fd, offset, length);
}
#endif

static void reset_counts(void) {
  sfr_calls = 0;
  sfr_last_fd = -1;
  msync_calls = fdatasync_calls = madvise_calls = 0;
  msync_last_flags = madvise_last_advice = -1;
  fdatasync_last_fd = -1;
}

/* Where a flushed or advised span may start: a whole number of pages into
 * the view's OS mapping (whose address is a multiple of the real page size,
 * and of the reported one unless a test build reports larger pages). */
static void assert_span_start(const void *addr, const pmmf_view *v, size_t page) {
  assert_int_equal((uintptr_t)addr % (uintptr_t)sysconf(_SC_PAGESIZE), 0);
  assert_true((const char *)addr >= (const char *)v->base);
  assert_int_equal((size_t)((const char *)addr - (const char *)v->base) % page, 0);
#ifndef PMMF__TEST_PAGE_SIZE
  assert_int_equal((uintptr_t)addr % page, 0);
#endif
}

static void test_flush_uses_msync_and_fdatasync(void **state) {
  const char *path = support_path("syncpath.bin");
  size_t page = pmmf_page_size();
  pmmf_file *f = NULL;
  pmmf_map *m = NULL, *a = NULL;
  pmmf_view *v = NULL, *c = NULL, *av = NULL;
  char *p;
  (void)state;
  assert_int_equal(support_write_pattern(path, 300000, 9), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 4097, 200000, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 0, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_map_anonymous(&a, 65536, 0));
  assert_ok(pmmf_view_map(&av, a, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf__os_syscall_set("msync", (pmmf__syscall_ptr)counting_msync));
  assert_ok(pmmf__os_syscall_set("fdatasync", (pmmf__syscall_ptr)counting_fdatasync));
  p = pmmf_view_data(v);

  /* SYNC: msync(MS_SYNC) over the page-aligned span; then fdatasync of the
   * file, except on Linux, where msync(MS_SYNC) is already fdatasync's own
   * call (vfs_fsync_range with datasync) over the range, size included. */
  reset_counts();
  assert_ok(pmmf_view_flush(v, 10000, 5000, PMMF_FLUSH_SYNC));
  assert_int_equal(msync_calls, 1);
  assert_true(msync_last_flags & MS_SYNC);
  assert_span_start(msync_last_addr, v, page);
  assert_true((char *)msync_last_addr <= p + 10000);
  assert_true((char *)msync_last_addr + msync_last_len >= p + 15000);
  assert_true(msync_last_len <= 5000 + 2 * page);
#ifdef __linux__
  assert_int_equal(fdatasync_calls, 0);
#else
  assert_int_equal(fdatasync_calls, 1);
  assert_int_equal(fdatasync_last_fd, (int)f->handle);
#endif

  /* ASYNC on Linux: sync_file_range over the file range of the span (msync
   * with MS_ASYNC starts nothing there), no msync, no fdatasync. Elsewhere:
   * msync(MS_ASYNC). */
  reset_counts();
#ifdef __linux__
  {
    pmmf__syscall_ptr real;
    assert_ok(pmmf__os_syscall_set("sync_file_range", NULL));
    real = pmmf__os_syscall_get("sync_file_range");
    assert_non_null(real);
    counting_real_sfr = (int (*)(int, off_t, off_t))real;
    assert_ok(pmmf__os_syscall_set("sync_file_range", (pmmf__syscall_ptr)counting_sync_file_range));
  }
  assert_ok(pmmf_view_flush(v, 10000, 5000, PMMF_FLUSH_ASYNC));
  assert_int_equal(sfr_calls, 1);
  assert_int_equal(sfr_last_fd, (int)f->handle);
  assert_int_equal(sfr_last_offset % (off_t)page, 0);
  assert_true(sfr_last_offset <= 4097 + 10000);
  assert_true(sfr_last_offset + sfr_last_length >= 4097 + 15000);
  assert_true(sfr_last_length <= (off_t)(5000 + 2 * page));
  assert_int_equal(msync_calls, 0);
  assert_int_equal(fdatasync_calls, 0);
  assert_ok(pmmf__os_syscall_set("sync_file_range", NULL));
#else
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_ASYNC));
  assert_int_equal(msync_calls, 1);
  assert_true(msync_last_flags & MS_ASYNC);
  assert_false(msync_last_flags & MS_SYNC);
  assert_true((char *)msync_last_addr + msync_last_len >= p + 200000);
  assert_int_equal(fdatasync_calls, 0);
#endif

  /* COPY and anonymous views: a no-op. Unmapping is never a flush. */
  reset_counts();
  assert_ok(pmmf_view_flush(c, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_flush(av, 0, 0, PMMF_FLUSH_SYNC));
  p[0] = 1;
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_view_unmap(av));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_map_close(a));
  assert_ok(pmmf_file_close(f));
  assert_int_equal(msync_calls, 0);
  assert_int_equal(fdatasync_calls, 0);
  assert_ok(pmmf__os_syscall_set("msync", NULL));
  assert_ok(pmmf__os_syscall_set("fdatasync", NULL));
}

#if defined(__linux__)
#  include <sys/syscall.h>
#  include <sys/vfs.h>
/* cachestat(2), Linux 6.5: how many of a file's cached pages are dirty. */
#  define CACHESTAT_NR 451
struct cachestat_range_ {
  uint64_t off, len;
};
struct cachestat_ {
  uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};
static long dirty_pages(int fd) {
  struct cachestat_range_ range = {0, 0};
  struct cachestat_ cs;
  if (syscall(CACHESTAT_NR, fd, &range, &cs, 0) != 0)
    return -1;
  return (long)cs.nr_dirty;
}
#endif

/* PMMF_FLUSH_ASYNC starts write-back: a view's dirty pages leave the dirty
 * state soon after the call, instead of waiting for the kernel's flusher
 * (dirty_expire_centisecs, 30 s by default). Measured with cachestat(2) on a
 * disk-backed file system; skipped where the kernel lacks cachestat or the
 * temporary directory is in memory (tmpfs has no write-back). */
static void test_async_flush_starts_writeback(void **state) {
#if defined(__linux__)
  const char *path = support_path("async-writeback.bin");
  const size_t size = (size_t)32 << 20;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  struct statfs sfs;
  long dirty = -1;
  int i;
  (void)state;
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  assert_ok(pmmf_map_file(&m, f, size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  if (fstatfs((int)f->handle, &sfs) != 0 || sfs.f_type == 0x01021994 /* TMPFS_MAGIC */ ||
      dirty_pages((int)f->handle) < 0) {
    assert_ok(pmmf_view_unmap(v));
    assert_ok(pmmf_map_close(m));
    assert_ok(pmmf_file_close(f));
    /* Not skip(): CMocka's TAP says "not ok # SKIP", which Meson counts as
     * a failure. qemu-user 7.2 has no cachestat(2). */
    print_message("# report: not run: async flush write-back: no cachestat(2) (ENOSYS: "
                  "kernel before 6.5, or qemu-user), or no write-back on this file system\n");
    return;
  }
  memset(pmmf_view_data(v), 0x5A, size);
  dirty = dirty_pages((int)f->handle);
  assert_true(dirty > 0); /* the writes made pages dirty */
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_ASYNC));
  /* Bounded: write-back of 32 MiB takes milliseconds once started; without
   * it the pages stay dirty for about 30 s. */
  for (i = 0; i < 1000 && (dirty = dirty_pages((int)f->handle)) > 0; i++)
    support_sleep_ms(10);
  if (dirty != 0)
    print_message("# %ld pages still dirty 10 s after PMMF_FLUSH_ASYNC\n", dirty);
  assert_int_equal(dirty, 0);
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
#else
  (void)state;
  skip();
#endif
}

static void test_advise_uses_madvise(void **state) {
  static const struct {
    pmmf_advice advice;
    int native;
  } table[] = {{PMMF_ADVICE_NORMAL, MADV_NORMAL},
               {PMMF_ADVICE_SEQUENTIAL, MADV_SEQUENTIAL},
               {PMMF_ADVICE_RANDOM, MADV_RANDOM},
               {PMMF_ADVICE_WILLNEED, MADV_WILLNEED},
               {PMMF_ADVICE_DONTNEED, MADV_DONTNEED}};
  size_t page = pmmf_page_size(), i;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  char *p;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 300000, 0));
  assert_ok(pmmf_view_map(&v, m, 1, 0, PMMF_ACCESS_WRITE, 0));
  p = pmmf_view_data(v);
  assert_ok(pmmf__os_syscall_set("madvise", (pmmf__syscall_ptr)counting_madvise));
  for (i = 0; i < SUPPORT_ARRAY_LEN(table); i++) {
    reset_counts();
    assert_ok(pmmf_view_advise(v, 5000, 70000, table[i].advice));
    assert_int_equal(madvise_calls, 1);
    assert_int_equal(madvise_last_advice, table[i].native);
    assert_span_start(madvise_last_addr, v, page);
    assert_true((char *)madvise_last_addr <= p + 5000);
    assert_true((char *)madvise_last_addr + madvise_last_len >= p + 75000);
    assert_true(madvise_last_len <= 70000 + 2 * page);
  }
  assert_ok(pmmf__os_syscall_set("madvise", NULL));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
}

/* Flushed and advised spans start a whole number of pages into the view's OS
 * mapping, so on a file page boundary too, never below the mapping. Sixteen
 * views held at once (each 50 real pages long, not a multiple of larger
 * pages) start at different addresses modulo the page size, so with a test
 * build's larger pages some start off the reported page's boundaries: the
 * spans must not be rounded by address. */
#define SPAN_VIEWS 16
static void test_spans_from_mapping_start(void **state) {
  const char *path = support_path("spans.bin");
  size_t page = pmmf_page_size(), i;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v[SPAN_VIEWS];
  unsigned off_boundary = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 300000, 11), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf__os_syscall_set("msync", (pmmf__syscall_ptr)counting_msync));
  assert_ok(pmmf__os_syscall_set("fdatasync", (pmmf__syscall_ptr)counting_fdatasync));
  assert_ok(pmmf__os_syscall_set("madvise", (pmmf__syscall_ptr)counting_madvise));
#ifdef __linux__
  assert_ok(pmmf__os_syscall_set("sync_file_range", NULL));
  counting_real_sfr = (int (*)(int, off_t, off_t))pmmf__os_syscall_get("sync_file_range");
  assert_non_null(counting_real_sfr);
  assert_ok(pmmf__os_syscall_set("sync_file_range", (pmmf__syscall_ptr)counting_sync_file_range));
#endif
  for (i = 0; i < SPAN_VIEWS; i++) {
    char *p;
    assert_ok(pmmf_view_map(&v[i], m, 4097, 200000, PMMF_ACCESS_WRITE, 0));
    off_boundary += (uintptr_t)v[i]->base % page != 0;
    p = pmmf_view_data(v[i]);
    reset_counts();
    assert_ok(pmmf_view_flush(v[i], 30000, 5000, PMMF_FLUSH_SYNC));
    assert_int_equal(msync_calls, 1);
    assert_span_start(msync_last_addr, v[i], page);
    assert_true((char *)msync_last_addr <= p + 30000);
    assert_true((char *)msync_last_addr + msync_last_len >= p + 35000);
#ifdef __linux__
    reset_counts();
    assert_ok(pmmf_view_flush(v[i], 30000, 5000, PMMF_FLUSH_ASYNC));
    assert_int_equal(sfr_calls, 1);
    assert_int_equal(sfr_last_offset % (off_t)page, 0);
    assert_true(sfr_last_offset <= 4097 + 30000);
    assert_true(sfr_last_offset + sfr_last_length >= 4097 + 35000);
#endif
    reset_counts();
    assert_ok(pmmf_view_advise(v[i], 30000, 5000, PMMF_ADVICE_WILLNEED));
    assert_int_equal(madvise_calls, 1);
    assert_span_start(madvise_last_addr, v[i], page);
    assert_true((char *)madvise_last_addr <= p + 30000);
    assert_true((char *)madvise_last_addr + madvise_last_len >= p + 35000);
  }
  print_message("# %u of %d views off the %zu-byte page's boundaries\n", off_boundary,
                SPAN_VIEWS, page);
#ifdef __linux__
  assert_ok(pmmf__os_syscall_set("sync_file_range", NULL));
#endif
  assert_ok(pmmf__os_syscall_set("msync", NULL));
  assert_ok(pmmf__os_syscall_set("fdatasync", NULL));
  assert_ok(pmmf__os_syscall_set("madvise", NULL));
  for (i = 0; i < SPAN_VIEWS; i++)
    assert_ok(pmmf_view_unmap(v[i]));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

static int no_memfd(const char *name, unsigned flags) {
  (void)name;
  (void)flags;
  errno = ENOSYS;
  return -1;
}

/* Without memfd_create, anonymous maps fall back to an unlinked shm object. */
static void test_anonymous_without_memfd(void **state) {
  pmmf_map *m = NULL;
  pmmf_view *a = NULL, *b = NULL;
  long handles = support_count_handles();
  (void)state;
  assert_ok(pmmf__os_syscall_set("memfd_create", (pmmf__syscall_ptr)no_memfd));
  assert_ok(pmmf_map_anonymous(&m, 100000, 0));
  assert_ok(pmmf__os_syscall_set("memfd_create", NULL));
  assert_true(is_cloexec(m->os.handle));
  assert_ok(pmmf_view_map(&a, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&b, m, 65536, 0, PMMF_ACCESS_WRITE, 0));
  assert_int_equal(support_check_byte(pmmf_view_data(a), 100000, 0), -1);
  ((char *)pmmf_view_data(a))[70000] = 0x3E;
  assert_int_equal(((char *)pmmf_view_data(b))[70000 - 65536], 0x3E);
  assert_ok(pmmf_view_unmap(a));
  assert_ok(pmmf_view_unmap(b));
  assert_ok(pmmf_map_close(m));
  assert_int_equal(support_count_handles(), handles);
}

/* Named objects: "/<name>" in the shm namespace, close-on-exec always,
 * read-only descriptors for READ and COPY openers, read-write for writers
 * and for every creator (it sets the size). */
static void test_shm_descriptors(void **state) {
  static const struct {
    pmmf_access access;
    int mode, want;
  } cases[] = {
      {PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, O_RDONLY},
      {PMMF_ACCESS_COPY, PMMF_SHM_OPEN_ONLY, O_RDONLY},
      {PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_ONLY, O_RDWR},
      {PMMF_ACCESS_READ, PMMF_SHM_OPEN_OR_CREATE, O_RDONLY},
  };
  const char *name = support_shm_name("desc");
  char path[64];
  pmmf_map *m = NULL, *o;
  struct stat a, b;
  size_t i;
  int fd;
  (void)state;
  snprintf(path, sizeof path, "/%s", name);
  assert_ok(pmmf_map_shared(&m, name, 4096, PMMF_ACCESS_READ, PMMF_SHM_CREATE_ONLY, NULL));
  assert_true(is_cloexec(m->os.handle));
  assert_int_equal(fcntl((int)m->os.handle, F_GETFL) & O_ACCMODE, O_RDWR);
  /* The descriptor is the object shm_open finds under "/<name>". */
  fd = shm_open(path, O_RDONLY, 0);
  assert_true(fd >= 0);
  assert_int_equal(fstat(fd, &a), 0);
  assert_int_equal(fstat((int)m->os.handle, &b), 0);
  assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  assert_int_equal(a.st_size, 4096);
  close(fd);
  for (i = 0; i < SUPPORT_ARRAY_LEN(cases); i++) {
    o = NULL;
    assert_ok(pmmf_map_shared(&o, name, 0, cases[i].access, cases[i].mode, NULL));
    assert_true(is_cloexec(o->os.handle));
    assert_int_equal(fcntl((int)o->os.handle, F_GETFL) & O_ACCMODE, cases[i].want);
    assert_ok(pmmf_map_close(o));
  }
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_shm_unlink(name));
}

/* The umask can take bits away from 0600: fchmod puts them back, and a
 * failing fchmod removes the new object again. */
static void test_shm_mode_fchmod(void **state) {
  const char *name = support_shm_name("fchmod");
  pmmf_map *m = SENTINEL;
  mode_t old;
  int rc, fired;
  (void)state;
  /* 022 leaves 0600 alone: no fchmod. */
  old = umask(022);
  pmmf__fault_arm("fchmod", 0, PMMF__FAULT_ACCESS);
  rc = pmmf_map_shared(&m, name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL);
  fired = pmmf__fault_fired();
  pmmf__fault_disarm();
  umask(old);
  assert_ok(rc);
  assert_false(fired);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_shm_unlink(name));
  /* 0277 leaves 0400: fchmod is called, and its failure undoes the creation. */
  m = SENTINEL;
  old = umask(0277);
  pmmf__fault_arm("fchmod", 0, PMMF__FAULT_ACCESS);
  rc = pmmf_map_shared(&m, name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL);
  fired = pmmf__fault_fired();
  pmmf__fault_disarm();
  umask(old);
  assert_status(rc, PMMF_E_ACCESS);
  assert_true(fired);
  assert_ptr_equal(m, SENTINEL);
  assert_false(support_shm_exists(name));
  old = umask(0277);
  rc = pmmf_map_shared(&m, name, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL);
  umask(old);
  assert_ok(rc);
  assert_int_equal(support_shm_mode(name), 0600);
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_shm_unlink(name));
}

#ifdef __linux__
#  include <sys/resource.h>
#  ifndef MADV_POPULATE_WRITE
#    define MADV_POPULATE_WRITE 23
#  endif

static long minor_faults(void) {
  struct rusage ru;
  assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
  return ru.ru_minflt;
}

/* Minor faults taken writing one byte to each real page of [p, p + len). */
static long write_faults(char *p, size_t len) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE), i;
  long before = minor_faults();
  for (i = 0; i < len; i += page)
    ((volatile char *)p)[i] = (char)(i / page);
  return minor_faults() - before;
}

/* Whether this system honours MADV_POPULATE_WRITE on a shared file mapping
 * (Linux 5.14+; qemu-user and some tools accept and ignore it): 0 says why
 * not, for a skip. */
static int populate_write_honoured(const char *path, size_t len) {
  int fd = open(path, O_RDWR);
  char *p;
  long faults;
  assert_true(fd >= 0);
  p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  assert_true(p != MAP_FAILED);
  if (madvise(p, len, MADV_POPULATE_WRITE) != 0) {
    print_message("# MADV_POPULATE_WRITE: errno %d\n", errno);
    munmap(p, len);
    return 0;
  }
  faults = write_faults(p, len);
  munmap(p, len);
  print_message("# raw MADV_POPULATE_WRITE then writes: %ld faults\n", faults);
  return faults <= 16;
}

/* PMMF_VIEW_POPULATE on a WRITE view prefaults for writing: the first write
 * to each page takes no fault. MAP_POPULATE alone read-faults a shared
 * mapping: in a fresh file (grown, not yet in the page cache as large
 * folios) each first write then faults, one per page. A count of faults, not
 * a time. */
static void test_populate_write_view_no_write_faults(void **state) {
  const char *path = support_path("populate-write.bin");
  const size_t len = 4u << 20;
  size_t pages = len / (size_t)sysconf(_SC_PAGESIZE);
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  long faults;
  (void)state;
  assert_int_equal(support_write_pattern(path, len, 13), 0);
  if (!populate_write_honoured(path, len)) {
    /* Not skip(): Meson counts CMocka's "not ok # SKIP" as a failure. */
    print_message("# report: not run: populated WRITE view faults: MADV_POPULATE_WRITE not "
                  "honoured here (kernel before 5.14, or qemu-user)\n");
    unlink(path);
    return;
  }
  unlink(path);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  assert_ok(pmmf_map_file(&m, f, len, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, PMMF_VIEW_POPULATE));
  faults = write_faults(pmmf_view_data(v), len);
  print_message("# %zu pages of a fresh file written: %ld faults after POPULATE\n", pages,
                faults);
  assert_true(faults <= 16);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}

static int mmap_calls, mmap_last_flags;
static void *counting_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  mmap_calls++;
  mmap_last_flags = flags;
  return mmap(addr, len, prot, flags, fd, off);
}

/* A kernel before 5.14 (EINVAL for the advice): the view is populated with
 * MAP_POPULATE instead (its own fresh mapping mapped again in place), works,
 * and is the only mapping made; READ and COPY views use MAP_POPULATE as
 * before, never the write advice. */
static int old_kernel_madvise(void *addr, size_t len, int advice) {
  madvise_calls++;
  madvise_last_advice = advice;
  if (advice == MADV_POPULATE_WRITE) {
    errno = EINVAL;
    return -1;
  }
  return madvise(addr, len, advice);
}

static void test_populate_write_fallback(void **state) {
  const char *path = support_path("populate-old.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  unsigned char b[4];
  (void)state;
  assert_int_equal(support_write_pattern(path, 300000, 14), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf__os_syscall_set("madvise", (pmmf__syscall_ptr)old_kernel_madvise));
  assert_ok(pmmf__os_syscall_set("mmap", (pmmf__syscall_ptr)counting_mmap));
  reset_counts();
  mmap_calls = 0;
  assert_ok(pmmf_view_map(&v, m, 4097, 200000, PMMF_ACCESS_WRITE, PMMF_VIEW_POPULATE));
  assert_int_equal(madvise_calls, 1);
  assert_int_equal(madvise_last_advice, MADV_POPULATE_WRITE);
  assert_int_equal(mmap_calls, 2);
  assert_true(mmap_last_flags & MAP_POPULATE);
  assert_true(mmap_last_flags & MAP_FIXED);
  assert_ok(pmmf_view_read(v, 0, b, sizeof b));
  assert_pattern(b, sizeof b, 4097, 14);
  ((char *)pmmf_view_data(v))[199999] = 'z';
  assert_ok(pmmf_view_unmap(v));
  /* READ and COPY: MAP_POPULATE in the one mmap, no advice. */
  reset_counts();
  mmap_calls = 0;
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, PMMF_VIEW_POPULATE));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_COPY, PMMF_VIEW_POPULATE));
  assert_ok(pmmf_view_unmap(v));
  assert_int_equal(mmap_calls, 2);
  assert_true(mmap_last_flags & MAP_POPULATE);
  assert_int_equal(madvise_calls, 0);
  /* A failure of the remapping: the view is not made, nothing is left mapped. */
  pmmf__fault_arm("mmap", 1, PMMF__FAULT_NO_MEMORY);
  assert_status(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, PMMF_VIEW_POPULATE),
                PMMF_E_NO_MEMORY);
  assert_true(pmmf__fault_fired());
  pmmf__fault_disarm();
  assert_ok(pmmf__os_syscall_set("madvise", NULL));
  assert_ok(pmmf__os_syscall_set("mmap", NULL));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
}
#endif

/* Bulk pmmf_view_write (issue 15): from 256 KiB on, a WRITE view of a file
 * on a local Linux file system is written with one pwrite at the view's file
 * offset (no page fault per page); below that, on COPY views, on anonymous
 * maps, on a file system not known to be coherent, and where the file no
 * longer holds the range (shrunk under the view) the copy through the view
 * stays, so the file never grows. */
static int pwrite_calls;
static off_t pwrite_last_offset;
static size_t pwrite_last_len;
static ssize_t counting_pwrite(int fd, const void *buf, size_t len, off_t off) {
  pwrite_calls++;
  pwrite_last_offset = off;
  pwrite_last_len = len;
  return pwrite(fd, buf, len, off);
}
static int unknown_fs_type(int fd, unsigned long *type) {
  (void)fd;
  *type = 0x6969; /* NFS_SUPER_MAGIC */
  return 0;
}

static void test_bulk_write_uses_pwrite(void **state) {
  const char *path = support_path("bulk-pwrite.bin");
  const size_t size = 2u << 20, bulk = 1u << 20;
  pmmf_file *f = NULL;
  pmmf_map *m = NULL, *a = NULL;
  pmmf_view *v = NULL, *c = NULL, *av = NULL;
  unsigned char *src = malloc(bulk);
  int fd;
  struct stat st;
  (void)state;
  assert_non_null(src);
  memset(src, 0x3C, bulk);
  assert_int_equal(support_write_pattern(path, size, 15), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 4097, size - 8192, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&c, m, 0, 0, PMMF_ACCESS_COPY, 0));
  assert_ok(pmmf_map_anonymous(&a, size, 0));
  assert_ok(pmmf_view_map(&av, a, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf__os_syscall_set("pwrite", (pmmf__syscall_ptr)counting_pwrite));

  pwrite_calls = 0;
  assert_ok(pmmf_view_write(v, 1000, src, bulk));
#ifdef __linux__
  {
    struct statfs sfs;
    int known;
    unsigned long t;
    assert_int_equal(fstatfs((int)f->handle, &sfs), 0);
    t = (unsigned long)sfs.f_type;
    known = t == 0xEF53UL || t == 0x58465342UL || t == 0x9123683EUL || t == 0x01021994UL ||
            t == 0xF2F52010UL;
    print_message("# file system type 0x%lx: %s\n", (unsigned long)sfs.f_type,
                  known ? "pwrite" : "copy");
    assert_int_equal(pwrite_calls, known ? 1 : 0);
    if (known) {
      assert_int_equal(pwrite_last_offset, 4097 + 1000);
      assert_int_equal(pwrite_last_len, bulk);
    }
  }
#else
  assert_int_equal(pwrite_calls, 0);
#endif
  assert_int_equal(support_check_byte((char *)pmmf_view_data(v) + 1000, bulk, 0x3C), -1);

  /* Below the threshold, COPY views, anonymous maps: the copy. */
  pwrite_calls = 0;
  assert_ok(pmmf_view_write(v, 0, src, 256 * 1024 - 1));
  assert_ok(pmmf_view_write(c, 0, src, bulk));
  assert_ok(pmmf_view_write(av, 0, src, bulk));
  assert_int_equal(pwrite_calls, 0);

  /* A file system not known to be coherent: the copy. */
  assert_ok(pmmf__os_syscall_set("fstatfs", (pmmf__syscall_ptr)unknown_fs_type));
  assert_ok(pmmf_view_write(v, 0, src, bulk));
  assert_int_equal(pwrite_calls, 0);
  assert_ok(pmmf__os_syscall_set("fstatfs", NULL));

  /* pwrite fails: PMMF_E_IO, the OS error kept. */
#ifdef __linux__
  pmmf__fault_arm("pwrite", 0, PMMF__FAULT_NO_SPACE);
  assert_status(pmmf_view_write(v, 0, src, bulk), PMMF_E_IO);
  assert_true(pmmf__fault_fired());
  assert_int_equal(pmmf_last_os_error(), ENOSPC);
  pmmf__fault_disarm();
#endif

  /* The file shrunk under the view by another descriptor to 100 bytes short
   * of the write's end (the end page-aligned, so the last page is still
   * there and the copy does not fault): the copy writes into the mapping,
   * and the file stays as short as it was made (a pwrite would have grown it
   * back). The library's fault handler is not used: CMocka takes SIGBUS back
   * between tests. */
  fd = open(path, O_RDWR);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (1 << 20) - 100), 0);
  pwrite_calls = 0;
  assert_ok(pmmf_view_write(v, (1u << 20) - (512u << 10) - 4097, src, 512u << 10));
  assert_int_equal(pwrite_calls, 0);
  assert_int_equal(fstat(fd, &st), 0);
  assert_int_equal(st.st_size, (1 << 20) - 100);
  assert_int_equal(ftruncate(fd, (off_t)size), 0);
  close(fd);

  assert_ok(pmmf__os_syscall_set("pwrite", NULL));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_view_unmap(c));
  assert_ok(pmmf_view_unmap(av));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_map_close(a));
  assert_ok(pmmf_file_close(f));
  free(src);
}

/* pmmf_map_path makes one fstat (the open's: type, link count and size),
 * where pmmf_file_open + pmmf_map_file make two; with PMMF_OPEN_NOLOCK no
 * flock. */
static int fstat_calls, flock_calls;
static int counting_fstat(int fd, struct stat *st) {
  fstat_calls++;
  return fstat(fd, st);
}
static int counting_flock(int fd, int op) {
  flock_calls++;
  return flock(fd, op);
}

static void test_map_path_one_fstat(void **state) {
  const char *path = support_path("mappath-fstat.bin");
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(path, 20000, 34), 0);
  assert_ok(pmmf__os_syscall_set("fstat", (pmmf__syscall_ptr)counting_fstat));
  assert_ok(pmmf__os_syscall_set("flock", (pmmf__syscall_ptr)counting_flock));
  fstat_calls = flock_calls = 0;
  assert_ok(pmmf_map_path(&v, path, PMMF_ACCESS_READ, 0, 0));
  assert_int_equal(fstat_calls, 1);
  assert_int_equal(flock_calls, 1);
  assert_pattern((unsigned char *)pmmf_view_data(v), 20000, 0, 34);
  assert_ok(pmmf_view_unmap(v));
  fstat_calls = flock_calls = 0;
  assert_ok(pmmf_map_path(&v, path, PMMF_ACCESS_READ, PMMF_OPEN_NOLOCK, 0));
  assert_int_equal(fstat_calls, 1);
  assert_int_equal(flock_calls, 0);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf__os_syscall_set("fstat", NULL));
  assert_ok(pmmf__os_syscall_set("flock", NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_file_descriptor_cloexec),
      cmocka_unit_test(test_anonymous_descriptor_cloexec),
      cmocka_unit_test(test_view_is_map_shared),
      cmocka_unit_test(test_unaligned_offset_rounding),
      cmocka_unit_test(test_views_survive_fork),
      cmocka_unit_test(test_exclusive_is_flock),
      cmocka_unit_test(test_non_regular_files),
      cmocka_unit_test(test_symlink_followed),
      cmocka_unit_test(test_flush_uses_msync_and_fdatasync),
      cmocka_unit_test(test_async_flush_starts_writeback),
      cmocka_unit_test(test_advise_uses_madvise),
      cmocka_unit_test(test_spans_from_mapping_start),
      cmocka_unit_test(test_anonymous_without_memfd),
#ifdef __linux__
      cmocka_unit_test(test_populate_write_view_no_write_faults),
      cmocka_unit_test(test_populate_write_fallback),
#endif
      cmocka_unit_test(test_bulk_write_uses_pwrite),
      cmocka_unit_test(test_map_path_one_fstat),
      SUPPORT_SHM_TEST(test_shm_descriptors),
      SUPPORT_SHM_TEST(test_shm_mode_fchmod),
  };
  return cmocka_run_group_tests_name("posix", tests, support_group_setup, support_group_teardown);
}
