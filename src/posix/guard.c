/* SPDX-License-Identifier: MIT */
/*
 * guard.c - guarded copies on POSIX: a SIGBUS/SIGSEGV handler, installed on
 * the first guarded copy, turns a fault of the copy itself (inside the range
 * being copied, on the copying thread, with the stack pointer of the copy and
 * not of a signal handler that interrupted it) into PMMF_E_IO (siglongjmp
 * back to the copy); every other fault, and every such signal sent by a
 * process, goes on to the handler that was installed before it, run as the
 * kernel would have run it. Installing the handler pins the library, so that
 * unloading it (dlclose) never leaves the handler pointing into unmapped code.
 */
#include "posix.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/ucontext.h>

/* How a guarded copy saves the point a recovered fault resumes at: the
 * compiler's cheap resume point where src/portable.h offers one (three words
 * saved inline: issue 15 measured sigsetjmp at about 26 of the 100
 * instructions a copy added), else sigsetjmp(buf, 0). Leaving a signal
 * handler by the builtin jump is what siglongjmp without a mask is: the
 * handler restores the copy's mask first. */
#if PMMF__HAVE_FAST_RESUME
typedef void *guard_resume[5];
#  define GUARD_SAVE(buf) PMMF__FAST_SETJMP(buf)
#  define GUARD_RESUME(buf) PMMF__FAST_LONGJMP(buf)
#else
typedef sigjmp_buf guard_resume;
#  define GUARD_SAVE(buf) sigsetjmp(buf, 0)
#  define GUARD_RESUME(buf) siglongjmp(buf, 1)
#endif

/* One guarded copy in progress: it lives on the copying thread's stack. */
struct guard_frame {
  guard_resume resume;
  const char *lo, *hi;
  struct guard_frame *outer; /* a copy this one interrupted (from a signal handler) */
};

/* The innermost guarded copy of this thread, or NULL. The handler reads it, so
 * its access must not allocate: initial-exec TLS on glibc (where a library
 * loaded with dlopen would otherwise get its TLS block lazily, through
 * malloc); musl allocates every module's TLS up front, and refuses
 * initial-exec TLS in a module loaded with dlopen, so the default stays. */
static PMMF__THREAD_LOCAL struct guard_frame *current PMMF__TLS_INITIAL_EXEC;

static struct sigaction previous_bus, previous_segv;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
/* Set (release) once install() has run: the fast path is one acquire load,
 * not a call to pthread_once. */
static atomic_int installed;

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

  /* SIG_DFL and SIG_IGN are what they are with SA_SIGINFO set too: the kernel
   * ignores the flag for them (sa_handler and sa_sigaction share storage). */
  if (handler.sa_handler == SIG_IGN && sent_by_process(info))
    return; /* ignored, as it would have been */
  if (handler.sa_handler == SIG_DFL || handler.sa_handler == SIG_IGN) {
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

/* The stack pointer of the interrupted context, or 0 where this platform's
 * ucontext is not known here (then pmmf__guard_stack_owns accepts any). */
static uintptr_t context_sp(const void *context)
{
  const ucontext_t *uc = context;
#if defined(__linux__) && defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__linux__) && defined(__i386__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_ESP];
#elif defined(__linux__) && defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext.sp;
#elif defined(__linux__) && defined(__arm__)
  return (uintptr_t)uc->uc_mcontext.arm_sp;
#elif defined(__linux__) && defined(__s390x__)
  return (uintptr_t)uc->uc_mcontext.gregs[15]; /* r15: the stack pointer */
#elif defined(__FreeBSD__) && defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.mc_rsp;
#elif defined(__APPLE__) && defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext->__ss.__rsp;
#elif defined(__APPLE__) && defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext->__ss.__sp;
#else
  (void)uc;
  return 0;
#endif
}

static void on_fault(int sig, siginfo_t *info, void *context)
{
  struct guard_frame *frame = current;
  int saved_errno = errno;

  if (frame && !sent_by_process(info) && (const char *)info->si_addr >= frame->lo &&
      (const char *)info->si_addr < frame->hi &&
      pmmf__guard_stack_owns(frame, context_sp(context))) {
    current = frame->outer;
    /* Resume with the signal mask the copy had. The kernel blocked nothing
     * for this handler (SA_NODEFER, empty sa_mask), but a tool that wraps
     * signal handlers (ThreadSanitizer) blocks every signal around them:
     * leaving by siglongjmp would keep that. A fault is rare; the copy's fast
     * path saves no mask. */
    pthread_sigmask(SIG_SETMASK, &((const ucontext_t *)context)->uc_sigmask, NULL);
    GUARD_RESUME(frame->resume);
  }
  /* Not ours. While the previous handler runs, no copy of this thread is
   * guarded, so a fault inside it is never taken for one; a handler that
   * repairs the fault and returns resumes the copy, guarded again. (One that
   * leaves by longjmp leaves the copies it interrupted unguarded until they
   * end: their frames may be gone, so they are not reinstated.) */
  current = NULL;
  forward(sig, info, context);
  current = frame;
  errno = saved_errno;
}

/* Keep the object that holds this code loaded for the process's life: the
 * handler stays installed, so unloading (dlclose of the library, or of a
 * plugin linked with the static library) would leave it pointing into
 * unmapped code. RTLD_NOLOAD | RTLD_NODELETE finds the loaded object again
 * and marks it never to be unloaded (glibc, the BSDs, macOS; musl never
 * unloads). For the main program the look-up finds nothing, and nothing
 * needs pinning; a failure only leaves the library unpinned. */
static void pin(void)
{
  Dl_info info;
  void *self;

  if (!os_dladdr((const void *)(uintptr_t)on_fault, &info) || !info.dli_fname)
    return;
  self = os_dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  if (!self)
    (void)os_dlerror(); /* not the application's error to see */
  /* The reference `self` holds is never dropped, on purpose. */
}

static void install(void)
{
  struct sigaction sa;
  int saved_errno = errno;

  pin();
  errno = saved_errno;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  /* SA_NODEFER: the handler blocks nothing itself (forward() blocks what the
   * previous handler asked for, as the kernel would have). SA_ONSTACK: a stack overflow still reaches the application's
   * handler on its alternate stack; without one, the flag changes nothing. */
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &previous_bus);
  sigaction(SIGSEGV, &sa, &previous_segv);
  atomic_store_explicit(&installed, 1, memory_order_release);
}

int pmmf__os_guarded_copy(void *dst, const void *src, size_t length, const void *lo,
                          const void *hi)
{
  struct guard_frame frame;

  if (!atomic_load_explicit(&installed, memory_order_acquire))
    pthread_once(&install_once, install);
  frame.lo = lo;
  frame.hi = hi;
  frame.outer = current;
  /* No signal mask saved, which spares a system call per copy: the handler
   * restores the copy's own (from the interrupted context) before it jumps. */
  if (GUARD_SAVE(frame.resume))
    return pmmf__fail(EIO, PMMF_E_IO);
  current = &frame;
  atomic_signal_fence(memory_order_seq_cst);
  memcpy(dst, src, length);
  atomic_signal_fence(memory_order_seq_cst);
  current = frame.outer;
  return PMMF_OK;
}
