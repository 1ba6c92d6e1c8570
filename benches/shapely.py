#!/usr/bin/env python3
"""Time Shapely 2 on the work dezone's POST /locate does, for comparison with benches/batch.sh.

    python benches/shapely.py [POINTS.json] [--zones geodata/zones.geojson] [--repeats 5]
                              [--json OUT.json]

Run it through benches/shapely.sh, which makes the venv (pinned shapely and numpy). POINTS is a
JSON array of [lon, lat] pairs (benches/points.py writes one). Every time is the best of
--repeats runs, on the whole numpy arrays at once:

(a) membership: every zone prepared once (shapely.prepare, not timed: dezone builds its index
    at start-up too), then shapely.contains_xy(zone, x, y) for every zone. dezone counts a
    point on the boundary as inside, which is intersects_xy, so that is timed as well.
(b) the planar distance (degrees, not geodesic km) from every point to the nearest zone
    boundary: b = zone.boundary, shapely.prepare(b) (not timed), shapely.distance(b, points)
    for every zone, the minimum over zones; making the Point array (shapely.points) is timed
    as part of (b), since the input is the same pairs.

Prints the times in ms and per point, and the number of points inside each zone (contains and
intersects) as a sanity check against dezone's answers.
"""

import argparse
import json
import sys
import time
from pathlib import Path

# This file is named shapely.py: keep its own folder off the import path so that `import
# shapely` finds the package, not this script.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import shape  # noqa: E402

ROOT = HERE.parent


def best_of(repeats, fn):
    """Run fn() `repeats` times; return (best seconds, last result)."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "points", nargs="?", default=str(ROOT / "target/bench/points-100000.json")
    )
    parser.add_argument("--zones", default=str(ROOT / "geodata/zones.geojson"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file as JSON")
    args = parser.parse_args()

    with open(args.zones, encoding="utf-8") as f:
        collection = json.load(f)
    ids = [feature["id"] for feature in collection["features"]]
    zones = [shape(feature["geometry"]) for feature in collection["features"]]
    with open(args.points, encoding="utf-8") as f:
        xy = np.asarray(json.load(f), dtype=np.float64).reshape(-1, 2)
    x = np.ascontiguousarray(xy[:, 0])
    y = np.ascontiguousarray(xy[:, 1])
    n = len(x)
    vertices = int(sum(shapely.get_num_coordinates(z) for z in zones))
    print(
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
        f"numpy {np.__version__}, python {sys.version.split()[0]}"
    )
    print(
        f"{len(zones)} zones ({vertices} vertices) from {args.zones}; "
        f"{n} points from {args.points}; best of {args.repeats}"
    )

    start = time.perf_counter()
    for zone in zones:
        shapely.prepare(zone)
    boundaries = [zone.boundary for zone in zones]
    for boundary in boundaries:
        shapely.prepare(boundary)
    prepare_ms = (time.perf_counter() - start) * 1e3

    a_contains_s, contains = best_of(
        args.repeats, lambda: [shapely.contains_xy(z, x, y) for z in zones]
    )
    a_intersects_s, intersects = best_of(
        args.repeats, lambda: [shapely.intersects_xy(z, x, y) for z in zones]
    )

    def distances():
        points = shapely.points(x, y)
        return np.minimum.reduce([shapely.distance(b, points) for b in boundaries])

    b_s, nearest = best_of(args.repeats, distances)
    points_s, _ = best_of(args.repeats, lambda: shapely.points(x, y))

    def row(label, seconds):
        per_point = seconds / n * 1e9 if n else 0.0
        print(f"  {label:<44} {seconds * 1e3:9.2f} ms  {per_point:8.0f} ns/point")

    print(f"prepare (zones and boundaries, once, not in the figures): {prepare_ms:.2f} ms")
    row("(a) membership, contains_xy", a_contains_s)
    row("(a) membership, intersects_xy (boundary in)", a_intersects_s)
    row("(b) distance to nearest boundary", b_s)
    row("    of which shapely.points(x, y)", points_s)
    row("(a)+(b), contains_xy", a_contains_s + b_s)
    row("(a)+(b), intersects_xy", a_intersects_s + b_s)

    print("points inside each zone (contains_xy / intersects_xy):")
    counts = {}
    for zone_id, c, i in zip(ids, contains, intersects):
        counts[zone_id] = {"contains": int(c.sum()), "intersects": int(i.sum())}
        print(f"  {zone_id:<16} {int(c.sum()):7d} / {int(i.sum()):7d}")
    inside_any = np.logical_or.reduce(intersects) if zones else np.zeros(n, bool)
    print(
        f"  inside any zone: {int(inside_any.sum())}; "
        f"mean planar distance to the nearest boundary {float(nearest.mean()):.4f} deg"
    )

    if args.json:
        figures = {
            "shapely": shapely.__version__,
            "geos": shapely.geos_version_string,
            "numpy": np.__version__,
            "points": n,
            "repeats": args.repeats,
            "prepare_ms": prepare_ms,
            "a_contains_ms": a_contains_s * 1e3,
            "a_intersects_ms": a_intersects_s * 1e3,
            "b_ms": b_s * 1e3,
            "points_ms": points_s * 1e3,
            "ab_contains_ms": (a_contains_s + b_s) * 1e3,
            "ab_intersects_ms": (a_intersects_s + b_s) * 1e3,
            "counts": counts,
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
