#!/usr/bin/env python3
"""Real answers of a live dezone (DEZONE_URL) against the schemas of its own /api.

Each request's answer is validated against the schema /api gives for its operation
and status, by openapi-schema-validator's OAS 3.0 validator: the library that
openapi-core, and the clients generated with it, validate with. The requests are
chosen for the answers a schema can get wrong: null members (a point outside Syria,
a date before the zones began), batches, problems.

Prints "ok - NAME" / "not ok - NAME: why" per request; exits 1 when any failed.
"""

import json
import os
import sys
import urllib.error
import urllib.request

from tap import Report

BASE = os.environ["DEZONE_URL"].rstrip("/")
REPORT = Report()

# (name, method, path as in /api, target, JSON body or None, expected status)
REQUESTS = [
    ("a point in Idlib", "get", "/locate", "/locate?lon=36.63&lat=35.93", None, 200),
    ("a point in the sea, no governorate", "get", "/locate", "/locate?lon=0&lat=0", None, 200),
    ("a date before the zones, no nearest zone", "get", "/locate",
     "/locate?lon=36.403&lat=33.572&at=2017-05-05", None, 200),
    ("a batch with a point outside Syria", "post", "/locate", "/locate",
     [[36.63, 35.93], [0, 0]], 200),
    ("a batch before the zones", "post", "/locate", "/locate?at=2017-01-01",
     [[36.4, 33.55]], 200),
    ("a batch, ids only", "post", "/locate", "/locate?fields=zones", [[36.63, 35.93], [0, 0]], 200),
    ("the zones", "get", "/zones", "/zones", None, 200),
    ("the zones on a date", "get", "/zones", "/zones?at=2019-01-01", None, 200),
    ("one zone", "get", "/zones/{id}", "/zones/eastern-ghouta", None, 200),
    ("a bad latitude", "get", "/locate", "/locate?lon=36&lat=95", None, 400),
    ("an unknown zone", "get", "/zones/{id}", "/zones/raqqa", None, 404),
    ("a bad batch item", "post", "/locate", "/locate", [[36, 35], [200, 0]], 400),
]


def resolve(api, node):
    """`node` with a top-level `$ref` to the document's components followed."""
    while isinstance(node, dict) and "$ref" in node:
        target = api
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_of(api, method, path, status):
    """The JSON schema /api gives for the answer, and its media type."""
    operation = api["paths"][path][method]
    response = resolve(api, operation["responses"][str(status)])
    media, content = next(iter(response["content"].items()))
    # The schema's references point into the document's components: carried
    # along, they resolve within the schema validated against.
    return {"allOf": [content["schema"]], "components": api["components"]}, media


def call(method, target, body):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(BASE + target, data=data, headers=headers,
                                     method=method.upper())
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.headers.get_content_type(), json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers.get_content_type(), json.load(refused)


def main():
    try:
        from openapi_schema_validator import OAS30Validator
        import openapi_schema_validator
    except ImportError as e:
        REPORT.line("openapi-schema-validator import",
                    f"{e} (pip install -r tests/clients/requirements.txt)")
        return 1
    print(f"# openapi-schema-validator {openapi_schema_validator.__version__}")
    with urllib.request.urlopen(BASE + "/api", timeout=20) as answer:
        api = json.load(answer)
    if not str(api.get("openapi", "")).startswith("3.0."):
        REPORT.line("/api is OpenAPI 3.0", f"it says openapi {api.get('openapi')}")
        return 1
    for name, method, path, target, body, expected in REQUESTS:
        def validate(method=method, path=path, target=target, body=body, expected=expected):
            status, media, answer = call(method, target, body)
            if status != expected:
                return f"{method.upper()} {target}: status {status}, expected {expected}: {answer}"
            schema, documented = schema_of(api, method, path, status)
            if media != documented.split(";")[0]:
                return f"{method.upper()} {target}: {media}, documented as {documented}"
            errors = sorted(OAS30Validator(schema).iter_errors(answer), key=str)
            if errors:
                first = errors[0]
                where = "/".join(map(str, first.absolute_path)) or "(the answer)"
                return (f"{method.upper()} {target}: {len(errors)} error(s); at {where}: "
                        f"{first.message}")
            return None
        REPORT.check(f"{name}: {method.upper()} {target} matches /api", validate)
    return REPORT.exit_code()


if __name__ == "__main__":
    sys.exit(main())
