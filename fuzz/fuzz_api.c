/* SPDX-License-Identifier: MIT */
/*
 * fuzz_api.c - libFuzzer harness for the whole API: each input is a program
 * of API calls (open, resize, map files and anonymous memory, views at any
 * offset and length, fixed-address views, flush, advise, protect, guarded and
 * direct reads and writes, sliding windows, closes in any order) with
 * arguments taken from the input, some of them armed with an injected OS
 * failure. An in-memory model of every file and anonymous map predicts each
 * call's status and every byte a view, window or file shows; a failed call
 * must leave the model's state as it was. After each input everything is
 * closed and nothing may be left: no allocation, descriptor or mapping.
 *
 * The model follows the contract, not one OS: a COPY view's page that it has
 * not written is only checked while nobody wrote that page through another
 * view since the COPY view was made (whether such writes show through is
 * left open by the contract). The harness never shrinks a file that has live
 * maps (that is tests/test_guarded.c's business) and closes a window before
 * its map.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPATHS 3          /* regular files; two more "paths" are a directory and a missing one */
#define NFILES 6
#define NMAPS 6
#define NVIEWS 10
#define NWINDOWS 3
#define MAX_SIZE ((size_t)192 * 1024) /* largest file or map the model holds */
#define G ((uintptr_t)PMMF_PORTABLE_GRANULARITY)

/* ------------------------------------------------------------------------- */
/* Failing: print what went wrong and abort, which libFuzzer records. */

static void die(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "fuzz_api: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  abort();
}

#define CHECK(cond, ...)         \
  do {                           \
    if (!(cond))                 \
      die(__VA_ARGS__);          \
  } while (0)

/* PMMF_FUZZ_TRACE=1: print every call and its status (to replay an input). */
static int trace;

static void expect_status(const char *what, int got, int want)
{
  if (trace)
    fprintf(stderr, "  %s -> %s\n", what, pmmf_status_name(got));
  CHECK(got == want, "%s returned %s, the model expects %s (last OS error %ld)", what,
        pmmf_status_name(got), pmmf_status_name(want), pmmf_last_os_error());
}

/* ------------------------------------------------------------------------- */
/* The input, read as a stream; past its end every read gives 0. */

static const uint8_t *in_p;
static size_t in_n;

static unsigned u8(void)
{
  if (in_n == 0)
    return 0;
  in_n--;
  return *in_p++;
}

static unsigned u16(void)
{
  unsigned a = u8();
  return a | u8() << 8;
}

static uint32_t u32(void)
{
  uint32_t a = u16();
  return a | (uint32_t)u16() << 16;
}

static uint64_t u64(void)
{
  uint64_t a = u32();
  return a | (uint64_t)u32() << 32;
}

/* Bytes to write: a cheap generator seeded from the input. */
static uint32_t rng;

static void fill_random(unsigned char *p, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++) {
    rng = rng * 1103515245u + 12345u;
    p[i] = (unsigned char)(rng >> 16);
  }
}

/* ------------------------------------------------------------------------- */
/* The model. */

static size_t page;
static uint64_t seq; /* increases with every write and every view made */

struct backing {     /* the bytes of a file, or of an anonymous map */
  unsigned char bytes[MAX_SIZE];
  uint64_t page_seq[MAX_SIZE / 4096 + 2]; /* per page: seq of its last write */
  size_t size;
};

struct path_model {
  char path[1024];
  struct backing b;
  int exists;
  int holders;    /* live pmmf_file objects of this path */
  int exclusive;  /* one of them was opened EXCLUSIVE */
  int maps;       /* live maps of this path, from any handle */
};

struct file_slot {
  pmmf_file *f;
  int used, user_open, path, maps;
  unsigned flags;
};

struct map_slot {
  pmmf_map *m;
  int used, user_open, views, windows;
  int file;          /* file maps: the file slot; anonymous: -1 */
  struct backing *b; /* the path's backing, or anon[] */
  uint64_t size;
  pmmf_access access;
};

struct view_slot {
  pmmf_view *v;
  int used, map;
  uint64_t offset;
  size_t length;
  pmmf_access created, current;
  uint64_t created_seq;
  /* COPY views: per byte 0 = not written here (reads the backing), 1 = own
   * copy, known, 2 = own copy of a page the backing changed under us. */
  unsigned char state[MAX_SIZE];
  unsigned char priv[MAX_SIZE];
};

struct window_slot {
  pmmf_window *w;
  int used, map;
  size_t window_size;
  pmmf_access access;
};

static struct path_model paths[NPATHS];
static struct backing anon[NMAPS];
static int anon_used[NMAPS];
static struct file_slot files[NFILES];
static struct map_slot maps[NMAPS];
static struct view_slot views[NVIEWS];
static struct window_slot windows[NWINDOWS];

static char tmpdir[1024];
static char dir_path[1024];     /* a directory: never a regular file */
static char missing_path[1024]; /* inside a directory that does not exist */
static char link_path[1024];    /* a symbolic link to paths[0] (dangling while it is missing) */
static char dangling_path[1024]; /* a symbolic link to nothing */
static char nowhere_path[1024];  /* where it points: must never be created */
static long base_fds, base_mappings;
static pmmf_map *probe_map;      /* anonymous, to find free addresses */
static unsigned char buffer[MAX_SIZE], buffer2[MAX_SIZE];
static unsigned char sentinel_byte;
#define SENTINEL ((void *)&sentinel_byte)

static void backing_reset(struct backing *b, size_t size)
{
  memset(b->bytes, 0, size);
  memset(b->page_seq, 0, sizeof b->page_seq);
  b->size = size;
}

static void backing_resize(struct backing *b, size_t size)
{
  if (size > b->size)
    memset(b->bytes + b->size, 0, size - b->size);
  b->size = size;
}

/* ------------------------------------------------------------------------- */
/* Counting what the process holds. */

static long count_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  long n = 0;
  if (!d)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n - 1; /* the directory's own descriptor */
}

/* Mappings with a backing object (the library makes no other kind). */
static long count_mappings(void)
{
  FILE *f = fopen("/proc/self/maps", "r");
  char line[4096];
  long n = 0;
  if (!f)
    return -1;
  while (fgets(line, sizeof line, f)) {
    unsigned long long inode = 0;
    size_t len = strlen(line);
    if (sscanf(line, "%*s %*s %*s %*s %llu", &inode) == 1 && inode != 0)
      n++;
    while (len > 0 && line[len - 1] != '\n' && fgets(line, sizeof line, f))
      len = strlen(line);
  }
  fclose(f);
  return n;
}

/* ------------------------------------------------------------------------- */
/* Fault injection: some calls get an armed fault. */

static int armed;

static void maybe_arm(void)
{
  armed = 0;
  /* Not 0: past the end of the input nothing is armed. */
  if (u8() % 6 == 5) {
    unsigned skip = u8() % 6;
    int kind = PMMF__FAULT_NO_SPACE + (int)(u8() % 5);
    pmmf__fault_arm(NULL, skip, kind);
    armed = 1;
  }
}

/* After the call: whether the fault fired (then any status may come back,
 * but a failure must have changed nothing). */
static int disarm(void)
{
  int fired = armed && pmmf__fault_fired();
  pmmf__fault_disarm();
  armed = 0;
  return fired;
}

/* Checks a call's status: the prediction, unless an injected fault fired. */
static int outcome(const char *what, int rc, int predicted, int fired)
{
  if (trace && fired)
    fprintf(stderr, "  %s -> %s (injected fault; the model says %s)\n", what,
            pmmf_status_name(rc), pmmf_status_name(predicted));
  if (!fired)
    expect_status(what, rc, predicted);
  else
    CHECK(rc <= 0 && rc >= PMMF_STATUS_LAST_, "%s: status %d out of range", what, rc);
  return rc;
}

/* ------------------------------------------------------------------------- */
/* Lifetimes, as the library keeps them: a view holds its map, a map its file. */

static void file_maybe_gone(int fi)
{
  struct file_slot *f = &files[fi];
  if (f->user_open || f->maps > 0)
    return;
  paths[f->path].holders--;
  if (f->flags & PMMF_OPEN_EXCLUSIVE)
    paths[f->path].exclusive = 0;
  memset(f, 0, sizeof *f);
}

static void map_maybe_gone(int mi)
{
  struct map_slot *m = &maps[mi];
  if (m->user_open || m->views > 0)
    return;
  if (m->file >= 0) {
    files[m->file].maps--;
    paths[files[m->file].path].maps--;
    file_maybe_gone(m->file);
  } else {
    anon_used[m->b - anon] = 0;
  }
  memset(m, 0, sizeof *m);
}

/* Slot choice: the first used (or free) slot from a place the input picks. */
static int file_used(int i) { return files[i].used; }
static int map_used(int i) { return maps[i].used; }
static int view_used(int i) { return views[i].used; }
static int window_used(int i) { return windows[i].used; }

static int pick_used(int n, int (*used)(int))
{
  int k, start = (int)(u8() % (unsigned)n);
  for (k = 0; k < n; k++)
    if (used((start + k) % n))
      return (start + k) % n;
  return -1;
}

static int pick_free(int n, int (*used)(int))
{
  int k;
  for (k = 0; k < n; k++)
    if (!used(k))
      return k;
  return -1;
}

static int any_used(int n, int (*used)(int))
{
  int k;
  for (k = 0; k < n; k++)
    if (used(k))
      return 1;
  return 0;
}

/* ------------------------------------------------------------------------- */
/* What a view shows, per the model. */

/* The byte at map offset `pos` through view `vi`; -1 where the model does
 * not know it. */
static int view_expect(const struct view_slot *v, uint64_t pos)
{
  const struct backing *b = maps[v->map].b;
  size_t i = (size_t)(pos - v->offset);
  if (v->created == PMMF_ACCESS_COPY) {
    if (v->state[i] == 1)
      return v->priv[i];
    if (v->state[i] == 2)
      return -1;
    if (b->page_seq[pos / page] > v->created_seq)
      return -1;
  }
  return b->bytes[pos];
}

static void check_view_bytes(int vi, size_t off, const unsigned char *got, size_t len,
                             const char *what)
{
  const struct view_slot *v = &views[vi];
  size_t i;
  for (i = 0; i < len; i++) {
    int want = view_expect(v, v->offset + off + i);
    CHECK(want < 0 || got[i] == want,
          "%s: view %d (offset %llu, length %zu, created %d) byte %zu is 0x%02x, the model "
          "says 0x%02x",
          what, vi, (unsigned long long)v->offset, v->length, (int)v->created, off + i, got[i],
          want);
  }
}

/* A write of `len` bytes at view offset `off` through view `vi`. */
static void model_view_write(int vi, size_t off, const unsigned char *src, size_t len)
{
  struct view_slot *v = &views[vi];
  struct backing *b = maps[v->map].b;
  size_t i;
  if (v->created != PMMF_ACCESS_COPY) {
    uint64_t pos = v->offset + off;
    memcpy(b->bytes + pos, src, len);
    seq++;
    for (i = (size_t)(pos / page); i <= (size_t)((pos + len - 1) / page); i++)
      b->page_seq[i] = seq;
    return;
  }
  /* Copy-on-write: each page written becomes this view's own. */
  for (i = 0; i < len; i++) {
    uint64_t pos = v->offset + off + i;
    if (v->state[off + i] == 0) {
      uint64_t first = pos - pos % page, last = first + page, p;
      int changed = b->page_seq[pos / page] > v->created_seq;
      if (first < v->offset)
        first = v->offset;
      if (last > v->offset + v->length)
        last = v->offset + v->length;
      for (p = first; p < last; p++) {
        size_t j = (size_t)(p - v->offset);
        if (v->state[j] == 0) {
          v->state[j] = changed ? 2 : 1;
          v->priv[j] = b->bytes[p];
        }
      }
    }
    v->state[off + i] = 1;
    v->priv[off + i] = src[i];
  }
}

/* Whether the model knows every byte of the file (no live maps of it). */
static void check_file(int pi, const char *what)
{
  struct path_model *p = &paths[pi];
  struct stat st;
  int fd;
  ssize_t got;
  if (!p->exists) {
    CHECK(stat(p->path, &st) != 0 && errno == ENOENT, "%s: %s exists, the model says not",
          what, p->path);
    return;
  }
  CHECK(stat(p->path, &st) == 0, "%s: %s is missing", what, p->path);
  CHECK((uint64_t)st.st_size == p->b.size, "%s: %s has %lld bytes, the model says %zu", what,
        p->path, (long long)st.st_size, p->b.size);
  if (p->maps > 0)
    return;
  fd = open(p->path, O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0, "%s: cannot read %s", what, p->path);
  got = pread(fd, buffer2, MAX_SIZE, 0);
  close(fd);
  CHECK(got == (ssize_t)p->b.size, "%s: read %zd bytes of %s", what, got, p->path);
  CHECK(memcmp(buffer2, p->b.bytes, p->b.size) == 0, "%s: %s differs from the model", what,
        p->path);
}

/* ------------------------------------------------------------------------- */
/* Argument choices. */

static uint64_t pick_size(uint64_t around)
{
  switch (u8() % 10) {
  case 0:
    return 0;
  case 1:
    return 1;
  case 2:
    return around;
  case 3:
    return around + 1 + u8() % 3;
  case 4:
    return around > 0 ? around - 1 - (around > 1 ? u8() % 2 : 0) : 0;
  case 5:
    return (uint64_t)INT64_MAX + 1 + u8();
  case 6:
    return UINT64_MAX - u8();
  case 7:
    return G * (1 + u8() % 2) + (u8() % 3) - 1;
  default:
    return u32() % (MAX_SIZE + 1);
  }
}

static pmmf_access pick_access(void)
{
  unsigned a = u8() % 16;
  if (a < 13)
    return (pmmf_access)(1 + a % 3);
  return (pmmf_access)(a == 13 ? 0 : a == 14 ? 4 : -1);
}

static int access_allows(pmmf_access map, pmmf_access view)
{
  return map == PMMF_ACCESS_WRITE || view == PMMF_ACCESS_READ || view == PMMF_ACCESS_COPY;
}

static int access_valid(pmmf_access a)
{
  return a == PMMF_ACCESS_READ || a == PMMF_ACCESS_WRITE || a == PMMF_ACCESS_COPY;
}

/* A range relative to a span of `size` bytes: an offset and a length. */
static void pick_range(uint64_t size, uint64_t *offset, uint64_t *length)
{
  switch (u8() % 8) {
  case 0:
    *offset = 0;
    break;
  case 1:
    *offset = size;
    break;
  case 2:
    *offset = UINT64_MAX - u8();
    break;
  case 3:
    *offset = size > 0 ? size - 1 : 0;
    break;
  default:
    *offset = size > 0 ? u32() % size : 0;
    break;
  }
  switch (u8() % 8) {
  case 0:
    *length = 0;
    break;
  case 1:
    *length = size > *offset ? size - *offset : 1;
    break;
  case 2:
    *length = (uint64_t)SIZE_MAX - u8();
    break;
  case 3:
    *length = size > *offset ? size - *offset + 1 : 2;
    break;
  default:
    *length = 1 + (size > *offset ? u32() % (size - *offset) : u8());
    break;
  }
}

/* The contract's range rule: PMMF_OK, and a zero length made explicit when
 * `zero_to_end`, or PMMF_E_RANGE. Written here again on purpose (as every
 * rule of this model): an oracle that called the library's own
 * pmmf__range_check could not catch a mistake in it. */
static int range_rule(uint64_t size, uint64_t offset, uint64_t *length, int zero_to_end)
{
  if (offset >= size)
    return PMMF_E_RANGE;
  if (*length == 0 && zero_to_end)
    *length = size - offset;
  if (*length > size - offset)
    return PMMF_E_RANGE;
  return PMMF_OK;
}

/* ------------------------------------------------------------------------- */
/* Operations. */

/* The path of a choice: a regular file of the model (*pi set), paths[0]
 * through a symbolic link (*pi 0, *via_link set), a directory, a path in a
 * missing directory, a link to nothing, "" or NULL. */
#define PATH_CHOICES (NPATHS + 6)

static const char *open_path_of(unsigned choice, int *pi, int *via_link)
{
  *pi = -1;
  *via_link = 0;
  if (choice < NPATHS) {
    *pi = (int)choice;
    return paths[choice].path;
  }
  switch (choice - NPATHS) {
  case 0:
    return dir_path;
  case 1:
    return missing_path;
  case 2:
    *pi = 0;
    *via_link = 1;
    return link_path;
  case 3:
    return dangling_path;
  case 4:
    return "";
  default:
    return NULL;
  }
}

static void op_file_open(void)
{
  int pi, via_link, fi = pick_free(NFILES, file_used), predicted, rc, fired, created = 0;
  const char *path = open_path_of(u8() % PATH_CHOICES, &pi, &via_link);
  unsigned flags = u8();
  int null_out = u8() % 32 == 0;
  pmmf_file *out = SENTINEL;
  if (u8() % 4 != 0)
    flags &= 0x7f; /* the known flags, PMMF_OPEN_SPARSE (0x40) among them */
  if (fi < 0)
    return;
  if (null_out || (flags & ~0x7fu) || !(flags & (PMMF_OPEN_READ | PMMF_OPEN_WRITE)) ||
      ((flags & PMMF_OPEN_TRUNCATE) && !(flags & PMMF_OPEN_WRITE)) || !path || !*path) {
    predicted = PMMF_E_INVALID;
  } else if (pi < 0) {
    if (path == dir_path)
      predicted = (flags & PMMF_OPEN_CREATE_NEW) ? PMMF_E_EXISTS : PMMF_E_INVALID;
    else if (path == dangling_path)
      /* Files are never created through a link. */
      predicted = (flags & (PMMF_OPEN_CREATE | PMMF_OPEN_CREATE_NEW)) ? PMMF_E_EXISTS
                                                                       : PMMF_E_NOT_FOUND;
    else
      predicted = PMMF_E_NOT_FOUND;
  } else if (via_link && (flags & PMMF_OPEN_CREATE_NEW)) {
    predicted = PMMF_E_EXISTS; /* the link itself is there */
  } else if (via_link && !paths[pi].exists) {
    predicted = (flags & PMMF_OPEN_CREATE) ? PMMF_E_EXISTS : PMMF_E_NOT_FOUND;
  } else if (!paths[pi].exists) {
    predicted = (flags & (PMMF_OPEN_CREATE | PMMF_OPEN_CREATE_NEW)) ? PMMF_OK : PMMF_E_NOT_FOUND;
    created = predicted == PMMF_OK;
  } else if (flags & PMMF_OPEN_CREATE_NEW) {
    predicted = PMMF_E_EXISTS;
  } else if (paths[pi].exclusive || ((flags & PMMF_OPEN_EXCLUSIVE) && paths[pi].holders > 0)) {
    predicted = PMMF_E_SHARING;
  } else {
    predicted = PMMF_OK;
    /* Truncating a file that has live maps would make their pages fault. */
    if ((flags & PMMF_OPEN_TRUNCATE) && paths[pi].maps > 0 && paths[pi].b.size > 0)
      return;
  }
  maybe_arm();
  rc = pmmf_file_open(null_out ? NULL : &out, path, flags);
  fired = disarm();
  outcome("pmmf_file_open", rc, predicted, fired);
  if (rc != PMMF_OK) {
    struct stat st;
    CHECK(out == SENTINEL, "pmmf_file_open failed but wrote its output");
    if (pi >= 0)
      check_file(pi, "failed pmmf_file_open");
    CHECK(stat(nowhere_path, &st) != 0, "a file was created through a symbolic link");
    return;
  }
  CHECK(out != SENTINEL && out != NULL, "pmmf_file_open: no file");
  files[fi].f = out;
  files[fi].used = 1;
  files[fi].user_open = 1;
  files[fi].path = pi;
  files[fi].flags = flags;
  files[fi].maps = 0;
  if (created) {
    paths[pi].exists = 1;
    backing_reset(&paths[pi].b, 0);
  } else if (flags & PMMF_OPEN_TRUNCATE) {
    backing_resize(&paths[pi].b, 0);
  }
  paths[pi].holders++;
  if (flags & PMMF_OPEN_EXCLUSIVE)
    paths[pi].exclusive = 1;
  check_file(pi, "pmmf_file_open");
}

static void op_file_close(void)
{
  int fi = pick_used(NFILES, file_used), rc, fired;
  if (fi < 0 || !files[fi].user_open) {
    expect_status("pmmf_file_close(NULL)", pmmf_file_close(NULL), PMMF_OK);
    return;
  }
  maybe_arm();
  rc = pmmf_file_close(files[fi].f);
  fired = disarm();
  outcome("pmmf_file_close", rc, PMMF_OK, fired);
  CHECK(!fired || rc != PMMF_OK, "pmmf_file_close hid an injected failure");
  /* Released whatever the status. */
  files[fi].user_open = 0;
  file_maybe_gone(fi);
}

static void op_file_size(void)
{
  int fi = pick_used(NFILES, file_used), rc, fired;
  uint64_t size = 12345;
  int null_out = u8() % 32 == 0;
  if (fi < 0 || !files[fi].user_open) {
    expect_status("pmmf_file_size(NULL)", pmmf_file_size(NULL, &size), PMMF_E_INVALID);
    return;
  }
  maybe_arm();
  rc = pmmf_file_size(files[fi].f, null_out ? NULL : &size);
  fired = disarm();
  outcome("pmmf_file_size", rc, null_out ? PMMF_E_INVALID : PMMF_OK, fired);
  if (rc == PMMF_OK)
    CHECK(size == paths[files[fi].path].b.size, "pmmf_file_size: %llu, the model says %zu",
          (unsigned long long)size, paths[files[fi].path].b.size);
  else
    CHECK(size == 12345, "pmmf_file_size failed but wrote its output");
}

static void op_file_resize(void)
{
  int fi = pick_used(NFILES, file_used), rc, fired, predicted, pi;
  uint64_t size;
  if (fi < 0 || !files[fi].user_open) {
    expect_status("pmmf_file_resize(NULL)", pmmf_file_resize(NULL, 1), PMMF_E_INVALID);
    return;
  }
  pi = files[fi].path;
  size = pick_size(paths[pi].b.size);
  if (!(files[fi].flags & PMMF_OPEN_WRITE))
    predicted = PMMF_E_ACCESS;
  else if (files[fi].maps > 0)
    predicted = PMMF_E_BUSY;
  else if (size > (uint64_t)INT64_MAX)
    predicted = PMMF_E_RANGE;
  else if (size > MAX_SIZE)
    return; /* beyond what the model holds */
  else if (size < paths[pi].b.size && paths[pi].maps > 0)
    return; /* another handle's maps would fault */
  else
    predicted = PMMF_OK;
  maybe_arm();
  rc = pmmf_file_resize(files[fi].f, size);
  fired = disarm();
  outcome("pmmf_file_resize", rc, predicted, fired);
  if (rc == PMMF_OK) {
    /* Growth is not a write of existing pages; the new bytes are zeros. */
    backing_resize(&paths[pi].b, (size_t)size);
  }
  check_file(pi, "pmmf_file_resize");
}

static void op_map_file(void)
{
  int fi = pick_used(NFILES, file_used), mi = pick_free(NMAPS, map_used), rc, fired, predicted, pi;
  pmmf_access access = pick_access();
  unsigned flags = u8() % 8 == 0 ? u8() : (u8() & 1);
  uint64_t size, file_size;
  int grow = 0;
  pmmf_map *out = SENTINEL;
  if (mi < 0)
    return;
  if (fi < 0 || !files[fi].user_open) {
    expect_status("pmmf_map_file(NULL file)",
                  pmmf_map_file(&out, NULL, 1, PMMF_ACCESS_READ, 0), PMMF_E_INVALID);
    CHECK(out == SENTINEL, "pmmf_map_file failed but wrote its output");
    return;
  }
  pi = files[fi].path;
  file_size = paths[pi].b.size;
  size = pick_size(file_size);
  if (!access_valid(access) || (flags & ~(unsigned)(PMMF_MAP_GROW | PMMF_MAP_SPARSE)))
    predicted = PMMF_E_INVALID;
  else if ((flags & PMMF_MAP_GROW) && access != PMMF_ACCESS_WRITE)
    predicted = PMMF_E_INVALID;
  else if ((flags & PMMF_MAP_SPARSE) && !(flags & PMMF_MAP_GROW))
    predicted = PMMF_E_INVALID;
  else if (access == PMMF_ACCESS_WRITE && !(files[fi].flags & PMMF_OPEN_WRITE))
    predicted = PMMF_E_ACCESS;
  else if (size > (uint64_t)INT64_MAX)
    predicted = PMMF_E_RANGE;
  else if (size == 0 && file_size == 0)
    predicted = PMMF_E_EMPTY;
  else if (size > file_size && !(flags & PMMF_MAP_GROW))
    predicted = PMMF_E_RANGE;
  else if (size > MAX_SIZE)
    return;
  else {
    predicted = PMMF_OK;
    grow = size > file_size;
  }
  maybe_arm();
  rc = pmmf_map_file(&out, files[fi].f, size, access, flags);
  fired = disarm();
  outcome("pmmf_map_file", rc, predicted, fired);
  if (rc != PMMF_OK) {
    CHECK(out == SENTINEL, "pmmf_map_file failed but wrote its output");
    check_file(pi, "failed pmmf_map_file");
    return;
  }
  if (size == 0)
    size = file_size;
  if (grow)
    backing_resize(&paths[pi].b, (size_t)size);
  CHECK(pmmf_map_size(out) == size, "pmmf_map_size: %llu, expected %llu",
        (unsigned long long)pmmf_map_size(out), (unsigned long long)size);
  maps[mi].m = out;
  maps[mi].used = 1;
  maps[mi].user_open = 1;
  maps[mi].file = fi;
  maps[mi].b = &paths[pi].b;
  maps[mi].size = size;
  maps[mi].access = access;
  files[fi].maps++;
  paths[pi].maps++;
  check_file(pi, "pmmf_map_file");
}

static void op_map_anonymous(void)
{
  int mi = pick_free(NMAPS, map_used), ai, rc, fired, predicted;
  uint64_t size = pick_size(u16());
  unsigned flags = u8() % 16 == 0 ? 1u + u8() : 0;
  pmmf_map *out = SENTINEL;
  if (mi < 0)
    return;
  for (ai = 0; ai < NMAPS && anon_used[ai]; ai++)
    ;
  if (size == 0 || (flags & ~(unsigned)(PMMF_MAP_SPARSE | PMMF_MAP_LARGE_PAGES)))
    predicted = PMMF_E_INVALID;
  else if (size > (uint64_t)INT64_MAX)
    predicted = PMMF_E_TOO_LARGE;
  else if (size > MAX_SIZE)
    return;
  else
    predicted = PMMF_OK;
  maybe_arm();
  rc = pmmf_map_anonymous(&out, size, flags);
  fired = disarm();
  outcome("pmmf_map_anonymous", rc, predicted, fired);
  if (rc != PMMF_OK) {
    CHECK(out == SENTINEL, "pmmf_map_anonymous failed but wrote its output");
    return;
  }
  CHECK(pmmf_map_size(out) == size, "pmmf_map_size of an anonymous map");
  anon_used[ai] = 1;
  backing_reset(&anon[ai], (size_t)size);
  maps[mi].m = out;
  maps[mi].used = 1;
  maps[mi].user_open = 1;
  maps[mi].file = -1;
  maps[mi].b = &anon[ai];
  maps[mi].size = size;
  maps[mi].access = PMMF_ACCESS_WRITE;
}

/* pmmf_map_grow: WRITE maps only, never smaller; a file map's file grows to
 * the new size unless it is already larger (extend-only), an anonymous map's
 * memory grows with zeros. Views, windows and the file keep their bytes. */
static void op_map_grow(void)
{
  int mi = pick_used(NMAPS, map_used), rc, fired, predicted;
  uint64_t size;
  struct map_slot *m;
  if (mi < 0 || !maps[mi].user_open) {
    expect_status("pmmf_map_grow(NULL)", pmmf_map_grow(NULL, 1), PMMF_E_INVALID);
    return;
  }
  m = &maps[mi];
  size = pick_size(m->size);
  if (m->access != PMMF_ACCESS_WRITE)
    predicted = PMMF_E_ACCESS;
  else if (size > (uint64_t)INT64_MAX)
    predicted = m->file < 0 ? PMMF_E_TOO_LARGE : PMMF_E_RANGE;
  else if (pmmf_map_large_pages(m->m) == PMMF_LARGE_PAGES_RESERVED)
    predicted = PMMF_E_UNSUPPORTED;
  else if (size < m->size)
    predicted = PMMF_E_RANGE;
  else if (size > MAX_SIZE)
    return;
  else
    predicted = PMMF_OK;
  maybe_arm();
  rc = pmmf_map_grow(m->m, size);
  fired = disarm();
  outcome("pmmf_map_grow", rc, predicted, fired);
  if (rc == PMMF_OK) {
    m->size = size;
    if (m->b->size < size)
      backing_resize(m->b, (size_t)size);
  }
  CHECK(pmmf_map_size(m->m) == m->size, "pmmf_map_size after pmmf_map_grow: %llu, expected %llu",
        (unsigned long long)pmmf_map_size(m->m), (unsigned long long)m->size);
  if (m->file >= 0)
    check_file(files[m->file].path, "pmmf_map_grow");
}

static void op_map_close(void)
{
  int mi = pick_used(NMAPS, map_used), rc, fired;
  if (mi < 0 || !maps[mi].user_open || maps[mi].windows > 0) {
    expect_status("pmmf_map_close(NULL)", pmmf_map_close(NULL), PMMF_OK);
    return;
  }
  maybe_arm();
  rc = pmmf_map_close(maps[mi].m);
  fired = disarm();
  outcome("pmmf_map_close", rc, PMMF_OK, fired);
  CHECK(!fired || rc != PMMF_OK, "pmmf_map_close hid an injected failure");
  maps[mi].user_open = 0;
  map_maybe_gone(mi);
}

/* Where pmmf_view_map_at should map, and what it should answer there. */
static void *pick_base(size_t length, int *predicted)
{
  unsigned kind = u8() % 6;
  *predicted = -100; /* unknown: OK, ADDRESS_IN_USE, NO_MEMORY (or ACCESS below
                      * the lowest address a program may map) */
  if (kind == 0) {
    *predicted = PMMF_E_INVALID;
    return NULL;
  }
  if (kind == 1) {
    *predicted = PMMF_E_ALIGNMENT;
    return (void *)(G * (1 + u16()) + 1 + u16() % (G - 1));
  }
  if (kind == 2) {
    int vi = pick_used(NVIEWS, view_used);
    if (vi >= 0) {
      uintptr_t vb = (uintptr_t)views[vi].v->base, base = vb - vb % G;
      uintptr_t ve = vb + views[vi].v->mapped;
      /* Overlapping a live view: in use, unless the range also runs past the
       * top of the address space, which the kernel checks first (ENOMEM). */
      if (base < ve && vb < base + length)
        *predicted = base + length <= ve ? PMMF_E_ADDRESS_IN_USE : -101;
      return (void *)base;
    }
  }
  if (kind == 3) {
    uintptr_t p = (uintptr_t)((u64() & (((uint64_t)1 << 47) - 1)) & ~(uint64_t)(G - 1));
    if (p == 0)
      *predicted = PMMF_E_INVALID;
    return (void *)p;
  }
  /* A free range: map a larger view, take its address rounded up, unmap. */
  {
    pmmf_view *probe = NULL;
    uintptr_t p;
    if (length > MAX_SIZE || pmmf_view_map(&probe, probe_map, 0, length + 2 * G,
                                           PMMF_ACCESS_READ, 0) != PMMF_OK)
      return (void *)G;
    p = ((uintptr_t)pmmf_view_data(probe) + G - 1) & ~(G - 1);
    CHECK(pmmf_view_unmap(probe) == PMMF_OK, "unmapping the probe");
    *predicted = PMMF_OK;
    return (void *)p;
  }
}

static void op_view_map(int at)
{
  int mi = pick_used(NMAPS, map_used), vi = pick_free(NVIEWS, view_used), rc, fired, predicted;
  int base_prediction = PMMF_OK;
  pmmf_access access = pick_access();
  unsigned flags = u8() % 16 == 0 ? u8() : (u8() & 1);
  uint64_t offset, length, wanted;
  pmmf_view *out = SENTINEL;
  void *base = NULL;
  struct map_slot *m;
  if (vi < 0)
    return;
  if (mi < 0 || !maps[mi].user_open) {
    expect_status("pmmf_view_map(NULL map)", pmmf_view_map(&out, NULL, 0, 0, access, 0),
                  PMMF_E_INVALID);
    CHECK(out == SENTINEL, "pmmf_view_map failed but wrote its output");
    return;
  }
  m = &maps[mi];
  pick_range(m->size, &offset, &length);
  if (at && u8() % 4 != 0)
    offset -= offset % G;
  wanted = length;
  if (at)
    base = pick_base(length == 0 && m->size > offset ? (size_t)(m->size - offset)
                                                       : (size_t)length,
                     &base_prediction);
  if (!access_valid(access) || (flags & ~1u) || (at && base == NULL))
    predicted = PMMF_E_INVALID;
  else if (at && ((uintptr_t)base % G != 0 || offset % G != 0))
    predicted = PMMF_E_ALIGNMENT;
  else if (!access_allows(m->access, access))
    predicted = PMMF_E_ACCESS;
  else if (range_rule(m->size, offset, &wanted, 1) != PMMF_OK || wanted > SIZE_MAX)
    predicted = PMMF_E_RANGE;
  else
    predicted = at ? base_prediction : PMMF_OK;
  maybe_arm();
  if (at)
    rc = pmmf_view_map_at(&out, m->m, offset, (size_t)length, access, flags, base);
  else
    rc = pmmf_view_map(&out, m->m, offset, (size_t)length, access, flags);
  fired = disarm();
  if (trace && at)
    fprintf(stderr, "  (view_map_at: base %p, offset %llu, length %llu, map size %llu)\n", base,
            (unsigned long long)offset, (unsigned long long)length,
            (unsigned long long)m->size);
  if (predicted == -100) {
    CHECK(rc == PMMF_OK || rc == PMMF_E_ADDRESS_IN_USE || rc == PMMF_E_NO_MEMORY ||
            rc == PMMF_E_ACCESS || fired,
          "pmmf_view_map_at at %p: %s", base, pmmf_status_name(rc));
  } else if (predicted == -101) {
    CHECK(rc == PMMF_E_ADDRESS_IN_USE || rc == PMMF_E_NO_MEMORY || fired,
          "pmmf_view_map_at at %p, over a live view: %s", base, pmmf_status_name(rc));
  } else {
    outcome(at ? "pmmf_view_map_at" : "pmmf_view_map", rc, predicted, fired);
  }
  if (rc != PMMF_OK) {
    CHECK(out == SENTINEL, "pmmf_view_map failed but wrote its output");
    return;
  }
  CHECK(pmmf_view_size(out) == wanted && pmmf_view_offset(out) == offset,
        "view size %zu offset %llu, expected %llu at %llu", pmmf_view_size(out),
        (unsigned long long)pmmf_view_offset(out), (unsigned long long)wanted,
        (unsigned long long)offset);
  CHECK((uintptr_t)pmmf_view_data(out) % page == offset % page,
        "pmmf_view_data is not at the byte asked for");
  if (at)
    CHECK(pmmf_view_data(out) == base, "pmmf_view_map_at: data %p, base %p",
          pmmf_view_data(out), base);
  memset(views[vi].state, 0, (size_t)wanted);
  views[vi].v = out;
  views[vi].used = 1;
  views[vi].map = mi;
  views[vi].offset = offset;
  views[vi].length = (size_t)wanted;
  views[vi].created = access;
  views[vi].current = access;
  views[vi].created_seq = ++seq;
  m->views++;
  check_view_bytes(vi, 0, pmmf_view_data(out), views[vi].length, "new view");
}

static void op_view_unmap(void)
{
  int vi = pick_used(NVIEWS, view_used), rc, fired, mi;
  if (vi < 0) {
    expect_status("pmmf_view_unmap(NULL)", pmmf_view_unmap(NULL), PMMF_OK);
    return;
  }
  maybe_arm();
  rc = pmmf_view_unmap(views[vi].v);
  fired = disarm();
  outcome("pmmf_view_unmap", rc, PMMF_OK, fired);
  CHECK(!fired || rc != PMMF_OK, "pmmf_view_unmap hid an injected failure");
  mi = views[vi].map;
  views[vi].used = 0;
  views[vi].v = NULL;
  maps[mi].views--;
  map_maybe_gone(mi);
}

/* Pick a used view, or test the call with NULL. */
static int pick_view(void)
{
  return pick_used(NVIEWS, view_used);
}

static void op_view_flush(void)
{
  int vi = pick_view(), rc, fired, predicted;
  uint64_t offset, length;
  unsigned flags = u8() % 8 == 0 ? u8() : (u8() & 1);
  if (vi < 0) {
    expect_status("pmmf_view_flush(NULL)", pmmf_view_flush(NULL, 0, 0, 0), PMMF_E_INVALID);
    return;
  }
  pick_range(views[vi].length, &offset, &length);
  if (flags > 1)
    predicted = PMMF_E_INVALID;
  else if (offset > SIZE_MAX || length > SIZE_MAX)
    return;
  else {
    uint64_t l = length;
    predicted = range_rule(views[vi].length, offset, &l, 1);
  }
  maybe_arm();
  rc = pmmf_view_flush(views[vi].v, (size_t)offset, (size_t)length, flags);
  fired = disarm();
  outcome("pmmf_view_flush", rc, predicted, fired);
}

static void op_view_advise(void)
{
  int vi = pick_view(), rc, fired, predicted, advice = (int)(u8() % 7) - 1;
  uint64_t offset, length, l;
  if (vi < 0) {
    expect_status("pmmf_view_advise(NULL)", pmmf_view_advise(NULL, 0, 0, PMMF_ADVICE_NORMAL),
                  PMMF_E_INVALID);
    return;
  }
  pick_range(views[vi].length, &offset, &length);
  if (offset > SIZE_MAX || length > SIZE_MAX)
    return;
  l = length;
  if (advice < PMMF_ADVICE_NORMAL || advice > PMMF_ADVICE_DONTNEED)
    predicted = PMMF_E_INVALID;
  else if (range_rule(views[vi].length, offset, &l, 1) != PMMF_OK)
    predicted = PMMF_E_RANGE;
  else if (advice == PMMF_ADVICE_DONTNEED && views[vi].created == PMMF_ACCESS_COPY)
    predicted = PMMF_E_UNSUPPORTED;
  else
    predicted = PMMF_OK; /* madvise has all five */
  maybe_arm();
  rc = pmmf_view_advise(views[vi].v, (size_t)offset, (size_t)length, (pmmf_advice)advice);
  fired = disarm();
  outcome("pmmf_view_advise", rc, predicted, fired);
  /* A hint never changes the contents. */
  check_view_bytes(vi, 0, pmmf_view_data(views[vi].v), views[vi].length, "after advise");
}

static void op_view_protect(void)
{
  int vi = pick_view(), rc, fired, predicted;
  pmmf_access access = pick_access();
  if (vi < 0) {
    expect_status("pmmf_view_protect(NULL)", pmmf_view_protect(NULL, PMMF_ACCESS_READ),
                  PMMF_E_INVALID);
    return;
  }
  if (!access_valid(access))
    predicted = PMMF_E_INVALID;
  else if (access != PMMF_ACCESS_READ && access != views[vi].created)
    predicted = PMMF_E_ACCESS;
  else
    predicted = PMMF_OK;
  maybe_arm();
  rc = pmmf_view_protect(views[vi].v, access);
  fired = disarm();
  outcome("pmmf_view_protect", rc, predicted, fired);
  if (rc == PMMF_OK)
    views[vi].current = access;
}

/* Guarded (pmmf_view_read/write) or direct (through the pointer) copies. */
static void op_view_copy(int write, int direct)
{
  int vi = pick_view(), rc, fired, predicted;
  uint64_t offset, length;
  struct view_slot *v;
  if (vi < 0) {
    expect_status("pmmf_view_read(NULL)", pmmf_view_read(NULL, 0, buffer, 1), PMMF_E_INVALID);
    return;
  }
  v = &views[vi];
  pick_range(v->length, &offset, &length);
  if (u8() % 8 == 0)
    length = 0;
  if (offset > SIZE_MAX || length > SIZE_MAX)
    return;
  if (length == 0)
    predicted = PMMF_OK;
  else if (offset >= v->length || length > v->length - offset)
    predicted = PMMF_E_RANGE;
  else if (write && v->current == PMMF_ACCESS_READ)
    predicted = PMMF_E_ACCESS;
  else
    predicted = PMMF_OK;
  if (direct) {
    /* Only what a correct program may do through the pointer. */
    if (predicted != PMMF_OK || length == 0)
      return;
    if (write) {
      fill_random(buffer, (size_t)length);
      memcpy((char *)pmmf_view_data(v->v) + offset, buffer, (size_t)length);
      model_view_write(vi, (size_t)offset, buffer, (size_t)length);
    } else {
      check_view_bytes(vi, (size_t)offset, (unsigned char *)pmmf_view_data(v->v) + offset,
                       (size_t)length, "direct read");
    }
    return;
  }
  /* A length beyond the view is passed as it is (the library must refuse it
   * before copying); the harness's own buffer work stays inside the buffer. */
  if (write) {
    int null_src = length > 0 && u8() % 32 == 0;
    fill_random(buffer, length < MAX_SIZE ? (size_t)length : MAX_SIZE);
    maybe_arm();
    rc = pmmf_view_write(v->v, (size_t)offset, null_src ? NULL : buffer, (size_t)length);
    fired = disarm();
    outcome("pmmf_view_write", rc, null_src ? PMMF_E_INVALID : predicted, fired);
    if (rc == PMMF_OK && length > 0)
      model_view_write(vi, (size_t)offset, buffer, (size_t)length);
  } else {
    memset(buffer, 0xA5, length < MAX_SIZE ? (size_t)length : MAX_SIZE);
    maybe_arm();
    rc = pmmf_view_read(v->v, (size_t)offset, buffer, (size_t)length);
    fired = disarm();
    outcome("pmmf_view_read", rc, predicted, fired);
    if (rc == PMMF_OK && length > 0)
      check_view_bytes(vi, (size_t)offset, buffer, (size_t)length, "pmmf_view_read");
  }
  check_view_bytes(vi, 0, pmmf_view_data(v->v), v->length, "after a copy");
}

/* Windows: PMMF_E_UNSUPPORTED while not implemented; checked as the contract
 * says once they are. */
static void op_window_open(void)
{
  int mi = pick_used(NMAPS, map_used), wi = pick_free(NWINDOWS, window_used), rc, fired, predicted;
  pmmf_access access = pick_access();
  size_t window_size;
  pmmf_window *out = SENTINEL;
  if (wi < 0)
    return;
  window_size = (size_t)pick_size(G);
  if (mi < 0 || !maps[mi].user_open) {
    expect_status("pmmf_window_open(NULL map)",
                  pmmf_window_open(&out, NULL, 4096, PMMF_ACCESS_READ), PMMF_E_INVALID);
    CHECK(out == SENTINEL, "pmmf_window_open failed but wrote its output");
    return;
  }
  if (window_size == 0 || !access_valid(access))
    predicted = PMMF_E_INVALID;
  else if (!access_allows(maps[mi].access, access))
    predicted = PMMF_E_ACCESS;
  else
    predicted = PMMF_OK;
  maybe_arm();
  rc = pmmf_window_open(&out, maps[mi].m, window_size, access);
  fired = disarm();
  if (predicted == PMMF_OK && !fired) {
    if (trace)
      fprintf(stderr, "  pmmf_window_open -> %s\n", pmmf_status_name(rc));
    /* Not implemented yet; and the contract leaves a window larger than its
     * map open (refused or allowed). */
    CHECK(rc == PMMF_OK || rc == PMMF_E_UNSUPPORTED ||
            (window_size > maps[mi].size && (rc == PMMF_E_INVALID || rc == PMMF_E_RANGE)),
          "pmmf_window_open: %s", pmmf_status_name(rc));
  } else {
    outcome("pmmf_window_open", rc, predicted, fired);
  }
  if (rc != PMMF_OK) {
    CHECK(out == SENTINEL, "pmmf_window_open failed but wrote its output");
    return;
  }
  windows[wi].w = out;
  windows[wi].used = 1;
  windows[wi].map = mi;
  windows[wi].window_size = window_size;
  windows[wi].access = access;
  maps[mi].windows++;
}

static void op_window_get(void)
{
  int wi = pick_used(NWINDOWS, window_used), rc, fired, predicted;
  uint64_t offset, length, l;
  void *ptr = SENTINEL;
  struct window_slot *w;
  struct map_slot *m;
  if (wi < 0) {
    expect_status("pmmf_window_get(NULL)", pmmf_window_get(NULL, 0, 1, &ptr), PMMF_E_INVALID);
    CHECK(ptr == SENTINEL, "pmmf_window_get failed but wrote its output");
    return;
  }
  w = &windows[wi];
  m = &maps[w->map];
  pick_range(m->size, &offset, &length);
  if (length > SIZE_MAX)
    return;
  l = length;
  if (length == 0)
    predicted = PMMF_E_INVALID;
  else if (length > w->window_size)
    predicted = range_rule(m->size, offset, &l, 0) == PMMF_OK ? PMMF_E_INVALID : -100;
  else
    predicted = range_rule(m->size, offset, &l, 0);
  maybe_arm();
  rc = pmmf_window_get(w->w, offset, (size_t)length, &ptr);
  fired = disarm();
  if (predicted == -100) /* both too long and out of range: either answer */
    CHECK(rc == PMMF_E_INVALID || rc == PMMF_E_RANGE || fired, "pmmf_window_get: %s",
          pmmf_status_name(rc));
  else
    outcome("pmmf_window_get", rc, predicted, fired);
  if (rc != PMMF_OK) {
    CHECK(ptr == SENTINEL, "pmmf_window_get failed but wrote its output");
    return;
  }
  if (w->access == PMMF_ACCESS_COPY)
    return; /* private pages, remapped at the window's will: not modelled */
  CHECK(memcmp(ptr, m->b->bytes + offset, (size_t)length) == 0,
        "pmmf_window_get: the bytes at %llu differ from the model", (unsigned long long)offset);
  if (w->access == PMMF_ACCESS_WRITE && u8() % 2) {
    size_t i;
    fill_random(ptr, (size_t)length);
    memcpy(m->b->bytes + offset, ptr, (size_t)length);
    seq++;
    for (i = (size_t)(offset / page); i <= (size_t)((offset + length - 1) / page); i++)
      m->b->page_seq[i] = seq;
  }
}

static void op_window_close(void)
{
  int wi = pick_used(NWINDOWS, window_used), rc, fired;
  if (wi < 0) {
    expect_status("pmmf_window_close(NULL)", pmmf_window_close(NULL), PMMF_OK);
    return;
  }
  maybe_arm();
  rc = pmmf_window_close(windows[wi].w);
  fired = disarm();
  outcome("pmmf_window_close", rc, PMMF_OK, fired);
  maps[windows[wi].map].windows--;
  memset(&windows[wi], 0, sizeof windows[wi]);
}

static void op_check(void)
{
  int vi = pick_view();
  check_file((int)(u8() % NPATHS), "check");
  if (vi >= 0)
    check_view_bytes(vi, 0, pmmf_view_data(views[vi].v), views[vi].length, "check");
}

/* ------------------------------------------------------------------------- */

static void close_everything(void)
{
  int i, progress = 1;
  /* In an order the input chooses: windows before their maps. */
  while (progress) {
    progress = 0;
    switch (u8() % 4) {
    case 0:
      if (any_used(NWINDOWS, window_used)) {
        op_window_close();
        progress = 1;
        break;
      }
      /* fall through */
    case 1:
      if (any_used(NVIEWS, view_used)) {
        op_view_unmap();
        progress = 1;
        break;
      }
      /* fall through */
    case 2:
      for (i = 0; i < NMAPS; i++)
        if (maps[i].used && maps[i].user_open && maps[i].windows == 0) {
          expect_status("closing a map", pmmf_map_close(maps[i].m), PMMF_OK);
          maps[i].user_open = 0;
          map_maybe_gone(i);
          progress = 1;
          break;
        }
      if (progress)
        break;
      /* fall through */
    default:
      for (i = 0; i < NFILES; i++)
        if (files[i].used && files[i].user_open) {
          expect_status("closing a file", pmmf_file_close(files[i].f), PMMF_OK);
          files[i].user_open = 0;
          file_maybe_gone(i);
          progress = 1;
          break;
        }
      if (!progress)
        progress = any_used(NWINDOWS, window_used) || any_used(NVIEWS, view_used) ||
                   any_used(NMAPS, map_used);
      break;
    }
  }
  for (i = 0; i < NFILES; i++)
    CHECK(!files[i].used, "file slot %d still used", i);
  for (i = 0; i < NMAPS; i++)
    CHECK(!maps[i].used, "map slot %d still used", i);
}

static void reset(void)
{
  int i;
  for (i = 0; i < NPATHS; i++) {
    unlink(paths[i].path);
    paths[i].exists = 0;
    paths[i].holders = paths[i].exclusive = paths[i].maps = 0;
    paths[i].b.size = 0;
  }
  memset(anon_used, 0, sizeof anon_used);
  for (i = 0; i < NFILES; i++)
    memset(&files[i], 0, sizeof files[i]);
  for (i = 0; i < NMAPS; i++)
    memset(&maps[i], 0, sizeof maps[i]);
  for (i = 0; i < NVIEWS; i++) {
    views[i].used = 0;
    views[i].v = NULL;
  }
  for (i = 0; i < NWINDOWS; i++)
    memset(&windows[i], 0, sizeof windows[i]);
}

static void remove_tmpdir(void)
{
  int i;
  for (i = 0; i < NPATHS; i++)
    unlink(paths[i].path);
  unlink(link_path);
  unlink(dangling_path);
  rmdir(dir_path);
  rmdir(tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *base = getenv("TMPDIR");
  int i;
  (void)argc;
  (void)argv;
  page = pmmf_page_size();
  trace = getenv("PMMF_FUZZ_TRACE") != NULL;
  if (page < 4096 || MAX_SIZE / page + 2 > sizeof paths[0].b.page_seq / sizeof(uint64_t))
    die("page size %zu not handled", page);
  snprintf(tmpdir, sizeof tmpdir, "%s/pmmf-fuzz-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir))
    die("cannot create a temporary directory in %s", base);
  for (i = 0; i < NPATHS; i++)
    snprintf(paths[i].path, sizeof paths[i].path, "%s/file%d.bin", tmpdir, i);
  snprintf(dir_path, sizeof dir_path, "%s/dir", tmpdir);
  snprintf(missing_path, sizeof missing_path, "%s/missing/file.bin", tmpdir);
  snprintf(link_path, sizeof link_path, "%s/link.bin", tmpdir);
  snprintf(dangling_path, sizeof dangling_path, "%s/dangling.bin", tmpdir);
  snprintf(nowhere_path, sizeof nowhere_path, "%s/nowhere.bin", tmpdir);
  if (symlink(paths[0].path, link_path) != 0 || symlink(nowhere_path, dangling_path) != 0)
    die("cannot create the symbolic links in %s", tmpdir);
  if (mkdir(dir_path, 0700) != 0)
    die("cannot create %s", dir_path);
  atexit(remove_tmpdir);
  if (pmmf_map_anonymous(&probe_map, MAX_SIZE + 4 * G, 0) != PMMF_OK)
    die("cannot create the probe map");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  unsigned steps = 0;
  in_p = data;
  in_n = size;
  rng = u32();
  reset();
  /* What the process holds before: libFuzzer opens descriptors of its own. */
  base_fds = count_fds();
  base_mappings = count_mappings();
  while (in_n > 0 && steps++ < 200) {
    switch (u8() % 20) {
    case 0:
    case 1:
      op_file_open();
      break;
    case 2:
      op_file_close();
      break;
    case 3:
      op_file_size();
      break;
    case 4:
      op_file_resize();
      break;
    case 5:
    case 6:
      op_map_file();
      break;
    case 7:
      if (u8() % 4 == 0)
        op_map_grow();
      else
        op_map_anonymous();
      break;
    case 8:
      op_map_close();
      break;
    case 9:
    case 10:
      op_view_map(0);
      break;
    case 11:
      op_view_map(1);
      break;
    case 12:
      op_view_unmap();
      break;
    case 13:
      switch (u8() % 3) {
      case 0:
        op_view_flush();
        break;
      case 1:
        op_view_advise();
        break;
      default:
        op_view_protect();
        break;
      }
      break;
    case 14:
    case 15: {
      int write = (int)(u8() & 1);
      op_view_copy(write, (int)(u8() & 1));
      break;
    }
    case 16:
      op_window_open();
      break;
    case 17:
      op_window_get();
      break;
    case 18:
      op_window_close();
      break;
    default:
      op_check();
      break;
    }
  }
  close_everything();
  {
    int i;
    for (i = 0; i < NPATHS; i++)
      check_file(i, "end of input");
  }
  CHECK(pmmf__alloc_live() == 1, "%ld library allocations left (the probe map is 1)",
        pmmf__alloc_live());
  CHECK(count_fds() == base_fds, "descriptors: %ld, %ld before", count_fds(), base_fds);
  CHECK(count_mappings() == base_mappings, "mappings: %ld, %ld before", count_mappings(),
        base_mappings);
  return 0;
}
