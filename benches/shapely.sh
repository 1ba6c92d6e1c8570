#!/usr/bin/env bash
# Time Shapely 2 on dezone's batch work (benches/shapely.py says what exactly), in a throwaway
# venv under target/bench/venv with pinned shapely and numpy (made once, remade when the pins
# change).
#
#   bash benches/shapely.sh [POINTS.json] [shapely.py options: --repeats N, --json OUT, --zones F]
#
# Without POINTS, target/bench/points-100000.json is made with benches/points.py first.
# Environment: PYTHON [python3] makes the venv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SHAPELY_VERSION=2.2.0
NUMPY_VERSION=2.4.6
PYTHON=${PYTHON:-python3}
OUT=target/bench
VENV=$OUT/venv
PINS="shapely==$SHAPELY_VERSION numpy==$NUMPY_VERSION"

run() {
    echo "+ $*" >&2
    "$@"
}

mkdir -p "$OUT"
if [[ "$(cat "$VENV/.pins" 2>/dev/null || true)" != "$PINS" ]]; then
    run rm -rf "$VENV"
    run "$PYTHON" -m venv "$VENV"
    # shellcheck disable=SC2086
    run "$VENV/bin/pip" install --quiet --disable-pip-version-check $PINS
    echo "$PINS" >"$VENV/.pins"
fi

if [[ $# -eq 0 || "$1" == -* ]]; then
    points=$OUT/points-100000.json
    if [[ ! -s "$points" ]]; then
        echo "+ python3 benches/points.py 100000 > $points" >&2
        python3 benches/points.py 100000 >"$points.tmp"
        mv "$points.tmp" "$points"
    fi
    set -- "$points" "$@"
fi

# Shapely itself uses no BLAS, but numpy reads these at import; keep them out of the timing.
run env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" benches/shapely.py "$@"
