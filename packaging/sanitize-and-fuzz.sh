#!/usr/bin/env bash
# The reliability build, the second half of the README's test command (docs/reliability.md):
# builds the core, the run store, the fitters, the `moescope` command line and their tests with
# Clang under AddressSanitizer + UndefinedBehaviorSanitizer into build-sanitize/, together with the
# libFuzzer targets of tests/fuzz, then runs that test suite under the sanitizers, each fuzzer for
# MOESCOPE_FUZZ_RUNS executions (default 50,000) from its seeds with a fixed random seed (the
# same inputs on every machine; at most MOESCOPE_FUZZ_SECONDS, default 90), and each once on
# every input it ever failed on (tests/fuzz/*/crashes-found). The explorer and the trainer (Qt, VTK, LibTorch:
# uninstrumented libraries, and most of the build's time) are left out here; their own tests run
# in build/. Needs clang and libclang-rt-14-dev (packaging/debian-packages.txt, which setup.sh
# installs).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${MOESCOPE_SANITIZE_BUILD:-build-sanitize}
runs=${MOESCOPE_FUZZ_RUNS:-50000}
seconds=${MOESCOPE_FUZZ_SECONDS:-90}
jobs=$(nproc 2>/dev/null || echo 2)
# Clang 14 where it is installed under its own name (its runtimes are libclang-rt-14-dev's), else
# the default clang. Optimised (-O1) but with assertions (no NDEBUG): a checking build. The one test
# that needs an NDEBUG build, LawFit.RecoversTable3LawFromNoiselessGridWithFullTable2Grid (the
# full 437,400-start grid: 72 s optimised, over 10 minutes under the sanitizers), skips itself
# here; build/ runs it, and the sub-grid tests run the same code here.
cc=clang
cxx=clang++
if command -v clang++-14 >/dev/null; then
  cc=clang-14
  cxx=clang++-14
fi
command -v "$cxx" >/dev/null ||
  { echo "sanitize: clang++ not found (Debian: apt install clang libclang-rt-14-dev)" >&2; exit 1; }

start=$SECONDS
CC=$cc CXX=$cxx cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE=-O1 -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
  -DMOESCOPE_SANITIZE=address,undefined -DMOESCOPE_FUZZ=ON \
  -DMOESCOPE_FUZZ_RUNS="$runs" -DMOESCOPE_FUZZ_SECONDS="$seconds" \
  -DMOESCOPE_BUILD_APP=OFF -DMOESCOPE_BUILD_TRAINING=OFF -DMOESCOPE_WITH_CUDA=OFF
# The tests and the fuzzers with what they run, not the benchmarks.
cmake --build "$build" --parallel "$jobs" --target moescope_tests
built=$SECONDS

# Any report stops the process that made it and fails its test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" || status=$?
echo "sanitize: configure and build $((built - start)) s, tests and fuzzers $((SECONDS - built)) s"
exit $status
