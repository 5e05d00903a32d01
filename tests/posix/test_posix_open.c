/* SPDX-License-Identifier: MIT */
/*
 * test_posix_open.c - POSIX-only checks of the file-open path against
 * neighbours: a creator whose open fails never removes a file another open
 * locked first, nor one that is no longer empty, and leaves it when flock does
 * not work; an open whose file was unlinked before its lock opens the path
 * again (but a /proc/self/fd path to an unlinked file still opens); a file
 * under another process's lease (F_SETLEASE) is waited for as a plain open
 * would, while a FIFO still never blocks; sockets and /dev/tty without a
 * controlling terminal are PMMF_E_INVALID (ENXIO kept). Other processes are
 * stood in for through internal.h's OS-call table, or are child processes.
 */
#define _GNU_SOURCE

#include "support.h"

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Bound on every wait for a child (never a timing assertion). */
#define WAIT_MS 60000u

/* SOCK_CLOEXEC is Linux's and the BSDs'; macOS has none (the socket then
 * leaks into the children that tests start, which is harmless here). */
#ifndef SOCK_CLOEXEC
#  define SOCK_CLOEXEC 0
#endif

/* ------------------------------------------------------------------------- */
/* Stand-ins for the OS-call table: the next flock first runs `before_flock`
 * (another party acting in the window between the open and the lock), or
 * fails with `flock_errno`. */

static pmmf__syscall_ptr real_flock, real_open;
static void (*before_flock)(int fd);
static int flock_errno;
static const char *neighbour_path;
static int neighbour_fd = -1;
/* The path whose next O_NONBLOCK open fails as a lease makes it fail, and a
 * FIFO to rename over it at that moment (see leased_open). */
static const char *lease_path, *swap_fifo_from;

static int hooked_flock(int fd, int op) {
  if (before_flock != NULL) {
    void (*fn)(int) = before_flock;
    before_flock = NULL;
    fn(fd);
  }
  if (flock_errno != 0) {
    errno = flock_errno;
    return -1;
  }
  return ((int (*)(int, int))real_flock)(fd, op);
}

static void hook_flock(void (*fn)(int fd), int fail_with) {
  assert_int_equal(pmmf__os_syscall_set("flock", NULL), PMMF_OK);
  real_flock = pmmf__os_syscall_get("flock");
  assert_non_null(real_flock);
  before_flock = fn;
  flock_errno = fail_with;
  assert_int_equal(pmmf__os_syscall_set("flock", (pmmf__syscall_ptr)hooked_flock), PMMF_OK);
}

static void unhook(void) {
  before_flock = NULL;
  flock_errno = 0;
  lease_path = NULL;
  pmmf__fault_disarm();
  pmmf__os_syscall_set("flock", NULL);
  pmmf__os_syscall_set("open", NULL);
  if (neighbour_fd >= 0)
    close(neighbour_fd);
  neighbour_fd = -1;
}

/* Every test's teardown: the OS-call table as it was, even after a failure. */
static int unhook_teardown(void **state) {
  (void)state;
  unhook();
  return 0;
}

/* The neighbour opens the path, takes `op` on it and writes "theirs". */
static void neighbour_locks(int op) {
  neighbour_fd = open(neighbour_path, O_RDWR | O_CLOEXEC);
  assert_true(neighbour_fd >= 0);
  assert_int_equal(flock(neighbour_fd, op | LOCK_NB), 0);
  assert_int_equal(write(neighbour_fd, "theirs", 6), 6);
}
static void neighbour_locks_ex(int fd) {
  (void)fd;
  neighbour_locks(LOCK_EX);
}
static void neighbour_locks_sh(int fd) {
  (void)fd;
  neighbour_locks(LOCK_SH);
}

/* The neighbour writes to the new file without locking it. */
static void neighbour_writes(int fd) {
  (void)fd;
  neighbour_fd = open(neighbour_path, O_RDWR | O_CLOEXEC);
  assert_true(neighbour_fd >= 0);
  assert_int_equal(write(neighbour_fd, "theirs", 6), 6);
}

/* A creator whose open failed removed the file (or anyone did). */
static void neighbour_unlinks(int fd) {
  (void)fd;
  assert_int_equal(unlink(neighbour_path), 0);
}

/* ... and another process created a new one at the path. */
static void neighbour_replaces(int fd) {
  (void)fd;
  assert_int_equal(unlink(neighbour_path), 0);
  assert_int_equal(support_write_pattern(neighbour_path, 777, 9), 0);
}

/* ------------------------------------------------------------------------- */

/* Another open locks the file an EXCLUSIVE creator has just made, before the
 * creator's own lock: the creator fails with PMMF_E_SHARING and the file -
 * the other's now - stays, with what the other wrote. (Before: the creator
 * unlinked it.) The same with CREATE_NEW. */
static void test_creator_loses_lock_keeps_file(void **state) {
  static const unsigned flag_sets[] = {
      PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE,
      PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW | PMMF_OPEN_EXCLUSIVE,
      PMMF_OPEN_READ | PMMF_OPEN_CREATE_NEW | PMMF_OPEN_EXCLUSIVE,
  };
  size_t i;
  (void)state;
  neighbour_path = support_path("lost-lock.bin");
  for (i = 0; i < SUPPORT_ARRAY_LEN(flag_sets); i++) {
    pmmf_file *f = SENTINEL;
    support_remove_file(neighbour_path);
    hook_flock(neighbour_locks_sh, 0);
    assert_status(pmmf_file_open(&f, neighbour_path, flag_sets[i]), PMMF_E_SHARING);
    assert_ptr_equal(f, SENTINEL);
    assert_true(support_file_equals(neighbour_path, "theirs", 6));
    unhook();
  }
}

/* A shared creator shares the new file with an open that locked it first
 * (shared); an exclusive one that got there first makes it PMMF_E_SHARING,
 * and the file stays. */
static void test_shared_creator_and_early_lockers(void **state) {
  pmmf_file *f = NULL;
  (void)state;
  neighbour_path = support_path("early.bin");
  support_remove_file(neighbour_path);
  hook_flock(neighbour_locks_sh, 0);
  assert_ok(pmmf_file_open(&f, neighbour_path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  assert_ok(pmmf_file_close(f));
  unhook();
  assert_true(support_file_equals(neighbour_path, "theirs", 6));

  f = SENTINEL;
  support_remove_file(neighbour_path);
  hook_flock(neighbour_locks_ex, 0);
  assert_status(pmmf_file_open(&f, neighbour_path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE),
                PMMF_E_SHARING);
  assert_ptr_equal(f, SENTINEL);
  unhook();
  assert_true(support_file_equals(neighbour_path, "theirs", 6));
}

/* A creator whose open fails after it got its lock removes the new file - but
 * not once someone has written to it. */
static void test_failed_creator_removes_only_empty(void **state) {
  pmmf_file *f = SENTINEL;
  (void)state;
  neighbour_path = support_path("written.bin");
  support_remove_file(neighbour_path);
  /* The fstat after the lock fails: nothing was written, the file goes. */
  pmmf__fault_arm("fstat", 0, PMMF__FAULT_IO);
  assert_status(pmmf_file_open(&f, neighbour_path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE),
                PMMF_E_IO);
  pmmf__fault_disarm();
  assert_false(support_file_exists(neighbour_path));
  /* Someone writes to it before the lock (without locking it): it stays. */
  hook_flock(neighbour_writes, 0);
  pmmf__fault_arm("fstat", 0, PMMF__FAULT_IO);
  assert_status(pmmf_file_open(&f, neighbour_path,
                               PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE),
                PMMF_E_IO);
  pmmf__fault_disarm();
  unhook();
  assert_ptr_equal(f, SENTINEL);
  assert_true(support_file_equals(neighbour_path, "theirs", 6));
}

/* A file system without flock (ENOLCK): a shared open works unlocked; an
 * EXCLUSIVE creation is PMMF_E_UNSUPPORTED and leaves the new, empty file
 * (nothing proves that nobody else opened it meanwhile). */
static void test_no_flock_leaves_empty_file(void **state) {
  pmmf_file *f = SENTINEL;
  (void)state;
  neighbour_path = support_path("nolock.bin");
  support_remove_file(neighbour_path);
  hook_flock(NULL, ENOLCK);
  assert_status(pmmf_file_open(&f, neighbour_path,
                               PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE),
                PMMF_E_UNSUPPORTED);
  assert_int_equal(pmmf_last_os_error(), ENOLCK);
  assert_ptr_equal(f, SENTINEL);
  assert_int_equal(support_file_size(neighbour_path), 0);
  assert_ok(pmmf_file_open(&f, neighbour_path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE));
  assert_ok(pmmf_file_close(f));
  unhook();
}

/* The file is unlinked between the open and the lock: the open does not keep
 * the unlinked file (whose data would go nowhere) but opens the path again -
 * creating it anew with CREATE, PMMF_E_NOT_FOUND without, or the new file
 * someone put there. */
static void test_unlinked_before_lock_reopens(void **state) {
  pmmf_file *f = SENTINEL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  uint64_t size = 0;
  (void)state;
  neighbour_path = support_path("unlinked.bin");

  assert_int_equal(support_write_pattern(neighbour_path, 100, 1), 0);
  hook_flock(neighbour_unlinks, 0);
  assert_status(pmmf_file_open(&f, neighbour_path, PMMF_OPEN_WRITE), PMMF_E_NOT_FOUND);
  assert_ptr_equal(f, SENTINEL);
  unhook();

  assert_int_equal(support_write_pattern(neighbour_path, 100, 1), 0);
  hook_flock(neighbour_unlinks, 0);
  assert_ok(pmmf_file_open(&f, neighbour_path,
                           PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_EXCLUSIVE));
  unhook();
  assert_ok(pmmf_map_file(&m, f, 5000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  support_fill(pmmf_view_data(v), 5000, 0, 2);
  assert_ok(pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC));
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  /* The data went to the file at the path. */
  assert_true(support_file_is_pattern(neighbour_path, 5000, 2));

  hook_flock(neighbour_replaces, 0);
  assert_ok(pmmf_file_open(&f, neighbour_path, PMMF_OPEN_READ));
  unhook();
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 777);
  assert_ok(pmmf_file_close(f));
}

/* A path that names an unlinked file itself still opens it. */
static void test_proc_fd_of_unlinked_file(void **state) {
  const char *path = support_path("proc-unlinked.bin");
  pmmf_file *f = NULL;
  char proc[64];
  uint64_t size = 0;
  int fd;
  (void)state;
  assert_int_equal(support_write_pattern(path, 4321, 3), 0);
  fd = open(path, O_RDWR | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(unlink(path), 0);
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (access(proc, F_OK) != 0) {
    close(fd);
    skip();
  }
  assert_ok(pmmf_file_open(&f, proc, PMMF_OPEN_WRITE));
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 4321);
  assert_ok(pmmf_file_close(f));
  close(fd);
}

/* ------------------------------------------------------------------------- */
/* Leases. */

/* The first O_NONBLOCK open of the path fails with EWOULDBLOCK, as a lease
 * makes it; the path may be swapped for a FIFO at that moment. */
static int leased_open(const char *path, int flags, ...) {
  unsigned mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, unsigned);
    va_end(ap);
  }
  if (lease_path != NULL && strcmp(path, lease_path) == 0 && (flags & O_NONBLOCK)) {
    lease_path = NULL;
    if (swap_fifo_from != NULL)
      assert_int_equal(rename(swap_fifo_from, path), 0);
    errno = EWOULDBLOCK;
    return -1;
  }
  return ((int (*)(const char *, int, ...))real_open)(path, flags, mode);
}

static void hook_open_leased(const char *path, const char *fifo) {
  assert_int_equal(pmmf__os_syscall_set("open", NULL), PMMF_OK);
  real_open = pmmf__os_syscall_get("open");
  assert_non_null(real_open);
  lease_path = path;
  swap_fifo_from = fifo;
  assert_int_equal(pmmf__os_syscall_set("open", (pmmf__syscall_ptr)leased_open), PMMF_OK);
}

/* EWOULDBLOCK from the non-blocking open: the file is opened again, without
 * O_NONBLOCK, through O_PATH and /proc/self/fd; a FIFO put at the path
 * meanwhile is refused without blocking. */
static void test_lease_fallback_path(void **state) {
  const char *path = support_path("leased-sim.bin");
  const char *fifo = support_path("leased-fifo");
  pmmf_file *f = SENTINEL;
  uint64_t size = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 3000, 4), 0);
  hook_open_leased(path, NULL);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  unhook();
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 3000);
  assert_int_equal(fcntl((int)f->handle, F_GETFL) & O_NONBLOCK, 0);
  assert_ok(pmmf_file_close(f));

  f = SENTINEL;
  assert_int_equal(mkfifo(fifo, 0600), 0);
  hook_open_leased(path, fifo);
  assert_status(pmmf_file_open(&f, path, PMMF_OPEN_READ), PMMF_E_INVALID);
  unhook();
  assert_ptr_equal(f, SENTINEL);
}

/* lease PATH READY BROKEN: take a read lease on PATH, signal READY; when the
 * kernel says it is being broken (SIGIO), let go and signal BROKEN. Exit 77
 * if no lease can be taken here (leases are Linux's). */
#ifdef F_SETLEASE
static volatile sig_atomic_t lease_fd = -1, lease_broken;

static void on_lease_break(int sig) {
  (void)sig;
  fcntl(lease_fd, F_SETLEASE, F_UNLCK);
  lease_broken = 1;
}

static int role_lease(int argc, char **argv) {
  struct sigaction sa;
  int fd, i;
  if (argc != 4)
    return 90;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_lease_break;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGIO, &sa, NULL) != 0)
    return 1;
  fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 2;
  lease_fd = fd;
  if (fcntl(fd, F_SETLEASE, F_RDLCK) != 0) {
    fprintf(stderr, "child lease: F_SETLEASE: %s\n", strerror(errno));
    return 77;
  }
  if (support_touch(argv[2]) != 0)
    return 3;
  for (i = 0; i < (int)(WAIT_MS / 2) && !lease_broken; i++)
    support_sleep_ms(2);
  if (!lease_broken)
    return 4;
  if (support_touch(argv[3]) != 0)
    return 5;
  close(fd);
  return 0;
}
#else
static int role_lease(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "child lease: no F_SETLEASE here\n");
  return 77;
}
#endif

/* A file under another process's read lease: a WRITE open waits for the lease
 * to be broken (the holder lets go at once) and succeeds, as a plain open
 * does. (Before: PMMF_E_OS at once, EAGAIN.) */
static void test_leased_file_opens(void **state) {
  const char *path = support_path("leased.bin");
  const char *ready = support_path("lease.ready");
  const char *broken = support_path("lease.broken");
  support_child *child;
  pmmf_file *f = NULL;
  uint64_t size = 0;
  int rc;
  (void)state;
  assert_int_equal(support_write_pattern(path, 2500, 5), 0);
  child = support_child_start("lease", path, ready, broken, NULL);
  assert_non_null(child);
  if (support_wait_for_file(ready, child, WAIT_MS) != 0) {
    int code = support_child_wait(child);
    if (code == 77)
      skip();
    fail_msg("the lease holder exited with %d", code);
  }
  rc = pmmf_file_open(&f, path, PMMF_OPEN_WRITE);
  if (rc != PMMF_OK) {
    support_child_kill(child);
    fail_msg("open of a leased file: %s (OS error %ld)", pmmf_status_name(rc),
             pmmf_last_os_error());
  }
  /* The holder saw its lease broken (and let go). */
  assert_int_equal(support_wait_for_file(broken, child, WAIT_MS), 0);
  assert_int_equal(support_child_wait(child), 0);
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 2500);
  assert_ok(pmmf_file_close(f));
}

/* ------------------------------------------------------------------------- */
/* Sockets and terminals. */

/* A Unix socket bound to a path: not a regular file (open says ENXIO). */
static void test_socket_is_invalid(void **state) {
  static const unsigned flag_sets[] = {PMMF_OPEN_READ, PMMF_OPEN_WRITE,
                                       PMMF_OPEN_WRITE | PMMF_OPEN_CREATE,
                                       PMMF_OPEN_READ | PMMF_OPEN_EXCLUSIVE};
  const char *path = support_path("a.sock");
  struct sockaddr_un addr;
  size_t i;
  int s;
  (void)state;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path)
    skip();
  strcpy(addr.sun_path, path);
  s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(s >= 0);
  assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof addr), 0);
  for (i = 0; i < SUPPORT_ARRAY_LEN(flag_sets); i++) {
    pmmf_file *f = SENTINEL;
    assert_status(pmmf_file_open(&f, path, flag_sets[i]), PMMF_E_INVALID);
    assert_int_equal(pmmf_last_os_error(), ENXIO);
    assert_ptr_equal(f, SENTINEL);
  }
  close(s);
}

/* tty: in a new session (no controlling terminal), open /dev/tty; the exit
 * code is -status, 77 if there is no /dev/tty. */
static int role_tty(int argc, char **argv) {
  pmmf_file *f = NULL;
  int rc;
  (void)argv;
  if (argc != 1)
    return 90;
  if (access("/dev/tty", F_OK) != 0)
    return 77;
  if (setsid() < 0)
    return 91;
  rc = pmmf_file_open(&f, "/dev/tty", PMMF_OPEN_READ);
  if (rc == PMMF_OK)
    pmmf_file_close(f);
  if (rc == PMMF_E_INVALID && pmmf_last_os_error() != ENXIO)
    return 92;
  return -rc;
}

static void test_tty_without_terminal_is_invalid(void **state) {
  support_child *child = support_child_start("tty", NULL);
  int code;
  (void)state;
  assert_non_null(child);
  code = support_child_wait(child);
  if (code == 77)
    skip();
  if (code != -PMMF_E_INVALID)
    fail_msg("/dev/tty without a controlling terminal: child exited with %d, expected %d",
             code, -PMMF_E_INVALID);
}

static const struct support_role roles[] = {
    {"lease", role_lease},
    {"tty", role_tty},
};

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_creator_loses_lock_keeps_file, unhook_teardown),
      cmocka_unit_test_teardown(test_shared_creator_and_early_lockers, unhook_teardown),
      cmocka_unit_test_teardown(test_failed_creator_removes_only_empty, unhook_teardown),
      cmocka_unit_test_teardown(test_no_flock_leaves_empty_file, unhook_teardown),
      cmocka_unit_test_teardown(test_unlinked_before_lock_reopens, unhook_teardown),
      cmocka_unit_test_teardown(test_proc_fd_of_unlinked_file, unhook_teardown),
      cmocka_unit_test_teardown(test_lease_fallback_path, unhook_teardown),
      SUPPORT_SHM_TEST(test_leased_file_opens),
      cmocka_unit_test_teardown(test_socket_is_invalid, unhook_teardown),
      SUPPORT_SHM_TEST(test_tty_without_terminal_is_invalid),
  };
  int role = support_child_dispatch(argc, argv, roles, SUPPORT_ARRAY_LEN(roles));
  if (role >= 0)
    return role;
  return cmocka_run_group_tests_name("posix_open", tests, support_group_setup,
                                     support_group_teardown);
}
