#!/usr/bin/env bash
# libFuzzer fuzzing of masksearch's readers and parser (Tests/Fuzz/README.md).
#
#   Tools/fuzz.sh TARGET SECONDS [--jobs N]     TARGET: sql, npy, image, database, or all
#
# Builds the target (incrementally) with -sanitize=fuzzer,address (Swift and C) into .build-fuzz/ (the package's
# fuzz executables exist only with MASKSEARCH_FUZZ set, see Package.swift), copies the committed
# seeds (Tests/Fuzz/Corpus/TARGET) into the working corpus .build-fuzz/corpus/TARGET (runs grow it
# there, git stays clean) and fuzzes for SECONDS; with --jobs N, N processes in libFuzzer's fork
# mode. A crashing input is written to .build-fuzz/crashes/TARGET/ (not artifacts/: SwiftPM
# prunes that folder on every build) and the script exits 1.
# `all` builds every target first, then runs each for SECONDS in turn (the CI step). Prints each
# run's final line (executions, coverage, corpus) and its stat:: lines; the full log is
# .build-fuzz/logs/TARGET.log. Leak detection is off: a leak is not a crash, and the Swift
# runtime's caches would be reported as leaks. Swift's own backtracer is off: it crashes under
# AddressSanitizer, hiding the trap; libFuzzer then prints the trap's stack itself.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: Tools/fuzz.sh sql|npy|image|database|all SECONDS [--jobs N]" >&2; exit 2; }
[ $# -ge 2 ] || usage
target="$1"; seconds="$2"; shift 2
jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) [ $# -ge 2 ] || usage; jobs="$2"; shift 2 ;;
    *) usage ;;
  esac
done
case "$target" in
  all) targets=(sql npy image database) ;;
  sql|npy|image|database) targets=("$target") ;;
  *) usage ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || usage

# The largest input per target: a query, an .npy of a few small masks, a small image, and a
# selector byte plus a fixture file (the largest, a segment, is about 20 KB).
max_len() {
  case "$1" in
    sql) echo 4096 ;;
    npy) echo 16384 ;;
    image) echo 65536 ;;
    database) echo 65536 ;;
  esac
}

build_dir=.build-fuzz
# `--sanitize=fuzzer` tells SwiftPM to link libFuzzer's main (it then does not rename the entry
# point), but SwiftPM passes each --sanitize to swiftc as its own -sanitize= option and the Swift
# driver keeps only the last one: so the Swift code gets its sanitizers from the combined
# -sanitize=fuzzer,address that -Xswiftc puts after SwiftPM's; C code gets -fsanitize=address too.
sanitize=(--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address)
mkdir -p "$build_dir"
for t in "${targets[@]}"; do
  if ! MASKSEARCH_FUZZ=1 nice swift build --build-path "$build_dir" "${sanitize[@]}" --product "fuzz-$t" \
      >"$build_dir/build-$t.log" 2>&1; then
    grep -E "error" "$build_dir/build-$t.log" | head -20 >&2
    echo "fuzz: fuzz-$t did not build (log $build_dir/build-$t.log)" >&2
    exit 1
  fi
  grep -E "^Build of product" "$build_dir/build-$t.log" >&2 || true
done

status=0
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"; artifacts="$build_dir/crashes/$t"; log="$build_dir/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$build_dir/logs"
  cp -n Tests/Fuzz/Corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  fork=()
  [ "$jobs" -gt 1 ] && fork=(-fork="$jobs" -ignore_crashes=1)
  echo "fuzz: fuzz-$t for $seconds s (corpus $corpus, $(ls "$corpus" | wc -l) inputs)" >&2
  set +e
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$build_dir/debug/fuzz-$t" "$corpus" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len="$(max_len "$t")" \
    -timeout=30 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$artifacts/" "${fork[@]}" >"$log" 2>&1
  rc=$?
  set -e
  grep -E "^#[0-9]+[[:space:]]+DONE|^stat::|ERROR: (libFuzzer|AddressSanitizer)|SUMMARY|Test unit written" "$log" \
    | tail -12 | sed "s/^/fuzz-$t: /"
  [ -z "$(ls -A "$artifacts")" ] || echo "fuzz-$t: artifacts: $(ls "$artifacts" | tr '\n' ' ')"
  if [ $rc -ne 0 ]; then echo "fuzz-$t: FAILED (exit $rc), log $log" >&2; status=1; fi
done
# A crashed process cannot remove its scratch directory (Tests/Fuzz/Harness/FuzzScratch.swift).
for d in /dev/shm/masksearch-fuzz-*; do
  [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
done
exit $status
