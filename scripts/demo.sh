#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/demo.sh - build libportmmf natively and run the demo program.
#
#   ./scripts/demo.sh [ARGS...]      ARGS are passed to the demo
#
# Installs only what a native build needs (meson, ninja, gcc, pkg-config) if
# missing, builds in build-demo/ without the test suite (no CMocka needed),
# and runs build-demo/examples/demo from the repository root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/deps.sh" --minimal

if [ -f build-demo/meson-private/coredata.dat ]; then
  meson setup --reconfigure build-demo -Dtests=false
else
  meson setup build-demo -Dtests=false
fi
meson compile -C build-demo demo

echo "== running build-demo/examples/demo $*"
exec ./build-demo/examples/demo "$@"
