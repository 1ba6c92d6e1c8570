#!/usr/bin/env bash
# Browser test of the map page (GET /map), and of two other map front ends
# (MapLibre GL JS, OpenLayers) drawing the zones from a page on another origin:
# Debian's chromium, headless, driven by playwright-core (all three pinned in
# package-lock.json) against the release binary on 127.0.0.1, with every other
# host blocked. Installs chromium (apt, as root) and
# playwright-core (npm ci) when missing. Screenshots go to tests/browser/output/;
# the main one is copied to docs/map.png (not when CI is set: CI leaves the tree
# as it found it). Prints "N passed, M failed"; exits non-zero on failure.
#
#   tests/browser/run.sh [--install-only]
#
# --install-only installs chromium and the npm packages, then stops (.ci/run
# does it in the background while it builds).
set -euo pipefail
install_only=false
[ "${1:-}" = --install-only ] && install_only=true
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
started=$(date +%s)
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing chromium (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: $CHROMIUM not found; install Debian's chromium (apt-get install chromium) or set CHROMIUM" >&2
    exit 1
  fi
fi
if ! command -v npm >/dev/null; then
  echo "error: npm not found; install Node.js and npm (apt-get install npm)" >&2
  exit 1
fi

cd "$here"
if ! cmp -s package-lock.json node_modules/.dezone-installed-package-lock.json 2>/dev/null \
    || [ ! -f node_modules/playwright-core/package.json ]; then
  echo "== npm ci (playwright-core, maplibre-gl, ol)"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  cp package-lock.json node_modules/.dezone-installed-package-lock.json
fi
if [ "$install_only" = true ]; then
  echo "installed: $("$CHROMIUM" --version 2>/dev/null | head -n1), npm packages"
  exit 0
fi

echo "== cargo build --release"
(cd "$root" && cargo build --release --quiet --bin dezone)

echo "== browser test ($("$CHROMIUM" --version 2>/dev/null | head -n1))"
status=0
DEZONE_BIN="$root/target/release/dezone" CHROMIUM="$CHROMIUM" OUTPUT="$here/output" \
  timeout --kill-after=10 240 node "$here/map.test.mjs" || status=$?

if [ "$status" = 0 ] && [ -z "${CI:-}" ] && [ -f "$here/output/map.png" ]; then
  mkdir -p "$root/docs"
  cp "$here/output/map.png" "$root/docs/map.png"
  echo "copied output/map.png to docs/map.png"
fi
echo "browser test run time: $(( $(date +%s) - started )) s (build included)"
exit "$status"
