#!/usr/bin/env bash
# Installs the client tools of tests/clients on a fresh Debian machine (run as root
# by .ci/run): GDAL's command-line tools and QGIS's Python bindings from apt, the
# pinned Python clients in a virtual environment. Prints the directory to put first
# on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${CLIENTS_VENV:-/opt/dezone-clients-venv}"

export DEBIAN_FRONTEND=noninteractive
apt-get update >&2
apt-get install -y --no-install-recommends gdal-bin python3-qgis qgis-providers \
    python3 python3-venv python3-pip curl ca-certificates >&2
python3 -m venv "$venv" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
echo "$venv/bin"
