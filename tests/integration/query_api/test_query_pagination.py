"""Cursor pages stay stable while documents change: no duplicates, no skipped unchanged docs."""

from __future__ import annotations

import base64
import json

import pytest

from .documents import product, search

pytestmark = pytest.mark.integration

# Prices and popularity repeat, so ties (broken by id) fall across page boundaries. Every
# description mentions "lamp" a different number of times, so relevance scores differ too.
ORIGINAL = [
    product(
        i,
        f"Lamp model {i}",
        f"{10 + i % 4}.00",
        units_sold=i % 5,
        description=" ".join(["lamp"] * (1 + i % 6)) + f" number {i}",
    )
    for i in range(1, 31)
]
ORIGINAL_IDS = {d["id"] for d in ORIGINAL}


@pytest.fixture(autouse=True)
def lamps(catalogue):
    catalogue.load(ORIGINAL)


def pit_of(cursor: str) -> str:
    body = cursor.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["p"]


@pytest.mark.parametrize("sort", ["relevance", "price_asc", "price_desc", "popularity"])
def test_pages_stay_stable_while_documents_change(api, catalogue, sort):
    seen: list[int] = []
    moved: set[int] = set()
    params = {"q": "lamp", "sort": sort, "size": 7}
    body = search(api, **params)
    new_id = 100
    while True:
        seen += [hit["id"] for hit in body["hits"]]
        assert body["total"] == 30, "every page counts the same snapshot"
        if body["next_cursor"] is None:
            break
        # Between pages: new products everywhere in the order (and more "lamp" text, which
        # shifts every relevance score), one seen product moves to the end, one unseen one is
        # renamed, and an unseen one is deleted.
        catalogue.put(
            product(new_id, "Lamp lamp lamp", "1.00", units_sold=99, description="lamp " * 10),
            product(new_id + 1, "Lamp", "99.00", units_sold=0, description="lamp"),
        )
        new_id += 2
        first_seen = body["hits"][0]["id"]
        catalogue.put(product(first_seen, "Lamp model moved", "50.00", units_sold=0, description="lamp"))
        moved.add(first_seen)
        unseen = sorted(ORIGINAL_IDS - set(seen) - moved)
        if unseen:
            catalogue.put(product(unseen[0], "Renamed lamp", "10.00", description="lamp"))
            moved.add(unseen[0])
        body = search(api, **params, cursor=body["next_cursor"])
    assert len(seen) == len(set(seen)), f"duplicates: {sorted(seen)}"
    assert ORIGINAL_IDS - moved <= set(seen), "an unchanged product was skipped"
    assert set(seen) <= ORIGINAL_IDS, "pages read one snapshot: products added later wait"


def test_a_new_first_page_sees_the_changes(api, catalogue):
    catalogue.put(product(200, "Lamp newest", "1.00", description="lamp"))
    assert search(api, q="lamp", sort="price_asc", size=3)["hits"][0]["id"] == 200


def test_paging_survives_an_expired_snapshot(api, es):
    first = search(api, sort="price_asc", size=10)
    es.close_point_in_time(id=pit_of(first["next_cursor"]))  # as if kept alive too briefly
    second = search(api, sort="price_asc", size=10, cursor=first["next_cursor"])
    third = search(api, sort="price_asc", size=10, cursor=second["next_cursor"])
    ids = [h["id"] for p in (first, second, third) for h in p["hits"]]
    assert sorted(ids) == sorted(ORIGINAL_IDS) and third["next_cursor"] is None


def test_a_cursor_only_continues_its_own_search(api):
    cursor = search(api, q="lamp", sort="price_asc", size=5)["next_cursor"]
    for other in (
        {"q": "lamps", "sort": "price_asc"},
        {"q": "lamp", "sort": "price_desc"},
        {"q": "lamp", "sort": "price_asc", "in_stock": "true"},
        {"q": "lamp", "sort": "price_asc", "category": "garden"},
    ):
        response = api.get("/products/search", params={**other, "size": 5, "cursor": cursor})
        assert response.status_code == 422, response.text
        assert "different search" in response.json()["detail"]
    # The page size is not part of a search: a client may change it between pages.
    assert search(api, q="lamp", sort="price_asc", size=9, cursor=cursor)["hits"]


def flip(cursor: str, at: int) -> str:
    return cursor[:at] + ("B" if cursor[at] == "A" else "A") + cursor[at + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [lambda c: c[:-2], lambda c: flip(c, 10), lambda c: flip(c, -3), lambda c: c.replace(".", ""), lambda c: "x" + c],
)
def test_damaged_cursors_are_422(api, mangle):
    cursor = search(api, sort="popularity", size=5)["next_cursor"]
    response = api.get("/products/search", params={"sort": "popularity", "size": 5, "cursor": mangle(cursor)})
    assert response.status_code == 422, response.text
