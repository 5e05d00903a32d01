/* SPDX-License-Identifier: MIT */
/*
 * test_posix_dlopen.c - guarded copies from the shared library loaded with
 * dlopen, on a thread that existed before the load and on the main thread:
 * the fault handler reads a thread-local variable of a module loaded after
 * the thread was created (initial-exec TLS on glibc, taken from the static
 * TLS reserve at dlopen time; musl allocates it at dlopen for every thread).
 *
 * Then the library is closed with dlclose, as a plugin host unloads a plugin
 * that made a guarded copy: the application's own SIGSEGV and SIGBUS
 * handlers, installed before the load, must still get the application's own
 * faults, so the handler the library installed must not point into unloaded
 * code (the library pins itself when it installs its handler).
 *
 * The library path comes as the only argument. Exit status 0 on success; no
 * CMocka here, so no test framework touches the signal handlers.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, RTLD_NOLOAD */

#include <portmmf.h>

#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*anonymous_fn)(pmmf_map **, uint64_t, unsigned);
typedef int (*view_map_fn)(pmmf_view **, pmmf_map *, uint64_t, size_t, pmmf_access, unsigned);
typedef void *(*view_data_fn)(const pmmf_view *);
typedef int (*view_read_fn)(pmmf_view *, size_t, void *, size_t);
typedef size_t (*page_size_fn)(void);
typedef int (*view_unmap_fn)(pmmf_view *);
typedef int (*map_close_fn)(pmmf_map *);

static anonymous_fn map_anonymous;
static view_map_fn view_map;
static view_data_fn view_data;
static view_read_fn view_read;
static page_size_fn page_size;
static view_unmap_fn view_unmap;
static map_close_fn map_close;

/* The application's own fault handler, installed before the load. */
static sigjmp_buf app_jump;
static volatile sig_atomic_t app_caught, app_signal;
static volatile unsigned char fault_sink;

static void app_handler(int sig, siginfo_t *info, void *ctx) {
  (void)info;
  (void)ctx;
  app_caught++;
  app_signal = sig;
  siglongjmp(app_jump, 1);
}

static int install_app_handler(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = app_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, NULL);
}

/* After dlclose: a fault on the application's own page and a sent SIGBUS
 * reach the application's handler. */
static int check_after_unload(const char *path) {
  unsigned char *own = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *still = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (own == MAP_FAILED)
    return 1;
  if (still == NULL)
    fprintf(stderr, "after dlclose: the library is unloaded (not pinned)\n");
  else
    dlclose(still);
  app_caught = 0;
  if (sigsetjmp(app_jump, 1) == 0) {
    volatile unsigned char *p = own;
    fault_sink = p[0];
    fprintf(stderr, "after dlclose: the page did not fault\n");
    return 1;
  }
  if (app_caught != 1 || app_signal != SIGSEGV) {
    fprintf(stderr, "after dlclose: the fault reached the application %d times\n",
            (int)app_caught);
    return 1;
  }
  app_caught = 0;
  if (sigsetjmp(app_jump, 1) == 0) {
    raise(SIGBUS);
    fprintf(stderr, "after dlclose: raise(SIGBUS) returned\n");
    return 1;
  }
  if (app_caught != 1 || app_signal != SIGBUS)
    return 1;
  munmap(own, 4096);
  return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t loaded_cond = PTHREAD_COND_INITIALIZER;
static int loaded;
static pmmf_view *view;

/* A guarded read of the view's second page (inaccessible) and of its first. */
static int check(const char *who) {
  unsigned char buf[16];
  int bad = view_read(view, page_size() + 8, buf, sizeof buf);
  int good = view_read(view, 8, buf, sizeof buf);
  if (bad != PMMF_E_IO || good != PMMF_OK || buf[0] != 0x3C) {
    fprintf(stderr, "%s: faulting read gave %d, good read %d\n", who, bad, good);
    return 1;
  }
  return 0;
}

static void *early_thread(void *arg) {
  int *result = arg;
  pthread_mutex_lock(&lock);
  while (!loaded)
    pthread_cond_wait(&loaded_cond, &lock);
  pthread_mutex_unlock(&lock);
  *result = check("thread started before dlopen");
  return NULL;
}

#define LOOKUP(var, type, name)                                       \
  do {                                                                \
    *(void **)&(var) = dlsym(lib, name);                              \
    if ((var) == NULL) {                                              \
      fprintf(stderr, "dlsym %s: %s\n", name, dlerror());             \
      return 1;                                                       \
    }                                                                 \
  } while (0)

int main(int argc, char **argv) {
  pthread_t thread;
  int thread_result = 1, result;
  pmmf_map *map = NULL;
  void *lib;
  char *data;

  if (argc != 2) {
    fprintf(stderr, "usage: %s LIBRARY\n", argv[0]);
    return 2;
  }
  if (install_app_handler(SIGSEGV) != 0 || install_app_handler(SIGBUS) != 0)
    return 1;
  if (pthread_create(&thread, NULL, early_thread, &thread_result) != 0)
    return 1;

  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  LOOKUP(map_anonymous, anonymous_fn, "pmmf_map_anonymous");
  LOOKUP(view_map, view_map_fn, "pmmf_view_map");
  LOOKUP(view_data, view_data_fn, "pmmf_view_data");
  LOOKUP(view_read, view_read_fn, "pmmf_view_read");
  LOOKUP(page_size, page_size_fn, "pmmf_page_size");
  LOOKUP(view_unmap, view_unmap_fn, "pmmf_view_unmap");
  LOOKUP(map_close, map_close_fn, "pmmf_map_close");
  if (map_anonymous(&map, 2 * page_size(), 0) != PMMF_OK ||
      view_map(&view, map, 0, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
    return 1;
  data = view_data(view);
  memset(data, 0x3C, page_size());
  if (mprotect(data + page_size(), page_size(), PROT_NONE) != 0)
    return 1;

  result = check("main thread");
  pthread_mutex_lock(&lock);
  loaded = 1;
  pthread_cond_signal(&loaded_cond);
  pthread_mutex_unlock(&lock);
  pthread_join(thread, NULL);
  if (result || thread_result)
    return 1;

  /* Unload it, as a plugin host would. */
  if (mprotect(data + page_size(), page_size(), PROT_READ | PROT_WRITE) != 0 ||
      view_unmap(view) != PMMF_OK || map_close(map) != PMMF_OK)
    return 1;
  if (dlclose(lib) != 0) {
    fprintf(stderr, "dlclose: %s\n", dlerror());
    return 1;
  }
  return check_after_unload(argv[1]);
}
