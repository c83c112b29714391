"""The orders and customers read models end to end: write API -> Postgres -> Debezium -> Kafka -> Faust -> ES ->
query API."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from infra.verify.sources import scan_index

pytestmark = pytest.mark.e2e


def _order(shop, customer_id: int, *products: dict, quantity: int = 1) -> dict:
    items = [{"product_id": p["id"], "quantity": quantity} for p in products]
    return shop.command("POST", "/orders", {"customer_id": customer_id, "items": items})


def _read(shop, path: str, token: str, **params) -> dict:
    response = shop.get(path, token, **params)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


def test_an_order_document_joins_customer_items_and_totals(shop):
    customer = shop.add_customer()
    lamp, mug = shop.add_product(price="19.90"), shop.add_product(price="7.25")
    placed = _order(shop, customer["id"], lamp, mug, quantity=3)
    order = _read(shop, f"/orders/{placed['id']}", placed["consistency_token"])
    assert order["status"] == "placed" and order["customer"]["id"] == customer["id"]
    assert [(i["line_no"], i["sku"], i["quantity"], i["unit_price"], i["line_total"]) for i in order["items"]] == [
        (1, lamp["sku"], 3, "19.90", "59.70"),
        (2, mug["sku"], 3, "7.25", "21.75"),
    ]
    assert order["total"] == "81.45"
    paid = shop.command("POST", f"/orders/{placed['id']}/pay")
    assert _read(shop, f"/orders/{placed['id']}", paid["consistency_token"])["status"] == "paid"
    profile = _read(shop, f"/customers/{customer['id']}", paid["consistency_token"])
    assert (profile["order_count"], profile["lifetime_value"]) == (1, "81.45")
    assert profile["last_order_at"] == order["placed_at"]


def test_a_customer_rename_reaches_all_their_orders(shop):
    customer = shop.add_customer()
    product = shop.add_product(initial_stock=100)
    placed = [_order(shop, customer["id"], product) for _ in range(12)]
    renamed = shop.command("PATCH", f"/customers/{customer['id']}", {"name": "Ada Renamed"})
    listed = _read(shop, f"/customers/{customer['id']}/orders", renamed["consistency_token"])
    assert listed["total"] == 12
    assert {o["customer"]["name"] for o in listed["hits"]} == {"Ada Renamed"}
    for order in placed:
        assert _read(shop, f"/orders/{order['id']}", renamed["consistency_token"])["customer"]["name"] == "Ada Renamed"


def test_a_product_rename_reaches_every_order_that_holds_it(shop):
    product, other = shop.add_product(initial_stock=100), shop.add_product(initial_stock=100)
    customers = [shop.add_customer() for _ in range(3)]
    placed = [_order(shop, c["id"], product, other) for c in customers for _ in range(2)]
    renamed = shop.command("PATCH", f"/products/{product['id']}", {"name": "Lamp Deluxe"})
    for order in placed:
        items = _read(shop, f"/orders/{order['id']}", renamed["consistency_token"])["items"]
        assert [i["name"] for i in items] == ["Lamp Deluxe", other["name"]]


def test_cancelling_an_order_retracts_it_from_the_customer(shop):
    customer = shop.add_customer()
    product = shop.add_product(price="5.00")
    kept, cancelled = _order(shop, customer["id"], product), _order(shop, customer["id"], product, quantity=2)
    done = shop.command("POST", f"/orders/{cancelled['id']}/cancel")
    profile = _read(shop, f"/customers/{customer['id']}", done["consistency_token"])
    assert (profile["order_count"], profile["lifetime_value"]) == (1, "5.00")
    kept_order = _read(shop, f"/orders/{kept['id']}", done["consistency_token"])
    assert profile["last_order_at"] == kept_order["placed_at"]


def test_after_erasure_no_index_holds_the_customer_and_their_orders_show_no_customer(stack, shop):
    word = uuid.uuid4().hex[:12]
    name, email = f"Erasable {word}", f"erase-{word}@example.com"
    customer = shop.command("POST", "/customers", {"email": email, "name": name, "country": "NL"})
    product = shop.add_product()
    placed = [_order(shop, customer["id"], product) for _ in range(3)]
    before = _read(shop, f"/orders/{placed[0]['id']}", placed[-1]["consistency_token"])
    assert before["customer"]["email"] == email
    assert _read(shop, "/orders/search", placed[-1]["consistency_token"], q=word)["total"] == len(placed)
    erased = shop.command("DELETE", f"/customers/{customer['id']}")
    for order in placed:
        assert _read(shop, f"/orders/{order['id']}", erased["consistency_token"])["customer"] is None
    assert shop.get(f"/customers/{customer['id']}", erased["consistency_token"]).status_code == 404
    # a search with the token waits until the erasure is searchable
    assert _read(shop, "/orders/search", erased["consistency_token"], q=word)["total"] == 0
    leaks = _documents_mentioning(stack.elasticsearch_url, [name, email, word])
    assert leaks == [], f"erased values still indexed: {leaks[:5]}"


def _documents_mentioning(es_url: str, values: list[str]) -> list[str]:
    """Scan every document of every readside index (not only what a search analyzer would find)."""
    indices = httpx.get(f"{es_url}/_cat/indices", params={"format": "json", "h": "index"}).json()
    leaks = []
    for index in sorted(i["index"] for i in indices if not i["index"].startswith(".")):
        for hit in scan_index(es_url, index):
            text = json.dumps(hit["_source"]).lower()
            if any(value.lower() in text for value in values):
                leaks.append(f"{index}/{hit['_id']}")
    return leaks
