#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_applog.py - examples/applog survives being killed (TAP).

Starts `applog append LOG` (no count: it appends until killed), waits until
it reports "flushed N" for N past the first growth of the file, kills it
without warning (SIGKILL natively; for a Windows build under Wine, SIGKILL
of the Wine process, which ends the Windows process as abruptly as
TerminateProcess), then checks with `applog verify` that every reported
record is there and intact, that appending resumes after them, and that
verify does notice a damaged record. Then the same for `applog
append-inplace`, which writes every record through one pointer (one view
extended in place as its map grows, 4 KiB at a time): killed more than 16
times past its first size, every "grown to S at P" it printed names the
first base, and no flushed record is lost. A Windows build answers exit
code 3 (PMMF_E_UNSUPPORTED: libportmmf has no in-place views on Windows;
Wine 8.0 has no placeholders), which is checked instead.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from pmmftest import expect, program_from_args, run_in_scratch  # noqa: E402

ARGS, APPLOG = program_from_args()

RECORD = 64
KILL_AFTER = 1500   # records: past the first 64 KiB of the file, so it grew once
STATE = {}


def verify(log="log.bin"):
    rc, out, err = APPLOG.run("verify", log)
    expect(rc == 0, "verify exited %d: %s" % (rc, err.strip()))
    text = out.decode().strip()
    expect(text.endswith(" records"), "verify printed %r" % text)
    return int(text.split()[0])


def killed_writer_loses_no_flushed_record():
    out_path = os.path.join(APPLOG.cwd, "append.out")
    proc = APPLOG.start("append", "log.bin", stdout_path=out_path,
                        stderr_path=os.path.join(APPLOG.cwd, "append.err"))
    flushed, deadline = 0, time.monotonic() + 240
    try:
        while flushed < KILL_AFTER:
            expect(proc.poll() is None, "applog exited early with %s" % proc.returncode)
            expect(time.monotonic() < deadline, "only %d records flushed in 240 s" % flushed)
            time.sleep(0.01)
            with open(out_path, "rb") as f:
                lines = [l for l in f.read().decode().splitlines() if l.startswith("flushed ")]
            if lines:
                flushed = int(lines[-1].split()[1])
    finally:
        proc.kill()          # SIGKILL / TerminateProcess: no cleanup runs
        proc.wait()
    count = verify()
    expect(count >= flushed, "verify found %d records, %d were reported flushed" % (count, flushed))
    STATE["count"] = count
    return "killed after %d flushed records; %d intact in the log" % (flushed, count)


def append_resumes_after_the_last_record():
    before = STATE["count"]
    rc, out, err = APPLOG.run("append", "log.bin", "25")
    expect(rc == 0, "append exited %d: %s" % (rc, err.strip()))
    lines = out.decode().splitlines()
    expect(lines[0] == "resuming after %d records" % before, lines[:1])
    expect(lines[-1] == "flushed %d" % (before + 25), lines[-1:])
    expect(verify() == before + 25, "not %d records after resuming" % (before + 25))


def verify_detects_a_damaged_record():
    path = os.path.join(APPLOG.cwd, "log.bin")
    with open(path, "r+b") as f:
        f.seek(10 * RECORD + 20)      # the text of record 11
        byte = f.read(1)
        f.seek(10 * RECORD + 20)
        f.write(bytes([byte[0] ^ 0x01]))
    rc, out, err = APPLOG.run("verify", "log.bin")
    expect(rc == 1 and "record 11 is corrupt" in err, "verify exited %d: %s" % (rc, err))


INPLACE_STEP = 4096
INPLACE_KILL_AFTER = 17 * INPLACE_STEP // RECORD + 10   # past 16 times the first size


def killed_inplace_writer_loses_no_flushed_record():
    if APPLOG.windows_on_host:
        rc, out, err = APPLOG.run("append-inplace", "inplace.bin", "5")
        expect(rc == 3 and "PMMF_E_UNSUPPORTED" in err,
               "append-inplace exited %d: %s" % (rc, err.strip()))
        return "Windows: PMMF_E_UNSUPPORTED (exit 3), as documented"
    out_path = os.path.join(APPLOG.cwd, "inplace.out")
    proc = APPLOG.start("append-inplace", "inplace.bin", stdout_path=out_path,
                        stderr_path=os.path.join(APPLOG.cwd, "inplace.err"))
    flushed, lines, deadline = 0, [], time.monotonic() + 240
    try:
        while flushed < INPLACE_KILL_AFTER:
            expect(proc.poll() is None, "applog exited early with %s" % proc.returncode)
            expect(time.monotonic() < deadline, "only %d records flushed in 240 s" % flushed)
            time.sleep(0.01)
            with open(out_path, "rb") as f:
                lines = f.read().decode().splitlines()
            done = [l for l in lines if l.startswith("flushed ")]
            if done:
                flushed = int(done[-1].split()[1])
    finally:
        proc.kill()          # SIGKILL: no cleanup runs
        proc.wait()
    bases = [l.split()[1] for l in lines if l.startswith("base ")]
    grown = [l.split() for l in lines if l.startswith("grown to ")]
    expect(len(bases) == 1, "base lines: %r" % bases)
    expect(len(grown) >= 16, "only %d growths" % len(grown))
    expect(all(g[4] == bases[0] for g in grown), "the pointer moved: %r" % grown[:3])
    expect(int(grown[-1][2]) >= 17 * INPLACE_STEP, "grown only to %s" % grown[-1][2])
    count = verify("inplace.bin")
    expect(count >= flushed, "verify found %d records, %d were reported flushed" % (count, flushed))
    rc, out, err = APPLOG.run("append-inplace", "inplace.bin", "70")
    expect(rc == 0, "append-inplace exited %d: %s" % (rc, err.strip()))
    expect(verify("inplace.bin") == count + 70, "not %d records after resuming" % (count + 70))
    return "killed after %d flushed records, %d growths at one base; %d intact" % (
        flushed, len(grown), count)


if __name__ == "__main__":
    sys.exit(run_in_scratch(APPLOG, ARGS.workdir, "applog-",
                            [killed_writer_loses_no_flushed_record,
                             append_resumes_after_the_last_record,
                             verify_detects_a_damaged_record,
                             killed_inplace_writer_loses_no_flushed_record]))
