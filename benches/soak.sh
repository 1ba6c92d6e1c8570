#!/usr/bin/env bash
# Soak: hold the release server at saturation with a mix of requests (wrk) while its data is
# reloaded (SIGHUP) every few seconds; fail on any error or on memory growth.
#
#   bash benches/soak.sh [--quick] [--no-build] [--no-reload]
#
#   --quick      10 s run after a 5 s warm-up, a reload every 2 s (CI form)
#   --no-build   use target/release/dezone as it is
#   --no-reload  no SIGHUP during the runs
#
# Environment (defaults in brackets): DURATION [60] seconds of the measured run, WARMUP [10]
# seconds of the warm-up run, RELOAD_EVERY [5] seconds between SIGHUPs (0: none),
# WARMUP_RELOADS [10] reloads in a row at the start of the warm-up, THREADS [2] and
# CONNECTIONS [64] for wrk, SOAK_PORT [18083], RSS_GROWTH_PCT [10].
#
# The mix (a wrk Lua script, written to target/bench/soak-mix.lua): 60 % GET /locate at random
# points over Syria's bounding box, 10 % POST /locate with a 10-point batch, 15 % GET
# /collections/zones/items, 15 % GET /zones. The server serves the real zones from a file in
# target/bench that the reloader switches between two versions (the second differs in one
# property) before each SIGHUP, so every reload prepares and swaps new data. Memory is
# compared after the warm-up, which starts with WARMUP_RELOADS reloads in a row: glibc's
# allocator keeps what the first reloads freed (old and new data coexist during a swap), so
# resident memory rises over them to a steady size; a leak would keep growing after that.
#
# Fails (exit 1) when wrk saw any non-2xx/3xx answer or socket error (connect, read, write,
# timeout), the server counted any 5xx, a reload was refused, or the server's resident memory
# after the measured run exceeds that after the warm-up run by more than RSS_GROWTH_PCT %.
# Prints a summary block for benches/README.md. Only 127.0.0.1 is loaded; the server is
# stopped on exit. With CI=true, installs wrk (apt-get) when it is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=0
build=1
reload=1
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --no-build) build=0 ;;
        --no-reload) reload=0 ;;
        -h | --help)
            sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "soak.sh: unknown argument $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

DURATION=${DURATION:-60}
WARMUP=${WARMUP:-10}
RELOAD_EVERY=${RELOAD_EVERY:-5}
WARMUP_RELOADS=${WARMUP_RELOADS:-10}
if ((quick)); then
    DURATION=10
    WARMUP=5
    RELOAD_EVERY=2
fi
if ((!reload)); then
    RELOAD_EVERY=0
fi
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
SOAK_PORT=${SOAK_PORT:-18083}
RSS_GROWTH_PCT=${RSS_GROWTH_PCT:-10}
ADDR=127.0.0.1:$SOAK_PORT
OUT=target/bench
mkdir -p "$OUT"
LOG=$OUT/soak-dezone.log
ZONES=$OUT/soak-zones.geojson

run() {
    echo "+ $*" >&2
    "$@"
}

if ! command -v wrk >/dev/null; then
    if [[ "${CI:-}" == true ]]; then
        run apt-get update -qq
        run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
    else
        echo "soak.sh: wrk not found (apt-get install wrk)" >&2
        exit 1
    fi
fi

if ((build)); then
    run cargo build --release --bin dezone
fi

# Two versions of the real zones: as committed, and with one property changed.
cp geodata/zones.geojson "$OUT/soak-zones-0.geojson"
sed 's/"caveat":"Approximate outline/"caveat":"(soak variant) Approximate outline/' \
    geodata/zones.geojson >"$OUT/soak-zones-1.geojson"
if cmp -s "$OUT/soak-zones-0.geojson" "$OUT/soak-zones-1.geojson"; then
    echo "soak.sh: could not make the second version of the zones" >&2
    exit 1
fi
cp "$OUT/soak-zones-0.geojson" "$ZONES"

cat >"$OUT/soak-mix.lua" <<'LUA'
-- The soak mix; each thread seeds its own generator, so runs are repeatable.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local n = 0
local bodies = {}
local json = { ["Content-Type"] = "application/json" }

local function lon() return 35.7 + math.random() * 6.7 end
local function lat() return 32.3 + math.random() * 5.0 end

function init(args)
  math.randomseed(id or 1)
  for b = 1, 64 do
    local points = {}
    for p = 1, 10 do
      points[p] = string.format("[%.5f,%.5f]", lon(), lat())
    end
    bodies[b] = "[" .. table.concat(points, ",") .. "]"
  end
end

function request()
  n = n + 1
  local k = n % 20
  if k < 12 then
    return wrk.format("GET", string.format("/locate?lon=%.5f&lat=%.5f", lon(), lat()))
  elseif k < 14 then
    return wrk.format("POST", "/locate", json, bodies[n % 64 + 1])
  elseif k < 17 then
    return wrk.format("GET", "/collections/zones/items")
  else
    return wrk.format("GET", "/zones")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SOAK requests=%d bytes=%d status_errors=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d\n",
    summary.requests, summary.bytes, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
LUA

pid=
reloader=
cleanup() {
    if [[ -n "$reloader" ]]; then
        kill "$reloader" 2>/dev/null || true
        wait "$reloader" 2>/dev/null || true
    fi
    if [[ -n "$pid" ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if curl -s -o /dev/null --max-time 1 "http://$ADDR/"; then
    echo "soak.sh: something already answers on $ADDR; set SOAK_PORT" >&2
    exit 1
fi
echo "+ target/release/dezone serve --addr $ADDR --geodata $ZONES &" >&2
target/release/dezone serve --addr "$ADDR" --geodata "$ZONES" >"$LOG" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
    if curl -s -o /dev/null --max-time 1 -f "http://$ADDR/readyz"; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "soak.sh: the server exited; its log: $LOG" >&2
        exit 1
    fi
    sleep 0.05
done
curl -s -f -o /dev/null "http://$ADDR/readyz" || {
    echo "soak.sh: the server did not become ready within 10 s; its log: $LOG" >&2
    exit 1
}

status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
metric() { # SERIES → its value in /metrics (0 when absent)
    curl -s "http://$ADDR/metrics" | awk -v s="$1" 'index($0, s " ") == 1 {v = $2} END {print v + 0}'
}
server_5xx() {
    curl -s "http://$ADDR/metrics" |
        awk '/^dezone_http_requests_total\{/ && /status="(5..|5xx)"/ {n += $2} END {print n + 0}'
}

# Replaces the zone file (atomically) by its other version.
switch_zones() {
    local next=0
    if cmp -s "$ZONES" "$OUT/soak-zones-0.geojson"; then next=1; fi
    cp "$OUT/soak-zones-$next.geojson" "$ZONES.tmp"
    mv "$ZONES.tmp" "$ZONES"
}

# Switches the zone file and sends SIGHUP every RELOAD_EVERY s, in the background.
start_reloader() {
    if ((RELOAD_EVERY <= 0)); then
        return
    fi
    (
        while sleep "$RELOAD_EVERY"; do
            switch_zones
            kill -HUP "$pid" 2>/dev/null || exit 0
        done
    ) &
    reloader=$!
}

# N reloads one after the other, each waited for (up to 10 s).
reload_burst() {
    local want
    for _ in $(seq 1 "$1"); do
        want=$(($(metric 'dezone_data_reloads_total{result="ok"}') + 1))
        switch_zones
        kill -HUP "$pid"
        for _ in $(seq 1 200); do
            if (($(metric 'dezone_data_reloads_total{result="ok"}') >= want)); then break; fi
            sleep 0.05
        done
    done
}
stop_reloader() {
    if [[ -n "$reloader" ]]; then
        kill "$reloader" 2>/dev/null || true
        wait "$reloader" 2>/dev/null || true
        reloader=
    fi
}

# load SECONDS → wrk's output (the SOAK line last)
load() {
    echo "+ wrk -t$THREADS -c$CONNECTIONS -d${1}s --timeout 10s --latency -s $OUT/soak-mix.lua http://$ADDR" >&2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${1}s" --timeout 10s --latency -s "$OUT/soak-mix.lua" "http://$ADDR"
}

echo
echo "dezone pid $pid on $ADDR; wrk -t$THREADS -c$CONNECTIONS; warm-up ${WARMUP} s, run ${DURATION} s;" \
    "SIGHUP every ${RELOAD_EVERY} s (0: none)"
rss_start=$(status_kb "$pid" VmRSS)

# Warm-up: load, with WARMUP_RELOADS reloads in a row first (the allocator's arenas grow
# over the first reloads to a steady size), then the periodic ones.
load "$WARMUP" >"$OUT/soak-warmup.txt" &
warmup=$!
if ((RELOAD_EVERY > 0)); then
    reload_burst "$WARMUP_RELOADS"
    start_reloader
fi
wait "$warmup"
stop_reloader
sleep 1 # let a reload in progress finish
rss_before=$(status_kb "$pid" VmRSS)
reloads_before=$(metric 'dezone_data_reloads_total{result="ok"}')

start_reloader
load "$DURATION" | tee "$OUT/soak-run.txt"
stop_reloader
sleep 1 # let a reload in progress finish
rss_after=$(status_kb "$pid" VmRSS)
hwm=$(status_kb "$pid" VmHWM)
reloads_ok=$(($(metric 'dezone_data_reloads_total{result="ok"}') - reloads_before))
reloads_failed=$(metric 'dezone_data_reloads_total{result="failed"}')
fivexx=$(server_5xx)

soak=$(grep '^SOAK ' "$OUT/soak-run.txt" || true)
warm=$(grep '^SOAK ' "$OUT/soak-warmup.txt" || true)
if [[ -z "$soak" || -z "$warm" ]]; then
    echo "soak.sh: could not read wrk's output (in $OUT/soak-*.txt)" >&2
    exit 1
fi
field() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<"$1"; }
requests=$(field "$soak" requests)
rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$OUT/soak-run.txt")
errors=0
for kind in status_errors connect read write timeout; do
    errors=$((errors + $(field "$soak" "$kind") + $(field "$warm" "$kind")))
done
ms() { awk -v us="$1" 'BEGIN {printf "%.2f ms", us / 1000}'; }
mb() { awk -v kb="$1" 'BEGIN {printf "%.1f MB", kb / 1024}'; }
growth=$(awk -v a="$rss_after" -v b="$rss_before" 'BEGIN {printf "%+.1f", (a - b) * 100 / b}')
refused=$(grep -c 'zone data reload refused' "$LOG" || true)

fails=()
if ((errors > 0)); then fails+=("$errors wrk errors (non-2xx/3xx or socket)"); fi
if ((fivexx > 0)); then fails+=("$fivexx answers 5xx counted by the server"); fi
if ((reloads_failed > 0 || refused > 0)); then fails+=("reloads refused: $reloads_failed (log: $LOG)"); fi
if awk -v a="$rss_after" -v b="$rss_before" -v p="$RSS_GROWTH_PCT" 'BEGIN {exit !(a > b * (1 + p / 100))}'; then
    fails+=("RSS grew ${growth} % (limit ${RSS_GROWTH_PCT} %)")
fi
if ((RELOAD_EVERY > 0 && reloads_ok == 0)); then fails+=("no reload happened during the run"); fi
verdict=PASS
if ((${#fails[@]})); then verdict=FAIL; fi
how=
if ((quick)); then how=" --quick"; fi

cat <<EOF

### Soak (\`benches/soak.sh$how\`), $(date -u +%Y-%m-%d)

| figure | value |
|---|---|
| run | ${DURATION} s at saturation after a ${WARMUP} s warm-up; \`wrk -t$THREADS -c$CONNECTIONS\`, release build |
| mix | 60 % \`GET /locate\` (random points), 10 % \`POST /locate\` (10 points), 15 % \`GET /collections/zones/items\`, 15 % \`GET /zones\` |
| reloads during the run | $reloads_ok ok, $reloads_failed refused (SIGHUP every ${RELOAD_EVERY} s, the zone file switched between two versions) |
| requests | $requests ($rps req/s) |
| latency p50 / p99 / p99.9 / max | $(ms "$(field "$soak" p50_us)") / $(ms "$(field "$soak" p99_us)") / $(ms "$(field "$soak" p999_us)") / $(ms "$(field "$soak" max_us)") |
| errors (wrk non-2xx/3xx + socket; server 5xx) | $errors; $fivexx |
| RSS at start / after warm-up / after run (growth) / peak | $(mb "$rss_start") / $(mb "$rss_before") / $(mb "$rss_after") (${growth} %) / $(mb "$hwm") |
| verdict | $verdict |
EOF

if ((${#fails[@]})); then
    echo
    printf 'FAIL: %s\n' "${fails[@]}"
    exit 1
fi
