#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_spdx.py - every source, build and script file of the project names
its license (`SPDX-License-Identifier: MIT`, as LICENSE and meson.build say)
in its first lines (TAP)."""
import os
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), ".."))
DIRS = ["include", "src", "tests", "examples", "tools", "bench", "fuzz", "scripts", "cross",
        "packaging", "cmake", "docs", ".ci"]
TOP = ["meson.build", "meson_options.txt", "CMakeLists.txt"]
SUFFIXES = (".c", ".h", ".cpp", ".py", ".sh", ".build", ".cmake", ".in", ".txt")
TAG = "SPDX-License-Identifier: MIT"


def wanted(path):
    name = os.path.basename(path)
    if name in ("meson.build", "meson_options.txt", "CMakeLists.txt", "run"):
        return True
    if "corpus" in path.split(os.sep):
        return False
    if name.endswith(".txt") and not path.startswith(os.path.join(ROOT, "cross")) \
            and name != "sources.txt":
        return False
    if name.endswith(".in") and not name.endswith(".cmake.in") and not name.endswith(".pc.in"):
        return False
    return name.endswith(SUFFIXES) or path.startswith(os.path.join(ROOT, "cross", "zig"))


def files():
    for top in TOP:
        yield os.path.join(ROOT, top)
    for d in DIRS:
        for base, dirs, names in os.walk(os.path.join(ROOT, d)):
            dirs[:] = [x for x in dirs if not x.startswith("build")]
            for n in sorted(names):
                p = os.path.join(base, n)
                if wanted(p):
                    yield p


missing = []
count = 0
for path in files():
    if not os.path.isfile(path):
        continue
    count += 1
    with open(path, encoding="utf-8", errors="replace") as f:
        head = "".join(f.readline() for _ in range(5))
    if TAG not in head:
        missing.append(os.path.relpath(path, ROOT))
print("1..1")
if missing:
    print("not ok 1 - SPDX lines: %d of %d files lack one" % (len(missing), count))
    for m in missing:
        print("# " + m)
    sys.exit(1)
print("ok 1 - SPDX lines: all %d files name their license" % count)
