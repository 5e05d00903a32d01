/* SPDX-License-Identifier: MIT */
/*
 * guard.c - guarded copies on Win32: an in-page error or access violation of
 * the copy itself (inside the range being copied, on the copying thread, with
 * the copy's stack pointer, not that of a handler the dispatcher runs
 * meanwhile) becomes PMMF_E_IO; every other exception goes on
 * (EXCEPTION_CONTINUE_SEARCH). Two mechanisms, by compiler (src/portable.h):
 *
 * - Structured exception handling (cl.exe, clang-cl, clang for MinGW with
 *   -fms-extensions): the copy runs inside __try, and the __except filter
 *   recovers the copy's own faults. Nothing is installed, nothing is pinned.
 * - GCC (MinGW), which has no SEH keywords: a vectored exception handler,
 *   added on the first guarded copy (pinning the module that holds it, so
 *   that FreeLibrary never leaves it pointing into an unloaded DLL). It never
 *   jumps out of the exception dispatcher: it lets the dispatcher finish
 *   (EXCEPTION_CONTINUE_EXECUTION) with the thread redirected to land(), on
 *   the faulting thread's stack below the interrupted copy, and land() jumps
 *   back to the copy as ordinary code (GCC's longjmp builtin).
 */
#include "win32.h"

#include <string.h>

/* One guarded copy in progress: it lives on the copying thread's stack. */
struct guard_frame {
#if !PMMF__HAVE_SEH
  void *resume[5];    /* GCC's setjmp buffer: no unwinding, just a jump */
#endif
  const char *lo, *hi;
  struct guard_frame *outer;
  DWORD code;         /* the exception behind a recovered fault */
};

/* The stack pointer of the faulting context. */
static uintptr_t context_sp(const CONTEXT *context)
{
#if defined(__x86_64__) || defined(_M_X64)
  return (uintptr_t)context->Rsp;
#elif defined(__i386__) || defined(_M_IX86)
  return (uintptr_t)context->Esp;
#elif defined(__aarch64__) || defined(_M_ARM64)
  return (uintptr_t)context->Sp;
#else
#  error "guard.c: no stack pointer for this architecture"
#endif
}

#if PMMF__HAVE_SEH
#  include <excpt.h> /* GetExceptionInformation */
/* Wine's excpt.h (the msvc test leg) declares it only for Wine's own build. */
#  ifndef GetExceptionInformation
#    define GetExceptionInformation() ((EXCEPTION_POINTERS *)_exception_info())
#  endif

/* Whether an exception is a fault of the copy described by `frame`. */
static LONG filter(const EXCEPTION_POINTERS *pointers, struct guard_frame *frame)
{
  const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
  const char *addr;

  if (record->NumberParameters < 2 ||
      (record->ExceptionCode != EXCEPTION_IN_PAGE_ERROR &&
       record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION))
    return EXCEPTION_CONTINUE_SEARCH;
  addr = (const char *)record->ExceptionInformation[1];
  if (addr < frame->lo || addr >= frame->hi ||
      !pmmf__guard_stack_owns(frame, context_sp(pointers->ContextRecord)))
    return EXCEPTION_CONTINUE_SEARCH;
  frame->code = record->ExceptionCode;
  return EXCEPTION_EXECUTE_HANDLER;
}

/* memcpy, called through a pointer the compiler cannot see through: clang
 * turns a direct call into its memcpy intrinsic, which it assumes never
 * raises, and would then drop the __except block as unreachable. */
static void *(*volatile guarded_memcpy)(void *, const void *, size_t) = memcpy;

int pmmf__os_guarded_copy(void *dst, const void *src, size_t length, const void *lo,
                          const void *hi)
{
  struct guard_frame frame;

  frame.lo = lo;
  frame.hi = hi;
  frame.outer = NULL;
  frame.code = 0;
  __try {
    guarded_memcpy(dst, src, length);
  } __except (filter(GetExceptionInformation(), &frame)) {
    return pmmf__fail((long)frame.code, PMMF_E_IO);
  }
  return PMMF_OK;
}

#elif PMMF__HAVE_BUILTIN_SETJMP
/* The innermost guarded copy of each thread lives in a Win32 TLS slot:
 * TlsGetValue never allocates, unlike the emulated TLS behind MinGW gcc's
 * thread-local variables, so the handler may read it on any thread. */
static DWORD tls_index;
static atomic_int install_state; /* 0 none, 1 installing, 2 installed */

/* Where a recovered fault resumes: jump back to the copy. */
static PMMF__NORETURN PMMF__NOINLINE void land(void)
{
  struct guard_frame *frame = w32_TlsGetValue(tls_index);
  PMMF__BUILTIN_LONGJMP(frame->resume);
}

/* Resume `context` in land(), as if called with an aligned stack a little
 * below the interrupted one (whose frames are dead by then: the copy is
 * abandoned). Nothing is written to memory: the dispatcher's own frames sit
 * below the interrupted stack pointer until it resumes the thread. */
static void redirect(CONTEXT *context)
{
#if defined(__x86_64__) || defined(_M_X64)
  context->Rsp = ((context->Rsp - 256) & ~(DWORD64)15) - 8;
  context->Rip = (DWORD64)(uintptr_t)land;
#elif defined(__i386__) || defined(_M_IX86)
  context->Esp = ((context->Esp - 256) & ~(DWORD)15) - 4;
  context->Eip = (DWORD)(uintptr_t)land;
#elif defined(__aarch64__) || defined(_M_ARM64)
  context->Sp = (context->Sp - 256) & ~(DWORD64)15;
  context->Pc = (DWORD64)(uintptr_t)land;
#else
#  error "guard.c: no context redirection for this architecture"
#endif
}

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *pointers)
{
  const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
  struct guard_frame *frame;
  const char *addr;
  DWORD last_error;

  if (record->NumberParameters < 2 ||
      (record->ExceptionCode != EXCEPTION_IN_PAGE_ERROR &&
       record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION))
    return EXCEPTION_CONTINUE_SEARCH;
  /* TlsGetValue clears the thread's last error: the interrupted code may
   * resume (other handlers can repair a fault) and must find it unchanged. */
  last_error = GetLastError();
  frame = w32_TlsGetValue(tls_index);
  SetLastError(last_error);
  addr = (const char *)record->ExceptionInformation[1];
  if (!frame || addr < frame->lo || addr >= frame->hi ||
      !pmmf__guard_stack_owns(frame, context_sp(pointers->ContextRecord)))
    return EXCEPTION_CONTINUE_SEARCH;
  frame->code = record->ExceptionCode;
  redirect(pointers->ContextRecord);
  return EXCEPTION_CONTINUE_EXECUTION;
}

/* Allocate the TLS slot, add the handler and pin this module (the DLL, or
 * the program linked with the static library), once: the handler stays for
 * the process's life, so the code it points to must too (FreeLibrary leaves
 * a pinned module loaded). A failure leaves nothing behind and the next
 * guarded copy tries again. */
static int install(void)
{
  int expected;
  void *handler;
  DWORD index;
  HMODULE self;

  for (;;) {
    if (atomic_load_explicit(&install_state, memory_order_acquire) == 2)
      return PMMF_OK;
    expected = 0;
    if (atomic_compare_exchange_strong(&install_state, &expected, 1))
      break;
    if (expected == 1)
      w32_Sleep(0); /* another thread is installing */
  }
  index = w32_TlsAlloc();
  if (index == TLS_OUT_OF_INDEXES) {
    int status = pmmf__w32_fail_last();
    atomic_store(&install_state, 0);
    return status;
  }
  tls_index = index;
  handler = w32_AddVectoredExceptionHandler(1, on_exception);
  if (!handler) {
    int status = pmmf__w32_fail_last();
    w32_TlsFree(index);
    atomic_store(&install_state, 0);
    return status;
  }
  if (!w32_GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                              (LPCWSTR)(uintptr_t)on_exception, &self)) {
    int status = pmmf__w32_fail_last();
    W32_FN(RemoveVectoredExceptionHandler)(handler);
    w32_TlsFree(index);
    atomic_store(&install_state, 0);
    return status;
  }
  atomic_store_explicit(&install_state, 2, memory_order_release);
  return PMMF_OK;
}

int pmmf__os_guarded_copy(void *dst, const void *src, size_t length, const void *lo,
                          const void *hi)
{
  struct guard_frame frame;
  int status = install();

  if (status != PMMF_OK)
    return status;
  frame.lo = lo;
  frame.hi = hi;
  frame.outer = w32_TlsGetValue(tls_index);
  frame.code = 0;
  if (PMMF__BUILTIN_SETJMP(frame.resume)) {
    w32_TlsSetValue(tls_index, frame.outer);
    return pmmf__fail((long)((volatile struct guard_frame *)&frame)->code, PMMF_E_IO);
  }
  w32_TlsSetValue(tls_index, &frame);
  MemoryBarrier();
  memcpy(dst, src, length);
  MemoryBarrier();
  w32_TlsSetValue(tls_index, frame.outer);
  return PMMF_OK;
}

#else
#  error "guard.c: no guarded copies for this compiler (clang for MinGW needs -fms-extensions)"
#endif
