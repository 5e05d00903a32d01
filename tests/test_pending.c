/*
 * test_pending.c - the functions not implemented in this version
 * (pmmf_map_shared, pmmf_shm_unlink): they check their
 * arguments (NULL, bad values and names that break the naming rules are
 * PMMF_E_INVALID, outputs untouched) and otherwise return PMMF_E_UNSUPPORTED.
 * A later version replaces these tests with the real conformance tests.
 */
#include "support.h"

#include <limits.h>
#include <string.h>

static const char *const bad_names[] = {
    "",
    ".",
    "..",
    "a/b",
    "/abc",
    "a\\b",
    "a b",
    "a:b",
    "Local\\x",
    "caf\xc3\xa9",
    "\xff\xfe",
    "tab\t",
    "star*",
    "0123456789012345678901234567890", /* 31 characters */
    "abcdefghijklmnopqrstuvwxyz0123456789",
};

static const char *const good_names[] = {
    "a", "Z", "0", "...", ".a", "a.", "-", "_", "pmmf-test.1_A",
    "012345678901234567890123456789", /* 30 characters */
};

static const int good_modes[] = {PMMF_SHM_CREATE_ONLY, PMMF_SHM_OPEN_ONLY,
                                 PMMF_SHM_OPEN_OR_CREATE};
static const pmmf_access good_access[] = {PMMF_ACCESS_READ, PMMF_ACCESS_WRITE, PMMF_ACCESS_COPY};

static void test_map_shared_bad_names(void **state) {
  size_t i, j;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_names); i++) {
    for (j = 0; j < SUPPORT_ARRAY_LEN(good_modes); j++) {
      pmmf_map *m = SENTINEL;
      int created = 7;
      assert_status(pmmf_map_shared(&m, bad_names[i], 4096, PMMF_ACCESS_WRITE, good_modes[j],
                                    &created),
                    PMMF_E_INVALID);
      assert_ptr_equal(m, SENTINEL);
      assert_int_equal(created, 7);
    }
    assert_status(pmmf_shm_unlink(bad_names[i]), PMMF_E_INVALID);
  }
}

static void test_map_shared_bad_arguments(void **state) {
  static const int bad_modes[] = {0, 4, -1, INT_MAX};
  static const int bad_access[] = {0, 4, -1};
  pmmf_map *m = SENTINEL;
  int created = 7;
  size_t i;
  (void)state;
  assert_status(pmmf_map_shared(NULL, "ok", 4096, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                                &created),
                PMMF_E_INVALID);
  assert_status(pmmf_map_shared(&m, NULL, 4096, PMMF_ACCESS_WRITE, PMMF_SHM_OPEN_OR_CREATE,
                                &created),
                PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_modes); i++)
    assert_status(pmmf_map_shared(&m, "ok", 4096, PMMF_ACCESS_WRITE, bad_modes[i], &created),
                  PMMF_E_INVALID);
  for (i = 0; i < SUPPORT_ARRAY_LEN(bad_access); i++)
    assert_status(pmmf_map_shared(&m, "ok", 4096, (pmmf_access)bad_access[i],
                                  PMMF_SHM_OPEN_OR_CREATE, &created),
                  PMMF_E_INVALID);
  /* CREATE_ONLY needs a size. */
  assert_status(pmmf_map_shared(&m, "ok", 0, PMMF_ACCESS_WRITE, PMMF_SHM_CREATE_ONLY, &created),
                PMMF_E_INVALID);
  assert_ptr_equal(m, SENTINEL);
  assert_int_equal(created, 7);
  assert_status(pmmf_shm_unlink(NULL), PMMF_E_INVALID);
}

static void test_map_shared_unsupported(void **state) {
  size_t i, j, k;
  (void)state;
  for (i = 0; i < SUPPORT_ARRAY_LEN(good_names); i++) {
    for (j = 0; j < SUPPORT_ARRAY_LEN(good_modes); j++) {
      for (k = 0; k < SUPPORT_ARRAY_LEN(good_access); k++) {
        pmmf_map *m = SENTINEL;
        int created = 7;
        assert_status(pmmf_map_shared(&m, good_names[i], 65536, good_access[k], good_modes[j],
                                      &created),
                      PMMF_E_UNSUPPORTED);
        assert_ptr_equal(m, SENTINEL);
        assert_int_equal(created, 7);
        assert_status(pmmf_map_shared(&m, good_names[i], 1, good_access[k], good_modes[j], NULL),
                      PMMF_E_UNSUPPORTED);
        assert_ptr_equal(m, SENTINEL);
      }
    }
    assert_status(pmmf_shm_unlink(good_names[i]), PMMF_E_UNSUPPORTED);
  }
  {
    /* Size 0 is valid for opening. */
    pmmf_map *m = SENTINEL;
    assert_status(pmmf_map_shared(&m, "ok", 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_ONLY, NULL),
                  PMMF_E_UNSUPPORTED);
    assert_status(pmmf_map_shared(&m, "ok", 0, PMMF_ACCESS_READ, PMMF_SHM_OPEN_OR_CREATE, NULL),
                  PMMF_E_UNSUPPORTED);
    assert_ptr_equal(m, SENTINEL);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_map_shared_bad_names),
      cmocka_unit_test(test_map_shared_bad_arguments),
      cmocka_unit_test(test_map_shared_unsupported),
  };
  return cmocka_run_group_tests_name("pending", tests, support_group_setup,
                                     support_group_teardown);
}
