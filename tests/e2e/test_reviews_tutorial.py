"""docs/read-models.md, as a user runs it on a live stack under writes: reviews written with plain SQL and
their tokens are searchable at once; the product's review_count and rating_avg are exact after updates, a
delete and a review moved to another product; rebuild and verify agree (0 differences)."""

from __future__ import annotations

import secrets

import psycopg
import pytest

from infra.polling import poll_until
from infra.secrets import postgres_password
from tests.support.pipeline import assert_verified, readside
from tests.support.workload import Renamer

pytestmark = pytest.mark.e2e


def write(conn: psycopg.Connection, sql: str, *params: object) -> tuple[int | None, str]:
    """One statement in its own transaction, then the writer's token, as the tutorial's writer does."""
    with conn.transaction():
        row = conn.execute(sql, params).fetchone()
    token = conn.execute("SELECT readside_consistency_token()").fetchone()
    assert token is not None
    return (row[0] if row else None), token[0]


def expected_figures(conn: psycopg.Connection, product_id: int) -> tuple[int, float | None]:
    row = conn.execute(
        "SELECT count(*), sum(rating)::float8 / NULLIF(count(rating), 0) FROM reviews WHERE product_id = %s",
        (product_id,),
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_the_reviews_tutorial_on_a_live_stack(stack, shop):
    assert readside("migrate").returncode == 0  # step 1: the table exists (already applied: nothing to do)
    word = secrets.token_hex(5)
    lamp, desk = shop.add_product(name=f"Lamp {word}"), shop.add_product(name=f"Desk {word}")
    customer = shop.add_customer()["id"]
    renamer = Renamer(stack, shop.add_product(initial_stock=100_000), customer, read_orders=True)
    renamer.start()
    dsn = stack.settings.postgres_dsn(postgres_password(stack.settings))
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            insert = "INSERT INTO reviews (product_id, customer_id, rating, body) VALUES (%s, %s, %s, %s) RETURNING id"
            first, _ = write(conn, insert, lamp["id"], customer, 5, f"bright {word} lamp, love it")
            second, _ = write(conn, insert, lamp["id"], customer, 2, f"flickers {word}")
            third, token = write(conn, insert, desk["id"], None, 4, f"solid {word} desk")

            got = shop.get(f"/reviews/{first}", token)
            assert got.status_code == 200, got.text
            assert (got.json()["rating"], got.json()["product_id"]) == (5, lamp["id"])
            found = shop.get("/reviews/search", token, q=f"{word} lamp").json()
            assert [hit["id"] for hit in found["hits"]][:1] == [first] and found["total"] >= 1
            by_product = shop.get("/reviews/search", token, product_id=lamp["id"]).json()
            assert sorted(hit["id"] for hit in by_product["hits"]) == sorted([first, second])
            low = shop.get("/reviews/search", token, product_id=lamp["id"], rating=2).json()
            assert [hit["id"] for hit in low["hits"]] == [second]
            assert product_figures(shop, lamp["id"], token) == expected_figures(conn, lamp["id"]) == (2, 3.5)

            _, token = write(conn, "UPDATE reviews SET rating = 3 WHERE id = %s RETURNING id", second)
            assert product_figures(shop, lamp["id"], token) == expected_figures(conn, lamp["id"]) == (2, 4.0)
            _, token = write(conn, "UPDATE reviews SET product_id = %s WHERE id = %s RETURNING id", desk["id"], first)
            assert product_figures(shop, lamp["id"], token) == expected_figures(conn, lamp["id"]) == (1, 3.0)
            assert product_figures(shop, desk["id"], token) == expected_figures(conn, desk["id"]) == (2, 4.5)
            _, token = write(conn, "DELETE FROM reviews WHERE id = %s RETURNING id", second)
            assert product_figures(shop, lamp["id"], token) == (0, None)
            assert shop.get(f"/reviews/{second}", token).status_code == 404
            assert shop.get(f"/reviews/{third}", token).json()["customer_id"] is None

        acked = renamer.acked
        rebuilt = readside("rebuild", "products", timeout_s=600)  # the last step: every product gets the fields
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        poll_until(lambda: renamer.acked >= acked + 3, 60, "writes to flow after the rebuild")
    finally:
        renamer.stop()
    assert renamer.stale == []
    assert_verified()


def product_figures(shop, product_id: int, token: str) -> tuple[int, float | None]:
    answer = shop.get(f"/products/{product_id}", token)
    assert answer.status_code == 200, answer.text
    return answer.json()["review_count"], answer.json()["rating_avg"]
