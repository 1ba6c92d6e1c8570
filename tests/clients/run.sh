#!/usr/bin/env bash
# Real OGC API – Features clients against a live dezone: GDAL/OGR (OAPIF driver),
# QGIS (its OAPIF provider), OWSLib, openapi-spec-validator, schemathesis, and
# openapi-schema-validator on real answers. See
# tests/clients/README.md.
#
# Builds the server (cargo build --release; DEZONE_BIN=path skips the build), starts
# it on 127.0.0.1 with a port the OS picks, runs every check, stops the server on
# exit, prints "N passed, N failed" and exits non-zero when anything failed.
# A check whose tool (ogrinfo, ogr2ogr, QGIS's Python bindings, python3 module,
# schemathesis) is missing FAILS; nothing is skipped. QGIS_PYTHON [/usr/bin/python3] is
# the Python QGIS's bindings were built for.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

# Only ever talk to the local server directly, whatever proxy the machine sets.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
export PYTHONDONTWRITEBYTECODE=1

work="$(mktemp -d "${TMPDIR:-/tmp}/dezone-clients.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    if [[ -n "${KEEP_WORK:-}" ]]; then echo "work files kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS
passed=0
failed=0
failures=()

# Runs one check script: it prints "ok - NAME" / "not ok - NAME: why" lines (one per
# sub-check); each counts. A script that fails without printing a "not ok" line (a
# crash, a timeout, a missing interpreter) counts one failure more.
run_check() {
    local group="$1" limit="$2"
    shift 2
    printf '\n-- %s\n' "$group"
    local out="$work/$group.out" rc
    timeout --kill-after=10 "$limit" "$@" >"$out" 2>&1
    rc=$?
    cat "$out"
    local ok bad
    ok=$(grep -c '^ok - ' "$out")
    bad=$(grep -c '^not ok - ' "$out")
    passed=$((passed + ok))
    failed=$((failed + bad))
    while IFS= read -r line; do failures+=("$group: ${line#not ok - }"); done < <(grep '^not ok - ' "$out")
    if [[ $rc -ne 0 && $bad -eq 0 ]]; then
        failed=$((failed + 1))
        if [[ $rc -eq 124 || $rc -eq 137 ]]; then
            failures+=("$group: timed out after $limit")
            echo "not ok - $group: timed out after $limit"
        else
            failures+=("$group: exited $rc without naming a failed check")
            echo "not ok - $group: exited $rc without naming a failed check"
        fi
    elif [[ $rc -eq 0 && $bad -gt 0 ]]; then
        echo "(warning: $group exited 0 but reported failures; they count)"
    fi
}

# --- the server -------------------------------------------------------------
if [[ -n "${DEZONE_BIN:-}" ]]; then
    bin="$DEZONE_BIN"
    echo "using DEZONE_BIN=$bin (no build)"
else
    echo "building: cargo build --release"
    if ! cargo build --release --quiet; then
        echo "not ok - build: cargo build --release failed"
        echo
        echo "0 passed, 1 failed"
        exit 1
    fi
    bin="$root/target/release/dezone"
fi
if [[ ! -x "$bin" ]]; then
    echo "not ok - server: $bin is not an executable"
    echo
    echo "0 passed, 1 failed"
    exit 1
fi

# Port 0: the OS picks a free port; the server logs the address it listens on and
# writes absolute links with it (no --base-url).
RUST_LOG=info "$bin" serve --addr 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
base=""
for _ in $(seq 100); do
    base=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$work/server.log" | head -n1 | sed 's/^listening on //')
    [[ -n "$base" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$base" ]] || ! curl -fsS --max-time 5 "$base/healthz" >/dev/null; then
    echo "not ok - server: did not start on 127.0.0.1"
    cat "$work/server.log"
    echo
    echo "0 passed, 1 failed"
    exit 1
fi
echo "server: $base (pid $server_pid, $("$bin" --version 2>/dev/null || echo dezone))"
export DEZONE_URL="$base" CLIENTS_WORK="$work"

# --- the checks ---------------------------------------------------------------
run_check gdal-ogr 180s python3 "$here/check_gdal.py"
run_check qgis 180s "${QGIS_PYTHON:-/usr/bin/python3}" "$here/check_qgis.py"
run_check owslib 120s python3 "$here/check_owslib.py"
run_check openapi 240s bash "$here/check_openapi.sh"
run_check answers 60s python3 "$here/check_answers.py"

# The server must have survived everything, and logged no panic.
printf '\n-- server\n'
if kill -0 "$server_pid" 2>/dev/null && curl -fsS --max-time 5 "$base/healthz" >/dev/null; then
    echo "ok - server still answers /healthz after every client"
    passed=$((passed + 1))
else
    echo "not ok - server: stopped answering during the checks"
    failures+=("server: stopped answering during the checks")
    failed=$((failed + 1))
fi
if grep -qiE 'panick|thread .* panicked' "$work/server.log"; then
    echo "not ok - server log: a panic was logged"
    grep -iE -A3 'panick' "$work/server.log" | head -n 20
    failures+=("server log: a panic was logged")
    failed=$((failed + 1))
else
    echo "ok - server log has no panic"
    passed=$((passed + 1))
fi

printf '\n== client checks: %s passed, %s failed (%ss)\n' "$passed" "$failed" "$((SECONDS - started))"
for f in "${failures[@]}"; do echo "   FAILED: $f"; done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
