/* SPDX-License-Identifier: MIT */
/*
 * test_guarded.c - conformance of guarded access: pmmf_view_read and
 * pmmf_view_write return PMMF_E_IO instead of killing the process when a page
 * of the view cannot be read or written (a file truncated by another handle on
 * POSIX; a page made inaccessible behind the library's back everywhere), again
 * and again and on several threads at once; faults anywhere else, during a
 * guarded copy or not, reach the handler the application had installed; and
 * writing a view that is READ is PMMF_E_ACCESS without touching memory.
 *
 * Everything sits in one test function on purpose: CMocka installs its own
 * SIGSEGV/SIGBUS handlers with signal() around every test and restores the
 * previous ones afterwards (no chaining), which removes a handler the library
 * installed during an earlier test. The test's own fault catcher goes in
 * first, before the library's first guarded call, as an application's would:
 * the library then chains to it. A fault nobody recovers lands in CMocka's
 * handler and fails the test instead of crashing.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

/* The file: 48 pages and a partial one (200000 bytes with 4 KiB pages), so
 * that every page the checks below use exists whatever the page size. */
#define FSIZE fsize
static size_t fsize;
#define REPEATS 1000
#define THREADS 4
#define THREAD_REPEATS 300

struct fixture {
  const char *path;
  size_t page;
  pmmf_file *f, *g;
  pmmf_map *m;
  pmmf_view *v, *c; /* WRITE and READ views of the whole file */
  unsigned char *scratch; /* the test's own pages, outside any view */
};

/* POSIX lets any handle shrink a mapped file (the view's pages beyond the end
 * then fault: SIGBUS); Windows refuses to shrink a mapped file from any handle.
 * Backends differ by design here. */
static void check_truncated_by_other_handle(struct fixture *x) {
  size_t page = x->page;
  /* Two places well beyond the first page (100000 and 150000 with 4 KiB). */
  const size_t near = 24 * page + 1696, far = 36 * page + 2544;
  unsigned char buf[512], src[512];
  int rc;

  /* Valid pages copy normally. */
  assert_ok(pmmf_view_read(x->v, near, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, near, 7);
  memset(src, 0x5A, sizeof src);

  /* g has no maps, so it is not BUSY. */
  rc = pmmf_file_resize(x->g, page);
  if (support_is_win32()) {
    /* ERROR_USER_MAPPED_FILE (Windows, Wine 8) or ERROR_ACCESS_DENIED (older
     * Wine): PMMF_E_BUSY either way. */
    assert_status(rc, PMMF_E_BUSY);
    assert_int_equal(support_file_size(x->path), FSIZE);
    assert_ok(pmmf_view_read(x->v, far, buf, sizeof buf));
    assert_pattern(buf, sizeof buf, far, 7);
    return;
  }
  assert_status(rc, PMMF_OK);
  assert_int_equal(support_file_size(x->path), (int64_t)page);
  /* Wholly beyond the end, and straddling it: PMMF_E_IO, the process lives. */
  assert_status(pmmf_view_read(x->v, near, buf, sizeof buf), PMMF_E_IO);
  assert_status(pmmf_view_read(x->v, page - 100, buf, sizeof buf), PMMF_E_IO);
  assert_status(pmmf_view_read(x->c, FSIZE - 10, buf, 10), PMMF_E_IO);
  assert_status(pmmf_view_write(x->v, far, src, sizeof src), PMMF_E_IO);
  assert_status(pmmf_view_write(x->v, page - 1, src, 2), PMMF_E_IO);
  assert_status(pmmf_view_read(x->v, 2 * page, buf, 1), PMMF_E_IO);
  /* The first page is still fine. */
  assert_ok(pmmf_view_read(x->v, 0, buf, 100));
  assert_pattern(buf, 100, 0, 7);
  assert_ok(pmmf_view_write(x->v, page - 1, "!", 1));
  /* Grow it back: the pages read as zeros again; restore the pattern. */
  assert_ok(pmmf_file_resize(x->g, FSIZE));
  assert_ok(pmmf_view_read(x->v, near, buf, sizeof buf));
  assert_int_equal(support_check_byte(buf, sizeof buf, 0), -1);
  assert_ok(pmmf_view_write(x->v, far, src, sizeof src));
  assert_ok(pmmf_view_read(x->c, far, buf, sizeof buf));
  assert_memory_equal(buf, src, sizeof src);
  {
    unsigned char *all = malloc(FSIZE);
    assert_non_null(all);
    support_fill(all, FSIZE, 0, 7);
    assert_ok(pmmf_view_write(x->v, 0, all, FSIZE));
    free(all);
  }
}

/* Pages of a WRITE view changed behind the library's back: make the whole
 * view writable again through the library. */
static void writable_again(pmmf_view *v) {
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_READ));
  assert_ok(pmmf_view_protect(v, PMMF_ACCESS_WRITE));
}

/* A page of the view made inaccessible behind the library's back faults
 * (SIGSEGV; an access violation on Windows), on every backend; the views
 * start at offset 0, so the page is page-aligned. */
static void check_inaccessible_page(struct fixture *x) {
  size_t page = x->page;
  char *data = pmmf_view_data(x->c);
  unsigned char buf[16];

  assert_int_equal(support_protect_none(data + page, page), 0);
  assert_status(pmmf_view_read(x->c, page + 5, buf, 10), PMMF_E_IO);
  assert_int_not_equal(pmmf_last_os_error(), 0);
  /* Straddling into the bad page from a good one. */
  assert_status(pmmf_view_read(x->c, page - 5, buf, 10), PMMF_E_IO);
  assert_status(pmmf_view_read(x->c, page + 5, buf, 10), PMMF_E_IO);
  assert_ok(pmmf_view_read(x->c, 0, buf, 10));
  assert_int_equal(support_protect_read(data + page, page), 0);
  assert_ok(pmmf_view_read(x->c, page + 5, buf, 10));
  assert_pattern(buf, 10, page + 5, 7);
}

/* A view at an offset that is not page-aligned: its data starts inside a
 * page, and a fault on that page is the copy's all the same, although some
 * systems report only the page of a fault (s390x Linux: si_addr rounded down
 * to the page, which lies before the view's first byte). */
static void check_unaligned_view(struct fixture *x) {
  size_t page = x->page;
  pmmf_view *u = NULL;
  unsigned char buf[16];
  char *first;

  assert_ok(pmmf_view_map(&u, x->m, 7 * page + 100, 2 * page, PMMF_ACCESS_READ, 0));
  /* The page holding the view's first byte, counted from the mapping (whose
   * start is a multiple of the page from the file's start): in a test build
   * with larger pages (-Dtest_page_size) addresses are aligned only to the
   * real page, so rounding the address itself could leave the mapping. */
  first = (char *)pmmf_view_data(u) - 100;
  assert_int_equal(support_protect_none(first, page), 0);
  assert_status(pmmf_view_read(u, 0, buf, 10), PMMF_E_IO);
  assert_status(pmmf_view_read(u, page - 200, buf, 10), PMMF_E_IO);
  assert_int_equal(support_protect_read(first, page), 0);
  assert_ok(pmmf_view_read(u, 0, buf, 10));
  assert_pattern(buf, 10, 7 * page + 100, 7);
  assert_ok(pmmf_view_unmap(u));
}

/* Recovery is not one-shot: the same fault a thousand times, reads and
 * writes, with good copies in between that must still work. */
static void check_repeated_faults(struct fixture *x) {
  size_t page = x->page;
  char *data = pmmf_view_data(x->v);
  unsigned char buf[64], src[64];
  int i;

  memset(src, 0xA5, sizeof src);
  assert_int_equal(support_protect_none(data + 3 * page, page), 0);
  for (i = 0; i < REPEATS; i++) {
    size_t at = 3 * page + (size_t)(i * 37) % (page - sizeof buf);
    if (i % 2)
      assert_status(pmmf_view_read(x->v, at, buf, sizeof buf), PMMF_E_IO);
    else
      assert_status(pmmf_view_write(x->v, at, src, sizeof src), PMMF_E_IO);
    if (i % 100 == 0) {
      assert_ok(pmmf_view_read(x->v, 2 * page + 8, buf, sizeof buf));
      assert_pattern(buf, sizeof buf, 2 * page + 8, 7);
    }
  }
  assert_int_equal(support_protect_read(data + 3 * page, page), 0);
  assert_ok(pmmf_view_read(x->v, 3 * page, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 3 * page, 7);
  writable_again(x->v);
}

/* Writing a view that is READ: PMMF_E_ACCESS and nothing written, whether it
 * was made READ by pmmf_view_protect or created READ. A WRITE view whose page
 * is made read-only behind the library's back faults inside the view:
 * PMMF_E_IO, and nothing written either. */
static void check_write_read_only(struct fixture *x) {
  size_t page = x->page;
  char *data = pmmf_view_data(x->v);
  unsigned char buf[32], src[32];

  memset(src, 0xEE, sizeof src);
  assert_ok(pmmf_view_protect(x->v, PMMF_ACCESS_READ));
  assert_status(pmmf_view_write(x->v, 1000, src, sizeof src), PMMF_E_ACCESS);
  assert_int_equal(pmmf_last_os_error(), 0);
  assert_ok(pmmf_view_read(x->v, 1000, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 1000, 7);
  assert_ok(pmmf_view_protect(x->v, PMMF_ACCESS_WRITE));

  assert_status(pmmf_view_write(x->c, 2000, src, sizeof src), PMMF_E_ACCESS);
  assert_ok(pmmf_view_read(x->c, 2000, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 2000, 7);

  assert_int_equal(support_protect_read(data + 4 * page, page), 0);
  assert_status(pmmf_view_write(x->v, 4 * page + 100, src, sizeof src), PMMF_E_IO);
  assert_ok(pmmf_view_read(x->v, 4 * page + 100, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 4 * page + 100, 7);
  writable_again(x->v);
  assert_ok(pmmf_view_write(x->v, 4 * page + 100, src, sizeof src));
  support_fill(src, sizeof src, 4 * page + 100, 7);
  assert_ok(pmmf_view_write(x->v, 4 * page + 100, src, sizeof src));
}

/* Faults that are not the library's reach the application's handler (here the
 * test's catcher, which repairs the page so the faulting code resumes):
 * outside any guarded copy, inside a view but outside a guarded copy, and on
 * the caller's own buffer during a guarded copy. The copy then completes. */
static void check_other_faults_forwarded(struct fixture *x) {
  size_t page = x->page;
  unsigned char *scratch = x->scratch;
  char *data = pmmf_view_data(x->v);
  volatile unsigned char *p;
  unsigned char buf[64];
  long before = support_catch_count();

  /* No guarded copy at all. */
  assert_int_equal(support_protect_none(scratch, page), 0);
  p = scratch;
  p[10] = 42;
  assert_int_equal(support_catch_count(), before + 1);
  assert_int_equal(scratch[10], 42);

  /* The caller's destination faults during a guarded read: not hidden. */
  assert_int_equal(support_protect_none(scratch, page), 0);
  assert_ok(pmmf_view_read(x->v, 5000, scratch + 100, 300));
  assert_int_equal(support_catch_count(), before + 2);
  assert_pattern(scratch + 100, 300, 5000, 7);

  /* The caller's source faults during a guarded write. */
  support_fill(scratch, 64, 6000, 7);
  assert_int_equal(support_protect_none(scratch, page), 0);
  assert_ok(pmmf_view_write(x->v, 6000, scratch, 64));
  assert_int_equal(support_catch_count(), before + 3);
  assert_ok(pmmf_view_read(x->c, 6000, buf, 64));
  assert_pattern(buf, 64, 6000, 7);

  /* A view's own page, touched directly (no guarded copy): the application's. */
  support_catch_range(data + 5 * page, page);
  assert_int_equal(support_protect_none(data + 5 * page, page), 0);
  p = (volatile unsigned char *)data + 5 * page;
  assert_int_equal(p[7], support_pattern(5 * page + 7, 7));
  assert_int_equal(support_catch_count(), before + 4);
  support_catch_range(scratch, page);
}

/* Several threads fault at once, each on its own page of the view, and each
 * recovers its own fault; another thread meanwhile faults outside any view
 * and reaches the application's handler. */
struct worker {
  pmmf_view *view;
  size_t at;       /* the thread's faulting page (offset in the view) */
  size_t good;     /* a readable offset */
  int wrong;       /* results that were not as expected */
  int last;        /* the first unexpected status */
};

static void fault_worker(void *arg) {
  struct worker *w = arg;
  unsigned char buf[48];
  int i, rc;
  for (i = 0; i < THREAD_REPEATS; i++) {
    rc = pmmf_view_read(w->view, w->at + (size_t)i % 200, buf, sizeof buf);
    if (rc != PMMF_E_IO && !w->wrong++)
      w->last = rc;
    rc = pmmf_view_read(w->view, w->good + (size_t)i, buf, sizeof buf);
    if ((rc != PMMF_OK || support_check(buf, sizeof buf, w->good + (size_t)i, 7) != -1) &&
        !w->wrong++)
      w->last = rc;
  }
}

struct toucher {
  unsigned char *page_addr;
  size_t page;
  int wrong;
};

static void touch_worker(void *arg) {
  struct toucher *t = arg;
  volatile unsigned char *p = t->page_addr;
  int i;
  for (i = 0; i < THREAD_REPEATS; i++) {
    if (support_protect_none(t->page_addr, t->page) != 0) {
      t->wrong++;
      return;
    }
    p[i % 100] = (unsigned char)i;
    if (p[i % 100] != (unsigned char)i)
      t->wrong++;
  }
}

static void check_threads(struct fixture *x) {
  size_t page = x->page;
  char *data = pmmf_view_data(x->c);
  struct worker w[THREADS];
  struct toucher t;
  support_thread *th[THREADS + 1];
  long before = support_catch_count();
  int i;

  assert_int_equal(support_protect_none(data + 8 * page, (size_t)THREADS * page), 0);
  for (i = 0; i < THREADS; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].view = x->c;
    w[i].at = (size_t)(8 + i) * page + 64;
    w[i].good = (size_t)(20 + i) * page;
  }
  t.page_addr = x->scratch;
  t.page = page;
  t.wrong = 0;
  for (i = 0; i < THREADS; i++)
    th[i] = support_thread_start(fault_worker, &w[i]);
  th[THREADS] = support_thread_start(touch_worker, &t);
  for (i = 0; i <= THREADS; i++) {
    assert_non_null(th[i]);
    support_thread_join(th[i]);
  }
  for (i = 0; i < THREADS; i++) {
    if (w[i].wrong)
      fail_msg("thread %d: %d unexpected results, first %s", i, w[i].wrong,
               pmmf_status_name(w[i].last));
  }
  assert_int_equal(t.wrong, 0);
  assert_int_equal(support_catch_count(), before + THREAD_REPEATS);
  assert_int_equal(support_protect_read(data + 8 * page, (size_t)THREADS * page), 0);
}

static void test_guarded(void **state) {
  struct fixture x;
  uint64_t size = 0;
  (void)state;
  memset(&x, 0, sizeof x);
  x.path = support_path("guarded.bin");
  x.page = pmmf_page_size();
  fsize = 48 * x.page + 3392;
  assert_true(FSIZE > 30 * x.page);
  x.scratch = support_pages_alloc(x.page);
  assert_non_null(x.scratch);
  /* The application's handler, before the library's first guarded call. */
  assert_int_equal(support_catch_begin(x.scratch, x.page), 0);

  assert_int_equal(support_write_pattern(x.path, FSIZE, 7), 0);
  assert_ok(pmmf_file_open(&x.f, x.path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_file_open(&x.g, x.path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&x.m, x.f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&x.v, x.m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&x.c, x.m, 0, 0, PMMF_ACCESS_READ, 0));

  if (support_bus_fault_addr_ok())
    check_truncated_by_other_handle(&x);
  else
    print_message("# report: not run: file pages beyond the end (SIGBUS): this system "
                  "reports a wrong fault address (qemu-user for s390x)\n");
  check_inaccessible_page(&x);
  check_unaligned_view(&x);
  check_repeated_faults(&x);
  check_write_read_only(&x);
  check_other_faults_forwarded(&x);
  check_threads(&x);

  assert_ok(pmmf_view_unmap(x.v));
  assert_ok(pmmf_view_unmap(x.c));
  assert_ok(pmmf_map_close(x.m));
  assert_ok(pmmf_file_size(x.g, &size));
  assert_int_equal(size, FSIZE);
  assert_ok(pmmf_file_close(x.f));
  assert_ok(pmmf_file_close(x.g));
  /* Every byte is as written: the faulting writes wrote nothing. */
  assert_true(support_file_is_pattern(x.path, FSIZE, 7));
  support_catch_end();
  support_pages_free(x.scratch, x.page);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_guarded),
  };
  return cmocka_run_group_tests_name("guarded", tests, support_group_setup,
                                     support_group_teardown);
}
