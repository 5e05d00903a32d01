#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run_fuzzer.py - run one libFuzzer harness for a bounded time and speak TAP.

    run_fuzzer.py HARNESS SEED_CORPUS WORK_DIR

Runs HARNESS for PMMF_FUZZ_SECONDS seconds (default 60) over a copy of the
seed corpus kept in WORK_DIR/corpus (new inputs go there; the seeds in the
source tree are only read), with crash artifacts in WORK_DIR. Prints one TAP
line, "ok" when libFuzzer finished without finding anything, and a
"# report:" line with the executions it ran ("Done N runs in S second(s)").
"""
import os
import re
import subprocess
import sys


def main():
    harness, seeds, work = sys.argv[1:4]
    seconds = int(os.environ.get("PMMF_FUZZ_SECONDS", "60"))
    name = os.path.basename(harness)
    corpus = os.path.join(work, "corpus")
    os.makedirs(corpus, exist_ok=True)
    env = dict(os.environ)
    env["TMPDIR"] = work  # the harness's temporary files stay in the build tree
    cmd = [harness, "-max_total_time=%d" % seconds, "-timeout=20", "-rss_limit_mb=4096",
           "-print_final_stats=1", "-artifact_prefix=" + work + os.sep, corpus, seeds]
    print("1..1")
    print("# " + " ".join(cmd))
    sys.stdout.flush()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=env, timeout=seconds + 300)
        out = proc.stdout.decode("utf-8", "replace")
        code = proc.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        code = "timeout"
    done = re.search(r"^Done (\d+) runs in (\d+) second", out, re.M)
    cov = re.findall(r"^#\d+\s+\w+\s+cov: (\d+) ft: (\d+)", out, re.M)
    if code == 0 and done:
        print("ok 1 - %s" % name)
        extra = ", coverage %s edges, %s features" % cov[-1] if cov else ""
        print("# report: %s: %s executions in %s s%s" % (name, done.group(1), done.group(2), extra))
        return 0
    print("not ok 1 - %s (exit status %s)" % (name, code))
    for line in out.splitlines()[-80:]:
        print("# " + line)
    return 1


if __name__ == "__main__":
    sys.exit(main())
