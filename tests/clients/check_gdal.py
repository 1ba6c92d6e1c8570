#!/usr/bin/env python3
"""GDAL/OGR's OAPIF driver against a live dezone (DEZONE_URL).

Prints "ok - NAME" / "not ok - NAME: why" per sub-check; exits 1 when any failed.
Needs only the GDAL command-line tools (ogrinfo, ogr2ogr) and the standard library.
"""

import json
import math
import os
import re
import shutil
import subprocess
import sys

from tap import Report, get_json

BASE = os.environ["DEZONE_URL"].rstrip("/")
WORK = os.environ.get("CLIENTS_WORK", "/tmp")
DS = f"OAPIF:{BASE}"
# Offline-safe and bounded: a timeout per request, no retries, no proxy, no
# on-disk cache, nothing read from the user's GDAL configuration.
CONFIG = [
    "--config", "GDAL_HTTP_TIMEOUT", "20",
    "--config", "GDAL_HTTP_CONNECTTIMEOUT", "5",
    "--config", "GDAL_HTTP_MAX_RETRY", "0",
    "--config", "GDAL_HTTP_PROXY", "",
    "--config", "CPL_VSIL_CURL_USE_CACHE", "NO",
    "--config", "GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR",
]
ZONES = ["idlib", "northern-homs", "eastern-ghouta", "southern"]
GOVERNORATES = [f"SY{i:02d}" for i in range(1, 15)]

report = Report()


def run(tool, *args):
    cmd = [tool, *CONFIG, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited {proc.returncode}: {proc.stderr.strip()[:600]}")
    return proc.stdout


def features(text):
    """ogrinfo's text dump as a list of {field: value} dicts (one per OGRFeature)."""
    out = []
    for block in re.split(r"^OGRFeature\([^)]*\):\d+\s*$", text, flags=re.M)[1:]:
        fields = {}
        for m in re.finditer(r"^  (\S+) \([^)]*\) = (.*)$", block, flags=re.M):
            fields[m.group(1)] = m.group(2)
        fields["_geometry"] = next(
            (g for g in ("MULTIPOLYGON", "POLYGON") if re.search(rf"^  {g} ", block, flags=re.M)), None
        )
        out.append(fields)
    return out


def rings(geometry):
    """Every ring of a Polygon or MultiPolygon, as lists of (x, y)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"unexpected geometry type {geometry['type']}")
    return [[(float(p[0]), float(p[1])) for p in ring] for poly in polygons for ring in poly]


def shoelace(ring):
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))) / 2.0


def compare_geometry(served, copied):
    """None when equal up to coordinate formatting, else why not."""
    a, b = rings(served), rings(copied)
    if len(a) != len(b):
        return f"{len(a)} rings served, {len(b)} copied"
    for i, (ra, rb) in enumerate(zip(a, b)):
        if len(ra) != len(rb):
            return f"ring {i}: {len(ra)} vertices served, {len(rb)} copied"
        worst = max(max(abs(p[0] - q[0]), abs(p[1] - q[1])) for p, q in zip(ra, rb))
        if worst > 1e-9:
            return f"ring {i}: a vertex moved by {worst} degrees"
        area_a, area_b = shoelace(ra), shoelace(rb)
        if not math.isclose(area_a, area_b, rel_tol=1e-9, abs_tol=1e-12):
            return f"ring {i}: area {area_a} served, {area_b} copied"
    return None


def main():
    missing = [t for t in ("ogrinfo", "ogr2ogr") if shutil.which(t) is None]
    if missing:
        report.line("gdal tools", f"{', '.join(missing)} not found on PATH (apt-get install gdal-bin)")
        return 1
    version = subprocess.run(["ogrinfo", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"# {version}")

    checks = [
        ("ogrinfo -so lists the zones and governorates layers", check_layers),
        ("ogrinfo reads the 4 zones with their properties", check_zones),
        ("ogrinfo pages through the 14 governorates (follows rel=next)", check_governorates),
        ("ogrinfo -spat around Idlib city returns idlib only", check_spat),
        ('ogrinfo -where "number = 3" returns eastern-ghouta only', check_where),
        ("ogr2ogr -f GeoJSON copies the zones with the served geometries", check_ogr2ogr),
    ]
    for name, check in checks:
        report.check(name, check)
    return report.exit_code()


def check_layers():
    out = run("ogrinfo", "-ro", "-so", DS)
    layers = re.findall(r"^\d+: (\S+)", out, flags=re.M)
    if layers[:1] != ["zones"] or "governorates" not in layers:
        return f"layers {layers}, expected zones and governorates; output:\n{out}"
    return None


def check_zones():
    out = run("ogrinfo", "-ro", "-al", "-q", DS, "zones")
    feats = features(out)
    ids = [f.get("id") for f in feats]
    if ids != ZONES:
        return f"ids {ids}, expected {ZONES}"
    want = {"idlib": ("1", "Idlib"), "eastern-ghouta": ("3", "Eastern Ghouta")}
    for f in feats:
        if f.get("id") in want and (f.get("number"), f.get("name")) != want[f["id"]]:
            return f"{f['id']}: number/name {(f.get('number'), f.get('name'))}, expected {want[f['id']]}"
        for field in ("number", "name", "valid_from", "area_km2", "provinces"):
            if field not in f:
                return f"{f.get('id')}: no {field} field (fields: {sorted(f)})"
        if f["_geometry"] is None:
            return f"{f.get('id')}: no polygon geometry"
    return None


def check_governorates():
    out = run("ogrinfo", "-ro", "-al", "-q", DS, "governorates")
    ids = sorted(f.get("id") or f.get("pcode") for f in features(out))
    if ids != GOVERNORATES:
        return f"ids {ids}, expected {GOVERNORATES}"
    return None


def check_spat():
    out = run("ogrinfo", "-ro", "-al", "-q", "-spat", "36.5", "35.8", "36.8", "36.0", DS, "zones")
    ids = [f.get("id") for f in features(out)]
    return None if ids == ["idlib"] else f"ids {ids}, expected ['idlib']"


def check_where():
    out = run("ogrinfo", "-ro", "-al", "-q", "-where", "number = 3", DS, "zones")
    ids = [f.get("id") for f in features(out)]
    return None if ids == ["eastern-ghouta"] else f"ids {ids}, expected ['eastern-ghouta']"


def check_ogr2ogr():
    dest = os.path.join(WORK, "zones-ogr2ogr.geojson")
    if os.path.exists(dest):
        os.remove(dest)
    run("ogr2ogr", "-f", "GeoJSON", dest, DS, "zones")
    with open(dest, encoding="utf-8") as fh:
        copied = json.load(fh)
    served = get_json(BASE, "/collections/zones/items?limit=100")
    by_id = {f["properties"].get("id", f.get("id")): f for f in copied["features"]}
    if sorted(by_id) != sorted(ZONES) or len(copied["features"]) != 4:
        return f"copied ids {sorted(by_id)}, expected {sorted(ZONES)}"
    for s in served["features"]:
        c = by_id[s["id"]]
        for key in ("number", "name", "valid_from"):
            if c["properties"].get(key) != s["properties"].get(key):
                return f"{s['id']}: {key} {c['properties'].get(key)!r} copied, {s['properties'].get(key)!r} served"
        why = compare_geometry(s["geometry"], c["geometry"])
        if why:
            return f"{s['id']}: {why}"
    return None


if __name__ == "__main__":
    sys.exit(main())
