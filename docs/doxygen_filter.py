#!/usr/bin/env python3
"""doxygen_filter.py - Doxygen's input filter for the Markdown pages of docs/
(FILTER_PATTERNS in docs/Doxyfile.in): prints the file given as its argument
with each link to a file outside docs/ that is not a page of the reference,
such as [`examples/sharing.c`](../examples/sharing.c), reduced to its text.
Those links serve readers of the repository; in the generated HTML they would
point nowhere. Links between guides (behavior.md) and URLs are kept. The line
count never changes, so Doxygen's line numbers stay right.
"""
import re
import sys

LINK = re.compile(r"\[([^\]]+)\]\((\.\./[^)\s]+)\)")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    sys.stdout.buffer.write(LINK.sub(lambda m: m.group(1), text).encode("utf-8"))


if __name__ == "__main__":
    main()
