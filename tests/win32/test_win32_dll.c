/* SPDX-License-Identifier: MIT */
/*
 * test_win32_dll.c - libportmmf used as a DLL: this program links the import
 * library (no PMMF_STATIC), so every call crosses into the DLL (named by the
 * build: PMMF_TEST_DLL_NAME, libportmmf-0.dll from MinGW, portmmf-0.dll from
 * MSVC and clang-cl). It
 * checks the DLL is really loaded, exports the API, and works end to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <windows.h>

#include <portmmf.h>
#include <stdio.h>
#include <string.h>

static void test_loaded_from_dll(void **state)
{
  HMODULE dll = GetModuleHandleA(PMMF_TEST_DLL_NAME);
  HMODULE self = GetModuleHandleW(NULL);
  HMODULE owner = NULL;
  (void)state;
  assert_non_null(dll);
  /* The exported entry points live in the DLL, not in this executable. */
  assert_non_null(GetProcAddress(dll, "pmmf_view_map"));
  assert_null(GetProcAddress(dll, "pmmf__fail"));
  assert_true(GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                   GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                 (LPCWSTR)(void *)pmmf_version, &owner));
  assert_ptr_equal(owner, dll);
  assert_ptr_not_equal(owner, self);
  assert_string_equal(pmmf_backend(), "win32");
  assert_int_equal(pmmf_granularity(), 65536);
}

static void test_round_trip_through_dll(void **state)
{
  char path[MAX_PATH];
  const char text[] = "through the DLL";
  char back[sizeof text];
  pmmf_file *file = NULL;
  pmmf_map *map = NULL;
  pmmf_view *view = NULL;
  FILE *f;
  (void)state;

  snprintf(path, sizeof path, "pmmf-dll-%lu.bin", (unsigned long)GetCurrentProcessId());
  assert_int_equal(pmmf_file_open(&file, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW), PMMF_OK);
  assert_int_equal(pmmf_map_file(&map, file, 200000, PMMF_ACCESS_WRITE, PMMF_MAP_GROW), PMMF_OK);
  assert_int_equal(pmmf_view_map(&view, map, 99999, sizeof text, PMMF_ACCESS_WRITE, 0), PMMF_OK);
  assert_int_equal(pmmf_view_write(view, 0, text, sizeof text), PMMF_OK);
  assert_int_equal(pmmf_view_flush(view, 0, 0, PMMF_FLUSH_SYNC), PMMF_OK);
  assert_int_equal(pmmf_view_unmap(view), PMMF_OK);
  assert_int_equal(pmmf_map_close(map), PMMF_OK);
  assert_int_equal(pmmf_file_close(file), PMMF_OK);

  f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fseek(f, 99999, SEEK_SET), 0);
  assert_int_equal(fread(back, 1, sizeof back, f), sizeof back);
  fclose(f);
  assert_memory_equal(back, text, sizeof text);
  /* Errors cross the DLL boundary with their OS code. */
  assert_int_equal(pmmf_file_open(&file, path, PMMF_OPEN_READ | PMMF_OPEN_CREATE_NEW),
                   PMMF_E_EXISTS);
  assert_int_equal(pmmf_last_os_error(), ERROR_FILE_EXISTS);
  assert_int_equal(remove(path), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_loaded_from_dll),
    cmocka_unit_test(test_round_trip_through_dll),
  };
  return cmocka_run_group_tests_name("win32 dll", tests, NULL, NULL);
}
