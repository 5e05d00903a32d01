/* SPDX-License-Identifier: MIT */
/*
 * error.c - the Win32 backend's one translation from GetLastError() codes to
 * statuses, the egress point that records the raw code, and the Win32 code
 * behind each abstract fault kind.
 */
#include "win32.h"

/* Not in every SDK (mingw-w64 lacks it). */
#ifndef ERROR_DISK_QUOTA_EXCEEDED
#  define ERROR_DISK_QUOTA_EXCEEDED 1295L
#endif

static const struct {
  DWORD code;
  int status;
} translations[] = {
  { ERROR_FILE_NOT_FOUND, PMMF_E_NOT_FOUND },
  { ERROR_PATH_NOT_FOUND, PMMF_E_NOT_FOUND },
  { ERROR_INVALID_DRIVE, PMMF_E_NOT_FOUND },
  { ERROR_BAD_NETPATH, PMMF_E_NOT_FOUND },
  { ERROR_BAD_NET_NAME, PMMF_E_NOT_FOUND },

  { ERROR_FILE_EXISTS, PMMF_E_EXISTS },
  { ERROR_ALREADY_EXISTS, PMMF_E_EXISTS },

  { ERROR_ACCESS_DENIED, PMMF_E_ACCESS },
  { ERROR_WRITE_PROTECT, PMMF_E_ACCESS },
  { ERROR_NETWORK_ACCESS_DENIED, PMMF_E_ACCESS },
  { ERROR_PRIVILEGE_NOT_HELD, PMMF_E_ACCESS },

  { ERROR_SHARING_VIOLATION, PMMF_E_SHARING },
  { ERROR_LOCK_VIOLATION, PMMF_E_SHARING },

  /* CreateFileMappingW of an empty file with size 0. */
  { ERROR_FILE_INVALID, PMMF_E_EMPTY },

  { ERROR_FILE_TOO_LARGE, PMMF_E_RANGE },

  /* The only call given a caller-chosen address is MapViewOfFileEx with a
   * fixed base, which fails with this code when the range is not free (it
   * never replaces a mapping). Every other address the backend passes came
   * from its own views. */
  { ERROR_INVALID_ADDRESS, PMMF_E_ADDRESS_IN_USE },
  /* A base or offset that is not a multiple of the allocation granularity
   * (the common layer checks both first). */
  { ERROR_MAPPED_ALIGNMENT, PMMF_E_ALIGNMENT },

  /* Shrinking a file that has a mapped section, from any handle (Windows and
   * Wine 8.0; older Wine reports ERROR_ACCESS_DENIED, which file.c handles).
   * The common layer refuses resizes while this handle's maps are alive, so
   * this comes from other handles' maps. */
  { ERROR_USER_MAPPED_FILE, PMMF_E_BUSY },

  { ERROR_NOT_ENOUGH_MEMORY, PMMF_E_NO_MEMORY },
  { ERROR_OUTOFMEMORY, PMMF_E_NO_MEMORY },
  { ERROR_COMMITMENT_LIMIT, PMMF_E_NO_MEMORY },
  { ERROR_NO_SYSTEM_RESOURCES, PMMF_E_NO_MEMORY },
  { ERROR_NONPAGED_SYSTEM_RESOURCES, PMMF_E_NO_MEMORY },
  { ERROR_PAGED_SYSTEM_RESOURCES, PMMF_E_NO_MEMORY },
  { ERROR_WORKING_SET_QUOTA, PMMF_E_NO_MEMORY },
  { ERROR_PAGEFILE_QUOTA, PMMF_E_NO_MEMORY },
  { ERROR_NOT_ENOUGH_QUOTA, PMMF_E_NO_MEMORY },
  { ERROR_TOO_MANY_OPEN_FILES, PMMF_E_NO_MEMORY },

  { ERROR_DISK_FULL, PMMF_E_NO_SPACE },
  { ERROR_HANDLE_DISK_FULL, PMMF_E_NO_SPACE },
  { ERROR_DISK_QUOTA_EXCEEDED, PMMF_E_NO_SPACE },

  { ERROR_INVALID_FUNCTION, PMMF_E_UNSUPPORTED },
  { ERROR_NOT_SUPPORTED, PMMF_E_UNSUPPORTED },
  { ERROR_CALL_NOT_IMPLEMENTED, PMMF_E_UNSUPPORTED },

  { ERROR_IO_DEVICE, PMMF_E_IO },
  { ERROR_CRC, PMMF_E_IO },
  { ERROR_SEEK, PMMF_E_IO },
  { ERROR_SECTOR_NOT_FOUND, PMMF_E_IO },
  { ERROR_WRITE_FAULT, PMMF_E_IO },
  { ERROR_READ_FAULT, PMMF_E_IO },
  { ERROR_GEN_FAILURE, PMMF_E_IO },
  { ERROR_NOT_READY, PMMF_E_IO },
  { ERROR_UNEXP_NET_ERR, PMMF_E_IO },
  { ERROR_NETNAME_DELETED, PMMF_E_IO },
  { ERROR_SWAPERROR, PMMF_E_IO }, /* STATUS_IN_PAGE_ERROR */
  { ERROR_DEVICE_NOT_CONNECTED, PMMF_E_IO },
  { ERROR_DISK_OPERATION_FAILED, PMMF_E_IO },
  { ERROR_FILE_CORRUPT, PMMF_E_IO },
  { ERROR_DISK_CORRUPT, PMMF_E_IO },

  { ERROR_INVALID_PARAMETER, PMMF_E_INVALID },
  { ERROR_INVALID_HANDLE, PMMF_E_INVALID },
  { ERROR_INVALID_NAME, PMMF_E_INVALID },
  { ERROR_BAD_PATHNAME, PMMF_E_INVALID },
  { ERROR_FILENAME_EXCED_RANGE, PMMF_E_INVALID },
  { ERROR_DIRECTORY, PMMF_E_INVALID },
  { ERROR_NO_UNICODE_TRANSLATION, PMMF_E_INVALID },
};

int pmmf__os_translate_error(long os_code)
{
  size_t i;
  for (i = 0; i < sizeof translations / sizeof translations[0]; i++)
    if ((long)translations[i].code == os_code)
      return translations[i].status;
  return PMMF_E_OS;
}

int pmmf__w32_fail(DWORD code)
{
  return pmmf__fail((long)code, pmmf__os_translate_error((long)code));
}

int pmmf__w32_fail_last(void)
{
  return pmmf__w32_fail(GetLastError());
}

long pmmf__os_fault_code(int kind)
{
  switch (kind) {
  case PMMF__FAULT_NO_SPACE:
    return ERROR_DISK_FULL;
  case PMMF__FAULT_NO_MEMORY:
    return ERROR_NOT_ENOUGH_MEMORY;
  case PMMF__FAULT_ACCESS:
    return ERROR_ACCESS_DENIED;
  case PMMF__FAULT_INTR:
    return ERROR_OPERATION_ABORTED;
  case PMMF__FAULT_IO:
  default:
    return ERROR_IO_DEVICE;
  }
}
