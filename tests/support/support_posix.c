/* SPDX-License-Identifier: MIT */
/*
 * support_posix.c - the POSIX half of the test helpers: temporary directory
 * creation and recursive removal, stat-based sizes, open descriptor and
 * mapping counts (/proc/self where it exists), and pthreads.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include "support.h"

#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

FILE *support_fopen(const char *path_utf8, const char *mode) {
  return fopen(path_utf8, mode);
}

int support_make_tmpdir(char *buf, size_t cap) {
  const char *base = getenv("TMPDIR");
  int n;
  if (base == NULL || base[0] == '\0')
    base = "/tmp";
  n = snprintf(buf, cap, "%s/pmmf-test-XXXXXX", base);
  if (n < 0 || (size_t)n >= cap)
    return -1;
  return mkdtemp(buf) == NULL ? -1 : 0;
}

int64_t support_file_size(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return -1;
  return (int64_t)st.st_size;
}

int support_mkdir(const char *path) {
  return mkdir(path, 0700) == 0 ? 0 : -1;
}

int support_remove_file(const char *path) {
  return unlink(path) == 0 ? 0 : -1;
}

int support_remove_tree(const char *path) {
  struct stat st;
  DIR *dir;
  struct dirent *e;
  int rc = 0;
  if (lstat(path, &st) != 0)
    return -1;
  if (!S_ISDIR(st.st_mode))
    return unlink(path) == 0 ? 0 : -1;
  dir = opendir(path);
  if (dir == NULL)
    return -1;
  while ((e = readdir(dir)) != NULL) {
    char *child;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    child = support_join(path, e->d_name);
    if (child == NULL) {
      rc = -1;
      continue;
    }
    if (support_remove_tree(child) != 0)
      rc = -1;
    free(child);
  }
  closedir(dir);
  if (rmdir(path) != 0)
    rc = -1;
  return rc;
}

long support_count_handles(void) {
  DIR *dir = opendir("/proc/self/fd");
  long n = 0;
  if (dir != NULL) {
    struct dirent *e;
    while ((e = readdir(dir)) != NULL)
      if (e->d_name[0] != '.')
        n++;
    closedir(dir);
    return n;
  } else {
    /* No /proc: probe every descriptor below a bound. */
    long max = sysconf(_SC_OPEN_MAX), fd;
    if (max < 0 || max > 65536)
      max = 65536;
    for (fd = 0; fd < max; fd++)
      if (fcntl((int)fd, F_GETFD) != -1)
        n++;
    return n;
  }
}

/* Mappings backed by an object (a non-zero inode): every mapping the library
 * makes has one (a file, a memfd or a shm object). Anonymous mappings are left
 * out because the tools come and go with them: malloc's large blocks, and the
 * allocators and shadow memory of ASan and valgrind. */
long support_count_mappings(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[4096];
  long n = 0;
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long long inode = 0;
    size_t len = strlen(line);
    if (sscanf(line, "%*s %*s %*s %*s %llu", &inode) == 1 && inode != 0)
      n++;
    /* A path longer than the buffer: skip the rest of the line. */
    while (len > 0 && line[len - 1] != '\n' && fgets(line, sizeof line, f) != NULL)
      len = strlen(line);
  }
  fclose(f);
  return n;
}

struct support_thread {
  pthread_t tid;
  support_thread_fn fn;
  void *arg;
};

static void *thread_main(void *p) {
  struct support_thread *t = p;
  t->fn(t->arg);
  return NULL;
}

support_thread *support_thread_start(support_thread_fn fn, void *arg) {
  struct support_thread *t = malloc(sizeof *t);
  if (t == NULL)
    return NULL;
  t->fn = fn;
  t->arg = arg;
  if (pthread_create(&t->tid, NULL, thread_main, t) != 0) {
    free(t);
    return NULL;
  }
  return t;
}

void support_thread_join(support_thread *thread) {
  if (thread == NULL)
    return;
  pthread_join(thread->tid, NULL);
  free(thread);
}

void support_sleep_ms(unsigned ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int support_protect_none(void *addr, size_t len) {
  return mprotect(addr, len, PROT_NONE);
}

int support_protect_read(void *addr, size_t len) {
  return mprotect(addr, len, PROT_READ);
}

/* The probe's child: a SIGBUS handler that exits 0 if si_addr is in the page
 * the child read, 1 if not. */
static uintptr_t bus_probe_page, bus_probe_mask;

static void bus_probe_handler(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  _exit(((uintptr_t)info->si_addr & bus_probe_mask) == bus_probe_page ? 0 : 1);
}

int support_bus_fault_addr_ok(void) {
  static int known = -1;
  const char *path;
  pid_t pid;
  int status = 0;
  if (known >= 0)
    return known;
  path = support_path("bus-probe.bin");
  fflush(NULL);
  pid = fork();
  if (pid == 0) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    volatile char *p;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)page) != 0)
      _exit(2);
    p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED || ftruncate(fd, 0) != 0)
      _exit(2);
    bus_probe_mask = ~(uintptr_t)(page - 1);
    bus_probe_page = (uintptr_t)p;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = bus_probe_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
    (void)p[100];
    _exit(3); /* no fault at all */
  }
  known = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0;
  unlink(path);
  return known;
}

/* ------------------------------------------------------------------------- */
/* Child processes: posix_spawn of this executable (every descriptor without
 * FD_CLOEXEC is inherited, as with fork + exec). A test built for another CPU
 * runs under an emulator (qemu-user), which cannot start a program of its
 * target by exec: where Meson runs the test through its exe_wrapper it says
 * so in MESON_EXE_WRAPPER (the wrapper's words, space-separated), and the
 * child is started through the same wrapper. */

extern char **environ;

struct support_child {
  pid_t pid;
};

support_child *support_os_child_spawn(const char *const *args) {
  /* This executable's path even if argv[0] is relative: what the
   * /proc/self/exe link names. (Not the link itself: under valgrind that is
   * the tool, while reading the link gives the program it runs.) */
  static char self[4096], words[1024];
  const char *exe = support_self_argv0();
  const char *wrapper;
  char *word, *save = NULL;
  int wrapped = 0;
  char *argv[40];
  size_t n = 0, i;
  ssize_t len;
  struct support_child *child = malloc(sizeof *child);
  if (child == NULL)
    return NULL;
  len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len > 0) {
    self[len] = '\0';
    exe = self;
  }
  wrapper = getenv("MESON_EXE_WRAPPER");
  if (wrapper != NULL && *wrapper != '\0') {
    /* "qemu-s390x -L /usr/s390x-linux-gnu": split on spaces, in a copy. */
    snprintf(words, sizeof words, "%s", wrapper);
    for (word = strtok_r(words, " ", &save); word != NULL && n < 8;
         word = strtok_r(NULL, " ", &save))
      argv[n++] = word;
    argv[n++] = (char *)exe;
    wrapped = 1;
  } else {
    argv[n++] = (char *)support_self_argv0();
  }
  argv[n++] = (char *)SUPPORT_CHILD_FLAG;
  for (i = 0; args[i] != NULL && n < SUPPORT_ARRAY_LEN(argv) - 1; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
  fflush(NULL);
  if ((wrapped ? posix_spawnp(&child->pid, argv[0], NULL, NULL, argv, environ)
               : posix_spawn(&child->pid, exe, NULL, NULL, argv, environ)) != 0) {
    free(child);
    return NULL;
  }
  return child;
}

static int reap(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int support_os_child_wait(support_child *child) {
  int code = reap(child->pid);
  free(child);
  return code;
}

void support_os_child_kill(support_child *child) {
  kill(child->pid, SIGKILL);
  reap(child->pid);
  free(child);
}

int support_child_running(support_child *child) {
  /* WNOWAIT leaves a finished child to be reaped by support_child_wait. */
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (waitid(P_PID, (id_t)child->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return 0;
  return info.si_pid == 0;
}

unsigned long support_os_pid(void) {
  return (unsigned long)getpid();
}

uint64_t support_os_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

intptr_t support_handle_dup_inheritable(intptr_t handle) {
  return dup((int)handle); /* dup never sets FD_CLOEXEC */
}

void support_handle_close(intptr_t handle) {
  close((int)handle);
}

int support_handle_read(intptr_t handle, void *buf, size_t len) {
  ssize_t got = pread((int)handle, buf, len, 0);
  return got >= 0 && (size_t)got == len ? 0 : -1;
}

/* ------------------------------------------------------------------------- */
/* Named objects. */

/* "/" + name; names longer than any shm name (NAME_MAX) are cut short. */
static void object_path(char *buf, size_t cap, const char *name) {
  size_t n = strlen(name);
  if (n > cap - 2)
    n = cap - 2;
  buf[0] = '/';
  memcpy(buf + 1, name, n);
  buf[n + 1] = '\0';
}

int support_shm_exists(const char *name) {
  char path[300];
  int fd;
  object_path(path, sizeof path, name);
  fd = shm_open(path, O_RDONLY | O_NONBLOCK, 0);
  if (fd >= 0) {
    close(fd);
    return 1;
  }
  return errno != ENOENT;
}

/* Objects made by support_shm_create_empty: their creator (this process)
 * holds flock(LOCK_EX) on them until they are sized or removed, as the
 * library's creator does. */
static struct {
  char name[64];
  int fd;
} live_creators[8];

static void live_creator_end(const char *name) {
  size_t i;
  for (i = 0; i < sizeof live_creators / sizeof live_creators[0]; i++)
    if (live_creators[i].name[0] != '\0' && strcmp(live_creators[i].name, name) == 0) {
      close(live_creators[i].fd);
      live_creators[i].name[0] = '\0';
    }
}

int support_shm_remove(const char *name) {
  char path[300];
  live_creator_end(name);
  object_path(path, sizeof path, name);
  return shm_unlink(path) == 0 ? 0 : -1;
}

long support_os_shm_scan(const char *prefix, int remove) {
  DIR *dir = opendir("/dev/shm");
  struct dirent *e;
  long n = 0;
  if (dir == NULL)
    return -1;
  while ((e = readdir(dir)) != NULL) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
      continue;
    n++;
    if (remove)
      support_shm_remove(e->d_name);
  }
  closedir(dir);
  return n;
}

void support_os_shm_reap_stale(void) {
  DIR *dir = opendir("/dev/shm");
  struct dirent *e;
  if (dir == NULL)
    return;
  while ((e = readdir(dir)) != NULL) {
    char *end;
    long pid;
    if (strncmp(e->d_name, "pmmft-", 6) != 0)
      continue;
    pid = strtol(e->d_name + 6, &end, 10);
    if (pid > 0 && *end == '-' && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
      support_shm_remove(e->d_name);
  }
  closedir(dir);
}

int support_shm_create_empty(const char *name) {
  char path[300];
  size_t i;
  int fd;
  object_path(path, sizeof path, name);
  for (i = 0; i < sizeof live_creators / sizeof live_creators[0]; i++)
    if (live_creators[i].name[0] == '\0')
      break;
  if (i == sizeof live_creators / sizeof live_creators[0] || strlen(name) >= 64)
    return -1;
  fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    shm_unlink(path);
    return -1;
  }
  snprintf(live_creators[i].name, sizeof live_creators[i].name, "%s", name);
  live_creators[i].fd = fd;
  return 0;
}

int support_shm_create_abandoned(const char *name) {
  char path[300];
  int fd;
  object_path(path, sizeof path, name);
  fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;
  close(fd);
  return 0;
}

int support_shm_set_size(const char *name, uint64_t size) {
  char path[300];
  int fd, rc;
  object_path(path, sizeof path, name);
  fd = shm_open(path, O_RDWR, 0);
  if (fd < 0)
    return -1;
  rc = ftruncate(fd, (off_t)size);
  close(fd);
  live_creator_end(name);
  return rc == 0 ? 0 : -1;
}

int support_shm_mode(const char *name) {
  char path[300];
  struct stat st;
  int fd, rc;
  object_path(path, sizeof path, name);
  fd = shm_open(path, O_RDONLY | O_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  rc = fstat(fd, &st);
  close(fd);
  return rc == 0 ? (int)(st.st_mode & 07777) : -1;
}

unsigned support_umask(unsigned mask) {
  return (unsigned)umask((mode_t)mask);
}

static void (*fake_sleep_fn)(void *arg, unsigned ms);
static void *fake_sleep_arg;

static int fake_nanosleep(const struct timespec *req, struct timespec *rem) {
  (void)rem;
  fake_sleep_fn(fake_sleep_arg,
                (unsigned)(req->tv_sec * 1000 + req->tv_nsec / 1000000L));
  return 0;
}

void support_fake_sleep(void (*fn)(void *arg, unsigned ms), void *arg) {
  fake_sleep_fn = fn;
  fake_sleep_arg = arg;
  pmmf__os_syscall_set("nanosleep", fn ? (pmmf__syscall_ptr)fake_nanosleep : NULL);
}

static unsigned slow_size_ms;

static int slow_fstat(int fd, struct stat *st) {
  int r = fstat(fd, st), saved = errno;
  support_sleep_ms(slow_size_ms);
  errno = saved;
  return r;
}

void support_slow_file_size(unsigned ms) {
  slow_size_ms = ms;
  pmmf__os_syscall_set("fstat", ms ? (pmmf__syscall_ptr)slow_fstat : NULL);
}

/* --- guarded access, windows and large files ------------------------------ */

#include <signal.h>
#include <stdatomic.h>
#include <sys/statvfs.h>

#include "internal.h"

void *support_pages_alloc(size_t len) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void support_pages_free(void *addr, size_t len) {
  if (addr != NULL)
    munmap(addr, len);
}

static char *volatile catch_lo, *volatile catch_hi;
static atomic_long catch_count;
static struct sigaction catch_saved;

static void catcher(int sig, siginfo_t *info, void *context) {
  char *addr = (char *)info->si_addr;
  char *lo = catch_lo, *hi = catch_hi;
  if (info->si_code > 0 && addr >= lo && addr < hi) {
    mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_WRITE);
    atomic_fetch_add(&catch_count, 1);
    return;
  }
  if (catch_saved.sa_flags & SA_SIGINFO) {
    catch_saved.sa_sigaction(sig, info, context);
  } else if (catch_saved.sa_handler == SIG_DFL || catch_saved.sa_handler == SIG_IGN) {
    signal(sig, SIG_DFL); /* the fault happens again and ends the process */
  } else {
    catch_saved.sa_handler(sig);
  }
}

int support_catch_begin(void *addr, size_t len) {
  struct sigaction sa;
  support_catch_range(addr, len);
  atomic_store(&catch_count, 0);
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = catcher;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGSEGV, &sa, &catch_saved) == 0 ? 0 : -1;
}

void support_catch_range(void *addr, size_t len) {
  catch_lo = NULL;
  catch_hi = (char *)addr + len;
  catch_lo = (char *)addr;
}

long support_catch_count(void) {
  return atomic_load(&catch_count);
}

void support_catch_end(void) {
  sigaction(SIGSEGV, &catch_saved, NULL);
}

static void *mmap_no_memory(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  (void)addr;
  (void)len;
  (void)prot;
  (void)flags;
  (void)fd;
  (void)off;
  errno = ENOMEM;
  return MAP_FAILED;
}

void support_views_fail(int on) {
  pmmf__os_syscall_set("mmap", on ? (pmmf__syscall_ptr)mmap_no_memory : NULL);
}

int64_t support_file_allocated(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return -1;
  return (int64_t)st.st_blocks * 512;
}

int64_t support_disk_free(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) != 0)
    return -1;
  return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}

int support_read_at(const char *path, uint64_t offset, void *buf, size_t len) {
  FILE *f = fopen(path, "rb");
  int rc = -1;
  if (f == NULL)
    return -1;
  if (fseeko(f, (off_t)offset, SEEK_SET) == 0 && fread(buf, 1, len, f) == len)
    rc = 0;
  fclose(f);
  return rc;
}
