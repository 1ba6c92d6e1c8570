#!/usr/bin/env python3
"""OWSLib's OGC API – Features client against a live dezone (DEZONE_URL).

Prints "ok - NAME" / "not ok - NAME: why" per sub-check; exits 1 when any failed.
"""

import os
import sys

from tap import Report

BASE = os.environ["DEZONE_URL"].rstrip("/")
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
REPORT = Report()
report = REPORT.line


def ids(fc):
    return [f.get("id") for f in fc.get("features", [])]


def main():
    try:
        import owslib
        from owslib.ogcapi.features import Features
    except ImportError as e:
        report("owslib import", f"{e} (pip install -r tests/clients/requirements.txt)")
        return 1
    print(f"# OWSLib {owslib.__version__}")
    try:
        w = Features(BASE, timeout=20)
    except Exception as e:
        report("Features(url) reads the landing page", f"{type(e).__name__}: {e}")
        return 1
    report("Features(url) reads the landing page", None if w.links else "the landing page has no links")

    check = REPORT.check

    def conformance():
        classes = w.conformance().get("conformsTo", [])
        return None if CORE in classes else f"{CORE} not in {classes}"

    def collections():
        got = [c["id"] for c in w.collections()["collections"]]
        return None if {"zones", "governorates"} <= set(got) else f"collections {got}"

    def collection():
        c = w.collection("zones")
        bbox = c["extent"]["spatial"]["bbox"][0]
        inside = bbox[0] <= 36.63 <= bbox[2] and bbox[1] <= 35.93 <= bbox[3]
        return None if c["id"] == "zones" and inside else f"collection {c.get('id')} with bbox {bbox}"

    def bbox():
        got = ids(w.collection_items("zones", bbox=[36.5, 35.8, 36.8, 36.0], limit=10))
        return None if got == ["idlib"] else f"ids {got}, expected ['idlib']"

    def limit():
        fc = w.collection_items("governorates", limit=5)
        got = ids(fc)
        if len(got) != 5 or fc.get("numberReturned") != 5 or fc.get("numberMatched") != 14:
            return f"{len(got)} features, numberReturned {fc.get('numberReturned')}, numberMatched {fc.get('numberMatched')}"
        if not any(link.get("rel") == "next" for link in fc.get("links", [])):
            return "no rel=next link on a partial page"
        return None

    def offset():
        fc = w.collection_items("governorates", limit=5, offset=10)
        got = ids(fc)
        return None if got == ["SY11", "SY12", "SY13", "SY14"] else f"ids {got}, expected SY11..SY14"

    def item():
        f = w.collection_item("zones", "idlib")
        if f.get("id") != "idlib" or f.get("properties", {}).get("number") != 1:
            return f"got id {f.get('id')} number {f.get('properties', {}).get('number')}"
        return None if f["geometry"]["type"] in ("Polygon", "MultiPolygon") else f"geometry {f['geometry']['type']}"

    def queryables():
        if not hasattr(w, "collection_queryables"):
            return "this OWSLib has no collection_queryables (the pinned one does)"
        q = w.collection_queryables("zones")
        props = q.get("properties", {})
        return None if {"number", "name", "geometry"} <= set(props) else f"queryables {sorted(props)}"

    def cql2():
        got = ids(w.collection_items("zones", filter="number = 3", limit=10))
        return None if got == ["eastern-ghouta"] else f"ids {got}, expected ['eastern-ghouta']"

    def datetime():
        got = ids(w.collection_items("zones", datetime="2018-06-01T12:00:00Z", limit=10))
        return None if got == ["idlib", "southern"] else f"ids {got}, expected ['idlib', 'southern'] (in force on 2018-06-01)"

    def api():
        doc = w.api()
        version = str(doc.get("openapi", ""))
        paths = doc.get("paths", {})
        if not version.startswith("3."):
            return f"openapi {version!r}"
        return None if "/collections/{collectionId}/items" in paths else f"paths {sorted(paths)}"

    check("conformance() includes the Part 1 core class", conformance)
    check("collections() has zones and governorates", collections)
    check("collection('zones') has an extent holding Idlib city", collection)
    check("collection_items('zones', bbox=Idlib city) returns idlib only", bbox)
    check("collection_items('governorates', limit=5) returns 5 of 14 with a next link", limit)
    check("collection_items('governorates', limit=5, offset=10) returns SY11..SY14", offset)
    check("collection_item('zones', 'idlib') returns the idlib Feature", item)
    check("collection_queryables('zones') names number, name, geometry", queryables)
    check("collection_items('zones', filter='number = 3') (CQL2 text) returns eastern-ghouta", cql2)
    check("collection_items('zones', datetime=2018-06-01) returns the zones then in force", datetime)
    check("api() reads the service-desc OpenAPI document", api)
    return REPORT.exit_code()


if __name__ == "__main__":
    sys.exit(main())
