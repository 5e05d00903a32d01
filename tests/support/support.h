/*
 * support.h - helpers shared by every libportmmf test executable: a private
 * temporary directory, plain-stdio file access for checking what reached the
 * disk, byte patterns, handle and mapping counts for leak checks, a tiny
 * thread wrapper, and status assertions with readable messages. OS specifics
 * live only in support_posix.c and support_win32.c.
 */
#ifndef PMMF_TEST_SUPPORT_H
#define PMMF_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include <portmmf.h>

#define SUPPORT_KIB ((size_t)1024)
#define SUPPORT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* -------------------------------------------------------------------------
 * Status assertions: print the status names, not bare numbers.
 * ------------------------------------------------------------------------- */

void support_check_status(int got, int expected, const char *expr, const char *file, int line);
#define assert_status(expr, expected) \
  support_check_status((expr), (expected), #expr, __FILE__, __LINE__)
#define assert_ok(expr) assert_status((expr), PMMF_OK)

/* -------------------------------------------------------------------------
 * The temporary directory: one per test executable, created by the group
 * setup, removed recursively by the group teardown and again at exit.
 * ------------------------------------------------------------------------- */

int support_group_setup(void **state);
int support_group_teardown(void **state);
const char *support_tmpdir(void);
/* `name` inside the temporary directory; the same name always gives the
 * same pointer, valid until the group teardown. */
const char *support_path(const char *name);
/* dir + separator + name, malloc'd. */
char *support_join(const char *dir, const char *name);

/* -------------------------------------------------------------------------
 * Files through plain stdio (never through the library).
 * ------------------------------------------------------------------------- */

FILE *support_fopen(const char *path_utf8, const char *mode);
/* 0 on success. */
int support_write_file(const char *path, const void *data, size_t len);
int support_write_pattern(const char *path, size_t len, unsigned seed);
/* The whole file, malloc'd (at least 1 byte allocated); NULL if it cannot be
 * read. */
unsigned char *support_read_file(const char *path, size_t *len);
/* Size in bytes, or -1 if the file does not exist. */
int64_t support_file_size(const char *path);
int support_file_exists(const char *path);
/* Whether the file holds exactly these bytes. */
int support_file_equals(const char *path, const void *data, size_t len);
/* Whether the file holds exactly `len` bytes of pattern `seed` from 0. */
int support_file_is_pattern(const char *path, size_t len, unsigned seed);
int support_mkdir(const char *path);
int support_remove_file(const char *path);
int support_remove_tree(const char *path);
/* A fresh, empty directory for the temporary tree (OS specific). */
int support_make_tmpdir(char *buf, size_t cap);

/* -------------------------------------------------------------------------
 * Leak checks: -1 where the count is unknown on this system.
 * ------------------------------------------------------------------------- */

long support_count_handles(void);
long support_count_mappings(void);

/* -------------------------------------------------------------------------
 * Threads.
 * ------------------------------------------------------------------------- */

typedef struct support_thread support_thread;
typedef void (*support_thread_fn)(void *arg);
/* NULL if the thread could not be started. */
support_thread *support_thread_start(support_thread_fn fn, void *arg);
void support_thread_join(support_thread *thread);

/* -------------------------------------------------------------------------
 * Byte patterns: the byte at position `pos` of pattern `seed`.
 * ------------------------------------------------------------------------- */

unsigned char support_pattern(uint64_t pos, unsigned seed);
void support_fill(void *buf, size_t len, uint64_t pos, unsigned seed);
/* Index of the first byte that differs from the pattern, or -1. */
long long support_check(const void *buf, size_t len, uint64_t pos, unsigned seed);
#define assert_pattern(buf, len, pos, seed) \
  assert_int_equal(support_check((buf), (len), (pos), (seed)), -1)
/* Index of the first byte that is not `value`, or -1. */
long long support_check_byte(const void *buf, size_t len, unsigned char value);

/* -------------------------------------------------------------------------
 * Misc.
 * ------------------------------------------------------------------------- */

int support_is_win32(void);
/* A pointer value that no library call returns: pre-set outputs to it and
 * check that failed calls left them alone. */
extern char support_sentinel_byte;
#define SENTINEL ((void *)&support_sentinel_byte)
#ifdef _WIN32
#include <wchar.h>
/* UTF-8 to a malloc'd UTF-16 path (\\?\ prefix on absolute drive paths);
 * NULL for invalid UTF-8. */
wchar_t *support_wide_path(const char *utf8);
#endif
/* Sleep a little (milliseconds). */
void support_sleep_ms(unsigned ms);
/* Make page-aligned memory inaccessible, bypassing the library (mprotect
 * PROT_NONE / VirtualProtect PAGE_NOACCESS), or readable again; 0 on success. */
int support_protect_none(void *addr, size_t len);
int support_protect_read(void *addr, size_t len);

/* -------------------------------------------------------------------------
 * Guarded access, windows and large files (OS specific underneath).
 * ------------------------------------------------------------------------- */

/* Page-aligned, readable and writable memory of the test's own (mmap /
 * VirtualAlloc), outside any view; NULL on failure. */
void *support_pages_alloc(size_t len);
void support_pages_free(void *addr, size_t len);
/* A fault catcher, as an application would install one: an access fault in
 * [addr, addr + len) makes those pages readable and writable again and is
 * counted, and the faulting code resumes; any other fault goes on to what
 * handled faults before. POSIX: a SIGSEGV handler installed with sigaction
 * over the current one; Windows: a vectored exception handler called after
 * the others. support_catch_range moves the range; support_catch_end puts
 * back what was there. 0 on success. */
int support_catch_begin(void *addr, size_t len);
void support_catch_range(void *addr, size_t len);
long support_catch_count(void);
void support_catch_end(void);
/* While on, every new view mapping fails as if the address space were full
 * (ENOMEM / ERROR_NOT_ENOUGH_MEMORY), through the library's OS-call table. */
void support_views_fail(int on);
/* Bytes of disk the file occupies (st_blocks / AllocationSize), or -1. */
int64_t support_file_allocated(const char *path);
/* Free bytes on the file system holding `path`, or -1 if unknown. */
int64_t support_disk_free(const char *path);
/* Read `len` bytes at a 64-bit `offset` of a file, through stdio; 0 on success. */
int support_read_at(const char *path, uint64_t offset, void *buf, size_t len);

#endif /* PMMF_TEST_SUPPORT_H */
