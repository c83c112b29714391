"""Schema changes on a running stack: a column the read models do not use changes nothing; a brand (migration
0004) flows into documents and search; a new mapping version is put behind the alias by a rebuild while reads
go on, with no stop of the pipeline."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest

from catalog import derive
from catalog.registry import read_model
from infra.deadletters import list_letters
from infra.polling import poll_until
from infra.secrets import postgres_password
from tests.support.pipeline import aliased, assert_verified, readside
from tests.support.workload import Renamer

pytestmark = pytest.mark.e2e


def test_a_column_no_read_model_uses_added_while_the_pipeline_runs_changes_nothing(stack, shop):
    dsn = stack.settings.postgres_dsn(postgres_password(stack.settings))
    column = f"note_{secrets.token_hex(3)}"
    letters = len(list_letters(stack.settings))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE products ADD COLUMN {column} text DEFAULT 'x'")
    try:
        added = shop.add_product(name="Lamp with a note")
        renamed = shop.command("PATCH", f"/products/{added['id']}", {"name": "Lamp with a note, renamed"})
        read = shop.get(f"/products/{added['id']}", renamed["consistency_token"])
        assert read.status_code == 200 and read.json()["name"] == "Lamp with a note, renamed"
        assert (
            column not in httpx.get(f"{stack.settings.elasticsearch_url}/products/_doc/{added['id']}").json()["_source"]
        )
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"ALTER TABLE products DROP COLUMN {column}")
    assert len(list_letters(stack.settings)) == letters
    assert_verified()


def test_a_brand_is_in_the_document_in_search_and_in_a_filter(shop):
    brand = f"Brewell{secrets.token_hex(4)}"  # one word no other product has, in no other field
    added = shop.add_product(name="Kettle", brand=brand)
    assert shop.get(f"/products/{added['id']}", added["consistency_token"]).json()["brand"] == brand
    found = shop.get("/products/search", added["consistency_token"], q=brand.lower()).json()
    assert [hit["id"] for hit in found["hits"]] == [added["id"]]
    filtered = shop.get("/products/search", added["consistency_token"], brand=brand).json()
    assert [hit["id"] for hit in filtered["hits"]] == [added["id"]]
    changed = shop.command("PATCH", f"/products/{added['id']}", {"brand": f"{brand} Works"})
    assert shop.get(f"/products/{added['id']}", changed["consistency_token"]).json()["brand"] == f"{brand} Works"


def test_a_new_mapping_version_goes_behind_the_alias_through_a_rebuild_while_reads_go_on(stack, shop, tmp_path: Path):
    es = stack.settings.elasticsearch_url
    products = read_model("products")
    alias = derive.alias(products)
    before = aliased(es, alias)
    # The next mapping version: the same fields, plus a lowercase keyword of the name to match prefixes on.
    mapping = json.loads(derive.mapping_file(products).read_text())
    mapping["mappings"]["properties"]["name"]["fields"]["lower"] = {
        "type": "keyword",
        "normalizer": "lowercase_keyword",
    }
    version = f"products_v{secrets.randbelow(900) + 100}"
    (tmp_path / f"{version}.json").write_text(json.dumps(mapping))
    renamer = Renamer(stack, shop.add_product(initial_stock=100_000), shop.add_customer()["id"])
    renamer.start()
    try:
        poll_until(lambda: renamer.acked >= 5, 60, "writes to flow before the rebuild")
        env = {
            **os.environ,
            "READSIDE_READ_MODEL_OVERRIDES": json.dumps(
                {"products": {"index": version, "mapping": str(tmp_path / f"{version}.json")}}
            ),
        }
        result = subprocess.run(
            [sys.executable, "-m", "infra.cli.main", "rebuild", "products"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        acked = renamer.acked
        poll_until(lambda: renamer.acked >= acked + 5, 60, "writes to flow after the rebuild")
    finally:
        renamer.stop()
    assert renamer.stale == []
    assert {key for key in renamer.statuses if not key.endswith((" 200", " 201"))} == set(), renamer.statuses
    [live] = aliased(es, alias)
    assert live.startswith(f"{version}-")
    typed = f"crash lamp {renamer.product['word'][:4]}"  # as a shopper types it: the word is not complete yet
    hits = httpx.post(f"{es}/products/_search", json={"query": {"prefix": {"name.lower": typed}}}).json()
    assert hits["hits"]["total"]["value"] >= 1
    assert_verified()
    # Back to the shipped mapping for the tests that follow: the rebuilt version is the previous one now.
    back = readside("rebuild", "products", timeout_s=300)
    assert back.returncode == 0, back.stderr
    assert readside("rebuild", "--drop-previous", "products").returncode == 0
    assert aliased(es, f"{alias}-shadow") == []
    [shipped] = aliased(es, alias)
    assert shipped.startswith(f"{derive.versioned(products)}-") and [shipped] != before
