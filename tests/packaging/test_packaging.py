#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_packaging.py - libportmmf as a user gets it, each way (TAP).

Stages `meson install --destdir` of the build directory, then builds and runs
tests/packaging/consumer.c against the staged install through pkg-config
(shared and static), through CMake's find_package(portmmf) (the
portmmf::portmmf and portmmf::portmmf_static targets), and as a Meson
subproject (dependency('portmmf') with a fallback, and with static : true and
false), offline and without CMocka, with no test targets, and with the
parent's default_library=static honoured. Cross builds use the
build's compiler and cross file and run the consumers through the exe
wrapper (Wine); a way whose host tool is missing is skipped with the reason.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
from pmmftest import Skip, run_cases, run_command  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--source-dir", required=True)
    p.add_argument("--build-dir", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--libdir", required=True)
    p.add_argument("--bindir", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--backend", required=True)
    p.add_argument("--cc", action="append", required=True, help="the C compiler, one word each")
    p.add_argument("--link-arg", action="append", default=[], help="the build's c_link_args")
    p.add_argument("--cross", action="store_true")
    p.add_argument("--wrapper", default="", help="runs host programs (wine)")
    p.add_argument("--cmake-package", choices=["yes", "no"], required=True)
    p.add_argument("--cc-id", default="gcc", help="Meson's compiler id (gcc, clang, clang-cl, msvc)")
    p.add_argument("--shared-name", help="the shared library's file name (the DLL on Windows)")
    p.add_argument("--implib-name", help="the DLL's import library's file name")
    p.add_argument("--static-name", default="libportmmf.a", help="the static library's file name")
    return p.parse_args()


ARGS = parse_args()
IS_WIN = ARGS.backend == "win32"
IS_WINE = os.path.basename(ARGS.wrapper).startswith("wine")  # else qemu-user, if any
CL_STYLE = ARGS.cc_id in ("clang-cl", "msvc")   # cl-style flags, MSVC's library names
STAGE = ""      # the DESTDIR, set by stage()
PREFIX = ""     # the staged prefix
RESULTS = []    # (ok, name, detail)


def run(cmd, cwd=None, env=None):
    """Run cmd, return what it printed; on failure raise with all of it."""
    rc, text = run_command(cmd, cwd=cwd, env=env)
    if rc != 0:
        raise RuntimeError("%s exited with %d:\n%s" % (" ".join(cmd), rc, text))
    return text


def need_stage():
    if not STAGE:
        raise Skip("nothing was staged")


def staged(path):
    return os.path.join(PREFIX, path)


def run_consumer(exe, dll_dirs=()):
    """Run a consumer program (through the wrapper for cross builds) and check its output."""
    env = {}
    if IS_WINE:
        cmd = [ARGS.wrapper, exe]
        env["WINEPATH"] = ";".join("Z:" + d.replace("/", "\\") for d in dll_dirs)
        env.setdefault("WINEDEBUG", "-all")
    else:
        cmd = ([ARGS.wrapper] if ARGS.wrapper else []) + [exe]   # qemu-user, or none
        if dll_dirs:
            env["LD_LIBRARY_PATH"] = os.pathsep.join(dll_dirs)
    out = run(cmd, env=env)
    want = "consumer: libportmmf %s, %s backend: ok" % (ARGS.version, ARGS.backend)
    if want not in out:
        raise RuntimeError("consumer printed %r, expected %r" % (out, want))


def dynamic_deps(exe):
    """The shared libraries or DLLs an executable imports (lower case)."""
    objdump = shutil.which("x86_64-w64-mingw32-objdump" if IS_WIN else "objdump")
    if not objdump:
        return None
    out = run([objdump, "-p", exe])
    pattern = r"DLL Name:\s*(\S+)" if IS_WIN else r"NEEDED\s+(\S+)"
    return [m.lower() for m in re.findall(pattern, out)]


def check_static(exe):
    deps = dynamic_deps(exe)
    if deps is not None and any("portmmf" in d for d in deps):
        raise RuntimeError("%s is meant to be static but imports %s" % (exe, deps))


def check_shared(exe):
    deps = dynamic_deps(exe)
    if deps is not None and not any("portmmf" in d for d in deps):
        raise RuntimeError("%s is meant to use the shared library but imports %s" % (exe, deps))


def compile_consumer(exe, flags, link_args):
    """The command that builds consumer.c into exe: the build's compiler, then
    `flags` (defines, and pkg-config's -I/-L/-l or archives), then the build's
    link arguments. A cl-style compiler (clang-cl, cl) takes /Fe, and takes
    -L and -l as the linker's /libpath: and NAME.lib."""
    if not CL_STYLE:
        return ARGS.cc + [os.path.join(HERE, "consumer.c"), "-o", exe] + flags + link_args
    cflags, libs, ldflags = [], [], []
    for a in flags:
        if a.startswith("-L"):
            ldflags.append("/libpath:" + a[2:])
        elif a.startswith("-l"):
            libs.append(a[2:] + ".lib")
        elif a.endswith((".a", ".lib")):
            libs.append(a)
        else:
            cflags.append(a)
    return (ARGS.cc + ["/nologo"] + cflags + ["/Fe" + exe, os.path.join(HERE, "consumer.c")]
            + libs + ["/link"] + ldflags + link_args)


def cc_without_static(args):
    """The build's link arguments minus -static, for consumers of the shared library."""
    return [a for a in args if a != "-static"]


# --- the ways ---------------------------------------------------------------

def staged_install():
    global STAGE, PREFIX
    STAGE = tempfile.mkdtemp(prefix="stage-", dir=WORK)
    run(["meson", "install", "-C", ARGS.build_dir, "--no-rebuild", "--quiet", "--destdir", STAGE])
    PREFIX = os.path.join(STAGE, ARGS.prefix.lstrip("/\\"))
    for rel in ["include/portmmf.h", os.path.join(ARGS.libdir, "pkgconfig", "portmmf.pc")]:
        if not os.path.isfile(staged(rel)):
            raise RuntimeError("not installed: " + rel)
    if IS_WIN:
        dll = staged(os.path.join(ARGS.bindir, ARGS.shared_name or "libportmmf-%s.dll" % SOVERSION))
        implib = staged(os.path.join(ARGS.libdir, ARGS.implib_name or "libportmmf.dll.a"))
        for f in (dll, implib):
            if not os.path.isfile(f):
                raise RuntimeError("not installed: " + f)
        release_files()
        return "DLL %s in %s" % (os.path.basename(dll), ARGS.bindir)
    release_files()
    lib = staged(os.path.join(ARGS.libdir, "libportmmf.so"))
    out = run(["objdump", "-p", lib])
    m = re.search(r"SONAME\s+(\S+)", out)
    want = "libportmmf.so." + SOVERSION
    if not m or m.group(1) != want:
        raise RuntimeError("SONAME is %s, expected %s" % (m and m.group(1), want))
    if not os.path.isfile(staged(os.path.join(ARGS.libdir, want))):
        raise RuntimeError("no %s symlink installed" % want)
    return "SONAME " + want


def release_files():
    """What a release installs besides the library: the license, the
    changelog, the tool, its manual page and the benchmark it runs."""
    exe = ".exe" if IS_WIN else ""
    for rel in ["share/doc/portmmf/LICENSE", "share/doc/portmmf/CHANGELOG.md",
                "share/man/man1/pmmf.1", os.path.join(ARGS.bindir, "pmmf" + exe),
                os.path.join(ARGS.bindir, "pmmf-bench" + exe)]:
        if not os.path.isfile(staged(rel)):
            raise RuntimeError("not installed: " + rel)


def installed_pmmf_bench():
    """`pmmf bench` from the installation finds the installed pmmf-bench."""
    need_stage()
    exe = ".exe" if IS_WIN else ""
    tool = staged(os.path.join(ARGS.bindir, "pmmf" + exe))
    env = {"LD_LIBRARY_PATH": staged(ARGS.libdir), "PMMF_BENCH": ""}
    if ARGS.wrapper and not IS_WINE:
        raise Skip("`pmmf bench` starts pmmf-bench by exec, and qemu-user (without "
                   "binfmt_misc) cannot exec a program of its target CPU")
    cmd = ([ARGS.wrapper] if ARGS.wrapper else []) + [tool, "bench", "--help"]
    if IS_WINE:
        env["WINEPATH"] = staged(ARGS.bindir)
    rc, text = run_command(cmd, env=env)
    if rc != 0 or "usage: pmmf-bench" not in text:
        raise RuntimeError("installed `pmmf bench --help` exited %d:\n%s" % (rc, text))
    return "pmmf bench runs the installed pmmf-bench"


def pkg_config(*args):
    tool = shutil.which("pkg-config") or shutil.which("pkgconf")
    if not tool:
        raise Skip("pkg-config is not installed")
    env = {
        "PKG_CONFIG_LIBDIR": staged(os.path.join(ARGS.libdir, "pkgconfig")),
        "PKG_CONFIG_SYSROOT_DIR": STAGE,
        "PKG_CONFIG_PATH": "",
    }
    return run([tool] + list(args) + ["portmmf"], env=env).split()


def pkgconfig_shared():
    need_stage()
    out_dir = tempfile.mkdtemp(prefix="pc-shared-", dir=WORK)
    exe = os.path.join(out_dir, "consumer" + (".exe" if IS_WIN else ""))
    libdir = ARGS.bindir if IS_WIN else ARGS.libdir
    # Nothing to define; PMMF_DLL (dllimport on Windows) is optional.
    for defines in ([], ["-DPMMF_DLL"]):
        cmd = compile_consumer(exe, defines + pkg_config("--cflags") + pkg_config("--libs"),
                               cc_without_static(ARGS.link_arg))
        run(cmd)
        check_shared(exe)
        run_consumer(exe, [staged(libdir)])
    return "pkg-config --cflags --libs portmmf, without and with PMMF_DLL"


def pkgconfig_static():
    need_stage()
    out_dir = tempfile.mkdtemp(prefix="pc-static-", dir=WORK)
    exe = os.path.join(out_dir, "consumer" + (".exe" if IS_WIN else ""))
    libs = pkg_config("--static", "--libs")
    # The static archive itself, then what it needs (Libs.private).
    archive = staged(os.path.join(ARGS.libdir, ARGS.static_name))
    libs = [a for a in libs if a != "-lportmmf"]
    # Nothing to define (on Windows too), and the old PMMF_STATIC still works.
    for defines in ([], ["-DPMMF_STATIC"]):
        cmd = compile_consumer(exe, defines + pkg_config("--cflags") + [archive] + libs,
                               ARGS.link_arg)
        run(cmd)
        check_static(exe)
        run_consumer(exe)
    return "pkg-config --static, libportmmf.a, without and with PMMF_STATIC"


def cmake_find_package():
    need_stage()
    if ARGS.cmake_package != "yes":
        raise Skip("cmake was not found when the build was configured: no CMake package")
    cmake = shutil.which("cmake")
    if not cmake:
        raise Skip("cmake is not installed")
    if not shutil.which("ninja"):
        raise Skip("ninja is not installed")
    src = tempfile.mkdtemp(prefix="cmake-src-", dir=WORK)
    for f in ("CMakeLists.txt", "consumer.c"):
        shutil.copy(os.path.join(HERE, f), src)
    build = os.path.join(src, "build")
    compiler, flags = ARGS.cc[0], ARGS.cc[1:]
    compiler = shutil.which(compiler) or compiler
    cmd = [cmake, "-S", src, "-B", build, "-G", "Ninja",
           "-DCMAKE_BUILD_TYPE=Release",
           "-DCMAKE_PREFIX_PATH=" + PREFIX,
           "-DPORTMMF_MIN_VERSION=" + ARGS.version,
           "-DCMAKE_C_COMPILER=" + compiler,
           "-DCMAKE_C_FLAGS=" + " ".join(flags),
           "-DCMAKE_EXE_LINKER_FLAGS=" + " ".join(ARGS.link_arg)]
    if IS_WIN:
        cmd += ["-DCMAKE_SYSTEM_NAME=Windows"]
    if CL_STYLE:
        # CMake links with the linker itself, not through the compiler: the
        # one the compiler names (-fuse-ld), LLVM's librarian and resource
        # compiler.
        fuse = [a.split("=", 1)[1] for a in ARGS.cc if a.startswith("-fuse-ld=")]
        tools = {"CMAKE_LINKER": fuse[-1] if fuse else "lld-link",
                 "CMAKE_AR": "llvm-lib", "CMAKE_RC_COMPILER": "llvm-rc", "CMAKE_MT": "llvm-mt"}
        for var, tool in tools.items():
            if shutil.which(tool):
                cmd += ["-D%s=%s" % (var, shutil.which(tool))]
        windres = re.sub(r"gcc$", "windres", ARGS.cc[0])
        if windres != ARGS.cc[0] and shutil.which(windres):
            cmd += ["-DCMAKE_RC_COMPILER=" + shutil.which(windres)]
    run(cmd)
    run([cmake, "--build", build])
    exe_ext = ".exe" if IS_WIN else ""
    shared = os.path.join(build, "consumer_shared" + exe_ext)
    static = os.path.join(build, "consumer_static" + exe_ext)
    check_shared(shared)
    check_static(static)
    libdir = ARGS.bindir if IS_WIN else ARGS.libdir
    run_consumer(shared, [staged(libdir)])
    run_consumer(static)
    return "find_package(portmmf %s): portmmf::portmmf and portmmf::portmmf_static" % ARGS.version


def cross_files():
    """The cross files this build was configured with (Meson keeps them in
    meson-private/cmd_line.txt)."""
    path = os.path.join(ARGS.build_dir, "meson-private", "cmd_line.txt")
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return []
    m = re.search(r"^cross_file\s*=\s*\[(.*)\]\s*$", text, re.M)
    return re.findall(r"'([^']*)'", m.group(1)) if m else []


def meson_subproject_build(default_library):
    """Set up and build the scratch consumer with libportmmf as a subproject,
    offline and with CMocka out of reach: no option given to libportmmf, no
    wrap download, pkg-config looking only in an empty directory. Return the
    build directory."""
    src = tempfile.mkdtemp(prefix="meson-sub-%s-" % (default_library or "default"), dir=WORK)
    shutil.copy(os.path.join(HERE, "consumer.c"), src)
    shutil.copy(os.path.join(HERE, "consumer.meson.build"), os.path.join(src, "meson.build"))
    os.mkdir(os.path.join(src, "subprojects"))
    os.symlink(os.path.abspath(ARGS.source_dir), os.path.join(src, "subprojects", "portmmf"))
    no_pc = os.path.join(src, "no-pkgconfig")
    os.mkdir(no_pc)
    build = os.path.join(src, "build")
    cmd = ["meson", "setup", build, src, "--force-fallback-for=portmmf",
           "--wrap-mode=nodownload", "-Dwerror=true"]
    if default_library:
        cmd.append("-Ddefault_library=" + default_library)
    if ARGS.cross:
        files = cross_files()
        if not files:
            raise Skip("cross build, but its cross file is not recorded in meson-private/cmd_line.txt")
        cmd += ["--cross-file=" + f for f in files]
    env = {"PKG_CONFIG_PATH": "", "PKG_CONFIG_LIBDIR": no_pc}
    if not ARGS.cross:
        env["CC"] = " ".join(ARGS.cc)
    out = run(cmd, env=env)
    if "Executing subproject portmmf" not in out or not re.search(
            r"Dependency portmmf found: YES \S+ \(overridden\)", out):
        raise RuntimeError("setup did not take portmmf from the subproject:\n" + out)
    # Nothing of the suite as a subproject: CMocka is never looked for, and
    # there are no tests, benchmarks, tool, examples or docs targets.
    if re.search(r"cmocka", out, re.I):
        raise RuntimeError("the subproject looked for CMocka:\n" + out)
    tests = json.loads(run(["meson", "introspect", "--tests", build]))
    benchmarks = json.loads(run(["meson", "introspect", "--benchmarks", build]))
    if tests or benchmarks:
        raise RuntimeError("the subproject registered tests: %s" %
                           [t["name"] for t in tests + benchmarks])
    targets = json.loads(run(["meson", "introspect", "--targets", build]))
    extra = [t["name"] for t in targets if t["subproject"] == "portmmf" and
             not t["name"].startswith("portmmf")]
    if extra:
        raise RuntimeError("the subproject built more than the library: %s" % extra)
    run(["meson", "compile", "-C", build])
    return build


def meson_subproject():
    build = meson_subproject_build(None)
    exe = ".exe" if IS_WIN else ""
    dll_dirs = [os.path.join(build, "subprojects", "portmmf", "src")]
    check_shared(os.path.join(build, "consumer" + exe))
    check_static(os.path.join(build, "consumer_static" + exe))
    for name in ("consumer", "consumer_static", "consumer_shared"):
        run_consumer(os.path.join(build, name + exe), dll_dirs)
    return ("dependency('portmmf', fallback : ...) and static : true/false, offline, no CMocka, "
            "no test targets")


def meson_subproject_static():
    """The parent's default_library=static reaches the subproject (Meson 1.0
    lets a subproject's own project() default beat it, even from the command
    line): dependency('portmmf') links statically and only the static library
    is built unless the shared one is asked for."""
    build = meson_subproject_build("static")
    exe = ".exe" if IS_WIN else ""
    dll_dirs = [os.path.join(build, "subprojects", "portmmf", "src")]
    check_static(os.path.join(build, "consumer" + exe))
    check_static(os.path.join(build, "consumer_static" + exe))
    check_shared(os.path.join(build, "consumer_shared" + exe))
    for name in ("consumer", "consumer_static", "consumer_shared"):
        run_consumer(os.path.join(build, name + exe), dll_dirs)
    return "-Ddefault_library=static: dependency('portmmf') is static; static : false is shared"


WORK = ""
SOVERSION = ARGS.version.split(".")[0]


def main():
    global WORK
    base = os.path.join(ARGS.build_dir, "tests", "packaging")
    os.makedirs(base, exist_ok=True)
    for old in os.listdir(base):        # what a failed earlier run left
        if old.startswith("work-"):
            shutil.rmtree(os.path.join(base, old), ignore_errors=True)
    WORK = tempfile.mkdtemp(prefix="work-", dir=base)
    rc = run_cases([staged_install, installed_pmmf_bench, pkgconfig_shared, pkgconfig_static,
                    cmake_find_package, meson_subproject, meson_subproject_static])
    if rc == 0:
        shutil.rmtree(WORK, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
