#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# check_exports.py - fails when the shared library exports a symbol without
# the pmmf_ prefix, or any internal pmmf__ symbol. Usage:
#   check_exports.py TOOL LIBRARY    (TOOL: nm for ELF, objdump for a PE DLL)
import re
import subprocess
import sys

tool, library = sys.argv[1], sys.argv[2]
# Symbols the ELF linker itself defines in every shared object.
LINKER = {"_init", "_fini", "_edata", "_end", "__bss_start"}

if library.lower().endswith(".dll"):
    out = subprocess.run([tool, "-p", library], check=True, capture_output=True, text=True).stdout
    names, in_table = [], False
    for line in out.splitlines():
        if "[Ordinal/Name Pointer] Table" in line:
            in_table = True
            continue
        if in_table:
            m = re.match(r"\s*\[\s*\d+\]\s+(\S+)", line)
            if not m:
                break
            names.append(m.group(1))
else:
    out = subprocess.run([tool, "-D", "--defined-only", library], check=True,
                         capture_output=True, text=True).stdout
    names = [parts[-1] for parts in (l.split() for l in out.splitlines()) if len(parts) >= 3]
    names = [n.split("@")[0] for n in names if n.split("@")[0] not in LINKER]

bad = [n for n in names if not n.startswith("pmmf_") or n.startswith("pmmf__")]
public = [n for n in names if n not in bad]
print("1..2")
print("%s 1 - %d public symbols exported" % ("ok" if public else "not ok", len(public)))
if bad:
    print("not ok 2 - exported without the pmmf_ prefix: " + ", ".join(sorted(bad)))
    sys.exit(1)
print("ok 2 - no symbol without the pmmf_ prefix")
