"""`readside rebuild`: every read model built anew into a versioned index behind its alias while writes and
token reads go on; the old index is kept current for `--rollback`, `--drop-previous` deletes it, and a
rebuild killed halfway leaves the alias alone and is started over by the next run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pytest

from catalog import derive
from catalog.registry import read_models
from infra.polling import poll_until
from tests.support.pipeline import aliased, assert_verified, readside
from tests.support.workload import Renamer

pytestmark = pytest.mark.e2e

MODELS = {name: derive.alias(model) for name, model in read_models().items()}  # every declared model (models/)


def test_every_model_is_rebuilt_under_writes_with_no_stale_or_failed_read_then_rolled_back_and_dropped(stack, shop):
    es = stack.settings.elasticsearch_url
    before = {model: aliased(es, alias) for model, alias in MODELS.items()}
    renamer = Renamer(stack, shop.add_product(initial_stock=100_000), shop.add_customer()["id"], read_orders=True)
    renamer.start()
    try:
        poll_until(lambda: renamer.acked >= 5, 60, "writes to flow before the rebuild")
        result = readside("rebuild", "all", timeout_s=600)
        assert result.returncode == 0, result.stdout + result.stderr
        acked = renamer.acked
        poll_until(lambda: renamer.acked >= acked + 5, 60, "writes to flow after the rebuild")
    finally:
        renamer.stop()
    print(result.stdout, renamer.statuses)
    assert renamer.stale == []
    assert {key for key in renamer.statuses if not key.endswith((" 200", " 201"))} == set(), renamer.statuses
    for model, alias in MODELS.items():
        [now] = aliased(es, alias)
        assert [now] != before[model] and now.startswith(f"{before[model][0].split('-')[0]}-")
        assert aliased(es, f"{alias}-shadow") == sorted([now, *before[model]])
    shown = json.loads(readside("status", "--json").stdout)["read_models"]
    assert shown["orders"] == {"live": aliased(es, "orders"), "also_written": before["orders"]}
    assert_verified()

    # Both versions stayed current: move back, write, verify; then drop the old one and verify again.
    rebuilt = aliased(es, "products")
    rolled = readside("rebuild", "--rollback", "products")
    assert rolled.returncode == 0, rolled.stderr
    assert aliased(es, "products") == before["products"]
    _rename_and_read(shop, renamer.product["id"], "After the rollback")
    assert_verified()
    dropped = readside("rebuild", "--drop-previous", "products")
    assert dropped.returncode == 0, dropped.stderr
    assert aliased(es, "products-shadow") == []
    assert httpx.get(f"{es}/{rebuilt[0]}").status_code == 404
    _rename_and_read(shop, renamer.product["id"], "After the drop")
    assert_verified()


def _rename_and_read(shop, product_id: int, name: str) -> None:
    renamed = shop.command("PATCH", f"/products/{product_id}", {"name": name})
    read = shop.get(f"/products/{product_id}", renamed["consistency_token"])
    assert read.status_code == 200 and read.json()["name"] == name


def test_a_rebuild_killed_halfway_leaves_the_alias_alone_and_the_next_run_starts_over(stack, shop):
    es = stack.settings.elasticsearch_url
    live = aliased(es, "customers")
    shop.add_customer()
    run = subprocess.Popen(
        [sys.executable, "-m", "infra.cli.main", "rebuild", "customers"],
        text=True,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    assert run.stderr is not None
    for line in run.stderr:
        if "created " in line:  # the new index is in the shadow set; the snapshot comes next
            run.send_signal(signal.SIGKILL)
            break
    run.wait(60)
    assert run.returncode == -signal.SIGKILL, "the rebuild ended before it could be killed halfway"
    unfinished = [index for index in aliased(es, "customers-shadow") if index not in live]
    assert len(unfinished) == 1 and aliased(es, "customers") == live

    again = readside("rebuild", "customers", timeout_s=300)
    assert again.returncode == 0, again.stderr
    assert f"dropping {unfinished[0]} (an unfinished rebuild)" in again.stderr
    assert httpx.get(f"{es}/{unfinished[0]}").status_code == 404
    assert aliased(es, "customers") != live
    assert_verified()
