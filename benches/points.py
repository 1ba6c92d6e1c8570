#!/usr/bin/env python3
"""Write N deterministic random points over Syria's bounding box as a JSON array of [lon, lat].

    python3 benches/points.py [N] > points.json      # N defaults to 100000

random.seed(1), uniform over lon 35.7-42.4, lat 32.3-37.3, rounded to 5 decimals: the same
points every run, on every machine, for benches/batch.sh, benches/shapely.py and the figures
in benches/README.md. Standard library only.
"""

import json
import random
import sys

LON = (35.7, 42.4)
LAT = (32.3, 37.3)


def points(n: int) -> list[list[float]]:
    random.seed(1)
    return [
        [round(random.uniform(*LON), 5), round(random.uniform(*LAT), 5)]
        for _ in range(n)
    ]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if n < 0:
        sys.exit("points.py: N must be >= 0")
    json.dump(points(n), sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
