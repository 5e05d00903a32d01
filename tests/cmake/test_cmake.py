#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_cmake.py - libportmmf consumed by CMake projects, each way (TAP).

The root CMakeLists.txt builds the same sources as Meson (src/sources.txt).
This driver builds scratch consumer projects (tests/packaging/consumer.c,
linked to portmmf::portmmf and portmmf::portmmf_static) that take the
library by add_subdirectory(), by FetchContent (SOURCE_DIR, fully
disconnected: no network) and by find_package() against a `cmake --install`
staging prefix, then runs them (under Wine for the MinGW toolchain file);
consumers must get no test targets. Natively it also builds the conformance
suite with CMake and runs it with CTest.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
from pmmftest import Skip, run_cases, run_command  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--source-dir", required=True)
p.add_argument("--workdir", required=True)
p.add_argument("--version", required=True)
p.add_argument("--backend", required=True)
p.add_argument("--toolchain", default="", help="a CMake toolchain file (cross builds)")
p.add_argument("--wrapper", default="", help="runs host programs (wine)")
p.add_argument("--ctest", action="store_true", help="also build and run the suite with CTest")
ARGS = p.parse_args()
IS_WIN = ARGS.backend == "win32"
EXE = ".exe" if IS_WIN else ""
SRC = os.path.abspath(ARGS.source_dir)
WORK = ""

CONSUMER = """cmake_minimum_required(VERSION 3.16)
project(portmmf_cmake_consumer C)
%(take)s
add_executable(consumer_shared "%(src)s/tests/packaging/consumer.c")
target_link_libraries(consumer_shared PRIVATE portmmf::portmmf)
add_executable(consumer_static "%(src)s/tests/packaging/consumer.c")
target_link_libraries(consumer_static PRIVATE portmmf::portmmf_static)
"""


def run(cmd, cwd=None, env=None):
    rc, text = run_command(cmd, cwd=cwd, env=env)
    if rc != 0:
        raise RuntimeError("%s exited with %d:\n%s" % (" ".join(cmd), rc, text[-3000:]))
    return text


def configure(src, build, *extra):
    cmd = ["cmake", "-S", src, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
           "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror"]
    if ARGS.toolchain:
        cmd.append("-DCMAKE_TOOLCHAIN_FILE=" + ARGS.toolchain)
    run(cmd + list(extra))
    run(["cmake", "--build", build])


def run_consumer(exe, dll_dirs):
    env = {}
    if ARGS.wrapper:
        cmd = [ARGS.wrapper, exe]
        env["WINEPATH"] = ";".join("Z:" + d.replace("/", "\\") for d in dll_dirs)
        env["WINEDEBUG"] = "-all"
    else:
        cmd = [exe]
        env["LD_LIBRARY_PATH"] = os.pathsep.join(dll_dirs)
    out = run(cmd, env=env)
    want = "consumer: libportmmf %s, %s backend: ok" % (ARGS.version, ARGS.backend)
    if want not in out:
        raise RuntimeError("%s printed %r, expected %r" % (exe, out, want))


def no_test_targets(build):
    """A consumer builds the library only: none of its tests."""
    for root, _dirs, files in os.walk(build):
        for f in files:
            if re.match(r"test_[a-z_]+(\.exe)?$", f):
                raise RuntimeError("a consumer built libportmmf's test %s" % os.path.join(root, f))


def library_dirs(build):
    """Where the consumer's build put libportmmf's shared library or DLL."""
    pat = r"libportmmf-\d+\.dll$" if IS_WIN else r"libportmmf\.so\.\d+$"
    dirs = set()
    for root, _dirs, files in os.walk(build):
        if any(re.match(pat, f) for f in files):
            dirs.add(root)
    if not dirs:
        raise RuntimeError("no shared libportmmf in " + build)
    return sorted(dirs)


def consume(name, take, *extra):
    proj = os.path.join(WORK, name)
    os.makedirs(proj)
    with open(os.path.join(proj, "CMakeLists.txt"), "w") as f:
        f.write(CONSUMER % {"take": take, "src": SRC.replace("\\", "/")})
    build = os.path.join(proj, "build")
    configure(proj, build, *extra)
    no_test_targets(build)
    return build


def check_consumers(build, dll_dirs):
    run_consumer(os.path.join(build, "consumer_static" + EXE), [])
    run_consumer(os.path.join(build, "consumer_shared" + EXE), dll_dirs)


def add_subdirectory():
    build = consume("subdir", 'add_subdirectory("%s" portmmf)' % SRC.replace("\\", "/"))
    check_consumers(build, library_dirs(build))
    return "both targets, no tests built"


def fetchcontent():
    take = ("include(FetchContent)\n"
            'FetchContent_Declare(portmmf SOURCE_DIR "%s")\n'
            "FetchContent_MakeAvailable(portmmf)" % SRC.replace("\\", "/"))
    build = consume("fetch", take, "-DFETCHCONTENT_FULLY_DISCONNECTED=ON")
    check_consumers(build, library_dirs(build))
    return "SOURCE_DIR, fully disconnected"


def find_package():
    build = os.path.join(WORK, "lib-build")
    stage = os.path.join(WORK, "stage")
    configure(SRC, build, "-DPMMF_BUILD_TESTS=OFF", "-DCMAKE_INSTALL_PREFIX=" + stage)
    no_test_targets(build)
    run(["cmake", "--install", build])
    libdir = "lib"
    for cand in ("lib", "lib64") + tuple(os.path.join("lib", d) for d in
                                         os.listdir(os.path.join(stage, "lib"))
                                         if os.path.isdir(os.path.join(stage, "lib", d))):
        if os.path.isdir(os.path.join(stage, cand, "cmake", "portmmf")):
            libdir = cand
    for rel in ["include/portmmf.h", os.path.join(libdir, "pkgconfig", "portmmf.pc"),
                os.path.join(libdir, "cmake", "portmmf", "portmmfConfig.cmake"),
                os.path.join(libdir, "cmake", "portmmf", "portmmfConfigVersion.cmake"),
                "share/doc/portmmf/LICENSE"]:
        if not os.path.isfile(os.path.join(stage, rel)):
            raise RuntimeError("not installed: " + rel)
    pc = open(os.path.join(stage, libdir, "pkgconfig", "portmmf.pc")).read()
    if "Version: %s" % ARGS.version not in pc:
        raise RuntimeError("portmmf.pc: " + pc)
    take = "find_package(portmmf %s REQUIRED)" % ARGS.version
    build = consume("findpkg", take, "-DCMAKE_PREFIX_PATH=" + stage)
    dll_dir = os.path.join(stage, "bin" if IS_WIN else libdir)
    check_consumers(build, [dll_dir])
    return "installed to a staging prefix (%s)" % libdir


def ctest_conformance():
    if not ARGS.ctest:
        raise Skip("the CTest run is the native leg's")
    build = os.path.join(WORK, "suite")
    configure(SRC, build)
    rc, text = run_command(["ctest", "--test-dir", build, "-j2", "--output-on-failure"])
    m = re.search(r"(\d+)% tests passed, (\d+) tests failed out of (\d+)", text)
    if rc != 0 or not m or m.group(2) != "0" or int(m.group(3)) < 10:
        raise RuntimeError("ctest exited with %d:\n%s" % (rc, text[-4000:]))
    return "CTest: %s conformance tests passed" % m.group(3)


def main():
    global WORK
    if not shutil.which("cmake") or not shutil.which("ninja"):
        print("1..0 # SKIP cmake or ninja is not installed")
        return 0
    os.makedirs(ARGS.workdir, exist_ok=True)
    for old in os.listdir(ARGS.workdir):
        if old.startswith("cmake-"):
            shutil.rmtree(os.path.join(ARGS.workdir, old), ignore_errors=True)
    WORK = tempfile.mkdtemp(prefix="cmake-", dir=ARGS.workdir)
    rc = run_cases([add_subdirectory, fetchcontent, find_package, ctest_conformance])
    if rc == 0:
        shutil.rmtree(WORK, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
