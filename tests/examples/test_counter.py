#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_counter.py - examples/counter: processes add to one counter in named
shared memory and all see the sum (TAP).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from pmmftest import expect, program_from_args, run_in_scratch  # noqa: E402

ARGS, COUNTER = program_from_args()
RUN = [0]


def unique_name():
    RUN[0] += 1
    return "pmmf-ctr-%d-%d" % (os.getpid(), RUN[0])


def together(processes, increments):
    """Start `processes` copies at once; return their outputs."""
    name = unique_name()
    procs = []
    for i in range(processes):
        out, err = (os.path.join(COUNTER.cwd, "%s.%d.%s" % (name, i, s)) for s in ("out", "err"))
        procs.append((COUNTER.start(name, processes, increments, stdout_path=out, stderr_path=err),
                      out, err))
    lines = []
    for proc, out, err in procs:
        rc = proc.wait(timeout=120)
        text = open(out, "rb").read().decode().strip()
        expect(rc == 0, "a copy exited %d: %s %s" % (rc, text, open(err, "rb").read().decode()))
        lines.append(text)
    total = processes * increments
    expect(all(l.startswith("counter %s: %d (" % (name, total)) for l in lines),
           "expected %d from every copy: %s" % (total, lines))
    expect(sum(l.endswith("(created)") for l in lines) == 1, "not exactly one creator: %s" % lines)
    if os.path.isdir("/dev/shm") and not COUNTER.windows_on_host:
        expect(not os.path.exists("/dev/shm/" + name), "the creator did not unlink " + name)
    return "%d processes x %d increments = %d" % (processes, increments, total)


def two_processes():
    return together(2, 200000)


def four_processes():
    return together(4, 50000)



if __name__ == "__main__":
    sys.exit(run_in_scratch(COUNTER, ARGS.workdir, "counter-", [two_processes, four_processes]))
