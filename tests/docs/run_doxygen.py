#!/usr/bin/env python3
"""run_doxygen.py - the API reference builds from include/portmmf.h with zero
Doxygen warnings, and documents every enumerator (TAP).

Runs doxygen with docs/Doxyfile (as Meson configured it) plus overrides: the
output in a scratch directory, XML as well as HTML, and warnings collected
rather than stopping at the first (Doxygen does not warn about undocumented
enumerators, so the XML is checked for those). Usage:
  run_doxygen.py DOXYGEN DOXYFILE SCRATCH_DIR    (DOXYGEN "": skipped)
"""
import os
import shutil
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from pmmftest import expect, run_cases, run_command  # noqa: E402

DOXYGEN, DOXYFILE, SCRATCH = sys.argv[1:4]
STATE = {}


def doxygen_reports_no_warnings():
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    config = os.path.join(SCRATCH, "Doxyfile")
    log = os.path.join(SCRATCH, "warnings.log")
    with open(DOXYFILE, encoding="utf-8") as f:
        text = f.read()
    with open(config, "w", encoding="utf-8") as f:
        f.write(text)
        # HTML stays on: Doxygen 1.9.4 without HTML output warns about
        # documented parameters as if they were not.
        f.write("\nOUTPUT_DIRECTORY = %s\nGENERATE_XML = YES\n"
                "WARN_AS_ERROR = FAIL_ON_WARNINGS\nWARN_LOGFILE = %s\n" % (SCRATCH, log))
    rc, out = run_command([DOXYGEN, config], cwd=SCRATCH)
    warnings = open(log, encoding="utf-8").read().strip() if os.path.exists(log) else ""
    count = len([l for l in warnings.splitlines() if "warning:" in l or "error:" in l])
    expect(rc == 0 and count == 0, "doxygen exited %d with %d warnings:\n%s\n%s"
           % (rc, count, warnings, out))
    STATE["xml"] = os.path.join(SCRATCH, "xml")
    version = run_command([DOXYGEN, "--version"])[1].strip()
    return "doxygen %s: 0 warnings" % version


def every_enumerator_documented():
    xml_dir = STATE.get("xml")
    expect(xml_dir, "doxygen did not complete, so there is no XML to check")
    undocumented, seen = [], set()
    for name in os.listdir(xml_dir):
        if not name.endswith(".xml"):
            continue
        for value in ET.parse(os.path.join(xml_dir, name)).iter("enumvalue"):
            text = "".join(value.find("briefdescription").itertext()).strip() + "".join(
                value.find("detaileddescription").itertext()).strip()
            seen.add(value.findtext("name"))
            if not text:
                undocumented.append(value.findtext("name"))
    expect(seen, "no enumerators in the XML output")
    expect(not undocumented, "undocumented: " + ", ".join(sorted(set(undocumented))))
    return "%d enumerators" % len(seen)


if __name__ == "__main__":
    sys.exit(run_cases([doxygen_reports_no_warnings, every_enumerator_documented],
                       plan_skip=None if DOXYGEN else "doxygen is not installed"))
