#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/test.sh - build libportmmf and run every test on every backend.
#
#   ./scripts/test.sh
#
# Legs (each its own build directory, reused and reconfigured on later runs):
#   native  gcc, POSIX backend                  build-native
#   clang   clang, POSIX backend                build-clang
#   win     MinGW-w64, Win32 backend, via Wine   build-win
#   i386    gcc -m32, POSIX backend, 32-bit     build-i386
#   musl    musl-gcc, POSIX backend, musl libc   build-musl
#   win32   i686 MinGW-w64, Win32 backend,       build-win32
#           32-bit, via Wine's WoW64 mode (a prefix of its own)
#   msvc    clang-cl + lld-link, MSVC ABI (x86_64-pc-windows-msvc), Win32
#           backend, /W4, against Wine's headers and import libraries, every
#           suite via Wine (cross/x86_64-pc-windows-msvc.txt)   build-msvc
#   win-arm64-msvc  clang-cl for aarch64-pc-windows-msvc: built (library,
#           tests, examples, tool, benchmark), not run   build-win-arm64-msvc
#   win-arm64-gnu   zig 0.11 cc for aarch64-windows-gnu (MinGW ABI): built,
#           not run                                      build-win-arm64-gnu
#   asan    gcc, ASan + UBSan, halt on error    build-asan
#   valgrind  gcc, every test under memcheck    build-valgrind
#   tsan    clang, ThreadSanitizer, suite 'threads'   build-tsan
#   fuzz    clang, libFuzzer + ASan + UBSan, each harness for
#           PMMF_FUZZ_SECONDS (default 60) s     build-fuzz
#   aarch64 clang for aarch64 Linux, run under qemu-aarch64   build-aarch64
#   s390x   clang for s390x Linux (big-endian), under qemu-s390x   build-s390x
#           (both: every suite, the tests through Meson's exe_wrapper, the
#           Python drivers' programs through the emulator the cross file
#           names; what qemu-user cannot do is reported as not run)
#   page16k gcc, POSIX backend reporting 16 KiB pages and granularity
#           (-Dtest_page_size=16384), conformance + posix suites  build-page16k
#   page64k the same with 64 KiB pages (-Dtest_page_size=65536)   build-page64k
#   macos-x86_64, macos-aarch64  zig 0.11 cc, POSIX backend, Mach-O:
#           built (library, tests with CMocka from the wrap, examples, tool,
#           benchmark), not run              build-macos-x86_64, -aarch64
# All legs build with -Dwerror=true. PMMF_LEGS="native win" runs a subset;
# "macos" stands for both macOS legs.
# Lines a test prints as "# report: ..." (fuzz executions, injected failure
# points) are repeated at the end, per leg.
#
# The win32 leg always builds; its tests run where Wine can start 32-bit
# programs: wine64 in its WoW64 mode, given Wine's 32-bit Windows DLLs
# (WINEDLLPATH at the i386-windows folder of libwine:i386, which
# scripts/deps.sh downloads and unpacks into a cache directory) and a prefix
# of its own (wineprefix32, created with them, so that its syswow64 folder is
# filled), or an installed wine32:i386. Without them the leg reports "built,
# not run", the reason, and one skip, not a failure: Debian's wine64 alone
# exits 0 without running a 32-bit program, so the leg first checks that the
# demo really ran. The macOS legs never run here: they report "built, not
# run" and one skip each.
# The win-arm64 legs never run here either: "built, not run", one skip each.
#
# A failing leg does not stop the others; the exit status is non-zero if any
# leg failed to configure, build or pass. The last line is always
#   tests: N passed, M failed
# counted per test case (TAP lines or CMocka's summary) where the output has
# them, else per test executable; a leg that does not configure or build
# counts as one failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

read -r -a LEGS <<<"${PMMF_LEGS:-native clang win i386 musl win32 msvc win-arm64-msvc win-arm64-gnu asan valgrind tsan fuzz aarch64 s390x page16k page64k macos}"
# "macos": both macOS legs.
read -r -a LEGS <<<"$(printf '%s\n' "${LEGS[@]}" | sed 's/^macos$/macos-x86_64\nmacos-aarch64/' | tr '\n' ' ')"

"$ROOT/scripts/deps.sh"

# The macOS and win-arm64-gnu legs' compiler and archiver: wrappers around
# zig (cross/zig/), named by the cross files cross/*-macos.txt and
# cross/aarch64-windows-gnu.txt and found on PATH; the MSVC-ABI legs'
# clang-cl and linker wrappers (cross/msvc/), named by cross/*-windows-msvc.txt.
export PATH="$ROOT/cross/zig:$ROOT/cross/msvc:$PATH"

# --- Wine: quiet, no prompts, no display, its own prefix --------------------
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"   # no Mono/Gecko prompts
export WINEPREFIX="${WINEPREFIX:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libportmmf/wineprefix}"
unset DISPLAY WAYLAND_DISPLAY

# The win32 leg's Wine: its own prefix, and the 32-bit Windows DLLs that
# scripts/deps.sh unpacked for the installed Wine's version (or, in
# WINE32_DIR.failed, why it could not).
CACHE_DIR="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libportmmf"
WINEPREFIX32="${WINEPREFIX32:-$CACHE_DIR/wineprefix32}"
WINE32_DIR="$CACHE_DIR/wine32-$( (dpkg-query -W -f='${Version}' libwine:amd64 2>/dev/null || true) |
                                  tr '~:' '__')"

wine_init() {
  # The win32 leg's prefix gets its syswow64 DLLs (which WoW64 loads
  # kernel32.dll and the others from) only at creation, and only if the
  # 32-bit DLLs are on WINEDLLPATH then: one made without them is made again.
  if [ -f "$WINEPREFIX/system.reg" ] && [ -n "${WINEDLLPATH-}" ] &&
     [ "$WINEPREFIX" = "$WINEPREFIX32" ] &&
     ! [ -f "$WINEPREFIX/drive_c/windows/syswow64/kernel32.dll" ]; then
    echo "== $WINEPREFIX has no 32-bit DLLs: made again"
    rm -rf "$WINEPREFIX"
  fi
  if [ -f "$WINEPREFIX/system.reg" ]; then
    return 0
  fi
  echo "== creating Wine prefix $WINEPREFIX (first start, takes a while)"
  local t0=$SECONDS
  mkdir -p "$(dirname "$WINEPREFIX")"
  wineboot -i </dev/null >/dev/null 2>&1 || true
  wineserver -w
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "wineboot failed to create $WINEPREFIX" >&2
    return 1
  fi
  echo "== Wine prefix ready in $((SECONDS - t0)) s"
}

# --- legs --------------------------------------------------------------------
# configure DIR [ARGS...]: meson setup, or reconfigure if DIR is already set up.
configure() {
  local dir="$1"
  shift
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$dir" "$@"
  else
    meson setup "$dir" "$@"
  fi
}

leg_dir() { echo "build-$1"; }

leg_setup() {
  case "$1" in
    native) configure build-native -Dwerror=true ;;
    clang)  CC=clang configure build-clang -Dwerror=true ;;
    win)    wine_init &&
            configure build-win --cross-file cross/x86_64-w64-mingw32.txt -Dwerror=true ;;
    i386)   configure build-i386 --cross-file cross/i386-linux-gnu.txt -Dwerror=true ;;
    musl)   configure build-musl --cross-file cross/x86_64-linux-musl.txt -Dwerror=true ;;
    win32)  wine_init &&
            configure build-win32 --cross-file cross/i686-w64-mingw32.txt -Dwerror=true ;;
    # UBSan reports are errors too (-fno-sanitize-recover); b_lundef=false
    # because the sanitizer runtimes resolve symbols at load time.
    asan)   configure build-asan -Dwerror=true -Db_sanitize=address,undefined \
              -Db_lundef=false -Dc_args=-fno-sanitize-recover=all ;;
    valgrind) configure build-valgrind -Dwerror=true ;;
    tsan)   CC=clang configure build-tsan -Dwerror=true -Db_sanitize=thread -Db_lundef=false ;;
    fuzz)   CC=clang configure build-fuzz -Dwerror=true -Dfuzz=true \
              -Db_sanitize=address,undefined -Db_lundef=false \
              -Dc_args=-fno-sanitize-recover=all ;;
    aarch64|s390x)
            configure "build-$1" --cross-file "cross/$1-linux-gnu.txt" -Dwerror=true ;;
    # Pages of 16 and 64 KiB as on Apple Silicon and many aarch64/ppc64le
    # kernels: the POSIX backend reports them (a multiple of the real page).
    page16k) configure build-page16k -Dwerror=true -Dtest_page_size=16384 ;;
    page64k) configure build-page64k -Dwerror=true -Dtest_page_size=65536 ;;
    macos-x86_64|macos-aarch64)
            configure "build-$1" --cross-file "cross/${1#macos-}-macos.txt" -Dwerror=true ;;
    msvc)   wine_init &&
            configure build-msvc --cross-file cross/x86_64-pc-windows-msvc.txt -Dwerror=true ;;
    win-arm64-msvc)
            configure build-win-arm64-msvc --cross-file cross/aarch64-pc-windows-msvc.txt \
              -Dwerror=true ;;
    win-arm64-gnu)
            configure build-win-arm64-gnu --cross-file cross/aarch64-windows-gnu.txt \
              -Dwerror=true ;;
    *)      echo "unknown leg '$1'" >&2; return 1 ;;
  esac
}

# leg_env LEG: export what the leg's programs need (run_leg restores the
# previous values when the leg ends).
leg_env() {
  case "$1" in
    win32) export WINEPREFIX="$WINEPREFIX32"
           if [ -f "$WINE32_DIR/.complete" ]; then
             export WINEDLLPATH="$WINE32_DIR/i386-windows${WINEDLLPATH:+:$WINEDLLPATH}"
           fi ;;
  esac
}

# leg_can_run LEG DIR: whether the leg's built programs can run here; if not,
# LEG_NOTE says why (for the summary).
leg_can_run() {
  case "$1" in
    win32) if (cd "$2/examples" && timeout 120 wine ./demo-static.exe wine32-probe.bin 2>/dev/null) |
                grep -q "backend win32"; then
             return 0
           fi
           if [ -f "$WINE32_DIR/.complete" ]; then
             LEG_NOTE="Wine did not run the 32-bit demo (WoW64, WINEDLLPATH=$WINE32_DIR/i386-windows)"
           elif [ -f "$WINE32_DIR.failed" ]; then
             LEG_NOTE="no 32-bit Wine: $(head -n1 "$WINE32_DIR.failed")"
           else
             LEG_NOTE="no 32-bit Wine: no $WINE32_DIR (scripts/deps.sh unpacks it)"
           fi
           echo "== $1: $LEG_NOTE"
           return 1 ;;
    macos-*) LEG_NOTE="Mach-O programs do not run on Linux"
             echo "== $1: $LEG_NOTE"
             return 1 ;;
    win-arm64-*) LEG_NOTE="ARM64 Windows programs do not run here (Wine runs x86 ones)"
             echo "== $1: $LEG_NOTE"
             return 1 ;;
    *)     return 0 ;;
  esac
}

# The test setup a leg runs with (tests/meson.build), if any: meson test then
# writes meson-logs/testlog-<setup>.json instead of testlog.json.
leg_setup_name() {
  case "$1" in
    asan|valgrind|tsan) echo "$1" ;;
    *) echo "" ;;
  esac
}

leg_testlog() {
  local setup
  setup="$(leg_setup_name "$1")"
  echo "$(leg_dir "$1")/meson-logs/testlog${setup:+-$setup}.json"
}

leg_test_args() {
  local setup
  setup="$(leg_setup_name "$1")"
  case "$1" in
    win|win32|msvc) echo "--timeout-multiplier 3" ;;   # every test pays a Wine process start
    tsan) echo "--setup $setup --suite threads" ;;   # the threaded tests only
    fuzz) echo "--suite fuzz" ;;                # the harnesses, bounded in time
    aarch64|s390x) echo "--timeout-multiplier 3" ;;   # every program pays an emulator start
    page16k|page64k) echo "--suite conformance --suite posix" ;;   # what uses the page size
    *)    echo "${setup:+--setup $setup}" ;;    # asan, valgrind: tests/meson.build
  esac
}

# count_tests TESTLOG DETAILS: print "passed failed skipped" for one
# meson-logs/testlog.json, and write what failed (with the test's own
# diagnostics) to the file DETAILS.
count_tests() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys

BAD = {"FAIL", "ERROR", "TIMEOUT", "UNEXPECTEDPASS", "INTERRUPT"}
passed = failed = skipped = 0
details = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if not line.strip():
        continue
    entry = json.loads(line)
    result = entry.get("result", "")
    text = (entry.get("stdout") or "") + "\n" + (entry.get("stderr") or "")
    lines = [l.rstrip("\r") for l in text.splitlines()]
    p = f = s = 0
    if result == "EXPECTEDFAIL":
        p = 1
    elif any(re.match(r"\d+\.\.\d+", l) for l in lines):            # TAP
        for l in lines:
            m = re.match(r"(not )?ok\b(.*)", l)
            if not m:
                continue
            directive = re.search(r"#\s*(skip|todo)", m.group(2), re.I)
            directive = directive.group(1).lower() if directive else ""
            if m.group(1):
                if directive == "todo":
                    p += 1
                else:
                    f += 1
                    details.append("%s: %s" % (entry["name"], l))
                    for d in lines[lines.index(l) + 1:]:
                        if not d.startswith("#") or d.startswith("# not ok"):
                            break
                        details.append("%s:     %s" % (entry["name"], d))
            elif directive == "skip":
                s += 1
            else:
                p += 1
    else:                                                           # CMocka default output
        def total(tag):
            return sum(int(m.group(1)) for l in lines
                       for m in [re.match(r"\[ *%s *\] (\d+) test" % tag, l)] if m)
        p, f, s = total("PASSED"), total("FAILED"), total("SKIPPED")
        if p + f + s == 0:                                          # no summary: per-test lines
            p = sum(bool(re.match(r"\[ +OK +\] ", l)) for l in lines)
            f = sum(bool(re.match(r"\[ +(FAILED|ERROR) +\] (?!\d+ test)", l)) for l in lines)
            s = sum(bool(re.match(r"\[ +SKIPPED +\] (?!\d+ test)", l)) for l in lines)
        if f:
            details += dict.fromkeys("%s: %s" % (entry["name"], l) for l in lines
                                     if re.match(r"\[ +(FAILED|ERROR|LINE) +\] (?!\d+ test)", l))
    if p + f + s == 0:                                              # plain exit-code test
        if result == "SKIP":
            s = 1
        elif result in BAD:
            f = 1
        else:
            p = 1
    if result in BAD and f == 0:      # crashed or timed out after its last report
        f = 1
    if result in BAD:
        details.append("%s: %s (exit status %s)" % (entry["name"], result, entry.get("returncode")))
    passed, failed, skipped = passed + p, failed + f, skipped + s
with open(sys.argv[2], "a", encoding="utf-8") as out:
    out.writelines(line + "\n" for line in details)
print(passed, failed, skipped)
PY
}

# reports TESTLOG: the "# report: ..." lines of every test in a testlog.json.
reports() {
  python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if not line.strip():
        continue
    entry = json.loads(line)
    for l in (entry.get("stdout") or "").splitlines():
        if l.startswith("# report: "):
            print("%s: %s" % (entry["name"], l[len("# report: "):].rstrip()))
PY
}

TOTAL_PASSED=0
TOTAL_FAILED=0
DETAILS="$(mktemp)"
trap 'rm -f "$DETAILS" "$DETAILS".*' EXIT
SUMMARY=()
OVERALL=0

run_leg() {
  local leg="$1" dir log status counts p=0 f=0 s=0 t0=$SECONDS
  # The leg's environment (leg_env), undone when the leg ends.
  local saved_prefix="$WINEPREFIX" saved_dllpath="${WINEDLLPATH-}" had_dllpath="${WINEDLLPATH+1}"
  LEG_NOTE=""
  leg_env "$leg"
  dir="$(leg_dir "$leg")"
  log="$(leg_testlog "$leg")"
  echo
  echo "=================================================================="
  echo "== leg: $leg ($dir)"
  echo "=================================================================="
  rm -f "$log"
  # shellcheck disable=SC2046
  if ! leg_setup "$leg"; then
    status="configure FAILED"
  elif ! meson compile -C "$dir"; then
    status="build FAILED"
  elif ! leg_can_run "$leg" "$dir"; then
    status="built, not run"
    echo "== $leg: built; its programs cannot run here"
  elif ! meson test -C "$dir" --print-errorlogs $(leg_test_args "$leg"); then
    status="tests FAILED"
  else
    status="ok"
  fi
  if [ -f "$log" ]; then
    counts="$(count_tests "$log" "$DETAILS.$leg")" || counts="0 1 0"
    read -r p f s <<<"$counts"
    reports "$log" >"$DETAILS.$leg.reports" || true
  fi
  if [ "$status" = "built, not run" ]; then
    s=1
  elif [ "$status" != ok ]; then
    OVERALL=1
    [ "$f" -gt 0 ] || f=1
  fi
  export WINEPREFIX="$saved_prefix"
  if [ -n "$had_dllpath" ]; then
    export WINEDLLPATH="$saved_dllpath"
  else
    unset WINEDLLPATH
  fi
  TOTAL_PASSED=$((TOTAL_PASSED + p))
  TOTAL_FAILED=$((TOTAL_FAILED + f))
  SUMMARY+=("$(printf '%-8s %-17s %4d passed, %d failed, %d skipped  (%d s)%s' \
                "$leg" "$status" "$p" "$f" "$s" "$((SECONDS - t0))" "${LEG_NOTE:+: $LEG_NOTE}")")
}

for leg in "${LEGS[@]}"; do
  run_leg "$leg"
done

# Wine keeps its wineserver alive a few seconds after the last program exits;
# wait for it so nothing is left running behind us (bounded, in case a test
# left a Windows process hanging).
for prefix in "$WINEPREFIX" "$WINEPREFIX32"; do
  if [ -f "$prefix/system.reg" ] && command -v wineserver >/dev/null 2>&1; then
    WINEPREFIX="$prefix" timeout 60 wineserver -w >/dev/null 2>&1 || true
  fi
done

for leg in "${LEGS[@]}"; do
  if [ -s "$DETAILS.$leg" ]; then
    echo
    echo "== failures in leg $leg"
    sed 's/^/  /' "$DETAILS.$leg"
  fi
done
for leg in "${LEGS[@]}"; do
  if [ -s "$DETAILS.$leg.reports" ]; then
    echo
    echo "== reports from leg $leg"
    sed 's/^/  /' "$DETAILS.$leg.reports"
  fi
done
echo
echo "== summary"
for line in "${SUMMARY[@]}"; do
  echo "  $line"
done
echo "tests: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
exit "$OVERALL"
