/* SPDX-License-Identifier: MIT */
/*
 * demo.c - the README's quick-start program: create a file, map it with
 * growth, write through a view at an unaligned offset, flush it to disk, and
 * read it back through a second, read-only map.
 */
#include <portmmf.h>

#include <stdio.h>
#include <string.h>

static int check(int status, const char *what)
{
  if (status != PMMF_OK)
    fprintf(stderr, "demo: %s: %s (%s, OS error %ld)\n", what, pmmf_strerror(status),
            pmmf_status_name(status), pmmf_last_os_error());
  return status != PMMF_OK;
}

int main(int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : "portmmf-demo.bin";
  const char message[] = "hello from libportmmf";
  pmmf_file *file = NULL;
  pmmf_map *map = NULL;
  pmmf_view *view = NULL;
  char back[sizeof message];

  printf("libportmmf %s, backend %s, page size %zu, granularity %zu\n", pmmf_version(),
         pmmf_backend(), pmmf_page_size(), pmmf_granularity());

  /* A new file of 1 MiB: the map grows it with zero bytes. */
  if (check(pmmf_file_open(&file, path, PMMF_OPEN_WRITE | PMMF_OPEN_CREATE | PMMF_OPEN_TRUNCATE),
            "open") ||
      check(pmmf_map_file(&map, file, 1u << 20, PMMF_ACCESS_WRITE, PMMF_MAP_GROW), "map"))
    return 1;

  /* Any offset works: 99999 is aligned to nothing, the library rounds. */
  if (check(pmmf_view_map(&view, map, 99999, sizeof message, PMMF_ACCESS_WRITE, 0), "view"))
    return 1;
  memcpy(pmmf_view_data(view), message, sizeof message);
  if (check(pmmf_view_flush(view, 0, 0, PMMF_FLUSH_SYNC), "flush"))
    return 1;

  /* Views outlive their map and file: close those first. */
  pmmf_map_close(map);
  pmmf_file_close(file);
  if (check(pmmf_view_read(view, 0, back, sizeof back), "read"))
    return 1;
  pmmf_view_unmap(view);

  printf("wrote and read back at offset 99999: \"%s\"\n", back);
  remove(path);
  return strcmp(back, message) != 0;
}
