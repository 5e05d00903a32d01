/*
 * guard.c - guarded copies on POSIX: a SIGBUS/SIGSEGV handler, installed on
 * the first guarded copy, turns a fault inside the range being copied, on the
 * copying thread, into PMMF_E_IO (siglongjmp back to the copy); every other
 * fault, and every such signal sent by a process, goes on to the handler that
 * was installed before it, run as the kernel would have run it.
 */
#include "posix.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

/* One guarded copy in progress: it lives on the copying thread's stack. */
struct guard_frame {
  sigjmp_buf resume;
  const char *lo, *hi;
  struct guard_frame *outer; /* a copy this one interrupted (from a signal handler) */
};

/* The innermost guarded copy of this thread, or NULL. The handler reads it, so
 * its access must not allocate: initial-exec TLS on glibc (where a library
 * loaded with dlopen would otherwise get its TLS block lazily, through
 * malloc); musl allocates every module's TLS up front, and refuses
 * initial-exec TLS in a module loaded with dlopen, so the default stays. */
#if defined(__GLIBC__) && defined(__ELF__) && defined(__GNUC__)
#  define GUARD_TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#  define GUARD_TLS_MODEL
#endif
static _Thread_local struct guard_frame *current GUARD_TLS_MODEL;

static struct sigaction previous_bus, previous_segv;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* Whether the signal was sent (kill, raise, sigqueue, tgkill) rather than
 * raised by a fault: si_addr then means nothing. */
static int sent_by_process(const siginfo_t *info)
{
  if (!info)
    return 1;
#ifdef __linux__
  return info->si_code <= 0; /* SI_USER, SI_QUEUE, SI_TKILL, ... */
#else
  return info->si_code == SI_USER || info->si_code == SI_QUEUE;
#endif
}

static void restore_default(int sig)
{
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
}

/* Hand the signal to the handler found at installation, as the kernel would
 * have delivered it: its sa_mask (and the signal itself, unless SA_NODEFER)
 * blocked while it runs, SA_RESETHAND honoured, the default action where
 * there was none. */
static void forward(int sig, siginfo_t *info, void *context)
{
  struct sigaction *prev = sig == SIGBUS ? &previous_bus : &previous_segv;
  struct sigaction handler = *prev;
  sigset_t mask, old;

  if (!(handler.sa_flags & SA_SIGINFO) && handler.sa_handler == SIG_IGN && sent_by_process(info))
    return; /* ignored, as it would have been */
  if (!(handler.sa_flags & SA_SIGINFO) &&
      (handler.sa_handler == SIG_DFL || handler.sa_handler == SIG_IGN)) {
    /* The default action (a fault cannot be ignored: the kernel forces the
     * default then too). A fault ends the process when the instruction runs
     * again on return; a sent signal is sent again. */
    restore_default(sig);
    if (sent_by_process(info))
      raise(sig);
    return;
  }
  if (handler.sa_flags & SA_RESETHAND) {
    memset(prev, 0, sizeof *prev);
    prev->sa_handler = SIG_DFL;
    sigemptyset(&prev->sa_mask);
  }
  mask = handler.sa_mask;
  if (!(handler.sa_flags & (SA_NODEFER | SA_RESETHAND)))
    sigaddset(&mask, sig);
  pthread_sigmask(SIG_BLOCK, &mask, &old);
  if (handler.sa_flags & SA_SIGINFO)
    handler.sa_sigaction(sig, info, context);
  else
    handler.sa_handler(sig);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void on_fault(int sig, siginfo_t *info, void *context)
{
  struct guard_frame *frame = current;
  int saved_errno = errno;

  if (frame && !sent_by_process(info) && (const char *)info->si_addr >= frame->lo &&
      (const char *)info->si_addr < frame->hi) {
    current = frame->outer;
    siglongjmp(frame->resume, 1);
  }
  /* Not ours. While the previous handler runs, no copy of this thread is
   * guarded, so a fault inside it is never taken for one; a handler that
   * repairs the fault and returns resumes the copy, guarded again. */
  current = NULL;
  forward(sig, info, context);
  current = frame;
  errno = saved_errno;
}

static void install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  /* SA_NODEFER: leaving by siglongjmp without restoring the mask must not
   * leave the signal blocked (and forward() blocks what the previous handler
   * asked for). SA_ONSTACK: a stack overflow still reaches the application's
   * handler on its alternate stack; without one, the flag changes nothing. */
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &previous_bus);
  sigaction(SIGSEGV, &sa, &previous_segv);
}

int pmmf__os_guarded_copy(void *dst, const void *src, size_t length, const void *lo,
                          const void *hi)
{
  struct guard_frame frame;

  pthread_once(&install_once, install);
  frame.lo = lo;
  frame.hi = hi;
  frame.outer = current;
  /* No signal mask to restore: the handler changes none (SA_NODEFER, empty
   * sa_mask), which spares a system call per copy. */
  if (sigsetjmp(frame.resume, 0))
    return pmmf__fail(EIO, PMMF_E_IO);
  current = &frame;
  atomic_signal_fence(memory_order_seq_cst);
  memcpy(dst, src, length);
  atomic_signal_fence(memory_order_seq_cst);
  current = frame.outer;
  return PMMF_OK;
}
