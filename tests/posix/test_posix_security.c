/* SPDX-License-Identifier: MIT */
/*
 * test_posix_security.c - POSIX-only checks behind docs/security.md: opens
 * follow symbolic links, but files are never created through one (a link to
 * nothing with CREATE is PMMF_E_EXISTS, at once, and creates nothing where
 * it points); new files get 0666 less the umask; named pipes and devices are
 * refused without blocking; the anonymous memory object has no name
 * another process could open; and named shared memory is safe from squatters
 * in the world-writable /dev/shm: objects of another uid, with group or other
 * permission bits, or of another type (FIFO, directory, socket) are refused at
 * once, and a half-created object whose creator died is recovered (the
 * creator is really crashed between creation and sizing). (Close-on-exec:
 * test_posix_native.c.)
 */
#define _GNU_SOURCE

#include "support.h"

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
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


/* ------------------------------------------------------------------------- */
/* Named shared memory against squatters. The planted objects are made here
 * with the OS calls, as another user's program would. */

#define KIB64 ((uint64_t)65536)

static const int open_modes[] = {PMMF_SHM_OPEN_ONLY, PMMF_SHM_OPEN_OR_CREATE};
static const pmmf_access all_access[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};

static unsigned sleeps_seen;
static void count_sleep(void *arg, unsigned ms) {
  (void)arg;
  (void)ms;
  sleeps_seen++;
}

static const char *dev_shm_path(const char *name) {
  static char path[128];
  snprintf(path, sizeof path, "/dev/shm/%s", name);
  return path;
}

/* Plant an object of `size` bytes holding "planted" with `mode`, owned by
 * `uid` (as root: really; otherwise -1 keeps it ours). */
static void plant(const char *name, uint64_t size, mode_t mode, uid_t uid) {
  char path[64];
  int fd;
  snprintf(path, sizeof path, "/%s", name);
  fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (off_t)size), 0);
  if (size >= 8)
    assert_int_equal(pwrite(fd, "planted", 8, 0), 8);
  if (uid != (uid_t)-1)
    assert_int_equal(fchown(fd, uid, (gid_t)uid), 0);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

/* The library's idea of its effective uid, when the test cannot chown. */
static uid_t fake_uid;
static uid_t fake_geteuid(void) {
  return fake_uid;
}

/* Make `name`'s object another user's: chown it to nobody as root, else make
 * the library believe it runs as another uid. */
static void make_foreign(const char *name) {
  if (geteuid() == 0) {
    char path[64];
    int fd;
    snprintf(path, sizeof path, "/%s", name);
    fd = shm_open(path, O_RDWR, 0);
    assert_true(fd >= 0);
    assert_int_equal(fchown(fd, 65534, 65534), 0);
    close(fd);
  } else {
    fake_uid = geteuid() + 1;
    assert_ok(pmmf__os_syscall_set("geteuid", (pmmf__syscall_ptr)fake_geteuid));
  }
}

static void every_open_refused(const char *name, int want) {
  size_t m, a;
  for (m = 0; m < SUPPORT_ARRAY_LEN(open_modes); m++)
    for (a = 0; a < SUPPORT_ARRAY_LEN(all_access); a++) {
      pmmf_map *o = SENTINEL;
      int created = 7;
      uint64_t size = open_modes[m] == PMMF_SHM_OPEN_ONLY ? 0 : KIB64;
      sleeps_seen = 0;
      support_fake_sleep(count_sleep, NULL);
      assert_status(pmmf_map_shared(&o, name, size, all_access[a], open_modes[m], &created), want);
      support_fake_sleep(NULL, NULL);
      assert_int_equal(sleeps_seen, 0); /* at once */
      assert_ptr_equal(o, SENTINEL);
      assert_int_equal(created, 7);
    }
}

/* Another user's object, mode 0666, full or empty: using it would hand that
 * user the data (or, empty, block every open for ever). */
static void test_shm_foreign_owner_refused(void **state) {
  const char *name = support_shm_name("foreign");
  static const uint64_t sizes[] = {KIB64, 0};
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(sizes); i++) {
    pmmf_map *o = SENTINEL;
    plant(name, sizes[i], 0600, (uid_t)-1);
    make_foreign(name);
    if (geteuid() == 0)
      assert_int_equal(chmod(dev_shm_path(name), 0666), 0);
    every_open_refused(name, PMMF_E_ACCESS);
    /* CREATE_ONLY: the name is taken. */
    assert_status(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL),
                  PMMF_E_EXISTS);
    assert_ptr_equal(o, SENTINEL);
    pmmf__os_syscall_set("geteuid", NULL);
    /* Left as it was, and still removable by name. */
    assert_int_equal(support_shm_exists(name), 1);
    assert_ok(pmmf_shm_unlink(name));
  }
}

/* An object of ours with group or other bits: someone else may have it open
 * (it was readable or writable by others all along). */
static void test_shm_group_other_bits_refused(void **state) {
  static const mode_t modes[] = {0666, 0660, 0606, 0640, 0604, 0620, 0602, 0610, 0601};
  const char *name = support_shm_name("bits");
  size_t i;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(modes); i++) {
    plant(name, KIB64, modes[i], (uid_t)-1);
    every_open_refused(name, PMMF_E_ACCESS);
    assert_int_equal(support_shm_remove(name), 0);
  }
  /* 0600: fine. */
  {
    pmmf_map *o = NULL;
    int created = 7;
    plant(name, KIB64, 0600, (uid_t)-1);
    assert_ok(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, &created));
    assert_int_equal(created, 0);
    assert_int_equal(pmmf_map_size(o), KIB64);
    assert_ok(pmmf_map_close(o));
    assert_ok(pmmf_shm_unlink(name));
  }
}

/* Run every open of `name` in a child with an alarm: each must be refused with
 * `want`, none may block. The child's exit: 0 all refused, 1 a wrong answer;
 * a blocked open is killed by SIGALRM. */
static void every_open_refused_in_child(const char *name, int want) {
  int status = 0;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    size_t m, a;
    alarm(5);
    for (m = 0; m < SUPPORT_ARRAY_LEN(open_modes); m++)
      for (a = 0; a < SUPPORT_ARRAY_LEN(all_access); a++) {
        pmmf_map *o = NULL;
        uint64_t size = open_modes[m] == PMMF_SHM_OPEN_ONLY ? 0 : KIB64;
        int rc = pmmf_map_shared(&o, name, size, all_access[a], open_modes[m], NULL);
        if (rc != want) {
          fprintf(stderr, "mode %d access %d: %s, expected %s\n", open_modes[m], (int)all_access[a],
                  pmmf_status_name(rc), pmmf_status_name(want));
          _exit(1);
        }
      }
    _exit(0);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status))
    fail_msg("an open of %s blocked (killed by signal %d)", name, WTERMSIG(status));
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

/* A FIFO, a directory, a symbolic link, a socket under the name:
 * PMMF_E_INVALID, at once (a
 * FIFO opened for reading without O_NONBLOCK would wait for a writer for
 * ever; a directory opened for reading is a 40-byte "object"). */
static void test_shm_not_an_object_refused(void **state) {
  const char *name = support_shm_name("type");
  const char *path = dev_shm_path(name);
  pmmf_map *o = SENTINEL;
  (void)state;
  if (access("/dev/shm", W_OK) != 0)
    skip();
  assert_int_equal(mkfifo(path, 0600), 0);
  every_open_refused_in_child(name, PMMF_E_INVALID);
  assert_status(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL),
                PMMF_E_EXISTS);
  assert_int_equal(unlink(path), 0);

  assert_int_equal(mkdir(path, 0700), 0);
  every_open_refused_in_child(name, PMMF_E_INVALID);
  assert_status(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL),
                PMMF_E_EXISTS);
  assert_int_equal(rmdir(path), 0);

  /* A symbolic link (to a file of ours): shm_open does not follow it. */
  {
    const char *target = support_path("sec-shm-target.bin");
    assert_int_equal(support_write_pattern(target, 65536, 5), 0);
    assert_int_equal(symlink(target, path), 0);
    every_open_refused_in_child(name, PMMF_E_INVALID);
    assert_int_equal(unlink(path), 0);
    assert_true(support_file_is_pattern(target, 65536, 5));
  }

  {
    struct sockaddr_un addr;
    int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(sock >= 0);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    assert_true(strlen(path) < sizeof addr.sun_path);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(sock, (struct sockaddr *)&addr, sizeof addr), 0);
    every_open_refused_in_child(name, PMMF_E_INVALID);
    close(sock);
    assert_int_equal(unlink(path), 0);
  }
  assert_ptr_equal(o, SENTINEL);
}

/* An empty object of our own that nobody is creating (its creator died
 * before sizing it): it counts as missing. OPEN_ONLY says PMMF_E_NOT_FOUND at
 * once; OPEN_OR_CREATE and CREATE_ONLY create over it (created = 1). */
static void test_shm_abandoned_recovered(void **state) {
  const char *name = support_shm_name("abandoned");
  static const int create_modes[] = {PMMF_SHM_OPEN_OR_CREATE, PMMF_SHM_CREATE_ONLY};
  size_t i, a;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(create_modes); i++)
    for (a = 0; a < SUPPORT_ARRAY_LEN(all_access); a++) {
      pmmf_map *o = SENTINEL;
      pmmf_view *v = NULL;
      int created = 7;
      assert_int_equal(support_shm_create_abandoned(name), 0);
      sleeps_seen = 0;
      support_fake_sleep(count_sleep, NULL);
      assert_status(pmmf_map_shared(&o, name, 0, all_access[a], PMMF_SHM_OPEN_ONLY, &created),
                    PMMF_E_NOT_FOUND);
      assert_ptr_equal(o, SENTINEL);
      assert_ok(pmmf_map_shared(&o, name, KIB64, all_access[a], create_modes[i], &created));
      support_fake_sleep(NULL, NULL);
      assert_int_equal(sleeps_seen, 0);
      assert_int_equal(created, 1);
      assert_int_equal(pmmf_map_size(o), KIB64);
      assert_int_equal(support_shm_mode(name), 0600);
      assert_ok(pmmf_view_map(&v, o, 0, 0, PMMF_ACCESS_READ, 0));
      assert_int_equal(((unsigned char *)pmmf_view_data(v))[KIB64 - 1], 0);
      assert_ok(pmmf_view_unmap(v));
      assert_ok(pmmf_map_close(o));
      assert_ok(pmmf_shm_unlink(name));
    }
}

/* The creator, a child, stops inside the call that sizes a new object (its
 * OS-call table's ftruncate, and any other sizing call the table has, is
 * replaced): while it lives, openers wait (PMMF_E_BUSY) and CREATE_ONLY says
 * PMMF_E_EXISTS; once it is killed, or exits there, the object is recovered. */
static const char *crash_flag;
static int crash_exit;

static int stop_in_sizing(void) {
  if (crash_exit)
    _exit(42);
  support_touch(crash_flag);
  for (;;)
    pause();
}
static int stop_ftruncate(int fd, off_t size) {
  (void)fd;
  (void)size;
  return stop_in_sizing();
}
static int stop_fallocate(int fd, int mode, off_t offset, off_t len) {
  (void)fd;
  (void)mode;
  (void)offset;
  (void)len;
  return stop_in_sizing();
}

static pid_t start_creator(const char *name, int exit_there) {
  pid_t pid;
  crash_exit = exit_there;
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    pmmf_map *m = NULL;
    alarm(30); /* never outlives a failed test for long */
    pmmf__os_syscall_set("ftruncate", (pmmf__syscall_ptr)stop_ftruncate);
    /* The storage reservation that sizes it (where the table has one). */
    pmmf__os_syscall_set("fallocate", (pmmf__syscall_ptr)stop_fallocate);
    pmmf_map_shared(&m, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL);
    _exit(3); /* never reached */
  }
  return pid;
}

static void test_shm_crashed_creator_recovered(void **state) {
  const char *name = support_shm_name("crashed");
  pmmf_map *o = SENTINEL;
  pmmf_view *v = NULL;
  int status = 0, created = 7;
  pid_t pid;
  (void)state;
  crash_flag = support_path("creator-stopped");
  support_remove_file(crash_flag);

  /* A creator stopped between creation and sizing, alive. */
  pid = start_creator(name, 0);
  assert_int_equal(support_wait_for_file(crash_flag, NULL, 10000), 0);
  assert_int_equal(support_shm_exists(name), 1);
  sleeps_seen = 0;
  support_fake_sleep(count_sleep, NULL);
  assert_status(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, &created),
                PMMF_E_BUSY);
  assert_true(sleeps_seen > 1);
  assert_status(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                                &created),
                PMMF_E_BUSY);
  support_fake_sleep(NULL, NULL);
  assert_status(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY,
                                &created),
                PMMF_E_EXISTS);
  /* Killed there: abandoned. */
  assert_int_equal(kill(pid, SIGKILL), 0);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  sleeps_seen = 0;
  support_fake_sleep(count_sleep, NULL);
  assert_status(pmmf_map_shared(&o, name, 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, &created),
                PMMF_E_NOT_FOUND);
  assert_ok(pmmf_map_shared(&o, name, 4096, PMMF_ACCESS_READ, PMMF_SHM_OPEN_OR_CREATE,
                            &created));
  support_fake_sleep(NULL, NULL);
  assert_int_equal(sleeps_seen, 0);
  assert_int_equal(created, 1);
  assert_int_equal(pmmf_map_size(o), 4096);
  assert_ok(pmmf_view_map(&v, o, 0, 0, PMMF_ACCESS_READ, 0));
  assert_int_equal(((unsigned char *)pmmf_view_data(v))[4095], 0);
  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(o));
  assert_int_equal(support_shm_mode(name), 0600);
  assert_ok(pmmf_shm_unlink(name));

  /* A creator that exits inside the sizing call: CREATE_ONLY recovers it;
   * pmmf_shm_unlink works for manual recovery as well. */
  pid = start_creator(name, 1);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 42);
  assert_ok(pmmf_map_shared(&o, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, &created));
  assert_int_equal(created, 1);
  assert_int_equal(pmmf_map_size(o), KIB64);
  assert_ok(pmmf_map_close(o));
  assert_ok(pmmf_shm_unlink(name));
  pid = start_creator(name, 1);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(WEXITSTATUS(status), 42);
  assert_ok(pmmf_shm_unlink(name));
  assert_int_equal(support_shm_exists(name), 0);
}

/* Several processes find one abandoned object at once, with OPEN_OR_CREATE:
 * exactly one takes it over (created = 1), every other opens what it made.
 * Each racer's sizing calls are slowed down (through its OS-call table), so
 * that the others find the object still empty while one sizes it. */
static pmmf__syscall_ptr real_ftruncate, real_fallocate;
static int slow_ftruncate(int fd, off_t size) {
  usleep(1000);
  return ((int (*)(int, off_t))real_ftruncate)(fd, size);
}
static int slow_fallocate(int fd, int mode, off_t offset, off_t len) {
  usleep(1000);
  return ((int (*)(int, int, off_t, off_t))real_fallocate)(fd, mode, offset, len);
}

static void test_shm_takeover_race(void **state) {
  enum { RACERS = 4 };
  const char *name = support_shm_name("takeover");
  /* Under valgrind every racer is slow: fewer rounds. */
  int round, rounds = getenv("PMMF_TEST_VALGRIND") != NULL ? 50 : 200;
  (void)state;
  for (round = 0; round < rounds; round++) {
    pid_t pids[RACERS];
    int i, creators = 0;
    assert_int_equal(support_shm_create_abandoned(name), 0);
    for (i = 0; i < RACERS; i++) {
      pids[i] = fork();
      assert_true(pids[i] >= 0);
      if (pids[i] == 0) {
        pmmf_map *m = NULL;
        int created = 7, rc;
        real_ftruncate = pmmf__os_syscall_get("ftruncate");
        real_fallocate = pmmf__os_syscall_get("fallocate");
        pmmf__os_syscall_set("ftruncate", (pmmf__syscall_ptr)slow_ftruncate);
        if (real_fallocate != NULL)
          pmmf__os_syscall_set("fallocate", (pmmf__syscall_ptr)slow_fallocate);
        rc = pmmf_map_shared(&m, name, KIB64, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                                 &created);
        if (rc != PMMF_OK)
          _exit(10 + (rc < 0 ? -rc : rc));
        if (pmmf_map_size(m) != KIB64)
          _exit(9);
        _exit(created ? 1 : 0);
      }
    }
    for (i = 0; i < RACERS; i++) {
      int status = 0;
      assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
      assert_true(WIFEXITED(status));
      if (WEXITSTATUS(status) > 1)
        fail_msg("round %d: racer %d exited %d", round, i, WEXITSTATUS(status));
      creators += WEXITSTATUS(status);
    }
    assert_int_equal(creators, 1);
    assert_ok(pmmf_shm_unlink(name));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_follows_symlinks),
      cmocka_unit_test(test_no_creation_through_a_dangling_link),
      cmocka_unit_test(test_new_file_mode_follows_umask),
      cmocka_unit_test(test_fifo_and_devices_refused),
      cmocka_unit_test(test_anonymous_has_no_name),
      SUPPORT_SHM_TEST(test_shm_foreign_owner_refused),
      SUPPORT_SHM_TEST(test_shm_group_other_bits_refused),
      SUPPORT_SHM_TEST(test_shm_not_an_object_refused),
      SUPPORT_SHM_TEST(test_shm_abandoned_recovered),
      SUPPORT_SHM_TEST(test_shm_crashed_creator_recovered),
      SUPPORT_SHM_TEST(test_shm_takeover_race),
      cmocka_unit_test(support_shm_nothing_left),
  };
  return cmocka_run_group_tests_name("posix_security", tests, support_group_setup,
                                     support_group_teardown);
}
