#!/usr/bin/env python3
"""QGIS's own OGC API – Features provider (OAPIF) against a live dezone (DEZONE_URL).

Prints "ok - NAME" / "not ok - NAME: why" per sub-check; exits 1 when any failed.
Needs QGIS's Python bindings (Debian: python3-qgis, qgis-providers), run by the Python
they were built for (/usr/bin/python3), headless (QT_QPA_PLATFORM=offscreen).

QGIS reads the collections through its OAPIF provider, which is not GDAL's driver: it
pages with its own requests, types the fields from the features, and filters by bbox
itself. Each answer is compared with what the service says over plain HTTP.
"""

import os
import sys

from tap import Report, get_json

BASE = os.environ["DEZONE_URL"].rstrip("/")
ZONES = ["idlib", "northern-homs", "eastern-ghouta", "southern"]
GOVERNORATES = [f"SY{i:02d}" for i in range(1, 15)]

report = Report()


def main():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from qgis.core import (
            Qgis,
            QgsApplication,
            QgsCoordinateReferenceSystem,
            QgsDistanceArea,
            QgsFeatureRequest,
            QgsGeometry,
            QgsPointXY,
            QgsProject,
            QgsRectangle,
            QgsVectorLayer,
        )
    except ImportError as e:
        report.line("qgis bindings", f"{e} (apt-get install python3-qgis qgis-providers; run with /usr/bin/python3)")
        return 1
    app = QgsApplication([], False)
    app.initQgis()
    print(f"# QGIS {Qgis.version()}", flush=True)

    def layer(name):
        uri = f"url='{BASE}' typename='{name}' restrictToRequestBBOX='0'"
        lyr = QgsVectorLayer(uri, name, "OAPIF")
        if not lyr.isValid():
            raise RuntimeError(f"layer {name} is not valid: {lyr.error().summary()}")
        return lyr

    def check_zones():
        zones = layer("zones")
        if zones.crs().authid() != "EPSG:4326":
            return f"CRS {zones.crs().authid()}, expected EPSG:4326"
        feats = list(zones.getFeatures())
        ids = [f["id"] for f in feats]
        if ids != ZONES:
            return f"ids {ids}, expected {ZONES}"
        types = {f.name(): f.typeName() for f in zones.fields()}
        for field, want in [("number", "Integer"), ("valid_from", "Date"), ("area_km2", "Real")]:
            if types.get(field) != want:
                return f"field {field} typed {types.get(field)}, expected {want} (fields: {types})"
        served = {f["id"]: f for f in get_json(BASE, "/collections/zones/items?limit=100")["features"]}
        # QGIS's own ellipsoidal area of each polygon against the served area_km2.
        area = QgsDistanceArea()
        area.setSourceCrs(QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance().transformContext())
        area.setEllipsoid("WGS84")
        for f in feats:
            if f["number"] != served[f["id"]]["properties"]["number"]:
                return f"{f['id']}: number {f['number']}, served {served[f['id']]['properties']['number']}"
            km2 = area.measureArea(f.geometry()) / 1e6
            want = served[f["id"]]["properties"]["area_km2"]
            if abs(km2 - want) > 0.005 * want:
                return f"{f['id']}: QGIS measures {km2:.1f} km², the service says {want} km²"
        return None

    def check_governorates():
        governorates = layer("governorates")
        ids = [f["pcode"] for f in governorates.getFeatures()]
        if sorted(ids) != GOVERNORATES:
            return f"pcodes {sorted(ids)}, expected {GOVERNORATES}"
        return None

    def check_bbox():
        zones = layer("zones")
        request = QgsFeatureRequest().setFilterRect(QgsRectangle(36.5, 35.8, 36.8, 36.0))
        ids = [f["id"] for f in zones.getFeatures(request)]
        return None if ids == ["idlib"] else f"ids {ids}, expected ['idlib']"

    def check_points():
        # QGIS's point-in-polygon on the features it read agrees with GET /locate.
        zones = {f["id"]: f.geometry() for f in layer("zones").getFeatures()}
        for lon, lat in [(36.63, 35.93), (36.40, 33.55), (36.176, 32.626), (36.72, 34.83), (38.0, 34.5)]:
            answer = get_json(BASE, f"/locate?lon={lon}&lat={lat}")
            served = [z["id"] for z in answer["zones"]]
            point = QgsGeometry.fromPointXY(QgsPointXY(lon, lat))
            held = [i for i, g in zones.items() if g.intersects(point)]
            if held != served:
                return f"({lon}, {lat}): QGIS finds {held}, /locate says {served}"
        return None

    checks = [
        ("QGIS OAPIF reads the 4 zones in order, typed, in EPSG:4326, with the served areas", check_zones),
        ("QGIS OAPIF reads the 14 governorates", check_governorates),
        ("QGIS OAPIF with a filter rectangle around Idlib city returns idlib only", check_bbox),
        ("QGIS point-in-polygon on the zones it read agrees with /locate", check_points),
    ]
    for name, check in checks:
        report.check(name, check)
    return report.exit_code()


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # QGIS's exitQgis() may crash while tearing down its providers; the results are in.
    os._exit(code)
