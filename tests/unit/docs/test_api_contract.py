"""docs/API.md against both apps' OpenAPI documents: routes, parameters, body and answer fields, answer and
error statuses, and the objects those fields hold.

How the document is read: a `## Write API` / `## Query API` heading opens a service; under it a heading
`### GET /products/{product_id}` opens a route and `### `Product` object` an object. A table's first
header cell says what its rows are (parameter, body field, answer field, error, field); each row's first
cell is the name in backticks. `**Answer `200`**` gives the success status, and may name the object(s)
the answer is ("a `Product` object", "a JSON array of `SalesRow` objects") instead of a table.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from services.query_api.entrypoints.app import create_app as create_query_app
from services.query_api.settings import QueryApiSettings
from services.write_api.entrypoints.app import create_app as create_write_app
from services.write_api.settings import WriteApiSettings

DOC = Path(__file__).resolve().parents[3] / "docs/API.md"
SERVICES = ("Write API", "Query API")

ROUTE = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/\S*)$")
OBJECT = re.compile(r"^### `(\w+)` object$")
ANSWER = re.compile(r"^\*\*Answer `(\d{3})`\*\*(.*)")
NAMED_OBJECT = re.compile(r"`(\w+)` objects?\b")
ROW = re.compile(r"^\|\s*`([^`]+)`")
TABLES = {
    "parameter": "parameters",
    "body field": "body",
    "answer field": "answer",
    "error": "errors",
    "field": "fields",
}
Section = dict[str, Any]


def openapi(service: str) -> dict[str, Any]:
    """The app's OpenAPI document, built in-process (no lifespan, no servers)."""
    if service == "Write API":
        return create_write_app(
            WriteApiSettings(database_url="postgresql://unused", write_token="contract-test-token-4f9a2c")
        ).openapi()
    return create_query_app(QueryApiSettings(query_api_host="127.0.0.1", read_token=None)).openapi()


def parse(text: str) -> tuple[dict[tuple[str, str, str], Section], dict[tuple[str, str], Section]]:
    """Routes by (service, METHOD, path) and objects by (service, name); each a dict of sets of names."""
    routes: dict[tuple[str, str, str], Section] = {}
    objects: dict[tuple[str, str], Section] = {}
    service = section = kind = None
    for line in text.splitlines():
        if line.startswith("#"):
            section = kind = None
            if line.startswith("## "):
                service = next((s for s in SERVICES if line[3:].startswith(s)), None)
            elif service and (route := ROUTE.match(line)):
                section = routes[(service, route[1], route[2])] = defaultdict(set)
            elif service and (obj := OBJECT.match(line)):
                section = objects[(service, obj[1])] = defaultdict(set)
        elif section is not None and (answer := ANSWER.match(line)):
            section["status"] = {answer[1]}
            section["answer_objects"] = set(NAMED_OBJECT.findall(answer[2]))
        elif section is not None and line.startswith("|"):
            header = line.strip("|").split("|")[0].strip()
            if header in TABLES:
                kind = TABLES[header]
            elif kind and (row := ROW.match(line)):
                section[kind].add(row[1])
    return routes, objects


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref, and an array to its items."""
    while "$ref" in schema or schema.get("type") == "array":
        schema = components[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema["items"]
    return schema


def refs(node: Any) -> set[str]:
    """Every component named by a $ref anywhere inside `node`."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if "$ref" in node else set()
        return found.union(*(refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(value) for value in node))
    return set()


def nested_objects(schema: dict[str, Any], components: dict[str, Any]) -> set[str]:
    """The object components reachable through the fields of `schema` (not `schema` itself)."""
    todo, found = refs(schema.get("properties", {})), set()
    while todo:
        name = todo.pop()
        if name not in found and "properties" in components[name]:
            found.add(name)
            todo |= refs(components[name]["properties"])
    return found


def differences(where: str, documented: set[str], actual: set[str]) -> list[str]:
    missing, extra = actual - documented, documented - actual
    return ([f"{where}: not documented: {sorted(missing)}"] if missing else []) + (
        [f"{where}: documented, not in the schema: {sorted(extra)}"] if extra else []
    )


@pytest.fixture(scope="module")
def doc() -> tuple[dict[tuple[str, str, str], Section], dict[tuple[str, str], Section]]:
    return parse(DOC.read_text(encoding="utf-8"))


def operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, ops in schema["paths"].items() for method, op in ops.items()}


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_is_documented_and_every_documented_route_exists(service, doc):
    documented = {f"{method} {path}" for (s, method, path) in doc[0] if s == service}
    actual = {f"{method} {path}" for method, path in operations(openapi(service))}
    problems = differences(f"{service} routes", documented, actual)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("service", SERVICES)
def test_each_route_documents_its_parameters_fields_and_statuses(service, doc):
    schema = openapi(service)
    components = schema["components"]["schemas"]
    routes, objects = doc
    problems: list[str] = []
    for (method, path), op in operations(schema).items():
        section = routes.get((service, method, path))
        if section is None:
            continue  # reported by the route test
        where = f"{service} {method} {path}"
        ok = [code for code in op["responses"] if code.startswith("2")]
        success = resolve(op["responses"][ok[0]]["content"]["application/json"]["schema"], components)
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        body = resolve(body, components) if body else {}
        answer = section["answer"] or set().union(
            *(objects.get((service, name), {}).get("fields", set()) for name in section["answer_objects"])
        )
        problems += differences(
            f"{where} parameters", section["parameters"], {p["name"] for p in op.get("parameters", [])}
        )
        problems += differences(f"{where} body fields", section["body"], set(body.get("properties", {})))
        problems += differences(f"{where} answer fields", answer, set(success.get("properties", {})))
        problems += differences(f"{where} answer status", section["status"], set(ok))
        problems += differences(f"{where} error statuses", section["errors"], set(op["responses"]) - set(ok))
        needed = section["answer_objects"] | nested_objects(success, components) | nested_objects(body, components)
        problems += [
            f"{where}: object {name} is not documented (### `{name}` object)"
            for name in sorted(needed)
            if (service, name) not in objects
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("service", SERVICES)
def test_each_documented_object_matches_its_schema(service, doc):
    components = openapi(service)["components"]["schemas"]
    problems: list[str] = []
    for (s, name), section in doc[1].items():
        if s != service:
            continue
        if name not in components:
            problems.append(f"{service}: documents object {name}, which the schema does not have")
            continue
        problems += differences(
            f"{service} object {name}", section["fields"], set(components[name].get("properties", {}))
        )
    assert not problems, "\n".join(problems)
