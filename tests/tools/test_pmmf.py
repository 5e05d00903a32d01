#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_pmmf.py - the pmmf command-line tool, command by command (TAP).

Runs tools/pmmf (through Wine for a Windows build) on files this script
writes itself, and checks standard output byte for byte, the messages on
standard error (status names) and the documented exit codes:
0 success, 1 a libportmmf call failed, 2 bad command line, 3 standard output
could not be written, 4 no benchmark program, 5 fill found the file system
full.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from pmmftest import Program, Skip, expect, pattern, run_in_scratch  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--tool", required=True)
p.add_argument("--backend", required=True)
p.add_argument("--version", required=True)
p.add_argument("--workdir", required=True)
p.add_argument("--wrapper", default="")
p.add_argument("--doc", default="", help="docs/tool.md, whose usage block must match --help")
ARGS = p.parse_args()
IS_WIN = ARGS.backend == "win32"
TOOL = Program(ARGS.tool, ARGS.wrapper)
EXE_WIN = TOOL.windows_on_host

EXIT_OK, EXIT_STATUS, EXIT_USAGE, EXIT_OUTPUT, EXIT_NO_BENCH, EXIT_NO_SPACE = 0, 1, 2, 3, 4, 5


def in_work(name):
    """A path in the scratch directory, the tool's working directory."""
    return os.path.join(TOOL.cwd, name)


def pmmf(*args, env=None, stdout=None):
    """Run the tool in the work directory: (exit code, stdout bytes, stderr text)."""
    return TOOL.run(*args, env=env, stdout=stdout)


def hexdump_c(data, start):
    """What `hexdump -C` prints for `data` found at offset `start` (no squeezing)."""
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        cells = ""
        for j in range(16):
            if j == 8:
                cells += " "
            cells += " %02x" % chunk[j] if j < len(chunk) else "   "
        text = "".join(chr(b) if 0x20 <= b < 0x7f else "." for b in chunk)
        lines.append("%08x %s  |%s|\n" % (start + i, cells, text))
    if data:
        lines.append("%08x\n" % (start + len(data)))
    return "".join(lines).encode()


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def expect_exit(got, want, err=""):
    expect(got == want, "exit code %d, expected %d; stderr: %s" % (got, want, err.strip()))


# --- help and command line ---------------------------------------------------

@case
def help_lists_commands_and_exit_codes():
    rc, out, err = pmmf("--help")
    expect_exit(rc, EXIT_OK, err)
    text = out.decode()
    for word in ("usage: pmmf", "info", "cat FILE [OFFSET [LENGTH]]", "hexdump", "fill FILE SIZE",
                 "bench", "Exit codes:", "PMMF_E_NOT_FOUND"):
        expect(word in text, "--help lacks %r" % word)
    expect(err == "", "--help wrote to stderr: %r" % err)


@case
def help_matches_docs():
    if not ARGS.doc:
        raise Skip("no --doc given")
    text = open(ARGS.doc, encoding="utf-8").read()
    marker = "<!-- pmmf --help -->\n```text\n"
    expect(marker in text, "docs/tool.md has no usage block")
    block = text.split(marker, 1)[1].split("```", 1)[0]
    rc, out, err = pmmf("--help")
    expect(out.decode() == block, "docs/tool.md's usage block differs from pmmf --help")


@case
def man_page_matches_help():
    # docs/pmmf.1 (installed as pmmf(1)) names every command and exit code
    # that --help lists.
    if not ARGS.doc:
        raise Skip("no --doc given")
    man = open(os.path.join(os.path.dirname(ARGS.doc), "pmmf.1"), encoding="utf-8").read()
    man = man.replace("\\-", "-")
    rc, out, err = pmmf("--help")
    text = out.decode().replace("\r\n", "\n")
    commands = [line.split()[0] for line in text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
                .splitlines() if line.startswith("  ") and not line.startswith("    ")]
    expect(len(commands) >= 6, "no commands found in --help: %r" % commands)
    for cmd in commands:
        word = cmd.rstrip(",")
        expect(("B %s" % word) in man or ("BR %s" % word) in man or ("BI %s" % word) in man,
               "pmmf.1 does not describe %r" % word)
    codes = [line.split()[0] for line in text.split("Exit codes:\n", 1)[1].splitlines()
             if line.startswith("  ") and line.split()[0].isdigit()]
    for code in codes:
        expect(".B %s\n" % code in man, "pmmf.1 lacks exit code %s" % code)
    expect(codes == [str(i) for i in range(len(codes))], "exit codes %r" % codes)


@case
def no_command_is_usage_error():
    rc, out, err = pmmf()
    expect_exit(rc, EXIT_USAGE, err)
    expect("usage: pmmf" in err and out == b"", "usage not on stderr")


@case
def unknown_command_is_usage_error():
    rc, out, err = pmmf("frobnicate")
    expect_exit(rc, EXIT_USAGE, err)
    expect("unknown command 'frobnicate'" in err, err)


@case
def bad_numbers_are_usage_errors():
    write("small.bin", b"abc")
    for args in (("cat", "small.bin", "xyz"), ("cat", "small.bin", "1", "2Q"),
                 ("hexdump", "small.bin", "0x"), ("fill", "f.bin", "-1"),
                 ("fill", "f.bin", "10", "256"), ("fill", "f.bin"),
                 ("cat",), ("cat", "a", "1", "2", "3"), ("info", "extra")):
        rc, out, err = pmmf(*args)
        expect_exit(rc, EXIT_USAGE, err)
        expect("pmmf: " + args[0] in err, "no message for %s: %r" % (args, err))
    expect(not os.path.exists(in_work("f.bin")), "a refused fill created its file")


@case
def version_option():
    rc, out, err = pmmf("--version")
    expect_exit(rc, EXIT_OK, err)
    expect(out.decode() == "pmmf %s\n" % ARGS.version, out)


# --- info --------------------------------------------------------------------

@case
def info_reports_backend_geometry_version():
    rc, out, err = pmmf("info")
    expect_exit(rc, EXIT_OK, err)
    info = dict(line.split(": ", 1) for line in out.decode().splitlines())
    expect(info.get("version") == ARGS.version, info)
    expect(info.get("backend") == ARGS.backend, info)
    page = int(info["page-size"])
    gran = int(info["granularity"])
    expect(page > 0 and page & (page - 1) == 0, "page size %d" % page)
    if IS_WIN:
        expect(gran == 65536, "Windows granularity %d" % gran)
    else:
        expect(page == os.sysconf("SC_PAGE_SIZE"), "page size %d, sysconf says %d"
               % (page, os.sysconf("SC_PAGE_SIZE")))
        expect(gran == page, "POSIX granularity %d != page size %d" % (gran, page))
    expect(info.get("portable-granularity") == "65536", info)
    expect(info.get("pointer-bits") in ("32", "64"), info)
    return "%s, page %d, granularity %d, %s-bit" % (info["backend"], page, gran,
                                                    info["pointer-bits"])


# --- cat -----------------------------------------------------------------------

def write(name, data):
    with open(in_work(name), "wb") as f:
        f.write(data)


def read(name):
    with open(in_work(name), "rb") as f:
        return f.read()


@case
def cat_whole_and_ranges():
    data = pattern(200003, 1)
    write("data.bin", data)
    checks = [((), data), (("0",), data), (("99999",), data[99999:]),
              (("65535", "70000"), data[65535:65535 + 70000]), (("0x10", "0x20"), data[16:48]),
              (("1K", "1K"), data[1024:2048]), (("200003",), b""), (("200000", "3"), data[200000:])]
    for extra, want in checks:
        rc, out, err = pmmf("cat", "data.bin", *extra)
        expect_exit(rc, EXIT_OK, err)
        expect(out == want, "cat data.bin %s: %d bytes, expected %d" % (" ".join(extra), len(out),
                                                                         len(want)))
        expect(err == "", "stderr not empty (progress on a pipe?): %r" % err)


@case
def cat_large_file_across_views():
    # More than two of the tool's 16 MiB views, unaligned start.
    data = pattern((33 << 20) + 12345, 2)
    write("large.bin", data)
    rc, out, err = pmmf("cat", "large.bin", "4097")
    expect_exit(rc, EXIT_OK, err)
    expect(out == data[4097:], "33 MiB cat differs (%d bytes back)" % len(out))
    expect(err == "", "stderr not empty on a pipe: %r" % err)


@case
def cat_empty_file():
    write("empty.bin", b"")
    rc, out, err = pmmf("cat", "empty.bin")
    expect_exit(rc, EXIT_OK, err)
    expect(out == b"", out)
    rc, out, err = pmmf("cat", "empty.bin", "1")
    expect_exit(rc, EXIT_STATUS, err)
    expect("PMMF_E_RANGE" in err, err)


@case
def cat_missing_file_is_not_found():
    rc, out, err = pmmf("cat", "no-such-file.bin")
    expect_exit(rc, EXIT_STATUS, err)
    expect("PMMF_E_NOT_FOUND" in err and "no-such-file.bin" in err, err)
    expect(out == b"", out)
    return err.strip()


@case
def cat_beyond_end_is_range():
    write("ten.bin", b"0123456789")
    for extra in (("11",), ("5", "6"), ("10", "1")):
        rc, out, err = pmmf("cat", "ten.bin", *extra)
        expect_exit(rc, EXIT_STATUS, err)
        expect("PMMF_E_RANGE" in err, err)
        expect(out == b"", out)


@case
def cat_directory_is_invalid():
    os.makedirs(in_work("adir"), exist_ok=True)
    rc, out, err = pmmf("cat", "adir")
    expect_exit(rc, EXIT_STATUS, err)
    expect("PMMF_E_INVALID" in err, err)


@case
def cat_output_error():
    if EXE_WIN or not os.path.exists("/dev/full"):
        raise Skip("needs /dev/full as standard output (native POSIX only)")
    write("ten.bin", b"0123456789")
    with open("/dev/full", "wb") as full:
        rc, out, err = pmmf("cat", "ten.bin", stdout=full)
    expect_exit(rc, EXIT_OUTPUT, err)
    expect("cannot write standard output" in err, err)


# --- hexdump -------------------------------------------------------------------

@case
def hexdump_layout():
    data = b"hello, libportmmf\x00\x01\x7f\xff" + bytes(range(0x20, 0x50)) + b"\n tail"
    write("hex.bin", data)
    for extra, start, want in (((), 0, data), (("5", "20"), 5, data[5:25]),
                               (("0x10",), 16, data[16:]), (("3", "0"), 3, b"")):
        rc, out, err = pmmf("hexdump", "hex.bin", *extra)
        expect_exit(rc, EXIT_OK, err)
        expected = hexdump_c(want, start)
        expect(out == expected, "hexdump %s:\n%s\nexpected:\n%s" % (
            " ".join(extra), out.decode(errors="replace"), expected.decode()))
    system = shutil.which("hexdump")
    if system and not EXE_WIN:
        sys_out = subprocess.run([system, "-C", in_work("hex.bin")],
                                 stdout=subprocess.PIPE, check=True).stdout
        expect(sys_out == hexdump_c(data, 0), "the system's hexdump -C disagrees")
        return "matches %s -C" % system


@case
def hexdump_missing_and_empty():
    rc, out, err = pmmf("hexdump", "no-such-file.bin")
    expect_exit(rc, EXIT_STATUS, err)
    expect("PMMF_E_NOT_FOUND" in err, err)
    write("empty.bin", b"")
    rc, out, err = pmmf("hexdump", "empty.bin")
    expect_exit(rc, EXIT_OK, err)
    expect(out == b"", out)


# --- fill ------------------------------------------------------------------------

@case
def fill_new_file():
    rc, out, err = pmmf("fill", "fill.bin", "100000", "0x41")
    expect_exit(rc, EXIT_OK, err)
    expect(read("fill.bin") == b"A" * 100000, "fill.bin is not 100000 'A'")
    expect(out == b"" and err == "", (out, err))


@case
def fill_replaces_and_defaults_to_zero():
    write("fill2.bin", pattern(300000, 3))
    rc, out, err = pmmf("fill", "fill2.bin", "4K")
    expect_exit(rc, EXIT_OK, err)
    expect(read("fill2.bin") == bytes(4096), "fill2.bin is not 4096 zero bytes")


@case
def fill_zero_size_and_across_views():
    rc, out, err = pmmf("fill", "zero.bin", "0", "255")
    expect_exit(rc, EXIT_OK, err)
    expect(read("zero.bin") == b"", "zero.bin not empty")
    size = (40 << 20) + 3
    rc, out, err = pmmf("fill", "big.bin", str(size), "0x5a")
    expect_exit(rc, EXIT_OK, err)
    expect(os.path.getsize(in_work("big.bin")) == size, "big.bin size")
    expect(read("big.bin") == b"\x5a" * size, "big.bin content")
    expect(err == "", "stderr not empty on a pipe: %r" % err)


@case
def fill_in_missing_directory_is_not_found():
    rc, out, err = pmmf("fill", os.path.join("no-such-dir", "f.bin"), "10")
    expect_exit(rc, EXIT_STATUS, err)
    expect("PMMF_E_NOT_FOUND" in err, err)


@case
def fill_on_a_full_file_system():
    # A 1 MiB tmpfs, mounted here when running as root: filling 4 MiB must end
    # with a status and exit code 5 (PMMF_E_NO_SPACE: growth reserves the
    # storage), never SIGBUS, and leave no partial file behind.
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise Skip("mounting a small tmpfs needs root")
    mnt = in_work("full-fs")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        raise Skip("mount -t tmpfs failed (no privilege to mount here)")
    try:
        target = os.path.join(mnt, "fill.bin")
        rc, out, err = pmmf("fill", TOOL.host_path(target), "4M", "0x41")
        expect(rc >= 0, "fill was killed by signal %d; stderr: %s" % (-rc, err.strip()))
        if IS_WIN:
            # Wine extends files with ftruncate (sparse): the full disk shows
            # when a page is written, as PMMF_E_IO from the guarded write.
            expect(rc in (EXIT_NO_SPACE, EXIT_STATUS), "exit code %d: %s" % (rc, err))
        else:
            expect_exit(rc, EXIT_NO_SPACE, err)
            expect("PMMF_E_NO_SPACE" in err, err)
        expect("removed" in err, err)
        expect(not os.path.exists(target), "a failed fill left %s behind" % target)
        # An existing file is left empty, not partial.
        with open(target, "wb") as f:
            f.write(b"x" * 1000)
        rc, out, err = pmmf("fill", TOOL.host_path(target), "4M", "0x41")
        expect(rc in (EXIT_NO_SPACE, EXIT_STATUS), "exit code %d: %s" % (rc, err))
        expect(os.path.getsize(target) == 0, "a failed fill left %d bytes" % os.path.getsize(target))
    finally:
        subprocess.run(["umount", "-l", mnt])


def run_with_terminal_stderr(*args):
    """Run the tool natively with stderr on a pseudo-terminal and stdout on
    a pipe: (exit code, stdout bytes, what reached the terminal)."""
    import pty
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(TOOL.command(*args), cwd=TOOL.cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out = proc.stdout.read()
        proc.wait(timeout=300)
        chunks = []
        while True:
            try:
                got = os.read(master, 65536)
            except OSError:      # EIO: nothing more, the other end is closed
                break
            if not got:
                break
            chunks.append(got)
        return proc.returncode, out, b"".join(chunks).decode(errors="replace")
    finally:
        os.close(master)


@case
def progress_only_on_a_terminal():
    if EXE_WIN:
        raise Skip("Wine does not present a Unix pseudo-terminal to GetConsoleMode as a "
                   "console; checked natively only")
    try:
        import pty  # noqa: F401
    except ImportError:
        raise Skip("no pseudo-terminals here (Python's pty module)")
    rc, out, tty = run_with_terminal_stderr("fill", "tty.bin", "20M", "1")
    expect_exit(rc, EXIT_OK, tty)
    expect("pmmf: fill: 100% (20 of 20 MiB)" in tty, "no fill progress on a terminal: %r" % tty)
    rc, out, tty = run_with_terminal_stderr("cat", "tty.bin")
    expect_exit(rc, EXIT_OK, tty)
    expect(out == b"\x01" * (20 << 20), "cat output differs")
    expect("pmmf: cat: 100% (20 of 20 MiB)" in tty, "no cat progress on a terminal: %r" % tty)
    # Below 16 MiB: quiet even on a terminal.
    rc, out, tty = run_with_terminal_stderr("fill", "small-tty.bin", "1M")
    expect_exit(rc, EXIT_OK, tty)
    expect(tty == "", "progress for 1 MiB: %r" % tty)


# --- bench ------------------------------------------------------------------------

@case
def bench_missing_program():
    rc, out, err = pmmf("bench", env={"PMMF_BENCH": TOOL.host_path(in_work("nope"))})
    expect_exit(rc, EXIT_NO_BENCH, err)
    expect("not an executable file" in err, err)


@case
def bench_runs_program_with_arguments():
    # PMMF_BENCH names the tool itself: `pmmf bench info` must run `pmmf info`
    # and `pmmf bench cat MISSING` must pass its exit code through.
    if TOOL.emulated:
        raise Skip("the tool starts PMMF_BENCH by exec, and qemu-user (without binfmt_misc) "
                   "cannot exec a program of its target CPU")
    env = {"PMMF_BENCH": TOOL.host_path(os.path.abspath(ARGS.tool))}
    rc, out, err = pmmf("bench", "info", env=env)
    expect_exit(rc, EXIT_OK, err)
    expect(out.decode().startswith("version: %s\n" % ARGS.version), out)
    rc, out, err = pmmf("bench", "cat", "no such file.bin", env=env)
    expect_exit(rc, EXIT_STATUS, err)
    expect("no such file.bin" in err and "PMMF_E_NOT_FOUND" in err, err)


# --- probe -------------------------------------------------------------------

PROBE_ROWS = ("backend", "system", "page size", "allocation granularity", "file system of DIR",
              "sparse files", "fallocate", "MAP_POPULATE", "MAP_FIXED_NOREPLACE",
              "shrinking a mapped file", "shared-memory namespace", "PrefetchVirtualMemory",
              "placeholders (VirtualAlloc2, MapViewOfFile3)", "pmmf_page_size()",
              "pmmf_granularity()", "pmmf_large_page_size()",
              "library growth (pmmf_file_resize, reserving)",
              "library growth (PMMF_OPEN_SPARSE)", "PMMF_MAP_LARGE_PAGES (4 MiB anonymous)")


def probe_table(*args):
    rc, out, err = pmmf("probe", *args)
    expect_exit(rc, EXIT_OK, err)
    lines = out.decode().replace("\r\n", "\n").splitlines()
    expect(lines[0].startswith("pmmf probe of ") and "| Fact | This system |" in lines,
           "no table: %r" % lines[:3])
    rows = {}
    for line in lines[lines.index("| Fact | This system |") + 2:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        expect(line.startswith("| ") and line.endswith(" |") and len(cells) == 2,
               "not a table row: %r" % line)
        expect(cells[0] not in rows, "row %r twice" % cells[0])
        rows[cells[0]] = cells[1]
    return rows


@case
def probe_prints_plausible_table():
    before = sorted(os.listdir(TOOL.cwd))
    rows = probe_table(".")
    for name in PROBE_ROWS:
        expect(name in rows, "probe lacks row %r" % name)
    rc, out, err = pmmf("info")
    info = dict(line.split(": ", 1) for line in out.decode().splitlines())
    expect(rows["backend"] == ARGS.backend, rows["backend"])
    # The native measurements agree with what the library reports.
    expect(rows["page size"] == info["page-size"] == rows["pmmf_page_size()"], rows)
    expect(rows["allocation granularity"].split()[0] == info["granularity"]
           == rows["pmmf_granularity()"], rows)
    large = int(rows["pmmf_large_page_size()"])
    expect(large == 0 or (large & (large - 1) == 0 and large >= int(info["page-size"])),
           "large page size %d" % large)
    got = rows["PMMF_MAP_LARGE_PAGES (4 MiB anonymous)"]
    expect(got in ("normal pages", "reserved large pages", "transparent huge pages"), got)
    expect((got == "normal pages") == (large == 0), "large page size %d but the map got %s"
           % (large, got))
    reserved = rows["library growth (pmmf_file_resize, reserving)"].split()
    expect(reserved[0].isdigit() and int(reserved[0]) >= 16 << 20 and reserved[2] == "16777216",
           "reserving growth: %r" % reserved)
    expect(rows["sparse files"].split()[0] in ("yes", "no"), rows["sparse files"])
    if IS_WIN:
        expect(rows["shrinking a mapped file"].startswith("refused"), rows)
        expect(rows["shared-memory namespace"].startswith("Local\\"), rows)
        expect(rows["PrefetchVirtualMemory"] in ("yes", "no"), rows)
        expect(rows["placeholders (VirtualAlloc2, MapViewOfFile3)"] in ("yes", "no"), rows)
        expect("GetLargePageMinimum" in rows.get("huge pages (large pages)", ""), rows)
    else:
        expect(rows["shrinking a mapped file"].startswith("allowed; a touch beyond the new end"),
               rows["shrinking a mapped file"])
        if sys.platform.startswith("linux") and not TOOL.emulated:
            expect("SIGBUS" in rows["shrinking a mapped file"], rows["shrinking a mapped file"])
        expect(rows["MAP_POPULATE"].split()[0] in ("yes", "no"), rows)
        expect(rows["MAP_FIXED_NOREPLACE"].split()[0] in ("yes", "no"), rows)
        expect("KiB pages" in rows.get("huge pages (hugetlb)", "KiB pages"), rows)
    expect(sorted(os.listdir(TOOL.cwd)) == before, "probe left files behind")
    return "%d rows; sparse %s; shrink: %s" % (len(rows), rows["sparse files"].split()[0],
                                                 rows["shrinking a mapped file"])


@case
def probe_default_dir_and_errors():
    rows = probe_table()
    expect(rows["backend"] == ARGS.backend, rows)
    rc, out, err = pmmf("probe", "a", "b")
    expect_exit(rc, EXIT_USAGE, err)
    expect("pmmf: probe" in err, err)
    rc, out, err = pmmf("probe", "no such dir")
    expect_exit(rc, EXIT_STATUS, err)
    expect("PMMF_E_NOT_FOUND" in err, err)


if __name__ == "__main__":
    sys.exit(run_in_scratch(TOOL, ARGS.workdir, "tools-", CASES))
