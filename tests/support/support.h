/* SPDX-License-Identifier: MIT */
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
/* Whether this system says where a fault on a file page beyond the end of the
 * file was (SIGBUS si_addr in the faulting page; probed in a child process).
 * qemu-user 7.2 for s390x does not: it swaps the address's 32-bit halves, so
 * guarded copies cannot recognise such a fault there. Windows: always 1. */
int support_bus_fault_addr_ok(void);

/* -------------------------------------------------------------------------
 * Child processes: a test executable runs itself again as a child, in a
 * "role" named on its command line. Children print nothing on stdout (it is
 * the parent's TAP stream) and report through their exit code.
 * ------------------------------------------------------------------------- */

/* A role's body: argv[0] is the role's name, argv[1..] its arguments; the
 * return value is the child's exit code (0..125). */
typedef int (*support_role_fn)(int argc, char **argv);
struct support_role {
  const char *name;
  support_role_fn fn;
};
/* Call first thing in main(). In a child: runs the role named on the command
 * line and returns its exit code (>= 0; 126 for an unknown role). In the
 * parent: remembers argv[0] and returns -1. */
int support_child_dispatch(int argc, char **argv, const struct support_role *roles, size_t count);

typedef struct support_child support_child;
/* Start this executable as a child in `role` with the arguments that follow,
 * up to a NULL. Every inheritable handle or descriptor of the parent is
 * passed on (bInheritHandles TRUE; posix_spawn), so a handle that leaks into
 * children would be seen there. NULL if the child could not be started. */
support_child *support_child_start(const char *role, ...);
/* Wait for the child to end and free it: its exit code, or -1 if it was
 * killed or ended abnormally. */
int support_child_wait(support_child *child);
/* Kill the child (SIGKILL / TerminateProcess), wait for it and free it. */
void support_child_kill(support_child *child);
/* Whether the child is still running. */
int support_child_running(support_child *child);
/* Kill and free every child still alive (test teardown); the number killed. */
int support_children_reap(void);
/* Wait until `path` exists: 0 then; -1 if `child` (may be NULL) ends first
 * or after about `timeout_ms`. The one way parents and children signal each
 * other: create a file (support_touch), wait for it. */
int support_wait_for_file(const char *path, support_child *child, unsigned timeout_ms);
/* Create an empty file; 0 on success. */
int support_touch(const char *path);

/* OS handles as numbers (file descriptors; HANDLEs), for passing to children. */
/* An inheritable duplicate (dup without FD_CLOEXEC; DuplicateHandle with
 * bInheritHandle TRUE), or -1. */
intptr_t support_handle_dup_inheritable(intptr_t handle);
void support_handle_close(intptr_t handle);
/* Read the first `len` bytes of what `handle` refers to in this process (a
 * file, or a memory object: pread; ReadFile or a view of a section): 0 if the
 * handle is valid and they were read, -1 otherwise. Never blocks. */
int support_handle_read(intptr_t handle, void *buf, size_t len);

/* -------------------------------------------------------------------------
 * Named shared memory objects, checked and removed behind the library's back.
 * ------------------------------------------------------------------------- */

/* A name unique to this process and `tag` (at most 12 characters):
 * "pmmft-<pid>-<tag>". The same tag gives the same, stable pointer. Every name
 * is registered: support_shm_teardown and an exit handler remove the objects. */
const char *support_shm_name(const char *tag);
/* Whether an object of that name exists (shm_open; OpenFileMappingW of
 * Local\<name>). */
int support_shm_exists(const char *name);
/* Remove it natively (shm_unlink; nothing on Windows); 0 if it was removed. */
int support_shm_remove(const char *name);
/* Objects named with this process's prefix that exist now (POSIX: entries of
 * /dev/shm where it exists, else the registered names; Windows: registered
 * names). */
long support_shm_count_left(void);
/* Test teardown for tests that use names or children: kills children left
 * running, removes every registered object, and fails (-1) if one was left
 * behind by the test. */
int support_shm_teardown(void **state);
/* A test to run last: no object with this process's prefix exists. */
void support_shm_nothing_left(void **state);
/* A test with that teardown. */
#define SUPPORT_SHM_TEST(fn) cmocka_unit_test_teardown(fn, support_shm_teardown)
/* POSIX: create the object with size 0, as a live creator that has not
 * called ftruncate yet: this process holds flock(LOCK_EX) on it until
 * support_shm_set_size or support_shm_remove (0 on success). Windows has no
 * such state: -1. */
int support_shm_create_empty(const char *name);
/* POSIX: the same, but abandoned, as by a creator that died before sizing it
 * (no lock held). Windows: -1. */
int support_shm_create_abandoned(const char *name);
/* POSIX: set an existing object's size (0 on success; a live creator's lock
 * is then released); -1 on Windows. */
int support_shm_set_size(const char *name, uint64_t size);
/* POSIX: the object's permission bits; -1 on Windows or if it is missing. */
int support_shm_mode(const char *name);
/* POSIX: set the umask, return the old one; Windows: nothing, returns 0. */
unsigned support_umask(unsigned mask);
/* Replace the library's sleep (its OS-call table entry nanosleep / Sleep):
 * each sleep then calls fn(arg, ms) and returns at once. NULL restores it. */
void support_fake_sleep(void (*fn)(void *arg, unsigned ms), void *arg);
/* Make the library's reading of a file's size (its OS-call table entry fstat /
 * GetFileSizeEx) sleep about `ms` milliseconds after the call, to widen race
 * windows; 0 restores it. Call it while no other thread uses the library. */
void support_slow_file_size(unsigned ms);

/* The OS halves of the process and name helpers (support_posix.c,
 * support_win32.c), used by support.c. `args` ends with NULL. */
support_child *support_os_child_spawn(const char *const *args);
int support_os_child_wait(support_child *child);
void support_os_child_kill(support_child *child);
unsigned long support_os_pid(void);
/* A monotonic clock in milliseconds (bounds on waits, never assertions). */
uint64_t support_os_ms(void);
/* Objects with this name prefix that exist (removing them if `remove`), or
 * -1 where the OS cannot list its objects. */
long support_os_shm_scan(const char *prefix, int remove);
/* Remove objects of test processes that no longer exist (a run killed before
 * its cleanup); nothing where objects die with their processes (Windows). */
void support_os_shm_reap_stale(void);
/* The command-line flag that marks a child, and argv[0] of the parent. */
#define SUPPORT_CHILD_FLAG "--support-child"
const char *support_self_argv0(void);

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
