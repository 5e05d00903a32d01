/* SPDX-License-Identifier: MIT */
/*
 * pmmf.c - the pmmf command-line tool: what the library reports about this
 * system (info), files printed through read-only views (cat, hexdump), files
 * written through a growing map (fill), the benchmark program (bench), and
 * the native facts of this system (probe, in probe.c).
 * Every failure names the libportmmf status; the exit codes are listed in
 * usage_text below (pmmf --help) and in docs/tool.md.
 */
#ifndef _WIN32
#  define _POSIX_C_SOURCE 200809L /* fileno, isatty, readlink, execv */
#endif

#include <portmmf.h>

#include "probe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#  include <fcntl.h>
#  include <io.h>
#  include <windows.h>
#else
#  include <sys/stat.h>
#  include <unistd.h>
#endif

/* Exit codes. */
enum {
  EXIT_OK = 0,       /* success */
  EXIT_STATUS = 1,   /* a libportmmf call failed; the message names the status */
  EXIT_USAGE = 2,    /* bad command line */
  EXIT_OUTPUT = 3,   /* standard output could not be written */
  EXIT_NO_BENCH = 4, /* bench: the benchmark program is not available */
  EXIT_NO_SPACE = 5  /* fill: no space left on the device */
};

/* Files are walked in views of this size, so any file works in a 32-bit
 * process; output is copied through a buffer with guarded reads, so a file
 * truncated underneath gives PMMF_E_IO instead of a crash. */
#define CHUNK ((size_t)16 << 20)
#define BUFFER ((size_t)1 << 20)
/* Operations on at least this many bytes show progress on a terminal. */
#define PROGRESS_MIN ((uint64_t)16 << 20)

static const char usage_text[] =
    "usage: pmmf COMMAND [ARGS...]\n"
    "\n"
    "Commands:\n"
    "  info                             backend, page size, granularity, version\n"
    "  cat FILE [OFFSET [LENGTH]]       write LENGTH bytes of FILE from OFFSET\n"
    "                                   (default: to the end) to standard output\n"
    "  hexdump FILE [OFFSET [LENGTH]]   the same bytes as `hexdump -C` lays them out\n"
    "                                   (every line; repeated lines are not squeezed)\n"
    "  fill FILE SIZE [BYTE]            make FILE SIZE bytes long, every byte BYTE\n"
    "                                   (default 0), flushed to disk (SYNC)\n"
    "  bench [ARGS...]                  run the benchmark program pmmf-bench with ARGS\n"
    "  probe [DIR]                      measure this system's native mapping facts on\n"
    "                                   DIR's file system (default .): a Markdown\n"
    "                                   table for bug reports\n"
    "  help, --help, -h                 this text\n"
    "  --version                        the library's version\n"
    "\n"
    "OFFSET, LENGTH and SIZE are byte counts: decimal, or hexadecimal with 0x,\n"
    "optionally followed by K, M, G or T (powers of 1024). BYTE is 0 to 255.\n"
    "cat and fill show progress on standard error when it is a terminal (cat only\n"
    "when standard output is not), for at least 16 MiB.\n"
    "bench runs $PMMF_BENCH if set, else pmmf-bench beside this program, else\n"
    "../bench/pmmf-bench (a build tree).\n"
    "\n"
    "Exit codes:\n"
    "  0  success\n"
    "  1  a libportmmf call failed (the message names the status, e.g. PMMF_E_NOT_FOUND)\n"
    "  2  bad command line\n"
    "  3  standard output could not be written\n"
    "  4  bench: the benchmark program is not available\n"
    "  5  fill: no space left on the device (PMMF_E_NO_SPACE); the file is removed\n"
    "     if fill created it, else left empty, as after any failed fill\n"
    "  bench exits with the benchmark program's exit code\n";

/* ------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------ */

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
  fprintf(stderr, "pmmf: %s: ", cmd);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'pmmf --help'.\n");
  return EXIT_USAGE;
}

/* Report a failed libportmmf call: what was done, the message, the status
 * name and the OS error behind it. */
static int fail(const char *cmd, const char *what, int status)
{
  long os_error = pmmf_last_os_error();
  fprintf(stderr, "pmmf: %s: %s: %s (%s", cmd, what, pmmf_strerror(status),
          pmmf_status_name(status));
  if (os_error != 0)
    fprintf(stderr, ", OS error %ld", os_error);
  fprintf(stderr, ")\n");
  return EXIT_STATUS;
}

static int output_error(const char *cmd)
{
  fprintf(stderr, "pmmf: %s: cannot write standard output: %s\n", cmd, strerror(errno));
  return EXIT_OUTPUT;
}

/* ------------------------------------------------------------------------
 * Arguments
 * ------------------------------------------------------------------------ */

/* A byte count: decimal or 0x hexadecimal, with an optional K/M/G/T suffix.
 * Returns 0 on success. */
static int parse_count(const char *text, uint64_t *out)
{
  uint64_t value = 0, base = 10;
  unsigned shift = 0;
  const char *p = text;
  int digits = 0;

  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  for (; *p; p++, digits++) {
    unsigned digit;
    if (*p >= '0' && *p <= '9')
      digit = (unsigned)(*p - '0');
    else if (base == 16 && *p >= 'a' && *p <= 'f')
      digit = (unsigned)(*p - 'a' + 10);
    else if (base == 16 && *p >= 'A' && *p <= 'F')
      digit = (unsigned)(*p - 'A' + 10);
    else
      break;
    if (value > (UINT64_MAX - digit) / base)
      return -1;
    value = value * base + digit;
  }
  if (digits == 0)
    return -1;
  switch (*p) {
  case '\0': break;
  case 'k': case 'K': shift = 10; p++; break;
  case 'm': case 'M': shift = 20; p++; break;
  case 'g': case 'G': shift = 30; p++; break;
  case 't': case 'T': shift = 40; p++; break;
  default: return -1;
  }
  if (*p != '\0' || (shift && value > (UINT64_MAX >> shift)))
    return -1;
  *out = value << shift;
  return 0;
}

/* ------------------------------------------------------------------------
 * Terminals and progress
 * ------------------------------------------------------------------------ */

static int is_terminal(FILE *stream)
{
#ifdef _WIN32
  DWORD mode;
  HANDLE handle = GetStdHandle(stream == stderr ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
  return handle != NULL && handle != INVALID_HANDLE_VALUE && GetConsoleMode(handle, &mode) != 0;
#else
  return isatty(fileno(stream));
#endif
}

struct progress {
  const char *cmd;
  uint64_t total;
  int shown;    /* -1: off; else the last percentage printed */
};

static void progress_start(struct progress *p, const char *cmd, uint64_t total, int enabled)
{
  p->cmd = cmd;
  p->total = total;
  p->shown = enabled && total >= PROGRESS_MIN && is_terminal(stderr) ? 0 : -1;
}

static void progress_update(struct progress *p, uint64_t done)
{
  int percent;
  if (p->shown < 0)
    return;
  percent = (int)(done * 100 / p->total);
  if (percent == p->shown && done != 0)
    return;
  p->shown = percent;
  fprintf(stderr, "\rpmmf: %s: %3d%% (%" PRIu64 " of %" PRIu64 " MiB)", p->cmd, percent,
          done >> 20, p->total >> 20);
  if (done == p->total)
    fputc('\n', stderr);
  fflush(stderr);
}

/* End the progress line if the operation stopped early. */
static void progress_stop(struct progress *p)
{
  if (p->shown >= 0 && p->shown < 100)
    fputc('\n', stderr);
  p->shown = -1;
}

/* ------------------------------------------------------------------------
 * Reading a range of a file, view by view
 * ------------------------------------------------------------------------ */

/* The range [offset, offset + length) of a file opened for reading; a
 * missing LENGTH means to the end. Fills *map (NULL for an empty range). */
struct range {
  pmmf_file *file;
  pmmf_map *map;
  uint64_t offset;
  uint64_t length;
};

static void range_close(struct range *r)
{
  pmmf_map_close(r->map);
  pmmf_file_close(r->file);
}

/* Parse FILE [OFFSET [LENGTH]] and open the range; returns an exit code. */
static int range_open(struct range *r, const char *cmd, int argc, char **argv)
{
  uint64_t size, offset = 0, length = 0;
  int has_length = argc >= 3, status;

  memset(r, 0, sizeof *r);
  if (argc < 1 || argc > 3)
    return usage_error(cmd, "%s", "expected FILE [OFFSET [LENGTH]]");
  if (argc >= 2 && parse_count(argv[1], &offset) != 0)
    return usage_error(cmd, "invalid offset '%s'", argv[1]);
  if (has_length && parse_count(argv[2], &length) != 0)
    return usage_error(cmd, "invalid length '%s'", argv[2]);

  status = pmmf_file_open(&r->file, argv[0], PMMF_OPEN_READ);
  if (status != PMMF_OK)
    return fail(cmd, argv[0], status);
  status = pmmf_file_size(r->file, &size);
  if (status != PMMF_OK) {
    range_close(r);
    return fail(cmd, argv[0], status);
  }
  if (!has_length && offset <= size)
    length = size - offset;
  if (offset > size || length > size - offset) {
    range_close(r);
    fprintf(stderr, "pmmf: %s: %s: %s (%s): offset %" PRIu64, cmd, argv[0],
            pmmf_strerror(PMMF_E_RANGE), pmmf_status_name(PMMF_E_RANGE), offset);
    if (has_length)
      fprintf(stderr, " + length %" PRIu64, length);
    fprintf(stderr, " is beyond the file's %" PRIu64 " bytes\n", size);
    return EXIT_STATUS;
  }
  r->offset = offset;
  r->length = length;
  if (length == 0)
    return EXIT_OK; /* nothing to map: an empty file cannot be (PMMF_E_EMPTY) */
  status = pmmf_map_file(&r->map, r->file, 0, PMMF_ACCESS_READ, 0);
  if (status != PMMF_OK) {
    range_close(r);
    return fail(cmd, argv[0], status);
  }
  return EXIT_OK;
}

/* Call `sink` for every piece of the range, in order, through a buffer. */
typedef int (*sink_fn)(void *ctx, uint64_t position, const unsigned char *bytes, size_t n);

static int range_walk(struct range *r, const char *cmd, const char *path, struct progress *pg,
                      sink_fn sink, void *ctx)
{
  unsigned char *buffer;
  uint64_t done = 0;
  int rc = EXIT_OK;

  if (r->length == 0)
    return EXIT_OK;
  buffer = malloc(BUFFER);
  if (!buffer)
    return fail(cmd, "buffer", PMMF_E_NO_MEMORY);
  progress_update(pg, 0);
  while (done < r->length && rc == EXIT_OK) {
    pmmf_view *view;
    size_t span = r->length - done < CHUNK ? (size_t)(r->length - done) : CHUNK, at;
    int status = pmmf_view_map(&view, r->map, r->offset + done, span, PMMF_ACCESS_READ, 0);
    if (status != PMMF_OK) {
      rc = fail(cmd, path, status);
      break;
    }
    (void)pmmf_view_advise(view, 0, 0, PMMF_ADVICE_SEQUENTIAL); /* a hint only */
    for (at = 0; at < span && rc == EXIT_OK; at += BUFFER) {
      size_t n = span - at < BUFFER ? span - at : BUFFER;
      status = pmmf_view_read(view, at, buffer, n);
      if (status != PMMF_OK)
        rc = fail(cmd, path, status);
      else
        rc = sink(ctx, r->offset + done + at, buffer, n);
    }
    pmmf_view_unmap(view);
    done += span;
    if (rc == EXIT_OK)
      progress_update(pg, done);
  }
  progress_stop(pg);
  free(buffer);
  return rc;
}

/* ------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

static int cmd_info(int argc, char **argv)
{
  (void)argv;
  if (argc != 0)
    return usage_error("info", "%s", "takes no arguments");
  printf("version: %s\n", pmmf_version());
  printf("backend: %s\n", pmmf_backend());
  printf("page-size: %zu\n", pmmf_page_size());
  printf("granularity: %zu\n", pmmf_granularity());
  printf("portable-granularity: %u\n", PMMF_PORTABLE_GRANULARITY);
  printf("pointer-bits: %u\n", (unsigned)(sizeof(void *) * 8));
  return fflush(stdout) == 0 ? EXIT_OK : output_error("info");
}

static int cat_sink(void *ctx, uint64_t position, const unsigned char *bytes, size_t n)
{
  (void)ctx;
  (void)position;
  return fwrite(bytes, 1, n, stdout) == n ? EXIT_OK : output_error("cat");
}

static int cmd_cat(int argc, char **argv)
{
  struct range r;
  struct progress pg;
  int rc = range_open(&r, "cat", argc, argv);
  if (rc != EXIT_OK)
    return rc;
  /* Progress would garble output going to the same terminal. */
  progress_start(&pg, "cat", r.length, !is_terminal(stdout));
  rc = range_walk(&r, "cat", argv[0], &pg, cat_sink, NULL);
  range_close(&r);
  if (rc == EXIT_OK && fflush(stdout) != 0)
    rc = output_error("cat");
  return rc;
}

/* hexdump -C layout: offset, two groups of eight bytes, the printable text. */
struct hexdump {
  unsigned char line[16];
  size_t used;
  uint64_t line_start;
  int failed;
};

static void hexdump_line(struct hexdump *h)
{
  size_t i;
  printf("%08" PRIx64 " ", h->line_start);
  for (i = 0; i < 16; i++) {
    if (i == 8)
      putchar(' ');
    if (i < h->used)
      printf(" %02x", h->line[i]);
    else
      fputs("   ", stdout);
  }
  fputs("  |", stdout);
  for (i = 0; i < h->used; i++)
    putchar(h->line[i] >= 0x20 && h->line[i] < 0x7f ? h->line[i] : '.');
  fputs("|\n", stdout);
  h->line_start += h->used;
  h->used = 0;
}

static int hexdump_sink(void *ctx, uint64_t position, const unsigned char *bytes, size_t n)
{
  struct hexdump *h = ctx;
  size_t i;
  (void)position;
  for (i = 0; i < n; i++) {
    h->line[h->used++] = bytes[i];
    if (h->used == 16)
      hexdump_line(h);
  }
  return ferror(stdout) ? output_error("hexdump") : EXIT_OK;
}

static int cmd_hexdump(int argc, char **argv)
{
  struct range r;
  struct progress pg;
  struct hexdump h;
  int rc = range_open(&r, "hexdump", argc, argv);
  if (rc != EXIT_OK)
    return rc;
  memset(&h, 0, sizeof h);
  h.line_start = r.offset;
  progress_start(&pg, "hexdump", r.length, 0);
  rc = range_walk(&r, "hexdump", argv[0], &pg, hexdump_sink, &h);
  range_close(&r);
  if (rc == EXIT_OK && r.length > 0) {
    if (h.used > 0)
      hexdump_line(&h);
    printf("%08" PRIx64 "\n", r.offset + r.length);
  }
  if (rc == EXIT_OK && fflush(stdout) != 0)
    rc = output_error("hexdump");
  return rc;
}

/* Remove a file fill created (UTF-8 path, as the library takes it). */
static void remove_path(const char *path)
{
#ifdef _WIN32
  wchar_t wide[32768];
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wide, 32768) > 0)
    DeleteFileW(wide);
#else
  unlink(path);
#endif
}

/* Write `byte` over the whole map, one view of CHUNK bytes at a time, with
 * guarded writes (a page that cannot be written, such as one beyond the space
 * of a file system that cannot reserve storage, gives a status instead of
 * SIGBUS), each chunk flushed SYNC before the next. */
static int fill_map(pmmf_map *map, uint64_t size, const unsigned char *buffer,
                    struct progress *pg)
{
  uint64_t done = 0;
  int status = PMMF_OK;

  while (done < size && status == PMMF_OK) {
    pmmf_view *view;
    size_t span = size - done < CHUNK ? (size_t)(size - done) : CHUNK, at;
    status = pmmf_view_map(&view, map, done, span, PMMF_ACCESS_WRITE, 0);
    if (status != PMMF_OK)
      break;
    for (at = 0; at < span && status == PMMF_OK; at += BUFFER)
      status = pmmf_view_write(view, at, buffer, span - at < BUFFER ? span - at : BUFFER);
    /* Durable before the next chunk: when fill succeeds, it is on disk. */
    if (status == PMMF_OK)
      status = pmmf_view_flush(view, 0, 0, PMMF_FLUSH_SYNC);
    pmmf_view_unmap(view);
    if (status == PMMF_OK) {
      done += span;
      progress_update(pg, done);
    }
  }
  return status;
}

static int cmd_fill(int argc, char **argv)
{
  uint64_t size, byte = 0;
  unsigned char *buffer;
  pmmf_file *file;
  pmmf_map *map;
  struct progress pg;
  int status, created;

  if (argc < 2 || argc > 3)
    return usage_error("fill", "%s", "expected FILE SIZE [BYTE]");
  if (parse_count(argv[1], &size) != 0)
    return usage_error("fill", "invalid size '%s'", argv[1]);
  if (argc == 3 && (parse_count(argv[2], &byte) != 0 || byte > 255))
    return usage_error("fill", "invalid byte '%s' (0 to 255)", argv[2]);

  /* Created here (then removed again on failure), or an existing file
   * truncated (then left empty on failure). */
  status = pmmf_file_open(&file, argv[0], PMMF_OPEN_WRITE | PMMF_OPEN_CREATE_NEW);
  created = status == PMMF_OK;
  if (status == PMMF_E_EXISTS)
    status = pmmf_file_open(&file, argv[0], PMMF_OPEN_WRITE | PMMF_OPEN_TRUNCATE);
  if (status != PMMF_OK)
    return fail("fill", argv[0], status);
  if (size == 0) { /* truncated: done (an empty file has nothing to map) */
    status = pmmf_file_close(file);
    return status == PMMF_OK ? EXIT_OK : fail("fill", argv[0], status);
  }

  buffer = malloc(BUFFER);
  if (!buffer) {
    pmmf_file_close(file);
    if (created)
      remove_path(argv[0]);
    fprintf(stderr, "pmmf: fill: out of memory\n");
    return EXIT_STATUS;
  }
  memset(buffer, (int)byte, BUFFER);

  /* GROW extends the file to `size` and reserves its storage before the call
   * returns: a full file system is PMMF_E_NO_SPACE here, not a fault later. */
  status = pmmf_map_file(&map, file, size, PMMF_ACCESS_WRITE, PMMF_MAP_GROW);
  if (status == PMMF_OK) {
    progress_start(&pg, "fill", size, 1);
    progress_update(&pg, 0);
    status = fill_map(map, size, buffer, &pg);
    progress_stop(&pg);
    pmmf_map_close(map);
  }
  free(buffer);
  if (status == PMMF_OK) {
    status = pmmf_file_close(file);
    return status == PMMF_OK ? EXIT_OK : fail("fill", argv[0], status);
  }

  /* Nothing partial stays behind: the file goes if fill created it, else it
   * is left empty (it was truncated). */
  fail("fill", argv[0], status);
  pmmf_file_resize(file, 0);
  pmmf_file_close(file);
  if (created)
    remove_path(argv[0]);
  fprintf(stderr, "pmmf: fill: %s %s\n", argv[0], created ? "removed" : "left empty");
  return status == PMMF_E_NO_SPACE ? EXIT_NO_SPACE : EXIT_STATUS;
}

/* ------------------------------------------------------------------------
 * bench: run the benchmark program with the remaining arguments
 * ------------------------------------------------------------------------ */

#ifdef _WIN32
#  define EXE_SUFFIX ".exe"
#else
#  define EXE_SUFFIX ""
#endif

static int file_exists(const char *path)
{
#ifdef _WIN32
  DWORD attributes = GetFileAttributesA(path);
  return attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY);
#else
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
#endif
}

/* This program's directory with a trailing separator, in `dir`; "" if
 * unknown. */
static void own_directory(char *dir, size_t cap, const char *argv0)
{
  size_t n = 0, i;
#ifdef _WIN32
  DWORD got = GetModuleFileNameA(NULL, dir, (DWORD)cap);
  (void)argv0;
  n = got > 0 && got < cap ? (size_t)got : 0;
#else
  ssize_t got = readlink("/proc/self/exe", dir, cap - 1);
  if (got > 0) {
    n = (size_t)got;
  } else if (strchr(argv0, '/') && strlen(argv0) < cap) {
    n = strlen(argv0);
    memcpy(dir, argv0, n);
  }
#endif
  dir[n] = '\0';
  for (i = n; i > 0; i--)
    if (dir[i - 1] == '/' || dir[i - 1] == '\\')
      break;
  dir[i] = '\0';
}

#ifdef _WIN32
/* Append one argument to a command line, quoted as CommandLineToArgvW and
 * the C runtime parse it. Returns 0 on success. */
static int append_quoted(char *line, size_t cap, const char *arg)
{
  size_t n = strlen(line), slashes = 0;
  const char *p;
#  define PUT(c) do { if (n + 1 >= cap) return -1; line[n++] = (c); } while (0)
  if (n)
    PUT(' ');
  PUT('"');
  for (p = arg;; p++) {
    if (*p == '\\') {
      slashes++;
      continue;
    }
    /* Backslashes are literal unless they precede a quote (or the closing one). */
    if (*p == '"' || *p == '\0')
      slashes *= 2;
    for (; slashes; slashes--)
      PUT('\\');
    if (*p == '\0')
      break;
    if (*p == '"')
      PUT('\\');
    PUT(*p);
  }
  PUT('"');
#  undef PUT
  line[n] = '\0';
  return 0;
}
#endif

static int run_program(const char *path, int argc, char **argv)
{
#ifdef _WIN32
  static char line[32768];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  DWORD code = 1;
  int i;

  line[0] = '\0';
  if (append_quoted(line, sizeof line, path) != 0)
    return usage_error("bench", "%s", "command line too long");
  for (i = 0; i < argc; i++)
    if (append_quoted(line, sizeof line, argv[i]) != 0)
      return usage_error("bench", "%s", "command line too long");
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  fflush(stdout);
  if (!CreateProcessA(path, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
    fprintf(stderr, "pmmf: bench: cannot start %s (Windows error %lu)\n", path,
            (unsigned long)GetLastError());
    return EXIT_NO_BENCH;
  }
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return (int)code;
#else
  char **args = calloc((size_t)argc + 2, sizeof *args);
  int i;
  if (!args)
    return fail("bench", "arguments", PMMF_E_NO_MEMORY);
  args[0] = (char *)path;
  for (i = 0; i < argc; i++)
    args[i + 1] = argv[i];
  fflush(stdout);
  execv(path, args);
  fprintf(stderr, "pmmf: bench: cannot run %s: %s\n", path, strerror(errno));
  free(args);
  return EXIT_NO_BENCH;
#endif
}

static int cmd_bench(int argc, char **argv, const char *argv0)
{
  static char dir[4096], candidates[2][4200];
  const char *env = getenv("PMMF_BENCH");
  int i;

  if (env && *env) {
    if (!file_exists(env)) {
      fprintf(stderr, "pmmf: bench: PMMF_BENCH is %s, which is not an executable file\n", env);
      return EXIT_NO_BENCH;
    }
    return run_program(env, argc, argv);
  }
  own_directory(dir, sizeof dir, argv0);
  snprintf(candidates[0], sizeof candidates[0], "%spmmf-bench" EXE_SUFFIX, dir);
  snprintf(candidates[1], sizeof candidates[1], "%s../bench/pmmf-bench" EXE_SUFFIX, dir);
  for (i = 0; i < 2; i++)
    if (file_exists(candidates[i]))
      return run_program(candidates[i], argc, argv);
  fprintf(stderr,
          "pmmf: bench: the benchmark program is not available: no %s or %s\n"
          "(it is built from bench/ when that is part of the build; PMMF_BENCH names another)\n",
          candidates[0], candidates[1]);
  return EXIT_NO_BENCH;
}

/* ------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */

#ifdef _WIN32
/* The arguments as UTF-8, which pmmf_file_open expects (the C runtime's
 * argv is in the ANSI code page). Falls back to argv. */
static char **utf8_arguments(int argc, char **argv)
{
  int n = 0, i;
  LPWSTR *wide = CommandLineToArgvW(GetCommandLineW(), &n);
  char **out;
  if (!wide || n != argc)
    return argv;
  out = calloc((size_t)n + 1, sizeof *out);
  for (i = 0; out && i < n; i++) {
    int len = WideCharToMultiByte(CP_UTF8, 0, wide[i], -1, NULL, 0, NULL, NULL);
    out[i] = len > 0 ? malloc((size_t)len) : NULL;
    if (!out[i] || !WideCharToMultiByte(CP_UTF8, 0, wide[i], -1, out[i], len, NULL, NULL))
      return argv; /* leaks a little, once, on an out-of-memory path */
  }
  LocalFree(wide);
  return out ? out : argv;
}
#endif

int main(int argc, char **argv)
{
  const char *cmd;
#ifdef _WIN32
  argv = utf8_arguments(argc, argv);
  /* Bytes out as they are: no CR added before LF. */
  _setmode(_fileno(stdout), _O_BINARY);
#endif
  if (argc < 2) {
    fputs(usage_text, stderr);
    return EXIT_USAGE;
  }
  cmd = argv[1];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    fputs(usage_text, stdout);
    return fflush(stdout) == 0 ? EXIT_OK : output_error("help");
  }
  if (!strcmp(cmd, "--version")) {
    printf("pmmf %s\n", pmmf_version());
    return fflush(stdout) == 0 ? EXIT_OK : output_error("--version");
  }
  if (!strcmp(cmd, "info"))
    return cmd_info(argc - 2, argv + 2);
  if (!strcmp(cmd, "cat"))
    return cmd_cat(argc - 2, argv + 2);
  if (!strcmp(cmd, "hexdump"))
    return cmd_hexdump(argc - 2, argv + 2);
  if (!strcmp(cmd, "fill"))
    return cmd_fill(argc - 2, argv + 2);
  if (!strcmp(cmd, "bench"))
    return cmd_bench(argc - 2, argv + 2, argv[0]);
  if (!strcmp(cmd, "probe"))
    return pmmf_tool_probe(argc - 2, argv + 2);
  fprintf(stderr, "pmmf: unknown command '%s'\nTry 'pmmf --help'.\n", cmd);
  return EXIT_USAGE;
}
