/* SPDX-License-Identifier: MIT */
/*
 * syscalls.c - the Win32 backend's OS-call table, after SQLite's aSyscall[]:
 * each entry names a Win32 call, its current function and its original, so
 * test builds can replace any call (pmmf__os_syscall_set, in the common
 * layer) or make it fail
 * (pmmf__fault_arm) without touching the code that calls it. Also the calls
 * that release even when they fail, and the run-time look-ups of calls not
 * every system has (PrefetchVirtualMemory, GetLargePageMinimum, ntdll's
 * NtQuerySection and NtQueryObject).
 */
#include "win32.h"

/* Calls that not every Windows (or Wine) has are looked up once, at their
 * first use, and the answer is kept (0 unknown, 1 absent, 2 present).
 * Concurrent first uses store the same answer. */
struct late_call {
  atomic_int state;
  PMMF__ATOMIC(pmmf__syscall_ptr) real;
};

static pmmf__syscall_ptr late_resolve(struct late_call *call, const wchar_t *module,
                                      const char *name)
{
  int state = atomic_load_explicit(&call->state, memory_order_acquire);
  if (state == 0) {
    HMODULE dll = W32_FN(GetModuleHandleW)(module);
    FARPROC found = dll ? W32_FN(GetProcAddress)(dll, name) : NULL;
    atomic_store_explicit(&call->real, (pmmf__syscall_ptr)found, memory_order_relaxed);
    state = found ? 2 : 1;
    atomic_store_explicit(&call->state, state, memory_order_release);
  }
  if (state != 2)
    return NULL;
  return atomic_load_explicit(&call->real, memory_order_relaxed);
}

/* PrefetchVirtualMemory (Windows 8 on): the table's original is the real
 * one when it exists, else a failure with ERROR_CALL_NOT_IMPLEMENTED. */
static struct late_call prefetch_late;

static BOOL WINAPI prefetch_call(HANDLE process, ULONG_PTR count, struct pmmf__w32_range *ranges,
                                 ULONG flags)
{
  pmmf__w32_PrefetchVirtualMemory_fn real = (pmmf__w32_PrefetchVirtualMemory_fn)late_resolve(
    &prefetch_late, L"kernel32.dll", "PrefetchVirtualMemory");
  if (!real) {
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
  }
  return real(process, count, ranges, flags);
}

/* ntdll's NtQuerySection and NtQueryObject, which the SDK does not declare,
 * with Win32 conventions: TRUE, or FALSE and the last error from the
 * NTSTATUS (RtlNtStatusToDosError); ERROR_CALL_NOT_IMPLEMENTED where the call
 * is missing or the system (or an emulator) cannot answer
 * (STATUS_NOT_IMPLEMENTED, STATUS_INVALID_INFO_CLASS). */
typedef LONG(WINAPI *nt_query_section_fn)(HANDLE, DWORD, PVOID, SIZE_T, PSIZE_T);
typedef LONG(WINAPI *nt_query_object_fn)(HANDLE, DWORD, PVOID, ULONG, PULONG);
typedef ULONG(WINAPI *nt_status_to_error_fn)(LONG);
static struct late_call nt_section_late, nt_object_late, nt_error_late;

static BOOL nt_answer(LONG nt)
{
  nt_status_to_error_fn to_error;

  if (nt >= 0)
    return TRUE;
  if ((ULONG)nt == 0xC0000002u || (ULONG)nt == 0xC0000003u) {
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
  }
  to_error = (nt_status_to_error_fn)late_resolve(&nt_error_late, L"ntdll.dll",
                                                 "RtlNtStatusToDosError");
  SetLastError(to_error ? (DWORD)to_error(nt) : ERROR_GEN_FAILURE);
  return FALSE;
}

static BOOL WINAPI query_section_call(HANDLE section, DWORD info_class, LPVOID info,
                                      DWORD length)
{
  nt_query_section_fn query =
    (nt_query_section_fn)late_resolve(&nt_section_late, L"ntdll.dll", "NtQuerySection");
  SIZE_T got = 0;

  if (!query) {
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
  }
  return nt_answer(query(section, info_class, info, length, &got));
}

static BOOL WINAPI query_object_call(HANDLE object, DWORD info_class, LPVOID info, DWORD length)
{
  nt_query_object_fn query =
    (nt_query_object_fn)late_resolve(&nt_object_late, L"ntdll.dll", "NtQueryObject");
  ULONG got = 0;

  if (!query) {
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
  }
  return nt_answer(query(object, info_class, info, length, &got));
}

/* GetLargePageMinimum: Wine's headers (which the msvc leg compiles against)
 * do not declare it. 0 (no large pages) where it is missing. */
typedef SIZE_T(WINAPI *large_page_minimum_fn)(void);
static struct late_call large_late;

static SIZE_T WINAPI large_page_minimum_call(void)
{
  large_page_minimum_fn real =
    (large_page_minimum_fn)late_resolve(&large_late, L"kernel32.dll", "GetLargePageMinimum");
  return real ? real() : 0;
}

/* The casts through each call's own pointer type make the compiler check the
 * table's signature against the SDK's declaration (-Wcast-function-type). */
#define ENTRY(name, fn)                                                  \
  {                                                                      \
    #name, (pmmf__syscall_ptr)(pmmf__w32_##name##_fn)(fn),               \
      (pmmf__syscall_ptr)(pmmf__w32_##name##_fn)(fn)                     \
  }

struct pmmf__syscall pmmf__w32_syscalls[PMMF__W32_CALL_COUNT] = {
  [PMMF__W32_CreateFileW] = ENTRY(CreateFileW, CreateFileW),
  [PMMF__W32_GetFileAttributesW] = ENTRY(GetFileAttributesW, GetFileAttributesW),
  [PMMF__W32_GetFileType] = ENTRY(GetFileType, GetFileType),
  [PMMF__W32_GetFullPathNameW] = ENTRY(GetFullPathNameW, GetFullPathNameW),
  [PMMF__W32_MultiByteToWideChar] = ENTRY(MultiByteToWideChar, MultiByteToWideChar),
  [PMMF__W32_GetFileSizeEx] = ENTRY(GetFileSizeEx, GetFileSizeEx),
  [PMMF__W32_SetFileInformationByHandle] =
    ENTRY(SetFileInformationByHandle, SetFileInformationByHandle),
  [PMMF__W32_DeviceIoControl] = ENTRY(DeviceIoControl, DeviceIoControl),
  [PMMF__W32_FlushFileBuffers] = ENTRY(FlushFileBuffers, FlushFileBuffers),
  [PMMF__W32_CloseHandle] = ENTRY(CloseHandle, CloseHandle),
  [PMMF__W32_CreateFileMappingW] = ENTRY(CreateFileMappingW, CreateFileMappingW),
  [PMMF__W32_OpenFileMappingW] = ENTRY(OpenFileMappingW, OpenFileMappingW),
  [PMMF__W32_VirtualQuery] = ENTRY(VirtualQuery, VirtualQuery),
  [PMMF__W32_MapViewOfFileEx] = ENTRY(MapViewOfFileEx, MapViewOfFileEx),
  [PMMF__W32_UnmapViewOfFile] = ENTRY(UnmapViewOfFile, UnmapViewOfFile),
  [PMMF__W32_FlushViewOfFile] = ENTRY(FlushViewOfFile, FlushViewOfFile),
  [PMMF__W32_VirtualProtect] = ENTRY(VirtualProtect, VirtualProtect),
  [PMMF__W32_PrefetchVirtualMemory] = ENTRY(PrefetchVirtualMemory, prefetch_call),
  [PMMF__W32_AddVectoredExceptionHandler] =
    ENTRY(AddVectoredExceptionHandler, AddVectoredExceptionHandler),
  [PMMF__W32_RemoveVectoredExceptionHandler] =
    ENTRY(RemoveVectoredExceptionHandler, RemoveVectoredExceptionHandler),
  [PMMF__W32_TlsAlloc] = ENTRY(TlsAlloc, TlsAlloc),
  [PMMF__W32_TlsFree] = ENTRY(TlsFree, TlsFree),
  [PMMF__W32_TlsGetValue] = ENTRY(TlsGetValue, TlsGetValue),
  [PMMF__W32_TlsSetValue] = ENTRY(TlsSetValue, TlsSetValue),
  [PMMF__W32_GetSystemInfo] = ENTRY(GetSystemInfo, GetSystemInfo),
  [PMMF__W32_Sleep] = ENTRY(Sleep, Sleep),
  [PMMF__W32_GetModuleHandleW] = ENTRY(GetModuleHandleW, GetModuleHandleW),
  [PMMF__W32_GetProcAddress] = ENTRY(GetProcAddress, GetProcAddress),
  [PMMF__W32_GetModuleHandleExW] = ENTRY(GetModuleHandleExW, GetModuleHandleExW),
  [PMMF__W32_NtQuerySection] = ENTRY(NtQuerySection, query_section_call),
  [PMMF__W32_OpenProcessToken] = ENTRY(OpenProcessToken, OpenProcessToken),
  [PMMF__W32_GetTokenInformation] = ENTRY(GetTokenInformation, GetTokenInformation),
  [PMMF__W32_InitializeAcl] = ENTRY(InitializeAcl, InitializeAcl),
  [PMMF__W32_AddAccessAllowedAce] = ENTRY(AddAccessAllowedAce, AddAccessAllowedAce),
  [PMMF__W32_InitializeSecurityDescriptor] =
    ENTRY(InitializeSecurityDescriptor, InitializeSecurityDescriptor),
  [PMMF__W32_SetSecurityDescriptorDacl] = ENTRY(SetSecurityDescriptorDacl, SetSecurityDescriptorDacl),
  [PMMF__W32_SetSecurityDescriptorControl] =
    ENTRY(SetSecurityDescriptorControl, SetSecurityDescriptorControl),
  [PMMF__W32_DuplicateHandle] = ENTRY(DuplicateHandle, DuplicateHandle),
  [PMMF__W32_GetFileInformationByHandle] =
    ENTRY(GetFileInformationByHandle, GetFileInformationByHandle),
  [PMMF__W32_NtQueryObject] = ENTRY(NtQueryObject, query_object_call),
  [PMMF__W32_VirtualLock] = ENTRY(VirtualLock, VirtualLock),
  [PMMF__W32_VirtualUnlock] = ENTRY(VirtualUnlock, VirtualUnlock),
  [PMMF__W32_GetLargePageMinimum] = ENTRY(GetLargePageMinimum, large_page_minimum_call),
  [PMMF__W32_LookupPrivilegeValueW] = ENTRY(LookupPrivilegeValueW, LookupPrivilegeValueW),
  [PMMF__W32_AdjustTokenPrivileges] = ENTRY(AdjustTokenPrivileges, AdjustTokenPrivileges),
  [PMMF__W32_WriteFile] = ENTRY(WriteFile, WriteFile),
  [PMMF__W32_GetFileInformationByHandleEx] =
    ENTRY(GetFileInformationByHandleEx, GetFileInformationByHandleEx),
};

int pmmf__w32_fault(const char *name)
{
  long code = pmmf__fault_check_slow(name);
  if (!code)
    return 0;
  SetLastError((DWORD)code);
  return 1;
}

BOOL pmmf__w32_close_handle(HANDLE handle)
{
  long injected = PMMF__FAULT("CloseHandle");
  BOOL ok = W32_FN(CloseHandle)(handle);
  if (injected) {
    SetLastError((DWORD)injected);
    return FALSE;
  }
  return ok;
}

BOOL pmmf__w32_unmap_view(void *base)
{
  long injected = PMMF__FAULT("UnmapViewOfFile");
  BOOL ok = W32_FN(UnmapViewOfFile)(base);
  if (injected) {
    SetLastError((DWORD)injected);
    return FALSE;
  }
  return ok;
}

int pmmf__w32_prefetch_available(void)
{
  const struct pmmf__syscall *entry = &pmmf__w32_syscalls[PMMF__W32_PrefetchVirtualMemory];
  return entry->current != entry->original ||
         late_resolve(&prefetch_late, L"kernel32.dll", "PrefetchVirtualMemory") != NULL;
}

struct pmmf__syscall *pmmf__os_syscall_table(size_t *count)
{
  *count = PMMF__W32_CALL_COUNT;
  return pmmf__w32_syscalls;
}
