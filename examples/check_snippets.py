#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# examples/check_snippets.py - every C code block of a Markdown guide must
# appear, unchanged, in the example program that is compiled and run, so the
# guide's code compiles and works. Prints TAP.
#
#   check_snippets.py GUIDE.md PROGRAM.c
import re
import sys

guide, program = sys.argv[1], sys.argv[2]
text = open(guide, encoding="utf-8").read()
source = open(program, encoding="utf-8").read()
blocks = re.findall(r"^```c\n(.*?)^```", text, re.S | re.M)
print("1..%d" % max(len(blocks), 1))
if not blocks:
    print("not ok 1 - %s has no C code blocks" % guide)
    sys.exit(1)
failed = 0
for i, block in enumerate(blocks, 1):
    first = block.strip().splitlines()[0]
    if block in source:
        print("ok %d - %s" % (i, first))
    else:
        failed += 1
        print("not ok %d - not in %s: %s" % (i, program, first))
sys.exit(1 if failed else 0)
