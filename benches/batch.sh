#!/usr/bin/env bash
# Time dezone's POST /locate on a batch of points over HTTP and compare it with Shapely 2 doing
# the same geometry on the same points (benches/shapely.sh).
#
#   bash benches/batch.sh [--assert] [--no-build]
#
#   --assert    exit 1 when any target FAILs (an answer other than 200 counts as a FAIL)
#   --no-build  use the binary already in target/release
#
# Environment (defaults in brackets): POINTS [100000], RUNS [5], DEZONE_PORT [18081].
#
# The whole round trip is timed by curl (-w '%{time_total} %{http_code} %{size_download}'),
# uncompressed, for the full answers (POST /locate) and for membership only
# (POST /locate?fields=zones); best and median of RUNS. Targets: full <= 0.25 x Shapely
# (a)+(b) and fields=zones <= 2 x Shapely (a), best against best (Shapely's (a) is contains_xy,
# which leaves boundary points out; intersects_xy is printed beside it).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

assert=0
build=1
for arg in "$@"; do
    case "$arg" in
        --assert) assert=1 ;;
        --no-build) build=0 ;;
        -h | --help)
            sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "batch.sh: unknown argument $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

N=${POINTS:-100000}
RUNS=${RUNS:-5}
DEZONE_PORT=${DEZONE_PORT:-18081}
DEZONE=127.0.0.1:$DEZONE_PORT
OUT=target/bench
POINTS_FILE=$OUT/points-$N.json
mkdir -p "$OUT"

run() {
    echo "+ $*" >&2
    "$@"
}

if ((build)); then
    run cargo build --release --bin dezone
fi

echo "+ python3 benches/points.py $N > $POINTS_FILE" >&2
python3 benches/points.py "$N" >"$POINTS_FILE.tmp"
mv "$POINTS_FILE.tmp" "$POINTS_FILE"
echo "$N points, $(wc -c <"$POINTS_FILE") bytes, in $POINTS_FILE"

pid=
cleanup() {
    if [[ -n "$pid" ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if curl -s -o /dev/null --max-time 1 "http://$DEZONE/"; then
    echo "batch.sh: something already answers on $DEZONE; set DEZONE_PORT" >&2
    exit 1
fi
echo "+ target/release/dezone serve --addr $DEZONE &" >&2
target/release/dezone serve --addr "$DEZONE" >"$OUT/batch-dezone.log" 2>&1 &
pid=$!
for i in $(seq 1 200); do
    if curl -s -o /dev/null --max-time 1 -f "http://$DEZONE/healthz"; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null || ((i == 200)); then
        echo "batch.sh: dezone did not come up; see $OUT/batch-dezone.log" >&2
        exit 1
    fi
    sleep 0.05
done

median() { # numbers on stdin → median
    sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

declare -A best median status
# time_batch NAME QUERY → sets best[NAME], median[NAME] (s), status[NAME]; answer in $OUT/batch-NAME.json
time_batch() {
    local name=$1 query=$2 times=() line t code size
    local url="http://$DEZONE/locate$query"
    echo "+ curl -s --data-binary @$POINTS_FILE -H 'Content-Type: application/json' $url  (x$RUNS)" >&2
    for r in $(seq 1 "$RUNS"); do
        line=$(curl -s -o "$OUT/batch-$name.json" --max-time 300 --data-binary "@$POINTS_FILE" \
            -H 'Content-Type: application/json' -w '%{time_total} %{http_code} %{size_download}' \
            "$url" || echo "0 000 0")
        read -r t code size <<<"$line"
        printf '  %-6s run %s: %8.3f s  HTTP %s  %s bytes\n' "$name" "$r" "$t" "$code" "$size"
        times+=("$t")
        status[$name]=$code
        if [[ "$code" != 200 ]]; then
            echo "  $name: HTTP $code (not timed further): $(head -c 400 "$OUT/batch-$name.json")"
            break
        fi
    done
    best[$name]=$(printf '%s\n' "${times[@]}" | sort -g | head -n1)
    median[$name]=$(printf '%s\n' "${times[@]}" | median)
}

echo
time_batch full ""
time_batch zones "?fields=zones"

hwm=$(awk '/^VmHWM:/ {printf "%.1f MB", $2 / 1024}' "/proc/$pid/status")
cleanup
pid=

# Points inside each zone in dezone's full answer, to check against Shapely's counts.
dezone_counts=$(python3 - "$OUT/batch-full.json" <<'EOF' 2>&1 || true
import collections, json, sys
try:
    results = json.load(open(sys.argv[1], encoding="utf-8"))["results"]
except Exception as e:  # not a batch answer (an error status)
    sys.exit(f"no batch answer to count ({e.__class__.__name__})")
counts = collections.Counter(z["id"] for r in results for z in r.get("zones", []))
print(f"{len(results)} results, inside any zone: {sum(1 for r in results if r.get('zones'))}")
for zone, n in sorted(counts.items()):
    print(f"  {zone:<16} {n:7d}")
EOF
)

echo
run bash benches/shapely.sh "$POINTS_FILE" --json "$OUT/batch-shapely.json"
read -r a_ms a_int_ms ab_ms <<<"$(python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
print(f["a_contains_ms"], f["a_intersects_ms"], f["ab_contains_ms"])' "$OUT/batch-shapely.json")"

echo
echo "dezone's counts of points inside each zone (full answer):"
while IFS= read -r line; do echo "  $line"; done <<<"$dezone_counts"

echo
echo "POST /locate, $N points, whole HTTP round trip, best and median of $RUNS:"
for name in full zones; do
    label="full answers"
    [[ $name == zones ]] && label="?fields=zones"
    printf '  %-22s HTTP %s  best %8.1f ms  median %8.1f ms\n' "$label" "${status[$name]}" \
        "$(awk -v t="${best[$name]}" 'BEGIN {print t * 1000}')" \
        "$(awk -v t="${median[$name]}" 'BEGIN {print t * 1000}')"
done
printf 'Shapely (best of 5): (a) contains_xy %.1f ms, (a) intersects_xy %.1f ms, (a)+(b) %.1f ms\n' \
    "$a_ms" "$a_int_ms" "$ab_ms"

fails=0
verdict() { # LABEL HTTP-STATUS SECONDS SHAPELY_MS FACTOR
    local label=$1 code=$2 seconds=$3 shapely_ms=$4 factor=$5 ratio v
    if [[ "$code" != 200 ]]; then
        echo "  FAIL  $label: HTTP $code, no figure (target <= $factor x Shapely)"
        fails=$((fails + 1))
        return 0
    fi
    ratio=$(awk -v s="$seconds" -v m="$shapely_ms" 'BEGIN {printf "%.3f", s * 1000 / m}')
    v=$(awk -v r="$ratio" -v f="$factor" 'BEGIN {print (r <= f) ? "PASS" : "FAIL"}')
    echo "  $v  $label: $ratio x Shapely (target <= $factor)"
    if [[ "$v" == FAIL ]]; then fails=$((fails + 1)); fi
}
echo
echo "targets (dezone best / Shapely best):"
verdict "full answers vs Shapely (a)+(b)" "${status[full]}" "${best[full]}" "$ab_ms" 0.25
verdict "fields=zones vs Shapely (a)" "${status[zones]}" "${best[zones]}" "$a_ms" 2

echo
echo "dezone peak RSS (VmHWM): $hwm"
if ((fails)); then
    echo "$fails target(s) FAILED"
    if ((assert)); then
        exit 1
    fi
else
    echo "all targets PASS"
fi
