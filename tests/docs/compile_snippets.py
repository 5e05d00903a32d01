#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""compile_snippets.py - the C examples in README.md and docs/*.md compile (TAP).

A fenced ```c block is compiled when the line before its fence is one of
  <!-- compile -->          any backend: libportmmf code
  <!-- compile: posix -->   only when the compiler targets POSIX (raw mmap code)
  <!-- compile: win32 -->   only when it targets Windows (raw Win32 code)
Each block is one translation unit, compiled (not linked) with the build's C
compiler: -std=c11 -Wall -Wextra -Werror (cl-style: C11, /W4 /WX), the public header on the include
path. README.md must hold at least one such block (its example).
"""
import argparse
import glob
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from pmmftest import Skip, expect, run_cases, run_command  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--source-dir", required=True)
p.add_argument("--backend", required=True)
p.add_argument("--cc", action="append", required=True)
p.add_argument("--cc-id", default="gcc", help="Meson's compiler id (gcc, clang, clang-cl, msvc)")
p.add_argument("--workdir", required=True)
ARGS = p.parse_args()

MARK = re.compile(r"^<!--\s*compile(?::\s*(posix|win32))?\s*-->\s*$")


def snippets(path):
    """(line number, backend or None, code) for each marked block."""
    lines = open(path, encoding="utf-8").read().splitlines()
    found = []
    for i, line in enumerate(lines):
        m = MARK.match(line)
        if not m:
            continue
        expect(i + 1 < len(lines) and lines[i + 1].strip() == "```c",
               "%s:%d: the compile mark is not followed by a ```c fence" % (path, i + 1))
        end = next(j for j in range(i + 2, len(lines)) if lines[j].strip() == "```")
        found.append((i + 3, m.group(1), "\n".join(lines[i + 2:end]) + "\n"))
    return found


def make_case(rel, line, only, code):
    def case():
        if only and only != ARGS.backend:
            raise Skip("%s code; this build's compiler targets %s" % (only, ARGS.backend))
        src = os.path.join(WORK, re.sub(r"[^A-Za-z0-9]+", "_", "%s_%d" % (rel, line)) + ".c")
        with open(src, "w", encoding="utf-8") as f:
            f.write('#line %d "%s"\n' % (line, rel) + code)
        include = os.path.join(ARGS.source_dir, "include")
        if ARGS.cc_id in ("clang-cl", "msvc"):    # cl-style flags, /W4 as the build's
            std = "/clang:-std=c11" if ARGS.cc_id == "clang-cl" else "/std:c11"
            cmd = ARGS.cc + ["/nologo", std, "/W4", "/WX", "/I", include, "/c",
                             "/Fo" + src + ".obj", "--", src]
        else:
            cmd = ARGS.cc + ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", include,
                             "-c", src, "-o", src + ".o"]
        rc, out = run_command(cmd)
        expect(rc == 0, "%s:%d does not compile:\n%s" % (rel, line, out))
        return "%d lines" % code.count("\n")
    case.title = "%s:%d%s" % (rel, line, " (%s)" % only if only else "")
    return case


def main():
    global WORK
    os.makedirs(ARGS.workdir, exist_ok=True)
    WORK = tempfile.mkdtemp(prefix="snippets-", dir=ARGS.workdir)
    files = [os.path.join(ARGS.source_dir, "README.md")] + sorted(
        glob.glob(os.path.join(ARGS.source_dir, "docs", "*.md")))
    cases = []
    for path in files:
        rel = os.path.relpath(path, ARGS.source_dir)
        found = snippets(path)
        if rel == "README.md" and not found:
            def readme_has_example():
                raise AssertionError("README.md has no <!-- compile --> example")
            cases.append(readme_has_example)
        cases += [make_case(rel, line, only, code) for line, only, code in found]
    rc = run_cases(cases)
    if rc == 0:
        import shutil
        shutil.rmtree(WORK, ignore_errors=True)
    return rc


WORK = ""
if __name__ == "__main__":
    sys.exit(main())
