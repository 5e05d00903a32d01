/* SPDX-License-Identifier: MIT */
/*
 * consumer.c - a program built outside libportmmf's own build, against an
 * installed (staged) libportmmf or a subproject: it checks that the header it
 * was compiled with matches the library it runs with, and round-trips bytes
 * through an anonymous map.
 */
#include <portmmf.h>

#include <stdio.h>
#include <string.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static int check(int status, const char *what)
{
  if (status != PMMF_OK)
    fprintf(stderr, "consumer: %s: %s\n", what, pmmf_status_name(status));
  return status != PMMF_OK;
}

int main(void)
{
  const char *header = STRINGIFY(PMMF_VERSION_MAJOR) "." STRINGIFY(
      PMMF_VERSION_MINOR) "." STRINGIFY(PMMF_VERSION_PATCH);
  const char message[] = "hello";
  char back[sizeof message];
  pmmf_map *map;
  pmmf_view *view;

  if (strcmp(header, pmmf_version()) != 0) {
    fprintf(stderr, "consumer: header %s, library %s\n", header, pmmf_version());
    return 1;
  }
  if (check(pmmf_map_anonymous(&map, PMMF_PORTABLE_GRANULARITY, 0), "map"))
    return 1;
  if (check(pmmf_view_map(&view, map, 12345, sizeof message, PMMF_ACCESS_WRITE, 0), "view"))
    return 1;
  if (check(pmmf_view_write(view, 0, message, sizeof message), "write") ||
      check(pmmf_view_read(view, 0, back, sizeof back), "read"))
    return 1;
  pmmf_view_unmap(view);
  pmmf_map_close(map);
  if (memcmp(back, message, sizeof message) != 0) {
    fprintf(stderr, "consumer: read back other bytes\n");
    return 1;
  }
  printf("consumer: libportmmf %s, %s backend: ok\n", pmmf_version(), pmmf_backend());
  return 0;
}
