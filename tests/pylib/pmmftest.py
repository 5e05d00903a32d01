# SPDX-License-Identifier: MIT
"""pmmftest.py - what the Python test drivers share (tests/tools,
tests/examples, tests/packaging, tests/docs): a TAP runner over a list of
cases, and running a program of the build (through Wine for a Windows build
made on a POSIX host) with its output captured in files.

Output goes to temporary files, not pipes: a wineserver started by the
program inherits its descriptors and lives on for seconds, and reading a
pipe to its end would wait for it.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile


class Skip(Exception):
    """Raised by a case that does not apply here; the message says why."""


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


def run_command(cmd, cwd=None, env=None, timeout=600):
    """Run a host command; return (exit code, stdout and stderr as one text)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    with tempfile.TemporaryFile() as out:
        proc = subprocess.run(cmd, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=out,
                              stderr=subprocess.STDOUT, timeout=timeout)
        out.seek(0)
        return proc.returncode, out.read().decode("utf-8", "replace")


class Program:
    """A program of the build, run directly or through `wrapper`: wine, or an
    emulator for another CPU (qemu-user, which takes its sysroot from
    QEMU_LD_PREFIX in the environment)."""

    def __init__(self, path, wrapper="", cwd=None):
        self.path = path
        self.wrapper = wrapper
        self.cwd = cwd

    @property
    def windows_on_host(self):
        """Whether this is a Windows program run from a POSIX host (Wine)."""
        return os.path.basename(self.wrapper).startswith("wine")

    @property
    def emulated(self):
        """Whether the program runs under an emulator for another CPU
        (qemu-user): it cannot start another program of its CPU by exec."""
        return bool(self.wrapper) and not self.windows_on_host

    def host_path(self, path):
        """A host path as the program sees it: Wine maps / to drive Z:."""
        return "Z:" + path.replace("/", "\\") if self.windows_on_host else path

    def command(self, *args):
        return ([self.wrapper] if self.wrapper else []) + [self.path] + [str(a) for a in args]

    def run(self, *args, env=None, stdout=None, timeout=300):
        """Run to the end; return (exit code, stdout bytes, stderr text)."""
        full_env = dict(os.environ)
        full_env.update(env or {})
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.run(self.command(*args), cwd=self.cwd, env=full_env,
                                  stdin=subprocess.DEVNULL, stdout=stdout or out, stderr=err,
                                  timeout=timeout)
            out.seek(0)
            err.seek(0)
            return proc.returncode, out.read(), err.read().decode("utf-8", "replace")

    def start(self, *args, stdout_path, stderr_path):
        """Start in the background, output into the named files."""
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            return subprocess.Popen(self.command(*args), cwd=self.cwd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err)


def run_cases(cases, plan_skip=None):
    """Run each case (a function returning an optional detail string) as one
    TAP test point, named by its `title` attribute or its function name;
    return the exit status. plan_skip: a reason to skip them
    all (printed as the TAP plan 1..0 # SKIP)."""
    if plan_skip:
        print("1..0 # SKIP " + plan_skip)
        return 0
    print("1..%d" % len(cases))
    failed = 0
    for i, fn in enumerate(cases, 1):
        name = getattr(fn, "title", None) or fn.__name__.replace("_", " ")
        try:
            detail = fn()
            print("ok %d - %s%s" % (i, name, ": " + detail if detail else ""))
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (i, name, e))
        except Exception as e:      # report it and go on with the next case
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in ("%s: %s" % (type(e).__name__, e)).splitlines():
                print("# " + line)
        sys.stdout.flush()
    return 1 if failed else 0


def pattern(n, seed):
    """n reproducible bytes in which every byte value occurs."""
    out = bytearray()
    block = seed.to_bytes(4, "little")
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


def program_from_args(*extra):
    """Parse --exe, --workdir, --wrapper and the extra (flag, kwargs) options;
    return (options, Program)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--wrapper", default="")
    for flag, kwargs in extra:
        parser.add_argument(flag, **kwargs)
    args = parser.parse_args()
    return args, Program(args.exe, args.wrapper)


def run_in_scratch(program, workdir, prefix, cases, probe=None):
    """Run the cases with a fresh directory under `workdir` as the program's
    working directory (removed afterwards); `probe` may return a reason to
    skip them all. Returns the exit status."""
    os.makedirs(workdir, exist_ok=True)
    program.cwd = tempfile.mkdtemp(prefix=prefix, dir=workdir)
    try:
        return run_cases(cases, plan_skip=probe() if probe else None)
    finally:
        shutil.rmtree(program.cwd, ignore_errors=True)
