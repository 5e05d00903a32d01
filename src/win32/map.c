/* SPDX-License-Identifier: MIT */
/*
 * map.c - sections and views on Win32: CreateFileMappingW for file and
 * page-file-backed maps, MapViewOfFileEx (never replacing what is at a fixed
 * address), flush, protect and advice on views, and the geometry they rest
 * on (page size and the 64 KiB allocation granularity). A file map grows by
 * a new, larger section (the old one lives on in its views); views that grow
 * in place are not offered (PMMF_E_UNSUPPORTED, docs/behavior.md).
 */
#include "win32.h"

/* FlushViewOfFile can fail with ERROR_LOCK_VIOLATION while the memory manager
 * is writing the same pages; it succeeds when retried. Retries back off from
 * 1 ms, about a quarter of a second in all. */
#define FLUSH_RETRIES 8

static DWORD page_protection(pmmf_access access)
{
  switch (access) {
  case PMMF_ACCESS_WRITE:
    return PAGE_READWRITE;
  case PMMF_ACCESS_COPY:
    return PAGE_WRITECOPY;
  case PMMF_ACCESS_NONE:
    return PAGE_NOACCESS;
  case PMMF_ACCESS_READ:
  default:
    return PAGE_READONLY;
  }
}

static DWORD view_access(pmmf_access access)
{
  switch (access) {
  case PMMF_ACCESS_WRITE:
    return FILE_MAP_WRITE; /* read and write */
  case PMMF_ACCESS_COPY:
    return FILE_MAP_COPY;
  case PMMF_ACCESS_READ:
  default:
    return FILE_MAP_READ;
  }
}

/* A section of `size` bytes over `file` (INVALID_HANDLE_VALUE: the page file).
 * Not inheritable, not named. */
static int section_create(struct pmmf__os_map *out, HANDLE file, uint64_t size, DWORD protection)
{
  HANDLE section = w32_CreateFileMappingW(file, NULL, protection, (DWORD)(size >> 32),
                                          (DWORD)(size & 0xFFFFFFFFu), NULL);
  if (!section)
    return pmmf__w32_fail_last();
  out->handle = (pmmf__handle)section;
  out->owns_handle = 1;
  return PMMF_OK;
}

int pmmf__os_map_file(struct pmmf__os_map *out, pmmf__handle file, uint64_t size,
                      pmmf_access access)
{
  return section_create(out, (HANDLE)file, size, page_protection(access));
}

int pmmf__os_map_file_grow(struct pmmf__os_map *out, pmmf__handle file, uint64_t from,
                           uint64_t size, int sparse)
{
  HANDLE section;

  (void)from;
  pmmf__w32_sparse_if((HANDLE)file, sparse);
  /* The section's creation is the growth (see pmmf__os_file_grow): if it
   * fails, the file has not grown. */
  section = w32_CreateFileMappingW((HANDLE)file, NULL, PAGE_READWRITE, (DWORD)(size >> 32),
                                   (DWORD)(size & 0xFFFFFFFFu), NULL);
  if (!section)
    return pmmf__w32_grow_fail(GetLastError());
  out->handle = (pmmf__handle)section;
  out->owns_handle = 1;
  return PMMF_OK;
}

/* Page-file sections are committed when created: always reserved. */
int pmmf__os_map_anonymous(struct pmmf__os_map *out, uint64_t size, int sparse)
{
  (void)sparse;
  return section_create(out, INVALID_HANDLE_VALUE, size, PAGE_READWRITE);
}

/* A section's size is fixed at its creation, and NtExtendSection (which
 * extends a file-backed or SEC_RESERVE section) is not exported by Wine's
 * ntdll: a file map grows by a new section of the new size (its creation
 * grows the file, as for PMMF_MAP_GROW), views of the old section keep it
 * alive after its handle is closed, and both see the file's one page cache.
 * A page-file-backed section (anonymous, named) can be neither extended
 * (committed, not SEC_RESERVE) nor replaced (a new one would not hold the
 * old bytes). */
int pmmf__os_map_grow(struct pmmf__os_map *map, int kind, pmmf__handle file, uint64_t from,
                      uint64_t size, int sparse)
{
  struct pmmf__os_map fresh = *map; /* page, large: a file map's stay */
  int status;

  if (kind != PMMF__MAP_FILE)
    return pmmf__reject(PMMF_E_UNSUPPORTED);
  status = pmmf__os_map_file_grow(&fresh, file, from, size, sparse && size > from);
  if (status != PMMF_OK)
    return status;
  /* The old handle goes whatever CloseHandle says: the map has grown. */
  (void)pmmf__os_map_close(map);
  *map = fresh;
  return PMMF_OK;
}

/* Whether the process token holds SeLockMemoryPrivilege, which large pages
 * need: enabling it succeeds only then (AdjustTokenPrivileges says
 * ERROR_NOT_ALL_ASSIGNED otherwise). The privilege stays enabled. */
static int lock_memory_privilege(void)
{
  HANDLE token = NULL;
  TOKEN_PRIVILEGES privileges;
  int held = 0;

  if (!w32_OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token))
    return 0;
  privileges.PrivilegeCount = 1;
  privileges.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
  if (w32_LookupPrivilegeValueW(NULL, L"SeLockMemoryPrivilege",
                                &privileges.Privileges[0].Luid) &&
      w32_AdjustTokenPrivileges(token, FALSE, &privileges, 0, NULL, NULL))
    held = GetLastError() == ERROR_SUCCESS;
  pmmf__w32_close_handle(token);
  return held;
}

size_t pmmf__os_large_page_size(void)
{
  long saved = pmmf__last_error_get();
  size_t page = lock_memory_privilege() ? w32_GetLargePageMinimum() : 0;
  pmmf__last_error_set(saved);
  return page;
}

/* A committed page-file section of large pages (SEC_LARGE_PAGES, rounded up
 * to whole ones), else the plain one. */
int pmmf__os_map_anonymous_large(struct pmmf__os_map *out, uint64_t size, int sparse)
{
  size_t page = pmmf__os_large_page_size();
  long saved = pmmf__last_error_get();

  if (page && size <= (uint64_t)INT64_MAX - page) {
    uint64_t rounded = pmmf__align_up(size, page);
    HANDLE section = w32_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                            PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES,
                                            (DWORD)(rounded >> 32),
                                            (DWORD)(rounded & 0xFFFFFFFFu), NULL);
    if (section) {
      out->handle = (pmmf__handle)section;
      out->owns_handle = 1;
      out->page = page;
      out->large = PMMF_LARGE_PAGES_RESERVED;
      return PMMF_OK;
    }
    pmmf__last_error_set(saved);
  }
  return pmmf__os_map_anonymous(out, size, sparse);
}

int pmmf__os_map_close(struct pmmf__os_map *map)
{
  if (map->owns_handle && !pmmf__w32_close_handle((HANDLE)map->handle))
    return pmmf__w32_fail_last();
  return PMMF_OK;
}

static BOOL prefetch(void *addr, size_t length)
{
  struct pmmf__w32_range range;
  range.address = addr;
  range.bytes = length;
  return w32_PrefetchVirtualMemory(GetCurrentProcess(), 1, &range, 0);
}

int pmmf__os_view_map(void **out_base, const struct pmmf__os_map *map, uint64_t offset,
                      size_t length, pmmf_access access, int populate, void *fixed)
{
  void *base = NULL;

  /* Windows 10 1703 on maps large-page sections with FILE_MAP_LARGE_PAGES;
   * older systems refuse the flag (ERROR_INVALID_PARAMETER) and map such
   * sections with large pages without it. Whatever the refusal (a COPY view
   * may not be had in large pages), the view is asked for again without the
   * flag, and that answer is the one reported. */
  if (map->large == PMMF_LARGE_PAGES_RESERVED)
    base = w32_MapViewOfFileEx((HANDLE)map->handle, view_access(access) | FILE_MAP_LARGE_PAGES,
                               (DWORD)(offset >> 32), (DWORD)(offset & 0xFFFFFFFFu), length,
                               fixed);
  if (!base)
    base = w32_MapViewOfFileEx((HANDLE)map->handle, view_access(access), (DWORD)(offset >> 32),
                               (DWORD)(offset & 0xFFFFFFFFu), length, fixed);
  if (!base) {
    DWORD code = GetLastError();
    /* Without a fixed base the system chose the address: a failure to find
     * room is a lack of address space, whatever the code says. */
    if (!fixed && code == ERROR_INVALID_ADDRESS)
      return pmmf__fail((long)code, PMMF_E_NO_MEMORY);
    return pmmf__w32_fail(code);
  }
  /* Prefaulting is a hint: without PrefetchVirtualMemory (before Windows 8),
   * or if it fails, the pages come in on first touch as usual. */
  if (populate && pmmf__w32_prefetch_available())
    (void)prefetch(base, length);
  *out_base = base;
  return PMMF_OK;
}

/* Not offered. Placeholders (VirtualAlloc2 with MEM_RESERVE_PLACEHOLDER,
 * MapViewOfFile3 with MEM_REPLACE_PLACEHOLDER, Windows 10 1803) map views
 * at 64 KiB boundaries of both address and file offset only: a view whose
 * end is not on such a boundary could grow only by unmapping its last piece
 * and mapping it again larger, its bytes gone from under the pointer
 * meanwhile. Wine 8.0 refuses MEM_RESERVE_PLACEHOLDER outright
 * (ERROR_INVALID_PARAMETER), and a free-and-remap would race with other
 * threads' mappings. */
int pmmf__os_view_reserve(void **out_base, size_t length)
{
  (void)out_base;
  (void)length;
  return pmmf__reject(PMMF_E_UNSUPPORTED);
}

int pmmf__os_view_map_over(const struct pmmf__os_map *map, uint64_t offset, size_t length,
                           pmmf_access access, pmmf_access now, int populate, void *at)
{
  (void)map;
  (void)offset;
  (void)length;
  (void)access;
  (void)now;
  (void)populate;
  (void)at;
  return pmmf__reject(PMMF_E_UNSUPPORTED);
}

int pmmf__os_view_unmap(void *base, size_t length)
{
  (void)length;
  if (!pmmf__w32_unmap_view(base))
    return pmmf__w32_fail_last();
  return PMMF_OK;
}

int pmmf__os_view_flush(const struct pmmf__os_map *map, uint64_t offset, void *addr,
                        size_t length, int sync)
{
  DWORD code;
  int attempt;

  (void)map;
  (void)offset;

  /* FlushViewOfFile writes the dirty pages back and waits for those writes
   * either way; the common layer adds FlushFileBuffers for a synchronous
   * flush. */
  (void)sync;
  for (attempt = 0;; attempt++) {
    if (w32_FlushViewOfFile(addr, length))
      return PMMF_OK;
    code = GetLastError();
    if (code != ERROR_LOCK_VIOLATION || attempt == FLUSH_RETRIES)
      return pmmf__w32_fail(code);
    w32_Sleep((DWORD)1 << attempt);
  }
}

/* FlushViewOfFile waits for the writes it issued but not for the disk's
 * cache: FlushFileBuffers is still needed. */
int pmmf__os_view_flush_durable(void)
{
  return 0;
}

int pmmf__os_view_protect(void *addr, size_t length, pmmf_access access)
{
  DWORD previous;
  if (!w32_VirtualProtect(addr, length, page_protection(access), &previous))
    return pmmf__w32_fail_last();
  return PMMF_OK;
}

/* VirtualLock: beyond the minimum working set, ERROR_WORKING_SET_QUOTA
 * (PMMF_E_NO_MEMORY by the error table); VirtualUnlock of pages that are not
 * locked, ERROR_NOT_LOCKED, is no failure (munlock agrees). */
int pmmf__os_view_lock(void *addr, size_t length, int lock)
{
  if (lock ? w32_VirtualLock(addr, length) : w32_VirtualUnlock(addr, length))
    return PMMF_OK;
  if (!lock && GetLastError() == ERROR_NOT_LOCKED)
    return PMMF_OK;
  return pmmf__w32_fail_last();
}

int pmmf__os_view_advise(void *addr, size_t length, pmmf_advice advice)
{
  switch (advice) {
  case PMMF_ADVICE_NORMAL:
    /* The default: nothing to undo. */
    return PMMF_OK;
  case PMMF_ADVICE_WILLNEED:
    if (!pmmf__w32_prefetch_available())
      return pmmf__reject(PMMF_E_UNSUPPORTED);
    if (!prefetch(addr, length))
      return pmmf__w32_fail_last();
    return PMMF_OK;
  case PMMF_ADVICE_DONTNEED:
    /* VirtualUnlock on unlocked pages would trim them from the working set,
     * but it also unlocks pages the application locked with VirtualLock: a
     * side effect a hint must not have. No equivalent, then. */
  case PMMF_ADVICE_SEQUENTIAL:
  case PMMF_ADVICE_RANDOM:
  default:
    /* No per-range read-ahead policy exists for mapped views. */
    return pmmf__reject(PMMF_E_UNSUPPORTED);
  }
}

/* The geometry, asked once; concurrent first calls store the same values. */
static atomic_size_t page_size, granularity;

static void geometry_load(void)
{
  SYSTEM_INFO info;
  w32_GetSystemInfo(&info);
  atomic_store_explicit(&granularity, info.dwAllocationGranularity, memory_order_relaxed);
  atomic_store_explicit(&page_size, info.dwPageSize, memory_order_relaxed);
}

size_t pmmf__os_page_size(void)
{
  size_t size = atomic_load_explicit(&page_size, memory_order_relaxed);
  if (!size) {
    geometry_load();
    size = atomic_load_explicit(&page_size, memory_order_relaxed);
  }
  return size;
}

size_t pmmf__os_granularity(void)
{
  size_t size = atomic_load_explicit(&granularity, memory_order_relaxed);
  if (!size) {
    geometry_load();
    size = atomic_load_explicit(&granularity, memory_order_relaxed);
  }
  return size;
}

const char *pmmf__os_backend_name(void)
{
  return "win32";
}
