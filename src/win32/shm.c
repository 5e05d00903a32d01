/* SPDX-License-Identifier: MIT */
/*
 * shm.c - named shared memory on Win32: page-file-backed sections named
 * Local\<name> (this session's namespace). CreateFileMappingW creates or
 * opens (ERROR_ALREADY_EXISTS says which), OpenFileMappingW only opens. New
 * sections get an owner-only DACL (the process token's user, nobody else: as
 * POSIX's 0600). An existing section is asked what it is (NtQuerySection,
 * SectionBasicInformation): one backed by a file (SEC_FILE, or an image) was
 * planted by someone else and is refused; its size is the size it reports,
 * rounded up to the page size. Where the query is missing, the size is what
 * VirtualQuery reports for a temporary view of all of it (PMMF_E_TOO_LARGE
 * when all of it does not fit the address space). A section's name
 * lives while a handle to it is open (a map keeps its handle while any of its
 * views is alive), so there is nothing to unlink.
 */
#include "win32.h"

#include <string.h>

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

/* Without the query: the size of an existing section is found by mapping all
 * of it for a moment. That fails for a section larger than the free address
 * space of the process (any section beyond 4 GiB in a 32-bit process): the
 * answer is then PMMF_E_TOO_LARGE, the object does not fit this process's
 * address space, rather than an out-of-memory that says nothing of the
 * object (pmmf_last_os_error() keeps the OS's code). */
static int section_size_by_view(uint64_t *size, const struct pmmf__os_map *section)
{
  MEMORY_BASIC_INFORMATION info;
  void *base;
  DWORD code = 0;
  int status;

  /* Length 0: MapViewOfFileEx maps the whole section. */
  status = pmmf__os_view_map(&base, section, 0, 0, PMMF_ACCESS_READ, 0, NULL);
  if (status == PMMF_E_NO_MEMORY && pmmf__last_error_get() == ERROR_NOT_ENOUGH_MEMORY)
    return pmmf__fail(ERROR_NOT_ENOUGH_MEMORY, PMMF_E_TOO_LARGE);
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

/* An existing section: refused if a file backs it; else its size. */
static int section_check(uint64_t *size, const struct pmmf__os_map *section)
{
  struct pmmf__w32_section_basic info;
  uint64_t page = (uint64_t)pmmf__os_page_size();
  DWORD code;

  memset(&info, 0, sizeof info);
  if (!w32_NtQuerySection((HANDLE)section->handle, PMMF__W32_SECTION_BASIC_INFORMATION, &info,
                          (DWORD)sizeof info)) {
    code = GetLastError();
    if (code == ERROR_CALL_NOT_IMPLEMENTED)
      return section_size_by_view(size, section);
    return pmmf__w32_fail(code);
  }
  /* SEC_IMAGE sections are file-backed too. */
  if (info.attributes & (SEC_FILE | SEC_IMAGE))
    return pmmf__reject(PMMF_E_ACCESS);
  *size = pmmf__align_up((uint64_t)info.size.QuadPart, page);
  return PMMF_OK;
}

/* The security of a new section: a DACL with one entry, all access for the
 * user of the process's token, protected from inherited entries. */
struct owner_only {
  SECURITY_ATTRIBUTES attributes;
  SECURITY_DESCRIPTOR descriptor;
  union {
    ACL acl;
    BYTE bytes[sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) + SECURITY_MAX_SID_SIZE];
  } dacl;
};

static int owner_only_init(struct owner_only *sec)
{
  union {
    TOKEN_USER user;
    BYTE bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
  } token_user;
  HANDLE token;
  DWORD got = 0, code = 0;

  if (!w32_OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
    return pmmf__w32_fail_last();
  if (!w32_GetTokenInformation(token, TokenUser, &token_user, (DWORD)sizeof token_user, &got))
    code = GetLastError();
  pmmf__w32_close_handle(token); /* a query handle: nothing to report */
  if (code)
    return pmmf__w32_fail(code);
  if (!w32_InitializeAcl(&sec->dacl.acl, (DWORD)sizeof sec->dacl, ACL_REVISION) ||
      !w32_AddAccessAllowedAce(&sec->dacl.acl, ACL_REVISION, SECTION_ALL_ACCESS,
                               token_user.user.User.Sid) ||
      !w32_InitializeSecurityDescriptor(&sec->descriptor, SECURITY_DESCRIPTOR_REVISION) ||
      !w32_SetSecurityDescriptorDacl(&sec->descriptor, TRUE, &sec->dacl.acl, FALSE) ||
      !w32_SetSecurityDescriptorControl(&sec->descriptor, SE_DACL_PROTECTED, SE_DACL_PROTECTED))
    return pmmf__w32_fail_last();
  sec->attributes.nLength = (DWORD)sizeof sec->attributes;
  sec->attributes.lpSecurityDescriptor = &sec->descriptor;
  sec->attributes.bInheritHandle = FALSE;
  return PMMF_OK;
}

int pmmf__os_shm_open(struct pmmf__os_map *out, uint64_t *size_out, const char *name,
                      uint64_t size, pmmf_access access, int mode, int *created)
{
  wchar_t wide[40];
  HANDLE section;
  int status;

  section_name(wide, name);
  if (mode == PMMF_SHM_OPEN_ONLY) {
    /* READ and COPY views need only read access to the section; the query
     * needs SECTION_QUERY (a section that denies it is refused). */
    DWORD rights = (access == PMMF_ACCESS_WRITE ? FILE_MAP_READ | FILE_MAP_WRITE : FILE_MAP_READ) |
                   SECTION_QUERY;
    section = w32_OpenFileMappingW(rights, FALSE, wide);
    if (!section)
      return pmmf__w32_fail_last();
    *created = 0;
  } else {
    struct owner_only sec;
    status = owner_only_init(&sec);
    if (status != PMMF_OK)
      return status;
    SetLastError(ERROR_SUCCESS);
    section = w32_CreateFileMappingW(INVALID_HANDLE_VALUE, &sec.attributes, PAGE_READWRITE,
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
  status = section_check(size_out, out);
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
