#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make_seeds.py - write the seed corpus of fuzz_api and fuzz_names.

    fuzz/make_seeds.py            (re)writes fuzz/corpus/fuzz_api/*, fuzz_names/*

fuzz_api reads its input as a stream of bytes (see fuzz_api.c: an operation
byte, then the bytes that operation reads, in the order it reads them). The
helpers below spell out a few meaningful programs in that encoding, so that
fuzzing starts from whole lifecycles rather than from noise. Regenerate them
when the harness's encoding changes; stale seeds still work, only less well.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

NOARM = 1          # maybe_arm(): any byte with b % 6 != 5
ARM = 5            # ... then a skip byte and a kind byte
READ, WRITE, COPY = 0, 1, 2          # pick_access() bytes
O_READ, O_WRITE, O_CREATE, O_CREATE_NEW, O_TRUNCATE, O_EXCL = 1, 2, 4, 8, 16, 32


def u32(v):
    return list(struct.pack("<I", v))


def size_exact(v):         # pick_size(): "default" choice with a 32-bit value
    return [9] + u32(v)


def size_around():         # pick_size(): the size it was given
    return [2]


def rng_start():
    return u32(0x12345678)


def file_open(path, flags, arm=NOARM):
    return [0, path, flags, 1, 1, arm]


def file_close(sel=0):
    return [2, sel, NOARM]


def file_size(sel=0):
    return [3, sel, 1, NOARM]


def file_resize(size, sel=0):
    return [4, sel] + size_exact(size) + [NOARM]


def map_file(access, grow, size_bytes, sel=0):
    return [5, sel, access, 1, grow] + size_bytes + [NOARM]


def map_anonymous(size):
    return [7] + list(struct.pack("<H", size)) + size_around() + [1, NOARM]


def map_close(sel=0):
    return [8, sel, NOARM]


def rng_offset(offset, length):   # pick_range(): explicit offset, then length
    off = [4] + u32(offset) if offset else [0]
    ln = [4] + u32(length - 1) if length else [0]
    return off + ln


def view_map(access, offset, length, populate=0, sel=0):
    return [9, sel, access, 1, populate] + rng_offset(offset, length) + [NOARM]


def view_map_at_free(access, offset, length, sel=0):
    # aligned offset (1 % 4 != 0), then pick_base() kind 4: a free range
    return [11, sel, access, 1, 0] + rng_offset(offset, length) + [1, 4, NOARM]


def view_unmap(sel=0):
    return [12, sel, NOARM]


def flush(sync, sel=0):
    return [13, 0, sel, 1, sync, 0, 0, NOARM]


def advise(advice, sel=0):
    return [13, 1, sel, advice + 1, 0, 0, NOARM]


def protect(access, sel=0):
    return [13, 2, sel, access, NOARM]


def copy(write, direct, offset, length, sel=0):
    out = [14, write, direct, sel] + rng_offset(offset, length) + [1]
    if not direct:
        out += ([1] if write else []) + [NOARM]
    return out


def window_open(access, size, sel=0):
    return [16, sel, access] + size_exact(size) + [NOARM]


def window_get(offset, length, sel=0):
    return [17, sel] + rng_offset(offset, length) + [NOARM]


def window_close(sel=0):
    return [18, sel, NOARM]


def check(sel=0, path=0):
    return [19, sel, path]


API = {
    "file-lifecycle": rng_start()
    + file_open(0, O_WRITE | O_CREATE)
    + file_resize(100000)
    + file_size()
    + map_file(WRITE, 0, [0])
    + view_map(WRITE, 4097, 70000)
    + copy(1, 0, 10, 5000)
    + copy(0, 1, 0, 6000)
    + flush(1)
    + protect(READ)
    + copy(1, 0, 0, 10)
    + protect(WRITE)
    + advise(3)
    + view_map(COPY, 65535, 0)
    + copy(1, 1, 100, 200)
    + check()
    + view_unmap()
    + map_close()
    + view_unmap()
    + file_close(),
    "grow-and-copy-map": rng_start()
    + file_open(2, O_WRITE | O_CREATE)
    + map_file(WRITE, 1, size_exact(65537))
    + view_map(WRITE, 0, 0, populate=1)
    + copy(1, 1, 65000, 537)
    + view_unmap()
    + map_close()
    + file_open(2, O_READ)
    + map_file(COPY, 0, [0], sel=1)
    + view_map(COPY, 1, 0)
    + view_map(READ, 4096, 8192, sel=1)
    + copy(1, 0, 4095, 3)
    + check(),
    "exclusive-and-truncate": rng_start()
    + file_open(1, O_WRITE | O_CREATE | O_EXCL)
    + file_open(1, O_READ)
    + file_open(1, O_WRITE | O_CREATE_NEW)
    + file_resize(5000)
    + file_close()
    + file_open(1, O_WRITE | O_TRUNCATE)
    + file_size(),
    "anonymous-fixed": rng_start()
    + map_anonymous(50000)
    + view_map_at_free(WRITE, 0, 40000)
    + copy(1, 1, 0, 40000)
    + view_map(READ, 12345, 100)
    + copy(0, 0, 0, 100, sel=1)
    + map_close()
    + view_unmap(),
    "window": rng_start()
    + map_anonymous(60000)
    + window_open(WRITE, 8192)
    + window_get(100, 4000)
    + window_get(50000, 8192)
    + window_close()
    + map_close(),
    "faults": rng_start()
    + file_open(0, O_WRITE | O_CREATE, arm=ARM) + [1, 0]
    + file_open(0, O_WRITE | O_CREATE)
    + map_file(WRITE, 1, size_exact(70000))[:-1] + [ARM, 0, 2]
    + map_file(WRITE, 1, size_exact(70000))
    + view_map(WRITE, 3, 0)[:-1] + [ARM, 0, 1]
    + view_map(WRITE, 3, 0)
    + view_unmap()[:-1] + [ARM, 0, 2],
}

NAMES = {
    "valid-short": b"a",
    "valid-30": b"012345678901234567890123456789",
    "valid-dots": b"...",
    "valid-mixed": b"pmmf-test.1_A",
    "dot": b".",
    "dotdot": b"..",
    "slash": b"a/b",
    "leading-slash": b"/abc",
    "too-long": b"0123456789012345678901234567890",
    "utf8": "caf\u00e9".encode(),
    "space": b"a b",
    "empty": b"",
}


def main():
    api_dir = os.path.join(HERE, "corpus", "fuzz_api")
    names_dir = os.path.join(HERE, "corpus", "fuzz_names")
    for d in (api_dir, names_dir):
        os.makedirs(d, exist_ok=True)
    for name, prog in API.items():
        with open(os.path.join(api_dir, name), "wb") as f:
            f.write(bytes(b & 0xFF for b in prog))
    # fuzz_names: access, mode, 8 bytes of size, then the name.
    for name, value in NAMES.items():
        with open(os.path.join(names_dir, name), "wb") as f:
            f.write(bytes([2, 2]) + struct.pack("<Q", 4096) + value)
    with open(os.path.join(names_dir, "create-only-size-0"), "wb") as f:
        f.write(bytes([2, 1]) + struct.pack("<Q", 0) + b"abc")


if __name__ == "__main__":
    main()
