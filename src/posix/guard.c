/*
 * guard.c - guarded copies on POSIX: a SIGBUS/SIGSEGV handler, installed on
 * the first guarded copy, turns a fault inside the view being copied, on the
 * copying thread, into PMMF_E_IO (siglongjmp back to the copy); every other
 * fault goes on to the handler that was installed before it.
 */
#include "posix.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

struct guard {
  sigjmp_buf resume;
  const char *lo, *hi;
  volatile sig_atomic_t active;
};

static _Thread_local struct guard guard;
static struct sigaction previous_bus, previous_segv;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void forward(int sig, siginfo_t *info, void *context)
{
  const struct sigaction *prev = sig == SIGBUS ? &previous_bus : &previous_segv;

  if (prev->sa_flags & SA_SIGINFO) {
    prev->sa_sigaction(sig, info, context);
  } else if (prev->sa_handler == SIG_DFL || prev->sa_handler == SIG_IGN) {
    /* Back to the default action: returning re-runs the faulting instruction,
     * which now ends the process the way it would have without us. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
  } else {
    prev->sa_handler(sig);
  }
}

static void on_fault(int sig, siginfo_t *info, void *context)
{
  struct guard *g = &guard;
  const char *addr = info ? (const char *)info->si_addr : NULL;

  if (g->active && addr >= g->lo && addr < g->hi) {
    g->active = 0;
    siglongjmp(g->resume, 1);
  }
  forward(sig, info, context);
}

static void install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  /* SA_NODEFER: leaving by siglongjmp without restoring the mask must not
   * leave the signal blocked. */
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &previous_bus);
  sigaction(SIGSEGV, &sa, &previous_segv);
}

int pmmf__os_guarded_copy(void *dst, const void *src, size_t length, const void *lo,
                          const void *hi)
{
  struct guard *g = &guard;

  pthread_once(&install_once, install);
  g->lo = lo;
  g->hi = hi;
  if (sigsetjmp(g->resume, 0))
    return pmmf__fail(EIO, PMMF_E_IO);
  g->active = 1;
  atomic_signal_fence(memory_order_seq_cst);
  memcpy(dst, src, length);
  atomic_signal_fence(memory_order_seq_cst);
  g->active = 0;
  return PMMF_OK;
}
