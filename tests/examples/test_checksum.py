#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_checksum.py - examples/checksum prints what cksum prints (TAP).

Files of several sizes, from empty to a sparse file of more than 4 GiB
(larger than a 32-bit process's address space: the i386 build reads it
through its 16 MiB sliding window), each compared with the system's `cksum`
(and the small ones with this script's own CRC as well). While the build's
pmmf_window_open answers PMMF_E_UNSUPPORTED, every case is skipped with that
reason.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from pmmftest import Skip, expect, pattern, program_from_args, run_in_scratch  # noqa: E402

ARGS, CHECKSUM = program_from_args(("--pointer-bits", {"type": int, "required": True}))
GIB = 1 << 30


def crc_cksum(data):
    """POSIX cksum, straight from its definition (for small files)."""
    crc = 0
    length = len(data)
    tail = bytearray()
    while length:
        tail.append(length & 0xff)
        length >>= 8
    for byte in bytes(data) + bytes(tail):
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xffffffff
    return crc ^ 0xffffffff


def system_cksum(name):
    exe = shutil.which("cksum")
    if not exe:
        return None
    return subprocess.run([exe, name], cwd=CHECKSUM.cwd, stdout=subprocess.PIPE,
                          check=True).stdout.decode()


def compare(name, own_reference=None):
    rc, out, err = CHECKSUM.run(name, timeout=900)
    expect(rc == 0, "checksum %s exited %d: %s" % (name, rc, err.strip()))
    got = out.decode().replace("\r\n", "\n")   # a Windows program's text mode
    size = os.path.getsize(os.path.join(CHECKSUM.cwd, name))
    if own_reference is not None:
        want = "%d %d %s\n" % (own_reference, size, name)
        expect(got == want, "checksum printed %r, the CRC definition gives %r" % (got, want))
    want = system_cksum(name)
    if want is None and own_reference is None:
        raise Skip("no cksum program to compare with")
    if want is not None:
        expect(got == want, "checksum printed %r, cksum %r" % (got, want))
    return got.strip() + (" (same as cksum)" if want is not None else "")


def make_case(name, data):
    def case():
        with open(os.path.join(CHECKSUM.cwd, name), "wb") as f:
            f.write(data)
        return compare(name, crc_cksum(data) if len(data) <= 100000 else None)
    case.title = "%s (%d bytes)" % (name, len(data))
    return case


def sparse_file_above_4_gib():
    name = "sparse-4g.bin"
    path = os.path.join(CHECKSUM.cwd, name)
    size = 4 * GIB + 4099
    with open(path, "wb") as f:
        f.truncate(size)
        for offset, data in ((0, b"head"), (GIB + 5, b"one GiB"), (4 * GIB - 3, b"straddles 4 GiB"),
                             (size - 4, b"tail")):
            f.seek(offset)
            f.write(data)
    try:
        st = os.stat(path)
        if getattr(st, "st_blocks", 0) * 512 > 64 << 20:
            raise Skip("this file system does not keep the file sparse")
        detail = compare(name)
        if ARGS.pointer_bits == 32:
            detail += "; larger than this 32-bit process's address space"
        return detail
    finally:
        os.remove(path)


sparse_file_above_4_gib.title = "sparse file of 4 GiB + 4099 bytes"



CASES = [make_case("empty.bin", b""), make_case("one.bin", b"\x80"),
         make_case("page-1.bin", pattern(4095, 1)), make_case("64k+1.bin", pattern(65537, 2)),
         make_case("window.bin", pattern(16 << 20, 3)),
         make_case("window+3m.bin", pattern((19 << 20) + 3, 4)), sparse_file_above_4_gib]

if __name__ == "__main__":
    sys.exit(run_in_scratch(CHECKSUM, ARGS.workdir, "checksum-", CASES))
