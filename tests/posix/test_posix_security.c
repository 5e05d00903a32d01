/*
 * test_posix_security.c - POSIX-only checks behind docs/security.md: opens
 * follow symbolic links, but files are never created through one (a link to
 * nothing with CREATE is PMMF_E_EXISTS, at once, and creates nothing where
 * it points); new files get 0666 less the umask; named pipes and devices are
 * refused without blocking; and the anonymous memory object has no name
 * another process could open. (Close-on-exec: test_posix_native.c.)
 */
#define _GNU_SOURCE

#include "support.h"

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_open_follows_symlinks(void **state) {
  const char *target = support_path("sec-target.bin");
  const char *link = support_path("sec-link.bin");
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  (void)state;
  assert_int_equal(support_write_pattern(target, 5000, 31), 0);
  assert_int_equal(symlink(target, link), 0);
  assert_ok(pmmf_file_open(&f, link, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  assert_pattern(pmmf_view_data(v), 5000, 0, 31);
  memcpy(pmmf_view_data(v), "via link", 8);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  {
    size_t len = 0;
    unsigned char *buf = support_read_file(target, &len);
    assert_non_null(buf);
    assert_memory_equal(buf, "via link", 8);
    free(buf);
  }
  /* CREATE_NEW never opens what is there, a link included. */
  f = SENTINEL;
  assert_status(pmmf_file_open(&f, link, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW), PMMF_E_EXISTS);
  assert_ptr_equal(f, SENTINEL);
  assert_int_equal(unlink(link), 0);
}

static void test_no_creation_through_a_dangling_link(void **state) {
  const char *dir = support_path("sec-dir");
  const char *link = support_path("sec-dangling.bin");
  char *target;
  pmmf_file *f = SENTINEL;
  long allocs = pmmf__alloc_live(), handles = support_count_handles();
  (void)state;
  assert_int_equal(support_mkdir(dir), 0);
  target = support_join(dir, "planted.bin");
  assert_non_null(target);
  assert_int_equal(symlink(target, link), 0);
  /* Native open(O_CREAT) would create `target`; the library answers at once
   * (it once looped here for ever) and creates nothing. */
  assert_status(pmmf_file_open(&f, link, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE), PMMF_E_EXISTS);
  assert_int_equal(pmmf_last_os_error(), EEXIST);
  assert_status(pmmf_file_open(&f, link, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE),
                PMMF_E_EXISTS);
  assert_status(pmmf_file_open(&f, link, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW), PMMF_E_EXISTS);
  /* Without CREATE it is simply missing. */
  assert_status(pmmf_file_open(&f, link, PMMF_OPEN_READ), PMMF_E_NOT_FOUND);
  assert_ptr_equal(f, SENTINEL);
  assert_false(support_file_exists(target));
  assert_int_equal(pmmf__alloc_live(), allocs);
  assert_int_equal(support_count_handles(), handles);
  assert_int_equal(unlink(link), 0);
  free(target);
}

static void test_new_file_mode_follows_umask(void **state) {
  static const struct {
    mode_t umask;
    unsigned flags;
    mode_t mode;
  } cases[] = {
      {077, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW, 0600},
      {022, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE, 0644},
      {002, PMMF_OPEN_READ | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE, 0664},
  };
  const char *path = support_path("sec-mode.bin");
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(cases); i++) {
    pmmf_file *f = NULL;
    struct stat st;
    mode_t old = umask(cases[i].umask);
    int rc = pmmf_file_open(&f, path, cases[i].flags);
    umask(old);
    assert_ok(rc);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, cases[i].mode);
    assert_ok(pmmf_file_close(f));
    assert_int_equal(unlink(path), 0);
  }
}

static void test_fifo_and_devices_refused(void **state) {
  const char *fifo = support_path("sec-fifo");
  static const unsigned modes[] = {PMMF_OPEN_READ, PMMF_OPEN_WRITE,
                                   PMMF_OPEN_WRITE | PMMF_OPEN_CREATE};
  size_t i;
  (void)state;
  assert_int_equal(mkfifo(fifo, 0600), 0);
  for (i = 0; i < SUPPORT_ARRAY_LEN(modes); i++) {
    pmmf_file *f = SENTINEL;
    /* A FIFO with no writer would block a plain open for reading. */
    assert_status(pmmf_file_open(&f, fifo, modes[i]), PMMF_E_INVALID);
    assert_status(pmmf_file_open(&f, "/dev/null", modes[i]), PMMF_E_INVALID);
    assert_status(pmmf_file_open(&f, "/dev/zero", modes[i]), PMMF_E_INVALID);
    assert_ptr_equal(f, SENTINEL);
  }
}

/* The anonymous object is a memfd (no path), or a shm object unlinked at
 * once: either way no name in /dev/shm that another process could open. */
static void test_anonymous_has_no_name(void **state) {
  pmmf_map *m = NULL;
  char link[64], target[256];
  ssize_t n;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 65536, 0));
  snprintf(link, sizeof link, "/proc/self/fd/%d", (int)m->os.handle);
  n = readlink(link, target, sizeof target - 1);
  if (n > 0) {
    target[n] = '\0';
    /* "/memfd:portmmf (deleted)" or "/dev/shm/portmmf-anon-... (deleted)". */
    assert_non_null(strstr(target, "(deleted)"));
  }
  assert_ok(pmmf_map_close(m));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_follows_symlinks),
      cmocka_unit_test(test_no_creation_through_a_dangling_link),
      cmocka_unit_test(test_new_file_mode_follows_umask),
      cmocka_unit_test(test_fifo_and_devices_refused),
      cmocka_unit_test(test_anonymous_has_no_name),
  };
  return cmocka_run_group_tests_name("posix_security", tests, support_group_setup,
                                     support_group_teardown);
}
