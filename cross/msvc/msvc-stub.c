/* SPDX-License-Identifier: MIT */
/*
 * msvc-stub.c - TEST SCAFFOLDING for the msvc and win-arm64-msvc legs of
 * scripts/test.sh, never part of libportmmf: what the MSVC runtime's static
 * part (vcruntime's objects, linked into every image) gives a program and a
 * DLL, and Wine's import libraries (package libwine-dev) lack. Only those
 * legs link it (cross/msvc/msvc-tool, named by the cross files cross/ARCH-pc-windows-msvc.txt); a
 * real MSVC or clang-cl build links Microsoft's runtime instead.
 *
 * - the /GS stack cookie: __security_cookie, __security_check_cookie;
 * - the TLS directory of an image with thread-local variables: _tls_used,
 *   _tls_index, the .tls section's bounds and the (empty) callback list;
 * - a DLL's entry point, _DllMainCRTStartup (ucrtbase initialises itself);
 * - _fltused, which the compiler references where floating point is used;
 * - atexit, which Wine's stdlib.h declares as imported from the runtime DLL
 *   (MSVC's comes from its static part): ucrtbase's _crt_atexit.
 * - on aarch64 (built, not run), a program's entry point, mainCRTStartup
 *   (compiled with -DPMMF_STUB_MAIN, a second object of the library, so
 *   that a DLL does not pull it in): on x86_64 it comes from Wine's
 *   libucrtbase.a, which has no arm64 twin.
 */
#include <stdint.h>
#include <stdlib.h>

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#ifndef PMMF_STUB_MAIN /* the part every image links */

/* /GS: the cookie every protected frame copies and checks on return. A
 * fixed value is enough for a test harness (the runtime randomises it). */
uintptr_t __security_cookie = (uintptr_t)0x2B992DDFA232ull;

void __security_check_cookie(uintptr_t cookie)
{
  if (cookie != __security_cookie)
    abort();
}

int _fltused = 0x9875;

/* atexit: Wine's header says __declspec(dllimport), so callers load its
 * address from __imp_atexit. */
__declspec(dllimport) int __cdecl _crt_atexit(void(__cdecl *function)(void));
static int __cdecl stub_atexit(void(__cdecl *function)(void))
{
  return _crt_atexit(function);
}
int(__cdecl *__imp_atexit)(void(__cdecl *)(void)) = stub_atexit;

/* Thread-local storage: the loader copies .tls$ (between _tls_start and
 * _tls_end, in section order) into each thread's block and stores the
 * module's slot number in _tls_index. */
ULONG _tls_index = 0;

#pragma section(".tls", read, write)
#pragma section(".tls$ZZZ", read, write)
#pragma section(".CRT$XLA", read)
#pragma section(".CRT$XLZ", read)
__declspec(allocate(".tls")) char _tls_start = 0;
__declspec(allocate(".tls$ZZZ")) char _tls_end = 0;
__declspec(allocate(".CRT$XLA")) const PIMAGE_TLS_CALLBACK __xl_a = 0;
__declspec(allocate(".CRT$XLZ")) const PIMAGE_TLS_CALLBACK __xl_z = 0;

const IMAGE_TLS_DIRECTORY _tls_used = {
  (ULONG_PTR)&_tls_start, (ULONG_PTR)&_tls_end, (ULONG_PTR)&_tls_index,
  (ULONG_PTR)(&__xl_a + 1), 0, 0,
};

/* A DLL's entry point: nothing to initialise (ucrtbase.dll does its own). */
BOOL WINAPI _DllMainCRTStartup(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
  (void)instance;
  (void)reason;
  (void)reserved;
  return TRUE;
}

#else /* PMMF_STUB_MAIN: an object of its own, which only programs pull in */

/* A program's entry point on aarch64: ucrtbase's arguments, main, exit. */
int main(int argc, char **argv);
__declspec(dllimport) int __cdecl _configure_narrow_argv(int mode);
__declspec(dllimport) int __cdecl _initialize_narrow_environment(void);
__declspec(dllimport) int *__cdecl __p___argc(void);
__declspec(dllimport) char ***__cdecl __p___argv(void);

int mainCRTStartup(void)
{
  _configure_narrow_argv(1); /* _crt_argv_unexpanded_arguments */
  _initialize_narrow_environment();
  exit(main(*__p___argc(), *__p___argv()));
}
#endif
