/* SPDX-License-Identifier: MIT */
/*
 * portable.h - the one place for compiler-specific spellings in src/: C11
 * atomics (or, for cl.exe without /experimental:c11atomics, a small
 * Interlocked* stand-in with the same names), thread-local storage,
 * noreturn/noinline, and whether the compiler has structured exception
 * handling (__try/__except) for the Win32 guarded copies, and the setjmp
 * builtins the guarded copies may use. Everything else in
 * src/ is plain C11. Included by internal.h; nothing here is public.
 */
#ifndef PMMF_PORTABLE_H
#define PMMF_PORTABLE_H

#include <stddef.h>
#include <stdint.h> /* also defines __GLIBC__ where it applies */

/* --- thread-local storage --------------------------------------------------
 * PMMF__THREAD_LOCAL: a thread-local object. cl.exe's C compiler spells it
 * __declspec(thread); clang-cl and every other C11 compiler take
 * _Thread_local (both give the image a TLS directory).
 * PMMF__TLS_INITIAL_EXEC: the initial-exec TLS model, whose accesses never
 * allocate (glibc would otherwise give a library loaded with dlopen its TLS
 * block lazily, through malloc: not usable from a signal handler). Only on
 * glibc: musl refuses initial-exec TLS in a module loaded with dlopen (and
 * allocates every module's TLS up front anyway). */
#if defined(_MSC_VER) && !defined(__clang__)
#  define PMMF__THREAD_LOCAL __declspec(thread)
#else
#  define PMMF__THREAD_LOCAL _Thread_local
#endif
#if defined(__GLIBC__) && defined(__ELF__) && defined(__GNUC__)
#  define PMMF__TLS_INITIAL_EXEC __attribute__((tls_model("initial-exec")))
#else
#  define PMMF__TLS_INITIAL_EXEC
#endif

/* --- functions that never return / are never inlined ---------------------- */
#if defined(_MSC_VER) && !defined(__clang__)
#  define PMMF__NORETURN __declspec(noreturn)
#  define PMMF__NOINLINE __declspec(noinline)
#elif defined(__GNUC__) || defined(__clang__)
#  define PMMF__NORETURN __attribute__((noreturn))
#  define PMMF__NOINLINE __attribute__((noinline))
#else
#  define PMMF__NORETURN _Noreturn
#  define PMMF__NOINLINE
#endif

/* --- structured exception handling -----------------------------------------
 * PMMF__HAVE_SEH: __try/__except work: cl.exe and clang-cl (which define
 * _MSC_VER), and clang for a MinGW target with -fms-extensions (meson.build
 * and CMakeLists.txt pass it; no macro says so, but the SEH builtins then
 * exist). GCC has no SEH keywords: src/win32/guard.c then uses a vectored
 * exception handler and GCC's setjmp builtins. */
#if defined(_WIN32) && defined(_MSC_VER)
#  define PMMF__HAVE_SEH 1
#elif defined(_WIN32) && defined(__clang__) && defined(__has_builtin)
#  if __has_builtin(_exception_code)
#    define PMMF__HAVE_SEH 1
#  endif
#endif
#ifndef PMMF__HAVE_SEH
#  define PMMF__HAVE_SEH 0
#endif

/* --- GCC's setjmp builtins ------------------------------------------------------
 * __builtin_setjmp/__builtin_longjmp save and restore only what the jump
 * needs (no unwinding, no signal mask). Only with GCC: clang miscompiles
 * __builtin_setjmp on Win64 (it saves the wrong frame pointer, LLVM issue
 * 72908) and refuses it for ARM64 Windows, so clang never gets them. */
#if defined(__GNUC__) && !defined(__clang__)
#  define PMMF__HAVE_BUILTIN_SETJMP 1
#  define PMMF__BUILTIN_SETJMP(buf) __builtin_setjmp(buf)
#  define PMMF__BUILTIN_LONGJMP(buf) __builtin_longjmp(buf, 1)
#else
#  define PMMF__HAVE_BUILTIN_SETJMP 0
#endif

/* --- a cheap resume point for POSIX guarded copies -------------------------
 * PMMF__HAVE_FAST_RESUME: GCC's and Clang's __builtin_setjmp/longjmp may save
 * and restore the point a recovered fault resumes at (frame, stack, resume
 * address, inline; no libc call, no callee-saved registers). Only on ELF
 * x86 and x86-64 (Clang 14 has no lowering for aarch64 or s390x; GCC's
 * generic one is not run here; the Win64 miscompile above is not ELF's), and
 * never under the sanitizers (they intercept siglongjmp to unpoison or unwind
 * their shadow stacks, which a builtin jump would bypass) or with CET shadow
 * stacks (__CET__: glibc's longjmp unwinds the shadow stack, the builtin may
 * not). Elsewhere src/posix/guard.c uses sigsetjmp(buf, 0). */
#if !defined(_WIN32) && defined(__GNUC__) && !defined(__CET__) &&                  \
  !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) &&               \
  (defined(__x86_64__) || defined(__i386__))
#  define PMMF__HAVE_FAST_RESUME 1
#  if defined(__has_feature)
#    if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||      \
      __has_feature(memory_sanitizer)
#      undef PMMF__HAVE_FAST_RESUME
#      define PMMF__HAVE_FAST_RESUME 0
#    endif
#  endif
#else
#  define PMMF__HAVE_FAST_RESUME 0
#endif
#if PMMF__HAVE_FAST_RESUME
#  define PMMF__FAST_SETJMP(buf) __builtin_setjmp(buf)
#  define PMMF__FAST_LONGJMP(buf) __builtin_longjmp(buf, 1)
#endif

/* --- atomics -----------------------------------------------------------------
 * C11 <stdatomic.h> wherever the compiler has it (gcc, clang, clang-cl,
 * cl.exe with /experimental:c11atomics). cl.exe without it defines
 * __STDC_NO_ATOMICS__: then the few operations src/ uses, under their C11
 * names, on 32- and 64-bit objects, with Interlocked* (full barriers: every
 * memory order is served as seq_cst, which is never wrong). PMMF__ATOMIC(T)
 * declares an atomic object of type T (an integer or pointer type).
 * PMMF_FORCE_INTERLOCKED (a test knob) takes the Interlocked path with
 * clang-cl too, for the library's own sources (PMMF_BUILDING_DLL): the
 * tests use <stdatomic.h> themselves, and the types have the same layout. */
#if defined(_WIN32) && defined(_MSC_VER) &&                                        \
  ((!defined(__clang__) && defined(__STDC_NO_ATOMICS__)) ||                         \
   (defined(PMMF_FORCE_INTERLOCKED) && defined(PMMF_BUILDING_DLL)))
#  include <intrin.h>

#  define PMMF__INTERLOCKED 1
#  define PMMF__ATOMIC(T) T volatile
typedef int volatile atomic_int;
typedef unsigned volatile atomic_uint;
typedef long volatile atomic_long;
typedef size_t volatile atomic_size_t;
typedef enum {
  memory_order_relaxed,
  memory_order_consume,
  memory_order_acquire,
  memory_order_release,
  memory_order_acq_rel,
  memory_order_seq_cst
} memory_order;

/* 32-bit objects go through long (int, unsigned and long are all 32 bits on
 * Windows), 64-bit ones (size_t and pointers on Win64) through __int64. */
#  define PMMF__A32(obj) ((long volatile *)(obj))
#  define PMMF__A64(obj) ((__int64 volatile *)(obj))
#  define PMMF__IS32(obj) (sizeof *(obj) == 4)

static __inline __int64 pmmf__atomic_cas(void volatile *obj, size_t size, void *expected,
                                         __int64 desired)
{
  if (size == 4) {
    long want = *(long *)expected;
    long got = _InterlockedCompareExchange((long volatile *)obj, (long)desired, want);
    *(long *)expected = got;
    return got == want;
  } else {
    __int64 want = *(__int64 *)expected;
    __int64 got = _InterlockedCompareExchange64((__int64 volatile *)obj, desired, want);
    *(__int64 *)expected = got;
    return got == want;
  }
}

#  define atomic_init(obj, value) atomic_store(obj, value)
#  define atomic_load(obj)                                                           \
    (PMMF__IS32(obj) ? (__int64)_InterlockedCompareExchange(PMMF__A32(obj), 0, 0)     \
                     : _InterlockedCompareExchange64(PMMF__A64(obj), 0, 0))
#  define atomic_store(obj, value)                                                   \
    ((void)(PMMF__IS32(obj)                                                          \
              ? (__int64)_InterlockedExchange(PMMF__A32(obj), (long)(intptr_t)(value)) \
              : _InterlockedExchange64(PMMF__A64(obj), (__int64)(intptr_t)(value))))
#  define atomic_fetch_add(obj, value)                                               \
    (PMMF__IS32(obj)                                                                 \
       ? (__int64)_InterlockedExchangeAdd(PMMF__A32(obj), (long)(value))             \
       : _InterlockedExchangeAdd64(PMMF__A64(obj), (__int64)(value)))
#  define atomic_fetch_sub(obj, value) atomic_fetch_add(obj, -(value))
#  define atomic_compare_exchange_strong(obj, expected, desired)                     \
    pmmf__atomic_cas((obj), sizeof *(obj), (expected), (__int64)(intptr_t)(desired))
#  define atomic_compare_exchange_weak atomic_compare_exchange_strong
#  define atomic_load_explicit(obj, order) ((void)(order), atomic_load(obj))
#  define atomic_store_explicit(obj, value, order) ((void)(order), atomic_store(obj, value))
#  define atomic_signal_fence(order) ((void)(order), _ReadWriteBarrier())
#else
#  include <stdatomic.h>

#  define PMMF__INTERLOCKED 0
#  define PMMF__ATOMIC(T) _Atomic(T)
#endif

#endif /* PMMF_PORTABLE_H */
