"""The products read model recomputed from Postgres with SQL, and read back from Elasticsearch."""
from __future__ import annotations

from typing import Any, Iterator

import httpx
import psycopg

FIELDS = ["sku", "name", "description", "category", "price", "price_cents", "active",
          "on_hand", "in_stock", "units_sold"]

EXPECTED_SQL = """
SELECT p.id, p.sku, p.name, p.description, p.category, p.price::text AS price,
       (p.price * 100)::bigint AS price_cents, p.active,
       COALESCE(i.on_hand, 0) AS on_hand, COALESCE(i.on_hand, 0) > 0 AS in_stock,
       COALESCE(s.units, 0) AS units_sold
FROM products p
LEFT JOIN inventory i ON i.product_id = p.id
LEFT JOIN (SELECT oi.product_id, sum(oi.quantity)::bigint AS units
           FROM order_items oi JOIN orders o ON o.id = oi.order_id
           WHERE o.status <> 'cancelled'
           GROUP BY oi.product_id) s ON s.product_id = p.id
"""


def expected_products(dsn: str) -> dict[str, dict[str, Any]]:
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return {str(row["id"]): dict(row) for row in cur.execute(EXPECTED_SQL)}


def actual_documents(es_url: str, index: str) -> dict[str, dict[str, Any]]:
    return {hit["_id"]: hit["_source"] for hit in scan_index(es_url, index)}


def scan_index(es_url: str, index: str, page: int = 2000) -> Iterator[dict]:
    """Every document of `index` via a point in time + search_after (consistent while writes go on)."""
    with httpx.Client(base_url=es_url, timeout=30) as es:
        opened = es.post(f"/{index}/_pit", params={"keep_alive": "1m"})
        if opened.status_code == 404:
            return
        opened.raise_for_status()
        pit = opened.json()["id"]
        after: list | None = None
        try:
            while True:
                body: dict = {"size": page, "pit": {"id": pit, "keep_alive": "1m"},
                              "sort": [{"_shard_doc": "asc"}]}
                if after:
                    body["search_after"] = after
                hits = es.post("/_search", json=body).raise_for_status().json()["hits"]["hits"]
                if not hits:
                    return
                yield from hits
                after = hits[-1]["sort"]
        finally:
            es.request("DELETE", "/_pit", json={"id": pit})
