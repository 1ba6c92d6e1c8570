#!/usr/bin/env bash
# Load dezone and the minimal axum hello-world (examples/hello.rs) alternately with wrk and
# compare them: requests per second and server CPU time per request.
#
#   bash benches/load.sh [--quick] [--assert] [--no-build]
#
#   --quick     1 round of 2 s per run (CI form); otherwise ROUNDS rounds of DURATION s
#   --assert    exit 1 when any target FAILs
#   --no-build  use the binaries already in target/release
#
# Environment (defaults in brackets): ROUNDS [5], DURATION [5] seconds per run, THREADS [2]
# and CONNECTIONS [64] for wrk, DEZONE_PORT [18080], HELLO_PORT [13999]; ONLY, a regular
# expression, keeps the targets whose name matches (ONLY=locate).
#
# Each round loads, for every target in turn, hello `/` and the dezone target: hello first in
# odd rounds, dezone first in even ones, so that neither always runs in the same place of the
# pair. For a prepared resource, hello also serves a body of the
# same length (`/bytes/N`) in the same round: the ceiling for moving that many bytes, which
# hello's 13 bytes are not (a second ratio, "same bytes"). For each run: wrk's Requests/sec,
# and the server's utime+stime (/proc/PID/stat) consumed during the run divided by the
# requests wrk completed (CPU µs per request). A ratio is the median over the rounds of that
# round's dezone / hello (paired runs seconds apart, which cancels the machine's drift from
# round to round); the req/s and µs figures printed beside it are medians of their own, and
# each verdict gives the lowest and highest of the rounds' ratios, to show the noise. Load
# generator and servers share the machine's cores, and only 127.0.0.1 is ever loaded.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=0
assert=0
build=1
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --assert) assert=1 ;;
        --no-build) build=0 ;;
        -h | --help)
            sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "load.sh: unknown argument $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
if ((quick)); then
    ROUNDS=1
    DURATION=2
fi
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DEZONE_PORT=${DEZONE_PORT:-18080}
HELLO_PORT=${HELLO_PORT:-13999}
DEZONE=127.0.0.1:$DEZONE_PORT
HELLO=127.0.0.1:$HELLO_PORT
CLK_TCK=$(getconf CLK_TCK)
OUT=target/bench
mkdir -p "$OUT"
RESULTS=$OUT/load-results.tsv

run() {
    echo "+ $*" >&2
    "$@"
}

command -v wrk >/dev/null || {
    echo "load.sh: wrk not found (apt-get install wrk)" >&2
    exit 1
}

if ((build)); then
    run cargo build --release --bin dezone --example hello
fi

pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for addr in "$DEZONE" "$HELLO"; do
    if curl -s -o /dev/null --max-time 1 "http://$addr/"; then
        echo "load.sh: something already answers on $addr; set DEZONE_PORT / HELLO_PORT" >&2
        exit 1
    fi
done

echo "+ target/release/dezone serve --addr $DEZONE &" >&2
target/release/dezone serve --addr "$DEZONE" >"$OUT/load-dezone.log" 2>&1 &
dezone_pid=$!
pids+=("$dezone_pid")
echo "+ target/release/examples/hello $HELLO &" >&2
target/release/examples/hello "$HELLO" >"$OUT/load-hello.log" 2>&1 &
hello_pid=$!
pids+=("$hello_pid")

wait_for() { # URL PID
    for _ in $(seq 1 200); do
        if curl -s -o /dev/null --max-time 1 -f "$1"; then
            return 0
        fi
        if ! kill -0 "$2" 2>/dev/null; then
            echo "load.sh: the server for $1 exited; its log is in $OUT/" >&2
            exit 1
        fi
        sleep 0.05
    done
    echo "load.sh: $1 did not answer within 10 s" >&2
    exit 1
}
wait_for "http://$DEZONE/healthz" "$dezone_pid"
wait_for "http://$HELLO/" "$hello_pid"

# One map asset, named (content-hashed) in the /map page: Leaflet's script if there.
assets=$(curl -s "http://$DEZONE/map" | grep -o 'map/assets/[^"]*' || true)
asset=$(grep -m1 'leaflet.*\.js$' <<<"$assets" || head -n1 <<<"$assets")
if [[ -z "$asset" ]]; then
    echo "load.sh: found no map/assets/… in GET /map" >&2
    exit 1
fi
asset=/$asset

# What a browser sends (Firefox, Chromium).
BROWSER='Accept-Encoding: gzip, deflate, br, zstd'
# name | path | request header ('' for none) | req/s target | CPU/request target ('' for none)
# | same: compare with hello serving as many bytes too ('' for no)
targets=(
    "locate|/locate?lon=36.63&lat=35.93||0.95|1.15|"
    "items br|/collections/zones/items|Accept-Encoding: br|0.9||same"
    "items gzip|/collections/zones/items|Accept-Encoding: gzip|0.9||same"
    "api|/api|$BROWSER|0.9||same"
    "zones|/zones|$BROWSER|0.9||same"
    "asset|$asset|$BROWSER|0.9||same"
    "asset raw|$asset||0.9||same"
)
# ONLY=REGEX keeps the targets whose name matches (e.g. ONLY=locate).
if [[ -n "${ONLY:-}" ]]; then
    kept=()
    for t in "${targets[@]}"; do
        if [[ "${t%%|*}" =~ $ONLY ]]; then kept+=("$t"); fi
    done
    if ((${#kept[@]} == 0)); then
        echo "load.sh: no target matches ONLY=$ONLY" >&2
        exit 2
    fi
    targets=("${kept[@]}")
fi
declare -A size=()

echo
echo "dezone pid $dezone_pid on $DEZONE, hello pid $hello_pid on $HELLO; CLK_TCK $CLK_TCK"
echo "rounds $ROUNDS, $DURATION s per run, wrk -t$THREADS -c$CONNECTIONS"
echo "the targets, checked once (status, bytes, content-encoding):"
for t in "${targets[@]}"; do
    IFS='|' read -r name path header _ _ _ <<<"$t"
    hdr=()
    if [[ -n "$header" ]]; then hdr=(-H "$header"); fi
    line=$(curl -s -o /dev/null -D - "${hdr[@]}" "http://$DEZONE$path" -w '%{http_code} %{size_download}\n')
    status_size=$(tail -n1 <<<"$line")
    size[$name]=${status_size#* }
    enc=$(grep -i '^content-encoding:' <<<"$line" | awk '{print $2}' | tr -d '\r' || true)
    printf '  %-11s %s  %s bytes %s\n' "$name" "$path${header:+ ($header)}" "$status_size" "${enc:-identity}"
    if [[ "${status_size%% *}" != 200 ]]; then
        echo "load.sh: $path answered ${status_size%% *}, not 200" >&2
        exit 1
    fi
done
echo

cpu_ticks() { # PID → utime+stime in clock ticks (fields 14 and 15; comm may hold spaces)
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    echo $((${12} + ${13}))
}

# load SERVER-NAME PID URL HEADER → appends one line to $RESULTS
load() {
    local server=$1 pid=$2 url=$3 header=$4 target=$5 round=$6
    local hdr=() before after out reqs rps non2xx errors cpu_us
    if [[ -n "$header" ]]; then hdr=(-H "$header"); fi
    before=$(cpu_ticks "$pid")
    echo "+ wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s ${header:+-H \"$header\" }$url" >&2
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "${hdr[@]}" "$url")
    after=$(cpu_ticks "$pid")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    errors=$(grep -m1 'Socket errors:' <<<"$out" || true)
    if [[ -z "$reqs" || -z "$rps" || "$reqs" == 0 ]]; then
        echo "load.sh: could not read wrk's output:" >&2
        echo "$out" >&2
        exit 1
    fi
    if [[ -n "$non2xx" ]]; then echo "  warning: $non2xx non-2xx/3xx answers from $url" >&2; fi
    if [[ -n "$errors" ]]; then echo "  warning: $errors" >&2; fi
    cpu_us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')
    printf '  round %s  %-10s %-11s %10.0f req/s  %6.2f CPU µs/req  (%s requests, %s ticks)\n' \
        "$round" "$server" "$target" "$rps" "$cpu_us" "$reqs" $((after - before))
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$server" "$rps" "$cpu_us" "$reqs" >>"$RESULTS"
}

: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    for t in "${targets[@]}"; do
        IFS='|' read -r name path header _ _ same <<<"$t"
        if ((round % 2 == 0)); then
            load dezone "$dezone_pid" "http://$DEZONE$path" "$header" "$name" "$round"
        fi
        load hello "$hello_pid" "http://$HELLO/" "" "$name" "$round"
        if [[ -n "$same" ]]; then
            load hello-same "$hello_pid" "http://$HELLO/bytes/${size[$name]}" "" "$name" "$round"
        fi
        if ((round % 2 == 1)); then
            load dezone "$dezone_pid" "http://$DEZONE$path" "$header" "$name" "$round"
        fi
    done
done

median() { # numbers on stdin → median
    sort -g | awk '{v[NR] = $1} END {if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
col() { # TARGET SERVER COLUMN → values
    awk -F'\t' -v t="$1" -v s="$2" -v c="$3" '$2 == t && $3 == s {print $c}' "$RESULTS"
}
ratios() { # TARGET SERVER-A SERVER-B COLUMN → A / B of each round
    awk -F'\t' -v t="$1" -v a="$2" -v b="$3" -v c="$4" '
        $2 == t && $3 == a {x[$1] = $c}
        $2 == t && $3 == b {y[$1] = $c}
        END {for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r]}' "$RESULTS"
}
spread() { # numbers on stdin → "lowest–highest"
    sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR) printf "%.2f–%.2f", lo, hi}'
}

echo
echo "medians over $ROUNDS round(s); ratio = median of each round's dezone / hello (the hello runs paired with that target)"
printf '%-11s %11s %11s %8s %7s   %12s %12s %8s %7s\n' \
    target "hello rq/s" "dezone rq/s" ratio "" "hello µs/rq" "dezone µs/rq" ratio ""
fails=0
verdicts=()
same_lines=()
for t in "${targets[@]}"; do
    IFS='|' read -r name _ _ rps_target cpu_target same <<<"$t"
    h_rps=$(col "$name" hello 4 | median)
    d_rps=$(col "$name" dezone 4 | median)
    h_cpu=$(col "$name" hello 5 | median)
    d_cpu=$(col "$name" dezone 5 | median)
    rps_ratio=$(ratios "$name" dezone hello 4 | median | awk '{printf "%.3f", $1}')
    cpu_ratio=$(ratios "$name" dezone hello 5 | median | awk '{printf "%.3f", $1}')
    if [[ -z "$cpu_ratio" ]]; then cpu_ratio=inf; fi
    rps_verdict=$(awk -v r="$rps_ratio" -v g="$rps_target" 'BEGIN {print (r >= g) ? "PASS" : "FAIL"}')
    cpu_verdict=
    if [[ -n "$cpu_target" ]]; then
        cpu_verdict=$(awk -v r="$cpu_ratio" -v g="$cpu_target" 'BEGIN {print (r != "inf" && r <= g) ? "PASS" : "FAIL"}')
    fi
    printf '%-11s %11.0f %11.0f %8s %7s   %12.2f %12.2f %8s %7s\n' \
        "$name" "$h_rps" "$d_rps" "$rps_ratio" "$rps_verdict" "$h_cpu" "$d_cpu" "$cpu_ratio" "$cpu_verdict"
    rps_spread=$(ratios "$name" dezone hello 4 | spread)
    verdicts+=("$rps_verdict  $name: req/s ratio $rps_ratio (target >= $rps_target; rounds $rps_spread)")
    if [[ "$rps_verdict" == FAIL ]]; then fails=$((fails + 1)); fi
    if [[ -n "$cpu_target" ]]; then
        cpu_spread=$(ratios "$name" dezone hello 5 | spread)
        verdicts+=("$cpu_verdict  $name: CPU/request ratio $cpu_ratio (target <= $cpu_target; rounds $cpu_spread)")
        if [[ "$cpu_verdict" == FAIL ]]; then fails=$((fails + 1)); fi
    fi
    if [[ -n "$same" ]]; then
        s_rps=$(col "$name" hello-same 4 | median)
        s_cpu=$(col "$name" hello-same 5 | median)
        s_ratio=$(ratios "$name" dezone hello-same 4 | median | awk '{printf "%.3f", $1}')
        s_cpu_ratio=$(ratios "$name" dezone hello-same 5 | median | awk '{printf "%.3f", $1}')
        if [[ -z "$s_cpu_ratio" ]]; then s_cpu_ratio=inf; fi
        s_verdict=$(awk -v r="$s_ratio" -v g="$rps_target" 'BEGIN {print (r >= g) ? "pass" : "short"}')
        same_lines+=("$(printf '%-11s %8s %11.0f %11.0f %8s %7s   %12.2f %12.2f %8s' \
            "$name" "${size[$name]}" "$s_rps" "$d_rps" "$s_ratio" "$s_verdict" "$s_cpu" "$d_cpu" "$s_cpu_ratio")")
    fi
done
echo
echo "targets:"
printf '  %s\n' "${verdicts[@]}"
if ((${#same_lines[@]})); then
    echo
    echo "the same bytes: dezone / hello serving a body as long (/bytes/N), medians (not a target of its own)"
    printf '%-11s %8s %11s %11s %8s %7s   %12s %12s %8s\n' \
        target bytes "same rq/s" "dezone rq/s" ratio "" "same µs/rq" "dezone µs/rq" ratio
    printf '%s\n' "${same_lines[@]}"
fi

hwm() { awk '/^VmHWM:/ {printf "%.1f MB", $2 / 1024}' "/proc/$1/status"; }
echo
echo "peak RSS (VmHWM): dezone $(hwm "$dezone_pid"), hello $(hwm "$hello_pid")"
echo "per-run figures: $RESULTS"

if ((fails)); then
    echo "$fails target(s) FAILED"
    if ((assert)); then
        exit 1
    fi
else
    echo "all targets PASS"
fi
