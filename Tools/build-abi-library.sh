#!/bin/sh
# Builds libMaskSearchABI.so (the C ABI of Sources/MaskSearchABI/include/masksearch.h) in release,
# with the Swift runtime and Foundation linked in statically, so the library needs only the
# system's libc, libm, libstdc++, libgcc_s and liblz4 (`ldd` lists no libswift*).
#
# SwiftPM compiles with --static-swift-stdlib (the objects then name the static Foundation's
# libraries, e.g. _FoundationICU) but links a dynamic library product against the shared Swift
# runtime anyway (it passes -static-stdlib to executables only; its link even needs the static
# library directory added to find them). So this script builds the product, then links the same
# object files again with `swiftc -static-stdlib`.
#
# Usage: Tools/build-abi-library.sh [OUTPUT_DIR]   (default: .build/abi); prints the library's path.
set -eu
cd "$(dirname "$0")/.."
out=${1:-.build/abi}
static_libs=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")/lib/swift_static/linux
swift build -c release --product MaskSearchABI --static-swift-stdlib -Xlinker -L"$static_libs" >&2
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
mkdir -p "$out"
rm -f "$out/libMaskSearchABI.so"  # never report a stale library as this build's
swiftc -emit-library -static-stdlib -module-name MaskSearchABI -Xlinker --gc-sections \
    -o "$out/libMaskSearchABI.so" @"$bin/MaskSearchABI.product/Objects.LinkFileList" \
    $(pkg-config --libs liblz4) 2>&1 | grep -v "mktemp' is dangerous" >&2 || true
test -f "$out/libMaskSearchABI.so"
strip --strip-unneeded "$out/libMaskSearchABI.so"
if ldd "$out/libMaskSearchABI.so" | grep -q libswift; then
    echo "error: $out/libMaskSearchABI.so still links the shared Swift runtime" >&2
    exit 1
fi
echo "$out/libMaskSearchABI.so"
