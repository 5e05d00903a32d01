/* SPDX-License-Identifier: MIT */
/*
 * fuzz_names.c - libFuzzer harness for the names of shared memory: the
 * input is a name (and a size, an access and a mode); a reference version of
 * the naming rule, written here independently of the library's, says whether
 * it is valid. Invalid names (and invalid other arguments) must give
 * PMMF_E_INVALID from pmmf_map_shared in every mode and from
 * pmmf_shm_unlink, with the outputs untouched. A valid name opened with
 * PMMF_SHM_OPEN_ONLY must never be PMMF_E_INVALID: it is PMMF_E_NOT_FOUND
 * (or PMMF_E_UNSUPPORTED while named memory is not implemented), and it
 * creates nothing. Valid names are never created or unlinked here: an
 * object of that name may belong to another program.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 30

/* Pre-set outputs to these; a failed call must leave them. */
static char sentinel_byte;
#define SENTINEL ((pmmf_map *)(void *)&sentinel_byte)

static void die(const char *what, const char *name, int got)
{
  fprintf(stderr, "fuzz_names: %s for name \"", what);
  for (; *name; name++)
    fprintf(stderr, (unsigned char)*name < 32 || (unsigned char)*name > 126 ? "\\x%02x" : "%c",
            (unsigned char)*name);
  fprintf(stderr, "\": %s (last OS error %ld)\n", pmmf_status_name(got), pmmf_last_os_error());
  abort();
}

/* The rule, by another route than src/common/shared.c: the allowed set as a
 * string, the length with strlen, the two dot names compared whole. */
static int reference_valid(const char *name)
{
  static const char allowed[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
  size_t len = strlen(name);
  if (len < 1 || len > NAME_MAX_LEN)
    return 0;
  if (strspn(name, allowed) != len)
    return 0;
  return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Whether a POSIX object of this name exists (Linux keeps them in /dev/shm). */
static int shm_exists(const char *name)
{
  char path[64];
  FILE *f;
  snprintf(path, sizeof path, "/dev/shm/%s", name);
  f = fopen(path, "rb");
  if (!f)
    return 0;
  fclose(f);
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char name[64];
  size_t n;
  uint64_t map_size = 0;
  int access, mode, valid, args_valid, rc, i, created;
  pmmf_map *out;
  static const int modes[] = {PMMF_SHM_CREATE_ONLY, PMMF_SHM_OPEN_ONLY,
                              PMMF_SHM_OPEN_OR_CREATE};

  /* Layout: access, mode, 8 bytes of size, then the name (up to a NUL). */
  if (size < 10)
    return 0;
  access = (int)(signed char)data[0];
  mode = (int)(signed char)data[1];
  for (i = 0; i < 8; i++)
    map_size |= (uint64_t)data[2 + i] << (8 * i);
  data += 10;
  size -= 10;
  n = size < sizeof name - 1 ? size : sizeof name - 1;
  memcpy(name, data, n);
  name[n] = '\0';

  valid = reference_valid(name);
  args_valid = (access >= PMMF_ACCESS_READ && access <= PMMF_ACCESS_COPY) &&
               (mode >= PMMF_SHM_CREATE_ONLY && mode <= PMMF_SHM_OPEN_OR_CREATE) &&
               !(mode == PMMF_SHM_CREATE_ONLY && map_size == 0);

  if (!valid) {
    /* Every mode, and the given one: invalid, outputs untouched. */
    for (i = 0; i < 4; i++) {
      out = SENTINEL;
      created = 7;
      rc = pmmf_map_shared(&out, name, map_size, (pmmf_access)access, i < 3 ? modes[i] : mode,
                           &created);
      if (rc != PMMF_E_INVALID)
        die("pmmf_map_shared accepted an invalid name", name, rc);
      if (out != SENTINEL || created != 7)
        die("pmmf_map_shared wrote its outputs", name, rc);
    }
    rc = pmmf_shm_unlink(name);
    if (rc != PMMF_E_INVALID)
      die("pmmf_shm_unlink accepted an invalid name", name, rc);
    return 0;
  }

  if (!args_valid) {
    /* A valid name with another bad argument: still PMMF_E_INVALID. Only
     * the argument checks run (no object is created: they fail first). */
    out = SENTINEL;
    created = 7;
    rc = pmmf_map_shared(&out, name, map_size, (pmmf_access)access, mode, &created);
    if (rc != PMMF_E_INVALID)
      die("pmmf_map_shared accepted a bad access, mode or size", name, rc);
    if (out != SENTINEL || created != 7)
      die("pmmf_map_shared wrote its outputs", name, rc);
    return 0;
  }

  /* A valid name, opened only: never INVALID, never created. */
  {
    int existed = shm_exists(name);
    out = SENTINEL;
    created = 7;
    rc = pmmf_map_shared(&out, name, 0, (pmmf_access)access, PMMF_SHM_OPEN_ONLY, &created);
    if (rc == PMMF_OK) {
      /* Another program's object of this name: it existed before. */
      if (!existed)
        die("PMMF_SHM_OPEN_ONLY opened an object that did not exist", name, rc);
      if (created != 0)
        die("PMMF_SHM_OPEN_ONLY says it created the object", name, rc);
      pmmf_map_close(out);
      return 0;
    }
    if (rc == PMMF_E_INVALID)
      die("pmmf_map_shared refused a valid name", name, rc);
    if (!existed && rc != PMMF_E_NOT_FOUND && rc != PMMF_E_UNSUPPORTED)
      die("PMMF_SHM_OPEN_ONLY of a missing object", name, rc);
    if (out != SENTINEL || created != 7)
      die("pmmf_map_shared wrote its outputs", name, rc);
    if (!existed && shm_exists(name))
      die("PMMF_SHM_OPEN_ONLY created an object", name, rc);
  }
  if (pmmf__alloc_live() != 0)
    die("allocations left", name, PMMF_OK);
  return 0;
}
