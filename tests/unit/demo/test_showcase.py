"""The searches shown: terms that find seeded products, and reads of models not deployed yet skipped with a note."""

from __future__ import annotations

import asyncio
import io

import httpx
from rich.console import Console

from infra.demo.catalog import plan_shop
from infra.demo.clients import QueryApi
from infra.demo.showcase import search_terms, show_searches

PRODUCT = {
    "id": 1,
    "sku": "KIT-1",
    "name": "Nordkap Copper Kettle",
    "description": "",
    "category": "kitchen",
    "price": "49.00",
    "active": True,
    "on_hand": 3,
    "in_stock": True,
    "units_sold": 7,
}
SEARCH = {
    "total": 1,
    "hits": [PRODUCT],
    "facets": {"category": [{"value": "kitchen", "count": 1}]},
    "next_cursor": None,
}


def test_search_terms_come_from_the_seeded_catalog():
    plan = plan_shop(5, "t3st", 10, 40, 0)
    words, category = search_terms(plan)
    quality, noun = words.split(" ", 1)[0], words.rsplit(" ", 1)[-1]
    assert any(quality in p.name.lower() and p.name.lower().endswith(noun) for p in plan.products)
    assert category in {p.category for p in plan.products}


def show(handler) -> str:
    out = io.StringIO()
    api = QueryApi("http://query.test", transport=httpx.MockTransport(handler), backoff_s=0)
    plan = plan_shop(5, "t3st", 10, 40, 0)
    asyncio.run(show_searches(api, plan, (3, "Ada Lovelace"), "v1.AAAAAAAAAAE", Console(file=out, width=200)))
    return out.getvalue()


def test_orders_and_customers_reads_not_deployed_yet_are_skipped_with_a_note():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/products/search":
            return httpx.Response(200, json=SEARCH)
        return httpx.Response(404, json={"detail": "Not Found"})

    shown = show(handler)
    assert "Nordkap Copper Kettle" in shown
    assert "GET /orders/search is not deployed" in shown and "GET /customers/{id} is not deployed" in shown


def test_orders_and_customers_reads_are_shown_once_deployed():
    order = {
        "id": 9,
        "status": "paid",
        "customer": {"id": 3, "name": "Ada Lovelace", "email": "a@x.org", "country": "GB"},
        "items": [
            {
                "line_no": 1,
                "product_id": 1,
                "sku": "KIT-1",
                "name": "Nordkap Copper Kettle",
                "quantity": 2,
                "unit_price": "49.00",
                "line_total": "98.00",
            }
        ],
        "total": "98.00",
        "placed_at": "2026-11-26T10:00:00Z",
        "updated_at": "2026-11-26T10:00:01Z",
    }
    customer = {
        "id": 3,
        "email": "a@x.org",
        "name": "Ada Lovelace",
        "country": "GB",
        "order_count": 1,
        "lifetime_value": "98.00",
        "last_order_at": "2026-11-26T10:00:00Z",
    }
    answers = {
        "/products/search": SEARCH,
        "/orders/search": {"total": 1, "hits": [order], "next_cursor": None},
        "/customers/3": customer,
    }
    shown = show(lambda request: httpx.Response(200, json=answers[request.url.path]))
    assert "GET /orders/search?q=Lovelace" in shown and "2× Nordkap Copper Kettle" in shown
    assert "lifetime value: 98.00" in shown and "not deployed" not in shown
