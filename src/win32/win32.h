/* SPDX-License-Identifier: MIT */
/*
 * win32.h - what the Win32 backend's files share: the replaceable OS-call
 * table (every Win32 call the backend makes goes through it, so tests can swap
 * a call or inject a failure by the call's Win32 name) and the GetLastError
 * egress point.
 */
#ifndef PMMF_WIN32_H
#define PMMF_WIN32_H

/* Vista is the oldest system served (SetFileInformationByHandle); newer
 * calls such as PrefetchVirtualMemory are looked up at run time. */
#ifndef _WIN32_WINNT
#  define _WIN32_WINNT 0x0600
#endif
#ifndef WIN32_LEAN_AND_MEAN
#  define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <winioctl.h>

#include "internal.h"

/* PrefetchVirtualMemory's range entry (Windows 8), declared here so that the
 * build does not depend on the SDK's _WIN32_WINNT. */
struct pmmf__w32_range {
  void *address;
  SIZE_T bytes;
};

/* MapViewOfFile's flag for views of SEC_LARGE_PAGES sections (Windows 10
 * 1703), which older SDKs and Wine's headers do not define. */
#ifndef FILE_MAP_LARGE_PAGES
#  define FILE_MAP_LARGE_PAGES 0x20000000
#endif

/* ntdll's SECTION_BASIC_INFORMATION (class 0 of NtQuerySection), which the
 * SDK does not declare: the section's allocation attributes (SEC_FILE for a
 * file-backed one, SEC_COMMIT for page-file memory) and its size. */
#define PMMF__W32_SECTION_BASIC_INFORMATION 0
struct pmmf__w32_section_basic {
  void *base;
  ULONG attributes;
  LARGE_INTEGER size;
};

/* ntdll's PUBLIC_OBJECT_BASIC_INFORMATION (class 0 of NtQueryObject): the
 * access granted to a handle comes first. */
#define PMMF__W32_OBJECT_BASIC_INFORMATION 0
struct pmmf__w32_object_basic {
  ULONG attributes;
  ACCESS_MASK granted_access;
  ULONG handle_count;
  ULONG pointer_count;
  ULONG reserved[10];
};

/* The table: X(name, return type, parameter types). `name` is the Win32
 * function's name, which is also the name fault injection and
 * pmmf__os_syscall_set use. */
#define PMMF__W32_SYSCALLS(X)                                                                \
  X(CreateFileW, HANDLE, (LPCWSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE)) \
  X(GetFileAttributesW, DWORD, (LPCWSTR))                                                      \
  X(GetFileType, DWORD, (HANDLE))                                                              \
  X(GetFullPathNameW, DWORD, (LPCWSTR, DWORD, LPWSTR, LPWSTR *))                               \
  X(MultiByteToWideChar, int, (UINT, DWORD, LPCCH, int, LPWSTR, int))                          \
  X(GetFileSizeEx, BOOL, (HANDLE, PLARGE_INTEGER))                                             \
  X(SetFileInformationByHandle, BOOL, (HANDLE, FILE_INFO_BY_HANDLE_CLASS, LPVOID, DWORD))      \
  X(DeviceIoControl, BOOL, (HANDLE, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, LPOVERLAPPED)) \
  X(FlushFileBuffers, BOOL, (HANDLE))                                                          \
  X(CloseHandle, BOOL, (HANDLE))                                                               \
  X(CreateFileMappingW, HANDLE, (HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCWSTR)) \
  X(OpenFileMappingW, HANDLE, (DWORD, BOOL, LPCWSTR))                                         \
  X(VirtualQuery, SIZE_T, (LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T))                        \
  X(MapViewOfFileEx, LPVOID, (HANDLE, DWORD, DWORD, DWORD, SIZE_T, LPVOID))                    \
  X(UnmapViewOfFile, BOOL, (LPCVOID))                                                          \
  X(FlushViewOfFile, BOOL, (LPCVOID, SIZE_T))                                                  \
  X(VirtualProtect, BOOL, (LPVOID, SIZE_T, DWORD, PDWORD))                                     \
  X(PrefetchVirtualMemory, BOOL, (HANDLE, ULONG_PTR, struct pmmf__w32_range *, ULONG))         \
  X(AddVectoredExceptionHandler, PVOID, (ULONG, PVECTORED_EXCEPTION_HANDLER))                 \
  X(RemoveVectoredExceptionHandler, ULONG, (PVOID))                                            \
  X(TlsAlloc, DWORD, (void))                                                                   \
  X(TlsFree, BOOL, (DWORD))                                                                    \
  X(TlsGetValue, LPVOID, (DWORD))                                                              \
  X(TlsSetValue, BOOL, (DWORD, LPVOID))                                                        \
  X(GetSystemInfo, void, (LPSYSTEM_INFO))                                                      \
  X(Sleep, void, (DWORD))                                                                      \
  X(GetModuleHandleW, HMODULE, (LPCWSTR))                                                      \
  X(GetProcAddress, FARPROC, (HMODULE, LPCSTR))                                               \
  X(GetModuleHandleExW, BOOL, (DWORD, LPCWSTR, HMODULE *))                                     \
  X(NtQuerySection, BOOL, (HANDLE, DWORD, LPVOID, DWORD))                                      \
  X(OpenProcessToken, BOOL, (HANDLE, DWORD, PHANDLE))                                          \
  X(GetTokenInformation, BOOL, (HANDLE, TOKEN_INFORMATION_CLASS, LPVOID, DWORD, PDWORD))       \
  X(InitializeAcl, BOOL, (PACL, DWORD, DWORD))                                                 \
  X(AddAccessAllowedAce, BOOL, (PACL, DWORD, DWORD, PSID))                                     \
  X(InitializeSecurityDescriptor, BOOL, (PSECURITY_DESCRIPTOR, DWORD))                         \
  X(SetSecurityDescriptorDacl, BOOL, (PSECURITY_DESCRIPTOR, BOOL, PACL, BOOL))                 \
  X(SetSecurityDescriptorControl, BOOL,                                                        \
    (PSECURITY_DESCRIPTOR, SECURITY_DESCRIPTOR_CONTROL, SECURITY_DESCRIPTOR_CONTROL))          \
  X(DuplicateHandle, BOOL, (HANDLE, HANDLE, HANDLE, LPHANDLE, DWORD, BOOL, DWORD))             \
  X(GetFileInformationByHandle, BOOL, (HANDLE, LPBY_HANDLE_FILE_INFORMATION))                  \
  X(NtQueryObject, BOOL, (HANDLE, DWORD, LPVOID, DWORD))                                       \
  X(VirtualLock, BOOL, (LPVOID, SIZE_T))                                                       \
  X(VirtualUnlock, BOOL, (LPVOID, SIZE_T))                                                     \
  X(GetLargePageMinimum, SIZE_T, (void))                                                       \
  X(LookupPrivilegeValueW, BOOL, (LPCWSTR, LPCWSTR, PLUID))                                    \
  X(AdjustTokenPrivileges, BOOL,                                                               \
    (HANDLE, BOOL, PTOKEN_PRIVILEGES, DWORD, PTOKEN_PRIVILEGES, PDWORD))                       \
  X(WriteFile, BOOL, (HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED))                          \
  X(GetFileInformationByHandleEx, BOOL, (HANDLE, FILE_INFO_BY_HANDLE_CLASS, LPVOID, DWORD))

/* One index and one function-pointer type per call. */
enum pmmf__w32_call {
#define PMMF__W32_INDEX_(name, ret, params) PMMF__W32_##name,
  PMMF__W32_SYSCALLS(PMMF__W32_INDEX_)
#undef PMMF__W32_INDEX_
  PMMF__W32_CALL_COUNT
};

#define PMMF__W32_TYPE_(name, ret, params) typedef ret(WINAPI *pmmf__w32_##name##_fn) params;
PMMF__W32_SYSCALLS(PMMF__W32_TYPE_)
#undef PMMF__W32_TYPE_

extern struct pmmf__syscall pmmf__w32_syscalls[PMMF__W32_CALL_COUNT];

/* The current function of a call, typed. */
#define W32_FN(name) ((pmmf__w32_##name##_fn)pmmf__w32_syscalls[PMMF__W32_##name].current)

/* Whether an armed fault fails the call named `name` now (its error is then
 * set with SetLastError). */
int pmmf__w32_fault(const char *name);

/* Call `name` through the table unless an armed fault fails it: the result
 * is then `failed`, with GetLastError() giving the injected code, exactly as
 * a real failure of that call looks. */
#define W32_CALL(name, failed, ...)                                   \
  ((pmmf__fault_armed && pmmf__w32_fault(#name)) ? (failed)           \
                                                 : W32_FN(name)(__VA_ARGS__))

#define w32_CreateFileW(...) W32_CALL(CreateFileW, INVALID_HANDLE_VALUE, __VA_ARGS__)
#define w32_GetFileAttributesW(...) \
  W32_CALL(GetFileAttributesW, INVALID_FILE_ATTRIBUTES, __VA_ARGS__)
#define w32_GetFileType(...) W32_CALL(GetFileType, FILE_TYPE_UNKNOWN, __VA_ARGS__)
#define w32_GetFullPathNameW(...) W32_CALL(GetFullPathNameW, 0, __VA_ARGS__)
#define w32_MultiByteToWideChar(...) W32_CALL(MultiByteToWideChar, 0, __VA_ARGS__)
#define w32_GetFileSizeEx(...) W32_CALL(GetFileSizeEx, FALSE, __VA_ARGS__)
#define w32_SetFileInformationByHandle(...) \
  W32_CALL(SetFileInformationByHandle, FALSE, __VA_ARGS__)
#define w32_DeviceIoControl(...) W32_CALL(DeviceIoControl, FALSE, __VA_ARGS__)
#define w32_FlushFileBuffers(...) W32_CALL(FlushFileBuffers, FALSE, __VA_ARGS__)
#define w32_CreateFileMappingW(...) W32_CALL(CreateFileMappingW, NULL, __VA_ARGS__)
#define w32_OpenFileMappingW(...) W32_CALL(OpenFileMappingW, NULL, __VA_ARGS__)
#define w32_VirtualQuery(...) W32_CALL(VirtualQuery, 0, __VA_ARGS__)
#define w32_MapViewOfFileEx(...) W32_CALL(MapViewOfFileEx, NULL, __VA_ARGS__)
#define w32_FlushViewOfFile(...) W32_CALL(FlushViewOfFile, FALSE, __VA_ARGS__)
#define w32_VirtualProtect(...) W32_CALL(VirtualProtect, FALSE, __VA_ARGS__)
#define w32_AddVectoredExceptionHandler(...) \
  W32_CALL(AddVectoredExceptionHandler, NULL, __VA_ARGS__)
#define w32_RemoveVectoredExceptionHandler(...) \
  W32_CALL(RemoveVectoredExceptionHandler, 0, __VA_ARGS__)
#define w32_PrefetchVirtualMemory(...) W32_CALL(PrefetchVirtualMemory, FALSE, __VA_ARGS__)
#define w32_GetModuleHandleExW(...) W32_CALL(GetModuleHandleExW, FALSE, __VA_ARGS__)
/* NtQuerySection is ntdll's, looked up at run time; the table's entry has the
 * Win32 conventions (FALSE and GetLastError(); ERROR_CALL_NOT_IMPLEMENTED
 * where ntdll lacks the call or the information class). */
#define w32_NtQuerySection(...) W32_CALL(NtQuerySection, FALSE, __VA_ARGS__)
#define w32_OpenProcessToken(...) W32_CALL(OpenProcessToken, FALSE, __VA_ARGS__)
#define w32_GetTokenInformation(...) W32_CALL(GetTokenInformation, FALSE, __VA_ARGS__)
#define w32_InitializeAcl(...) W32_CALL(InitializeAcl, FALSE, __VA_ARGS__)
#define w32_AddAccessAllowedAce(...) W32_CALL(AddAccessAllowedAce, FALSE, __VA_ARGS__)
#define w32_InitializeSecurityDescriptor(...) \
  W32_CALL(InitializeSecurityDescriptor, FALSE, __VA_ARGS__)
#define w32_SetSecurityDescriptorDacl(...) W32_CALL(SetSecurityDescriptorDacl, FALSE, __VA_ARGS__)
#define w32_SetSecurityDescriptorControl(...) \
  W32_CALL(SetSecurityDescriptorControl, FALSE, __VA_ARGS__)
#define w32_DuplicateHandle(...) W32_CALL(DuplicateHandle, FALSE, __VA_ARGS__)
#define w32_GetFileInformationByHandle(...) \
  W32_CALL(GetFileInformationByHandle, FALSE, __VA_ARGS__)
/* ntdll's NtQueryObject, looked up at run time, with Win32 conventions as
 * NtQuerySection. */
#define w32_NtQueryObject(...) W32_CALL(NtQueryObject, FALSE, __VA_ARGS__)
#define w32_VirtualLock(...) W32_CALL(VirtualLock, FALSE, __VA_ARGS__)
#define w32_VirtualUnlock(...) W32_CALL(VirtualUnlock, FALSE, __VA_ARGS__)
#define w32_LookupPrivilegeValueW(...) W32_CALL(LookupPrivilegeValueW, FALSE, __VA_ARGS__)
#define w32_AdjustTokenPrivileges(...) W32_CALL(AdjustTokenPrivileges, FALSE, __VA_ARGS__)
/* Cannot fail (0 is its answer for "none"): no fault check. */
#define w32_GetLargePageMinimum() W32_FN(GetLargePageMinimum)()
#define w32_WriteFile(...) W32_CALL(WriteFile, FALSE, __VA_ARGS__)
#define w32_GetFileInformationByHandleEx(...) \
  W32_CALL(GetFileInformationByHandleEx, FALSE, __VA_ARGS__)
#define w32_TlsAlloc()                                                   \
  ((pmmf__fault_armed && pmmf__w32_fault("TlsAlloc")) ? TLS_OUT_OF_INDEXES \
                                                      : W32_FN(TlsAlloc)())

/* Calls that cannot fail (GetSystemInfo, Sleep, the TLS calls on a valid
 * index, which the exception handler makes too) and the loader look-ups
 * behind the cached PrefetchVirtualMemory pointer (a fault there would be
 * remembered for the process's life) go through the table without a fault
 * check. */
#define w32_GetSystemInfo(info) W32_FN(GetSystemInfo)(info)
#define w32_Sleep(ms) W32_FN(Sleep)(ms)
#define w32_TlsFree(index) W32_FN(TlsFree)(index)
#define w32_TlsGetValue(index) W32_FN(TlsGetValue)(index)
#define w32_TlsSetValue(index, value) W32_FN(TlsSetValue)(index, value)

/* The releasing calls: the handle or view is released even when a failure is
 * injected (the public contract says close and unmap release all the same),
 * and the injected failure is then reported. */
BOOL pmmf__w32_close_handle(HANDLE handle);
BOOL pmmf__w32_unmap_view(void *base);

/* Whether PrefetchVirtualMemory exists (Windows 8 and later) or the table
 * entry has been replaced. */
int pmmf__w32_prefetch_available(void);

/* Growth (file.c): make the file sparse first when asked (best effort: FAT
 * and some network file systems cannot), and the status for a growth that
 * failed with `code`. */
void pmmf__w32_sparse_if(HANDLE file, int sparse);
int pmmf__w32_grow_fail(DWORD code);

/* The egress point: a Win32 error code becomes a status, the raw code is kept. */
int pmmf__w32_fail(DWORD code);
/* The same for GetLastError(). */
int pmmf__w32_fail_last(void);

#endif /* PMMF_WIN32_H */
