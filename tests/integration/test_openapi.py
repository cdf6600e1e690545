"""test_openapi.py -- the admin API describes itself: GET /api/v1/openapi.json
serves src/api/openapi.json (OpenAPI 3.1; tests/openapi/validate.mjs checks it
with a maintained validator), and every route the router holds -- as GET
/api/v1/routes lists them, the console's included -- is in the document with
its method and least role, and nothing else is. Answers of the running
daemon are checked against the document's schemas with a small checker of
the JSON Schema keywords the document uses. Standard library only (plus
pytest)."""
import json
import os
import re

from conftest import assert_json_error, http_request
from test_admin_api import started

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "src", "api", "openapi.json")
METHODS = {"get", "post", "put", "patch", "delete"}


# What the admin listener serves outside the router, for machines, that the
# document describes under a server of its own (not /api/v1).
OUTSIDE_THE_API = {("GET", "/metrics")}


def documented(doc, outside=False):
    """(METHOD, path): least role of the router's routes in the document, or
    with outside=True of the paths described under a server of their own."""
    return {(m.upper(), path): op.get("x-taawun-min-role")
            for path, item in doc["paths"].items()
            if ("servers" in item) == outside
            for m, op in item.items() if m in METHODS}


def test_the_document_is_served_to_any_role_and_to_nobody_else(daemons):
    d, api = started(daemons, "viewer")
    r = api.get("/openapi.json")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("application/json")
    with open(DOC, "rb") as f:
        assert r.body == f.read()
    assert r.json()["openapi"].startswith("3.1")
    assert_json_error(http_request(d.admin_port, "GET", "/api/v1/openapi.json"), 401)
    assert_json_error(http_request(d.admin_port, "GET", "/api/v1/routes"), 401)
    # The public listener never serves the API.
    assert http_request(d.public_port, "GET", "/api/v1/openapi.json").status == 404


def test_every_route_is_documented_and_nothing_else(daemons):
    d, api = started(daemons, "viewer")
    doc = api.get("/openapi.json").json()
    r = api.get("/routes")
    assert r.status == 200, r
    routes = {(x["method"], x["path"]): x["min_role"] for x in r.json()["items"]}
    # The router's own tables and the console's (api_add_routes) are there.
    assert ("GET", "/members") in routes and ("GET", "/dashboard") in routes
    docs = documented(doc)
    assert sorted(set(routes) - set(docs)) == [], "routes without documentation"
    assert sorted(set(docs) - set(routes)) == [], "documentation without a route"
    wrong = {k: (routes[k], docs[k]) for k in routes if routes[k] != docs[k]}
    assert wrong == {}, "least role: (router, document)"


def test_what_is_served_outside_the_api_is_documented_and_nothing_else(daemons):
    d, api = started(daemons, "viewer")
    doc = api.get("/openapi.json").json()
    assert set(documented(doc, outside=True)) == OUTSIDE_THE_API
    for method, path in OUTSIDE_THE_API:
        server = doc["paths"][path]["servers"][0]["url"]
        assert not server.endswith("/api/v1"), server
        r = http_request(d.admin_port, method, path)
        assert r.status == 200, r
        ctypes = doc["paths"][path][method.lower()]["responses"]["200"]["content"]
        assert r.headers["content-type"] in ctypes, (r.headers, ctypes)
        assert http_request(d.public_port, method, path).status == 404


def test_every_operation_declares_its_path_parameters():
    with open(DOC, encoding="utf-8") as f:
        doc = json.load(f)
    params = doc["components"]["parameters"]
    for path, item in doc["paths"].items():
        names = set(re.findall(r"\{([a-z_]+)\}", path))
        for m, op in ((m, op) for m, op in item.items() if m in METHODS):
            declared = set()
            for p in op.get("parameters", []):
                p = params[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                if p["in"] == "path":
                    declared.add(p["name"])
            assert declared == names, (m, path)
            assert "default" in op["responses"], (m, path)


# --------------------------------------------------------------------------
# The answers match the schemas.

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def type_ok(value, t):
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES[t])


def conform(doc, schema, value, where="$"):
    """The ways value breaks schema (the keywords the document uses)."""
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    errs = []
    for sub in schema.get("allOf", []):
        errs += conform(doc, sub, value, where)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(type_ok(value, t) for t in types):
            return errs + [f"{where}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{where}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errs.append(f"{where}: {value!r} is not {schema['const']!r}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errs += [f"{where}: {k} missing" for k in schema.get("required", []) if k not in value]
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                errs += conform(doc, props[k], v, f"{where}.{k}")
            elif extra is False:
                errs.append(f"{where}.{k}: not in the schema")
            elif isinstance(extra, dict):
                errs += conform(doc, extra, v, f"{where}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errs += conform(doc, schema["items"], v, f"{where}[{i}]")
    return errs


def flatten(doc, schema):
    """schema and the schemas its allOf holds, references followed."""
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return [schema] + [p for sub in schema.get("allOf", []) for p in flatten(doc, sub)]


def undocumented_keys(doc, schema, value, where="$"):
    """Keys of value's objects that no schema on the way names: the
    document must name every field the API answers with."""
    out = []
    parts = flatten(doc, schema)
    if isinstance(value, dict):
        props = {}
        for p in parts:
            props.update(p.get("properties", {}))
        free = any("additionalProperties" in p for p in parts) or not any(
            "properties" in p for p in parts)
        for k, v in value.items():
            if k in props:
                out += undocumented_keys(doc, props[k], v, f"{where}.{k}")
            elif not free:
                out.append(f"{where}.{k}")
    if isinstance(value, list):
        for p in parts:
            if "items" in p:
                for i, v in enumerate(value[:3]):
                    out += undocumented_keys(doc, p["items"], v, f"{where}[{i}]")
    return out


def check_answer(doc, api, method, path, template, body=None):
    r = api.call(method, path, body)
    op = doc["paths"][template][method.lower()]
    status = str(r.status)
    if status not in op["responses"] and r.status >= 400:
        status = "default"
    assert status in op["responses"], (method, path, r)
    spec = op["responses"][status]
    if "$ref" in spec:
        spec = doc["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
    schema = spec["content"]["application/json"]["schema"]
    value = r.json()
    assert conform(doc, schema, value) == [], (method, path)
    assert undocumented_keys(doc, schema, value) == [], (method, path)
    return r


def test_answers_match_the_documented_schemas(daemons):
    d, api = started(daemons, "admin")
    with open(DOC, encoding="utf-8") as f:
        doc = json.load(f)
    ev = check_answer(doc, api, "POST", "/events", "/events", {
        "code": "4711", "kind": "workshop", "title_ar": "ورشة", "title_fr": "Atelier",
        "title_en": "Workshop", "starts_at": "2030-05-02T09:30", "place": "Oujda",
        "province": "oujda-angad", "capacity": 30}).json()
    bc = check_answer(doc, api, "POST", "/broadcasts", "/broadcasts",
                      {"name": "Salon", "texts": {"ar": "مرحبا", "fr": "Bonjour", "en": "Hello"}})
    assert bc.status == 201, bc
    bid = bc.json()["id"]
    member = api.get("/members?limit=1").json()["items"][0]["id"]
    grant = api.get("/grants?limit=1").json()["items"][0]["id"]
    coop = api.get("/cooperatives?limit=1").json()["items"][0]["id"]
    for path, template in [
            ("/programme", "/programme"), ("/stats", "/stats"), ("/members", "/members"),
            (f"/members/{member}", "/members/{id}"), ("/grants", "/grants"),
            (f"/grants/{grant}", "/grants/{id}"), ("/events", "/events"),
            (f"/events/{ev['id']}", "/events/{id}"), ("/broadcasts", "/broadcasts"),
            (f"/broadcasts/{bid}", "/broadcasts/{id}"),
            (f"/broadcasts/{bid}/preview", "/broadcasts/{id}/preview"),
            ("/cooperatives", "/cooperatives"), (f"/cooperatives/{coop}", "/cooperatives/{id}"),
            ("/messages", "/messages"), ("/ideas", "/ideas"), ("/tokens", "/tokens"),
            ("/audit", "/audit"), ("/routes", "/routes"), ("/members/999999", "/members/{id}"),
            ("/channels", "/channels"), ("/channels/health", "/channels/health"),
            ("/channels/budgets", "/channels/budgets")]:
        check_answer(doc, api, "GET", path, template)
    check_answer(doc, api, "POST", "/broadcasts/preview", "/broadcasts/preview",
                 {"name": "Salon", "texts": {"ar": "مرحبا", "fr": "Bonjour", "en": "Hello"}})
    check_answer(doc, api, "POST", f"/grants/{grant}/status", "/grants/{id}/status",
                 {"status": "approved", "note": "ok"})
    check_answer(doc, api, "POST", f"/events/{ev['id']}/cancel", "/events/{id}/cancel")
    check_answer(doc, api, "POST", f"/broadcasts/{bid}/cancel", "/broadcasts/{id}/cancel")


def test_answers_of_templates_recurrences_and_delivery_match_the_schemas(daemons):
    """The routes added for the officer's week: templates, a weekly
    recurrence (its audience and ended_reason null: the rule repeats the
    draft's audience and has not ended), a draft's delivery report, and a
    month's costs per channel."""
    d, api = started(daemons, "admin")
    with open(DOC, encoding="utf-8") as f:
        doc = json.load(f)
    texts = {"ar": "مرحبا {name}", "fr": "Bonjour {name}", "en": "Hello {name}"}
    t = check_answer(doc, api, "POST", "/templates", "/templates", {"name": "Salon", "texts": texts})
    assert t.status == 201, t
    tid = t.json()["id"]
    check_answer(doc, api, "GET", "/templates", "/templates")
    check_answer(doc, api, "GET", f"/templates/{tid}", "/templates/{id}")
    check_answer(doc, api, "PATCH", f"/templates/{tid}", "/templates/{id}", {"name": "Salon 2"})
    check_answer(doc, api, "DELETE", f"/templates/{tid}", "/templates/{id}")
    bid = api.post("/broadcasts", {"name": "Hebdo", "texts": texts}).json()["id"]
    rule = {"repeat": "weekly", "weekday": 1, "time": "10:00"}
    rec = check_answer(doc, api, "POST", f"/broadcasts/{bid}/recurrence",
                       "/broadcasts/{id}/recurrence", rule)
    assert rec.status == 201, rec
    rec = rec.json()
    assert rec["audience"] is None and rec["ended_reason"] is None, rec
    check_answer(doc, api, "POST", "/recurrences/preview", "/recurrences/preview", rule)
    check_answer(doc, api, "GET", "/recurrences", "/recurrences")
    check_answer(doc, api, "GET", f"/recurrences/{rec['id']}", "/recurrences/{id}")
    check_answer(doc, api, "PATCH", f"/recurrences/{rec['id']}", "/recurrences/{id}",
                 {"status": "paused"})
    check_answer(doc, api, "DELETE", f"/recurrences/{rec['id']}", "/recurrences/{id}")
    check_answer(doc, api, "GET", f"/broadcasts/{bid}/report", "/broadcasts/{id}/report")
    check_answer(doc, api, "GET", "/channels/costs", "/channels/costs")
