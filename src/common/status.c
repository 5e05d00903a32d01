/* SPDX-License-Identifier: MIT */
/*
 * status.c - status names and messages, generated from the one list in
 * portmmf.h (PMMF_STATUS_MAP), and this thread's last OS error: the egress
 * points pmmf__fail and pmmf__reject through which every failure returns.
 */
#include "internal.h"

/* Initial-exec where src/portable.h offers it (glibc): every access is one
 * load from the thread pointer, not a call to __tls_get_addr (issue 15's
 * small-file profile: 6% of the library's user time). */
static PMMF__THREAD_LOCAL long last_os_error PMMF__TLS_INITIAL_EXEC;

const char *pmmf_strerror(int status)
{
  switch (status) {
#define PMMF_STATUS_MESSAGE_(name, value, message) \
  case PMMF_##name:                                \
    return message;
    PMMF_STATUS_MAP(PMMF_STATUS_MESSAGE_)
#undef PMMF_STATUS_MESSAGE_
  default:
    return "unknown status";
  }
}

const char *pmmf_status_name(int status)
{
  switch (status) {
#define PMMF_STATUS_NAME_(name, value, message) \
  case PMMF_##name:                             \
    return "PMMF_" #name;
    PMMF_STATUS_MAP(PMMF_STATUS_NAME_)
#undef PMMF_STATUS_NAME_
  default:
    return "PMMF_E_UNKNOWN";
  }
}

long pmmf_last_os_error(void)
{
  return last_os_error;
}

long pmmf__last_error_get(void)
{
  return last_os_error;
}

void pmmf__last_error_set(long os_code)
{
  last_os_error = os_code;
}

int pmmf__fail(long os_code, int status)
{
  last_os_error = os_code;
  return status;
}

int pmmf__reject(int status)
{
  last_os_error = 0;
  return status;
}
