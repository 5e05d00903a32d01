/* SPDX-License-Identifier: MIT */
/*
 * test_posix_space.c - POSIX-only checks on real, small, full file systems: a
 * 1 MiB tmpfs and a loop-mounted 16 MiB ext4 image, mounted by the test (it
 * needs root; otherwise each test is skipped with the reason). Growth beyond
 * the free space (pmmf_file_resize, PMMF_MAP_GROW, pmmf_map_grow) is
 * PMMF_E_NO_SPACE with the file's size unchanged; growth within it reserves the storage, so that after
 * another file has taken every free block, a child that writes every byte of
 * the grown range through the pointer does not die of SIGBUS. The sparse
 * flags keep the old behaviour. Named memory on a full /dev/shm (a 1 MiB
 * tmpfs mounted over it in a private mount namespace) is PMMF_E_NO_SPACE at
 * creation and leaves no object. Without fallocate (EOPNOTSUPP) growth falls
 * back to plain growth, still extend-only. Linux only (tmpfs, ext4, mount
 * namespaces): elsewhere one test is skipped.
 */
#define _GNU_SOURCE

#include "support.h"

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __linux__
static void test_needs_linux(void **state) {
  (void)state;
  skip();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_needs_linux)};
  return cmocka_run_group_tests_name("posix_space", tests, NULL, NULL);
}
#else /* __linux__ */

#define MIB ((uint64_t)1 << 20)

/* The library asks the file system for its free space before it reserves:
 * without that answer it goes straight to fallocate, which on ext4 keeps
 * what it got before running out. */
static int fstatvfs_unknown(int fd, struct statvfs *st) {
  (void)fd;
  (void)st;
  errno = ENOSYS;
  return -1;
}

struct fs {
  const char *kind;   /* "tmpfs" or "ext4" */
  char *dir;          /* the mount point, NULL until mounted */
  const char *skip;   /* why it is not mounted */
};

static struct fs tmpfs_fs = {"tmpfs", NULL, NULL};
static struct fs ext4_fs = {"ext4", NULL, NULL};

static int run_quiet(const char *command) {
  int status = system(command);
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void fs_mount(struct fs *fs) {
  char command[1024];
  if (geteuid() != 0) {
    fs->skip = "not root: cannot mount a small file system";
    return;
  }
  fs->dir = support_join(support_tmpdir(), fs->kind);
  if (support_mkdir(fs->dir) != 0) {
    fs->skip = "cannot create the mount point";
    return;
  }
  if (strcmp(fs->kind, "tmpfs") == 0) {
    if (mount("tmpfs", fs->dir, "tmpfs", 0, "size=1m") != 0) {
      fs->skip = "mount -t tmpfs failed (no permission in this container?)";
      return;
    }
  } else {
    char *image = support_join(support_tmpdir(), "ext4.img");
    FILE *f = fopen(image, "wb");
    int ok = f != NULL && fseek(f, (long)(16 * MIB - 1), SEEK_SET) == 0 && fputc(0, f) != EOF;
    if (f)
      ok = fclose(f) == 0 && ok;
    snprintf(command, sizeof command, "mkfs.ext4 -q -F '%s' >/dev/null 2>&1", image);
    if (!ok || run_quiet(command) != 0) {
      free(image);
      fs->skip = "mkfs.ext4 failed or is missing (e2fsprogs)";
      return;
    }
    snprintf(command, sizeof command, "mount -o loop '%s' '%s' >/dev/null 2>&1", image,
             fs->dir);
    free(image);
    if (run_quiet(command) != 0) {
      fs->skip = "mount -o loop failed (no loop devices here?)";
      return;
    }
  }
  return;
}

static void fs_unmount(struct fs *fs) {
  if (fs->dir && !fs->skip)
    umount2(fs->dir, MNT_DETACH);
  free(fs->dir);
  fs->dir = NULL;
}

static int group_setup(void **state) {
  if (support_group_setup(state) != 0)
    return -1;
  fs_mount(&tmpfs_fs);
  fs_mount(&ext4_fs);
  return 0;
}

static int group_teardown(void **state) {
  fs_unmount(&tmpfs_fs);
  fs_unmount(&ext4_fs);
  return support_group_teardown(state);
}

/* A path in the file system: static storage, so that forked children (which
 * end with _exit) hold no heap blocks a leak checker would count. */
static char path_buffers[4][512];

static const char *fs_path(const struct fs *fs, const char *name, int slot) {
  snprintf(path_buffers[slot], sizeof path_buffers[slot], "%s/%s", fs->dir, name);
  return path_buffers[slot];
}

static uint64_t free_bytes(const char *dir) {
  struct statvfs st;
  assert_int_equal(statvfs(dir, &st), 0);
  return (uint64_t)st.f_bavail * st.f_frsize;
}

/* Take every free block with plain writes, as another program would. */
static void fill_up(const char *path) {
  static char block[65536];
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  size_t chunk = sizeof block;
  assert_true(fd >= 0);
  memset(block, 0x5A, sizeof block);
  while (chunk > 0) {
    ssize_t n = write(fd, block, chunk);
    if (n < 0) {
      assert_int_equal(errno, ENOSPC);
      chunk /= 2;
    }
  }
  close(fd);
}

/* In a child: map the file, write every byte through the pointer, flush;
 * exit 0, or the step that failed; SIGBUS kills it. */
static int write_all_child(const char *path) {
  pmmf_file *f = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  if (pmmf_file_open(&f, path, PMMF_OPEN_WRITE) != PMMF_OK)
    return 1;
  if (pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
    return 2;
  if (pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
    return 3;
  memset(pmmf_view_data(v), 0xC3, pmmf_view_size(v));
  if (pmmf_view_flush(v, 0, 0, PMMF_FLUSH_SYNC) != PMMF_OK)
    return 4;
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  pmmf_file_close(f);
  return 0;
}

static void expect_child_writes(const char *path) {
  int status = 0;
  pid_t pid;
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* CMocka catches SIGBUS in the parent: the child must die of it. */
    signal(SIGBUS, SIG_DFL);
    signal(SIGSEGV, SIG_DFL);
    _exit(write_all_child(path));
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status))
    fail_msg("%s: the child writing every byte died of signal %d (SIGBUS is %d)", path,
             WTERMSIG(status), SIGBUS);
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) != 0)
    fail_msg("%s: the writing child failed at step %d", path, WEXITSTATUS(status));
  {
    size_t len = 0;
    unsigned char *bytes = support_read_file(path, &len);
    assert_non_null(bytes);
    assert_int_equal(support_check_byte(bytes, len, 0xC3), -1);
    free(bytes);
  }
}

static void require(const struct fs *fs) {
  if (fs->skip) {
    printf("# skipped on %s: %s\n", fs->kind, fs->skip);
    skip();
  }
}

static pmmf_file *new_file(const char *path, size_t len, unsigned extra) {
  pmmf_file *f = NULL;
  support_remove_file(path);
  assert_int_equal(support_write_pattern(path, len, 9), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE | extra));
  return f;
}

/* Beyond the free space: PMMF_E_NO_SPACE, the size unchanged; sparse flags:
 * PMMF_OK as before. */
static void beyond_free_space(const struct fs *fs) {
  const char *path = fs_path(fs, "beyond.bin", 0);
  uint64_t size = 0, free_before, too_much;
  pmmf_file *f;
  pmmf_map *m = SENTINEL;
  f = new_file(path, 1000, 0);
  free_before = free_bytes(fs->dir);
  too_much = free_before + 4 * MIB;

  assert_status(pmmf_map_file(&m, f, too_much, PMMF_ACCESS_WRITE, PMMF_MAP_GROW),
                PMMF_E_NO_SPACE);
  assert_ptr_equal(m, SENTINEL);
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 1000);
  assert_status(pmmf_file_resize(f, too_much), PMMF_E_NO_SPACE);
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 1000);
  assert_true(support_file_is_pattern(path, 1000, 9));
  printf("# %s: %llu bytes free before, %llu after the refused growths\n", fs->kind,
         (unsigned long long)free_before, (unsigned long long)free_bytes(fs->dir));
  assert_true(free_bytes(fs->dir) == free_before);

  /* pmmf_map_grow of a live map likewise: refused, the map, its view and
   * the file as they were. */
  {
    pmmf_view *v = NULL;
    assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
    assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_READ, 0));
    assert_status(pmmf_map_grow(m, too_much), PMMF_E_NO_SPACE);
    assert_int_equal(pmmf_map_size(m), 1000);
    assert_ok(pmmf_file_size(f, &size));
    assert_int_equal(size, 1000);
    assert_int_equal(support_check(pmmf_view_data(v), 1000, 0, 9), -1);
    assert_true(free_bytes(fs->dir) == free_before);
    assert_ok(pmmf_view_unmap(v));
    assert_ok(pmmf_map_close(m));
  }

  /* The same without the free-space check: fallocate itself runs out. The
   * size is still unchanged. tmpfs gives back what it had reserved; ext4
   * keeps it beyond the end of file (it cannot punch there, and the library
   * does not truncate to a size read earlier: that could cut a file someone
   * else grew meanwhile) until the file is resized, here to its own size. */
  assert_int_equal(pmmf__os_syscall_set("fstatvfs", (pmmf__syscall_ptr)fstatvfs_unknown), 0);
  m = SENTINEL;
  assert_status(pmmf_map_file(&m, f, too_much, PMMF_ACCESS_WRITE, PMMF_MAP_GROW),
                PMMF_E_NO_SPACE);
  assert_status(pmmf_file_resize(f, too_much), PMMF_E_NO_SPACE);
  assert_int_equal(pmmf__os_syscall_set("fstatvfs", NULL), 0);
  assert_ptr_equal(m, SENTINEL);
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 1000);
  printf("# %s: %llu bytes free after fallocate itself ran out\n", fs->kind,
         (unsigned long long)free_bytes(fs->dir));
  if (strcmp(fs->kind, "tmpfs") == 0)
    assert_true(free_bytes(fs->dir) == free_before);
  assert_ok(pmmf_file_resize(f, 1000));
  assert_true(free_bytes(fs->dir) == free_before);

  /* Sparse growth is not refused (and would fault later when written). */
  m = NULL;
  assert_ok(pmmf_map_file(&m, f, too_much, PMMF_ACCESS_WRITE, PMMF_MAP_GROW | PMMF_MAP_SPARSE));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_size(f, &size));
  assert_true(size == too_much);
  assert_ok(pmmf_file_close(f));
  f = new_file(path, 1000, PMMF_OPEN_SPARSE);
  assert_ok(pmmf_file_resize(f, too_much));
  assert_ok(pmmf_file_close(f));
  assert_true(support_file_size(path) == (int64_t)too_much);
  support_remove_file(path);
}

/* Within the free space: reserved, so after a filler took the rest, writing
 * every byte of both grown files through pointers cannot fault. */
static void within_free_space(const struct fs *fs) {
  const char *resized = fs_path(fs, "resized.bin", 1);
  const char *grown = fs_path(fs, "grown.bin", 2);
  const char *filler = fs_path(fs, "filler.bin", 3);
  uint64_t quarter = free_bytes(fs->dir) / 4 / 4096 * 4096;
  pmmf_file *f;
  pmmf_map *m = NULL;

  f = new_file(resized, 1, 0);
  assert_ok(pmmf_file_resize(f, quarter));
  assert_ok(pmmf_file_close(f));
  f = new_file(grown, 1, 0);
  assert_ok(pmmf_map_file(&m, f, quarter, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));

  fill_up(filler);
  expect_child_writes(resized);
  expect_child_writes(grown);
  support_remove_file(filler);
  support_remove_file(resized);
  support_remove_file(grown);
}

static void test_tmpfs_beyond_free_space(void **state) {
  (void)state;
  require(&tmpfs_fs);
  beyond_free_space(&tmpfs_fs);
}

static void test_ext4_beyond_free_space(void **state) {
  (void)state;
  require(&ext4_fs);
  beyond_free_space(&ext4_fs);
}

static void test_tmpfs_reserved_growth(void **state) {
  (void)state;
  require(&tmpfs_fs);
  within_free_space(&tmpfs_fs);
}

static void test_ext4_reserved_growth(void **state) {
  (void)state;
  require(&ext4_fs);
  within_free_space(&ext4_fs);
}

/* In a child with its own mount namespace and a 1 MiB tmpfs over /dev/shm:
 * a named object beyond the free space is PMMF_E_NO_SPACE and is not left
 * behind; one within it is reserved, and writing all of it after the rest
 * was taken does not fault. */
static int shm_child(const char *name, const char *filler_name) {
  pmmf_map *m = SENTINEL, *filler = NULL;
  pmmf_view *v = NULL;
  if (unshare(CLONE_NEWNS) != 0)
    return 100;
  if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
    return 101;
  if (mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=1m") != 0)
    return 102;
  if (pmmf_map_shared(&m, name, 2 * MIB, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL) !=
        PMMF_E_NO_SPACE ||
      m != SENTINEL)
    return 1;
  if (support_shm_exists(name))
    return 2;
  m = NULL;
  if (pmmf_map_shared(&m, name, MIB / 2, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, NULL) !=
      PMMF_OK)
    return 3;
  /* Another object takes what is left (sparse, written by hand). */
  {
    int fd = -1;
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/%s", filler_name);
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      return 4;
    {
      static char block[4096];
      while (write(fd, block, sizeof block) > 0)
        ;
    }
    close(fd);
  }
  if (pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
    return 5;
  memset(pmmf_view_data(v), 0xC3, pmmf_view_size(v));
  pmmf_view_unmap(v);
  pmmf_map_close(m);
  (void)filler;
  return 0;
}

static void test_shm_full(void **state) {
  const char *name = support_shm_name("full");
  const char *filler = support_shm_name("filler");
  int status = 0;
  pid_t pid;
  (void)state;
  if (geteuid() != 0) {
    printf("# skipped: not root: cannot mount a small /dev/shm\n");
    skip();
  }
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    signal(SIGBUS, SIG_DFL);
    signal(SIGSEGV, SIG_DFL);
    _exit(shm_child(name, filler));
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status))
    fail_msg("the child died of signal %d (SIGBUS is %d)", WTERMSIG(status), SIGBUS);
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) >= 100) {
    printf("# skipped: no private mount namespace here (step %d)\n", WEXITSTATUS(status));
    skip();
  }
  if (WEXITSTATUS(status) != 0)
    fail_msg("the child failed at step %d (see shm_child)", WEXITSTATUS(status));
  /* Its /dev/shm went with its namespace; nothing in the real one. */
  assert_false(support_shm_exists(name));
}

/* A file system without fallocate (EOPNOTSUPP, as some network and FUSE
 * ones say): growth falls back to plain, sparse growth (ftruncate after a
 * re-check of the size) and still never shrinks. Needs no root. */
static int fallocate_unsupported_call(int fd, int mode, off_t offset, off_t length) {
  (void)fd;
  (void)mode;
  (void)offset;
  (void)length;
  errno = EOPNOTSUPP;
  return -1;
}

static void test_no_fallocate_fallback(void **state) {
  const char *path = support_path("no-fallocate.bin");
  pmmf_file *f = NULL, *g = NULL;
  pmmf_map *m = NULL;
  uint64_t size = 0;
  (void)state;
  assert_int_equal(support_write_pattern(path, 1000, 9), 0);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_file_open(&g, path, PMMF_OPEN_WRITE));
  assert_int_equal(pmmf__os_syscall_set("fallocate", (pmmf__syscall_ptr)fallocate_unsupported_call),
                   0);
  assert_ok(pmmf_file_resize(f, 100000));
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 100000);
  assert_ok(pmmf_map_file(&m, f, 200000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 200000);
  /* Another handle grew it further: a GROW to less changes nothing. */
  assert_ok(pmmf_file_resize(g, 300000));
  m = NULL;
  assert_ok(pmmf_map_file(&m, f, 150000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW));
  assert_ok(pmmf_map_close(m));
  assert_int_equal(pmmf__os_syscall_set("fallocate", NULL), 0);
  assert_ok(pmmf_file_size(f, &size));
  assert_int_equal(size, 300000);
  assert_ok(pmmf_file_close(g));
  assert_ok(pmmf_file_close(f));
  {
    unsigned char head[1000];
    assert_int_equal(support_read_at(path, 0, head, sizeof head), 0);
    assert_pattern(head, sizeof head, 0, 9);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tmpfs_beyond_free_space),
      cmocka_unit_test(test_ext4_beyond_free_space),
      cmocka_unit_test(test_tmpfs_reserved_growth),
      cmocka_unit_test(test_ext4_reserved_growth),
      SUPPORT_SHM_TEST(test_shm_full),
      cmocka_unit_test(test_no_fallocate_fallback),
  };
  return cmocka_run_group_tests_name("posix_space", tests, group_setup, group_teardown);
}
#endif /* __linux__ */
