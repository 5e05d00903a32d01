/* SPDX-License-Identifier: MIT */
/*
 * internal.h - the one interface between libportmmf's common layer
 * (src/common/, every public function, said once) and a backend (src/posix/ or
 * src/win32/, OS calls only). Backends implement the pmmf__os_* functions; the
 * common layer implements everything else declared here. Test builds reach the
 * fault-injection and allocation hooks through this header too.
 */
#ifndef PMMF_INTERNAL_H
#define PMMF_INTERNAL_H

#include "portmmf.h"

#include <stddef.h>
#include <stdint.h>

#include "portable.h" /* atomics, TLS: every compiler-specific spelling */

/* An OS handle: a file descriptor on POSIX, a HANDLE on Windows. */
typedef intptr_t pmmf__handle;

/* -------------------------------------------------------------------------
 * Errors: the egress point where an OS error becomes a status.
 * ------------------------------------------------------------------------- */

/* Record `os_code` as this thread's last OS error and return `status`.
 * Every backend failure returns through here. */
int pmmf__fail(long os_code, int status);

/* A failure found by the library itself (no OS error behind it): records 0. */
int pmmf__reject(int status);

/* Read and write this thread's last OS error (used to keep the first error
 * while rolling back). */
long pmmf__last_error_get(void);
void pmmf__last_error_set(long os_code);

/* Backend: translate a native error code (errno, GetLastError()) to a status.
 * The caller is the backend itself, at its egress points. */
int pmmf__os_translate_error(long os_code);

/* -------------------------------------------------------------------------
 * Memory and fault injection (tests arm faults; backends check them).
 * ------------------------------------------------------------------------- */

/* Allocation used by every layer: counted, and failable by fault injection
 * under the call name "malloc". */
void *pmmf__malloc(size_t size);
void pmmf__free(void *ptr);
/* Number of allocations from pmmf__malloc not yet freed. */
long pmmf__alloc_live(void);

/* Abstract failure kinds; each backend maps them to its native code. */
enum pmmf__fault_kind {
  PMMF__FAULT_NO_SPACE = 1, /* ENOSPC / ERROR_DISK_FULL */
  PMMF__FAULT_NO_MEMORY,    /* ENOMEM / ERROR_NOT_ENOUGH_MEMORY */
  PMMF__FAULT_IO,           /* EIO / ERROR_IO_DEVICE */
  PMMF__FAULT_ACCESS,       /* EACCES / ERROR_ACCESS_DENIED */
  PMMF__FAULT_INTR          /* EINTR (POSIX) / ERROR_OPERATION_ABORTED */
};

/* Arm one fault: the (skip + 1)-th OS call made after this, among those whose
 * name equals `call` (NULL: any call), fails once with the native code for
 * `kind`. Not thread-safe: tests arm and disarm from one thread. */
void pmmf__fault_arm(const char *call, unsigned skip, int kind);
void pmmf__fault_disarm(void);
/* Whether the armed fault has fired, and the name of the call it hit. */
int pmmf__fault_fired(void);
const char *pmmf__fault_fired_call(void);

/* Backends call PMMF__FAULT(name) before every OS call: it yields the native
 * error code to fail that call with, or 0 to make the call. */
extern int pmmf__fault_armed;
long pmmf__fault_check_slow(const char *call);
#define PMMF__FAULT(call) (pmmf__fault_armed ? pmmf__fault_check_slow(call) : 0L)

/* Backend: the native error code for an abstract fault kind. */
long pmmf__os_fault_code(int kind);

/* The replaceable OS-call table (as SQLite's aSyscall[]): each backend keeps
 * one entry per OS call it makes and returns its table from
 * pmmf__os_syscall_table; the common layer looks calls up by name.
 * set: a NULL fn restores the default; returns PMMF_E_NOT_FOUND for an unknown
 * name. get: the current function, or NULL. next: iterate the names (NULL
 * starts; returns NULL after the last). */
typedef void (*pmmf__syscall_ptr)(void);
struct pmmf__syscall {
  const char *name;
  pmmf__syscall_ptr current;
  pmmf__syscall_ptr original;
};
struct pmmf__syscall *pmmf__os_syscall_table(size_t *count);
int pmmf__os_syscall_set(const char *name, pmmf__syscall_ptr fn);
pmmf__syscall_ptr pmmf__os_syscall_get(const char *name);
const char *pmmf__os_syscall_next(const char *name);

/* -------------------------------------------------------------------------
 * Geometry (backend).
 * ------------------------------------------------------------------------- */

size_t pmmf__os_page_size(void);
size_t pmmf__os_granularity(void);
const char *pmmf__os_backend_name(void);

/* -------------------------------------------------------------------------
 * Files (backend). `flags` are the public open flags; the common layer has
 * validated them and does PMMF_OPEN_TRUNCATE itself after the open succeeds
 * (so an EXCLUSIVE conflict truncates nothing). The backend opens a regular
 * file only (anything else: PMMF_E_INVALID, nothing left open), never
 * inheritable, and implements PMMF_OPEN_EXCLUSIVE. A file it created and then
 * failed to finish opening is removed again, unless that could take it from
 * another open (it then stays, empty). *created says whether this call
 * created the file (a new file needs no truncation, so nothing can fail after
 * a creation).
 * ------------------------------------------------------------------------- */

int pmmf__os_file_open(pmmf__handle *out, const char *path_utf8, unsigned flags, int *created);
/* Adopt a caller's handle: check that `native` is an open regular file whose
 * mode allows `flags` (READ or WRITE; EXCLUSIVE as pmmf_file_open_native
 * says), then duplicate it, never inheritable, into *out. The caller's handle
 * is never closed or changed (POSIX: an EXCLUSIVE flock is taken on the
 * duplicate's open file description, which the caller's shares). */
int pmmf__os_file_adopt(pmmf__handle *out, pmmf__handle native, unsigned flags);
/* The same, also giving the file's size as the open found it (the regular
 * file check's look at the file serves both where the OS allows). */
int pmmf__os_file_open_sized(pmmf__handle *out, const char *path_utf8, unsigned flags,
                             int *created, uint64_t *size);
int pmmf__os_file_close(pmmf__handle file);
int pmmf__os_file_size(pmmf__handle file, uint64_t *size);
int pmmf__os_file_resize(pmmf__handle file, uint64_t size);
/* Extend a file to `size` bytes, extend-only: a file that is already that
 * large (someone else grew it after the caller read `from`, its size then)
 * keeps its size and bytes. Unless `sparse`, the storage of [from, size) is
 * reserved first, so a full disk is PMMF_E_NO_SPACE here and never a fault
 * later (where the file system cannot reserve, the growth is plain). A size
 * beyond what this process may make a file (POSIX RLIMIT_FSIZE) is
 * PMMF_E_RANGE before anything changes. On failure the size is as it was. */
int pmmf__os_file_grow(pmmf__handle file, uint64_t from, uint64_t size, int sparse);
/* Data and size to stable storage (fdatasync / FlushFileBuffers). */
int pmmf__os_file_sync(pmmf__handle file);
/* Write [src, src + length) at `offset` of a file that has shared views,
 * with the file I/O call (pwrite, WriteFile), where the OS keeps file I/O
 * and mapped views of that file coherent (the page cache of a local Linux
 * file system; the system cache of a local Windows file)
 * and the file still holds [offset, offset + length): it never extends the
 * file. PMMF_E_UNSUPPORTED, nothing written and no error recorded, where
 * either is not known: the caller then copies through the view. A failed
 * write is PMMF_E_IO (some bytes may have been written), its errno kept. */
int pmmf__os_file_write_mapped(pmmf__handle file, uint64_t offset, const void *src,
                               size_t length);

/* -------------------------------------------------------------------------
 * Map objects (backend).
 * ------------------------------------------------------------------------- */

struct pmmf__os_map {
  pmmf__handle handle; /* POSIX: the fd views come from; Win32: the section */
  int owns_handle;     /* whether pmmf__os_map_close closes `handle` */
  size_t page;         /* large-page maps: the large page, which views are
                          placed on and mapped in whole; 0: the system's */
  int large;           /* enum pmmf_large_pages: what backs the memory */
};

/* A map of an open file, `size` bytes (never more than the file's size: the
 * common layer grows the file first). POSIX borrows the file's descriptor. */
int pmmf__os_map_file(struct pmmf__os_map *out, pmmf__handle file, uint64_t size,
                      pmmf_access access);
/* A WRITE map of `size` bytes of a file last seen `from` (< size) bytes long,
 * growing the file as pmmf__os_file_grow does. Nothing can fail after the
 * growth, so a failed call never changed the file (Windows: the section's
 * creation is the growth; POSIX: the map borrows the descriptor). */
int pmmf__os_map_file_grow(struct pmmf__os_map *out, pmmf__handle file, uint64_t from,
                           uint64_t size, int sparse);
/* A zero-filled, process-private, read-write memory object that several views
 * can share (memfd or unlinked shm; a page-file-backed section). Its memory is
 * reserved unless `sparse` (POSIX; Windows always commits it). */
int pmmf__os_map_anonymous(struct pmmf__os_map *out, uint64_t size, int sparse);
int pmmf__os_map_close(struct pmmf__os_map *map);
/* Grow a WRITE map of kind `kind` (enum pmmf__map_kind) to `size` bytes while
 * views of it exist: they keep their addresses and bytes, and views made
 * afterwards may reach the new range. A file map grows its file from `from`
 * (its size now) as pmmf__os_file_grow does when `size` is larger; a memory
 * object (`file` unused) grows from `from` (the map's size now), reserving
 * its memory unless `sparse`. On failure the map, the file's size and the
 * memory object are as they were. PMMF_E_UNSUPPORTED where the OS cannot
 * grow that kind (Windows: page-file-backed sections). */
int pmmf__os_map_grow(struct pmmf__os_map *map, int kind, pmmf__handle file, uint64_t from,
                      uint64_t size, int sparse);
/* PMMF_MAP_LARGE_PAGES: an anonymous map of large pages where they can be
 * had (out->page and out->large say what it got, the object rounded up to
 * whole large pages), else pmmf__os_map_anonymous's. A failed attempt at
 * large pages leaves no trace, not even the last OS error. */
int pmmf__os_map_anonymous_large(struct pmmf__os_map *out, uint64_t size, int sparse);
/* The large page size PMMF_MAP_LARGE_PAGES can get now, or 0. */
size_t pmmf__os_large_page_size(void);

/* A named shared memory object (`name` is valid: the common layer checked it;
 * the backend adds its namespace, Local\ or a leading slash). `mode`:
 * PMMF_SHM_CREATE_ONLY creates a new object of `size` (> 0) bytes, zero-filled
 * and read-write, or fails with PMMF_E_EXISTS; PMMF_SHM_OPEN_ONLY opens an
 * existing one (PMMF_E_NOT_FOUND if missing); PMMF_SHM_OPEN_OR_CREATE does
 * either, atomically, with `size` > 0. On success *created says whether this
 * call created the object and *size_out is `size` if it did, else the size the
 * OS reports for the object (POSIX: 0 while its creator has not set it yet).
 * The handle is opened read-only where `access` allows it (READ, COPY). A
 * failed creation removes the object again. New objects are owner-only; an
 * existing object another user could have planted is refused (PMMF_E_ACCESS,
 * or PMMF_E_INVALID for a non-memory object) without blocking; POSIX: one of
 * size 0 whose creator is gone counts as missing (OPEN_ONLY: PMMF_E_NOT_FOUND;
 * the creating modes take it over, *created = 1). The size rules and the wait
 * for half-created objects of live creators are the common layer's. */
int pmmf__os_shm_open(struct pmmf__os_map *out, uint64_t *size_out, const char *name,
                      uint64_t size, pmmf_access access, int mode, int *created);
/* Remove the name (POSIX shm_unlink; nothing to do on Windows). */
int pmmf__os_shm_unlink(const char *name);
/* Sleep about `ms` milliseconds (through the OS-call table, so tests can
 * replace it). */
void pmmf__os_sleep_ms(unsigned ms);

/* -------------------------------------------------------------------------
 * Views (backend). Offsets are multiples of pmmf__os_granularity(); addresses
 * and lengths given to flush, protect and advise are page-aligned by the
 * common layer.
 * ------------------------------------------------------------------------- */

/* Map `length` bytes of `map` from `offset`. `fixed` is NULL or the exact
 * address, which must be free: an occupied range is PMMF_E_ADDRESS_IN_USE and
 * is never replaced. `populate` prefaults the pages where the OS can. */
int pmmf__os_view_map(void **out_base, const struct pmmf__os_map *map, uint64_t offset,
                      size_t length, pmmf_access access, int populate, void *fixed);
int pmmf__os_view_unmap(void *base, size_t length);
/* Reserve `length` bytes (page-aligned) of address space with no access and
 * no memory behind it, for a view to grow into; pmmf__os_view_unmap releases
 * it with the views mapped over it. PMMF_E_UNSUPPORTED where the OS cannot
 * map over part of a reservation. */
int pmmf__os_view_reserve(void **out_base, size_t length);
/* Map `length` bytes of `map` from `offset` (page-aligned) over part of a
 * reservation at `at` (page-aligned, inside it), with the sharing of
 * `access` (COPY: private) and the protection of `now` (READ or `access`).
 * A failure leaves the reservation as it was. */
int pmmf__os_view_map_over(const struct pmmf__os_map *map, uint64_t offset, size_t length,
                           pmmf_access access, pmmf_access now, int populate, void *at);
/* Start (sync = 0: write-back begins, the call does not wait for it) or
 * complete (sync = 1) write-back of a page-aligned range of a view of file
 * map `map`; `offset` is the file position of `addr`. The common layer then
 * calls pmmf__os_file_sync for PMMF_FLUSH_SYNC, unless
 * pmmf__os_view_flush_durable() says the completed write-back already put
 * the range's data, and the file size it needs, on stable storage. */
int pmmf__os_view_flush(const struct pmmf__os_map *map, uint64_t offset, void *addr,
                        size_t length, int sync);
/* `access` is READ, WRITE, COPY (writable copy-on-write pages) or NONE. */
/* 1 where pmmf__os_view_flush(sync = 1) is itself what pmmf__os_file_sync
 * would add (Linux: msync(MS_SYNC) is vfs_fsync_range(datasync = 1) over the
 * range, fdatasync's own call); 0 where the file sync is still needed. */
int pmmf__os_view_flush_durable(void);
int pmmf__os_view_protect(void *addr, size_t length, pmmf_access access);
/* Lock (lock = 1) or unlock a page-aligned range in memory. Unlocking pages
 * that are not locked is PMMF_OK; a limit on locked memory is
 * PMMF_E_NO_MEMORY. */
int pmmf__os_view_lock(void *addr, size_t length, int lock);
/* PMMF_E_UNSUPPORTED where the platform has no equivalent. */
int pmmf__os_view_advise(void *addr, size_t length, pmmf_advice advice);

/* Guarded copy: copy `length` bytes from `src` to `dst`; a fault at an address
 * in [lo, hi) on this thread during the copy (SIGBUS/SIGSEGV; an in-page error
 * or access violation) ends the copy with PMMF_E_IO instead of killing the
 * process. Faults anywhere else (and, on POSIX, signals sent by a process) go
 * on to the handler that was there before, as the OS would have delivered
 * them. The handler is installed on the first call, never at load time. */
int pmmf__os_guarded_copy(void *dst, const void *src, size_t length, const void *lo,
                          const void *hi);

/* Whether a fault taken with stack pointer `sp` on this thread belongs to the
 * guarded copy whose frame (a local of pmmf__os_guarded_copy) is at `frame`,
 * rather than to code that interrupted the copy: a signal handler, or a
 * handler run by the exception dispatcher. The copy faults inside memcpy, a
 * few dozen bytes below its frame (16 to 104 bytes on every build the suite
 * runs, sanitizers and valgrind included); interrupting code runs below what
 * the OS pushed first, which is larger than the window everywhere (a Linux
 * signal frame: over 600 bytes on every architecture, over 1 KiB on x86-64
 * and arm64; a Windows CONTEXT: 716 bytes on x86, 1232 on x64), and an
 * alternate signal stack is elsewhere. `sp` 0: the platform does not say, and
 * the fault is taken as the copy's, as before. docs/guarded.md. */
#define PMMF__GUARD_STACK_WINDOW 256u
static inline int pmmf__guard_stack_owns(const void *frame, uintptr_t sp)
{
  return sp == 0 || (uintptr_t)frame - sp < PMMF__GUARD_STACK_WINDOW;
}

/* -------------------------------------------------------------------------
 * Objects (common layer). Lifetimes: a view holds a reference on its map, a
 * map on its file, so each may be closed in any order.
 * ------------------------------------------------------------------------- */

struct pmmf_file {
  pmmf__handle handle;
  unsigned flags;      /* the public open flags */
  atomic_long refs;    /* the user's handle + one per map */
  atomic_long maps;    /* maps made from this file still alive (with their
                          views) or being made, or PMMF__FILE_RESIZING */
  int embedded;        /* inside a pmmf_map_path block: freed with its view */
};

/* Alignment arithmetic, said once for the common layer and the backends
 * (which round objects up to whole large pages or pages). */
static inline uint64_t pmmf__align_down(uint64_t value, uint64_t alignment)
{
  return value - value % alignment;
}

/* Rounded up; the caller makes sure the result fits. */
static inline uint64_t pmmf__align_up(uint64_t value, uint64_t alignment)
{
  return pmmf__align_down(value + alignment - 1, alignment);
}

/* file->maps while pmmf_file_resize runs its OS call. */
#define PMMF__FILE_RESIZING (-1L)

/* pmmf_file_open with the size the open found (size: NULL, not wanted), in
 * `storage` if not NULL (then marked embedded: its release does not free
 * it) rather than an allocation of its own. */
int pmmf__file_open(pmmf_file **out, const char *path_utf8, unsigned flags, uint64_t *size,
                    pmmf_file *storage);
/* pmmf_map_file of a whole file (size 0, no flags) whose size the caller
 * knows from its open, so the size is not asked again; in `storage` (marked
 * embedded). */
int pmmf__map_file_whole(pmmf_map *storage, pmmf_file *file, uint64_t known_size,
                         pmmf_access access);

/* Count a map of `file` before reading the file's size (waiting while a
 * resize runs); leave when the map is gone or was not made. */
void pmmf__file_maps_enter(pmmf_file *file);
void pmmf__file_maps_leave(pmmf_file *file);

enum pmmf__map_kind { PMMF__MAP_FILE = 1, PMMF__MAP_ANONYMOUS, PMMF__MAP_SHARED };

struct pmmf_map {
  struct pmmf__os_map os;
  pmmf_file *file;     /* file maps only */
  uint64_t size;
  pmmf_access access;
  int kind;            /* enum pmmf__map_kind */
  int sparse;          /* memory maps: made with PMMF_MAP_SPARSE */
  atomic_long refs;    /* the user's handle + one per view */
  atomic_long users;   /* calls reading `size` or `os` now (views being
                          made or extended), or PMMF__MAP_GROWING */
  int embedded;        /* inside a pmmf_map_path block: freed with its view */
};

/* map->users while pmmf_map_grow changes the map's size and OS object. */
#define PMMF__MAP_GROWING (-1L)

/* Count a call that reads map->size or map->os (waiting while a growth
 * runs); leave when done. pmmf__map_size reads the size so. */
void pmmf__map_enter(pmmf_map *map);
void pmmf__map_leave(pmmf_map *map);
uint64_t pmmf__map_size(pmmf_map *map);

struct pmmf_view {
  pmmf_map *map;
  void *base;          /* start of the OS mapping (granularity-aligned) */
  size_t mapped;       /* length of the OS mapping */
  size_t reserved;     /* length of the address-space reservation at `base`
                          that the view may grow into, or 0 (none) */
  char *data;          /* the byte at `offset` */
  size_t length;
  uint64_t offset;
  pmmf_access created; /* access it was created with */
  pmmf_access current; /* access now (after pmmf_view_protect) */
};

/* A new map object with one reference (the user's), not yet backed by an OS
 * object; PMMF_E_NO_MEMORY if it cannot be allocated. */
int pmmf__map_new(pmmf_map **out, uint64_t size, pmmf_access access, int kind);

/* Drop one reference; the last one closes the OS object and returns its status. */
int pmmf__file_release(pmmf_file *file);
int pmmf__map_release(pmmf_map *map);

/* A view in storage the caller owns (view.c; pmmf_view_map and windows use
 * them). open applies every view rule (access, range, size_t), rounds the
 * offset down to the granularity, maps (at `fixed` if not NULL, never
 * replacing anything) and takes a reference on the map; close unmaps and
 * drops the reference, releasing both even when the OS call fails. */
int pmmf__view_open(pmmf_view *view, pmmf_map *map, uint64_t offset, size_t length,
                    pmmf_access access, unsigned flags, void *fixed);
int pmmf__view_close(pmmf_view *view);

/* A sliding window (window.c): one view of the map at a time, `span` bytes
 * long at most, placed on granularity boundaries so that any request of up
 * to `window_size` bytes fits whole. */
struct pmmf_window {
  pmmf_map *map;       /* referenced while the window is open */
  pmmf_view view;      /* the current view, if `mapped` */
  int mapped;
  size_t window_size;  /* the largest request */
  uint64_t granules;   /* the length of its views in granules: window_size
                          rounded up, plus one granule; at most the map, as
                          large as it is at each remap (pmmf_map_grow) */
  pmmf_access access;
};

#endif /* PMMF_INTERNAL_H */
