"""`readside verify --repair` re-indexes exactly the documents that differ from Postgres: a wrong field, a
missing document and one Postgres no longer has, each mended at a snapshot's version; a later change
still wins over the repair."""

from __future__ import annotations

import secrets

import httpx
import pytest

from tests.support.pipeline import assert_verified, readside

pytestmark = pytest.mark.e2e


def test_repair_mends_a_wrong_field_a_missing_and_an_extra_document_and_later_changes_still_apply(stack, shop):
    es = stack.settings.elasticsearch_url
    product = shop.add_product(name="Repair lamp")
    customer = shop.add_customer()
    for path, token in (
        (f"/products/{product['id']}", product["consistency_token"]),
        (f"/customers/{customer['id']}", customer["consistency_token"]),
    ):
        assert shop.get(path, token).status_code == 200
    assert_verified()
    # Drift, as a bug or a hand edit would leave it: a wrong name at the document's own version, a missing
    # customer, and a customer Postgres never had.
    doc = httpx.get(f"{es}/products/_doc/{product['id']}").json()
    httpx.put(
        f"{es}/products/_doc/{product['id']}",
        params={"version": doc["_version"], "version_type": "external_gte", "refresh": "true"},
        json={**doc["_source"], "name": "Drifted lamp"},
    ).raise_for_status()
    version = httpx.get(f"{es}/customers/_doc/{customer['id']}").json()["_version"]
    httpx.delete(
        f"{es}/customers/_doc/{customer['id']}",
        params={"version": version, "version_type": "external_gte", "refresh": "true"},
    ).raise_for_status()
    ghost = 900_000_000 + secrets.randbelow(99_999_999)  # a deleted id keeps a tombstone: never the same twice
    httpx.put(
        f"{es}/customers/_doc/{ghost}",
        params={"refresh": "true", "version": 1, "version_type": "external"},
        json={
            "id": ghost,
            "email": "ghost@example.com",
            "name": "Ghost",
            "country": "GB",
            "order_count": 0,
            "lifetime_value": "0.00",
            "lifetime_value_cents": 0,
            "last_order_at": None,
            "source_lsn": 1,
            "source_ts_ms": 0,
            "indexed_at": "2026-01-01T00:00:00Z",
        },
    ).raise_for_status()

    found = readside("verify", "--model", "products", "--model", "customers", "--wait", "5", timeout_s=120)
    assert found.returncode == 1 and "Drifted lamp" in found.stdout
    repaired = readside(
        "verify", "--model", "products", "--model", "customers", "--wait", "5", "--repair", timeout_s=120
    )
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "products: 1 document(s) re-indexed and 0 deleted" in repaired.stderr
    assert "customers: 1 document(s) re-indexed and 1 deleted" in repaired.stderr
    assert httpx.get(f"{es}/products/_doc/{product['id']}").json()["_source"]["name"] == "Repair lamp"
    assert httpx.get(f"{es}/customers/_doc/{ghost}").status_code == 404

    renamed = shop.command("PATCH", f"/products/{product['id']}", {"name": "Lamp after the repair"})
    read = shop.get(f"/products/{product['id']}", renamed["consistency_token"])
    assert read.status_code == 200 and read.json()["name"] == "Lamp after the repair"
    assert_verified()
