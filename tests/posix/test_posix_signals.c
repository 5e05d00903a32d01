/*
 * test_posix_signals.c - POSIX-only checks of the guarded-access signal
 * handling: no SIGBUS/SIGSEGV handler is installed at load time, the library
 * installs its handler on the first guarded call, and every fault outside a
 * guarded copy is forwarded to the handler it found there.
 *
 * CMocka replaces SIGSEGV/SIGBUS handlers around every test (and restores them
 * after), so the handler state at load time is sampled in main(), and the
 * install-and-forward sequence runs inside a single test.
 */
#define _GNU_SOURCE

#include "support.h"

#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* ASan installs its own SIGSEGV and SIGBUS handlers before main(), so the
 * "nothing installed at load" check would see the tool's handlers, not the
 * library's. Under ASan this program asks the tool to leave both signals
 * alone (options set in ASAN_OPTIONS still come first). */
#if defined(__SANITIZE_ADDRESS__)
#define PMMF_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PMMF_TEST_ASAN 1
#endif
#endif
#ifdef PMMF_TEST_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "handle_segv=0:handle_sigbus=0";
}
#endif

static struct sigaction at_load_bus, at_load_segv;
static int sampled;

static int is_default(const struct sigaction *sa) {
  return !(sa->sa_flags & SA_SIGINFO) && sa->sa_handler == SIG_DFL;
}

static void test_nothing_installed_at_load(void **state) {
  (void)state;
  assert_true(sampled);
  assert_true(is_default(&at_load_bus));
  assert_true(is_default(&at_load_segv));
}

static sigjmp_buf app_jump;
static volatile sig_atomic_t app_caught;
static volatile sig_atomic_t app_signal;

static void app_handler(int sig, siginfo_t *info, void *ctx) {
  (void)info;
  (void)ctx;
  app_caught++;
  app_signal = sig;
  siglongjmp(app_jump, 1);
}

static void install_app_handler(int sig, struct sigaction *old) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = app_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  assert_int_equal(sigaction(sig, &sa, old), 0);
}

static int current_is_app(int sig) {
  struct sigaction now;
  assert_int_equal(sigaction(sig, NULL, &now), 0);
  return (now.sa_flags & SA_SIGINFO) && now.sa_sigaction == app_handler;
}

static void test_install_on_first_guarded_call_and_forward(void **state) {
  const char *path = support_path("signals.bin");
  size_t page = pmmf_page_size();
  struct sigaction old_bus, old_segv;
  pmmf_file *f = NULL, *g = NULL;
  pmmf_map *m = NULL;
  pmmf_view *v = NULL;
  volatile unsigned char *p;
  unsigned char buf[16];
  (void)state;
  assert_int_equal(support_write_pattern(path, 4 * page, 8), 0);
  /* The application's handlers, installed before the library's first guarded call. */
  install_app_handler(SIGBUS, &old_bus);
  install_app_handler(SIGSEGV, &old_segv);
  assert_ok(pmmf_file_open(&f, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_file_open(&g, path, PMMF_OPEN_WRITE));
  assert_ok(pmmf_map_file(&m, f, 0, PMMF_ACCESS_WRITE, 0));
  assert_ok(pmmf_view_map(&v, m, 0, 0, PMMF_ACCESS_WRITE, 0));
  /* Not guarded calls: nothing installed yet. */
  assert_true(current_is_app(SIGBUS));
  assert_true(current_is_app(SIGSEGV));
  /* The first guarded call installs the library's handler. */
  assert_ok(pmmf_view_read(v, 0, buf, sizeof buf));
  assert_pattern(buf, sizeof buf, 0, 8);
  assert_false(current_is_app(SIGBUS));
  assert_false(current_is_app(SIGSEGV));

  /* A fault outside a guarded copy goes to the application's handler. */
  assert_ok(pmmf_file_resize(g, page));
  p = pmmf_view_data(v);
  app_caught = 0;
  if (sigsetjmp(app_jump, 1) == 0)
    (void)p[2 * page];
  assert_int_equal(app_caught, 1);
  assert_int_equal(app_signal, SIGBUS);
  /* Raised signals are forwarded too. */
  app_caught = 0;
  if (sigsetjmp(app_jump, 1) == 0)
    raise(SIGSEGV);
  assert_int_equal(app_caught, 1);
  assert_int_equal(app_signal, SIGSEGV);
  app_caught = 0;
  if (sigsetjmp(app_jump, 1) == 0)
    raise(SIGBUS);
  assert_int_equal(app_caught, 1);
  assert_int_equal(app_signal, SIGBUS);
  /* A fault inside a guarded copy is the library's: PMMF_E_IO, not forwarded. */
  app_caught = 0;
  if (sigsetjmp(app_jump, 1) == 0)
    assert_status(pmmf_view_read(v, 2 * page, buf, sizeof buf), PMMF_E_IO);
  assert_int_equal(app_caught, 0);

  assert_ok(pmmf_view_unmap(v));
  assert_ok(pmmf_map_close(m));
  assert_ok(pmmf_file_close(f));
  assert_ok(pmmf_file_close(g));
  /* Hand the signals back to the state this test found (CMocka restores its
   * own afterwards). The library's handler stays chained to ours, which is
   * now gone: later faults in this process would not be forwarded correctly,
   * so this is the last test. */
  assert_int_equal(sigaction(SIGBUS, &old_bus, NULL), 0);
  assert_int_equal(sigaction(SIGSEGV, &old_segv, NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nothing_installed_at_load),
      cmocka_unit_test(test_install_on_first_guarded_call_and_forward),
  };
  /* Sample before CMocka touches any handler; the library is already loaded
   * (statically linked) and a non-guarded call has run. */
  (void)pmmf_page_size();
  sampled = sigaction(SIGBUS, NULL, &at_load_bus) == 0 && sigaction(SIGSEGV, NULL, &at_load_segv) == 0;
  return cmocka_run_group_tests_name("posix_signals", tests, support_group_setup,
                                     support_group_teardown);
}
