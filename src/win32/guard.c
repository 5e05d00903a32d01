/*
 * guard.c - guarded copies on Win32: a vectored exception handler, added on
 * the first guarded copy, turns an in-page error or access violation inside
 * the view being copied, on the copying thread, into PMMF_E_IO; every other
 * exception goes on to the next handler (EXCEPTION_CONTINUE_SEARCH).
 */
#include "win32.h"

#include <string.h>

struct guard {
  void *resume[5];    /* __builtin_setjmp buffer: no unwinding, just a jump */
  const char *lo, *hi;
  volatile LONG active;
  DWORD code;         /* the exception behind the last recovered fault */
};

static _Thread_local struct guard guard;
static void *volatile handler;

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *pointers)
{
  const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
  struct guard *g = &guard;
  const char *addr;

  if (!g->active || record->NumberParameters < 2 ||
      (record->ExceptionCode != EXCEPTION_IN_PAGE_ERROR &&
       record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION))
    return EXCEPTION_CONTINUE_SEARCH;
  addr = (const char *)record->ExceptionInformation[1];
  if (addr < g->lo || addr >= g->hi)
    return EXCEPTION_CONTINUE_SEARCH;
  g->active = 0;
  g->code = record->ExceptionCode;
  __builtin_longjmp(g->resume, 1);
}

/* Add the handler once; a thread that loses the race removes its own. */
static int install(void)
{
  void *mine;

  if (handler)
    return PMMF_OK;
  mine = w32_AddVectoredExceptionHandler(1, on_exception);
  if (!mine)
    return pmmf__w32_fail_last();
  if (InterlockedCompareExchangePointer((void *volatile *)&handler, mine, NULL) != NULL)
    w32_RemoveVectoredExceptionHandler(mine);
  return PMMF_OK;
}

int pmmf__os_guarded_copy(void *dst, const void *src, size_t length, const void *lo,
                          const void *hi)
{
  struct guard *g = &guard;
  int status = install();

  if (status != PMMF_OK)
    return status;
  g->lo = lo;
  g->hi = hi;
  if (__builtin_setjmp(g->resume))
    return pmmf__fail((long)g->code, PMMF_E_IO);
  g->active = 1;
  MemoryBarrier();
  memcpy(dst, src, length);
  MemoryBarrier();
  g->active = 0;
  return PMMF_OK;
}
