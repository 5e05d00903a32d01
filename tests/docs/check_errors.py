#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_errors.py - docs/errors.md agrees with the code (TAP).

For every status of PMMF_STATUS_MAP (include/portmmf.h): docs/errors.md has a
row with its value, and the row lists exactly the errno names that
src/posix/error.c translates to it and exactly the Windows codes that
src/win32/error.c translates to it. Usage: check_errors.py SOURCE_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from pmmftest import expect, run_cases  # noqa: E402

SRC = sys.argv[1]


def read(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return f.read()


def statuses():
    """[(name, value)] from the header's X-macro."""
    return [("PMMF_" + n, int(v)) for n, v in
            re.findall(r"XX\((\w+),\s*(-?\d+),", read("include/portmmf.h"))]


def posix_table():
    """{status: {errno names}} from the switch in src/posix/error.c."""
    body = read("src/posix/error.c").split("pmmf__os_translate_error", 1)[1].split("\n}\n", 1)[0]
    table, pending = {}, []
    for line in body.splitlines():
        m = re.match(r"\s*case (E\w+):", line)
        if m:
            pending.append(m.group(1))
        m = re.match(r"\s*return (PMMF_E_\w+);", line)
        if m:
            table.setdefault(m.group(1), set()).update(pending)
            pending = []
    return table


def win32_table():
    table = {}
    for code, status in re.findall(r"\{\s*(ERROR_\w+)\s*,\s*(PMMF_E_\w+)\s*\}",
                                   read("src/win32/error.c")):
        table.setdefault(status, set()).add(code)
    return table


def doc_rows():
    """{status: (value, {errno names}, {Windows codes})} from docs/errors.md."""
    rows = {}
    for line in read("docs/errors.md").splitlines():
        m = re.match(r"\|\s*`(PMMF_\w+)`\s*\|\s*(-?\d+)\s*\|", line)
        if not m:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        expect(len(cells) == 5, "errors.md row for %s has %d cells" % (m.group(1), len(cells)))
        rows[m.group(1)] = (int(m.group(2)), set(re.findall(r"`(E\w+)`", cells[3])),
                            set(re.findall(r"`(ERROR_\w+)`", cells[4])))
    return rows


def make_case(name, value, posix, win32, rows):
    def case():
        expect(name in rows, "docs/errors.md has no row for " + name)
        doc_value, doc_posix, doc_win32 = rows[name]
        expect(doc_value == value, "%s is %d, errors.md says %d" % (name, value, doc_value))
        want_p, want_w = posix.get(name, set()), win32.get(name, set())
        expect(doc_posix == want_p, "POSIX column: missing %s, not in the table %s"
               % (sorted(want_p - doc_posix), sorted(doc_posix - want_p)))
        expect(doc_win32 == want_w, "Windows column: missing %s, not in the table %s"
               % (sorted(want_w - doc_win32), sorted(doc_win32 - want_w)))
        return "%d errno, %d Windows codes" % (len(want_p), len(want_w))
    case.title = name
    return case


def every_translated_status_exists():
    known = {n for n, _ in statuses()}
    extra = (set(posix_table()) | set(win32_table())) - known
    expect(not extra, "tables translate to unknown statuses: %s" % sorted(extra))


if __name__ == "__main__":
    posix, win32, rows = posix_table(), win32_table(), doc_rows()
    cases = [make_case(n, v, posix, win32, rows) for n, v in statuses()]
    sys.exit(run_cases(cases + [every_translated_status_exists]))
