#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench-smoke.py - run pmmf-bench once with tiny sizes and check what it
writes: it must exit 0 and produce JSON with the machine, every case 1 to 10,
and for each row either figures (medians, spreads, ratios that are positive
numbers) or the reason it was skipped. Nothing about speed is asserted.

    bench-smoke.py [--wrapper PROG] [--workdir DIR] path/to/pmmf-bench
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def fail(message):
    print("bench-smoke: FAIL: " + message)
    sys.exit(1)


def check_series(row, name):
    series = row.get(name)
    if not isinstance(series, dict):
        fail("case %s: no '%s' series" % (row.get("id"), name))
    for key in ("median", "min", "max", "q1", "q3"):
        value = series.get(key)
        if not isinstance(value, (int, float)) or value < 0:
            fail("case %s: %s.%s is %r" % (row.get("id"), name, key, value))
    if not series["min"] <= series["median"] <= series["max"]:
        fail("case %s: %s median outside [min, max]" % (row.get("id"), name))
    if not series.get("samples"):
        fail("case %s: %s has no samples" % (row.get("id"), name))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wrapper")
    parser.add_argument("--workdir", default=".")
    parser.add_argument("bench")
    args = parser.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="bench-smoke-", dir=args.workdir)
    try:
        command = ([args.wrapper] if args.wrapper else []) + [
            args.bench, "--size", "2M", "--rounds", "1", "--window", "256K",
            "--views", "16", "--reads", "64", "--files", "4", "--file-size", "8K", "--sync-files", "1", "--sync-size", "64K",
            "--dir", ".", "--json", "out.json"]
        print("bench-smoke: " + " ".join(command))
        sys.stdout.flush()
        result = subprocess.run(command, cwd=workdir, timeout=240)
        if result.returncode != 0:
            fail("pmmf-bench exited with %d" % result.returncode)
        with open(os.path.join(workdir, "out.json"), encoding="utf-8") as f:
            data = json.load(f)
        leftovers = [n for n in os.listdir(workdir) if n != "out.json"]
        if leftovers:
            fail("files left behind: %s" % leftovers)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    machine = data.get("machine", {})
    if not isinstance(machine.get("cpus"), int) or machine["cpus"] < 1:
        fail("machine.cpus missing")
    if not isinstance(machine.get("page_size"), int) or machine["page_size"] < 1:
        fail("machine.page_size missing")
    if not machine.get("os"):
        fail("machine.os missing")
    cases = data.get("cases")
    if not isinstance(cases, list):
        fail("no cases")
    seen = {row.get("case") for row in cases}
    expected = set(range(1, 12))
    if not expected <= seen:
        fail("cases present: %s, expected 1-11" % sorted(seen))
    for row in cases:
        if "skipped" in row:
            if not row["skipped"]:
                fail("case %s skipped without a reason" % row.get("id"))
            print("bench-smoke: case %s skipped: %s" % (row["id"], row["skipped"]))
            continue
        for name in ("raw", "lib", "ratio"):
            check_series(row, name)
        if row.get("goal") is not None and not isinstance(row.get("goal_met"), bool):
            fail("case %s: goal without goal_met" % row.get("id"))
    print("bench-smoke: ok, %d rows" % len(cases))


if __name__ == "__main__":
    main()
