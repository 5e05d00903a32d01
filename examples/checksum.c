/* SPDX-License-Identifier: MIT */
/*
 * checksum.c - the POSIX cksum checksum of files of any size, read through a
 * sliding window (pmmf_window_*): the process never holds more than WINDOW
 * bytes of a file in its address space, so a 32-bit build checksums files of
 * many gigabytes. Output is cksum's: "CRC SIZE NAME", one line per file.
 *
 *   checksum FILE...
 *
 * Exit codes: 0 ok, 1 a libportmmf call failed (the message names the
 * status), 2 usage.
 */
#include <portmmf.h>

#include <stdio.h>

#define WINDOW ((size_t)16 << 20) /* address space held at most */
#define STEP ((size_t)1 << 20)    /* bytes asked of the window at a time */

/* CRC-32 with polynomial 0x04C11DB7, most significant bit first, as POSIX
 * cksum defines it; four table lookups per four bytes. */
static uint32_t table[4][256];

static void crc_init(void)
{
  uint32_t i, k;
  for (i = 0; i < 256; i++) {
    uint32_t c = i << 24;
    for (k = 0; k < 8; k++)
      c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
    table[0][i] = c;
  }
  for (i = 0; i < 256; i++)
    for (k = 1; k < 4; k++)
      table[k][i] = (table[k - 1][i] << 8) ^ table[0][table[k - 1][i] >> 24];
}

static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
  for (; n >= 4; p += 4, n -= 4) {
    crc ^= (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    crc = table[3][crc >> 24] ^ table[2][(crc >> 16) & 0xff] ^ table[1][(crc >> 8) & 0xff] ^
          table[0][crc & 0xff];
  }
  for (; n; p++, n--)
    crc = (crc << 8) ^ table[0][(crc >> 24) ^ *p];
  return crc;
}

/* cksum appends the length, least significant byte first, without its
 * leading zero bytes, and complements the result. */
static uint32_t crc_finish(uint32_t crc, uint64_t length)
{
  for (; length; length >>= 8) {
    unsigned char byte = (unsigned char)length;
    crc = crc_update(crc, &byte, 1);
  }
  return ~crc;
}

static int report(const char *name, const char *what, int status)
{
  fprintf(stderr, "checksum: %s: %s: %s (%s)\n", name, what, pmmf_strerror(status),
          pmmf_status_name(status));
  return 1;
}

static int checksum(const char *name)
{
  pmmf_file *file;
  pmmf_map *map;
  pmmf_window *window;
  uint64_t size, offset;
  uint32_t crc = 0;
  int status;

  status = pmmf_file_open(&file, name, PMMF_OPEN_READ);
  if (status != PMMF_OK)
    return report(name, "open", status);
  status = pmmf_file_size(file, &size);
  if (status != PMMF_OK || size == 0) { /* an empty file cannot be mapped */
    pmmf_file_close(file);
    if (status != PMMF_OK)
      return report(name, "size", status);
    printf("%lu 0 %s\n", (unsigned long)crc_finish(0, 0), name);
    return 0;
  }
  status = pmmf_map_file(&map, file, 0, PMMF_ACCESS_READ, 0);
  pmmf_file_close(file); /* the map keeps it open */
  if (status != PMMF_OK)
    return report(name, "map", status);
  status = pmmf_window_open(&window, map, WINDOW, PMMF_ACCESS_READ);
  if (status != PMMF_OK) {
    pmmf_map_close(map);
    return report(name, "window", status);
  }
  for (offset = 0; offset < size && status == PMMF_OK;) {
    size_t n = size - offset < STEP ? (size_t)(size - offset) : STEP;
    void *bytes;
    status = pmmf_window_get(window, offset, n, &bytes);
    if (status == PMMF_OK) {
      crc = crc_update(crc, bytes, n);
      offset += n;
    }
  }
  pmmf_window_close(window);
  pmmf_map_close(map);
  if (status != PMMF_OK)
    return report(name, "read", status);
  printf("%lu %llu %s\n", (unsigned long)crc_finish(crc, size), (unsigned long long)size, name);
  return 0;
}

int main(int argc, char **argv)
{
  int i, rc = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: checksum FILE...\n");
    return 2;
  }
  crc_init();
  for (i = 1; i < argc; i++)
    rc |= checksum(argv[i]);
  return rc;
}
