/*
 * test_pending.c - the functions not implemented in this version
 * (pmmf_window_*): they check their arguments (NULL and bad values are
 * PMMF_E_INVALID, outputs untouched) and otherwise return PMMF_E_UNSUPPORTED.
 * A later version replaces these tests with the real conformance tests.
 * (Named shared memory is implemented: test_shared.c, test_process.c.)
 */
#include "support.h"

#include <limits.h>
#include <string.h>

static const pmmf_access good_access[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};

static void test_window_pending(void **state) {
  static const int bad_access[] = {0, 4, -1};
  pmmf_map *m = NULL;
  pmmf_window *w = SENTINEL;
  void *ptr = SENTINEL;
  size_t i;
  (void)state;
  assert_ok(pmmf_map_anonymous(&m, 1u << 20, 0));
  assert_status(pmmf_window_open(NULL, m, 65536, PMMF_ACCESS_READ), PMMF_E_INVALID);
  assert_status(pmmf_window_open(&w, NULL, 65536, PMMF_ACCESS_READ), PMMF_E_INVALID);
  assert_status(pmmf_window_open(&w, m, 0, PMMF_ACCESS_READ), PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_access); i++)
    assert_status(pmmf_window_open(&w, m, 65536, (pmmf_access)bad_access[i]), PMMF_E_INVALID);
  assert_ptr_equal(w, SENTINEL);
  for (i = 0; i < SUPPORT_ARRAY_LEN(good_access); i++) {
    assert_status(pmmf_window_open(&w, m, 65536, good_access[i]), PMMF_E_UNSUPPORTED);
    assert_ptr_equal(w, SENTINEL);
  }
  assert_status(pmmf_window_get(NULL, 0, 1, &ptr), PMMF_E_INVALID);
  assert_ptr_equal(ptr, SENTINEL);
  assert_ok(pmmf_window_close(NULL));
  assert_ok(pmmf_map_close(m));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_window_pending),
  };
  return cmocka_run_group_tests_name("pending", tests, support_group_setup,
                                     support_group_teardown);
}
