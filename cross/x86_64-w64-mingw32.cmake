# SPDX-License-Identifier: MIT
# CMake toolchain file: 64-bit Windows via Debian's MinGW-w64
# (gcc-mingw-w64-x86-64), the CMake twin of cross/x86_64-w64-mingw32.txt.
# Programs run under Wine (CMAKE_CROSSCOMPILING_EMULATOR).
#
#   cmake -S . -B build-cmake-win -DCMAKE_TOOLCHAIN_FILE=cross/x86_64-w64-mingw32.cmake
#
# As in the Meson cross file, the MinGW runtime is linked statically, so the
# programs need no MinGW DLL beside them.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc -static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static")
set(CMAKE_CROSSCOMPILING_EMULATOR wine)
