#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run_doxygen.py - the API reference builds from include/portmmf.h and docs/
with zero Doxygen warnings, and is one a newcomer can navigate (TAP).

Runs doxygen with docs/Doxyfile (as Meson configured it) plus overrides: the
output in a scratch directory, XML as well as HTML, and warnings collected
rather than stopping at the first. Then the XML is checked for what Doxygen
does not warn about: every enumerator documented; a main page holding
README.md's example (docs/mainpage.md's copy, character for character) and
linking every guide; every guide of docs/ a page; every status code a link
wherever the header's documentation names one, and every function returning
a status linking at least one; a Safety and a Thread safety note for each
object (file, map, view, window), and a Safety note on each constructor.
Usage:
  run_doxygen.py DOXYGEN DOXYFILE SCRATCH_DIR    (DOXYGEN "": skipped)
"""
import glob
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from pmmftest import expect, run_cases, run_command  # noqa: E402

DOXYGEN, DOXYFILE, SCRATCH = sys.argv[1:4]
SOURCE_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
STATE = {}
# The objects of the API: their groups (@defgroup) in include/portmmf.h.
OBJECT_GROUPS = ["files", "maps", "views", "windows"]
COMPILE_MARK = "<!-- compile -->"


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


def xml_compound(name):
    """The <compounddef> of xml/NAME.xml, or None when there is no such file."""
    xml_dir = STATE.get("xml")
    expect(xml_dir, "doxygen did not complete, so there is no XML to check")
    path = os.path.join(xml_dir, name + ".xml")
    return ET.parse(path).getroot().find("compounddef") if os.path.exists(path) else None


def text_of(elem):
    """An element's text as it reads: Doxygen's <sp/> is a space."""
    parts = [elem.text or ""]
    for child in elem:
        parts.append(" " if child.tag == "sp" else text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def prose_of(elem):
    """An element's text without its code blocks."""
    parts = [elem.text or ""]
    for child in elem:
        if child.tag != "programlisting":
            parts.append(" " if child.tag == "sp" else prose_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


# Markdown that Doxygen left as it was written instead of rendering it.
UNRENDERED = [("**", "bold"), ("\\|", "an escaped pipe"), ("](", "a link"), ("```", "a fence")]


def first_c_example(path):
    """The code of the first <!-- compile --> block of a Markdown file."""
    expect(os.path.exists(path), "%s is missing" % path)
    lines = open(path, encoding="utf-8").read().splitlines()
    expect(COMPILE_MARK in lines, "%s has no %s block" % (path, COMPILE_MARK))
    start = lines.index(COMPILE_MARK) + 2
    end = lines.index("```", start)
    return lines[start:end]


def guide_names():
    """The guides: every docs/*.md but the main page."""
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(SOURCE_DIR, "docs", "*.md"))
                  if os.path.basename(p) != "mainpage.md")


def main_page_has_the_example():
    readme = first_c_example(os.path.join(SOURCE_DIR, "README.md"))
    mainpage = first_c_example(os.path.join(SOURCE_DIR, "docs", "mainpage.md"))
    expect(mainpage == readme, "docs/mainpage.md's example differs from README.md's:\n%s"
           % "\n".join(l for a, b in zip(readme + [""] * len(mainpage), mainpage + [""] * len(readme))
                        if a != b for l in ("README:   " + a, "mainpage: " + b)))
    page = xml_compound("indexpage")
    expect(page is not None, "no main page (xml/indexpage.xml)")
    text = text_of(page.find("detaileddescription"))
    expect(len(text.split()) > 100, "the main page is (nearly) empty: %r" % text.strip()[:200])
    rendered = [text_of(line).rstrip() for line in page.iter("codeline")]
    missing = [l for l in readme if l.rstrip() not in rendered]
    expect(not missing, "the main page lacks these lines of the example:\n" + "\n".join(missing))
    refs = {r.get("refid") for r in page.iter("ref")}
    unlinked = [g for g in guide_names() if "md_" + g not in refs]
    expect(not unlinked, "the main page does not link the guide(s): " + ", ".join(unlinked))
    unlinked = [g for g in OBJECT_GROUPS if "group__" + g not in refs]
    expect(not unlinked, "the main page does not link the object group(s): " + ", ".join(unlinked))
    return "%d lines of example, %d guides linked" % (len(readme), len(guide_names()))


def every_guide_is_a_page():
    names = guide_names()
    expect(len(names) >= 7, "only %d guides in docs/: %s" % (len(names), names))
    problems = []
    for name in names:
        with open(os.path.join(SOURCE_DIR, "docs", name + ".md"), encoding="utf-8") as f:
            title = f.readline().lstrip("#").strip()
        page = xml_compound("md_" + name)
        if page is None or page.get("kind") != "page":
            problems.append("docs/%s.md is not a page (no xml/md_%s.xml): add it to "
                            "docs/Doxyfile.in's INPUT" % (name, name))
        elif page.findtext("title") != title:
            problems.append("md_%s is titled %r, not %r" % (name, page.findtext("title"), title))
        elif len(text_of(page.find("detaileddescription")).split()) < 100:
            problems.append("md_%s is (nearly) empty" % name)
        else:
            prose = prose_of(page.find("detaileddescription"))
            for link in page.iter("ulink"):
                if not re.match(r"(https?|mailto):", link.get("url", "")):
                    problems.append("md_%s links %s, which is not in the reference"
                                    % (name, link.get("url")))
            for mark, what in UNRENDERED:
                at = prose.find(mark)
                if at >= 0:
                    problems.append("md_%s shows %s as written (%s): %r"
                                    % (name, what, mark, prose[max(0, at - 40):at + 40]))
    expect(not problems, "\n".join(problems))
    return ", ".join(names)


def status_names():
    page = xml_compound("group__status")
    expect(page is not None, "no status group (xml/group__status.xml)")
    return {v.findtext("name") for v in page.iter("enumvalue")} - {"PMMF_STATUS_LAST_"}


def unlinked_mentions(elem, names):
    """Status names in an element's text outside a <ref>, except quoted ones
    ("PMMF_E_RANGE" as a string a function returns)."""
    found = []
    for piece in [elem.text or ""] + [c.tail or "" for c in elem]:
        found += [m.group(1) for m in re.finditer(r'(?<![\w"])(PMMF_\w+)(?![\w"])', piece)
                  if m.group(1) in names]
    for child in elem:
        if child.tag != "ref":
            found += unlinked_mentions(child, names)
    return found


def statuses_are_links():
    names = status_names()
    problems, functions = [], 0
    for group in ["status", "geometry"] + OBJECT_GROUPS:
        page = xml_compound("group__" + group)
        for where, elem in [("group " + group, page.find("detaileddescription"))] + [
                (m.findtext("name"), d) for m in page.iter("memberdef")
                for d in m.iter() if d.tag in ("briefdescription", "detaileddescription")]:
            for name in sorted(set(unlinked_mentions(elem, names))):
                problems.append("%s: %s is not a link (write ::%s)" % (where, name, name))
        for member in page.iter("memberdef"):
            if member.get("kind") != "function" or member.findtext("type").strip() != "int":
                continue
            functions += 1
            returns = [s for s in member.iter("simplesect") if s.get("kind") == "return"]
            linked = {r.text for s in returns for r in s.iter("ref")} & names
            if not linked:
                problems.append("%s returns a status but its @return links none"
                                % member.findtext("name"))
    expect(functions >= 20, "only %d functions returning a status found" % functions)
    expect(not problems, "\n".join(problems))
    return "%d functions returning a status" % functions


def par_titles(elem):
    return {s.findtext("title"): text_of(s) for s in elem.iter("simplesect")
            if s.get("kind") == "par"}


def every_object_has_safety_notes():
    problems, constructors = [], 0
    for group in OBJECT_GROUPS:
        page = xml_compound("group__" + group)
        expect(page is not None, "no group %s (xml/group__%s.xml)" % (group, group))
        notes = par_titles(page.find("detaileddescription"))
        for title in ("Safety", "Thread safety"):
            if len(notes.get(title, "").split()) < 30:
                problems.append("group %s: no %s note (@par %s) of some substance"
                                % (group, title, title))
        for member in page.iter("memberdef"):
            params = [p.findtext("declname") for p in member.iter("param")]
            if member.get("kind") != "function" or "out" not in params:
                continue
            constructors += 1
            if not par_titles(member).get("Safety", "").strip():
                problems.append("%s makes an object but has no Safety note (@par Safety)"
                                % member.findtext("name"))
    expect(constructors >= 7, "only %d constructors (functions with an out parameter)"
           % constructors)
    expect(not problems, "\n".join(problems))
    return "%d objects, %d constructors" % (len(OBJECT_GROUPS), constructors)


if __name__ == "__main__":
    sys.exit(run_cases([doxygen_reports_no_warnings, every_enumerator_documented,
                        main_page_has_the_example, every_guide_is_a_page, statuses_are_links,
                        every_object_has_safety_notes],
                       plan_skip=None if DOXYGEN else "doxygen is not installed"))
