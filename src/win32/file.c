/* SPDX-License-Identifier: MIT */
/*
 * file.c - files on Win32: UTF-8 paths become UTF-16 (absolute ones are
 * normalised and given the \\?\ prefix, so long paths work), CreateFileW opens
 * regular files only with the share mode that implements PMMF_OPEN_EXCLUSIVE,
 * and size, resize, growth (extend-only, through a section; allocated unless
 * sparse is asked for), sync and close.
 */
#include "win32.h"

#include <limits.h>
#include <string.h>

/* Room in front of a full path for the longest prefix, L"\\\\?\\UNC\\". */
#define PREFIX_ROOM 8

static int no_memory(void)
{
  return pmmf__w32_fail(ERROR_NOT_ENOUGH_MEMORY);
}

/* A failed MultiByteToWideChar: invalid UTF-8 is the caller's bad argument. */
static int widen_failure(void)
{
  DWORD code = GetLastError();
  if (code == ERROR_NO_UNICODE_TRANSLATION)
    return pmmf__reject(PMMF_E_INVALID);
  return pmmf__w32_fail(code);
}

/* UTF-8 to a new UTF-16 string (pmmf__free it), with '/' turned into '\'. */
static int widen(const char *utf8, wchar_t **out)
{
  wchar_t *wide;
  int count, i;

  if (strlen(utf8) > (size_t)INT_MAX / 4)
    return pmmf__reject(PMMF_E_INVALID);
  count = w32_MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
  if (count <= 0)
    return widen_failure();
  wide = pmmf__malloc((size_t)count * sizeof *wide);
  if (!wide)
    return no_memory();
  if (w32_MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, wide, count) != count) {
    int status = widen_failure();
    pmmf__free(wide);
    return status;
  }
  for (i = 0; i < count; i++)
    if (wide[i] == L'/')
      wide[i] = L'\\';
  *out = wide;
  return PMMF_OK;
}

/* \\?\ (verbatim) and \\.\ (device) paths are used exactly as given. */
static int is_verbatim_or_device(const wchar_t *path)
{
  return path[0] == L'\\' && path[1] == L'\\' && (path[2] == L'?' || path[2] == L'.') &&
         path[3] == L'\\';
}

static int is_drive_absolute(const wchar_t *path)
{
  wchar_t letter = path[0] | 0x20;
  return letter >= L'a' && letter <= L'z' && path[1] == L':' && path[2] == L'\\';
}

/* The path CreateFileW gets, in a new buffer (pmmf__free it). GetFullPathNameW
 * resolves relative paths, '.' and '..' and drops trailing dots and spaces, as
 * CreateFileW would; the result then gets \\?\ (drive paths) or \\?\UNC\ (UNC
 * paths), so that the MAX_PATH limit does not apply. */
static int native_path(const wchar_t *path, wchar_t **out)
{
  wchar_t *buffer = NULL;
  DWORD need, got = 0;
  int tries;

  if (is_verbatim_or_device(path)) {
    size_t bytes = (wcslen(path) + 1) * sizeof *path;
    buffer = pmmf__malloc(bytes);
    if (!buffer)
      return no_memory();
    memcpy(buffer, path, bytes);
    *out = buffer;
    return PMMF_OK;
  }

  need = w32_GetFullPathNameW(path, 0, NULL, NULL);
  /* Another thread changing the current directory can make the answer grow
   * between the calls: ask again a few times. */
  for (tries = 0; tries < 4; tries++) {
    if (need == 0)
      return pmmf__w32_fail_last();
    buffer = pmmf__malloc(((size_t)need + PREFIX_ROOM) * sizeof *buffer);
    if (!buffer)
      return no_memory();
    got = w32_GetFullPathNameW(path, need, buffer + PREFIX_ROOM, NULL);
    if (got != 0 && got < need)
      break;
    if (got == 0) {
      int status = pmmf__w32_fail_last();
      pmmf__free(buffer);
      return status;
    }
    pmmf__free(buffer);
    buffer = NULL;
    need = got;
  }
  if (!buffer)
    return pmmf__w32_fail(ERROR_FILENAME_EXCED_RANGE);

  {
    wchar_t *full = buffer + PREFIX_ROOM;
    size_t length = got; /* without the terminating NUL */

    if (is_drive_absolute(full)) {
      memmove(buffer + 4, full, (length + 1) * sizeof *buffer);
      memcpy(buffer, L"\\\\?\\", 4 * sizeof *buffer);
    } else if (full[0] == L'\\' && full[1] == L'\\' && !is_verbatim_or_device(full)) {
      /* \\server\share\... -> \\?\UNC\server\share\... */
      memmove(buffer + 8, full + 2, (length - 1) * sizeof *buffer);
      memcpy(buffer, L"\\\\?\\UNC\\", 8 * sizeof *buffer);
    } else {
      memmove(buffer, full, (length + 1) * sizeof *buffer);
    }
  }
  *out = buffer;
  return PMMF_OK;
}

/* A failed CreateFileW. Without FILE_FLAG_BACKUP_SEMANTICS a directory cannot
 * be opened (ERROR_ACCESS_DENIED): that is a bad argument here, as on POSIX.
 * The raw code is kept. */
static int open_failure(const wchar_t *path, DWORD code)
{
  if (code == ERROR_ACCESS_DENIED || code == ERROR_INVALID_NAME ||
      code == ERROR_PATH_NOT_FOUND) {
    DWORD attributes = w32_GetFileAttributesW(path);
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY))
      return pmmf__fail((long)code, PMMF_E_INVALID);
  }
  return pmmf__w32_fail(code);
}

/* Remove a file this open created and could not finish opening, after its
 * handle is closed - but only if that takes it from nobody: reopened with
 * share mode 0, which fails while any other open holds it (DeleteFileW would
 * remove it from under an open that shares deletion, as every non-exclusive
 * libportmmf open does), and only while still empty (nobody wrote to it in
 * between). Otherwise the empty file stays. */
static void discard_created(const wchar_t *path)
{
  LARGE_INTEGER size;
  HANDLE handle;

  handle = w32_CreateFileW(path, DELETE | FILE_READ_ATTRIBUTES, 0, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
  if (handle == INVALID_HANDLE_VALUE)
    return;
  if (w32_GetFileSizeEx(handle, &size) && size.QuadPart == 0) {
    /* Its one member, DeleteFile, is also a macro in some SDKs' winbase.h
     * (DeleteFileA): set it without naming it. */
    FILE_DISPOSITION_INFO dispose = {TRUE};
    (void)w32_SetFileInformationByHandle(handle, FileDispositionInfo, &dispose, sizeof dispose);
  }
  pmmf__w32_close_handle(handle);
}

int pmmf__os_file_open(pmmf__handle *out, const char *path_utf8, unsigned flags, int *created_out)
{
  wchar_t *wide = NULL, *path = NULL;
  DWORD access, share, disposition, type, code;
  HANDLE handle;
  int created, status;

  status = widen(path_utf8, &wide);
  if (status != PMMF_OK)
    return status;
  status = native_path(wide, &path);
  pmmf__free(wide);
  if (status != PMMF_OK)
    return status;

  access = (flags & PMMF_OPEN_WRITE) ? GENERIC_READ | GENERIC_WRITE : GENERIC_READ;
  share = (flags & PMMF_OPEN_EXCLUSIVE) ? 0
                                        : FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
  /* PMMF_OPEN_TRUNCATE is done by the common layer once the open has
   * succeeded, so TRUNCATE_EXISTING and CREATE_ALWAYS are never used. */
  if (flags & PMMF_OPEN_CREATE_NEW)
    disposition = CREATE_NEW;
  else if (flags & PMMF_OPEN_CREATE)
    disposition = OPEN_ALWAYS;
  else
    disposition = OPEN_EXISTING;

  /* No security attributes: the handle is not inheritable. */
  handle = w32_CreateFileW(path, access, share, NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
  if (handle == INVALID_HANDLE_VALUE) {
    status = open_failure(path, GetLastError());
    pmmf__free(path);
    return status;
  }
  created = disposition == CREATE_NEW ||
            (disposition == OPEN_ALWAYS && GetLastError() != ERROR_ALREADY_EXISTS);

  /* Regular files only: not a console, pipe, socket or character device.
   * A device opened with OPEN_ALWAYS looks created (no ERROR_ALREADY_EXISTS),
   * but a file this call really created is a disk file: only when the type
   * could not be told is there something of ours to remove. */
  type = w32_GetFileType(handle);
  if (type != FILE_TYPE_DISK) {
    code = type == FILE_TYPE_UNKNOWN ? GetLastError() : NO_ERROR;
    pmmf__w32_close_handle(handle);
    if (created && code != NO_ERROR)
      discard_created(path);
    pmmf__free(path);
    return code != NO_ERROR ? pmmf__w32_fail(code) : pmmf__reject(PMMF_E_INVALID);
  }

  pmmf__free(path);
  *out = (pmmf__handle)handle;
  *created_out = created;
  return PMMF_OK;
}

/* An adopted HANDLE: a disk file that is no directory, whose granted access
 * (NtQueryObject, where the system answers) allows `flags`; then a
 * duplicate with the same access, not inheritable. Sharing was fixed by the
 * CreateFile that made it: EXCLUSIVE cannot be had. */
int pmmf__os_file_adopt(pmmf__handle *out, pmmf__handle native, unsigned flags)
{
  HANDLE handle = (HANDLE)native, dup = NULL;
  BY_HANDLE_FILE_INFORMATION info;
  struct pmmf__w32_object_basic basic;
  ACCESS_MASK need = FILE_READ_DATA | ((flags & PMMF_OPEN_WRITE) ? FILE_WRITE_DATA : 0);
  DWORD type, code;

  if (flags & PMMF_OPEN_EXCLUSIVE)
    return pmmf__reject(PMMF_E_UNSUPPORTED);
  type = w32_GetFileType(handle);
  if (type == FILE_TYPE_UNKNOWN && (code = GetLastError()) != NO_ERROR)
    return code == ERROR_INVALID_HANDLE ? pmmf__fail((long)code, PMMF_E_INVALID)
                                        : pmmf__w32_fail(code);
  if (type != FILE_TYPE_DISK)
    return pmmf__reject(PMMF_E_INVALID);
  if (!w32_GetFileInformationByHandle(handle, &info)) {
    code = GetLastError();
    /* A handle without FILE_READ_ATTRIBUTES cannot say: nor can it be
     * mapped (mapping needs read access). */
    return code == ERROR_ACCESS_DENIED ? pmmf__fail((long)code, PMMF_E_ACCESS)
                                       : pmmf__w32_fail(code);
  }
  if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
    return pmmf__reject(PMMF_E_INVALID);
  if (w32_NtQueryObject(handle, PMMF__W32_OBJECT_BASIC_INFORMATION, &basic, sizeof basic)) {
    if ((basic.granted_access & need) != need)
      return pmmf__fail(ERROR_ACCESS_DENIED, PMMF_E_ACCESS);
  } else if (GetLastError() != ERROR_CALL_NOT_IMPLEMENTED) {
    return pmmf__w32_fail_last();
  }
  if (!w32_DuplicateHandle(GetCurrentProcess(), handle, GetCurrentProcess(), &dup, 0, FALSE,
                           DUPLICATE_SAME_ACCESS))
    return pmmf__w32_fail_last();
  *out = (pmmf__handle)dup;
  return PMMF_OK;
}

/* Windows: CreateFileW says nothing of the size; GetFileSizeEx asks. */
int pmmf__os_file_open_sized(pmmf__handle *out, const char *path_utf8, unsigned flags,
                             int *created, uint64_t *size)
{
  pmmf__handle handle;
  int status = pmmf__os_file_open(&handle, path_utf8, flags, created);
  if (status != PMMF_OK)
    return status;
  status = pmmf__os_file_size(handle, size);
  if (status != PMMF_OK) {
    long first = pmmf__last_error_get();
    pmmf__os_file_close(handle);
    pmmf__last_error_set(first);
    return status;
  }
  *out = handle;
  return PMMF_OK;
}

int pmmf__os_file_close(pmmf__handle file)
{
  if (!pmmf__w32_close_handle((HANDLE)file))
    return pmmf__w32_fail_last();
  return PMMF_OK;
}

int pmmf__os_file_size(pmmf__handle file, uint64_t *size)
{
  LARGE_INTEGER value;
  if (!w32_GetFileSizeEx((HANDLE)file, &value))
    return pmmf__w32_fail_last();
  *size = (uint64_t)value.QuadPart;
  return PMMF_OK;
}

void pmmf__w32_sparse_if(HANDLE file, int sparse)
{
  DWORD returned;
  /* Without it, NTFS allocates the new range when the file grows (and fails
   * with ERROR_DISK_FULL if it cannot) and zero-fills it on first write. */
  if (sparse)
    (void)w32_DeviceIoControl(file, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &returned, NULL);
}

int pmmf__w32_grow_fail(DWORD code)
{
  /* The handle and the call are right, so only the size can be invalid:
   * beyond what the file system allows. */
  if (code == ERROR_INVALID_PARAMETER)
    return pmmf__fail((long)code, PMMF_E_RANGE);
  return pmmf__w32_fail(code);
}

/* A read-write section larger than the file extends the file, atomically
 * and extend-only (a larger file is left alone): that is the growth. */
int pmmf__os_file_grow(pmmf__handle file, uint64_t from, uint64_t size, int sparse)
{
  HANDLE section;

  (void)from;
  if (size > (uint64_t)INT64_MAX)
    return pmmf__reject(PMMF_E_RANGE);
  pmmf__w32_sparse_if((HANDLE)file, sparse);
  section = w32_CreateFileMappingW((HANDLE)file, NULL, PAGE_READWRITE, (DWORD)(size >> 32),
                                   (DWORD)(size & 0xFFFFFFFFu), NULL);
  if (!section)
    return pmmf__w32_grow_fail(GetLastError());
  /* The file has grown; a failed close changes nothing about that. */
  (void)pmmf__w32_close_handle(section);
  return PMMF_OK;
}

int pmmf__os_file_resize(pmmf__handle file, uint64_t size)
{
  HANDLE handle = (HANDLE)file;
  FILE_END_OF_FILE_INFO end;
  DWORD code;

  if (size > (uint64_t)INT64_MAX)
    return pmmf__reject(PMMF_E_RANGE);
  end.EndOfFile.QuadPart = (LONGLONG)size;
  if (!w32_SetFileInformationByHandle(handle, FileEndOfFileInfo, &end, sizeof end)) {
    code = GetLastError();
    /* The handle and the call are right, so only the size can be invalid:
     * beyond what the file system allows. */
    if (code == ERROR_INVALID_PARAMETER)
      return pmmf__fail((long)code, PMMF_E_RANGE);
    /* The handle was opened for writing, so a denial can only come from a
     * mapping of the file: Windows (and Wine 8) say ERROR_USER_MAPPED_FILE,
     * older Wine ERROR_ACCESS_DENIED. Both are PMMF_E_BUSY. */
    if (code == ERROR_ACCESS_DENIED)
      return pmmf__fail((long)code, PMMF_E_BUSY);
    return pmmf__w32_fail(code);
  }
  return PMMF_OK;
}

int pmmf__os_file_sync(pmmf__handle file)
{
  if (!w32_FlushFileBuffers((HANDLE)file))
    return pmmf__w32_fail_last();
  return PMMF_OK;
}

/* Windows keeps WriteFile and the mapped views of a local file coherent (one
 * system cache); not those of a remote file. A remote file answers the
 * FileRemoteProtocolInfo query (SMB and other redirectors); a local one
 * refuses it. Anything that answers, or a size that no longer holds the
 * range (never extend the file), leaves the copy to the caller. */
int pmmf__os_file_write_mapped(pmmf__handle file, uint64_t offset, const void *src,
                               size_t length)
{
  FILE_REMOTE_PROTOCOL_INFO remote;
  LARGE_INTEGER size;
  const char *p = src;

  if (w32_GetFileInformationByHandleEx((HANDLE)file, FileRemoteProtocolInfo, &remote,
                                       sizeof remote))
    return PMMF_E_UNSUPPORTED;
  if (!w32_GetFileSizeEx((HANDLE)file, &size) || size.QuadPart < 0 ||
      (uint64_t)size.QuadPart < offset + length)
    return PMMF_E_UNSUPPORTED;
  while (length > 0) {
    OVERLAPPED at;
    DWORD chunk = length > 0x40000000u ? 0x40000000u : (DWORD)length, written = 0;
    memset(&at, 0, sizeof at);
    at.Offset = (DWORD)offset;
    at.OffsetHigh = (DWORD)(offset >> 32);
    if (!w32_WriteFile((HANDLE)file, p, chunk, &written, &at))
      return pmmf__fail((long)GetLastError(), PMMF_E_IO);
    if (written == 0)
      return pmmf__fail(ERROR_WRITE_FAULT, PMMF_E_IO);
    p += written;
    offset += written;
    length -= written;
  }
  return PMMF_OK;
}
