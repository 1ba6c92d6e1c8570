#!/usr/bin/env bash
# Fuzzes dezone's parsers of untrusted input for a bounded time (issue #7, item 3):
# the query-string parser, the POST /locate batch body parser and the zone-file
# loader, on arbitrary text and on fuzzed outlines (fuzz/README.md). Installs
# cargo-fuzz (pinned) if missing, builds the targets with the stable toolchain,
# runs each for FUZZ_SECONDS, prints how many inputs each run executed, and
# fails if any target crashed, hung or broke an invariant.
#
#   .ci/fuzz.sh [--build-only]
#
#   --build-only   install cargo-fuzz and build the targets, then stop (.ci/run
#                  does this in the background while the client checks run)
#
#   FUZZ_SECONDS   time per target, default 20
#   FUZZ_TARGETS   which targets, default "query batch geodata geodata_shapes"
#   FUZZ_TIMEOUT   seconds one input may take before it counts as a hang, default 30
#   FUZZ_JOBS      targets fuzzed at once, default one per core
#
# New corpus entries go to fuzz/target/corpus/<target>/ (not committed); the
# committed seeds in fuzz/corpus/<target>/ are only read. A crashing input is
# saved under fuzz/artifacts/<target>/ and named in the output.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_only=false
[ "${1:-}" = --build-only ] && build_only=true

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-30}"
read -r -a targets <<<"${FUZZ_TARGETS:-query batch geodata geodata_shapes}"

# No sanitizer: dezone forbids unsafe code, so AddressSanitizer would mostly
# re-check the standard library and dependencies, at the price of a much longer
# build and RUSTC_BOOTSTRAP=1 (-Zsanitizer is nightly-only); without it
# cargo-fuzz needs nothing unstable and runs on the stable toolchain as it is.
# 16 codegen units: cargo-fuzz's default of 1 makes the dezone crate the long
# pole of the build. The same flags must go to build and run, or run rebuilds.
build_flags=(--sanitizer none --codegen-units 16)

export CARGO_TERM_COLOR=never

step() { printf '\n== %s (at %ss)\n' "$*" "$SECONDS"; }

step "toolchain"
cargo --version
rustc --version

# libfuzzer-sys compiles libFuzzer's C++ sources.
if ! command -v c++ >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then
        # The lock timeout: .ci/run may be installing other packages meanwhile.
        apt-get -o DPkg::Lock::Timeout=900 update -qq
        apt-get -o DPkg::Lock::Timeout=900 install -y -qq g++ >/dev/null
    else
        echo "a C++ compiler (c++) is needed: apt-get install g++" >&2
        exit 1
    fi
fi

step "cargo-fuzz $CARGO_FUZZ_VERSION"
if cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
    echo "already installed"
else
    # --debug: half the build time of a release build; cargo-fuzz only
    # drives cargo and libFuzzer, its own speed does not matter.
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --debug
fi
cargo fuzz --version

step "build fuzz targets: ${targets[*]}"
# The fuzz crate resolves dependencies from the service's own lockfile, so it
# fuzzes the versions that ship; cargo adds only libfuzzer-sys and its deps.
cp Cargo.lock fuzz/Cargo.lock
for target in "${targets[@]}"; do
    cargo fuzz build "${build_flags[@]}" "$target"
done

if [ "$build_only" = true ]; then
    step "built: ${targets[*]}"
    exit 0
fi

# One libFuzzer process per target, FUZZ_JOBS at a time (default: one per
# core), each for FUZZ_SECONDS.
fuzz_one() {
    local target=$1 scratch="$root/fuzz/target/corpus/$1" log="$root/fuzz/target/logs/$1.log"
    local dict=()
    mkdir -p "$scratch" "$root/fuzz/artifacts/$target"
    case "$target" in
        query) dict=("-dict=$root/fuzz/dict/query.dict") ;;
        batch | geodata) dict=("-dict=$root/fuzz/dict/geojson.dict") ;;
    esac
    local status=0
    cargo fuzz run "${build_flags[@]}" "$target" "$scratch" "$root/fuzz/corpus/$target" -- \
        "${dict[@]}" -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    echo "$status" >"$log.status"
}

jobs="${FUZZ_JOBS:-$(nproc)}"
step "fuzz ${targets[*]} for ${FUZZ_SECONDS}s each, $jobs at a time"
mkdir -p fuzz/target/logs
running=0
for target in "${targets[@]}"; do
    rm -f "fuzz/target/logs/$target.log.status"
    fuzz_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait

failed=()
summary=()
for target in "${targets[@]}"; do
    log="fuzz/target/logs/$target.log"
    status=$(cat "$log.status" 2>/dev/null || echo "?")
    # libFuzzer's closing lines: "Done N runs in S second(s)" and, with
    # -print_final_stats=1, "stat::number_of_executed_units: N" and
    # "stat::average_exec_per_sec: R".
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    if [ "$status" = 0 ] && [ -n "$runs" ]; then
        summary+=("$target: $runs executions in ${secs:-?} s (${rate:-?}/s), no crash")
    else
        # A crash, hang, out-of-memory or failed start: show libFuzzer's report.
        step "$target failed: the end of $log"
        grep -v '^"' "$log" | tail -n 60
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        summary+=("$target: FAILED (exit $status, ${runs:-?} executions)${artifact:+; input saved as $artifact}")
        failed+=("$target")
    fi
done

step "fuzz summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (logs in fuzz/target/logs/)" >&2
    exit 1
fi
