"""The routes derived from a declaration (the real models/reviews.py) without servers: JSON shapes, 404, 422s
for ids, filters and cursors, tokens (422, 504), cursor pages, OpenAPI; and the product view's declared extras."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from catalog import registry
from catalog.registry import read_model, read_models
from catalog.vocabulary import Field, Role, keyed
from services.query_api.adapters.elasticsearch.declared import DeclaredDsl
from services.query_api.adapters.elasticsearch.products import ProductDsl
from services.query_api.consistency.waiter import Projection
from services.query_api.entrypoints.app import create_app
from services.query_api.entrypoints.routes import declared
from services.query_api.read_models import HAND_WRITTEN, served_by_declaration, shape_of
from services.query_api.service_layer.consistency import ReadYourWrites
from services.query_api.service_layer.declared import DeclaredQueries
from services.query_api.service_layer.products import ProductQueries
from services.query_api.settings import QueryApiSettings

from ..fakes import FakeIndex, FakeWaiter, by_id, product_doc, review_doc

REVIEW_KEYS = {"id", "product_id", "customer_id", "rating", "body", "created_at"}
TOKEN = "v1.AAAAFrN02Eg"


def client_for(index, waiter=None):
    # No `with`: the lifespan (which would connect to Elasticsearch) does not run.
    app = create_app(QueryApiSettings())
    shape = shape_of(read_model("reviews"))
    consistency = ReadYourWrites(
        waiter or FakeWaiter(), Projection("reviews", ("t",)), app.state.metrics.observe_consistency_wait
    )
    reviews = DeclaredQueries(shape, index, DeclaredDsl(shape), consistency, use_snapshots=True)
    app.state.read_side = SimpleNamespace(declared={"reviews": reviews})
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def index():
    return FakeIndex([review_doc(i, product_id=5 + i % 2, rating=1 + i % 5) for i in range(1, 8)], key=by_id)


@pytest.fixture
def api(index):
    return client_for(index)


def test_get_a_review(api):
    assert api.get("/reviews/3").json() == {
        "id": 3,
        "product_id": 6,
        "customer_id": 3,
        "rating": 4,
        "body": "sturdy and bright",
        "created_at": "2026-11-26T10:00:00.000Z",
    }


def test_unknown_id_is_404(api):
    response = api.get("/reviews/42")
    assert (response.status_code, response.json()) == (404, {"detail": "review 42 not found"})


@pytest.mark.parametrize("raw", ["abc", "1.5", "0", "-3", "99999999999999999999"])
def test_bad_ids_are_422(api, raw):
    response = api.get(f"/reviews/{raw}")
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)


def test_search_pages_through_every_review_with_a_cursor(api, index):
    seen, cursor = [], None
    while True:
        params = {"size": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/reviews/search", params=params).json()
        assert set(body) == {"total", "hits", "next_cursor"} and body["total"] == 7
        assert all(set(hit) == REVIEW_KEYS for hit in body["hits"])
        seen += [hit["id"] for hit in body["hits"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(1, 8))
    assert index.opened == ["pit1"] and index.closed == ["pit1"]  # one snapshot for every page


def test_q_and_filters_reach_the_query_parsed(api, index):
    params = {"q": "bright", "product_id": "6", "rating": "4", "customer_id": "3"}
    assert api.get("/reviews/search", params=params).status_code == 200
    query = index.bodies[-1]["query"]["bool"]
    assert query["filter"] == [{"term": {"customer_id": 3}}, {"term": {"product_id": 6}}, {"term": {"rating": 4}}]
    assert query["must"][0]["multi_match"]["fields"] == ["body"]


@pytest.mark.parametrize(
    "params,reason",
    [
        ({"rating": "five"}, "query rating: Input should be a valid integer"),
        ({"rating": "2147483648"}, "query rating: Input should be less than or equal to 2147483647"),
        ({"product_id": "1.5"}, "query product_id: Input should be a valid integer"),
        ({"size": "0"}, "query size"),
        ({"size": "101"}, "query size"),
        ({"q": "x" * 257}, "query q"),
        ({"cursor": "not-a-cursor"}, "query cursor"),
        ({"body": "lamp"}, "query body"),  # text is searched with q, not filtered: an unknown parameter
        ({"created_at": "2026-11-26T10:00:00Z"}, "query created_at"),  # not declared a FILTER
        ({"ratnig": "5"}, "query ratnig"),  # a misspelt filter: refused, not ignored
    ],
)
def test_bad_search_parameters_are_422_with_the_reason(api, params, reason):
    response = api.get("/reviews/search", params=params)
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]


def test_a_cursor_only_continues_its_own_search(api):
    cursor = api.get("/reviews/search", params={"rating": "2", "size": 1}).json()["next_cursor"]
    response = api.get("/reviews/search", params={"rating": "3", "size": 1, "cursor": cursor})
    assert response.status_code == 422 and "different search" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/reviews/1", "/reviews/search"])
def test_a_malformed_token_is_422(api, path):
    assert api.get(path, headers={"X-Consistency-Token": "v1.nope"}).status_code == 422


def test_a_token_waits_for_the_projection_and_a_lagging_one_is_504():
    waiter = FakeWaiter(behind=True)
    api = client_for(FakeIndex([review_doc(1)], key=by_id), waiter)
    for path in ("/reviews/1", "/reviews/search"):
        response = api.get(path, headers={"X-Consistency-Token": TOKEN})
        assert response.status_code == 504 and response.headers["Retry-After"] == "1"
        assert response.json()["detail"].startswith(f"read model not yet at token {TOKEN}")
    assert waiter.projections == ["reviews", "reviews"]


def test_openapi_documents_the_derived_routes_and_their_types(api):
    spec = api.get("/openapi.json").json()
    assert {"/reviews/search", "/reviews/{review_id}"} <= set(spec["paths"])
    review = spec["components"]["schemas"]["Review"]["properties"]
    assert set(review) == REVIEW_KEYS and review["id"] == {
        "type": "integer",
        "title": "Id",
        "description": "the review's id",
    }
    assert review["rating"]["anyOf"][0] == {"type": "integer"} and review["body"]["anyOf"][0] == {"type": "string"}
    assert review["created_at"]["format"] == "date-time"
    params = {p["name"]: p for p in spec["paths"]["/reviews/search"]["get"]["parameters"]}
    assert set(params) == {"q", "product_id", "customer_id", "rating", "size", "cursor", "X-Consistency-Token"}
    assert params["rating"]["schema"]["anyOf"][0]["type"] == "integer"
    hits = spec["components"]["schemas"]["ReviewSearchResult"]["properties"]["hits"]
    assert hits["items"] == {"$ref": "#/components/schemas/Review"}


def test_only_the_models_not_hand_written_get_derived_routes(monkeypatch):
    built, router_for = [], declared.router_for
    monkeypatch.setattr(declared, "router_for", lambda shape: built.append(shape.name) or router_for(shape))
    create_app(QueryApiSettings())
    assert built == [m.name for m in served_by_declaration()]
    assert "reviews" in built and not HAND_WRITTEN & set(built)


# The product view: whatever the products declaration adds beyond the view's own fields rides along.


@pytest.fixture
def products_with_reviews(monkeypatch):
    """A temporary products declaration that adds the reviews' count and average (products_v3.json)."""
    products = read_model("products")
    extras = (keyed("review_count", Role.SORT), Field("rating_avg"))
    kept = tuple(f for f in products.fields if f.name not in ("review_count", "rating_avg"))
    declared = {**read_models(), "products": dataclasses.replace(products, version=3, fields=kept + extras)}
    monkeypatch.setattr(registry, "read_models", lambda: declared)


def product_client(docs):
    app = create_app(QueryApiSettings())
    consistency = ReadYourWrites(
        FakeWaiter(), Projection("products", ("t",)), app.state.metrics.observe_consistency_wait
    )
    extras = ("review_count", "rating_avg")  # what bootstrap passes: read_models.product_extras().names
    queries = ProductQueries(FakeIndex(docs), ProductDsl(10, extras), consistency, True, extra_fields=extras)
    app.state.read_side = SimpleNamespace(products=queries)
    return TestClient(app, raise_server_exceptions=False)


def test_a_product_carries_the_declared_extras_none_when_not_stored(products_with_reviews):
    api = product_client([product_doc(1, 100, review_count=2, rating_avg=4.5), product_doc(2, 200)])
    first, second = api.get("/products/1").json(), api.get("/products/2").json()
    assert (first["review_count"], first["rating_avg"], first["price"]) == (2, 4.5, "1.00")
    assert (second["review_count"], second["rating_avg"]) == (None, None)
    hits = api.get("/products/search", params={"sort": "price_asc"}).json()["hits"]
    assert [(h["id"], h["review_count"], h["rating_avg"]) for h in hits] == [(1, 2, 4.5), (2, None, None)]
    schema = api.get("/openapi.json").json()["components"]["schemas"]["Product"]["properties"]
    assert schema["review_count"]["anyOf"][0] == {"type": "integer"}
    assert schema["rating_avg"]["anyOf"][0] == {"type": "number"}
    assert "price_cents" not in schema  # money is answered as a decimal string only
