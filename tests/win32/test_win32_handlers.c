/* SPDX-License-Identifier: MIT */
/*
 * test_win32_handlers.c - the library's vectored exception handler next to
 * the application's own, with libportmmf-0.dll loaded by LoadLibrary (path as
 * the only argument) and freed by FreeLibrary, as a plugin host would:
 *
 * - an exception raised inside the application's vectored handler while a
 *   guarded copy is in progress on that thread, at an address inside the
 *   view being copied, is the handler's, not the copy's: the handler goes on
 *   and the copy returns PMMF_OK with the right bytes;
 * - after FreeLibrary, the next exception (an access violation the
 *   application repairs in its own vectored handler) must not crash: the
 *   handler the library added must not point into an unloaded DLL (the
 *   library pins itself when it adds its handler).
 *
 * Exit status 0 on success; no CMocka, so no test framework touches the
 * exception handlers.
 */
#include <windows.h>

#include <portmmf.h>
#include <stdio.h>
#include <string.h>

typedef int (*anonymous_fn)(pmmf_map **, uint64_t, unsigned);
typedef int (*view_map_fn)(pmmf_view **, pmmf_map *, uint64_t, size_t, pmmf_access, unsigned);
typedef void *(*view_data_fn)(const pmmf_view *);
typedef int (*view_read_fn)(pmmf_view *, size_t, void *, size_t);
typedef int (*view_unmap_fn)(pmmf_view *);
typedef int (*map_close_fn)(pmmf_map *);

#define GRANULE 65536
#define PAGE 4096

/* The application's pages: `trap` (its own, inaccessible until its handler
 * repairs it) and, during the nested check, the view's `bad` page and the
 * copy's destination page `dst_trap`. */
static unsigned char *volatile trap, *volatile bad, *volatile dst_trap;
static volatile LONG trap_caught, dst_caught, bad_caught, others;
static volatile unsigned char sink;

static int inside(const EXCEPTION_RECORD *r, unsigned char *page)
{
  const unsigned char *addr = (const unsigned char *)r->ExceptionInformation[1];
  return page && addr >= page && addr < page + PAGE;
}

static LONG CALLBACK app_handler(EXCEPTION_POINTERS *pointers)
{
  const EXCEPTION_RECORD *r = pointers->ExceptionRecord;
  DWORD old;

  if (r->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || r->NumberParameters < 2) {
    others++;
    return EXCEPTION_CONTINUE_SEARCH;
  }
  if (inside(r, trap)) {
    trap_caught++;
    VirtualProtect(trap, PAGE, PAGE_READWRITE, &old);
    return EXCEPTION_CONTINUE_EXECUTION;
  }
  if (inside(r, dst_trap)) {
    /* The copy's destination: while repairing it, this handler reads the
     * view's bad page (an exception nested in this one, repaired below). */
    dst_caught++;
    sink = *(volatile unsigned char *)bad;
    VirtualProtect(dst_trap, PAGE, PAGE_READWRITE, &old);
    return EXCEPTION_CONTINUE_EXECUTION;
  }
  if (inside(r, bad)) {
    bad_caught++;
    VirtualProtect(bad, PAGE, PAGE_READONLY, &old);
    return EXCEPTION_CONTINUE_EXECUTION;
  }
  others++;
  return EXCEPTION_CONTINUE_SEARCH;
}

#define LOOKUP(var, type, name)                                                   \
  do {                                                                            \
    var = (type)(void (*)(void))GetProcAddress(lib, name);                        \
    if (var == NULL) {                                                            \
      fprintf(stderr, "GetProcAddress %s: %lu\n", name, (unsigned long)GetLastError()); \
      return 1;                                                                   \
    }                                                                             \
  } while (0)

int main(int argc, char **argv)
{
  anonymous_fn map_anonymous;
  view_map_fn view_map;
  view_data_fn view_data;
  view_read_fn view_read;
  view_unmap_fn view_unmap;
  map_close_fn map_close;
  pmmf_map *map = NULL;
  pmmf_view *view = NULL;
  unsigned char *data, *buf;
  unsigned char tiny[16]; /* not `small`: a macro in the SDK's rpcndr.h */
  HMODULE lib;
  DWORD old;
  int i, rc;

  if (argc != 2) {
    fprintf(stderr, "usage: %s LIBRARY\n", argv[0]);
    return 2;
  }
  /* The application's handler, last in the chain, before the load. */
  if (!AddVectoredExceptionHandler(0, app_handler))
    return 1;
  lib = LoadLibraryA(argv[1]);
  if (lib == NULL) {
    fprintf(stderr, "LoadLibrary %s: %lu\n", argv[1], (unsigned long)GetLastError());
    return 1;
  }
  LOOKUP(map_anonymous, anonymous_fn, "pmmf_map_anonymous");
  LOOKUP(view_map, view_map_fn, "pmmf_view_map");
  LOOKUP(view_data, view_data_fn, "pmmf_view_data");
  LOOKUP(view_read, view_read_fn, "pmmf_view_read");
  LOOKUP(view_unmap, view_unmap_fn, "pmmf_view_unmap");
  LOOKUP(map_close, map_close_fn, "pmmf_map_close");

  /* Two granules: the second's first page is the bad one. */
  if (map_anonymous(&map, 2 * GRANULE, 0) != PMMF_OK ||
      view_map(&view, map, 0, 0, PMMF_ACCESS_WRITE, 0) != PMMF_OK)
    return 1;
  data = view_data(view);
  for (i = 0; i < GRANULE; i++)
    data[i] = (unsigned char)(i * 131 + (i >> 12));
  if (!VirtualProtect(data + GRANULE, PAGE, PAGE_NOACCESS, &old))
    return 1;
  /* A guarded copy's own fault: PMMF_E_IO (this adds the library's handler). */
  rc = view_read(view, GRANULE - 8, tiny, sizeof tiny);
  if (rc != PMMF_E_IO) {
    fprintf(stderr, "a faulting guarded copy returned %d\n", rc);
    return 1;
  }

  /* An exception inside the application's handler during a copy, at an
   * address in the view, is the handler's. The destination's last page is
   * inaccessible: the copy faults there (not the library's: the application
   * repairs it), and the application's handler then reads the bad page. */
  buf = VirtualAlloc(NULL, GRANULE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  if (buf == NULL)
    return 1;
  for (i = 0; i < 100; i++) {
    bad = data + GRANULE;
    dst_trap = buf + GRANULE - PAGE;
    if (!VirtualProtect(bad, PAGE, PAGE_NOACCESS, &old) ||
        !VirtualProtect(dst_trap, PAGE, PAGE_NOACCESS, &old))
      return 1;
    memset(buf, 0, GRANULE - PAGE);
    rc = view_read(view, 0, buf, GRANULE);
    if (rc != PMMF_OK || memcmp(buf, data, GRANULE) != 0) {
      fprintf(stderr, "copy %d, interrupted by the application's handler: %d (%s)\n", i, rc,
              rc == PMMF_OK ? "wrong bytes" : "the handler's exception was taken for the copy's");
      return 1;
    }
  }
  if (dst_caught != 100 || bad_caught != 100) {
    fprintf(stderr, "the application's handler saw %ld and %ld exceptions\n", (long)dst_caught,
            (long)bad_caught);
    return 1;
  }
  bad = dst_trap = NULL;
  VirtualFree(buf, 0, MEM_RELEASE);

  if (view_unmap(view) != PMMF_OK || map_close(map) != PMMF_OK)
    return 1;
  if (!FreeLibrary(lib))
    return 1;
  if (GetModuleHandleA("libportmmf-0.dll") == NULL)
    fprintf(stderr, "after FreeLibrary: the DLL is unloaded (not pinned)\n");

  /* The application's own access violation, repaired by its own handler. */
  trap = VirtualAlloc(NULL, PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_NOACCESS);
  if (trap == NULL)
    return 1;
  sink = *(volatile unsigned char *)trap;
  if (trap_caught != 1) {
    fprintf(stderr, "after FreeLibrary: the application's handler ran %ld times\n",
            (long)trap_caught);
    return 1;
  }
  return 0;
}
