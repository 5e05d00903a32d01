/*
 * shm.c - named shared memory on Win32: page-file-backed sections named
 * Local\<name> (this session's namespace). CreateFileMappingW creates or
 * opens (ERROR_ALREADY_EXISTS says which), OpenFileMappingW only opens, and an
 * existing section's size is what VirtualQuery reports for a temporary view of
 * all of it: the creator's size rounded up to the page size. A section's
 * name lives while a handle to it is open (a map keeps its handle while any
 * of its views is alive), so there is nothing to unlink.
 */
#include "win32.h"

/* "Local\" and at most 30 characters the common layer has checked (ASCII). */
static void section_name(wchar_t out[40], const char *name)
{
  static const wchar_t prefix[] = L"Local\\";
  size_t i, n = sizeof prefix / sizeof prefix[0] - 1;

  for (i = 0; i < n; i++)
    out[i] = prefix[i];
  for (i = 0; name[i] && i < 30; i++)
    out[n + i] = (wchar_t)(unsigned char)name[i];
  out[n + i] = L'\0';
}

/* The size of an existing section: map all of it for a moment. */
static int section_size(uint64_t *size, const struct pmmf__os_map *section)
{
  MEMORY_BASIC_INFORMATION info;
  void *base;
  DWORD code = 0;
  int status;

  /* Length 0: MapViewOfFileEx maps the whole section. */
  status = pmmf__os_view_map(&base, section, 0, 0, PMMF_ACCESS_READ, 0, NULL);
  if (status != PMMF_OK)
    return status;
  if (w32_VirtualQuery(base, &info, sizeof info) == 0)
    code = GetLastError();
  status = pmmf__os_view_unmap(base, 0);
  if (code)
    return pmmf__w32_fail(code);
  if (status == PMMF_OK)
    *size = (uint64_t)info.RegionSize;
  return status;
}

int pmmf__os_shm_open(struct pmmf__os_map *out, uint64_t *size_out, const char *name,
                      uint64_t size, pmmf_access access, int mode, int *created)
{
  wchar_t wide[40];
  HANDLE section;
  int status;

  section_name(wide, name);
  if (mode == PMMF_SHM_OPEN_ONLY) {
    /* READ and COPY views need only read access to the section. */
    DWORD rights = access == PMMF_ACCESS_WRITE ? FILE_MAP_READ | FILE_MAP_WRITE : FILE_MAP_READ;
    section = w32_OpenFileMappingW(rights, FALSE, wide);
    if (!section)
      return pmmf__w32_fail_last();
    *created = 0;
  } else {
    SetLastError(ERROR_SUCCESS);
    section = w32_CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                                     (DWORD)(size >> 32), (DWORD)(size & 0xFFFFFFFFu), wide);
    if (!section)
      return pmmf__w32_fail_last();
    *created = GetLastError() != ERROR_ALREADY_EXISTS;
    if (!*created && mode == PMMF_SHM_CREATE_ONLY) {
      pmmf__w32_close_handle(section);
      return pmmf__fail(ERROR_ALREADY_EXISTS, PMMF_E_EXISTS);
    }
  }
  out->handle = (pmmf__handle)section;
  out->owns_handle = 1;
  if (*created) {
    *size_out = size;
    return PMMF_OK;
  }
  status = section_size(size_out, out);
  if (status != PMMF_OK) {
    long first = pmmf__last_error_get();
    pmmf__w32_close_handle(section);
    pmmf__last_error_set(first);
  }
  return status;
}

int pmmf__os_shm_unlink(const char *name)
{
  /* A section goes with its last handle and view: nothing to remove. */
  (void)name;
  return PMMF_OK;
}

void pmmf__os_sleep_ms(unsigned ms)
{
  w32_Sleep((DWORD)ms);
}
