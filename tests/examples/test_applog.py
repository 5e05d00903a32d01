#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_applog.py - examples/applog survives being killed (TAP).

Starts `applog append LOG` (no count: it appends until killed), waits until
it reports "flushed N" for N past the first growth of the file, kills it
without warning (SIGKILL natively; for a Windows build under Wine, SIGKILL
of the Wine process, which ends the Windows process as abruptly as
TerminateProcess), then checks with `applog verify` that every reported
record is there and intact, that appending resumes after them, and that
verify does notice a damaged record.
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


def verify():
    rc, out, err = APPLOG.run("verify", "log.bin")
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


if __name__ == "__main__":
    sys.exit(run_in_scratch(APPLOG, ARGS.workdir, "applog-",
                            [killed_writer_loses_no_flushed_record,
                             append_resumes_after_the_last_record,
                             verify_detects_a_damaged_record]))
