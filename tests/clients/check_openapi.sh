#!/usr/bin/env bash
# The OpenAPI document at /api (the landing page's service-desc) against real tools:
# openapi-spec-validator, then schemathesis with a bounded, seeded run.
# Prints "ok - NAME" / "not ok - NAME: why"; exits 1 when any failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="${DEZONE_URL:?DEZONE_URL is not set}"
work="${CLIENTS_WORK:-$(mktemp -d)}/openapi"
mkdir -p "$work"
cd "$work" || exit 1
status=0
fail() { echo "not ok - $1"; status=1; }

missing=()
for tool in openapi-spec-validator schemathesis; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    fail "openapi tools: ${missing[*]} not found on PATH (pip install -r tests/clients/requirements.txt)"
    exit 1
fi
echo "# $(schemathesis --version); openapi-spec-validator $(python3 -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))')"

# 1. The documents are valid OpenAPI, and say the version their links and the
#    conformance class (oas30) claim.
if ! curl -fsS --max-time 20 "$base/api" -o api.json; then
    fail "GET /api: no document"
    exit 1
fi
if out=$(openapi-spec-validator api.json 2>&1); then
    echo "ok - openapi-spec-validator accepts /api (openapi $(python3 -c 'import json; print(json.load(open("api.json"))["openapi"])'))"
else
    fail "openapi-spec-validator rejects /api: $(echo "$out" | tail -n 20)"
fi
if out=$(python3 - "$base" <<'PY'
import json, re, sys, urllib.request
base = sys.argv[1]
def get(path, accept="application/json"):
    req = urllib.request.Request(path if path.startswith("http") else base + path, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=20) as r:
        return json.load(r)
landing = get("/")
links = [l for l in landing["links"] if l.get("rel") == "service-desc"]
if not links:
    sys.exit("the landing page has no service-desc link")
problems = []
for link in links:
    m = re.search(r"version=(\d+\.\d+)", link.get("type", ""))
    doc = get(link["href"], link.get("type", "application/json"))
    if m and not str(doc.get("openapi", "")).startswith(m.group(1) + "."):
        problems.append(f"{link['href']} is linked as version={m.group(1)} but says openapi {doc.get('openapi')}")
    print(f"service-desc {link['href']}: openapi {doc.get('openapi')}")
oas30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
api = get("/api")
if oas30 in get("/conformance")["conformsTo"] and not str(api.get("openapi", "")).startswith("3.0."):
    problems.append(f"/conformance claims oas30 but /api says openapi {api.get('openapi')}")
if problems:
    sys.exit("; ".join(problems))
PY
); then
    echo "ok - service-desc links and the oas30 class match the documents' versions"
else
    fail "service-desc versions: $(echo "$out" | tail -n 5)"
fi
while read -r href; do
    [[ "$href" == "$base/api" ]] && continue
    name="$(basename "$href")"
    if curl -fsS --max-time 20 "$href" -o "extra-$name" && out=$(openapi-spec-validator "extra-$name" 2>&1); then
        echo "ok - openapi-spec-validator accepts ${href#"$base"}"
    else
        fail "openapi-spec-validator rejects ${href#"$base"}: $(echo "$out" | tail -n 20)"
    fi
done < <(python3 -c 'import json,sys,urllib.request
d=json.load(urllib.request.urlopen(sys.argv[1]+"/?f=json", timeout=20))
print("\n".join(l["href"] for l in d["links"] if l.get("rel")=="service-desc"))' "$base")

# 2. schemathesis: every operation of /api, every phase (examples, coverage,
#    fuzzing, stateful), every check (all are on by default; `--checks all` is not
#    given because it would override the per-operation exclusions in
#    schemathesis.toml), except the two schemathesis.toml turns off for the items
#    resource. Bounded: 30 examples per operation, a fixed seed, one
#    worker, a 10 s request timeout (about 700 requests, under 15 s).
if schemathesis --config-file "$here/schemathesis.toml" run "$base/api" \
    --max-examples 30 \
    --seed 20170504 \
    --workers 1 \
    --request-timeout 10 \
    --generation-database none \
    --no-color \
    --report junit --report-dir "$work/report" \
    >schemathesis.log 2>&1; then
    sed -n '/SUMMARY/,$p' schemathesis.log
    echo "ok - schemathesis run /api: no failures"
else
    cat schemathesis.log
    fail "schemathesis run /api: $(grep -E '^  ❌ ST|generated' schemathesis.log | tr -s ' ' | paste -sd ';' -)"
fi
exit $status
