#!/usr/bin/env bash
# Builds the public CPU test suites the conformance test runs, from the source archives in
# EXT_DIR (see EXT_DIR/README.md: kvm-unit-tests and test386.asm at pinned commits), in
# WORK_DIR. Their sources are never copied into this repository.
#
#   images/conformance/build-suites.sh EXT_DIR WORK_DIR
#
# Produces WORK_DIR/kvm-unit-tests/x86/*.flat (./configure && make, x86_64, the host gcc)
# and WORK_DIR/test386.asm/test386.bin (nasm, the suite's own configuration: POST codes on
# port 0x190), and test386-rom128.bin (the same with ROM128 set). A suite already built in
# WORK_DIR is left as it is.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 EXT_DIR WORK_DIR" >&2
    exit 2
fi
ext=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)

archive() {
    local matches=("$ext"/"$1"-*.tar.gz)
    if [ ! -f "${matches[0]}" ]; then
        echo "$0: no $1-*.tar.gz in $ext" >&2
        exit 1
    fi
    echo "${matches[0]}"
}

if [ ! -f "$work/kvm-unit-tests/x86/realmode.flat" ]; then
    rm -rf "$work/kvm-unit-tests"
    tar -xzf "$(archive kvm-unit-tests)" -C "$work"
    (cd "$work/kvm-unit-tests" && ./configure --arch=x86_64 > configure.log && make -j2 > make.log 2>&1) || {
        echo "$0: building kvm-unit-tests failed; see $work/kvm-unit-tests/make.log" >&2
        exit 1
    }
fi

if [ ! -f "$work/test386.asm/test386.bin" ]; then
    rm -rf "$work/test386.asm"
    tar -xzf "$(archive test386.asm)" -C "$work"
    (cd "$work/test386.asm" && nasm -i./src/ -f bin src/test386.asm -w-all -l test386.lst -o test386.bin)
fi

# The same suite as a 128 KiB ROM (its ROM128 option), which adds the hardware task-switch
# tests of POST 22 (32- and 16-bit TSSs, task gates, virtual-8086 mode through a task switch).
if [ ! -f "$work/test386.asm/test386-rom128.bin" ]; then
    (cd "$work/test386.asm" && mkdir -p rom128 \
        && sed 's/^ROM128 equ 0/ROM128 equ 1/' src/configuration.asm > rom128/configuration.asm \
        && grep -q '^ROM128 equ 1' rom128/configuration.asm \
        && nasm -i./rom128/ -i./src/ -f bin src/test386.asm -w-all -l test386-rom128.lst -o test386-rom128.bin)
fi
