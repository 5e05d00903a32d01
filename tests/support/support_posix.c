/*
 * support_posix.c - the POSIX half of the test helpers: temporary directory
 * creation and recursive removal, stat-based sizes, open descriptor and
 * mapping counts (/proc/self where it exists), and pthreads.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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
