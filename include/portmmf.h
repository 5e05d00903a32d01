/* SPDX-License-Identifier: MIT */
/*
 * portmmf.h - the whole public API of libportmmf: memory-mapped files, anonymous
 * and named shared memory with one behaviour on Windows and POSIX. This header
 * is self-contained (only <stddef.h> and <stdint.h>) and usable from C99 and C++.
 */
#ifndef PORTMMF_H
#define PORTMMF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup version Version */
/** @{ */
#define PMMF_VERSION_MAJOR 0 /**< Major version: incompatible API changes. */
#define PMMF_VERSION_MINOR 1 /**< Minor version: compatible additions. */
#define PMMF_VERSION_PATCH 0 /**< Patch version: fixes only. */
/** @} */

/*
 * PMMF_API marks exported functions. Windows DLL builds define PMMF_BUILDING_DLL
 * while compiling the library. Users need define nothing, for the DLL and the
 * static library alike: the API is functions only, which a DLL's import
 * library reaches without dllimport. A DLL user may define PMMF_DLL for
 * dllimport (one indirect call instead of a jump through a stub); PMMF_STATIC,
 * from older versions, is still accepted and means nothing to do.
 */
#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(PMMF_BUILDING_DLL)
#    define PMMF_API __declspec(dllexport)
#  elif defined(PMMF_DLL) && !defined(PMMF_STATIC)
#    define PMMF_API __declspec(dllimport)
#  else
#    define PMMF_API
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define PMMF_API __attribute__((visibility("default")))
#else
#  define PMMF_API
#endif

/**
 * @defgroup status Status codes
 * Every function that can fail returns ::PMMF_OK (0) or a negative status. On
 * failure nothing observable changed: no handle leaked, no file grew or
 * shrank, no output pointer was written.
 * @{
 */

/**
 * The single list of status codes: XX(NAME, value, message). It generates
 * enum pmmf_status, pmmf_strerror() and pmmf_status_name().
 */
#define PMMF_STATUS_MAP(XX)                                                              \
  XX(OK, 0, "success")                                                                   \
  XX(E_INVALID, -1, "invalid argument")                                                  \
  XX(E_NOT_FOUND, -2, "file or named mapping not found")                                 \
  XX(E_EXISTS, -3, "file or named mapping already exists")                               \
  XX(E_ACCESS, -4, "access denied or exceeds what the file, map or view allows")         \
  XX(E_SHARING, -5, "another open holds conflicting exclusive access")                   \
  XX(E_EMPTY, -6, "cannot map an empty file")                                            \
  XX(E_RANGE, -7, "offset or length out of range")                                       \
  XX(E_ALIGNMENT, -8, "address or offset not a multiple of the portable granularity")    \
  XX(E_ADDRESS_IN_USE, -9, "the requested address range is in use")                      \
  XX(E_BUSY, -10, "refused while maps or views exist")                                   \
  XX(E_NO_MEMORY, -11, "out of memory or address space")                                 \
  XX(E_NO_SPACE, -12, "no space left on the device")                                     \
  XX(E_TOO_LARGE, -13, "too large for this process's address space")                    \
  XX(E_UNSUPPORTED, -14, "not supported on this platform or file system")                \
  XX(E_IO, -15, "input/output error")                                                    \
  XX(E_OS, -16, "operating system error")

/** Status codes returned by every function that can fail. */
enum pmmf_status {
#define PMMF_STATUS_ENUM_(name, value, message) PMMF_##name = (value),
  PMMF_STATUS_MAP(PMMF_STATUS_ENUM_)
#undef PMMF_STATUS_ENUM_
  PMMF_STATUS_LAST_ = -16 /**< Lowest status value; not a status itself. */
};

/** @var pmmf_status::PMMF_OK
 * 0: success. */
/** @var pmmf_status::PMMF_E_INVALID
 * -1: bad argument: NULL where an object is needed, unknown flag bits, a bad
 * access, advice or mode value, a bad name, a path that is not a regular file. */
/** @var pmmf_status::PMMF_E_NOT_FOUND
 * -2: the file or named mapping does not exist. */
/** @var pmmf_status::PMMF_E_EXISTS
 * -3: a create-only target (PMMF_OPEN_CREATE_NEW, PMMF_SHM_CREATE_ONLY)
 * already exists. */
/** @var pmmf_status::PMMF_E_ACCESS
 * -4: permission denied, or the access asked for exceeds what the file, map
 * or view allows. */
/** @var pmmf_status::PMMF_E_SHARING
 * -5: another open of the file holds conflicting (exclusive) access. */
/** @var pmmf_status::PMMF_E_EMPTY
 * -6: whole-file mapping of an empty file. */
/** @var pmmf_status::PMMF_E_RANGE
 * -7: offset or length outside the file, map or view, including an offset +
 * length that wraps around. */
/** @var pmmf_status::PMMF_E_ALIGNMENT
 * -8: a fixed base address, or its offset, is not a multiple of
 * PMMF_PORTABLE_GRANULARITY (or of pmmf_granularity() where that is larger:
 * pages above 64 KiB). */
/** @var pmmf_status::PMMF_E_ADDRESS_IN_USE
 * -9: the fixed address range is not free (it is never replaced). */
/** @var pmmf_status::PMMF_E_BUSY
 * -10: refused while maps or views of the object exist (resize while
 * mapped), or a named object still being created by another process. */
/** @var pmmf_status::PMMF_E_NO_MEMORY
 * -11: out of memory, address space or handles. */
/** @var pmmf_status::PMMF_E_NO_SPACE
 * -12: the disk is full (or over quota) while growing or writing a file. */
/** @var pmmf_status::PMMF_E_TOO_LARGE
 * -13: does not fit this process's address space (size_t). */
/** @var pmmf_status::PMMF_E_UNSUPPORTED
 * -14: no equivalent on this platform or file system. */
/** @var pmmf_status::PMMF_E_IO
 * -15: I/O error, including a page fault caught by guarded access. */
/** @var pmmf_status::PMMF_E_OS
 * -16: any other OS error; see pmmf_last_os_error(). */

/**
 * A human-readable message for a status.
 * @param status a value of enum pmmf_status (any int is accepted)
 * @return a static string, never NULL ("unknown status" for unknown values)
 */
PMMF_API const char *pmmf_strerror(int status);

/**
 * The symbolic name of a status, such as "PMMF_E_RANGE".
 * @param status a value of enum pmmf_status (any int is accepted)
 * @return a static string, never NULL; "PMMF_E_UNKNOWN" for unknown values
 */
PMMF_API const char *pmmf_status_name(int status);

/**
 * The raw OS error (errno on POSIX, GetLastError() on Windows) behind this
 * thread's last failed call. Successful calls leave it unchanged.
 * @return the OS error code, or 0 if the last failure had no OS error behind it
 */
PMMF_API long pmmf_last_os_error(void);
/** @} */

/** @defgroup geometry Geometry and identity */
/** @{ */

/** The view alignment that is valid on every backend (64 KiB), on every
 * system whose pages are at most 64 KiB (4, 16 and 64 KiB are tested). */
#define PMMF_PORTABLE_GRANULARITY 65536u

/** @return the page size: the unit of protection and commit. */
PMMF_API size_t pmmf_page_size(void);

/** @return the native view alignment: 64 KiB on Windows, the page size on POSIX. */
PMMF_API size_t pmmf_granularity(void);

/** @return the backend's name: "win32" or "posix". */
PMMF_API const char *pmmf_backend(void);

/** @return the library's version as "MAJOR.MINOR.PATCH". */
PMMF_API const char *pmmf_version(void);
/** @} */

/**
 * @defgroup files Files
 * Open regular files: their size, growth and maps. Below: what is safe, and
 * from which threads.
 *
 * @par Safety
 * A pmmf_file hands out no pointer, but the pointers of its maps' views rest on
 * it: shrinking the file under a view makes the view's pages past the new end
 * fault when touched (POSIX SIGBUS; Windows refuses to shrink a mapped file).
 * pmmf_file_resize() refuses while the file is mapped (::PMMF_E_BUSY), but
 * nothing stops another process, or other code of this one through its own
 * handle (ftruncate(), SetEndOfFile(), an open with O_TRUNC). For files others
 * may truncate, read and write with pmmf_view_read() and pmmf_view_write(),
 * which return ::PMMF_E_IO instead of faulting (PMMF_OPEN_EXCLUSIVE keeps other
 * opens out on Windows, but is only an advisory flock on POSIX). Growth of a
 * PMMF_OPEN_SPARSE file reserves no storage: on a full disk, writing a new
 * page through a pointer faults. The caller must not use a pmmf_file after
 * pmmf_file_close(), nor close it twice.
 *
 * @par Thread safety
 * On one pmmf_file, pmmf_file_size(), pmmf_map_file() and pmmf_file_resize()
 * may be called from several threads at once. A resize and a map never
 * overlap: pmmf_file_resize() returns ::PMMF_E_BUSY while a map of the file is
 * alive or being made, and a pmmf_map_file() that starts while a resize runs
 * waits for it (one OS call) and sees the new size, so a map is never larger
 * than its file. Concurrent resizes take turns. pmmf_file_close() must not run
 * while any other call on the same pmmf_file runs or may start; the maps and
 * views made from the file are independent of it and may be used and closed
 * in any thread. Different pmmf_file objects are independent.
 * @{
 */

/** An open file. Opaque. */
typedef struct pmmf_file pmmf_file;

/** Flags of pmmf_file_open(). READ or WRITE must be given. */
enum pmmf_open_flags {
  PMMF_OPEN_READ = 0x01,       /**< open for reading */
  PMMF_OPEN_WRITE = 0x02,      /**< open for reading and writing */
  PMMF_OPEN_CREATE = 0x04,     /**< create the file if it is missing */
  PMMF_OPEN_CREATE_NEW = 0x08, /**< create the file; ::PMMF_E_EXISTS if present */
  PMMF_OPEN_TRUNCATE = 0x10,   /**< truncate to size 0; needs PMMF_OPEN_WRITE */
  PMMF_OPEN_EXCLUSIVE = 0x20,  /**< no other open of this file while held */
  /** growth of this file (pmmf_file_resize(), PMMF_MAP_GROW) is sparse: no
   * storage is reserved, so a full disk shows later, as a fault (SIGBUS, an
   * in-page error) when a page is written through a pointer */
  PMMF_OPEN_SPARSE = 0x40,
  /** this open takes no part in PMMF_OPEN_EXCLUSIVE conflicts where that
   * costs a system call (POSIX: no flock is taken, so an EXCLUSIVE open
   * elsewhere neither refuses it nor is refused by it). On Windows the OS
   * enforces share modes: an EXCLUSIVE holder still refuses it, and while it
   * is open an EXCLUSIVE open still fails. Not with PMMF_OPEN_EXCLUSIVE
   * (::PMMF_E_INVALID). For many short read-only opens of files nobody opens
   * exclusively (see docs/performance.md, small files). */
  PMMF_OPEN_NOLOCK = 0x400
};

/**
 * Open (and optionally create) a regular file.
 *
 * Never blocks on a FIFO; a file under another process's lease (Linux
 * F_SETLEASE) is waited for as a plain open() would. A file this call created
 * is removed again if the call fails, unless another open holds it, it is no
 * longer empty, or (POSIX) flock does not work there: then it stays. At most
 * one PMMF_OPEN_EXCLUSIVE open holds a path at a time, however many processes
 * race to create it.
 * @par Safety
 * Another process that shrinks this file makes the views of its maps fault;
 * see \ref files.
 * @param out receives the file on success; untouched on failure
 * @param path_utf8 the path, in UTF-8
 * @param flags a combination of enum pmmf_open_flags
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL argument, unknown bits, neither READ nor
 *   WRITE, TRUNCATE without WRITE, NOLOCK with EXCLUSIVE, a directory, socket,
 *   device or other
 *   non-regular file, invalid UTF-8 on Windows); ::PMMF_E_NOT_FOUND;
 *   ::PMMF_E_EXISTS (CREATE_NEW);
 *   ::PMMF_E_ACCESS; ::PMMF_E_SHARING (EXCLUSIVE conflict); ::PMMF_E_UNSUPPORTED
 *   (EXCLUSIVE on a POSIX file system without flock); ::PMMF_E_NO_MEMORY;
 *   ::PMMF_E_NO_SPACE; ::PMMF_E_IO; ::PMMF_E_OS
 */
PMMF_API int pmmf_file_open(pmmf_file **out, const char *path_utf8, unsigned flags);

/**
 * The file's current size in bytes.
 * @param file an open file
 * @param size receives the size; untouched on failure
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL argument); ::PMMF_E_IO; ::PMMF_E_OS
 */
PMMF_API int pmmf_file_size(pmmf_file *file, uint64_t *size);

/**
 * Set the file's size: growth adds zero bytes and reserves their storage
 * (POSIX fallocate, Windows a non-sparse extension), so a full disk is
 * ::PMMF_E_NO_SPACE here and writing the new bytes later cannot fail for lack
 * of space. Where the file system cannot reserve (POSIX EOPNOTSUPP: some
 * network and FUSE file systems; Wine, whose growth is ftruncate) the growth
 * is plain; with PMMF_OPEN_SPARSE it is sparse on purpose. Growth only ever
 * extends: a file another process made larger meanwhile keeps its size.
 * @param file a file opened with PMMF_OPEN_WRITE
 * @param size the new size in bytes
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL file); ::PMMF_E_ACCESS (not opened for
 *   writing); ::PMMF_E_BUSY (a map made from this file, or a view of one, is
 *   alive, or a map is being made in another thread); ::PMMF_E_RANGE (size too
 *   large for the OS, or beyond this process's file size limit, POSIX
 *   RLIMIT_FSIZE: no SIGXFSZ is raised); ::PMMF_E_NO_SPACE (not enough free
 *   space: the size is unchanged); ::PMMF_E_IO;
 *   ::PMMF_E_OS
 */
PMMF_API int pmmf_file_resize(pmmf_file *file, uint64_t size);

/**
 * Close the file. Maps and views made from it stay valid, and keep the OS file
 * open until they are closed too.
 * @param file the file, or NULL (nothing to do)
 * @return ::PMMF_OK, or an OS failure (the handle is released all the same)
 */
PMMF_API int pmmf_file_close(pmmf_file *file);

/**
 * A native OS handle, as wide as a pointer: a file descriptor (an int) on
 * POSIX, a HANDLE on Windows, converted with a cast, e.g.
 * `(pmmf_native_handle)fd`, `(HANDLE)native`. It is one type on every
 * platform so that code passing it along needs no conditional compilation.
 */
typedef intptr_t pmmf_native_handle;

/** No handle: -1 (an invalid descriptor; INVALID_HANDLE_VALUE on Windows). */
#define PMMF_NATIVE_HANDLE_INVALID ((pmmf_native_handle)-1)

/**
 * Open a pmmf_file from a file descriptor (POSIX) or file HANDLE (Windows)
 * the caller already has. The library DUPLICATES the handle (POSIX
 * fcntl(F_DUPFD_CLOEXEC), Windows DuplicateHandle, not inheritable) and works
 * on its own duplicate: the caller keeps its handle, may close it at any time,
 * and must close it itself; pmmf_file_close() closes only the duplicate.
 *
 * Every rule of files applies: a regular file only (a directory, FIFO,
 * socket, device or console is ::PMMF_E_INVALID); READ needs a handle open for
 * reading, WRITE one open for reading and writing (POSIX: checked with
 * fcntl(F_GETFL), so an O_WRONLY or O_PATH descriptor is ::PMMF_E_ACCESS;
 * Windows: checked against the handle's granted access through
 * NtQueryObject, where the system answers; where it does not, a missing
 * access shows as ::PMMF_E_ACCESS from pmmf_map_file()).
 *
 * Exclusive access, PMMF_OPEN_EXCLUSIVE: POSIX takes the flock LOCK_EX that
 * an exclusive pmmf_file_open() takes, on the duplicate; a duplicate shares
 * its open file description, and with it the lock, with the caller's
 * descriptor: the caller's own descriptor (and every other descriptor of that
 * description) is not excluded, other opens of the file by libportmmf are,
 * and the lock lasts until the last descriptor of the description is closed.
 * Without PMMF_OPEN_EXCLUSIVE no lock is taken (a lock taken on a shared
 * description would change the caller's own). Windows: sharing was fixed by
 * the CreateFile that made the handle and cannot be changed on a handle:
 * PMMF_OPEN_EXCLUSIVE is ::PMMF_E_UNSUPPORTED there (open with share mode 0).
 * @par Safety
 * The caller's handle reaches the same file: it can shrink it under the
 * views of its maps; see \ref files.
 * @param out receives the file on success; untouched on failure
 * @param handle an open descriptor or HANDLE; it is duplicated, never taken
 * @param flags PMMF_OPEN_READ or PMMF_OPEN_WRITE, optionally with
 *   PMMF_OPEN_EXCLUSIVE and PMMF_OPEN_SPARSE (CREATE, CREATE_NEW and
 *   TRUNCATE make no sense for an open handle: ::PMMF_E_INVALID)
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL out, PMMF_NATIVE_HANDLE_INVALID
 *   or a handle that is not open, unknown or unfit flags, not a regular
 *   file); ::PMMF_E_ACCESS (the handle's mode does not allow @p flags);
 *   ::PMMF_E_SHARING (POSIX: another open holds the file EXCLUSIVE, or holds
 *   any lock when EXCLUSIVE is asked); ::PMMF_E_UNSUPPORTED (EXCLUSIVE on
 *   Windows, or on a POSIX file system without flock); ::PMMF_E_NO_MEMORY
 *   (also: no descriptor or handle left); ::PMMF_E_OS
 */
PMMF_API int pmmf_file_open_native(pmmf_file **out, pmmf_native_handle handle, unsigned flags);

/**
 * The file's native handle: its descriptor (POSIX) or HANDLE (Windows).
 * Borrowed: valid while the pmmf_file lives (until pmmf_file_close() and
 * the close of its last map); the caller must not close it. For a file from
 * pmmf_file_open_native() it is the library's duplicate, not the caller's.
 * @par Safety
 * Whatever is done through the handle bypasses the library's rules:
 * shrinking the file through it makes views fault; see \ref files.
 * @param file an open file
 * @param handle receives the handle; untouched on failure
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL argument)
 */
PMMF_API int pmmf_file_native_handle(const pmmf_file *file, pmmf_native_handle *handle);
/** @} */

/**
 * @defgroup maps Maps
 * Mapping objects of files, anonymous and named memory, that views are made
 * of. Below: what is safe, and from which threads.
 *
 * @par Safety
 * A map hands out no pointer; its views do (see \ref views). Its size is set
 * when it is made and changes only by pmmf_map_grow(): a map of a file neither follows the file's later growth nor
 * stops another process from shrinking it (POSIX), which makes the views'
 * pages past the new end fault. Named memory (pmmf_map_shared()) can be
 * written by every process that may open it, at any time: treat its bytes as
 * untrusted input. Nothing is reserved for a file grown sparsely
 * (PMMF_MAP_SPARSE, PMMF_OPEN_SPARSE) nor for pmmf_map_anonymous() memory
 * with PMMF_MAP_SPARSE (POSIX): a write to a page the system then has no
 * room for faults. The caller must not use a map after pmmf_map_close(), nor
 * close it twice; its views and windows stay valid.
 *
 * @par Thread safety
 * On one pmmf_map, pmmf_view_map(), pmmf_view_map_at(), pmmf_view_map_reserve(),
 * pmmf_map_size(), pmmf_map_grow() and pmmf_window_open() may be called from
 * several threads at once (two pmmf_view_map_at() at one address: one gets
 * ::PMMF_E_ADDRESS_IN_USE; two pmmf_map_grow() run one after the other, and a
 * view being made sees the size before or after a growth, never between).
 * pmmf_map_close() may be called only once every other call on the map has
 * returned; its views and windows stay valid, independent of it, usable and
 * closable in any thread. Different maps are independent, and so are the
 * calls that create them.
 * @{
 */

/** A mapping object: a file, anonymous or named memory that views are made of. Opaque. */
typedef struct pmmf_map pmmf_map;

/** Access of a map or view. */
typedef enum pmmf_access {
  PMMF_ACCESS_READ = 1,  /**< read only */
  PMMF_ACCESS_WRITE = 2, /**< read and write, shared with every other view */
  PMMF_ACCESS_COPY = 3,  /**< copy-on-write: writes stay private to the view */
  /** no access at all (guard pages): only for pmmf_view_protect(); maps,
   * views and windows cannot be created with it (::PMMF_E_INVALID). Its
   * value stands apart from the three accesses a view can be created with:
   * 0 and 4 stay invalid everywhere, as they were in 0.1. */
  PMMF_ACCESS_NONE = 8
} pmmf_access;

/** Flags of pmmf_map_file(). */
enum pmmf_map_flags {
  PMMF_MAP_GROW = 0x01, /**< with WRITE access, extend the file to the map's size */
  /** pmmf_map_file() with PMMF_MAP_GROW: grow the file sparsely (as
   * PMMF_OPEN_SPARSE does for every growth of a file); pmmf_map_anonymous():
   * reserve no memory up front (POSIX; Windows always commits). A write to a
   * page the system then has no room for faults (SIGBUS, an in-page error). */
  PMMF_MAP_SPARSE = 0x02,
  /** pmmf_map_anonymous(): ask for large pages (Linux hugetlb, else
   * transparent huge pages; Windows SEC_LARGE_PAGES). Where they cannot be
   * had the map gets normal pages: see pmmf_map_large_pages(). Other map
   * functions refuse it (::PMMF_E_INVALID); 0x04 and 0x08 stay invalid for
   * pmmf_map_anonymous(), as in 0.1 */
  PMMF_MAP_LARGE_PAGES = 0x100
};

/** What backs a map's memory: the answer of pmmf_map_large_pages(). */
enum pmmf_large_pages {
  /** normal pages */
  PMMF_LARGE_PAGES_NONE = 0,
  /** large pages, reserved for the map when it was made (Linux hugetlb;
   * Windows SEC_LARGE_PAGES): every page of it is a large page */
  PMMF_LARGE_PAGES_RESERVED = 1,
  /** transparent huge pages asked for (Linux MADV_HUGEPAGE on the map's
   * shmem): the kernel uses them where it finds them, normal pages elsewhere */
  PMMF_LARGE_PAGES_TRANSPARENT = 2
};

/**
 * Create a map of a file.
 * @par Safety
 * The map's views fault past the file's end if another process shrinks it;
 * see \ref maps.
 * @param out receives the map; untouched on failure
 * @param file the file (it may be closed afterwards; the map keeps it open)
 * @param size the map's size; 0 for the file's current size
 * @param access READ and COPY need a file opened for reading, WRITE one opened
 *   for writing
 * @param flags 0, PMMF_MAP_GROW (WRITE access only), PMMF_MAP_GROW |
 *   PMMF_MAP_SPARSE. GROW extends the file to @p size if it is smaller,
 *   reserving the new bytes' storage as pmmf_file_resize() does (unless
 *   PMMF_MAP_SPARSE or PMMF_OPEN_SPARSE), and only ever extends: a file that
 *   another process or pmmf_file made larger in the meantime keeps its size
 *   and bytes.
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL argument, bad access, unknown flags, GROW
 *   without WRITE, SPARSE without GROW); ::PMMF_E_ACCESS; ::PMMF_E_EMPTY (size 0 of
 *   an empty file); ::PMMF_E_RANGE (size beyond the file without GROW, or beyond
 *   this process's file size limit, POSIX RLIMIT_FSIZE); ::PMMF_E_NO_SPACE (not
 *   enough free space to grow); ::PMMF_E_NO_MEMORY; ::PMMF_E_IO; ::PMMF_E_OS. A failed
 *   call leaves the file's size as it was.
 */
PMMF_API int pmmf_map_file(pmmf_map **out, pmmf_file *file, uint64_t size, pmmf_access access,
                           unsigned flags);

/**
 * Create a process-private, zero-filled, writable memory object. Every view of
 * it sees the same bytes. Its memory is reserved up front (Windows: committed
 * against the page file; POSIX: the pages of the memfd or shm object are
 * allocated, fallocate), so touching any byte later cannot fault for lack of
 * memory; PMMF_MAP_SPARSE skips that on POSIX (pages come on first touch).
 * @par Safety
 * With PMMF_MAP_SPARSE, a write to a page the system has no room for faults;
 * see \ref maps.
 * @param out receives the map; untouched on failure
 * @param size its size in bytes, more than 0
 * @param flags 0, PMMF_MAP_SPARSE, PMMF_MAP_LARGE_PAGES (normal pages where
 *   large ones cannot be had: see pmmf_map_large_pages()), or both
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL out, size 0, unknown flags);
 *   ::PMMF_E_TOO_LARGE; ::PMMF_E_NO_MEMORY (also: POSIX, more than RAM and swap
 *   together, unless sparse); ::PMMF_E_NO_SPACE (POSIX: the shm file system
 *   behind the object is full); ::PMMF_E_RANGE (POSIX: beyond this process's
 *   file size limit, RLIMIT_FSIZE); ::PMMF_E_OS
 */
PMMF_API int pmmf_map_anonymous(pmmf_map **out, uint64_t size, unsigned flags);

/**
 * The large page size this process can get for PMMF_MAP_LARGE_PAGES: Linux,
 * the hugetlb page size when the pool has free pages
 * (/proc/sys/vm/nr_hugepages), else the transparent huge page size when
 * shmem may have them (/sys/kernel/mm/transparent_hugepage/shmem_enabled is
 * not "never" or "deny"); Windows, GetLargePageMinimum() when the process
 * token holds SeLockMemoryPrivilege ("Lock pages in memory"; the call
 * enables it on the process token). Asked anew on every call.
 * @return the size in bytes, or 0 when no large pages can be had
 */
PMMF_API size_t pmmf_large_page_size(void);

/**
 * What backs the memory of a map, for PMMF_MAP_LARGE_PAGES, whose request
 * the system may not honour: the map is then made of normal pages, and this
 * says so. A map made with ::PMMF_LARGE_PAGES_RESERVED places its views on
 * large-page boundaries: offsets round down to pmmf_large_page_size() (the
 * size when the map was made), views are mapped in whole large pages, and
 * pmmf_view_map_at() needs bases and offsets that are multiples of it
 * (::PMMF_E_ALIGNMENT). Its memory is reserved when the map is made unless
 * PMMF_MAP_SPARSE (POSIX: a write a short hugetlb pool cannot serve then
 * faults, SIGBUS).
 * @param map a map; NULL gives ::PMMF_LARGE_PAGES_NONE
 * @return what backs the map: ::PMMF_LARGE_PAGES_NONE, ::PMMF_LARGE_PAGES_RESERVED or
 *   ::PMMF_LARGE_PAGES_TRANSPARENT
 */
PMMF_API enum pmmf_large_pages pmmf_map_large_pages(const pmmf_map *map);

/** Modes of pmmf_map_shared(). */
enum pmmf_shm_mode {
  PMMF_SHM_CREATE_ONLY = 1,   /**< create; ::PMMF_E_EXISTS if present */
  PMMF_SHM_OPEN_ONLY = 2,     /**< open; ::PMMF_E_NOT_FOUND if missing */
  PMMF_SHM_OPEN_OR_CREATE = 3 /**< open, or create if missing */
};

/**
 * Create or open named shared memory: the object "Local\\" + name on Windows
 * (this session), "/" + name on POSIX (the machine; mode 0600). New objects
 * are zero-filled and only their creator's user may open them (POSIX: mode
 * 0600; Windows: a DACL granting the process token's user alone). An existing
 * object's size wins: the map gets all of it (on Windows rounded up to the
 * page size). A new object's memory is reserved as for pmmf_map_anonymous()
 * (POSIX: a full /dev/shm is ::PMMF_E_NO_SPACE at creation, not a fault
 * later). Lifetime differs: on Windows the object goes with its last map and
 * view; on POSIX it stays until pmmf_shm_unlink().
 *
 * An object found under the name is used only if this user could have made
 * it: on POSIX a regular object owned by the effective uid with no group or
 * other permission bits (else ::PMMF_E_ACCESS; a FIFO, directory, symbolic
 * link or socket is ::PMMF_E_INVALID; never blocks), on Windows a
 * page-file-backed section (a section backed by a file is ::PMMF_E_ACCESS).
 * POSIX: an object whose creator died before setting its size counts as
 * missing: ::PMMF_SHM_OPEN_ONLY answers ::PMMF_E_NOT_FOUND and the creating
 * modes create over it (*created = 1); one whose creator is still at work is
 * waited for, about a second at most. Threat model: docs/security.md.
 * @par Safety
 * Any process that may open the object may write it at any time: treat its
 * bytes as untrusted input; see \ref maps.
 * @param out receives the map; untouched on failure
 * @param name 1 to 30 characters of [A-Za-z0-9._-], not "." or ".."
 * @param size the size of a new object (more than 0); for an existing object 0
 *   or at most its size
 * @param access the access of this map (the object is always read-write)
 * @param mode a value of enum pmmf_shm_mode
 * @param created may be NULL; set to 1 if this call created the object, else 0
 * @return ::PMMF_OK; ::PMMF_E_INVALID (also: POSIX, not a memory object
 *   under the name); ::PMMF_E_EXISTS; ::PMMF_E_NOT_FOUND; ::PMMF_E_RANGE
 *   (larger than the existing object; POSIX: a new object beyond this
 *   process's file size limit, RLIMIT_FSIZE); ::PMMF_E_BUSY (POSIX: its
 *   creator, still running, has not set its size within about a second);
 *   ::PMMF_E_ACCESS (also: an object another user could have planted, see
 *   above); ::PMMF_E_TOO_LARGE (size above INT64_MAX; Windows without
 *   ntdll's NtQuerySection: an existing object larger than this process's
 *   free address space); ::PMMF_E_NO_MEMORY; ::PMMF_E_NO_SPACE;
 *   ::PMMF_E_OS
 */
PMMF_API int pmmf_map_shared(pmmf_map **out, const char *name, uint64_t size,
                             pmmf_access access, int mode, int *created);

/**
 * Remove a named shared memory object's name (POSIX: existing maps and views
 * keep the object); nothing to do on Windows.
 * @param name a valid name, as for pmmf_map_shared()
 * @return ::PMMF_OK; ::PMMF_E_INVALID; ::PMMF_E_NOT_FOUND (POSIX); ::PMMF_E_ACCESS;
 *   ::PMMF_E_OS
 */
PMMF_API int pmmf_shm_unlink(const char *name);

/**
 * The map's size in bytes: as made, or as last grown by pmmf_map_grow().
 * @param map a map; NULL gives 0
 * @return the size in bytes; 0 for NULL
 */
PMMF_API uint64_t pmmf_map_size(const pmmf_map *map);

/**
 * Grow a WRITE map to @p size bytes while views of it exist. Existing views
 * stay valid at their addresses with their bytes (their length does not
 * change: pmmf_view_extend() grows a reserved view); views made afterwards
 * may cover the new range. A map of a file grows the file to @p size if it is
 * smaller, reserving the new bytes' storage as pmmf_file_resize() does
 * (unless the map was made with PMMF_MAP_SPARSE or the file opened with
 * PMMF_OPEN_SPARSE), extend-only: a file another party made larger keeps its
 * size and bytes. An anonymous map, and a named one on POSIX, grows its
 * memory object, reserving it unless made with PMMF_MAP_SPARSE (named memory:
 * always reserved); other processes' maps of a named object keep their size.
 * A map never shrinks: a smaller @p size is ::PMMF_E_RANGE, the same size
 * does nothing. Windows: a map of a file grows by a new, larger section (the
 * views of the old one keep it alive); a section backed by the page file
 * cannot grow (anonymous and named maps: ::PMMF_E_UNSUPPORTED). See
 * docs/behavior.md.
 * @par Safety
 * As for pmmf_map_file(): see \ref maps. A failed call leaves the map, its
 * views and the file's size as they were.
 * @par Thread safety
 * May run alongside every call on the map and its views (see \ref maps);
 * views being made wait for it, and it for them.
 * @param map a map made with PMMF_ACCESS_WRITE
 * @param size the new size in bytes, at least pmmf_map_size()
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL map); ::PMMF_E_ACCESS (not a WRITE
 *   map); ::PMMF_E_RANGE (smaller than the map; beyond INT64_MAX for a map of a
 *   file or named memory; beyond this process's file size limit, POSIX
 *   RLIMIT_FSIZE); ::PMMF_E_TOO_LARGE (anonymous, beyond INT64_MAX);
 *   ::PMMF_E_NO_SPACE (not enough free space to grow the file, or a full shm
 *   file system); ::PMMF_E_NO_MEMORY (also: POSIX, a memory map beyond RAM and
 *   swap together, unless sparse); ::PMMF_E_UNSUPPORTED (Windows: anonymous or
 *   named map); ::PMMF_E_IO; ::PMMF_E_OS
 */
PMMF_API int pmmf_map_grow(pmmf_map *map, uint64_t size);

/**
 * Close the map. Its views stay valid.
 * @param map the map, or NULL (nothing to do)
 * @return ::PMMF_OK, or an OS failure (the map is released all the same)
 */
PMMF_API int pmmf_map_close(pmmf_map *map);

/**
 * The map's native handle. Windows: the section (file mapping object) of
 * every map. POSIX: the descriptor views are mapped from: the file's for a
 * map of a file (the same as pmmf_file_native_handle()), the memfd or
 * unlinked shm object of an anonymous map, the shm object of a named map.
 * Borrowed: valid while the map lives (until pmmf_map_close() and the unmap
 * of its last view); the caller must not close it.
 * @par Safety
 * Memory mapped or resized through the handle is outside the library's
 * rules; see \ref maps.
 * @param map a map
 * @param handle receives the handle; untouched on failure
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL argument)
 */
PMMF_API int pmmf_map_native_handle(const pmmf_map *map, pmmf_native_handle *handle);
/** @} */

/**
 * @defgroup views Views
 * Ranges of a map in this process's memory, with their pointers. Below: what
 * is safe, and from which threads.
 *
 * @par Safety
 * pmmf_view_data() is a plain pointer into mapped memory, which the library
 * cannot check. The caller must not use it, or any pointer into the view,
 * after pmmf_view_unmap() (the range is unmapped or already reused by another
 * mapping: a fault, or silent corruption of other memory); must not reach
 * outside the pmmf_view_size() bytes at it; and must not write through it
 * while the view is READ (created READ, or turned READ by pmmf_view_protect()):
 * that faults (SIGSEGV, an access violation). A valid address faults too when
 * the page behind it cannot be had: the file was shrunk by another process
 * (POSIX SIGBUS past the new end), an I/O error while paging in (a failing
 * disk, a vanished network share, removed media; Windows
 * EXCEPTION_IN_PAGE_ERROR), or a sparse page with no room left on the disk or
 * in memory. pmmf_view_read() and pmmf_view_write() turn those faults into
 * ::PMMF_E_IO. A COPY view's writes are private: they never reach the file or
 * any other view, and are lost at pmmf_view_unmap() (pmmf_view_flush() has
 * nothing to write for them). Data written through a WRITE view is durable
 * only once pmmf_view_flush() with PMMF_FLUSH_SYNC returned ::PMMF_OK;
 * unmapping is not a flush.
 *
 * @par Thread safety
 * On one pmmf_view, pmmf_view_read(), pmmf_view_write(), pmmf_view_flush(),
 * pmmf_view_advise(), pmmf_view_data(), pmmf_view_size() and
 * pmmf_view_offset() may be called from several threads at once.
 * pmmf_view_protect() may run alongside all of them except pmmf_view_write()
 * and another pmmf_view_protect() of the same view, which the caller must
 * serialise with it. pmmf_view_extend() changes the view's length: the caller
 * must serialise it with every other call on the same view (the bytes already
 * mapped stay usable through the pointer meanwhile). pmmf_view_unmap() may be called only once every other
 * call on the view has returned. The bytes are shared memory: ordering reads
 * and writes of the same bytes, through the pointer or these calls, is the
 * caller's. Different views are independent, even of the same bytes.
 * @{
 */

/** A range of a map mapped into this process's address space. Opaque. */
typedef struct pmmf_view pmmf_view;

/** Flags of pmmf_view_map() and pmmf_view_map_at(). */
enum pmmf_view_flags {
  /** prefault the pages up front, so that accessing them takes no page
   * fault. On a ::PMMF_ACCESS_WRITE view of a file or memory map the pages
   * are prefaulted for writing (Linux 5.14+: the first write to each page
   * takes no fault either), which counts them as written: they are written
   * back (with the bytes they hold) at the next flush or write-back. */
  PMMF_VIEW_POPULATE = 0x01
};

/**
 * Map a range of a map. Any offset is valid: the library rounds it down to the
 * granularity and pmmf_view_data() points at exactly @p offset.
 * @par Safety
 * The pointer is valid until pmmf_view_unmap(), for pmmf_view_size() bytes,
 * and may still fault (a file shrunk by another process, an I/O error); a COPY
 * view's writes are lost at unmap. See \ref views.
 * @param out receives the view; untouched on failure
 * @param map the map
 * @param offset a byte position in the map, below its size
 * @param length the number of bytes; 0 means to the end of the map
 * @param access READ, WRITE or COPY, within what the map allows
 * @param flags 0 or PMMF_VIEW_POPULATE
 * @return ::PMMF_OK; ::PMMF_E_INVALID; ::PMMF_E_RANGE; ::PMMF_E_TOO_LARGE;
 *   ::PMMF_E_ACCESS; ::PMMF_E_NO_MEMORY; ::PMMF_E_OS
 */
PMMF_API int pmmf_view_map(pmmf_view **out, pmmf_map *map, uint64_t offset, size_t length,
                           pmmf_access access, unsigned flags);

/**
 * Map a range of a map at a fixed address. Existing mappings are never replaced.
 * @par Safety
 * As for pmmf_view_map(): see \ref views.
 * @param out receives the view; untouched on failure
 * @param map the map
 * @param offset a multiple of PMMF_PORTABLE_GRANULARITY (and of
 *   pmmf_granularity() on a system whose pages are larger than 64 KiB)
 * @param length the number of bytes; 0 means to the end of the map
 * @param access READ, WRITE or COPY, within what the map allows
 * @param flags 0 or PMMF_VIEW_POPULATE
 * @param base the address, a multiple of PMMF_PORTABLE_GRANULARITY (and of
 *   pmmf_granularity() likewise)
 * @return ::PMMF_OK (and pmmf_view_data() == base); ::PMMF_E_INVALID (NULL base);
 *   ::PMMF_E_ALIGNMENT; ::PMMF_E_ADDRESS_IN_USE; the errors of pmmf_view_map()
 */
PMMF_API int pmmf_view_map_at(pmmf_view **out, pmmf_map *map, uint64_t offset, size_t length,
                              pmmf_access access, unsigned flags, void *base);

/**
 * Map a whole file in one call: open @p path_utf8, map all of it as it is
 * now, and return one view of all of it. The file and its map belong to the
 * view: pmmf_view_unmap() closes them too. Cheaper than pmmf_file_open() +
 * pmmf_map_file() + pmmf_view_map() for many small files: one look at the
 * file serves the regular-file check and the size (POSIX: one fstat, not
 * two).
 * @par Safety
 * As for pmmf_view_map() (see \ref views) and pmmf_file_open() (another
 * process that shrinks the file makes the view fault).
 * @param out receives the view; untouched on failure
 * @param path_utf8 the path, in UTF-8
 * @param access READ or COPY (the file is opened for reading), or WRITE (for
 *   reading and writing)
 * @param open_flags 0, PMMF_OPEN_NOLOCK or PMMF_OPEN_EXCLUSIVE (held until the
 *   view is unmapped); READ and WRITE follow from @p access
 * @param view_flags 0 or PMMF_VIEW_POPULATE
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL or empty argument, other flags, a
 *   non-regular file); ::PMMF_E_EMPTY (a file of 0 bytes: nothing to map);
 *   ::PMMF_E_TOO_LARGE (larger than the address space); the errors of
 *   pmmf_file_open() and pmmf_view_map()
 */
PMMF_API int pmmf_map_path(pmmf_view **out, const char *path_utf8, pmmf_access access,
                           unsigned open_flags, unsigned view_flags);

/**
 * Map a range of a map inside an address-space reservation of @p reserve
 * bytes from @p offset, so that pmmf_view_extend() can grow the view up to
 * @p reserve bytes without its pointer moving. Offsets follow pmmf_view_map():
 * any byte, rounded down by the library. The reservation is address space
 * only (no memory, no access): it may reach past the map's end, and
 * pmmf_view_unmap() releases it with the view. POSIX: an mmap of PROT_NONE,
 * MAP_NORESERVE pages that the view's ranges are mapped over (MAP_FIXED,
 * only ever inside the reservation). Windows: ::PMMF_E_UNSUPPORTED (see
 * docs/behavior.md: placeholders are not used, and never a racy unmap and
 * remap).
 * @par Safety
 * As for pmmf_view_map(): the pointer is valid for pmmf_view_size() bytes; the
 * reservation past them has no access (a touch faults). See \ref views.
 * @param out receives the view; untouched on failure
 * @param map the map
 * @param offset a byte position in the map, below its size
 * @param length the number of bytes mapped now; 0 means to the end of the map
 * @param reserve the most bytes the view may grow to, at least its length
 * @param access READ, WRITE or COPY, within what the map allows
 * @param flags 0 or PMMF_VIEW_POPULATE
 * @return ::PMMF_OK; ::PMMF_E_RANGE (also: @p reserve below the view's
 *   length); ::PMMF_E_TOO_LARGE (the reservation does not fit size_t);
 *   ::PMMF_E_UNSUPPORTED (Windows); the errors of pmmf_view_map()
 */
PMMF_API int pmmf_view_map_reserve(pmmf_view **out, pmmf_map *map, uint64_t offset,
                                   size_t length, size_t reserve, pmmf_access access,
                                   unsigned flags);

/**
 * Grow a view made by pmmf_view_map_reserve() in place: its pointer stays,
 * its bytes stay, and the next bytes of the map are mapped after them. The
 * map must already be large enough (pmmf_map_grow()). The new range has the
 * view's current access (after pmmf_view_protect()). The same length does
 * nothing; a view never shrinks.
 * @par Safety
 * See \ref views. The caller serialises this with every other call on the
 * view.
 * @param view the view
 * @param length its new length: at least pmmf_view_size(), at most
 *   pmmf_view_capacity(), and within the map
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL view); ::PMMF_E_RANGE (shorter than
 *   the view, beyond its capacity or beyond the map's end; a view made without
 *   a reservation has its length as capacity); ::PMMF_E_NO_MEMORY; ::PMMF_E_OS.
 *   A failed call leaves the view as it was.
 */
PMMF_API int pmmf_view_extend(pmmf_view *view, size_t length);

/**
 * How long the view may grow by pmmf_view_extend(): at least the @p reserve
 * given to pmmf_view_map_reserve() (its reservation rounded up to the page);
 * for any other view its length.
 * @param view a view; NULL gives 0
 * @return the capacity in bytes; 0 for NULL
 */
PMMF_API size_t pmmf_view_capacity(const pmmf_view *view);

/**
 * The view's memory.
 * @param view a view; NULL gives NULL
 * @return the address of the view's first byte (the byte at its offset); NULL for NULL
 */
PMMF_API void *pmmf_view_data(const pmmf_view *view);

/**
 * The view's length.
 * @param view a view; NULL gives 0
 * @return the view's length in bytes; 0 for NULL
 */
PMMF_API size_t pmmf_view_size(const pmmf_view *view);

/**
 * Where the view starts in its map.
 * @param view a view; NULL gives 0
 * @return the view's offset in its map, as given when it was mapped; 0 for NULL
 */
PMMF_API uint64_t pmmf_view_offset(const pmmf_view *view);

/**
 * Unmap the view. This is never a durable flush.
 * @param view the view, or NULL (nothing to do)
 * @return ::PMMF_OK, or an OS failure (the view is released all the same)
 */
PMMF_API int pmmf_view_unmap(pmmf_view *view);

/** Flags of pmmf_view_flush(). */
enum pmmf_flush_flags {
  PMMF_FLUSH_ASYNC = 0, /**< start write-back of the range; do not wait for it */
  PMMF_FLUSH_SYNC = 1   /**< return once data and file size are on stable storage */
};

/**
 * Write a range of the view back to its file.
 * @param view the view
 * @param offset relative to the view
 * @param length 0 means to the end of the view
 * @param flags PMMF_FLUSH_ASYNC or PMMF_FLUSH_SYNC
 * @return ::PMMF_OK (also the no-op on COPY and non-file views); ::PMMF_E_INVALID;
 *   ::PMMF_E_RANGE; ::PMMF_E_IO; ::PMMF_E_NO_SPACE; ::PMMF_E_OS
 */
PMMF_API int pmmf_view_flush(pmmf_view *view, size_t offset, size_t length, unsigned flags);

/** Access-pattern hints for pmmf_view_advise(). */
typedef enum pmmf_advice {
  PMMF_ADVICE_NORMAL,     /**< no particular pattern */
  PMMF_ADVICE_SEQUENTIAL, /**< read ahead aggressively, drop behind */
  PMMF_ADVICE_RANDOM,     /**< read ahead little */
  PMMF_ADVICE_WILLNEED,   /**< start reading the range in */
  PMMF_ADVICE_DONTNEED    /**< the range may leave memory (contents are kept) */
} pmmf_advice;

/**
 * Give the OS a hint about a range of the view. Never changes its contents.
 * @param view the view
 * @param offset relative to the view
 * @param length 0 means to the end of the view
 * @param advice a value of pmmf_advice
 * @return ::PMMF_OK where applied; ::PMMF_E_UNSUPPORTED where the platform has no
 *   equivalent (and DONTNEED on a COPY view); ::PMMF_E_INVALID; ::PMMF_E_RANGE;
 *   ::PMMF_E_OS
 */
PMMF_API int pmmf_view_advise(pmmf_view *view, size_t offset, size_t length, pmmf_advice advice);

/**
 * Change the view's access: WRITE <-> READ for a view created WRITE, COPY <->
 * READ for a view created COPY, and to or from NONE for any view.
 *
 * NONE (POSIX PROT_NONE, Windows PAGE_NOACCESS) makes the whole view a guard
 * region: any touch through a pointer faults (SIGSEGV, an access violation),
 * and pmmf_view_read() and pmmf_view_write() over it return ::PMMF_E_IO
 * without touching memory. The bytes are kept: protecting the view back
 * shows them again. pmmf_view_lock() refuses a NONE view (::PMMF_E_ACCESS).
 * For a guard page next to data, map a one-page view of its own beside the
 * data's view (pmmf_view_map_at()) and protect it NONE.
 * @par Safety
 * After NONE, every touch of the view's memory through a pointer faults; see
 * \ref views.
 * @param view the view
 * @param access the new access: READ, NONE, or the access the view was
 *   created with
 * @return ::PMMF_OK; ::PMMF_E_INVALID; ::PMMF_E_ACCESS (any other change); ::PMMF_E_OS
 */
PMMF_API int pmmf_view_protect(pmmf_view *view, pmmf_access access);

/**
 * Lock a range of the view in memory: its pages are made resident and stay
 * so (no paging out) until pmmf_view_unlock() or pmmf_view_unmap() (POSIX
 * mlock, Windows VirtualLock). The range is rounded out to whole pages by
 * the library: any offset and length is valid. Locks do not nest: one unlock
 * undoes any number of locks of a page. Locking a COPY view on Linux makes
 * private copies of its pages at once (mlock writes to them), so later
 * changes of the file no longer show in them.
 * @param view the view (not currently NONE)
 * @param offset relative to the view
 * @param length 0 means to the end of the view
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL view); ::PMMF_E_RANGE;
 *   ::PMMF_E_ACCESS (the view is currently NONE); ::PMMF_E_NO_MEMORY (more
 *   than this process may lock: POSIX RLIMIT_MEMLOCK, without
 *   CAP_IPC_LOCK; Windows the minimum working set, which
 *   SetProcessWorkingSetSize raises; or no memory to lock); ::PMMF_E_OS
 */
PMMF_API int pmmf_view_lock(pmmf_view *view, size_t offset, size_t length);

/**
 * Unlock a range of the view (POSIX munlock, Windows VirtualUnlock). The
 * range is rounded out to whole pages. Unlocking pages that are not locked is
 * ::PMMF_OK (Windows' ERROR_NOT_LOCKED is not an error here).
 * @param view the view
 * @param offset relative to the view
 * @param length 0 means to the end of the view
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL view); ::PMMF_E_RANGE; ::PMMF_E_OS
 */
PMMF_API int pmmf_view_unlock(pmmf_view *view, size_t offset, size_t length);

/**
 * Copy bytes out of the view.
 * @param view the view
 * @param offset relative to the view
 * @param dst the destination buffer
 * @param length the number of bytes; 0 copies nothing
 * @return ::PMMF_OK; ::PMMF_E_INVALID; ::PMMF_E_RANGE; ::PMMF_E_IO (a page could not be
 *   read, including a view protected NONE)
 */
PMMF_API int pmmf_view_read(pmmf_view *view, size_t offset, void *dst, size_t length);

/**
 * Copy bytes into the view.
 * @param view the view
 * @param offset relative to the view
 * @param src the source buffer
 * @param length the number of bytes; 0 copies nothing
 * @return ::PMMF_OK; ::PMMF_E_INVALID; ::PMMF_E_RANGE; ::PMMF_E_ACCESS (the view is
 *   currently READ; memory untouched); ::PMMF_E_IO (a page could not be written,
 *   including a view protected NONE: memory untouched;
 *   including a page of sparse growth the file system had no room for: POSIX
 *   raises the same SIGBUS for both, so it is never ::PMMF_E_NO_SPACE)
 */
PMMF_API int pmmf_view_write(pmmf_view *view, size_t offset, const void *src, size_t length);
/** @} */

/**
 * @defgroup windows Sliding windows
 * One moving view serving requests anywhere in a map of any size. Below:
 * what is safe, and from which threads.
 *
 * @par Safety
 * The pointer of pmmf_window_get() is valid for the bytes asked for, and only
 * until the next pmmf_window_get() or pmmf_window_close() of that window: the
 * next get may move the view and leave it dangling (a fault, or another
 * mapping's memory). The caller must not keep it past that, nor reach beyond
 * the length asked for. A COPY window's private changes are lost when the
 * window moves its view and when it closes. The pointers are a view's
 * pointers, so the faults described under \ref views (a file shrunk by another
 * process, an I/O error while paging in) apply to them too.
 *
 * @par Thread safety
 * A pmmf_window is used by one thread at a time: pmmf_window_get() moves its
 * view, and with it the pointers of earlier gets, so calls on one window must
 * not overlap (a window may pass between threads, ordered by the caller).
 * Windows over one map are independent: one per thread.
 * @{
 */

/** A sliding view over a map of any size. Opaque. */
typedef struct pmmf_window pmmf_window;

/**
 * Open a window over @p map: it serves requests of up to @p window_size bytes
 * anywhere in the map while holding one view of about window_size bytes
 * (rounded up to the granularity, plus one granule; never more than the map).
 * Nothing is mapped until the first get.
 * @par Safety
 * Each pointer of pmmf_window_get() dies at the next get or close, and a COPY
 * window's changes die when it moves; see \ref windows.
 * @param out receives the window; untouched on failure
 * @param map the map (it may be closed afterwards: the window keeps it)
 * @param window_size the largest request, more than 0
 * @param access READ, WRITE or COPY, within what the map allows. A COPY
 *   window's private changes last only while their range stays in the
 *   current view: a remap drops them.
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL argument, window_size 0, bad access);
 *   ::PMMF_E_ACCESS; ::PMMF_E_TOO_LARGE (the view does not fit size_t);
 *   ::PMMF_E_NO_MEMORY
 */
PMMF_API int pmmf_window_open(pmmf_window **out, pmmf_map *map, size_t window_size,
                              pmmf_access access);

/**
 * Get a pointer to @p offset, valid for @p length bytes until the next get or
 * close. The window remaps only when the range is not inside its current
 * view, and never splits a range. On failure *ptr is untouched and the window
 * stays usable; the pointer from the previous get stays valid too, except
 * after ::PMMF_E_NO_MEMORY (short of address space, the window gives its view
 * back to make room for the new one).
 * @param window the window
 * @param offset a byte position in the map
 * @param length the number of bytes, 1 to the window's size
 * @param ptr receives the pointer
 * @return ::PMMF_OK; ::PMMF_E_INVALID (NULL argument, length 0 or above the window
 *   size); ::PMMF_E_RANGE (beyond the map, or wrapping around); the errors of
 *   pmmf_view_map()
 */
PMMF_API int pmmf_window_get(pmmf_window *window, uint64_t offset, size_t length, void **ptr);

/**
 * Close the window and its view.
 * @param window the window, or NULL (nothing to do)
 * @return ::PMMF_OK, or an OS failure (the window is released all the same)
 */
PMMF_API int pmmf_window_close(pmmf_window *window);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* PORTMMF_H */
