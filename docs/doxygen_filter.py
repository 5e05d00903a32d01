#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""doxygen_filter.py - Doxygen's input filter for the Markdown pages of docs/
(FILTER_PATTERNS in docs/Doxyfile.in): prints the file given as its argument
with what Doxygen 1.9 renders differently from GitHub rewritten:
- a link to a file outside docs/ that is not a page of the reference, such as
  [`examples/sharing.c`](../examples/sharing.c), is reduced to its text: it
  serves readers of the repository, and in the generated HTML would point
  nowhere (links between guides, such as behavior.md, and URLs are kept);
- a code span holding an escaped pipe in a table row, `O_CREAT\|O_EXCL`, is
  written <code>O_CREAT\|O_EXCL</code>: Doxygen shows the backslash of a code
  span, but reads \| in HTML code as the pipe it is;
- bold that starts with a code span, **`pread`**, is written <b>`pread`</b>,
  which Doxygen 1.9 would otherwise show with its asterisks.
The line count never changes, so Doxygen's line numbers stay right.
"""
import html
import re
import sys

LINK = re.compile(r"\[([^\]]+)\]\((\.\./[^)\s]+)\)")
PIPE_CODE = re.compile(r"`([^`]*\\\|[^`]*)`")
BOLD_CODE = re.compile(r"\*\*(`[^`]+`[^*]*)\*\*")


def table_row(line):
    if not line.lstrip().startswith("|"):
        return line
    return PIPE_CODE.sub(lambda m: "<code>%s</code>" % html.escape(m.group(1), quote=False), line)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    text = LINK.sub(lambda m: m.group(1), text)
    text = BOLD_CODE.sub(lambda m: "<b>%s</b>" % m.group(1), text)
    text = "\n".join(table_row(line) for line in text.split("\n"))
    sys.stdout.buffer.write(text.encode("utf-8"))


if __name__ == "__main__":
    main()
